"""Web forms of the support programmes: they collect and type-check input; the services
(``support.services``) validate again and decide. Choices of objects are restricted to the
user's jurisdiction (``core.forms.ScopedModelChoiceField``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, ScopedModelChoiceField, ServiceForm, reason_field
from core.scoping import VIEW
from registry.models import Activity, Division, Organisation
from support.choices import (
    PLATFORM_LEVELS,
    DonationForm,
    DonorKind,
    PairingRating,
    PlatformKind,
    ProjectAction,
    ResidencyKind,
    ServiceCategory,
    Stage,
    TrainingCapacity,
)
from support.models import Residency, SupportPlatform
from support.services import members_within_reach, operator_platform_id

#: amounts are typed as text and parsed by the service (its messages say what is wrong)
MONEY_WIDGET = forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "12000.00"})


def money_field(label, required=True) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=30, widget=MONEY_WIDGET)


def date_field(label, required=True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE_WIDGET)


class PlatformForm(ServiceForm, forms.Form):
    division = ScopedModelChoiceField(
        Division.objects.filter(level__in=PLATFORM_LEVELS).order_by("path"), label=_("node")
    )
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=PlatformKind.choices)
    opened_on = date_field(_("opened on"))
    headquarters = ScopedModelChoiceField(
        SupportPlatform.objects.all(), label=_("headquarters"), required=False, scope_action=VIEW
    )
    operator = ScopedModelChoiceField(
        Organisation.objects.filter(status="registered"),
        label=_("operating organisation"),
        required=False,
        scope_action=VIEW,
    )
    operator_name = forms.CharField(
        label=_("operating organisation (not in the registry)"), max_length=100, required=False
    )
    focus = forms.CharField(label=_("focus"), max_length=100, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    reason = reason_field(required=False)


class ResidencyForm(ServiceForm, forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.none(), label=_("organisation"))
    kind = forms.ChoiceField(
        label=_("kind"), choices=ResidencyKind.choices, initial=ResidencyKind.INCUBATED
    )
    started_on = date_field(_("started on"))
    stage = forms.ChoiceField(
        label=_("stage"),
        choices=[(s.value, s.label) for s in Stage if s != Stage.GRADUATED],
        initial=Stage.START_UP,
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    reason = reason_field(required=False)

    def __init__(self, *args, platform: SupportPlatform, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = Organisation.objects.filter(
            community__path__startswith=platform.division.path,
            status__in=["activity_group", "filed", "registered"],
        )
        if operator_platform_id(self.user) != platform.pk:
            candidates = candidates.restrict(self.user, VIEW)
        self.fields["organisation"].queryset = candidates.order_by("name")


class ServiceRecordForm(ServiceForm, forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=ServiceCategory.choices)
    provided_on = date_field(_("date"))
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea, required=False)
    reason = reason_field(required=False)


class StageForm(ServiceForm, forms.Form):
    stage = forms.ChoiceField(
        label=_("stage"), choices=[(s.value, s.label) for s in Stage if s != Stage.GRADUATED]
    )
    starts_on = date_field(_("from"))
    ends_on = date_field(_("until"), required=False)
    reason = reason_field(required=False)


class DateForm(ServiceForm, forms.Form):
    on = date_field(_("date"))
    reason = reason_field(required=False)


class AwardForm(ServiceForm, forms.Form):
    organisation = ScopedModelChoiceField(
        Organisation.objects.filter(status__in=["activity_group", "filed", "registered"]),
        label=_("organisation"),
        scope_action=VIEW,
    )
    custodian = ScopedModelChoiceField(
        Organisation.objects.filter(status="registered"),
        label=_("custodian"),
        required=False,
        scope_action=VIEW,
        help_text=_("Required when the organisation is not a legal person (filed or a group)."),
    )
    title = forms.CharField(label=_("title"), max_length=200)
    amount_approved = money_field(_("amount approved (yuan)"))
    approved_on = date_field(_("approved on"))
    starts_on = date_field(_("starts on"), required=False)
    ends_on = date_field(_("ends on"), required=False)
    reason = reason_field(required=False)


class DisbursementForm(ServiceForm, forms.Form):
    amount = money_field(_("amount (yuan)"))
    paid_on = date_field(_("paid on"))
    reference = forms.CharField(label=_("payment reference"), max_length=50, required=False)
    reason = reason_field(required=False)


class ProgressForm(ServiceForm, forms.Form):
    period_end = date_field(_("covers up to"))
    beneficiaries = forms.IntegerField(
        label=_("beneficiaries (person-times)"), min_value=0, max_value=2_000_000_000, initial=0
    )
    volunteer_hours = forms.DecimalField(
        label=_("volunteer hours"), min_value=0, max_digits=9, decimal_places=1, initial=0
    )
    spent = money_field(_("spent in the period (yuan)"))
    narrative = forms.CharField(label=_("progress"), widget=forms.Textarea, required=False)
    activities = forms.ModelMultipleChoiceField(
        Activity.objects.none(), label=_("activities"), required=False
    )
    reason = reason_field(required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activities"].queryset = Activity.objects.filter(
            organisation_id=project.organisation_id
        ).order_by("-held_on")


class DecisionForm(ServiceForm, forms.Form):
    action = forms.ChoiceField(label=_("decision"), choices=ProjectAction.choices)
    on = date_field(_("date"))
    note = forms.CharField(label=_("acceptance note"), widget=forms.Textarea, required=False)
    reason = reason_field(required=False)


class DonationRecordForm(ServiceForm, forms.Form):
    donor_kind = forms.ChoiceField(label=_("donor kind"), choices=DonorKind.choices)
    donor_name = forms.CharField(label=_("donor"), max_length=100, required=False)
    form = forms.ChoiceField(label=_("form"), choices=DonationForm.choices)
    amount = money_field(_("amount or value (yuan)"))
    goods = forms.CharField(label=_("goods given"), max_length=200, required=False)
    received_on = date_field(_("received on"))
    channel = ScopedModelChoiceField(
        SupportPlatform.objects.all(),
        label=_("donation channel"),
        required=False,
        scope_action=VIEW,
    )
    reference = forms.CharField(label=_("receipt number"), max_length=50, required=False)
    reason = reason_field(required=False)


class AttendanceForm(ServiceForm, forms.Form):
    member = forms.ModelChoiceField(None, label=_("person"))
    capacity = forms.ChoiceField(
        label=_("as"),
        choices=[("", _("as on the roster"))] + list(TrainingCapacity.choices),
        required=False,
    )
    reason = reason_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            members_within_reach(self.user)
            .filter(left_on__isnull=True)
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        self.fields["member"].label_from_instance = lambda m: f"{m.organisation.name} · {m.name}"


class PairingForm(ServiceForm, forms.Form):
    mentor = ScopedModelChoiceField(
        Organisation.objects.filter(status="registered"),
        label=_("registered organisation"),
        scope_action=VIEW,
    )
    mentee = ScopedModelChoiceField(
        Organisation.objects.filter(status="filed"), label=_("filed organisation")
    )
    starts_on = date_field(_("from"))
    ends_on = date_field(_("until"))
    reason = reason_field(required=False)


class PairingEndForm(ServiceForm, forms.Form):
    ended_on = date_field(_("ended on"))
    rating = forms.ChoiceField(label=_("review"), choices=PairingRating.choices)
    review = forms.CharField(label=_("review notes"), widget=forms.Textarea)
    reason = reason_field(required=False)


__all__ = [
    "AttendanceForm",
    "AwardForm",
    "DateForm",
    "DecisionForm",
    "DisbursementForm",
    "DonationRecordForm",
    "PairingEndForm",
    "PairingForm",
    "PlatformForm",
    "ProgressForm",
    "ResidencyForm",
    "Residency",
    "ServiceRecordForm",
    "StageForm",
]
