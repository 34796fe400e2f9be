"""``core.forms``: the service form mixin, the reason field and scoped model choices."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from core.api import ReasonField
from core.forms import (
    DATE_WIDGET,
    REASON_MAX_LENGTH,
    ScopedModelChoiceField,
    ScopedModelMultipleChoiceField,
    ServiceForm,
    reason_field,
)
from core.scoping import VIEW
from registry.models import Division, Organisation
from tests.conftest import MALUAN_COMMUNITY, PINGSHAN_COMMUNITY, PINGSHAN_STREET

pytestmark = pytest.mark.django_db


class PlaceForm(ServiceForm, forms.Form):
    community = ScopedModelChoiceField(Division.objects.filter(level="community"))
    seen = ScopedModelMultipleChoiceField(Division.objects.all(), scope_action=VIEW, required=False)
    day = forms.DateField(widget=DATE_WIDGET, required=False)
    reason = reason_field(required=False)

    label_model = Organisation


def test_one_reason_length_for_forms_and_the_api():
    field = reason_field(required=True, label="Why", help_text="Kept.")
    assert field.max_length == REASON_MAX_LENGTH == ReasonField().max_length
    assert field.required and field.label == "Why" and field.help_text == "Kept."
    form = PlaceForm(data={"reason": "x" * (REASON_MAX_LENGTH + 1)})
    assert not form.is_valid() and "reason" in form.errors
    assert not reason_field(required=False).required


def test_scoped_choice_offers_only_the_users_jurisdiction(make_user):
    staff = make_user("community_staff", PINGSHAN_COMMUNITY)
    form = PlaceForm(data={"community": PINGSHAN_COMMUNITY}, user=staff)
    assert form.user == staff
    assert form.is_valid(), form.errors
    assert form.cleaned_data["community"].pk == PINGSHAN_COMMUNITY
    # outside: the same answer as a code that doesn't exist
    outside = PlaceForm(data={"community": MALUAN_COMMUNITY}, user=staff)
    missing = PlaceForm(data={"community": "999999999999"}, user=staff)
    assert not outside.is_valid() and not missing.is_valid()
    assert outside.errors["community"] == missing.errors["community"]


def test_scoped_choice_uses_its_action_and_offers_nothing_without_a_user(make_user):
    city = make_user("city_officer", "4403")  # may view everything, change nothing
    form = PlaceForm(user=city)
    assert not form.fields["community"].queryset.exists()
    assert form.fields["seen"].queryset.filter(pk=MALUAN_COMMUNITY).exists()
    assert not PlaceForm().fields["community"].queryset.exists()
    # each form restricts its own copy of the field
    street = make_user("street_officer", PINGSHAN_STREET)
    offered = PlaceForm(user=street).fields["community"].queryset
    assert offered.filter(pk=PINGSHAN_COMMUNITY).exists()
    assert not PlaceForm.base_fields["community"].queryset.exists()


def test_service_data_leaves_out_the_reason(make_user):
    staff = make_user("community_staff", PINGSHAN_COMMUNITY)
    form = PlaceForm(data={"community": PINGSHAN_COMMUNITY, "reason": "why"}, user=staff)
    assert form.is_valid()
    assert set(form.service_data()) == {"community", "seen", "day"}


def test_service_errors_go_next_to_their_fields_or_at_the_top():
    form = PlaceForm(data={})
    form.is_valid()
    form.add_service_error(
        ValidationError(
            {
                "day": ["Too early."],
                "__all__": ["Not now."],
                "venue": ["Give the venue."],
                "nonsense": ["Odd."],
            }
        )
    )
    assert "Too early." in form.errors["day"]
    top = form.non_field_errors()
    assert "Not now." in top
    # a field this form doesn't show: named by the model's label, or as it is
    venue_label = str(Organisation._meta.get_field("venue").verbose_name)
    assert f"{venue_label}: Give the venue." in top
    assert "nonsense: Odd." in top


def test_a_plain_service_error_goes_at_the_top():
    form = PlaceForm(data={})
    form.is_valid()
    form.add_service_error(ValidationError(["First.", "Second."]))
    assert list(form.non_field_errors()) == ["First.", "Second."]


def test_a_subclass_that_keeps_the_user_itself_is_not_overwritten(make_user):
    staff = make_user("community_staff", PINGSHAN_COMMUNITY)

    class OwnUserForm(ServiceForm, forms.Form):
        community = ScopedModelChoiceField(Division.objects.all())

        def __init__(self, *args, user, **kwargs):
            self.user = user
            super().__init__(*args, **kwargs)

    form = OwnUserForm(user=staff)
    assert form.user == staff
    assert form.fields["community"].queryset.filter(pk=PINGSHAN_COMMUNITY).exists()
