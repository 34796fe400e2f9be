"""The Xuzhou 2015 call replayed: a city call open to units of three levels (district, street,
community), expert reading on three weighted criteria (scientific soundness, innovation,
practicality), a site visit of the shortlisted cases checking authenticity, results and
residents' satisfaction, and a formula combining both stages."""

from decimal import Decimal

import pytest

from registry.choices import Role
from registry.models import Division
from selection import selectors, services
from selection.choices import Aggregation, AwardKind, CutKind, Normalisation, StageKind
from tests.selection.conftest import (
    XUZHOU_REVIEW,
    XUZHOU_VISIT,
    case_text,
    make_experts,
    pictures,
    points_for,
)

pytestmark = pytest.mark.django_db

#: unit code -> (category, expert reading totals of the three experts, site visit totals of two)
UNITS = {
    "440310": (0, [82, 80, 78], [60, 60]),  # a district: reading 80, visit 60
    "440310001": (0, [75, 75, 75], [88, 92]),  # a street: 75, 90
    "440310001003": (0, [72, 70, 68], [85, 85]),  # a community: 70, 85
    "440307": (0, [60, 60, 60], None),  # not shortlisted
    "440310002": (1, [90, 88, 86], [50, 50]),  # 88, 50
    "440310002003": (1, [70, 70, 70], [95, 95]),  # 70, 95
    "440307003": (1, [65, 65, 65], None),
}
ROLES = {6: Role.DISTRICT_OFFICER, 9: Role.STREET_OFFICER, 12: Role.COMMUNITY_STAFF}


@pytest.fixture
def xuzhou(city_officer, make_user):
    city = Division.objects.get(code="4403")
    campaign = services.campaign_create(
        organiser=city,
        title="城乡社区治理和服务创新优秀案例征集",
        year=2015,
        word_limit=2500,
        min_pictures=0,
        max_pictures=5,
        allow_units=True,
        categories=[
            {"name": "优化社区治理结构", "shortlist_quota": 3, "top_quota": 2},
            {"name": "完善社区服务体系", "shortlist_quota": 2, "top_quota": 1},
        ],
        stages=[
            {"kind": StageKind.COLLECTION},
            {
                "kind": StageKind.EXPERT_REVIEW,
                "name": "专家审阅",
                "shortlist": True,
                "aggregation": Aggregation.MEAN,
                "experts_per_entry": 3,
                "criteria": XUZHOU_REVIEW,
            },
            {
                "kind": StageKind.SITE_VISIT,
                "name": "实地察看",
                "aggregation": Aggregation.MEAN,
                "experts_per_entry": 2,
                "criteria": XUZHOU_VISIT,
            },
            {"kind": StageKind.PUBLICATION, "name": "汇编成册"},
        ],
        acting_user=city_officer,
    )
    campaign = services.campaign_open(campaign=campaign, acting_user=city_officer)
    categories = list(campaign.categories.order_by("position"))
    entries = {}
    for code, (category, _reading, _visit) in UNITS.items():
        officer = make_user(ROLES[len(code)], code)
        unit = Division.objects.get(code=code)
        entry = services.entry_create(
            campaign=campaign,
            category=categories[category],
            unit=unit,
            unit_name=f"{unit.name}民政部门",
            title=f"{unit.name}社区治理创新",
            text=case_text(2000, "社区治理创新案例"),
            contact_name="李联系",
            phone="0516-83686538",
            acting_user=officer,
        )
        services.pictures_add(entry=entry, uploads=pictures(1), acting_user=officer)
        entries[code] = services.entry_submit(entry=entry, acting_user=officer)
    return campaign, categories, entries


