"""Annual reports: who owes one, the report's content and review (person-driven writes), and the
scan's steps that enter missing reports as overdue and mark late ones."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.exceptions import NotPermitted, OutOfJurisdiction, TransitionNotAllowed
from core.history import stamp
from core.scoping import CHANGE
from core.transitions import transition
from core.validators import normalise_text
from oversight.choices import REPORT_TRANSITIONS, ReportAction, ReportStatus
from oversight.models import AnnualReport, OversightSettings
from oversight.services.common import UPDATE_BATCH, business_day, start_of
from oversight.services.credit_lists import credit_list_remove_for_report
from registry.choices import Role
from registry.models import Activity, Member, Organisation, User
from registry.services.lifecycle import acts_for, lock_organisation, require_live

COUNT_FIELDS = ("activities_held", "members_count")
AMOUNT_FIELDS = ("volunteer_hours", "income", "spending")
TEXT_FIELDS = ("party_work", "projects", "summary")
CONTENT_FIELDS = frozenset(COUNT_FIELDS + AMOUNT_FIELDS + TEXT_FIELDS)
#: what a report must state before it can be submitted (counts default to 0 and are prefilled)
REQUIRED_FOR_SUBMISSION = ("income", "spending")


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
                f"{p}created_at__lt": start_of(boundary),
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
    return transition(
        REPORT_TRANSITIONS,
        report.status,
        action,
        message=_("A report that is '%(status)s' cannot be given '%(action)s'.")
        % {"status": report.get_status_display(), "action": ReportAction(action).label},
    )


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
    today = business_day(today)
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    _require_reporter(acting_user, organisation)
    require_live(organisation, "annual_report")
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
    stamp(report, acting_user=acting_user, reason=normalise_text(reason) or _("Report started"))
    report.save()
    return report


@transaction.atomic
def annual_report_update(
    *, report: AnnualReport, acting_user: User, reason: str = "", **content
) -> AnnualReport:
    """Change a report's content while it is with the organisation (draft or returned)."""
    report = _lock_report(report, acting_user, CHANGE)
    organisation = lock_organisation(report.organisation, acting_user, CHANGE)
    _require_reporter(acting_user, organisation)
    require_live(organisation, "annual_report_update")
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
    stamp(report, acting_user=acting_user, reason=normalise_text(reason) or _("Report edited"))
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
    today = business_day(today)
    report = _lock_report(report, acting_user, CHANGE)
    organisation = lock_organisation(report.organisation, acting_user, CHANGE)
    _require_reporter(acting_user, organisation)
    require_live(organisation, "annual_report_submit")
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
    stamp(report, acting_user=acting_user, reason=reason)
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
    today = business_day(today)
    report = _lock_report(report, acting_user, CHANGE)
    organisation = lock_organisation(report.organisation, acting_user, CHANGE)
    _require_reviewer(acting_user, organisation)
    require_live(organisation, "annual_report_accept")
    report.status = _next_report_status(report, ReportAction.ACCEPT)
    report.reviewed_on = today
    report.reviewed_by = acting_user
    report.review_reason = normalise_text(reason)
    reason = report.review_reason or str(ReportAction.ACCEPT.label)
    stamp(report, acting_user=acting_user, reason=reason)
    report.save()
    credit_list_remove_for_report(
        organisation=organisation, year=report.year, acting_user=acting_user, today=today
    )
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
    today = business_day(today)
    report = _lock_report(report, acting_user, CHANGE)
    organisation = lock_organisation(report.organisation, acting_user, CHANGE)
    _require_reviewer(acting_user, organisation)
    require_live(organisation, "annual_report_return")
    following = _next_report_status(report, ReportAction.RETURN)
    reason = normalise_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Say what needs correcting.")]})
    report.status = following
    report.reviewed_on = today
    report.reviewed_by = acting_user
    report.review_reason = reason
    stamp(report, acting_user=acting_user, reason=reason)
    report.save()
    return report


# --- the scan's steps -------------------------------------------------------------------------


def scan_create_overdue_reports(window, year, config, system) -> int:
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


def scan_mark_late_reports(window, year, config, system) -> int:
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
