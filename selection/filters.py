"""FilterSets of selection campaigns, used by the web pages and (with ``strict``) the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from registry.api.filters import IdFilter, StrictQueryMixin
from registry.filters import division_filters
from selection.choices import CampaignStatus, EntryStatus, ObjectionStatus
from selection.models import Assignment, Campaign, Entry, Objection, ScoreSheet


def strict(filterset_class):
    """The API version of a FilterSet: bounded text, strict yes/no."""
    return type(f"API{filterset_class.__name__}", (StrictQueryMixin, filterset_class), {})


class CampaignFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("year"), min_value=2000, max_value=2100)
    status = django_filters.MultipleChoiceFilter(choices=CampaignStatus.choices, label=_("status"))
    within, district, street, community = division_filters("organiser__path")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("search"))

    class Meta:
        model = Campaign
        fields = []


class EntryFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("campaign id"))
    category = IdFilter(field_name="category_id", label=_("category id"))
    organisation = IdFilter(field_name="organisation_id", label=_("organisation id"))
    status = django_filters.MultipleChoiceFilter(choices=EntryStatus.choices, label=_("status"))
    shortlisted = django_filters.BooleanFilter(label=_("shortlisted"))
    within, district, street, community = division_filters("division__path")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("search"))

    class Meta:
        model = Entry
        fields = []


class AssignmentFilterSet(django_filters.FilterSet):
    stage = IdFilter(field_name="stage_id", label=_("stage id"))
    entry = IdFilter(field_name="entry_id", label=_("entry id"))
    expert = IdFilter(field_name="expert_id", label=_("expert id"))
    within, district, street, community = division_filters("entry__division__path")

    class Meta:
        model = Assignment
        fields = []


class ScoreSheetFilterSet(django_filters.FilterSet):
    stage = IdFilter(field_name="stage_id", label=_("stage id"))
    entry = IdFilter(field_name="entry_id", label=_("entry id"))
    voided = django_filters.BooleanFilter(
        field_name="voided_at", lookup_expr="isnull", exclude=True, label=_("voided")
    )
    within, district, street, community = division_filters("entry__division__path")

    class Meta:
        model = ScoreSheet
        fields = []


class ObjectionFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("campaign id"))
    status = django_filters.MultipleChoiceFilter(choices=ObjectionStatus.choices, label=_("status"))
    within, district, street, community = division_filters("campaign__organiser__path")

    class Meta:
        model = Objection
        fields = []
