"""The audit log: every recorded change of every app inside the user's jurisdiction, its filters,
keyset paging, masking, the index behind it, and what bad input gets."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from simple_history.utils import bulk_create_with_history

from oversight.models import CreditListEntry
from registry.models import Activity, Member, Organisation
from registry.services.organisations import member_update, organisation_update
from tests.access import XLSX
from tests.places import MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_STREET
from transparency import audit
from transparency.audit import AuditQuery, CursorError
from transparency.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/audit/"


def labels(rows):
    return [(row.kind, row.object_label, row.action) for row in rows]


def everything(user, query=None, size=500):
    return audit.audit_page(user, query or AuditQuery(), size=size).rows


def test_every_change_of_the_world_is_there_with_who_and_why(world, users):
    rows = everything(users["street_officer"])
    kinds = {row.kind for row in rows}
    assert {"registry.organisation", "registry.member", "registry.activity"} <= kinds
    assert {"registry.brandproject", "registry.application"} <= kinds
    brand = next(row for row in rows if row.kind == "registry.brandproject")
    assert brand.user_label == "street-pingshan"
    assert brand.organisation_id == world.organisation.pk
    assert brand.organisation_label == world.organisation.name
    # newest first
    assert [row.when for row in rows] == sorted((row.when for row in rows), reverse=True)


def test_a_change_shows_its_fields_from_and_to_and_its_reason(world, users):
    organisation_update(
        organisation=world.organisation,
        acting_user=users["community_staff"],
        venue="坪山社区文化站",
        reason="活动场所搬迁",
    )
    row = everything(users["district_officer"])[0]
    assert (row.kind, row.action, row.reason) == ("registry.organisation", "~", "活动场所搬迁")
    [change] = row.changes
    assert (change.field, change.old, change.new) == (
        "venue",
        "坪山社区党群服务中心二楼",
        "坪山社区文化站",
    )


def test_personal_data_is_masked_by_the_one_rule(world, users):
    member = world.member
    old_phone = member.phone
    member_update(
        member=member, acting_user=users["community_staff"], phone="13912345678", reason="换号"
    )

    def phone_change(role):
        row = next(r for r in everything(users[role]) if r.kind == "registry.member" and r.changes)
        return next(c for c in row.changes if c.field == "phone")

    full = phone_change("street_officer")
    assert (full.old, full.new) == (old_phone, "13912345678")
    masked = phone_change("city_officer")  # the city bureau only watches
    assert masked.new == "139****5678" and masked.old != old_phone
    assert "13912345678" not in str(masked.old) + str(masked.new)


def test_outside_the_jurisdiction_nothing_of_the_world_shows(world, users):
    for role in ("community_staff_out", "street_officer_out", "district_officer_out"):
        rows = everything(users[role])
        assert world.organisation.name not in {r.organisation_label for r in rows}, role
        assert world.organisation.pk not in {r.organisation_id for r in rows}, role
    # the other organisation's leader sees its own organisation only
    rows = everything(users["organisation_leader_out"])
    assert rows and {r.organisation_id for r in rows} == {world.other_organisation.pk}


def test_an_organisation_leader_sees_the_changes_of_its_organisation(world, users):
    rows = everything(users["organisation_leader"])
    assert rows and {r.organisation_id for r in rows} == {world.organisation.pk}


def test_filters_narrow_the_log(world, users):
    officer = users["district_officer"]
    street = world.organisation.community.parent
    staff = users["community_staff"]
    today = timezone.localdate()
    assert everything(officer, AuditQuery(kinds=("registry.activity",)))[0].object_label == (
        "端午书画展"
    )
    created = everything(officer, AuditQuery(change="+"))
    assert created and {row.action for row in created} == {"+"}
    by_staff = everything(officer, AuditQuery(person=staff))
    assert by_staff and {row.user_id for row in by_staff} == {staff.pk}
    in_street = everything(officer, AuditQuery(division=street))
    assert labels(in_street) == labels(everything(users["street_officer"]))
    # the world was made today (the divisions may have been loaded on an earlier day)
    today_rows = everything(officer, AuditQuery(division=street, since=today, until=today))
    world_rows = [r for r in in_street if r.organisation_id == world.organisation.pk]
    assert world_rows and labels(world_rows) == [
        (r.kind, r.object_label, r.action)
        for r in today_rows
        if r.organisation_id == world.organisation.pk
    ]
    assert len(in_street) < len(everything(officer))  # the district's other streets
    assert everything(officer, AuditQuery(until=today - datetime.timedelta(days=1))) == []
    maluan = type(street).objects.get(code=MALUAN_STREET)
    in_maluan = everything(officer, AuditQuery(division=maluan))
    assert world.organisation.pk not in {row.organisation_id for row in in_maluan}
    assert {row.kind for row in in_maluan} <= {"registry.division"}


def test_keyset_pages_cover_everything_once_in_order(world, users):
    user = users["street_officer"]
    for i in range(7):
        organisation_update(
            organisation=world.organisation, acting_user=user, venue=f"场所{i}", reason="x"
        )
    whole = everything(user)
    seen, cursor = [], None
    while True:
        page = audit.audit_page(user, AuditQuery(), cursor=cursor, size=4)
        seen += page.rows
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert labels(seen) == labels(whole) and len(whole) > 8
    assert [(r.when, r.reason) for r in seen] == [(r.when, r.reason) for r in whole]


def test_a_cursor_of_another_search_or_user_or_damaged_is_refused(world, users):
    user = users["street_officer"]
    cursor = audit.audit_page(user, AuditQuery(), size=2).next_cursor
    assert cursor
    with pytest.raises(CursorError, match="different search"):
        audit.audit_page(user, AuditQuery(change="+"), cursor=cursor)
    with pytest.raises(CursorError, match="different search"):
        audit.audit_page(users["district_officer"], AuditQuery(), cursor=cursor)
    with pytest.raises(CursorError, match="damaged"):
        audit.audit_page(user, AuditQuery(), cursor=cursor[:-3] + "abc")


def test_rows_written_in_bulk_without_signals_are_indexed(world, users):
    activities = [
        Activity(
            organisation=world.organisation,
            held_on=datetime.date(2024, 6, day),
            title=f"批量活动{day}",
        )
        for day in (1, 2, 3)
    ]
    bulk_create_with_history(activities, Activity, default_user=users["community_staff"])
    titles = {row.object_label for row in everything(users["community_staff"])}
    assert {"批量活动1", "批量活动2", "批量活动3"} <= titles


def test_the_repair_finds_a_row_the_catch_up_missed(world, users):
    audit.audit_index_catch_up()
    event = AuditEvent.objects.filter(organisation=world.organisation).order_by("id").first()
    key = (event.content_type_id, event.history_id)
    event.delete()  # as if its transaction had committed after a later row was indexed
    assert audit.audit_index_catch_up() == 0
    assert audit.audit_index_repair() == 1
    assert AuditEvent.objects.filter(content_type_id=key[0], history_id=key[1]).exists()


def test_credit_list_changes_of_the_oversight_app_are_in_the_log(world, users):
    entry = CreditListEntry(
        organisation=world.organisation,
        kind="abnormal",
        listed_on=datetime.date(2025, 6, 1),
        reason="report_missing",
        report_year=2024,
    )
    bulk_create_with_history([entry], CreditListEntry, default_user=users["district_officer"])
    rows = everything(users["street_officer"], AuditQuery(kinds=("oversight.creditlistentry",)))
    assert [row.organisation_id for row in rows] == [world.organisation.pk]
    assert (
        everything(users["street_officer_out"], AuditQuery(kinds=("oversight.creditlistentry",)))
        == []
    )


# --- the pages --------------------------------------------------------------------------------


def test_the_page_lists_changes_and_links_each_to_its_object(world, users, client_for):
    client = client_for(users["street_officer"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    member_url = f"/audit/registry.member/{world.member.pk}/"
    assert member_url in html
    assert f"/organisations/{world.organisation.pk}/#timeline" in html
    history = client.get(member_url)
    assert history.status_code == 200 and world.member.name in history.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"since": "2025-13-01"}, "YYYY-MM-DD"),
        ({"until": "yesterday"}, "YYYY-MM-DD"),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "before the start date"),
        ({"division": MALUAN_STREET}, "No such division in your jurisdiction"),
        ({"division": "nonsense\x00"}, "No such division in your jurisdiction"),
        ({"person": "street-maluan-officer"}, "No such person in your jurisdiction"),
        ({"person": "nobody-at-all"}, "No such person in your jurisdiction"),
        ({"kind": "registry.nothing"}, "valid choice"),
        ({"change": "burnt"}, "valid choice"),
        ({"cursor": "garbage"}, "damaged"),
    ],
)
def test_bad_filters_get_a_400_that_says_what_is_wrong(
    world, users, client_for, make_user, query, message
):
    make_user("street_officer", MALUAN_STREET, username="street-maluan-officer")
    client = client_for(users["street_officer"])
    response = client.get(URL, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert world.organisation.name not in html  # no rows on an error page


def test_a_cursor_of_another_filter_gets_a_400_on_the_page(world, users, client_for):
    user = users["street_officer"]
    cursor = audit.audit_page(user, AuditQuery(), size=1).next_cursor
    response = client_for(user).get(URL, {"cursor": cursor, "change": "created"})
    assert response.status_code == 400
    assert "different search" in response.content.decode() or "另一" in response.content.decode()


def test_the_export_is_a_real_workbook_with_the_filters(world, users, client_for):
    organisation_update(
        organisation=world.organisation,
        acting_user=users["community_staff"],
        venue="新场所",
        reason="导出测试",
    )
    response = client_for(users["district_officer"]).get(
        "/audit/export.xlsx", {"kind": "registry.organisation"}
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows[0]) == 10
    venue = [row for row in rows[1:] if row[8] == "新场所"]
    assert venue and venue[0][9] == "导出测试"
    assert {row[3] for row in rows[1:]} <= {world.organisation.name, world.other_organisation.name}


def test_the_export_outside_holds_nothing_of_the_world(world, users, client_for):
    response = client_for(users["street_officer_out"]).get("/audit/export.xlsx")
    content = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(content), read_only=True)
    texts = {str(v) for row in book.worksheets[0].iter_rows(values_only=True) for v in row}
    assert world.organisation.name not in texts and world.member.name not in texts


def test_object_history_outside_or_unknown_is_404(world, users, client_for):
    outside = client_for(users["street_officer_out"])
    assert outside.get(f"/audit/registry.member/{world.member.pk}/").status_code == 404
    inside = client_for(users["street_officer"])
    assert inside.get("/audit/registry.member/999999/").status_code == 404
    assert inside.get("/audit/registry.nothing/1/").status_code == 404
    assert inside.get("/audit/registry.member/not-a-number/").status_code == 404
    assert inside.get("/audit/registry.member/99999999999999999999999/").status_code == 404
    assert inside.get("/audit/registry.division/44%00/").status_code == 404
    assert inside.get(f"/audit/registry.division/{PINGSHAN_COMMUNITY}/").status_code in (200, 404)


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_member_and_organisation_counts_are_not_changed_by_reading(world, users, client_for):
    before = (Member.history.count(), Organisation.history.count())
    client_for(users["street_officer"]).get(URL)
    assert (Member.history.count(), Organisation.history.count()) == before
    assert PINGSHAN_STREET in AuditEvent.objects.values_list("node2", flat=True)
