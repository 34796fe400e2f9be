"""Web forms of the registry. They collect and type-check input; every write goes through
``registry.services`` (the views pass ``cleaned_data`` on), which validate again and decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.documents import DOCUMENT_ACCEPT, DocumentInput
from core.forms import DATE_WIDGET, REASON_MAX_LENGTH, ServiceForm, reason_field
from core.scoping import CHANGE
from registry.choices import (
    ApplicationAction,
    ApplicationKind,
    DivisionLevel,
    ExitReason,
    LegalForm,
)
from registry.models import Activity, BrandProject, Division, Member, Organisation


class OrganisationForm(ServiceForm, forms.ModelForm):
    """Ledger fields of an organisation (status, numbers and flags change only by transitions)."""

    reason = reason_field(required=False)

    class Meta:
        model = Organisation
        fields = [
            "name",
            "community",
            "org_type",
            "field",
            "service_targets",
            "business_scope",
            "venue",
            "founded_on",
            "legal_person_founders",
            "is_for_profit",
            "charter_text",
            "charter_file",
            "activity_rules_text",
            "activity_rules_file",
            "service_norms_text",
        ]
        widgets = {
            "founded_on": DATE_WIDGET,
            "business_scope": forms.Textarea(attrs={"rows": 3}),
            "charter_text": forms.Textarea(attrs={"rows": 4}),
            "activity_rules_text": forms.Textarea(attrs={"rows": 3}),
            "service_norms_text": forms.Textarea(attrs={"rows": 3}),
            "charter_file": DocumentInput(attrs={"accept": DOCUMENT_ACCEPT}),
            "activity_rules_file": DocumentInput(attrs={"accept": DOCUMENT_ACCEPT}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for name, document in (
            ("charter_file", "charter"),
            ("activity_rules_file", "activity-rules"),
        ):
            field = self.fields[name]
            field.help_text = _(
                "PDF, Word or an image (checked by its content), at most %(size)s MB."
            ) % {"size": f"{settings.DOCUMENT_MAX_BYTES / (1024 * 1024):g}"}
            if self.instance.pk:
                field.widget.download_url = reverse(
                    "organisation-document", args=[self.instance.pk, document]
                )
        # Only the communities the user may write in; for community staff that is their own.
        communities = (
            Division.objects.restrict(user, CHANGE)
            .filter(level=DivisionLevel.COMMUNITY)
            .select_related("parent")
            .order_by("path")
        )
        field = self.fields["community"]
        field.queryset = communities
        field.label_from_instance = lambda d: f"{d.parent.name} · {d.name}" if d.parent else d.name
        if not self.instance.pk and not self.is_bound and user.division_id:
            if communities.filter(pk=user.division_id).exists():
                field.initial = user.division_id
        if self.instance.pk:
            # An edit is a change to a record other people rely on: say why.
            self.fields["reason"].required = True
            if not communities.filter(pk=self.instance.community_id).exists():
                # An organisation's leader edits its ledger but can't move it elsewhere.
                field.queryset = Division.objects.filter(pk=self.instance.community_id)
                field.disabled = True

    def service_data(self) -> dict:
        data = super().service_data()
        for name, field in self.fields.items():
            if field.disabled:
                data.pop(name, None)
        # File fields: only pass what the user changed (a new upload, or '' when cleared).
        for name in ("charter_file", "activity_rules_file"):
            if name not in self.changed_data:
                data.pop(name, None)
            elif data.get(name) is False:
                data[name] = ""
        return data


class MemberForm(ServiceForm, forms.ModelForm):
    reason = reason_field(required=False)

    class Meta:
        model = Member
        fields = [
            "name",
            "role",
            "is_founder",
            "gender",
            "phone",
            "id_number",
            "party_status",
            "joined_on",
            "left_on",
        ]
        widgets = {"joined_on": DATE_WIDGET, "left_on": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["reason"].required = True


class ActivityForm(ServiceForm, forms.ModelForm):
    reason = reason_field(required=False)

    class Meta:
        model = Activity
        fields = [
            "held_on",
            "title",
            "series",
            "participants",
            "volunteer_hours",
            "is_major",
            "description",
        ]
        widgets = {"held_on": DATE_WIDGET, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["reason"].required = True


class BrandProjectForm(ServiceForm, forms.ModelForm):
    reason = reason_field(required=False)

    class Meta:
        model = BrandProject
        fields = ["name", "year", "recognised_by"]


class ApplicationSubmitForm(ServiceForm, forms.Form):
    """Recommend for filing, recommend for registration, or propose an exit."""

    not_data = ()

    legal_form = forms.ChoiceField(label=_("legal form"), choices=LegalForm.choices)
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=30,
        help_text=_("18 characters, as on the registration certificate."),
    )
    exit_reason = forms.ChoiceField(label=_("exit reason"), choices=ExitReason.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you recommend it; recorded with the application."),
    )

    FIELDS_BY_KIND = {
        ApplicationKind.FILING: ("note",),
        ApplicationKind.REGISTRATION: ("legal_form", "credit_code", "note"),
        ApplicationKind.EXIT: ("exit_reason", "note"),
    }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in list(self.fields):
            if name not in self.FIELDS_BY_KIND[kind]:
                del self.fields[name]
        if kind == ApplicationKind.EXIT:
            self.fields["note"].help_text = _("Why it should exit; recorded with the application.")


class ResubmitForm(ApplicationSubmitForm):
    """A returned application, corrected and sent back for review."""

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, kind=kind, **kwargs)
        self.fields["note"].help_text = _("What was corrected.")


class DecisionForm(ServiceForm, forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ApplicationAction.APPROVE, ApplicationAction.APPROVE.label),
            (ApplicationAction.RETURN, ApplicationAction.RETURN.label),
            (ApplicationAction.REJECT, ApplicationAction.REJECT.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = reason_field(
        required=False,
        label=_("Reason"),
        help_text=_("Required to return or reject; shown to the applicant and kept in history."),
    )
    effective_date = forms.DateField(
        label=_("Exit effective date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "On approval: leave empty for today. An earlier day (not before the founding or the "
            "latest recorded change) counts in the figures from that day; say why."
        ),
    )
    not_data = ()

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # only an exit takes effect on an earlier day
        if kind != ApplicationKind.EXIT:
            del self.fields["effective_date"]


class ReasonForm(ServiceForm, forms.Form):
    """A confirmation with a reason: withdraw, hub designation or revocation, reversing an exit."""

    reason = reason_field(required=True, label=_("Reason"))
    not_data = ()


class HubForm(ReasonForm):
    """A hub designation or revocation, with the day it took effect (default today)."""

    effective_date = forms.DateField(
        label=_("Effective date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Leave empty for today. An earlier day (not before the founding or the latest "
            "recorded change) counts in the figures from that day; say why."
        ),
    )


class PublicRegisterForm(forms.Form):
    """The public register's search box: name or number, district, street, field."""

    q = forms.CharField(
        label=_("Name or number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    # Choosing a district reloads the page so the street list shows that district's streets.
    district = forms.ChoiceField(
        label=_("District"),
        required=False,
        widget=forms.Select(attrs={"data-autosubmit": "street"}),
    )
    street = forms.ChoiceField(label=_("Street"), required=False)
    field = forms.ChoiceField(label=_("field"), required=False)

    def __init__(self, *args, districts, streets, fields, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["district"].choices = everything + [(d.code, d.name) for d in districts]
        self.fields["street"].choices = everything + [(s.code, s.name) for s in streets]
        self.fields["field"].choices = everything + list(fields)
