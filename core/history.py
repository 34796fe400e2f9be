"""History stamping: who made a change and why, on the history row the next save writes; and
reading history back (:func:`history_entries`, for a page's "history" section).

django-simple-history reads ``_history_user`` and ``_change_reason`` off the instance when it
saves; every service sets both through :func:`stamp` (the acting user is keyword-only and
required, as in Zulip's ``do_*`` actions, so no write goes unattributed by accident).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.masking import PERSONAL_FIELDS, mask_diff, owners_seen_in_full
from core.scoping import jurisdiction_of
from core.validators import normalise_text

#: the longest reason a person may give for a change, on a form or through the API
REASON_MAX_LENGTH = 2000

#: simple-history's change-reason column when it is a ``CharField`` (its default)
_REASON_COLUMN_LENGTH = 100


def stamp(
    instance,
    *,
    acting_user,
    reason: str | None,
    effective_on: datetime.date | None = None,
) -> None:
    """Attach ``acting_user`` and ``reason`` to the history row that ``instance``'s next save
    writes. ``acting_user`` may be ``None`` only for work no person did (a migration).

    ``effective_on``: the day the change took effect, when it is earlier than today (the
    row's ``history_date``, its valid time, becomes :func:`effective_moment` of that day; the
    recorded time stays now). Check it first with :func:`effective_date_errors`."""
    instance._history_user = acting_user
    instance._change_reason = reason or ""
    if effective_on is not None and effective_on < timezone.localdate():
        instance._history_date = effective_moment(effective_on)


# --- effective dates (valid time) ---------------------------------------------------------------


def effective_moment(day: datetime.date) -> datetime.datetime:
    """The ``history_date`` of a change that took effect on ``day``: now for today, else the
    last moment of that day in the project's time zone. The end (not the start) of the day, so
    the change comes after anything else recorded as of that day (a change is in force "as of"
    its day either way: as-of reads cut at the end of the day)."""
    if day >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def effective_date_errors(
    day: datetime.date | None,
    *,
    founded_on: datetime.date | None = None,
    last_change: datetime.datetime | None = None,
    reason: str | None = None,
    field_name: str = "effective_date",
) -> dict[str, list[str]]:
    """What is wrong with ``day`` as the effective date of a change to an object: in the
    future; before the object's founding (``founded_on``); before the valid time of its latest
    history row (``last_change``: history rows are full copies that are never rewritten, so a
    change may not slip under a later one); back-dated without a reason. ``{}`` when fine;
    ``None`` means today."""
    if day is None:
        return {}
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if day > today:
        errors[field_name] = [
            _("The effective date %(date)s is in the future; give today (%(today)s) or earlier.")
            % {"date": day.isoformat(), "today": today.isoformat()}
        ]
    elif founded_on is not None and day < founded_on:
        errors[field_name] = [
            _("The effective date %(date)s is before the founding date (%(founded)s).")
            % {"date": day.isoformat(), "founded": founded_on.isoformat()}
        ]
    elif last_change is not None and day < timezone.localtime(last_change).date():
        errors[field_name] = [
            _(
                "The record already has a change in effect from %(date)s; a change cannot take "
                "effect before it (give %(date)s or later)."
            )
            % {"date": timezone.localtime(last_change).date().isoformat()}
        ]
    if day < today and not normalise_text(reason or ""):
        errors["reason"] = [_("Say why the change is entered with an earlier effective date.")]
    return errors


def history_reason_max_length() -> int:
    """How long a change reason may be: :data:`REASON_MAX_LENGTH`, or the 100 characters of
    simple-history's column unless ``SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD`` is
    set (a longer reason would then be a database error)."""
    from django.conf import settings

    if getattr(settings, "SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD", False):
        return REASON_MAX_LENGTH
    return _REASON_COLUMN_LENGTH


# --- reading history ----------------------------------------------------------------------------

#: fields that change on every save and say nothing to a reader
UNINTERESTING = ["created_at", "updated_at"]


@dataclass
class HistoryEntry:
    when: datetime.datetime
    user: object
    action: str
    reason: str
    object_label: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)


def history_entries(*records_sets, reader) -> list[HistoryEntry]:
    """History rows of the given history querysets, newest first, each with its field changes
    against the previous row of the same object.

    Personal fields (``core.masking.PERSONAL_FIELDS``: phone and ID numbers) are shown to
    ``reader`` as the one masking rule says: in full only for the objects the reader may change
    (``owners_seen_in_full``, one query per history), masked for everyone else, so a history
    shows nobody more than the object's own page does."""
    entries = []
    for records in records_sets:
        records = list(
            records.order_by("history_date", "history_id").select_related("history_user")
        )
        full_ids = _seen_in_full(reader, records)
        previous = {}
        for record in records:
            changes = []
            before = previous.get(record.id)
            if before is not None:
                delta = record.diff_against(before, excluded_fields=UNINTERESTING)
                for change in delta.changes:
                    model_field = record.instance._meta.get_field(change.field)
                    old, new = mask_diff(
                        model_field.name, change.old, change.new, full=record.id in full_ids
                    )
                    changes.append((str(model_field.verbose_name), old, new))
            previous[record.id] = record
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    user=record.history_user,
                    action=record.get_history_type_display(),
                    reason=record.history_change_reason or "",
                    object_label=str(record.instance),
                    changes=changes,
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _seen_in_full(reader, records: list) -> set:
    """The ids of the objects of ``records`` whose personal fields ``reader`` sees in full
    (nothing to decide for a model without personal fields)."""
    if not records:
        return set()
    model = records[0].instance_type
    if not any(field.name in PERSONAL_FIELDS for field in model._meta.concrete_fields):
        return set()
    ids = {record.id for record in records}
    if hasattr(model._default_manager, "restrict"):
        return owners_seen_in_full(reader, model, ids)
    return ids if jurisdiction_of(reader).unrestricted else set()


def required_reason(reason: str | None, field: str = "reason") -> str:
    """``reason`` tidied (``normalise_text``); a ``ValidationError`` on ``field`` if it is empty,
    for the changes that may not be made without saying why."""
    reason = normalise_text(reason or "")
    if not reason:
        raise ValidationError({field: [_("Say why.")]})
    return reason
