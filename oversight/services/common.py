"""What every oversight service shares: the business day, date arithmetic, the system user the
scan acts as, and the window of organisation ids the scan works in."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import User
from registry.services.lifecycle import _stamp

SYSTEM_USERNAME = "system-scan"
#: rows per UPDATE statement: Django's bulk_update writes one CASE branch per row, which the
#: database evaluates for every row it updates, so its cost grows with the square of the batch
UPDATE_BATCH = 1000


# --- dates ------------------------------------------------------------------------------------


def business_day(today: datetime.date | None) -> datetime.date:
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


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- the system user --------------------------------------------------------------------------


def system_user() -> User:
    """The account the scan acts as, created once (idempotent).

    It is inactive with an unusable password: nobody can log in as it or authenticate a token
    with it, and ``restrict()`` gives it nothing. The scan therefore never goes through the
    jurisdiction checks meant for people; it writes through this module, which applies the same
    state checks as ``registry.services.lifecycle`` (see ``scan_propose_exits``).
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


# --- the scan's unit of work ------------------------------------------------------------------


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
