"""Writes through the pages, the API and the services: coverage periods and history."""

import pytest
from django.urls import reverse
from django.utils import timezone

from party_building import services
from party_building.choices import CoverageMode
from party_building.choices import PartyOrganisationKind as Kind
from party_building.models import InstructorAssignment, PartyCoverage, PartyOrganisation
from party_building.selectors import annotate_coverage
from registry.models import Division, Organisation
from tests.party_building.conftest import days_ago
from tests.registry.factories import make_group

pytestmark = pytest.mark.django_db


def mode(organisation, on=None):
    return (
        annotate_coverage(Organisation.objects.filter(pk=organisation.pk), on=on)
        .get()
        .coverage_mode
    )


@pytest.fixture
def groups(staff):
    return [
        make_group(staff, name=name, members=1) for name in ("坪山社区书画协会", "坪山社区舞蹈队")
    ]


def test_changing_what_a_branch_covers_ends_and_starts_periods(staff, groups):
    first, second = groups
    branch = services.party_organisation_create(
        acting_user=staff,
        name="坪山社区联合党支部",
        kind=Kind.JOINT_BRANCH,
        guiding_division=first.community,
        founded_on=days_ago(30),
        covered_organisations=[first],
    )
    coverage = PartyCoverage.objects.get(party_organisation=branch)
    assert (coverage.start_on, coverage.end_on) == (days_ago(30), None)
    services.party_organisation_update(
        party_organisation=branch,
        acting_user=staff,
        reason="书画协会成立了自己的支部",
        covered_organisations=[second],
    )
    today = timezone.localdate()
    periods = {
        (c.organisation_id, c.start_on, c.end_on)
        for c in PartyCoverage.objects.filter(party_organisation=branch)
    }
    assert periods == {(first.pk, days_ago(30), today), (second.pk, today, None)}
    assert mode(first) == CoverageMode.NONE
    assert mode(first, on=days_ago(1)) == CoverageMode.JOINT
    assert mode(second) == CoverageMode.JOINT
    assert mode(second, on=days_ago(1)) == CoverageMode.NONE
    ended = PartyCoverage.history.filter(organisation_id=first.pk).order_by("-history_id")[0]
    assert (ended.history_user, ended.history_change_reason) == (staff, "书画协会成立了自己的支部")


def test_dissolving_a_branch_ends_its_coverage(staff, groups):
    first, _second = groups
    branch = services.party_organisation_create(
        acting_user=staff,
        name="坪山社区联合党支部",
        kind=Kind.JOINT_BRANCH,
        guiding_division=first.community,
        founded_on=days_ago(30),
        covered_organisations=[first],
    )
    services.party_organisation_update(
        party_organisation=branch, acting_user=staff, reason="撤销", dissolved_on=days_ago(2)
    )
    assert PartyCoverage.objects.get(party_organisation=branch).end_on == days_ago(2)
    assert mode(first) == CoverageMode.NONE
    assert mode(first, on=days_ago(3)) == CoverageMode.JOINT
    # Editing a dissolved branch (a typo in the secretary's name) is still possible.
    services.party_organisation_update(
        party_organisation=branch, acting_user=staff, reason="更正", secretary="王书记"
    )


