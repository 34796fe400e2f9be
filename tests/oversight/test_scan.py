"""The nightly scan with a fixed clock: every boundary of the reporting, credit-list and dormancy
rules, and idempotence."""

import datetime
import io

import pytest
from django.core.management import call_command

from oversight.choices import (
    CaseStatus,
    CreditListKind,
    DormancySignal,
    ListingReason,
    RemovalReason,
    ReportStatus,
)
from oversight.models import CreditListEntry, DormancyCase, OversightSettings
from oversight.selectors import filter_on_abnormal_list, filter_on_serious_list
from oversight.services.annual_reports import (
    annual_report_accept,
    annual_report_submit,
    annual_report_update,
)
from oversight.services.dormancy import dormancy_confirm_active, dormancy_report_leader_unreachable
from oversight.services.scan import lifecycle_scan
from registry.choices import (
    ApplicationAction,
    ApplicationKind,
    ApplicationStatus,
    ExitReason,
    OrgStatus,
)
from registry.models import Application, Organisation
from registry.services.lifecycle import application_decide
from tests.oversight.helpers import (
    D,
    accepted_report,
    activity,
    filed,
    group,
    history_rows,
    registered,
    report,
    system_user,
    the_report,
)

pytestmark = pytest.mark.django_db

DEADLINE_2024 = D(2025, 5, 31)  # the default: 31 May of the following year


def scan(day):
    return lifecycle_scan(today=day, batch_size=7)  # small windows: several per step


# --- reports: the deadline ---------------------------------------------------------------------


def test_no_report_is_overdue_on_the_deadline_and_a_missing_one_is_the_day_after(
    staff, street_officer
):
    organisation = filed(staff, street_officer, entered=D(2023, 3, 1))
    activity(organisation, staff, D(2025, 3, 1))
    result = scan(DEADLINE_2024)
    assert result.reports_created_overdue == 0
    assert not organisation.annual_reports.exists()

    result = scan(DEADLINE_2024 + datetime.timedelta(days=1))
    assert result.reports_created_overdue == 1
    overdue = the_report(organisation, 2024)
    assert overdue.status == ReportStatus.DRAFT
    assert overdue.overdue_since == D(2025, 6, 1)
    # Prefilled from the ledger: the one activity of 2024? none; the ten members on the roster.
    assert overdue.activities_held == 0 and overdue.members_count == 10
    history = overdue.history.get()
    assert history.history_user == system_user()
    assert "2025-05-31" in history.history_change_reason


def test_report_submitted_on_the_deadline_is_on_time_and_the_day_after_late(
    staff, street_officer, make_user
):
    on_time = filed(staff, street_officer, entered=D(2023, 3, 1))
    late = filed(staff, street_officer, entered=D(2023, 3, 1), name="坪山社区太极拳队")
    report(on_time, 2024, street_officer, today=DEADLINE_2024)
    report(late, 2024, street_officer, today=DEADLINE_2024 + datetime.timedelta(days=1))
    result = scan(D(2025, 6, 2))
    assert result.reports_created_overdue == 0
    assert result.reports_marked_late == 1
    assert the_report(on_time, 2024).overdue_since is None
    assert the_report(late, 2024).overdue_since == D(2025, 6, 1)
    assert the_report(late, 2024).status == ReportStatus.SUBMITTED


def test_first_report_is_for_the_first_full_year_after_filing(staff, street_officer):
    organisation = filed(staff, street_officer, entered=D(2024, 2, 1))
    scan(D(2025, 6, 1))
    assert not organisation.annual_reports.exists()  # filed in 2024: first report is 2025's
    config = OversightSettings.current()
    config.report_in_entry_year = True
    config.save()
    scan(D(2025, 6, 1))
    assert the_report(organisation, 2024).overdue_since == D(2025, 6, 1)


def test_activity_groups_report_only_when_the_setting_says_so(staff):
    organisation = group(staff, entered=D(2022, 3, 1))
    scan(D(2025, 6, 1))
    assert not organisation.annual_reports.exists()
    config = OversightSettings.current()
    config.activity_groups_report = True
    config.save()
    scan(D(2025, 6, 1))
    assert organisation.annual_reports.filter(year=2024, overdue_since=D(2025, 6, 1)).exists()


