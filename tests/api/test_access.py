"""The access matrix: every endpoint × anonymous, each role inside its jurisdiction, each role
outside it (after NetBox's ``ViewTestCases``: the checks live in ``EndpointAccess``; a test class
per endpoint only names the endpoint and its sample data)."""

import pytest

from tests.conftest import PINGSHAN_COMMUNITY, PINGSHAN_STREET

pytestmark = pytest.mark.django_db

#: roles whose jurisdiction covers the world's organisation (坪山社区)
INSIDE = [
    "community_staff",
    "street_officer",
    "district_officer",
    "city_officer",
    "organisation_leader",
    "superuser",
]
#: the same roles bound elsewhere: 马峦社区, 马峦街道, 龙岗区, another organisation
OUTSIDE = [
    "community_staff_out",
    "street_officer_out",
    "district_officer_out",
    "organisation_leader_out",
]
#: inside roles that may change the ledger (the city bureau only watches)
WRITERS = ["community_staff", "street_officer", "district_officer", "organisation_leader"]


def pytest_generate_tests(metafunc):
    """Each test class names its roles (``inside``, ``outside``, ``writers``); a test asks for
    ``inside_role``, ``outside_role`` or ``writer_role`` and runs once per role."""
    for argument, attribute in (
        ("inside_role", "inside"),
        ("outside_role", "outside"),
        ("writer_role", "writers"),
    ):
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, getattr(metafunc.cls, attribute))


def result_ids(response, key="id"):
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


class EndpointAccess:
    """Access checks for one endpoint. A subclass sets ``list_url`` and implements the sample
    data hooks; every hook gets the ``world`` fixture (``tests/api/conftest.py``)."""

    list_url: str
    #: query of the plain list check (long lists: narrow it to a page that can hold the object)
    list_query: dict = {}
    id_key = "id"
    inside = INSIDE
    outside = OUTSIDE

    def detail_url(self, world) -> str:
        raise NotImplementedError

    def object_id(self, world):
        raise NotImplementedError

    def filters(self, world) -> list[dict]:
        """Query strings that select the sample object (each alone) for every inside role."""
        return []

    def actions(self, world) -> list[tuple[str, str, dict]]:
        """Other requests on the object: (method, url, body)."""
        return []

    def create_body(self, world) -> tuple[dict, str] | None:
        """A create body that refers to the world through field ``name``: (body, name)."""
        return None

    # the checks

    def all_requests(self, world):
        yield "get", self.list_url, None
        yield "get", self.detail_url(world), None
        yield from self.actions(world)
        if self.create_body(world):
            yield "post", self.list_url, self.create_body(world)[0]

    def test_anonymous_is_asked_to_authenticate(self, world, api_for):
        api = api_for()
        for method, url, body in self.all_requests(world):
            response = getattr(api, method)(url, body, format="json")
            assert response.status_code == 401, (method, url, response.status_code)
            assert response["WWW-Authenticate"] == "Token"
            assert "detail" in response.json()

    def test_inside_sees_it_in_lists_filters_and_detail(self, inside_role, world, users, api_for):
        role = inside_role
        api = api_for(users[role])
        wanted = self.object_id(world)
        assert wanted in result_ids(api.get(self.list_url, self.list_query), self.id_key)
        for query in self.filters(world):
            if "within" in query and role == "organisation_leader":
                continue  # bound to an organisation, not a place: it sees no divisions
            assert wanted in result_ids(api.get(self.list_url, query), self.id_key), query
        response = api.get(self.detail_url(world))
        assert response.status_code == 200
        assert response.json()[self.id_key] == wanted

    def test_outside_gets_404_and_finds_nothing(self, outside_role, world, users, api_for):
        api = api_for(users[outside_role])
        wanted = self.object_id(world)
        assert wanted not in result_ids(api.get(self.list_url, self.list_query), self.id_key)
        for query in self.filters(world):
            assert wanted not in result_ids(api.get(self.list_url, query), self.id_key), query
        # The subtree itself is invisible: filtering by it finds nothing at all.
        assert result_ids(api.get(self.list_url, {"within": PINGSHAN_COMMUNITY}), self.id_key) == []
        assert api.get(self.detail_url(world)).status_code == 404
        for method, url, body in self.actions(world):
            response = getattr(api, method)(url, body, format="json")
            assert response.status_code == 404, (method, url, response.content)
            assert response.json() == {"detail": "Not found."}
        if self.create_body(world):
            body, field = self.create_body(world)
            response = api.post(self.list_url, body, format="json")
            assert response.status_code == 400, response.content
            assert "does not exist" in " ".join(response.json()[field])


