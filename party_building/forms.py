"""Web forms for party records. They collect and type-check input; every write goes through
``party_building.services`` (the views pass ``cleaned_data`` on), which validate again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, ServiceForm, reason_field
from core.scoping import CHANGE, VIEW
from party_building.choices import PartyOrganisationKind
from party_building.models import PartyInstructor
from registry.choices import DivisionLevel, OrgStatus
from registry.models import Division, Organisation

GUIDING_LEVELS = (DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY)


class DivisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_level_display()} {obj.code})"


class OrganisationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.community.name} · {obj.get_status_display()}"


class PartyOrganisationForm(ServiceForm, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=PartyOrganisationKind.choices)
    guiding_division = DivisionChoiceField(
        label=_("guided by"),
        queryset=Division.objects.none(),
        to_field_name="code",
        help_text=_(
            "The district bureau (registered organisations), street party working committee "
            "(filed organisations) or community party committee (activity groups)."
        ),
    )
    founded_on = forms.DateField(label=_("founding date"), widget=DATE_WIDGET)
    dissolved_on = forms.DateField(label=_("dissolved on"), required=False, widget=DATE_WIDGET)
    secretary = forms.CharField(label=_("secretary"), max_length=50, required=False)
    member_count = forms.IntegerField(
        label=_("party members"),
        initial=0,
        help_text=_("Party members whose membership this organisation manages."),
    )
    covered_organisations = OrganisationChoiceField(
        label=_("covered organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_(
            "An independent branch covers exactly its own organisation; a joint or general "
            "branch may cover several in the area of the division that guides it."
        ),
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guiding_division"].queryset = (
            Division.objects.restrict(user, CHANGE)
            .filter(level__in=GUIDING_LEVELS)
            .order_by("path")
        )
        self.fields["covered_organisations"].queryset = (
            Organisation.objects.restrict(user, CHANGE)
            .filter(status__in=OrgStatus.LIVE)
            .select_related("community")
            .order_by("community__path", "name")
        )
        self.fields["reason"] = reason_field(required=editing)


class PartyInstructorForm(ServiceForm, forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    division = DivisionChoiceField(
        label=_("appointed by"),
        queryset=Division.objects.none(),
        to_field_name="code",
        help_text=_("The district, street or community whose party committee appointed them."),
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = (
            Division.objects.restrict(user, CHANGE)
            .filter(level__in=GUIDING_LEVELS)
            .order_by("path")
        )
        self.fields["reason"] = reason_field(required=editing)


class AssignmentForm(ServiceForm, forms.Form):
    instructor = forms.ModelChoiceField(
        label=_("instructor"), queryset=PartyInstructor.objects.none()
    )
    organisation = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organisation.objects.none()
    )
    start_on = forms.DateField(label=_("start date"), widget=DATE_WIDGET)
    end_on = forms.DateField(
        label=_("end date"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("The first day the assignment no longer applies; empty while it lasts."),
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # Who is assigned where is fixed once recorded; a new pairing is a new assignment.
            del self.fields["instructor"]
            del self.fields["organisation"]
        else:
            self.fields["instructor"].queryset = (
                PartyInstructor.objects.restrict(user, VIEW)
                .select_related("division")
                .order_by("division__path", "name")
            )
            self.fields["organisation"].queryset = (
                Organisation.objects.restrict(user, CHANGE)
                .filter(status__in=OrgStatus.LIVE)
                .select_related("community")
                .order_by("community__path", "name")
            )
            self.fields["organisation"].label_from_instance = lambda obj: (
                f"{obj.name} · {obj.community.name}"
            )
        self.fields["reason"] = reason_field(required=editing)