def test_the_deadline_is_a_setting(staff, street_officer):
    organisation = filed(staff, street_officer, entered=D(2022, 3, 1))
    config = OversightSettings.current()
    config.report_deadline_month, config.report_deadline_day = 3, 31
    config.full_clean()
    config.save()
    scan(D(2025, 3, 31))
    assert not organisation.annual_reports.filter(year=2024).exists()
    scan(D(2025, 4, 1))
    assert the_report(organisation, 2024).overdue_since == D(2025, 4, 1)


# --- credit lists -----------------------------------------------------------------------------


def test_registered_organisation_missing_its_report_goes_on_the_abnormal_list_after_deadline(
    staff, street_officer, district_officer
):
    organisation = registered(staff, street_officer, district_officer, entered=D(2022, 3, 1))
    filed_only = filed(staff, street_officer, entered=D(2022, 3, 1), name="坪山社区太极拳队")
    report(organisation, 2023, district_officer, today=D(2024, 5, 1))
    scan(DEADLINE_2024)
    assert not CreditListEntry.objects.exists()
    result = scan(DEADLINE_2024 + datetime.timedelta(days=1))
    assert result.listed_abnormal == 1
    entry = CreditListEntry.objects.get()
    assert (entry.organisation, entry.kind, entry.report_year) == (
        organisation,
        CreditListKind.ABNORMAL,
        2024,
    )
    assert entry.listed_on == D(2025, 6, 1)
    assert entry.reason == ListingReason.REPORT_MISSING
    assert entry.removed_on is None
    assert "2024" in entry.reason_text
    # Filed organisations are chased (their report is overdue) but not put on the credit lists.
    assert the_report(filed_only, 2024).overdue_since == D(2025, 6, 1)
    organisations = Organisation.objects.all()
    assert list(filter_on_abnormal_list(organisations, True)) == [organisation]
    assert filed_only in filter_on_abnormal_list(organisations, False)
    assert not filter_on_serious_list(organisations, True).exists()


def test_late_report_lists_the_organisation_with_the_late_reason(
    staff, street_officer, district_officer
):
    organisation = registered(staff, street_officer, district_officer, entered=D(2023, 3, 1))
    report(organisation, 2024, district_officer, today=D(2025, 6, 3))
    scan(D(2025, 6, 4))
    entry = CreditListEntry.objects.get(organisation=organisation)
    assert entry.reason == ListingReason.REPORT_LATE
    assert entry.listed_on == D(2025, 6, 4)


def test_two_years_on_the_abnormal_list_moves_the_organisation_to_the_serious_list(
    staff, street_officer, district_officer
):
    organisation = registered(staff, street_officer, district_officer, entered=D(2023, 3, 1))
    scan(D(2025, 6, 1))
    abnormal = CreditListEntry.objects.get(report_year=2024)
    result = scan(D(2027, 5, 31))  # two years less a day
    assert result.moved_to_serious == 0
    abnormal.refresh_from_db()
    assert abnormal.removed_on is None
    result = scan(D(2027, 6, 1))
    assert result.moved_to_serious == 1  # the 2025 entry is younger; only 2024's moves
    abnormal.refresh_from_db()
    assert abnormal.removed_on == D(2027, 6, 1)
    assert abnormal.removal_reason == RemovalReason.MOVED_TO_SERIOUS
    serious = CreditListEntry.objects.get(kind=CreditListKind.SERIOUS)
    assert serious.escalated_from == abnormal
    assert (serious.listed_on, serious.report_year) == (D(2027, 6, 1), 2024)
    assert serious.reason == ListingReason.MOVED_FROM_ABNORMAL
    assert list(filter_on_serious_list(Organisation.objects.all(), True)) == [organisation]


def test_submitting_and_getting_the_report_accepted_removes_the_listing(
    staff, street_officer, district_officer
):
    organisation = registered(staff, street_officer, district_officer, entered=D(2023, 3, 1))
    scan(D(2025, 6, 1))
    entry = CreditListEntry.objects.get()
    overdue = the_report(organisation, 2024)
    annual_report_update(report=overdue, acting_user=district_officer, income=0, spending=0)
    annual_report_submit(report=overdue, acting_user=district_officer, today=D(2025, 7, 1))
    scan(D(2025, 7, 2))
    entry.refresh_from_db()
    assert entry.removed_on is None  # submitted is not yet corrected: accepted is
    annual_report_accept(report=overdue, acting_user=district_officer, today=D(2025, 7, 10))
    entry.refresh_from_db()
    assert entry.removed_on == D(2025, 7, 10)
    assert entry.removal_reason == RemovalReason.REPORT_ACCEPTED
    last = entry.history.order_by("-history_id").first()
    assert last.history_user == district_officer
    assert "2024" in last.history_change_reason
    assert not scan(D(2025, 7, 11)).listed_abnormal  # not listed again
    assert not filter_on_abnormal_list(Organisation.objects.all(), True).exists()


