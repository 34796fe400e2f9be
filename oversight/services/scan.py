"""Oversight writes: annual reports and their review, the credit lists, dormancy cases, and the
nightly ``lifecycle_scan`` that applies the rules in ``OversightSettings``.

Every function takes ``today`` (the business date the rules are evaluated on; the real local date
when omitted) so that tests and the ``--today`` option fix the clock. Person-driven writes follow
the lifecycle services (row locks, state re-checked after the lock, acting user and reason in
history). The scan walks the ledger in windows of organisation ids, finds each window's candidates
with set-based queries, locks and re-checks them in the window's own transaction, and writes in
bulk with history rows. Every step only acts on rows whose state still calls for it, so running
it again on the same day changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.exceptions import NotPermitted, OutOfJurisdiction, TransitionNotAllowed
from core.scoping import CHANGE
from core.validators import normalise_text
from registry.choices import (
    ORGANISATION_TRANSITIONS,
    ApplicationKind,
    ApplicationStatus,
    ExitReason,
    OrgStatus,
    Role,
)
from registry.models import (
    Activity,
    AnnualReport,
    Application,
    CreditListEntry,
    DormancyCase,
    Member,
    Organisation,
    OversightSettings,
    User,
)
from registry.models.oversight import (
    REPORT_TRANSITIONS,
    CaseStatus,
    CreditListKind,
    DormancySignal,
    ListingReason,
    RemovalReason,
    ReportAction,
    ReportStatus,
)
from registry.services.lifecycle import (
    _check_conditions,
    _lock_organisation,
    _require_live,
    _reviewing_tier,
    _stamp,
    acts_for,
    application_submit,
)

SYSTEM_USERNAME = "system-scan"
#: organisation ids per window of the scan (each window is one transaction)
BATCH_SIZE = 5000
#: rows per UPDATE statement: Django's bulk_update writes one CASE branch per row, which the
#: database evaluates for every row it updates, so its cost grows with the square of the batch
UPDATE_BATCH = 1000

COUNT_FIELDS = ("activities_held", "members_count")
AMOUNT_FIELDS = ("volunteer_hours", "income", "spending")
TEXT_FIELDS = ("party_work", "projects", "summary")
CONTENT_FIELDS = frozenset(COUNT_FIELDS + AMOUNT_FIELDS + TEXT_FIELDS)
#: what a report must state before it can be submitted (counts default to 0 and are prefilled)
REQUIRED_FOR_SUBMISSION = ("income", "spending")
OFFICER_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER)


# --- dates ------------------------------------------------------------------------------------


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months earlier (the month's last day if it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    return datetime.date(year, month, min(day.day, 28))


def years_before(day: datetime.date, years: int) -> datetime.date:
    return months_before(day, 12 * years)


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- the system user --------------------------------------------------------------------------


def system_user() -> User:
    """The account the scan acts as, created once (idempotent).

    It is inactive with an unusable password: nobody can log in as it or authenticate a token
    with it, and ``restrict()`` gives it nothing. The scan therefore never goes through the
    jurisdiction checks meant for people; it writes through this module, which applies the same
    state checks as ``registry.services.lifecycle`` (see ``_propose_exits``).
    """
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is not None:
        return user
    user = User(
        username=SYSTEM_USERNAME,
        first_name=_("Scheduled scan"),
        is_active=False,
        is_staff=False,
        is_superuser=False,
    )
    user.set_unusable_password()
    _stamp(user, acting_user=None, reason=_("Account for the scheduled lifecycle scan"))
    user.save()
    return user


# --- who owes a report ------------------------------------------------------------------------


def owing_q(year: int, config: OversightSettings, prefix: str = "") -> Q:
    """Organisations (as a ``Q`` on ``Organisation``, or through ``prefix`` such as
    ``"organisation__"``) that owe a report for ``year``: live, in a reporting status, and filed
    or registered (for reporting activity groups: entered in the ledger) before that year began,
    or during it if the settings say so."""
    if config.first_report_year and year < config.first_report_year:
        return Q(pk__in=[])
    boundary = datetime.date(year + 1 if config.report_in_entry_year else year, 1, 1)
    p = prefix
    entered = (
        Q(**{f"{p}filed_on__lt": boundary})
        | Q(**{f"{p}filed_on__isnull": True, f"{p}registered_on__lt": boundary})
        | Q(
            **{
                f"{p}filed_on__isnull": True,
                f"{p}registered_on__isnull": True,
                f"{p}created_at__lt": _start_of(boundary),
            }
        )
    )
    return Q(**{f"{p}status__in": config.reporting_statuses}) & entered


def organisations_owing_report(year: int, config: OversightSettings | None = None) -> QuerySet:
    """Organisations that owe a report for ``year`` (unscoped: restrict it for a person)."""
    return Organisation.objects.filter(owing_q(year, config or OversightSettings.current()))


def _entry_year(organisation: Organisation) -> int:
    entered = organisation.filed_on or organisation.registered_on
    if entered is None:
        entered = timezone.localdate(organisation.created_at)
    return entered.year


def report_prefill(organisation_ids: list[int], year: int) -> dict[int, dict]:
    """What the ledger already says for a year, per organisation: activities held and their
    volunteer hours, and the members on the roster at the end of the year."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    values = {
        pk: {"activities_held": 0, "volunteer_hours": Decimal("0"), "members_count": 0}
        for pk in organisation_ids
    }
    activities = (
        Activity.objects.filter(organisation_id__in=organisation_ids, held_on__range=(start, end))
        .order_by()
        .values("organisation_id")
        .annotate(held=Count("pk"), hours=Sum("volunteer_hours"))
    )
    for row in activities:
        values[row["organisation_id"]]["activities_held"] = row["held"]
        values[row["organisation_id"]]["volunteer_hours"] = row["hours"] or Decimal("0")
    members = (
        Member.objects.filter(organisation_id__in=organisation_ids)
        .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=end))
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
        .order_by()
        .values("organisation_id")
        .annotate(count=Count("pk"))
    )
    for row in members:
        values[row["organisation_id"]]["members_count"] = row["count"]
    return values


