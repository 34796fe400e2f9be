"""The web pages and the .xlsx export of selection campaigns, on the shared access mixin, and
what the pages show: the live character counter, blind review, public results without
personal data, the case book and certificates."""

import pytest

from selection.models import Campaign, Entry, ScoreSheet
from tests.access import INSIDE, PageAccess
from tests.selection.conftest import access_world
from tests.selection.test_access import INTERNAL, NOT_INTERNAL

pytestmark = pytest.mark.django_db


class TestCampaignPages(PageAccess):
    model = Campaign
    list_url = "/selection/"
    inside = INSIDE
    outside = ["community_staff_out", "street_officer_out", "district_officer_out"]
    referrers = []

    def setup_world(self, world, users):
        access_world(world, users)

    def detail_url(self, world):
        return f"/selection/{world.campaign.pk}/"

    def write_pages(self, world):
        return [f"/selection/{world.campaign.pk}/entries/new/"]

    def actions(self, world):
        return [(f"/selection/{world.campaign.pk}/step/start_notice/", {})]

    def object_id(self, world):
        return world.campaign.pk

    def filters(self, world):
        return [{"q": "社区治理"}, {"year": 2024}]


class TestEntryPages(PageAccess):
    model = Entry
    list_url = None
    referrers = []

    def setup_world(self, world, users):
        access_world(world, users)

    def detail_url(self, world):
        return f"/selection/entries/{world.entry.pk}/"

    def actions(self, world):
        url = f"/selection/entries/{world.entry.pk}"
        return [(f"{url}/step/submit/", {}), (f"{url}/step/return/", {"note": "x"})]

    def label(self, world):
        return world.entry.title


class TestResultPagesAndExport(PageAccess):
    model = ScoreSheet
    inside = INTERNAL
    outside = NOT_INTERNAL
    referrers = []

    def setup_world(self, world, users):
        access_world(world, users)

    @property
    def list_url(self):
        return None

    def detail_url(self, world):
        return f"/selection/{world.campaign.pk}/results/"

    def pages(self, world):
        return [f"/selection/{world.campaign.pk}/results.xlsx"]

    def label(self, world):
        return world.entry.title


def test_the_entry_form_counts_characters_live(world, users, client_for):
    access_world(world, users)
    page = client_for(users["organisation_leader"]).get(
        f"/selection/{world.campaign.pk}/entries/new/"
    )
    html = page.content.decode()
    assert 'data-character-count="1"' in html and 'data-limit="5000"' in html
    assert "selection/count.js" in html and "http" not in html.split("count.js")[0][-80:]


def test_the_leader_sees_the_phone_the_city_sees_it_masked(world, users, client_for):
    access_world(world, users)
    url = f"/selection/entries/{world.entry.pk}/"
    assert "13800138000" in client_for(users["organisation_leader"]).get(url).content.decode()
    shown = client_for(users["city_officer"]).get(url).content.decode()
    assert "13800138000" not in shown and "138****8000" in shown


def test_the_expert_page_hides_the_submitter_in_blind_review(world, users, client_for, make_user):
    from selection import services

    access_world(world, users)
    world.campaign.blind_review = True
    world.campaign.save()
    user = make_user(username="expert-blind")
    services.expert_contact_set(
        expert=world.expert,
        phone=world.expert.phone,
        user=user,
        acting_user=users["district_officer"],
    )
    client = client_for(user)
    listed = client.get("/selection/reviews/").content.decode()
    assert world.entry.title in listed
    page = client.get(f"/selection/reviews/{world.assignment.pk}/").content.decode()
    assert world.entry.text[:50] in page
    assert world.organisation.name not in page and "13800138000" not in page
    other = make_user(username="expert-nobody")
    assert client_for(other).get(f"/selection/reviews/{world.assignment.pk}/").status_code == 404
