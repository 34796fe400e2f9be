"""The Zhuhai 2020 shape: expert review to a shortlist, then a public vote and an on-site review,
and a final review combining the stages. The vote is another app's (issue 18): it plugs in as a
result source, and the formula normalises its counts within the category, as Zhuhai published
them (珠澳合作治理类: 17520, 11421, 9732, 9321 votes = 36.5 %, 23.8 %, 20.28 %, 19.42 %)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from registry.models import Division
from selection import selectors, services
from selection.choices import Aggregation, CutKind, StageKind
from selection.stages import register_result_source, result_source, unregister_result_source
from tests.selection.conftest import (
    SCORE_CRITERIA,
    leader_of,
    make_experts,
    make_org,
    points_for,
    submitted_entry,
)

pytestmark = pytest.mark.django_db

VOTES = [17520, 11421, 9732, 9321]


def test_a_public_vote_plugs_in_as_a_stage_with_a_result(district_officer):
    campaign = services.campaign_create(
        organiser=Division.objects.get(code="440310"),
        title="市域社会治理创新项目培育行动",
        year=2020,
        min_pictures=0,
        categories=[{"name": "珠澳合作治理类", "shortlist_quota": 4, "top_quota": 1}],
        stages=[
            {"kind": StageKind.COLLECTION},
            {
                "kind": StageKind.EXPERT_REVIEW,
                "shortlist": True,
                "aggregation": Aggregation.MEAN,
                "experts_per_entry": 1,
                "criteria": SCORE_CRITERIA,
            },
            {"kind": StageKind.PUBLIC_VOTE},
            {
                "kind": StageKind.ONSITE_REVIEW,
                "aggregation": Aggregation.MEAN,
                "experts_per_entry": 1,
                "criteria": SCORE_CRITERIA,
            },
        ],
        acting_user=district_officer,
    )
    campaign = services.campaign_open(campaign=campaign, acting_user=district_officer)
    category = campaign.categories.get()
    entries = [
        submitted_entry(campaign, category, org, leader_of(org))
        for org in (make_org(f"珠澳项目{i}") for i in range(5))
    ]
    collection, review, vote, onsite = campaign.stages.order_by("position")
    experts = make_experts(district_officer, 1)

    def score(stage, totals):
        services.panel_create(stage=stage, name="组", experts=experts, acting_user=district_officer)
        services.assignments_balance(stage=stage, acting_user=district_officer)
        for entry, total in zip(entries, totals, strict=False):
            if stage.assignments.filter(entry=entry).exists():
                services.sheet_submit(
                    stage=stage,
                    entry=entry,
                    expert=experts[0],
                    points=points_for(stage, total),
                    acting_user=district_officer,
                )

    services.stage_close(stage=collection, acting_user=district_officer)
    services.stage_open(stage=review, acting_user=district_officer)
    score(review, [90, 85, 80, 75, 50])
    services.stage_close(stage=review, acting_user=district_officer)
    services.cut_decide(category=category, kind=CutKind.SHORTLIST, acting_user=district_officer)
    services.stage_open(stage=vote, acting_user=district_officer)

    # Without a vote counter (the voting app registers one), the vote stage can be neither
    # weighted nor closed.
    weights = {review.pk: "50", vote.pk: "20", onsite.pk: "30"}
    installed = result_source(StageKind.PUBLIC_VOTE)
    unregister_result_source(StageKind.PUBLIC_VOTE)
    try:
        with pytest.raises(ValidationError, match="no vote counting is installed"):
            services.formula_publish(
                campaign=campaign, weights=weights, acting_user=district_officer
            )
    finally:
        if installed is not None:
            register_result_source(StageKind.PUBLIC_VOTE, installed)

    counts = dict(zip([e.pk for e in entries[:4]], VOTES, strict=True))

    def vote_counts(stage, entry_ids, *, as_of=None):
        return {pk: Decimal(counts[pk]) for pk in entry_ids if pk in counts}

    register_result_source(StageKind.PUBLIC_VOTE, vote_counts)
    try:
        services.stage_close(stage=vote, acting_user=district_officer)
        services.stage_open(stage=onsite, acting_user=district_officer)
        score(onsite, [70, 80, 90, 60])
        services.stage_close(stage=onsite, acting_user=district_officer)
        services.formula_publish(campaign=campaign, weights=weights, acting_user=district_officer)
        results = selectors.compute_results(campaign)
        shares = {
            row.entry_id: next(b["normalised"] for b in row.breakdown if b["kind"] == "public_vote")
            for row in results.rows
        }
        assert [shares[e.pk] for e in entries[:4]] == ["36.50", "23.80", "20.28", "19.42"]
        totals = {row.entry_id: row.total for row in results.rows}
        # 90*.5 + 36.50*.2 + 70*.3 = 73.30; 85*.5 + 23.80*.2 + 80*.3 = 71.26; 80*.5 + 20.28*.2
        # + 90*.3 = 71.06; 75*.5 + 19.42*.2 + 60*.3 = 59.38
        assert [totals[e.pk] for e in entries[:4]] == [
            Decimal("73.30"),
            Decimal("71.26"),
            Decimal("71.06"),
            Decimal("59.38"),
        ]
        assert entries[4].pk not in totals  # not shortlisted: not in the final review
    finally:
        unregister_result_source(StageKind.PUBLIC_VOTE)
        if installed is not None:
            register_result_source(StageKind.PUBLIC_VOTE, installed)
