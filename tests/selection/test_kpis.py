"""The selection KPIs in reports/: entries per district (drill-down to the organisations),
shortlisted entries, the share of 3A+ organisations taking part; as of a past day; scoped."""

import datetime

import pytest
from django.utils import timezone

from core.exceptions import OutOfJurisdiction
from grading.models import GradeAward
from registry.models import Division
from reports.kpis import kpi_organisations, kpi_report
from reports.kpis_selection import SELECTION_KEYS, entries_by_category
from selection import services
from selection.choices import CutKind, StageKind
from tests.selection.conftest import (
    SCORE_CRITERIA,
    leader_of,
    make_experts,
    make_org,
    points_for,
    submitted_entry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_call(city_officer):
    campaign = services.campaign_create(
        organiser=Division.objects.get(code="4403"),
        title="深圳市社区治理案例征集",
        year=timezone.localdate().year,
        min_pictures=0,
        categories=[{"name": "社区服务类", "shortlist_quota": 1}],
        stages=[
            {"kind": StageKind.COLLECTION},
            {
                "kind": StageKind.EXPERT_REVIEW,
                "shortlist": True,
                "experts_per_entry": 1,
                "criteria": SCORE_CRITERIA,
            },
        ],
        acting_user=city_officer,
    )
    return services.campaign_open(campaign=campaign, acting_user=city_officer)


def test_selection_kpis(city_call, city_officer, make_user):
    today = timezone.localdate()
    graded = make_org("坪山三A协会")
    GradeAward.objects.create(
        organisation=graded,
        level=3,
        awarded_on=today - datetime.timedelta(days=100),
        valid_until=today + datetime.timedelta(days=1000),
    )
    graded_absent = make_org("坪山四A协会未参加")
    GradeAward.objects.create(
        organisation=graded_absent,
        level=4,
        awarded_on=today - datetime.timedelta(days=100),
        valid_until=today + datetime.timedelta(days=1000),
    )
    plain = make_org("坪山未评级协会", community="440310002003")
    longgang = make_org("龙岗协会", community="440307003002")
    category = city_call.categories.get()
    entries = [
        submitted_entry(city_call, category, org, leader_of(org), title=f"{org.name}案例")
        for org in (graded, plain, longgang)
    ]
    stages = list(city_call.stages.order_by("position"))
    services.stage_close(stage=stages[0], acting_user=city_officer)
    services.stage_open(stage=stages[1], acting_user=city_officer)
    experts = make_experts(city_officer, 1, district="440304")
    services.panel_create(stage=stages[1], name="组", experts=experts, acting_user=city_officer)
    services.assignments_balance(stage=stages[1], acting_user=city_officer)
    for entry, total in zip(entries, (90, 70, 60), strict=True):
        services.sheet_submit(
            stage=stages[1],
            entry=entry,
            expert=experts[0],
            points=points_for(stages[1], total),
            acting_user=city_officer,
        )
    services.stage_close(stage=stages[1], acting_user=city_officer)
    services.cut_decide(category=category, kind=CutKind.SHORTLIST, acting_user=city_officer)

    report = kpi_report(scope="4403", user=city_officer, keys=SELECTION_KEYS)
    assert report.scope.values["selection_entries"].numerator == 3
    assert report.scope.values["selection_shortlisted"].numerator == 1
    share = report.scope.values["selection_high_grade_share"]
    assert (share.numerator, share.denominator) == (1, 2)
    by_child = {node.code: node.values for node in report.children}
    assert by_child["440310"]["selection_entries"].numerator == 2
    assert by_child["440307"]["selection_entries"].numerator == 1
    assert by_child["440307"]["selection_shortlisted"].numerator == 0

    drilled = kpi_organisations(key="selection_entries", scope="440310", user=city_officer)
    assert {o.name for o in drilled} == {"坪山三A协会", "坪山未评级协会"}
    behind = kpi_organisations(
        key="selection_high_grade_share", scope="440310", user=city_officer, part="denominator"
    )
    assert {o.name for o in behind} == {"坪山三A协会", "坪山四A协会未参加"}
    assert entries_by_category(scope="440310", user=city_officer) == [
        {
            "campaign": "深圳市社区治理案例征集",
            "category": "社区服务类",
            "entries": 2,
            "shortlisted": 1,
        }
    ]

    # as of yesterday, from the history: nothing had been submitted
    yesterday = kpi_report(
        scope="4403", user=city_officer, keys=SELECTION_KEYS, as_of=today - datetime.timedelta(1)
    )
    assert yesterday.scope.values["selection_entries"].numerator == 0

    # another district's officer sees only its own district, and not Pingshan at all
    officer = make_user("district_officer", "440307")
    own = kpi_report(scope="440307", user=officer, keys=SELECTION_KEYS)
    assert own.scope.values["selection_entries"].numerator == 1
    with pytest.raises(OutOfJurisdiction):
        kpi_report(scope="440310", user=officer, keys=SELECTION_KEYS)
