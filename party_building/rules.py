"""The three-member rule as an item of the filing and registration checklists.

An organisation with at least ``min_formal_members`` (default 3) formal party members should
set up its own party organisation when it is filed or registered (同步建立, item 19).
Probationary members (预备党员) do not count. Registered with ``registry.rules`` from
``PartyBuildingConfig.ready()`` so that the registry never imports this app.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from party_building.choices import PartyOrganisationKind
from party_building.models import PartyBuildingSettings, PartyCoverage
from registry.choices import ApplicationKind, PartyStatus
from registry.models import Organisation
from registry.rules import Condition

CODE = "party_organisation"

MESSAGES = {
    CODE: _(
        "Has its own party organisation (it has %(actual)s formal party members; "
        "%(required)s or more must set one up)"
    ),
}


def formal_party_members(organisation: Organisation) -> int:
    """Formal party members on the organisation's current roster."""
    return organisation.members.current().filter(party_status=PartyStatus.FORMAL).count()


def has_own_party_organisation(organisation: Organisation, on=None) -> bool:
    """Whether a current independent branch covers the organisation."""
    return (
        PartyCoverage.objects.current(on)
        .filter(
            organisation=organisation,
            party_organisation__kind=PartyOrganisationKind.INDEPENDENT_BRANCH,
        )
        .exists()
    )


def three_member_rule(kind: str, organisation: Organisation) -> list[Condition]:
    """The checklist item, for filing and registration of an organisation that reaches the
    threshold; its severity comes from ``PartyBuildingSettings`` (warning by default)."""
    if kind not in (ApplicationKind.FILING, ApplicationKind.REGISTRATION) or not organisation.pk:
        return []
    settings = PartyBuildingSettings.load()
    formal = formal_party_members(organisation)
    if formal < settings.min_formal_members:
        return []
    return [
        Condition(
            CODE,
            has_own_party_organisation(organisation),
            severity=settings.three_member_rule_severity,
            params={"required": settings.min_formal_members, "actual": formal},
        )
    ]
