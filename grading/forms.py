"""Web forms of grading. They collect and type-check input; every write goes through
``grading.services`` (the views pass ``cleaned_data`` on), which validate again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, REASON_MAX_LENGTH, ServiceForm, reason_field
from core.scoping import CHANGE, VIEW
from grading.choices import Aggregation, Dimension, PanelKind, SanctionKind
from grading.models import Expert
from registry.choices import DivisionLevel, OrgStatus
from registry.models import Division, Organisation


class DivisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_level_display()} {obj.code})"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.community.name}"


class ReasonForm(ServiceForm, forms.Form):
    reason = reason_field(required=False)


class CampaignForm(ServiceForm, forms.Form):
    district = DivisionChoiceField(
        label=_("district"), queryset=Division.objects.none(), to_field_name="code"
    )
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=200)
    application_deadline = forms.DateField(
        label=_("application deadline"),
        widget=DATE_WIDGET,
        help_text=_("Eligibility (two full years registered, grade expiring) is judged on it."),
    )
    notice_days = forms.IntegerField(
        label=_("public notice period (days)"), min_value=1, max_value=90, initial=7
    )
    aggregation = forms.ChoiceField(
        label=_("aggregation of expert totals"), choices=Aggregation.choices
    )
    trim_count = forms.IntegerField(
        label=_("totals dropped at each end (trimmed mean)"), min_value=1, max_value=5, initial=1
    )
    reason = reason_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Division.objects.restrict(self.user, CHANGE).filter(
            level=DivisionLevel.DISTRICT
        )


class ApplyForm(ServiceForm, forms.Form):
    organisation = OrganisationChoiceField(
        label=_("organisation"), queryset=Organisation.objects.none()
    )
    reason = reason_field(required=False)

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.restrict(self.user, CHANGE)
            .filter(status=OrgStatus.REGISTERED)
            .filter(community__path__startswith=campaign.district.path)
            .select_related("community")
            .order_by("name", "pk")
        )


class ExpertForm(ServiceForm, forms.Form):
    district = DivisionChoiceField(
        label=_("district"), queryset=Division.objects.none(), to_field_name="code"
    )
    name = forms.CharField(label=_("name"), max_length=50)
    affiliation = forms.CharField(label=_("affiliation"), max_length=200, required=False)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = reason_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Division.objects.restrict(self.user, CHANGE).filter(
            level=DivisionLevel.DISTRICT
        )


class PanelForm(ServiceForm, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=PanelKind.choices)
    experts = forms.ModelMultipleChoiceField(
        label=_("experts"), queryset=Expert.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reason = reason_field(required=False)

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = Expert.objects.restrict(self.user, VIEW).filter(
            district=campaign.district
        )


class AssignPanelForm(ServiceForm, forms.Form):
    panel = forms.ModelChoiceField(label=_("panel"), queryset=None)
    reason = reason_field(required=False)

    def __init__(self, *args, panels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = panels


class ScoreSheetForm(ServiceForm, forms.Form):
    """One expert's points, one box per scored indicator; empty boxes are left unscored."""

    expert = forms.ModelChoiceField(label=_("expert"), queryset=Expert.objects.none())
    note = forms.CharField(label=_("note"), required=False, max_length=REASON_MAX_LENGTH)

    def __init__(self, *args, application=None, indicators=(), experts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"points_{indicator.pk}"] = forms.DecimalField(
                label=f"{indicator.code} {indicator.name}",
                required=False,
                max_digits=7,
                decimal_places=2,
                help_text=_("At most %(max)s points.") % {"max": indicator.max_points},
            )

    def scores(self) -> list:
        return [
            (indicator, self.cleaned_data[f"points_{indicator.pk}"])
            for indicator in self.indicators
            if self.cleaned_data.get(f"points_{indicator.pk}") is not None
        ]


class GradeAwardForm(ServiceForm, forms.Form):
    organisation = OrganisationChoiceField(
        label=_("organisation"), queryset=Organisation.objects.none()
    )
    level = forms.TypedChoiceField(
        label=_("grade"),
        coerce=int,
        choices=[(level, f"{level}A") for level in range(1, 6)],
    )
    awarded_on = forms.DateField(label=_("awarded on"), widget=DATE_WIDGET)
    reason = reason_field(required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.restrict(self.user, CHANGE)
            .filter(status=OrgStatus.REGISTERED)
            .select_related("community")
            .order_by("name", "pk")
        )


class SanctionForm(ServiceForm, forms.Form):
    organisation = OrganisationChoiceField(
        label=_("organisation"), queryset=Organisation.objects.none()
    )
    kind = forms.ChoiceField(label=_("kind"), choices=SanctionKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    decided_on = forms.DateField(label=_("decided on"), widget=DATE_WIDGET)
    issued_by = forms.CharField(label=_("issued by"), max_length=100, required=False)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = reason_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.restrict(self.user, CHANGE)
            .filter(status__in=OrgStatus.LIVE)
            .select_related("community")
            .order_by("name", "pk")
        )


class CloseSanctionForm(ServiceForm, forms.Form):
    closed_on = forms.DateField(label=_("closed on"), widget=DATE_WIDGET)
    reason = reason_field(required=True)


class EvaluationForm(ServiceForm, forms.Form):
    division = DivisionChoiceField(
        label=_("evaluated by"), queryset=Division.objects.none(), to_field_name="code"
    )
    title = forms.CharField(label=_("title"), max_length=200)
    period_start = forms.DateField(label=_("period from"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=_("period to"), widget=DATE_WIDGET)
    activity_target = forms.IntegerField(
        label=_("activities for full marks"), min_value=1, max_value=1000, initial=12
    )
    reason = reason_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        divisions = Division.objects.filter(
            level__in=(DivisionLevel.STREET, DivisionLevel.COMMUNITY)
        )
        if not user.is_superuser:
            divisions = divisions.filter(pk=user.division_id)
        self.fields["division"].queryset = divisions.order_by("path")


class EvaluationValuesForm(ServiceForm, forms.Form):
    """A value (0-100) and a note for each dimension of one result."""

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            help_text = ""
            if row.prefilled_value is not None:
                help_text = _("The system's value: %(value)s (%(basis)s).") % {
                    "value": row.prefilled_value,
                    "basis": row.basis,
                }
            self.fields[f"value_{row.dimension}"] = forms.DecimalField(
                label=Dimension(row.dimension).label,
                required=False,
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                help_text=help_text,
            )
            self.fields[f"note_{row.dimension}"] = forms.CharField(
                label=_("note"), required=False, max_length=REASON_MAX_LENGTH
            )

    def values(self) -> list[dict]:
        return [
            {
                "dimension": row.dimension,
                "value": self.cleaned_data.get(f"value_{row.dimension}"),
                "note": self.cleaned_data.get(f"note_{row.dimension}", ""),
            }
            for row in self.rows
        ]
