"""The one scoping mechanism: ``restrict(user, action)`` for each role."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import translation

from core.scoping import CHANGE, VIEW
from registry.choices import Role
from registry.models import Division
from tests.conftest import (
    MALUAN_COMMUNITY,
    MALUAN_STREET,
    PINGSHAN_COMMUNITY,
    PINGSHAN_DISTRICT,
    PINGSHAN_STREET,
)

pytestmark = pytest.mark.django_db


def visible(user, action=VIEW):
    return set(Division.objects.restrict(user, action).values_list("code", flat=True))


def test_street_officer_sees_only_their_street_and_its_communities(make_user):
    officer = make_user(Role.STREET_OFFICER, PINGSHAN_STREET)
    expected = {PINGSHAN_STREET} | set(
        Division.objects.filter(parent_id=PINGSHAN_STREET).values_list("code", flat=True)
    )
    assert visible(officer) == expected
    assert PINGSHAN_COMMUNITY in expected and MALUAN_COMMUNITY not in expected
    assert visible(officer, CHANGE) == expected


def test_district_officer_sees_their_district_only(make_user):
    officer = make_user(Role.DISTRICT_OFFICER, PINGSHAN_DISTRICT)
    codes = visible(officer)
    assert codes == set(
        Division.objects.get(code=PINGSHAN_DISTRICT).subtree().values_list("code", flat=True)
    )
    streets = Division.objects.restrict(officer).filter(level="street")
    assert set(streets.values_list("code", flat=True)) == {
        "440310001",
        "440310002",
        "440310003",
        "440310004",
        "440310005",
        "440310006",
        "440310401",
    }
    assert not any(code.startswith("440307") for code in codes)


def test_dapeng_officer_sees_dapeng_not_the_rest_of_longgang(make_user):
    officer = make_user(Role.DISTRICT_OFFICER, "4403DP")
    streets = set(
        Division.objects.restrict(officer).filter(level="street").values_list("code", flat=True)
    )
    assert streets == {"440307009", "440307010", "440307011"}
    longgang = make_user(Role.DISTRICT_OFFICER, "440307")
    assert not visible(longgang) & streets


def test_city_officer_sees_everything_but_changes_nothing(make_user):
    officer = make_user(Role.CITY_OFFICER, "4403")
    assert len(visible(officer)) == Division.objects.count() == 878
    assert visible(officer, CHANGE) == set()


def test_community_staff_see_their_community_only(make_user):
    staff = make_user(Role.COMMUNITY_STAFF, PINGSHAN_COMMUNITY)
    assert visible(staff) == {PINGSHAN_COMMUNITY}


def test_anonymous_inactive_and_roleless_users_see_nothing(make_user):
    assert visible(AnonymousUser()) == set()
    assert visible(None) == set()
    inactive = make_user(Role.STREET_OFFICER, MALUAN_STREET, is_active=False)
    assert visible(inactive) == set()
    assert visible(make_user()) == set()


def test_superuser_sees_everything(make_user):
    admin = make_user(is_superuser=True)
    assert len(visible(admin, CHANGE)) == 878


@pytest.mark.parametrize(
    ("role", "code", "message"),
    [
        (Role.STREET_OFFICER, PINGSHAN_DISTRICT, "must be bound to a Street, not a District"),
        (Role.COMMUNITY_STAFF, None, "must be bound to a division"),
    ],
)
def test_role_must_match_the_level_of_its_division(make_user, role, code, message):
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        make_user(role, code)
    assert message in str(caught.value)