def test_correcting_removes_the_organisation_from_the_serious_list_too(
    staff, street_officer, district_officer
):
    organisation = registered(staff, street_officer, district_officer, entered=D(2023, 3, 1))
    scan(D(2025, 6, 1))
    scan(D(2027, 6, 1))
    serious = CreditListEntry.objects.get(kind=CreditListKind.SERIOUS, removed_on__isnull=True)
    overdue = the_report(organisation, 2024)
    annual_report_update(report=overdue, acting_user=district_officer, income=0, spending=0)
    annual_report_submit(report=overdue, acting_user=district_officer, today=D(2027, 6, 5))
    annual_report_accept(report=overdue, acting_user=district_officer, today=D(2027, 6, 8))
    serious.refresh_from_db()
    assert serious.removed_on == D(2027, 6, 8)
    assert serious.removal_reason == RemovalReason.REPORT_ACCEPTED


def test_the_scan_removes_an_entry_whose_report_is_already_accepted(
    staff, street_officer, district_officer
):
    organisation = registered(staff, street_officer, district_officer, entered=D(2023, 3, 1))
    accepted_report(organisation, 2024, district_officer, district_officer, today=D(2025, 4, 1))
    # An entry made by hand (say in the admin) for a year whose report is in fact accepted.
    entry = CreditListEntry.objects.create(
        organisation=organisation,
        kind=CreditListKind.ABNORMAL,
        listed_on=D(2025, 6, 1),
        reason=ListingReason.REPORT_MISSING,
        report_year=2024,
    )
    result = scan(D(2025, 6, 2))
    assert result.entries_removed == 1
    entry.refresh_from_db()
    assert entry.removed_on == D(2025, 6, 2)
    assert entry.removal_reason == RemovalReason.REPORT_ACCEPTED


# --- dormancy: the rules ----------------------------------------------------------------------


def test_twelve_months_less_a_day_without_activity_is_not_a_suspect_twelve_months_is(staff):
    organisation = group(staff, entered=D(2023, 1, 10))
    activity(organisation, staff, D(2024, 6, 1))
    assert scan(D(2025, 5, 31)).suspects_flagged == 0
    result = scan(D(2025, 6, 1))
    assert result.suspects_flagged == 1
    case = DormancyCase.objects.get(organisation=organisation)
    assert case.signals == [DormancySignal.INACTIVE]
    assert case.status == CaseStatus.OPEN
    assert case.flagged_on == D(2025, 6, 1)
    assert case.notice_ends_on == D(2025, 7, 1)
    assert case.flagged_by == system_user()


def test_an_organisation_without_any_activity_counts_from_its_entry_in_the_ledger(staff):
    organisation = group(staff, entered=D(2024, 6, 1))
    assert scan(D(2025, 5, 31)).suspects_flagged == 0
    assert scan(D(2025, 6, 1)).suspects_flagged == 1
    assert DormancyCase.objects.get().organisation == organisation


def test_one_missing_year_is_not_dormancy_two_consecutive_are(staff, street_officer):
    one = filed(staff, street_officer, entered=D(2022, 6, 1))
    two = filed(staff, street_officer, entered=D(2022, 6, 1), name="坪山社区太极拳队")
    for organisation in (one, two):
        activity(organisation, staff, D(2025, 5, 1))  # active: only the reports rule applies
    report(one, 2023, street_officer, today=D(2024, 5, 20))
    result = scan(D(2025, 6, 1))
    assert result.suspects_flagged == 1
    case = DormancyCase.objects.get()
    assert case.organisation == two
    assert case.signals == [DormancySignal.NO_REPORTS]


def test_missing_reports_count_only_from_the_deadline_on(staff, street_officer):
    organisation = filed(staff, street_officer, entered=D(2022, 6, 1))
    activity(organisation, staff, D(2025, 5, 1))
    report(organisation, 2022, street_officer, today=D(2023, 5, 1))
    # On 31 May 2025 the last closed year is 2023: 2022 was submitted, so one missing year.
    assert scan(D(2025, 5, 31)).suspects_flagged == 0
    assert scan(D(2025, 6, 1)).suspects_flagged == 1  # 2023 and 2024 missing


