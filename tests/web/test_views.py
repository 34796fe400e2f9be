"""The web pages through Django's test client: home pages, ledgers, forms, masking, the public
register.

Who may open which page (anonymous visitors sent to log in, 404 for another jurisdiction and never
a row in a list, 403 for a role that may not write) is checked for every page in
``test_access.py`` on the shared access tests.
"""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation

from core.masking import mask_id_number, mask_phone
from registry.choices import (
    ApplicationAction,
    ApplicationKind,
    ApplicationStatus,
    ExitReason,
    LegalForm,
    MemberRole,
    OrgStatus,
)
from registry.models import Activity, Application, Member, Organisation
from registry.public import public_fields, public_register_organisations
from registry.services.lifecycle import application_decide, application_submit
from registry.services.organisations import member_add, member_update
from tests.conftest import MALUAN_COMMUNITY, MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_STREET
from tests.registry.factories import VALID_CREDIT_CODES, VALID_ID_NUMBER, make_filed, make_group
from tests.web.conftest import LEADER_PHONE

pytestmark = pytest.mark.django_db


def page_html(response) -> str:
    return response.content.decode()


def field_errors(response, field: str) -> str:
    """The text of the error list shown next to one form field."""
    html = page_html(response)
    start = html.find(f'id="field-{field}"')
    if start < 0:
        raise AssertionError(f"no field {field} on the page")
    following = html.find('id="field-', start + 1)
    block = html[start : following if following > 0 else len(html)]
    match = re.search(r'<ul class="errorlist".*?</ul>', block, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", match.group(0)) if match else ""


# --- the public register needs no login ---------------------------------------------------


def test_the_public_register_needs_no_login(client, filed):
    response = client.get(reverse("public-register"))
    assert response.status_code == 200
    assert filed.name in page_html(response)


# --- home pages ----------------------------------------------------------------------------


def test_each_role_finds_its_own_work_at_home(
    client_for, staff, street_officer, district_officer, city_officer, leader, filing, filed
):
    registration = application_submit(
        organisation=filed,
        kind=ApplicationKind.REGISTRATION,
        acting_user=street_officer,
        credit_code=VALID_CREDIT_CODES[LegalForm.SOCIAL_GROUP],
        legal_form=LegalForm.SOCIAL_GROUP,
    )
    staff_home = page_html(client_for(staff).get(reverse("home")))
    assert filing.organisation.name in staff_home
    assert reverse("organisation-create") in staff_home
    street_home = page_html(client_for(street_officer).get(reverse("home")))
    assert reverse("application-detail", args=[filing.pk]) in street_home  # the filing inbox
    assert reverse("application-submit", args=[filed.pk, "registration"]) not in street_home
    district_home = page_html(client_for(district_officer).get(reverse("home")))
    assert reverse("application-detail", args=[registration.pk]) in district_home
    assert reverse("application-detail", args=[filing.pk]) not in district_home
    city_response = client_for(city_officer).get(reverse("home"))
    rows = {row["division"].name: row for row in city_response.context["by_area"]}
    assert len(rows) == 10
    assert rows["坪山区"]["live"] == 2 and rows["大鹏新区"]["total"] == 0
    leader_home = page_html(client_for(leader).get(reverse("home")))
    assert leader.organisation.name in leader_home
    assert LEADER_PHONE in leader_home  # the leader sees their own roster in full


def test_navigation_shows_each_role_its_pages(client_for, staff, street_officer, leader):
    staff_nav = page_html(client_for(staff).get(reverse("home")))
    assert 'href="/excel/"' in staff_nav and 'href="/party/"' in staff_nav
    assert f'href="{reverse("organisation-create")}"' in staff_nav
    street_nav = page_html(client_for(street_officer).get(reverse("home")))
    assert f"reviewing_division={PINGSHAN_STREET}&amp;status=submitted" in street_nav
    leader_nav = page_html(client_for(leader).get(reverse("home")))
    assert 'href="/excel/"' not in leader_nav
    assert reverse("organisation-detail", args=[leader.organisation_id]) in leader_nav


# --- ledgers -------------------------------------------------------------------------------


def test_the_ledger_filters_searches_sorts_counts_and_pages(client_for, staff, filed, group):
    for i in range(26):
        make_group(staff, name=f"坪山社区兴趣小组{i:02d}", members=1, founders=1)
    client = client_for(staff)
    url = reverse("organisation-list")
    response = client.get(url)
    assert response.context["total"] == 28
    assert len(response.context["object_list"]) == 25
    assert response.context["page_obj"].has_next()
    counts = {tile["status"]: tile["count"] for tile in response.context["status_counts"]}
    assert counts == {"activity_group": 27, "filed": 1, "registered": 0, "exited": 0}
    assert "page=2" in page_html(response)

    response = client.get(url, {"status": "filed"})
    assert [o.name for o in response.context["object_list"]] == [filed.name]
    response = client.get(url, {"q": "书画"})
    assert [o.name for o in response.context["object_list"]] == [group.name]
    response = client.get(url, {"q": filed.filing_number})
    assert [o.name for o in response.context["object_list"]] == [filed.name]
    names = [o.name for o in client.get(url, {"sort": "-name"}).context["object_list"]]
    assert names == sorted(names, reverse=True)
    response = client.get(url, {"sort": "status", "status": ["filed", "activity_group"]})
    statuses = [o.status for o in response.context["object_list"]]
    assert statuses == sorted(statuses)
    # A sort key that isn't offered falls back to the default rather than failing.
    assert client.get(url, {"sort": "community__parent__path"}).status_code == 200
    hub = {"is_hub": "true"}
    assert list(client.get(url, hub).context["object_list"]) == []
    assert client.get(url, {"is_hub": "false"}).context["total"] == 28
    # Member counts per organisation on the page.
    by_name = {o.name: o for o in client.get(url, {"q": "书画"}).context["object_list"]}
    assert by_name[group.name].members_count == 11


def test_the_ledger_costs_the_same_queries_whatever_its_size(
    client_for, staff, group, django_assert_max_num_queries
):
    client = client_for(staff)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("organisation-list"))
    for i in range(15):
        make_group(staff, name=f"坪山社区兴趣小组{i:02d}", members=3, founders=1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("organisation-list"))


