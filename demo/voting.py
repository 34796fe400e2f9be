"""Demo data for the public vote (issue 18), on top of the seeded registry, shaped like Zhuhai
2020's vote: a city call of social governance projects in 4 categories (10, 10, 10, 4 entries
where the registry has them), multi-select with at least one choice per category.

- last season's call: its vote **closed**, a few hundred voters verified by SMS one-time codes
  (the console backend; the numbers are made up and only their keyed hashes are kept) and by
  voting codes issued for offline voting, their ballots cast through the services over the
  vote's week, a burst of codes from one address flagged and excluded with a reason, the vote
  stage closed: its results (votes and shares per category) are public;
- this season's call: its vote **open now** (results hidden until it closes), a few ballots
  already in; a visitor can verify a phone number at ``/voting/<id>/``, the one-time code being
  in the server's log (``VOTING_SMS_BACKEND`` is the console backend in development).

Everything goes through ``selection.services`` and ``voting.services`` as the city's demo
officer. Idempotent: nothing is added once the city has a call of this demo.
"""

from __future__ import annotations

import datetime
import random
import re

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from registry.choices import OrgStatus, Role
from registry.models import Division, Organisation, User
from selection import services as selection_services
from selection.choices import StageKind
from selection.models import Campaign
from voting import hashing, selectors, services
from voting.choices import ResultsVisibility, VoterRule
from voting.verification import OUTBOX

CITY = "4403"
CITY_LOGIN = "city"
TITLE_MARK = "市域社会治理创新项目"
#: Zhuhai 2020's categories and their sizes (the fourth, cross-border, in Shenzhen's terms)
CATEGORIES = [
    ("政府治理类", 10, "政府部门和街道社区创新公共服务和社会治理方式的项目。"),
    ("基层治理类", 10, "社区协商议事、居民自治和网格化服务的项目。"),
    ("社会协同治理类", 10, "社会组织、企业和志愿者协同参与社会治理的项目。"),
    ("深港合作治理类", 4, "深港两地在社区服务、青年发展等方面合作治理的项目。"),
]
REASON = "演示数据"
CLOSED_VOTERS = 320  # phone voters and code voters together
CLOSED_CODES = 110  # of them by voting code; the last BURST from one address
BURST = 30
BURST_ADDRESS = "183.14.28.66"
OPEN_VOTERS = 24
TEXT = (
    "一、项目背景：{name}立足社区实际，回应居民在公共服务和社区治理方面的需求。"
    "二、主要做法：建立居民议事会、志愿服务队和项目评估机制，联动街道、社区和辖区单位共同参与。"
    "三、取得成效：项目开展以来服务居民{people}人次，形成了可复制可推广的治理经验。"
)


def _officer() -> User | None:
    return User.objects.filter(username=CITY_LOGIN).first()


def _call(officer, city, title: str, year: int, start: datetime.date) -> Campaign:
    campaign = selection_services.campaign_create(
        organiser=city,
        title=title,
        year=year,
        description="面向全市征集市域社会治理创新项目，入围项目接受公众网络投票，投票结果作为评选指标之一。",
        min_pictures=0,
        categories=[
            {"name": name, "description": text, "shortlist_quota": count, "top_quota": 1}
            for name, count, text in CATEGORIES
        ],
        stages=[
            {
                "kind": StageKind.COLLECTION,
                "starts_on": start,
                "ends_on": start + datetime.timedelta(30),
            },
            {
                "kind": StageKind.PUBLIC_VOTE,
                "starts_on": start + datetime.timedelta(30),
                "ends_on": start + datetime.timedelta(40),
            },
        ],
        acting_user=officer,
        reason=REASON,
    )
    return selection_services.campaign_open(campaign=campaign, acting_user=officer, reason=REASON)


def _district_officers() -> list[User]:
    """The demo's district officers: they submit for the organisations of their district (the
    city's officers run the call but do not submit for an organisation)."""
    return list(
        User.objects.filter(role=Role.DISTRICT_OFFICER, is_active=True, division__isnull=False)
        .select_related("division")
        .order_by("username")
    )


def _submitter(organisation, officers) -> User | None:
    path = organisation.community.path
    return next((o for o in officers if path.startswith(o.division.path)), None)


