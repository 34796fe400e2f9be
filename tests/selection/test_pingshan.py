"""The Pingshan 2023 call replayed end to end: 4 categories, 28 cases, expert review by five
experts with the highest and lowest scores dropped, 20 shortlisted (a tie at the boundary decided
explicitly), a top 10, public notice with an objection, certificates, coaching with a locked
final version, and the case book."""

import datetime
import re
import zlib
from decimal import Decimal

import pytest

from selection import documents, selectors, services
from selection.choices import (
    AwardKind,
    CampaignStatus,
    CutKind,
    EntryStatus,
    ObjectionAction,
    ResultRunKind,
    StageKind,
)
from selection.models import Certificate, EntryResult, ResultRun
from tests.selection.conftest import (
    PINGSHAN_COMMUNITIES,
    leader_of,
    make_experts,
    make_org,
    pingshan_call,
    score_all,
    submitted_entry,
)

pytestmark = pytest.mark.django_db

#: the trimmed means each category's seven cases earn (category 1 has a tie for 5th place)
BASES = [
    [90, 86, 82, 78, 74, 74, 66],
    [89, 85, 81, 77, 73, 69, 65],
    [88, 84, 80, 76, 72, 68, 64],
    [87, 83, 79, 75, 71, 67, 63],
]
NOTICE_DAY = datetime.date(2023, 7, 3)


def five_totals(base):
    """Five experts' totals whose mean without the highest and lowest is ``base``."""
    return [base + 3, base + 1, base, base - 1, base - 10]


def pdf_streams(pdf: bytes) -> bytes:
    """Every stream of a PDF, inflated where it is compressed (to look for fonts and images)."""
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        data = match.group(1)
        try:
            found.append(zlib.decompress(data))
        except zlib.error:
            found.append(data)
    return pdf + b"".join(found)


@pytest.fixture
def replay(district_officer):
    """The call, up to the closed expert review."""
    campaign = pingshan_call(district_officer)
    categories = list(campaign.categories.order_by("position"))
    entries = {}
    for c, category in enumerate(categories):
        for j in range(7):
            organisation = make_org(
                f"坪山{c + 1}类社会组织{j + 1}",
                community=PINGSHAN_COMMUNITIES[(c + j) % len(PINGSHAN_COMMUNITIES)],
            )
            leader = leader_of(organisation, name=f"负责人{c}{j}")
            entries[(c, j)] = submitted_entry(campaign, category, organisation, leader)
    collection, review = list(campaign.stages.order_by("position"))[:2]
    services.stage_close(stage=collection, acting_user=district_officer)
    services.stage_open(stage=review, acting_user=district_officer)
    experts = make_experts(district_officer, 5)
    services.panel_create(
        stage=review, name="案例评审专家组", experts=experts, acting_user=district_officer
    )
    created = services.assignments_balance(stage=review, acting_user=district_officer)
    assert len(created) == 28 * 5
    totals = {entries[(c, j)]: five_totals(BASES[c][j]) for c in range(4) for j in range(7)}
    # One case on which the experts disagree widely (spread 25 > 20): flagged, same mean.
    totals[entries[(2, 0)]] = [100, 88, 88, 88, 75]
    score_all(review, totals, district_officer)
    services.stage_close(stage=review, acting_user=district_officer)
    return campaign, categories, entries, review


