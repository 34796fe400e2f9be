"""The registry's endpoints × anonymous, each role inside its jurisdiction, each role outside it
(the checks live in ``tests/access.py``; a test class per endpoint only names the endpoint and
its sample data)."""

import pytest

from tests.access import INSIDE, OUTSIDE, ChangeAccess, EndpointAccess
from tests.conftest import PINGSHAN_COMMUNITY, PINGSHAN_STREET

pytestmark = pytest.mark.django_db


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