def test_the_organisation_page_costs_the_same_queries_whatever_the_roster(
    client_for, staff, group, django_assert_max_num_queries
):
    client = client_for(staff)
    url = reverse("organisation-detail", args=[group.pk])
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    for i in range(20):
        member_add(organisation=group, acting_user=staff, name=f"新成员{i}", phone="13800138000")
        member_update(
            member=group.members.get(name=f"新成员{i}"),
            acting_user=staff,
            reason="换号",
            phone="13900139000",
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["roster"]) == 31


def test_the_application_ledger_is_the_review_inbox(client_for, street_officer, filing, filed):
    client = client_for(street_officer)
    response = client.get(
        reverse("application-list"),
        {"reviewing_division": PINGSHAN_STREET, "status": "submitted"},
    )
    assert list(response.context["object_list"]) == [filing]
    response = client.get(reverse("application-list"), {"status": "approved"})
    assert [a.organisation for a in response.context["object_list"]] == [filed]


# --- the organisation page -----------------------------------------------------------------


def test_the_organisation_page_shows_everything_with_a_timeline(
    client_for, staff, street_officer, group, filing
):
    application_decide(
        application=filing,
        action=ApplicationAction.APPROVE,
        acting_user=street_officer,
        reason="符合备案条件，准予备案",
    )
    response = client_for(staff).get(reverse("organisation-detail", args=[group.pk]))
    html = page_html(response)
    group.refresh_from_db()
    for text in [
        group.filing_number,
        group.venue,
        "王秀英",  # the roster
        "三八妇女节书法展",  # activities
        "符合备案条件，准予备案",  # the decision, in applications and in the timeline
        LEADER_PHONE,  # full numbers for the community that keeps the roster
        VALID_ID_NUMBER,
    ]:
        assert text in html, text
    timeline = html[html.index('id="timeline"') :]
    assert staff.username in timeline and street_officer.username in timeline
    assert "440310001-" in timeline  # the filing number's diff
    # The decision's diff names the reviewer, not their database id.
    entry = next(e for e in response.context["timeline"] if e.model == "application" and e.changes)
    decided_by = next(c for c in entry.changes if c.field == "decided_by")
    assert decided_by.new == street_officer.username