def test_xuzhou_call_replayed(xuzhou, city_officer):
    campaign, categories, entries = xuzhou
    collection, reading, visit, book = list(campaign.stages.order_by("position"))
    services.stage_close(stage=collection, acting_user=city_officer)
    services.stage_open(stage=reading, acting_user=city_officer)
    readers = make_experts(city_officer, 3, district="440303", prefix="审阅专家")
    services.panel_create(stage=reading, name="专家组", experts=readers, acting_user=city_officer)
    services.assignments_balance(stage=reading, acting_user=city_officer)
    for code, (_category, totals, _visit) in UNITS.items():
        assignments = reading.assignments.filter(entry=entries[code]).order_by("expert_id")
        for assignment, total in zip(assignments, totals, strict=True):
            services.sheet_submit(
                stage=reading,
                entry=entries[code],
                expert=assignment.expert,
                points=points_for(reading, total),
                acting_user=city_officer,
            )
    services.stage_close(stage=reading, acting_user=city_officer)
    for category in categories:
        services.cut_decide(category=category, kind=CutKind.SHORTLIST, acting_user=city_officer)
    shortlisted = {e.pk for e in campaign.entries.filter(shortlisted=True)}
    assert shortlisted == {entries[c].pk for c, (_x, _r, v) in UNITS.items() if v is not None}

    # The site visit: only the shortlisted cases take part; notes are kept with the sheets.
    services.stage_open(stage=visit, acting_user=city_officer)
    visitors = make_experts(city_officer, 2, district="440304", prefix="察看组")
    services.panel_create(stage=visit, name="工作组", experts=visitors, acting_user=city_officer)
    created = services.assignments_balance(stage=visit, acting_user=city_officer)
    assert {a.entry_id for a in created} == shortlisted
    for code, (_category, _reading, totals) in UNITS.items():
        if totals is None:
            continue
        assignments = visit.assignments.filter(entry=entries[code]).order_by("expert_id")
        for assignment, total in zip(assignments, totals, strict=True):
            services.sheet_submit(
                stage=visit,
                entry=entries[code],
                expert=assignment.expert,
                points=points_for(visit, total),
                note="实地察看：台账齐全，走访居民5户，满意度较高。",
                acting_user=city_officer,
            )
    services.stage_close(stage=visit, acting_user=city_officer)

    # Expert reading 60 %, site visit 40 %, both as scored.
    formula = services.formula_publish(
        campaign=campaign,
        weights={reading.pk: "60", visit.pk: "40"},
        acting_user=city_officer,
    )
    results = selectors.compute_results(campaign)
    first = results.by_category[categories[0].pk]
    # 440310001: 75*.6 + 90*.4 = 81; 440310001003: 70*.6 + 85*.4 = 76; 440310: 80*.6+60*.4 = 72
    assert [(row.entry_id, row.total, row.rank) for row in first] == [
        (entries["440310001"].pk, Decimal("81.00"), 1),
        (entries["440310001003"].pk, Decimal("76.00"), 2),
        (entries["440310"].pk, Decimal("72.00"), 3),
    ]
    second = results.by_category[categories[1].pk]
    # 440310002003: 70*.6 + 95*.4 = 80; 440310002: 88*.6 + 50*.4 = 72.8
    assert [(row.entry_id, row.total) for row in second] == [
        (entries["440310002003"].pk, Decimal("80.00")),
        (entries["440310002"].pk, Decimal("72.80")),
    ]
    breakdown = results.row_for(entries["440310002"].pk).breakdown
    assert [(b["label"], b["raw"], b["weight"], b["contribution"]) for b in breakdown] == [
        ("专家审阅", "88.00", "60", "52.80"),
        ("实地察看", "50.00", "40", "20.00"),
    ]

    # A second version normalising the visit by the category's best changes the ranking.
    second_version = services.formula_publish(
        campaign=campaign,
        weights={reading.pk: "60", visit.pk: "40"},
        normalisation={visit.pk: Normalisation.MAX},
        acting_user=city_officer,
        note="实地察看以类别最高分折算",
    )
    assert second_version.version == formula.version + 1
    rescaled = selectors.compute_results(campaign).by_category[categories[0].pk]
    # visit scores 90, 85, 60 become 100, 94.44, 66.67
    assert [row.total for row in rescaled] == [Decimal("85.00"), Decimal("79.78"), Decimal("74.67")]
    # The first version still computes the first ranking.
    again = selectors.compute_results(campaign, formula=formula)
    assert again.totals() == results.totals()

    for category in categories:
        services.cut_decide(category=category, kind=CutKind.TOP, acting_user=city_officer)
    results = selectors.compute_results(campaign)
    assert {row.entry_id for row in results.rows if row.award == AwardKind.TOP} == {
        entries["440310001"].pk,
        entries["440310001003"].pk,
        entries["440310002003"].pk,
    }
    assert book.status == "pending"
