"""Endpoints of the grading API: thin. Each validates input, calls a service
(``grading.services``) with ``acting_user=request.user`` and shows the result; scoping is the
base classes' (``core.api``). Nothing is deleted: every score and result is kept."""

from __future__ import annotations

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
    ScopedViewSetMixin,
    StrictOrderingFilter,
)
from core.scoping import VIEW
from grading import services
from grading.api import serializers as s
from grading.filters import (
    AssessmentApplicationFilterSet,
    CampaignFilterSet,
    EvaluationFilterSet,
    EvaluationResultFilterSet,
    ExpertFilterSet,
    ExpertPanelFilterSet,
    ExpertScoreFilterSet,
    GradeAwardFilterSet,
    SanctionFilterSet,
    strict,
)
from grading.models import (
    AssessmentApplication,
    AssessmentCampaign,
    Evaluation,
    EvaluationResult,
    EvaluationValue,
    Expert,
    ExpertPanel,
    ExpertScore,
    GradeAward,
    Sanction,
)
from grading.selectors import eligibility_list, expiring_awards
from registry.models import Organisation

FILTER_BACKENDS = [DjangoFilterBackend, StrictOrderingFilter]
#: an action on one object that takes a body and answers with one object
ONE_OBJECT = {"detail": True, "filter_backends": [], "pagination_class": None}
NO_DELETE = ["get", "post", "patch", "head", "options"]

STEP_RESPONSES = {
    403: OpenApiResponse(ErrorSerializer, description="Your tier does not take this step."),
    409: OpenApiResponse(
        ConflictSerializer, description="The step does not apply to the current state."
    ),
}


def step_schema(request, response):
    return extend_schema(request=request, responses={200: response, **STEP_RESPONSES})


class GradingViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    filter_backends = FILTER_BACKENDS
    pagination_class = CursorPagination
    http_method_names = NO_DELETE

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _answer(self, instance, serializer_class=None, code=status.HTTP_200_OK):
        fresh = self.get_queryset().model.objects.restrict(self.request.user, VIEW)
        fresh = self._decorate(fresh).get(pk=instance.pk)
        serializer_class = serializer_class or self.serializer_class
        return Response(
            serializer_class(fresh, context=self.get_serializer_context()).data, status=code
        )

    def _decorate(self, queryset):
        return queryset


