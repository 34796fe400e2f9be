"""FilterSets of the API: the web's FilterSets (``registry.filters``), extended, with text
parameters bounded so that an overlong value is a 400 rather than a query."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from registry.choices import (
    ActivitySeries,
    ExitReason,
    LegalForm,
    MemberRole,
    PartyStatus,
)
from registry.filters import (
    ApplicationFilterSet,
    DivisionFilterSet,
    OrganisationFilterSet,
    division_filters,
)
from registry.models import Activity, Member
from registry.selectors import members_with_id_number

MAX_TEXT = 100
MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """A database id: a whole number in range, else 400 (never a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """true / false (also 1 / 0, yes / no); anything else is an error, not "no filter"."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter true or false.")}
    VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictQueryMixin:
    """Query parameters are checked, not guessed: every free-text parameter has a maximum
    length (NUL bytes are refused by Django's form fields already) and a yes/no parameter that
    is neither is a 400 rather than ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.BooleanFilter):
                filter_.field_class = StrictBooleanField
            elif issubclass(filter_.field_class, forms.CharField):
                filter_.extra.setdefault("max_length", MAX_TEXT)
            else:
                continue
            filter_.__dict__.pop("_field", None)


class DivisionAPIFilterSet(StrictQueryMixin, DivisionFilterSet):
    pass


class OrganisationAPIFilterSet(StrictQueryMixin, OrganisationFilterSet):
    legal_form = django_filters.ChoiceFilter(choices=LegalForm.choices, label=_("legal form"))
    exit_reason = django_filters.ChoiceFilter(choices=ExitReason.choices, label=_("exit reason"))
    filed_after = django_filters.DateFilter(
        field_name="filed_on", lookup_expr="gte", label=_("filed on or after")
    )
    filed_before = django_filters.DateFilter(
        field_name="filed_on", lookup_expr="lte", label=_("filed on or before")
    )
    registered_after = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="gte", label=_("registered on or after")
    )
    registered_before = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="lte", label=_("registered on or before")
    )
    exited_after = django_filters.DateFilter(
        field_name="exited_on", lookup_expr="gte", label=_("exited on or after")
    )
    exited_before = django_filters.DateFilter(
        field_name="exited_on", lookup_expr="lte", label=_("exited on or before")
    )


class ApplicationAPIFilterSet(StrictQueryMixin, ApplicationFilterSet):
    organisation = IdFilter(field_name="organisation_id", label=_("organisation id"))


class MemberFilterSet(StrictQueryMixin, django_filters.FilterSet):
    organisation = IdFilter(field_name="organisation_id", label=_("organisation id"))
    within, district, street, community = division_filters("organisation__community__path")
    role = django_filters.MultipleChoiceFilter(
        distinct=False, choices=MemberRole.choices, label=_("role")
    )
    party_status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=PartyStatus.choices, label=_("party membership")
    )
    is_founder = django_filters.BooleanFilter(label=_("founder"))
    current = django_filters.BooleanFilter(
        field_name="left_on", lookup_expr="isnull", label=_("still on the roster")
    )
    joined_after = django_filters.DateFilter(
        field_name="joined_on", lookup_expr="gte", label=_("joined on or after")
    )
    joined_before = django_filters.DateFilter(
        field_name="joined_on", lookup_expr="lte", label=_("joined on or before")
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("name"))
    id_number = django_filters.CharFilter(
        method="filter_id_number", label=_("ID number (full, exact)")
    )

    class Meta:
        model = Member
        fields = []

    def filter_id_number(self, queryset, name, value):
        """Exact search by a full ID number, through its keyed hash; only among the members
        whose ID numbers the user sees in full (the masking rule), so the search is no way
        round the mask."""
        return members_with_id_number(queryset, value, user=getattr(self.request, "user", None))


class ActivityFilterSet(StrictQueryMixin, django_filters.FilterSet):
    organisation = IdFilter(field_name="organisation_id", label=_("organisation id"))
    within, district, street, community = division_filters("organisation__community__path")
    series = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ActivitySeries.choices, label=_("series")
    )
    is_major = django_filters.BooleanFilter(label=_("major activity"))
    held_after = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label=_("held on or after")
    )
    held_before = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lte", label=_("held on or before")
    )
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("title"))

    class Meta:
        model = Activity
        fields = []
