"""Stage kinds whose results come from another app (the public vote, issue 18).

A stage of a result kind gives every entry that takes part a raw result; the results formula
normalises it within the entry's category (``Normalisation``) and weights it. Scored stages
(expert review, site visit, on-site review) get theirs from score sheets, here in selection.
Any other kind gets them from a *result source* that its app registers in ``AppConfig.ready()``::

    from selection.stages import register_result_source

    def vote_counts(stage, entry_ids, *, as_of=None) -> dict[int, Decimal]:
        ...  # votes per entry, counted as of ``as_of`` (None: now)

    register_result_source(StageKind.PUBLIC_VOTE, vote_counts)

so that selection never imports the app above it. A source returns a number per entry id (an
entry it leaves out has 0) and must give the same answer for the same ``as_of`` every time:
results are recomputed from history.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

ResultSource = Callable[..., dict[int, Decimal]]

_sources: dict[str, ResultSource] = {}


def register_result_source(kind: str, source: ResultSource) -> None:
    """Let ``source`` give the raw results of stages of ``kind`` (called once, at start-up)."""
    _sources[kind] = source


def unregister_result_source(kind: str) -> None:
    """Remove a source (for tests)."""
    _sources.pop(kind, None)


def result_source(kind: str) -> ResultSource | None:
    """The registered source for ``kind``, or None."""
    return _sources.get(kind)
