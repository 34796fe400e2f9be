"""Who sees what: pages and API answer 404 outside the jurisdiction and never list its rows.

The scenario tests check what each tier counts and lists in the hand-built district
(``conftest.py``); the classes at the end run the shared access tests (``tests/access.py``) over
every endpoint and page of the app."""

import datetime

import pytest
from django.urls import reverse

from party_building import services
from party_building.choices import PartyOrganisationKind as Kind
from party_building.models import InstructorAssignment, PartyInstructor, PartyOrganisation
from registry.models import Division
from tests.access import INSIDE, OUTSIDE, ChangeAccess, EndpointAccess, PageAccess
from tests.party_building.conftest import LIULIAN, PINGSHAN_COMMUNITY, add_party_members
from tests.places import PINGSHAN_STREET

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


def test_anonymous_users_are_sent_to_log_in_from_the_home_page(scenario, client):
    # every other page and endpoint: the access classes below
    response = client.get(url("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


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


# --- every endpoint and page on the shared access tests (tests/access.py) ----------------------

#: party organisations and instructors hang off a division: an organisation's leader sees none
NOT_LEADER = [role for role in INSIDE if role != "organisation_leader"]
OUTSIDE_AND_LEADER = [*OUTSIDE, "organisation_leader"]
PLACE_WRITERS = ["community_staff", "street_officer", "district_officer"]


def pingshan_branch(world, users):
    """A joint branch guided by 坪山社区, covering the world's organisation."""
    world.branch = services.party_organisation_create(
        acting_user=users["community_staff"],
        name="坪山社区社会组织联合党支部",
        kind=Kind.JOINT_BRANCH,
        guiding_division=Division.objects.get(code=PINGSHAN_COMMUNITY),
        founded_on=datetime.date(2024, 1, 1),
        secretary="张书记",
        member_count=5,
        covered_organisations=[world.organisation],
    )


def pingshan_instructor(world, users):
    """An instructor appointed by 坪山社区, assigned to the world's organisation."""
    world.instructor = services.instructor_create(
        acting_user=users["community_staff"],
        name="李指导员",
        division=Division.objects.get(code=PINGSHAN_COMMUNITY),
    )
    world.assignment = services.assignment_create(
        instructor=world.instructor,
        organisation=world.organisation,
        acting_user=users["street_officer"],
        start_on=datetime.date(2025, 1, 1),
    )


def three_party_members(world, users):
    """The world's organisation on the follow-up list: 3 formal party members, no branch."""
    add_party_members(world.organisation, users["community_staff"], formal=3)


class TestPartyOrganisationEndpoint(ChangeAccess, EndpointAccess):
    model = PartyOrganisation
    list_url = "/api/v1/party-organisations/"
    inside = NOT_LEADER
    outside = OUTSIDE_AND_LEADER
    writers = PLACE_WRITERS
    referrers = OUTSIDE  # the leader may name its own organisation

    def setup_world(self, world, users):
        pingshan_branch(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.branch.pk}/"

    def object_id(self, world):
        return world.branch.pk

    def filters(self, world):
        return [
            {"within": PINGSHAN_COMMUNITY},
            {"q": "联合"},
            {"q": "张书记", "kind": "joint_branch", "current": "true"},
            {"covers": world.organisation.pk},
        ]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("patch", url, {"member_count": 3, "reason": "x"}),
            ("put", url, {"name": "x", "kind": "joint_branch", "reason": "x"}),
        ]

    def create_body(self, world):
        body = {
            "name": "越界联合党支部",
            "kind": "joint_branch",
            "guiding_division": PINGSHAN_COMMUNITY,
            "founded_on": "2024-01-01",
        }
        return body, "guiding_division"

    def references(self, world):
        body = {
            "name": "越界联合党支部",
            "kind": "joint_branch",
            "guiding_division": PINGSHAN_COMMUNITY,
            "founded_on": "2024-01-01",
            "covered_organisations": [world.organisation.pk],
        }
        return [*super().references(world), ("post", self.list_url, body, "covered_organisations")]

    def change_body(self, world):
        return {"member_count": 6, "reason": "发展党员"}

    def refused(self, world):
        # party records are dissolved, never deleted
        return [("street_officer", "delete", self.detail_url(world), None, 405)]


class TestPartyInstructorEndpoint(ChangeAccess, EndpointAccess):
    model = PartyInstructor
    list_url = "/api/v1/party-instructors/"
    inside = NOT_LEADER
    outside = OUTSIDE_AND_LEADER
    writers = PLACE_WRITERS

    def setup_world(self, world, users):
        pingshan_instructor(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.instructor.pk}/"

    def object_id(self, world):
        return world.instructor.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"q": "李指导员"}]

    def actions(self, world):
        url = self.detail_url(world)
        return [("patch", url, {"phone": "13800000000", "reason": "x"})]

    def create_body(self, world):
        return {"name": "越界指导员", "division": PINGSHAN_COMMUNITY}, "division"

    def change_body(self, world):
        return {"phone": "13800138000", "reason": "更新电话"}


