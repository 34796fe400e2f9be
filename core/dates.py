"""Calendar arithmetic shared by every app (deadlines, validity periods, look-back windows)."""

from __future__ import annotations

import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months later (earlier when negative); the month's last day when
    it has no such day (31 March + 1 month is 30 April)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    return datetime.date(year, month, min(day.day, 28))


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` years later (earlier when negative); 29 February becomes
    28 February in a common year."""
    return add_months(day, 12 * years)
