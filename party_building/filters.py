"""FilterSets for party records, used by the web pages and the API alike."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from party_building.choices import CoverageMode, PartyOrganisationKind
from party_building.models import InstructorAssignment, PartyInstructor, PartyOrganisation
from registry.filters import OrganisationFilterSet, division_filters


class PartyOrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("search"))
    kind = django_filters.ChoiceFilter(choices=PartyOrganisationKind.choices, label=_("kind"))
    within, district, street, community = division_filters("guiding_division__path")
    current = django_filters.BooleanFilter(method="filter_current", label=_("not dissolved"))
    covers = django_filters.NumberFilter(
        field_name="coverages__organisation", label=_("covers organisation (id)"), distinct=True
    )

    class Meta:
        model = PartyOrganisation
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(secretary__icontains=value))

    def filter_current(self, queryset, name, value):
        current = queryset.current()
        return current if value else queryset.exclude(pk__in=current.values("pk"))


class PartyInstructorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("name"))
    within, district, street, community = division_filters("division__path")

    class Meta:
        model = PartyInstructor
        fields = []


class InstructorAssignmentFilterSet(django_filters.FilterSet):
    instructor = django_filters.NumberFilter(field_name="instructor", label=_("instructor (id)"))
    organisation = django_filters.NumberFilter(
        field_name="organisation", label=_("organisation (id)")
    )
    within, district, street, community = division_filters("organisation__community__path")
    current = django_filters.BooleanFilter(method="filter_current", label=_("in force today"))

    class Meta:
        model = InstructorAssignment
        fields = []

    def filter_current(self, queryset, name, value):
        current = InstructorAssignment.objects.current(timezone.localdate())
        ids = current.values("pk")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class CoverageOrganisationFilterSet(OrganisationFilterSet):
    """The registry's organisation filters, plus the derived coverage mode (on a queryset
    annotated by ``selectors.annotate_coverage``) and the guiding tier."""

    coverage_mode = django_filters.MultipleChoiceFilter(
        distinct=False, choices=CoverageMode.choices, label=_("coverage mode")
    )
    guiding_division = django_filters.CharFilter(
        field_name="guiding_division_code", label=_("guided by (division code)")
    )
