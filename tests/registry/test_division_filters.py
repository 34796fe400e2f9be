"""``district``, ``street`` and ``community``: lists narrowed to a division of that level, scoped
(a code outside the jurisdiction matches nothing), and a code of another level or of no
division is a 400 naming the parameter."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.places import (
    LONGGANG_DISTRICT,
    MALUAN_COMMUNITY,
    MALUAN_STREET,
    PINGSHAN_COMMUNITY,
    PINGSHAN_DISTRICT,
    PINGSHAN_STREET,
)

pytestmark = pytest.mark.django_db

LEVEL_FILTERS = ("district", "street", "community")
CODES = {"district": PINGSHAN_DISTRICT, "street": PINGSHAN_STREET, "community": PINGSHAN_COMMUNITY}


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("url", "mine"),
    [
        ("/api/v1/organisations/", lambda world: {world.organisation.pk}),
        ("/api/v1/members/", lambda world: {world.member.pk}),
        ("/api/v1/activities/", lambda world: {world.activity.pk}),
        ("/api/v1/applications/", lambda world: {world.application.pk}),
    ],
)
def test_each_level_narrows_the_list(world, city_officer, api_for, url, mine):
    api = api_for(city_officer)
    expected = mine(world)
    for name, inside, outside in [
        ("district", PINGSHAN_DISTRICT, LONGGANG_DISTRICT),
        ("street", PINGSHAN_STREET, MALUAN_STREET),
        ("community", PINGSHAN_COMMUNITY, MALUAN_COMMUNITY),
    ]:
        assert expected <= _ids(api.get(url, {name: inside})), name
        assert not expected & _ids(api.get(url, {name: outside})), name


def test_the_filters_combine_with_the_others(world, city_officer, api_for):
    api = api_for(city_officer)
    found = _ids(
        api.get(
            "/api/v1/members/",
            {"street": PINGSHAN_STREET, "organisation": world.other_organisation.pk},
        )
    )
    assert found and world.member.pk not in found


def test_a_code_outside_the_jurisdiction_matches_nothing(world, staff, api_for):
    api = api_for(staff)  # staff of 坪山社区
    assert _ids(api.get("/api/v1/organisations/", {"street": PINGSHAN_STREET}))
    assert _ids(api.get("/api/v1/organisations/", {"street": MALUAN_STREET})) == set()
    assert _ids(api.get("/api/v1/organisations/", {"community": MALUAN_COMMUNITY})) == set()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("street", PINGSHAN_DISTRICT),  # a district's code, not a street's
        ("district", PINGSHAN_STREET),
        ("community", "440310001999"),  # no such community
        ("street", "4403-1"),
        ("district", "4" * 40),
        ("street", "44%03"),  # a "%" in the echoed code (Schemathesis: a 500)
        ("community", "%s%(x)s"),
    ],
)
def test_a_code_of_another_level_or_of_none_is_a_400(world, staff, api_for, name, value):
    response = api_for(staff).get("/api/v1/organisations/", {name: value})
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_the_error_is_chinese_when_asked(world, staff, api_for):
    response = api_for(staff).get(
        "/api/v1/members/", {"street": PINGSHAN_DISTRICT}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert response.json()["street"] == [f"“{PINGSHAN_DISTRICT}”不是街道的区划代码。"]


@pytest.fixture(scope="module")
def lists_within(django_db_blocker):
    """Every list operation of the schema that can be narrowed to a division (``within``)."""
    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {}
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation and "{" not in path:
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            if "within" in names:
                found[path] = names
    return found


def test_every_list_by_division_has_the_three_levels(lists_within):
    assert {
        "/api/v1/organisations/",
        "/api/v1/members/",
        "/api/v1/activities/",
        "/api/v1/applications/",
        "/api/v1/annual-reports/",
        "/api/v1/dormancy-cases/",
        "/api/v1/party-organisations/",
        "/api/v1/grade-awards/",
    } <= set(lists_within)
    missing = {path for path, names in lists_within.items() if not set(LEVEL_FILTERS) <= names}
    assert missing == set()


def test_every_list_by_division_checks_the_level(lists_within, users, api_for):
    api = api_for(users["superuser"])
    failures = []
    for path in sorted(lists_within):
        for name in LEVEL_FILTERS:
            wrong = api.get(path, {name: "4403"})  # the city: no level asked for
            right = api.get(path, {name: CODES[name]})
            if wrong.status_code != 400 or list(wrong.json()) != [name]:
                failures.append((path, name, wrong.status_code))
            if right.status_code != 200:
                failures.append((path, name, right.status_code, right.content[:200]))
    assert failures == [], "\n".join(map(repr, failures))
