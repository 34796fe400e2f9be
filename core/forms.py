"""What every app's web forms share: the service form mixin, the reason field, the date widget
and model-choice fields restricted to the user's jurisdiction.

Forms collect and type-check input; every write goes through a service (the view passes
``service_data()`` on), which validates again and decides. A service's ``ValidationError`` is
put back on the form by :meth:`ServiceForm.add_service_error`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.translation import gettext_lazy as _

from core.history import REASON_MAX_LENGTH
from core.scoping import CHANGE

__all__ = [
    "DATE_WIDGET",
    "REASON_MAX_LENGTH",
    "ScopedModelChoiceField",
    "ScopedModelMultipleChoiceField",
    "ServiceForm",
    "reason_field",
]

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def reason_field(*, required: bool, label=None, help_text=None) -> forms.CharField:
    """The "why" that goes into history with the acting user's name (at most
    :data:`~core.history.REASON_MAX_LENGTH` characters, as through the API)."""
    return forms.CharField(
        label=label or _("Reason for the change"),
        required=required,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text or _("Recorded in the history with your name."),
    )


class _ScopedChoiceMixin:
    """A model choice restricted to what the form's user may ``scope_action`` (change, by
    default): an object outside the jurisdiction is "not one of the available choices", the
    same answer as one that doesn't exist. Until restricted (no user), it offers nothing."""

    def __init__(self, queryset, *args, scope_action: str = CHANGE, **kwargs):
        self.scope_action = scope_action
        self.unrestricted_queryset = queryset
        super().__init__(queryset.none(), *args, **kwargs)

    def restrict(self, user, action: str | None = None) -> None:
        """Offer the rows of the queryset given at construction that ``user`` may act on."""
        self.queryset = self.unrestricted_queryset.restrict(user, action or self.scope_action)


class ScopedModelChoiceField(_ScopedChoiceMixin, forms.ModelChoiceField):
    pass


class ScopedModelMultipleChoiceField(_ScopedChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class ServiceForm:
    """Mixin for a ``Form`` or ``ModelForm`` whose cleaned data a service takes.

    Takes the acting ``user`` (kept as ``self.user``) and restricts every scoped choice field
    to that user's jurisdiction. ``service_data()`` is the cleaned data less ``not_data``;
    ``add_service_error()`` puts a service's ``ValidationError`` back next to the fields.
    """

    #: form fields that are not passed to the service as data
    not_data = ("reason",)
    #: model whose field names label a service's message about a field this form doesn't show
    #: (a ``ModelForm``'s own model by default)
    label_model = None

    def __init__(self, *args, user=None, **kwargs):
        if user is not None or not hasattr(self, "user"):
            self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, _ScopedChoiceMixin):
                field.restrict(self.user)

    def service_data(self) -> dict:
        return {
            name: value for name, value in self.cleaned_data.items() if name not in self.not_data
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ``ValidationError`` next to the field it names, or at the top.

        A message about a field this form doesn't show is put at the top, prefixed with the
        field's name, so nothing the service said is lost.
        """
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for field, messages in error.message_dict.items():
            for message in messages:
                if field in self.fields:
                    self.add_error(field, message)
                elif field == NON_FIELD_ERRORS:
                    self.add_error(None, message)
                else:
                    self.add_error(None, f"{self._field_label(field)}: {message}")

    def _field_label(self, field: str) -> str:
        model = self.label_model or getattr(getattr(self, "_meta", None), "model", None)
        if model is not None:
            try:
                return str(model._meta.get_field(field).verbose_name)
            except FieldDoesNotExist:
                pass
        return field
