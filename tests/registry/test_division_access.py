"""Division pages and endpoints: what each tier lists, 404 above or beside the jurisdiction
(anonymous, and the world's community for every role: the shared access tests in
``tests/api/test_access.py`` and ``tests/web/test_access.py``)."""

import pytest
from django.urls import reverse

from registry.choices import Role
from tests.conftest import (
    MALUAN_COMMUNITY,
    MALUAN_STREET,
    PINGSHAN_COMMUNITY,
    PINGSHAN_DISTRICT,
    PINGSHAN_STREET,
)

pytestmark = pytest.mark.django_db


def page_codes(response):
    return [d.code for d in response.context["object_list"]]


def api_codes(response):
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def pingshan_street_officer(make_user):
    return make_user(Role.STREET_OFFICER, PINGSHAN_STREET)


def test_street_officer_lists_only_their_communities_on_the_page(
    pingshan_street_officer, client_for
):
    client = client_for(pingshan_street_officer)
    response = client.get(reverse("division-list"), {"level": "community"})
    assert response.status_code == 200
    codes = page_codes(response)
    assert PINGSHAN_COMMUNITY in codes
    assert all(code.startswith(PINGSHAN_STREET) for code in codes)
    assert response.context["paginator"].count == len(codes) == 5


def test_street_officer_gets_404_for_a_community_of_another_street(
    pingshan_street_officer, client_for, api_for
):
    client = client_for(pingshan_street_officer)
    assert client.get(reverse("division-detail", args=[PINGSHAN_COMMUNITY])).status_code == 200
    assert client.get(reverse("division-detail", args=[MALUAN_COMMUNITY])).status_code == 404
    assert client.get(reverse("division-detail", args=[MALUAN_STREET])).status_code == 404
    api = api_for(pingshan_street_officer)
    assert api.get(f"/api/v1/divisions/{PINGSHAN_COMMUNITY}/").status_code == 200
    assert api.get(f"/api/v1/divisions/{MALUAN_COMMUNITY}/").status_code == 404
    assert api.get("/api/v1/divisions/nonexistent/").status_code == 404


def test_street_officer_api_list_and_filters_stay_inside(pingshan_street_officer, api_for):
    api = api_for(pingshan_street_officer)
    codes = api_codes(api.get("/api/v1/divisions/", {"level": "community"}))
    assert len(codes) == 5 and all(c.startswith(PINGSHAN_STREET) for c in codes)
    # Filtering by a node outside the jurisdiction reveals nothing.
    assert api_codes(api.get("/api/v1/divisions/", {"within": MALUAN_STREET})) == []
    assert api_codes(api.get("/api/v1/divisions/", {"parent": MALUAN_STREET})) == []
    assert api_codes(api.get("/api/v1/divisions/", {"q": "马峦"})) == []


def test_district_officer_sees_their_districts_streets_only(make_user, api_for, client_for):
    officer = make_user(Role.DISTRICT_OFFICER, PINGSHAN_DISTRICT)
    codes = api_codes(api_for(officer).get("/api/v1/divisions/", {"level": "street"}))
    assert len(codes) == 7 and all(c.startswith(PINGSHAN_DISTRICT) for c in codes)
    client = client_for(officer)
    assert client.get(reverse("division-detail", args=["440307009"])).status_code == 404
    assert client.get(reverse("division-detail", args=[MALUAN_STREET])).status_code == 200


def test_city_officer_sees_all(make_user, api_for):
    officer = make_user(Role.CITY_OFFICER, "4403")
    response = api_for(officer).get("/api/v1/divisions/", {"level": "street"})
    assert response.json()["count"] == 79


def test_divisions_are_read_only_in_the_api(pingshan_street_officer, api_for):
    api = api_for(pingshan_street_officer)
    assert api.post("/api/v1/divisions/", {"code": "1", "name": "x"}).status_code == 405
    assert api.delete(f"/api/v1/divisions/{PINGSHAN_COMMUNITY}/").status_code == 405


def test_home_page_shows_the_users_role_and_node(pingshan_street_officer, client_for):
    response = client_for(pingshan_street_officer).get(reverse("home"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "坪山街道" in text and "街道" in text


def test_interface_is_chinese_by_default_and_switches_to_english(
    pingshan_street_officer, client_for
):
    client = client_for(pingshan_street_officer)
    assert "退出登录" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log out" in client.get(reverse("home")).content.decode()


def test_admin_is_in_chinese_by_default(make_user, client_for):
    admin = make_user(is_superuser=True, is_staff=True)
    client = client_for(admin)
    response = client.get("/admin/registry/division/")
    assert response.status_code == 200
    assert "行政区划" in response.content.decode()
