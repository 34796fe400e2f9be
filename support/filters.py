"""FilterSets of the support programmes, used by the web pages and (with ``strict``) the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from registry.api.filters import IdFilter, StrictQueryMixin
from registry.choices import DivisionLevel
from registry.filters import division_filters
from support.choices import (
    DonationForm,
    DonorKind,
    FundingKind,
    PairingStatus,
    PlatformKind,
    ProjectStatus,
    RecommendationStatus,
    ResidencyKind,
    ServiceCategory,
    Stage,
    TrainingCapacity,
)
from support.models import (
    Attendance,
    CommunityFund,
    Donation,
    FundedProject,
    FundingProgramme,
    FundingRound,
    Pairing,
    Residency,
    StagePeriod,
    SubCommitteeRecommendation,
    SupportPlatform,
    SupportService,
    TrainingProgramme,
    TrainingSession,
)


def strict(filterset_class):
    """The API version of a FilterSet: bounded text, strict yes/no."""
    return type(f"API{filterset_class.__name__}", (StrictQueryMixin, filterset_class), {})


class PlatformFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("division__path")
    kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=PlatformKind.choices, label=_("kind")
    )
    tier = django_filters.ChoiceFilter(
        field_name="division__level",
        choices=[
            (level.value, level.label)
            for level in (DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY)
        ],
        label=_("tier"),
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("name"))

    class Meta:
        model = SupportPlatform
        fields = []


class ResidencyFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("organisation__community__path")
    platform = IdFilter(field_name="platform_id", label=_("platform"))
    organisation = IdFilter(field_name="organisation_id", label=_("organisation"))
    kind = django_filters.ChoiceFilter(choices=ResidencyKind.choices, label=_("kind"))
    current = django_filters.BooleanFilter(
        field_name="ended_on", lookup_expr="isnull", label=_("still there")
    )
    q = django_filters.CharFilter(
        field_name="organisation__name", lookup_expr="icontains", label=_("organisation name")
    )

    class Meta:
        model = Residency
        fields = []


class StagePeriodFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("organisation__community__path")
    organisation = IdFilter(field_name="organisation_id", label=_("organisation"))
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("stage"))

    class Meta:
        model = StagePeriod
        fields = []


class SupportServiceFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters(
        "residency__organisation__community__path"
    )
    residency = IdFilter(field_name="residency_id", label=_("residency"))
    category = django_filters.ChoiceFilter(choices=ServiceCategory.choices, label=_("category"))

    class Meta:
        model = SupportService
        fields = []


class ProgrammeFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("division__path")
    kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=FundingKind.choices, label=_("kind")
    )

    class Meta:
        model = FundingProgramme
        fields = []


class RoundFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("programme__division__path")
    programme = IdFilter(field_name="programme_id", label=_("programme"))
    year = django_filters.NumberFilter(label=_("year"), min_value=1949, max_value=2100)

    class Meta:
        model = FundingRound
        fields = []


class ProjectFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("organisation__community__path")
    kind = django_filters.MultipleChoiceFilter(
        distinct=False,
        field_name="round__programme__kind",
        choices=FundingKind.choices,
        label=_("kind"),
    )
    round = IdFilter(field_name="round_id", label=_("round"))
    organisation = IdFilter(field_name="organisation_id", label=_("organisation"))
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ProjectStatus.choices, label=_("status")
    )
    year = django_filters.NumberFilter(
        field_name="round__year", label=_("year"), min_value=1949, max_value=2100
    )
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("title"))

    class Meta:
        model = FundedProject
        fields = []


class FundFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("division__path")

    class Meta:
        model = CommunityFund
        fields = []


class DonationFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("fund__division__path")
    fund = IdFilter(field_name="fund_id", label=_("fund"))
    donor_kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=DonorKind.choices, label=_("donor kind")
    )
    form = django_filters.ChoiceFilter(choices=DonationForm.choices, label=_("form"))
    received_after = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("received on or after")
    )
    received_before = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("received on or before")
    )

    class Meta:
        model = Donation
        fields = []


class TrainingProgrammeFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("division__path")
    year = django_filters.NumberFilter(label=_("year"), min_value=1949, max_value=2100)

    class Meta:
        model = TrainingProgramme
        fields = []


class TrainingSessionFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("programme__division__path")
    programme = IdFilter(field_name="programme_id", label=_("programme"))
    platform = IdFilter(field_name="platform_id", label=_("platform"))

    class Meta:
        model = TrainingSession
        fields = []


class AttendanceFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("member__organisation__community__path")
    session = IdFilter(field_name="session_id", label=_("session"))
    member = IdFilter(field_name="member_id", label=_("person"))
    organisation = IdFilter(field_name="member__organisation_id", label=_("organisation"))
    capacity = django_filters.ChoiceFilter(choices=TrainingCapacity.choices, label=_("as"))
    year = django_filters.NumberFilter(
        field_name="session__held_on__year", label=_("year"), min_value=1949, max_value=2100
    )

    class Meta:
        model = Attendance
        fields = []


class RecommendationFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("community__path")
    status = django_filters.ChoiceFilter(choices=RecommendationStatus.choices, label=_("status"))

    class Meta:
        model = SubCommitteeRecommendation
        fields = []


class PairingFilterSet(django_filters.FilterSet):
    within, district, street, community = division_filters("mentee__community__path")
    status = django_filters.ChoiceFilter(choices=PairingStatus.choices, label=_("status"))
    organisation = IdFilter(method="filter_organisation", label=_("organisation"))

    class Meta:
        model = Pairing
        fields = []

    def filter_organisation(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(mentor_id=value) | Q(mentee_id=value))