def test_create_and_edit_on_the_pages(street_officer, client_for, groups):
    first, second = groups
    client = client_for(street_officer)
    response = client.get(reverse("party_building:organisation-create"), {"organisation": first.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["covered_organisations"] == [str(first.pk)]
    response = client.post(
        reverse("party_building:organisation-create"),
        {
            "name": "坪山街道社会组织党总支",
            "kind": "general_branch",
            "guiding_division": "440310001",
            "founded_on": days_ago(3).isoformat(),
            "secretary": "陈书记",
            "member_count": "12",
            "covered_organisations": [first.pk, second.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    branch = PartyOrganisation.objects.get(name="坪山街道社会组织党总支")
    assert response["Location"] == reverse("party_building:organisation-detail", args=[branch.pk])
    assert set(branch.coverages.values_list("organisation_id", flat=True)) == {first.pk, second.pk}
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert first.name in detail.content.decode()

    edit = reverse("party_building:organisation-update", args=[branch.pk])
    form = client.get(edit).context["form"]
    assert set(form.initial["covered_organisations"]) == {first.pk, second.pk}
    data = {**form.initial, "member_count": "15", "covered_organisations": [first.pk, second.pk]}
    data["founded_on"] = data["founded_on"].isoformat()
    data.pop("dissolved_on")
    response = client.post(edit, data)
    assert response.status_code == 200  # a reason is required for a change
    assert "reason" in response.context["form"].errors
    response = client.post(edit, {**data, "reason": "新转入3名党员"})
    assert response.status_code == 302
    branch.refresh_from_db()
    assert branch.member_count == 15
    last = branch.history.order_by("-history_id").first()
    assert (last.history_user, last.history_change_reason) == (street_officer, "新转入3名党员")
    history = client.get(reverse("party_building:organisation-detail", args=[branch.pk]))
    assert "新转入3名党员" in history.content.decode()


def test_instructor_pages(street_officer, client_for, groups):
    first, _second = groups
    client = client_for(street_officer)
    response = client.post(
        reverse("party_building:instructor-create"),
        {"name": "李指导员", "division": "440310001", "phone": "13800138000"},
    )
    assert response.status_code == 302
    instructor = street_officer.division.party_instructors.get()
    response = client.post(
        reverse("party_building:assignment-create"),
        {"instructor": instructor.pk, "organisation": first.pk, "start_on": "2024-01-01"},
    )
    assert response.status_code == 302
    assignment = InstructorAssignment.objects.get()
    assert mode(first) == CoverageMode.INSTRUCTOR
    response = client.post(
        reverse("party_building:assignment-update", args=[assignment.pk]),
        {"start_on": "2024-01-01", "end_on": timezone.localdate().isoformat(), "reason": "调任"},
    )
    assert response.status_code == 302
    assert mode(first) == CoverageMode.NONE
    page = client.get(reverse("party_building:instructor-detail", args=[instructor.pk]))
    assert page.status_code == 200 and "调任" in page.content.decode()
    assert client.get(reverse("party_building:assignment-list")).status_code == 200
    assert client.get(reverse("party_building:instructor-list")).status_code == 200


def test_api_create_update_and_read(street_officer, api_for, groups):
    first, second = groups
    api = api_for(street_officer)
    response = api.post(
        "/api/v1/party-organisations/",
        {
            "name": "坪山社区联合党支部",
            "kind": "joint_branch",
            "guiding_division": "440310001003",
            "founded_on": days_ago(10).isoformat(),
            "member_count": 6,
            "covered_organisations": [first.pk],
            "reason": "街道党工委批复组建",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["guiding_division"] == "440310001003"
    assert [c["organisation"] for c in created["coverage"]] == [first.pk]
    branch = PartyOrganisation.objects.get(pk=created["id"])
    assert branch.history.get().history_change_reason == "街道党工委批复组建"

    response = api.patch(
        f"/api/v1/party-organisations/{branch.pk}/",
        {"covered_organisations": [first.pk, second.pk], "reason": "舞蹈队党员转入"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert {c["organisation"] for c in response.json()["coverage"]} == {first.pk, second.pk}
    response = api.get("/api/v1/party-organisations/", {"kind": "joint_branch"})
    assert [row["id"] for row in response.json()["results"]] == [branch.pk]
    response = api.get("/api/v1/party-organisations/", {"covers": second.pk})
    assert [row["id"] for row in response.json()["results"]] == [branch.pk]
    response = api.get("/api/v1/party-coverage/", {"scope": "440310001"})
    assert response.json()["figures"]["organisation_coverage"]["numerator"] == 2
    response = api.get(
        "/api/v1/party-coverage/", {"scope": "440310001", "on": days_ago(20).isoformat()}
    )
    assert response.json()["figures"]["organisation_coverage"]["numerator"] == 0
    response = api.get("/api/v1/party-coverage/uncovered/", {"scope": "440310001"})
    assert response.status_code == 400 and "figure" in response.json()


def test_an_independent_branch_may_be_guided_by_a_tier_above_its_organisation(
    district_officer, groups
):
    first, _second = groups
    branch = services.party_organisation_create(
        acting_user=district_officer,
        name="坪山社区书画协会党支部",
        kind=Kind.INDEPENDENT_BRANCH,
        guiding_division=Division.objects.get(code="440310"),
        founded_on=days_ago(1),
        covered_organisations=[first],
    )
    assert mode(first) == CoverageMode.OWN
    assert branch.coverages.get().start_on == days_ago(1)
