"""The API with bad input: every problem a 400 that says what and where, never a 500; the
public results without personal data."""

import datetime

import pytest

from selection import services
from tests.selection.conftest import access_world

pytestmark = pytest.mark.django_db


def test_bad_input_is_a_clear_400(world, users, api_for):
    access_world(world, users)
    api = api_for(users["street_officer"])
    base = f"/api/v1/selection/campaigns/{world.campaign.pk}"
    for as_of in ("yesterday", "2023-13-45T10:00:00", "2023-02-30T00:00:00+08:00", "x" * 300):
        response = api.get(f"{base}/results/", {"as_of": as_of})
        assert response.status_code == 400 and "as_of" in response.json(), as_of
    response = api.post(
        f"{base}/formula/", {"weights": {str(world.review.pk): "60"}}, format="json"
    )
    assert response.status_code == 400
    assert "The weights add up to 60, not 100." in response.json()["weights"]
    for category in (2**70, -1, "abc", None):
        response = api.post(f"{base}/cut/", {"category": category, "kind": "top"}, format="json")
        assert response.status_code == 400 and "category" in response.json(), category
    response = api.post(
        f"/api/v1/selection/entries/{world.entry.pk}/pictures/",
        {"pictures": [{"name": "a.jpg", "content": "not base64!!"}]},
        format="json",
    )
    assert response.status_code == 400
    leader = api_for(users["organisation_leader"])
    response = leader.post(
        "/api/v1/selection/entries/",
        {
            "campaign": world.campaign.pk,
            "category": world.campaign.categories.get().pk,
            "organisation": world.organisation.pk,
            "title": "第二个案例",
            "text": "字" * 5001,
            "contact_name": "黄",
            "phone": "12345",
        },
        format="json",
    )
    # the collection is closed in this world: the state is named, nothing is written
    assert response.status_code == 409 and "not collecting" in response.json()["detail"]


def test_published_results_carry_no_personal_data(world, users, api_for, client):
    access_world(world, users, notice=True)
    organiser = users["street_officer"]
    services.objection_answer(
        objection=world.objection, action="dismiss", answer="已核实", acting_user=organiser
    )
    services.campaign_finalise(
        campaign=world.campaign,
        acting_user=organiser,
        today=datetime.date.today() + datetime.timedelta(days=30),
    )
    rows = api_for().get(f"/api/v1/selection/public/{world.campaign.pk}/").json()
    assert rows == [
        {
            "category": "社区服务类",
            "rank": 1,
            "title": "书画进社区",
            "submitter": world.organisation.name,
            "total": "80.00",
            "award": "",
        }
    ]
    page = client.get(f"/selection/public/{world.campaign.pk}/").content.decode()
    assert "书画进社区" in page and "13800138000" not in page and "黄联系" not in page
    assert "138****8000" not in page
