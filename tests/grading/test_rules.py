"""Band boundaries, aggregation and validity dates, exactly (Decimal)."""

import datetime
from decimal import Decimal

import pytest

from grading.choices import Aggregation
from grading.rules import (
    Band,
    aggregate,
    band_problems,
    competition_ranks,
    level_for,
    valid_until,
    weighted_total,
)
from grading.selectors import bands_for

DEFAULT = [
    Band(5, Decimal(950), True),
    Band(4, Decimal(900), False),
    Band(3, Decimal(850), False),
    Band(2, Decimal(800), False),
    Band(1, Decimal(700), False),
]


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("700", None),
        ("700.5", 1),
        ("800", 1),
        ("801", 2),
        ("850", 2),
        ("851", 3),
        ("900", 3),
        ("900.5", 4),
        ("949.9", 4),
        ("950", 5),
        ("0", None),
        ("700.01", 1),
        ("1050", 5),
    ],
)
def test_default_band_boundaries(score, level):
    assert level_for(Decimal(score), DEFAULT) == level


@pytest.mark.django_db
def test_default_bands_come_from_the_data_migration():
    bands = sorted(bands_for(None), key=lambda band: band.level)
    assert [(b.level, b.lower_bound, b.inclusive) for b in bands] == [
        (1, Decimal(700), False),
        (2, Decimal(800), False),
        (3, Decimal(850), False),
        (4, Decimal(900), False),
        (5, Decimal(950), True),
    ]
    assert level_for(Decimal("700.5"), bands) == 1
    assert level_for(Decimal("950"), bands) == 5


def test_band_problems_catch_overlaps():
    assert band_problems(DEFAULT) == []
    assert band_problems([Band(1, Decimal(800), False), Band(2, Decimal(700), False)])
    assert band_problems([Band(1, Decimal(800), False), Band(2, Decimal(800), True)])
    assert band_problems([Band(1, Decimal(800), True), Band(2, Decimal(800), False)]) == []
    assert band_problems([Band(1, Decimal(800), True), Band(1, Decimal(900), True)])


def test_mean_of_two_experts():
    score = aggregate([Decimal(880), Decimal(920)], Aggregation.MEAN)
    assert score == Decimal("900.00")
    assert level_for(score, DEFAULT) == 3


def test_mean_is_rounded_half_up_to_cents():
    assert aggregate([Decimal(900), Decimal(900), Decimal("900.01")], Aggregation.MEAN) == Decimal(
        "900.00"
    )
    assert aggregate([Decimal("900.01"), Decimal(900)], Aggregation.MEAN) == Decimal("900.01")


def test_trimmed_mean_drops_the_extremes():
    totals = [Decimal(600), Decimal(880), Decimal(900), Decimal(920), Decimal(1000)]
    assert aggregate(totals, Aggregation.TRIMMED_MEAN, 1) == Decimal("900.00")
    with pytest.raises(ValueError):
        aggregate(totals[:2], Aggregation.TRIMMED_MEAN, 1)


def test_validity_is_five_years_less_a_day():
    assert valid_until(datetime.date(2025, 6, 30)) == datetime.date(2030, 6, 29)
    assert valid_until(datetime.date(2024, 2, 29)) == datetime.date(2029, 2, 28)
    assert valid_until(datetime.date(2025, 1, 1)) == datetime.date(2029, 12, 31)


def test_weighted_total_and_ranks():
    weights = {"a": Decimal(60), "b": Decimal(40)}
    assert weighted_total({"a": Decimal(100), "b": Decimal(50)}, weights) == Decimal("80.00")
    assert competition_ranks([(1, Decimal(80)), (2, Decimal(90)), (3, Decimal(80))]) == {
        2: 1,
        1: 2,
        3: 2,
    }
    assert competition_ranks([(1, Decimal(1)), (2, Decimal(1)), (3, Decimal(0))])[3] == 3
