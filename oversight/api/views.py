"""API resources for oversight: annual reports and their review, the credit lists, dormancy cases
and the overdue summary. Thin: the input serializers type-check, the services decide and write,
the answer is the object re-read through the user's restricted queryset."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from core.api import (
    ReasonField,
    ScopedModelViewSet,
    ScopedPrimaryKeyRelatedField,
    ScopedReadOnlyModelViewSet,
    history_reason_max_length,
)
from core.scoping import CHANGE
from oversight.choices import RemovalReason
from oversight.filters import AnnualReportFilterSet, CreditListEntryFilterSet, DormancyCaseFilterSet
from oversight.models import AnnualReport, CreditListEntry, DormancyCase, OversightSettings
from oversight.selectors import (
    SUMMARY_LEVELS,
    default_report_year,
    overdue_summary,
    summary_level_for,
    summary_levels_for,
)
from oversight.services.annual_reports import (
    annual_report_accept,
    annual_report_create,
    annual_report_return,
    annual_report_submit,
    annual_report_update,
)
from oversight.services.dormancy import (
    dormancy_confirm_active,
    dormancy_propose_exit,
    dormancy_report_leader_unreachable,
)
from registry.models import Organisation

# --- fields -----------------------------------------------------------------------------------


def _username(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.username


@extend_schema_field({"type": "string", "nullable": True})
class UserNameField(serializers.Field):
    """Who did it, by name (the username if the account has no name)."""

    def to_representation(self, value):
        return _username(value)


# --- annual reports ---------------------------------------------------------------------------


class AnnualReportSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    deadline = serializers.SerializerMethodField()
    is_late = serializers.BooleanField(read_only=True)
    submitted_by = UserNameField(read_only=True)
    reviewed_by = UserNameField(read_only=True)

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "year",
            "status",
            "status_label",
            "activities_held",
            "members_count",
            "volunteer_hours",
            "income",
            "spending",
            "party_work",
            "projects",
            "summary",
            "deadline",
            "first_submitted_on",
            "submitted_on",
            "submitted_by",
            "reviewed_on",
            "reviewed_by",
            "review_reason",
            "overdue_since",
            "is_late",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_deadline(self, report) -> str:
        config = self.context.setdefault("oversight_settings", OversightSettings.current())
        return config.report_deadline(report.year).isoformat()


class ReportContentSerializer(serializers.Serializer):
    """The content of a report. Ranges are the service's to check (it says what is wrong with
    every field at once)."""

    activities_held = serializers.IntegerField(required=False)
    members_count = serializers.IntegerField(required=False)
    volunteer_hours = serializers.DecimalField(max_digits=11, decimal_places=1, required=False)
    income = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    spending = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    party_work = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    projects = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    reason = ReasonField()


class AnnualReportCreateSerializer(ReportContentSerializer):
    organisation = ScopedPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    year = serializers.IntegerField()


class ReviewSerializer(serializers.Serializer):
    reason = ReasonField()


class ReturnSerializer(serializers.Serializer):
    reason = ReasonField(required=True, allow_blank=False)


class OverdueRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="division.code")
    name = serializers.CharField(source="division.name")
    level = serializers.CharField(source="division.level")
    due = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    outstanding = serializers.IntegerField()
    accepted = serializers.IntegerField()


class ServiceResponseMixin:
    def _answer(self, instance, code=status.HTTP_200_OK):
        # Re-read through the restricted queryset: a write can't hand back what the user
        # can't see.
        try:
            fresh = self.get_queryset().get(pk=instance.pk)
        except self.get_queryset().model.DoesNotExist:
            raise NotFound() from None
        return Response(self.get_serializer(fresh).data, status=code)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class AnnualReportViewSet(ServiceResponseMixin, ScopedModelViewSet):
    """Annual reports (年度报告): an organisation's leader or its owning tier makes and submits
    them; the owning tier accepts them or returns them for correction."""

    queryset = AnnualReport.objects.select_related(
        "organisation", "submitted_by", "reviewed_by"
    ).order_by("-year", "-pk")
    serializer_class = AnnualReportSerializer
    filterset_class = AnnualReportFilterSet
    ordering_fields = ["year", "id", "overdue_since", "submitted_on"]
    ordering = ["-year", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=AnnualReportCreateSerializer, responses={201: AnnualReportSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(AnnualReportCreateSerializer)
        report = annual_report_create(acting_user=request.user, **data)
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(request=ReportContentSerializer, responses=AnnualReportSerializer)
    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        data = self._input(ReportContentSerializer)
        report = annual_report_update(report=report, acting_user=request.user, **data)
        return self._answer(report)

    @extend_schema(request=ReviewSerializer, responses=AnnualReportSerializer)
    @action(detail=True, methods=["post"], scope_action=CHANGE)
    def submit(self, request, pk=None):
        """Submit, or resubmit after a return, for review by the owning tier."""
        data = self._input(ReviewSerializer)
        report = annual_report_submit(report=self.get_object(), acting_user=request.user, **data)
        return self._answer(report)

    @extend_schema(request=ReviewSerializer, responses=AnnualReportSerializer)
    @action(detail=True, methods=["post"], scope_action=CHANGE)
    def accept(self, request, pk=None):
        """Accept a submitted report (the owning tier)."""
        data = self._input(ReviewSerializer)
        report = annual_report_accept(report=self.get_object(), acting_user=request.user, **data)
        return self._answer(report)

    @extend_schema(request=ReturnSerializer, responses=AnnualReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", scope_action=CHANGE)
    def return_for_correction(self, request, pk=None):
        """Return a submitted report for correction, with the reason (the owning tier)."""
        data = self._input(ReturnSerializer)
        report = annual_report_return(report=self.get_object(), acting_user=request.user, **data)
        return self._answer(report)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="report year (default: last year)"),
            OpenApiParameter("level", str, enum=list(SUMMARY_LEVELS)),
        ],
        responses=OverdueRowSerializer(many=True),
        # counts over the whole jurisdiction: the list's filters don't apply (nor are accepted)
        filters=False,
    )
    @action(detail=False, methods=["get"], url_path="overdue-summary", pagination_class=None)
    def overdue_summary(self, request):
        """Per district, street or community in the caller's jurisdiction: organisations owing
        the year's report, submitted on time, late, still outstanding, accepted."""
        raw_year = request.query_params.get("year") or default_report_year()
        try:
            year = int(raw_year)
            if not 1900 <= year <= 9999:
                raise ValueError
        except (TypeError, ValueError):
            raise DRFValidationError({"year": [_("Give a year such as 2024.")]}) from None
        level = request.query_params.get("level") or summary_level_for(request.user)
        if level not in summary_levels_for(request.user):
            raise DRFValidationError(
                {
                    "level": [
                        _("Choose one of: %(levels)s.")
                        % {"levels": ", ".join(summary_levels_for(request.user))}
                    ]
                }
            )
        rows = overdue_summary(request.user, year=year, level=level)
        return Response(OverdueRowSerializer(rows, many=True).data)


