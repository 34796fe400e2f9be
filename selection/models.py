"""Case and project selection campaigns (案例征集, 项目评选): the call, its categories and
stages, entries tied to the registry, expert review, results and what comes after.

Scoping:
- a campaign belongs to its organiser (a division node). Its officers manage it; the officers
  above watch; officers and organisations *below* it see it once it is open, so that they can
  take part (``Campaign.jurisdiction_q``);
- an entry belongs where its submitter is (the organisation's community, or the submitting
  unit): the organiser's officers see every entry of their subtree, an organisation's leader
  its own;
- what only the organisers see (panels, assignments, score sheets, cuts, result runs) is scoped
  by the campaign's organiser path: only the organiser and the tiers above it see them;
- experts are users too: what an expert sees is what they are assigned, through
  ``Assignment.objects.for_expert(user)``, never through a jurisdiction.

Append-only records (revisions, formula versions, cuts, result runs and their rows, coaching
comments, certificates) are never changed, so they carry no history table: they *are* the
history. Everything that changes (campaigns, stages, entries, sheets, objections...) has one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.documents import private_documents
from core.scoping import VIEW, RestrictedQuerySet, ScopedModel, jurisdiction_of
from selection.choices import (
    Aggregation,
    AssignmentMethod,
    AwardKind,
    CampaignStatus,
    CutKind,
    EntryStatus,
    ObjectionStatus,
    ResultRunKind,
    RevisionKind,
    StageKind,
    StageStatus,
    SubmitterKind,
)

POINTS = {"max_digits": 7, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}

#: picture formats as Pillow names them, and the labels the call shows
PICTURE_FORMATS = {"JPEG": "JPG", "PNG": "PNG"}
#: attachment types recognised by their content, and their labels
ATTACHMENT_FORMATS = {"pdf": "PDF", "docx": "Word (.docx)", "doc": "Word (.doc)"}


def ancestor_paths(path: str) -> list[str]:
    """``"4403/440310/440310001/"`` → the paths of the node and of every node above it."""
    parts = [part for part in path.split("/") if part]
    return ["".join(f"{part}/" for part in parts[: i + 1]) for i in range(len(parts))]


class CampaignQuerySet(RestrictedQuerySet):
    def internal(self, user):
        """The campaigns whose internal records (scores, rankings, working results, objections)
        ``user`` may see: those of the user's node and the nodes below it, not those of a tier
        above (a community does not see a district's expert scores)."""
        jurisdiction = jurisdiction_of(user)
        if jurisdiction.unrestricted:
            return self
        if jurisdiction.path is None or not jurisdiction.allows(VIEW):
            return self.none()
        return self.filter(organiser__path__startswith=jurisdiction.path)

    def public(self):
        """The campaigns whose results are published (final or closed)."""
        return self.filter(status__in=CampaignStatus.PUBLIC)


class Campaign(ScopedModel):
    """A call for cases or projects: categories, rules, a timeline of stages, and the results
    formula. The organiser's officers run it."""

    organiser = models.ForeignKey(
        "registry.Division",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="selection_campaigns",
    )
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    # what an entry may be
    word_limit = models.PositiveIntegerField(
        _("character limit of the text"),
        default=5000,
        validators=[MinValueValidator(100), MaxValueValidator(100_000)],
        help_text=_("Characters of the text, not counting spaces and line breaks (字数)."),
    )
    min_pictures = models.PositiveSmallIntegerField(
        _("fewest pictures"), default=3, validators=[MaxValueValidator(50)]
    )
    max_pictures = models.PositiveSmallIntegerField(
        _("most pictures"), default=5, validators=[MaxValueValidator(50)]
    )
    picture_formats = models.JSONField(
        _("picture formats"),
        default=list,
        help_text=_("JPEG, PNG: checked by the file's content, not its name."),
    )
    picture_max_kb = models.PositiveIntegerField(
        _("largest picture (KB)"),
        default=5 * 1024,
        validators=[MinValueValidator(10), MaxValueValidator(50 * 1024)],
    )
    max_attachments = models.PositiveSmallIntegerField(
        _("most attachments"), default=3, validators=[MaxValueValidator(20)]
    )
    attachment_max_kb = models.PositiveIntegerField(
        _("largest attachment (KB)"),
        default=10 * 1024,
        validators=[MinValueValidator(10), MaxValueValidator(100 * 1024)],
    )
    declarations = models.JSONField(
        _("declarations"),
        default=list,
        blank=True,
        help_text=_("Statements every submitter confirms (the case is real, original, local)."),
    )
    # who may submit (read from the registry)
    eligible_statuses = models.JSONField(
        _("organisation statuses that may submit"), default=list, blank=True
    )
    min_grade = models.PositiveSmallIntegerField(
        _("lowest grade"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Leave empty to admit organisations with any grade or none."),
    )
    exclude_credit_listed = models.BooleanField(
        _("refuse organisations on a credit list"), default=True
    )
    min_years = models.PositiveSmallIntegerField(
        _("years in the register"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(50)],
        help_text=_("Full years since it was filed or registered, on the day it submits."),
    )
    allow_units = models.BooleanField(_("departments and division units may submit"), default=False)
    blind_review = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_("Experts see neither the submitter, its contact nor the pictures."),
    )
    # public notice and awards
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
        help_text=_("The last day on which an objection may be filed."),
    )
    shortlist_award = models.CharField(
        _("award of the shortlisted entries"), max_length=50, default="优秀案例"
    )
    top_award = models.CharField(_("award of the top entries"), max_length=50, default="十佳案例")
    finalised_on = models.DateField(_("finalised on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    objects = CampaignQuerySet.as_manager()

    scope_path_field = "organiser__path"

    class Meta:
        verbose_name = _("selection campaign")
        verbose_name_plural = _("selection campaigns")
        ordering = ["-year", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_pictures__gte=models.F("min_pictures")),
                name="selection_campaign_pictures_range",
                violation_error_message=_("The most pictures is below the fewest."),
            ),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def jurisdiction_q(cls, jurisdiction) -> Q:
        """The organiser's subtree and the tiers above it see the campaign; the tiers and the
        organisations below the organiser see it once it is no longer a draft."""
        if jurisdiction.unrestricted:
            return Q()
        not_draft = ~Q(status=CampaignStatus.DRAFT)
        if jurisdiction.organisation_id is not None:
            from registry.models import Organisation

            inside = Organisation.objects.filter(
                pk=jurisdiction.organisation_id,
                community__path__startswith=OuterRef("organiser__path"),
            )
            return Q(Exists(inside)) & not_draft
        if jurisdiction.path is None:
            return Q(pk__in=[])
        above = Q(organiser__path__startswith=jurisdiction.path)
        below = Q(organiser__path__in=ancestor_paths(jurisdiction.path)) & not_draft
        return above | below

    def notice_open_on(self, day: datetime.date) -> bool:
        """Whether an objection may be filed on ``day``."""
        return (
            self.status == CampaignStatus.NOTICE
            and self.notice_starts_on is not None
            and self.notice_starts_on <= day <= self.notice_ends_on
        )

    @property
    def is_public(self) -> bool:
        return self.status in CampaignStatus.PUBLIC


class Category(ScopedModel):
    """A category of a campaign, with its quotas: how many entries are shortlisted and how
    many of those are top entries."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    shortlist_quota = models.PositiveIntegerField(
        _("shortlisted entries"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    top_quota = models.PositiveIntegerField(
        _("top entries"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    history = HistoricalRecords()

    scope_path_field = "campaign__organiser__path"

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["campaign_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="selection_category_name_unique",
                violation_error_message=_("The campaign already has a category of this name."),
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def jurisdiction_q(cls, jurisdiction) -> Q:
        # Whoever sees the campaign sees its categories.
        return Q(campaign__in=Campaign.objects.filter(Campaign.jurisdiction_q(jurisdiction)))


class Stage(ScopedModel):
    """One step of a campaign's timeline, in order. Scored stages have criteria and score
    sheets; the stage marked ``shortlist`` ends with the shortlist cut per category."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="stages"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=StageKind.choices)
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    starts_on = models.DateField(_("planned start"), null=True, blank=True)
    ends_on = models.DateField(_("planned end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=StageStatus.choices, default=StageStatus.PENDING
    )
    aggregation = models.CharField(
        _("aggregation of the experts' scores"),
        max_length=20,
        choices=Aggregation.choices,
        default=Aggregation.MEAN,
    )
    trim_count = models.PositiveSmallIntegerField(
        _("scores dropped at each end (trimmed mean)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement flag (points)"),
        **PERCENT,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Flag an entry whose highest and lowest scores are further apart (0-100)."),
    )
    experts_per_entry = models.PositiveSmallIntegerField(
        _("experts per entry"), default=3, validators=[MinValueValidator(1)]
    )
    shortlist = models.BooleanField(
        _("ends with the shortlist"),
        default=False,
        help_text=_("Entries are shortlisted per category by this stage's scores."),
    )
    opened_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    scope_path_field = "campaign__organiser__path"

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["campaign_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "position"], name="selection_stage_position_unique"
            ),
        ]

    def __str__(self):
        return self.name or str(self.get_kind_display())

    @classmethod
    def jurisdiction_q(cls, jurisdiction) -> Q:
        return Q(campaign__in=Campaign.objects.filter(Campaign.jurisdiction_q(jurisdiction)))

    @property
    def label(self) -> str:
        return str(self)

    @property
    def is_scored(self) -> bool:
        return self.kind in StageKind.SCORED

    @property
    def has_result(self) -> bool:
        return self.kind in StageKind.RESULT


class Criterion(models.Model):
    """A weighted criterion of a scored stage's score sheet (e.g. Xuzhou's scientific
    soundness, innovation, practicality). The weights of a stage add up to 100; a sheet's total
    is the weighted share of the maximum points, 0-100."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    max_points = models.DecimalField(
        _("maximum points"), **POINTS, validators=[MinValueValidator(Decimal("0.01"))]
    )
    weight = models.DecimalField(
        _("weight (%)"),
        **PERCENT,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    position = models.PositiveSmallIntegerField(_("display order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["stage_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "code"], name="selection_criterion_code"),
        ]

    def __str__(self):
        return self.name


class Entry(ScopedModel):
    """A case or project submitted to a campaign by an organisation of the registry or by a
    department or division unit. Its text and title are those of the newest revision; every
    revision is kept (``revisions``)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="entries"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="entries"
    )
    submitter_kind = models.CharField(
        _("submitted by"),
        max_length=20,
        choices=SubmitterKind.choices,
        default=SubmitterKind.ORGANISATION,
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="selection_entries",
    )
    unit_name = models.CharField(
        _("department or unit"),
        max_length=100,
        blank=True,
        help_text=_("For a department's entry: its name (the division it belongs to is below)."),
    )
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="selection_entries",
        help_text=_("The organisation's community, or the submitting unit's division."),
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    phone = models.CharField(_("contact phone"), max_length=20)
    declarations = models.JSONField(_("declarations confirmed"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    eligibility = models.JSONField(
        _("eligibility at submission"),
        default=dict,
        blank=True,
        help_text=_("The facts the eligibility check saw when the entry was submitted."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    shortlisted = models.BooleanField(_("shortlisted"), default=False)
    revision_count = models.PositiveIntegerField(_("revisions"), default=0)
    final_revision = models.ForeignKey(
        "selection.EntryRevision",
        verbose_name=_("final version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    locked_at = models.DateTimeField(_("final version locked at"), null=True, blank=True)
    return_note = models.TextField(_("what to correct"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    scope_path_field = "division__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["campaign_id", "category__position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submitter_kind=SubmitterKind.UNIT) | Q(organisation__isnull=False),
                name="selection_entry_has_submitter",
                violation_error_message=_("An organisation's entry names the organisation."),
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="selection_entry_campaign"),
            models.Index(fields=["campaign", "category"], name="selection_entry_category"),
        ]

    def __str__(self):
        return self.title

    @property
    def submitter_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        return self.unit_name or self.division.name

    @property
    def is_locked(self) -> bool:
        return self.final_revision_id is not None


class EntryRevision(models.Model):
    """One version of an entry's title and text, in order: the draft, what was submitted,
    each correction and each version revised after coaching. Never changed."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=RevisionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    characters = models.PositiveIntegerField(_("characters"), default=0)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entry revision")
        verbose_name_plural = _("entry revisions")
        ordering = ["entry_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="selection_revision_number"),
        ]

    def __str__(self):
        return f"{self.entry} · {self.number}"


class EntryPicture(models.Model):
    """A picture of an entry, its format checked by its content; its name is kept. Sealed in
    the private storage (``core.documents``); ``PictureView`` hands it out."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="pictures"
    )
    file = models.FileField(
        _("file"), upload_to="selection/pictures/%Y/", storage=private_documents
    )
    name = models.CharField(_("name"), max_length=200)
    image_format = models.CharField(_("format"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        ordering = ["entry_id", "position", "pk"]

    def __str__(self):
        return self.name


class EntryAttachment(models.Model):
    """A document attached to an entry (the filled-in template, say). Sealed in the private
    storage (``core.documents``); ``AttachmentView`` hands it out."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to="selection/attachments/%Y/", storage=private_documents
    )
    name = models.CharField(_("name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["entry_id", "pk"]

    def __str__(self):
        return self.name


class ReviewPanel(ScopedModel):
    """Experts of the shared pool (``grading.Expert``) who review one stage of a campaign, for
    one category or all of them. A coaching stage's panel are the coaches."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="panels"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panels",
        help_text=_("Leave empty for a panel that reviews every category."),
    )
    name = models.CharField(_("name"), max_length=100)
    experts = models.ManyToManyField(
        "grading.Expert", verbose_name=_("experts"), related_name="selection_panels"
    )

    history = HistoricalRecords(m2m_fields=[experts])

    scope_path_field = "stage__campaign__organiser__path"

    class Meta:
        verbose_name = _("review panel")
        verbose_name_plural = _("review panels")
        ordering = ["stage_id", "name", "pk"]

    def __str__(self):
        return self.name


class AssignmentQuerySet(RestrictedQuerySet):
    def for_expert(self, user):
        """What ``user`` reviews as an expert (nothing for a user who is no expert)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(expert__user=user)


class Assignment(ScopedModel):
    """An expert assigned to review (or coach) one entry at one stage. Refused when the
    registry sees a conflict of interest (``selection.conflicts``)."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="assignments"
    )
    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="assignments"
    )
    expert = models.ForeignKey(
        "grading.Expert",
        verbose_name=_("expert"),
        on_delete=models.PROTECT,
        related_name="selection_assignments",
    )
    method = models.CharField(
        _("assigned"), max_length=20, choices=AssignmentMethod.choices, default="manual"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    history = HistoricalRecords()

    objects = AssignmentQuerySet.as_manager()

    scope_path_field = "stage__campaign__organiser__path"

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["stage_id", "entry_id", "expert_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage_id", "entry_id", "expert_id"],
                name="selection_assignment_once",
                violation_error_message=_("This expert is already assigned to this entry."),
            ),
        ]
        indexes = [models.Index(fields=["expert", "stage"], name="selection_assignment_expert")]

    def __str__(self):
        return f"{self.expert} · {self.entry}"


class ConflictDeclaration(ScopedModel):
    """An expert's declared conflict of interest with an organisation (in one campaign, or in
    every campaign)."""

    expert = models.ForeignKey(
        "grading.Expert",
        verbose_name=_("expert"),
        on_delete=models.PROTECT,
        related_name="declared_conflicts",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="declared_conflicts",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declared_conflicts",
        help_text=_("Leave empty for a conflict in every campaign."),
    )
    reason = models.TextField(_("reason"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    history = HistoricalRecords()

    scope_path_field = "expert__district__path"

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        ordering = ["expert", "organisation"]

    def __str__(self):
        return f"{self.expert} · {self.organisation}"


class ScoreSheet(ScopedModel):
    """One expert's scores for one entry at one stage: points per criterion and the weighted
    total (0-100). Never edited: a correction voids the sheet (who, when, why) and a new one is
    entered, so that any past result can be computed again from the sheets valid then."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="sheets"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="sheets"
    )
    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="sheets"
    )
    expert = models.ForeignKey(
        "grading.Expert",
        verbose_name=_("expert"),
        on_delete=models.PROTECT,
        related_name="selection_sheets",
    )
    points = models.JSONField(_("points per criterion"), default=dict)
    total = models.DecimalField(_("total (0-100)"), **PERCENT)
    note = models.TextField(_("notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.TextField(_("why it was voided"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "stage__campaign__organiser__path"

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["stage_id", "entry_id", "expert_id", "submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage_id", "entry_id", "expert_id"],
                condition=Q(voided_at__isnull=True),
                name="selection_sheet_once",
                violation_error_message=_("This expert has already scored this entry."),
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(total__lte=100),
                name="selection_sheet_total_range",
            ),
        ]
        indexes = [models.Index(fields=["stage", "entry"], name="selection_sheet_stage_entry")]

    def __str__(self):
        return f"{self.expert} · {self.entry} · {self.total}"


class ResultFormula(models.Model):
    """A published version of the results formula: a weight (percent, adding up to 100) and a
    normalisation for each stage with a result. Never changed; a new version replaces it."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="formulas"
    )
    version = models.PositiveIntegerField(_("version"))
    weights = models.JSONField(_("weights per stage (%)"))
    normalisation = models.JSONField(_("normalisation per stage"))
    note = models.TextField(_("note"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("results formula")
        verbose_name_plural = _("results formulas")
        ordering = ["campaign_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "version"], name="selection_formula_version"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} · v{self.version}"

    def weight_of(self, stage_id: int) -> Decimal:
        return Decimal(str(self.weights.get(str(stage_id), "0")))

    def normalisation_of(self, stage_id: int) -> str:
        return self.normalisation.get(str(stage_id), "none")


class Cut(models.Model):
    """A decision of who is shortlisted (after the shortlist stage) or who are the top entries
    (on the results) in one category: the ranking it was made on, the tie at the boundary if
    there was one, and who broke it and why. A new decision supersedes the old one."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="cuts"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cuts"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CutKind.choices)
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cuts",
    )
    formula = models.ForeignKey(
        ResultFormula,
        verbose_name=_("formula"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cuts",
    )
    quota = models.PositiveIntegerField(_("quota"))
    ranking = models.JSONField(_("ranking decided on"))
    tied = models.JSONField(_("entries tied at the boundary"), default=list, blank=True)
    tie_break = models.JSONField(_("tied entries chosen"), default=list, blank=True)
    selected = models.JSONField(_("entries selected"))
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cut")
        verbose_name_plural = _("cuts")
        ordering = ["campaign_id", "kind", "category_id", "-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "kind"],
                condition=Q(superseded_at__isnull=True),
                name="selection_cut_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_kind_display()}"


class ResultRun(models.Model):
    """The results computed at one moment with one formula version (working results, those
    put on public notice, the final ones), with one row per ranked entry."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="runs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ResultRunKind.choices)
    formula = models.ForeignKey(
        ResultFormula, verbose_name=_("formula"), on_delete=models.PROTECT, related_name="runs"
    )
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("results run")
        verbose_name_plural = _("results runs")
        ordering = ["campaign_id", "-computed_at", "-pk"]

    def __str__(self):
        return f"{self.campaign} · {self.get_kind_display()} · {self.computed_at:%Y-%m-%d %H:%M}"


class EntryResult(models.Model):
    """One entry's result in a run: its total, rank in its category, award and the breakdown
    per stage (raw result, normalised value, weight, contribution)."""

    run = models.ForeignKey(
        ResultRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="rows"
    )
    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="results"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(_("total"), **PERCENT)
    rank = models.PositiveIntegerField(_("rank in the category"))
    award = models.CharField(_("award"), max_length=20, choices=AwardKind.choices, blank=True)
    disagreement = models.BooleanField(_("experts disagree widely"), default=False)
    breakdown = models.JSONField(_("breakdown"), default=list)

    class Meta:
        verbose_name = _("entry result")
        verbose_name_plural = _("entry results")
        ordering = ["run_id", "category__position", "rank", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "entry"], name="selection_result_once"),
        ]

    def __str__(self):
        return f"{self.entry} · {self.total}"


class ObjectionQuerySet(RestrictedQuerySet):
    def open(self):
        return self.filter(status=ObjectionStatus.OPEN)


class Objection(ScopedModel):
    """An objection (异议) raised during the public notice, recorded and answered before the
    results become final."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="objections"
    )
    entry = models.ForeignKey(
        Entry,
        verbose_name=_("entry objected to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    objector = models.CharField(_("raised by"), max_length=100)
    phone = models.CharField(_("objector's phone"), max_length=20, blank=True)
    text = models.TextField(_("objection"))
    filed_on = models.DateField(_("filed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    history = HistoricalRecords()

    objects = ObjectionQuerySet.as_manager()

    scope_path_field = "campaign__organiser__path"

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["campaign_id", "filed_on", "pk"]

    def __str__(self):
        return f"{self.campaign} · {self.objector}"


class CoachingComment(models.Model):
    """A coach's comment on a version of a shortlisted entry."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="comments"
    )
    revision = models.ForeignKey(
        EntryRevision, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    expert = models.ForeignKey(
        "grading.Expert",
        verbose_name=_("coach"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coaching comment")
        verbose_name_plural = _("coaching comments")
        ordering = ["entry_id", "created_at", "pk"]

    def __str__(self):
        return f"{self.entry} · {self.created_at:%Y-%m-%d}"


class Certificate(models.Model):
    """The certificate of an awarded entry, numbered, issued when the results became final."""

    entry = models.OneToOneField(
        Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="certificate"
    )
    kind = models.CharField(_("award"), max_length=20, choices=AwardKind.choices)
    title = models.CharField(_("award title"), max_length=50)
    number = models.CharField(_("number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    run = models.ForeignKey(ResultRun, on_delete=models.PROTECT, related_name="certificates")

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["number"]

    def __str__(self):
        return self.number
