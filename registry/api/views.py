"""Endpoints of the registry API: thin. Each validates input, calls a service
(``registry.services``) with ``acting_user=request.user`` and shows the result; scoping is the
base classes' (``core.api``)."""

import dataclasses

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import (
    ConflictSerializer,
    CursorPagination,
    ErrorSerializer,
    ScopedReadOnlyModelViewSet,
    ScopedViewSetMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    StrictOrderingFilter,
    StrictPageNumberPagination,
)
from core.masking import mask_diff, sees_personal_data
from core.scoping import CHANGE, VIEW
from registry.api import serializers as s
from registry.api.filters import (
    ActivityFilterSet,
    ApplicationAPIFilterSet,
    DivisionAPIFilterSet,
    MemberFilterSet,
    OrganisationAPIFilterSet,
)
from registry.choices import ApplicationAction
from registry.models import Activity, Application, BrandProject, Division, Member, Organisation
from registry.selectors import organisation_timeline
from registry.services import lifecycle, organisations

ORGANISATION_COLUMNS = {field.name for field in Organisation._meta.concrete_fields}
#: how many activities an organisation's detail shows (all of them: /activities/?organisation=)
RECENT_ACTIVITIES = 20
FILTER_BACKENDS = [DjangoFilterBackend, StrictOrderingFilter]
#: keyword arguments of an action on one object that takes a body and answers with one object
ONE_OBJECT = {"detail": True, "filter_backends": [], "pagination_class": None}


class DivisionViewSet(ScopedReadOnlyModelViewSet):
    """The division tree, restricted to the caller's jurisdiction."""

    queryset = Division.objects.all()
    serializer_class = s.DivisionSerializer
    filterset_class = DivisionAPIFilterSet
    filter_backends = FILTER_BACKENDS
    pagination_class = StrictPageNumberPagination
    ordering_fields = ["code", "name", "path"]
    ordering = ["path"]
    lookup_field = "code"


