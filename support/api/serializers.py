"""Serializers of the support API: read serializers show objects; input serializers type-check a
request body and hand it to a service (``support.services``), which checks it again and
decides. References in bodies resolve only inside the caller's jurisdiction; anything else
"does not exist". Money is a decimal string in yuan (``"12000.50"``)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import (
    ReadModelSerializer,
    ReasonField,
    SafeSlugRelatedField,
    ScopedPrimaryKeyRelatedField,
)
from core.scoping import CHANGE, VIEW
from registry.choices import Role
from registry.models import Activity, Division, Member, Organisation, User
from selection.models import Campaign, Entry
from support.choices import (
    OPEN_STAGE_CHOICES,
    DonationForm,
    DonorKind,
    FundingKind,
    PairingRating,
    PlatformKind,
    ProjectAction,
    RecommendationAction,
    ResidencyKind,
    RoundAction,
    ServiceCategory,
    Stage,
    SubCommittee,
    TrainingCapacity,
)
from support.models import (
    Attendance,
    CommunityFund,
    Disbursement,
    Donation,
    FundedProject,
    FundingProgramme,
    FundingRound,
    OperatingContract,
    Pairing,
    ProgressReport,
    Residency,
    StagePeriod,
    SubCommitteeRecommendation,
    SupportPlatform,
    SupportService,
    TrainingProgramme,
    TrainingSession,
)
from support.services import members_within_reach, operator_platform_id

TEXT = 2000


def money(**kwargs) -> serializers.DecimalField:
    """Yuan with two decimals; as a string in answers. Negative amounts are the service's to
    refuse (with its message), so the field only checks the form."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return serializers.DecimalField(**kwargs)


class DivisionCodeField(ScopedPrimaryKeyRelatedField):
    """A division by its code (a string), among those the caller may change."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > 12 or "\x00" in data:
            self.fail("does_not_exist", pk_value=str(data)[:30])
        try:
            return self.get_queryset().get(pk=data)
        except Division.DoesNotExist:
            self.fail("does_not_exist", pk_value=data)


class IdField(ScopedPrimaryKeyRelatedField):
    """A referenced object by id: a whole number in range, inside the caller's jurisdiction."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class ReasonSerializer(serializers.Serializer):
    reason = ReasonField()


# --- platforms ---------------------------------------------------------------------------------


class PlatformSerializer(ReadModelSerializer):
    division_name = serializers.CharField(source="division.name", read_only=True)
    tier = serializers.CharField(read_only=True)
    operator_display = serializers.CharField(read_only=True)

    class Meta:
        model = SupportPlatform
        fields = [
            "id",
            "name",
            "kind",
            "division",
            "division_name",
            "tier",
            "headquarters",
            "focus",
            "operator",
            "operator_name",
            "operator_display",
            "address",
            "opened_on",
            "closed_on",
            "recorded_at",
        ]
        read_only_fields = fields


class PlatformCreateSerializer(serializers.Serializer):
    division = DivisionCodeField(queryset=Division.objects.all())
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=PlatformKind.choices)
    opened_on = serializers.DateField()
    closed_on = serializers.DateField(required=False, allow_null=True)
    headquarters = IdField(
        queryset=SupportPlatform.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    operator = IdField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    operator_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    focus = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reason = ReasonField()


class PlatformUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=PlatformKind.choices, required=False)
    focus = serializers.CharField(max_length=100, required=False, allow_blank=True)
    operator_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    opened_on = serializers.DateField(required=False)
    closed_on = serializers.DateField(required=False, allow_null=True)
    reason = ReasonField()


class OperatorAssignSerializer(serializers.Serializer):
    username = SafeSlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(role=Role.PLATFORM_OPERATOR, is_active=True),
        help_text=_("The login of an account with the platform-operator role."),
    )
    reason = ReasonField()


class ContractSerializer(ReadModelSerializer):
    contractor_display = serializers.CharField(read_only=True)
    amount = money(read_only=True)

    class Meta:
        model = OperatingContract
        fields = [
            "id",
            "platform",
            "contractor",
            "contractor_name",
            "contractor_display",
            "number",
            "starts_on",
            "ends_on",
            "amount",
            "services",
            "recorded_at",
        ]
        read_only_fields = fields


class ContractCreateSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    amount = money()
    contractor = IdField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    contractor_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    services = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    reason = ReasonField()


# --- residency, stages, services ----------------------------------------------------------------


class CandidateOrganisationField(IdField):
    """An organisation the caller may take in: one they can see or, for a platform operator,
    one in the area their platform serves (the names are on the public register)."""

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        visible = Organisation.objects.restrict(user, VIEW)
        platform_id = operator_platform_id(user) if user is not None else None
        if platform_id is None:
            return visible
        path = (
            SupportPlatform.objects.filter(pk=platform_id)
            .values_list("division__path", flat=True)
            .first()
        )
        return Organisation.objects.filter(Q(community__path__startswith=path or "\x01"))


class ResidencySerializer(ReadModelSerializer):
    platform_name = serializers.CharField(source="platform.name", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Residency
        fields = [
            "id",
            "platform",
            "platform_name",
            "organisation",
            "organisation_name",
            "kind",
            "started_on",
            "ended_on",
            "graduated_on",
            "note",
            "recorded_at",
        ]
        read_only_fields = fields


class ResidencyCreateSerializer(serializers.Serializer):
    platform = IdField(queryset=SupportPlatform.objects.all(), scope_action=VIEW)
    organisation = CandidateOrganisationField(queryset=Organisation.objects.all())
    kind = serializers.ChoiceField(choices=ResidencyKind.choices, default=ResidencyKind.INCUBATED)
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True)
    stage = serializers.ChoiceField(
        choices=OPEN_STAGE_CHOICES,
        default=Stage.START_UP,
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reason = ReasonField()


class DateReasonSerializer(serializers.Serializer):
    on = serializers.DateField(help_text=_("The day it happened."))
    reason = ReasonField()


class StagePeriodSerializer(ReadModelSerializer):
    class Meta:
        model = StagePeriod
        fields = ["id", "organisation", "residency", "stage", "starts_on", "ends_on", "recorded_at"]
        read_only_fields = fields


class StageCreateSerializer(serializers.Serializer):
    residency = IdField(queryset=Residency.objects.all())
    stage = serializers.ChoiceField(choices=OPEN_STAGE_CHOICES)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    reason = ReasonField()


class SupportServiceSerializer(ReadModelSerializer):
    class Meta:
        model = SupportService
        fields = ["id", "residency", "category", "provided_on", "title", "description"]
        read_only_fields = fields


class SupportServiceCreateSerializer(serializers.Serializer):
    residency = IdField(queryset=Residency.objects.all())
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    provided_on = serializers.DateField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    reason = ReasonField()


# --- funding -----------------------------------------------------------------------------------


class ProgrammeSerializer(ReadModelSerializer):
    division_name = serializers.CharField(source="division.name", read_only=True)

    class Meta:
        model = FundingProgramme
        fields = [
            "id",
            "name",
            "kind",
            "division",
            "division_name",
            "funder",
            "fund",
            "description",
        ]
        read_only_fields = fields


class ProgrammeCreateSerializer(serializers.Serializer):
    division = DivisionCodeField(queryset=Division.objects.all())
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=FundingKind.choices)
    funder = serializers.CharField(max_length=100, required=False, allow_blank=True)
    fund = IdField(queryset=CommunityFund.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    reason = ReasonField()


class RoundSerializer(ReadModelSerializer):
    budget = money(read_only=True, allow_null=True)

    class Meta:
        model = FundingRound
        fields = [
            "id",
            "programme",
            "name",
            "year",
            "opens_on",
            "closes_on",
            "budget",
            "status",
            "campaign",
        ]
        read_only_fields = fields


class RoundCreateSerializer(serializers.Serializer):
    programme = IdField(queryset=FundingProgramme.objects.all(), scope_action=VIEW)
    name = serializers.CharField(max_length=150)
    year = serializers.IntegerField(min_value=1949, max_value=2100)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField(required=False, allow_null=True)
    budget = money(required=False, allow_null=True)
    campaign = IdField(
        queryset=Campaign.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    reason = ReasonField()


class RoundStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=RoundAction.choices)
    reason = ReasonField()


class ProjectSerializer(ReadModelSerializer):
    round_name = serializers.CharField(source="round.name", read_only=True)
    kind = serializers.CharField(source="round.programme.kind", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    custodian_name = serializers.CharField(
        source="custodian.name", read_only=True, allow_null=True, default=None
    )
    amount_approved = money(read_only=True)
    disbursed = money(source="disbursed_total", read_only=True)
    spent = money(source="spent_total", read_only=True)

    class Meta:
        model = FundedProject
        fields = [
            "id",
            "round",
            "round_name",
            "kind",
            "organisation",
            "organisation_name",
            "custodian",
            "custodian_name",
            "title",
            "entry",
            "amount_approved",
            "disbursed",
            "spent",
            "approved_on",
            "starts_on",
            "ends_on",
            "status",
            "closed_on",
            "closing_note",
            "recorded_at",
        ]
        read_only_fields = fields


class BudgetLineInput(serializers.Serializer):
    item = serializers.CharField(max_length=100)
    amount = money()


class ProjectCreateSerializer(serializers.Serializer):
    round = IdField(queryset=FundingRound.objects.all(), scope_action=VIEW)
    organisation = IdField(queryset=Organisation.objects.all(), scope_action=VIEW)
    custodian = IdField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    title = serializers.CharField(max_length=200)
    amount_approved = money()
    approved_on = serializers.DateField()
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    budget_lines = BudgetLineInput(many=True, required=False)
    entry = IdField(
        queryset=Entry.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    reason = ReasonField()


class DisbursementSerializer(ReadModelSerializer):
    amount = money(read_only=True)
    payee_name = serializers.CharField(source="payee.name", read_only=True)

    class Meta:
        model = Disbursement
        fields = ["id", "project", "amount", "paid_on", "payee", "payee_name", "reference"]
        read_only_fields = fields


class DisbursementCreateSerializer(serializers.Serializer):
    amount = money()
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True)
    reason = ReasonField()


class ProgressReportSerializer(ReadModelSerializer):
    spent = money(read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "period_end",
            "beneficiaries",
            "volunteer_hours",
            "spent",
            "narrative",
            "activities",
        ]
        read_only_fields = fields


class ProgressReportCreateSerializer(serializers.Serializer):
    period_end = serializers.DateField()
    beneficiaries = serializers.IntegerField(min_value=0, max_value=2_000_000_000, default=0)
    volunteer_hours = serializers.DecimalField(
        max_digits=9, decimal_places=1, min_value=0, default=0
    )
    spent = money(default=0)
    narrative = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    activities = IdField(
        queryset=Activity.objects.all(), many=True, required=False, scope_action=VIEW
    )
    reason = ReasonField()


class ProjectDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ProjectAction.choices)
    on = serializers.DateField()
    note = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    reason = ReasonField()


# --- community funds ---------------------------------------------------------------------------


class FundSerializer(ReadModelSerializer):
    balance = money(read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    manager_display = serializers.CharField(read_only=True)

    class Meta:
        model = CommunityFund
        fields = [
            "id",
            "name",
            "division",
            "division_name",
            "manager",
            "manager_name",
            "manager_display",
            "opened_on",
            "balance",
        ]
        read_only_fields = fields


class FundCreateSerializer(serializers.Serializer):
    division = DivisionCodeField(queryset=Division.objects.all())
    name = serializers.CharField(max_length=100)
    opened_on = serializers.DateField()
    manager = IdField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    manager_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    reason = ReasonField()


class DonationSerializer(ReadModelSerializer):
    amount = money(read_only=True)
    fund_name = serializers.CharField(source="fund.name", read_only=True)

    class Meta:
        model = Donation
        fields = [
            "id",
            "fund",
            "fund_name",
            "donor_kind",
            "donor_name",
            "form",
            "amount",
            "goods",
            "received_on",
            "channel",
            "reference",
            "recorded_at",
        ]
        read_only_fields = fields


class DonationCreateSerializer(serializers.Serializer):
    fund = IdField(queryset=CommunityFund.objects.all(), scope_action=VIEW)
    donor_kind = serializers.ChoiceField(choices=DonorKind.choices)
    donor_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    form = serializers.ChoiceField(choices=DonationForm.choices, default=DonationForm.MONEY)
    amount = money()
    goods = serializers.CharField(max_length=200, required=False, allow_blank=True)
    received_on = serializers.DateField()
    channel = IdField(
        queryset=SupportPlatform.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True)
    reason = ReasonField()

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and operator_platform_id(user) is not None:
            # An operator gives to the funds its platform collects for (the service decides).
            fields["fund"] = serializers.PrimaryKeyRelatedField(
                queryset=CommunityFund.objects.all()
            )
        return fields


# --- trainings ---------------------------------------------------------------------------------


class TrainingProgrammeSerializer(ReadModelSerializer):
    tier = serializers.CharField(read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)

    class Meta:
        model = TrainingProgramme
        fields = [
            "id",
            "name",
            "division",
            "division_name",
            "tier",
            "year",
            "organiser",
            "description",
        ]
        read_only_fields = fields


class TrainingProgrammeCreateSerializer(serializers.Serializer):
    division = DivisionCodeField(queryset=Division.objects.all())
    name = serializers.CharField(max_length=150)
    year = serializers.IntegerField(min_value=1949, max_value=2100)
    organiser = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    reason = ReasonField()


class TrainingSessionSerializer(ReadModelSerializer):
    class Meta:
        model = TrainingSession
        fields = ["id", "programme", "title", "held_on", "hours", "venue", "platform"]
        read_only_fields = fields


class TrainingSessionCreateSerializer(serializers.Serializer):
    programme = IdField(queryset=TrainingProgramme.objects.all(), scope_action=VIEW)
    title = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True)
    platform = IdField(
        queryset=SupportPlatform.objects.all(), required=False, allow_null=True, scope_action=VIEW
    )
    reason = ReasonField()


class AttendanceSerializer(ReadModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organisation = serializers.IntegerField(source="member.organisation_id", read_only=True)
    organisation_name = serializers.CharField(source="member.organisation.name", read_only=True)
    session_title = serializers.CharField(source="session.title", read_only=True)
    held_on = serializers.DateField(source="session.held_on", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "session",
            "session_title",
            "held_on",
            "member",
            "member_name",
            "organisation",
            "organisation_name",
            "capacity",
        ]
        read_only_fields = fields


class ReachableMemberField(IdField):
    """A person whose training the caller may record (see ``members_within_reach``)."""

    def get_queryset(self):
        request = self.context.get("request")
        return members_within_reach(getattr(request, "user", None))


class AttendanceCreateSerializer(serializers.Serializer):
    session = IdField(queryset=TrainingSession.objects.all(), scope_action=VIEW)
    member = ReachableMemberField(queryset=Member.objects.all())
    capacity = serializers.ChoiceField(
        choices=TrainingCapacity.choices, required=False, allow_blank=True
    )
    reason = ReasonField()


class RecommendationSerializer(ReadModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = SubCommitteeRecommendation
        fields = [
            "id",
            "member",
            "member_name",
            "community",
            "committee",
            "recommended_on",
            "status",
            "decided_on",
            "note",
        ]
        read_only_fields = fields


class RecommendationCreateSerializer(serializers.Serializer):
    member = IdField(queryset=Member.objects.all())
    committee = serializers.ChoiceField(choices=SubCommittee.choices)
    recommended_on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reason = ReasonField()


class RecommendationDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=RecommendationAction.choices)
    decided_on = serializers.DateField()
    reason = ReasonField()


# --- pairings ----------------------------------------------------------------------------------


class PairingSerializer(ReadModelSerializer):
    mentor_name = serializers.CharField(source="mentor.name", read_only=True)
    mentee_name = serializers.CharField(source="mentee.name", read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "mentor",
            "mentor_name",
            "mentee",
            "mentee_name",
            "starts_on",
            "ends_on",
            "status",
            "rating",
            "review",
            "ended_on",
        ]
        read_only_fields = fields


class PairingCreateSerializer(serializers.Serializer):
    mentor = IdField(queryset=Organisation.objects.all(), scope_action=VIEW)
    mentee = IdField(queryset=Organisation.objects.all(), scope_action=CHANGE)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = ReasonField()


class PairingEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    rating = serializers.ChoiceField(choices=PairingRating.choices)
    review = serializers.CharField(max_length=TEXT)
    reason = ReasonField()


class PairingActivitySerializer(serializers.Serializer):
    activity = IdField(queryset=Activity.objects.all(), scope_action=VIEW)
    reason = ReasonField()
