"""Oversight reads that pages, the API and other apps reuse: organisations on the credit lists,
the overdue summary per street and district, an organisation's oversight history. (The filter
sets are in ``oversight.filters``.)

Everything here takes querysets already restricted to a user (``restrict``) or restricts them
itself; nothing widens a user's view.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from oversight.choices import CreditListKind, ReportStatus
from oversight.models import AnnualReport, CreditListEntry, DormancyCase, OversightSettings
from oversight.services.annual_reports import owing_q
from registry.choices import DivisionLevel
from registry.models import Division, Organisation
from registry.selectors import (
    HISTORY_ACTIONS,
    FieldChange,
    TimelineEntry,
    _display,
    _tracked_fields,
    organisation_timeline,
)

# --- credit lists on organisations --------------------------------------------------------------


def open_listing(kind: str) -> Exists:
    """``Exists`` over an ``Organisation`` queryset: it is on the ``kind`` list now."""
    return Exists(
        CreditListEntry.objects.filter(
            organisation=OuterRef("pk"), kind=kind, removed_on__isnull=True
        )
    )


def filter_on_abnormal_list(queryset: QuerySet, value: bool | None) -> QuerySet:
    """Organisations on (``True``) or off (``False``) the abnormal-activity list now."""
    if value is None:
        return queryset
    condition = open_listing(CreditListKind.ABNORMAL)
    return queryset.filter(condition if value else ~condition)


def filter_on_serious_list(queryset: QuerySet, value: bool | None) -> QuerySet:
    """Organisations on (``True``) or off (``False``) the serious-dishonesty list now."""
    if value is None:
        return queryset
    condition = open_listing(CreditListKind.SERIOUS)
    return queryset.filter(condition if value else ~condition)


def organisations_on_credit_list(queryset: QuerySet | None = None) -> QuerySet:
    """Organisations on either list now (grading: "orgs on a credit list can't be graded")."""
    queryset = Organisation.objects.all() if queryset is None else queryset
    return queryset.filter(
        open_listing(CreditListKind.ABNORMAL) | open_listing(CreditListKind.SERIOUS)
    )


# --- the overdue summary ----------------------------------------------------------------------


@dataclass
class OverdueRow:
    division: Division
    due: int = 0
    on_time: int = 0
    late: int = 0
    outstanding: int = 0
    accepted: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


SUMMARY_LEVELS = (DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY)
#: from an organisation to the division it is counted under, by summary level
SUMMARY_PATHS = {
    DivisionLevel.DISTRICT: "community__parent__parent",
    DivisionLevel.STREET: "community__parent",
    DivisionLevel.COMMUNITY: "community",
}


def summary_levels_for(user) -> list[str]:
    """The levels ``user`` may break a summary down by: their own tier's and those below."""
    if user.is_superuser or user.tier_level in (None, DivisionLevel.CITY):
        return list(SUMMARY_LEVELS)
    rank = DivisionLevel.rank(user.tier_level)
    return [level for level in SUMMARY_LEVELS if DivisionLevel.rank(level) >= rank]


def summary_level_for(user) -> str:
    """The level a summary is broken down by for ``user`` by default: the one below theirs."""
    if user.is_superuser or user.tier_level in (None, DivisionLevel.CITY):
        return DivisionLevel.DISTRICT
    levels = summary_levels_for(user)
    return levels[1] if len(levels) > 1 else levels[0]


