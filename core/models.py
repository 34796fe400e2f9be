"""Abstract bases other apps' models share, and core's one table: the access log for personal
data (:class:`PersonalDataAccess`, written by ``core.access_log``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedModel


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


class PersonalDataAccess(ScopedModel):
    """One response (or job) that showed full ID numbers: who, when, which records, and why
    (the page or endpoint). Written only by ``core.access_log``; never edited.

    ``records`` maps a model label to the ids of the records whose personal data the rule let
    through in full (``{"registry.organisation": [12]}`` for a roster, the members' owner);
    an export of a whole subtree names no ids, only its ``scope_path``. ``scope_path`` is the
    deepest division path above every record shown: the row is in the jurisdiction of every
    officer above it."""

    scope_path_field = "scope_path"

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: kept when the account is deleted
    username = models.CharField(_("user name"), max_length=150, blank=True)
    view_name = models.CharField(_("page or endpoint"), max_length=200, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)
    records = models.JSONField(_("records"), default=dict)
    record_count = models.PositiveIntegerField(_("number of records"), default=0)
    scope_path = models.CharField(_("scope path"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(
                fields=["scope_path"],
                name="pda_scope_path_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["user", "at"], name="pda_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username or '-'} {self.view_name} {self.at:%Y-%m-%d %H:%M}"

    def records_label(self) -> str:
        """The records as text: ``registry.organisation #12, #15``."""
        return "; ".join(
            f"{label} " + ", ".join(f"#{pk}" for pk in ids) for label, ids in self.records.items()
        )
