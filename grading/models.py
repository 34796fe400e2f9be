"""Level assessment (等级评估), grades, rewards and penalties, comprehensive evaluation (综合评价).

Dates:
- A grade is valid from ``awarded_on`` through ``valid_until`` **inclusive** (five years less a
  day: awarded 2025-06-30, valid through 2030-06-29). A grade is *current on day D* when
  ``awarded_on <= D <= valid_until`` and it was not revoked on or before D (``revoked_on`` is
  null or later than D). A new award revokes the organisation's older current award on the
  new award's day (``revoked_on = new.awarded_on``), so at most one grade is current at a time.
- A penalty is *open* from ``decided_on`` until ``closed_on`` (exclusive), like party_building's
  half-open intervals.

Configuration (bands, indicator templates, evaluation weights) are rows edited in the admin;
defaults come from a data migration. A campaign copies the template and bands it uses when it
is created (``template`` is a snapshot, ``bands`` a frozen list), and an evaluation copies its
weights, so later edits never change a past result.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import RecordedHistory
from core.scoping import RestrictedQuerySet, ScopedModel
from grading.choices import (
    Aggregation,
    AssessmentStatus,
    CampaignStatus,
    Dimension,
    EvaluationStatus,
    GradeLevel,
    PanelKind,
    SanctionKind,
    ScoringRound,
    grade_label,
)

POINTS = {"max_digits": 7, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}
ZERO = Decimal("0")
HUNDRED = Decimal("100")


# --- configuration ----------------------------------------------------------------------------


class GradeBand(models.Model):
    """The lowest score that earns a level, for one district (or the default for all).

    A band is "score >= lower_bound" (inclusive) or "score > lower_bound"; the bands of one
    district must rise strictly with the level, so any score, whole or not, falls in exactly
    one band or below all of them (no grade).
    """

    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grade_bands",
        help_text=_("Leave empty for the default bands used where a district has none."),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=GradeLevel.choices)
    lower_bound = models.DecimalField(
        _("lower bound (points)"), **POINTS, validators=[MinValueValidator(ZERO)]
    )
    inclusive = models.BooleanField(
        _("lower bound included"),
        default=False,
        help_text=_("On: a score equal to the bound earns the level (≥). Off: only above it (>)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grade band")
        verbose_name_plural = _("grade bands")
        ordering = ["division", "-level"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "level"],
                name="grade_band_one_per_level",
                violation_error_message=_("This district already has a band for this level."),
            ),
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(division__isnull=True),
                name="grade_band_one_default_per_level",
                violation_error_message=_("There is already a default band for this level."),
            ),
        ]

    def __str__(self):
        sign = "≥" if self.inclusive else ">"
        return f"{grade_label(self.level)} {sign} {self.lower_bound}"

    def clean(self):
        super().clean()
        from grading.rules import Band, band_problems

        if self.level is None or self.lower_bound is None:
            return
        others = GradeBand.objects.filter(division=self.division_id).exclude(pk=self.pk)
        bands = [Band(o.level, o.lower_bound, o.inclusive) for o in others if o.level != self.level]
        problems = band_problems([*bands, Band(self.level, self.lower_bound, self.inclusive)])
        if problems:
            raise ValidationError({"lower_bound": problems})


class IndicatorTemplate(models.Model):
    """A tree of indicators with maximum points (评估指标), for a district or the default.

    A campaign never scores against an editable template: on creation it copies the template
    into a snapshot (``is_snapshot``) that belongs to it.
    """

    name = models.CharField(_("name"), max_length=100)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicator_templates",
        help_text=_("Leave empty for the default template used where a district has none."),
    )
    is_active = models.BooleanField(
        _("in use for new campaigns"),
        default=True,
        help_text=_("The newest active template of a district (else the default) is used."),
    )
    is_snapshot = models.BooleanField(_("campaign copy"), default=False, editable=False)
    source = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="snapshots",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator template")
        verbose_name_plural = _("indicator templates")
        ordering = ["division", "-created_at", "pk"]

    def __str__(self):
        return self.name

    def leaves(self):
        """The indicators that are scored: those without sub-indicators."""
        return self.indicators.filter(children__isnull=True).order_by("position", "pk")

    @property
    def base_points(self) -> Decimal:
        """Total of the top-level, non-bonus indicators (1000 in the default template)."""
        return sum(
            (i.max_points for i in self.indicators.all() if i.parent_id is None and not i.is_bonus),
            ZERO,
        )

    @property
    def bonus_points(self) -> Decimal:
        return sum(
            (i.max_points for i in self.indicators.all() if i.parent_id is None and i.is_bonus),
            ZERO,
        )


class Indicator(models.Model):
    """One indicator of a template; only indicators without children are scored."""

    template = models.ForeignKey(
        IndicatorTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent indicator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=20, help_text=_("For example 2.3."))
    name = models.CharField(_("name"), max_length=200)
    max_points = models.DecimalField(
        _("maximum points"), **POINTS, validators=[MinValueValidator(Decimal("0.01"))]
    )
    is_bonus = models.BooleanField(
        _("bonus"), default=False, help_text=_("Bonus points come on top of the base total.")
    )
    position = models.PositiveSmallIntegerField(_("display order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "code"],
                name="indicator_code_unique_in_template",
                violation_error_message=_("This template already has an indicator with this code."),
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0),
                name="indicator_max_points_positive",
                violation_error_message=_("The maximum points must be above zero."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        super().clean()
        if self.parent_id and self.parent.template_id != self.template_id:
            raise ValidationError({"parent": _("The parent belongs to another template.")})
        if self.template_id and self.template.is_snapshot:
            raise ValidationError(_("A campaign's copy of a template cannot be edited."))


class DimensionWeight(models.Model):
    """The weight (percent) of one evaluation dimension, for a street/community or the default.

    The weights of one division (or of the default) should sum to 100; an evaluation copies the
    weights of its division, else of the nearest ancestor that has them, else the default.
    """

    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dimension_weights",
        help_text=_("Leave empty for the default weights."),
    )
    dimension = models.CharField(_("dimension"), max_length=30, choices=Dimension.choices)
    weight = models.DecimalField(
        _("weight (%)"),
        **PERCENT,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation dimension weight")
        verbose_name_plural = _("evaluation dimension weights")
        ordering = ["division", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "dimension"],
                name="dimension_weight_one_per_division",
                violation_error_message=_("This division already has a weight for this dimension."),
            ),
            models.UniqueConstraint(
                fields=["dimension"],
                condition=Q(division__isnull=True),
                name="dimension_weight_one_default",
                violation_error_message=_("There is already a default weight for this dimension."),
            ),
        ]

    def __str__(self):
        return f"{self.get_dimension_display()} {self.weight}%"


# --- level assessment -------------------------------------------------------------------------


class AssessmentCampaign(ScopedModel):
    """A district bureau's level assessment for one year: applications, scoring, public notice,
    appeals and re-review, then final grades.

    ``application_deadline`` is the campaign's *reference date*: eligibility ("registered at
    least two full years", "grade expiring") is judged on it.
    """

    district = models.ForeignKey(
        "registry.Division",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="assessment_campaigns",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    application_deadline = models.DateField(
        _("application deadline"),
        help_text=_("Eligibility (two full years registered, grade expiring) is judged on it."),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("public notice period (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    notice_starts_on = models.DateField(_("notice starts on"), null=True, blank=True)
    notice_ends_on = models.DateField(
        _("notice ends on"),
        null=True,
        blank=True,
        help_text=_("The last day on which an appeal may be filed."),
    )
    aggregation = models.CharField(
        _("aggregation of expert totals"),
        max_length=20,
        choices=Aggregation.choices,
        default=Aggregation.MEAN,
    )
    trim_count = models.PositiveSmallIntegerField(
        _("totals dropped at each end (trimmed mean)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    template = models.ForeignKey(
        IndicatorTemplate,
        verbose_name=_("indicator template"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        editable=False,
    )
    bands = models.JSONField(
        _("grade bands"),
        default=list,
        editable=False,
        help_text=_("The bands in force when the campaign was created."),
    )
    finalised_on = models.DateField(_("finalised on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    scope_path_field = "district__path"

    class Meta:
        verbose_name = _("level assessment campaign")
        verbose_name_plural = _("level assessment campaigns")
        ordering = ["-year", "-pk"]
        indexes = [models.Index(fields=["district", "year"], name="grading_campaign_district")]

    def __str__(self):
        return self.title

    @classmethod
    def jurisdiction_q(cls, jurisdiction) -> Q:
        # An organisation's leader sees the campaigns (past drafts) of its district, so that it
        # can apply and follow its result; the district's officers see all of them.
        if not jurisdiction.unrestricted and jurisdiction.organisation_id is not None:
            return Q(
                district__children__children__organisations__pk=jurisdiction.organisation_id
            ) & ~Q(status=CampaignStatus.DRAFT)
        return super().jurisdiction_q(jurisdiction)

    @property
    def reference_date(self) -> datetime.date:
        return self.application_deadline

    def notice_open_on(self, day: datetime.date) -> bool:
        """Whether an appeal may be filed on ``day``."""
        return (
            self.status == CampaignStatus.NOTICE
            and self.notice_starts_on is not None
            and self.notice_starts_on <= day <= self.notice_ends_on
        )


class Expert(ScopedModel):
    """An expert (评审专家) in a district's pool: scores level assessments and reviews selection
    campaigns. ``phone`` and ``user`` let the registry see conflicts of interest (the expert on
    an organisation's roster, or leading it) and let the expert sign in to score."""

    name = models.CharField(_("name"), max_length=50)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    district = models.ForeignKey(
        "registry.Division",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="assessment_experts",
    )
    note = models.TextField(_("note"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expert_profile",
        help_text=_("The account the expert signs in with to see and score their entries."),
    )

    history = HistoricalRecords()

    scope_path_field = "district__path"

    class Meta:
        verbose_name = _("assessment expert")
        verbose_name_plural = _("assessment experts")
        ordering = ["district", "name", "pk"]

    def __str__(self):
        return self.name


class ExpertPanel(ScopedModel):
    """Experts who score the organisations assigned to them, in the first review or a re-review."""

    campaign = models.ForeignKey(
        AssessmentCampaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="panels",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=20, choices=PanelKind.choices, default=PanelKind.INITIAL
    )
    experts = models.ManyToManyField(Expert, verbose_name=_("experts"), related_name="panels")

    history = HistoricalRecords(m2m_fields=[experts])

    scope_path_field = "campaign__district__path"

    class Meta:
        verbose_name = _("expert panel")
        verbose_name_plural = _("expert panels")
        ordering = ["campaign", "kind", "name", "pk"]

    def __str__(self):
        return self.name


class AssessmentApplication(ScopedModel):
    """One organisation's application in a campaign, and its result.

    ``initial_score``/``initial_level`` are the result first put on public notice; ``score``
    and ``level`` the result now (changed only by a re-review). An empty level with a score is
    "no grade".
    """

    campaign = models.ForeignKey(
        AssessmentCampaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="assessment_applications",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.APPLIED,
    )
    applied_on = models.DateField(_("applied on"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    eligibility = models.JSONField(
        _("eligibility at application"),
        default=dict,
        help_text=_("The facts the eligibility check saw when the application was made."),
    )
    panel = models.ForeignKey(
        ExpertPanel,
        verbose_name=_("review panel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    re_review_panel = models.ForeignKey(
        ExpertPanel,
        verbose_name=_("re-review panel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="re_review_applications",
    )
    initial_score = models.DecimalField(_("initial score"), **POINTS, null=True, blank=True)
    initial_level = models.PositiveSmallIntegerField(
        _("initial grade"), choices=GradeLevel.choices, null=True, blank=True
    )
    score = models.DecimalField(_("score"), **POINTS, null=True, blank=True)
    level = models.PositiveSmallIntegerField(
        _("grade"), choices=GradeLevel.choices, null=True, blank=True
    )
    appeal_reason = models.TextField(_("appeal"), blank=True)
    appealed_on = models.DateField(_("appealed on"), null=True, blank=True)
    decision_note = models.TextField(
        _("decision note"), blank=True, help_text=_("Why it was refused, or the appeal decided.")
    )
    finalised_on = models.DateField(_("finalised on"), null=True, blank=True)

    history = HistoricalRecords()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("assessment application")
        verbose_name_plural = _("assessment applications")
        ordering = ["campaign", "-score", "organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"],
                name="assessment_one_application_per_campaign",
                violation_error_message=_(
                    "This organisation has already applied in this campaign."
                ),
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="assessment_campaign_status")]

    def __str__(self):
        return f"{self.campaign} · {self.organisation}"

    @property
    def level_label(self) -> str:
        return grade_label(self.level)

    @property
    def current_round(self) -> str:
        if self.status in (AssessmentStatus.APPEALED, AssessmentStatus.RE_REVIEWED):
            return ScoringRound.RE_REVIEW
        return ScoringRound.INITIAL

    def panel_for(self, round_: str) -> ExpertPanel | None:
        return self.re_review_panel if round_ == ScoringRound.RE_REVIEW else self.panel


class ExpertScore(ScopedModel):
    """The points one expert gave one organisation on one indicator, in one round.

    Never changed or deleted: every score is kept, and a re-review adds new ones.
    """

    application = models.ForeignKey(
        AssessmentApplication,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="scores"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="scores"
    )
    round = models.CharField(
        _("round"), max_length=20, choices=ScoringRound.choices, default=ScoringRound.INITIAL
    )
    points = models.DecimalField(_("points"), **POINTS)
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    history = HistoricalRecords()

    scope_path_field = "application__organisation__community__path"

    class Meta:
        verbose_name = _("expert score")
        verbose_name_plural = _("expert scores")
        ordering = ["application", "round", "expert", "indicator__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert", "indicator", "round"],
                name="expert_score_once_per_indicator",
                violation_error_message=_(
                    "This expert has already scored this indicator for this organisation."
                ),
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0),
                name="expert_score_not_negative",
                violation_error_message=_("A score cannot be below zero."),
            ),
        ]

    def __str__(self):
        return f"{self.expert} · {self.indicator.code} · {self.points}"


class GradeAwardQuerySet(RestrictedQuerySet):
    def current(self, on: datetime.date | None = None):
        """Grades current on ``on`` (default today): awarded, not expired, not revoked."""
        on = on or timezone.localdate()
        return self.filter(awarded_on__lte=on, valid_until__gte=on).filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=on)
        )


