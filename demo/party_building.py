"""Demo data for party building, on top of the seeded registry (``manage.py seed_demo`` calls it).

Shaped like the real plan, not a full house: organisations with three or more formal party
members have their own branch (独立党支部, guided by the tier that owns them); four streets in five
have a general branch (党总支) covering some of their filed organisations; two communities in three
have a joint branch (联合党支部) gathering their small groups; every street with organisations
appoints a party-building instructor who looks after a few of the organisations still uncovered.
A former joint branch, merged a year ago, and an ended assignment show endings in the history.
Everything goes through ``party_building.services`` as the officer of the guiding or appointing
tier, with the founding and start dates in the past. Idempotent: nothing is added once any party
organisation exists.
"""

from __future__ import annotations

import datetime
import zlib
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from demo.dataset import DEMO_COMMUNITIES
from party_building import services
from party_building.choices import PartyOrganisationKind
from party_building.models import PartyOrganisation
from registry.choices import ROLE_LEVELS, ApplicationStatus, OrgStatus, PartyStatus
from registry.models import Application, Division, Organisation, User

REASON = "演示数据"
#: formal party members that call for an organisation's own branch (the three-member rule)
OWN_BRANCH_MEMBERS = 3
#: organisations a street's general branch covers, a community's joint branch gathers, and a
#: street's instructor looks after
GENERAL_COVERS, JOINT_COVERS, INSTRUCTED = 4, 4, 3
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "丽华", "志强", "海燕", "国华", "秀英", "伟东", "晓玲", "德明", "春梅"]


def spread(*parts) -> int:
    """A stable number in 0..99 for ``parts`` (the same on every database)."""
    return zlib.crc32("|".join(map(str, parts)).encode()) % 100


