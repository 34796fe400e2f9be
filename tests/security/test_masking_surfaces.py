"""Issue 16: the API and the party instructor pages follow the one masking rule
(core.masking.sees_personal_data): a writer sees phone and ID numbers in full, the city bureau
(read-only) sees them masked."""

import pytest

from party_building import services as party
from registry.models import Division
from registry.services import organisations
from tests.places import PINGSHAN_COMMUNITY

PHONE = "13800138000"
ID_NUMBER = "440303199505050029"
MASKED_PHONE = "138****8000"
MASKED_ID = "440303********0029"

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(world, users):
    return organisations.member_update(
        member=world.member,
        acting_user=users["community_staff"],
        reason="电话更正",
        phone=PHONE,
        id_number=ID_NUMBER,
    )


def _expect(role):
    return (PHONE, ID_NUMBER) if role == "community_staff" else (MASKED_PHONE, MASKED_ID)


@pytest.mark.parametrize("role", ["community_staff", "city_officer"])
def test_member_detail_and_list(role, member, users, api_for):
    api = api_for(users[role])
    body = api.get(f"/api/v1/members/{member.pk}/").json()
    assert (body["phone"], body["id_number"]) == _expect(role)
    listed = api.get("/api/v1/members/", {"organisation": member.organisation_id}).json()
    rows = [row for row in listed["results"] if row["id"] == member.pk]
    assert [(r["phone"], r["id_number"]) for r in rows] == [_expect(role)]


@pytest.mark.parametrize("role", ["community_staff", "city_officer"])
def test_organisation_roster(role, member, users, api_for):
    body = api_for(users[role]).get(f"/api/v1/organisations/{member.organisation_id}/").json()
    rows = [row for row in body["members"] if row["id"] == member.pk]
    assert [(r["phone"], r["id_number"]) for r in rows] == [_expect(role)]


@pytest.mark.parametrize("role", ["community_staff", "city_officer"])
def test_history_diffs(role, member, users, api_for):
    url = f"/api/v1/organisations/{member.organisation_id}/history/"
    entries = api_for(users[role]).get(url).json()
    values = {
        change["new"]
        for entry in entries
        if entry["model"] == "member"
        for change in entry["changes"]
        if change["field"] in ("phone", "id_number")
    }
    assert values == set(_expect(role))


@pytest.fixture
def instructor(users):
    return party.instructor_create(
        acting_user=users["community_staff"],
        name="李指导员",
        phone=PHONE,
        division=Division.objects.get(code=PINGSHAN_COMMUNITY),
    )


@pytest.mark.parametrize("role", ["community_staff", "city_officer"])
def test_instructor_api_and_pages(role, instructor, users, api_for, client_for):
    expected = _expect(role)[0]
    api = api_for(users[role])
    assert api.get(f"/api/v1/party-instructors/{instructor.pk}/").json()["phone"] == expected
    listed = api.get("/api/v1/party-instructors/").json()["results"]
    assert [r["phone"] for r in listed if r["id"] == instructor.pk] == [expected]
    web = client_for(users[role])
    for url in (f"/party/instructors/{instructor.pk}/", "/party/instructors/"):
        page = web.get(url).content.decode()
        assert expected in page
        if role == "city_officer":
            assert PHONE not in page


# --- every role on every surface that shows a member (issue 16) -------------------------------

#: the roles that may change the world's roster: they see phone and ID numbers in full
WRITERS = {"district_officer", "street_officer", "community_staff", "organisation_leader"}
MATRIX_ROLES = ["city_officer", *sorted(WRITERS), "anonymous", "community_staff_out"]


def _seen(status: int, text: str) -> str:
    """What a response shows of the member: "full", "masked" or "absent" (refused, or not in
    it); "LEAK" if it shows full numbers and masked ones together."""
    if status != 200:
        return "absent"
    full = ID_NUMBER in text or PHONE in text
    masked = MASKED_ID in text or MASKED_PHONE in text
    if full and masked:
        return "LEAK"
    return "full" if full else "masked" if masked else "absent"


def _expected(role: str, surface: str) -> str:
    if role in ("anonymous", "community_staff_out"):
        return "absent"
    if surface == "search by full ID number":
        # found only by those who see the number in full: the search is no way round the mask
        return "full" if role in WRITERS else "absent"
    return "full" if role in WRITERS else "masked"


def _surfaces(member, web, api) -> dict[str, tuple[int, str]]:
    from tests.access import cell_texts, content_of

    organisation = member.organisation_id

    def page(response):
        return response.status_code, content_of(response).decode()

    export = web.get("/excel/members/export/")
    export_text = "\n".join(cell_texts(content_of(export))) if export.status_code == 200 else ""
    return {
        "member page (organisation roster)": page(web.get(f"/organisations/{organisation}/")),
        "API member detail": page(api.get(f"/api/v1/members/{member.pk}/")),
        "API member list": page(api.get("/api/v1/members/", {"organisation": organisation})),
        "API organisation roster": page(api.get(f"/api/v1/organisations/{organisation}/")),
        "API history": page(api.get(f"/api/v1/organisations/{organisation}/history/")),
        "audit history page": page(web.get(f"/audit/registry.member/{member.pk}/")),
        "ledger export .xlsx": (export.status_code, export_text),
        "search by full ID number": page(api.get("/api/v1/members/", {"id_number": ID_NUMBER})),
    }


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_every_surface_shows_a_member_as_the_rule_says(role, member, users, api_for, client_for):
    from django.test import Client

    if role == "anonymous":
        web, api = Client(), api_for()
    else:
        web, api = client_for(users[role]), api_for(users[role])
    surfaces = _surfaces(member, web, api)
    seen = {name: _seen(status, text) for name, (status, text) in surfaces.items()}
    assert seen == {name: _expected(role, name) for name in surfaces}
    if role == "anonymous":
        assert {status for status, _text in surfaces.values()} <= {302, 401}


@pytest.mark.parametrize("role", ["community_staff", "city_officer"])
def test_the_instructor_history_masks_as_the_page_does(role, instructor, users, client_for):
    party.instructor_update(
        instructor=instructor,
        acting_user=users["community_staff"],
        reason="换号",
        phone="13900139000",
    )
    page = client_for(users[role]).get(f"/party/instructors/{instructor.pk}/").content.decode()
    if role == "city_officer":
        assert "13900139000" not in page and PHONE not in page
        assert "139****9000" in page and MASKED_PHONE in page
    else:
        assert "13900139000" in page and PHONE in page