# --- annual reports: person-driven writes -----------------------------------------------------


def _clean_content(data: dict) -> tuple[dict, dict]:
    """Typed content values and the errors (every one, by field)."""
    unknown = set(data) - CONTENT_FIELDS
    if unknown:
        raise ValueError(f"not part of an annual report: {', '.join(sorted(unknown))}")
    cleaned, errors = {}, {}
    for name, value in data.items():
        label = AnnualReport._meta.get_field(name).verbose_name
        if name in TEXT_FIELDS:
            cleaned[name] = str(value or "").strip()
            continue
        if value is None or value == "":
            if name in COUNT_FIELDS or name == "volunteer_hours":
                errors[name] = [_("Enter %(field)s.") % {"field": label}]
            else:
                cleaned[name] = None
            continue
        if name in COUNT_FIELDS:
            try:
                number = int(value)
                if isinstance(value, bool) or number != Decimal(str(value)):
                    raise ValueError
            except (TypeError, ValueError, InvalidOperation):
                errors[name] = [_("%(field)s must be a whole number.") % {"field": label}]
                continue
        else:
            try:
                number = Decimal(str(value))
                if isinstance(value, bool) or not number.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors[name] = [_("%(field)s must be a number.") % {"field": label}]
                continue
        if number < 0:
            errors[name] = [
                _("%(field)s cannot be negative (%(value)s was given).")
                % {"field": label, "value": value}
            ]
            continue
        cleaned[name] = number
    return cleaned, errors


def _may_report_for(user: User, organisation: Organisation) -> bool:
    """The organisation's own leader, or its owning tier acting on its behalf."""
    if user.role == Role.ORGANISATION_LEADER:
        return user.organisation_id == organisation.pk
    return acts_for(user, organisation.owning_division())


def _require_reporter(user: User, organisation: Organisation):
    if not _may_report_for(user, organisation):
        raise NotPermitted(
            _("Only the organisation's leader or %(tier)s can make or submit its annual report.")
            % {"tier": organisation.owning_division().name}
        )


def _require_reviewer(user: User, organisation: Organisation):
    if not acts_for(user, organisation.owning_division()):
        raise NotPermitted(
            _("Only %(tier)s reviews this organisation's annual reports.")
            % {"tier": organisation.owning_division().name}
        )


def _lock_report(report: AnnualReport, acting_user: User, action: str) -> AnnualReport:
    try:
        return (
            AnnualReport.objects.restrict(acting_user, action)
            .select_for_update(of=("self",))
            .get(pk=report.pk)
        )
    except AnnualReport.DoesNotExist:
        raise OutOfJurisdiction() from None


def _next_report_status(report: AnnualReport, action: str) -> str:
    following = REPORT_TRANSITIONS.get((report.status, action))
    if following is None:
        raise TransitionNotAllowed(
            _("A report that is '%(status)s' cannot be given '%(action)s'.")
            % {"status": report.get_status_display(), "action": ReportAction(action).label},
            current=report.status,
            requested=action,
        )
    return following


@transaction.atomic
def annual_report_create(
    *,
    organisation: Organisation,
    year: int,
    acting_user: User,
    today: datetime.date | None = None,
    reason: str = "",
    **content,
) -> AnnualReport:
    """Start the annual report of ``organisation`` for ``year`` (a draft).

    The counts the ledger knows (activities held, volunteer hours, members at the year's end) are
    filled in from its activity and roster records unless given. Refused with nothing stored:
    outside the user's jurisdiction (404), not the organisation's leader or owning tier (403), an
    exited organisation or one that doesn't report (409), a year that hasn't ended, one before the
    organisation was filed, a second report for a year, or negative figures (400, every error).
    """
    today = _today(today)
    organisation = _lock_organisation(organisation, acting_user, CHANGE)
    _require_reporter(acting_user, organisation)
    _require_live(organisation, "annual_report")
    config = OversightSettings.current()
    if organisation.status not in config.reporting_statuses:
        raise TransitionNotAllowed(
            _("A %(status)s does not submit annual reports.")
            % {"status": organisation.get_status_display()},
            current=organisation.status,
            requested="annual_report",
        )
    errors = {}
    try:
        year = int(year)
    except (TypeError, ValueError):
        errors["year"] = [_("Enter the year as a number, such as %(year)s.") % {"year": 2024}]
    if "year" not in errors:
        entry_year = _entry_year(organisation)
        existing = AnnualReport.objects.filter(organisation=organisation, year=year).first()
        if year >= today.year:
            errors["year"] = [
                _(
                    "The year %(year)s has not ended yet; its report can be made from "
                    "1 January %(next)s."
                )
                % {"year": year, "next": year + 1}
            ]
        elif year < entry_year:
            errors["year"] = [
                _("%(name)s was only filed or registered in %(entry)s; no report for %(year)s.")
                % {"name": organisation.name, "entry": entry_year, "year": year}
            ]
        elif existing is not None:
            errors["year"] = [
                _(
                    "A report for %(year)s already exists (%(status)s); open that one to edit or "
                    "submit it."
                )
                % {"year": year, "status": existing.get_status_display()}
            ]
    cleaned, content_errors = _clean_content(content)
    errors.update(content_errors)
    if errors:
        raise ValidationError(errors)
    values = report_prefill([organisation.pk], year)[organisation.pk]
    values.update(cleaned)
    report = AnnualReport(organisation=organisation, year=year, status=ReportStatus.DRAFT, **values)
    report.full_clean()
    _stamp(report, acting_user=acting_user, reason=normalise_text(reason) or _("Report started"))
    report.save()
    return report


