import datetime
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import ric, uscc

from core.validators import clean_phone
from demo.dataset import DEMO_LEADER, DEMO_USERS, generate_dataset
from demo.management.commands.seed_demo import CHANGE_REASON, residential_communities
from oversight.choices import CaseStatus, CreditListKind, ReportStatus
from oversight.models import AnnualReport, CreditListEntry, DormancyCase, OversightSettings
from party_building.choices import PartyOrganisationKind
from party_building.models import (
    InstructorAssignment,
    PartyCoverage,
    PartyInstructor,
    PartyOrganisation,
)
from registry.choices import (
    ApplicationAction,
    ApplicationKind,
    ApplicationStatus,
    ExitReason,
    LegalForm,
    MemberRole,
    OrgStatus,
    OrgType,
    Role,
)
from registry.models import (
    Activity,
    Application,
    BrandProject,
    Division,
    FilingSequence,
    Member,
    Organisation,
    User,
)
from registry.rules import checklist_for, conditions_for
from registry.services.divisions import divisions_load
from registry.services.lifecycle import application_decide
from reports.kpis import kpi_definitions, kpi_report

pytestmark = pytest.mark.django_db

ORGS = 200
SEED = 7
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MODELS = (Organisation, Member, Activity, Application, BrandProject, User)
#: the party-building and oversight demo's models, which a second run must not change either
DEMO_MODELS = (
    PartyOrganisation,
    PartyCoverage,
    PartyInstructor,
    InstructorAssignment,
    AnnualReport,
    CreditListEntry,
    DormancyCase,
)


