"""The public vote: verification, one ballot per identity, the rules per category, bad input
(nothing counted), hidden results on every surface, exclusions, exact shares, and the vote as a
stage of the campaign's formula."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from selection import selectors as selection_selectors
from selection import services as selection_services
from selection.models import Entry
from tests.voting.conftest import (
    close,
    new_phone,
    open_vote,
    otp_for,
    verified_token,
    vote_campaign,
)
from voting import exports, selectors, services
from voting.choices import ResultsVisibility, VoterRule
from voting.models import Ballot, BallotChoice, PhoneChallenge, Voter
from voting.verification import OUTBOX

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(district_officer):
    campaign, stage, entries = vote_campaign(district_officer)
    vote = open_vote(district_officer, stage)
    gov, local = entries["政府治理类"], entries["基层治理类"]
    return vote, gov, local


def ballot(gov, local, gov_picks=(0,), local_picks=(0,)):
    return {
        str(gov[0].category_id): [gov[i].pk for i in gov_picks],
        str(local[0].category_id): [local[i].pk for i in local_picks],
    }


def nothing_counted(vote):
    assert Ballot.objects.filter(vote=vote).count() == 0
    assert BallotChoice.objects.filter(vote=vote).count() == 0
    assert Voter.objects.filter(vote=vote, voted=True).count() == 0


def test_a_phone_verified_voter_casts_one_ballot(setup):
    vote, gov, local = setup
    phone = new_phone()
    services.phone_challenge_send(vote=vote, phone=phone, address="10.0.0.1")
    assert OUTBOX[-1][0] == phone
    token = services.phone_verify(vote=vote, phone=phone, otp=otp_for(phone), address="10.0.0.1")
    services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local, (0, 1), (2,)))
    assert Ballot.objects.filter(vote=vote).count() == 1
    chosen = set(BallotChoice.objects.filter(vote=vote).values_list("entry_id", flat=True))
    assert chosen == {gov[0].pk, gov[1].pk, local[2].pk}
    voter = Voter.objects.get(vote=vote)
    assert voter.voted and phone not in voter.identity_hash and len(voter.identity_hash) == 64
    assert selectors.integrity_check(vote) == {"voters": 1, "ballots": 1, "consistent": True}


def test_ballots_carry_no_voter_and_no_exact_time():
    names = {f.name for f in Ballot._meta.get_fields()}
    assert names == {"id", "vote", "hour", "address_key", "choices"}
    assert not hasattr(Ballot, "history") and not hasattr(Voter, "history")


def test_the_same_identity_is_refused_a_second_ballot(setup):
    vote, gov, local = setup
    phone = new_phone()
    token = verified_token(vote, phone)
    services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local))
    # the same request again (a replay), and the same phone verifying again
    with pytest.raises(ValidationError, match="verify again|already voted"):
        services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local))
    with pytest.raises(ValidationError, match="already voted"):
        services.phone_challenge_send(vote=vote, phone=phone, address="10.0.0.2")
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert Voter.objects.filter(vote=vote).count() == 1


def test_a_token_from_before_the_vote_cannot_be_used_twice_concurrently(setup):
    vote, gov, local = setup
    phone = new_phone()
    first = verified_token(vote, phone)
    second = verified_token(vote, phone, address="10.0.0.9")  # verified again before voting
    with pytest.raises(ValidationError, match="not valid"):
        services.ballot_cast(vote=vote, token=first, choices=ballot(gov, local))
    services.ballot_cast(vote=vote, token=second, choices=ballot(gov, local))
    assert Ballot.objects.filter(vote=vote).count() == 1


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        (lambda g, lo: {str(g[0].category_id): [g[0].pk]}, "none is chosen yet"),
        (lambda g, lo: {str(g[0].category_id): [g[0].pk], str(lo[0].category_id): []}, "none"),
        (
            lambda g, lo: {str(g[0].category_id): [lo[0].pk], str(lo[0].category_id): [lo[1].pk]},
            "is not an entry of",
        ),
        (
            lambda g, lo: {
                str(g[0].category_id): [g[0].pk, g[0].pk],
                str(lo[0].category_id): [lo[0].pk],
            },
            "chosen twice",
        ),
        (lambda g, lo: {"999999": [g[0].pk], str(lo[0].category_id): [lo[0].pk]}, "not a category"),
    ],
)
def test_a_bad_ballot_is_refused_and_nothing_counted(setup, choices, message):
    vote, gov, local = setup
    token = verified_token(vote)
    with pytest.raises(ValidationError, match=message):
        services.ballot_cast(vote=vote, token=token, choices=choices(gov, local))
    nothing_counted(vote)
    # the voter may still vote, correctly
    services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local))
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_minimum_and_maximum_per_category(district_officer):
    campaign, stage, entries = vote_campaign(district_officer)
    gov, local = entries["政府治理类"], entries["基层治理类"]
    vote = open_vote(
        district_officer,
        stage,
        rules=[
            {"category": gov[0].category_id, "min_choices": 2, "max_choices": 2},
            {"category": local[0].category_id, "min_choices": 1, "max_choices": 1},
        ],
    )
    token = verified_token(vote)
    with pytest.raises(ValidationError, match=r"at least 2 in 政府治理类 \(you chose 1\)"):
        services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local, (0,), (0,)))
    with pytest.raises(ValidationError, match=r"at most 1 in 基层治理类 \(you chose 2\)"):
        services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local, (0, 1), (0, 1)))
    nothing_counted(vote)
    services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local, (0, 1), (1,)))
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_an_entry_of_another_campaign_is_refused(setup, district_officer):
    vote, gov, local = setup
    _campaign, _stage, others = vote_campaign(district_officer, categories=("社会协同治理类",))
    token = verified_token(vote)
    choices = ballot(gov, local)
    choices[str(gov[0].category_id)] = [others["社会协同治理类"][0].pk]
    with pytest.raises(ValidationError, match="is not an entry of 政府治理类"):
        services.ballot_cast(vote=vote, token=token, choices=choices)
    nothing_counted(vote)


def test_after_closing_nothing_is_counted(setup):
    vote, gov, local = setup
    token = verified_token(vote)
    close(vote)
    with pytest.raises(ValidationError, match="has closed"):
        services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local))
    with pytest.raises(ValidationError, match="has closed"):
        services.phone_challenge_send(vote=vote, phone=new_phone(), address="10.0.0.1")
    nothing_counted(vote)


def test_expired_wrong_and_replayed_verifications(setup):
    vote, gov, local = setup
    phone = new_phone()
    services.phone_challenge_send(vote=vote, phone=phone, address="10.0.0.1")
    otp = otp_for(phone)
    later = timezone.now() + datetime.timedelta(minutes=6)
    with pytest.raises(ValidationError, match="expired"):
        services.phone_verify(vote=vote, phone=phone, otp=otp, address="10.0.0.1", now=later)
    services.phone_challenge_send(vote=vote, phone=phone, address="10.0.0.1")
    otp = otp_for(phone)
    wrong = f"{(int(otp) + 1) % 1_000_000:06d}"
    for _ in range(services.OTP_ATTEMPTS):
        with pytest.raises(ValidationError, match="not right"):
            services.phone_verify(vote=vote, phone=phone, otp=wrong, address="10.0.0.1")
    with pytest.raises(ValidationError, match="Too many wrong codes"):
        services.phone_verify(vote=vote, phone=phone, otp=otp, address="10.0.0.1")
    services.phone_challenge_send(vote=vote, phone=phone, address="10.0.0.1")
    otp = otp_for(phone)
    token = services.phone_verify(vote=vote, phone=phone, otp=otp, address="10.0.0.1")
    with pytest.raises(ValidationError, match="Ask for a code first"):  # the code is spent
        services.phone_verify(vote=vote, phone=phone, otp=otp, address="10.0.0.1")
    assert all(
        len(c.code_hash) == 64 and otp not in c.code_hash for c in PhoneChallenge.objects.all()
    )
    expired = timezone.now() + services.TOKEN_TTL + datetime.timedelta(seconds=1)
    with pytest.raises(ValidationError, match="verification has expired"):
        services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local), now=expired)
    with pytest.raises(ValidationError, match="not valid"):
        services.ballot_cast(vote=vote, token="forged-token", choices=ballot(gov, local))
    nothing_counted(vote)


def test_a_voting_code_is_single_use_and_a_forged_one_refused(setup, district_officer):
    vote, gov, local = setup
    batch, codes = services.codes_issue(
        vote=vote, count=3, acting_user=district_officer, label="社区"
    )
    assert batch.size == 3 and len(set(codes)) == 3
    assert not any(code in (row.code_hash) for code in codes for row in batch.codes.all())
    token = services.code_verify(vote=vote, code=codes[0].lower(), address="10.0.0.1")
    services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local))
    with pytest.raises(ValidationError, match="already been used"):
        services.code_verify(vote=vote, code=codes[0], address="10.0.0.1")
    with pytest.raises(ValidationError, match="not valid"):
        services.code_verify(vote=vote, code="ABCDE-FGHJK", address="10.0.0.1")
    assert batch.codes.filter(used=True).count() == 1
    content = exports.codes_workbook(vote, batch, codes)
    sheet = load_workbook(io.BytesIO(content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == codes


def test_the_voter_rule_is_enforced(district_officer):
    _campaign, stage, _entries = vote_campaign(district_officer)
    vote = open_vote(district_officer, stage, rule=VoterRule.PHONE)
    with pytest.raises(ValidationError, match="does not take voting codes"):
        services.codes_issue(vote=vote, count=1, acting_user=district_officer)
    with pytest.raises(ValidationError, match="not voting codes"):
        services.code_verify(vote=vote, code="ABCDE-FGHJK", address="10.0.0.1")


def test_rate_limits_per_address_and_per_identity(setup, settings):
    vote, _gov, _local = setup
    settings.VOTING_ADDRESS_LIMIT = (3, 600)
    for _ in range(3):
        services.phone_challenge_send(vote=vote, phone=new_phone(), address="10.9.9.9")
    with pytest.raises(services.RateLimited):
        services.phone_challenge_send(vote=vote, phone=new_phone(), address="10.9.9.9")
    settings.VOTING_ADDRESS_LIMIT = (100, 600)
    phone = new_phone()
    for _ in range(5):
        services.phone_challenge_send(vote=vote, phone=phone, address="10.1.1.1")
    with pytest.raises(services.RateLimited, match="this number"):
        services.phone_challenge_send(vote=vote, phone=phone, address="10.1.1.2")


def _cast_many(vote, gov, local, count, address, picks=(0,)):
    for _ in range(count):
        token = verified_token(vote, address=address)
        services.ballot_cast(vote=vote, token=token, choices=ballot(gov, local, picks, (0,)))


def test_results_are_hidden_until_closing_on_every_surface(setup, district_officer):
    vote, gov, local = setup
    _cast_many(vote, gov, local, 2, "10.0.0.1")
    api = _api(district_officer)
    public = Client()

    organiser = api.get(f"/api/v1/voting/votes/{vote.pk}/results/").json()
    anonymous = public.get(f"/api/v1/voting/public/{vote.pk}/results/").json()
    for body in (organiser, anonymous):
        assert body["visible"] is False
        entries = [e for c in body["categories"] for e in c["entries"]]
        assert entries and all(e["votes"] is None and e["share"] is None for e in entries)
        assert all(c["votes"] is None for c in body["categories"])
    assert anonymous["voters"] is None and anonymous["turnout"] == []
    assert organiser["voters"] == 2  # the organiser sees how many voted, never per entry
    page = public.get(f"/voting/{vote.pk}/results/").content.decode()
    assert "项目投票" in page and "%" not in page
    book = load_workbook(io.BytesIO(public.get(f"/voting/{vote.pk}/results.xlsx").content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert not any(isinstance(c, int | float) for c in cells)
    # the campaign's formula reads nothing either, and the audit log has no count to show
    assert selectors.stage_vote_counts(vote.stage, [gov[0].pk]) == {}
    from transparency.audit import tracked_models

    voting_models = {k for k in tracked_models() if k.startswith("voting.")}
    assert voting_models == {
        "voting.votestage",
        "voting.categoryrule",
        "voting.codebatch",
        "voting.exclusion",
    }

    close(vote)
    body = public.get(f"/api/v1/voting/public/{vote.pk}/results/").json()
    assert body["visible"] is True and body["voters"] == 2 and body["ballots"] == 2
    first = body["categories"][0]["entries"][0]
    assert (first["entry"], first["votes"], first["share"]) == (gov[0].pk, 2, "100.00")
    page = public.get(f"/voting/{vote.pk}/results/").content.decode()
    assert "100.00%" in page and "<svg" in page
    assert selectors.stage_vote_counts(vote.stage, [gov[0].pk]) == {gov[0].pk: Decimal(2)}


def test_live_results_show_while_open(district_officer):
    _campaign, stage, entries = vote_campaign(district_officer)
    vote = open_vote(district_officer, stage, visibility=ResultsVisibility.LIVE)
    gov, local = entries["政府治理类"], entries["基层治理类"]
    _cast_many(vote, gov, local, 1, "10.0.0.1")
    assert selectors.results(vote).visible


def test_exclusions_are_recorded_and_reflected(setup, district_officer, settings):
    vote, gov, local = setup
    settings.VOTING_BALLOT_ADDRESS_THRESHOLD = 3
    _cast_many(vote, gov, local, 2, "10.0.0.1", picks=(1,))  # a household: no address key
    _cast_many(vote, gov, local, 6, "10.6.6.6", picks=(0,))  # a burst from one address
    report = selectors.burst_report(vote, per_address=5, per_minute=100)
    assert [row["identities"] for row in report["addresses"]] == [6]
    key = report["addresses"][0]["address_key"]
    # the first two ballots of the burst came before the address reached the threshold
    assert Ballot.objects.filter(vote=vote, address_key=key).count() == 4
    assert Ballot.objects.filter(vote=vote, address_key="").count() == 4
    exclusion = services.exclusion_create(
        vote=vote, acting_user=district_officer, reason="同一地址短时间大量投票", address_key=key
    )
    assert exclusion.history.get().history_change_reason == "同一地址短时间大量投票"
    close(vote)
    found = selectors.results(vote)
    gov_rows = {row.entry_id: row for row in found.categories[0].entries}
    assert (gov_rows[gov[0].pk].votes, gov_rows[gov[0].pk].counted) == (6, 2)
    assert (gov_rows[gov[1].pk].votes, gov_rows[gov[1].pk].counted) == (2, 2)
    assert gov_rows[gov[0].pk].share == Decimal("75.00")
    assert gov_rows[gov[0].pk].counted_share == Decimal("50.00")
    assert found.excluded_ballots == 4 and found.ballots == 8
    assert selectors.stage_vote_counts(vote.stage, [gov[0].pk]) == {gov[0].pk: Decimal(2)}
    with pytest.raises(ValidationError):
        services.exclusion_create(vote=vote, acting_user=district_officer, reason="")
    # an hour no ballot of the vote can fall in (Schemathesis: year 597, before the vote)
    for hour in (
        vote.opens_at - datetime.timedelta(hours=2),
        vote.closes_at + datetime.timedelta(hours=1),
    ):
        with pytest.raises(ValidationError) as error:
            services.exclusion_create(
                vote=vote, acting_user=district_officer, reason="误填时段", hour=hour
            )
        assert "hour" in error.value.message_dict
    services.exclusion_withdraw(
        exclusion=exclusion, acting_user=district_officer, reason="核实无误"
    )
    assert selectors.stage_vote_counts(vote.stage, [gov[0].pk]) == {gov[0].pk: Decimal(6)}
    assert exclusion.history.count() == 2


def test_shares_are_exact_as_zhuhai_published_them(district_officer):
    """珠澳合作治理类: 17520, 11421, 9732, 9321 votes → 36.50 %, 23.80 %, 20.28 %, 19.42 %."""
    _campaign, stage, entries = vote_campaign(
        district_officer, categories=("珠澳合作治理类",), per=4
    )
    vote = open_vote(district_officer, stage)
    zhuhai = entries["珠澳合作治理类"]
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    counts = [17520, 11421, 9732, 9321]
    # one ballot per vote (each voter chose one project here); written in bulk for speed
    ballots = Ballot.objects.bulk_create(
        [Ballot(vote=vote, hour=hour) for _ in range(sum(counts))], batch_size=5000
    )
    rows, position = [], 0
    for entry, count in zip(zhuhai, counts, strict=True):
        for b in ballots[position : position + count]:
            rows.append(
                BallotChoice(ballot=b, vote=vote, category_id=entry.category_id, entry=entry)
            )
        position += count
    BallotChoice.objects.bulk_create(rows, batch_size=5000)
    close(vote)
    found = selectors.results(vote).categories[0]
    assert [(r.votes, r.share) for r in found.entries] == [
        (17520, Decimal("36.50")),
        (11421, Decimal("23.80")),
        (9732, Decimal("20.28")),
        (9321, Decimal("19.42")),
    ]
    assert sum(r.share for r in found.entries) == Decimal("100.00")
    assert selectors.share(15585, 66546) == Decimal("23.42")
    # the vote enters the campaign's formula, normalised within the category
    selection_services.stage_close(stage=stage, acting_user=district_officer)
    selection_services.formula_publish(
        campaign=stage.campaign, weights={stage.pk: "100"}, acting_user=district_officer
    )
    results = selection_selectors.compute_results(stage.campaign)
    totals = {row.entry_id: row.total for row in results.rows}
    assert [totals[e.pk] for e in zhuhai] == [
        Decimal("36.50"),
        Decimal("23.80"),
        Decimal("20.28"),
        Decimal("19.42"),
    ]
    assert Entry.objects.filter(pk__in=totals).count() == 4


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client
