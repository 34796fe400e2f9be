"""Aggregating panel scores: the arithmetic that level assessments and selection campaigns share.

Points are ``Decimal`` throughout, so that a published score is exactly what the arithmetic
gives. Chinese review panels commonly drop the highest and the lowest score before averaging
(去掉一个最高分和一个最低分): that is the trimmed mean with ``trim=1``. Results are rounded
half-up (四舍五入), the rounding people expect on a published score, never banker's rounding.

Nothing here knows the domain; callers name the method with one of the constants below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

MEAN = "mean"
MEDIAN = "median"
TRIMMED_MEAN = "trimmed_mean"
METHODS = (MEAN, MEDIAN, TRIMMED_MEAN)

CENT = Decimal("0.01")


def round_half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    """``value`` rounded half-up to ``places`` (two decimals by default): 2.345 -> 2.35."""
    return Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def _sorted(values: Iterable) -> list[Decimal]:
    numbers = sorted(Decimal(value) for value in values)
    if not numbers:
        raise ValueError("no scores to aggregate")
    return numbers


def mean(values: Iterable) -> Decimal:
    """The arithmetic mean, unrounded."""
    numbers = _sorted(values)
    return sum(numbers, Decimal(0)) / len(numbers)


def median(values: Iterable) -> Decimal:
    """The middle value; with an even count, the mean of the two middle values."""
    numbers = _sorted(values)
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2


def minimum_for(method: str, trim: int = 1) -> int:
    """How many scores ``method`` needs: a trimmed mean must keep at least one."""
    return 2 * trim + 1 if method == TRIMMED_MEAN else 1


def trimmed_mean(values: Iterable, trim: int = 1) -> Decimal:
    """The mean after dropping ``trim`` scores at each end; ``ValueError`` if none would stay."""
    numbers = _sorted(values)
    if trim < 0:
        raise ValueError("trim must not be negative")
    if len(numbers) < minimum_for(TRIMMED_MEAN, trim):
        raise ValueError(
            f"a trimmed mean dropping {trim} at each end needs {minimum_for(TRIMMED_MEAN, trim)} "
            f"scores, not {len(numbers)}"
        )
    return mean(numbers[trim : len(numbers) - trim])


def aggregate(values: Sequence, method: str, trim: int = 1) -> Decimal:
    """The panel's score from its members' scores by ``method``, rounded half-up to two places.

    ``ValueError`` when there is nothing to aggregate, the method is unknown, or a trimmed mean
    would drop every score.
    """
    if method == MEAN:
        result = mean(values)
    elif method == MEDIAN:
        result = median(values)
    elif method == TRIMMED_MEAN:
        result = trimmed_mean(values, trim)
    else:
        raise ValueError(f"unknown aggregation {method!r}")
    return round_half_up(result)


def spread(values: Iterable) -> Decimal:
    """The distance between the highest and the lowest score (0 for a single score)."""
    numbers = _sorted(values)
    return numbers[-1] - numbers[0]


def competition_ranks(totals: Sequence[tuple]) -> dict:
    """Ranks by total, highest first, from ``(key, total)`` pairs; equal totals share a rank and
    the next rank skips (1, 2, 2, 4), as results are published."""
    ordered = sorted(totals, key=lambda item: item[1], reverse=True)
    ranks: dict = {}
    previous = None
    rank = 0
    for position, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            rank = position
            previous = total
        ranks[key] = rank
    return ranks


def aggregate_sums(count: int, total, highest, lowest, method: str, trim: int = 1) -> Decimal:
    """The same result as :func:`aggregate`, from what a database ``GROUP BY`` gives (the
    number of scores, their sum, the highest and the lowest), so that a panel's scores need not
    be fetched one by one. Only the mean and the trimmed mean dropping one score at each end
    can be computed so (``ValueError`` otherwise)."""
    if count < minimum_for(method, trim) or count == 0:
        raise ValueError("too few scores")
    total = Decimal(total)
    if method == MEAN:
        return round_half_up(total / count)
    if method == TRIMMED_MEAN and trim == 1:
        return round_half_up((total - Decimal(highest) - Decimal(lowest)) / (count - 2))
    raise ValueError(f"{method!r} (trim {trim}) needs every score")


def summable(method: str, trim: int = 1) -> bool:
    """Whether :func:`aggregate_sums` can compute ``method``."""
    return method == MEAN or (method == TRIMMED_MEAN and trim == 1)