def test_the_rules_are_settings(staff, street_officer):
    organisation = group(staff, entered=D(2023, 1, 10))
    activity(organisation, staff, D(2024, 9, 1))
    config = OversightSettings.current()
    config.dormancy_inactive_months = 6
    config.save()
    assert scan(D(2025, 2, 28)).suspects_flagged == 0
    assert scan(D(2025, 3, 1)).suspects_flagged == 1
    config.dormancy_inactive_months = 0
    config.save()
    DormancyCase.objects.all().delete()
    assert scan(D(2026, 3, 1)).suspects_flagged == 0  # the rule is off


# --- dormancy: the notice period and the exit -------------------------------------------------


def test_exit_is_proposed_the_day_after_the_notice_period_not_on_its_last_day(
    staff, street_officer
):
    organisation = filed(staff, street_officer, entered=D(2023, 1, 10))
    report(organisation, 2023, street_officer, today=D(2024, 5, 1))
    report(organisation, 2024, street_officer, today=D(2025, 5, 1))
    scan(D(2025, 6, 1))  # no activity ever: a suspect
    case = DormancyCase.objects.get()
    assert case.notice_ends_on == D(2025, 7, 1)
    result = scan(D(2025, 7, 1))
    assert result.exits_proposed == 0
    assert not Application.objects.filter(kind=ApplicationKind.EXIT).exists()

    result = scan(D(2025, 7, 2))
    assert result.exits_proposed == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.EXIT_PROPOSED
    application = case.exit_application
    assert application.kind == ApplicationKind.EXIT
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.exit_reason == ExitReason.DORMANT
    assert application.submitted_by == system_user()
    assert application.reviewing_division_id == street_officer.division_id  # the owning tier
    assert application.initiating_division_id == street_officer.division_id
    assert application.checklist and all(item["met"] for item in application.checklist)
    assert application.history.get().history_user == system_user()
    organisation.refresh_from_db()
    assert organisation.status == OrgStatus.FILED  # a person still decides

    application_decide(
        application=application,
        action=ApplicationAction.APPROVE,
        acting_user=street_officer,
        reason="确认为僵尸型组织",
    )
    result = scan(D(2025, 7, 20))
    assert result.cases_closed == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.EXITED
    organisation.refresh_from_db()
    assert organisation.status == OrgStatus.EXITED
    assert organisation.exit_reason == ExitReason.DORMANT


def test_rejected_exit_closes_the_case_and_restarts_the_clock(staff, street_officer):
    organisation = group(staff, entered=D(2023, 1, 10))
    scan(D(2025, 6, 1))
    scan(D(2025, 7, 2))
    case = DormancyCase.objects.get()
    application_decide(
        application=case.exit_application,
        action=ApplicationAction.REJECT,
        acting_user=staff,
        reason="小组仍在活动",
    )
    assert scan(D(2025, 7, 3)).cases_closed == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.EXIT_REFUSED
    assert case.resolution_note == "小组仍在活动"
    assert scan(D(2025, 7, 4)).suspects_flagged == 0
    assert scan(D(2026, 7, 3)).suspects_flagged == 1  # twelve months after the refusal
    assert organisation.dormancy_cases.count() == 2


def test_confirmed_active_is_not_flagged_again_until_the_rule_holds_after_the_confirmation(
    staff,
):
    group(staff, entered=D(2023, 1, 10))
    scan(D(2025, 6, 1))
    case = DormancyCase.objects.get()
    dormancy_confirm_active(
        case=case, acting_user=staff, note="电话联系负责人，小组每周仍有活动", today=D(2025, 6, 10)
    )
    for day in (D(2025, 6, 11), D(2025, 7, 20), D(2026, 6, 9)):
        result = scan(day)
        assert result.suspects_flagged == 0 and result.exits_proposed == 0
    assert scan(D(2026, 6, 10)).suspects_flagged == 1