class ChangeAccess:
    """For endpoints whose objects are changed with PATCH: ``change_body`` is a harmless one."""

    writers = WRITERS

    def change_body(self, world) -> dict:
        raise NotImplementedError

    def test_writers_change_it(self, writer_role, world, users, api_for):
        body = self.change_body(world)
        response = api_for(users[writer_role]).patch(self.detail_url(world), body, format="json")
        assert response.status_code == 200, response.content
        for key, value in body.items():
            if key != "reason":
                assert response.json()[key] == value

    def test_the_city_only_watches(self, world, users, api_for):
        response = api_for(users["city_officer"]).patch(
            self.detail_url(world), self.change_body(world), format="json"
        )
        assert response.status_code == 404


class TestDivisions(EndpointAccess):
    list_url = "/api/v1/divisions/"
    list_query = {"q": PINGSHAN_STREET}  # codes starting with the street's
    id_key = "code"
    # An organisation leader is bound to an organisation, not to a place in the tree.
    inside = [role for role in INSIDE if role != "organisation_leader"]
    outside = [*OUTSIDE, "organisation_leader"]

    def detail_url(self, world):
        return f"{self.list_url}{PINGSHAN_COMMUNITY}/"

    def object_id(self, world):
        return PINGSHAN_COMMUNITY

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"q": "坪山社区", "level": "community"}]


class TestOrganisations(ChangeAccess, EndpointAccess):
    list_url = "/api/v1/organisations/"

    def detail_url(self, world):
        return f"{self.list_url}{world.organisation.pk}/"

    def object_id(self, world):
        return world.organisation.pk

    def filters(self, world):
        return [
            {"within": PINGSHAN_COMMUNITY},
            {"q": "书画"},
            {"status": "activity_group", "field": "culture_sports", "org_type": "association"},
            {"has_brand_project": "true", "is_hub": "false"},
            {"founded_after": "2023-01-01", "founded_before": "2023-12-31"},
        ]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("get", f"{url}history/", None),
            ("get", f"{url}brand-projects/", None),
            ("post", f"{url}brand-projects/", {"name": "x", "year": 2024, "recognised_by": "y"}),
            ("post", f"{url}hub-designate/", {"reason": "x"}),
            ("post", f"{url}hub-revoke/", {"reason": "x"}),
            ("post", f"{url}reverse-exit/", {"reason": "x"}),
            ("patch", url, {"venue": "x"}),
            ("put", url, {"name": "x", "community": PINGSHAN_COMMUNITY}),
        ]

    def create_body(self, world):
        body = {
            "name": "坪山社区新小组",
            "community": PINGSHAN_COMMUNITY,
            "org_type": "service",
            "field": "charity",
        }
        return body, "community"

    def change_body(self, world):
        return {"venue": "坪山社区党群服务中心三楼", "reason": "场地调整"}


class TestMembers(ChangeAccess, EndpointAccess):
    list_url = "/api/v1/members/"

    def detail_url(self, world):
        return f"{self.list_url}{world.member.pk}/"

    def object_id(self, world):
        return world.member.pk

    def filters(self, world):
        return [
            {"organisation": world.organisation.pk},
            {"within": PINGSHAN_COMMUNITY},
            {"q": world.member.name, "role": "leader", "current": "true"},
        ]

    def actions(self, world):
        url = self.detail_url(world)
        return [("patch", url, {"phone": "13800138000"}), ("put", url, {"name": "x"})]

    def create_body(self, world):
        return {"organisation": world.organisation.pk, "name": "新成员"}, "organisation"

    def change_body(self, world):
        return {"phone": "13900139000", "reason": "更新电话"}


class TestActivities(ChangeAccess, EndpointAccess):
    list_url = "/api/v1/activities/"

    def detail_url(self, world):
        return f"{self.list_url}{world.activity.pk}/"

    def object_id(self, world):
        return world.activity.pk

    def filters(self, world):
        return [
            {"organisation": world.organisation.pk},
            {"within": PINGSHAN_COMMUNITY},
            {"series": "culture", "held_after": "2024-01-01", "q": "书画"},
        ]

    def actions(self, world):
        url = self.detail_url(world)
        return [("patch", url, {"participants": 1}), ("put", url, {"title": "x"})]

    def create_body(self, world):
        body = {"organisation": world.organisation.pk, "held_on": "2024-06-01", "title": "x"}
        return body, "organisation"

    def change_body(self, world):
        return {"participants": 45}


class TestApplications(EndpointAccess):
    list_url = "/api/v1/applications/"

    def detail_url(self, world):
        return f"{self.list_url}{world.application.pk}/"

    def object_id(self, world):
        return world.application.pk

    def filters(self, world):
        return [
            {"organisation": world.organisation.pk},
            {"kind": "filing", "status": "submitted"},
            {"reviewing_division": PINGSHAN_STREET},
            {"within": PINGSHAN_COMMUNITY, "q": "书画"},
        ]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("post", f"{url}{name}/", {"reason": "x"})
            for name in ("approve", "reject", "return", "resubmit", "withdraw")
        ]

    def create_body(self, world):
        body = {"organisation": world.organisation.pk, "kind": "exit", "exit_reason": "voluntary"}
        return body, "organisation"