def test_pingshan_call_replayed(replay, district_officer, make_user):
    campaign, categories, entries, review = replay

    # Ranking per category by the trimmed mean; the wide disagreement is flagged.
    ranking = selectors.stage_ranking(review)
    first = ranking[categories[0].pk]
    assert [row.total for row in first] == [Decimal(b) for b in BASES[0]]
    assert [row.rank for row in first] == [1, 2, 3, 4, 5, 5, 7]
    third = {row.entry_id: row for row in ranking[categories[2].pk]}
    assert third[entries[(2, 0)].pk].total == Decimal("88.00")
    assert third[entries[(2, 0)].pk].disagreement
    assert not third[entries[(2, 1)].pk].disagreement

    # Category 1 ties for the 5th place: refused until someone chooses, with a reason.
    tied = [entries[(0, 4)].pk, entries[(0, 5)].pk]
    with pytest.raises(Exception) as refused:
        services.cut_decide(
            category=categories[0], kind=CutKind.SHORTLIST, acting_user=district_officer
        )
    assert "tied at 74.00 for the last 1 places" in str(refused.value)
    cut = services.cut_decide(
        category=categories[0],
        kind=CutKind.SHORTLIST,
        acting_user=district_officer,
        tie_break=[entries[(0, 5)].pk],
        reason="服务成效得分更高",
    )
    assert cut.tied == tied and cut.tie_break == [entries[(0, 5)].pk]
    for category in categories[1:]:
        services.cut_decide(category=category, kind=CutKind.SHORTLIST, acting_user=district_officer)
    shortlisted = set(campaign.entries.filter(shortlisted=True).values_list("pk", flat=True))
    assert len(shortlisted) == 20
    assert entries[(0, 5)].pk in shortlisted and entries[(0, 4)].pk not in shortlisted

    # The formula: the expert review alone; ranking of the 20, then the top 10 by quota.
    formula = services.formula_publish(
        campaign=campaign, weights={review.pk: 100}, acting_user=district_officer
    )
    results = selectors.compute_results(campaign)
    assert {row.entry_id for row in results.rows} == shortlisted
    assert [row.total for row in results.by_category[categories[0].pk]] == [
        Decimal(b) for b in (90, 86, 82, 78, 74)
    ]
    row = results.row_for(entries[(1, 0)].pk)
    assert row.breakdown == [
        {
            "stage": review.pk,
            "label": "Expert review",
            "kind": StageKind.EXPERT_REVIEW,
            "raw": "89.00",
            "sheets": 5,
            "spread": "13.00",
            "disagreement": False,
            "normalisation": "none",
            "normalised": "89.00",
            "weight": "100",
            "contribution": "89.00",
        }
    ]
    for category in categories:
        services.cut_decide(category=category, kind=CutKind.TOP, acting_user=district_officer)
    results = selectors.compute_results(campaign)
    top = {row.entry_id for row in results.rows if row.award == AwardKind.TOP}
    assert len(top) == 10
    assert top == {entries[(c, j)].pk for c, n in enumerate([3, 3, 2, 2]) for j in range(n)}

    # Public notice: an objection during it holds the results until it is answered.
    run = services.campaign_start_notice(
        campaign=campaign, acting_user=district_officer, today=NOTICE_DAY
    )
    assert run.kind == ResultRunKind.NOTICE and run.formula == formula
    assert EntryResult.objects.filter(run=run).count() == 20
    campaign.refresh_from_db()
    assert campaign.notice_ends_on == datetime.date(2023, 7, 9)
    objection = services.objection_file(
        campaign=campaign,
        entry=entries[(0, 5)],
        objector="某社会组织",
        text="并列案例的取舍依据不清楚。",
        acting_user=district_officer,
        today=datetime.date(2023, 7, 5),
    )
    with pytest.raises(Exception, match="Answer every objection"):
        services.campaign_finalise(
            campaign=campaign, acting_user=district_officer, today=datetime.date(2023, 7, 10)
        )
    services.objection_answer(
        objection=objection,
        action=ObjectionAction.DISMISS,
        answer="并列时以服务成效得分决定，已在评审记录中说明。",
        acting_user=district_officer,
    )
    final = services.campaign_finalise(
        campaign=campaign, acting_user=district_officer, today=datetime.date(2023, 7, 10)
    )
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FINAL

    # Certificates: one per awarded case: 10 "十佳案例", 10 "优秀案例".
    certificates = list(Certificate.objects.filter(run=final))
    assert len(certificates) == 20
    assert sorted(c.title for c in certificates).count("十佳案例") == 10
    assert {c.entry_id for c in certificates if c.kind == AwardKind.TOP} == top
    pdf = documents.certificate_pdf(certificates[0])
    assert pdf.startswith(b"%PDF-")
    assert b"FontFile2" in pdf_streams(pdf) or b"FontFile3" in pdf_streams(pdf)

    # Coaching of the 20 by a coach, a revised version, the final version locked.
    coaching, publication = list(campaign.stages.order_by("position"))[2:]
    services.stage_open(stage=coaching, acting_user=district_officer)
    coach = make_experts(district_officer, 1, prefix="辅导老师")[0]
    coach_user = make_user(username="coach")
    services.expert_contact_set(
        expert=coach, phone=coach.phone, user=coach_user, acting_user=district_officer
    )
    services.panel_create(
        stage=coaching, name="辅导组", experts=[coach], acting_user=district_officer
    )
    services.assignments_balance(stage=coaching, acting_user=district_officer, per_entry=1)
    entry = entries[(0, 0)]
    services.coaching_comment_add(entry=entry, text="请补充服务成效数据。", acting_user=coach_user)
    leader = entry.organisation.leader_accounts.get()
    services.entry_revise(
        entry=entry, text="修改后的案例正文：服务成效数据已补充。", acting_user=leader
    )
    services.entry_lock_final(entry=entry, acting_user=district_officer)
    with pytest.raises(Exception, match="locked"):
        services.entry_revise(entry=entry, text="再改一次", acting_user=leader)
    entry.refresh_from_db()
    assert entry.final_revision.text == "修改后的案例正文：服务成效数据已补充。"
    assert entry.revisions.count() == 3  # draft, submitted, revised after coaching
    services.stage_close(stage=coaching, acting_user=district_officer)

    # The case book: 20 chapters in category and rank order, pictures and fonts embedded.
    services.stage_open(stage=publication, acting_user=district_officer)
    chapters = documents.case_book_chapters(campaign)
    assert len(chapters) == 20
    assert chapters[0]["entry"] == entry and chapters[0]["paragraphs"] == [
        "修改后的案例正文：服务成效数据已补充。"
    ]
    assert [c["category"].pk for c in chapters] == sorted(c["category"].pk for c in chapters)
    html = documents.case_book_html(campaign)
    assert html.count('class="chapter"') == 20 and "目录" in html
    assert "13800138000" not in html and "黄联系" not in html  # no personal data
    book = documents.case_book_pdf(campaign)
    streams = pdf_streams(book)
    assert b"FontFile2" in streams or b"FontFile3" in streams
    assert streams.count(b"/Subtype /Image") >= 60
    services.stage_close(stage=publication, acting_user=district_officer)
    services.campaign_close(campaign=campaign, acting_user=district_officer)
    assert ResultRun.objects.filter(campaign=campaign).count() == 2
    assert all(e.status == EntryStatus.SUBMITTED for e in entries.values())