class GradeAward(ScopedModel):
    """A final grade of an organisation (from a campaign, or imported from before the system).

    Valid through ``valid_until`` inclusive; see the module docstring for "current".
    """

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="grade_awards",
    )
    level = models.PositiveSmallIntegerField(
        _("grade"),
        choices=GradeLevel.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    awarded_on = models.DateField(_("awarded on"))
    valid_until = models.DateField(_("valid until (inclusive)"))
    revoked_on = models.DateField(
        _("revoked on"),
        null=True,
        blank=True,
        help_text=_("From this day the grade no longer applies (a newer grade, or a revocation)."),
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    campaign = models.ForeignKey(
        AssessmentCampaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
        help_text=_("Empty for grades recorded from before the system."),
    )
    score = models.DecimalField(_("score"), **POINTS, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(bases=[RecordedHistory])

    objects = GradeAwardQuerySet.as_manager()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("grade award")
        verbose_name_plural = _("grade awards")
        ordering = ["-awarded_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5),
                name="grade_award_level_1_to_5",
                violation_error_message=_("A grade is 1A to 5A."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("awarded_on")),
                name="grade_award_valid_after_awarded",
                violation_error_message=_("The grade expires before it is awarded."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "campaign"],
                condition=Q(campaign__isnull=False),
                name="grade_award_one_per_campaign",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-awarded_on"], name="grade_award_org_awarded"),
            models.Index(fields=["valid_until", "level"], name="grade_award_valid_level"),
        ]

    def __str__(self):
        return f"{self.organisation} · {self.level_label}"

    @property
    def level_label(self) -> str:
        return grade_label(self.level)

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.awarded_on <= on <= self.valid_until and (
            self.revoked_on is None or self.revoked_on > on
        )


# --- rewards and penalties --------------------------------------------------------------------


class SanctionQuerySet(RestrictedQuerySet):
    def open_penalties(self, on: datetime.date | None = None):
        """Penalties decided on or before ``on`` and not closed by then."""
        on = on or timezone.localdate()
        return self.filter(kind=SanctionKind.PENALTY, decided_on__lte=on).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=on)
        )


class Sanction(ScopedModel):
    """A reward (表彰奖励) or an administrative penalty (行政处罚) an organisation received.

    An open penalty bars level assessment; both count in comprehensive evaluation.
    """

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="sanctions",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SanctionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_("For a penalty: the day it was fulfilled or lifted."),
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    objects = SanctionQuerySet.as_manager()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("decided_on")),
                name="sanction_closed_after_decided",
                violation_error_message=_("The closing date is before the decision date."),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "kind"], name="sanction_org_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.title}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def clean(self):
        super().clean()
        if self.closed_on and self.decided_on and self.closed_on < self.decided_on:
            raise ValidationError({"closed_on": _("The closing date is before the decision date.")})


