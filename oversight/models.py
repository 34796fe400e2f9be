"""Oversight of organisations once they are in the ledger: annual reports, the credit lists and
dormancy (items 15, 17 and 18 of the action plan; DOMAIN.md section 4).

The rules' starting values (deadline, notice period, ...) are in ``OversightSettings``, one row
that an administrator edits in the admin. The scan that applies them every night is
``oversight.services.scan.lifecycle_scan``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import ScopedModel
from oversight.choices import (
    CaseStatus,
    CreditListKind,
    DormancySignal,
    ListingReason,
    RemovalReason,
    ReportStatus,
)
from registry.choices import OrgStatus
from registry.models.fields import ChoiceSetField

# --- settings ---------------------------------------------------------------------------------


class OversightSettings(models.Model):
    """The rules' values (DOMAIN.md: "defaults an administrator must be able to change without a
    code change"). One row; edited in the admin, with history."""

    SINGLETON_PK = 1

    report_deadline_month = models.PositiveSmallIntegerField(
        _("annual report deadline: month"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("The report for a year is due by this month and day of the following year."),
    )
    report_deadline_day = models.PositiveSmallIntegerField(
        _("annual report deadline: day"),
        default=31,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    activity_groups_report = models.BooleanField(
        _("activity groups submit annual reports"),
        default=False,
        help_text=_("By default only filed and registered organisations report."),
    )
    report_in_entry_year = models.BooleanField(
        _("report due for the year of filing or registration"),
        default=False,
        help_text=_(
            "Off: an organisation's first report is for the first full year after it was filed "
            "or registered. On: also for the year it was filed or registered."
        ),
    )
    first_report_year = models.PositiveSmallIntegerField(
        _("first year reports are expected for"),
        null=True,
        blank=True,
        help_text=_("No report is expected for years before this one (leave empty for no limit)."),
    )
    scan_years = models.PositiveSmallIntegerField(
        _("years the scan looks back"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "The scan looks for missing reports of the last this many years whose deadline has "
            "passed."
        ),
    )
    serious_list_after_years = models.PositiveSmallIntegerField(
        _("years on the abnormal-activity list before the serious-dishonesty list"),
        default=2,
        validators=[MinValueValidator(1)],
    )
    dormancy_inactive_months = models.PositiveSmallIntegerField(
        _("months without an activity record that make an organisation a dormancy suspect"),
        default=12,
        help_text=_("0 turns this rule off."),
    )
    dormancy_missing_report_years = models.PositiveSmallIntegerField(
        _("consecutive years without an annual report that make a dormancy suspect"),
        default=2,
        validators=[MaxValueValidator(10)],
        help_text=_("0 turns this rule off."),
    )
    dormancy_notice_days = models.PositiveSmallIntegerField(
        _("notice period for the owning tier to confirm a suspect (days)"),
        default=30,
        validators=[MinValueValidator(1)],
    )
    dormancy_auto_exit = models.BooleanField(
        _("propose exit automatically when the notice period ends"),
        default=True,
        help_text=_(
            "The proposal is an exit application for the owning tier to review; a person still "
            "decides it."
        ),
    )

    history = HistoricalRecords(table_name="registry_historicaloversightsettings")

    class Meta:
        db_table = "registry_oversightsettings"  # named when oversight was part of registry
        verbose_name = _("oversight settings")
        verbose_name_plural = _("oversight settings")

    def __str__(self):
        return str(_("Oversight settings"))

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK  # one row, whoever saves it
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> OversightSettings:
        """The saved settings, or the defaults when none are saved yet (an unsaved row)."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)

    def clean(self):
        super().clean()
        try:
            # A leap year: 29 February is allowed (and becomes the 28th in common years).
            datetime.date(2024, self.report_deadline_month, self.report_deadline_day)
        except (TypeError, ValueError):
            raise ValidationError(
                {"report_deadline_day": _("This month has no such day.")}
            ) from None

    def report_deadline(self, year: int) -> datetime.date:
        """The last day to submit the report for ``year`` (in the following year)."""
        month, day = self.report_deadline_month, self.report_deadline_day
        while True:  # 29 February in a common year becomes the 28th
            try:
                return datetime.date(year + 1, month, day)
            except ValueError:
                day -= 1

    def last_closed_year(self, today: datetime.date) -> int:
        """The latest year whose report deadline has passed on ``today``."""
        year = today.year - 1
        while self.report_deadline(year) >= today:
            year -= 1
        return year

    @property
    def reporting_statuses(self) -> tuple[str, ...]:
        statuses = (OrgStatus.FILED, OrgStatus.REGISTERED)
        return (OrgStatus.ACTIVITY_GROUP, *statuses) if self.activity_groups_report else statuses


# --- annual reports ---------------------------------------------------------------------------


class AnnualReport(ScopedModel):
    """An organisation's annual report (年度报告) for one year; reviewed by its owning tier."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )

    activities_held = models.PositiveIntegerField(_("activities held"), default=0)
    members_count = models.PositiveIntegerField(_("members at the end of the year"), default=0)
    volunteer_hours = models.DecimalField(
        _("volunteer hours"), max_digits=11, decimal_places=1, default=0
    )
    income = models.DecimalField(
        _("income (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    spending = models.DecimalField(
        _("spending (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    party_work = models.TextField(_("party work"), blank=True)
    projects = models.TextField(_("projects"), blank=True)
    summary = models.TextField(_("summary of the year's work"), blank=True)

    first_submitted_on = models.DateField(
        _("first submitted on"), null=True, blank=True, editable=False
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    review_reason = models.TextField(_("review remarks"), blank=True, editable=False)
    overdue_since = models.DateField(
        _("overdue since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set by the scan when the report was not submitted by the deadline."),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(table_name="registry_historicalannualreport")

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        db_table = "registry_annualreport"  # named when oversight was part of registry
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                name="annual_report_one_per_year",
                violation_error_message=_("This organisation already has a report for this year."),
            ),
        ]
        indexes = [
            models.Index(fields=["year", "status"], name="annual_report_year_status"),
            models.Index(
                fields=["overdue_since"],
                name="annual_report_overdue",
                condition=Q(overdue_since__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} · {self.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in ReportStatus.EDITABLE

    @property
    def is_late(self) -> bool:
        return self.overdue_since is not None


# --- credit lists -----------------------------------------------------------------------------


class CreditListEntry(ScopedModel):
    """An organisation's time on the abnormal-activity list (活动异常名录) or the
    serious-dishonesty list (严重违法失信名单) for one cause; removal keeps the row."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="credit_list_entries",
    )
    kind = models.CharField(_("list"), max_length=20, choices=CreditListKind.choices)
    listed_on = models.DateField(_("listed on"))
    reason = models.CharField(_("reason"), max_length=30, choices=ListingReason.choices)
    report_year = models.PositiveSmallIntegerField(
        _("annual report year"),
        null=True,
        blank=True,
        help_text=_("The year whose annual report is the cause."),
    )
    escalated_from = models.OneToOneField(
        "self",
        verbose_name=_("moved from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_to",
    )
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.CharField(
        _("reason for removal"), max_length=30, choices=RemovalReason.choices, blank=True
    )

    history = HistoricalRecords(table_name="registry_historicalcreditlistentry")

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        db_table = "registry_creditlistentry"  # named when oversight was part of registry
        verbose_name = _("credit list entry")
        verbose_name_plural = _("credit list entries")
        ordering = ["-listed_on", "-pk"]
        constraints = [
            # One open entry per cause: the scan relies on it to stay idempotent.
            models.UniqueConstraint(
                fields=["organisation", "kind", "report_year"],
                condition=Q(removed_on__isnull=True),
                name="credit_list_one_open_entry_per_cause",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind", "organisation"],
                name="credit_list_open",
                condition=Q(removed_on__isnull=True),
            ),
            models.Index(fields=["kind", "listed_on"], name="credit_list_kind_listed"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.removed_on is None

    @property
    def reason_text(self) -> str:
        """The cause, in the reader's language, with the report year."""
        if self.report_year is None:
            return str(self.get_reason_display())
        return str(
            _("%(reason)s (annual report for %(year)s)")
            % {"reason": self.get_reason_display(), "year": self.report_year}
        )


# --- dormancy ---------------------------------------------------------------------------------


class DormancyCase(ScopedModel):
    """A dormancy suspicion (僵尸型) about one organisation, from flagging to its outcome.

    The owning tier confirms the organisation active or proposes its exit within the notice
    period; when the period ends unconfirmed the scan proposes the exit itself.
    """

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="dormancy_cases",
    )
    signals = ChoiceSetField(_("signals"), choice_set=DormancySignal)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    flagged_on = models.DateField(_("flagged on"))
    notice_ends_on = models.DateField(
        _("notice period ends on"),
        help_text=_("The last day for the owning tier to confirm the organisation active."),
    )
    flag_note = models.TextField(_("note on flagging"), blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("flagged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    exit_application = models.ForeignKey(
        "registry.Application",
        verbose_name=_("exit application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dormancy_cases",
    )

    history = HistoricalRecords(table_name="registry_historicaldormancycase")

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        db_table = "registry_dormancycase"  # named when oversight was part of registry
        verbose_name = _("dormancy case")
        verbose_name_plural = _("dormancy cases")
        ordering = ["notice_ends_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status__in=["open", "exit_proposed"]),
                name="dormancy_one_pending_case",
                violation_error_message=_(
                    "This organisation already has a dormancy case awaiting a decision."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "notice_ends_on"], name="dormancy_status_notice"),
            models.Index(fields=["organisation", "status"], name="dormancy_org_status"),
        ]

    def __str__(self):
        return f"{self.organisation} · {self.flagged_on}"

    @property
    def is_pending(self) -> bool:
        return self.status in CaseStatus.PENDING

    def get_signals_display(self) -> str:
        return self._meta.get_field("signals").get_display(self.signals)
