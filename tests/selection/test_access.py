"""Who sees and changes what in selection campaigns, for every endpoint (the shared mixin):
the organiser's tier and those above see the internal records; tiers and organisations below
see the open call and their own entries; anyone elsewhere gets 404 and no row."""

import pytest

from selection.models import Assignment, Campaign, Entry, Objection, ScoreSheet
from tests.access import INSIDE, OUTSIDE, EndpointAccess
from tests.conftest import PINGSHAN_COMMUNITY
from tests.selection.conftest import access_world

pytestmark = pytest.mark.django_db

#: the call's own records: the organiser (坪山街道) and the tiers above it
INTERNAL = ["street_officer", "district_officer", "city_officer", "superuser"]
NOT_INTERNAL = [*OUTSIDE, "community_staff", "organisation_leader"]


class TestCampaigns(EndpointAccess):
    model = Campaign
    list_url = "/api/v1/selection/campaigns/"
    inside = INSIDE
    outside = ["community_staff_out", "street_officer_out", "district_officer_out"]
    within_filter = False  # the campaign is the street's; a community code does not hold it

    def setup_world(self, world, users):
        access_world(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.campaign.pk}/"

    def object_id(self, world):
        return world.campaign.pk

    def filters(self, world):
        return [{"q": "社区治理"}, {"year": 2024}, {"status": "active"}]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("post", f"{url}start-notice/", {}),
            ("post", f"{url}formula/", {"weights": {str(world.review.pk): "100"}}),
            ("get", f"{url}results/", None),
        ]

    def refused(self, world):
        url = self.detail_url(world)
        return [
            # below the organiser: they see the call, not its internal results
            ("community_staff", "get", f"{url}results/", None, 404),
            ("organisation_leader", "get", f"{url}workbook/", None, 404),
            # above it: they watch, they don't run it
            ("district_officer", "post", f"{url}formula/", {"weights": {"1": "100"}}, 403),
        ]


class TestEntries(EndpointAccess):
    model = Entry
    list_url = "/api/v1/selection/entries/"

    def setup_world(self, world, users):
        access_world(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.entry.pk}/"

    def object_id(self, world):
        return world.entry.pk

    def filters(self, world):
        return [
            {"within": PINGSHAN_COMMUNITY},
            {"campaign": world.campaign.pk},
            {"status": "submitted"},
            {"q": "书画"},
        ]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("post", f"{url}withdraw/", {"reason": "x"}),
            ("post", f"{url}submit/", {}),
            ("get", f"{url}revisions/", None),
        ]

    def create_body(self, world):
        return {
            "campaign": world.campaign.pk,
            "category": world.campaign.categories.get().pk,
            "organisation": world.organisation.pk,
            "title": "外区冒名",
            "contact_name": "某",
            "phone": "13800138000",
        }, "organisation"


class InternalAccess(EndpointAccess):
    inside = INTERNAL
    outside = NOT_INTERNAL

    def setup_world(self, world, users):
        access_world(world, users, notice=getattr(self, "notice", False))


class TestAssignments(InternalAccess):
    model = Assignment
    list_url = "/api/v1/selection/assignments/"

    def detail_url(self, world):
        return f"{self.list_url}{world.assignment.pk}/"

    def object_id(self, world):
        return world.assignment.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"stage": world.review.pk}]

    def references(self, world):
        return [
            (
                "post",
                self.list_url,
                {"stage": world.review.pk, "entry": world.entry.pk, "expert": world.expert.pk},
                "stage",
            )
        ]


class TestScoreSheets(InternalAccess):
    model = ScoreSheet
    list_url = "/api/v1/selection/sheets/"

    def detail_url(self, world):
        return f"{self.list_url}{world.sheet.pk}/"

    def object_id(self, world):
        return world.sheet.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"entry": world.entry.pk}, {"voided": "false"}]

    def actions(self, world):
        return [("post", f"{self.detail_url(world)}void/", {"reason": "x"})]


class TestObjections(InternalAccess):
    model = Objection
    list_url = "/api/v1/selection/objections/"
    notice = True
    within_filter = False

    def detail_url(self, world):
        return f"{self.list_url}{world.objection.pk}/"

    def object_id(self, world):
        return world.objection.pk

    def filters(self, world):
        return [{"campaign": world.campaign.pk}, {"status": "open"}]

    def actions(self, world):
        return [("post", f"{self.detail_url(world)}answer/", {"action": "dismiss", "answer": "x"})]


def test_an_expert_sees_only_their_reviews_as_blind_review_allows(world, users, api_for, make_user):
    from selection import services

    access_world(world, users)
    user = make_user(username="expert-jia")
    services.expert_contact_set(
        expert=world.expert,
        phone=world.expert.phone,
        user=user,
        acting_user=users["district_officer"],
    )
    api = api_for(user)
    reviews = api.get("/api/v1/selection/reviews/").json()["results"]
    assert [r["id"] for r in reviews] == [world.assignment.pk]
    assert reviews[0]["entry"]["submitter"] == world.organisation.name
    assert "13800138000" not in str(reviews[0])
    assert reviews[0]["sheet"]["total"] == "80.00"
    other = make_user(username="expert-yi")
    assert (
        api_for(other).get(f"/api/v1/selection/reviews/{world.assignment.pk}/").status_code == 404
    )
    assert api_for(other).get("/api/v1/selection/reviews/").json()["results"] == []
    # the same expert cannot score again through the API either
    response = api.post(
        f"/api/v1/selection/reviews/{world.assignment.pk}/sheet/",
        {"points": {"theme": "9", "innovation": "9", "results": "9"}},
        format="json",
    )
    assert response.status_code == 400 and "already scored" in str(response.json())
