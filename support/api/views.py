"""Endpoints of the support API: thin. Each validates its input, calls a service
(``support.services``) with ``acting_user=request.user`` and shows the result; scoping is the
base classes' (``core.api``). Nothing is deleted: residencies end, projects are accepted or
closed, pairings end with a review."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
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
from support import services
from support.api import serializers as s
from support.filters import (
    AttendanceFilterSet,
    DonationFilterSet,
    FundFilterSet,
    PairingFilterSet,
    PlatformFilterSet,
    ProgrammeFilterSet,
    ProjectFilterSet,
    RecommendationFilterSet,
    ResidencyFilterSet,
    RoundFilterSet,
    StagePeriodFilterSet,
    SupportServiceFilterSet,
    TrainingProgrammeFilterSet,
    TrainingSessionFilterSet,
    strict,
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
from support.selectors import with_finances

FILTER_BACKENDS = [DjangoFilterBackend, StrictOrderingFilter]
ONE_OBJECT = {"detail": True, "filter_backends": [], "pagination_class": None}
STEP_RESPONSES = {
    403: OpenApiResponse(ErrorSerializer, description="Your tier or role does not do this."),
    409: OpenApiResponse(ConflictSerializer, description="It does not apply to the current state."),
}


def writes(request, response, code=200):
    return extend_schema(request=request, responses={code: response, **STEP_RESPONSES})


class SupportViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """List and detail, scoped; ``create`` through ``create_service`` with the body of
    ``create_serializer`` when the viewset has them."""

    filter_backends = FILTER_BACKENDS
    pagination_class = CursorPagination
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["id"]
    ordering = ["-id"]
    create_serializer = None
    create_service = None

    def _body(self, serializer_class) -> dict:
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    def _answer(self, instance, serializer_class=None, code=status.HTTP_200_OK):
        model = self.queryset.model
        fresh = self.decorate(model.objects.restrict(self.request.user, VIEW)).get(pk=instance.pk)
        serializer_class = serializer_class or self.serializer_class
        return Response(
            serializer_class(fresh, context=self.get_serializer_context()).data, status=code
        )

    def decorate(self, queryset):
        return queryset

    def get_queryset(self):
        return self.decorate(super().get_queryset())

    def create(self, request, *args, **kwargs):
        data = self._body(self.create_serializer)
        instance = self.perform_service(type(self).create_service, **self.service_kwargs(data))
        return self._answer(instance, code=status.HTTP_201_CREATED)

    def service_kwargs(self, data: dict) -> dict:
        return data


class PlatformViewSet(SupportViewSet):
    """Support platforms (孵化基地, service centres, federations) at the districts, streets and
    communities in the caller's jurisdiction; an operator sees its own platform."""

    queryset = SupportPlatform.objects.select_related("division", "operator")
    serializer_class = s.PlatformSerializer
    filterset_class = strict(PlatformFilterSet)
    ordering_fields = ["id", "name", "opened_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_serializer = s.PlatformCreateSerializer
    create_service = staticmethod(services.platform_create)

    @writes(s.PlatformCreateSerializer, s.PlatformSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @writes(s.PlatformUpdateSerializer, s.PlatformSerializer)
    def partial_update(self, request, *args, **kwargs):
        platform = self.get_object()
        data = self._body(s.PlatformUpdateSerializer)
        platform = self.perform_service(services.platform_update, platform=platform, **data)
        return self._answer(platform)

    @writes(s.OperatorAssignSerializer, s.PlatformSerializer)
    @action(methods=["post"], url_path="operator", **ONE_OBJECT)
    def operator(self, request, pk=None):
        """Bind a platform-operator account to this platform (it then sees its residents)."""
        platform = self.get_object()
        data = self._body(s.OperatorAssignSerializer)
        self.perform_service(
            services.operator_assign,
            platform=platform,
            user=data["username"],
            reason=data.get("reason", ""),
        )
        return self._answer(platform)

    @writes(s.ContractCreateSerializer, s.ContractSerializer, 201)
    @action(methods=["post"], url_path="contracts", **ONE_OBJECT)
    def contracts(self, request, pk=None):
        """Record the purchase-of-service contract under which an organisation runs it."""
        platform = self.get_object()
        data = self._body(s.ContractCreateSerializer)
        contract = self.perform_service(services.contract_record, platform=platform, **data)
        # a contract is shown through its platform's jurisdiction
        return Response(s.ContractSerializer(contract).data, status=status.HTTP_201_CREATED)


class ResidencyViewSet(SupportViewSet):
    """Organisations resident at, or incubated by, a platform."""

    queryset = Residency.objects.select_related("platform", "organisation")
    serializer_class = s.ResidencySerializer
    filterset_class = strict(ResidencyFilterSet)
    ordering_fields = ["id", "started_on"]
    create_serializer = s.ResidencyCreateSerializer
    create_service = staticmethod(services.residency_start)

    @writes(s.ResidencyCreateSerializer, s.ResidencySerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @writes(s.DateReasonSerializer, s.ResidencySerializer)
    @action(methods=["post"], **ONE_OBJECT)
    def graduate(self, request, pk=None):
        """The incubated organisation graduates; after-care may follow."""
        data = self._body(s.DateReasonSerializer)
        residency = self.perform_service(
            services.residency_graduate,
            residency=self.get_object(),
            graduated_on=data["on"],
            reason=data.get("reason", ""),
        )
        return self._answer(residency)

    @writes(s.DateReasonSerializer, s.ResidencySerializer)
    @action(methods=["post"], url_path="end", **ONE_OBJECT)
    def end(self, request, pk=None):
        """The organisation leaves the platform."""
        data = self._body(s.DateReasonSerializer)
        residency = self.perform_service(
            services.residency_end,
            residency=self.get_object(),
            ended_on=data["on"],
            reason=data.get("reason", ""),
        )
        return self._answer(residency)


class StagePeriodViewSet(SupportViewSet):
    """Organisations' stages over time (start-up, development, mature, graduated)."""

    queryset = StagePeriod.objects.all()
    serializer_class = s.StagePeriodSerializer
    filterset_class = strict(StagePeriodFilterSet)
    ordering_fields = ["id", "starts_on"]
    create_serializer = s.StageCreateSerializer
    create_service = staticmethod(services.stage_record)

    @writes(s.StageCreateSerializer, s.StagePeriodSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class SupportServiceViewSet(SupportViewSet):
    """Services given by platforms to the organisations they host, by category."""

    queryset = SupportService.objects.all()
    serializer_class = s.SupportServiceSerializer
    filterset_class = strict(SupportServiceFilterSet)
    ordering_fields = ["id", "provided_on"]
    create_serializer = s.SupportServiceCreateSerializer
    create_service = staticmethod(services.service_record)

    @writes(s.SupportServiceCreateSerializer, s.SupportServiceSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class ProgrammeViewSet(SupportViewSet):
    """Funding programmes of each kind (venture philanthropy, start-up support, activity
    grants, micro-projects, welfare-lottery funds, community funds)."""

    queryset = FundingProgramme.objects.select_related("division")
    serializer_class = s.ProgrammeSerializer
    filterset_class = strict(ProgrammeFilterSet)
    create_serializer = s.ProgrammeCreateSerializer
    create_service = staticmethod(services.programme_create)

    @writes(s.ProgrammeCreateSerializer, s.ProgrammeSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class RoundViewSet(SupportViewSet):
    """Rounds of the programmes."""

    queryset = FundingRound.objects.all()
    serializer_class = s.RoundSerializer
    filterset_class = strict(RoundFilterSet)
    ordering_fields = ["id", "year"]
    create_serializer = s.RoundCreateSerializer
    create_service = staticmethod(services.round_create)

    @writes(s.RoundCreateSerializer, s.RoundSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @writes(s.RoundStepSerializer, s.RoundSerializer)
    @action(methods=["post"], **ONE_OBJECT)
    def step(self, request, pk=None):
        """Move the round on: open → review → awarded → closed."""
        data = self._body(s.RoundStepSerializer)
        funding_round = self.perform_service(
            services.round_step, funding_round=self.get_object(), **data
        )
        return self._answer(funding_round)


class ProjectViewSet(SupportViewSet):
    """Awarded projects: organisation, amount approved, custodian, money paid out and spent."""

    queryset = FundedProject.objects.select_related("round__programme", "organisation", "custodian")
    serializer_class = s.ProjectSerializer
    filterset_class = strict(ProjectFilterSet)
    ordering_fields = ["id", "approved_on", "amount_approved"]
    create_serializer = s.ProjectCreateSerializer
    create_service = staticmethod(services.project_award)

    def decorate(self, queryset):
        return with_finances(queryset)

    def service_kwargs(self, data: dict) -> dict:
        data["funding_round"] = data.pop("round")
        data["budget_lines"] = [
            (line["item"], line["amount"]) for line in data.pop("budget_lines", [])
        ]
        return data

    @writes(s.ProjectCreateSerializer, s.ProjectSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @writes(s.DisbursementCreateSerializer, s.DisbursementSerializer, 201)
    @action(methods=["post"], **ONE_OBJECT)
    def disburse(self, request, pk=None):
        """Pay money out (to the custodian where there is one); never more than approved."""
        data = self._body(s.DisbursementCreateSerializer)
        paid = self.perform_service(services.disbursement_record, project=self.get_object(), **data)
        return Response(s.DisbursementSerializer(paid).data, status=status.HTTP_201_CREATED)

    @writes(s.ProgressReportCreateSerializer, s.ProgressReportSerializer, 201)
    @action(methods=["post"], **ONE_OBJECT)
    def progress(self, request, pk=None):
        """Report progress: person-times served, volunteer hours, spending, activities."""
        data = self._body(s.ProgressReportCreateSerializer)
        report = self.perform_service(
            services.progress_report_submit, project=self.get_object(), **data
        )
        return Response(s.ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @writes(s.ProjectDecisionSerializer, s.ProjectSerializer)
    @action(methods=["post"], **ONE_OBJECT)
    def decide(self, request, pk=None):
        """Accept the project at its end, refuse acceptance, or terminate it."""
        data = self._body(s.ProjectDecisionSerializer)
        project = self.perform_service(services.project_decide, project=self.get_object(), **data)
        return self._answer(project)


class FundViewSet(SupportViewSet):
    """Community funds and their balances."""

    queryset = CommunityFund.objects.select_related("division", "manager")
    serializer_class = s.FundSerializer
    filterset_class = strict(FundFilterSet)
    create_serializer = s.FundCreateSerializer
    create_service = staticmethod(services.fund_create)

    @writes(s.FundCreateSerializer, s.FundSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class DonationViewSet(SupportViewSet):
    """Donations to community funds: money or goods, by donor kind."""

    queryset = Donation.objects.select_related("fund")
    serializer_class = s.DonationSerializer
    filterset_class = strict(DonationFilterSet)
    ordering_fields = ["id", "received_on", "amount"]
    create_serializer = s.DonationCreateSerializer
    create_service = staticmethod(services.donation_record)

    @writes(s.DonationCreateSerializer, s.DonationSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class TrainingProgrammeViewSet(SupportViewSet):
    queryset = TrainingProgramme.objects.select_related("division")
    serializer_class = s.TrainingProgrammeSerializer
    filterset_class = strict(TrainingProgrammeFilterSet)
    create_serializer = s.TrainingProgrammeCreateSerializer
    create_service = staticmethod(services.training_programme_create)

    @writes(s.TrainingProgrammeCreateSerializer, s.TrainingProgrammeSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class TrainingSessionViewSet(SupportViewSet):
    queryset = TrainingSession.objects.all()
    serializer_class = s.TrainingSessionSerializer
    filterset_class = strict(TrainingSessionFilterSet)
    ordering_fields = ["id", "held_on"]
    create_serializer = s.TrainingSessionCreateSerializer
    create_service = staticmethod(services.training_session_create)

    @writes(s.TrainingSessionCreateSerializer, s.TrainingSessionSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class AttendanceViewSet(SupportViewSet):
    """Who attended which training, as leader, staff or volunteer."""

    queryset = Attendance.objects.select_related("session", "member__organisation")
    serializer_class = s.AttendanceSerializer
    filterset_class = strict(AttendanceFilterSet)
    create_serializer = s.AttendanceCreateSerializer
    create_service = staticmethod(services.attendance_record)

    @writes(s.AttendanceCreateSerializer, s.AttendanceSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class RecommendationViewSet(SupportViewSet):
    """Leaders recommended to the residents' committee's sub-committees."""

    queryset = SubCommitteeRecommendation.objects.select_related("member")
    serializer_class = s.RecommendationSerializer
    filterset_class = strict(RecommendationFilterSet)
    create_serializer = s.RecommendationCreateSerializer
    create_service = staticmethod(services.recommendation_create)

    @writes(s.RecommendationCreateSerializer, s.RecommendationSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @writes(s.RecommendationDecisionSerializer, s.RecommendationSerializer)
    @action(methods=["post"], **ONE_OBJECT)
    def decide(self, request, pk=None):
        data = self._body(s.RecommendationDecisionSerializer)
        recommendation = self.perform_service(
            services.recommendation_decide, recommendation=self.get_object(), **data
        )
        return self._answer(recommendation)


class PairingViewSet(SupportViewSet):
    """Pairings of a registered with a filed organisation (结对共建)."""

    queryset = Pairing.objects.select_related("mentor", "mentee")
    serializer_class = s.PairingSerializer
    filterset_class = strict(PairingFilterSet)
    ordering_fields = ["id", "starts_on"]
    create_serializer = s.PairingCreateSerializer
    create_service = staticmethod(services.pairing_create)

    @writes(s.PairingCreateSerializer, s.PairingSerializer, 201)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @writes(s.PairingEndSerializer, s.PairingSerializer)
    @action(methods=["post"], url_path="end", **ONE_OBJECT)
    def end(self, request, pk=None):
        """End the pairing with its review."""
        data = self._body(s.PairingEndSerializer)
        pairing = self.perform_service(services.pairing_end, pairing=self.get_object(), **data)
        return self._answer(pairing)

    @writes(s.PairingActivitySerializer, s.PairingSerializer)
    @action(methods=["post"], url_path="activities", **ONE_OBJECT)
    def activities(self, request, pk=None):
        """Link a joint activity from the ledger."""
        data = self._body(s.PairingActivitySerializer)
        self.perform_service(services.pairing_add_activity, pairing=self.get_object(), **data)
        return self._answer(self.get_object())
