"""``core.history``: who and why on the next save's history row; one reason length."""

import pytest

from core.api import ReasonField
from core.history import REASON_MAX_LENGTH, history_reason_max_length, stamp
from registry.models import Division
from tests.conftest import PINGSHAN_STREET

pytestmark = pytest.mark.django_db


def test_stamp_puts_user_and_reason_on_the_next_history_row(divisions, make_user):
    officer = make_user("street_officer", PINGSHAN_STREET)
    street = Division.objects.get(code=PINGSHAN_STREET)
    street.name = "坪山街道（新）"
    stamp(street, acting_user=officer, reason="更名")
    street.save()
    row = street.history.latest("history_date")
    assert row.history_user == officer
    assert row.history_change_reason == "更名"
    assert row.name == "坪山街道（新）"


def test_stamp_without_reason_records_an_empty_one(divisions, make_user):
    officer = make_user("street_officer", PINGSHAN_STREET)
    street = Division.objects.get(code=PINGSHAN_STREET)
    stamp(street, acting_user=officer, reason=None)
    street.save()
    assert street.history.latest("history_date").history_change_reason == ""


def test_reason_length_follows_the_history_column(settings):
    settings.SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
    assert history_reason_max_length() == REASON_MAX_LENGTH
    assert ReasonField().max_length == REASON_MAX_LENGTH
    settings.SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = False
    assert history_reason_max_length() == 100
    assert ReasonField().max_length == 100


def test_required_reason_is_tidied_or_refused_on_its_field():
    from django.core.exceptions import ValidationError

    from core.history import required_reason

    assert required_reason("  理由　 ") == "理由"
    with pytest.raises(ValidationError) as caught:
        required_reason("   ", field="note")
    assert list(caught.value.message_dict) == ["note"]
    with pytest.raises(ValidationError):
        required_reason(None)
