"""Writes to the party records: party organisations and what they cover, instructors and their
assignments, the rule settings.

Each function is atomic, takes ``acting_user`` (keyword-only, required) and a reason that go
into the history row, validates everything before it writes anything (every problem at once,
by field), locks the rows whose state it checks, and makes sure inside the transaction that
the result is still within the user's jurisdiction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import NotPermitted, OutOfJurisdiction
from core.history import stamp
from core.scoping import CHANGE, VIEW
from core.validators import clean_phone, normalise_text
from party_building.choices import PartyOrganisationKind
from party_building.models import (
    InstructorAssignment,
    PartyBuildingSettings,
    PartyCoverage,
    PartyInstructor,
    PartyOrganisation,
)
from registry.choices import DivisionLevel, OrgStatus
from registry.models import Division, Organisation, User

PARTY_ORGANISATION_FIELDS = {
    "name",
    "kind",
    "guiding_division",
    "founded_on",
    "dissolved_on",
    "secretary",
    "member_count",
    "note",
}
INSTRUCTOR_FIELDS = {"name", "phone", "division", "note"}
ASSIGNMENT_FIELDS = {"start_on", "end_on", "note"}
SETTINGS_FIELDS = {"min_formal_members", "three_member_rule_severity"}
TEXT_FIELDS = {"name", "secretary"}


def _assign(instance, data: dict, allowed: set[str]):
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    for key, value in data.items():
        if key in TEXT_FIELDS and isinstance(value, str):
            value = normalise_text(value)
        setattr(instance, key, value)


def _full_clean(instance, errors: dict):
    """Collect the model's own validation errors into ``errors`` (by field)."""
    try:
        instance.full_clean()
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)


def _raise(errors: dict):
    if errors:
        raise ValidationError(errors)


def _division_in_scope(division: Division | None, acting_user: User, action: str = CHANGE):
    if division is not None and not (
        Division.objects.restrict(acting_user, action).filter(pk=division.pk).exists()
    ):
        raise OutOfJurisdiction()


def _check_in_scope(instance, acting_user: User):
    if not instance.is_within(acting_user, CHANGE):
        raise OutOfJurisdiction()


def _within(organisation: Organisation, division: Division) -> bool:
    return organisation.community.path.startswith(division.path)


# --- party organisations ---------------------------------------------------------------------


