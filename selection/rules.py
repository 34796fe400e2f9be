"""The arithmetic of selection campaigns, free of the database so that it can be tested exactly:
character counts, score-sheet totals, normalisation within a category, the weighted formula and
quota cuts with ties. Aggregation of the experts' scores is ``core.scoring`` (shared with the
level assessments)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core.scoring import round_half_up
from selection.choices import Normalisation

HUNDRED = Decimal("100")
ZERO = Decimal("0")
_SPACE = re.compile(r"\s+")


def count_characters(text: str) -> int:
    """Characters of a text as 字数 counts them: every character except spaces and line
    breaks (the page's live counter counts the same way)."""
    return len(_SPACE.sub("", text or ""))


@dataclass(frozen=True)
class CriterionRule:
    code: str
    max_points: Decimal
    weight: Decimal


def sheet_total(points: Mapping[str, Decimal], criteria: Sequence[CriterionRule]) -> Decimal:
    """The weighted total of one sheet, 0-100: each criterion's share of its maximum times its
    weight (the weights add up to 100), rounded half-up to two places."""
    total = sum((Decimal(points[c.code]) / c.max_points * c.weight for c in criteria), Decimal(0))
    return round_half_up(total)


def normalise(values: Mapping[int, Decimal], method: str) -> dict[int, Decimal]:
    """A stage's raw results of one category on a 0-100 scale (unrounded):

    - ``none``: as they are (score sheets already give 0-100);
    - ``max``: as a share of the category's best (the best gets 100);
    - ``share``: as a percentage of the category's total (vote shares).
    A category whose values are all 0 stays 0.
    """
    values = {key: Decimal(value) for key, value in values.items()}
    if method == Normalisation.NONE:
        return values
    if method == Normalisation.MAX:
        best = max(values.values(), default=ZERO)
        return {key: (v / best * HUNDRED if best else ZERO) for key, v in values.items()}
    if method == Normalisation.SHARE:
        total = sum(values.values(), ZERO)
        return {key: (v / total * HUNDRED if total else ZERO) for key, v in values.items()}
    raise ValueError(f"unknown normalisation {method!r}")


def weighted(normalised: Mapping[int, Decimal], weight: Decimal) -> dict[int, Decimal]:
    return {key: value * weight / HUNDRED for key, value in normalised.items()}


@dataclass
class CutOutcome:
    """Who a quota selects from a ranking; ``tied`` are the entries sharing the last place's
    score when there are more of them than seats left (``seats``), to be decided explicitly."""

    selected: list = field(default_factory=list)
    tied: list = field(default_factory=list)
    seats: int = 0

    @property
    def needs_decision(self) -> bool:
        return bool(self.tied)


def order(ranking: Iterable[tuple]) -> list[tuple]:
    """(key, total) pairs, best first; equal totals by key, so that the order is stable."""
    return sorted(ranking, key=lambda item: (-Decimal(item[1]), item[0]))


def cut(ranking: Iterable[tuple], quota: int) -> CutOutcome:
    """The entries that ``quota`` selects from ``(key, total)`` pairs. When the entries tied on
    the last score that fits outnumber the seats left, none of them is chosen here: they are
    returned as ``tied`` with the number of ``seats`` for someone to decide."""
    ordered = order(ranking)
    if len(ordered) <= quota:
        return CutOutcome(selected=[key for key, _total in ordered])
    boundary = Decimal(ordered[quota - 1][1])
    above = [key for key, total in ordered if Decimal(total) > boundary]
    level = [key for key, total in ordered if Decimal(total) == boundary]
    seats = quota - len(above)
    if len(level) <= seats:
        return CutOutcome(selected=above + level)
    return CutOutcome(selected=above, tied=level, seats=seats)
