"""Abstract bases other apps' models share (no tables of core's own)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def recorded_now():
    """The moment a history row is written (``timezone.now``, looked up on every call)."""
    return timezone.now()


class RecordedHistory(models.Model):
    """Base of the history models whose rows carry two times (bitemporal history, see
    ``docs/kpis.md``): ``history_date`` is the **valid time**, when the change took effect (a
    service recording a past event, or an import of an old ledger, sets it to that day), and
    ``history_recorded_at`` the **recorded time**, when the row was written. The recorded time
    is set on insert and never edited: by Python on the ORM's inserts, by the database
    (``db_default``) on bulk ``COPY`` / raw inserts that leave it out.

    Used as ``HistoricalRecords(bases=[RecordedHistory])`` on the models the KPIs read through
    their history (organisations, brand projects) or whose records carry their own dates
    (party organisations, coverage, instructor assignments, grade awards)."""

    history_recorded_at = models.DateTimeField(
        _("recorded at"), default=recorded_now, db_default=Now(), editable=False
    )

    class Meta:
        abstract = True