@transaction.atomic
def annual_report_update(
    *, report: AnnualReport, acting_user: User, reason: str = "", **content
) -> AnnualReport:
    """Change a report's content while it is with the organisation (draft or returned)."""
    report = _lock_report(report, acting_user, CHANGE)
    organisation = _lock_organisation(report.organisation, acting_user, CHANGE)
    _require_reporter(acting_user, organisation)
    _require_live(organisation, "annual_report_update")
    if not report.is_editable:
        raise TransitionNotAllowed(
            _("A report that is '%(status)s' can no longer be edited.")
            % {"status": report.get_status_display()},
            current=report.status,
            requested="update",
        )
    cleaned, errors = _clean_content(content)
    if errors:
        raise ValidationError(errors)
    for name, value in cleaned.items():
        setattr(report, name, value)
    report.full_clean()
    _stamp(report, acting_user=acting_user, reason=normalise_text(reason) or _("Report edited"))
    report.save()
    return report


@transaction.atomic
def annual_report_submit(
    *,
    report: AnnualReport,
    acting_user: User,
    today: datetime.date | None = None,
    reason: str = "",
) -> AnnualReport:
    """Submit (or, after a return, resubmit) a report to the owning tier for review."""
    today = _today(today)
    report = _lock_report(report, acting_user, CHANGE)
    organisation = _lock_organisation(report.organisation, acting_user, CHANGE)
    _require_reporter(acting_user, organisation)
    _require_live(organisation, "annual_report_submit")
    following = _next_report_status(report, ReportAction.SUBMIT)
    missing = {
        name: [
            _("Enter %(field)s before submitting.")
            % {"field": AnnualReport._meta.get_field(name).verbose_name}
        ]
        for name in REQUIRED_FOR_SUBMISSION
        if getattr(report, name) is None
    }
    if missing:
        raise ValidationError(missing)
    report.status = following
    report.submitted_on = today
    report.first_submitted_on = report.first_submitted_on or today
    report.submitted_by = acting_user
    reason = normalise_text(reason) or str(ReportAction.SUBMIT.label)
    _stamp(report, acting_user=acting_user, reason=reason)
    report.save()
    return report


@transaction.atomic
def annual_report_accept(
    *,
    report: AnnualReport,
    acting_user: User,
    today: datetime.date | None = None,
    reason: str = "",
) -> AnnualReport:
    """The owning tier accepts a submitted report. If a missing or late report for that year had
    put the organisation on a credit list, it comes off that list now (dated, with the reason)."""
    today = _today(today)
    report = _lock_report(report, acting_user, CHANGE)
    organisation = _lock_organisation(report.organisation, acting_user, CHANGE)
    _require_reviewer(acting_user, organisation)
    _require_live(organisation, "annual_report_accept")
    report.status = _next_report_status(report, ReportAction.ACCEPT)
    report.reviewed_on = today
    report.reviewed_by = acting_user
    report.review_reason = normalise_text(reason)
    reason = report.review_reason or str(ReportAction.ACCEPT.label)
    _stamp(report, acting_user=acting_user, reason=reason)
    report.save()
    entries = list(
        CreditListEntry.objects.select_for_update()
        .filter(organisation=organisation, report_year=report.year, removed_on__isnull=True)
        .order_by("pk")
    )
    for entry in entries:
        entry.removed_on = today
        entry.removal_reason = RemovalReason.REPORT_ACCEPTED
        _stamp(
            entry,
            acting_user=acting_user,
            reason=_("Annual report for %(year)s accepted") % {"year": report.year},
        )
        entry.save()
    return report


@transaction.atomic
def annual_report_return(
    *,
    report: AnnualReport,
    acting_user: User,
    reason: str,
    today: datetime.date | None = None,
) -> AnnualReport:
    """The owning tier returns a submitted report for correction, saying why."""
    today = _today(today)
    report = _lock_report(report, acting_user, CHANGE)
    organisation = _lock_organisation(report.organisation, acting_user, CHANGE)
    _require_reviewer(acting_user, organisation)
    _require_live(organisation, "annual_report_return")
    following = _next_report_status(report, ReportAction.RETURN)
    reason = normalise_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Say what needs correcting.")]})
    report.status = following
    report.reviewed_on = today
    report.reviewed_by = acting_user
    report.review_reason = reason
    _stamp(report, acting_user=acting_user, reason=reason)
    report.save()
    return report


# --- dormancy: person-driven writes -----------------------------------------------------------


