"""Support services: custody, disbursements, stages, pairings, trainings and their bad input.

Every refused write leaves nothing behind: the row and history counts are checked."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import TransitionNotAllowed
from registry.choices import OrgStatus
from support import services
from support.choices import (
    PairingRating,
    ProjectAction,
    ProjectStatus,
    ServiceCategory,
    Stage,
    SubCommittee,
)
from support.models import (
    BudgetLine,
    Disbursement,
    FundedProject,
    Pairing,
    StagePeriod,
    TrainingProgramme,
)
from support.selectors import current_stage, project_finances, training_record
from tests.places import MALUAN_COMMUNITY, PINGSHAN_COMMUNITY, PINGSHAN_DISTRICT
from tests.support.conftest import D, make_member, make_org

pytestmark = pytest.mark.django_db


def counts(*models):
    return [(m.objects.count(), m.history.count()) for m in models]


def messages(error: ValidationError, field: str) -> str:
    return " ".join(error.value.message_dict[field])


# --- custody ------------------------------------------------------------------------------------


def test_a_filed_organisation_is_funded_through_a_registered_custodian(
    funding_round, district_user
):
    filed = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED)
    custodian = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    before = counts(FundedProject)
    with pytest.raises(ValidationError) as error:
        services.project_award(
            funding_round=funding_round,
            organisation=filed,
            title="长者助餐",
            amount_approved="80000",
            approved_on=D(2024, 6, 1),
            acting_user=district_user,
        )
    assert "not a legal person" in messages(error, "custodian")
    assert counts(FundedProject) == before

    other_filed = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED)
    with pytest.raises(ValidationError) as error:
        services.project_award(
            funding_round=funding_round,
            organisation=filed,
            custodian=other_filed,
            title="长者助餐",
            amount_approved="80000",
            approved_on=D(2024, 6, 1),
            acting_user=district_user,
        )
    assert "not a registered" in messages(error, "custodian")

    project = services.project_award(
        funding_round=funding_round,
        organisation=filed,
        custodian=custodian,
        title="长者助餐",
        amount_approved="80000",
        approved_on=D(2024, 6, 1),
        acting_user=district_user,
    )
    paid = services.disbursement_record(
        project=project, amount="30000", paid_on=D(2024, 6, 10), acting_user=district_user
    )
    # The money goes to the custodian, not to the filed organisation.
    assert paid.payee == custodian
    assert project.history.first().history_user == district_user


def test_a_registered_organisation_takes_no_custodian(funding_round, district_user):
    registered = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    other = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    with pytest.raises(ValidationError) as error:
        services.project_award(
            funding_round=funding_round,
            organisation=registered,
            custodian=other,
            title="x",
            amount_approved="100",
            approved_on=D(2024, 6, 1),
            acting_user=district_user,
        )
    assert "legal person" in messages(error, "custodian")
    project = services.project_award(
        funding_round=funding_round,
        organisation=registered,
        title="x",
        amount_approved="100",
        approved_on=D(2024, 6, 1),
        acting_user=district_user,
    )
    assert project.payee == registered


# --- money --------------------------------------------------------------------------------------


@pytest.fixture
def project(funding_round, district_user):
    registered = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    return services.project_award(
        funding_round=funding_round,
        organisation=registered,
        title="社区心理服务",
        amount_approved="100000.00",
        approved_on=D(2024, 6, 1),
        acting_user=district_user,
        budget_lines=[("人员费用", "60000"), ("活动物资", "30000")],
    )


def test_a_disbursement_above_the_approved_amount_is_refused(project, district_user):
    services.disbursement_record(
        project=project, amount="70000", paid_on=D(2024, 6, 5), acting_user=district_user
    )
    before = counts(Disbursement)
    with pytest.raises(ValidationError) as error:
        services.disbursement_record(
            project=project, amount="30000.01", paid_on=D(2024, 9, 5), acting_user=district_user
        )
    text = messages(error, "amount")
    assert "¥100,000.01" in text and "¥100,000.00 approved" in text and "¥70,000.00" in text
    assert counts(Disbursement) == before
    services.disbursement_record(
        project=project, amount="30000", paid_on=D(2024, 9, 5), acting_user=district_user
    )
    finances = project_finances(project)
    assert finances.disbursed == Decimal("100000.00")
    assert finances.planned == Decimal("90000.00")
    assert finances.remaining == Decimal("0.00")


@pytest.mark.parametrize(
    "amount, message",
    [
        ("-5", "cannot be negative"),
        ("0", "more than zero"),
        ("12.345", "two decimal places"),
        ("abc", "Enter an amount"),
        ("NaN", "Enter an amount"),
        ("1e20", "too large"),
        (None, "Enter an amount"),
    ],
)
def test_bad_amounts_are_refused_by_field(project, district_user, amount, message):
    before = counts(Disbursement)
    with pytest.raises(ValidationError) as error:
        services.disbursement_record(
            project=project, amount=amount, paid_on=D(2024, 6, 5), acting_user=district_user
        )
    assert message in messages(error, "amount")
    assert counts(Disbursement) == before


def test_a_negative_award_and_budget_line_are_refused_with_nothing_written(
    funding_round, district_user
):
    registered = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    before = counts(FundedProject, BudgetLine)
    with pytest.raises(ValidationError) as error:
        services.project_award(
            funding_round=funding_round,
            organisation=registered,
            title="x",
            amount_approved="-100",
            approved_on=D(2024, 6, 1),
            acting_user=district_user,
            budget_lines=[("物资", "-1")],
        )
    assert "negative" in messages(error, "amount_approved")
    assert "negative" in messages(error, "budget_lines[1]")
    assert counts(FundedProject, BudgetLine) == before


def test_a_budget_larger_than_the_award_is_refused(funding_round, district_user):
    registered = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    with pytest.raises(ValidationError) as error:
        services.project_award(
            funding_round=funding_round,
            organisation=registered,
            title="x",
            amount_approved="100",
            approved_on=D(2024, 6, 1),
            acting_user=district_user,
            budget_lines=[("物资", "80"), ("场地", "30")],
        )
    assert "¥110.00" in messages(error, "budget_lines")


def test_acceptance_is_one_transition_and_stops_payments(project, district_user):
    services.project_decide(
        project=project, action=ProjectAction.ACCEPT, on=D(2025, 1, 10), acting_user=district_user
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACCEPTED
    with pytest.raises(TransitionNotAllowed):
        services.project_decide(
            project=project,
            action=ProjectAction.TERMINATE,
            on=D(2025, 1, 11),
            note="x",
            acting_user=district_user,
        )
    with pytest.raises(ValidationError) as error:
        services.disbursement_record(
            project=project, amount="1", paid_on=D(2025, 2, 1), acting_user=district_user
        )
    assert "nothing more is paid" in messages(error, "project")


def test_progress_reports_link_the_organisations_own_activities(project, district_user, staff):
    from registry.models import Activity

    own = Activity.objects.create(
        organisation=project.organisation, held_on=D(2024, 7, 1), title="心理讲座", participants=30
    )
    foreign = Activity.objects.create(
        organisation=make_org(PINGSHAN_COMMUNITY), held_on=D(2024, 7, 1), title="别人的活动"
    )
    with pytest.raises(ValidationError) as error:
        services.progress_report_submit(
            project=project,
            period_end=D(2024, 9, 30),
            beneficiaries=120,
            spent="20000",
            activities=[own, foreign],
            acting_user=district_user,
        )
    assert "别人的活动" in messages(error, "activities")
    report = services.progress_report_submit(
        project=project,
        period_end=D(2024, 9, 30),
        beneficiaries=120,
        volunteer_hours="35.5",
        spent="20000",
        activities=[own],
        acting_user=district_user,
    )
    assert list(report.activities.all()) == [own]
    assert project_finances(project).spent == Decimal("20000.00")


# --- incubation stages --------------------------------------------------------------------------


def test_stages_follow_each_other_and_overlaps_are_refused(platform, street_user):
    organisation = make_org(PINGSHAN_COMMUNITY, OrgStatus.ACTIVITY_GROUP)
    residency = services.residency_start(
        platform=platform,
        organisation=organisation,
        started_on=D(2022, 3, 1),
        acting_user=street_user,
    )
    assert current_stage(organisation).stage == Stage.START_UP
    services.stage_record(
        residency=residency,
        stage=Stage.DEVELOPMENT,
        starts_on=D(2023, 3, 1),
        acting_user=street_user,
    )
    periods = list(StagePeriod.objects.filter(organisation=organisation).order_by("starts_on"))
    assert [(p.stage, p.starts_on, p.ends_on) for p in periods] == [
        (Stage.START_UP, D(2022, 3, 1), D(2023, 2, 28)),
        (Stage.DEVELOPMENT, D(2023, 3, 1), None),
    ]
    before = counts(StagePeriod)
    with pytest.raises(ValidationError) as error:
        services.stage_record(
            residency=residency,
            stage=Stage.MATURE,
            starts_on=D(2022, 6, 1),
            ends_on=D(2022, 12, 31),
            acting_user=street_user,
        )
    assert "overlaps the 'Start-up' period 2022-03-01 – 2023-02-28" in messages(error, "starts_on")
    assert counts(StagePeriod) == before
    assert current_stage(organisation, on=D(2022, 5, 1)).stage == Stage.START_UP

    services.residency_graduate(
        residency=residency, graduated_on=D(2024, 6, 30), acting_user=street_user
    )
    assert current_stage(organisation).stage == Stage.GRADUATED
    with pytest.raises(ValidationError):
        services.service_record(
            residency=residency,
            category=ServiceCategory.GOVERNANCE,
            provided_on=D(2024, 8, 1),
            title="章程修订",
            acting_user=street_user,
        )
    care = services.service_record(
        residency=residency,
        category=ServiceCategory.AFTER_CARE,
        provided_on=D(2024, 8, 1),
        title="出壳后回访",
        acting_user=street_user,
    )
    assert care.pk


def test_overlapping_incubations_are_refused(platform, street_user, district_user):
    from registry.models import Division
    from support.choices import PlatformKind

    organisation = make_org(PINGSHAN_COMMUNITY, OrgStatus.ACTIVITY_GROUP)
    services.residency_start(
        platform=platform,
        organisation=organisation,
        started_on=D(2022, 3, 1),
        ended_on=D(2023, 3, 1),
        acting_user=street_user,
    )
    district_platform = services.platform_create(
        division=Division.objects.get(code=PINGSHAN_DISTRICT),
        name="坪山区社会组织服务中心",
        kind=PlatformKind.SERVICE_CENTRE,
        opened_on=D(2019, 1, 1),
        acting_user=district_user,
    )
    with pytest.raises(ValidationError) as error:
        services.residency_start(
            platform=district_platform,
            organisation=organisation,
            started_on=D(2023, 1, 1),
            acting_user=district_user,
        )
    assert "overlaps" in messages(error, "started_on")


def test_a_platform_serves_its_own_area(platform, street_user):
    from core.exceptions import OutOfJurisdiction

    elsewhere = make_org(MALUAN_COMMUNITY, OrgStatus.FILED)
    with pytest.raises(OutOfJurisdiction):  # the street officer cannot see 马峦 at all
        services.residency_start(
            platform=platform,
            organisation=elsewhere,
            started_on=D(2022, 3, 1),
            acting_user=street_user,
        )


# --- pairing ------------------------------------------------------------------------------------


def test_a_pairing_is_a_registered_and_a_filed_organisation(street_user, district_user):
    filed = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED, name="新建备案组织")
    other_filed = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED, name="另一备案组织")
    registered = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED, name="老牌登记组织")
    before = counts(Pairing)
    with pytest.raises(ValidationError) as error:
        services.pairing_create(
            mentor=other_filed,
            mentee=filed,
            starts_on=D(2024, 1, 1),
            ends_on=D(2024, 12, 31),
            acting_user=street_user,
        )
    assert "the guiding side of a pairing is a registered organisation" in messages(error, "mentor")
    assert counts(Pairing) == before
    pairing = services.pairing_create(
        mentor=registered,
        mentee=filed,
        starts_on=D(2024, 1, 1),
        ends_on=D(2024, 12, 31),
        acting_user=street_user,
    )
    with pytest.raises(ValidationError) as error:
        services.pairing_create(
            mentor=registered,
            mentee=filed,
            starts_on=D(2024, 6, 1),
            ends_on=D(2025, 5, 31),
            acting_user=street_user,
        )
    assert "already paired" in messages(error, "starts_on")
    services.pairing_end(
        pairing=pairing,
        ended_on=D(2024, 12, 31),
        rating=PairingRating.GOOD,
        review="以老带新，完成三次联合活动",
        acting_user=street_user,
    )
    pairing.refresh_from_db()
    assert pairing.rating == PairingRating.GOOD and pairing.history.count() == 2


# --- trainings ----------------------------------------------------------------------------------


def test_a_leaders_training_record_and_recommendation(district_user, staff):
    from registry.models import Division

    organisation = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED)
    leader = make_member(organisation)
    programme = services.training_programme_create(
        division=Division.objects.get(code=PINGSHAN_DISTRICT),
        name="负责人能力提升培训",
        year=2024,
        acting_user=district_user,
    )
    session = services.training_session_create(
        programme=programme,
        title="项目设计",
        held_on=D(2024, 4, 1),
        hours="3",
        acting_user=district_user,
    )
    attendance = services.attendance_record(
        session=session, member=leader, acting_user=district_user
    )
    assert attendance.capacity == "leader"
    with pytest.raises(ValidationError) as error:
        services.attendance_record(session=session, member=leader, acting_user=district_user)
    assert "already recorded" in messages(error, "member")
    record = training_record(leader)
    assert [(r.session.title, r.session.hours) for r in record] == [("项目设计", Decimal("3.0"))]
    recommendation = services.recommendation_create(
        member=leader,
        committee=SubCommittee.MEDIATION,
        recommended_on=D(2024, 5, 1),
        acting_user=staff,
    )
    assert recommendation.community == organisation.community
    member = make_member(organisation, name="李四", role="member")
    with pytest.raises(ValidationError) as error:
        services.recommendation_create(
            member=member,
            committee=SubCommittee.MEDIATION,
            recommended_on=D(2024, 5, 1),
            acting_user=staff,
        )
    assert "not a leader" in messages(error, "member")
    assert TrainingProgramme.objects.get().tier == "district"
