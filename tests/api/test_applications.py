"""Applications through the API: submit, decide, resubmit, withdraw; who acted is recorded."""

import pytest

from registry.choices import ApplicationStatus, OrgStatus
from registry.models import Application, Organisation
from tests.registry.factories import VALID_CREDIT_CODES, make_filed, make_group

pytestmark = pytest.mark.django_db
URL = "/api/v1/applications/"


def act(api, application_id, name, **body):
    return api.post(f"{URL}{application_id}/{name}/", body, format="json")


def last_history(model, pk):
    return model.history.filter(id=pk).order_by("-history_id").first()


def test_filing_submitted_and_approved_with_tokens_records_the_token_users(
    staff, street_officer, token_api
):
    group = make_group(staff)
    response = token_api(staff).post(
        URL, {"organisation": group.pk, "kind": "filing", "note": "推荐备案"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["reviewing_division"] == "440310001"
    assert all(item["met"] for item in body["checklist"])
    assert body["submitted_by"]["username"] == staff.username
    submitted = last_history(Application, body["id"])
    assert submitted.history_user == staff and submitted.history_change_reason == "推荐备案"

    response = act(token_api(street_officer), body["id"], "approve", reason="符合备案条件")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["decided_by"]["username"] == street_officer.username
    group.refresh_from_db()
    assert group.status == OrgStatus.FILED and group.filing_number
    organisation_row = last_history(Organisation, group.pk)
    assert organisation_row.history_user == street_officer
    assert organisation_row.history_change_reason == "符合备案条件"
    assert last_history(Application, body["id"]).history_user == street_officer


def test_second_decision_is_a_409_naming_the_first(world, street_officer, api_for):
    api = api_for(street_officer)
    assert act(api, world.application.pk, "approve").status_code == 200
    response = act(api, world.application.pk, "reject", reason="重复")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["current"] == "approved"
    assert response.json()["requested"] == "reject"
    assert street_officer.username in response.json()["detail"]
    world.application.refresh_from_db()
    assert world.application.status == ApplicationStatus.APPROVED
    assert world.application.decision_reason == ""


def test_return_needs_a_reason_then_resubmit_and_withdraw(world, staff, street_officer, api_for):
    reviewer, applicant = api_for(street_officer), api_for(staff)
    response = act(reviewer, world.application.pk, "return")
    assert response.status_code == 400
    assert response.json() == {"reason": ["Give a reason."]}
    response = act(reviewer, world.application.pk, "return", reason="请补充章程")
    assert response.status_code == 200 and response.json()["status"] == "returned"
    # Resubmitting what is already submitted no longer applies: 409.
    response = act(applicant, world.application.pk, "resubmit", note="已补充")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    response = act(applicant, world.application.pk, "resubmit")
    assert response.status_code == 409 and response.json()["current"] == "submitted"
    response = act(applicant, world.application.pk, "withdraw", reason="暂缓")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    row = last_history(Application, world.application.pk)
    assert row.history_user == staff and row.history_change_reason == "暂缓"


def test_a_tier_that_does_not_review_gets_403_and_nothing_changes(world, staff, api_for):
    response = act(api_for(staff), world.application.pk, "approve")
    assert response.status_code == 403
    assert "reviews this application" in response.json()["detail"]
    world.application.refresh_from_db()
    assert world.application.status == ApplicationStatus.SUBMITTED


def test_the_city_sees_applications_but_decides_nothing(world, city_officer, api_for):
    api = api_for(city_officer)
    assert api.get(f"{URL}{world.application.pk}/").status_code == 200
    assert act(api, world.application.pk, "approve").status_code == 403


def test_unmet_conditions_are_all_listed(staff, api_for):
    group = make_group(staff, members=2, founders=1)
    response = api_for(staff).post(URL, {"organisation": group.pk, "kind": "filing"}, format="json")
    assert response.status_code == 400
    messages = response.json()["non_field_errors"]
    assert len(messages) == 2
    assert all(m.startswith("Condition not met") for m in messages)
    assert not Application.objects.filter(organisation=group).exists()


def test_registration_checks_the_credit_code_field_by_field(
    staff, street_officer, district_officer, api_for
):
    filed = make_filed(staff, street_officer)
    api = api_for(street_officer)
    body = {"organisation": filed.pk, "kind": "registration", "credit_code": "51440310MJL000011J"}
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"credit_code", "legal_form"}
    body.update(credit_code=VALID_CREDIT_CODES["social_group"], legal_form="social_group")
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    response = act(api_for(district_officer), response.json()["id"], "approve", reason="准予登记")
    assert response.status_code == 200
    filed.refresh_from_db()
    assert filed.status == OrgStatus.REGISTERED
    assert filed.credit_code == VALID_CREDIT_CODES["social_group"]


def test_an_open_application_of_the_same_kind_is_a_409(world, staff, api_for):
    response = api_for(staff).post(
        URL, {"organisation": world.organisation.pk, "kind": "filing"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["requested"] == "filing"


def test_exit_then_reversal_through_the_organisation_action(world, staff, api_for):
    api = api_for(staff)
    response = api.post(
        URL,
        {"organisation": world.other_organisation.pk, "kind": "exit", "exit_reason": "voluntary"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert act(api, response.json()["id"], "approve", reason="自行解散").status_code == 200
    url = f"/api/v1/organisations/{world.other_organisation.pk}/"
    assert api.get(url).json()["status"] == "exited"
    # An exited organisation can't be edited: 409.
    assert api.patch(url, {"venue": "x"}, format="json").status_code == 409
    response = api.post(f"{url}reverse-exit/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(f"{url}reverse-exit/", {"reason": "误操作"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "activity_group"
    response = api.post(f"{url}reverse-exit/", {"reason": "误操作"}, format="json")
    assert response.status_code == 409


def test_filters_by_kind_status_and_decision_date(world, street_officer, api_for):
    api = api_for(street_officer)
    act(api, world.application.pk, "approve")
    ids = [r["id"] for r in api.get(URL, {"status": "approved"}).json()["results"]]
    assert ids == [world.application.pk]
    assert api.get(URL, {"status": "submitted"}).json()["results"] == []
    assert api.get(URL, {"kind": "exit"}).json()["results"] == []
    assert api.get(URL, {"decided_after": "2000-01-01"}).json()["results"]
    assert api.get(URL, {"decided_before": "2000-01-01"}).json()["results"] == []


def test_applications_change_only_through_their_actions(world, superuser_api):
    url = f"{URL}{world.application.pk}/"
    assert superuser_api.put(url, {}, format="json").status_code == 405
    assert superuser_api.patch(url, {"status": "approved"}, format="json").status_code == 405
    assert superuser_api.delete(url).status_code == 405
    world.application.refresh_from_db()
    assert world.application.status == ApplicationStatus.SUBMITTED


@pytest.fixture
def superuser_api(make_user, api_for):
    return api_for(make_user(username="root", is_superuser=True))


def test_a_created_application_outside_the_jurisdiction_is_rolled_back(
    world, staff, api_for, monkeypatch
):
    # The base viewset checks every created row against the user's jurisdiction inside the
    # transaction (the submit service itself doesn't): simulate a row that ends up outside.
    monkeypatch.setattr(Application, "is_within", lambda self, user, action="view": False)
    body = {"organisation": world.other_organisation.pk, "kind": "exit", "exit_reason": "merged"}
    response = api_for(staff).post(URL, body, format="json")
    assert response.status_code == 404
    assert not Application.objects.filter(organisation=world.other_organisation).exists()


def test_a_decision_that_leaves_the_jurisdiction_is_rolled_back(
    world, street_officer, api_for, monkeypatch
):
    # Actions go through the same check as creates and updates.
    monkeypatch.setattr(Application, "is_within", lambda self, user, action="view": False)
    response = act(api_for(street_officer), world.application.pk, "approve", reason="同意")
    assert response.status_code == 404
    world.application.refresh_from_db()
    world.organisation.refresh_from_db()
    assert world.application.status == ApplicationStatus.SUBMITTED
    assert world.organisation.status == OrgStatus.ACTIVITY_GROUP
    assert world.organisation.filing_number is None
