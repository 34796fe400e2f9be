"""Organisations, rosters, activities and brand projects through the API: writes go through the
services (history with user and reason), references resolve only inside the jurisdiction."""

import pytest

from registry.models import Activity, BrandProject, Member, Organisation
from tests.conftest import MALUAN_COMMUNITY, PINGSHAN_COMMUNITY

pytestmark = pytest.mark.django_db
ORGS = "/api/v1/organisations/"
NEW_GROUP = {
    "name": "坪山社区　义剪队",  # an ideographic space, as typed on a Chinese keyboard
    "community": PINGSHAN_COMMUNITY,
    "org_type": "service",
    "field": "life_services",
    "service_targets": ["hardship", "elderly_children", "hardship"],
    "founded_on": "2024-02-01",
    "reason": "社区推荐",
}


def last_history(model, pk):
    return model.history.filter(id=pk).order_by("-history_id").first()


def test_create_enters_an_activity_group_with_history(staff, token_api):
    response = token_api(staff).post(ORGS, NEW_GROUP, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "坪山社区 义剪队"  # normalised by the service
    assert body["status"] == "activity_group"
    assert body["service_targets"] == ["elderly_children", "hardship"]
    assert body["street"] == "440310001" and body["district"] == "440310"
    assert body["members"] == [] and body["recent_activities"] == []
    row = last_history(Organisation, body["id"])
    assert row.history_user == staff and row.history_change_reason == "社区推荐"


def test_status_and_numbers_cannot_be_written(staff, api_for):
    body = {**NEW_GROUP, "status": "registered", "credit_code": "X", "is_hub": True}
    response = api_for(staff).post(ORGS, body, format="json")
    assert response.status_code == 201
    created = Organisation.objects.get(pk=response.json()["id"])
    assert (created.status, created.credit_code, created.is_hub) == ("activity_group", None, False)


def test_a_duplicate_live_name_is_a_400_for_the_whole_object(world, staff, api_for):
    body = {**NEW_GROUP, "name": world.organisation.name}
    response = api_for(staff).post(ORGS, body, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["non_field_errors"][0]


def test_street_moves_an_organisation_within_its_street_but_not_out(world, street_officer, api_for):
    api = api_for(street_officer)
    url = f"{ORGS}{world.organisation.pk}/"
    inside = "440310001001"
    response = api.patch(url, {"community": inside, "reason": "搬迁"}, format="json")
    assert response.status_code == 200 and response.json()["community"] == inside
    response = api.patch(url, {"community": MALUAN_COMMUNITY}, format="json")
    assert response.status_code == 400
    assert "does not exist" in response.json()["community"][0]
    world.organisation.refresh_from_db()
    assert world.organisation.community_id == inside


def test_a_write_that_leaves_the_jurisdiction_is_rolled_back(world, staff, api_for, monkeypatch):
    # Whatever lets a write through the reference checks, the saved row is checked again
    # inside the transaction: simulate a row that ends up outside after saving.
    monkeypatch.setattr(Organisation, "is_within", lambda self, user, action="view": False)
    response = api_for(staff).patch(
        f"{ORGS}{world.organisation.pk}/", {"venue": "别处"}, format="json"
    )
    assert response.status_code == 404
    world.organisation.refresh_from_db()
    assert world.organisation.venue != "别处"
    assert last_history(Organisation, world.organisation.pk).venue != "别处"


def test_detail_has_roster_activities_brand_projects_and_applications(world, api_for, staff):
    body = api_for(staff).get(f"{ORGS}{world.organisation.pk}/").json()
    assert len(body["members"]) == 10
    assert [a["title"] for a in body["recent_activities"]] == ["端午书画展"]
    assert [b["name"] for b in body["brand_projects"]] == ["翰墨邻里"]
    assert [(a["kind"], a["status"]) for a in body["applications"]] == [("filing", "submitted")]


def test_history_shows_who_why_and_field_diffs(world, staff, api_for):
    api = api_for(staff)
    url = f"{ORGS}{world.organisation.pk}/"
    api.patch(url, {"venue": "坪山社区文化室", "reason": "场地调整"}, format="json")
    entries = api.get(f"{url}history/").json()
    change = entries[0]
    assert change["model"] == "organisation" and change["action"] == "~"
    assert change["user"]["username"] == staff.username
    assert change["reason"] == "场地调整"
    assert change["changes"] == [
        {
            "field": "venue",
            "label": "venue",
            "old": "坪山社区党群服务中心二楼",
            "new": "坪山社区文化室",
        }
    ]
    models = {entry["model"] for entry in entries}
    assert models == {"organisation", "member", "activity", "brandproject", "application"}


def test_hub_is_designated_by_the_street_only_and_twice_is_a_409(
    world, staff, street_officer, api_for
):
    url = f"{ORGS}{world.organisation.pk}/"
    assert api_for(staff).post(f"{url}hub-designate/", {}, format="json").status_code == 403
    api = api_for(street_officer)
    response = api.post(f"{url}hub-designate/", {"reason": "枢纽型社会组织"}, format="json")
    assert response.status_code == 200
    assert response.json()["is_hub"] is True and response.json()["hub_designated_by"] == "440310001"
    assert api.post(f"{url}hub-designate/", {}, format="json").status_code == 409
    assert api.get(ORGS, {"is_hub": "true"}).json()["results"][0]["id"] == world.organisation.pk
    response = api.post(f"{url}hub-revoke/", {"reason": "不再承担枢纽职能"}, format="json")
    assert response.status_code == 200 and response.json()["is_hub"] is False
    assert api.post(f"{url}hub-revoke/", {}, format="json").status_code == 409


def test_brand_projects_are_listed_and_added(world, street_officer, api_for):
    api = api_for(street_officer)
    url = f"{ORGS}{world.organisation.pk}/brand-projects/"
    response = api.post(
        url, {"name": "邻里守望", "year": 2025, "recognised_by": "坪山区"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert last_history(BrandProject, response.json()["id"]).history_user == street_officer
    assert [p["name"] for p in api.get(url).json()] == ["邻里守望", "翰墨邻里"]
    response = api.post(url, {"name": "x", "year": 3000, "recognised_by": "y"}, format="json")
    assert response.status_code == 400 and "year" in response.json()


def test_members_join_change_and_leave(world, token_api, staff):
    api = token_api(staff)
    response = api.post(
        "/api/v1/members/",
        {
            "organisation": world.organisation.pk,
            "name": "李秀英",
            "phone": "138 0013 8000",
            "role": "volunteer",
            "joined_on": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    member = response.json()
    assert member["phone"] == "13800138000" and member["is_current"] is True
    url = f"/api/v1/members/{member['id']}/"
    response = api.patch(url, {"left_on": "2023-12-31"}, format="json")
    assert response.status_code == 400 and "left_on" in response.json()
    response = api.patch(url, {"left_on": "2024-06-30", "reason": "搬离社区"}, format="json")
    assert response.status_code == 200 and response.json()["is_current"] is False
    row = last_history(Member, member["id"])
    assert row.history_user == staff and row.history_change_reason == "搬离社区"
    current = api.get(
        "/api/v1/members/", {"organisation": world.organisation.pk, "current": "true"}
    )
    assert member["id"] not in [m["id"] for m in current.json()["results"]]
    assert api.delete(url).status_code == 405


def test_member_phone_and_id_number_are_checked(world, staff, api_for):
    response = api_for(staff).post(
        "/api/v1/members/",
        {"organisation": world.organisation.pk, "name": "王伟", "phone": "123", "id_number": "1"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"phone", "id_number"}


def test_organisation_leader_keeps_their_own_roster_and_activities(world, users, api_for):
    api = api_for(users["organisation_leader"])
    response = api.post(
        "/api/v1/activities/",
        {
            "organisation": world.organisation.pk,
            "held_on": "2024-09-10",
            "title": "中秋书画笔会",
            "series": "culture",
            "participants": 30,
            "volunteer_hours": "6.5",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["volunteer_hours"] == "6.5"
    assert last_history(Activity, response.json()["id"]).history_user.username == "leader-in"
    other = {"organisation": world.other_organisation.pk, "held_on": "2024-09-10", "title": "x"}
    response = api.post("/api/v1/activities/", other, format="json")
    assert response.status_code == 400 and "does not exist" in response.json()["organisation"][0]


def test_organisation_filters(world, staff, api_for):
    api = api_for(staff)

    def ids(**query):
        return [row["id"] for row in api.get(ORGS, query).json()["results"]]

    group, other = world.organisation.pk, world.other_organisation.pk
    assert ids(q="太极") == [other]
    assert ids(has_brand_project="true") == [group]
    assert ids(has_brand_project="false") == [other]
    assert ids(status="filed") == []
    assert sorted(ids(status=["activity_group", "filed"])) == sorted([group, other])
    assert ids(field="charity") == []
    assert ids(within="440310001001") == []  # another community of the street: not theirs
    assert ids(founded_after="2024-01-01") == []
    assert ids(filed_after="2000-01-01") == []
