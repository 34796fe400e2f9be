"""Every write of the public vote: its settings, codes, verification, casting, exclusions.

Casting is one transaction: the voter's row is locked, checked not to have voted, marked voted,
and the ballot inserted with its choices; a second ballot by the same identity finds ``voted``
set (or loses the race on the lock) and is refused. Nothing is counted unless everything is.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import required_reason, stamp
from registry.models import User
from selection.choices import EntryStatus, StageKind
from selection.models import Entry, Stage
from voting import hashing, selectors
from voting.choices import ResultsVisibility, VerificationMethod, VoterRule
from voting.models import (
    Ballot,
    BallotChoice,
    CategoryRule,
    CodeBatch,
    Exclusion,
    PhoneChallenge,
    Voter,
    VoteStage,
    VotingCode,
)
from voting.verification import sms_backend

OTP_TTL = datetime.timedelta(minutes=5)
OTP_ATTEMPTS = 5
TOKEN_TTL = datetime.timedelta(minutes=20)
MOST_CODES = 100_000
PHONE_DIGITS = 11


class RateLimited(Exception):
    """Too many requests from one address or for one identity (HTTP 429)."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def _setting(name: str, default):
    return getattr(settings, name, default)


def _minute(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


def _hour(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _refuse(message, field: str = "__all__"):
    raise ValidationError({field: [message]})


# --- settings of a vote -------------------------------------------------------------------------


def _check_rules(vote_or_stage_campaign, rules) -> list[dict]:
    categories = {c.pk: c for c in vote_or_stage_campaign.categories.all()}
    clean, problems = [], []
    seen = set()
    for rule in rules:
        category = rule["category"]
        category_id = getattr(category, "pk", category)
        if category_id not in categories:
            problems.append(
                _("Category %(id)s is not one of the campaign's.") % {"id": category_id}
            )
            continue
        if category_id in seen:
            problems.append(
                _("Category %(name)s has two rules.") % {"name": categories[category_id].name}
            )
            continue
        seen.add(category_id)
        low = int(rule.get("min_choices", 1))
        high = rule.get("max_choices")
        high = None if high in (None, "") else int(high)
        if low < 0 or (high is not None and (high < 1 or high < low)):
            problems.append(
                _("Category %(name)s: the most choices must be at least the fewest.")
                % {"name": categories[category_id].name}
            )
            continue
        clean.append({"category": categories[category_id], "min_choices": low, "max_choices": high})
    for category_id, category in categories.items():
        if category_id not in seen:
            clean.append({"category": category, "min_choices": 1, "max_choices": None})
    if problems:
        raise ValidationError({"rules": problems})
    return clean


@transaction.atomic
def vote_create(
    *,
    stage: Stage,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    acting_user: User,
    results_visibility: str = ResultsVisibility.AFTER_CLOSING,
    voter_rule: str = VoterRule.PHONE,
    rules: Iterable[Mapping] = (),
) -> VoteStage:
    """Set up the public vote of ``stage`` (a public-vote stage of a campaign). A category
    without a rule gets Zhuhai's: at least one choice, up to all of them."""
    stage = Stage.objects.select_for_update().get(pk=getattr(stage, "pk", stage))
    if stage.kind != StageKind.PUBLIC_VOTE:
        _refuse(_("Only a public-vote stage can hold a vote."), "stage")
    if VoteStage.objects.filter(stage=stage).exists():
        _refuse(_("This stage already has its vote."), "stage")
    if closes_at <= opens_at:
        _refuse(_("The vote must close after it opens."), "closes_at")
    clean = _check_rules(stage.campaign, rules)
    vote = VoteStage(
        stage=stage,
        title=title or stage.campaign.title,
        opens_at=opens_at,
        closes_at=closes_at,
        results_visibility=results_visibility,
        voter_rule=voter_rule,
        created_by=acting_user,
    )
    stamp(vote, acting_user=acting_user, reason=_("Vote set up"))
    vote.save()
    for rule in clean:
        row = CategoryRule(vote=vote, **rule)
        stamp(row, acting_user=acting_user, reason=_("Vote set up"))
        row.save()
    return vote


@transaction.atomic
def vote_update(
    *, vote: VoteStage, acting_user: User, reason: str = "", now=None, **changes
) -> VoteStage:
    """Change a vote's settings before it opens; once open, only a later closing time."""
    now = now or timezone.now()
    vote = VoteStage.objects.select_for_update().get(pk=vote.pk)
    rules = changes.pop("rules", None)
    if vote.opens_at <= now:
        if rules is not None or set(changes) - {"closes_at"}:
            _refuse(_("The vote has opened: only its closing time may be moved, and only later."))
        if "closes_at" in changes and (
            changes["closes_at"] < vote.closes_at or vote.is_closed(now)
        ):
            _refuse(_("A vote that has opened may only close later, and not once closed."))
    for name, value in changes.items():
        setattr(vote, name, value)
    if vote.closes_at <= vote.opens_at:
        _refuse(_("The vote must close after it opens."), "closes_at")
    stamp(vote, acting_user=acting_user, reason=reason or _("Vote changed"))
    vote.save()
    if rules is not None:
        clean = {rule["category"].pk: rule for rule in _check_rules(vote.stage.campaign, rules)}
        for row in CategoryRule.objects.filter(vote=vote):
            wanted = clean.pop(row.category_id)
            row.min_choices, row.max_choices = wanted["min_choices"], wanted["max_choices"]
            stamp(row, acting_user=acting_user, reason=reason or _("Vote changed"))
            row.save()
        for rule in clean.values():
            row = CategoryRule(vote=vote, **rule)
            stamp(row, acting_user=acting_user, reason=reason or _("Vote changed"))
            row.save()
    return vote


# --- voting codes -------------------------------------------------------------------------------


@transaction.atomic
def codes_issue(
    *, vote: VoteStage, count: int, acting_user: User, label: str = ""
) -> tuple[CodeBatch, list[str]]:
    """Issue ``count`` single-use voting codes. They are returned once (to go into the batch's
    .xlsx) and stored only hashed."""
    if not VoterRule.allows(vote.voter_rule, VerificationMethod.CODE):
        _refuse(_("This vote does not take voting codes."))
    if vote.is_closed():
        _refuse(_("The vote has closed."))
    if not 1 <= count <= MOST_CODES:
        _refuse(_("Issue between 1 and %(most)s codes at once.") % {"most": MOST_CODES}, "count")
    batch = CodeBatch(vote=vote, label=label, size=count, created_by=acting_user)
    stamp(batch, acting_user=acting_user, reason=_("Voting codes issued"))
    batch.save()
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(hashing.new_voting_code())
    ordered = sorted(codes)
    VotingCode.objects.bulk_create(
        [
            VotingCode(batch=batch, vote=vote, code_hash=hashing.keyed_hash(vote.pk, "code", code))
            for code in ordered
        ],
        batch_size=5000,
    )
    return batch, ordered


# --- verification -------------------------------------------------------------------------------


def _limit(key: str, most: int, window: int, message) -> None:
    """Count one request under ``key``; past ``most`` in ``window`` seconds: refused."""
    added = cache.add(key, 1, window)
    count = 1 if added else cache.incr(key, 1)
    if count > most:
        raise RateLimited(message)


def _limit_address(vote: VoteStage, address_hash: str) -> None:
    most, window = _setting("VOTING_ADDRESS_LIMIT", (60, 600))
    _limit(
        f"voting:{vote.pk}:address:{address_hash[:32]}",
        most,
        window,
        _("Too many requests from your network; wait a few minutes and try again."),
    )


def _limit_identity(vote: VoteStage, identity_hash: str) -> None:
    most, window = _setting("VOTING_IDENTITY_LIMIT", (5, 600))
    _limit(
        f"voting:{vote.pk}:identity:{identity_hash[:32]}",
        most,
        window,
        _("Too many codes asked for this number; wait a few minutes and try again."),
    )


def _check_open(vote: VoteStage, now) -> None:
    if now < vote.opens_at:
        _refuse(_("The vote has not opened yet."))
    if vote.is_closed(now):
        _refuse(_("The vote has closed; nothing more is counted."))


def _check_open_now(vote: VoteStage, now) -> None:
    """``_check_open`` against the vote as stored now, not the copy a request began with (the
    cached ``public_vote``): after a statement that checks the window itself changed nothing,
    so that a vote closed in another process is refused as closed, not as a bad code."""
    window = VoteStage.objects.filter(pk=vote.pk).values_list("opens_at", "closes_at").first()
    if window == (vote.opens_at, vote.closes_at):
        _check_open(vote, now)  # the copy is right (a moment may have closed it since)
        return
    forget_cached_votes([vote])
    if window is None:
        _refuse(_("The vote has closed; nothing more is counted."))
    _check_open(VoteStage(opens_at=window[0], closes_at=window[1]), now)


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    if digits.startswith("86") and len(digits) == PHONE_DIGITS + 2:
        digits = digits[2:]
    if len(digits) != PHONE_DIGITS or not digits.startswith("1") or digits[1] not in "3456789":
        _refuse(_("Enter an 11-digit mainland mobile number."), "phone")
    return digits


def phone_challenge_send(*, vote: VoteStage, phone: str, address: str, now=None) -> None:
    """Send a one-time code to ``phone`` (through the configured SMS backend)."""
    now = now or timezone.now()
    _check_open(vote, now)
    if not VoterRule.allows(vote.voter_rule, VerificationMethod.PHONE):
        _refuse(_("This vote takes voting codes, not mobile numbers."))
    address_hash = hashing.keyed_hash(vote.pk, "address", address)
    _limit_address(vote, address_hash)
    phone = normalise_phone(phone)
    identity = hashing.keyed_hash(vote.pk, "phone", phone)
    _limit_identity(vote, identity)
    if Voter.objects.filter(vote=vote, identity_hash=identity, voted=True).exists():
        _refuse(_("This mobile number has already voted."), "phone")
    otp = hashing.new_otp()
    with transaction.atomic():
        PhoneChallenge.objects.filter(vote=vote, identity_hash=identity, used=False).update(
            used=True
        )
        PhoneChallenge.objects.create(
            vote=vote,
            identity_hash=identity,
            code_hash=hashing.keyed_hash(vote.pk, "otp", f"{identity}:{otp}"),
            expires_at=now + OTP_TTL,
        )
    minutes = int(OTP_TTL.total_seconds() // 60)
    sms_backend().send(
        phone,
        _("Your voting code for %(title)s is %(otp)s (valid %(minutes)s minutes).")
        % {"title": vote.title, "otp": otp, "minutes": minutes},
    )


def _register(vote, identity, method, address_hash, now, *, code: str = "") -> str | None:
    """The voter row of a verified identity (created the first time), with a new session
    token; returns the token, or None if the identity has voted (or ``code`` is given and is
    not an unused voting code of the vote). One statement: an insert that the unique constraint
    on ``(vote, identity_hash)`` turns into an update of the row verified before, and into
    nothing once that row has voted. It is the whole of a verification's write, so it needs no
    transaction of its own (bench/vote_load.py)."""
    token = hashing.new_token()
    ops = connection.ops
    table = _table(Voter)
    params = [
        vote.pk,
        identity,
        method,
        False,
        address_hash,
        ops.adapt_datetimefield_value(_minute(now)),
        hashing.keyed_hash(vote.pk, "token", token),
        ops.adapt_datetimefield_value(now + TOKEN_TTL),
    ]
    # the vote is open (checked by the statement: the request's copy of the vote may be a few
    # seconds old, ``public_vote``); and, for a voting code, the code is an unused one
    condition = _open_sql()
    params += _open_params(vote, now)
    if code:
        condition += (
            f" AND EXISTS (SELECT 1 FROM {_table(VotingCode)}"
            " WHERE vote_id = %s AND code_hash = %s AND NOT used)"
        )
        params += [vote.pk, code]
    registered = _rows(
        f"INSERT INTO {table} (vote_id, identity_hash, method, voted, address_hash, minute,"
        " token_hash, token_expires_at) SELECT %s, %s, %s, %s, %s, %s, %s, %s"
        f" WHERE {condition}"
        " ON CONFLICT (vote_id, identity_hash) DO UPDATE SET"
        " address_hash = excluded.address_hash, minute = excluded.minute,"
        " token_hash = excluded.token_hash, token_expires_at = excluded.token_expires_at"
        f" WHERE NOT {table}.voted RETURNING id",
        params,
    )
    return token if registered else None


def phone_verify(*, vote: VoteStage, phone: str, otp: str, address: str, now=None) -> str:
    """Check the one-time code sent to ``phone``; the answer is a session token to vote with."""
    now = now or timezone.now()
    _check_open(vote, now)
    address_hash = hashing.keyed_hash(vote.pk, "address", address)
    _limit_address(vote, address_hash)
    phone = normalise_phone(phone)
    identity = hashing.keyed_hash(vote.pk, "phone", phone)
    otp = "".join(ch for ch in str(otp) if ch.isdigit())[:6]
    with transaction.atomic():
        challenge = (
            PhoneChallenge.objects.select_for_update()
            .filter(vote=vote, identity_hash=identity, used=False)
            .order_by("-pk")
            .first()
        )
        if challenge is None:
            _refuse(_("Ask for a code first."), "otp")
        if challenge.expires_at <= now:
            _refuse(_("The code has expired; ask for a new one."), "otp")
        if challenge.attempts >= OTP_ATTEMPTS:
            _refuse(_("Too many wrong codes; ask for a new one."), "otp")
        if challenge.code_hash != hashing.keyed_hash(vote.pk, "otp", f"{identity}:{otp}"):
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            wrong = True
        else:
            challenge.used = True
            challenge.save(update_fields=["used"])
            wrong = False
    if wrong:
        _refuse(_("The code is not right."), "otp")
    token = _register(vote, identity, VerificationMethod.PHONE, address_hash, now)
    if token is None:
        _check_open_now(vote, now)
        _refuse(_("This identity has already voted; one ballot each."))
    return token


def code_verify(*, vote: VoteStage, code: str, address: str, now=None) -> str:
    """Check a voting code; the answer is a session token to vote with."""
    now = now or timezone.now()
    _check_open(vote, now)
    if not VoterRule.allows(vote.voter_rule, VerificationMethod.CODE):
        _refuse(_("This vote takes mobile numbers, not voting codes."))
    address_hash = hashing.keyed_hash(vote.pk, "address", address)
    _limit_address(vote, address_hash)
    code = hashing.normalise_code(code)
    code_hash = hashing.keyed_hash(vote.pk, "code", code)
    # the code's identity is the code: the voter row and the code row share the hash
    token = _register(vote, code_hash, VerificationMethod.CODE, address_hash, now, code=code_hash)
    if token is None:
        _check_open_now(vote, now)
        # why not: the unique (vote, code_hash) index answers it
        used = _rows(
            f"SELECT used FROM {_table(VotingCode)} WHERE vote_id = %s AND code_hash = %s",
            [vote.pk, code_hash],
        )
        if not used:
            _refuse(_("This voting code is not valid."), "code")
        if used[0][0]:
            _refuse(_("This voting code has already been used."), "code")
        _refuse(_("This identity has already voted; one ballot each."))
    return token


# --- casting ------------------------------------------------------------------------------------


def vote_rules(vote: VoteStage) -> dict[int, CategoryRule]:
    """``{category id: rule}`` of the vote, each with its category (one query)."""
    return {rule.category_id: rule for rule in vote.rules.select_related("category")}


def ballot_errors(
    vote: VoteStage,
    choices: Mapping,
    entries: dict[int, int],
    rules: dict[int, CategoryRule] | None = None,
) -> dict:
    """Problems of a ballot, per category id (``"__all__"`` for those of no category)."""
    rules = vote_rules(vote) if rules is None else rules
    problems: dict[str, list] = {}
    chosen_ids = set()
    for raw_category, raw_entries in choices.items():
        try:
            category_id = int(raw_category)
        except (TypeError, ValueError):
            category_id = None
        if category_id not in rules:
            problems.setdefault("__all__", []).append(
                _("%(category)s is not a category of this vote.")
                % {"category": str(raw_category)[:20]}
            )
            continue
        if not isinstance(raw_entries, list | tuple):
            raw_entries = [raw_entries]
        for raw in raw_entries:
            try:
                entry_id = int(raw)
            except (TypeError, ValueError):
                entry_id = None
            if entries.get(entry_id) != category_id:
                problems.setdefault(str(category_id), []).append(
                    _("%(entry)s is not an entry of %(category)s in this vote.")
                    % {"entry": str(raw)[:20], "category": rules[category_id].category.name}
                )
            elif entry_id in chosen_ids:
                problems.setdefault(str(category_id), []).append(
                    _("An entry is chosen twice in %(category)s.")
                    % {"category": rules[category_id].category.name}
                )
            chosen_ids.add(entry_id)
    for category_id, rule in rules.items():
        count = len([e for e in chosen_ids if entries.get(e) == category_id])
        name = rule.category.name
        if count < rule.min_choices:
            problems.setdefault(str(category_id), []).append(
                _("Choose at least %(fewest)s in %(category)s (you chose %(count)s).")
                % {"fewest": rule.min_choices, "category": name, "count": count}
                if count
                else _("Choose at least %(fewest)s in %(category)s: none is chosen yet.")
                % {"fewest": rule.min_choices, "category": name}
            )
        if rule.max_choices is not None and count > rule.max_choices:
            problems.setdefault(str(category_id), []).append(
                _("Choose at most %(most)s in %(category)s (you chose %(count)s).")
                % {"most": rule.max_choices, "category": name, "count": count}
            )
    return problems


def vote_entries(vote: VoteStage) -> dict[int, int]:
    """``{entry id: category id}`` of the entries on the ballot: the stage's participants
    (``selection.selectors.participants``: submitted, and shortlisted if a shortlist stage comes
    before the vote's), in one query, read for every ballot."""
    stage = vote.stage
    shortlist_before = Stage.objects.filter(
        campaign_id=OuterRef("campaign_id"), shortlist=True, position__lt=stage.position
    )
    return dict(
        Entry.objects.filter(campaign_id=stage.campaign_id, status=EntryStatus.SUBMITTED)
        .filter(Q(shortlisted=True) | ~Exists(shortlist_before))
        .order_by()
        .values_list("pk", "category_id")
    )


def ballot_shape(vote: VoteStage) -> tuple[dict[int, int], dict[int, CategoryRule]]:
    """``(vote_entries(vote), vote_rules(vote))``, what every ballot is checked against, kept in
    the cache for ``VOTING_BALLOT_SHAPE_SECONDS`` (10): two queries fewer per ballot. A change of
    the entries, the shortlist or the rules forgets it at once in the process that made it
    (``voting.signals``) and reaches the other workers within those seconds; a vote's shape is
    meant to be settled before it opens."""
    key = _shape_key(vote.pk, vote.created_at)
    shape = cache.get(key)
    if shape is None:
        shape = vote_entries(vote), vote_rules(vote)
        cache.set(key, shape, _setting("VOTING_BALLOT_SHAPE_SECONDS", 10))
    return shape


def _shape_key(pk, created_at) -> str:
    # the creation moment too: a test database hands the same primary key out again
    return f"voting:{pk}:ballot-shape:{created_at.timestamp() if created_at else ''}"


def _public_vote_key(pk) -> str:
    return f"voting:{pk}:public-vote"


def public_vote(pk: int) -> VoteStage | None:
    """The vote a verification or a ballot names (not of a draft campaign; without its stage),
    kept in the cache like the ballot's shape: every one of those requests reads it, and it was
    half of their time in the database under load (bench/vote_load.py). A copy a few seconds old
    cannot let a vote be cast outside its window: the statements that register a voter and
    claim a ballot check the window themselves (``_open_sql``), and a refusal re-reads it."""
    key = _public_vote_key(pk)
    vote = cache.get(key)
    if vote is None:
        vote = selectors.public_votes().filter(pk=pk).first()
        if vote is None:
            return None
        cache.set(key, vote, _setting("VOTING_BALLOT_SHAPE_SECONDS", 10))
    return vote


def forget_cached_votes(votes: Iterable[VoteStage]) -> None:
    """Forget the cached shapes and copies (``public_vote``) of ``votes``."""
    keys = []
    for vote in votes:
        keys += [_shape_key(vote.pk, vote.created_at), _public_vote_key(vote.pk)]
    cache.delete_many(keys)


def ballot_cast(*, vote: VoteStage, token: str, choices: Mapping, now=None) -> Ballot:
    """Cast the ballot of the voter holding ``token``: one transaction that marks the voter voted
    and stores the ballot, or changes nothing and says why (the token's problem first, then the
    choices')."""
    now = now or timezone.now()
    _check_open(vote, now)
    if not isinstance(choices, Mapping):
        _refuse(_("The choices must be given per category."), "choices")
    token = str(token or "")[:100]
    token_hash = hashing.keyed_hash(vote.pk, "token", token)
    entries, rules = ballot_shape(vote)
    problems = ballot_errors(vote, choices, entries, rules)
    if token and not problems:
        chosen = sorted({int(e) for values in choices.values() for e in _as_list(values)})
        cast = _cast_in_one_statement if connection.vendor == "postgresql" else _cast_in_steps
        ballot = cast(vote, token_hash, now, chosen, entries)
        if ballot is not None:
            return ballot
        _check_open_now(vote, now)
    _refuse_token(vote, token, token_hash, now)
    # the token was fine a moment ago: another request with it has just voted
    raise ValidationError(
        problems or {"token": [_("This identity has already voted; one ballot each.")]}
    )


# --- the statements of a vote's hot path -------------------------------------------------------
# Verifying and casting are the requests a public vote takes by the ten thousand (Zhuhai: 38,985
# voters in a week). Their statements are written out here: the ORM spends ~0.3 ms compiling each
# of these one-row queries, which with a dozen per voter was a third of a ballot's cost
# (bench/vote_load.py, docs/performance.md). Plain SQL that PostgreSQL and SQLite both take.


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _execute(sql: str, params: list) -> int:
    """Run a write; the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _ballot(vote, pk, hour, address_key) -> Ballot:
    ballot = Ballot(pk=pk, vote=vote, hour=hour, address_key=address_key)
    ballot._state.adding, ballot._state.db = False, connection.alias
    return ballot


def _cast_in_steps(vote, token_hash: str, now, chosen: list[int], entries) -> Ballot | None:
    """The ballot, in one transaction of a few statements (SQLite): the voter's row claimed
    (``_claim``), its code marked used, the ballot and its choices inserted. None if the token
    may not vote now."""
    with transaction.atomic():
        voter = _claim(vote, token_hash, now)
        if voter is None:
            return None
        method, identity_hash, address_key = voter
        if method == VerificationMethod.CODE:
            _mark_code_used(vote, identity_hash)
        hour = _hour(now)
        [(pk,)] = _rows(
            f"INSERT INTO {_table(Ballot)} (vote_id, hour, address_key) VALUES (%s, %s, %s)"
            " RETURNING id",
            [vote.pk, connection.ops.adapt_datetimefield_value(hour), address_key],
        )
        if chosen:
            params = []
            for entry_id in chosen:
                params += [pk, vote.pk, entries[entry_id], entry_id]
            _execute(
                f"INSERT INTO {_table(BallotChoice)} (ballot_id, vote_id, category_id, entry_id)"
                " VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(chosen)),
                params,
            )
    return _ballot(vote, pk, hour, address_key)


def _address_key_sql(table: str) -> str:
    """The ballot's address key, from the claimed voter row: the address's key when that address
    had verified ``VOTING_BALLOT_ADDRESS_THRESHOLD`` identities (the one ``%s``: that number
    less one), else ''."""
    return (
        f"CASE WHEN {table}.address_hash <> '' AND EXISTS (SELECT 1 FROM {table} other"
        f" WHERE other.vote_id = {table}.vote_id AND other.address_hash = {table}.address_hash"
        f" LIMIT 1 OFFSET %s) THEN substr({table}.address_hash, 1, 16) ELSE '' END"
    )


def _claim_sql() -> str:
    """Mark the voter holding the token voted, if it may vote: one UPDATE that takes the row's
    lock and checks it (a second ballot with the same token waits for the first and then finds
    ``voted`` set; a code voter's code must still be unused). Returns ``(method, identity_hash,
    address_key)``; its parameters are ``_claim_params``."""
    voter, code = _table(Voter), _table(VotingCode)
    return (
        f"UPDATE {voter} SET voted = %s, token_hash = '', token_expires_at = NULL"
        " WHERE vote_id = %s AND token_hash = %s AND NOT voted AND token_expires_at > %s"
        f" AND {_open_sql()}"
        f" AND (method <> %s OR EXISTS (SELECT 1 FROM {code} spent_code"
        f" WHERE spent_code.vote_id = {voter}.vote_id"
        f" AND spent_code.code_hash = {voter}.identity_hash AND NOT spent_code.used))"
        f" RETURNING method, identity_hash, {_address_key_sql(voter)} AS address_key"
    )


def _claim_params(vote: VoteStage, token_hash: str, now) -> list:
    return [
        True,
        vote.pk,
        token_hash,
        connection.ops.adapt_datetimefield_value(now),
        *_open_params(vote, now),
        VerificationMethod.CODE,
        _setting("VOTING_BALLOT_ADDRESS_THRESHOLD", 5) - 1,
    ]


def _open_sql() -> str:
    """The vote is open at the moment given (``_open_params``), as stored: a condition of the
    statements that register a voter and claim a ballot."""
    return (
        f"EXISTS (SELECT 1 FROM {_table(VoteStage)} open_vote WHERE open_vote.id = %s"
        " AND open_vote.opens_at <= %s AND open_vote.closes_at > %s)"
    )


def _open_params(vote: VoteStage, now) -> list:
    moment = connection.ops.adapt_datetimefield_value(now)
    return [vote.pk, moment, moment]


def _claim(vote: VoteStage, token_hash: str, now) -> tuple | None:
    found = _rows(_claim_sql(), _claim_params(vote, token_hash, now))
    return found[0] if found else None


def _cast_in_one_statement(vote, token_hash: str, now, chosen: list[int], entries):
    """The ballot in one statement (PostgreSQL's data-modifying WITH), atomic by itself: the
    voter's row claimed (``_claim_sql``), the code marked used, the ballot and its choices
    inserted. A statement instead of a transaction of six: a third of a ballot's cost under
    load went to the round trips (bench/vote_load.py). None if the token may not vote now."""
    hour = _hour(now)
    params = [
        *_claim_params(vote, token_hash, now),
        vote.pk,
        VerificationMethod.CODE,
        vote.pk,
        hour,
    ]
    choices_sql = ""
    if chosen:
        choices_sql = (
            f", chosen AS (INSERT INTO {_table(BallotChoice)}"
            " (ballot_id, vote_id, category_id, entry_id)"
            " SELECT cast_ballot.id, %s, c.category_id, c.entry_id FROM cast_ballot, (VALUES "
            + ", ".join(["(%s::bigint, %s::bigint)"] * len(chosen))
            + ") AS c (category_id, entry_id))"
        )
        params.append(vote.pk)
        for entry_id in chosen:
            params += [entries[entry_id], entry_id]
    found = _rows(
        f"WITH claimed AS ({_claim_sql()}),"
        f" spent AS (UPDATE {_table(VotingCode)} SET used = TRUE WHERE vote_id = %s"
        " AND code_hash IN (SELECT identity_hash FROM claimed WHERE method = %s)),"
        f" cast_ballot AS (INSERT INTO {_table(Ballot)} (vote_id, hour, address_key)"
        " SELECT %s, %s, address_key FROM claimed RETURNING id, address_key)"
        + choices_sql
        + " SELECT id, address_key FROM cast_ballot",
        params,
    )
    if not found:
        return None
    [(pk, address_key)] = found
    return _ballot(vote, pk, hour, address_key)


def _refuse_token(vote: VoteStage, token: str, token_hash: str, now) -> None:
    """Why the token cannot vote, as a refusal; nothing if it could (the choices are at fault)."""
    voter = (
        Voter.objects.filter(vote=vote, token_hash=token_hash).only("voted", "token_expires_at")
        if token
        else Voter.objects.none()
    ).first()
    if voter is None:
        _refuse(_("Your verification is not valid; verify again."), "token")
    if voter.voted:
        _refuse(_("This identity has already voted; one ballot each."), "token")
    if voter.token_expires_at is None or voter.token_expires_at <= now:
        _refuse(_("Your verification has expired; verify again."), "token")


def _as_list(values):
    return values if isinstance(values, list | tuple) else [values]


def _mark_code_used(vote, code_hash: str) -> None:
    used = _execute(
        f"UPDATE {_table(VotingCode)} SET used = %s"
        " WHERE vote_id = %s AND code_hash = %s AND NOT used",
        [True, vote.pk, code_hash],
    )
    if not used:
        _refuse(_("This voting code has already been used."), "token")


# --- exclusions ---------------------------------------------------------------------------------


@transaction.atomic
def exclusion_create(
    *,
    vote: VoteStage,
    acting_user: User,
    reason: str,
    hour: datetime.datetime | None = None,
    address_key: str = "",
) -> Exclusion:
    """Exclude the ballots of a flagged window (an hour, an address key, or both) from the
    counts, with the reason in the history."""
    reason = required_reason(reason)
    if hour is None and not address_key:
        _refuse(_("Name an hour, an address key or both."))
    if hour is not None:
        if timezone.is_naive(hour):
            hour = timezone.make_aware(hour)
        hour = _hour(hour.astimezone(datetime.UTC))
        # a window no ballot of the vote can fall in excludes nothing: say so
        if not (_hour(vote.opens_at.astimezone(datetime.UTC)) <= hour < vote.closes_at):
            _refuse(
                _("The hour lies outside the vote (open from %(opens)s to %(closes)s).")
                % {
                    "opens": timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M"),
                    "closes": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M"),
                },
                "hour",
            )
    exclusion = Exclusion(
        vote=vote, hour=hour, address_key=address_key, reason=reason, created_by=acting_user
    )
    stamp(exclusion, acting_user=acting_user, reason=reason)
    exclusion.save()
    return exclusion


@transaction.atomic
def exclusion_withdraw(*, exclusion: Exclusion, acting_user: User, reason: str) -> Exclusion:
    """Count a window's ballots again, with the reason in the history."""
    reason = required_reason(reason)
    exclusion = Exclusion.objects.select_for_update().get(pk=exclusion.pk)
    if exclusion.withdrawn:
        _refuse(_("This exclusion is already withdrawn."))
    exclusion.withdrawn = True
    stamp(exclusion, acting_user=acting_user, reason=reason)
    exclusion.save()
    return exclusion
