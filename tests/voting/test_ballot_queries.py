"""The ballot path stays cheap: the queries of a verification and of a ballot are pinned (the
load test's 38,985 voters each make both requests), and the one-query reading of the ballot's
entries agrees with selection's participants."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from selection import selectors as selection_selectors
from selection.choices import EntryStatus
from selection.models import Entry, Stage
from tests.voting.conftest import open_vote, otp_for, vote_campaign
from voting import services
from voting.models import Ballot, BallotChoice, Voter, VoteStage

pytestmark = pytest.mark.django_db

# What one request may cost, counted inside the test's transaction (so with the savepoints of
# the services' atomic blocks): the vote read by the endpoint, then the service. A ballot took 14
# queries and a code verification 8 at first (bench/vote_ballot.py), then 10 and 5; now the
# verification is one upsert (that checks the code), and the ballot's shape (entries and rules)
# comes from the cache but for the first ballot after a change (the stage, entries and rules);
# the vote itself too, but for the first request (services.public_vote).
VERIFY_CODE_QUERIES = 1
VOTE_QUERIES = 1
# PostgreSQL casts in one statement; SQLite in a transaction of five (with its savepoint)
BALLOT_QUERIES = 1 if connection.vendor == "postgresql" else 6
SHAPE_QUERIES = 3


@pytest.fixture
def vote_and_ballot(district_officer):
    _campaign, stage, entries = vote_campaign(district_officer, per=4)
    vote = open_vote(district_officer, stage)
    gov, local = entries["政府治理类"], entries["基层治理类"]
    choices = {
        str(gov[0].category_id): [gov[0].pk, gov[2].pk],
        str(local[0].category_id): [local[1].pk],
    }
    return vote, choices


def _post(client, url, body):
    return client.post(url, body, content_type="application/json", REMOTE_ADDR="10.9.9.9")


def test_a_code_voter_costs_a_fixed_number_of_queries(
    vote_and_ballot, district_officer, django_assert_max_num_queries
):
    vote, choices = vote_and_ballot
    _batch, codes = services.codes_issue(vote=vote, count=3, acting_user=district_officer)
    client = Client()
    base = f"/api/v1/voting/public/{vote.pk}/"
    for number, code in enumerate(codes):
        with django_assert_max_num_queries(
            VERIFY_CODE_QUERIES + (VOTE_QUERIES if not number else 0)
        ):
            answer = _post(client, base + "verify/", {"code": code})
        assert answer.status_code == 200, answer.content
        with django_assert_max_num_queries(BALLOT_QUERIES + (SHAPE_QUERIES if number == 0 else 0)):
            answer = _post(
                client, base + "ballot/", {"token": answer.json()["token"], "choices": choices}
            )
        assert answer.status_code == 201, answer.content
    # the cheaper path still counts everything, once
    assert Ballot.objects.filter(vote=vote).count() == 3
    assert Voter.objects.filter(vote=vote, voted=True).count() == 3
    assert BallotChoice.objects.filter(vote=vote).count() == 9
    assert not vote.ballots.filter(choices__isnull=True).exists()


def test_a_phone_voter_costs_a_fixed_number_of_queries(
    vote_and_ballot, django_assert_max_num_queries
):
    vote, choices = vote_and_ballot
    phone = "13912345678"
    services.phone_challenge_send(vote=vote, phone=phone, address="10.9.9.9")
    token = services.phone_verify(vote=vote, phone=phone, otp=otp_for(phone), address="10.9.9.9")
    client = Client()
    services.ballot_shape(vote)  # as after the first ballot
    services.public_vote(vote.pk)
    # no code to mark used: a statement fewer on SQLite; PostgreSQL's one statement is the same
    with django_assert_max_num_queries(BALLOT_QUERIES - (connection.vendor != "postgresql")):
        answer = _post(
            client, f"/api/v1/voting/public/{vote.pk}/ballot/", {"token": token, "choices": choices}
        )
    assert answer.status_code == 201, answer.content
    # a replay of the same token is refused and counts nothing more
    answer = _post(
        client, f"/api/v1/voting/public/{vote.pk}/ballot/", {"token": token, "choices": choices}
    )
    assert answer.status_code == 400
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_a_second_verification_of_the_same_code_reuses_its_row(vote_and_ballot, district_officer):
    vote, choices = vote_and_ballot
    _batch, (code,) = services.codes_issue(vote=vote, count=1, acting_user=district_officer)
    first = services.code_verify(vote=vote, code=code, address="10.0.0.1")
    second = services.code_verify(vote=vote, code=code, address="10.0.0.2")
    assert Voter.objects.filter(vote=vote).count() == 1
    with pytest.raises(Exception, match="verify again"):
        services.ballot_cast(vote=vote, token=first, choices=choices)  # replaced by the second
    services.ballot_cast(vote=vote, token=second, choices=choices)
    with pytest.raises(Exception, match="already"):
        services.code_verify(vote=vote, code=code, address="10.0.0.3")


def test_the_ballot_entries_are_selections_participants(vote_and_ballot):
    vote, _choices = vote_and_ballot
    stage = vote.stage
    campaign = stage.campaign

    def same():
        vote.refresh_from_db()
        expected = selection_selectors.participants(campaign, stage=vote.stage)
        assert services.vote_entries(vote) == expected
        return expected

    everyone = same()
    assert len(everyone) == 8
    withdrawn = Entry.objects.filter(campaign=campaign).order_by("pk").first()
    Entry.objects.filter(pk=withdrawn.pk).update(status=EntryStatus.WITHDRAWN)
    assert withdrawn.pk not in same()
    # a shortlist stage before the vote: only the shortlisted entries stay on the ballot
    collection = Stage.objects.get(campaign=campaign, position__lt=stage.position)
    Stage.objects.filter(pk=collection.pk).update(shortlist=True)
    kept = list(Entry.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
    Entry.objects.filter(pk__in=kept[1:4]).update(shortlisted=True)
    assert set(same()) == set(kept[1:4])
    # a shortlist stage after the vote changes nothing
    Stage.objects.filter(pk=collection.pk).update(shortlist=False)
    Stage.objects.filter(pk=stage.pk).update(shortlist=True)
    assert len(same()) == 7


def test_the_cached_ballot_shape_follows_a_change_of_the_entries(vote_and_ballot, district_officer):
    """The shape is cached, but a withdrawn entry or a changed rule is off the ballot at once
    (in this process: voting.signals)."""
    vote, choices = vote_and_ballot
    _batch, codes = services.codes_issue(vote=vote, count=3, acting_user=district_officer)
    entries, _rules = services.ballot_shape(vote)
    first_choice = next(iter(choices.values()))[0]
    assert first_choice in entries
    entry = Entry.objects.get(pk=first_choice)
    entry.status = EntryStatus.WITHDRAWN
    entry.save()
    token = services.code_verify(vote=vote, code=codes[0], address="10.0.0.1")
    with pytest.raises(ValidationError, match="is not an entry"):
        services.ballot_cast(vote=vote, token=token, choices=choices)
    assert first_choice not in services.ballot_shape(vote)[0]
    # a rule tightened: at least 3 in the first category
    rule = vote.rules.get(category_id=entry.category_id)
    rule.min_choices = 3
    rule.save()
    kept = {k: [e for e in v if e != first_choice] or v for k, v in choices.items()}
    with pytest.raises(ValidationError, match="at least 3"):
        services.ballot_cast(vote=vote, token=token, choices=kept)
    assert not Ballot.objects.filter(vote=vote).exists()
    assert not Voter.objects.filter(vote=vote, voted=True).exists()


def test_the_ballot_shape_of_one_vote_is_not_another_votes(district_officer):
    """A cached shape is the vote's own, even where a test database hands a primary key out
    again: the key holds the vote's creation moment too."""
    _campaign, stage, _entries = vote_campaign(district_officer, per=2)
    vote = open_vote(district_officer, stage)
    services.ballot_shape(vote)
    other = type(vote)(pk=vote.pk, created_at=vote.created_at.replace(year=2001))
    assert services._shape_key(vote.pk, vote.created_at) != services._shape_key(
        other.pk, other.created_at
    )


