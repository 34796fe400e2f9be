"""Writes to the ledger outside the lifecycle: organisations, rosters, activities, hubs, brands.

Each is atomic, validates the whole object before saving, records who and why in history, and
checks inside the transaction that the result is still within the user's jurisdiction (so a
write can't move an object out of reach; NetBox ``_validate_objects``).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import NotPermitted, OutOfJurisdiction, TransitionNotAllowed
from core.history import stamp
from core.scoping import CHANGE
from core.validators import normalise_text
from registry.choices import OrgStatus
from registry.models import Activity, BrandProject, Division, Member, Organisation, User
from registry.services.lifecycle import (
    acts_for,
    check_effective_date,
    lock_organisation,
    require_live,
)
from registry.validators import check_organisation_name

ORGANISATION_FIELDS = {
    "name",
    "community",
    "org_type",
    "field",
    "service_targets",
    "business_scope",
    "venue",
    "founded_on",
    "legal_person_founders",
    "is_for_profit",
    "charter_text",
    "charter_file",
    "activity_rules_text",
    "activity_rules_file",
    "service_norms_text",
}
MEMBER_FIELDS = {
    "name",
    "gender",
    "phone",
    "id_number",
    "party_status",
    "role",
    "is_founder",
    "joined_on",
    "left_on",
}
ACTIVITY_FIELDS = {
    "held_on",
    "title",
    "series",
    "participants",
    "volunteer_hours",
    "is_major",
    "description",
}
TEXT_FIELDS = {"name", "venue", "title"}


def _assign(instance, data: dict, allowed: set[str]):
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    for key, value in data.items():
        if key in TEXT_FIELDS and isinstance(value, str):
            value = normalise_text(value)
        setattr(instance, key, value)


def _save_in_scope(instance, *, acting_user: User, reason: str, effective_on=None):
    """Validate, save with history, and make sure the user can still reach the result."""
    instance.full_clean()
    stamp(instance, acting_user=acting_user, reason=reason, effective_on=effective_on)
    instance.save()
    if not instance.is_within(acting_user, CHANGE):
        raise OutOfJurisdiction()
    return instance


def _community_in_scope(community: Division | None, acting_user: User):
    if (
        community is not None
        and not Division.objects.restrict(acting_user, CHANGE).filter(pk=community.pk).exists()
    ):
        raise OutOfJurisdiction()


@transaction.atomic
def organisation_create(*, acting_user: User, reason: str = "", **data) -> Organisation:
    """Enter a new activity group in a community's ledger."""
    _community_in_scope(data.get("community"), acting_user)
    organisation = Organisation(status=OrgStatus.ACTIVITY_GROUP)
    _assign(organisation, data, ORGANISATION_FIELDS)
    check_organisation_name(organisation.name)
    return _save_in_scope(
        organisation, acting_user=acting_user, reason=reason or _("Entered in the ledger")
    )


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, acting_user: User, reason: str = "", **data
) -> Organisation:
    """Change an organisation's ledger fields (not its status or numbers)."""
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    require_live(organisation, "update")
    _community_in_scope(data.get("community"), acting_user)
    _assign(organisation, data, ORGANISATION_FIELDS)
    if "name" in data:
        check_organisation_name(organisation.name)
    return _save_in_scope(organisation, acting_user=acting_user, reason=reason)


@transaction.atomic
def member_add(
    *, organisation: Organisation, acting_user: User, reason: str = "", **data
) -> Member:
    """Add a person to an organisation's roster."""
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    require_live(organisation, "member_add")
    member = Member(organisation=organisation)
    _assign(member, data, MEMBER_FIELDS)
    return _save_in_scope(member, acting_user=acting_user, reason=reason or _("Joined the roster"))


@transaction.atomic
def member_update(*, member: Member, acting_user: User, reason: str = "", **data) -> Member:
    """Change a roster entry; set ``left_on`` to record that the person left."""
    organisation = lock_organisation(member.organisation, acting_user, CHANGE)
    require_live(organisation, "member_update")
    member = Member.objects.get(pk=member.pk, organisation=organisation)
    _assign(member, data, MEMBER_FIELDS)
    return _save_in_scope(member, acting_user=acting_user, reason=reason)


@transaction.atomic
def activity_record(
    *, organisation: Organisation, acting_user: User, reason: str = "", **data
) -> Activity:
    """Record an activity the organisation held."""
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    require_live(organisation, "activity_record")
    activity = Activity(organisation=organisation)
    _assign(activity, data, ACTIVITY_FIELDS)
    return _save_in_scope(activity, acting_user=acting_user, reason=reason or _("Recorded"))


@transaction.atomic
def activity_update(*, activity: Activity, acting_user: User, reason: str = "", **data) -> Activity:
    organisation = lock_organisation(activity.organisation, acting_user, CHANGE)
    require_live(organisation, "activity_update")
    activity = Activity.objects.get(pk=activity.pk, organisation=organisation)
    _assign(activity, data, ACTIVITY_FIELDS)
    return _save_in_scope(activity, acting_user=acting_user, reason=reason)


@transaction.atomic
def hub_designate(
    *,
    organisation: Organisation,
    acting_user: User,
    reason: str,
    effective_date: datetime.date | None = None,
) -> Organisation:
    """The street office designates a live organisation of its street as a hub (枢纽型), from
    ``effective_date`` (default today; an earlier day needs a reason, see
    ``check_effective_date``): the history row takes effect that day, recorded now."""
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    require_live(organisation, "hub")
    if not acts_for(acting_user, organisation.street):
        raise NotPermitted(_("Only the street office designates hub organisations."))
    if organisation.is_hub:
        raise TransitionNotAllowed(_("Already a hub organisation."), current="hub")
    check_effective_date(organisation, effective_date, reason)
    organisation.is_hub = True
    organisation.hub_designated_on = effective_date or timezone.localdate()
    organisation.hub_designated_by = organisation.street
    return _save_in_scope(
        organisation, acting_user=acting_user, reason=reason, effective_on=effective_date
    )


@transaction.atomic
def hub_revoke(
    *,
    organisation: Organisation,
    acting_user: User,
    reason: str,
    effective_date: datetime.date | None = None,
) -> Organisation:
    """Withdraw a hub designation (the date and street stay in history), from
    ``effective_date`` (default today; see ``hub_designate``)."""
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    if not acts_for(acting_user, organisation.street):
        raise NotPermitted(_("Only the street office designates hub organisations."))
    if not organisation.is_hub:
        raise TransitionNotAllowed(_("Not a hub organisation."), current="not_hub")
    check_effective_date(organisation, effective_date, reason)
    organisation.is_hub = False
    organisation.hub_designated_on = None
    organisation.hub_designated_by = None
    return _save_in_scope(
        organisation, acting_user=acting_user, reason=reason, effective_on=effective_date
    )


@transaction.atomic
def brand_project_add(
    *, organisation: Organisation, acting_user: User, reason: str = "", **data
) -> BrandProject:
    """Record a brand service project recognised for the organisation."""
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    require_live(organisation, "brand_project")
    project = BrandProject(organisation=organisation)
    _assign(project, data, {"name", "year", "recognised_by"})
    return _save_in_scope(project, acting_user=acting_user, reason=reason or _("Recognised"))