class TestInstructorAssignmentEndpoint(EndpointAccess):
    model = InstructorAssignment
    list_url = "/api/v1/party-instructor-assignments/"

    def setup_world(self, world, users):
        pingshan_instructor(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.assignment.pk}/"

    def object_id(self, world):
        return world.assignment.pk

    def filters(self, world):
        return [
            {"organisation": world.organisation.pk},
            {"instructor": world.instructor.pk, "current": "true"},
            {"within": PINGSHAN_COMMUNITY},
        ]

    def actions(self, world):
        return [("patch", self.detail_url(world), {"note": "x", "reason": "x"})]

    def create_body(self, world):
        body = {
            "instructor": world.instructor.pk,
            "organisation": world.organisation.pk,
            "start_on": "2025-06-01",
        }
        return body, "organisation"


class TestFollowUpEndpoint(EndpointAccess):
    list_url = "/api/v1/party-follow-up/"

    def setup_world(self, world, users):
        three_party_members(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.organisation.pk}/"

    def object_id(self, world):
        return world.organisation.pk

    def filters(self, world):
        return [
            {"within": PINGSHAN_COMMUNITY},
            {"coverage_mode": "none", "q": "书画"},
            {"guiding_division": PINGSHAN_COMMUNITY},
        ]


class TestPartyCoverageEndpoint(EndpointAccess):
    """One node's figures (``?scope=``): the world's community."""

    list_url = None
    inside = NOT_LEADER
    outside = OUTSIDE_AND_LEADER

    def setup_world(self, world, users):
        pingshan_branch(world, users)

    def detail_url(self, world):
        return f"/api/v1/party-coverage/?scope={PINGSHAN_COMMUNITY}"

    def object_id(self, world):
        return PINGSHAN_COMMUNITY

    def id_of(self, body):
        return body["node"]["code"]

    def actions(self, world):
        return [
            ("get", f"/api/v1/party-coverage/uncovered/?scope={code}&figure={figure}", None)
            for code, figure in (
                (PINGSHAN_COMMUNITY, "work_coverage"),
                (PINGSHAN_COMMUNITY, "organisation_coverage"),
                (PINGSHAN_STREET, "communities_with_branch"),
            )
        ]


class TestPartyOrganisationPages(PageAccess):
    model = PartyOrganisation
    list_url = url("organisation-list")
    inside = NOT_LEADER
    outside = OUTSIDE_AND_LEADER
    writers = PLACE_WRITERS

    def setup_world(self, world, users):
        pingshan_branch(world, users)

    def object_id(self, world):
        return world.branch.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"q": "联合", "kind": "joint_branch"}]

    def detail_url(self, world):
        return url("organisation-detail", world.branch.pk)

    def write_pages(self, world):
        return [url("organisation-update", world.branch.pk)]

    def references(self, world):
        data = {
            "name": "越界联合党支部",
            "kind": "joint_branch",
            "guiding_division": PINGSHAN_COMMUNITY,
            "founded_on": "2024-01-01",
            "member_count": 0,
        }
        covering = {**data, "covered_organisations": [world.organisation.pk]}
        del covering["guiding_division"]
        return [
            (url("organisation-create"), data, "guiding_division"),
            (url("organisation-create"), covering, "covered_organisations"),
        ]

    def refused(self, world):
        # the city bureau reads, and its change pages are not found
        return [
            ("city_officer", "get", url("organisation-update", world.branch.pk), None, 404),
            ("city_officer", "post", url("organisation-update", world.branch.pk), {}, 404),
        ]


class TestPartyInstructorPages(PageAccess):
    model = PartyInstructor
    list_url = url("instructor-list")
    inside = NOT_LEADER
    outside = OUTSIDE_AND_LEADER
    writers = PLACE_WRITERS

    def setup_world(self, world, users):
        pingshan_instructor(world, users)

    def object_id(self, world):
        return world.instructor.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"q": "李指导员"}]

    def detail_url(self, world):
        return url("instructor-detail", world.instructor.pk)

    def write_pages(self, world):
        return [url("instructor-update", world.instructor.pk)]

    def references(self, world):
        data = {"name": "越界指导员", "division": PINGSHAN_COMMUNITY}
        return [(url("instructor-create"), data, "division")]


class TestInstructorAssignmentPages(PageAccess):
    model = InstructorAssignment
    list_url = url("assignment-list")
    writers = PLACE_WRITERS

    def setup_world(self, world, users):
        pingshan_instructor(world, users)

    def object_id(self, world):
        return world.assignment.pk

    def filters(self, world):
        return [{"organisation": world.organisation.pk}, {"current": "true"}]

    def write_pages(self, world):
        return [url("assignment-update", world.assignment.pk)]

    def references(self, world):
        data = {
            "instructor": world.instructor.pk,
            "organisation": world.organisation.pk,
            "start_on": "2025-06-01",
        }
        return [(url("assignment-create"), data, "organisation")]


class TestFollowUpPage(PageAccess):
    list_url = url("follow-up")

    def setup_world(self, world, users):
        three_party_members(world, users)

    def object_id(self, world):
        return world.organisation.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"coverage_mode": "none"}]


class TestCoveragePages(PageAccess):
    """The figures of the world's community and the lists behind them."""

    inside = NOT_LEADER
    outside = OUTSIDE_AND_LEADER

    def setup_world(self, world, users):
        pingshan_branch(world, users)

    def pages(self, world):
        return [
            url("coverage", PINGSHAN_COMMUNITY),
            url("uncovered", PINGSHAN_COMMUNITY, "organisation_coverage"),
            url("uncovered", PINGSHAN_COMMUNITY, "work_coverage"),
        ]
