"""Who sees the votes' organiser endpoints (the shared mixin): the campaign's organiser (坪山街道)
and the tiers above; anyone below or elsewhere gets 404 and no row. The public endpoints need no
login and show only what the public may know (tests/voting/test_voting.py, test_pages.py)."""

import pytest

from tests.access import OUTSIDE, EndpointAccess
from tests.voting.conftest import open_vote, vote_campaign
from voting.models import VoteStage

pytestmark = pytest.mark.django_db

INTERNAL = ["street_officer", "district_officer", "city_officer", "superuser"]


class TestVotes(EndpointAccess):
    model = VoteStage
    list_url = "/api/v1/voting/votes/"
    inside = INTERNAL
    outside = [*OUTSIDE, "community_staff", "organisation_leader"]
    within_filter = False

    def setup_world(self, world, users):
        organiser = users["street_officer"]
        _campaign, stage, _entries = vote_campaign(
            organiser, organiser="440310001", categories=("社区服务类",), per=2
        )
        world.vote = open_vote(organiser, stage)

    def detail_url(self, world):
        return f"{self.list_url}{world.vote.pk}/"

    def object_id(self, world):
        return world.vote.pk

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("get", f"{url}results/", None),
            ("get", f"{url}check/", None),
            ("get", f"{url}bursts/", None),
            ("get", f"{url}exclusions/", None),
            ("post", f"{url}exclusions/", {"address_key": "0" * 16, "reason": "x"}),
            ("post", f"{url}codes/", {"count": 2}),
            ("patch", url, {"title": "x"}),
        ]

    def refused(self, world):
        url = self.detail_url(world)
        # the city watches: it reads the vote, it does not run it
        return [("city_officer", "post", f"{url}codes/", {"count": 2}, 404)]