# --- comprehensive evaluation -----------------------------------------------------------------


class Evaluation(ScopedModel):
    """A street's evaluation of its filed organisations, or a community's of its activity groups,
    over a period, on the ten dimensions of item 17; ranked and published."""

    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("evaluated by"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.DRAFT,
    )
    weights = models.JSONField(
        _("weights"),
        default=dict,
        editable=False,
        help_text=_("The dimension weights (percent) in force when the evaluation was created."),
    )
    activity_target = models.PositiveSmallIntegerField(
        _("activities for full marks"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_("Activities in the period that earn the activities dimension 100."),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    scope_path_field = "division__path"

    class Meta:
        verbose_name = _("comprehensive evaluation")
        verbose_name_plural = _("comprehensive evaluations")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="evaluation_period_ends_after_start",
                violation_error_message=_("The period ends before it starts."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == EvaluationStatus.PUBLISHED

    def weight_of(self, dimension: str) -> Decimal:
        return Decimal(str(self.weights.get(dimension, "0")))


class EvaluationResult(ScopedModel):
    """One organisation's result in an evaluation: its dimension values, total and rank."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="evaluation_results",
    )
    total = models.DecimalField(_("total"), **PERCENT, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)

    history = HistoricalRecords()

    scope_path_field = "evaluation__division__path"

    class Meta:
        verbose_name = _("evaluation result")
        verbose_name_plural = _("evaluation results")
        ordering = ["evaluation", "rank", "organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "organisation"],
                name="evaluation_result_one_per_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.evaluation} · {self.organisation}"


class EvaluationValue(ScopedModel):
    """The value (0-100) of one dimension for one result: pre-filled from the registry where
    the system knows it, and adjustable with a note."""

    result = models.ForeignKey(
        EvaluationResult,
        verbose_name=_("result"),
        on_delete=models.CASCADE,
        related_name="values",
    )
    dimension = models.CharField(_("dimension"), max_length=30, choices=Dimension.choices)
    prefilled_value = models.DecimalField(
        _("pre-filled value"), **PERCENT, null=True, blank=True, editable=False
    )
    basis = models.TextField(_("basis"), blank=True, editable=False)
    value = models.DecimalField(
        _("value (0-100)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "result__evaluation__division__path"

    class Meta:
        verbose_name = _("evaluation value")
        verbose_name_plural = _("evaluation values")
        ordering = ["result", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["result", "dimension"], name="evaluation_value_one_per_dimension"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | (Q(value__gte=0) & Q(value__lte=100)),
                name="evaluation_value_0_to_100",
                violation_error_message=_("A value is between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.result} · {self.get_dimension_display()}"

    @property
    def is_adjusted(self) -> bool:
        return self.prefilled_value is not None and self.value != self.prefilled_value
