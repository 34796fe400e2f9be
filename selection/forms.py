"""Web forms of selection campaigns: they collect and type-check input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ScopedModelChoiceField, ServiceForm, reason_field
from core.scoping import CHANGE
from registry.models import Organisation
from selection.choices import CutKind, ObjectionAction
from selection.models import Category


class ReasonForm(ServiceForm, forms.Form):
    reason = reason_field(required=False)


class EntryForm(ServiceForm, forms.Form):
    """A new entry (or its draft changed): the text with a live character count."""

    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.none())
    organisation = ScopedModelChoiceField(
        Organisation.objects.order_by("name"), label=_("organisation"), scope_action=CHANGE
    )
    title = forms.CharField(label=_("title"), max_length=200)
    text = forms.CharField(
        label=_("text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "data-character-count": "1"}),
    )
    contact_name = forms.CharField(label=_("contact person"), max_length=50)
    phone = forms.CharField(label=_("contact phone"), max_length=20)

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["category"].queryset = campaign.categories.order_by("position")
        self.fields["text"].widget.attrs["data-limit"] = str(campaign.word_limit)
        self.fields["text"].help_text = _(
            "At most %(limit)s characters, not counting spaces and line breaks."
        ) % {"limit": campaign.word_limit}
        if self.user is not None and self.user.organisation_id:
            self.fields["organisation"].initial = self.user.organisation_id


class PicturesForm(forms.Form):
    pictures = forms.FileField(
        label=_("pictures"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("Name each picture; JPG, checked by its content."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pictures"].widget.allow_multiple_selected = True


class SubmitForm(ServiceForm, forms.Form):
    declarations = forms.MultipleChoiceField(
        label=_("I declare"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declarations"].choices = [(d, d) for d in campaign.declarations]


class ReturnForm(ServiceForm, forms.Form):
    note = forms.CharField(label=_("what to correct"), widget=forms.Textarea(attrs={"rows": 3}))


class SheetForm(ServiceForm, forms.Form):
    """One field per criterion of the stage, and notes."""

    note = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            scale = f"0-{criterion.max_points.normalize():f}"
            weight = f"{criterion.weight.normalize():f}%"
            self.fields[f"c_{criterion.code}"] = forms.CharField(
                label=f"{criterion.name}（{scale}，{_('weight')} {weight}）", max_length=20
            )
        self.order_fields([f"c_{c.code}" for c in self.criteria] + ["note"])

    def points(self) -> dict:
        return {c.code: self.cleaned_data.get(f"c_{c.code}", "") for c in self.criteria}


class CutForm(ServiceForm, forms.Form):
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=CutKind.choices)
    tie_break = forms.CharField(
        label=_("tied entries chosen"),
        required=False,
        help_text=_("Entry numbers separated by commas, when a tie at the quota must be decided."),
    )
    reason = reason_field(required=False)

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = campaign.categories.order_by("position")

    def clean_tie_break(self):
        raw = self.cleaned_data.get("tie_break", "").replace("，", ",")
        ids = []
        for part in (p.strip() for p in raw.split(",")):
            if not part:
                continue
            if not part.isdigit() or len(part) > 18:
                raise forms.ValidationError(_("Give entry numbers separated by commas."))
            ids.append(int(part))
        return ids


class ObjectionForm(ServiceForm, forms.Form):
    objector = forms.CharField(label=_("raised by"), max_length=100)
    phone = forms.CharField(label=_("objector's phone"), max_length=20, required=False)
    text = forms.CharField(label=_("objection"), widget=forms.Textarea(attrs={"rows": 4}))


class AnswerForm(ServiceForm, forms.Form):
    action = forms.ChoiceField(label=_("decision"), choices=ObjectionAction.choices)
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 3}))
