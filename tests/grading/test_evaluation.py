"""Comprehensive evaluation: pre-filled values, adjustments with a note, ranking, publication."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import NotPermitted, OutOfJurisdiction, TransitionNotAllowed
from grading import services
from grading.choices import Dimension, EvaluationStatus, SanctionKind
from grading.models import EvaluationResult, EvaluationValue
from grading.selectors import published_results
from oversight.choices import CreditListKind, ListingReason, ReportStatus
from oversight.models import AnnualReport, CreditListEntry
from party_building.models import PartyCoverage, PartyOrganisation
from registry.models import Activity, Division
from tests.conftest import MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_STREET
from tests.grading.conftest import make_org

pytestmark = pytest.mark.django_db

START, END = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)
MANUAL = [d for d in Dimension if d not in Dimension.PREFILLED]


@pytest.fixture
def filed(divisions):
    busy = make_org("活跃协会", status="filed")
    quiet = make_org("安静协会", status="filed")
    listed = make_org("异常协会", status="filed")
    make_org("马峦备案协会", status="filed", community="440310002003")
    make_org("坪山登记协会")  # registered: not in a street's evaluation
    for day in range(6):
        Activity.objects.create(
            organisation=busy, held_on=datetime.date(2024, 3, 1 + day), title=f"活动{day}"
        )
    Activity.objects.create(organisation=busy, held_on=datetime.date(2023, 3, 1), title="旧")
    party = PartyOrganisation.objects.create(
        name="活跃协会党支部",
        kind="independent_branch",
        guiding_division=Division.objects.get(code=PINGSHAN_STREET),
        founded_on=datetime.date(2023, 1, 1),
    )
    PartyCoverage.objects.create(
        party_organisation=party, organisation=busy, start_on=datetime.date(2023, 1, 1)
    )
    AnnualReport.objects.create(
        organisation=busy,
        year=2023,
        status=ReportStatus.ACCEPTED,
        first_submitted_on=datetime.date(2024, 5, 1),
    )
    AnnualReport.objects.create(
        organisation=quiet,
        year=2023,
        status=ReportStatus.ACCEPTED,
        first_submitted_on=datetime.date(2024, 7, 1),
    )
    CreditListEntry.objects.create(
        organisation=listed,
        kind=CreditListKind.ABNORMAL,
        listed_on=datetime.date(2024, 6, 1),
        reason=ListingReason.REPORT_MISSING,
        report_year=2023,
    )
    return busy, quiet, listed


@pytest.fixture
def evaluation(filed, street_officer):
    return services.evaluation_create(
        division=street_officer.division,
        title="2024年坪山街道社区社会组织综合评价",
        period_start=START,
        period_end=END,
        activity_target=12,
        acting_user=street_officer,
    )


def _values(result):
    return {row.dimension: row for row in result.values.all()}


def test_a_street_evaluates_its_filed_organisations_with_prefilled_values(evaluation, filed):
    busy, quiet, listed = filed
    assert set(evaluation.results.values_list("organisation__name", flat=True)) == {
        "活跃协会",
        "安静协会",
        "异常协会",
    }
    busy_values = _values(evaluation.results.get(organisation=busy))
    assert busy_values[Dimension.ACTIVITIES].value == Decimal("50.00")  # 6 of 12
    assert "6" in busy_values[Dimension.ACTIVITIES].basis
    assert busy_values[Dimension.PARTY_BUILDING].value == Decimal(100)
    assert busy_values[Dimension.ANNUAL_REPORTS].value == Decimal(100)  # 2023 on time
    assert busy_values[Dimension.CREDIT].value == Decimal(100)
    assert busy_values[Dimension.REWARDS_PENALTIES].value == Decimal(80)
    for dimension in MANUAL:
        assert busy_values[dimension].value is None
        assert busy_values[dimension].prefilled_value is None
    quiet_values = _values(evaluation.results.get(organisation=quiet))
    assert quiet_values[Dimension.ANNUAL_REPORTS].value == Decimal(0)  # late
    assert quiet_values[Dimension.PARTY_BUILDING].value == Decimal(0)
    listed_values = _values(evaluation.results.get(organisation=listed))
    assert listed_values[Dimension.CREDIT].value == Decimal(40)
    assert evaluation.weights[Dimension.ACTIVITIES] == "15.00"


def test_rewards_and_penalties_are_prefilled(filed, street_officer):
    busy = filed[0]
    for kind, title in ((SanctionKind.REWARD, "优秀社会组织"), (SanctionKind.PENALTY, "警告")):
        services.sanction_create(
            organisation=busy,
            kind=kind,
            title=title,
            decided_on=datetime.date(2024, 5, 1),
            acting_user=street_officer,
        )
    evaluation = services.evaluation_create(
        division=street_officer.division,
        title="评价",
        period_start=START,
        period_end=END,
        acting_user=street_officer,
    )
    values = _values(evaluation.results.get(organisation=busy))
    assert values[Dimension.REWARDS_PENALTIES].value == Decimal(50)  # 80 + 10 - 40


def test_changing_a_prefilled_value_needs_a_note_and_nothing_is_stored_without(
    evaluation, filed, street_officer
):
    result = evaluation.results.get(organisation=filed[0])
    with pytest.raises(ValidationError) as error:
        services.evaluation_values_set(
            result=result,
            values=[
                {"dimension": Dimension.STRUCTURE, "value": 90},
                {"dimension": Dimension.ACTIVITIES, "value": 70},
            ],
            acting_user=street_officer,
        )
    assert "values" in error.value.message_dict
    assert _values(result)[Dimension.STRUCTURE].value is None  # nothing stored
    services.evaluation_values_set(
        result=result,
        values=[
            {"dimension": Dimension.STRUCTURE, "value": 90},
            {"dimension": Dimension.ACTIVITIES, "value": 70, "note": "另有纸质活动记录4次"},
        ],
        acting_user=street_officer,
    )
    activities = _values(result)[Dimension.ACTIVITIES]
    assert (activities.value, activities.prefilled_value) == (Decimal(70), Decimal(50))
    assert activities.is_adjusted
    record = activities.history.latest()
    assert record.history_change_reason == "另有纸质活动记录4次"
    assert record.history_user == street_officer
    assert activities.history.earliest().value == Decimal(50)


def test_values_are_0_to_100(evaluation, filed, street_officer):
    result = evaluation.results.get(organisation=filed[0])
    for bad in (101, -1, "x"):
        with pytest.raises(ValidationError):
            services.evaluation_values_set(
                result=result,
                values=[{"dimension": Dimension.STRUCTURE, "value": bad}],
                acting_user=street_officer,
            )


def _fill(evaluation, user, value_by_org):
    for result in evaluation.results.all():
        value = value_by_org.get(result.organisation_id, 60)
        services.evaluation_values_set(
            result=result,
            values=[{"dimension": d, "value": value} for d in MANUAL],
            acting_user=user,
        )


def test_publish_ranks_and_feeds_the_organisation_page(evaluation, filed, street_officer):
    busy, quiet, listed = filed
    with pytest.raises(ValidationError):  # values missing
        services.evaluation_publish(evaluation=evaluation, acting_user=street_officer)
    assert not published_results(busy).exists()
    _fill(evaluation, street_officer, {busy.pk: 90, quiet.pk: 60, listed.pk: 60})
    services.evaluation_publish(
        evaluation=evaluation, acting_user=street_officer, today=datetime.date(2025, 2, 1)
    )
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.PUBLISHED
    assert evaluation.published_on == datetime.date(2025, 2, 1)
    ranked = list(EvaluationResult.objects.filter(evaluation=evaluation).order_by("rank", "pk"))
    assert ranked[0].organisation == busy and ranked[0].rank == 1
    # busy: party 100x10, structure.. 90 x (10+10+10+10+10)=..., check the weighted mean
    values = {row.dimension: row.value for row in ranked[0].values.all()}
    weights = {key: Decimal(w) for key, w in evaluation.weights.items()}
    expected = sum(values[d] * weights[d] for d in values) / sum(weights.values())
    assert ranked[0].total == expected.quantize(Decimal("0.01"))
    assert [r.rank for r in ranked] == sorted(r.rank for r in ranked)
    assert published_results(busy).get().rank == 1
    assert ranked[0].history.latest().rank == 1  # history on results
    with pytest.raises(TransitionNotAllowed):
        services.evaluation_values_set(
            result=ranked[0],
            values=[{"dimension": Dimension.STRUCTURE, "value": 10}],
            acting_user=street_officer,
        )


def test_a_community_evaluates_its_activity_groups(divisions, make_user):
    make_org("书法小组", status="activity_group")
    make_org("坪山备案", status="filed")
    community = make_user("community_staff", PINGSHAN_COMMUNITY)
    evaluation = services.evaluation_create(
        division=community.division,
        title="小组评价",
        period_start=START,
        period_end=END,
        acting_user=community,
    )
    assert list(evaluation.results.values_list("organisation__name", flat=True)) == ["书法小组"]
    assert EvaluationValue.objects.filter(result__evaluation=evaluation).count() == 10


def test_only_the_evaluating_tier_runs_it(evaluation, make_user, district_officer):
    other = make_user("street_officer", MALUAN_STREET)
    with pytest.raises(OutOfJurisdiction):
        services.evaluation_publish(evaluation=evaluation, acting_user=other)
    with pytest.raises(NotPermitted):
        services.evaluation_publish(evaluation=evaluation, acting_user=district_officer)
    with pytest.raises(NotPermitted):
        services.evaluation_create(
            division=Division.objects.get(code=PINGSHAN_STREET),
            title="x",
            period_start=START,
            period_end=END,
            acting_user=district_officer,
        )
    with pytest.raises(ValidationError):
        services.evaluation_create(
            division=district_officer.division,
            title="x",
            period_start=START,
            period_end=END,
            acting_user=district_officer,
        )


def test_an_evaluation_period_is_bounded(filed, street_officer):
    for start, end in (
        (datetime.date(2020, 1, 1), datetime.date(2026, 1, 1)),
        (datetime.date(2024, 1, 1), datetime.date(4138, 3, 26)),
        (datetime.date(1, 1, 1), datetime.date(1, 12, 31)),
        (datetime.date(2024, 12, 31), datetime.date(2024, 1, 1)),
    ):
        with pytest.raises(ValidationError):
            services.evaluation_create(
                division=street_officer.division,
                title="x",
                period_start=start,
                period_end=end,
                acting_user=street_officer,
            )
    assert not EvaluationResult.objects.exists()