def _entries(campaign, organisations, rng, day) -> int:
    """Zhuhai's shape where the registry allows: up to 10, 10, 10 and 4 entries, at least one in
    every category (an organisation that may not enter is passed over), each submitted by its
    district's officer."""
    officers = _district_officers()
    wanted = [
        (category, count)
        for category, (_n, count, _t) in zip(
            campaign.categories.order_by("position", "pk"), CATEGORIES, strict=True
        )
    ]
    # one round per place, so a small registry still gives every category an entry
    order = [category for place in range(10) for category, count in wanted if place < count]
    made, pool = 0, iter(organisations)
    for category in order:
        for organisation in pool:
            officer = _submitter(organisation, officers)
            if officer is None:
                continue
            try:
                entry = selection_services.entry_create(
                    campaign=campaign,
                    category=category,
                    organisation=organisation,
                    title=f"{organisation.name}：{category.name[:-1]}创新项目",
                    text=TEXT.format(name=organisation.name, people=rng.randint(500, 20000)),
                    contact_name="项目联系人",
                    phone=f"1380755{rng.randint(1000, 9999)}",
                    acting_user=officer,
                    today=day,
                )
                selection_services.entry_submit(entry=entry, acting_user=officer, today=day)
            except ValidationError:
                continue
            made += 1
            break
    return made


def _to_vote(campaign, officer):
    collection, stage = campaign.stages.order_by("position")
    selection_services.stage_close(stage=collection, acting_user=officer, reason=REASON)
    selection_services.stage_open(stage=stage, acting_user=officer, reason=REASON)
    return stage


def _ballot(categories, popularity, rng) -> dict:
    """1-3 entries of every category, the popular ones more often (so the shares differ)."""
    choices = {}
    for category_id, entries in categories:
        count = min(len(entries), rng.choice((1, 1, 2, 2, 3)))
        keyed = sorted(entries, key=lambda e: rng.random() ** (1 / popularity[e]), reverse=True)
        choices[str(category_id)] = keyed[:count]
    return choices


def _phone_voter(vote, number: int, address: str, moment) -> str:
    phone = f"1700755{number:04d}"
    services.phone_challenge_send(vote=vote, phone=phone, address=address, now=moment)
    text = next(text for to, text in reversed(OUTBOX) if to == phone)
    otp = re.search(r"(?<!\d)\d{6}(?!\d)", text).group()
    return services.phone_verify(
        vote=vote,
        phone=phone,
        otp=otp,
        address=address,
        now=moment + datetime.timedelta(seconds=40),
    )


def _cast(vote, voters, codes, opens_at, span, rng, *, first_phone: int) -> None:
    """``voters`` ballots at moments spread over ``span`` from ``opens_at``: the first by phone,
    the rest by the ``codes`` (the last ``BURST`` of those, if so many, from one address)."""
    categories = [
        (c.category_id, [e.entry_id for e in c.entries]) for c in selectors.ballot_entries(vote)
    ]
    popularity = {e: rng.uniform(0.3, 3.0) for _c, entries in categories for e in entries}
    phones = voters - len(codes)
    burst_from = len(codes) - BURST if len(codes) > BURST else len(codes)
    burst_at = opens_at + span * 0.6
    for index in range(voters):
        moment = opens_at + span * (index / voters) + datetime.timedelta(seconds=rng.randint(0, 60))
        address = f"172.16.{index // 200}.{index % 200 + 1}"
        if index < phones:
            token = _phone_voter(vote, first_phone + index, address, moment)
        else:
            number = index - phones
            if number >= burst_from:
                moment = burst_at + datetime.timedelta(seconds=20 * (number - burst_from))
                address = BURST_ADDRESS
            token = services.code_verify(vote=vote, code=codes[number], address=address, now=moment)
        services.ballot_cast(
            vote=vote,
            token=token,
            choices=_ballot(categories, popularity, rng),
            now=moment + datetime.timedelta(seconds=90),
        )


def _vote(stage, officer, title, *, opens_at, closes_at, codes: int):
    """Set up the vote (opening in the future, so that codes may be issued), issue the codes,
    then move it to its real times, which the services allow before a vote opens."""
    now = timezone.now()
    vote = services.vote_create(
        stage=stage,
        title=title,
        opens_at=now + datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(hours=2),
        results_visibility=ResultsVisibility.AFTER_CLOSING,
        voter_rule=VoterRule.EITHER,
        acting_user=officer,
    )
    issued = []
    if codes:
        _batch, issued = services.codes_issue(
            vote=vote, count=codes, acting_user=officer, label="线下投票点"
        )
    vote = services.vote_update(
        vote=vote, acting_user=officer, reason=REASON, opens_at=opens_at, closes_at=closes_at
    )
    return vote, issued


