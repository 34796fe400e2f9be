"""Organisations imported from an existing ledger take effect on their own dates.

A ledger row of a filed or registered organisation carries the dates of its past: founding
(成立日期), filing (备案日期), registration (登记日期). An organisation the import creates gets its
first history row (``+``) on the earliest of them, as it stood then (an activity group until its
filing, a filed organisation until its registration), and a ``~`` row on each later one: its
``history_date`` (valid time) is that day, its ``history_recorded_at`` the moment of the import.
So as-of KPIs count it from the day it really existed, and "as recorded on" a day before the
import still shows the figures without it. Rows for today or later are left at the import's
moment. Moments are ``core.history.effective_moment`` (the end of the day).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils import timezone

from core.history import effective_moment
from registry.choices import OrgStatus
from registry.models import Organisation

#: (date field, the status from that day, the fields it fills), in lifecycle order
STEPS = (
    ("filed_on", OrgStatus.FILED, ("filing_number", "filed_on")),
    ("registered_on", OrgStatus.REGISTERED, ("credit_code", "legal_form", "registered_on")),
)
#: the value of each of those fields before its step
_BLANK = {
    "filing_number": None,
    "filed_on": None,
    "credit_code": None,
    "legal_form": "",
    "registered_on": None,
}


def first_day(organisation: Organisation) -> datetime.date | None:
    """The earliest of the organisation's founding, filing and registration dates."""
    days = [
        day
        for day in (organisation.founded_on, organisation.filed_on, organisation.registered_on)
        if day
    ]
    return min(days) if days else None


def date_created(objs: Sequence[Organisation]) -> None:
    """Before ``create_with_history``: each new organisation's ``+`` row takes effect on its
    first day (if before today)."""
    today = timezone.localdate()
    for organisation in objs:
        day = first_day(organisation)
        if day is not None and day < today:
            organisation._history_date = effective_moment(day)


def _later_steps(organisation: Organisation, first: datetime.date, today: datetime.date):
    return [
        (getattr(organisation, date_field), status, fields)
        for date_field, status, fields in STEPS
        if getattr(organisation, date_field)
        and first < getattr(organisation, date_field) < today
        and organisation.status in _reached(status)
    ]


def _reached(status: str) -> tuple[str, ...]:
    """The statuses an organisation has once it reached ``status``."""
    if status == OrgStatus.FILED:
        return (OrgStatus.FILED, OrgStatus.REGISTERED)
    return (OrgStatus.REGISTERED,)


def step_history(objs: Sequence[Organisation], *, user, reason: str) -> int:
    """After ``create_with_history`` (same transaction): the ``+`` rows of organisations filed
    or registered after their first day are set to the state of that day, and each later step
    gets a ``~`` row on its day. Returns the number of ``~`` rows written."""
    today = timezone.localdate()
    plans = {}
    for organisation in objs:
        first = first_day(organisation)
        if first is None or first >= today:
            continue
        later = _later_steps(organisation, first, today)
        if later:
            plans[organisation.pk] = (organisation, later)
    if not plans:
        return 0
    history = Organisation.history.model
    tracked = [f.attname for f in history.tracked_fields]
    created = list(history.objects.filter(id__in=list(plans), history_type="+"))
    changed_fields: set[str] = set()
    steps = []
    for row in created:
        organisation, later = plans[row.id]
        # The state on the first day: before the first later step.
        filed_later = later[0][1] == OrgStatus.FILED
        state = {"status": OrgStatus.ACTIVITY_GROUP if filed_later else OrgStatus.FILED}
        for _day, _status, fields in later:
            state.update({name: _BLANK[name] for name in fields})
        for name, value in state.items():
            setattr(row, name, value)
        changed_fields.update(state)
        values = {name: getattr(organisation, name) for name in tracked}
        for index, (day, status, _fields) in enumerate(later):
            last = index + 1 == len(later)
            after = dict(values, status=organisation.status if last else status)
            for _day, _status, fields in later[index + 1 :]:
                after.update({name: _BLANK[name] for name in fields})
            steps.append(
                history(
                    **after,
                    history_date=effective_moment(day),
                    history_type="~",
                    history_user=user,
                    history_change_reason=reason,
                )
            )
    history.objects.bulk_update(created, sorted(changed_fields), batch_size=1000)
    history.objects.bulk_create(steps, batch_size=1000)
    return len(steps)
