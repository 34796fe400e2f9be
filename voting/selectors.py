"""Reads of the public vote: counts and shares per category, turnout, the integrity check, the
burst report, and the vote's counts as a result source of its selection stage.

Counts per entry are read only through :func:`results` / :func:`entry_counts`, and both answer
nothing while the vote hides its results (``VoteStage.results_visible``): every surface (pages,
API, exports, the campaign's formula) asks here, so none can leak them before closing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from core.scoring import round_half_up
from selection.choices import CampaignStatus
from selection.models import Category, Entry
from voting.models import Ballot, BallotChoice, Exclusion, Voter, VoteStage

HUNDRED = Decimal(100)


def public_votes():
    """The votes the public may see and cast: every vote but a draft campaign's."""
    return VoteStage.objects.exclude(stage__campaign__status=CampaignStatus.DRAFT)


def share(votes: int, total: int) -> Decimal:
    """``votes`` as a percentage of ``total``, half-up to two places (15585 of 66546: 23.42)."""
    if not total:
        return Decimal("0.00")
    return round_half_up(Decimal(votes) * HUNDRED / Decimal(total))


def exclusions_in_force(vote: VoteStage, as_of: datetime.datetime | None = None) -> list[Exclusion]:
    """The exclusions in force now, or as they were at ``as_of`` (from their history)."""
    if as_of is None:
        return list(Exclusion.objects.filter(vote=vote, withdrawn=False).order_by("pk"))
    rows = Exclusion.history.as_of(as_of).filter(vote_id=vote.pk, withdrawn=False)
    return sorted(rows, key=lambda row: row.pk)


def _excluded_q(exclusions) -> Q | None:
    q = None
    for exclusion in exclusions:
        one = exclusion.ballots_q()
        q = one if q is None else q | one
    return q


def entry_counts(
    vote: VoteStage, *, as_of: datetime.datetime | None = None
) -> dict[int, tuple[int, int]] | None:
    """``{entry id: (votes, votes without the excluded windows)}``; None while hidden. Two
    grouped queries (the second only when something is excluded)."""
    moment = as_of or timezone.now()
    if not vote.results_visible(moment):
        return None
    choices = BallotChoice.objects.filter(vote=vote).order_by()
    if as_of is not None and as_of < vote.closes_at:
        # ballots keep their hour only: as of a moment during the vote, the whole hours before it
        choices = choices.filter(ballot__hour__lte=as_of - datetime.timedelta(hours=1))
    totals = dict(choices.values("entry_id").annotate(n=Count("pk")).values_list("entry_id", "n"))
    excluded_q = _excluded_q(exclusions_in_force(vote, as_of))
    excluded = {}
    if excluded_q is not None:
        excluded_ballots = Ballot.objects.filter(vote=vote).filter(excluded_q).values("pk")
        excluded = dict(
            choices.filter(ballot__in=excluded_ballots)
            .values("entry_id")
            .annotate(n=Count("pk"))
            .values_list("entry_id", "n")
        )
    return {pk: (n, n - excluded.get(pk, 0)) for pk, n in totals.items()}


def stage_vote_counts(stage, entry_ids, *, as_of=None) -> dict[int, Decimal]:
    """The result source of a public-vote stage (``selection.stages``): each entry's votes
    without the excluded windows, or nothing while the vote hides its results."""
    vote = VoteStage.objects.filter(stage_id=getattr(stage, "pk", stage)).first()
    if vote is None:
        return {}
    counts = entry_counts(vote, as_of=as_of) or {}
    wanted = set(entry_ids)
    return {pk: Decimal(kept) for pk, (_votes, kept) in counts.items() if pk in wanted}


@dataclass
class EntryCount:
    entry_id: int
    title: str
    votes: int
    share: Decimal
    counted: int
    counted_share: Decimal
    rank: int = 0


@dataclass
class CategoryResult:
    category_id: int
    name: str
    min_choices: int
    max_choices: int | None
    votes: int = 0
    counted: int = 0
    entries: list[EntryCount] = field(default_factory=list)


@dataclass
class VoteResults:
    vote: VoteStage
    visible: bool
    voters: int
    ballots: int
    excluded_ballots: int
    categories: list[CategoryResult]


