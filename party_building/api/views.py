"""API resources of party building, all restricted to the caller's jurisdiction in
``ScopedViewSetMixin.initial()``; writes go through ``party_building.services``."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.api import (
    ScopedAutoSchema,
    ScopedModelViewSet,
    ScopedReadOnlyModelViewSet,
    ScopedViewSetMixin,
)
from party_building.api.serializers import (
    CoverageFiguresSerializer,
    CoverageQuerySerializer,
    InstructorAssignmentSerializer,
    OrganisationCoverageSerializer,
    PartyInstructorSerializer,
    PartyOrganisationSerializer,
    UncoveredDivisionSerializer,
    UncoveredQuerySerializer,
)
from party_building.choices import CoverageFigure
from party_building.filters import (
    CoverageOrganisationFilterSet,
    InstructorAssignmentFilterSet,
    PartyInstructorFilterSet,
    PartyOrganisationFilterSet,
)
from party_building.models import (
    InstructorAssignment,
    PartyCoverage,
    PartyInstructor,
    PartyOrganisation,
)
from party_building.selectors import coverage_figures, follow_up_filter, uncovered
from registry.models import Division, Organisation

#: party records are never deleted: they are dissolved or ended, and keep their history
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class PartyOrganisationViewSet(ScopedModelViewSet):
    """Party organisations guided by a node of the caller's jurisdiction, with their coverage
    (every period, ended or not)."""

    queryset = PartyOrganisation.objects.select_related("guiding_division").prefetch_related(
        Prefetch(
            "coverages",
            queryset=PartyCoverage.objects.select_related("organisation").order_by(
                "-start_on", "pk"
            ),
        )
    )
    serializer_class = PartyOrganisationSerializer
    filterset_class = PartyOrganisationFilterSet
    ordering_fields = ["name", "founded_on", "member_count"]
    ordering = ["name", "pk"]
    http_method_names = NO_DELETE


class PartyInstructorViewSet(ScopedModelViewSet):
    """Party-building instructors appointed by a node of the caller's jurisdiction."""

    queryset = PartyInstructor.objects.select_related("division")
    serializer_class = PartyInstructorSerializer
    filterset_class = PartyInstructorFilterSet
    ordering_fields = ["name"]
    ordering = ["name", "pk"]
    http_method_names = NO_DELETE


class InstructorAssignmentViewSet(ScopedModelViewSet):
    """Instructors assigned to organisations of the caller's jurisdiction."""

    queryset = InstructorAssignment.objects.select_related("instructor", "organisation")
    serializer_class = InstructorAssignmentSerializer
    filterset_class = InstructorAssignmentFilterSet
    ordering_fields = ["start_on", "end_on"]
    ordering = ["-start_on", "pk"]
    http_method_names = NO_DELETE


class FollowUpViewSet(ScopedReadOnlyModelViewSet):
    """The three-member follow-up list: live organisations with at least the configured number
    of formal party members (default 3) and no party organisation of their own."""

    queryset = Organisation.objects.select_related("community")
    serializer_class = OrganisationCoverageSerializer
    filterset_class = CoverageOrganisationFilterSet
    ordering_fields = ["name"]
    ordering = ["name", "pk"]

    def get_queryset(self):
        return follow_up_filter(super().get_queryset())


class CoveragePagination(PageNumberPagination):
    page_size = 50


class SingleObjectSchema(ScopedAutoSchema):
    """The coverage "list" answers one object (a node, its figures and its children)."""

    def _is_list_view(self, serializer=None):
        return False


class PartyCoverageViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Party-coverage figures of a node and its child nodes (``?scope=<division code>``,
    default the caller's own), and the uncovered rows behind a figure."""

    queryset = Division.objects.all()
    serializer_class = CoverageFiguresSerializer
    # The figures are one object; only the uncovered rows behind a figure are paged.
    pagination_class = None
    schema = SingleObjectSchema()
    filter_backends: list = []

    def _query(self, serializer_class):
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        code = params.get("scope") or self.request.user.division_id
        if not code:
            raise ValidationError({"scope": [_("Give the division code of the node to count.")]})
        node = self.get_queryset().filter(code=code).first()
        if node is None:
            raise NotFound()
        return node, params

    @extend_schema(parameters=[CoverageQuerySerializer], responses=CoverageFiguresSerializer)
    def list(self, request):
        node, params = self._query(CoverageQuerySerializer)
        return Response(coverage_figures(node, user=request.user, on=params.get("on")))

    @extend_schema(
        parameters=[UncoveredQuerySerializer],
        responses=OpenApiTypes.OBJECT,
        description=(
            "Paginated: organisations (as in the follow-up list) for organisation_coverage and "
            "work_coverage; divisions (code, name, level, parent) for the other figures."
        ),
    )
    @action(detail=False, methods=["get"], pagination_class=CoveragePagination)
    def uncovered(self, request):
        node, params = self._query(UncoveredQuerySerializer)
        figure = params["figure"]
        rows = uncovered(node, figure, user=request.user, on=params.get("on"))
        serializer_class = (
            OrganisationCoverageSerializer
            if figure in CoverageFigure.ORGANISATION_FIGURES
            else UncoveredDivisionSerializer
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializer_class(page, many=True).data)
