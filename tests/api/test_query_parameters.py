"""Query parameters: a list refuses the ones its operation does not document (a 400 naming
them), and accepts every one it documents. Both checks walk the OpenAPI schema, so they cover
every endpoint, including those added later."""

import re

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

UNKNOWN = "Unknown query parameter"


@pytest.fixture(scope="module")
def operations(django_db_blocker):
    """(path, operation) for every GET operation of the API."""
    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, item["get"])
        for path, item in sorted(schema["paths"].items())
        if path.startswith("/api/v1/") and "get" in item
    ]


def _is_list(operation) -> bool:
    """A list answer: an array, or a page of results (cursor or page number)."""
    for media in operation["responses"].get("200", {}).get("content", {}).values():
        schema = media.get("schema", {})
        if schema.get("type") == "array" or "$ref" in schema and "Paginated" in schema["$ref"]:
            return True
    return operation["operationId"].endswith("_list")


#: values tried for a path variable, until the URL resolves (an object that does not exist:
#: the query parameters are checked before the object is looked up)
PATH_VALUES = ("987654321", "2024-05-01", "registry.organisation", "annual_reports")


def _url(path, operation) -> str:
    """The path with each variable filled by its documented enum's first value, else by the
    first of ``PATH_VALUES`` that the URL patterns accept."""
    types = {p["name"]: p.get("schema", {}) for p in operation.get("parameters", [])}
    url = path
    for name in re.findall(r"\{(\w+)\}", path):
        enum = types.get(name, {}).get("enum")
        for value in [str(enum[0])] if enum else PATH_VALUES:
            candidate = url.replace(f"{{{name}}}", value)
            probe = re.sub(r"\{\w+\}", PATH_VALUES[0], candidate)
            try:
                resolve(probe)
            except Resolver404:
                continue
            url = candidate
            break
    return url


#: values for parameters whose documented type allows more than the endpoint takes
SAMPLES = {"year": "2024", "report_year": "2024", "scope": "4403", "kind": "registry.member"}


def _sample(parameter) -> str:
    """A value of the parameter's documented type: an enum's first value, a date, a number in
    range, true; text empty (no filter); for ordering, the first field it names; a few by name
    (``SAMPLES``)."""
    schema = parameter.get("schema", {})
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    if schema.get("enum"):
        return str(next((v for v in schema["enum"] if v not in ("", None)), ""))
    if parameter["name"] in SAMPLES:
        return SAMPLES[parameter["name"]]
    if schema.get("format") == "date":
        return "2024-05-01"
    if schema.get("format") == "date-time":
        return "2024-05-01T08:00:00+08:00"
    if schema.get("type") in ("integer", "number"):
        return str(schema.get("minimum", 1))
    if schema.get("type") == "boolean":
        return "true"
    if parameter["name"] == "ordering":
        fields = re.search(r"One of: ([\w]+)", parameter.get("description", ""))
        return fields.group(1) if fields else ""
    return ""


def _query(operation) -> dict[str, str]:
    return {p["name"]: _sample(p) for p in operation.get("parameters", []) if p["in"] == "query"}


def test_the_walk_covers_the_lists(operations):
    lists = [path for path, operation in operations if _is_list(operation)]
    assert "/api/v1/organisations/" in lists
    assert "/api/v1/public/credit-list-entries/" in lists
    assert len(lists) > 50


def test_every_list_refuses_an_unknown_parameter(operations, users, api_for):
    api = api_for(users["superuser"])
    failures = []
    for path, operation in operations:
        if not _is_list(operation):
            continue
        response = api.get(_url(path, operation), {"no_such_param": "1"})
        body = response.json() if response.status_code == 400 else None
        if not (body and UNKNOWN in body.get("no_such_param", [""])[0]):
            failures.append((path, response.status_code, body))
    assert failures == [], "\n".join(map(repr, failures))


def test_every_documented_parameter_is_accepted(operations, users, api_for):
    """Each parameter an operation documents, with a value of its documented type, is
    accepted: not a 400 of any kind."""
    api = api_for(users["superuser"])
    failures = []
    for path, operation in operations:
        query = _query(operation)
        if not query:
            continue
        response = api.get(_url(path, operation), query)
        if response.status_code == 400:
            failures.append((path, query, response.json()))
    assert failures == [], "\n".join(map(repr, failures))


def test_the_answer_names_every_unknown_parameter_and_what_is_accepted(world, staff, api_for):
    response = api_for(staff).get(
        "/api/v1/organisations/", {"colour": "red", "size": "2", "status": "filed"}
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"colour", "size"}
    assert UNKNOWN in body["colour"][0] and UNKNOWN in body["size"][0]
    assert "status" in body["colour"][0] and "within" in body["colour"][0]


def test_the_message_is_chinese_when_asked(world, staff, api_for):
    response = api_for(staff).get(
        "/api/v1/members/", {"colour": "red"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "未知的查询参数" in response.json()["colour"][0]


def test_a_detail_read_documenting_nothing_is_not_checked(world, staff, api_for):
    url = f"/api/v1/organisations/{world.organisation.pk}/"
    assert api_for(staff).get(url, {"colour": "red"}).status_code == 200


def test_format_and_paging_are_accepted(world, staff, api_for):
    api = api_for(staff)
    assert api.get("/api/v1/organisations/", {"format": "json", "page_size": 1}).status_code == 200
    assert api.get("/api/v1/divisions/", {"page": 1, "ordering": "code"}).status_code == 200


def test_an_unknown_parameter_on_a_public_list(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/open-data/extracts/", {"colour": "red"})
    assert response.status_code == 400
    assert UNKNOWN in response.json()["colour"][0]