def overdue_summary(user, *, year: int, level: str) -> list[OverdueRow]:
    """Per district, street or community in ``user``'s jurisdiction: organisations owing the
    report for ``year``, reports submitted on time, late ones (overdue, whether or not submitted
    since), those still outstanding (overdue and not accepted), and accepted ones.

    Three queries whatever the number of organisations; every count comes from restricted
    querysets and only divisions the user may see get a row.
    """
    if level not in summary_levels_for(user):
        level = summary_level_for(user)
    config = OversightSettings.current()
    path = SUMMARY_PATHS[level]
    rows = {
        division.pk: OverdueRow(division=division)
        for division in Division.objects.restrict(user).filter(level=level).order_by("path")
    }
    owing = (
        Organisation.objects.restrict(user)
        .filter(owing_q(year, config))
        .order_by()
        .values(f"{path}_id")
        .annotate(count=Count("pk"))
    )
    for row in owing:
        if row[f"{path}_id"] in rows:
            rows[row[f"{path}_id"]].due = row["count"]
    deadline = config.report_deadline(year)
    reports = (
        AnnualReport.objects.restrict(user)
        .filter(year=year)
        .order_by()
        .values(f"organisation__{path}_id")
        .annotate(
            on_time=Count("pk", filter=Q(first_submitted_on__lte=deadline)),
            late=Count("pk", filter=Q(overdue_since__isnull=False)),
            outstanding=Count(
                "pk", filter=Q(overdue_since__isnull=False) & ~Q(status=ReportStatus.ACCEPTED)
            ),
            accepted=Count("pk", filter=Q(status=ReportStatus.ACCEPTED)),
        )
    )
    for row in reports:
        summary = rows.get(row[f"organisation__{path}_id"])
        if summary is not None:
            summary.on_time, summary.late = row["on_time"], row["late"]
            summary.outstanding, summary.accepted = row["outstanding"], row["accepted"]
    return [row for row in rows.values() if row.due or row.late or row.on_time or row.accepted]


def default_report_year(today: datetime.date | None = None) -> int:
    """The year whose reports are being made or chased now: last year."""
    return (today or timezone.localdate()).year - 1


@dataclass(frozen=True)
class ReportDue:
    """The annual report an organisation still has to make or submit."""

    year: int
    deadline: datetime.date
    #: its report if one is started (a draft, or returned for correction)
    report: AnnualReport | None
    overdue: bool


def report_due(organisation: Organisation, today: datetime.date | None = None) -> ReportDue | None:
    """The report for last year if ``organisation`` owes it and has not submitted it yet (none
    started, a draft, or returned for correction); ``None`` otherwise."""
    today = today or timezone.localdate()
    year = default_report_year(today)
    config = OversightSettings.current()
    if not Organisation.objects.filter(owing_q(year, config), pk=organisation.pk).exists():
        return None
    report = AnnualReport.objects.filter(organisation=organisation, year=year).first()
    if report is not None and not report.is_editable:
        return None
    deadline = config.report_deadline(year)
    return ReportDue(year=year, deadline=deadline, report=report, overdue=deadline < today)


# --- history ----------------------------------------------------------------------------------


def oversight_timeline(organisation: Organisation) -> list[TimelineEntry]:
    """``organisation_timeline`` plus the history of the organisation's annual reports, credit
    list entries and dormancy cases, newest first, in the same form."""
    entries = organisation_timeline(organisation)
    labels = {
        AnnualReport: lambda row: str(row.year),
        CreditListEntry: lambda row: str(dict(CreditListKind.choices).get(row.kind, row.kind)),
        DormancyCase: lambda row: row.flagged_on.isoformat(),
    }
    for model, label in labels.items():
        rows = list(
            model.history.filter(organisation_id=organisation.pk)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        fields = _tracked_fields(model)
        previous = {}
        for row in rows:
            before = previous.get(row.id)
            changes = []
            if before is not None:
                for name, attname in fields:
                    old, new = getattr(before, attname), getattr(row, attname)
                    if old != new:
                        changes.append(_field_change(model, name, _display, old, new))
            previous[row.id] = row
            if before is not None and not changes and row.history_type == "~":
                continue
            entries.append(
                TimelineEntry(
                    when=row.history_date,
                    user=row.history_user,
                    model=model._meta.model_name,
                    model_label=str(model._meta.verbose_name),
                    object_id=row.id,
                    object_label=label(row),
                    action=row.history_type,
                    action_label=str(HISTORY_ACTIONS[row.history_type]),
                    reason=row.history_change_reason or "",
                    changes=changes,
                )
            )
    entries.sort(key=lambda e: (e.when, e.model, e.object_id), reverse=True)
    return entries


def _field_change(model, name, display, old, new):
    return FieldChange(
        field=name,
        label=str(model._meta.get_field(name).verbose_name),
        old=display(model, name, old, {}),
        new=display(model, name, new, {}),
    )
