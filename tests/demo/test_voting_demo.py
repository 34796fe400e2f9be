"""The public vote's demo: a closed vote with its ballots cast through the services (phone and
code voters), its results public with an exclusion, an open vote a visitor can use; a second run
changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from demo.selection import seed_selection
from demo.voting import BURST, CLOSED_VOTERS, OPEN_VOTERS, TITLE_MARK, seed_voting
from registry.models import Division
from registry.services.divisions import divisions_load
from voting import selectors
from voting.choices import VerificationMethod
from voting.models import Ballot, BallotChoice, Exclusion, Voter, VoteStage, VotingCode

pytestmark = pytest.mark.django_db

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """A small registry with its demo (selection's too), then the vote's demo, in a transaction
    rolled back at the module's end."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        if not Division.objects.exists():
            divisions_load()
        call_command("seed_demo", orgs=120, seed=5, force=True, no_progress=True, stdout=StringIO())
        seed_selection()  # already there when seed_demo ran it: the vote's demo needs none of it
        yield seed_voting()
        transaction.set_rollback(True)


def demo_votes():
    votes = VoteStage.objects.filter(title__contains=TITLE_MARK).order_by("opens_at")
    assert votes.count() == 2
    return list(votes)


def test_the_closed_vote_has_its_ballots_and_public_results(seeded):
    closed, _open = demo_votes()
    assert closed.is_closed()
    assert "voting demo:" in seeded and "\n" not in seeded
    voters = Voter.objects.filter(vote=closed, voted=True)
    assert voters.count() == CLOSED_VOTERS
    assert Ballot.objects.filter(vote=closed).count() == voters.count()
    assert selectors.integrity_check(closed)["consistent"]
    methods = set(voters.values_list("method", flat=True))
    assert methods == {VerificationMethod.PHONE, VerificationMethod.CODE}
    assert not VotingCode.objects.filter(vote=closed, used=False).exists()
    found = selectors.results(closed)
    assert found.visible
    assert found.ballots == CLOSED_VOTERS
    # every category of the shortlist has entries, and every one got votes from the ballots
    assert found.categories and all(c.entries for c in found.categories)
    for category in found.categories:
        assert (
            category.votes
            == BallotChoice.objects.filter(vote=closed, category_id=category.category_id).count()
        )
        assert sum(row.votes for row in category.entries) == category.votes > 0
    # the burst from one address is excluded, with its reason, and shown as such
    exclusion = Exclusion.objects.get(vote=closed)
    assert exclusion.reason and not exclusion.withdrawn
    assert 0 < found.excluded_ballots <= BURST
    assert Client().get(f"/voting/{closed.pk}/results/").status_code == 200


def test_the_open_vote_takes_a_visitors_ballot(seeded):
    _closed, current = demo_votes()
    assert current.is_open()
    assert Ballot.objects.filter(vote=current).count() == OPEN_VOTERS
    assert not selectors.results(current).visible  # hidden until it closes
    page = Client().get(f"/voting/{current.pk}/")
    assert page.status_code == 200


def test_a_second_run_changes_nothing(seeded):
    before = (
        VoteStage.objects.count(),
        Voter.objects.count(),
        Ballot.objects.count(),
        BallotChoice.objects.count(),
        Exclusion.objects.count(),
        VotingCode.objects.count(),
    )
    assert seed_voting() == "voting demo: already there"
    after = (
        VoteStage.objects.count(),
        Voter.objects.count(),
        Ballot.objects.count(),
        BallotChoice.objects.count(),
        Exclusion.objects.count(),
        VotingCode.objects.count(),
    )
    assert after == before
