"""Credit codes, ID numbers and phone numbers: real valid and invalid values."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.validators import clean_credit_code, clean_id_number, clean_phone, normalise_text
from registry.choices import ApplicationKind, LegalForm
from registry.models import Application, Member
from registry.services.lifecycle import application_submit
from registry.services.organisations import member_add
from tests.registry.factories import (
    COMPANY_CREDIT_CODE,
    VALID_CREDIT_CODES,
    VALID_ID_NUMBER,
    make_filed,
    make_group,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("code", list(VALID_CREDIT_CODES.values()) + [COMPANY_CREDIT_CODE])
def test_valid_credit_codes(code):
    assert clean_credit_code(code) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("51440310 mjl00001 0j", "51440310MJL000010J"),  # spaces and lower case
        ("5144-0310-MJL0-0001-0J", "51440310MJL000010J"),
        ("５１４４０３１０ＭＪＬ００００１０Ｊ", "51440310MJL000010J"),  # full-width
    ],
)
def test_credit_codes_are_normalised_before_checking(typed, expected):
    assert clean_credit_code(typed) == expected


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("51440310MJL000010K", "wrong check character"),
        ("51440310MJL00001", "must be 18 characters"),
        ("51440310MJL000010JX", "must be 18 characters"),
        ("5144031OMJL000010J", "not allowed"),  # letter O where the area code's digits belong
        ("51440310MJI000010J", "not allowed"),  # I is not in the code's alphabet
    ],
)
def test_invalid_credit_codes_say_why(code, reason):
    with pytest.raises(ValidationError) as caught:
        clean_credit_code(code)
    assert reason in caught.value.messages[0]


def test_valid_id_numbers_normalised():
    assert clean_id_number("440303 19950505 0029") == VALID_ID_NUMBER
    assert clean_id_number("440304198503152015") == "440304198503152015"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("440303199505050028", "wrong check character"),
        ("44030319950505002", "must be 18 characters"),
        ("4403031995O5050029", "not allowed"),  # letter O among the digits
        ("440303199513050029", "impossible date"),
    ],
)
def test_invalid_id_numbers_say_why(number, reason):
    with pytest.raises(ValidationError) as caught:
        clean_id_number(number)
    assert reason in caught.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("138 0013 8000", "13800138000"),
        ("+86-138-0013-8000", "13800138000"),
        ("0755-2888 8888", "075528888888"),
    ],
)
def test_phone_numbers(typed, expected):
    assert clean_phone(typed) == expected


@pytest.mark.parametrize("typed", ["1380013800", "23800138000", "138001380001", "电话"])
def test_bad_phone_numbers(typed):
    with pytest.raises(ValidationError):
        clean_phone(typed)


def test_text_is_normalised():
    assert normalise_text("　坪山  书画\n协会　") == "坪山 书画 协会"
    assert normalise_text("ＡＢＣ１２３（社区）") == "ABC123（社区）"


@pytest.mark.django_db
def test_roster_entries_are_checked_and_normalised(staff):
    group = make_group(staff, members=0)
    member = member_add(
        organisation=group,
        acting_user=staff,
        name="李四",
        phone="138 0013 8000",
        id_number="440303 19950505 0029",
    )
    assert (member.phone, member.id_number) == ("13800138000", VALID_ID_NUMBER)
    with pytest.raises(ValidationError) as caught:
        member_add(
            organisation=group,
            acting_user=staff,
            name="王五",
            phone="12345",
            id_number="440303199505050028",
        )
    assert set(caught.value.message_dict) == {"phone", "id_number"}
    assert Member.objects.filter(organisation=group).count() == 1


@pytest.mark.django_db
class TestRegistrationCreditCode:
    def submit(self, organisation, officer, code, form=LegalForm.SOCIAL_GROUP):
        return application_submit(
            organisation=organisation,
            kind=ApplicationKind.REGISTRATION,
            acting_user=officer,
            credit_code=code,
            legal_form=form,
        )

    def test_typed_code_is_normalised(self, staff, street_officer):
        filed = make_filed(staff, street_officer)
        application = self.submit(filed, street_officer, " 51440310mjl000010j ")
        assert application.credit_code == "51440310MJL000010J"

    def test_wrong_check_character_is_refused_with_that_reason(self, staff, street_officer):
        filed = make_filed(staff, street_officer)
        with pytest.raises(ValidationError) as caught:
            self.submit(filed, street_officer, "51440310MJL000010K")
        assert "wrong check character" in caught.value.message_dict["credit_code"][0]
        assert not Application.objects.filter(kind=ApplicationKind.REGISTRATION).exists()

    def test_type_character_must_match_the_legal_form(self, staff, street_officer):
        filed = make_filed(staff, street_officer)
        with pytest.raises(ValidationError) as caught:
            self.submit(
                filed,
                street_officer,
                VALID_CREDIT_CODES[LegalForm.FOUNDATION],
                LegalForm.SOCIAL_GROUP,
            )
        assert "second character" in caught.value.message_dict["credit_code"][0]

    def test_a_company_code_is_not_a_civil_affairs_code(self, staff, street_officer):
        filed = make_filed(staff, street_officer)
        with pytest.raises(ValidationError) as caught:
            self.submit(filed, street_officer, COMPANY_CREDIT_CODE)
        assert "issued by civil affairs" in str(caught.value)

    def test_the_code_is_unique_system_wide(self, staff, street_officer):
        first = make_filed(staff, street_officer)
        second = make_filed(staff, street_officer, name="坪山社区合唱团")
        self.submit(first, street_officer, VALID_CREDIT_CODES[LegalForm.SOCIAL_GROUP])
        with pytest.raises(ValidationError) as caught:
            self.submit(second, street_officer, VALID_CREDIT_CODES[LegalForm.SOCIAL_GROUP])
        assert "already used" in caught.value.message_dict["credit_code"][0]