class LedgerViewSet(
    ServiceCreateMixin,
    ServiceUpdateMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and change through services; nothing is deleted (a member leaves, an
    organisation exits)."""

    filter_backends = FILTER_BACKENDS
    pagination_class = CursorPagination
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


def _writes(read, write, *, create_write=None):
    """Schema of create / update / partial_update: the write serializer in, the read out."""
    return {
        "create": extend_schema(request=create_write or write, responses={201: read}),
        "update": extend_schema(request=write, responses={200: read}),
        "partial_update": extend_schema(request=write, responses={200: read}),
    }


@extend_schema_view(
    **_writes(s.OrganisationDetailSerializer, s.OrganisationWriteSerializer),
    retrieve=extend_schema(responses=s.OrganisationDetailSerializer),
)
class OrganisationViewSet(LedgerViewSet):
    """Organisations in the caller's jurisdiction. Creating one enters an activity group in a
    community's ledger; its status moves only through applications (``/api/v1/applications/``).
    """

    queryset = Organisation.objects.all()
    serializer_class = s.OrganisationSerializer
    input_serializer_classes = {
        "create": s.OrganisationWriteSerializer,
        "update": s.OrganisationWriteSerializer,
        "partial_update": s.OrganisationWriteSerializer,
    }
    output_serializer_classes = {
        "create": s.OrganisationDetailSerializer,
        "update": s.OrganisationDetailSerializer,
        "partial_update": s.OrganisationDetailSerializer,
    }
    filterset_class = OrganisationAPIFilterSet
    ordering_fields = ["id", "name", "founded_on", "filed_on", "registered_on", "updated_at"]
    # By id unless asked otherwise: the primary key index serves any page at once; the other
    # orderings sort the (filtered) rows on every page.
    ordering = ["id"]

    #: the columns a list shows (the long texts, charter, rules and norms, are not read)
    LIST_COLUMNS = (
        *(name for name in s.OrganisationSerializer.Meta.fields if name in ORGANISATION_COLUMNS),
        "community__name",
        "community__parent__name",
        "community__parent__parent__name",
    )

    def get_queryset(self):
        queryset = super().get_queryset().select_related("community__parent__parent")
        if self.action == "list":
            return queryset.only(*self.LIST_COLUMNS)
        return self._with_ledger(queryset) if self.action == "retrieve" else queryset

    def get_output_queryset(self):
        return self._with_ledger(self.get_queryset())

    @staticmethod
    def _with_ledger(queryset):
        """What the detail shows besides the organisation: a fixed number of queries."""
        return queryset.prefetch_related(
            Prefetch(
                "members",
                queryset=Member.objects.current().order_by("role", "name", "pk"),
                to_attr="current_members",
            ),
            Prefetch(
                "activities",
                queryset=Activity.objects.order_by("-held_on", "-pk")[:RECENT_ACTIVITIES],
                to_attr="recent_activities",
            ),
            Prefetch("brand_projects", queryset=BrandProject.objects.order_by("-year", "pk")),
            Prefetch("applications", queryset=Application.objects.order_by("-submitted_at", "-pk")),
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.OrganisationDetailSerializer
        return super().get_serializer_class()

    def _change(self, service, request, body_class=None, **kwargs):
        """Run an organisation service with the body's reason (and any other field of
        ``body_class``); answer with the organisation."""
        body = (body_class or s.ReasonSerializer)(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["reason"] = data.get("reason", "")
        organisation = self.perform_service(
            service, organisation=self.get_object(), **data, **kwargs
        )
        return Response(
            self.get_output_serializer(organisation, s.OrganisationDetailSerializer).data
        )

    @extend_schema(
        responses=s.TimelineEntrySerializer(many=True),
        summary="Timeline of the organisation and its records, newest first",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, pk=None):
        """Everything that happened to the organisation, its roster, activities, brand projects
        and applications: who, when, why and which fields changed from what to what."""
        organisation = self.get_object()
        entries = organisation_timeline(organisation)
        full = sees_personal_data(request.user, organisation)
        for entry in entries:
            if entry.model == "member":
                entry.changes = [_masked(change, full=full) for change in entry.changes]
        return Response(s.TimelineEntrySerializer(entries, many=True).data)

    @extend_schema(request=s.HubChangeSerializer, responses=s.OrganisationDetailSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="hub-designate", scope_action=CHANGE)
    def hub_designate(self, request, pk=None):
        """The street office designates the organisation a hub (枢纽型); 409 if it already is."""
        return self._change(organisations.hub_designate, request, s.HubChangeSerializer)

    @extend_schema(request=s.HubChangeSerializer, responses=s.OrganisationDetailSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="hub-revoke", scope_action=CHANGE)
    def hub_revoke(self, request, pk=None):
        """The street office withdraws the hub designation; 409 if it is not a hub."""
        return self._change(organisations.hub_revoke, request, s.HubChangeSerializer)

    @extend_schema(request=s.ReasonSerializer, responses=s.OrganisationDetailSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="reverse-exit", scope_action=VIEW)
    def reverse_exit(self, request, pk=None):
        """Undo an exit (the tier that approved it, with a reason); 409 if it has not exited."""
        return self._change(lifecycle.exit_reverse, request)

    @extend_schema(
        methods=["GET"],
        responses=s.BrandProjectSerializer(many=True),
        summary="Brand service projects of the organisation",
    )
    @extend_schema(
        methods=["POST"],
        request=s.BrandProjectCreateSerializer,
        responses={201: s.BrandProjectSerializer},
        summary="Record a brand service project of the organisation",
    )
    @action(**ONE_OBJECT, methods=["get", "post"], url_path="brand-projects")
    def brand_projects(self, request, pk=None):
        organisation = self.get_object()
        if request.method == "GET":
            projects = organisation.brand_projects.all()
            return Response(s.BrandProjectSerializer(projects, many=True).data)
        body = s.BrandProjectCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = self.perform_service(
            organisations.brand_project_add,
            organisation=organisation,
            **{"reason": "", **body.validated_data},
        )
        return Response(s.BrandProjectSerializer(project).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    **_writes(s.MemberSerializer, s.MemberUpdateSerializer, create_write=s.MemberCreateSerializer)
)
class MemberViewSet(LedgerViewSet):
    """Roster entries of the organisations in the caller's jurisdiction. Someone leaving is
    recorded with ``left_on``; entries are never deleted."""

    queryset = Member.objects.all()
    serializer_class = s.MemberSerializer
    input_serializer_classes = {
        "create": s.MemberCreateSerializer,
        "update": s.MemberUpdateSerializer,
        "partial_update": s.MemberUpdateSerializer,
    }
    filterset_class = MemberFilterSet
    ordering_fields = ["id", "name", "joined_on", "left_on"]
    ordering = ["id"]


@extend_schema_view(
    **_writes(
        s.ActivitySerializer, s.ActivityUpdateSerializer, create_write=s.ActivityCreateSerializer
    )
)
class ActivityViewSet(LedgerViewSet):
    """Activities held by the organisations in the caller's jurisdiction (item 18)."""

    queryset = Activity.objects.all()
    serializer_class = s.ActivitySerializer
    input_serializer_classes = {
        "create": s.ActivityCreateSerializer,
        "update": s.ActivityUpdateSerializer,
        "partial_update": s.ActivityUpdateSerializer,
    }
    filterset_class = ActivityFilterSet
    ordering_fields = ["id", "held_on", "participants"]
    ordering = ["-id"]


