"""The platform operator: bound to one platform, sees and records its own residents only."""

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import NotPermitted, OutOfJurisdiction
from core.scoping import NOTHING, jurisdiction_of
from registry.choices import OrgStatus, Role
from registry.models import Division, Member, Organisation, User
from support import services
from support.choices import PlatformKind, ServiceCategory
from support.models import Attendance, Residency, SupportPlatform, SupportService
from tests.places import MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_DISTRICT
from tests.support.conftest import D, make_member, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(platform, operator, street_user, district_user, other_street_officer):
    """坪山's platform with one resident; 马峦's platform with another; a district training
    session held at 坪山's platform."""
    resident = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED, name="孵化中的组织")
    neighbour = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED, name="未入驻的组织")
    residency = services.residency_start(
        platform=platform, organisation=resident, started_on=D(2024, 1, 1), acting_user=operator
    )
    maluan = services.platform_create(
        division=Division.objects.get(code=MALUAN_STREET),
        name="马峦街道孵化基地",
        kind=PlatformKind.INCUBATOR,
        opened_on=D(2020, 1, 1),
        acting_user=other_street_officer,
    )
    maluan_org = make_org(Division.objects.get(code=MALUAN_STREET).children.first())
    maluan_residency = services.residency_start(
        platform=maluan,
        organisation=maluan_org,
        started_on=D(2024, 1, 1),
        acting_user=other_street_officer,
    )
    programme = services.training_programme_create(
        division=Division.objects.get(code=PINGSHAN_DISTRICT),
        name="骨干培训",
        year=2024,
        acting_user=district_user,
    )
    session = services.training_session_create(
        programme=programme,
        title="财务管理",
        held_on=D(2024, 5, 1),
        hours="2",
        platform=platform,
        acting_user=district_user,
    )
    return dict(
        resident=resident,
        neighbour=neighbour,
        residency=residency,
        maluan=maluan,
        maluan_residency=maluan_residency,
        session=session,
    )


def test_the_operator_sees_its_platform_and_residents_only(setting, operator, platform):
    assert jurisdiction_of(operator).binding == ("platform", platform.pk)
    assert list(SupportPlatform.objects.restrict(operator)) == [platform]
    assert list(Residency.objects.restrict(operator)) == [setting["residency"]]
    # The registry's own records are not the operator's: no organisation, member or division.
    assert not Organisation.objects.restrict(operator).exists()
    assert not Member.objects.restrict(operator).exists()
    assert not Division.objects.restrict(operator).exists()


def test_an_operator_without_a_platform_sees_nothing(divisions):
    user = User.objects.create_user(username="unassigned", role=Role.PLATFORM_OPERATOR)
    assert jurisdiction_of(user) == NOTHING
    assert not SupportPlatform.objects.restrict(user).exists()


def test_the_operator_records_for_its_own_residents(setting, operator):
    service = services.service_record(
        residency=setting["residency"],
        category=ServiceCategory.GOVERNANCE,
        provided_on=D(2024, 2, 1),
        title="章程辅导",
        acting_user=operator,
    )
    assert service.history.get().history_user == operator
    before = SupportService.objects.count()
    with pytest.raises(OutOfJurisdiction):
        services.service_record(
            residency=setting["maluan_residency"],
            category=ServiceCategory.GOVERNANCE,
            provided_on=D(2024, 2, 1),
            title="越界",
            acting_user=operator,
        )
    assert SupportService.objects.count() == before


def test_the_operator_cannot_take_in_an_organisation_from_elsewhere(setting, operator, platform):
    maluan_org = setting["maluan_residency"].organisation
    with pytest.raises(OutOfJurisdiction):
        services.residency_start(
            platform=platform,
            organisation=maluan_org,
            started_on=D(2024, 1, 1),
            acting_user=operator,
        )
    with pytest.raises(OutOfJurisdiction):  # nor run another platform
        services.residency_start(
            platform=setting["maluan"],
            organisation=setting["neighbour"],
            started_on=D(2024, 1, 1),
            acting_user=operator,
        )


def test_attendance_for_a_person_outside_the_operators_reach_is_refused(setting, operator):
    inside = make_member(setting["resident"], name="入驻负责人")
    outside = make_member(setting["neighbour"], name="他人负责人")
    before = (Attendance.objects.count(), Attendance.history.count())
    with pytest.raises(ValidationError) as error:
        services.attendance_record(session=setting["session"], member=outside, acting_user=operator)
    assert "outside your reach" in " ".join(error.value.message_dict["member"])
    assert (Attendance.objects.count(), Attendance.history.count()) == before
    attendance = services.attendance_record(
        session=setting["session"], member=inside, acting_user=operator
    )
    assert list(Attendance.objects.restrict(operator)) == [attendance]


def test_the_operator_changes_no_platform_details_and_no_funding(setting, operator, platform):
    with pytest.raises(NotPermitted):
        services.platform_update(platform=platform, name="改名", acting_user=operator)
    with pytest.raises(OutOfJurisdiction):
        services.fund_create(
            division=platform.division, name="x", opened_on=D(2024, 1, 1), acting_user=operator
        )


def test_an_operator_is_bound_through_the_api_and_sees_only_its_platform(
    setting, platform, street_user, other_street_officer, api_for
):
    user = User.objects.create_user(username="operator-api", role=Role.PLATFORM_OPERATOR)
    url = f"/api/v1/support-platforms/{platform.pk}/operator/"
    refused = api_for(other_street_officer).post(url, {"username": user.username}, format="json")
    assert refused.status_code == 404
    response = api_for(street_user).post(url, {"username": user.username}, format="json")
    assert response.status_code == 200, response.content
    operator = User.objects.get(pk=user.pk)
    listed = api_for(operator).get("/api/v1/support-platforms/").json()["results"]
    assert [row["id"] for row in listed] == [platform.pk]
    residencies = api_for(operator).get("/api/v1/support-residencies/").json()["results"]
    assert [row["id"] for row in residencies] == [setting["residency"].pk]
    assert api_for(operator).get("/api/v1/funded-projects/").json()["results"] == []
    maluan = api_for(operator).get(f"/api/v1/support-platforms/{setting['maluan'].pk}/")
    assert maluan.status_code == 404


@pytest.mark.parametrize(
    "username", ["A\x00B", "x" * 101, 17, ["operator-api"], None, "no-such-login"]
)
def test_a_login_no_account_can_have_is_refused_with_a_message(
    setting, platform, street_user, api_for, username
):
    """Schemathesis found a NUL in the login a 500 on PostgreSQL (the lookup reached the
    database): each of these is a 400 naming the field, and nothing is bound."""
    url = f"/api/v1/support-platforms/{platform.pk}/operator/"
    response = api_for(street_user).post(
        url, {"username": username, "reason": "压测"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "username" in response.json()
    platform.refresh_from_db()
    assert platform.operator_id is None
