"""Party organisations, what they cover, party-building instructors, and the rule settings.

Dates are half-open intervals: a row applies from its start date (inclusive) up to its end
date (exclusive); an empty end date means it still applies. So an assignment that ended on
1 March and one that started on 1 March do not overlap, and "current on a day" means
``start <= day < end``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import RecordedHistory
from core.scoping import RestrictedQuerySet, ScopedModel
from party_building.choices import PartyOrganisationKind
from registry.choices import ConditionSeverity


def _current_q(start: str, end: str, on: datetime.date) -> Q:
    return Q(**{f"{start}__lte": on}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": on}))


def _check_period(instance, start: str, end: str, message):
    """The end of a period may not come before its start (reported on the end date's field)."""
    start_on, end_on = getattr(instance, start), getattr(instance, end)
    if start_on and end_on and end_on < start_on:
        raise ValidationError({end: message})


class PartyOrganisationQuerySet(RestrictedQuerySet):
    def current(self, on: datetime.date | None = None):
        """Party organisations founded and not dissolved on ``on`` (default today)."""
        return self.filter(_current_q("founded_on", "dissolved_on", on or timezone.localdate()))


class PartyOrganisation(ScopedModel):
    """A party organisation that covers community social organisations.

    An independent branch (独立党支部) is an organisation's own; a joint branch (联合党支部)
    gathers the party members of several; a general branch (党总支) sits at street level
    (一街道一总支) and may cover organisations too. ``guiding_division`` is the tier whose party
    committee guides it: the district bureau for registered organisations, the street party
    working committee for filed ones, the community party committee for activity groups.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=PartyOrganisationKind.choices)
    guiding_division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("guided by"),
        on_delete=models.PROTECT,
        related_name="guided_party_organisations",
        help_text=_(
            "The district bureau (registered organisations), street party working committee "
            "(filed organisations) or community party committee (activity groups)."
        ),
    )
    founded_on = models.DateField(_("founding date"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    secretary = models.CharField(_("secretary"), max_length=50, blank=True)
    member_count = models.PositiveIntegerField(
        _("party members"),
        default=0,
        validators=[
            MinValueValidator(0, message=_("The number of party members cannot be below zero."))
        ],
        help_text=_("Party members whose membership this organisation manages."),
    )
    note = models.TextField(_("note"), blank=True)
    organisations = models.ManyToManyField(
        "registry.Organisation",
        verbose_name=_("covered organisations"),
        through="PartyCoverage",
        related_name="party_organisations",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(bases=[RecordedHistory])

    objects = PartyOrganisationQuerySet.as_manager()

    scope_path_field = "guiding_division__path"

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["guiding_division__path", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member_count__gte=0),
                name="party_organisation_member_count_not_negative",
                violation_error_message=_("The number of party members cannot be below zero."),
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(dissolved_on__gte=models.F("founded_on")),
                name="party_organisation_dissolved_after_founded",
                violation_error_message=_("The dissolution date is before the founding date."),
            ),
        ]
        indexes = [
            models.Index(fields=["guiding_division", "kind"], name="party_org_guiding_kind"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        _check_period(
            self,
            "founded_on",
            "dissolved_on",
            _("The dissolution date is before the founding date."),
        )

    @property
    def is_joint(self) -> bool:
        return self.kind in PartyOrganisationKind.JOINT_KINDS

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.founded_on <= on and (self.dissolved_on is None or on < self.dissolved_on)


class PartyCoverageQuerySet(RestrictedQuerySet):
    def current(self, on: datetime.date | None = None):
        """Coverage in force on ``on``: the link and its party organisation both current."""
        on = on or timezone.localdate()
        return self.filter(_current_q("start_on", "end_on", on)).filter(
            _current_q("party_organisation__founded_on", "party_organisation__dissolved_on", on)
        )


class PartyCoverage(ScopedModel):
    """That a party organisation covers an organisation, from ``start_on`` until ``end_on``."""

    party_organisation = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("party organisation"),
        on_delete=models.PROTECT,
        related_name="coverages",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="party_coverages",
    )
    start_on = models.DateField(_("covered since"))
    end_on = models.DateField(_("covered until"), null=True, blank=True)

    history = HistoricalRecords(bases=[RecordedHistory])

    objects = PartyCoverageQuerySet.as_manager()

    scope_path_field = "party_organisation__guiding_division__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("party coverage")
        verbose_name_plural = _("party coverage")
        ordering = ["party_organisation", "-start_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="party_coverage_ends_after_start",
                violation_error_message=_("The end date is before the start date."),
            ),
        ]
        indexes = [
            # Every coverage figure asks "is this organisation covered now?" per organisation.
            models.Index(fields=["organisation", "start_on"], name="party_coverage_org_start"),
        ]

    def __str__(self):
        return f"{self.party_organisation} · {self.organisation}"

    def clean(self):
        super().clean()
        _check_period(self, "start_on", "end_on", _("The end date is before the start date."))


class PartyInstructor(ScopedModel):
    """A party-building instructor (党建指导员) appointed by a tier's party committee."""

    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("appointed by"),
        on_delete=models.PROTECT,
        related_name="party_instructors",
        help_text=_("The district, street or community whose party committee appointed them."),
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "division__path"

    class Meta:
        verbose_name = _("party-building instructor")
        verbose_name_plural = _("party-building instructors")
        ordering = ["division__path", "name", "pk"]

    def __str__(self):
        return self.name


class InstructorAssignmentQuerySet(RestrictedQuerySet):
    def current(self, on: datetime.date | None = None):
        """Assignments in force on ``on`` (default today)."""
        return self.filter(_current_q("start_on", "end_on", on or timezone.localdate()))


class InstructorAssignment(ScopedModel):
    """An instructor assigned to an organisation, from ``start_on`` until ``end_on``."""

    instructor = models.ForeignKey(
        PartyInstructor,
        verbose_name=_("instructor"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="instructor_assignments",
    )
    start_on = models.DateField(_("start date"))
    end_on = models.DateField(_("end date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords(bases=[RecordedHistory])

    objects = InstructorAssignmentQuerySet.as_manager()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("instructor assignment")
        verbose_name_plural = _("instructor assignments")
        ordering = ["-start_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="instructor_assignment_ends_after_start",
                violation_error_message=_("The end date is before the start date."),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "start_on"], name="instructor_assign_org_start"),
            models.Index(fields=["instructor", "organisation"], name="instructor_assign_pair"),
        ]

    def __str__(self):
        return f"{self.instructor} · {self.organisation}"

    def clean(self):
        super().clean()
        _check_period(self, "start_on", "end_on", _("The end date is before the start date."))

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_on <= on and (self.end_on is None or on < self.end_on)


class PartyBuildingSettings(models.Model):
    """The three-member rule's settings: one row, edited in the admin, with history."""

    SINGLETON_PK = 1

    min_formal_members = models.PositiveSmallIntegerField(
        _("formal party members that require an own party organisation"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Probationary party members (预备党员) do not count."),
    )
    three_member_rule_severity = models.CharField(
        _("when the requirement is not met"),
        max_length=10,
        choices=ConditionSeverity.choices,
        default=ConditionSeverity.WARNING,
        help_text=_(
            "Warning: the application goes through with the item unmet in its checklist. "
            "Blocking: the application is refused until the organisation has its own party "
            "organisation."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party-building settings")
        verbose_name_plural = _("party-building settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="party_building_settings_singleton")
        ]

    def __str__(self):
        return str(_("Party-building settings"))

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> PartyBuildingSettings:
        """The settings row, or the defaults (unsaved) when it hasn't been written yet."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)
