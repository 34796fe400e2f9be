"""``core.dates``: month and year arithmetic that keeps the day where the month has it."""

import datetime

import pytest

from core.dates import add_months, add_years

D = datetime.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 15), 1, D(2024, 2, 15)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: the month's last day
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 31), 1, D(2024, 4, 30)),
        (D(2024, 11, 30), 3, D(2025, 2, 28)),  # across the year
        (D(2024, 3, 31), -1, D(2024, 2, 29)),  # backwards
        (D(2024, 1, 10), -13, D(2022, 12, 10)),
        (D(2024, 5, 5), 0, D(2024, 5, 5)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_add_years_moves_29_february_to_28_february():
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert add_years(D(2024, 6, 1), -2) == D(2022, 6, 1)
