"""Bad input in bodies and query strings is a 400 naming the field, never a 500; nothing is
written."""

import base64
import json

import pytest

from registry.models import Activity, Member, Organisation
from tests.conftest import PINGSHAN_COMMUNITY

pytestmark = pytest.mark.django_db
HUGE = 2**70
GROUP = {"community": PINGSHAN_COMMUNITY, "org_type": "service", "field": "charity"}


def org_body(**extra):
    return {"name": "坪山社区读书会", **GROUP, **extra}


def member_body(world, **extra):
    return {"organisation": world.organisation.pk, "name": "王伟", **extra}


def activity_body(world, **extra):
    return {
        "organisation": world.organisation.pk,
        "held_on": "2024-01-01",
        "title": "读书",
        **extra,
    }


# (case, url, body builder, field named in the error)
BODIES = [
    ("NUL in a name", "/api/v1/organisations/", lambda w: org_body(name="读书\x00会"), "name"),
    ("NUL in a reason", "/api/v1/organisations/", lambda w: org_body(reason="a\x00"), "reason"),
    (
        "reason longer than a reason may be",
        "/api/v1/organisations/",
        lambda w: org_body(reason="理" * 2001),
        "reason",
    ),
    ("overlong name", "/api/v1/organisations/", lambda w: org_body(name="会" * 101), "name"),
    (
        "overlong text",
        "/api/v1/organisations/",
        lambda w: org_body(charter_text="章" * 20_001),
        "charter_text",
    ),
    (
        "overlong code",
        "/api/v1/organisations/",
        lambda w: org_body(community="4" * 5000),
        "community",
    ),
    (
        "NUL in a code",
        "/api/v1/organisations/",
        lambda w: org_body(community=PINGSHAN_COMMUNITY + "\x00"),
        "community",
    ),
    (
        "code not a string",
        "/api/v1/organisations/",
        lambda w: org_body(community=4403),
        "community",
    ),
    (
        "negative count",
        "/api/v1/organisations/",
        lambda w: org_body(legal_person_founders=-1),
        "legal_person_founders",
    ),
    (
        "count out of range",
        "/api/v1/organisations/",
        lambda w: org_body(legal_person_founders=HUGE),
        "legal_person_founders",
    ),
    (
        "malformed date",
        "/api/v1/organisations/",
        lambda w: org_body(founded_on="2023-02-30"),
        "founded_on",
    ),
    (
        "date in the future",
        "/api/v1/organisations/",
        lambda w: org_body(founded_on="2999-01-01"),
        "founded_on",
    ),
    ("unknown choice", "/api/v1/organisations/", lambda w: org_body(field="sports"), "field"),
    (
        "unknown target",
        "/api/v1/organisations/",
        lambda w: org_body(service_targets=["x"]),
        "service_targets",
    ),
    ("wrong type", "/api/v1/organisations/", lambda w: org_body(name=["a"]), "name"),
    (
        "id out of range",
        "/api/v1/members/",
        lambda w: member_body(w, organisation=HUGE),
        "organisation",
    ),
    (
        "id as a float",
        "/api/v1/members/",
        lambda w: member_body(w, organisation=1.5),
        "organisation",
    ),
    (
        "id as text",
        "/api/v1/members/",
        lambda w: member_body(w, organisation="1; drop"),
        "organisation",
    ),
    ("NUL in a phone", "/api/v1/members/", lambda w: member_body(w, phone="138\x00"), "phone"),
    (
        "malformed join date",
        "/api/v1/members/",
        lambda w: member_body(w, joined_on="01/02/2024"),
        "joined_on",
    ),
    (
        "participants out of range",
        "/api/v1/activities/",
        lambda w: activity_body(w, participants=2**31),
        "participants",
    ),
    (
        "negative hours",
        "/api/v1/activities/",
        lambda w: activity_body(w, volunteer_hours="-1"),
        "volunteer_hours",
    ),
    (
        "hours not a number",
        "/api/v1/activities/",
        lambda w: activity_body(w, volunteer_hours="NaN"),
        "volunteer_hours",
    ),
    (
        "too many digits",
        "/api/v1/activities/",
        lambda w: activity_body(w, volunteer_hours="12345678901"),
        "volunteer_hours",
    ),
    (
        "unknown kind",
        "/api/v1/applications/",
        lambda w: {"organisation": w.organisation.pk, "kind": "merger"},
        "kind",
    ),
    (
        "overlong note",
        "/api/v1/applications/",
        lambda w: {"organisation": w.organisation.pk, "kind": "filing", "note": "x" * 2001},
        "note",
    ),
]


@pytest.mark.parametrize("case,url,build,field", BODIES, ids=[case[0] for case in BODIES])
def test_bad_bodies_are_400_naming_the_field(case, url, build, field, world, staff, api_for):
    counts = (Organisation.objects.count(), Member.objects.count(), Activity.objects.count())
    response = api_for(staff).post(url, build(world), format="json")
    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert counts == (
        Organisation.objects.count(),
        Member.objects.count(),
        Activity.objects.count(),
    )


