"""A hand-built history in 坪山区 whose every KPI has a known answer at each level.

Organisations (PC = 坪山社区 in 坪山街道, MC = 马峦社区 in 马峦街道):

====  ====  ===============================================================================
org   in    what happens (dates are when it happens; history rows carry these dates)
====  ====  ===============================================================================
A     PC    group 2023-02-01; filed 2023-03-11; brand project 2024-05-01; hub 2024-06-01;
            registration submitted 2025-03-01, approved 2025-03-09 (8 days); 2024 report
            accepted 2025-04-15 (on time); 2025 report accepted 2026-05-01 (on time);
            2A grade 2025-01-01 .. 2029-12-31; covered by the street's general branch
B     PC    group 2023-02-01 (instructor from 2024-03-01); dormancy suspect flagged
            2025-05-01; exited 2025-08-01 (case resolved that day)
C     MC    group 2023-02-01; filed 2023-03-21; registered 2023-06-16; hub 2024-06-01,
            revoked 2025-09-01; 2024 report accepted 2025-06-10 (after the deadline);
            4A 2024-01-01 .. 2025-10-31; 5A 2025-11-01 .. 2030-10-31
F     MC    group 2023-02-01; hub 2024-06-01; exited 2026-01-15 (``is_hub`` stays true)
H     PC    group 2025-01-05; filing submitted 2025-01-10, approved 2025-01-20 (10 days)
D     PC    group 2025-01-05; filing submitted 2025-02-01, approved 2025-02-05 (4 days)
E     MC    group 2025-03-01; filing submitted 2025-06-20, approved 2025-07-10
G     PC    group 2026-02-01; filing submitted 2026-03-01, approved 2026-03-04 (3 days)
====  ====  ===============================================================================

The general branch of 坪山街道 was founded 2024-01-01 and covers A from 2024-02-01.
"Now" is 2026-11-23 noon (``NOW``); the past date is 2025-06-30 (``PAST``), before a hub was
revoked (C), an organisation exited (B) and a filing was approved (E).
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from grading.models import GradeAward
from oversight.choices import CaseStatus, DormancySignal, ReportStatus
from oversight.models import AnnualReport, DormancyCase
from party_building.choices import PartyOrganisationKind
from party_building.models import (
    InstructorAssignment,
    PartyCoverage,
    PartyInstructor,
    PartyOrganisation,
)
from registry.choices import ApplicationAction, ApplicationKind, ExitReason, LegalForm
from registry.models import Division
from registry.services.lifecycle import application_decide, application_submit
from registry.services.organisations import brand_project_add, hub_designate, hub_revoke
from tests.conftest import MALUAN_COMMUNITY, MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_STREET
from tests.registry.factories import VALID_CREDIT_CODES, make_group

NOW = datetime.datetime(2026, 11, 23, 12, 0)
TODAY = NOW.date()
PAST = datetime.date(2025, 6, 30)


@contextmanager
def travel(when: datetime.datetime | datetime.date):
    """Make ``timezone.now()`` (services, history dates, ``auto_now``) return ``when``
    (10:00 local time for a date)."""
    if not isinstance(when, datetime.datetime):
        when = datetime.datetime.combine(when, datetime.time(10, 0))
    aware = timezone.make_aware(when)
    with mock.patch("django.utils.timezone.now", return_value=aware):
        yield aware


@pytest.fixture
def at_now():
    """Freeze "now" at ``NOW`` for the test (KPIs "today" are then as of 2026-11-23)."""
    with travel(NOW):
        yield


@pytest.fixture
def people(make_user):
    return {
        "pc_staff": make_user("community_staff", PINGSHAN_COMMUNITY, username="kpi-pc-staff"),
        "mc_staff": make_user("community_staff", MALUAN_COMMUNITY, username="kpi-mc-staff"),
        "ps_officer": make_user("street_officer", PINGSHAN_STREET, username="kpi-ps-street"),
        "ml_officer": make_user("street_officer", MALUAN_STREET, username="kpi-ml-street"),
        "district": make_user("district_officer", "440310", username="kpi-district"),
        "city": make_user("city_officer", "4403", username="kpi-city"),
        "other_district": make_user("district_officer", "440303", username="kpi-luohu"),
    }


def _file(organisation, staff, officer, submitted: datetime.date, approved: datetime.date):
    with travel(submitted):
        application = application_submit(
            organisation=organisation, kind=ApplicationKind.FILING, acting_user=staff
        )
    with travel(approved):
        application_decide(
            application=application,
            action=ApplicationAction.APPROVE,
            acting_user=officer,
            reason="符合备案条件",
        )


def _register(organisation, officer, district, legal_form, submitted, approved):
    with travel(submitted):
        application = application_submit(
            organisation=organisation,
            kind=ApplicationKind.REGISTRATION,
            acting_user=officer,
            credit_code=VALID_CREDIT_CODES[legal_form],
            legal_form=legal_form,
        )
    with travel(approved):
        application_decide(
            application=application,
            action=ApplicationAction.APPROVE,
            acting_user=district,
            reason="准予登记",
        )


def _exit(organisation, staff, on: datetime.date):
    with travel(on):
        application = application_submit(
            organisation=organisation,
            kind=ApplicationKind.EXIT,
            acting_user=staff,
            exit_reason=ExitReason.VOLUNTARY,
        )
        application_decide(
            application=application, action=ApplicationAction.APPROVE, acting_user=staff
        )


def _group(staff, name, community, on: datetime.date, members=10):
    with travel(on):
        return make_group(staff, community_code=community, name=name, members=members)


@pytest.fixture
def scenario(people):
    """The history in the module docstring; returns the organisations by letter."""
    p = people
    pc, mc = PINGSHAN_COMMUNITY, MALUAN_COMMUNITY
    orgs = {}
    orgs["A"] = _group(p["pc_staff"], "坪山社区书画协会", pc, datetime.date(2023, 2, 1))
    orgs["B"] = _group(p["pc_staff"], "坪山社区棋牌小组", pc, datetime.date(2023, 2, 1), 2)
    orgs["C"] = _group(p["mc_staff"], "马峦社区志愿者协会", mc, datetime.date(2023, 2, 1))
    orgs["F"] = _group(p["mc_staff"], "马峦社区舞蹈队", mc, datetime.date(2023, 2, 1), 2)
    _file(
        orgs["A"],
        p["pc_staff"],
        p["ps_officer"],
        datetime.date(2023, 3, 1),
        datetime.date(2023, 3, 11),
    )
    _file(
        orgs["C"],
        p["mc_staff"],
        p["ml_officer"],
        datetime.date(2023, 3, 1),
        datetime.date(2023, 3, 21),
    )
    _register(
        orgs["C"],
        p["ml_officer"],
        p["district"],
        LegalForm.SOCIAL_GROUP,
        datetime.date(2023, 6, 1),
        datetime.date(2023, 6, 16),
    )
    with travel(datetime.date(2024, 5, 1)):
        brand_project_add(
            organisation=orgs["A"],
            acting_user=p["pc_staff"],
            name="邻里书画课堂",
            year=2024,
            recognised_by="坪山区民政局",
        )
    with travel(datetime.date(2024, 6, 1)):
        hub_designate(organisation=orgs["A"], acting_user=p["ps_officer"], reason="枢纽型")
        hub_designate(organisation=orgs["C"], acting_user=p["ml_officer"], reason="枢纽型")
        hub_designate(organisation=orgs["F"], acting_user=p["ml_officer"], reason="枢纽型")
    orgs["H"] = _group(p["pc_staff"], "坪山社区读书会", pc, datetime.date(2025, 1, 5))
    orgs["D"] = _group(p["pc_staff"], "坪山社区合唱团", pc, datetime.date(2025, 1, 5))
    _file(
        orgs["H"],
        p["pc_staff"],
        p["ps_officer"],
        datetime.date(2025, 1, 10),
        datetime.date(2025, 1, 20),
    )
    _file(
        orgs["D"],
        p["pc_staff"],
        p["ps_officer"],
        datetime.date(2025, 2, 1),
        datetime.date(2025, 2, 5),
    )
    orgs["E"] = _group(p["mc_staff"], "马峦社区环保协会", mc, datetime.date(2025, 3, 1))
    _register(
        orgs["A"],
        p["ps_officer"],
        p["district"],
        LegalForm.SOCIAL_SERVICE,
        datetime.date(2025, 3, 1),
        datetime.date(2025, 3, 9),
    )
    _file(
        orgs["E"],
        p["mc_staff"],
        p["ml_officer"],
        datetime.date(2025, 6, 20),
        datetime.date(2025, 7, 10),
    )
    _exit(orgs["B"], p["pc_staff"], datetime.date(2025, 8, 1))
    with travel(datetime.date(2025, 9, 1)):
        hub_revoke(organisation=orgs["C"], acting_user=p["ml_officer"], reason="不再承担枢纽职能")
    _exit(orgs["F"], p["mc_staff"], datetime.date(2026, 1, 15))
    orgs["G"] = _group(p["pc_staff"], "坪山社区太极队", pc, datetime.date(2026, 2, 1))
    _file(
        orgs["G"],
        p["pc_staff"],
        p["ps_officer"],
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 4),
    )

    # Annual reports (accepted reports; only the review date matters to the KPI).
    def report(org, year, submitted, reviewed):
        with travel(reviewed):
            AnnualReport.objects.create(
                organisation=org,
                year=year,
                status=ReportStatus.ACCEPTED,
                first_submitted_on=submitted,
                submitted_on=submitted,
                reviewed_on=reviewed,
            )

    report(orgs["A"], 2024, datetime.date(2025, 4, 1), datetime.date(2025, 4, 15))
    report(orgs["C"], 2024, datetime.date(2025, 5, 20), datetime.date(2025, 6, 10))
    report(orgs["A"], 2025, datetime.date(2026, 4, 20), datetime.date(2026, 5, 1))

    with travel(datetime.date(2025, 5, 1)):
        DormancyCase.objects.create(
            organisation=orgs["B"],
            signals=[DormancySignal.INACTIVE],
            status=CaseStatus.EXITED,
            flagged_on=datetime.date(2025, 5, 1),
            notice_ends_on=datetime.date(2025, 5, 31),
            flagged_by=p["ps_officer"],
            resolved_on=datetime.date(2025, 8, 1),
        )

    with travel(datetime.date(2024, 1, 1)):
        branch = PartyOrganisation.objects.create(
            name="坪山街道社会组织党总支",
            kind=PartyOrganisationKind.GENERAL_BRANCH,
            guiding_division=Division.objects.get(code=PINGSHAN_STREET),
            founded_on=datetime.date(2024, 1, 1),
        )
        PartyCoverage.objects.create(
            party_organisation=branch, organisation=orgs["A"], start_on=datetime.date(2024, 2, 1)
        )
        instructor = PartyInstructor.objects.create(
            name="王指导员", division=Division.objects.get(code=PINGSHAN_STREET)
        )
        InstructorAssignment.objects.create(
            instructor=instructor, organisation=orgs["B"], start_on=datetime.date(2024, 3, 1)
        )

    for org, level, awarded, until in [
        (orgs["C"], 4, datetime.date(2024, 1, 1), datetime.date(2025, 10, 31)),
        (orgs["C"], 5, datetime.date(2025, 11, 1), datetime.date(2030, 10, 31)),
        (orgs["A"], 2, datetime.date(2025, 1, 1), datetime.date(2029, 12, 31)),
    ]:
        with travel(awarded):
            GradeAward.objects.create(
                organisation=org, level=level, awarded_on=awarded, valid_until=until
            )
    for org in orgs.values():
        org.refresh_from_db()
    return orgs