def test_the_city_bureau_sees_phone_and_id_numbers_masked_everywhere(
    client_for, staff, city_officer, group
):
    member = Member.objects.get(organisation=group, phone=LEADER_PHONE)
    member_update(member=member, acting_user=staff, reason="换号", phone="13687654321")
    html = page_html(client_for(city_officer).get(reverse("organisation-detail", args=[group.pk])))
    for full in ["13687654321", LEADER_PHONE, VALID_ID_NUMBER]:
        assert full not in html  # neither in the roster nor in the timeline's diff
    assert "136****4321" in html and "139****5678" in html
    assert mask_id_number(VALID_ID_NUMBER) in html


def test_masks():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("075583001234") == "075*****1234"
    assert mask_id_number("440303199505050029") == "440303********0029"
    assert mask_phone("") == ""


# --- forms: writes through the services, errors on the form ---------------------------------


def organisation_post(**overrides):
    data = {
        "name": "坪山社区太极拳协会",
        "community": PINGSHAN_COMMUNITY,
        "org_type": "association",
        "field": "culture_sports",
        "service_targets": ["elderly_children"],
        "venue": "坪山社区文化广场",
        "founded_on": "2024-04-01",
        "legal_person_founders": "0",
        "charter_text": "本会由社区太极拳爱好者自愿组成。",
        "activity_rules_text": "每天早上集体练习。",
        "reason": "",
    }
    data.update(overrides)
    return data


def test_community_staff_enter_a_group_and_history_records_who(client_for, staff):
    response = client_for(staff).post(reverse("organisation-create"), organisation_post())
    organisation = Organisation.objects.get(name="坪山社区太极拳协会")
    assert response.status_code == 302
    assert response.url == reverse("organisation-detail", args=[organisation.pk])
    assert organisation.service_targets == ["elderly_children"]
    record = organisation.history.get()
    assert record.history_user == staff


def test_a_form_with_errors_shows_each_next_to_its_field_keeps_input_and_saves_nothing(
    client_for, staff
):
    data = organisation_post(
        name="", org_type="", founded_on="2024-13-45", legal_person_founders="-1"
    )
    response = client_for(staff).post(reverse("organisation-create"), data)
    assert response.status_code == 200
    assert "该字段是必填项" in field_errors(response, "name")
    assert "该字段是必填项" in field_errors(response, "org_type")
    assert field_errors(response, "founded_on").strip()
    assert field_errors(response, "legal_person_founders").strip()
    assert not field_errors(response, "venue").strip()
    html = page_html(response)
    assert 'value="坪山社区文化广场"' in html and 'value="2024-13-45"' in html  # kept
    assert "本会由社区太极拳爱好者自愿组成。" in html
    assert not Organisation.objects.exists()


def test_form_errors_come_in_the_interface_language(client_for, staff):
    client = client_for(staff)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("organisation-create"), organisation_post(name=""))
    assert "This field is required." in field_errors(response, "name")
    assert '<html lang="en">' in page_html(response)


def test_member_validation_errors_sit_next_to_phone_and_id_number(client_for, staff, group):
    before = group.members.count()
    response = client_for(staff).post(
        reverse("member-create", args=[group.pk]),
        {
            "name": "赵六",
            "role": MemberRole.MEMBER,
            "party_status": "none",
            "phone": "12345",
            "id_number": "440303199505050028",
            "joined_on": "2024-05-01",
            "left_on": "2024-04-01",
        },
    )
    assert response.status_code == 200
    assert "12345" in field_errors(response, "phone")
    assert "身份证号码校验码" in field_errors(response, "id_number")
    assert 'value="赵六"' in page_html(response)
    assert group.members.count() == before


def test_adding_a_member_normalises_and_records_it(client_for, staff, group):
    response = client_for(staff).post(
        reverse("member-create", args=[group.pk]),
        {
            "name": "赵六",
            "role": MemberRole.MEMBER,
            "party_status": "formal",
            "phone": "138 0013 8000",
            "id_number": "",
            "reason": "新入会",
        },
    )
    assert response.status_code == 302
    member = group.members.get(name="赵六")
    assert member.phone == "13800138000"
    assert member.history.get().history_change_reason == "新入会"


