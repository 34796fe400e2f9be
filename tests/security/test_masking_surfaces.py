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