def seed_voting(today: datetime.date | None = None, seed: int = 2020) -> str:
    """Create the public vote's demo data (see the module docstring); returns a one-line
    summary."""
    today = today or timezone.localdate()
    city = Division.objects.filter(code=CITY).first()
    officer = _officer()
    if city is None or officer is None:
        return "voting demo: skipped (no 深圳市 or no city demo login)"
    if Campaign.objects.filter(organiser=city, title__contains=TITLE_MARK).exists():
        return "voting demo: already there"
    officers = _district_officers()
    organisations = [
        organisation
        for organisation in Organisation.objects.filter(status__in=OrgStatus.LIVE)
        .select_related("community")
        .order_by("pk")
        if _submitter(organisation, officers) is not None
    ][:200]
    if len(organisations) < 2 * len(CATEGORIES):
        return "voting demo: skipped (too few organisations)"
    rng = random.Random(seed)
    half = len(organisations) // 2
    now = timezone.now()
    # never text the made-up numbers, whatever gateway the deployment has
    with override_settings(VOTING_SMS_BACKEND="voting.verification.ConsoleSmsBackend"):
        # last season: the vote closed a month ago
        start = today - datetime.timedelta(days=80)
        closed_campaign = _call(
            officer, city, f"{start.year}年深圳市{TITLE_MARK}评选", start.year, start
        )
        _entries(closed_campaign, organisations[:half], rng, start)
        stage = _to_vote(closed_campaign, officer)
        selection_services.formula_publish(
            campaign=closed_campaign,
            weights={stage.pk: 100},
            acting_user=officer,
            note="网络投票结果按类别内得票占比计入",
        )
        opens_at = (now - datetime.timedelta(days=37)).replace(minute=0, second=0, microsecond=0)
        span = datetime.timedelta(days=7)
        closed, codes = _vote(
            stage,
            officer,
            f"{start.year}年{TITLE_MARK}网络投票",
            opens_at=opens_at,
            closes_at=opens_at + span,
            codes=CLOSED_CODES,
        )
        _cast(
            closed,
            CLOSED_VOTERS,
            codes,
            opens_at,
            span - datetime.timedelta(hours=1),
            rng,
            first_phone=0,
        )
        key = hashing.keyed_hash(closed.pk, "address", BURST_ADDRESS)[:16]
        services.exclusion_create(
            vote=closed,
            acting_user=officer,
            reason="同一网络地址短时间内验证大量投票码，经核查为集中代投，予以排除",
            address_key=key,
        )
        selection_services.stage_close(stage=stage, acting_user=officer, reason=REASON)

        # this season: the vote is open now
        start = today - datetime.timedelta(days=35)
        open_campaign = _call(
            officer, city, f"{today.year}年深圳市{TITLE_MARK}评选（投票中）", today.year, start
        )
        _entries(open_campaign, organisations[half:], rng, start)
        stage = _to_vote(open_campaign, officer)
        opens_at = (now - datetime.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        current, _codes = _vote(
            stage,
            officer,
            f"{today.year}年{TITLE_MARK}网络投票",
            opens_at=opens_at,
            closes_at=opens_at + datetime.timedelta(days=7),
            codes=0,
        )
        _cast(
            current,
            OPEN_VOTERS,
            [],
            opens_at,
            now - opens_at - datetime.timedelta(hours=1),
            rng,
            first_phone=CLOSED_VOTERS,
        )
    found = selectors.results(closed)
    check = selectors.integrity_check(closed)
    return (
        f"voting demo: {closed.title} (closed; {check['voters']} voters, {check['ballots']} "
        f"ballots, {found.excluded_ballots} excluded; results public at "
        f"/voting/{closed.pk}/results/); "
        f"{current.title} (open until {timezone.localtime(current.closes_at):%Y-%m-%d %H:%M}, "
        f"{selectors.integrity_check(current)['ballots']} ballots so far; vote at "
        f"/voting/{current.pk}/, the SMS code is in the server log)"
    )
