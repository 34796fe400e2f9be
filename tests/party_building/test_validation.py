"""Bad input is refused with a reason naming what and where, and nothing is stored."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from core.exceptions import OutOfJurisdiction
from party_building import services
from party_building.choices import PartyOrganisationKind as Kind
from party_building.models import (
    InstructorAssignment,
    PartyCoverage,
    PartyInstructor,
    PartyOrganisation,
)
from registry.models import Division
from tests.party_building.conftest import LIULIAN, days_ago
from tests.registry.factories import make_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def counts():
    """Rows and history rows of every party record."""
    models = (PartyOrganisation, PartyCoverage, PartyInstructor, InstructorAssignment)
    return [(m.objects.count(), m.history.count()) for m in models]


@pytest.fixture
def orgs(staff, street_officer, community_staff):
    """One group in 坪山社区 and one in 六联社区 (both in 坪山街道)."""
    here = make_group(staff, name="坪山社区书画协会", members=1)
    there = make_group(community_staff(LIULIAN), name="六联社区舞蹈队", members=1)
    return here, there


def joint_branch(user, *, covered, guiding="440310001003", **extra):
    data = dict(
        acting_user=user,
        name="坪山社区联合党支部",
        kind=Kind.JOINT_BRANCH,
        guiding_division=Division.objects.get(code=guiding),
        founded_on=days_ago(1),
        member_count=5,
        covered_organisations=covered,
    )
    data.update(extra)
    return services.party_organisation_create(**data)


def test_joint_branch_covering_an_organisation_outside_its_guiding_node(street_officer, orgs):
    here, there = orgs
    before = counts()
    with pytest.raises(ValidationError) as refused:
        joint_branch(street_officer, covered=[here, there])
    messages = refused.value.message_dict["covered_organisations"]
    assert messages == [
        "六联社区舞蹈队 (六联社区居委会) is outside the area of 坪山社区居委会, which guides "
        "this party organisation."
    ]
    assert counts() == before


def test_a_branch_covering_an_organisation_outside_the_users_jurisdiction_is_not_found(
    staff, other_street_officer, orgs
):
    here, _there = orgs
    before = counts()
    with pytest.raises(OutOfJurisdiction):
        joint_branch(other_street_officer, covered=[here], guiding="440310002")
    with pytest.raises(OutOfJurisdiction):  # guided by a node the user can't act for
        joint_branch(staff, covered=[here], guiding="440310001")
    assert counts() == before


def test_moving_a_branch_so_its_organisations_fall_outside_is_refused(street_officer, orgs):
    here, there = orgs
    branch = joint_branch(street_officer, covered=[there], guiding="440310001")
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.party_organisation_update(
            party_organisation=branch,
            acting_user=street_officer,
            reason="改由坪山社区指导",
            guiding_division=Division.objects.get(code="440310001003"),
        )
    assert (
        "outside the area of 坪山社区居委会"
        in refused.value.message_dict["covered_organisations"][0]
    )
    assert counts() == before
    branch.refresh_from_db()
    assert branch.guiding_division_id == "440310001"


def test_negative_member_count(street_officer, orgs):
    here, _there = orgs
    before = counts()
    with pytest.raises(ValidationError) as refused:
        joint_branch(street_officer, covered=[here], member_count=-1)
    assert refused.value.message_dict == {
        "member_count": ["The number of party members cannot be below zero."]
    }
    assert counts() == before
    branch = joint_branch(street_officer, covered=[here], member_count=0)
    with pytest.raises(ValidationError):
        services.party_organisation_update(
            party_organisation=branch, acting_user=street_officer, reason="", member_count=-3
        )
    branch.refresh_from_db()
    assert branch.member_count == 0


def test_every_problem_is_reported_at_once(street_officer, orgs):
    here, there = orgs
    with pytest.raises(ValidationError) as refused:
        services.party_organisation_create(
            acting_user=street_officer,
            name="",
            kind=Kind.INDEPENDENT_BRANCH,
            guiding_division=Division.objects.get(code="440310001"),
            founded_on=timezone.localdate() + datetime.timedelta(days=3),
            member_count=-2,
            covered_organisations=[here, there],
        )
    errors = refused.value.message_dict
    assert set(errors) == {"name", "founded_on", "member_count", "covered_organisations"}
    assert errors["founded_on"] == ["The founding date is in the future."]
    assert errors["covered_organisations"] == [
        "An independent branch covers exactly one organisation, its own (2 chosen)."
    ]
    assert PartyOrganisation.objects.count() == 0


def test_general_branch_must_be_guided_by_a_street(staff, orgs):
    here, _there = orgs
    with pytest.raises(ValidationError) as refused:
        joint_branch(staff, covered=[here], kind=Kind.GENERAL_BRANCH)
    assert refused.value.message_dict["guiding_division"] == [
        "A General party branch is guided by one of: Street; 坪山社区居委会 is a Community."
    ]
    assert PartyOrganisation.objects.count() == 0


def test_an_organisation_has_one_own_branch_at_a_time(staff, orgs):
    here, _there = orgs
    own = dict(
        acting_user=staff,
        kind=Kind.INDEPENDENT_BRANCH,
        guiding_division=here.community,
        founded_on=days_ago(1),
        covered_organisations=[here],
    )
    services.party_organisation_create(name="书画协会党支部", **own)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.party_organisation_create(name="书画协会第二党支部", **own)
    assert refused.value.message_dict["covered_organisations"] == [
        "坪山社区书画协会 already has its own party organisation, 书画协会党支部."
    ]
    assert counts() == before


def test_an_instructor_assigned_twice_over_overlapping_dates(street_officer, orgs):
    here, _there = orgs
    instructor = services.instructor_create(
        acting_user=street_officer, name="李指导员", division=Division.objects.get(code="440310001")
    )
    services.assignment_create(
        instructor=instructor,
        organisation=here,
        acting_user=street_officer,
        start_on=datetime.date(2024, 1, 1),
        end_on=datetime.date(2024, 7, 1),
    )
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.assignment_create(
            instructor=instructor,
            organisation=here,
            acting_user=street_officer,
            start_on=datetime.date(2024, 6, 1),
        )
    assert refused.value.message_dict["start_on"] == [
        "李指导员 is already assigned to 坪山社区书画协会 from 2024-01-01 until 2024-07-01; "
        "the periods overlap."
    ]
    with pytest.raises(ValidationError):  # one inside the other
        services.assignment_create(
            instructor=instructor,
            organisation=here,
            acting_user=street_officer,
            start_on=datetime.date(2023, 1, 1),
            end_on=datetime.date(2025, 1, 1),
        )
    assert counts() == before
    # Back to back is not an overlap: the first ended on the day the second starts.
    services.assignment_create(
        instructor=instructor,
        organisation=here,
        acting_user=street_officer,
        start_on=datetime.date(2024, 7, 1),
    )
    # Nor is another instructor at the same time.
    other = services.instructor_create(
        acting_user=street_officer, name="王指导员", division=Division.objects.get(code="440310001")
    )
    services.assignment_create(
        instructor=other,
        organisation=here,
        acting_user=street_officer,
        start_on=datetime.date(2024, 6, 1),
    )
    assert InstructorAssignment.objects.count() == 3


def test_extending_an_assignment_into_another_is_refused(street_officer, orgs):
    here, _there = orgs
    instructor = services.instructor_create(
        acting_user=street_officer, name="李指导员", division=Division.objects.get(code="440310001")
    )
    first = services.assignment_create(
        instructor=instructor,
        organisation=here,
        acting_user=street_officer,
        start_on=datetime.date(2024, 1, 1),
        end_on=datetime.date(2024, 3, 1),
    )
    services.assignment_create(
        instructor=instructor,
        organisation=here,
        acting_user=street_officer,
        start_on=datetime.date(2024, 3, 1),
    )
    with pytest.raises(ValidationError):
        services.assignment_update(
            assignment=first, acting_user=street_officer, reason="延长", end_on=None
        )
    first.refresh_from_db()
    assert first.end_on == datetime.date(2024, 3, 1)


def test_assignment_dates_and_area(street_officer, staff, orgs):
    here, there = orgs
    community_instructor = services.instructor_create(
        acting_user=staff, name="社区指导员", division=here.community
    )
    with pytest.raises(ValidationError) as refused:
        services.assignment_create(
            instructor=community_instructor,
            organisation=here,
            acting_user=staff,
            start_on=datetime.date(2024, 5, 1),
            end_on=datetime.date(2024, 4, 1),
        )
    assert refused.value.message_dict["end_on"] == ["The end date is before the start date."]
    with pytest.raises(ValidationError) as refused:
        services.assignment_create(
            instructor=community_instructor,
            organisation=there,
            acting_user=street_officer,
            start_on=datetime.date(2024, 5, 1),
        )
    assert "outside the area of 坪山社区居委会" in refused.value.message_dict["organisation"][0]
    assert InstructorAssignment.objects.count() == 0


def test_bad_input_through_the_api_is_a_400_and_stores_nothing(street_officer, api_for, orgs):
    here, there = orgs
    api = api_for(street_officer)
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")
    before = counts()
    body = {
        "name": "坪山社区联合党支部",
        "kind": "joint_branch",
        "guiding_division": "440310001003",
        "founded_on": days_ago(1).isoformat(),
        "member_count": -1,
        "covered_organisations": [here.pk, there.pk],
        "reason": "组建",
    }
    response = api.post("/api/v1/party-organisations/", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["member_count"] == ["The number of party members cannot be below zero."]
    assert "outside the area of 坪山社区居委会" in errors["covered_organisations"][0]
    assert counts() == before
    # An organisation outside the user's jurisdiction is refused as if it didn't exist.
    outside = make_group_elsewhere()
    body.update(member_count=1, covered_organisations=[outside.pk])
    response = api.post("/api/v1/party-organisations/", body, format="json")
    assert response.status_code == 400
    assert "covered_organisations" in response.json()
    assert counts() == before


def make_group_elsewhere():
    from registry.choices import Role
    from registry.models import User

    maluan = User.objects.create_user(
        username="staff-maluan",
        password="pw",
        role=Role.COMMUNITY_STAFF,
        division=Division.objects.get(code="440310002003"),
    )
    return make_group(maluan, name="马峦社区舞蹈队", members=1)


def test_overlapping_assignment_through_the_api(street_officer, api_for, orgs):
    here, _there = orgs
    api = api_for(street_officer)
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")
    response = api.post(
        "/api/v1/party-instructors/",
        {"name": "李指导员", "division": "440310001", "phone": "138 0013 8000"},
        format="json",
    )
    assert response.status_code == 201, response.content
    instructor = response.json()
    assert instructor["phone"] == "13800138000"
    body = {"instructor": instructor["id"], "organisation": here.pk, "start_on": "2024-01-01"}
    assert api.post("/api/v1/party-instructor-assignments/", body, format="json").status_code == 201
    before = counts()
    body["start_on"] = "2024-02-01"
    response = api.post("/api/v1/party-instructor-assignments/", body, format="json")
    assert response.status_code == 400
    assert "the periods overlap" in response.json()["start_on"][0]
    assert counts() == before


def test_bad_input_on_the_page_is_shown_on_the_form(street_officer, client_for, orgs):
    here, there = orgs
    client = client_for(street_officer)
    before = counts()
    with translation.override("en"):
        response = client.post(
            reverse("party_building:organisation-create"),
            {
                "name": "坪山社区联合党支部",
                "kind": "joint_branch",
                "guiding_division": "440310001003",
                "founded_on": days_ago(1).isoformat(),
                "member_count": "-4",
                "covered_organisations": [here.pk, there.pk],
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["member_count"] == ["The number of party members cannot be below zero."]
    assert "outside the area" in form.errors["covered_organisations"][0]
    assert counts() == before
