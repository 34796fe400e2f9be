"""Conflicts of interest between an expert and an organisation, as the registry sees them.

An expert may not review or coach an entry of an organisation when:
- the expert is on its roster (a current member with the expert's phone number; with no phone
  recorded for the expert, a current member of the same name);
- the expert leads it (the organisation's leader on the roster, or the expert's own account is
  the organisation's leader account);
- the expert is on the roster of, or leads, an organisation *paired* with it (结对共建). Pairings
  belong to the support programmes app, above this one: it registers where they are found with
  :func:`register_pairing_source` in its ``AppConfig.ready()``;
- the expert declared a conflict with it (``ConflictDeclaration``, in this campaign or in all).

:func:`conflicts_between` answers for many experts and organisations in a fixed number of
queries (automatic assignment asks for every pair of a stage at once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q

from core.validators import normalise_code
from registry.choices import MemberRole, Role
from registry.models import Member, Organisation, User
from selection.choices import ConflictKind

PairingSource = Callable[[list[int]], dict[int, set[int]]]
_pairing_sources: list[PairingSource] = []


def register_pairing_source(source: PairingSource) -> None:
    """Add a source of pairings: ``source(organisation_ids)`` returns, for each organisation
    that has any, the ids of the organisations paired with it."""
    if source not in _pairing_sources:
        _pairing_sources.append(source)


def unregister_pairing_source(source: PairingSource) -> None:
    if source in _pairing_sources:
        _pairing_sources.remove(source)


def paired_organisations(organisation_ids: Iterable[int]) -> dict[int, set[int]]:
    """Every registered source's pairings of the given organisations (both directions)."""
    ids = list(organisation_ids)
    found: dict[int, set[int]] = defaultdict(set)
    for source in _pairing_sources:
        for organisation_id, others in source(ids).items():
            found[organisation_id].update(others)
    return found


@dataclass(frozen=True)
class Conflict:
    expert_id: int
    organisation_id: int
    kind: str
    detail: str

    @property
    def message(self) -> str:
        return (
            f"{ConflictKind(self.kind).label}: {self.detail}"
            if self.detail
            else str(ConflictKind(self.kind).label)
        )


def _phone(value: str) -> str:
    return normalise_code(value).replace("+86", "")


def conflicts_between(
    experts: Iterable, organisation_ids: Iterable[int], *, campaign=None
) -> dict[tuple[int, int], list[Conflict]]:
    """``{(expert id, organisation id): [conflicts]}`` for every pair that has one."""
    from selection.models import ConflictDeclaration

    experts = list(experts)
    organisations = {pk for pk in organisation_ids if pk}
    if not experts or not organisations:
        return {}
    pairs = paired_organisations(organisations)
    related = organisations | {other for others in pairs.values() for other in others}
    by_phone = {_phone(e.phone): e for e in experts if e.phone}
    by_name = {e.name: e for e in experts if not e.phone}
    found: dict[tuple[int, int], list[Conflict]] = defaultdict(list)
    paired_ids = {other for others in pairs.values() for other in others}
    paired_names = (
        dict(Organisation.objects.filter(pk__in=paired_ids).values_list("pk", "name"))
        if paired_ids
        else {}
    )

    # roster and leader, of the organisations and of their paired ones, in one query
    roster: dict[int, list[tuple]] = defaultdict(list)  # expert id -> (org id, role, name)
    members = (
        Member.objects.filter(organisation_id__in=related, left_on__isnull=True)
        .filter(Q(phone__in=[p for p in by_phone if p]) | Q(name__in=list(by_name)))
        .values_list("organisation_id", "name", "phone", "role")
    )
    for organisation_id, name, phone, role in members:
        expert = by_phone.get(_phone(phone)) if phone else None
        if expert is None:
            expert = by_name.get(name)
        if expert is not None:
            roster[expert.pk].append((organisation_id, role, name))
    leader_accounts = dict(
        User.objects.filter(
            role=Role.ORGANISATION_LEADER,
            organisation_id__in=related,
            pk__in=[e.user_id for e in experts if e.user_id],
        ).values_list("pk", "organisation_id")
    )
    for expert in experts:
        own_leads = set()
        if expert.user_id in leader_accounts:
            own_leads.add(leader_accounts[expert.user_id])
        on_roster = {org for org, _role, _name in roster[expert.pk]}
        leads = own_leads | {
            org for org, role, _name in roster[expert.pk] if role == MemberRole.LEADER
        }
        for organisation_id in organisations:
            key = (expert.pk, organisation_id)
            if organisation_id in leads:
                found[key].append(
                    Conflict(expert.pk, organisation_id, ConflictKind.LEADER, expert.name)
                )
            elif organisation_id in on_roster:
                found[key].append(
                    Conflict(expert.pk, organisation_id, ConflictKind.ROSTER, expert.name)
                )
            paired_with = (pairs.get(organisation_id, set()) & (on_roster | leads)) - {
                organisation_id
            }
            if paired_with:
                found[key].append(
                    Conflict(
                        expert.pk,
                        organisation_id,
                        ConflictKind.PAIRED,
                        "、".join(sorted(paired_names.get(pk, str(pk)) for pk in paired_with)),
                    )
                )
    declared = ConflictDeclaration.objects.filter(
        expert__in=[e.pk for e in experts], organisation_id__in=organisations
    )
    if campaign is not None:
        declared = declared.filter(Q(campaign__isnull=True) | Q(campaign=campaign))
    for expert_id, organisation_id, reason in declared.values_list(
        "expert_id", "organisation_id", "reason"
    ):
        found[(expert_id, organisation_id)].append(
            Conflict(expert_id, organisation_id, ConflictKind.DECLARED, reason)
        )
    return dict(found)


def conflicts_of(expert, organisation_id: int | None, *, campaign=None) -> list[Conflict]:
    """The conflicts of one expert with one organisation (none for a unit's entry)."""
    if organisation_id is None:
        return []
    return conflicts_between([expert], [organisation_id], campaign=campaign).get(
        (expert.pk, organisation_id), []
    )