def test_unreadable_json_and_a_list_body_are_400(world, staff, api_for):
    api = api_for(staff)
    response = api.post("/api/v1/organisations/", "{", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    response = api.post("/api/v1/organisations/", "[1]", content_type="application/json")
    assert response.status_code == 400 and response.json()["non_field_errors"]
    response = api.post("/api/v1/organisations/", '{"name": NaN}', content_type="application/json")
    assert response.status_code == 400


# (case, url, query, parameter named in the error)
QUERIES = [
    ("NUL in a search", "/api/v1/organisations/", {"q": "书\x00画"}, "q"),
    ("NUL in a code", "/api/v1/applications/", {"within": "4403\x00"}, "within"),
    ("overlong search", "/api/v1/organisations/", {"q": "书" * 101}, "q"),
    ("overlong code", "/api/v1/divisions/", {"within": "4" * 101}, "within"),
    ("unknown status", "/api/v1/organisations/", {"status": "dormant"}, "status"),
    ("unknown type", "/api/v1/organisations/", {"org_type": "club"}, "org_type"),
    ("unknown target", "/api/v1/organisations/", {"service_target": "all"}, "service_target"),
    ("neither true nor false", "/api/v1/organisations/", {"is_hub": "maybe"}, "is_hub"),
    ("malformed date", "/api/v1/organisations/", {"founded_after": "2023-13-01"}, "founded_after"),
    ("words for a date", "/api/v1/activities/", {"held_after": "yesterday"}, "held_after"),
    (
        "malformed datetime date",
        "/api/v1/applications/",
        {"decided_before": "2024-1"},
        "decided_before",
    ),
    ("id out of range", "/api/v1/members/", {"organisation": str(HUGE)}, "organisation"),
    ("id not a number", "/api/v1/activities/", {"organisation": "abc"}, "organisation"),
    ("unknown role", "/api/v1/members/", {"role": "boss"}, "role"),
    ("unknown level", "/api/v1/divisions/", {"level": "village"}, "level"),
    ("unknown ordering", "/api/v1/organisations/", {"ordering": "password"}, "ordering"),
    (
        "ordering twice by a field",
        "/api/v1/activities/",
        {"ordering": "held_on,-held_on"},
        "ordering",
    ),
    ("ordering by a relation", "/api/v1/members/", {"ordering": "organisation__name"}, "ordering"),
    ("garbage cursor", "/api/v1/organisations/", {"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ("NUL in a cursor", "/api/v1/members/", {"cursor": "\x00"}, "cursor"),
    ("overlong cursor", "/api/v1/activities/", {"cursor": "A" * 3000}, "cursor"),
    ("page size zero", "/api/v1/organisations/", {"page_size": "0"}, "page_size"),
    ("page size out of range", "/api/v1/members/", {"page_size": str(HUGE)}, "page_size"),
    ("page size not a number", "/api/v1/applications/", {"page_size": "ten"}, "page_size"),
    ("page not a number", "/api/v1/divisions/", {"page": "x"}, "page"),
    ("page past the end", "/api/v1/divisions/", {"page": "100000"}, "page"),
]


@pytest.mark.parametrize("case,url,query,param", QUERIES, ids=[case[0] for case in QUERIES])
def test_bad_query_strings_are_400_naming_the_parameter(
    case, url, query, param, world, street_officer, api_for
):
    response = api_for(street_officer).get(url, query)
    assert response.status_code == 400, response.content
    messages = response.json()[param]
    assert messages and all(isinstance(m, str) and m for m in messages)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/organisations/{HUGE}/",
        "/api/v1/organisations/-1/",
        "/api/v1/organisations/1e3/",
        "/api/v1/members/%00/",
        "/api/v1/divisions/%00/",
        f"/api/v1/divisions/{'4' * 300}/",
        f"/api/v1/applications/{HUGE}/approve/",
    ],
)
def test_malformed_ids_in_urls_are_404(url, world, street_officer, api_for):
    api = api_for(street_officer)
    method = api.post if url.endswith("approve/") else api.get
    response = method(url, {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def forged_cursor(**payload):
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        ["\x00", 1],  # NUL bytes: PostgreSQL refuses them in any text
        ["a", HUGE],  # an id beyond any integer column
        ["a", None],  # the id is never NULL
        ["a"],  # too few values
        ["a", "x"],  # an id that is no number
    ],
)
def test_forged_cursors_are_400(values, world, staff, api_for):
    cursor = forged_cursor(o="name,id", b=0, v=values)
    response = api_for(staff).get("/api/v1/organisations/", {"cursor": cursor, "ordering": "name"})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


def test_a_well_formed_cursor_works(world, staff, api_for):
    cursor = forged_cursor(o="name,id", b=0, v=["坪山社区书画协会", world.organisation.pk])
    response = api_for(staff).get("/api/v1/organisations/", {"cursor": cursor, "ordering": "name"})
    assert [r["id"] for r in response.json()["results"]] == [world.other_organisation.pk]