def ballot_entries(vote: VoteStage) -> list[CategoryResult]:
    """The ballot's categories in order, each with its rule and its entries (title first)."""
    from voting.services import vote_entries

    on_ballot = vote_entries(vote)
    rules = {rule.category_id: rule for rule in vote.rules.all()}
    titles = dict(Entry.objects.filter(pk__in=on_ballot).values_list("pk", "title"))
    categories = []
    for category in Category.objects.filter(campaign_id=vote.stage.campaign_id).order_by(
        "position", "pk"
    ):
        rule = rules.get(category.pk)
        if rule is None:
            continue
        row = CategoryResult(category.pk, category.name, rule.min_choices, rule.max_choices)
        row.entries = [
            EntryCount(pk, titles[pk], 0, Decimal("0.00"), 0, Decimal("0.00"))
            for pk in sorted(on_ballot)
            if on_ballot[pk] == category.pk
        ]
        categories.append(row)
    return categories


def results(vote: VoteStage, *, now=None) -> VoteResults:
    """Per category, each entry's votes and share of the category's votes, with and without the
    excluded windows, ranked by the counted votes; the voters and ballots. While the vote hides
    its results the entries carry no counts (``visible`` False)."""
    now = now or timezone.now()
    categories = ballot_entries(vote)
    counts = entry_counts(vote) if vote.results_visible(now) else None
    check = integrity_check(vote)
    excluded_q = _excluded_q(exclusions_in_force(vote))
    excluded_ballots = (
        Ballot.objects.filter(vote=vote).filter(excluded_q).count() if excluded_q is not None else 0
    )
    if counts is not None:
        for category in categories:
            for row in category.entries:
                row.votes, row.counted = counts.get(row.entry_id, (0, 0))
            category.votes = sum(row.votes for row in category.entries)
            category.counted = sum(row.counted for row in category.entries)
            for row in category.entries:
                row.share = share(row.votes, category.votes)
                row.counted_share = share(row.counted, category.counted)
            category.entries.sort(key=lambda row: (-row.counted, -row.votes, row.entry_id))
            rank, previous = 0, None
            for position, row in enumerate(category.entries, start=1):
                if row.counted != previous:
                    rank, previous = position, row.counted
                row.rank = rank
    return VoteResults(
        vote=vote,
        visible=counts is not None,
        voters=check["voters"],
        ballots=check["ballots"],
        excluded_ballots=excluded_ballots,
        categories=categories,
    )


def integrity_check(vote: VoteStage) -> dict:
    """The organiser's check: the ballots stored equal the voters marked voted."""
    voters = Voter.objects.filter(vote=vote, voted=True).count()
    ballots = Ballot.objects.filter(vote=vote).count()
    return {"voters": voters, "ballots": ballots, "consistent": voters == ballots}


def turnout(vote: VoteStage) -> list[tuple[datetime.datetime, int, int]]:
    """``[(hour, ballots in it, ballots by its end)]`` for every hour that has a ballot."""
    rows = (
        Ballot.objects.filter(vote=vote)
        .order_by()
        .values("hour")
        .annotate(n=Count("pk"))
        .order_by("hour")
        .values_list("hour", "n")
    )
    found, running = [], 0
    for hour, count in rows:
        running += count
        found.append((hour, count, running))
    return found


def burst_report(
    vote: VoteStage, *, per_address: int | None = None, per_minute: int | None = None
) -> dict:
    """Fraud signals from the voters' verification metadata (never from the ballots): addresses
    that verified at least ``per_address`` identities, minutes in which at least ``per_minute``
    did. An address is shown by its key, the key its ballots carry, so the organiser can exclude
    it without any ballot naming a voter."""
    from django.conf import settings

    per_address = per_address or getattr(settings, "VOTING_BURST_PER_ADDRESS", 20)
    per_minute = per_minute or getattr(settings, "VOTING_BURST_PER_MINUTE", 60)
    voters = Voter.objects.filter(vote=vote).order_by()
    addresses = [
        {
            "address_key": row["address_hash"][:16],
            "identities": row["n"],
            "voted": row["voted"],
            "first_minute": row["first"],
            "last_minute": row["last"],
        }
        for row in voters.exclude(address_hash="")
        .values("address_hash")
        .annotate(
            n=Count("pk"),
            voted=Count("pk", filter=Q(voted=True)),
            first=Min("minute"),
            last=Max("minute"),
        )
        .filter(n__gte=per_address)
        .order_by("-n", "address_hash")[:200]
    ]
    minutes = [
        {"minute": row["minute"], "identities": row["n"], "addresses": row["addresses"]}
        for row in voters.values("minute")
        .annotate(n=Count("pk"), addresses=Count("address_hash", distinct=True))
        .filter(n__gte=per_minute)
        .order_by("-n", "minute")[:200]
    ]
    return {
        "per_address": per_address,
        "per_minute": per_minute,
        "addresses": addresses,
        "minutes": minutes,
    }
