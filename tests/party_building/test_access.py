"""Who sees what: pages and API answer 404 outside the jurisdiction and never list its rows."""

import pytest
from django.urls import reverse

from party_building.models import PartyOrganisation
from tests.party_building.conftest import LIULIAN, PINGSHAN_COMMUNITY

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"party_building:{name}", args=args)


def test_community_staff_see_their_communitys_figures_only(scenario, client_for, api_for):
    s = scenario
    client = client_for(s.staff)
    response = client.get(url("home"))
    assert response.status_code == 200
    assert response.context["node"].code == PINGSHAN_COMMUNITY
    assert [(f["numerator"], f["denominator"]) for f in response.context["figures"]] == [
        (2, 4),
        (3, 4),
        (0, 0),
        (1, 1),
    ]
    assert client.get(url("coverage", PINGSHAN_COMMUNITY)).status_code == 200
    for outside in (LIULIAN, "440310001", "440310", "4403", "nonexistent"):
        assert client.get(url("coverage", outside)).status_code == 404, outside
        assert client.get(url("uncovered", outside, "organisation_coverage")).status_code == 404, (
            outside
        )

    api = api_for(s.staff)
    response = api.get("/api/v1/party-coverage/")
    assert response.status_code == 200
    body = response.json()
    assert body["node"]["code"] == PINGSHAN_COMMUNITY
    assert body["figures"]["work_coverage"] == {"numerator": 3, "denominator": 4, "value": 0.75}
    for outside in (LIULIAN, "440310001", "4403", "nonexistent"):
        assert api.get("/api/v1/party-coverage/", {"scope": outside}).status_code == 404
        response = api.get(
            "/api/v1/party-coverage/uncovered/",
            {"scope": outside, "figure": "work_coverage"},
        )
        assert response.status_code == 404


def test_community_staff_lists_stay_inside(scenario, client_for, api_for):
    s = scenario
    client, api = client_for(s.staff), api_for(s.staff)
    # Party organisations guided by their community only (not the street's general branch).
    response = client.get(url("organisation-list"))
    assert sorted(p.name for p in response.context["object_list"]) == sorted(
        [s.A_branch.name, s.J1.name]
    )
    response = api.get("/api/v1/party-organisations/")
    assert sorted(row["name"] for row in response.json()["results"]) == sorted(
        [s.A_branch.name, s.J1.name]
    )
    for other in (s.G, s.I_branch, s.J3):
        assert client.get(url("organisation-detail", other.pk)).status_code == 404
        assert api.get(f"/api/v1/party-organisations/{other.pk}/").status_code == 404
    # Uncovered organisations: their own community's.
    response = client.get(url("uncovered", PINGSHAN_COMMUNITY, "organisation_coverage"))
    assert sorted(o.name for o in response.context["object_list"]) == sorted([s.C.name, s.D.name])
    response = api.get(
        "/api/v1/party-coverage/uncovered/",
        {"scope": PINGSHAN_COMMUNITY, "figure": "work_coverage"},
    )
    assert [row["name"] for row in response.json()["results"]] == [s.D.name]
    # Follow-up list.
    response = client.get(url("follow-up"))
    assert [o.name for o in response.context["object_list"]] == [s.B.name]
    response = api.get("/api/v1/party-follow-up/")
    assert [(row["name"], row["formal_party_members"]) for row in response.json()["results"]] == [
        (s.B.name, 3)
    ]
    # Instructor assignments at their organisations (the street's instructor at C), but not
    # the instructor's record, which belongs to the street.
    response = api.get("/api/v1/party-instructor-assignments/")
    assert [row["organisation_name"] for row in response.json()["results"]] == [s.C.name]
    assert api.get(f"/api/v1/party-instructors/{s.instructor.pk}/").status_code == 404
    assert client.get(url("instructor-detail", s.instructor.pk)).status_code == 404


def test_street_officer_drills_down_to_communities(scenario, client_for):
    s = scenario
    client = client_for(s.street)
    response = client.get(url("coverage", "440310001"))
    assert response.status_code == 200
    assert [c["code"] for c in response.context["children"]][:1] == [LIULIAN]
    content = response.content.decode()
    assert url("coverage", LIULIAN) in content
    assert url("uncovered", "440310001", "communities_with_branch") in content
    response = client.get(url("uncovered", "440310001", "communities_with_branch"))
    assert [d.code for d in response.context["object_list"]] == ["440310001002", "440310001005"]
    assert client.get(url("coverage", "440310002")).status_code == 404
    assert client.get(url("coverage", "440310")).status_code == 404
    assert client.get(url("organisation-detail", s.J3.pk)).status_code == 404
    assert client.get(url("organisation-update", s.G.pk)).status_code == 200


def test_city_officer_reads_everything_and_changes_nothing(scenario, city_officer, client_for):
    client = client_for(city_officer)
    response = client.get(url("home"))
    assert response.context["node"].code == "4403"
    assert len(response.context["children"]) == 10
    assert client.get(url("organisation-detail", scenario.G.pk)).status_code == 200
    assert client.get(url("organisation-update", scenario.G.pk)).status_code == 404
    response = client.get(url("organisation-create"))
    assert list(response.context["form"].fields["guiding_division"].queryset) == []


def test_anonymous_users_are_sent_to_log_in(scenario, client, api_for):
    assert client.get(url("home")).status_code == 302
    assert client.get(url("coverage", "4403")).status_code == 302
    assert api_for().get("/api/v1/party-coverage/", {"scope": "4403"}).status_code in (401, 403)


def test_writes_outside_the_jurisdiction_are_not_found(scenario, api_for):
    s = scenario
    api = api_for(s.other_street)
    response = api.patch(
        f"/api/v1/party-organisations/{s.G.pk}/", {"member_count": 3}, format="json"
    )
    assert response.status_code == 404
    response = api.post(
        "/api/v1/party-organisations/",
        {
            "name": "越界联合党支部",
            "kind": "joint_branch",
            "guiding_division": "440310001",
            "founded_on": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "guiding_division" in response.json()
    assert not PartyOrganisation.objects.filter(name="越界联合党支部").exists()
    assert api.delete(f"/api/v1/party-organisations/{s.J3.pk}/").status_code == 405


def test_follow_up_filters_by_guiding_tier_and_mode(scenario, api_for, client_for):
    s = scenario
    api = api_for(s.district)
    names = lambda response: [row["name"] for row in response.json()["results"]]  # noqa: E731
    assert names(api.get("/api/v1/party-follow-up/", {"guiding_division": s.K.community_id})) == [
        s.K.name
    ]
    assert names(api.get("/api/v1/party-follow-up/", {"coverage_mode": "joint"})) == [s.B.name]
    assert names(api.get("/api/v1/party-follow-up/", {"within": "440310002"})) == [s.K.name]
    # A node outside the jurisdiction matches nothing.
    other = api_for(s.other_street)
    assert names(other.get("/api/v1/party-follow-up/", {"within": "440310001"})) == []
    response = client_for(s.district).get(
        reverse("party_building:follow-up"), {"coverage_mode": "none"}
    )
    assert [o.name for o in response.context["object_list"]] == [s.K.name]
