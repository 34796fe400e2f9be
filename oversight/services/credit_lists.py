"""Credit lists: the abnormal-activity and serious-dishonesty lists. Organisations go on them
and come off them by the rules (the scan's steps), or when their annual report is accepted."""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.dates import add_years
from core.history import stamp
from oversight.choices import CreditListKind, ListingReason, RemovalReason, ReportStatus
from oversight.models import AnnualReport, CreditListEntry
from oversight.services.common import UPDATE_BATCH
from registry.choices import OrgStatus
from registry.models import Organisation, User


def credit_list_remove_for_report(
    *, organisation: Organisation, year: int, acting_user: User, today: datetime.date
) -> int:
    """Take ``organisation`` off the lists its missing or late report for ``year`` put it on
    (dated, with the reason); call inside the transaction that accepts the report."""
    entries = list(
        CreditListEntry.objects.select_for_update()
        .filter(organisation=organisation, report_year=year, removed_on__isnull=True)
        .order_by("pk")
    )
    for entry in entries:
        entry.removed_on = today
        entry.removal_reason = RemovalReason.REPORT_ACCEPTED
        stamp(
            entry,
            acting_user=acting_user,
            reason=_("Annual report for %(year)s accepted") % {"year": year},
        )
        entry.save()
    return len(entries)


# --- the scan's steps -------------------------------------------------------------------------


def scan_remove_corrected_entries(window, today, system) -> int:
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
        reason = _("Annual report for %(year)s accepted") % {"year": entry.report_year}
        stamp(entry, acting_user=system, reason=reason)
    if entries:
        bulk_update_with_history(
            entries,
            CreditListEntry,
            ["removed_on", "removal_reason"],
            batch_size=UPDATE_BATCH,
            default_user=system,
        )
    return len(entries)


def scan_list_abnormal(window, today, system) -> int:
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
        reason = (
            _("Annual report for %(year)s submitted late")
            if late
            else _("Annual report for %(year)s not submitted")
        ) % {"year": report.year}
        stamp(entry, acting_user=system, reason=reason)
        entries.append(entry)
    if entries:
        bulk_create_with_history(
            entries, CreditListEntry, batch_size=len(entries), default_user=system
        )
    return len(entries)


def scan_move_to_serious(window, config, today, system) -> int:
    cutoff = add_years(today, -config.serious_list_after_years)
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
        stamp(entry, acting_user=system, reason=reason)
        moved = CreditListEntry(
            organisation_id=entry.organisation_id,
            kind=CreditListKind.SERIOUS,
            listed_on=today,
            reason=ListingReason.MOVED_FROM_ABNORMAL,
            report_year=entry.report_year,
            escalated_from=entry,
        )
        stamp(moved, acting_user=system, reason=reason)
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
