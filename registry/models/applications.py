from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import ScopedModel
from registry.choices import (
    ApplicationKind,
    ApplicationStatus,
    ExitReason,
    LegalForm,
    OrgType,
)


class Application(ScopedModel):
    """An application to move an organisation a tier: filing, registration or exit.

    The conditions checklist is kept as it was evaluated at each submission; every step (who,
    when, why) is on the row and in its history.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ApplicationKind.choices)
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    initiating_division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("initiated by (tier)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="initiated_applications",
        help_text=_("Empty when the organisation itself applied."),
    )
    reviewing_division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("reviewed by (tier)"),
        on_delete=models.PROTECT,
        related_name="applications_to_review",
    )
    checklist = models.JSONField(_("conditions checklist"), default=list, blank=True)

    # What is applied for: registration details, or the exit reason.
    legal_form = models.CharField(
        _("legal form"), max_length=20, choices=LegalForm.choices, blank=True
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    exit_reason = models.CharField(
        _("exit reason"), max_length=20, choices=ExitReason.choices, blank=True
    )
    note = models.TextField(_("note from the applicant"), blank=True)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exit reversed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("exit reversed at"), null=True, blank=True)
    reversal_reason = models.TextField(_("reason for the reversal"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # At most one open application of a kind per organisation.
            models.UniqueConstraint(
                fields=["organisation", "kind"],
                condition=Q(status__in=["submitted", "returned"]),
                name="application_one_open_per_kind",
            )
        ]
        indexes = [
            models.Index(fields=["reviewing_division", "status"], name="application_inbox"),
            models.Index(fields=["kind", "status", "decided_at"], name="application_decided"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.status in ApplicationStatus.OPEN

    @property
    def unmet_conditions(self) -> list[dict]:
        return [item for item in self.checklist if not item.get("met")]


class FilingConditions(models.Model):
    """The conditions for filing an organisation of one type, editable in the admin.

    Defaults follow the Guangdong 2022 rule (粤民规字〔2022〕2号) as the domain guide gives them.
    """

    org_type = models.CharField(
        _("organisation type"), max_length=20, choices=OrgType.choices, unique=True
    )
    min_individual_founders = models.PositiveSmallIntegerField(_("minimum individual founders"))
    min_legal_person_founders = models.PositiveSmallIntegerField(
        _("or minimum legal-person founders")
    )
    min_members = models.PositiveSmallIntegerField(_("minimum members"), default=0)
    min_staff = models.PositiveSmallIntegerField(_("minimum staff"), default=0)
    requires_venue = models.BooleanField(_("requires a fairly fixed venue"), default=True)
    requires_charter = models.BooleanField(_("requires a simple charter"), default=True)
    requires_activity_rules = models.BooleanField(_("requires activity rules"), default=True)
    requires_service_norms = models.BooleanField(_("requires service norms"), default=False)
    name_pattern = models.CharField(
        _("standard name pattern"),
        max_length=200,
        default=r"^[\u4e00-\u9fa5A-Za-z0-9（）()·]{4,50}$",
        help_text=_("A regular expression the name must match."),
    )
    excluded_name_words = models.CharField(
        _("words that make a name ineligible"),
        max_length=300,
        default="居民委员会,居委会,业主委员会,业委会,村民委员会,村委会",
        help_text=_(
            "Comma-separated. Residents' committees and owners' committees cannot be filed."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("filing conditions")
        verbose_name_plural = _("filing conditions")

    def __str__(self):
        return str(self.get_org_type_display())

    @property
    def excluded_words(self) -> list[str]:
        return [w.strip() for w in self.excluded_name_words.split(",") if w.strip()]
