"""Endpoints of the selection API: thin. Each validates input, calls a service
(``selection.services``) with ``acting_user=request.user`` and shows the result; scoping is the
base classes' (``core.api``). Experts reach their reviews through ``reviews/`` (what they are
assigned, as blind review allows); the public reaches published results through ``public/``."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core.api import (
    ConflictSerializer,
    CursorPagination,
    ErrorSerializer,
    KnownQueryParametersMixin,
    ScopedViewSetMixin,
    StrictOrderingFilter,
    api_language,
)
from core.exceptions import OutOfJurisdiction
from core.scoping import VIEW
from selection import exports, selectors, services
from selection.api import serializers as s
from selection.filters import (
    AssignmentFilterSet,
    CampaignFilterSet,
    EntryFilterSet,
    ObjectionFilterSet,
    ScoreSheetFilterSet,
    strict,
)
from selection.models import (
    Assignment,
    Campaign,
    Category,
    Entry,
    Objection,
    ScoreSheet,
    Stage,
)

FILTER_BACKENDS = [DjangoFilterBackend, StrictOrderingFilter]
ONE_OBJECT = {"detail": True, "filter_backends": [], "pagination_class": None}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STEP_RESPONSES = {
    403: OpenApiResponse(ErrorSerializer, description="Your tier does not take this step."),
    409: OpenApiResponse(
        ConflictSerializer, description="The step does not apply to the current state."
    ),
}


def step_schema(request, response):
    return extend_schema(request=request, responses={200: response, **STEP_RESPONSES})


class SelectionViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    filter_backends = FILTER_BACKENDS
    pagination_class = CursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _answer(self, instance, serializer_class=None, code=status.HTTP_200_OK):
        fresh = type(instance).objects.restrict(self.request.user, VIEW).get(pk=instance.pk)
        serializer_class = serializer_class or self.serializer_class
        return Response(
            serializer_class(fresh, context=self.get_serializer_context()).data, status=code
        )


def _as_of(request) -> datetime.datetime | None:
    raw = request.query_params.get("as_of")
    if not raw:
        return None
    try:
        moment = parse_datetime(raw[:40]) if "\x00" not in raw else None
    except ValueError:  # well-formed but impossible (a 13th month)
        moment = None
    if moment is None:
        raise exceptions.ValidationError(
            {"as_of": [_("Give a moment as 2023-07-03T12:00:00+08:00.")]}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _internal(user, campaign: Campaign) -> Campaign:
    """The campaign if ``user`` may see its internal records (rankings, working results)."""
    found = Campaign.objects.internal(user).filter(pk=campaign.pk).first()
    if found is None:
        raise OutOfJurisdiction()
    return found


class CampaignViewSet(SelectionViewSet):
    """Selection campaigns (案例征集) the caller's jurisdiction organises, watches, or may take
    part in: draft → under way (stages in order) → public notice → results final → closed."""

    queryset = Campaign.objects.select_related("organiser").prefetch_related(
        "categories", "stages__criteria"
    )
    serializer_class = s.CampaignSerializer
    filterset_class = strict(CampaignFilterSet)
    ordering_fields = ["id", "year"]
    ordering = ["-id"]

    @extend_schema(request=s.CampaignCreateSerializer, responses={201: s.CampaignSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(self._body(s.CampaignCreateSerializer))
        data["categories"] = [dict(c) for c in data["categories"]]
        data["stages"] = [
            {**dict(stage), "criteria": [dict(c) for c in stage.get("criteria", [])]}
            for stage in data["stages"]
        ]
        campaign = self.perform_service(services.campaign_create, **data)
        return self._answer(campaign, code=status.HTTP_201_CREATED)

    def _step(self, service, body=s.ReasonSerializer, **extra):
        data = self._body(body)
        campaign = self.perform_service(service, campaign=self.get_object(), **data, **extra)
        return self._answer(campaign)

    @step_schema(s.ReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def open(self, request, pk=None):
        """Open the call: the collection stage starts."""
        return self._step(services.campaign_open)

    @step_schema(s.ReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="start-notice", scope_action=VIEW)
    def start_notice(self, request, pk=None):
        """Put the results on public notice from today."""
        data = self._body(s.ReasonSerializer)
        campaign = self.get_object()
        self.perform_service_run(services.campaign_start_notice, campaign=campaign, **data)
        return self._answer(campaign)

    @step_schema(s.RequiredReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def reopen(self, request, pk=None):
        """Withdraw the notice to correct the results."""
        return self._step(services.campaign_reopen, body=s.RequiredReasonSerializer)

    @step_schema(s.ReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def finalise(self, request, pk=None):
        """Make the results final (after the notice, every objection answered)."""
        data = self._body(s.ReasonSerializer)
        campaign = self.get_object()
        self.perform_service_run(services.campaign_finalise, campaign=campaign, **data)
        return self._answer(campaign)

    @step_schema(s.ReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def close(self, request, pk=None):
        """Close the campaign once every stage is closed."""
        return self._step(services.campaign_close)

    def perform_service_run(self, service, **kwargs):
        # A service whose result is a run, not the campaign: the campaign is checked instead.
        with transaction.atomic():
            service(acting_user=self.request.user, **kwargs)
            self._check_still_in_scope(kwargs["campaign"])

    @step_schema(s.FormulaSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def formula(self, request, pk=None):
        """Publish a new version of the results formula (weights add up to 100)."""
        data = self._body(s.FormulaSerializer)
        campaign = self.get_object()
        self.perform_service_run(services.formula_publish, campaign=campaign, **data)
        return self._answer(campaign)

    @step_schema(s.CutSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def cut(self, request, pk=None):
        """Decide the shortlist or the top entries of a category (ties decided explicitly)."""
        data = dict(self._body(s.CutSerializer))
        campaign = self.get_object()
        category = Category.objects.filter(pk=data.pop("category"), campaign=campaign).first()
        if category is None:
            raise exceptions.ValidationError(
                {"category": [_("Choose one of the call's categories.")]}
            )
        with transaction.atomic():
            services.cut_decide(category=category, acting_user=request.user, **data)
        return self._answer(campaign)

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", str, description="Recompute as of this moment (ISO 8601).")
        ],
        responses=s.ResultRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def results(self, request, pk=None):
        """The results by the formula, per category, with the breakdown of every entry; with
        ``as_of``, as they were at that moment (recomputed from the history)."""
        campaign = _internal(request.user, self.get_object())
        results = selectors.compute_results(campaign, as_of=_as_of(request))
        return Response(s.ResultRowSerializer(results.rows, many=True).data)

    @extend_schema(responses={(200, XLSX): OpenApiResponse(description="The workbook")})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def workbook(self, request, pk=None):
        """The results and score sheets as an .xlsx workbook."""
        campaign = _internal(request.user, self.get_object())
        content = exports.results_workbook(campaign, as_of=_as_of(request))
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="selection-{campaign.pk}.xlsx"'
        return response


class StageViewSet(SelectionViewSet):
    """The stages of the campaigns the caller sees; the organiser starts and closes them."""

    queryset = Stage.objects.select_related("campaign").prefetch_related("criteria")
    serializer_class = s.StageSerializer
    ordering_fields = ["id", "position"]
    ordering = ["id"]

    def _step(self, service, body=s.ReasonSerializer):
        data = self._body(body)
        stage = self.perform_service(service, stage=self.get_object(), **data)
        return self._answer(stage)

    @step_schema(s.ReasonSerializer, s.StageSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def open(self, request, pk=None):
        """Start the stage (every earlier stage closed)."""
        return self._step(services.stage_open)

    @step_schema(s.ReasonSerializer, s.StageSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def close(self, request, pk=None):
        """Close the stage (a scored one once every sheet is in)."""
        return self._step(services.stage_close)

    @step_schema(s.RequiredReasonSerializer, s.StageSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def reopen(self, request, pk=None):
        """Open a closed stage again to correct it."""
        return self._step(services.stage_reopen, body=s.RequiredReasonSerializer)

    @step_schema(s.BalanceSerializer, s.AssignmentSerializer(many=True))
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def balance(self, request, pk=None):
        """Assign experts to every entry, balanced, never with a conflict."""
        data = self._body(s.BalanceSerializer)
        with transaction.atomic():
            created = services.assignments_balance(
                stage=self.get_object(), acting_user=request.user, **data
            )
        return Response(s.AssignmentSerializer(created, many=True).data)


class EntryViewSet(SelectionViewSet):
    """Entries of the caller's jurisdiction (an organisation's leader: its own)."""

    queryset = Entry.objects.select_related(
        "category", "organisation", "division", "campaign"
    ).prefetch_related("pictures")
    serializer_class = s.EntrySerializer
    filterset_class = strict(EntryFilterSet)
    ordering_fields = ["id", "submitted_at"]
    ordering = ["-id"]

    @extend_schema(request=s.EntryCreateSerializer, responses={201: s.EntrySerializer})
    def create(self, request, *args, **kwargs):
        data = self._body(s.EntryCreateSerializer)
        entry = self.perform_service(services.entry_create, **data)
        return self._answer(entry, code=status.HTTP_201_CREATED)

    @extend_schema(request=s.EntryUpdateSerializer, responses=s.EntrySerializer)
    def partial_update(self, request, *args, **kwargs):
        data = self._body(s.EntryUpdateSerializer)
        entry = self.perform_service(services.entry_update, entry=self.get_object(), **data)
        return self._answer(entry)

    @step_schema(s.PicturesSerializer, s.EntrySerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def pictures(self, request, pk=None):
        """Add pictures (base64): checked by content and size; the call's number is kept."""
        body = s.PicturesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = self.get_object()
        with transaction.atomic():
            services.pictures_add(entry=entry, uploads=body.uploads(), acting_user=request.user)
        return self._answer(entry)

    @step_schema(s.SubmitSerializer, s.EntrySerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def submit(self, request, pk=None):
        """Submit (or submit again after correction)."""
        data = self._body(s.SubmitSerializer)
        entry = self.perform_service(services.entry_submit, entry=self.get_object(), **data)
        return self._answer(entry)

    @step_schema(s.ReturnSerializer, s.EntrySerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="return", scope_action=VIEW)
    def return_for_correction(self, request, pk=None):
        """The organiser returns it for correction, saying what to correct."""
        data = self._body(s.ReturnSerializer)
        entry = self.perform_service(services.entry_return, entry=self.get_object(), **data)
        return self._answer(entry)

    @step_schema(s.RequiredReasonSerializer, s.EntrySerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def withdraw(self, request, pk=None):
        data = self._body(s.RequiredReasonSerializer)
        entry = self.perform_service(services.entry_withdraw, entry=self.get_object(), **data)
        return self._answer(entry)

    @step_schema(s.ReviseSerializer, s.EntrySerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def revise(self, request, pk=None):
        """A revised version during coaching."""
        data = self._body(s.ReviseSerializer)
        entry = self.get_object()
        with transaction.atomic():
            services.entry_revise(entry=entry, acting_user=request.user, **data)
        return self._answer(entry)

    @step_schema(s.ReasonSerializer, s.EntrySerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def lock(self, request, pk=None):
        """Lock the newest version as the one published."""
        data = self._body(s.ReasonSerializer)
        entry = self.perform_service(services.entry_lock_final, entry=self.get_object(), **data)
        return self._answer(entry)

    @extend_schema(responses=s.RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def revisions(self, request, pk=None):
        """Every version, oldest first."""
        entry = self.get_object()
        return Response(s.RevisionSerializer(entry.revisions.order_by("number"), many=True).data)


class AssignmentViewSet(SelectionViewSet):
    """Who reviews what, in the campaigns the caller organises (or watches from above)."""

    queryset = Assignment.objects.select_related("expert", "entry")
    serializer_class = s.AssignmentSerializer
    filterset_class = strict(AssignmentFilterSet)
    ordering_fields = ["id"]
    ordering = ["id"]

    @extend_schema(request=s.AssignmentCreateSerializer, responses={201: s.AssignmentSerializer})
    def create(self, request, *args, **kwargs):
        data = self._body(s.AssignmentCreateSerializer)
        assignment = self.perform_service(services.assignment_create, **data)
        return self._answer(assignment, code=status.HTTP_201_CREATED)


class ScoreSheetViewSet(SelectionViewSet):
    """Every score sheet (with the voided ones) of the campaigns the caller organises."""

    queryset = ScoreSheet.objects.all()
    serializer_class = s.SheetSerializer
    filterset_class = strict(ScoreSheetFilterSet)
    ordering_fields = ["id", "submitted_at"]
    ordering = ["id"]
    http_method_names = ["get", "post", "head", "options"]

    @step_schema(s.RequiredReasonSerializer, s.SheetSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def void(self, request, pk=None):
        """Void a sheet (kept, with who and why) so that the expert scores again."""
        data = self._body(s.RequiredReasonSerializer)
        sheet = self.perform_service(services.sheet_void, sheet=self.get_object(), **data)
        return self._answer(sheet)


class ObjectionViewSet(SelectionViewSet):
    """Objections raised during the public notice of the campaigns the caller organises."""

    queryset = Objection.objects.all()
    serializer_class = s.ObjectionSerializer
    filterset_class = strict(ObjectionFilterSet)
    ordering_fields = ["id", "filed_on"]
    ordering = ["id"]

    @extend_schema(request=s.ObjectionCreateSerializer, responses={201: s.ObjectionSerializer})
    def create(self, request, *args, **kwargs):
        data = self._body(s.ObjectionCreateSerializer)
        objection = self.perform_service(services.objection_file, **data)
        return self._answer(objection, code=status.HTTP_201_CREATED)

    @step_schema(s.AnswerSerializer, s.ObjectionSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def answer(self, request, pk=None):
        data = self._body(s.AnswerSerializer)
        objection = self.perform_service(
            services.objection_answer, objection=self.get_object(), **data
        )
        return self._answer(objection)


class ReviewViewSet(
    KnownQueryParametersMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own reviews as an expert: each assigned entry as blind review allows, the
    criteria and their sheet. Scoped by ``Assignment.objects.for_expert``: another expert's
    review is 404."""

    authentication_classes = ScopedViewSetMixin.authentication_classes
    parser_classes = ScopedViewSetMixin.parser_classes
    schema = ScopedViewSetMixin.schema
    permission_classes = [IsAuthenticated]
    serializer_class = s.ReviewSerializer
    pagination_class = CursorPagination
    ordering = ["id"]
    filter_backends = []

    def initial(self, request, *args, **kwargs):
        translation.activate(api_language(request))
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        return (
            Assignment.objects.for_expert(self.request.user)
            .select_related("stage__campaign", "entry__category", "entry__organisation")
            .prefetch_related("stage__criteria", "sheets", "entry__pictures", "entry__attachments")
            .order_by("id")
        )

    @extend_schema(
        request=s.SheetInputSerializer, responses={201: s.SheetSerializer, **STEP_RESPONSES}
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def sheet(self, request, pk=None):
        """Score the entry (once; every criterion within its scale)."""
        assignment = self.get_object()
        body = s.SheetInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            sheet = services.sheet_submit(
                stage=assignment.stage,
                entry=assignment.entry,
                expert=assignment.expert,
                acting_user=request.user,
                **body.validated_data,
            )
        return Response(s.SheetSerializer(sheet).data, status=status.HTTP_201_CREATED)


class PublicResultViewSet(KnownQueryParametersMixin, viewsets.GenericViewSet):
    """Published results of campaigns whose results are final: no personal data."""

    permission_classes = [AllowAny]
    authentication_classes = []
    queryset = Campaign.objects.public()
    serializer_class = s.PublicResultSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(responses=s.PublicResultSerializer(many=True))
    def retrieve(self, request, pk=None):
        campaign = self.get_object()
        return Response(
            s.PublicResultSerializer(selectors.public_results(campaign), many=True).data
        )
