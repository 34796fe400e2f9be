"""Transition tables: which action takes an object from which state to which (after
django-oscar's order ``pipeline`` / ``available_statuses()`` / ``set_status()``).

A table is a dict ``{(state, action): target state}``; anything not in it is refused. An action
that applies from several states has one row per state (:func:`fan_out` writes them). The
services look the move up here *after* locking the row, so the state they check is the one they
change::

    following = transition(REPORT_TRANSITIONS, report.status, ReportAction.SUBMIT)

and the pages offer only :func:`available_actions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

from django.utils.translation import gettext as _

from core.exceptions import TransitionNotAllowed

Table = Mapping[tuple[str, str], str]


def _value(choice) -> str:
    """The stored value of a choice (``"submitted"``, not ``ReportStatus.SUBMITTED``)."""
    return choice.value if isinstance(choice, Enum) else choice


def _label(choice, candidates: Iterable) -> str:
    """A choice's label, found among the table's own members when given a bare value."""
    if hasattr(choice, "label"):
        return str(choice.label)
    for candidate in candidates:
        if candidate == choice and hasattr(candidate, "label"):
            return str(candidate.label)
    return str(choice)


def fan_out(states: Iterable, action, target) -> dict:
    """Rows for ``action`` from each of ``states`` to ``target`` (for a table literal)."""
    return {(state, action): target for state in states}


def transition(
    table: Table,
    current,
    action,
    *,
    message: str | None = None,
    error: type[TransitionNotAllowed] = TransitionNotAllowed,
) -> str:
    """The state ``action`` takes an object in state ``current`` to.

    Raises ``error`` (``TransitionNotAllowed`` unless given, e.g. ``Conflict`` for a lost race)
    with ``current`` and ``requested`` as choice values, and ``message`` or one naming the
    state and action by their labels.
    """
    target = table.get((current, action))
    if target is not None:
        return target
    if message is None:
        message = _("'%(action)s' does not apply to something that is '%(status)s'.") % {
            "action": _label(action, (a for _s, a in table)),
            "status": _label(current, (s for s, _a in table)),
        }
    raise error(message, current=_value(current), requested=_value(action))


def available_actions(table: Table, current) -> list:
    """The actions that apply in state ``current``, in the table's order (for the UI)."""
    actions = []
    for state, action in table:
        if state == current and action not in actions:
            actions.append(action)
    return actions


def states_allowing(table: Table, action) -> frozenset:
    """The states from which ``action`` applies (e.g. to filter what may be acted on)."""
    return frozenset(state for state, candidate in table if candidate == action)
