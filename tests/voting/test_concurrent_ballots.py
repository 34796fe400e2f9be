"""Two requests with the same verification at the same moment count once: the claim of the voter
row is one UPDATE that takes the row's lock, and the verification one upsert (PostgreSQL, where
requests run side by side; SQLite takes one writer at a time)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from tests.voting.conftest import open_vote, vote_campaign
from voting import services
from voting.models import Ballot, BallotChoice, Voter, VotingCode

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
]


def _at_once(work, count=6):
    """Run ``work(i)`` in ``count`` threads released together; their results or exceptions."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(i):
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the outcome is what is asserted
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_one_token_cast_six_times_at_once_counts_once(district_officer):
    _campaign, stage, entries = vote_campaign(district_officer, per=2)
    vote = open_vote(district_officer, stage)
    _batch, (code,) = services.codes_issue(vote=vote, count=1, acting_user=district_officer)
    token = services.code_verify(vote=vote, code=code, address="10.0.0.1")
    choices = {str(e[0].category_id): [e[0].pk] for e in entries.values()}

    outcomes = _at_once(lambda i: services.ballot_cast(vote=vote, token=token, choices=choices))

    cast = [o for o in outcomes if isinstance(o, Ballot)]
    refused = [o for o in outcomes if not isinstance(o, Ballot)]
    assert len(cast) == 1
    # refused as a replay of the spent token (the row lost it when it voted), nothing counted
    assert all(isinstance(o, ValidationError) and "token" in o.message_dict for o in refused)
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert BallotChoice.objects.filter(vote=vote).count() == len(choices)
    assert Voter.objects.filter(vote=vote, voted=True).count() == 1
    assert VotingCode.objects.filter(vote=vote, used=True).count() == 1


def test_one_code_verified_six_times_at_once_is_one_voter(district_officer):
    _campaign, stage, _entries = vote_campaign(district_officer, per=2)
    vote = open_vote(district_officer, stage)
    _batch, (code,) = services.codes_issue(vote=vote, count=1, acting_user=district_officer)

    outcomes = _at_once(
        lambda i: services.code_verify(vote=vote, code=code, address=f"10.0.0.{i + 1}")
    )

    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert Voter.objects.filter(vote=vote).count() == 1
    # the last verification's token is the one that votes; the others were replaced
    valid = [t for t in outcomes if Voter.objects.filter(token_hash=_hash(vote, t)).exists()]
    assert len(valid) == 1


def _hash(vote, token):
    from voting import hashing

    return hashing.keyed_hash(vote.pk, "token", token)
