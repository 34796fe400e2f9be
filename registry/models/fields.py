from django import forms
from django.core.exceptions import ValidationError
from django.db import models


class ChoiceSetField(models.CharField):
    """A set of choices stored as ``",a,b,"`` in one text column.

    Portable (SQLite and PostgreSQL) and filterable with ``field__contains=",a,"``; the value
    in Python is a sorted list of choice values.
    """

    def __init__(self, *args, choice_set=None, **kwargs):
        self.choice_set = choice_set
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choice_set"] = self.choice_set
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or value == "":
            return []
        if isinstance(value, list | tuple | set):
            return sorted(set(value))
        return sorted(item for item in str(value).split(",") if item)

    def get_prep_value(self, value):
        if isinstance(value, list | tuple | set):
            return "," + ",".join(sorted(set(value))) + "," if value else ""
        return value

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        if not self.editable:
            return
        allowed = {
            choice for choice, _label in (self.choice_set.choices if self.choice_set else [])
        }
        unknown = [item for item in value if allowed and item not in allowed]
        if unknown:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": ", ".join(unknown)},
            )
        if not self.blank and not value:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def run_validators(self, value):
        # The max_length validator applies to the stored text, not the list.
        return super().run_validators(self.get_prep_value(value))

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.choice_set.choices if self.choice_set else [],
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=kwargs.get("label", self.verbose_name.capitalize()),
            help_text=self.help_text,
        )

    def get_display(self, value):
        labels = dict(self.choice_set.choices) if self.choice_set else {}
        return "、".join(str(labels.get(item, item)) for item in value)
