"""What the support app adds to the registry through its hooks (``registry.extensions``): the
platform operator's jurisdiction, the support panel on an organisation's page, and the support
records on its timeline. Called once from ``SupportConfig.ready``."""

from __future__ import annotations

from core.scoping import Jurisdiction
from registry.choices import ROLE_ACTIONS, Role
from registry.extensions import (
    register_organisation_panel,
    register_role_jurisdiction,
    register_timeline_source,
)

_UNSET = object()


def operator_jurisdiction(user) -> Jurisdiction | None:
    """A platform operator is bound to the one platform their account is assigned to (read
    once per user object)."""
    platform_id = getattr(user, "_support_platform_id", _UNSET)
    if platform_id is _UNSET:
        from support.models import PlatformOperator

        platform_id = (
            PlatformOperator.objects.filter(user_id=user.pk)
            .values_list("platform_id", flat=True)
            .first()
        )
        user._support_platform_id = platform_id
    if platform_id is None:
        return None
    return Jurisdiction(
        actions=ROLE_ACTIONS[Role.PLATFORM_OPERATOR], binding=("platform", platform_id)
    )


def timeline_sources(organisation) -> list:
    from support.models import FundedProject, Pairing, Residency, StagePeriod

    return [
        (Residency, Residency.history.filter(organisation_id=organisation.pk)),
        (StagePeriod, StagePeriod.history.filter(organisation_id=organisation.pk)),
        (FundedProject, FundedProject.history.filter(organisation_id=organisation.pk)),
        (Pairing, Pairing.history.filter(mentee_id=organisation.pk)),
    ]


def register() -> None:
    register_role_jurisdiction(Role.PLATFORM_OPERATOR, operator_jurisdiction)
    register_organisation_panel("support/includes/org_panel.html")
    register_timeline_source(timeline_sources)