@pytest.mark.parametrize("when", ["closed", "not yet open"])
def test_a_vote_moved_in_another_process_counts_nothing_outside_its_window(
    vote_and_ballot, district_officer, when
):
    """The endpoints read the vote from a cached copy (services.public_vote); a vote closed (or
    moved to open later) by another process while the copy lasts is refused by the statements
    themselves, with the window's message, and nothing is registered or counted."""
    vote, choices = vote_and_ballot
    _batch, codes = services.codes_issue(vote=vote, count=2, acting_user=district_officer)
    client = Client()
    base = f"/api/v1/voting/public/{vote.pk}/"
    token = _post(client, base + "verify/", {"code": codes[0]}).json()["token"]
    assert services.public_vote(vote.pk) is not None  # the copy this process holds
    moment = vote.opens_at + datetime.timedelta(seconds=1)
    if when == "closed":
        window = {"closes_at": moment}
        message = "has closed"
    else:
        window = {"opens_at": vote.closes_at - datetime.timedelta(seconds=1)}
        message = "not opened yet"
    VoteStage.objects.filter(pk=vote.pk).update(**window)  # no signal: as from another process
    answer = _post(client, base + "ballot/", {"token": token, "choices": choices})
    assert answer.status_code == 400 and message in answer.content.decode(), answer.content
    answer = _post(client, base + "verify/", {"code": codes[1]})
    assert answer.status_code == 400 and message in answer.content.decode(), answer.content
    assert not Ballot.objects.filter(vote=vote).exists()
    assert not Voter.objects.filter(vote=vote, voted=True).exists()
    assert Voter.objects.filter(vote=vote).count() == 1  # the second code registered no one