decision_schema = extend_schema(
    request=s.DecisionSerializer,
    responses={
        200: s.ApplicationSerializer,
        403: OpenApiResponse(ErrorSerializer, description="Your tier does not review it."),
        409: OpenApiResponse(
            ConflictSerializer,
            description="Already decided (by whom, when), or no longer applies.",
        ),
    },
)


@extend_schema_view(
    create=extend_schema(
        request=s.ApplicationSubmitSerializer,
        responses={201: s.ApplicationSerializer},
        summary="Submit an application (filing, registration or exit)",
    )
)
class ApplicationViewSet(
    ServiceCreateMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Filing, registration and exit applications (``kind``) of the organisations in the
    caller's jurisdiction. ``POST`` submits one; the actions decide, resubmit or withdraw it.
    A decision that lost a race, or no longer applies, is a 409 naming the current state."""

    queryset = Application.objects.all()
    serializer_class = s.ApplicationSerializer
    input_serializer_classes = {"create": s.ApplicationSubmitSerializer}
    filterset_class = ApplicationAPIFilterSet
    filter_backends = FILTER_BACKENDS
    pagination_class = CursorPagination
    ordering_fields = ["id", "submitted_at", "decided_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organisation", "submitted_by", "decided_by", "reversed_by")
        )

    def _decide(self, request, decision: str):
        body = s.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = self.perform_service(
            lifecycle.application_decide,
            application=self.get_object(),
            action=decision,
            reason=body.validated_data.get("reason", ""),
            effective_date=body.validated_data.get("effective_date"),
        )
        return self._answer(application)

    def _answer(self, application):
        fresh = self.get_queryset().get(pk=application.pk)
        return Response(s.ApplicationSerializer(fresh, context=self.get_serializer_context()).data)

    @decision_schema
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def approve(self, request, pk=None):
        """Approve (the reviewing tier): the organisation moves (filing number, credit code or
        exit recorded). The conditions are checked again first."""
        return self._decide(request, ApplicationAction.APPROVE)

    @decision_schema
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def reject(self, request, pk=None):
        """Reject (the reviewing tier), with a reason."""
        return self._decide(request, ApplicationAction.REJECT)

    @decision_schema
    @action(**ONE_OBJECT, methods=["post"], url_path="return", url_name="return", scope_action=VIEW)
    def return_(self, request, pk=None):
        """Return for correction (the reviewing tier), with a reason; the applicant resubmits."""
        return self._decide(request, ApplicationAction.RETURN)

    @extend_schema(request=s.ApplicationResubmitSerializer, responses=s.ApplicationSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def resubmit(self, request, pk=None):
        """Send a returned application back for review, corrected; the checklist is evaluated
        afresh."""
        body = s.ApplicationResubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = self.perform_service(
            lifecycle.application_resubmit, application=self.get_object(), **body.validated_data
        )
        return self._answer(application)

    @extend_schema(request=s.ReasonSerializer, responses=s.ApplicationSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def withdraw(self, request, pk=None):
        """Withdraw an open application (the tier that applied)."""
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = self.perform_service(
            lifecycle.application_withdraw,
            application=self.get_object(),
            reason=body.validated_data.get("reason", ""),
        )
        return self._answer(application)


def _masked(change, *, full: bool):
    """A member's field change with phone and ID numbers masked by the one rule."""
    old, new = mask_diff(change.field, change.old, change.new, full=full)
    return dataclasses.replace(change, old=old, new=new)
