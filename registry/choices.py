"""Choice sets of the registry, with their meaning (NetBox ``choices.py`` style)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import CHANGE, VIEW


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")

    @classmethod
    def rank(cls, level: str) -> int:
        """0 for a province down to 4 for a community."""
        return list(cls.values).index(level)

    @classmethod
    def code_length(cls, level: str) -> int:
        """Length of a statistical code at this level (GB/T 2260 plus the 12-digit extension)."""
        return {"province": 2, "city": 4, "district": 6, "street": 9, "community": 12}[level]


class Role(models.TextChoices):
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    STREET_OFFICER = "street_officer", _("Street officer")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    CITY_OFFICER = "city_officer", _("City officer")
    ORGANISATION_LEADER = "organisation_leader", _("Organisation leader")


#: the division level each role is bound to
ROLE_LEVELS = {
    Role.COMMUNITY_STAFF: DivisionLevel.COMMUNITY,
    Role.STREET_OFFICER: DivisionLevel.STREET,
    Role.DISTRICT_OFFICER: DivisionLevel.DISTRICT,
    Role.CITY_OFFICER: DivisionLevel.CITY,
}
#: which scoped actions each role may take inside its jurisdiction
ROLE_ACTIONS = {
    Role.COMMUNITY_STAFF: frozenset({VIEW, CHANGE}),
    Role.STREET_OFFICER: frozenset({VIEW, CHANGE}),
    Role.DISTRICT_OFFICER: frozenset({VIEW, CHANGE}),
    # The city bureau watches; it changes nothing in the ledger.
    Role.CITY_OFFICER: frozenset({VIEW}),
    Role.ORGANISATION_LEADER: frozenset({VIEW, CHANGE}),
}