def _lock_covered(organisations: Iterable[Organisation], acting_user: User) -> list[Organisation]:
    """The organisations to cover, locked (so two branches can't claim one organisation as
    their own at once), if the user may see them all; 404 otherwise."""
    ids = sorted({organisation.pk for organisation in organisations})
    found = list(
        Organisation.objects.restrict(acting_user, CHANGE)
        .select_for_update(of=("self",))
        .select_related("community")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(found) != len(ids):
        raise OutOfJurisdiction()
    return found


def _coverage_errors(
    party_organisation: PartyOrganisation,
    covered: list[Organisation],
    newly_covered: set[int],
) -> list[str]:
    """What is wrong with ``party_organisation`` covering ``covered`` (all of it)."""
    problems = []
    kind = party_organisation.kind
    guiding = party_organisation.guiding_division
    if kind == PartyOrganisationKind.INDEPENDENT_BRANCH and len(covered) != 1:
        problems.append(
            _("An independent branch covers exactly one organisation, its own (%(count)s chosen).")
            % {"count": len(covered)}
        )
    for organisation in covered:
        if guiding is not None and not _within(organisation, guiding):
            problems.append(
                _(
                    "%(organisation)s (%(community)s) is outside the area of %(guiding)s, which "
                    "guides this party organisation."
                )
                % {
                    "organisation": organisation.name,
                    "community": organisation.community.name,
                    "guiding": guiding.name,
                }
            )
        if organisation.pk in newly_covered and organisation.status not in OrgStatus.LIVE:
            problems.append(
                _("%(organisation)s has exited; it can no longer be covered.")
                % {"organisation": organisation.name}
            )
    if kind == PartyOrganisationKind.INDEPENDENT_BRANCH and len(covered) == 1:
        other = (
            PartyCoverage.objects.current()
            .filter(
                organisation=covered[0],
                party_organisation__kind=PartyOrganisationKind.INDEPENDENT_BRANCH,
            )
            .exclude(party_organisation=party_organisation.pk)
            .select_related("party_organisation")
            .first()
        )
        if other is not None:
            problems.append(
                _("%(organisation)s already has its own party organisation, %(branch)s.")
                % {"organisation": covered[0].name, "branch": other.party_organisation.name}
            )
    return problems


def _party_organisation_errors(party_organisation: PartyOrganisation) -> dict:
    errors: dict[str, list] = {}
    _full_clean(party_organisation, errors)
    guiding = (
        party_organisation.guiding_division if party_organisation.guiding_division_id else None
    )
    levels = PartyOrganisationKind.GUIDING_LEVELS.get(party_organisation.kind)
    if guiding is not None and levels and guiding.level not in levels:
        errors.setdefault("guiding_division", []).append(
            _("A %(kind)s is guided by one of: %(levels)s; %(guiding)s is a %(level)s.")
            % {
                "kind": PartyOrganisationKind(party_organisation.kind).label,
                "levels": ", ".join(str(DivisionLevel(level).label) for level in levels),
                "guiding": guiding.name,
                "level": guiding.get_level_display(),
            }
        )
    today = timezone.localdate()
    if party_organisation.founded_on and party_organisation.founded_on > today:
        errors.setdefault("founded_on", []).append(_("The founding date is in the future."))
    return errors


def _apply_coverage(
    party_organisation: PartyOrganisation,
    covered: list[Organisation],
    *,
    acting_user: User,
    reason: str,
    on: datetime.date,
):
    """End the coverage of organisations no longer covered, start it for new ones."""
    wanted = {organisation.pk for organisation in covered}
    current = {
        coverage.organisation_id: coverage
        for coverage in party_organisation.coverages.filter(
            Q(end_on__isnull=True) | Q(end_on__gt=on)
        )
    }
    for organisation_id, coverage in current.items():
        if organisation_id not in wanted:
            # Ended before it began (a same-day correction): it never covered anything.
            coverage.end_on = max(on, coverage.start_on)
            stamp(coverage, acting_user=acting_user, reason=reason)
            coverage.save()
    for organisation in covered:
        if organisation.pk not in current:
            coverage = PartyCoverage(
                party_organisation=party_organisation,
                organisation=organisation,
                start_on=max(on, party_organisation.founded_on),
            )
            stamp(coverage, acting_user=acting_user, reason=reason)
            coverage.save()


def _save_party_organisation(
    party_organisation: PartyOrganisation,
    covered: list[Organisation] | None,
    *,
    acting_user: User,
    reason: str,
    start_on: datetime.date,
) -> PartyOrganisation:
    """Validate everything, then save the party organisation and its coverage rows: coverage
    of newly covered organisations starts ``start_on``; all coverage ends at dissolution."""
    errors = _party_organisation_errors(party_organisation)
    today = timezone.localdate()
    until = party_organisation.dissolved_on
    dissolved = until is not None and until <= today
    if covered is None:
        # Coverage unchanged: re-check it against the edited fields (kind, guiding division),
        # unless the party organisation is dissolved and covers nothing any more.
        covered = list(
            Organisation.objects.select_related("community").filter(
                party_coverages__in=party_organisation.coverages.filter(
                    Q(end_on__isnull=True) | Q(end_on__gt=today)
                )
            )
        )
        newly: set[int] = set()
        check = not dissolved
    else:
        existing = (
            set(party_organisation.coverages.values_list("organisation_id", flat=True))
            if party_organisation.pk
            else set()
        )
        newly = {organisation.pk for organisation in covered} - existing
        check = True
    if check and "guiding_division" not in errors:
        problems = _coverage_errors(party_organisation, covered, newly)
        if problems:
            errors.setdefault("covered_organisations", []).extend(problems)
    _raise(errors)
    stamp(party_organisation, acting_user=acting_user, reason=reason)
    party_organisation.save()
    who = {"acting_user": acting_user, "reason": reason}
    _apply_coverage(party_organisation, covered, on=start_on, **who)
    if dissolved:
        # A dissolved party organisation covers nothing from its dissolution on.
        _apply_coverage(party_organisation, [], on=until, **who)
    _check_in_scope(party_organisation, acting_user)
    return party_organisation


@transaction.atomic
def party_organisation_create(
    *,
    acting_user: User,
    reason: str = "",
    covered_organisations: Iterable[Organisation] = (),
    **data,
) -> PartyOrganisation:
    """Record a party organisation and the organisations it covers (from its founding date).

    Refused with field errors, nothing stored, when: the guiding division's level doesn't fit
    the kind (a general branch is guided by a street; a joint branch by a street or community);
    an independent branch doesn't cover exactly one organisation, or that organisation has its
    own branch already; a covered organisation lies outside the guiding division's area or has
    exited; the member count is below zero; the founding date is in the future. The guiding
    division and covered organisations must be within the user's jurisdiction (else 404).
    """
    _division_in_scope(data.get("guiding_division"), acting_user)
    covered = _lock_covered(covered_organisations, acting_user)
    party_organisation = PartyOrganisation()
    _assign(party_organisation, data, PARTY_ORGANISATION_FIELDS)
    return _save_party_organisation(
        party_organisation,
        covered,
        acting_user=acting_user,
        reason=reason or _("Party organisation recorded"),
        start_on=party_organisation.founded_on or timezone.localdate(),
    )


@transaction.atomic
def party_organisation_update(
    *,
    party_organisation: PartyOrganisation,
    acting_user: User,
    reason: str,
    covered_organisations: Iterable[Organisation] | None = None,
    **data,
) -> PartyOrganisation:
    """Change a party organisation; ``covered_organisations`` (if given) is the full new set:
    coverage of organisations left out ends today, coverage of new ones starts today. Setting
    ``dissolved_on`` ends all coverage on that date. Same refusals as
    ``party_organisation_create``."""
    try:
        party_organisation = (
            PartyOrganisation.objects.restrict(acting_user, CHANGE)
            .select_for_update(of=("self",))
            .get(pk=party_organisation.pk)
        )
    except PartyOrganisation.DoesNotExist:
        raise OutOfJurisdiction() from None
    _division_in_scope(data.get("guiding_division"), acting_user)
    covered = (
        None if covered_organisations is None else _lock_covered(covered_organisations, acting_user)
    )
    _assign(party_organisation, data, PARTY_ORGANISATION_FIELDS)
    return _save_party_organisation(
        party_organisation,
        covered,
        acting_user=acting_user,
        reason=reason,
        start_on=timezone.localdate(),
    )


# --- instructors -----------------------------------------------------------------------------


def _clean_instructor(instructor: PartyInstructor) -> dict:
    errors: dict[str, list] = {}
    if instructor.phone:
        try:
            instructor.phone = clean_phone(instructor.phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    _full_clean(instructor, errors)
    if instructor.division_id and instructor.division.level not in (
        DivisionLevel.DISTRICT,
        DivisionLevel.STREET,
        DivisionLevel.COMMUNITY,
    ):
        errors.setdefault("division", []).append(
            _("Instructors are appointed by a district, street or community.")
        )
    return errors


@transaction.atomic
def instructor_create(*, acting_user: User, reason: str = "", **data) -> PartyInstructor:
    """Record a party-building instructor appointed by a node of the user's jurisdiction."""
    _division_in_scope(data.get("division"), acting_user)
    instructor = PartyInstructor()
    _assign(instructor, data, INSTRUCTOR_FIELDS)
    _raise(_clean_instructor(instructor))
    stamp(instructor, acting_user=acting_user, reason=reason or _("Instructor recorded"))
    instructor.save()
    _check_in_scope(instructor, acting_user)
    return instructor


@transaction.atomic
def instructor_update(
    *, instructor: PartyInstructor, acting_user: User, reason: str, **data
) -> PartyInstructor:
    """Change an instructor's details."""
    try:
        instructor = (
            PartyInstructor.objects.restrict(acting_user, CHANGE)
            .select_for_update(of=("self",))
            .get(pk=instructor.pk)
        )
    except PartyInstructor.DoesNotExist:
        raise OutOfJurisdiction() from None
    _division_in_scope(data.get("division"), acting_user)
    _assign(instructor, data, INSTRUCTOR_FIELDS)
    _raise(_clean_instructor(instructor))
    stamp(instructor, acting_user=acting_user, reason=reason)
    instructor.save()
    _check_in_scope(instructor, acting_user)
    return instructor


def _assignment_errors(assignment: InstructorAssignment) -> dict:
    errors: dict[str, list] = {}
    _full_clean(assignment, errors)
    instructor, organisation = assignment.instructor, assignment.organisation
    if not _within(organisation, instructor.division):
        errors.setdefault("organisation", []).append(
            _(
                "%(organisation)s (%(community)s) is outside the area of %(division)s, which "
                "appointed %(instructor)s."
            )
            % {
                "organisation": organisation.name,
                "community": organisation.community.name,
                "division": instructor.division.name,
                "instructor": instructor.name,
            }
        )
    if assignment.start_on and not errors.get("end_on"):
        # Half-open periods [start, end) overlap when each starts before the other ends.
        overlapping = InstructorAssignment.objects.filter(
            instructor=instructor, organisation=organisation
        ).exclude(pk=assignment.pk)
        overlapping = overlapping.filter(Q(end_on__isnull=True) | Q(end_on__gt=assignment.start_on))
        if assignment.end_on is not None:
            overlapping = overlapping.filter(start_on__lt=assignment.end_on)
        clash = overlapping.order_by("start_on").first()
        if clash is not None:
            errors.setdefault("start_on", []).append(
                _(
                    "%(instructor)s is already assigned to %(organisation)s from %(start)s "
                    "until %(end)s; the periods overlap."
                )
                % {
                    "instructor": instructor.name,
                    "organisation": organisation.name,
                    "start": clash.start_on.isoformat(),
                    "end": clash.end_on.isoformat() if clash.end_on else _("now"),
                }
            )
    return errors


def _lock_instructor(instructor: PartyInstructor, acting_user: User) -> PartyInstructor:
    # Locking the instructor serialises assignments of one instructor, so two overlapping
    # ones can't both pass the overlap check.
    try:
        return (
            PartyInstructor.objects.restrict(acting_user, VIEW)
            .select_for_update(of=("self",))
            .select_related("division")
            .get(pk=instructor.pk)
        )
    except PartyInstructor.DoesNotExist:
        raise OutOfJurisdiction() from None


@transaction.atomic
def assignment_create(
    *,
    instructor: PartyInstructor,
    organisation: Organisation,
    acting_user: User,
    reason: str = "",
    **data,
) -> InstructorAssignment:
    """Assign an instructor to a live organisation in the area of the node that appointed them.

    Refused with field errors, nothing stored, when the periods of the same instructor at the
    same organisation would overlap, the end date is before the start, or the organisation is
    outside the instructor's area or has exited. Both must be within the user's jurisdiction.
    """
    instructor = _lock_instructor(instructor, acting_user)
    try:
        organisation = (
            Organisation.objects.restrict(acting_user, CHANGE)
            .select_related("community")
            .get(pk=organisation.pk)
        )
    except Organisation.DoesNotExist:
        raise OutOfJurisdiction() from None
    assignment = InstructorAssignment(instructor=instructor, organisation=organisation)
    _assign(assignment, data, ASSIGNMENT_FIELDS)
    errors = _assignment_errors(assignment)
    if organisation.status not in OrgStatus.LIVE:
        errors.setdefault("organisation", []).append(
            _("%(organisation)s has exited; it can no longer be covered.")
            % {"organisation": organisation.name}
        )
    _raise(errors)
    stamp(assignment, acting_user=acting_user, reason=reason or _("Instructor assigned"))
    assignment.save()
    _check_in_scope(assignment, acting_user)
    return assignment


@transaction.atomic
def assignment_update(
    *, assignment: InstructorAssignment, acting_user: User, reason: str, **data
) -> InstructorAssignment:
    """Change an assignment's dates or note (set ``end_on`` to end it)."""
    try:
        assignment = (
            InstructorAssignment.objects.restrict(acting_user, CHANGE)
            .select_for_update(of=("self",))
            .get(pk=assignment.pk)
        )
    except InstructorAssignment.DoesNotExist:
        raise OutOfJurisdiction() from None
    assignment.instructor = _lock_instructor(assignment.instructor, acting_user)
    _assign(assignment, data, ASSIGNMENT_FIELDS)
    _raise(_assignment_errors(assignment))
    stamp(assignment, acting_user=acting_user, reason=reason)
    assignment.save()
    _check_in_scope(assignment, acting_user)
    return assignment


# --- settings --------------------------------------------------------------------------------


@transaction.atomic
def settings_update(*, acting_user: User, reason: str, **data) -> PartyBuildingSettings:
    """Change the three-member rule's settings (administrators only)."""
    if not acting_user.is_superuser:
        raise NotPermitted(_("Only administrators change the party-building settings."))
    settings = (
        PartyBuildingSettings.objects.select_for_update().filter(pk=1).first()
        or PartyBuildingSettings()
    )
    _assign(settings, data, SETTINGS_FIELDS)
    errors: dict[str, list] = {}
    _full_clean(settings, errors)
    _raise(errors)
    stamp(settings, acting_user=acting_user, reason=reason)
    settings.save()
    return settings