def person(*parts) -> str:
    number = zlib.crc32("|".join(map(str, parts)).encode())
    return SURNAMES[number % len(SURNAMES)] + GIVEN[(number // 31) % len(GIVEN)]


def officer_for(division: Division) -> User:
    """The user acting for ``division``: its demo login or seeded officer if there is one, else
    a seeded officer without a usable password (created once, like seed_demo's)."""
    role = {level: role for role, level in ROLE_LEVELS.items()}[division.level]
    user = (
        User.objects.filter(role=role, division=division, is_active=True)
        .order_by("username")
        .first()
    )
    if user is None:
        user = User(
            username=f"seed-{division.level}-{division.code}",
            role=role,
            division=division,
            first_name=f"{division.name} 经办人",
        )
        user.set_unusable_password()
        user._change_reason = REASON
        user.save()
    return user


def _founded(today: datetime.date, *parts, earliest: datetime.date | None = None) -> datetime.date:
    """A founding or start day within the last three years (not before ``earliest``), at least
    a month ago."""
    start = max(today - datetime.timedelta(days=3 * 365), earliest or datetime.date.min)
    end = today - datetime.timedelta(days=30)
    if start >= end:
        return min(start, today)
    return start + datetime.timedelta(days=(end - start).days * spread(*parts) // 100)


def _live(today: datetime.date) -> list[Organisation]:
    formal = Count(
        "members",
        filter=Q(members__party_status=PartyStatus.FORMAL)
        & (Q(members__left_on__isnull=True) | Q(members__left_on__gt=today)),
    )
    return list(
        Organisation.objects.filter(status__in=OrgStatus.LIVE, community__is_residential=True)
        .select_related("community__parent__parent")
        .annotate(formal=formal)
        .order_by("pk")
    )


@transaction.atomic
def seed_party_building(today: datetime.date | None = None) -> str:
    """Create the party-building demo data (see the module docstring); a one-line summary."""
    today = today or timezone.localdate()
    if PartyOrganisation.objects.exists():
        return "party-building demo: already there"
    organisations = _live(today)
    if not organisations:
        return "party-building demo: skipped (no organisations)"
    covered: set[int] = set()
    officers: dict[str, User] = {}

    def officer(division: Division) -> User:
        if division.code not in officers:
            officers[division.code] = officer_for(division)
        return officers[division.code]

    def entered(organisation: Organisation) -> datetime.date:
        return organisation.filed_on or organisation.founded_on

    # Own branches: the three-member rule, guided by the tier that owns the organisation; not
    # yet for those with an application under review (its checklist says the branch is missing).
    pending = set(
        Application.objects.filter(status__in=ApplicationStatus.OPEN).values_list(
            "organisation_id", flat=True
        )
    )
    own = 0
    for organisation in organisations:
        if organisation.formal < OWN_BRANCH_MEMBERS or organisation.pk in pending:
            continue
        guiding = organisation.owning_division()
        services.party_organisation_create(
            acting_user=officer(guiding),
            reason=REASON,
            covered_organisations=[organisation],
            name=f"{organisation.name}党支部",
            kind=PartyOrganisationKind.INDEPENDENT_BRANCH,
            guiding_division=guiding,
            founded_on=_founded(today, organisation.name, earliest=entered(organisation)),
            secretary=person(organisation.name, "secretary"),
            member_count=organisation.formal,
        )
        covered.add(organisation.pk)
        own += 1

    by_street: dict[str, list[Organisation]] = defaultdict(list)
    by_community: dict[str, list[Organisation]] = defaultdict(list)
    for organisation in organisations:
        by_street[organisation.community.parent_id].append(organisation)
        by_community[organisation.community_id].append(organisation)

    # Joint branches: two communities in three gather their uncovered organisations.
    joint = []
    for code, members in sorted(by_community.items()):
        community = members[0].community
        chosen = [o for o in members if o.pk not in covered][:JOINT_COVERS]
        # the demo communities always have one (the demo logins see a joint branch)
        wanted = 1 if code in DEMO_COMMUNITIES else 2
        if len(chosen) < wanted or (code not in DEMO_COMMUNITIES and spread(code, "joint") >= 67):
            continue
        joint.append(
            services.party_organisation_create(
                acting_user=officer(community),
                reason=REASON,
                covered_organisations=chosen,
                name=f"{community.name}社会组织联合党支部",
                kind=PartyOrganisationKind.JOINT_BRANCH,
                guiding_division=community,
                founded_on=_founded(today, code, "joint"),
                secretary=person(code, "joint"),
                member_count=sum(o.formal for o in chosen) + 3,
            )
        )
        covered.update(o.pk for o in chosen)
    # General branches: four residential streets in five, covering some filed organisations.
    general = 0
    for code, members in sorted(by_street.items()):
        street = members[0].community.parent
        if not street.is_residential or spread(code, "general") >= 80:
            continue
        chosen = [o for o in members if o.pk not in covered and o.status == OrgStatus.FILED][
            :GENERAL_COVERS
        ]
        services.party_organisation_create(
            acting_user=officer(street),
            reason=REASON,
            covered_organisations=chosen,
            name=f"{street.name}社区社会组织党总支",
            kind=PartyOrganisationKind.GENERAL_BRANCH,
            guiding_division=street,
            founded_on=_founded(today, code, "general"),
            secretary=person(code, "general"),
            member_count=sum(o.formal for o in chosen) + 5,
        )
        covered.update(o.pk for o in chosen)
        general += 1

    dissolved = None
    if joint:
        # Before it, the first joint branch's community had another one, merged into the street's
        # general branch a year ago: its coverage ran from its founding to its dissolution.
        community = joint[0].guiding_division
        dissolved = services.party_organisation_create(
            acting_user=officer(community),
            reason="历史党组织录入：已并入街道党总支（演示数据）",
            covered_organisations=by_community[community.code][:1],
            name=f"{community.name}社会组织第一联合党支部",
            kind=PartyOrganisationKind.JOINT_BRANCH,
            guiding_division=community,
            founded_on=today - datetime.timedelta(days=3 * 365),
            dissolved_on=today - datetime.timedelta(days=400),
            secretary=person(community.code, "former"),
            member_count=3,
        )

    # Instructors: one per street, looking after a few organisations still uncovered.
    instructors = assignments = 0
    ended = None
    for code, members in sorted(by_street.items()):
        street = members[0].community.parent
        instructor = services.instructor_create(
            acting_user=officer(street),
            reason=REASON,
            name=person(code, "instructor"),
            phone=f"139{zlib.crc32(code.encode()) % 100_000_000:08d}",
            division=street,
            note="街道党工委选派（演示数据）",
        )
        instructors += 1
        for organisation in [o for o in members if o.pk not in covered][:INSTRUCTED]:
            assignment = services.assignment_create(
                instructor=instructor,
                organisation=organisation,
                acting_user=officer(street),
                reason=REASON,
                start_on=_founded(today, organisation.name, "instructor"),
            )
            assignments += 1
            if ended is None and assignments > 1:
                ended = services.assignment_update(
                    assignment=assignment,
                    acting_user=officer(street),
                    reason="指导员轮岗（演示数据）",
                    end_on=max(assignment.start_on, today - datetime.timedelta(days=10)),
                )
    return (
        f"party-building demo: {own} own branches, {general} general branches, {len(joint)} "
        f"joint branches{' (one dissolved)' if dissolved else ''}, {instructors} instructors "
        f"with {assignments} assignments"
    )
