import django_filters
from django.utils.translation import gettext_lazy as _

from registry.choices import DivisionLevel
from registry.models import Division


class DivisionFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=DivisionLevel.choices, label=_("level"))
    parent = django_filters.CharFilter(field_name="parent_id", label=_("parent code"))
    within = django_filters.CharFilter(method="filter_within", label=_("within division code"))
    q = django_filters.CharFilter(method="filter_search", label=_("search"))
    is_residential = django_filters.BooleanFilter(label=_("residential"))

    class Meta:
        model = Division
        fields = ["level", "parent", "within", "q", "is_residential"]

    def filter_within(self, queryset, name, value):
        # The node is looked up inside the already-restricted queryset, so a code outside the
        # user's jurisdiction matches nothing rather than revealing its subtree.
        node = queryset.filter(code=value).values_list("path", flat=True).first()
        return queryset.filter(path__startswith=node) if node else queryset.none()

    def filter_search(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(code__startswith=value)