# --- campaigns --------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=s.CampaignCreateSerializer,
        responses={201: s.CampaignSerializer, **STEP_RESPONSES},
        summary="Start a level assessment campaign (a draft)",
    ),
    partial_update=extend_schema(
        request=s.CampaignUpdateSerializer, responses={200: s.CampaignSerializer, **STEP_RESPONSES}
    ),
)
class AssessmentCampaignViewSet(GradingViewSet):
    """Level assessment campaigns (等级评估) of the districts in the caller's jurisdiction:
    draft → open for applications → scoring → public notice → final."""

    queryset = AssessmentCampaign.objects.select_related("district")
    serializer_class = s.CampaignSerializer
    filterset_class = strict(CampaignFilterSet)
    ordering_fields = ["id", "year", "application_deadline"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        data = self._body(s.CampaignCreateSerializer)
        campaign = self.perform_service(services.campaign_create, **data)
        return self._answer(campaign, code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        campaign = self.get_object()
        data = self._body(s.CampaignUpdateSerializer)
        campaign = self.perform_service(services.campaign_update, campaign=campaign, **data)
        return self._answer(campaign)

    def _step(self, service, **extra):
        campaign = self.get_object()  # 404 outside the jurisdiction before the body is read
        data = self._body(s.GradingReasonSerializer)
        campaign = self.perform_service(service, campaign=campaign, **data, **extra)
        return self._answer(campaign)

    @step_schema(s.GradingReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def open(self, request, pk=None):
        """Open the campaign for applications."""
        return self._step(services.campaign_open)

    @step_schema(s.GradingReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="start-scoring", scope_action=VIEW)
    def start_scoring(self, request, pk=None):
        """Close applications; the panels score."""
        return self._step(services.campaign_start_scoring)

    @step_schema(s.GradingReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="start-notice", scope_action=VIEW)
    def start_notice(self, request, pk=None):
        """Publish every result for public notice from today (409 while one has no result)."""
        return self._step(services.campaign_start_notice)

    @step_schema(s.GradingReasonSerializer, s.CampaignSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def finalise(self, request, pk=None):
        """Make the results final and award the grades (after the notice period, with no
        appeal pending)."""
        return self._step(services.campaign_finalise)

    @extend_schema(responses=s.EligibilitySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def eligibility(self, request, pk=None):
        """Every registered organisation of the campaign's district that the caller can see,
        with whether it may apply and why not."""
        campaign = self.get_object()
        rows = eligibility_list(campaign, Organisation.objects.restrict(request.user))
        return Response(s.EligibilitySerializer(rows, many=True).data)


# --- applications -----------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=s.ApplicationCreateSerializer,
        responses={201: s.AssessmentApplicationSerializer, **STEP_RESPONSES},
        summary="Apply in an open campaign (400 with every reason if not eligible)",
    )
)
class AssessmentApplicationViewSet(GradingViewSet):
    """Applications in level assessment campaigns, of the organisations in the caller's
    jurisdiction, with their results; the actions take them through scoring, notice, appeal and
    re-review."""

    queryset = AssessmentApplication.objects.select_related("campaign", "organisation")
    serializer_class = s.AssessmentApplicationSerializer
    filterset_class = strict(AssessmentApplicationFilterSet)
    ordering_fields = ["id", "score", "applied_on"]
    ordering = ["-id"]

    def _decorate(self, queryset):
        return queryset.select_related("campaign", "organisation")

    def create(self, request, *args, **kwargs):
        data = self._body(s.ApplicationCreateSerializer)
        application = self.perform_service(services.application_create, **data)
        return self._answer(application, code=status.HTTP_201_CREATED)

    def _step(self, service, body=s.GradingReasonSerializer):
        application = self.get_object()  # 404 outside the jurisdiction before the body is read
        data = self._body(body)
        application = self.perform_service(service, application=application, **data)
        return self._answer(application)

    @step_schema(s.GradingRequiredReasonSerializer, s.AssessmentApplicationSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def refuse(self, request, pk=None):
        """Refuse the application before it is scored, saying why."""
        return self._step(services.application_refuse, s.GradingRequiredReasonSerializer)

    @step_schema(s.AssignPanelSerializer, s.AssessmentApplicationSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="assign-panel", scope_action=VIEW)
    def assign_panel(self, request, pk=None):
        """Give the application its review panel, or once appealed its re-review panel."""
        return self._step(services.application_assign_panel, s.AssignPanelSerializer)

    @extend_schema(
        request=s.ScoreSheetSerializer,
        responses={201: s.ExpertScoreSerializer(many=True), **STEP_RESPONSES},
    )
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def scores(self, request, pk=None):
        """Record one expert's points on indicators, in the current round. All or nothing: a
        score above the indicator's maximum or below zero, or a second score by the same expert
        for the same indicator, is a 400 naming the indicator, and nothing is stored."""
        application = self.get_object()  # 404 outside the jurisdiction, whatever the body
        data = self._body(s.ScoreSheetSerializer)
        rows = self.perform_service(
            _record_scores,
            application=application,
            expert=data["expert"],
            scores=[(item["indicator"], item["points"]) for item in data["scores"]],
            note=data.get("note", ""),
        )
        fresh = ExpertScore.objects.filter(pk__in=[row.pk for row in rows]).select_related(
            "expert", "indicator"
        )
        return Response(
            s.ExpertScoreSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED
        )

    @step_schema(s.GradingReasonSerializer, s.AssessmentApplicationSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def compute(self, request, pk=None):
        """Compute the score and grade once every panel expert has scored every indicator."""
        return self._step(services.application_compute)

    @step_schema(s.GradingRequiredReasonSerializer, s.AssessmentApplicationSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def appeal(self, request, pk=None):
        """Appeal the result during the public notice period (the organisation's leader or the
        district bureau), saying why."""
        return self._step(services.application_appeal, s.GradingRequiredReasonSerializer)

    @step_schema(s.GradingRequiredReasonSerializer, s.AssessmentApplicationSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="dismiss-appeal", scope_action=VIEW)
    def dismiss_appeal(self, request, pk=None):
        """Dismiss the appeal, saying why: the result stands."""
        return self._step(services.application_dismiss_appeal, s.GradingRequiredReasonSerializer)

    @step_schema(s.GradingReasonSerializer, s.AssessmentApplicationSerializer)
    @action(**ONE_OBJECT, methods=["post"], url_path="re-review", scope_action=VIEW)
    def re_review(self, request, pk=None):
        """Replace the result by the re-review panel's (every re-review expert must have scored
        every indicator); the first result is kept."""
        return self._step(services.application_re_review)


class _Scores(list):
    """The rows a score sheet stored, checked like any other write's result."""

    def is_within(self, user, action):
        return all(row.is_within(user, action) for row in self)


def _record_scores(**kwargs):
    return _Scores(services.scores_record(**kwargs))


class ExpertScoreViewSet(GradingViewSet):
    """Every score every expert gave (never changed, never deleted), of the applications in the
    caller's jurisdiction."""

    queryset = ExpertScore.objects.select_related("expert", "indicator")
    serializer_class = s.ExpertScoreSerializer
    filterset_class = strict(ExpertScoreFilterSet)
    ordering_fields = ["id", "entered_at"]
    ordering = ["id"]
    http_method_names = ["get", "head", "options"]


# --- experts and panels -----------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=s.ExpertCreateSerializer, responses={201: s.ExpertSerializer, **STEP_RESPONSES}
    )
)
class ExpertViewSet(GradingViewSet):
    """Assessment experts of the districts in the caller's jurisdiction."""

    queryset = Expert.objects.all()
    serializer_class = s.ExpertSerializer
    filterset_class = strict(ExpertFilterSet)
    ordering_fields = ["id", "name"]
    ordering = ["id"]

    def create(self, request, *args, **kwargs):
        data = self._body(s.ExpertCreateSerializer)
        expert = self.perform_service(services.expert_create, **data)
        return self._answer(expert, code=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(
        request=s.ExpertPanelCreateSerializer,
        responses={201: s.ExpertPanelSerializer, **STEP_RESPONSES},
    ),
    partial_update=extend_schema(
        request=s.ExpertPanelUpdateSerializer,
        responses={200: s.ExpertPanelSerializer, **STEP_RESPONSES},
    ),
)
class ExpertPanelViewSet(GradingViewSet):
    """Review and re-review panels of the campaigns in the caller's jurisdiction."""

    queryset = ExpertPanel.objects.prefetch_related("experts")
    serializer_class = s.ExpertPanelSerializer
    filterset_class = strict(ExpertPanelFilterSet)
    ordering_fields = ["id"]
    ordering = ["id"]

    def _decorate(self, queryset):
        return queryset.prefetch_related("experts")

    def create(self, request, *args, **kwargs):
        data = self._body(s.ExpertPanelCreateSerializer)
        panel = self.perform_service(services.panel_create, **data)
        return self._answer(panel, code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        panel = self.get_object()
        data = self._body(s.ExpertPanelUpdateSerializer)
        panel = self.perform_service(services.panel_update, panel=panel, **data)
        return self._answer(panel)


# --- grades -----------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=s.GradeAwardCreateSerializer,
        responses={201: s.GradeAwardSerializer, **STEP_RESPONSES},
        summary="Record a grade awarded before the system",
    )
)
class GradeAwardViewSet(GradingViewSet):
    """Grades of the organisations in the caller's jurisdiction, with ended and revoked ones;
    ``?current=true`` for those in force today, ``?level_min=3`` for 3A and above."""

    queryset = GradeAward.objects.select_related("organisation")
    serializer_class = s.GradeAwardSerializer
    filterset_class = strict(GradeAwardFilterSet)
    ordering_fields = ["id", "awarded_on", "valid_until", "level"]
    ordering = ["-id"]

    def _decorate(self, queryset):
        return queryset.select_related("organisation")

    def create(self, request, *args, **kwargs):
        data = self._body(s.GradeAwardCreateSerializer)
        award = self.perform_service(services.grade_award_record, **data)
        return self._answer(award, code=status.HTTP_201_CREATED)

    @step_schema(s.GradingDateReasonSerializer, s.GradeAwardSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def revoke(self, request, pk=None):
        """Withdraw the grade from the given day, saying why (the district bureau)."""
        award = self.get_object()
        data = self._body(s.GradingDateReasonSerializer)
        award = self.perform_service(
            services.grade_award_revoke,
            award=award,
            revoked_on=data["on"],
            reason=data["reason"],
        )
        return self._answer(award)

    @extend_schema(responses=s.GradeAwardSerializer(many=True))
    @action(detail=False, methods=["get"])
    def expiring(self, request):
        """Grades in force today that expire within six months, soonest first."""
        rows = expiring_awards(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- rewards and penalties --------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=s.SanctionCreateSerializer,
        responses={201: s.SanctionSerializer, **STEP_RESPONSES},
    )
)
class SanctionViewSet(GradingViewSet):
    """Rewards and penalties of the organisations in the caller's jurisdiction. An open penalty
    bars level assessment; both count in comprehensive evaluation."""

    queryset = Sanction.objects.select_related("organisation")
    serializer_class = s.SanctionSerializer
    filterset_class = strict(SanctionFilterSet)
    ordering_fields = ["id", "decided_on"]
    ordering = ["-id"]

    def _decorate(self, queryset):
        return queryset.select_related("organisation")

    def create(self, request, *args, **kwargs):
        data = self._body(s.SanctionCreateSerializer)
        sanction = self.perform_service(services.sanction_create, **data)
        return self._answer(sanction, code=status.HTTP_201_CREATED)

    @step_schema(s.GradingDateReasonSerializer, s.SanctionSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def close(self, request, pk=None):
        """Close an open penalty from the given day (fulfilled or lifted), saying why."""
        sanction = self.get_object()
        data = self._body(s.GradingDateReasonSerializer)
        sanction = self.perform_service(
            services.sanction_close,
            sanction=sanction,
            closed_on=data["on"],
            reason=data["reason"],
        )
        return self._answer(sanction)


# --- comprehensive evaluation -----------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=s.EvaluationCreateSerializer,
        responses={201: s.EvaluationSerializer, **STEP_RESPONSES},
        summary="Start a comprehensive evaluation (a street or a community)",
    )
)
class EvaluationViewSet(GradingViewSet):
    """Comprehensive evaluations (综合评价) run by the streets and communities in the caller's
    jurisdiction."""

    queryset = Evaluation.objects.select_related("division")
    serializer_class = s.EvaluationSerializer
    filterset_class = strict(EvaluationFilterSet)
    ordering_fields = ["id", "period_end"]
    ordering = ["-id"]

    def _decorate(self, queryset):
        return queryset.select_related("division")

    def create(self, request, *args, **kwargs):
        data = self._body(s.EvaluationCreateSerializer)
        evaluation = self.perform_service(services.evaluation_create, **data)
        return self._answer(evaluation, code=status.HTTP_201_CREATED)

    @step_schema(s.GradingReasonSerializer, s.EvaluationSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def publish(self, request, pk=None):
        """Compute the totals, rank and publish (400 while a value is missing)."""
        data = self._body(s.GradingReasonSerializer)
        evaluation = self.perform_service(
            services.evaluation_publish, evaluation=self.get_object(), **data
        )
        return self._answer(evaluation)


class EvaluationResultViewSet(GradingViewSet):
    """Each organisation's result in the evaluations of the caller's jurisdiction, with its
    dimension values (pre-filled ones show the system's value and its basis)."""

    queryset = EvaluationResult.objects.select_related("organisation").prefetch_related(
        Prefetch("values", queryset=EvaluationValue.objects.order_by("pk"))
    )
    serializer_class = s.EvaluationResultSerializer
    filterset_class = strict(EvaluationResultFilterSet)
    ordering_fields = ["id", "rank"]
    ordering = ["id"]

    def _decorate(self, queryset):
        return queryset.select_related("organisation").prefetch_related("values")

    @step_schema(s.ValuesInputSerializer, s.EvaluationResultSerializer)
    @action(**ONE_OBJECT, methods=["post"], scope_action=VIEW)
    def values(self, request, pk=None):
        """Enter or adjust dimension values (0-100) before publication; changing a pre-filled
        value needs a note. Every problem at once, nothing stored."""
        data = self._body(s.ValuesInputSerializer)
        result = self.perform_service(
            services.evaluation_values_set,
            result=self.get_object(),
            values=[dict(item) for item in data["values"]],
            reason=data.get("reason", ""),
        )
        return self._answer(result)
