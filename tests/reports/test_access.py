"""The KPI dashboards, their export and the KPI endpoints on the shared access tests
(``tests/access.py``), for a node at each level above the world's organisation: its community,
street, district and the city. A node is seen by the officers of it and of the nodes above it;
anyone below it or beside it gets 404. An organisation's leader is bound to an organisation,
not a place: it sees no dashboard."""

import pytest
from django.urls import reverse

from tests.access import XLSX, EndpointAccess, PageAccess, cell_texts
from tests.places import PINGSHAN_COMMUNITY, PINGSHAN_DISTRICT, PINGSHAN_STREET

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    "community_staff",
    "street_officer",
    "district_officer",
    "city_officer",
    "superuser",
    "organisation_leader",
    "community_staff_out",
    "street_officer_out",
    "district_officer_out",
    "organisation_leader_out",
]
#: who sees each node
SEEN_BY = {
    PINGSHAN_COMMUNITY: [
        "community_staff",
        "street_officer",
        "district_officer",
        "city_officer",
        "superuser",
    ],
    PINGSHAN_STREET: ["street_officer", "district_officer", "city_officer", "superuser"],
    PINGSHAN_DISTRICT: ["district_officer", "city_officer", "superuser"],
    "4403": ["city_officer", "superuser"],
}


class NodeAccess:
    """``node``: the division whose pages are checked; who is inside follows from it."""

    node: str

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "node"):
            cls.inside = SEEN_BY[cls.node]
            cls.outside = [role for role in ALL_ROLES if role not in cls.inside]


class DashboardPages(NodeAccess, PageAccess):
    """The organisations behind the node's density (the world's among them), and every page
    of the node."""

    @property
    def list_url(self):
        return reverse("reports:organisations", args=[self.node, "density"])

    def object_id(self, world):
        return world.organisation.pk

    def label(self, world):
        return world.organisation.name

    def filters(self, world):
        return [{"part": "denominator"}]

    def outside_list_status(self, query):
        return 404  # the node itself is out of sight

    def pages(self, world):
        return [
            reverse("reports:dashboard", args=[self.node]),
            reverse("reports:kpi", args=[self.node, "hub_coverage"]),
            reverse("reports:organisations", args=[self.node, "exits"]),
            reverse("reports:export", args=[self.node]),
        ]

    def test_inside_sees_it(self, inside_role, world, users, client_for):
        super().test_inside_sees_it(inside_role, world, users, client_for)
        # the export is a real workbook whose first row is the node
        response = client_for(users[inside_role]).get(reverse("reports:export", args=[self.node]))
        assert response["Content-Type"].startswith(XLSX)
        assert self.node in cell_texts(response.content)


class TestCommunityDashboard(DashboardPages):
    node = PINGSHAN_COMMUNITY


class TestStreetDashboard(DashboardPages):
    node = PINGSHAN_STREET


class TestDistrictDashboard(DashboardPages):
    node = PINGSHAN_DISTRICT


class TestCityDashboard(DashboardPages):
    node = "4403"


class KpiEndpoint(NodeAccess, EndpointAccess):
    """``/api/v1/kpis/?scope=``: the node's KPIs, and the organisations behind a number."""

    list_url = None

    def detail_url(self, world):
        return f"/api/v1/kpis/?scope={self.node}"

    def object_id(self, world):
        return self.node

    def id_of(self, body):
        return body["scope"]["code"]

    def actions(self, world):
        drill = "/api/v1/kpis/{}/organisations/?scope=" + self.node
        return [
            ("get", drill.format("density"), None),
            ("get", drill.format("density") + "&part=denominator", None),
            ("get", drill.format("exits"), None),
        ]

    def test_inside_sees_it_in_lists_filters_and_detail(self, inside_role, world, users, api_for):
        super().test_inside_sees_it_in_lists_filters_and_detail(inside_role, world, users, api_for)
        drill = f"/api/v1/kpis/density/organisations/?scope={self.node}&page_size=200"
        response = api_for(users[inside_role]).get(drill)
        assert response.status_code == 200
        assert world.organisation.pk in [row["id"] for row in response.json()["results"]]


class TestCommunityKpis(KpiEndpoint):
    node = PINGSHAN_COMMUNITY


class TestStreetKpis(KpiEndpoint):
    node = PINGSHAN_STREET


class TestDistrictKpis(KpiEndpoint):
    node = PINGSHAN_DISTRICT


class TestCityKpis(KpiEndpoint):
    node = "4403"
