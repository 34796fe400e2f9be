"""The nightly ``lifecycle_scan``: applies the rules in ``OversightSettings`` to annual reports,
the credit lists and dormancy, step by step (each step lives with its subject).

Every function takes ``today`` (the business date the rules are evaluated on; the real local date
when omitted) so that tests and the ``--today`` option fix the clock. The scan walks the ledger in
windows of organisation ids, finds each window's candidates with set-based queries, locks and
re-checks them in the window's own transaction, and writes in bulk with history rows. Every step
only acts on rows whose state still calls for it, so running it again on the same day changes
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext as _

from oversight.models import OversightSettings
from oversight.services.annual_reports import (
    scan_create_overdue_reports,
    scan_mark_late_reports,
)
from oversight.services.common import Window, business_day, system_user
from oversight.services.credit_lists import (
    scan_list_abnormal,
    scan_move_to_serious,
    scan_remove_corrected_entries,
)
from oversight.services.dormancy import (
    scan_clear_and_flag,
    scan_close_decided_cases,
    scan_propose_exits,
)
from registry.models import Organisation

#: organisation ids per window of the scan (each window is one transaction)
BATCH_SIZE = 5000


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
    today = business_day(today)
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
            lambda w, y=year: scan_create_overdue_reports(w, y, config, system),
        )
        result.reports_marked_late += each_window(
            f"late reports {year}", lambda w, y=year: scan_mark_late_reports(w, y, config, system)
        )
    result.entries_removed = each_window(
        "credit lists: removals", lambda w: scan_remove_corrected_entries(w, today, system)
    )
    result.listed_abnormal = each_window(
        "credit lists: listings", lambda w: scan_list_abnormal(w, today, system)
    )
    result.moved_to_serious = each_window(
        "credit lists: serious", lambda w: scan_move_to_serious(w, config, today, system)
    )
    result.cases_closed = each_window(
        "dormancy: decided", lambda w: scan_close_decided_cases(w, today, system)
    )
    counts = {"cleared": 0, "flagged": 0}

    def clear_and_flag(window: Window) -> int:
        cleared, flagged = scan_clear_and_flag(window, config, today, system)
        counts["cleared"] += cleared
        counts["flagged"] += flagged
        return cleared + flagged

    each_window("dormancy: suspects", clear_and_flag)
    result.cases_cleared, result.suspects_flagged = counts["cleared"], counts["flagged"]
    if config.dormancy_auto_exit:
        result.exits_proposed = each_window(
            "dormancy: exit proposals",
            lambda w: scan_propose_exits(w, config, today, system, result.exits_blocked),
        )
    return result
