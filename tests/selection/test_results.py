"""Results: quota cuts with ties decided explicitly, the formula's checks, objections during the
public notice, and results recomputed from history at any past moment."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core import scoring
from core.exceptions import TransitionNotAllowed
from selection import rules, selectors, services
from selection.choices import CampaignStatus, CutKind, Normalisation, ObjectionAction
from selection.models import Cut, EntryResult, Objection, ResultFormula
from tests.selection.conftest import (
    leader_of,
    make_experts,
    make_org,
    points_for,
    small_call,
    start_review,
    submitted_entry,
)

pytestmark = pytest.mark.django_db

NOTICE_DAY = datetime.date(2023, 7, 3)


# --- arithmetic -------------------------------------------------------------------------------


def test_aggregation_mean_median_trimmed_mean_half_up():
    scores = [Decimal(x) for x in ("70", "85", "86", "88", "99")]
    assert scoring.aggregate(scores, scoring.MEAN) == Decimal("85.60")
    assert scoring.aggregate(scores, scoring.MEDIAN) == Decimal("86.00")
    assert scoring.aggregate(scores, scoring.TRIMMED_MEAN) == Decimal("86.33")
    assert scoring.aggregate([Decimal("1"), Decimal("2")], scoring.MEDIAN) == Decimal("1.50")
    # half-up, not banker's rounding: 80.125 -> 80.13, 80.005 -> 80.01
    assert scoring.round_half_up(Decimal("80.125")) == Decimal("80.13")
    assert scoring.aggregate([Decimal("80.00"), Decimal("80.01")], scoring.MEAN) == Decimal("80.01")
    with pytest.raises(ValueError):
        scoring.aggregate([Decimal(1), Decimal(2)], scoring.TRIMMED_MEAN)


def test_cut_with_and_without_ties():
    ranking = [(1, "90"), (2, "85"), (3, "85"), (4, "80")]
    assert rules.cut(ranking, 3).selected == [1, 2, 3] and not rules.cut(ranking, 3).tied
    tie = rules.cut(ranking, 2)
    assert tie.selected == [1] and tie.tied == [2, 3] and tie.seats == 1
    assert rules.cut(ranking, 10).selected == [1, 2, 3, 4]
    everyone_tied = rules.cut([(5, "70"), (6, "70"), (7, "70")], 2)
    assert everyone_tied.selected == [] and everyone_tied.seats == 2


def test_normalisation_within_a_category():
    assert rules.normalise({1: Decimal(50), 2: Decimal(100)}, Normalisation.MAX) == {
        1: Decimal(50),
        2: Decimal(100),
    }
    shares = rules.normalise({1: Decimal(15585), 2: Decimal(13125)}, Normalisation.SHARE)
    assert scoring.round_half_up(shares[1]) == Decimal("54.28")
    assert rules.normalise({1: Decimal(0)}, Normalisation.SHARE) == {1: Decimal(0)}


# --- a small call run to its notice ---------------------------------------------------------


@pytest.fixture
def scored(district_officer):
    """Two categories of three entries each, scored by two experts, the review closed."""
    campaign = small_call(district_officer)
    categories = list(campaign.categories.order_by("position"))
    entries = []
    for c, category in enumerate(categories):
        for j in range(3):
            organisation = make_org(f"组织{c}{j}")
            entries.append(
                submitted_entry(campaign, category, organisation, leader_of(organisation))
            )
    experts = make_experts(district_officer, 2)
    stage = start_review(campaign, district_officer, experts)
    services.assignments_balance(stage=stage, acting_user=district_officer)
    #  category 0: 90, 80, 80 (a tie for the 2nd shortlist place); category 1: 85, 75, 65
    totals = [90, 80, 80, 85, 75, 65]
    for entry, total in zip(entries, totals, strict=True):
        for assignment in stage.assignments.filter(entry=entry):
            services.sheet_submit(
                stage=stage,
                entry=entry,
                expert=assignment.expert,
                points=points_for(stage, total),
                acting_user=district_officer,
            )
    services.stage_close(stage=stage, acting_user=district_officer)
    return campaign, categories, entries, stage


def test_a_tie_at_the_quota_is_decided_explicitly(scored, district_officer):
    campaign, categories, entries, _stage = scored
    with pytest.raises(ValidationError) as error:
        services.cut_decide(
            category=categories[0], kind=CutKind.SHORTLIST, acting_user=district_officer
        )
    message = error.value.message_dict["tie_break"][0]
    assert entries[1].title in message and entries[2].title in message and "80.00" in message
    assert not Cut.objects.exists()
    # choosing both, or an entry that is not tied, or without a reason: refused
    for chosen, reason in (
        ([entries[1].pk, entries[2].pk], "x"),
        ([entries[0].pk], "x"),
        ([entries[1].pk], ""),
    ):
        with pytest.raises(ValidationError):
            services.cut_decide(
                category=categories[0],
                kind=CutKind.SHORTLIST,
                tie_break=chosen,
                reason=reason,
                acting_user=district_officer,
            )
    assert not Cut.objects.exists()
    cut = services.cut_decide(
        category=categories[0],
        kind=CutKind.SHORTLIST,
        tie_break=[entries[2].pk],
        reason="评审组合议",
        acting_user=district_officer,
    )
    assert cut.selected == [entries[0].pk, entries[2].pk]
    assert [row["total"] for row in cut.ranking] == ["90.00", "80.00", "80.00"]
    # a tie-break where there is no tie is refused
    with pytest.raises(ValidationError, match="no tie"):
        services.cut_decide(
            category=categories[1],
            kind=CutKind.SHORTLIST,
            tie_break=[entries[3].pk],
            acting_user=district_officer,
        )
    # deciding again supersedes the first decision
    again = services.cut_decide(
        category=categories[0],
        kind=CutKind.SHORTLIST,
        tie_break=[entries[1].pk],
        reason="复议",
        acting_user=district_officer,
    )
    cut.refresh_from_db()
    assert cut.superseded_at is not None and again.superseded_at is None
    entries[1].refresh_from_db()
    entries[2].refresh_from_db()
    assert entries[1].shortlisted and not entries[2].shortlisted


def test_formula_weights_must_add_up_to_100(scored, district_officer):
    campaign, _categories, _entries, stage = scored
    for weights, expected in (
        ({stage.pk: "60"}, "add up to 60, not 100"),
        ({stage.pk: "100.001"}, "at most two decimal places"),
        ({stage.pk: "abc"}, "is not a number"),
        ({stage.pk: "-10", 99999: "110"}, "is not a stage of this campaign"),
        ({}, "at least one stage"),
    ):
        with pytest.raises(ValidationError, match=expected):
            services.formula_publish(
                campaign=campaign, weights=weights, acting_user=district_officer
            )
    with pytest.raises(ValidationError, match="not a normalisation"):
        services.formula_publish(
            campaign=campaign,
            weights={stage.pk: 100},
            normalisation={stage.pk: "log"},
            acting_user=district_officer,
        )
    assert not ResultFormula.objects.exists()


def _to_notice(campaign, categories, entries, stage, user):
    services.cut_decide(
        category=categories[0],
        kind=CutKind.SHORTLIST,
        tie_break=[entries[1].pk],
        reason="合议",
        acting_user=user,
    )
    services.cut_decide(category=categories[1], kind=CutKind.SHORTLIST, acting_user=user)
    services.formula_publish(campaign=campaign, weights={stage.pk: 100}, acting_user=user)
    for category in categories:
        services.cut_decide(category=category, kind=CutKind.TOP, acting_user=user)
    return services.campaign_start_notice(campaign=campaign, acting_user=user, today=NOTICE_DAY)


def test_objections_during_the_notice(scored, district_officer):
    campaign, categories, entries, stage = scored
    with pytest.raises(TransitionNotAllowed, match="during the public notice only"):
        services.objection_file(
            campaign=campaign, objector="某居民", text="有异议", acting_user=district_officer
        )
    with pytest.raises(TransitionNotAllowed, match="Publish the results formula"):
        services.campaign_start_notice(campaign=campaign, acting_user=district_officer)
    _to_notice(campaign, categories, entries, stage, district_officer)
    campaign.refresh_from_db()
    assert (campaign.notice_starts_on, campaign.notice_ends_on) == (
        NOTICE_DAY,
        datetime.date(2023, 7, 9),
    )
    with pytest.raises(ValidationError) as error:
        services.objection_file(
            campaign=campaign, objector="", text=" ", acting_user=district_officer, today=NOTICE_DAY
        )
    assert set(error.value.message_dict) == {"objector", "text"}
    objection = services.objection_file(
        campaign=campaign,
        entry=entries[1],
        objector="组织02",
        phone="13700001111",
        text="我单位与入围单位同分，请说明取舍依据。",
        acting_user=district_officer,
        today=datetime.date(2023, 7, 9),
    )
    with pytest.raises(TransitionNotAllowed, match="during the public notice only"):
        services.objection_file(
            campaign=campaign,
            objector="迟到者",
            text="过期异议",
            acting_user=district_officer,
            today=datetime.date(2023, 7, 10),
        )
    with pytest.raises(TransitionNotAllowed, match="runs until 2023-07-09"):
        services.campaign_finalise(
            campaign=campaign, acting_user=district_officer, today=datetime.date(2023, 7, 9)
        )
    with pytest.raises(TransitionNotAllowed, match="Answer every objection"):
        services.campaign_finalise(
            campaign=campaign, acting_user=district_officer, today=datetime.date(2023, 7, 10)
        )
    with pytest.raises(ValidationError):
        services.objection_answer(
            objection=objection,
            action=ObjectionAction.UPHOLD,
            answer="",
            acting_user=district_officer,
        )
    services.objection_answer(
        objection=objection,
        action=ObjectionAction.DISMISS,
        answer="同分时经评审组合议决定，记录在案。",
        acting_user=district_officer,
    )
    with pytest.raises(TransitionNotAllowed):
        services.objection_answer(
            objection=objection,
            action=ObjectionAction.UPHOLD,
            answer="再议",
            acting_user=district_officer,
        )
    services.campaign_finalise(
        campaign=campaign, acting_user=district_officer, today=datetime.date(2023, 7, 10)
    )
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FINAL
    assert Objection.history.filter(id=objection.pk).count() == 2


def test_results_recomputed_from_history(scored, district_officer):
    campaign, categories, entries, stage = scored
    first_notice = _to_notice(campaign, categories, entries, stage, district_officer)
    published = {
        row.entry_id: str(row.total) for row in EntryResult.objects.filter(run=first_notice)
    }
    # An objection is upheld: a sheet was entered wrongly. Withdraw the notice and correct it.
    objection = services.objection_file(
        campaign=campaign,
        entry=entries[4],
        objector="组织11",
        text="评分录入有误。",
        acting_user=district_officer,
        today=NOTICE_DAY,
    )
    services.objection_answer(
        objection=objection,
        action=ObjectionAction.UPHOLD,
        answer="核实后更正评分。",
        acting_user=district_officer,
    )
    services.campaign_reopen(campaign=campaign, reason="更正评分", acting_user=district_officer)
    services.stage_reopen(stage=stage, reason="更正评分", acting_user=district_officer)
    sheet = stage.sheets.filter(entry=entries[4]).first()
    services.sheet_void(sheet=sheet, reason="录入错误", acting_user=district_officer)
    services.sheet_submit(
        stage=stage,
        entry=entries[4],
        expert=sheet.expert,
        points=points_for(stage, 100),
        acting_user=district_officer,
    )
    services.stage_close(stage=stage, acting_user=district_officer)
    with pytest.raises(TransitionNotAllowed, match="changed after its top entries were decided"):
        services.campaign_start_notice(campaign=campaign, acting_user=district_officer)
    services.cut_decide(category=categories[1], kind=CutKind.TOP, acting_user=district_officer)
    second_notice = services.campaign_start_notice(
        campaign=campaign, acting_user=district_officer, today=datetime.date(2023, 7, 12)
    )
    republished = {
        row.entry_id: str(row.total) for row in EntryResult.objects.filter(run=second_notice)
    }
    assert republished[entries[4].pk] == "87.50"  # (75 + 100) / 2
    assert published[entries[4].pk] == "75.00"

    # Each published run is what the history gives at its moment, and differs from the other.
    then = selectors.compute_results(campaign, as_of=first_notice.computed_at)
    assert then.totals() == published
    now = selectors.compute_results(campaign, as_of=second_notice.computed_at)
    assert now.totals() == republished == selectors.compute_results(campaign).totals()
    # the top entry of category 1 changed with the correction, in the history too
    top_then = {r.entry_id for r in then.rows if r.award == "top"}
    top_now = {r.entry_id for r in now.rows if r.award == "top"}
    assert entries[3].pk in top_then and entries[4].pk in top_now


def test_the_database_sums_agree_with_the_scores_one_by_one(scored, district_officer):
    """Means and trimmed means are computed from GROUP BY sums; a median from the sheets one by
    one: both agree with core.scoring on the sheets themselves."""
    _campaign, _categories, entries, stage = scored
    by_entry = {}
    for entry_id, total in stage.sheets.values_list("entry_id", "total"):
        by_entry.setdefault(entry_id, []).append(total)
    for method in ("mean", "median"):
        stage.aggregation = method
        found = selectors.stage_scores(stage, [e.pk for e in entries])
        for entry in entries:
            assert found[entry.pk].value == scoring.aggregate(by_entry[entry.pk], method)
            assert found[entry.pk].spread == scoring.spread(by_entry[entry.pk])
