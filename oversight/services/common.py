"""What every oversight service shares: the business day, the system user the scan acts as, and
the window of organisation ids the scan works in. (Date arithmetic is ``core.dates``.)"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import stamp
from registry.models import User

SYSTEM_USERNAME = "system-scan"
#: rows per UPDATE statement: Django's bulk_update writes one CASE branch per row, which the
#: database evaluates for every row it updates, so its cost grows with the square of the batch
UPDATE_BATCH = 1000


# --- dates ------------------------------------------------------------------------------------


def business_day(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


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
    stamp(user, acting_user=None, reason=_("Account for the scheduled lifecycle scan"))
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
