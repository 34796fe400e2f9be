import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FilterSetMetaclass

from core.encryption import normalise_for_hash
from registry.choices import (
    ApplicationKind,
    ApplicationStatus,
    DivisionLevel,
    OrgField,
    OrgStatus,
    OrgType,
    ServiceTarget,
)
from registry.extensions import extend_organisation_filterset
from registry.models import Application, BrandProject, Division, Member, Organisation
from registry.selectors import members_with_id_number

#: the levels a list can be narrowed to by a query parameter of that name (``?street=<code>``)
DIVISION_FILTER_LEVELS = (DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY)

DIVISION_CODE_LENGTH = Division._meta.get_field("code").max_length


class DivisionCodeField(forms.CharField):
    """The code of a division of one level (a district, a street or a community): a code of
    another level, of no division, or not a code at all is an error naming the parameter."""

    def __init__(self, *args, level: str, **kwargs):
        self.level = level
        kwargs["max_length"] = DIVISION_CODE_LENGTH
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        if (
            not (value.isascii() and value.isalnum())
            or not Division.objects.filter(code=value, level=self.level).exists()
        ):
            # params, not a formatted message: django-filter formats the message with them
            # once more, and a code may hold a "%"
            raise forms.ValidationError(
                _("“%(code)s” is not the code of a %(level)s."),
                code="invalid_division",
                params={"code": value, "level": DivisionLevel(self.level).label},
            )


class WithinDivisionFilter(django_filters.CharFilter):
    """Rows inside the subtree of a division code (district, street or community).

    The code is looked up among the divisions the user may see, so a code outside their
    jurisdiction matches nothing rather than revealing anything. With ``level``, the code must
    be one of a division of that level (else the parameter is a 400): ``?street=<code>``; it
    narrows the rows the user sees (the list is scoped already), so a street that encloses
    the user's community keeps their rows and any other matches nothing.
    """

    def __init__(self, *args, path_field: str, level: str | None = None, **kwargs):
        self.path_field = path_field
        self.level = level
        if level is None:
            kwargs.setdefault("label", _("within division code"))
        else:
            self.field_class = DivisionCodeField
            kwargs["level"] = level
            kwargs["max_length"] = DIVISION_CODE_LENGTH
            kwargs.setdefault(
                "label",
                _("%(level)s code (rows within it)") % {"level": DivisionLevel(level).label},
            )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        request = getattr(self.parent, "request", None)
        user = getattr(request, "user", None)
        # A level's code is any real division's (checked by the field): the rows are already
        # the user's, so a code outside the jurisdiction matches nothing and an enclosing one
        # (a community's staff giving their street) keeps them all.
        divisions = Division.objects.all() if self.level else Division.objects.restrict(user)
        node = (
            divisions.filter(code=value).values_list("path", flat=True).first()
            if user is not None
            else None
        )
        if node is None:
            return qs.none()
        return qs.filter(**{f"{self.path_field}__startswith": node})


def division_filters(path_field: str) -> tuple[WithinDivisionFilter, ...]:
    """The filters of a list of things that sit in the division tree, through ``path_field``
    (e.g. ``"organisation__community__path"``): ``within`` (any division code), then
    ``district``, ``street`` and ``community`` (a code of that level). Declare them with
    ``within, district, street, community = division_filters("...")``."""
    return (
        WithinDivisionFilter(path_field=path_field),
        *(
            WithinDivisionFilter(path_field=path_field, level=level)
            for level in DIVISION_FILTER_LEVELS
        ),
    )


class DivisionFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=DivisionLevel.choices, label=_("level"))
    parent = django_filters.CharFilter(field_name="parent_id", label=_("parent code"))
    within, district, street, community = division_filters("path")
    q = django_filters.CharFilter(method="filter_search", label=_("search"))
    is_residential = django_filters.BooleanFilter(label=_("residential"))

    class Meta:
        model = Division
        fields = ["level", "parent", "within", "q", "is_residential"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(code__startswith=value)


class ExtensibleFilterSetMetaclass(FilterSetMetaclass):
    """Each organisation filter set (and subclass) also gets the filters higher apps register
    (``registry.extensions.register_organisation_filter``), before or after it is made."""

    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        extend_organisation_filterset(new_class)
        return new_class


# Every MultipleChoiceFilter here and in the other apps filters a column of the row itself, so
# none needs django-filter's default distinct=True: a DISTINCT over every column made the city's
# ledger count and page cost twice what they do without it (bench/load.py).
class OrganisationFilterSet(django_filters.FilterSet, metaclass=ExtensibleFilterSetMetaclass):
    q = django_filters.CharFilter(method="filter_search", label=_("search"))
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=OrgStatus.choices, label=_("status")
    )
    org_type = django_filters.ChoiceFilter(choices=OrgType.choices, label=_("type"))
    field = django_filters.ChoiceFilter(choices=OrgField.choices, label=_("field"))
    service_target = django_filters.ChoiceFilter(
        choices=ServiceTarget.choices, method="filter_service_target", label=_("service target")
    )
    is_hub = django_filters.BooleanFilter(label=_("hub organisation"))
    has_brand_project = django_filters.BooleanFilter(
        method="filter_brand_project", label=_("has a brand project")
    )
    within, district, street, community = division_filters("community__path")
    founded_after = django_filters.DateFilter(
        field_name="founded_on", lookup_expr="gte", label=_("founded on or after")
    )
    founded_before = django_filters.DateFilter(
        field_name="founded_on", lookup_expr="lte", label=_("founded on or before")
    )

    class Meta:
        model = Organisation
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        found = (
            Q(name__icontains=value)
            | Q(filing_number__startswith=value)
            | Q(credit_code__startswith=value.upper())
        )
        if len(normalise_for_hash(value)) == 18:  # a full ID number: whose roster has it
            members = members_with_id_number(
                Member.objects.all(), value, user=getattr(self.request, "user", None)
            )
            found |= Q(pk__in=members.values("organisation_id"))
        return queryset.filter(found)

    def filter_service_target(self, queryset, name, value):
        return queryset.filter(service_targets__contains=f",{value},")

    def filter_brand_project(self, queryset, name, value):
        has = Exists(BrandProject.objects.filter(organisation=OuterRef("pk")))
        return queryset.filter(has if value else ~has)


class ApplicationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ApplicationKind.choices, label=_("kind"))
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ApplicationStatus.choices, label=_("status")
    )
    within, district, street, community = division_filters("organisation__community__path")
    reviewing_division = django_filters.CharFilter(
        field_name="reviewing_division_id", label=_("reviewed by (tier)")
    )
    submitted_after = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label=_("submitted on or after")
    )
    submitted_before = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label=_("submitted on or before")
    )
    decided_after = django_filters.DateFilter(
        field_name="decided_at", lookup_expr="date__gte", label=_("decided on or after")
    )
    decided_before = django_filters.DateFilter(
        field_name="decided_at", lookup_expr="date__lte", label=_("decided on or before")
    )
    q = django_filters.CharFilter(
        field_name="organisation__name", lookup_expr="icontains", label=_("organisation name")
    )

    class Meta:
        model = Application
        fields = []
