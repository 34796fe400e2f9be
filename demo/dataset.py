"""Demo logins, one per role, and the demo dataset that ``seed_demo`` builds on top of them.

``generate_dataset`` is pure: from the residential communities, a seed and a day it plans every
organisation with its roster, activities, applications and brand projects as plain values (the
same seed and day give the same plan). The command turns the plan into rows.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone
from stdnum.cn import ric, uscc

from demo import words
from registry.choices import (
    ActivitySeries,
    ApplicationKind,
    ApplicationStatus,
    DivisionLevel,
    ExitReason,
    Gender,
    LegalForm,
    MemberRole,
    OrgField,
    OrgStatus,
    OrgType,
    PartyStatus,
    Role,
)
from registry.rules import Condition

DEMO_PASSWORD = "demo-2025"

#: username, role, division code, display name
DEMO_USERS = [
    ("city", Role.CITY_OFFICER, "4403", "市民政局 演示"),
    ("district-pingshan", Role.DISTRICT_OFFICER, "440310", "坪山区民政局 演示"),
    ("district-dapeng", Role.DISTRICT_OFFICER, "4403DP", "大鹏新区 演示"),
    ("street-pingshan", Role.STREET_OFFICER, "440310001", "坪山街道 演示"),
    ("street-maluan", Role.STREET_OFFICER, "440310002", "马峦街道 演示"),
    ("community-pingshan", Role.COMMUNITY_STAFF, "440310001003", "坪山社区 演示"),
    ("community-maluan", Role.COMMUNITY_STAFF, "440310002003", "马峦社区 演示"),
]
#: the organisation leader's login (username, community of the organisation, display name);
#: bound to a seeded organisation of that community once the dataset exists
DEMO_LEADER = ("leader-pingshan", "440310001003", "坪山社区组织负责人 演示")
#: the demo communities always get organisations, however small the dataset
DEMO_COMMUNITIES = ("440310001003", "440310002003")

DEFAULT_ORGS = 5000
DEFAULT_SEED = 2025
#: share of each final status
STATUS_SHARES = [
    (OrgStatus.ACTIVITY_GROUP, 0.50),
    (OrgStatus.FILED, 0.34),
    (OrgStatus.REGISTERED, 0.09),
    (OrgStatus.EXITED, 0.07),
]
#: what the exited organisations were before they exited
EXITED_FROM = [(OrgStatus.ACTIVITY_GROUP, 55), (OrgStatus.FILED, 33), (OrgStatus.REGISTERED, 12)]
EXIT_REASONS = [
    (ExitReason.DORMANT, 50),
    (ExitReason.VOLUNTARY, 30),
    (ExitReason.MERGED, 10),
    (ExitReason.REVOKED, 10),
]
#: the days of activity records kept (three years back from today)
ACTIVITY_WINDOW = 3 * 365
STAFF_ROLES = (MemberRole.LEADER, MemberRole.DEPUTY, MemberRole.STAFF)
CHINESE_ORDINALS = "〇一二三四五六七八九十"
COMMITTEE_SUFFIX = re.compile(r"(居民委员会|居委会|居委)$")
ISSUED_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the USCC alphabet


class Community(NamedTuple):
    """A residential community with its street and district, as the generator needs it."""

    code: str
    name: str
    street_code: str
    street_name: str
    district_code: str
    district_name: str


#: who acted: (division level, division code); the command maps it to a user of that node
Actor = tuple[str, str]


#: the organisation fields each lifecycle event sets (to their final values: before the event
#: they are blank)
LIFECYCLE_FIELDS = {
    "filed": ("filing_number", "filed_on"),
    "registered": ("credit_code", "legal_form", "registered_on"),
    "hub": ("is_hub", "hub_designated_on", "hub_designated_by_id"),
    "exited": ("exit_reason", "exited_on", "status_before_exit"),
}
#: what each of those fields holds before its event
BLANK = {
    "filing_number": None,
    "filed_on": None,
    "credit_code": None,
    "legal_form": "",
    "registered_on": None,
    "is_hub": False,
    "hub_designated_on": None,
    "hub_designated_by_id": None,
    "exit_reason": "",
    "exited_on": None,
    "status_before_exit": "",
}


@dataclass(frozen=True)
class HistoryStep:
    """One change of the organisation row: when, by whom, and what it was afterwards.

    ``event`` is "created" (the history row of type "+") or a key of ``LIFECYCLE_FIELDS``;
    ``status`` is the organisation's status after the step.
    """

    at: dt.datetime
    actor: Actor
    event: str
    status: str


@dataclass
class OrganisationPlan:
    """One organisation and everything hanging off it, as plain values."""

    fields: dict
    members: list[dict] = field(default_factory=list)
    activities: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    brand_projects: list[dict] = field(default_factory=list)
    #: the changes of the organisation row, oldest first: created as an activity group on its
    #: founding day, then filed, registered, designated a hub, exited on the days they happened
    history: list[HistoryStep] = field(default_factory=list)

    def history_states(self) -> list[tuple[HistoryStep, dict]]:
        """Each step with the lifecycle fields as they were right after it (``fields`` holds
        the final values; the fields of events still to come are blank)."""
        state = {**BLANK}
        result = []
        for step in self.history:
            for name in LIFECYCLE_FIELDS.get(step.event, ()):
                state[name] = self.fields[name]
            result.append((step, {**state, "status": step.status}))
        return result


@dataclass
class DemoDataset:
    organisations: list[OrganisationPlan]
    #: (street code, year) -> last filing number handed out
    filing_sequences: dict[tuple[str, int], int]

    def actors(self) -> set[Actor]:
        found = {step.actor for plan in self.organisations for step in plan.history}
        for plan in self.organisations:
            for application in plan.applications:
                found.add(application["submitted_by"])
                if application["decided_by"]:
                    found.add(application["decided_by"])
        return found


# --- helpers --------------------------------------------------------------------------------


def place_words(community: Community) -> dict[str, str]:
    """Words a name can start with: "坪山社区", "坪山", a sub-place, and the street's "坪山"."""
    name = COMMITTEE_SUFFIX.sub("", community.name)
    sub_place = ""
    if "社区" in name:
        stem, sub_place = name.split("社区", 1)
    else:
        stem = name
    return {
        "label": f"{stem}社区",
        "stem": stem,
        "sub_place": sub_place,
        "street": community.street_name.removesuffix("街道"),
    }