# --- credit lists -----------------------------------------------------------------------------


class CreditListEntrySerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    credit_code = serializers.CharField(source="organisation.credit_code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    reason_label = serializers.CharField(source="reason_text", read_only=True)
    # blank while the entry stands (a read-only field would lose allow_blank, and the schema "")
    removal_reason = serializers.ChoiceField(
        choices=RemovalReason.choices, allow_blank=True, read_only=True
    )
    removal_reason_label = serializers.CharField(
        source="get_removal_reason_display", read_only=True
    )
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = CreditListEntry
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "credit_code",
            "kind",
            "kind_label",
            "listed_on",
            "reason",
            "reason_label",
            "report_year",
            "escalated_from",
            "removed_on",
            "removal_reason",
            "removal_reason_label",
            "is_open",
        ]
        read_only_fields = fields


class CreditListEntryViewSet(ScopedReadOnlyModelViewSet):
    """The abnormal-activity list (活动异常名录) and the serious-dishonesty list (严重违法失信名单):
    one row per organisation, list and cause, kept after removal with its date and reason."""

    queryset = CreditListEntry.objects.select_related("organisation").order_by("-listed_on", "-pk")
    serializer_class = CreditListEntrySerializer
    filterset_class = CreditListEntryFilterSet
    ordering_fields = ["listed_on", "removed_on", "id"]
    ordering = ["-listed_on", "-id"]


# --- dormancy ---------------------------------------------------------------------------------


class DormancyCaseSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    organisation_status = serializers.CharField(source="organisation.status", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    signals_label = serializers.CharField(source="get_signals_display", read_only=True)
    flagged_by = UserNameField(read_only=True)
    resolved_by = UserNameField(read_only=True)

    class Meta:
        model = DormancyCase
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "organisation_status",
            "signals",
            "signals_label",
            "status",
            "status_label",
            "flagged_on",
            "notice_ends_on",
            "flag_note",
            "flagged_by",
            "resolved_on",
            "resolved_by",
            "resolution_note",
            "exit_application",
        ]
        read_only_fields = fields


class LeaderUnreachableSerializer(serializers.Serializer):
    organisation = ScopedPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    note = serializers.CharField(max_length=history_reason_max_length())


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=history_reason_max_length(), required=False, allow_blank=True
    )


class DormancyCaseViewSet(ServiceResponseMixin, ScopedReadOnlyModelViewSet):
    """Dormancy suspects (僵尸型): flagged by the nightly scan, or by staff when the leader can't
    be reached. The owning tier confirms the organisation active or proposes its exit; when the
    notice period ends unconfirmed the scan proposes it."""

    queryset = DormancyCase.objects.select_related(
        "organisation", "flagged_by", "resolved_by"
    ).order_by("notice_ends_on", "pk")
    serializer_class = DormancyCaseSerializer
    filterset_class = DormancyCaseFilterSet
    ordering_fields = ["notice_ends_on", "flagged_on", "id"]
    ordering = ["notice_ends_on", "id"]

    @extend_schema(request=LeaderUnreachableSerializer, responses={201: DormancyCaseSerializer})
    @action(detail=False, methods=["post"], url_path="leader-unreachable", scope_action=CHANGE)
    def leader_unreachable(self, request):
        """Record that the organisation's leader can't be reached (staff of a tier above it)."""
        data = self._input(LeaderUnreachableSerializer)
        case = dormancy_report_leader_unreachable(acting_user=request.user, **data)
        return self._answer(case, status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses=DormancyCaseSerializer)
    @action(detail=True, methods=["post"], scope_action=CHANGE)
    def confirm(self, request, pk=None):
        """Confirm the organisation active, saying how you know (the owning tier)."""
        data = self._input(NoteSerializer)
        case = dormancy_confirm_active(
            case=self.get_object(), acting_user=request.user, note=data.get("note", "")
        )
        return self._answer(case)

    @extend_schema(request=NoteSerializer, responses=DormancyCaseSerializer)
    @action(detail=True, methods=["post"], url_path="propose-exit", scope_action=CHANGE)
    def propose_exit(self, request, pk=None):
        """Propose the organisation's exit as dormant: an exit application the owning tier
        then reviews."""
        data = self._input(NoteSerializer)
        case = dormancy_propose_exit(
            case=self.get_object(), acting_user=request.user, note=data.get("note", "")
        )
        return self._answer(case)
