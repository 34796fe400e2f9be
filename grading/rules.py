"""The arithmetic of grading, kept free of the database so that it can be tested exactly.

Points are ``Decimal`` throughout. An organisation's score is the aggregate of its experts'
totals, rounded half-up to two decimal places (the precision scores are published in); the
grade is looked up from that published score, so the grade always matches the score people see.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core import scoring
from core.dates import add_months, add_years  # noqa: F401 - the calendar arithmetic grading uses
from grading.choices import GRADE_VALIDITY_YEARS, grade_label

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Band:
    """``level`` is earned by a score ``>= lower_bound`` (inclusive) or ``> lower_bound``."""

    level: int
    lower_bound: Decimal
    inclusive: bool

    def admits(self, score: Decimal) -> bool:
        return score >= self.lower_bound if self.inclusive else score > self.lower_bound

    def as_json(self) -> dict:
        return {
            "level": self.level,
            "lower_bound": str(self.lower_bound.quantize(CENT)),
            "inclusive": self.inclusive,
        }

    @classmethod
    def from_json(cls, data: dict) -> Band:
        return cls(int(data["level"]), Decimal(str(data["lower_bound"])), bool(data["inclusive"]))


def band_problems(bands: Sequence[Band]) -> list[str]:
    """Why a set of bands is not usable (empty when it is): each level at most once, and the
    bounds rising strictly with the level so that no score falls in two bands."""
    problems = []
    levels = [band.level for band in bands]
    if len(set(levels)) != len(levels):
        problems.append(_("a level appears twice"))
    ordered = sorted(bands, key=lambda band: band.level)
    for lower, higher in zip(ordered, ordered[1:], strict=False):
        if higher.lower_bound < lower.lower_bound or (
            higher.lower_bound == lower.lower_bound and (higher.inclusive or not lower.inclusive)
        ):
            problems.append(
                _("the bound of %(higher)s is not above that of %(lower)s")
                % {"higher": grade_label(higher.level), "lower": grade_label(lower.level)}
            )
    return problems


def level_for(score: Decimal, bands: Iterable[Band]) -> int | None:
    """The level ``score`` earns: the highest band that admits it; ``None`` is no grade."""
    for band in sorted(bands, key=lambda band: band.level, reverse=True):
        if band.admits(score):
            return band.level
    return None


def round_points(value: Decimal) -> Decimal:
    return scoring.round_half_up(value)


def aggregate(totals: Sequence[Decimal], method: str, trim: int = 1) -> Decimal:
    """The score from the experts' totals: their mean, or with ``trim`` totals dropped at each
    end (trimmed mean), rounded half-up to two places (``core.scoring``, shared with selection
    campaigns). Refuses a trimmed mean that would drop every total (``ValueError``)."""
    if not totals:
        raise ValueError("no totals")
    return scoring.aggregate(totals, method, trim)


def valid_until(awarded_on: datetime.date) -> datetime.date:
    """The last day a grade awarded on ``awarded_on`` is valid: the day before its fifth
    anniversary (a 29 February award's anniversary in a common year is 1 March)."""
    year = awarded_on.year + GRADE_VALIDITY_YEARS
    try:
        anniversary = awarded_on.replace(year=year)
    except ValueError:
        anniversary = datetime.date(year, 3, 1)
    return anniversary - datetime.timedelta(days=1)


def weighted_total(values: dict[str, Decimal], weights: dict[str, Decimal]) -> Decimal:
    """The weighted mean of dimension values (0-100) with the given weights, 0-100, to two
    places. Weights are normalised by their sum, so weights that don't add up to 100 still give
    a total on the same scale."""
    weight_sum = sum((weights.get(key, Decimal(0)) for key in values), Decimal(0))
    if weight_sum == 0:
        return Decimal("0.00")
    total = sum((values[key] * weights.get(key, Decimal(0)) for key in values), Decimal(0))
    return round_points(total / weight_sum)


#: ranks by total, equal totals sharing a rank (1, 2, 2, 4): ``core.scoring``'s
competition_ranks = scoring.competition_ranks
