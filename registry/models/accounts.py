from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import NOTHING, Jurisdiction
from registry.choices import ROLE_ACTIONS, ROLE_LEVELS, DivisionLevel, Role
from registry.extensions import ROLE_JURISDICTIONS


class User(AbstractUser):
    """A person using the registry, bound by their role to one place in the division tree
    (or, for an organisation leader, to one organisation)."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader_accounts",
        help_text=_("For organisation leaders: the organisation they look after."),
    )

    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("Shown masked to others.")
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self):
        super().clean()
        if self.role == Role.ORGANISATION_LEADER:
            if self.organisation_id is None:
                raise ValidationError(
                    {"organisation": _("An organisation leader must be bound to an organisation.")}
                )
            return
        expected_level = ROLE_LEVELS.get(self.role)
        if expected_level is None:
            return
        if self.division is None:
            raise ValidationError(
                {
                    "division": _("A %(role)s must be bound to a division.")
                    % {"role": self.get_role_display()}
                }
            )
        if self.division.level != expected_level:
            raise ValidationError(
                {
                    "division": _("A %(role)s must be bound to a %(level)s, not a %(actual)s.")
                    % {
                        "role": self.get_role_display(),
                        "level": DivisionLevel(expected_level).label,
                        "actual": self.division.get_level_display(),
                    }
                }
            )

    @property
    def tier_level(self) -> str | None:
        """The division level this user acts for (community, street, district, city)."""
        return ROLE_LEVELS.get(self.role)

    @property
    def jurisdiction(self) -> Jurisdiction:
        """The subtree (or organisation) this user's role covers; nothing without one."""
        if self.role == Role.ORGANISATION_LEADER and self.organisation_id:
            return Jurisdiction(
                actions=ROLE_ACTIONS[self.role], organisation_id=self.organisation_id
            )
        if self.role in ROLE_LEVELS and self.division_id:
            return Jurisdiction(actions=ROLE_ACTIONS[self.role], path=self.division.path)
        resolver = ROLE_JURISDICTIONS.get(self.role)
        if resolver is not None:
            return resolver(self) or NOTHING
        return NOTHING