def test_an_edit_needs_a_reason_and_records_it(client_for, staff, group):
    client = client_for(staff)
    url = reverse("organisation-update", args=[group.pk])
    data = organisation_post(name=group.name, venue="坪山社区党群服务中心三楼")
    response = client.post(url, data)
    assert "该字段是必填项" in field_errors(response, "reason")
    group.refresh_from_db()
    assert group.venue != "坪山社区党群服务中心三楼"
    response = client.post(url, {**data, "reason": "活动场所搬迁"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.venue == "坪山社区党群服务中心三楼"
    latest = group.history.latest()
    assert latest.history_change_reason == "活动场所搬迁" and latest.history_user == staff


def test_an_organisation_leader_edits_the_ledger_but_cannot_move_it(client_for, leader, group):
    client = client_for(leader)
    data = organisation_post(name=group.name, community=MALUAN_COMMUNITY, reason="更新场所")
    response = client.post(reverse("organisation-update", args=[group.pk]), data)
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.venue == "坪山社区文化广场"
    assert group.community_id == PINGSHAN_COMMUNITY


def test_recording_and_editing_an_activity(client_for, staff, group):
    client = client_for(staff)
    response = client.post(
        reverse("activity-create", args=[group.pk]),
        {
            "held_on": "2025-05-01",
            "title": "劳动节义写春联",
            "series": "culture",
            "participants": "30",
            "volunteer_hours": "12.5",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title="劳动节义写春联")
    response = client.post(
        reverse("activity-update", args=[group.pk, activity.pk]),
        {
            "held_on": "2025-05-01",
            "title": "劳动节义写春联",
            "series": "culture",
            "participants": "-3",
            "volunteer_hours": "12.5",
            "reason": "更正人数",
        },
    )
    assert response.status_code == 200 and field_errors(response, "participants").strip()
    activity.refresh_from_db()
    assert activity.participants == 30


def test_recommending_for_filing_with_unmet_conditions_lists_them_and_stores_nothing(
    client_for, staff
):
    thin = make_group(staff, name="坪山社区跳绳小组", members=4, founders=1)
    url = reverse("application-submit", args=[thin.pk, "filing"])
    page = client_for(staff).get(url)
    live = {item["code"]: item["met"] for item in page.context["checklist"]}
    assert live["members"] is False and live["founders"] is False and live["venue"] is True
    response = client_for(staff).post(url, {"note": "推荐"})
    assert response.status_code == 200
    errors = page_html(response).split('class="form-errors"')[1].split("</div>")[0]
    assert "至少 10 名成员（现有 4 名）" in errors
    assert "至少 3 名个人发起人" in errors
    assert not thin.applications.exists()


def test_recommending_for_filing_then_approving_with_a_reason(
    client_for, staff, street_officer, group
):
    response = client_for(staff).post(
        reverse("application-submit", args=[group.pk, "filing"]), {"note": "推荐备案"}
    )
    application = Application.objects.get(organisation=group)
    assert response.url == reverse("application-detail", args=[application.pk])
    review = client_for(street_officer).get(response.url)
    assert review.context["decision_form"] is not None
    assert all(item["met"] for item in review.context["stored_checklist"])
    response = client_for(street_officer).post(
        reverse("application-decide", args=[application.pk]),
        {"action": "approve", "reason": "符合备案条件"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    group.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == street_officer
    assert group.status == OrgStatus.FILED


def test_the_review_page_shows_the_stored_and_the_live_checklist(
    client_for, staff, street_officer, group, filing
):
    for member in group.members.current()[:5]:
        member_update(member=member, acting_user=staff, reason="退出", left_on="2025-06-01")
    response = client_for(street_officer).get(reverse("application-detail", args=[filing.pk]))
    stored = {item["code"]: item for item in response.context["stored_checklist"]}
    live = {item["code"]: item for item in response.context["live_checklist"]}
    assert stored["members"]["met"] and not live["members"]["met"]
    html = page_html(response)
    assert "至少 10 名成员（现有 11 名）" in html and "至少 10 名成员（现有 6 名）" in html


def test_rejecting_or_returning_needs_a_reason_next_to_the_field(
    client_for, street_officer, filing
):
    url = reverse("application-decide", args=[filing.pk])
    for action in ("reject", "return"):
        response = client_for(street_officer).post(url, {"action": action, "reason": "  "})
        assert response.status_code == 200
        assert field_errors(response, "reason").strip()
    response = client_for(street_officer).post(url, {})
    assert "该字段是必填项" in field_errors(response, "action")
    filing.refresh_from_db()
    assert filing.status == ApplicationStatus.SUBMITTED


def test_a_second_decision_gets_a_clear_conflict_message(
    client_for, street_officer, make_user, filing
):
    colleague = make_user("street_officer", PINGSHAN_STREET, username="street-pingshan-2")
    url = reverse("application-decide", args=[filing.pk])
    first = client_for(street_officer).post(url, {"action": "approve", "reason": "同意"})
    assert first.status_code == 302
    second = client_for(colleague).post(url, {"action": "reject", "reason": "不同意"})
    assert second.status_code == 409
    html = page_html(second)
    assert street_officer.username in html.split('class="form-errors"')[1]
    filing.refresh_from_db()
    assert filing.status == ApplicationStatus.APPROVED and filing.decided_by == street_officer


def test_return_resubmit_and_withdraw(client_for, staff, street_officer, filing):
    application_decide(
        application=filing,
        action=ApplicationAction.RETURN,
        acting_user=street_officer,
        reason="请补充活动规则",
    )
    page = client_for(staff).get(reverse("application-detail", args=[filing.pk]))
    assert page.context["resubmit_form"] is not None and page.context["decision_form"] is None
    assert "请补充活动规则" in page_html(page)
    response = client_for(staff).post(
        reverse("application-resubmit", args=[filing.pk]), {"note": "已补充"}
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == ApplicationStatus.SUBMITTED
    url = reverse("application-withdraw", args=[filing.pk])
    response = client_for(staff).post(url, {"withdraw-reason": ""})
    assert response.status_code == 200 and field_errors(response, "withdraw-reason").strip()
    response = client_for(staff).post(url, {"withdraw-reason": "小组暂停活动"})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == ApplicationStatus.WITHDRAWN


def test_recommending_registration_with_a_bad_credit_code(client_for, street_officer, filed):
    url = reverse("application-submit", args=[filed.pk, "registration"])
    response = client_for(street_officer).post(
        url, {"legal_form": LegalForm.SOCIAL_GROUP, "credit_code": "51440310MJL000010X"}
    )
    assert response.status_code == 200
    assert "校验码" in field_errors(response, "credit_code")
    assert not filed.applications.filter(kind=ApplicationKind.REGISTRATION).exists()
    response = client_for(street_officer).post(
        url,
        {
            "legal_form": LegalForm.SOCIAL_GROUP,
            "credit_code": VALID_CREDIT_CODES[LegalForm.SOCIAL_GROUP],
        },
    )
    assert response.status_code == 302
    assert filed.applications.get(kind=ApplicationKind.REGISTRATION).reviewing_division_id == (
        "440310"
    )


def test_an_action_the_state_no_longer_allows_is_a_clear_message(client_for, staff, group, filing):
    response = client_for(staff).post(
        reverse("application-submit", args=[group.pk, "filing"]), {"note": "再次推荐"}
    )
    assert response.status_code == 409
    assert "已有一项未办结的备案申请" in page_html(response).split('class="form-errors"')[1]
    assert group.applications.count() == 1


def test_hub_designation_and_revocation_by_the_street(client_for, street_officer, filed):
    client = client_for(street_officer)
    response = client.post(
        reverse("organisation-hub", args=[filed.pk, "designate"]), {"reason": "示范带动"}
    )
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.is_hub and filed.hub_designated_by_id == PINGSHAN_STREET
    again = client.post(
        reverse("organisation-hub", args=[filed.pk, "designate"]), {"reason": "再次"}
    )
    assert again.status_code == 409
    response = client.post(
        reverse("organisation-hub", args=[filed.pk, "revoke"]), {"reason": "不再承担枢纽职能"}
    )
    filed.refresh_from_db()
    assert not filed.is_hub


def test_exit_proposed_approved_and_reversed(client_for, staff, street_officer, filed):
    response = client_for(staff).post(
        reverse("application-submit", args=[filed.pk, "exit"]),
        {"exit_reason": ExitReason.DORMANT, "note": "一年无活动"},
    )
    assert response.status_code == 302
    exit_application = filed.applications.get(kind=ApplicationKind.EXIT)
    assert exit_application.reviewing_division_id == PINGSHAN_STREET
    client_for(street_officer).post(
        reverse("application-decide", args=[exit_application.pk]),
        {"action": "approve", "reason": "核实无活动"},
    )
    filed.refresh_from_db()
    assert filed.status == OrgStatus.EXITED
    page = client_for(street_officer).get(reverse("organisation-detail", args=[filed.pk]))
    assert page.context["actions"]["reverse_exit"] and not page.context["actions"]["edit"]
    response = client_for(street_officer).post(
        reverse("organisation-exit-reverse", args=[filed.pk]), {"reason": "恢复活动"}
    )
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == OrgStatus.FILED


def test_the_exit_form_wants_a_reason(client_for, staff, group):
    response = client_for(staff).post(reverse("application-submit", args=[group.pk, "exit"]), {})
    assert "该字段是必填项" in field_errors(response, "exit_reason")
    assert not group.applications.exists()


# --- the public register -------------------------------------------------------------------


@pytest.fixture
def register(staff, street_officer, other_street_officer, make_user, filed, group):
    """A filed organisation in 坪山, one in 马峦, an activity group and an exited one."""
    maluan_staff = make_user("community_staff", MALUAN_COMMUNITY, username="staff-maluan")
    maluan = make_filed(maluan_staff, other_street_officer, name="马峦社区志愿服务队")
    gone = make_group(staff, name="坪山社区已解散小组")
    exit_application = application_submit(
        organisation=gone,
        kind=ApplicationKind.EXIT,
        acting_user=staff,
        exit_reason=ExitReason.VOLUNTARY,
    )
    application_decide(
        application=exit_application, action=ApplicationAction.APPROVE, acting_user=staff
    )
    return {"filed": filed, "maluan": maluan, "group": group, "gone": gone}


def test_the_public_register_lists_only_filed_and_registered_organisations(client, register):
    html = page_html(client.get(reverse("public-register")))
    assert register["filed"].name in html and register["maluan"].name in html
    assert register["filed"].filing_number in html
    assert register["group"].name not in html  # an activity group is not on the register
    assert register["gone"].name not in html  # nor is an organisation that exited


def test_the_public_register_never_shows_personal_data(client, register):
    members = Member.objects.filter(organisation__in=[register["filed"], register["maluan"]])
    assert members.count() > 10
    html = page_html(client.get(reverse("public-register")))
    for member in members:
        assert member.name not in html
        assert member.phone not in html
    assert VALID_ID_NUMBER not in html
    # The selector hands out dicts of the public columns only, so no template can reach a
    # member or any other related object through it.
    rows = list(public_register_organisations())
    assert len(rows) == 2 and all(set(row) == set(public_fields()) for row in rows)


def test_the_public_register_searches_by_name_district_street_and_field(client, register):
    url = reverse("public-register")

    def names(**params):
        return [row["name"] for row in client.get(url, params).context["rows"]]

    assert names(q="志愿") == ["马峦社区志愿服务队"]
    assert names(q=register["filed"].filing_number) == [register["filed"].name]
    assert set(names(district="440310")) == {register["filed"].name, "马峦社区志愿服务队"}
    assert names(district="440310", street=MALUAN_STREET) == ["马峦社区志愿服务队"]
    assert names(district="440303") == names()  # not a district on the register: ignored
    assert names(field="charity") == []
    assert set(names(field="culture_sports")) == {register["filed"].name, "马峦社区志愿服务队"}
    # A street of another district is dropped, not matched against the wrong district.
    assert names(district="440310", street="440303001") == names(district="440310")


def test_the_public_register_has_a_grade_column_hook(client, register):
    """Grading fills its column through registry.extensions (a public annotation), and a page
    may still replace the extension cells by extending the template and overriding one block."""
    response = client.get(reverse("public-register"))
    assert page_html(response).count('<td class="grade"') == 2
    graded = engines["django"].from_string(
        '{% extends "registry/public_register.html" %}'
        "{% block extension_cells %}<td>grade-of-{{ row.pk }}</td>{% endblock %}"
    )
    html = graded.render(response.context_data, response.wsgi_request)
    for organisation in (register["filed"], register["maluan"]):
        assert f"grade-of-{organisation.pk}" in html


# --- language ------------------------------------------------------------------------------


def test_the_interface_is_chinese_by_default_and_switches_to_english(client, staff):
    client.force_login(staff)
    html = page_html(client.get(reverse("home")))
    assert '<html lang="zh-hans">' in html and "退出登录" in html
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True
    )
    html = page_html(response)
    assert '<html lang="en">' in html and "Log out" in html and "退出登录" not in html
    with translation.override("en"):
        assert "Filed" in str(OrgStatus.FILED.label)
