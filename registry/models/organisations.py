import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.documents import private_documents, validate_document
from core.encryption import BlindIndexField, EncryptedCharField
from core.models import RecordedHistory
from core.scoping import RestrictedQuerySet, ScopedModel
from core.validators import clean_id_number, clean_phone
from registry.choices import (
    ActivitySeries,
    DivisionLevel,
    ExitReason,
    Gender,
    LegalForm,
    MemberRole,
    OrgField,
    OrgStatus,
    OrgType,
    PartyStatus,
    ServiceTarget,
)
from registry.models.fields import ChoiceSetField


class Organisation(ScopedModel):
    """One community social organisation, through every tier: never copied, never deleted."""

    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=OrgStatus.choices, default=OrgStatus.ACTIVITY_GROUP
    )
    community = models.ForeignKey(
        "registry.Division",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="organisations",
        limit_choices_to={"level": DivisionLevel.COMMUNITY},
    )
    org_type = models.CharField(_("type"), max_length=20, choices=OrgType.choices)
    field = models.CharField(_("field"), max_length=30, choices=OrgField.choices)
    service_targets = ChoiceSetField(_("service targets"), choice_set=ServiceTarget)
    business_scope = models.TextField(_("business scope"), blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    legal_person_founders = models.PositiveSmallIntegerField(
        _("legal-person founders"),
        default=0,
        help_text=_("Founding units that are legal persons (in place of individual founders)."),
    )
    is_for_profit = models.BooleanField(
        _("profit-making"),
        default=False,
        help_text=_("Profit-making groups cannot be filed or registered."),
    )
    charter_text = models.TextField(_("simple charter"), blank=True)
    # PDF, Word or an image by content, sealed in a private storage no URL serves; downloaded
    # through the scoped organisation-document view (core.documents).
    charter_file = models.FileField(
        _("charter file"),
        upload_to="charters/%Y/",
        blank=True,
        storage=private_documents,
        validators=[validate_document],
    )
    activity_rules_text = models.TextField(_("activity rules"), blank=True)
    activity_rules_file = models.FileField(
        _("activity rules file"),
        upload_to="activity-rules/%Y/",
        blank=True,
        storage=private_documents,
        validators=[validate_document],
    )
    service_norms_text = models.TextField(_("service norms"), blank=True)

    filing_number = models.CharField(
        _("filing number"), max_length=40, null=True, blank=True, unique=True, editable=False
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True, editable=False)
    legal_form = models.CharField(
        _("legal form"), max_length=20, choices=LegalForm.choices, blank=True
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        editable=False,
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True, editable=False)

    is_hub = models.BooleanField(_("hub organisation"), default=False, editable=False)
    hub_designated_on = models.DateField(
        _("hub designated on"), null=True, blank=True, editable=False
    )
    hub_designated_by = models.ForeignKey(
        "registry.Division",
        verbose_name=_("hub designated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="designated_hubs",
        editable=False,
    )

    exit_reason = models.CharField(
        _("exit reason"), max_length=20, choices=ExitReason.choices, blank=True, editable=False
    )
    exited_on = models.DateField(_("exited on"), null=True, blank=True, editable=False)
    status_before_exit = models.CharField(
        max_length=20, choices=OrgStatus.choices, blank=True, editable=False
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(bases=[RecordedHistory])

    scope_path_field = "community__path"
    scope_organisation_field = "pk"

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "pk"]
        constraints = [
            # A name is unique among the live organisations of a community.
            models.UniqueConstraint(
                fields=["community", "name"],
                condition=~Q(status=OrgStatus.EXITED),
                name="organisation_live_name_unique_in_community",
                violation_error_message=_(
                    "A live organisation with this name already exists in this community."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "community"], name="organisation_status_community"),
            models.Index(fields=["community", "status"], name="organisation_community_status"),
        ]
        permissions = [
            ("file_organisation", _("Can review filings")),
            ("register_organisation", _("Can review registrations")),
            ("exit_organisation", _("Can review exits")),
        ]

    def __str__(self):
        return self.name

    @property
    def is_live(self) -> bool:
        return self.status in OrgStatus.LIVE

    @property
    def street(self):
        return self.community.parent

    @property
    def district(self):
        return self.community.parent.parent

    def owning_division(self):
        """The tier that owns the organisation now: community, street or district."""
        status = self.status_before_exit if self.status == OrgStatus.EXITED else self.status
        level = OrgStatus.OWNER_LEVEL.get(status, DivisionLevel.COMMUNITY)
        return {
            DivisionLevel.COMMUNITY: self.community,
            DivisionLevel.STREET: self.street,
            DivisionLevel.DISTRICT: self.district,
        }[level]

    def get_service_targets_display(self) -> str:
        return self._meta.get_field("service_targets").get_display(self.service_targets)

    def clean(self):
        super().clean()
        if self.community_id and self.community.level != DivisionLevel.COMMUNITY:
            raise ValidationError({"community": _("Choose a community, not a street or district.")})


class MemberQuerySet(RestrictedQuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)


class Member(ScopedModel):
    """A person on an organisation's roster: its leader, founders, members and staff."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Sealed at rest (core.encryption); the keyed hash beside it answers exact search.
    id_number = EncryptedCharField(_("ID number"), max_length=18, blank=True)
    id_number_hash = BlindIndexField(_("ID number (keyed hash)"), source="id_number", db_index=True)
    party_status = models.CharField(
        _("party membership"),
        max_length=20,
        choices=PartyStatus.choices,
        default=PartyStatus.NONE,
    )
    role = models.CharField(
        _("role in the organisation"),
        max_length=20,
        choices=MemberRole.choices,
        default=MemberRole.MEMBER,
    )
    is_founder = models.BooleanField(_("founder"), default=False)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    # Past values are looked up by member, never by ID number: the keyed hash needs no index
    # there, and each index on a random 64-character key costs every import (bench/encryption.py).
    history = HistoricalRecords(no_db_index=["id_number_hash"])

    objects = MemberQuerySet.as_manager()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organisation", "left_on", "role", "name", "pk"]
        indexes = [models.Index(fields=["organisation", "left_on"], name="member_org_current")]

    def __str__(self):
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None and "id_number" in update_fields:
            update_fields = {*update_fields, "id_number_hash"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def clean_fields(self, exclude=None):
        # Phone and ID numbers are normalised (spaces, dashes, full-width digits, lower-case x)
        # before the length checks see them.
        errors = {}
        for name, cleaner in (("phone", clean_phone), ("id_number", clean_id_number)):
            value = getattr(self, name)
            if value and not (exclude and name in exclude):
                try:
                    setattr(self, name, cleaner(value))
                except ValidationError as error:
                    errors[name] = error.messages
        try:
            super().clean_fields(exclude=(exclude or set()) | set(errors))
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)

    def clean(self):
        super().clean()
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            raise ValidationError({"left_on": _("The leaving date is before the joining date.")})


class Activity(ScopedModel):
    """An activity an organisation held (item 18 of the action plan)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    series = models.CharField(
        _("series"), max_length=30, choices=ActivitySeries.choices, default=ActivitySeries.OTHER
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    volunteer_hours = models.DecimalField(
        _("volunteer hours"), max_digits=9, decimal_places=1, default=0
    )
    is_major = models.BooleanField(_("major activity"), default=False)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "held_on"], name="activity_org_date")]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        errors = {}
        if self.volunteer_hours is not None and self.volunteer_hours < 0:
            errors["volunteer_hours"] = _("Volunteer hours cannot be negative.")
        today = timezone.localdate()
        if isinstance(self.held_on, datetime.date) and self.held_on > today:
            errors["held_on"] = _(
                "The activity date %(date)s is after today (%(today)s): record an activity "
                "once it has been held."
            ) % {"date": self.held_on.isoformat(), "today": today.isoformat()}
        if errors:
            raise ValidationError(errors)


class BrandProject(ScopedModel):
    """A brand service project (品牌服务项目) an organisation holds (item 8)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="brand_projects",
    )
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    recognised_by = models.CharField(_("recognised by"), max_length=100)

    history = HistoricalRecords(bases=[RecordedHistory])

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("brand project")
        verbose_name_plural = _("brand projects")
        ordering = ["-year", "name"]

    def __str__(self):
        return self.name


class FilingSequence(models.Model):
    """The last filing number handed out per street and year (row-locked when used)."""

    street = models.ForeignKey("registry.Division", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "year"], name="filing_sequence_unique")
        ]

    def __str__(self):
        return f"{self.street_id}-{self.year}: {self.last}"