def organisation_code_check(body: str) -> str:
    """The check character of a 9-character organisation code (GB 11714)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch, 36) * w for ch, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, legal_form: str, region: str) -> str:
    """A unified social credit code issued by civil affairs (authority 5) in ``region``."""
    body = "MJ" + rng.choice("LXY") + f"{rng.randrange(100000):05d}"
    first17 = (
        "5" + LegalForm.CREDIT_CODE_TYPE[legal_form] + region + body + organisation_code_check(body)
    )
    return first17 + uscc.calc_check_digit(first17)


def id_number(rng: random.Random, birth: dt.date, gender: str) -> str | None:
    """A resident ID number for someone born on ``birth``, or None when no area code existed."""
    codes = [code for code, since in words.ID_AREA_CODES if since <= birth.year]
    if not codes:
        return None
    sequence = rng.randrange(0, 100) * 10 + rng.choice(
        (1, 3, 5, 7, 9) if gender == Gender.MALE else (0, 2, 4, 6, 8)
    )
    body = f"{rng.choice(codes)}{birth:%Y%m%d}{sequence:03d}"
    # calc_check_digit takes the whole number and ignores its last character
    number = body + ric.calc_check_digit(body + "0")
    return number if ric.is_valid(number) else None


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from ``start`` to ``end`` inclusive (``end`` when the range is empty)."""
    if end <= start:
        return end
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _ordinal(n: int) -> str:
    return CHINESE_ORDINALS[n] if n <= 10 else str(n)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# --- the generator --------------------------------------------------------------------------


