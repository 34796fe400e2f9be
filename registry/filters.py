import django_filters
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


class WithinDivisionFilter(django_filters.CharFilter):
    """Rows inside the subtree of a division code (district, street or community).

    The code is looked up among the divisions the user may see, so a code outside their
    jurisdiction matches nothing rather than revealing anything.
    """

    def __init__(self, *args, path_field: str, **kwargs):
        self.path_field = path_field
        kwargs.setdefault("label", _("within division code"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        request = getattr(self.parent, "request", None)
        user = getattr(request, "user", None)
        node = (
            Division.objects.restrict(user)
            .filter(code=value)
            .values_list("path", flat=True)
            .first()
            if user is not None
            else None
        )
        if node is None:
            return qs.none()
        return qs.filter(**{f"{self.path_field}__startswith": node})


class DivisionFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=DivisionLevel.choices, label=_("level"))
    parent = django_filters.CharFilter(field_name="parent_id", label=_("parent code"))
    within = WithinDivisionFilter(path_field="path")
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


class OrganisationFilterSet(django_filters.FilterSet, metaclass=ExtensibleFilterSetMetaclass):
    q = django_filters.CharFilter(method="filter_search", label=_("search"))
    status = django_filters.MultipleChoiceFilter(choices=OrgStatus.choices, label=_("status"))
    org_type = django_filters.ChoiceFilter(choices=OrgType.choices, label=_("type"))
    field = django_filters.ChoiceFilter(choices=OrgField.choices, label=_("field"))
    service_target = django_filters.ChoiceFilter(
        choices=ServiceTarget.choices, method="filter_service_target", label=_("service target")
    )
    is_hub = django_filters.BooleanFilter(label=_("hub organisation"))
    has_brand_project = django_filters.BooleanFilter(
        method="filter_brand_project", label=_("has a brand project")
    )
    within = WithinDivisionFilter(path_field="community__path")
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
        choices=ApplicationStatus.choices, label=_("status")
    )
    within = WithinDivisionFilter(path_field="organisation__community__path")
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
