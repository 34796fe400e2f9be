"""``kpi_trend`` answers many days at once: the same values as ``kpi_report`` as of each day
(every KPI, at the city, a district and a street, for two kinds of user), in a number of
queries that does not grow with the number of days."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import OutOfJurisdiction
from reports.kpis import KPIS, kpi_report, kpi_trend
from tests.conftest import PINGSHAN_STREET
from tests.reports.conftest import PAST, TODAY

pytestmark = pytest.mark.django_db

KEYS = [definition.key for definition in KPIS]

# Before anything (2022), during the build-up, between each of the scenario's changes (hubs,
# new groups, filings, the registration, exits, the hub revoked, new grades, reports), and today.
DATES = [
    datetime.date(2022, 12, 31),
    datetime.date(2023, 2, 1),  # the first groups, that very day
    datetime.date(2023, 6, 30),
    datetime.date(2024, 5, 31),
    datetime.date(2024, 6, 1),  # the hubs, that very day
    datetime.date(2024, 12, 31),
    datetime.date(2025, 3, 31),
    datetime.date(2025, 5, 31),
    PAST,
    datetime.date(2025, 8, 1),
    datetime.date(2025, 10, 31),
    datetime.date(2025, 12, 31),
    datetime.date(2026, 1, 31),
    datetime.date(2026, 5, 31),
    TODAY,
]


@pytest.mark.parametrize("code", ["4403", "440310", PINGSHAN_STREET])
@pytest.mark.parametrize("who", ["superuser", "ps_officer"])
def test_every_kpi_trend_equals_the_report_of_each_day(
    scenario, people, at_now, make_user, code, who
):
    if who == "superuser":
        user = make_user("city_officer", "4403", username="kpi-root", is_superuser=True)
    else:
        user = people[who]
    if who == "ps_officer" and code != PINGSHAN_STREET:  # above the officer's street: 404
        with pytest.raises(OutOfJurisdiction):
            kpi_trend(key="density", scope=code, user=user, dates=DATES)
        return
    reports = {day: kpi_report(scope=code, user=user, as_of=day) for day in DATES}
    for key in KEYS:
        trend = kpi_trend(key=key, scope=code, user=user, dates=DATES)
        assert [day for day, _value in trend] == DATES
        for day, value in trend:
            assert value == reports[day].scope.values[key], (key, day)
    # the scenario really changes over these days
    hub = [reports[day].scope.values["hub_coverage"].numerator for day in DATES]
    assert len(set(hub)) > 1


def test_the_trend_of_a_street_officer_leaves_other_streets_out(scenario, people, at_now):
    dates = [PAST, TODAY]
    officer = kpi_trend(
        key="density", scope=PINGSHAN_STREET, user=people["ps_officer"], dates=dates
    )
    city = kpi_trend(key="density", scope="4403", user=people["city"], dates=dates)
    # 坪山街道 only (A, B, H, D as of PAST) against the whole city (with 马峦's C, E, F)
    assert [value.numerator for _day, value in officer] == [4, 4]
    assert [value.numerator for _day, value in city] == [7, 6]


def test_repeated_and_unordered_days(scenario, people, at_now):
    dates = [TODAY, PAST, datetime.date(2024, 5, 31), PAST]
    trend = kpi_trend(key="hub_coverage", scope="440310", user=people["district"], dates=dates)
    assert [(day, value.numerator) for day, value in trend] == [
        (TODAY, 1),
        (PAST, 2),
        (datetime.date(2024, 5, 31), 0),
        (PAST, 2),
    ]


def month_ends(count: int) -> list[datetime.date]:
    days, year, month = [], 2026, 10
    for _step in range(count):
        days.append(datetime.date(year, month, 1) - datetime.timedelta(days=1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(days)


@pytest.mark.parametrize("key", KEYS)
def test_the_number_of_queries_does_not_grow_with_the_days(scenario, people, at_now, key):
    user = people["city"]

    def queries(dates):
        with CaptureQueriesContext(connection) as captured:
            kpi_trend(key=key, scope="440310", user=user, dates=dates)
        return len(captured)

    few, many = queries([*month_ends(3), TODAY]), queries([*month_ends(12), TODAY])
    assert few == many
    assert many <= 10
