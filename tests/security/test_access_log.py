"""Issue 16: the access log for personal data. Every response that shows full ID numbers
writes one row (who, when, which records, which page or endpoint), from the masking rule
itself; masked responses write none. District and city officers browse and export it for
their jurisdiction."""

import datetime

import pytest
from django.utils import timezone

from core.access_log import collecting, common_path
from core.models import PersonalDataAccess
from registry.jobs import ledger_export_job
from registry.services import organisations
from tests.access import PageAccess, cell_texts, content_of

ID_NUMBER = "440303199505050029"

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(world, users):
    return organisations.member_update(
        member=world.member,
        acting_user=users["community_staff"],
        reason="身份证号补录",
        id_number=ID_NUMBER,
    )


def _rows():
    return list(PersonalDataAccess.objects.order_by("pk"))


def test_a_page_with_full_id_numbers_writes_one_row(member, users, client_for):
    staff = users["community_staff"]
    organisation = member.organisation
    response = client_for(staff).get(f"/organisations/{organisation.pk}/")
    assert ID_NUMBER in response.content.decode()
    [row] = _rows()
    assert row.user == staff and row.username == staff.username
    assert row.view_name == "organisation-detail"
    assert row.path == f"/organisations/{organisation.pk}/"
    assert row.records == {"registry.organisation": [organisation.pk]}
    assert row.scope_path == organisation.community.path
    assert abs(row.at - timezone.now()) < datetime.timedelta(minutes=1)


def test_masked_pages_and_answers_write_nothing(member, users, client_for, api_for):
    city = users["city_officer"]
    assert ID_NUMBER not in client_for(city).get(f"/organisations/{member.organisation_id}/")
    assert ID_NUMBER not in api_for(city).get(f"/api/v1/members/{member.pk}/").json().values()
    assert _rows() == []


def test_a_page_of_members_is_one_row_for_all_their_organisations(member, world, users, api_for):
    other = world.other_organisation.members.first()
    organisations.member_update(
        member=other, acting_user=users["community_staff"], reason="补录", id_number=ID_NUMBER
    )
    body = api_for(users["community_staff"]).get("/api/v1/members/", {"page_size": 100}).json()
    assert ID_NUMBER in {row["id_number"] for row in body["results"]}
    [row] = _rows()
    assert row.view_name == "member-list" or row.view_name.endswith("member-list")
    assert set(row.records["registry.organisation"]) == {
        world.organisation.pk,
        world.other_organisation.pk,
    }
    assert row.record_count == 2


def test_an_api_token_user_is_the_one_recorded(member, users, token_api):
    leader = users["organisation_leader"]
    body = token_api(leader).get(f"/api/v1/members/{member.pk}/").json()
    assert body["id_number"] == ID_NUMBER
    [row] = _rows()
    assert row.user == leader
    assert row.records == {"registry.organisation": [member.organisation_id]}


def test_responses_without_id_numbers_write_nothing(world, users, client_for):
    # The world's members have phones but no ID numbers: nothing full was shown.
    client_for(users["community_staff"]).get(f"/organisations/{world.organisation.pk}/")
    assert _rows() == []


def test_a_full_ledger_export_writes_one_row_and_a_masked_one_none(member, users, client_for):
    city = client_for(users["city_officer"]).get("/excel/members/export/")
    assert ID_NUMBER not in cell_texts(content_of(city))
    assert _rows() == []
    staff = client_for(users["community_staff"]).get("/excel/members/export/")
    assert ID_NUMBER in cell_texts(content_of(staff))
    [row] = _rows()
    assert row.view_name.endswith("export")
    assert row.records == {}
    assert row.scope_path == users["community_staff"].division.path


def test_an_export_job_writes_its_own_row(member, users, tmp_path):
    class Job:
        user_id = users["district_officer"].pk
        params = {"kind": "members", "format": "xlsx", "within": None}
        directory = tmp_path / "job"

    ledger_export_job.func.__wrapped__(Job(), lambda *args: None)
    [row] = _rows()
    assert row.user == users["district_officer"]
    assert row.view_name == "jobs:ledger-export"
    assert row.scope_path == users["district_officer"].division.path


def test_nothing_is_collected_outside_a_collection(member, users):
    from core.masking import mask_value, owners_seen_in_full

    owners_seen_in_full(users["community_staff"], type(member.organisation), [member.pk])
    mask_value("id_number", ID_NUMBER, full=True)
    assert _rows() == []
    with collecting(user=users["community_staff"], view_name="test"):
        mask_value("id_number", ID_NUMBER, full=True)  # shown, but no owner decided: no row
    assert _rows() == []


def test_common_path_stops_at_a_whole_node():
    assert common_path(["4403/4403DP/440310001/", "4403/4403DP/440310002/"]) == "4403/4403DP/"
    assert common_path(["4403/4403DP/440310001/"]) == "4403/4403DP/440310001/"
    assert common_path([]) == ""


# --- browsing the log -------------------------------------------------------------------------


class TestAccessLogPage(PageAccess):
    """The log page and its export: district and city officers (and superusers) inside,
    the other district's officer sees none of it."""

    model = PersonalDataAccess
    list_url = "/access-log/"
    inside = ["district_officer", "city_officer", "superuser"]
    outside = ["district_officer_out"]

    def setup_world(self, world, users):
        world.access = PersonalDataAccess.objects.create(
            user=users["community_staff"],
            username=users["community_staff"].username,
            view_name="organisation-detail",
            path=f"/organisations/{world.organisation.pk}/?probe=访问日志样本",
            records={"registry.organisation": [world.organisation.pk]},
            record_count=1,
            scope_path=world.organisation.community.path,
        )

    def object_id(self, world):
        return world.access.pk

    def label(self, world):
        return "访问日志样本"

    def filters(self, world):
        today = timezone.localdate().isoformat()
        return [
            {"user": "staff-ping"},
            {"date_from": today, "date_to": today},
            {"format": "xlsx"},
        ]

    def state(self, world):
        return PersonalDataAccess.objects.count()


def test_other_roles_may_not_read_the_log(world, users, client_for):
    for role in ("community_staff", "street_officer", "organisation_leader"):
        assert client_for(users[role]).get("/access-log/").status_code == 403, role


def test_filters_narrow_and_bad_dates_are_named(world, users, client_for):
    PersonalDataAccess.objects.create(
        username="someone", view_name="x", scope_path=world.organisation.community.path
    )
    client = client_for(users["district_officer"])
    assert [
        r.username for r in client.get("/access-log/", {"user": "some"}).context["object_list"]
    ] == ["someone"]
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert list(client.get("/access-log/", {"date_to": yesterday}).context["object_list"]) == []
    response = client.get("/access-log/", {"date_from": "2026-13-01"})
    assert response.status_code == 200
    assert "date_from" in response.context["form"].errors
    response = client.get("/access-log/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "date_to" in response.context["form"].errors
