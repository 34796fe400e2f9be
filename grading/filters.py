"""FilterSets of grading, used by the web pages and (with ``StrictQueryMixin``) the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grading.choices import (
    AssessmentStatus,
    CampaignStatus,
    EvaluationStatus,
    GradeLevel,
    SanctionKind,
    ScoringRound,
)
from grading.models import (
    AssessmentApplication,
    AssessmentCampaign,
    Evaluation,
    EvaluationResult,
    Expert,
    ExpertPanel,
    ExpertScore,
    GradeAward,
    Sanction,
)
from registry.api.filters import IdFilter, StrictQueryMixin
from registry.filters import division_filters

GRADE_CHOICES = [(str(level.value), level.label) for level in GradeLevel]


class CampaignFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("year"), min_value=2000, max_value=2100)
    status = django_filters.MultipleChoiceFilter(choices=CampaignStatus.choices, label=_("status"))
    within, district, street, community = division_filters("district__path")

    class Meta:
        model = AssessmentCampaign
        fields = []


class AssessmentApplicationFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("campaign id"))
    organisation = IdFilter(field_name="organisation_id", label=_("organisation id"))
    status = django_filters.MultipleChoiceFilter(
        choices=AssessmentStatus.choices, label=_("status")
    )
    within, district, street, community = division_filters("organisation__community__path")
    q = django_filters.CharFilter(
        field_name="organisation__name", lookup_expr="icontains", label=_("organisation name")
    )

    class Meta:
        model = AssessmentApplication
        fields = []


class ExpertFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("name"))
    within, district, street, community = division_filters("district__path")

    class Meta:
        model = Expert
        fields = []


class ExpertPanelFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("campaign id"))

    class Meta:
        model = ExpertPanel
        fields = []


class ExpertScoreFilterSet(django_filters.FilterSet):
    application = IdFilter(field_name="application_id", label=_("application id"))
    expert = IdFilter(field_name="expert_id", label=_("expert id"))
    round = django_filters.ChoiceFilter(choices=ScoringRound.choices, label=_("round"))

    class Meta:
        model = ExpertScore
        fields = []


class GradeAwardFilterSet(django_filters.FilterSet):
    organisation = IdFilter(field_name="organisation_id", label=_("organisation id"))
    level_min = django_filters.ChoiceFilter(
        choices=GRADE_CHOICES, method="filter_level_min", label=_("grade at least")
    )
    current = django_filters.BooleanFilter(method="filter_current", label=_("current today"))
    within, district, street, community = division_filters("organisation__community__path")
    q = django_filters.CharFilter(
        field_name="organisation__name", lookup_expr="icontains", label=_("organisation name")
    )

    class Meta:
        model = GradeAward
        fields = []

    def filter_level_min(self, queryset, name, value):
        return queryset.filter(level__gte=int(value))

    def filter_current(self, queryset, name, value):
        current = GradeAward.objects.current(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=current) if value else queryset.exclude(pk__in=current)


class SanctionFilterSet(django_filters.FilterSet):
    organisation = IdFilter(field_name="organisation_id", label=_("organisation id"))
    kind = django_filters.ChoiceFilter(choices=SanctionKind.choices, label=_("kind"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("open penalty"))
    within, district, street, community = division_filters("organisation__community__path")

    class Meta:
        model = Sanction
        fields = []

    def filter_open(self, queryset, name, value):
        condition = Q(kind=SanctionKind.PENALTY, closed_on__isnull=True)
        return queryset.filter(condition) if value else queryset.exclude(condition)


class EvaluationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EvaluationStatus.choices, label=_("status"))
    within, district, street, community = division_filters("division__path")

    class Meta:
        model = Evaluation
        fields = []


class EvaluationResultFilterSet(django_filters.FilterSet):
    evaluation = IdFilter(field_name="evaluation_id", label=_("evaluation id"))
    organisation = IdFilter(field_name="organisation_id", label=_("organisation id"))

    class Meta:
        model = EvaluationResult
        fields = []


def strict(filterset_class):
    """The API version of a FilterSet: bounded text, strict yes/no."""
    return type(f"API{filterset_class.__name__}", (StrictQueryMixin, filterset_class), {})
