"""The KPI endpoints: the KPIs of a node and its child nodes, their definitions, and the
organisations behind a number. Thin: every number comes from ``reports.kpis``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import (
    ErrorSerializer,
    ScopedAutoSchema,
    ScopedViewSetMixin,
    StrictPageNumberPagination,
    ValidationErrorSerializer,
)
from registry.models import Division
from reports.api.serializers import (
    KpiDefinitionSerializer,
    KpiDifferenceQuerySerializer,
    KpiDifferenceSerializer,
    KpiOrganisationSerializer,
    KpiOrganisationsQuerySerializer,
    KpiReportQuerySerializer,
    KpiReportSerializer,
)
from reports.choices import KpiKey
from reports.exports import definition_dict, kpi_difference_dict, kpi_report_dict
from reports.kpis import kpi_definitions, kpi_difference, kpi_organisations, kpi_report

ERRORS = {400: ValidationErrorSerializer, 404: ErrorSerializer}


class KpiPagination(StrictPageNumberPagination):
    page_size = 50


class KpiSchema(ScopedAutoSchema):
    """The KPI "list" is one object (a node, its KPIs and its children's); the definitions and
    the organisations behind a number are lists."""

    def _is_list_view(self, serializer=None):
        return getattr(self.view, "action", None) in ("definitions", "organisations")


class KpiViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """KPIs of a node of the caller's jurisdiction (``?scope=<division code>``, default their
    own) and of each of its child nodes, today or as of the end of a past day (``?as_of=``)."""

    queryset = Division.objects.all()
    serializer_class = KpiReportSerializer
    pagination_class = None
    filter_backends: list = []
    schema = KpiSchema()
    lookup_field = "key"
    lookup_value_regex = "[a-z0-9_]+"

    def _query(self, serializer_class) -> dict:
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        params["scope"] = params.get("scope") or self.request.user.division_id
        if not params["scope"]:
            raise ValidationError({"scope": [_("Give the division code of the node to count.")]})
        return params

    @extend_schema(
        parameters=[KpiReportQuerySerializer], responses={200: KpiReportSerializer, **ERRORS}
    )
    def list(self, request):
        params = self._query(KpiReportQuerySerializer)
        report = kpi_report(
            scope=params["scope"],
            user=request.user,
            as_of=params.get("as_of"),
            as_recorded_on=params.get("as_recorded_on"),
        )
        return Response(kpi_report_dict(report))

    @extend_schema(
        parameters=[KpiDifferenceQuerySerializer],
        responses={200: KpiDifferenceSerializer, **ERRORS},
        description=(
            "The figures of as_of as recorded on as_recorded_on against the same as recorded "
            "on compared_with (default: now): the KPIs of the node whose values changed, and "
            "the records entered late in between (taking effect by as_of), with who entered "
            "them and when."
        ),
    )
    @action(detail=False, methods=["get"])
    def difference(self, request):
        params = self._query(KpiDifferenceQuerySerializer)
        difference = kpi_difference(
            scope=params["scope"],
            user=request.user,
            as_of=params.get("as_of") or timezone.localdate(),
            recorded_on=params["as_recorded_on"],
            compared_with=params.get("compared_with"),
        )
        return Response(kpi_difference_dict(difference))

    @extend_schema(responses={200: KpiDefinitionSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def definitions(self, request):
        """Every KPI: key, label, what it counts, unit and the target in force."""
        return Response([definition_dict(definition) for definition in kpi_definitions()])

    @extend_schema(
        parameters=[
            KpiOrganisationsQuerySerializer,
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=KpiKey.values),
        ],
        responses={200: KpiOrganisationSerializer(many=True), **ERRORS},
        description=(
            "Paginated: the organisations behind the numerator (or the denominator) of a KPI "
            "for the node, as of the day. For KPIs counting places (streets with a hub, ...) "
            "the organisations that make a place count; counts and medians have no "
            "denominator (400)."
        ),
    )
    @action(detail=True, methods=["get"], pagination_class=KpiPagination)
    def organisations(self, request, key=None):
        params = self._query(KpiOrganisationsQuerySerializer)
        rows = kpi_organisations(
            key=key,
            scope=params["scope"],
            user=request.user,
            as_of=params.get("as_of"),
            part=params["part"],
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(KpiOrganisationSerializer(page, many=True).data)