def _lock_case(case: DormancyCase, acting_user: User) -> tuple[DormancyCase, Organisation]:
    """The case and its organisation, locked, if the user may change them; 404 otherwise.

    The organisation is locked first, then the case: the order every dormancy write uses (the
    scan included), so that two of them can't deadlock.
    """
    cases = DormancyCase.objects.restrict(acting_user, CHANGE)
    organisation_id = cases.filter(pk=case.pk).values_list("organisation_id", flat=True).first()
    if organisation_id is None:
        raise OutOfJurisdiction()
    organisation = _lock_organisation(Organisation(pk=organisation_id), acting_user, CHANGE)
    case = cases.select_for_update(of=("self",)).get(pk=case.pk)
    case.organisation = organisation
    return case, organisation


def _require_owning_tier(user: User, organisation: Organisation):
    if not acts_for(user, organisation.owning_division()):
        raise NotPermitted(
            _("Only %(tier)s decides on this organisation's dormancy.")
            % {"tier": organisation.owning_division().name}
        )


def _require_open(case: DormancyCase, requested: str):
    if case.status != CaseStatus.OPEN:
        raise TransitionNotAllowed(
            _("This dormancy case is already '%(status)s'.")
            % {"status": case.get_status_display()},
            current=case.status,
            requested=requested,
        )


@transaction.atomic
def dormancy_report_leader_unreachable(
    *,
    organisation: Organisation,
    acting_user: User,
    note: str,
    today: datetime.date | None = None,
) -> DormancyCase:
    """Staff record that the organisation's leader can't be reached: the organisation becomes a
    dormancy suspect (or the signal is added to its pending case), with the usual notice period."""
    today = _today(today)
    organisation = _lock_organisation(organisation, acting_user, CHANGE)
    _require_live(organisation, "leader_unreachable")
    if not (acting_user.is_superuser or acting_user.role in OFFICER_ROLES):
        raise NotPermitted(_("Only community, street or district staff record this."))
    note = normalise_text(note)
    if not note:
        raise ValidationError({"note": [_("Say how and when you tried to reach the leader.")]})
    case = (
        DormancyCase.objects.select_for_update()
        .filter(organisation=organisation, status__in=CaseStatus.PENDING)
        .first()
    )
    if case is not None:
        if DormancySignal.LEADER_UNREACHABLE in case.signals:
            return case
        case.signals = [*case.signals, DormancySignal.LEADER_UNREACHABLE]
        case.flag_note = "\n".join(filter(None, [case.flag_note, note]))
    else:
        config = OversightSettings.current()
        case = DormancyCase(
            organisation=organisation,
            signals=[DormancySignal.LEADER_UNREACHABLE],
            status=CaseStatus.OPEN,
            flagged_on=today,
            notice_ends_on=today + datetime.timedelta(days=config.dormancy_notice_days),
            flag_note=note,
            flagged_by=acting_user,
        )
    _stamp(case, acting_user=acting_user, reason=note)
    case.save()
    return case


@transaction.atomic
def dormancy_confirm_active(
    *,
    case: DormancyCase,
    acting_user: User,
    note: str,
    today: datetime.date | None = None,
) -> DormancyCase:
    """The owning tier confirms a suspect is active, saying how it knows. The dormancy clocks
    restart from today: it isn't flagged again until a rule holds anew after this date."""
    today = _today(today)
    case, organisation = _lock_case(case, acting_user)
    _require_open(case, "confirm_active")
    _require_owning_tier(acting_user, organisation)
    note = normalise_text(note)
    if not note:
        raise ValidationError({"note": [_("Say how you know the organisation is active.")]})
    case.status = CaseStatus.CONFIRMED_ACTIVE
    case.resolved_on = today
    case.resolved_by = acting_user
    case.resolution_note = note
    _stamp(case, acting_user=acting_user, reason=note)
    case.save()
    return case


@transaction.atomic
def dormancy_propose_exit(
    *,
    case: DormancyCase,
    acting_user: User,
    note: str = "",
) -> DormancyCase:
    """The owning tier proposes the suspect's exit as dormant: an exit application (through
    ``application_submit``, with all its checks) that the same tier then reviews."""
    case, organisation = _lock_case(case, acting_user)
    _require_open(case, "propose_exit")
    _require_owning_tier(acting_user, organisation)
    application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        exit_reason=ExitReason.DORMANT,
        acting_user=acting_user,
        note=note
        or _("Dormant: proposed from the dormancy case of %(date)s")
        % {"date": case.flagged_on.isoformat()},
    )
    case.status = CaseStatus.EXIT_PROPOSED
    case.exit_application = application
    _stamp(case, acting_user=acting_user, reason=normalise_text(note) or _("Exit proposed"))
    case.save()
    return case


# --- the scan ---------------------------------------------------------------------------------


ProgressFactory = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


