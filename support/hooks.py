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


def pairings_of(organisation_ids) -> dict[int, set[int]]:
    """The organisations paired with each of ``organisation_ids`` today (both directions), for
    the selection campaigns' conflict-of-interest check (an expert from a paired organisation
    does not review its partner's entry)."""
    from collections import defaultdict

    from django.db.models import Q
    from django.utils import timezone

    from support.choices import PairingStatus
    from support.models import Pairing

    ids = list(organisation_ids)
    today = timezone.localdate()
    found: dict[int, set[int]] = defaultdict(set)
    pairs = Pairing.objects.filter(Q(mentor_id__in=ids) | Q(mentee_id__in=ids)).filter(
        status=PairingStatus.ACTIVE, starts_on__lte=today, ends_on__gte=today
    )
    for mentor, mentee in pairs.values_list("mentor_id", "mentee_id"):
        found[mentor].add(mentee)
        found[mentee].add(mentor)
    return found


def register() -> None:
    from selection.conflicts import register_pairing_source

    register_role_jurisdiction(Role.PLATFORM_OPERATOR, operator_jurisdiction)
    register_organisation_panel("support/includes/org_panel.html")
    register_timeline_source(timeline_sources)
    register_pairing_source(pairings_of)