def seed(**options):
    out = StringIO()
    call_command(
        "seed_demo", orgs=ORGS, seed=SEED, force=True, no_progress=True, stdout=out, **options
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seeded dataset for the module, in a transaction rolled back at its end (each test
    runs in a savepoint inside it)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        if not Division.objects.exists():
            divisions_load()
        yield seed()
        transaction.set_rollback(True)


def snapshot():
    counts = {}
    for model in MODELS:
        counts[model.__name__] = model.objects.count()
        counts[f"history of {model.__name__}"] = model.history.count()
    for model in DEMO_MODELS:
        counts[model.__name__] = model.objects.count()
        counts[f"history of {model.__name__}"] = model.history.count()
    counts["sequences"] = sorted(FilingSequence.objects.values_list("street_id", "year", "last"))
    counts["names"] = sorted(Organisation.objects.values_list("name", flat=True))
    return counts


def test_statuses_applications_and_numbers(seeded):
    organisations = Organisation.objects.select_related("community__parent__parent")
    assert organisations.count() == ORGS
    assert set(organisations.values_list("status", flat=True)) == set(OrgStatus.values)
    pairs = set(Application.objects.values_list("kind", "status"))
    assert pairs == {(k, s) for k in ApplicationKind.values for s in ApplicationStatus.values}
    assert Organisation.objects.filter(is_hub=True).exists()
    assert BrandProject.objects.exists()

    filed = [o for o in organisations if o.filing_number]
    assert {o.status for o in filed} >= {OrgStatus.FILED, OrgStatus.REGISTERED}
    assert len({o.filing_number for o in filed}) == len(filed)
    last = dict(
        ((s, y), n) for s, y, n in FilingSequence.objects.values_list("street", "year", "last")
    )
    for org in filed:
        street = org.community.parent
        match = re.fullmatch(rf"{street.code}-(\d{{4}})-(\d{{4}})", org.filing_number)
        assert match, org.filing_number
        assert int(match[1]) == org.filed_on.year
        assert int(match[2]) <= last[(street.code, org.filed_on.year)]
        filing = org.applications.get(
            kind=ApplicationKind.FILING, status=ApplicationStatus.APPROVED
        )
        assert filing.reviewing_division == street
        assert filing.initiating_division == org.community
        assert filing.decided_by.division == street
        assert filing.submitted_at < filing.decided_at
        assert timezone.localdate(filing.decided_at) == org.filed_on
    for org in organisations.filter(status=OrgStatus.FILED):
        assert org.filed_on and not org.credit_code

    registered = organisations.filter(status=OrgStatus.REGISTERED)
    codes = [o.credit_code for o in registered]
    assert len(set(codes)) == len(codes)
    for org in registered:
        assert uscc.is_valid(org.credit_code), org.credit_code
        assert org.credit_code[0] == "5"
        assert org.credit_code[1] == LegalForm.CREDIT_CODE_TYPE[org.legal_form]
        assert org.credit_code[2:8] == org.community.parent.code[:6]
        assert org.registered_on > org.filed_on
        registration = org.applications.get(
            kind=ApplicationKind.REGISTRATION, status=ApplicationStatus.APPROVED
        )
        assert registration.reviewing_division == org.community.parent.parent
        assert registration.credit_code == org.credit_code

    for org in organisations.filter(status=OrgStatus.EXITED):
        assert org.exit_reason and org.exited_on and org.status_before_exit in OrgStatus.LIVE
        exit_application = org.applications.get(
            kind=ApplicationKind.EXIT, status=ApplicationStatus.APPROVED
        )
        owner = {
            OrgStatus.ACTIVITY_GROUP: org.community,
            OrgStatus.FILED: org.community.parent,
            OrgStatus.REGISTERED: org.community.parent.parent,
        }[org.status_before_exit]
        assert exit_application.reviewing_division == owner
        assert exit_application.exit_reason == org.exit_reason

    for org in organisations.filter(is_hub=True):
        assert org.status in (OrgStatus.FILED, OrgStatus.REGISTERED)
        assert org.hub_designated_by == org.community.parent
        assert org.hub_designated_on >= org.filed_on


def test_applications_are_consistent(seeded):
    open_per_kind = (
        Application.objects.filter(status__in=ApplicationStatus.OPEN)
        .values("organisation", "kind")
        .annotate(n=Count("pk"))
    )
    assert all(row["n"] == 1 for row in open_per_kind)
    for application in Application.objects.select_related("decided_by", "submitted_by"):
        decided = application.status in (
            ApplicationStatus.APPROVED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.RETURNED,
        )
        assert (application.decided_by is not None) == decided
        assert (application.decided_at is not None) == decided
        if application.status in (ApplicationStatus.REJECTED, ApplicationStatus.RETURNED):
            assert application.decision_reason
        if decided:
            assert application.decided_by.division_id == application.reviewing_division_id
            assert application.decided_at > application.submitted_at
        assert application.checklist
        if application.status == ApplicationStatus.APPROVED:
            assert not application.unmet_conditions or all(
                item["severity"] != "blocking" for item in application.unmet_conditions
            )
    # The checklist of an open filing is what the rules say of the roster now.
    open_filings = Application.objects.filter(
        kind=ApplicationKind.FILING, status__in=ApplicationStatus.OPEN
    ).select_related("organisation")
    assert open_filings
    for application in open_filings:
        expected = [c.as_dict() for c in checklist_for("filing", application.organisation)]
        assert application.checklist == expected


def test_rosters_and_activities(seeded):
    without_leader = Organisation.objects.exclude(
        pk__in=Member.objects.current().filter(role=MemberRole.LEADER).values("organisation")
    )
    assert not without_leader.exists()
    phones = list(Member.objects.values_list("phone", flat=True))
    assert all(clean_phone(phone) == phone for phone in phones)
    id_numbers = list(Member.objects.exclude(id_number="").values_list("id_number", flat=True))
    assert id_numbers and all(ric.is_valid(number) for number in id_numbers)
    parties = Counter(Member.objects.values_list("party_status", flat=True))
    assert parties["none"] > parties["formal"] > parties["probationary"] > 0
    assert Member.objects.exclude(left_on=None).exists()

    live_filed = Organisation.objects.filter(status__in=(OrgStatus.FILED, OrgStatus.REGISTERED))
    meeting = sum(
        all(item.met or item.severity != "blocking" for item in checklist_for("filing", org))
        for org in live_filed
    )
    assert meeting >= 0.85 * live_filed.count()
    for org in live_filed.filter(org_type=OrgType.SERVICE)[:5]:
        assert org.service_norms_text

    today = timezone.localdate()
    assert not Activity.objects.filter(held_on__gt=today).exists()
    assert not Activity.objects.filter(
        held_on__lt=today - datetime.timedelta(days=3 * 366)
    ).exists()
    per_org = Counter(Activity.objects.values_list("organisation", flat=True))
    assert max(per_org.values()) <= 30

    for model in (Organisation, Member, Activity, Application):
        for row in model.objects.all()[:40]:
            try:
                row.full_clean()
            except ValidationError as error:  # pragma: no cover - shown on failure
                pytest.fail(f"{model.__name__} {row.pk}: {error}")


def test_history_and_users(seeded):
    for model in (Member, Activity, BrandProject):
        assert model.history.count() == model.objects.count()
        assert not model.history.exclude(history_change_reason=CHANGE_REASON).exists()
    # The dataset's rows carry its reason, one per application; the dormancy exits of the
    # oversight demo (proposed by the scan, decided by the owning tier) came later through the
    # services, each row with who and why.
    dormancy_exits = set(
        Application.objects.filter(dormancy_cases__isnull=False).values_list("pk", flat=True)
    )
    assert dormancy_exits
    dataset = Application.objects.exclude(pk__in=dormancy_exits)
    assert (
        Application.history.filter(history_change_reason=CHANGE_REASON).count() == dataset.count()
    )
    later = Application.history.exclude(history_change_reason=CHANGE_REASON)
    assert {row.id for row in later} == dormancy_exits
    assert all(row.history_user_id and row.history_change_reason for row in later)
    for row in Organisation.history.exclude(history_change_reason=CHANGE_REASON):
        assert row.status == OrgStatus.EXITED and row.exit_reason == ExitReason.DORMANT
        assert row.history_user_id and row.history_change_reason
    # one creation row per organisation, and a change row per lifecycle event
    organisations = Organisation.objects.all()
    assert Organisation.history.filter(history_type="+").count() == organisations.count()
    events = (
        organisations.exclude(filed_on=None).count()
        + organisations.exclude(registered_on=None).count()
        + organisations.filter(is_hub=True).count()
        + organisations.filter(status=OrgStatus.EXITED).count()
    )
    assert Organisation.history.filter(history_type="~").count() == events

    seeded_officers = User.objects.filter(username__startswith="seed-")
    assert seeded_officers.exists()
    assert not any(user.has_usable_password() for user in seeded_officers)
    for user in seeded_officers[:20]:
        user.full_clean()
    for username, *_ in DEMO_USERS:
        assert User.objects.get(username=username).has_usable_password()
    leader = User.objects.get(username=DEMO_LEADER[0])
    assert leader.role == Role.ORGANISATION_LEADER
    assert leader.organisation.community_id == DEMO_LEADER[1]


def local_day(moment) -> datetime.date:
    return timezone.localdate(moment)


def test_history_is_dated_at_the_real_events(seeded):
    """Each organisation's history rows are dated on its founding, filing, registration, hub
    and exit days, with the values it had then, so an as-of reconstruction sees it right."""
    filed = (
        Organisation.objects.filter(status=OrgStatus.FILED, is_hub=False)
        .select_related("community__parent")
        .first()
    )
    rows = list(filed.history.order_by("history_date"))
    assert [(r.history_type, r.status) for r in rows] == [
        ("+", OrgStatus.ACTIVITY_GROUP),
        ("~", OrgStatus.FILED),
    ]
    created, filing = rows
    assert local_day(created.history_date) == filed.founded_on < filed.filed_on
    assert created.filing_number is None and created.filed_on is None
    assert created.history_user.division == filed.community
    assert local_day(filing.history_date) == filed.filed_on
    assert filing.filing_number == filed.filing_number
    assert filing.history_user.division == filed.community.parent
    approval = filed.applications.get(
        kind=ApplicationKind.FILING, status=ApplicationStatus.APPROVED
    )
    assert filing.history_date == approval.decided_at
    assert filing.history_user == approval.decided_by
    day_before = filed.filed_on - datetime.timedelta(days=1)
    then = Organisation.history.as_of(
        datetime.datetime.combine(
            day_before, datetime.time(23, 59), tzinfo=created.history_date.tzinfo
        )
    )
    assert then.get(pk=filed.pk).status == OrgStatus.ACTIVITY_GROUP

    for org in Organisation.objects.filter(status=OrgStatus.REGISTERED)[:20]:
        statuses = [r.status for r in org.history.order_by("history_date")]
        # a hub designation in between repeats a status
        statuses = [s for i, s in enumerate(statuses) if not i or s != statuses[i - 1]]
        assert statuses == [OrgStatus.ACTIVITY_GROUP, OrgStatus.FILED, OrgStatus.REGISTERED]
        registration = org.history.filter(status=OrgStatus.REGISTERED).earliest("history_date")
        assert local_day(registration.history_date) == org.registered_on
        assert registration.credit_code == org.credit_code
        assert registration.filing_number == org.filing_number

    for hub in Organisation.objects.filter(is_hub=True).select_related("community__parent"):
        designation = hub.history.filter(is_hub=True).earliest("history_date")
        assert local_day(designation.history_date) == hub.hub_designated_on
        assert designation.history_user.division == hub.community.parent
        assert not hub.history.filter(
            history_date__lt=designation.history_date, is_hub=True
        ).exists()

    for org in Organisation.objects.filter(status=OrgStatus.EXITED):
        rows = list(org.history.order_by("history_date"))
        assert rows[-1].status == OrgStatus.EXITED
        assert local_day(rows[-1].history_date) == org.exited_on
        assert rows[-2].status == org.status_before_exit
        assert not rows[-2].exited_on and not rows[-2].exit_reason

    # brand projects: recognised in their year, after the filing, never in the future
    today = timezone.localdate()
    for brand in BrandProject.objects.select_related("organisation"):
        day = local_day(brand.history.get().history_date)
        assert day.year == brand.year
        assert brand.organisation.filed_on <= day <= today

    # every organisation's rows run forward in time and start as a group on its founding day
    for org in Organisation.objects.all()[:80]:
        rows = list(org.history.order_by("history_date", "history_id"))
        assert rows[0].history_type == "+" and rows[0].status == OrgStatus.ACTIVITY_GROUP
        assert local_day(rows[0].history_date) == org.founded_on
        dates = [r.history_date for r in rows]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert rows[-1].status == org.status


def test_second_run_changes_nothing(seeded):
    before = snapshot()
    output = seed()
    assert "already exist" in output
    assert snapshot() == before


def test_seeded_applications_go_through_the_lifecycle(seeded):
    application = (
        Application.objects.filter(kind=ApplicationKind.FILING, status=ApplicationStatus.SUBMITTED)
        .select_related("organisation", "reviewing_division")
        .first()
    )
    street = application.reviewing_division
    reviewer = User.objects.get(role=Role.STREET_OFFICER, division=street)
    today = timezone.localdate()
    previous = FilingSequence.objects.filter(street=street, year=today.year).first()
    application_decide(
        application=application, action=ApplicationAction.APPROVE, acting_user=reviewer
    )
    organisation = Organisation.objects.get(pk=application.organisation_id)
    assert organisation.status == OrgStatus.FILED
    expected = (previous.last if previous else 0) + 1
    assert organisation.filing_number == f"{street.code}-{today.year}-{expected:04d}"


def test_generator_is_reproducible(divisions):
    communities = residential_communities()
    assert (
        len(communities) == Division.objects.filter(level="community", is_residential=True).count()
    )
    conditions = {t: conditions_for(t) for t in OrgType.values}
    today = datetime.date(2025, 6, 30)

    def names(seed, orgs=150):
        dataset = generate_dataset(
            communities, orgs=orgs, seed=seed, today=today, conditions=conditions
        )
        return dataset, [plan.fields["name"] for plan in dataset.organisations]

    first, first_names = names(11)
    second, second_names = names(11)
    assert first_names == second_names
    assert first == second
    assert names(12)[1] != first_names
    # every residential community gets organisations once there are enough of them
    big, _names = names(11, orgs=len(communities) + 50)
    assert {plan.fields["community_id"] for plan in big.organisations} == {
        c.code for c in communities
    }


def test_refuses_outside_demo_mode_and_logins_only(divisions, settings):
    settings.DEMO_MODE = False
    settings.DEBUG = True  # DEBUG alone is not demo mode
    logins = User.objects.filter(username__in=[u for u, *_ in DEMO_USERS])
    before = logins.count()
    with pytest.raises(CommandError, match="DEMO_MODE"):
        call_command("seed_demo", orgs=0, stdout=StringIO())
    assert logins.count() == before
    call_command("seed_demo", orgs=0, force=True, stdout=StringIO())
    assert User.objects.filter(username__in=[u for u, *_ in DEMO_USERS]).count() == len(DEMO_USERS)


def test_every_dashboard_kpi_has_data(seeded):
    """The city dashboard of the demo shows no KPI at 0 for lack of data: every KPI the
    dashboard lists (the reports app's own and those other modules register) computes to more
    than 0 on the seeded demo, numerator and value."""
    city = User.objects.get(username="city")
    report = kpi_report(scope="4403", user=city)
    definitions = kpi_definitions()
    assert {d.key for d in definitions} == set(report.scope.values)
    empty = {
        d.key: (v.numerator, v.denominator)
        for d in definitions
        if not ((v := report.scope.values[d.key]).numerator and v.numerator > 0 and v.value)
    }
    assert not empty, f"KPIs at 0 on the demo dashboard: {empty}"
    # shaped like the real plan: coverage and reporting well above 0 but not complete
    for key in ("party_organisation_coverage", "party_work_coverage", "annual_reports"):
        assert 0 < report.scope.values[key].value < 1, key


def test_party_building_and_oversight_demo(seeded):
    assert {p.kind for p in PartyOrganisation.objects.all()} == set(PartyOrganisationKind.values)
    assert PartyOrganisation.objects.exclude(dissolved_on=None).exists()
    assert InstructorAssignment.objects.exclude(end_on=None).exists()
    assert PartyInstructor.objects.exists()
    for coverage in PartyCoverage.objects.select_related("party_organisation")[:50]:
        row = coverage.history.earliest("history_date")
        assert row.history_user is not None and row.history_change_reason
        assert coverage.start_on >= coverage.party_organisation.founded_on
    today = timezone.localdate()
    years = set(AnnualReport.objects.values_list("year", flat=True))
    assert len(years) == 3 and max(years) < today.year
    assert set(AnnualReport.objects.values_list("status", flat=True)) == set(ReportStatus.values)
    assert AnnualReport.objects.exclude(overdue_since=None).filter(status="accepted").exists()
    assert AnnualReport.objects.exclude(overdue_since=None).filter(status="draft").exists()
    assert AnnualReport.objects.filter(overdue_since=None, status="accepted").exists()
    entries = CreditListEntry.objects.all()
    assert set(entries.values_list("kind", flat=True)) == set(CreditListKind.values)
    removed = entries.exclude(removed_on=None)
    assert removed.exists() and all(
        e.removal_reason and e.removed_on >= e.listed_on for e in removed
    )
    assert entries.filter(removed_on=None).exists()
    assert set(DormancyCase.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    for case in DormancyCase.objects.exclude(resolved_on=None):
        assert case.resolved_by is not None and case.resolution_note


def test_leader_home_shows_the_report_due(seeded, client):
    leader = User.objects.get(username=DEMO_LEADER[0])
    config = OversightSettings.current()
    year = config.last_closed_year(timezone.localdate())
    report = AnnualReport.objects.get(organisation=leader.organisation, year=year)
    assert report.status == ReportStatus.DRAFT
    client.force_login(leader)
    page = client.get(reverse("home")).content.decode()
    assert reverse("oversight:report-detail", args=[report.pk]) in page
    assert str(year) in page and "annual-report-due" in page
