"""The dormancy inbox: the owning tier confirms or proposes exit; staff record an unreachable
leader; through the pages and the API."""

import pytest
from django.urls import reverse

from oversight.choices import CaseStatus, DormancySignal
from oversight.models import DormancyCase
from oversight.services.scan import lifecycle_scan
from registry.choices import ApplicationKind, ApplicationStatus, ExitReason
from registry.models import Application
from tests.oversight.helpers import D, filed, group

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspects(staff, street_officer):
    the_group = group(staff, entered=D(2023, 1, 10), name="坪山社区太极拳队")
    the_filed = filed(staff, street_officer, entered=D(2023, 1, 10))
    lifecycle_scan(today=D(2025, 6, 1))
    return (
        DormancyCase.objects.get(organisation=the_group),
        DormancyCase.objects.get(organisation=the_filed),
    )


def test_the_inbox_shows_the_cases_the_users_tier_owns(suspects, staff, street_officer, client_for):
    group_case, filed_case = suspects
    inbox = client_for(street_officer).get(reverse("oversight:case-list"))
    assert [case.pk for case in inbox.context["object_list"]] == [filed_case.pk]
    inbox = client_for(staff).get(reverse("oversight:case-list"))
    assert [case.pk for case in inbox.context["object_list"]] == [group_case.pk]
    everything = client_for(street_officer).get(reverse("oversight:case-list"), {"pending": "true"})
    assert {case.pk for case in everything.context["object_list"]} == {group_case.pk, filed_case.pk}


def test_api_confirm_needs_a_note_and_the_owning_tier(suspects, staff, street_officer, api_for):
    _group_case, filed_case = suspects
    url = reverse("dormancy-case-confirm", args=[filed_case.pk])
    response = api_for(street_officer).post(url, {"note": ""}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = api_for(staff).post(url, {"note": "仍在活动"}, format="json")
    assert response.status_code == 403  # the community sees it but the street owns it
    response = api_for(street_officer).post(url, {"note": "走访确认仍在活动"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == CaseStatus.CONFIRMED_ACTIVE
    assert response.json()["resolution_note"] == "走访确认仍在活动"
    response = api_for(street_officer).post(url, {"note": "again"}, format="json")
    assert response.status_code == 409


def test_api_propose_exit_opens_an_exit_application(suspects, street_officer, api_for):
    _group_case, filed_case = suspects
    response = api_for(street_officer).post(
        reverse("dormancy-case-propose-exit", args=[filed_case.pk]),
        {"note": "多次走访无人"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == CaseStatus.EXIT_PROPOSED
    application = Application.objects.get(pk=response.json()["exit_application"])
    assert application.kind == ApplicationKind.EXIT
    assert application.exit_reason == ExitReason.DORMANT
    assert application.submitted_by == street_officer
    assert application.status == ApplicationStatus.SUBMITTED


def test_pages_confirm_and_propose_exit(suspects, staff, street_officer, client_for):
    group_case, filed_case = suspects
    client = client_for(staff)
    page = client.get(reverse("oversight:case-detail", args=[group_case.pk]))
    assert page.context["can_decide"]
    assert not client.get(reverse("oversight:case-detail", args=[filed_case.pk])).context[
        "can_decide"
    ]
    response = client.post(reverse("oversight:case-action", args=[group_case.pk, "confirm"]), {})
    group_case.refresh_from_db()
    assert response.status_code == 302 and group_case.status == CaseStatus.OPEN  # note required
    client.post(
        reverse("oversight:case-action", args=[group_case.pk, "confirm"]),
        {"note": "电话确认每周活动"},
    )
    group_case.refresh_from_db()
    assert group_case.status == CaseStatus.CONFIRMED_ACTIVE
    assert group_case.resolved_by == staff
    client_for(street_officer).post(
        reverse("oversight:case-action", args=[filed_case.pk, "propose-exit"]), {"note": ""}
    )
    filed_case.refresh_from_db()
    assert filed_case.status == CaseStatus.EXIT_PROPOSED
    assert filed_case.exit_application.reviewing_division_id == street_officer.division_id


def test_staff_record_an_unreachable_leader(staff, street_officer, client_for, api_for, make_user):
    organisation = filed(staff, street_officer, entered=D(2023, 1, 10))
    response = client_for(staff).post(
        reverse("oversight:leader-unreachable", args=[organisation.pk]), {"note": ""}
    )
    assert response.status_code == 200 and "note" in response.context["form"].errors
    assert not DormancyCase.objects.exists()
    response = client_for(staff).post(
        reverse("oversight:leader-unreachable", args=[organisation.pk]),
        {"note": "三次电话未接通"},
    )
    case = DormancyCase.objects.get()
    assert response.status_code == 302
    assert case.signals == [DormancySignal.LEADER_UNREACHABLE]
    assert case.flagged_by == staff and case.flag_note == "三次电话未接通"
    # Again through the API: the same case, unchanged.
    response = api_for(street_officer).post(
        reverse("dormancy-case-leader-unreachable"),
        {"organisation": organisation.pk, "note": "再次确认无法联系"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["id"] == case.pk
    assert DormancyCase.objects.count() == 1
    leader = make_user("organisation_leader", organisation=organisation)
    response = api_for(leader).post(
        reverse("dormancy-case-leader-unreachable"),
        {"organisation": organisation.pk, "note": "x"},
        format="json",
    )
    assert response.status_code == 403