def test_activity_recorded_during_the_notice_period_clears_the_case(staff):
    organisation = group(staff, entered=D(2023, 1, 10))
    scan(D(2025, 6, 1))
    activity(organisation, staff, D(2025, 6, 15))
    result = scan(D(2025, 6, 16))
    assert result.cases_cleared == 1
    case = DormancyCase.objects.get()
    assert case.status == CaseStatus.CLEARED
    assert case.resolved_on == D(2025, 6, 16)
    assert scan(D(2025, 7, 2)).exits_proposed == 0


def test_leader_unreachable_recorded_by_staff_makes_a_suspect_the_scan_keeps(staff):
    organisation = group(staff, entered=D(2023, 1, 10))
    activity(organisation, staff, D(2025, 5, 1))
    case = dormancy_report_leader_unreachable(
        organisation=organisation,
        acting_user=staff,
        note="6月3日、6月5日两次电话无人接听",
        today=D(2025, 6, 5),
    )
    assert case.signals == [DormancySignal.LEADER_UNREACHABLE]
    assert case.notice_ends_on == D(2025, 7, 5)
    assert scan(D(2025, 6, 6)).cases_cleared == 0  # active, but the leader is still unreachable
    assert scan(D(2025, 7, 5)).exits_proposed == 0
    assert scan(D(2025, 7, 6)).exits_proposed == 1


def test_an_exit_proposed_by_a_person_meanwhile_is_linked_not_duplicated(staff):
    from registry.services.lifecycle import application_submit

    organisation = group(staff, entered=D(2023, 1, 10))
    scan(D(2025, 6, 1))
    application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        exit_reason=ExitReason.VOLUNTARY,
        acting_user=staff,
        note="小组自行解散",
    )
    assert scan(D(2025, 7, 2)).exits_proposed == 1
    case = DormancyCase.objects.get()
    assert case.exit_application == application
    assert Application.objects.filter(kind=ApplicationKind.EXIT).count() == 1


# --- idempotence ------------------------------------------------------------------------------


def test_a_second_scan_on_the_same_day_changes_nothing_and_writes_no_history(
    staff, street_officer, district_officer
):
    listed = registered(staff, street_officer, district_officer, entered=D(2022, 3, 1))
    quiet = group(staff, entered=D(2023, 1, 10), name="坪山社区太极拳队")
    lively = group(staff, entered=D(2023, 1, 10), name="坪山社区合唱团")
    filed(staff, street_officer, entered=D(2022, 3, 1), name="坪山社区读书会")

    def twice(day):
        first = scan(day)
        before = history_rows()
        second = scan(day)
        assert not second.changed, second.lines()
        assert second.exits_blocked == []
        assert history_rows() == before
        return first

    # Reports entered as overdue, listings, suspects flagged.
    first = twice(D(2025, 6, 1))
    assert first.reports_created_overdue == 4 and first.listed_abnormal == 2  # 2023, 2024
    assert first.suspects_flagged == 4
    # A case cleared (new activity) and exits proposed.
    activity(lively, staff, D(2025, 6, 20))
    first = twice(D(2025, 7, 2))
    assert first.cases_cleared == 1 and first.exits_proposed == 3
    # An exit approved and its case closed; a listing moved to the serious list.
    application_decide(
        application=DormancyCase.objects.get(organisation=quiet).exit_application,
        action=ApplicationAction.APPROVE,
        acting_user=staff,
        reason="确认解散",
    )
    first = twice(D(2027, 6, 1))
    assert first.cases_closed == 1 and first.moved_to_serious == 2
    # A correction: the serious entry comes off when the report is accepted.
    overdue = the_report(listed, 2024)
    annual_report_update(report=overdue, acting_user=district_officer, income=0, spending=0)
    annual_report_submit(report=overdue, acting_user=district_officer, today=D(2027, 6, 2))
    annual_report_accept(report=overdue, acting_user=district_officer, today=D(2027, 6, 2))
    twice(D(2027, 6, 3))


def test_the_command_prints_a_summary_and_nothing_to_change_the_second_time(staff):
    group(staff, entered=D(2023, 1, 10))
    out = io.StringIO()
    call_command("lifecycle_scan", "--today", "2025-06-01", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "2025-06-01" in text
    assert "dormancy suspects flagged: 1" in text
    out = io.StringIO()
    call_command("lifecycle_scan", "--today", "2025-06-01", "--no-progress", stdout=out)
    assert "nothing to change" in out.getvalue()


def test_the_command_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("lifecycle_scan", "--today", "2025-13-01", "--no-progress")
