"""History stamping: who made a change and why, on the history row the next save writes.

django-simple-history reads ``_history_user`` and ``_change_reason`` off the instance when it
saves; every service sets both through :func:`stamp` (the acting user is keyword-only and
required, as in Zulip's ``do_*`` actions, so no write goes unattributed by accident).
"""

from __future__ import annotations

#: the longest reason a person may give for a change, on a form or through the API
REASON_MAX_LENGTH = 2000

#: simple-history's change-reason column when it is a ``CharField`` (its default)
_REASON_COLUMN_LENGTH = 100


def stamp(instance, *, acting_user, reason: str | None) -> None:
    """Attach ``acting_user`` and ``reason`` to the history row that ``instance``'s next save
    writes. ``acting_user`` may be ``None`` only for work no person did (a migration)."""
    instance._history_user = acting_user
    instance._change_reason = reason or ""


def history_reason_max_length() -> int:
    """How long a change reason may be: :data:`REASON_MAX_LENGTH`, or the 100 characters of
    simple-history's column unless ``SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD`` is
    set (a longer reason would then be a database error)."""
    from django.conf import settings

    if getattr(settings, "SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD", False):
        return REASON_MAX_LENGTH
    return _REASON_COLUMN_LENGTH