@dataclass
class ScanResult:
    """What one scan changed; all zero on a second run the same day."""

    today: datetime.date
    reports_created_overdue: int = 0
    reports_marked_late: int = 0
    entries_removed: int = 0
    listed_abnormal: int = 0
    moved_to_serious: int = 0
    cases_closed: int = 0
    cases_cleared: int = 0
    suspects_flagged: int = 0
    exits_proposed: int = 0
    exits_blocked: list[str] = field(default_factory=list)

    COUNTS = (
        "reports_created_overdue",
        "reports_marked_late",
        "entries_removed",
        "listed_abnormal",
        "moved_to_serious",
        "cases_closed",
        "cases_cleared",
        "suspects_flagged",
        "exits_proposed",
    )

    @property
    def changed(self) -> bool:
        return any(getattr(self, name) for name in self.COUNTS)

    def lines(self) -> list[str]:
        """The summary a person reads after the run."""
        if not self.changed and not self.exits_blocked:
            return [_("Scan for %(day)s: nothing to change.") % {"day": self.today.isoformat()}]
        lines = [_("Scan for %(day)s:") % {"day": self.today.isoformat()}]
        labels = {
            "reports_created_overdue": _("missing annual reports entered as overdue"),
            "reports_marked_late": _("annual reports marked late"),
            "entries_removed": _("credit list entries removed after correction"),
            "listed_abnormal": _("organisations put on the abnormal-activity list"),
            "moved_to_serious": _("entries moved to the serious-dishonesty list"),
            "cases_closed": _("dormancy cases closed (exit decided)"),
            "cases_cleared": _("dormancy cases cleared (signs of activity again)"),
            "suspects_flagged": _("dormancy suspects flagged"),
            "exits_proposed": _("exit proposals opened after the notice period"),
        }
        for name in self.COUNTS:
            lines.append(f"  {labels[name]}: {getattr(self, name)}")
        for problem in self.exits_blocked:
            lines.append("  " + _("exit not proposed: %(problem)s") % {"problem": problem})
        return lines


@dataclass(frozen=True)
class Window:
    """A range of organisation ids, ``low`` ≤ id < ``high``: the unit the scan works in.

    Every step walks the whole ledger in these ranges, whatever table it reads, and every query
    of a step (including its subqueries) is confined to the range: a window costs the same
    index range scans however large the ledger and whatever plan the database picks (a hashed
    subquery hashes one window's rows, not a whole table). Memory holds one window.
    """

    low: int
    high: int

    def lookups(self, path: str = "organisation_id") -> dict:
        return {f"{path}__gte": self.low, f"{path}__lt": self.high}

    @property
    def width(self) -> int:
        return self.high - self.low


def _windows(size: int) -> Iterator[Window]:
    bounds = Organisation.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for low in range(bounds["low"], bounds["high"] + 1, size):
        yield Window(low, min(low + size, bounds["high"] + 1))


def _step(progress: ProgressFactory | None, description: str) -> AbstractContextManager:
    if progress is None:
        return nullcontext(lambda n: None)
    bounds = Organisation.objects.aggregate(low=Min("pk"), high=Max("pk"))
    total = (bounds["high"] - bounds["low"] + 1) if bounds["low"] is not None else 0
    return progress(description, total)


