"""Search forms: the audit-log filters (checked against the user's jurisdiction) and the public
credit-list search. The same forms validate the web pages and the API's query parameters, so
both answer bad input with the same messages."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, ScopedModelChoiceField
from core.scoping import VIEW, jurisdiction_of
from registry.choices import DivisionLevel
from registry.models import Division, User
from transparency.audit import AuditQuery, kind_choices
from transparency.models import AuditEvent

DATE_INPUT_FORMATS = ["%Y-%m-%d"]
DATE_ERROR = _("Enter a date as YYYY-MM-DD, e.g. 2025-03-31.")

#: change kinds as words (query parameters) and as history types
CHANGE_WORDS = {"created": "+", "changed": "~", "deleted": "-"}
CHANGE_CHOICES = [
    ("", _("Any change")),
    ("created", _("Created")),
    ("changed", _("Changed")),
    ("deleted", _("Deleted")),
]


def date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=DATE_WIDGET,
        error_messages={"invalid": DATE_ERROR},
    )


def person_may_be_named(user, person: User) -> bool:
    """Whether ``user`` may filter the audit log by ``person``: someone bound inside the
    user's jurisdiction, or someone whose changes inside it the user can already see. Anyone
    else is refused exactly like a username that doesn't exist."""
    jurisdiction = jurisdiction_of(user)
    if jurisdiction.unrestricted:
        return True
    if jurisdiction.organisation_id is not None and person.organisation_id is not None:
        if person.organisation_id == jurisdiction.organisation_id:
            return True
    if jurisdiction.path is not None:
        inside = User.objects.filter(pk=person.pk).filter(
            Q(division__path__startswith=jurisdiction.path)
            | Q(organisation__community__path__startswith=jurisdiction.path)
        )
        if inside.exists():
            return True
    return AuditEvent.objects.restrict(user, VIEW).filter(user_id=person.pk).exists()


class DivisionCodeField(ScopedModelChoiceField):
    """A division by its code, among those the user may see; a value no code can be (too
    long, control characters) is refused before it reaches the database."""

    def to_python(self, value):
        if isinstance(value, str) and (len(value) > 12 or not value.isprintable()):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class AuditFilterForm(forms.Form):
    since = date_field(_("From"))
    until = date_field(_("To"))
    person = forms.CharField(
        label=_("Changed by (login name)"),
        required=False,
        max_length=150,
        error_messages={"max_length": _("No such person in your jurisdiction.")},
    )
    kind = forms.MultipleChoiceField(label=_("Kind of object"), required=False, choices=())
    change = forms.ChoiceField(label=_("Kind of change"), required=False, choices=CHANGE_CHOICES)
    division = DivisionCodeField(
        Division.objects.order_by("path"),
        scope_action=VIEW,
        label=_("Division (code)"),
        required=False,
        to_field_name="code",
        widget=forms.TextInput(attrs={"placeholder": "440310001"}),
        error_messages={"invalid_choice": _("No such division in your jurisdiction.")},
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["kind"].choices = kind_choices()
        self.fields["kind"].widget.attrs["size"] = 1
        self.fields["division"].restrict(user, VIEW)

    def clean_person(self):
        username = (self.cleaned_data.get("person") or "").strip()
        if not username:
            return None
        person = None
        if username.isprintable():
            person = User.objects.filter(username=username).first()
        if person is None or not person_may_be_named(self.user, person):
            raise forms.ValidationError(_("No such person in your jurisdiction."))
        return person

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned

    def query(self) -> AuditQuery:
        """The search, once the form is valid."""
        data = self.cleaned_data
        return AuditQuery(
            since=data.get("since"),
            until=data.get("until"),
            person=data.get("person"),
            kinds=tuple(sorted(data.get("kind") or ())),
            change=CHANGE_WORDS.get(data.get("change") or "", ""),
            division=data.get("division"),
        )


class DistrictField(forms.ChoiceField):
    """A district by its code: the listed ones (those with public organisations), or any other
    district-level unit (whose lists are simply empty)."""

    def valid_value(self, value):
        if super().valid_value(value):
            return True
        return (
            isinstance(value, str)
            and len(value) <= 12
            and value.isprintable()
            and Division.objects.filter(code=value, level=DivisionLevel.DISTRICT).exists()
        )


class CreditListSearchForm(forms.Form):
    """The public credit-list search: name or code, list, district, listed or removed, and the
    day whose lists to show."""

    STATE_CHOICES = [
        ("", _("Listed now or removed")),
        ("listed", _("Listed now")),
        ("removed", _("Removed")),
    ]

    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("List"), required=False, choices=())
    district = DistrictField(label=_("District"), required=False, choices=())
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)
    on = date_field(_("On the list on"))

    def __init__(self, data=None, *, kinds, districts, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = [("", _("Both lists")), *kinds]
        self.fields["district"].choices = [("", _("All districts"))] + [
            (d.code, d.name) for d in districts
        ]

    def clean_q(self):
        value = (self.cleaned_data.get("q") or "").strip()
        if not value.isprintable():
            raise forms.ValidationError(_("Remove the control characters from the search."))
        return value