class _Generator:
    def __init__(self, communities, *, seed, today, conditions, sequence_start):
        self.rng = random.Random(seed)
        self.today = today
        self.tz = timezone.get_default_timezone()
        self.communities = sorted(communities, key=lambda c: c.code)
        self.conditions = conditions
        self.sequence_start = sequence_start
        self.live_names = defaultdict(set)
        self.exited_names = defaultdict(set)
        self.credit_codes = set()

    # Dates and times

    def at(self, day: dt.date, earliest: int = 9, latest: int = 17) -> dt.datetime:
        """A working-hours moment of ``day``, in the project's time zone."""
        moment = dt.time(self.rng.randint(earliest, latest), self.rng.choice((0, 10, 20, 30, 45)))
        return dt.datetime.combine(day, moment, tzinfo=self.tz)

    def at_hour(self, day: dt.date, hour: int) -> dt.datetime:
        """``day`` at ``hour`` o'clock in the project's time zone (draws nothing at random)."""
        return dt.datetime.combine(day, dt.time(hour), tzinfo=self.tz)

    def recent(self, days: int) -> dt.date:
        return self.today - _days(days)

    # Step 1: where and in which state

    def allocate(self, n: int) -> list[Community]:
        communities = self.communities
        if n >= len(communities):
            weights = [self.rng.uniform(0.3, 3.0) for _c in communities]
            extra = self.rng.choices(communities, weights=weights, k=n - len(communities))
            return list(communities) + extra
        demo = [c for c in communities if c.code in DEMO_COMMUNITIES][:n]
        rest = [c for c in communities if c.code not in DEMO_COMMUNITIES]
        return demo + self.rng.sample(rest, n - len(demo))

    def statuses(self, n: int) -> list[str]:
        counts = {status: int(n * share) for status, share in STATUS_SHARES}
        if n >= len(counts):
            for status in counts:
                counts[status] = max(counts[status], 1)
        counts[OrgStatus.ACTIVITY_GROUP] += n - sum(counts.values())
        result = [status for status, count in counts.items() for _i in range(count)]
        self.rng.shuffle(result)
        return result

    def dates(self, status: str) -> dict:
        """Founding, filing, registration and exit days for an organisation ending in
        ``status`` (an exited one has its status before the exit in ``before``)."""
        rng, today = self.rng, self.today
        before = status
        exited_on = None
        end = today - _days(3)
        if status == OrgStatus.EXITED:
            before = _weighted(rng, EXITED_FROM)
            exited_on = _between(rng, self.recent(ACTIVITY_WINDOW), self.recent(3))
            end = exited_on - _days(30)
        filed_on = registered_on = None
        if before == OrgStatus.REGISTERED:
            registered_on = _between(rng, end - _days(8 * 365), end)
            filed_on = _between(rng, registered_on - _days(4 * 365), registered_on - _days(120))
            founded_on = _between(rng, filed_on - _days(6 * 365), filed_on - _days(60))
        elif before == OrgStatus.FILED:
            # filings picked up after the 2022 Guangdong rule: recent years weigh more
            span = rng.choice((2 * 365, 3 * 365, 5 * 365))
            filed_on = _between(rng, end - _days(span), end)
            founded_on = _between(rng, filed_on - _days(8 * 365), filed_on - _days(60))
        else:
            founded_on = _between(rng, end - _days(10 * 365), end - _days(30))
        return {
            "before": before,
            "founded_on": founded_on,
            "filed_on": filed_on,
            "registered_on": registered_on,
            "exited_on": exited_on,
        }

    # Step 2: hubs, picked per street among the live filed and registered organisations

    def hubs(self, skeletons: list[dict]) -> None:
        by_street = defaultdict(list)
        for index, skeleton in enumerate(skeletons):
            if skeleton["status"] in (OrgStatus.FILED, OrgStatus.REGISTERED):
                by_street[skeleton["community"].street_code].append(index)
        for street_code in sorted(by_street):
            candidates = by_street[street_code]
            # about one street in ten has no hub yet (the KPI target is 85%)
            if self.rng.random() < (0.1 if len(candidates) >= 5 else 0.6):
                continue
            wanted = min(
                _weighted(self.rng, [(1, 60), (2, 30), (3, 10)]), max(1, len(candidates) // 8)
            )
            templates = self.rng.sample(range(len(words.HUB_TEMPLATES)), wanted)
            for index, template in zip(self.rng.sample(candidates, wanted), templates, strict=True):
                skeleton = skeletons[index]
                skeleton["hub_template"] = template
                skeleton["hub_designated_on"] = max(
                    _between(self.rng, skeleton["filed_on"] + _days(30), self.recent(7)),
                    skeleton["filed_on"],
                )

    # Step 3: name, type, field, texts

    def name(self, community: Community, word: str, suffix: str, live: bool) -> str | None:
        places = place_words(community)
        used = self.live_names if live else self.exited_names
        options = [(places["label"], 45), (places["stem"], 32), (places["street"], 8)]
        if places["sub_place"]:
            options.append((places["sub_place"], 15))
        for _attempt in range(4):
            name = f"{_weighted(self.rng, options)}{word}{suffix}"
            if name not in used[community.code] and self.name_ok(name):
                return name
        for number in range(2, 30):
            name = f"{places['label']}第{_ordinal(number)}{word}{suffix}"
            if name not in used[community.code] and self.name_ok(name):
                return name
        return None

    def name_ok(self, name: str) -> bool:
        """A standard name under the filing conditions of every type (so a group could file)."""
        return all(
            re.match(rules.name_pattern, name) and not any(w in name for w in rules.excluded_words)
            for rules in self.conditions.values()
        )

    def identity(self, skeleton: dict) -> dict:
        """Type, field, targets, name and legal form of one organisation."""
        rng = self.rng
        community = skeleton["community"]
        live = skeleton["status"] != OrgStatus.EXITED
        used = self.live_names if live else self.exited_names
        places = place_words(community)
        legal_form = ""
        if "hub_template" in skeleton:
            template, org_type, org_field, legal_form = words.HUB_TEMPLATES[
                skeleton["hub_template"]
            ]
            name = template.format(street=places["street"])
            word = "社会组织培育"
            targets = []
        else:
            name = None
            reached_registration = skeleton["registered_on"] is not None
            if reached_registration and rng.random() < 0.04:
                candidate = words.FOUNDATION_NAME.format(place=places["stem"])
                if candidate not in used[community.code] and self.name_ok(candidate):
                    name, word = candidate, "慈善"
                    org_type, org_field, legal_form = (
                        OrgType.SERVICE,
                        OrgField.CHARITY,
                        LegalForm.FOUNDATION,
                    )
                    targets = ["hardship"]
            while name is None:
                org_type = OrgType.ASSOCIATION if rng.random() < 0.6 else OrgType.SERVICE
                org_field = _weighted(rng, words.FIELD_WEIGHTS[org_type])
                word, suffixes, suggested = rng.choice(words.ACTIVITIES[(org_type, org_field)])
                name = self.name(community, word, rng.choice(suffixes), live)
                targets = sorted(
                    {str(t) for t in suggested if rng.random() < 0.85}
                    | {
                        t
                        for t in ("elderly_children", "hardship", "special_groups")
                        if rng.random() < 0.06
                    }
                )
            if reached_registration and not legal_form:
                legal_form = (
                    LegalForm.SOCIAL_GROUP
                    if org_type == OrgType.ASSOCIATION
                    else LegalForm.SOCIAL_SERVICE
                )
        used[community.code].add(name)
        return {
            "name": name,
            "word": word,
            "org_type": str(org_type),
            "field": str(org_field),
            "service_targets": [str(t) for t in targets],
            "legal_form": str(legal_form) if skeleton["registered_on"] else "",
        }

    def texts(self, identity: dict, community: Community, *, complete: bool) -> dict:
        """Business scope, venue, charter, rules and norms; ``complete`` gives every text the
        filing conditions ask for, otherwise some are missing (as in a community ledger)."""
        rng = self.rng
        rules = self.conditions[identity["org_type"]]
        places = place_words(community)
        scope = words.BUSINESS_SCOPE[identity["field"]].format(word=identity["word"])
        venue = rng.choice(words.VENUES).format(
            community=places["label"],
            place=places["sub_place"] or places["stem"],
            floor=_ordinal(rng.randint(1, 4)),
        )
        charter = words.CHARTER.format(
            name=identity["name"],
            community=places["label"],
            scope=scope,
            purpose=rng.choice(words.PURPOSES),
        )
        activity_rules = words.ACTIVITY_RULES.format(
            period=rng.choice(words.PERIODS), community=places["label"]
        )
        norms = words.SERVICE_NORMS.format(community=places["label"])
        if complete:
            has = {
                "venue": True,
                "charter": True,
                "rules": True,
                "norms": rules.requires_service_norms or identity["org_type"] == OrgType.SERVICE,
            }
        else:
            has = {
                "venue": rng.random() < 0.8,
                "charter": rng.random() < 0.35,
                "rules": rng.random() < 0.45,
                "norms": identity["org_type"] == OrgType.SERVICE and rng.random() < 0.3,
            }
        return {
            "business_scope": scope if complete or rng.random() < 0.9 else "",
            "venue": venue if has["venue"] else "",
            "charter_text": charter if has["charter"] else "",
            "activity_rules_text": activity_rules if has["rules"] else "",
            "service_norms_text": norms if has["norms"] else "",
        }

    # Step 4: applications (without their checklists, which need the roster)

    def owner(self, status: str, community: Community) -> Actor:
        level = OrgStatus.OWNER_LEVEL[status]
        code = {
            DivisionLevel.COMMUNITY: community.code,
            DivisionLevel.STREET: community.street_code,
            DivisionLevel.DISTRICT: community.district_code,
        }[level]
        return (str(level), code)

    def application(
        self,
        kind,
        status,
        skeleton,
        *,
        submitted: dt.datetime,
        decided: dt.datetime | None = None,
        exit_reason: str = "",
        owner_status: str | None = None,
    ) -> dict:
        rng = self.rng
        community = skeleton["community"]
        community_actor = (str(DivisionLevel.COMMUNITY), community.code)
        street_actor = (str(DivisionLevel.STREET), community.street_code)
        district_actor = (str(DivisionLevel.DISTRICT), community.district_code)
        if kind == ApplicationKind.FILING:
            initiating, reviewing = community_actor, street_actor
            note = rng.choice(words.NOTES[kind])
        elif kind == ApplicationKind.REGISTRATION:
            initiating, reviewing = street_actor, district_actor
            note = rng.choice(words.NOTES[kind])
        else:
            reviewing = self.owner(owner_status, community)
            lower = {street_actor: community_actor, district_actor: street_actor}.get(reviewing)
            initiating = lower if lower and rng.random() < 0.5 else reviewing
            note = words.EXIT_NOTES[exit_reason]
        legal_form = code = ""
        if kind == ApplicationKind.REGISTRATION:
            legal_form = skeleton["identity"]["legal_form"] or (
                LegalForm.SOCIAL_GROUP
                if skeleton["identity"]["org_type"] == OrgType.ASSOCIATION
                else LegalForm.SOCIAL_SERVICE
            )
            code = self.new_credit_code(legal_form, community)
        reason = ""
        if status == ApplicationStatus.APPROVED:
            reason = rng.choice(words.APPROVAL_REASONS)
        elif (kind, status) in words.DECISION_REASONS:
            reason = rng.choice(words.DECISION_REASONS[(kind, status)])
        decided_by = (
            reviewing
            if status
            in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.RETURNED)
            else None
        )
        return {
            "kind": str(kind),
            "status": str(status),
            "initiating_division_id": initiating[1],
            "reviewing_division_id": reviewing[1],
            "legal_form": str(legal_form),
            "credit_code": code,
            "exit_reason": str(exit_reason),
            "note": note,
            "submitted_by": initiating,
            "submitted_at": submitted,
            "decided_by": decided_by,
            "decided_at": decided if decided_by else None,
            "decision_reason": reason,
        }

    def new_credit_code(self, legal_form: str, community: Community) -> str:
        # the registering district's statistical code (Dapeng's streets keep Longgang's)
        region = community.street_code[:6]
        while True:
            code = credit_code(self.rng, legal_form, region)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def approved(self, kind, skeleton, on: dt.date, earliest: dt.date, **extra) -> dict:
        submitted_on = max(on - _days(self.rng.randint(3, 30)), earliest)
        submitted = self.at(submitted_on, 9, 12)
        decided = self.at(on, 14, 17)
        return self.application(
            kind,
            ApplicationStatus.APPROVED,
            skeleton,
            submitted=submitted,
            decided=decided,
            **extra,
        )

    def closed_before(
        self, kind, status, skeleton, start: dt.date, end: dt.date, **extra
    ) -> dict | None:
        """A rejected or withdrawn application submitted and closed between two days."""
        if (end - start).days < 30:
            return None
        submitted_on = _between(self.rng, start, end - _days(25))
        decided_on = submitted_on + _days(self.rng.randint(3, 20))
        return self.application(
            kind,
            status,
            skeleton,
            submitted=self.at(submitted_on, 9, 12),
            decided=self.at(decided_on, 14, 17),
            **extra,
        )

    def open_or_recent(self, kind, status, skeleton, lower: dt.date, **extra) -> dict:
        """An application in ``status`` as of today (open ones are recent)."""
        rng = self.rng
        if status == ApplicationStatus.SUBMITTED:
            start, end = self.recent(45), self.recent(1)
        elif status == ApplicationStatus.RETURNED:
            start, end = self.recent(120), self.recent(10)
        else:
            start, end = self.recent(2 * 365), self.recent(25)
        submitted_on = min(_between(rng, max(start, lower), max(end, lower)), self.recent(1))
        decided_on = max(
            min(submitted_on + _days(rng.randint(2, 20)), self.recent(1)), submitted_on
        )
        return self.application(
            kind,
            status,
            skeleton,
            submitted=self.at(submitted_on, 9, 12),
            decided=self.at(decided_on, 14, 17),
            **extra,
        )

    def history_applications(self, skeleton: dict) -> list[dict]:
        """The approved applications that brought the organisation where it is, with some
        earlier refusals."""
        rng = self.rng
        apps = []
        founded = skeleton["founded_on"]
        if skeleton["filed_on"]:
            filing = self.approved(
                ApplicationKind.FILING, skeleton, skeleton["filed_on"], founded + _days(1)
            )
            if rng.random() < 0.1:
                earlier = self.closed_before(
                    ApplicationKind.FILING,
                    rng.choice((ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)),
                    skeleton,
                    founded + _days(7),
                    filing["submitted_at"].date(),
                )
                if earlier:
                    apps.append(earlier)
            apps.append(filing)
        if skeleton["registered_on"]:
            registration = self.approved(
                ApplicationKind.REGISTRATION,
                skeleton,
                skeleton["registered_on"],
                skeleton["filed_on"] + _days(1),
            )
            if rng.random() < 0.08:
                earlier = self.closed_before(
                    ApplicationKind.REGISTRATION,
                    rng.choice((ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)),
                    skeleton,
                    skeleton["filed_on"] + _days(30),
                    registration["submitted_at"].date(),
                )
                if earlier:
                    apps.append(earlier)
            apps.append(registration)
        if skeleton["status"] == OrgStatus.EXITED:
            last = skeleton["registered_on"] or skeleton["filed_on"] or founded
            apps.append(
                self.approved(
                    ApplicationKind.EXIT,
                    skeleton,
                    skeleton["exited_on"],
                    last + _days(1),
                    exit_reason=skeleton["exit_reason"],
                    owner_status=skeleton["before"],
                )
            )
        return apps

    #: live status -> [(upper bound of a random draw, kind, status)]
    SCENARIOS = {
        OrgStatus.ACTIVITY_GROUP: [
            (0.07, ApplicationKind.FILING, ApplicationStatus.SUBMITTED),
            (0.11, ApplicationKind.FILING, ApplicationStatus.RETURNED),
            (0.15, ApplicationKind.FILING, ApplicationStatus.REJECTED),
            (0.17, ApplicationKind.FILING, ApplicationStatus.WITHDRAWN),
            (0.185, ApplicationKind.EXIT, ApplicationStatus.SUBMITTED),
            (0.195, ApplicationKind.EXIT, ApplicationStatus.RETURNED),
            (0.205, ApplicationKind.EXIT, ApplicationStatus.REJECTED),
            (0.21, ApplicationKind.EXIT, ApplicationStatus.WITHDRAWN),
        ],
        OrgStatus.FILED: [
            (0.05, ApplicationKind.REGISTRATION, ApplicationStatus.SUBMITTED),
            (0.07, ApplicationKind.REGISTRATION, ApplicationStatus.RETURNED),
            (0.10, ApplicationKind.REGISTRATION, ApplicationStatus.REJECTED),
            (0.11, ApplicationKind.REGISTRATION, ApplicationStatus.WITHDRAWN),
            (0.125, ApplicationKind.EXIT, ApplicationStatus.SUBMITTED),
            (0.135, ApplicationKind.EXIT, ApplicationStatus.RETURNED),
            (0.145, ApplicationKind.EXIT, ApplicationStatus.REJECTED),
            (0.15, ApplicationKind.EXIT, ApplicationStatus.WITHDRAWN),
        ],
        OrgStatus.REGISTERED: [
            (0.02, ApplicationKind.EXIT, ApplicationStatus.SUBMITTED),
            (0.03, ApplicationKind.EXIT, ApplicationStatus.RETURNED),
            (0.04, ApplicationKind.EXIT, ApplicationStatus.REJECTED),
            (0.045, ApplicationKind.EXIT, ApplicationStatus.WITHDRAWN),
        ],
    }

    def current_application(self, skeleton: dict, kind: str, status: str) -> dict:
        """An application of the organisation as it is now (open, or refused or withdrawn)."""
        rng = self.rng
        since = skeleton["registered_on"] or skeleton["filed_on"] or skeleton["founded_on"]
        extra = {}
        if kind == ApplicationKind.EXIT:
            extra = {
                "exit_reason": ExitReason.DORMANT if rng.random() < 0.8 else ExitReason.VOLUNTARY,
                "owner_status": skeleton["status"],
            }
        application = self.open_or_recent(kind, status, skeleton, since + _days(7), **extra)
        if kind == ApplicationKind.EXIT and extra["exit_reason"] == ExitReason.DORMANT:
            skeleton["quiet_since"] = application["submitted_at"].date() - _days(365)
        return application

    def scenario(self, skeleton: dict) -> None:
        skeleton["applications"] = self.history_applications(skeleton)
        if skeleton["status"] == OrgStatus.EXITED or skeleton["is_for_profit"]:
            return
        draw = self.rng.random()
        for bound, kind, status in self.SCENARIOS[skeleton["status"]]:
            if draw < bound:
                skeleton["applications"].append(self.current_application(skeleton, kind, status))
                break

    def cover_every_kind_and_status(self, skeletons: list[dict]) -> None:
        """Make sure each (kind, status) pair occurs, even in a small dataset."""
        present = {(a["kind"], a["status"]) for s in skeletons for a in s["applications"]}
        starts = {
            ApplicationKind.FILING: (OrgStatus.ACTIVITY_GROUP,),
            ApplicationKind.REGISTRATION: (OrgStatus.FILED,),
            ApplicationKind.EXIT: (OrgStatus.ACTIVITY_GROUP, OrgStatus.FILED, OrgStatus.REGISTERED),
        }
        for kind in ApplicationKind.values:
            for status in ApplicationStatus.values:
                if (kind, status) in present or status == ApplicationStatus.APPROVED:
                    continue
                candidates = [
                    s
                    for s in skeletons
                    if s["status"] in starts[kind]
                    and not s["is_for_profit"]
                    and not any(a["status"] in ApplicationStatus.OPEN for a in s["applications"])
                    and not any(a["kind"] == kind for a in s["applications"])
                ]
                if candidates:
                    skeleton = self.rng.choice(candidates)
                    skeleton["applications"].append(
                        self.current_application(skeleton, kind, status)
                    )
                    present.add((kind, status))

    # Step 5: the roster

    def person(self, gender: str | None = None, *, older: bool = False) -> dict:
        rng = self.rng
        gender = gender or (Gender.FEMALE if rng.random() < 0.58 else Gender.MALE)
        surname = _weighted(rng, words.SURNAMES)
        given = rng.choice(words.GIVEN_FEMALE if gender == Gender.FEMALE else words.GIVEN_MALE)
        age = rng.randint(45, 78) if older else rng.randint(20, 75)
        birth = dt.date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        phone = rng.choice(words.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        number = id_number(rng, birth, gender) if rng.random() < 0.35 else None
        return {
            "name": surname + given,
            "gender": str(gender),
            "phone": phone,
            "id_number": number or "",
        }

    def roster(self, skeleton: dict) -> list[dict]:
        rng = self.rng
        org_type = skeleton["identity"]["org_type"]
        rules = self.conditions[org_type]
        founded = skeleton["founded_on"]
        checks = [
            self.checklist_day(a)
            for a in skeleton["applications"]
            if a["kind"] in (ApplicationKind.FILING, ApplicationKind.REGISTRATION)
        ]
        meet = bool(checks)
        core_by = min(checks) if checks else skeleton["end"]
        last_check = max(checks) if checks else founded
        opened = [
            a["submitted_at"].date()
            for a in skeleton["applications"]
            if a["status"] in ApplicationStatus.OPEN
        ]
        # the roster stands still once an open application was submitted, so what it shows
        # now is what the checklist showed then
        cutoff = min(opened) - _days(1) if opened else skeleton["end"]
        core_by = min(core_by, cutoff)
        older = skeleton["identity"]["field"] in (OrgField.CULTURE_SPORTS, OrgField.LIFE_SERVICES)

        if org_type == OrgType.SERVICE:
            staff = (max(rules.min_staff, 2) + rng.randint(0, 3)) if meet else rng.randint(1, 3)
            total = max(rules.min_members, staff + rng.randint(0, 15 if meet else 8))
            rank_roles = [MemberRole.DEPUTY] + [MemberRole.STAFF] * (staff - 2)
            rest_role = MemberRole.VOLUNTEER
        else:
            staff = max(rules.min_staff, 1 + rng.randint(0, 2)) if meet else 1 + rng.randint(0, 1)
            if meet:
                total = max(rules.min_members, staff) + min(int(rng.expovariate(1 / 8)), 40)
            else:
                total = max(staff, rng.randint(3, 14))
            rank_roles = [MemberRole.DEPUTY] * 2 + [MemberRole.STAFF] * max(staff - 3, 0)
            rest_role = MemberRole.MEMBER
        founders_needed = rules.min_individual_founders if meet else 1
        total = max(total, founders_needed)
        founders = min(total, rng.randint(founders_needed, founders_needed + 3))
        roles = [MemberRole.LEADER] + rank_roles[: staff - 1]
        roles += [MemberRole.STAFF] * (staff - len(roles))
        roles += [rest_role] * (total - len(roles))

        members = []
        for position, role in enumerate(roles):
            person = self.person(older=older)
            is_founder = position < founders
            joined = founded if is_founder else _between(rng, founded, core_by)
            members.append(
                {
                    **person,
                    "party_status": self.party_status(role),
                    "role": str(role),
                    "is_founder": is_founder,
                    "joined_on": joined,
                    "left_on": None,
                }
            )
        # members who joined later, some of whom left again
        for _i in range(rng.randint(0, 8)):
            person = self.person(older=older)
            joined = _between(rng, founded, cutoff)
            left = None
            if rng.random() < 0.3:
                left = _between(rng, joined + _days(30), cutoff)
                left = left if left > joined else None
            members.append(
                {
                    **person,
                    "party_status": self.party_status(rest_role),
                    "role": str(rest_role),
                    "is_founder": False,
                    "joined_on": joined,
                    "left_on": left,
                }
            )
        # a leader who handed over
        if rng.random() < 0.03 and (cutoff - founded).days > 400:
            members.append(
                {
                    **self.person(older=True),
                    "party_status": self.party_status(MemberRole.LEADER),
                    "role": str(MemberRole.LEADER),
                    "is_founder": True,
                    "joined_on": founded,
                    "left_on": _between(rng, founded + _days(180), cutoff),
                }
            )
        # one organisation in twenty lost members since it was last checked
        if (
            meet
            and not opened
            and skeleton["status"] != OrgStatus.EXITED
            and rng.random() < 0.05
            and (cutoff - last_check).days > 30
        ):
            for member in members:
                if (
                    member["role"] != MemberRole.LEADER
                    and member["left_on"] is None
                    and rng.random() < 0.6
                ):
                    member["left_on"] = _between(rng, last_check + _days(1), cutoff)
        return members

    def party_status(self, role: str) -> str:
        formal = 0.35 if role == MemberRole.LEADER else 0.12
        draw = self.rng.random()
        if draw < formal:
            return str(PartyStatus.FORMAL)
        if draw < formal + 0.03:
            return str(PartyStatus.PROBATIONARY)
        return str(PartyStatus.NONE)

    # Step 6: checklists as they were evaluated

    @staticmethod
    def checklist_day(application: dict) -> dt.date:
        """Submission evaluates the checklist; approval evaluates it again and keeps that."""
        moment = (
            application["decided_at"]
            if application["status"] == ApplicationStatus.APPROVED
            else application["submitted_at"]
        )
        return moment.date()

    def checklist(self, application: dict, fields: dict, members: list[dict]) -> list[dict]:
        day = self.checklist_day(application)
        current = [
            m
            for m in members
            if (m["joined_on"] is None or m["joined_on"] <= day)
            and (m["left_on"] is None or m["left_on"] > day)
        ]
        rules = self.conditions[fields["org_type"]]
        name = fields["name"]
        founders = sum(1 for m in current if m["is_founder"])
        staff = sum(1 for m in current if m["role"] in STAFF_ROLES)
        eligible = Condition(
            "eligible_kind",
            not any(w in name for w in rules.excluded_words) and not fields["is_for_profit"],
        )
        leader = Condition("leader", any(m["role"] == MemberRole.LEADER for m in current))
        kind = application["kind"]
        if kind == ApplicationKind.EXIT:
            items = [Condition("exit_reason", application["exit_reason"] in ExitReason.values)]
        elif kind == ApplicationKind.REGISTRATION:
            code = application["credit_code"]
            items = [
                eligible,
                leader,
                Condition("legal_form", application["legal_form"] in LegalForm.values),
                Condition("credit_code", uscc.is_valid(code) and code[0] == "5"),
                Condition(
                    "credit_code_form",
                    code[1:2] == LegalForm.CREDIT_CODE_TYPE.get(application["legal_form"]),
                ),
            ]
        else:
            items = [
                eligible,
                Condition("standard_name", bool(re.match(rules.name_pattern, name))),
                leader,
                Condition(
                    "founders",
                    founders >= rules.min_individual_founders
                    or fields["legal_person_founders"] >= rules.min_legal_person_founders,
                    params={
                        "required": rules.min_individual_founders,
                        "required_legal": rules.min_legal_person_founders,
                        "actual": founders,
                        "actual_legal": fields["legal_person_founders"],
                    },
                ),
            ]
            if rules.min_members:
                items.append(
                    Condition(
                        "members",
                        len(current) >= rules.min_members,
                        params={"required": rules.min_members, "actual": len(current)},
                    )
                )
            if rules.min_staff:
                items.append(
                    Condition(
                        "staff",
                        staff >= rules.min_staff,
                        params={"required": rules.min_staff, "actual": staff},
                    )
                )
            if rules.requires_venue:
                items.append(Condition("venue", bool(fields["venue"].strip())))
            if rules.requires_charter:
                items.append(Condition("charter", bool(fields["charter_text"].strip())))
            if rules.requires_activity_rules:
                items.append(
                    Condition("activity_rules", bool(fields["activity_rules_text"].strip()))
                )
            if rules.requires_service_norms:
                items.append(Condition("service_norms", bool(fields["service_norms_text"].strip())))
        return [item.as_dict() for item in items]

    # Step 7: activities and brand projects

    def activities(self, skeleton: dict) -> list[dict]:
        rng = self.rng
        status = skeleton["status"]
        count = {
            OrgStatus.ACTIVITY_GROUP: rng.randint(0, 15),
            OrgStatus.FILED: rng.randint(3, 30),
            OrgStatus.REGISTERED: rng.randint(10, 30),
            OrgStatus.EXITED: rng.randint(0, 12),
        }[status]
        start = max(self.recent(ACTIVITY_WINDOW), skeleton["founded_on"] + _days(7))
        end = skeleton["end"]
        if skeleton.get("quiet_since"):
            end = min(end, skeleton["quiet_since"])
        elif status == OrgStatus.EXITED and skeleton["exit_reason"] == ExitReason.DORMANT:
            end = min(end, skeleton["exited_on"] - _days(365 + rng.randint(0, 200)))
        elif status != OrgStatus.EXITED and rng.random() < 0.04:
            end = min(end, self.recent(365 + rng.randint(1, 300)))  # dormancy suspects
        if end < start:
            return []
        identity = skeleton["identity"]
        places = place_words(skeleton["community"])
        org_name = identity["name"]
        venue = skeleton["fields"]["venue"] or places["label"]
        result = []
        for _i in range(count):
            held = _between(rng, start, end)
            series = _weighted(rng, words.SERIES_WEIGHTS[identity["field"]])
            title = rng.choice(words.ACTIVITY_TITLES[series]).format(
                word=identity["word"],
                place=places["label"],
                festival=rng.choice(words.FESTIVALS[held.month]),
                topic=rng.choice(words.TOPICS),
            )
            major = rng.random() < 0.08
            participants = rng.randint(80, 400) if major else rng.randint(6, 60)
            hours = Decimal(0)
            if (
                series
                in (
                    ActivitySeries.NEIGHBOURHOOD_WATCH,
                    ActivitySeries.SAFETY,
                    ActivitySeries.CO_GOVERNANCE,
                )
                or rng.random() < 0.3
            ):
                volunteers = min(participants, rng.randint(3, 25))
                hours = Decimal(volunteers * rng.choice((1, 1.5, 2, 2.5, 3, 4))).quantize(
                    Decimal("0.1")
                )
            description = (
                f"{held.year}年{held.month}月{held.day}日，{org_name}在{venue}开展“{title}”"
                f"活动，共{participants}人参加。"
            )
            if hours:
                description += f"志愿者累计服务{hours}小时。"
            result.append(
                {
                    "held_on": held,
                    "title": title[:200],
                    "series": str(series),
                    "participants": participants,
                    "volunteer_hours": hours,
                    "is_major": major,
                    "description": description,
                }
            )
        result.sort(key=lambda a: a["held_on"])
        return result

    def brand_projects(self, skeleton: dict) -> list[dict]:
        rng = self.rng
        if skeleton["status"] not in (OrgStatus.FILED, OrgStatus.REGISTERED):
            return []
        chance = 0.3 if "hub_template" in skeleton else 0.04
        if rng.random() >= chance:
            return []
        identity = skeleton["identity"]
        community = skeleton["community"]
        first_year = max(skeleton["filed_on"].year, self.today.year - 3)
        bureau = f"{community.district_name}民政局"
        return [
            {
                "name": f"“{rng.choice(words.BRAND_SLOGANS)}”"
                f"{rng.choice(words.BRAND_THEMES[identity['field']])}项目",
                "year": rng.randint(first_year, self.today.year),
                "recognised_by": bureau if rng.random() < 0.6 else "深圳市民政局",
            }
        ]

    # Putting it together

    def run(self, n: int) -> DemoDataset:
        rng = self.rng
        skeletons = []
        for community, status in zip(self.allocate(n), self.statuses(n), strict=True):
            skeleton = {"community": community, "status": status, **self.dates(status)}
            skeleton["end"] = (
                skeleton["exited_on"] - _days(1) if skeleton["exited_on"] else self.today
            )
            skeleton["exit_reason"] = (
                _weighted(rng, EXIT_REASONS) if status == OrgStatus.EXITED else ""
            )
            skeleton["is_for_profit"] = status == OrgStatus.ACTIVITY_GROUP and rng.random() < 0.01
            skeletons.append(skeleton)
        self.hubs(skeletons)
        for skeleton in skeletons:
            skeleton["identity"] = self.identity(skeleton)
        for skeleton in skeletons:
            self.scenario(skeleton)
        self.cover_every_kind_and_status(skeletons)

        plans = []
        for skeleton in skeletons:
            community = skeleton["community"]
            identity = skeleton["identity"]
            meets = any(a["kind"] != ApplicationKind.EXIT for a in skeleton["applications"])
            fields = {
                "name": identity["name"],
                "status": str(skeleton["status"]),
                "community_id": community.code,
                "org_type": identity["org_type"],
                "field": identity["field"],
                "service_targets": identity["service_targets"],
                "founded_on": skeleton["founded_on"],
                "legal_person_founders": (
                    1
                    if identity["org_type"] == OrgType.SERVICE and meets and rng.random() < 0.05
                    else 0
                ),
                "is_for_profit": skeleton["is_for_profit"],
                **self.texts(identity, community, complete=meets),
                "filed_on": skeleton["filed_on"],
                "legal_form": identity["legal_form"],
                "registered_on": skeleton["registered_on"],
                "is_hub": "hub_template" in skeleton,
                "hub_designated_on": skeleton.get("hub_designated_on"),
                "hub_designated_by_id": community.street_code
                if "hub_template" in skeleton
                else None,
                "exit_reason": str(skeleton["exit_reason"]),
                "exited_on": skeleton["exited_on"],
                "status_before_exit": (
                    str(skeleton["before"]) if skeleton["status"] == OrgStatus.EXITED else ""
                ),
            }
            skeleton["fields"] = fields
            members = self.roster(skeleton)
            for application in skeleton["applications"]:
                application["checklist"] = self.checklist(application, fields, members)
                if (
                    application["kind"] == ApplicationKind.REGISTRATION
                    and application["status"] == ApplicationStatus.APPROVED
                ):
                    fields["credit_code"] = application["credit_code"]
            skeleton["applications"].sort(key=lambda a: a["submitted_at"])
            approved = [
                a for a in skeleton["applications"] if a["status"] == ApplicationStatus.APPROVED
            ]
            plans.append(
                OrganisationPlan(
                    fields=fields,
                    members=members,
                    activities=self.activities(skeleton),
                    applications=skeleton["applications"],
                    brand_projects=self.brand_projects(skeleton),
                    history=self.history(skeleton, approved),
                )
            )
        return DemoDataset(organisations=plans, filing_sequences=self.number_filings(plans))

    def history(self, skeleton: dict, approved: list[dict]) -> list[HistoryStep]:
        """The organisation row's changes on the days they happened: created as an activity
        group by its community on the founding day; filed, registered and exited when the
        approving office decided; designated a hub by its street. Moments strictly increase."""
        community = skeleton["community"]
        steps = [
            (
                self.at_hour(skeleton["founded_on"], 10),
                (str(DivisionLevel.COMMUNITY), community.code),
                "created",
            )
        ]
        events = {
            ApplicationKind.FILING: "filed",
            ApplicationKind.REGISTRATION: "registered",
            ApplicationKind.EXIT: "exited",
        }
        steps += [(a["decided_at"], a["decided_by"], events[a["kind"]]) for a in approved]
        if skeleton.get("hub_designated_on"):
            steps.append(
                (
                    self.at_hour(skeleton["hub_designated_on"], 16),
                    (str(DivisionLevel.STREET), community.street_code),
                    "hub",
                )
            )
        order = ("created", "filed", "registered", "hub", "exited")
        steps.sort(key=lambda s: (s[0].date(), order.index(s[2]), s[0]))
        status = OrgStatus.ACTIVITY_GROUP
        result = []
        for at, actor, event in steps:
            if result and at <= result[-1].at:
                at = result[-1].at + dt.timedelta(minutes=1)
            status = {
                "filed": OrgStatus.FILED,
                "registered": OrgStatus.REGISTERED,
                "exited": OrgStatus.EXITED,
            }.get(event, status)
            result.append(HistoryStep(at=at, actor=actor, event=event, status=str(status)))
        return result

    def number_filings(self, plans: list[OrganisationPlan]) -> dict[tuple[str, int], int]:
        """Filing numbers in the order the filings were approved, per street and year,
        continuing any sequence already in the database."""
        filed = sorted(
            (plan for plan in plans if plan.fields["filed_on"]),
            key=lambda p: (p.fields["filed_on"], p.fields["community_id"], p.fields["name"]),
        )
        last = dict(self.sequence_start)
        for plan in filed:
            street = plan.fields["community_id"][:9]
            year = plan.fields["filed_on"].year
            last[(street, year)] = last.get((street, year), 0) + 1
            plan.fields["filing_number"] = f"{street}-{year}-{last[(street, year)]:04d}"
        return last


def generate_dataset(
    communities: list[Community],
    *,
    orgs: int = DEFAULT_ORGS,
    seed: int = DEFAULT_SEED,
    today: dt.date,
    conditions: dict,
    sequence_start: dict[tuple[str, int], int] | None = None,
) -> DemoDataset:
    """Plan ``orgs`` organisations over ``communities`` (pure: no database access).

    ``conditions`` maps each organisation type to its filing conditions (a
    ``FilingConditions``, saved or not); ``sequence_start`` gives the filing numbers already
    handed out per (street code, year).
    """
    generator = _Generator(
        communities,
        seed=seed,
        today=today,
        conditions=conditions,
        sequence_start=sequence_start or {},
    )
    return generator.run(orgs)