def _create_overdue_reports(window, year, config, system) -> int:
    deadline = config.report_deadline(year)
    missing = Organisation.objects.filter(owing_q(year, config), **window.lookups("pk")).filter(
        ~Exists(
            AnnualReport.objects.filter(organisation=OuterRef("pk"), year=year, **window.lookups())
        )
    )
    ids = list(missing.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    # Re-checked once the organisations are locked (a fresh statement sees what committed while
    # we waited): a leader who started the report meanwhile wins, and there is no duplicate.
    started = set(
        AnnualReport.objects.filter(organisation_id__in=ids, year=year).values_list(
            "organisation_id", flat=True
        )
    )
    ids = [pk for pk in ids if pk not in started]
    if not ids:
        return 0
    prefill = report_prefill(ids, year)
    reports = [
        AnnualReport(
            organisation_id=pk,
            year=year,
            status=ReportStatus.DRAFT,
            overdue_since=deadline + datetime.timedelta(days=1),
            **prefill[pk],
        )
        for pk in ids
    ]
    bulk_create_with_history(
        reports,
        AnnualReport,
        batch_size=len(reports),
        default_user=system,
        default_change_reason=_("Not submitted by the deadline (%(date)s)")
        % {"date": deadline.isoformat()},
    )
    return len(reports)


def _mark_late_reports(window, year, config, system) -> int:
    deadline = config.report_deadline(year)
    late = AnnualReport.objects.filter(
        owing_q(year, config, "organisation__"),
        year=year,
        overdue_since__isnull=True,
        **window.lookups(),
        **window.lookups("organisation__id"),
    ).filter(Q(first_submitted_on__isnull=True) | Q(first_submitted_on__gt=deadline))
    reports = list(late.select_for_update(of=("self",)).order_by("pk"))
    if not reports:
        return 0
    for report in reports:
        report.overdue_since = deadline + datetime.timedelta(days=1)
    bulk_update_with_history(
        reports,
        AnnualReport,
        ["overdue_since"],
        batch_size=UPDATE_BATCH,
        default_user=system,
        default_change_reason=_("Not submitted by the deadline (%(date)s)")
        % {"date": deadline.isoformat()},
    )
    return len(reports)


def _remove_corrected_entries(window, today, system) -> int:
    corrected = CreditListEntry.objects.filter(
        removed_on__isnull=True, report_year__isnull=False, **window.lookups()
    ).filter(
        Exists(
            AnnualReport.objects.filter(
                organisation=OuterRef("organisation_id"),
                year=OuterRef("report_year"),
                status=ReportStatus.ACCEPTED,
                **window.lookups(),
            )
        )
    )
    entries = list(corrected.select_for_update(of=("self",)).order_by("pk"))
    for entry in entries:
        entry.removed_on = today
        entry.removal_reason = RemovalReason.REPORT_ACCEPTED
        entry._change_reason = _("Annual report for %(year)s accepted") % {
            "year": entry.report_year
        }
    if entries:
        bulk_update_with_history(
            entries,
            CreditListEntry,
            ["removed_on", "removal_reason"],
            batch_size=UPDATE_BATCH,
            default_user=system,
        )
    return len(entries)


def _list_abnormal(window, today, system) -> int:
    listable = (
        AnnualReport.objects.filter(
            overdue_since__isnull=False,
            organisation__status=OrgStatus.REGISTERED,
            # Only years in which it was already a registered (legal-person) organisation.
            organisation__registered_on__year__lte=F("year"),
            **window.lookups(),
            **window.lookups("organisation__id"),
        )
        .exclude(status=ReportStatus.ACCEPTED)
        .filter(
            ~Exists(
                CreditListEntry.objects.filter(
                    organisation=OuterRef("organisation_id"),
                    report_year=OuterRef("year"),
                    removed_on__isnull=True,
                    **window.lookups(),
                )
            )
        )
    )
    # The report rows are locked: an acceptance and a listing can't cross.
    reports = list(
        listable.select_for_update(of=("self",))
        .order_by("pk")
        .only("pk", "organisation_id", "year", "first_submitted_on")
    )
    entries = []
    for report in reports:
        late = report.first_submitted_on is not None
        entry = CreditListEntry(
            organisation_id=report.organisation_id,
            kind=CreditListKind.ABNORMAL,
            listed_on=today,
            reason=ListingReason.REPORT_LATE if late else ListingReason.REPORT_MISSING,
            report_year=report.year,
        )
        entry._change_reason = (
            _("Annual report for %(year)s submitted late")
            if late
            else _("Annual report for %(year)s not submitted")
        ) % {"year": report.year}
        entries.append(entry)
    if entries:
        bulk_create_with_history(
            entries, CreditListEntry, batch_size=len(entries), default_user=system
        )
    return len(entries)


def _move_to_serious(window, config, today, system) -> int:
    cutoff = years_before(today, config.serious_list_after_years)
    due = CreditListEntry.objects.filter(
        kind=CreditListKind.ABNORMAL,
        removed_on__isnull=True,
        listed_on__lte=cutoff,
        organisation__status=OrgStatus.REGISTERED,
        **window.lookups(),
        **window.lookups("organisation__id"),
    ).filter(
        ~Exists(
            CreditListEntry.objects.filter(
                organisation=OuterRef("organisation_id"),
                kind=CreditListKind.SERIOUS,
                report_year=OuterRef("report_year"),
                removed_on__isnull=True,
                **window.lookups(),
            )
        )
    )
    entries = list(due.select_for_update(of=("self",)).order_by("pk"))
    serious = []
    for entry in entries:
        reason = _("On the abnormal-activity list since %(date)s") % {
            "date": entry.listed_on.isoformat()
        }
        entry.removed_on = today
        entry.removal_reason = RemovalReason.MOVED_TO_SERIOUS
        entry._change_reason = reason
        moved = CreditListEntry(
            organisation_id=entry.organisation_id,
            kind=CreditListKind.SERIOUS,
            listed_on=today,
            reason=ListingReason.MOVED_FROM_ABNORMAL,
            report_year=entry.report_year,
            escalated_from=entry,
        )
        moved._change_reason = reason
        serious.append(moved)
    if entries:
        bulk_update_with_history(
            entries,
            CreditListEntry,
            ["removed_on", "removal_reason"],
            batch_size=UPDATE_BATCH,
            default_user=system,
        )
        bulk_create_with_history(
            serious, CreditListEntry, batch_size=len(serious), default_user=system
        )
    return len(entries)


def signal_conditions(
    today: datetime.date, config: OversightSettings, window: Window | None = None
) -> dict[str, Q]:
    """The automatic dormancy rules as conditions on ``Organisation``, by signal; a rule set to
    0 in the settings is left out. A confirmation (or a refused exit, or a case cleared) restarts
    the clocks: only inactivity and report deadlines after it count.

    With ``window`` the subqueries are confined to that range of organisations (the scan's
    unit of work); without, they apply to any organisation.
    """
    within = window.lookups() if window else {}
    alive = DormancyCase.objects.filter(
        organisation=OuterRef("pk"), status__in=CaseStatus.ALIVE, **within
    )
    conditions = {}
    if config.dormancy_inactive_months:
        cutoff = months_before(today, config.dormancy_inactive_months)
        recent = Activity.objects.filter(organisation=OuterRef("pk"), held_on__gt=cutoff, **within)
        conditions[DormancySignal.INACTIVE] = (
            Q(created_at__lt=_start_of(cutoff + datetime.timedelta(days=1)))
            & ~Exists(recent)
            & ~Exists(alive.filter(resolved_on__gt=cutoff))
        )
    if config.dormancy_missing_report_years:
        last = config.last_closed_year(today)
        years = range(last - config.dormancy_missing_report_years + 1, last + 1)
        condition = ~Exists(alive.filter(resolved_on__gte=config.report_deadline(years[0])))
        for year in years:
            submitted = AnnualReport.objects.filter(
                organisation=OuterRef("pk"), year=year, first_submitted_on__isnull=False, **within
            )
            condition &= owing_q(year, config) & ~Exists(submitted)
        conditions[DormancySignal.NO_REPORTS] = condition
    return conditions


def _suspects_in(window: Window, conditions: dict[str, Q]) -> dict[int, list[str]]:
    """Live organisations of ``window`` for which a rule holds, with the rules. One query per
    rule, each a plain conjunction the database can run as anti-joins within the window."""
    found: dict[int, list[str]] = {}
    live = Organisation.objects.filter(status__in=OrgStatus.LIVE, **window.lookups("pk"))
    for signal, condition in conditions.items():
        for pk in live.filter(condition).order_by().values_list("pk", flat=True):
            found.setdefault(pk, []).append(signal)
    return found


def _close_decided_cases(window, today, system) -> int:
    decided = DormancyCase.objects.filter(
        status__in=CaseStatus.PENDING, **window.lookups(), **window.lookups("organisation__id")
    ).filter(
        Q(organisation__status=OrgStatus.EXITED)
        | Q(
            status=CaseStatus.EXIT_PROPOSED,
            exit_application__status__in=[ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN],
        )
    )
    cases = list(
        decided.select_for_update(of=("self",))
        .select_related("organisation", "exit_application")
        .order_by("pk")
    )
    for case in cases:
        if case.organisation.status == OrgStatus.EXITED:
            case.status = CaseStatus.EXITED
            exited_on = case.organisation.exited_on
            case.resolution_note = _("The organisation exited on %(date)s.") % {
                "date": exited_on.isoformat() if exited_on else "—"
            }
        else:
            case.status = CaseStatus.EXIT_REFUSED
            case.resolution_note = case.exit_application.decision_reason or str(
                case.exit_application.get_status_display()
            )
        case.resolved_on = today
        case.resolved_by = system
        case._change_reason = case.resolution_note
    if cases:
        bulk_update_with_history(
            cases,
            DormancyCase,
            ["status", "resolved_on", "resolved_by", "resolution_note"],
            batch_size=UPDATE_BATCH,
            default_user=system,
        )
    return len(cases)


def _clear_and_flag(window, config, today, system) -> tuple[int, int]:
    """Open cases that no rule supports any more are cleared (those recorded by staff, for an
    unreachable leader, stay until a person decides); live organisations a rule now holds for
    and without a pending case become suspects."""
    conditions = signal_conditions(today, config, window)
    suspects = _suspects_in(window, conditions)
    pending = dict(
        DormancyCase.objects.filter(status__in=CaseStatus.PENDING, **window.lookups())
        .order_by()
        .values_list("organisation_id", "status")
    )
    # Cleared: locked, and re-checked to be still open and without a staff-recorded signal.
    to_clear = [pk for pk, status in pending.items() if status == CaseStatus.OPEN]
    to_clear = [pk for pk in to_clear if pk not in suspects]
    cleared = (
        list(
            DormancyCase.objects.select_for_update(of=("self",))
            .filter(organisation_id__in=to_clear, status=CaseStatus.OPEN)
            .exclude(signals__contains=f",{DormancySignal.LEADER_UNREACHABLE},")
            .order_by("pk")
        )
        if to_clear
        else []
    )
    note = _("No dormancy rule applies any more.")
    for case in cleared:
        case.status = CaseStatus.CLEARED
        case.resolved_on = today
        case.resolved_by = system
        case.resolution_note = note
    if cleared:
        bulk_update_with_history(
            cleared,
            DormancyCase,
            ["status", "resolved_on", "resolved_by", "resolution_note"],
            batch_size=UPDATE_BATCH,
            default_user=system,
            default_change_reason=note,
        )
    # Flagged: the organisations are locked and re-checked to have no pending case (a person
    # may have recorded one meanwhile); the one-pending-case constraint is the backstop.
    to_flag = [pk for pk in suspects if pk not in pending]
    if to_flag:
        locked = Organisation.objects.select_for_update(of=("self",)).filter(
            pk__in=to_flag, status__in=OrgStatus.LIVE
        )
        to_flag = set(locked.values_list("pk", flat=True)) - set(
            DormancyCase.objects.filter(
                organisation_id__in=to_flag, status__in=CaseStatus.PENDING
            ).values_list("organisation_id", flat=True)
        )
    notice_ends = today + datetime.timedelta(days=config.dormancy_notice_days)
    cases = []
    for pk in sorted(to_flag):
        case = DormancyCase(
            organisation_id=pk,
            signals=suspects[pk],
            status=CaseStatus.OPEN,
            flagged_on=today,
            notice_ends_on=notice_ends,
            flagged_by=system,
        )
        case._change_reason = _("Dormancy suspect: %(signals)s") % {
            "signals": case.get_signals_display()
        }
        cases.append(case)
    if cases:
        bulk_create_with_history(cases, DormancyCase, batch_size=len(cases), default_user=system)
    return len(cleared), len(cases)


def _propose_exits(window, config, today, system, blocked: list[str]) -> int:
    """Exit applications for suspects whose notice period has ended unconfirmed.

    Written in bulk, with the checks ``application_submit`` makes (the organisation is live and
    may exit from its status, no exit application is open, the exit checklist has no unmet
    blocking item, including conditions other apps add); submitted by the system user for the
    owning tier, which reviews it. A suspect that already has an open exit application (a person
    proposed it) is linked to that one instead.
    """
    expired = DormancyCase.objects.filter(
        status=CaseStatus.OPEN, notice_ends_on__lt=today, **window.lookups()
    )
    organisation_ids = list(expired.values_list("organisation_id", flat=True))
    if not organisation_ids:
        return 0
    # Organisations first, then their cases (re-checked): the order person-driven writes use.
    organisations = {
        organisation.pk: organisation
        for organisation in Organisation.objects.select_for_update(of=("self",))
        .select_related("community__parent__parent")
        .filter(pk__in=organisation_ids)
    }
    cases = list(expired.select_for_update(of=("self",)).order_by("pk"))
    starts_from, _target = ORGANISATION_TRANSITIONS[ApplicationKind.EXIT]
    open_exits = {
        application.organisation_id: application
        for application in Application.objects.filter(
            organisation_id__in=list(organisations),
            kind=ApplicationKind.EXIT,
            status__in=ApplicationStatus.OPEN,
        )
    }
    now = timezone.now()
    applications, updated = [], []
    for case in cases:
        organisation = organisations.get(case.organisation_id)
        if organisation is None or organisation.status not in starts_from:
            continue  # exited meanwhile: closed by the next scan's first dormancy step
        note = _("Dormant: not confirmed active by the end of the notice period (%(date)s)") % {
            "date": case.notice_ends_on.isoformat()
        }
        application = open_exits.get(organisation.pk)
        if application is None:
            try:
                _require_live(organisation, ApplicationKind.EXIT)
                checklist = _check_conditions(
                    ApplicationKind.EXIT, organisation, exit_reason=ExitReason.DORMANT
                )
            except (ValidationError, TransitionNotAllowed) as error:
                messages = getattr(error, "messages", None) or [str(error)]
                blocked.append(f"{organisation.name}: {'; '.join(map(str, messages))}")
                continue
            application = Application(
                kind=ApplicationKind.EXIT,
                organisation=organisation,
                status=ApplicationStatus.SUBMITTED,
                initiating_division=organisation.owning_division(),
                reviewing_division=_reviewing_tier(ApplicationKind.EXIT, organisation),
                checklist=checklist,
                exit_reason=ExitReason.DORMANT,
                note=note,
                submitted_by=system,
                submitted_at=now,
            )
            application._change_reason = note
            applications.append(application)
        case.status = CaseStatus.EXIT_PROPOSED
        case.exit_application = application
        case._change_reason = note
        updated.append(case)
    if applications:
        # PostgreSQL and SQLite both return the new ids, which the cases need.
        bulk_create_with_history(
            applications, Application, batch_size=len(applications), default_user=system
        )
    if updated:
        for case in updated:
            case.exit_application_id = case.exit_application.pk
        bulk_update_with_history(
            updated,
            DormancyCase,
            ["status", "exit_application"],
            batch_size=UPDATE_BATCH,
            default_user=system,
        )
    return len(updated)


def lifecycle_scan(
    *,
    today: datetime.date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: ProgressFactory | None = None,
) -> ScanResult:
    """Apply the oversight rules as of ``today``; idempotent for a given day.

    In order: reports not submitted by a passed deadline are entered (or marked) as overdue;
    corrected credit-list entries are removed, registered organisations with an overdue report
    not yet accepted go on the abnormal-activity list, and entries older than the settings allow
    move to the serious-dishonesty list; dormancy cases whose exit was decided are closed, open
    cases no rule supports any more are cleared, new suspects are flagged, and suspects left
    unconfirmed past the notice period get an exit proposal.

    Each step walks the ledger in windows of ``batch_size`` organisation ids, one transaction
    per window (rows locked and re-checked in it), writing in bulk with history rows.
    """
    today = _today(today)
    config = OversightSettings.current()
    system = system_user()
    result = ScanResult(today=today)
    size = max(int(batch_size), 1)
    last = config.last_closed_year(today)
    years = [
        year
        for year in range(last - config.scan_years + 1, last + 1)
        if not config.first_report_year or year >= config.first_report_year
    ]

    def each_window(description: str, work: Callable[[Window], int]) -> int:
        changed = 0
        with _step(progress, description) as advance:
            for window in _windows(size):
                with transaction.atomic():
                    changed += work(window)
                advance(window.width)
        return changed

    for year in years:
        result.reports_created_overdue += each_window(
            f"overdue reports {year}",
            lambda w, y=year: _create_overdue_reports(w, y, config, system),
        )
        result.reports_marked_late += each_window(
            f"late reports {year}", lambda w, y=year: _mark_late_reports(w, y, config, system)
        )
    result.entries_removed = each_window(
        "credit lists: removals", lambda w: _remove_corrected_entries(w, today, system)
    )
    result.listed_abnormal = each_window(
        "credit lists: listings", lambda w: _list_abnormal(w, today, system)
    )
    result.moved_to_serious = each_window(
        "credit lists: serious", lambda w: _move_to_serious(w, config, today, system)
    )
    result.cases_closed = each_window(
        "dormancy: decided", lambda w: _close_decided_cases(w, today, system)
    )
    counts = {"cleared": 0, "flagged": 0}

    def clear_and_flag(window: Window) -> int:
        cleared, flagged = _clear_and_flag(window, config, today, system)
        counts["cleared"] += cleared
        counts["flagged"] += flagged
        return cleared + flagged

    each_window("dormancy: suspects", clear_and_flag)
    result.cases_cleared, result.suspects_flagged = counts["cleared"], counts["flagged"]
    if config.dormancy_auto_exit:
        result.exits_proposed = each_window(
            "dormancy: exit proposals",
            lambda w: _propose_exits(w, config, today, system, result.exits_blocked),
        )
    return result
