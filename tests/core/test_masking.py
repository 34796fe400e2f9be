"""``core.masking``: one rule and one set of masks for personal data on every surface."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from core.masking import (
    PERSONAL_FIELDS,
    PersonalDataSerializerMixin,
    is_masked,
    mask_diff,
    mask_id_number,
    mask_phone,
    mask_row,
    sees_personal_data,
)
from registry.models import Member
from tests.conftest import PINGSHAN_STREET
from tests.registry.factories import VALID_ID_NUMBER, make_group


def test_masks_keep_the_ends_and_hide_the_middle():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("075583001234") == "075*****1234"
    assert mask_id_number("440303199505050029") == "440303********0029"
    assert mask_phone("") == ""
    # a short value never shows itself: at least four stars
    assert mask_phone("12345").count("*") >= 4 and "2345" not in mask_phone("12345")
    assert mask_phone("123") == "****"
    assert is_masked(mask_id_number(VALID_ID_NUMBER)) and not is_masked(VALID_ID_NUMBER)


def test_mask_row_and_mask_diff():
    row = {"name": "张三", "phone": "13800138000", "id_number": "440303199505050029"}
    assert mask_row(row, full=True) == row
    masked = mask_row(row, full=False)
    assert masked == {"name": "张三", "phone": "138****8000", "id_number": "440303********0029"}
    assert row["phone"] == "13800138000"  # a copy
    assert mask_diff("phone", "13800138000", None, full=False) == ("138****8000", "")
    assert mask_diff("phone", "13800138000", None, full=True) == ("13800138000", None)
    assert mask_diff("name", "张三", "李四", full=False) == ("张三", "李四")
    assert set(PERSONAL_FIELDS) == {"phone", "id_number"}


@pytest.mark.django_db
def test_only_roles_that_may_change_the_records_see_them(staff, make_user, city_officer):
    organisation = make_group(staff, members=1, founders=1)
    street = make_user("street_officer", PINGSHAN_STREET)
    other = make_user("community_staff", "440310002003")
    assert sees_personal_data(staff, organisation)
    assert sees_personal_data(street, organisation)
    assert not sees_personal_data(city_officer, organisation)  # reads, doesn't change
    assert not sees_personal_data(other, organisation)


class MemberSerializer(PersonalDataSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "name", "phone", "id_number"]

    def personal_data_owner(self, instance):
        return instance.organisation


@pytest.mark.django_db
def test_serializer_mixin_masks_by_the_rule_once_per_owner(
    staff, city_officer, other_street_officer, django_assert_num_queries
):
    organisation = make_group(staff, members=3, founders=3)
    members = list(organisation.members.select_related("organisation").order_by("pk"))
    request = APIRequestFactory().get("/")

    request.user = staff
    full = MemberSerializer(members, many=True, context={"request": request}).data
    assert [m["phone"] for m in full] == [m.phone for m in members]

    request.user = other_street_officer  # may change records, but not this organisation's
    with django_assert_num_queries(1):  # one scope check for the three members
        masked = MemberSerializer(members, many=True, context={"request": request}).data
    assert [m["phone"] for m in masked] == [mask_phone(m.phone) for m in members]

    request.user = city_officer  # reads everything, changes nothing
    masked = MemberSerializer(members, many=True, context={"request": request}).data
    assert [m["phone"] for m in masked] == [mask_phone(m.phone) for m in members]
    assert all(m["name"] == member.name for m, member in zip(masked, members, strict=True))

    anonymous = MemberSerializer(members[0]).data  # no request: masked
    assert anonymous["phone"] == mask_phone(members[0].phone)


class MemberByOwnerFieldSerializer(PersonalDataSerializerMixin, serializers.ModelSerializer):
    personal_data_owner_field = "organisation"

    class Meta:
        model = Member
        fields = ["id", "name", "phone", "id_number"]


@pytest.mark.django_db
def test_a_list_decides_the_rule_for_all_its_owners_in_one_query(
    staff, other_street_officer, make_user, django_assert_num_queries
):
    first = make_group(staff, members=3, founders=3)
    second = make_group(staff, name="坪山社区舞蹈队", members=3, founders=3)
    members = list(Member.objects.filter(organisation__in=[first, second]).order_by("pk"))
    request = APIRequestFactory().get("/")
    for user, full in ((staff, True), (other_street_officer, False)):
        request.user = user
        # the members' organisations are not loaded: one query decides for both
        with django_assert_num_queries(1):
            data = MemberByOwnerFieldSerializer(
                members, many=True, context={"request": request}
            ).data
        expected = [m.phone if full else mask_phone(m.phone) for m in members]
        assert [row["phone"] for row in data] == expected
    request.user = staff
    one = MemberByOwnerFieldSerializer(members[0], context={"request": request}).data
    assert one["phone"] == members[0].phone
