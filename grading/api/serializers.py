"""Serializers of the grading API: read serializers show objects; input serializers type-check a
request body strictly and hand it to a service (``grading.services``). References in bodies
resolve only inside the caller's jurisdiction; anything else "does not exist"."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import (
    ReadModelSerializer,
    ReasonField,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    history_reason_max_length,
)
from core.scoping import CHANGE, VIEW
from grading.choices import (
    Aggregation,
    Dimension,
    GradeLevel,
    PanelKind,
    SanctionKind,
    grade_label,
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
from registry.models import Division, Organisation

NOTE_TEXT = 5_000
MAX_ID = 2**63 - 1

GRADE_FIELD_SCHEMA = {
    "type": "string",
    "nullable": True,
    "description": "1A to 5A, or the words for no grade; null before there is a result.",
}


def _points_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=7, decimal_places=2, **kwargs)


class GradingReasonSerializer(serializers.Serializer):
    reason = ReasonField()


class GradingRequiredReasonSerializer(serializers.Serializer):
    reason = ReasonField(required=True, allow_blank=False)


class GradingDateReasonSerializer(serializers.Serializer):
    """A date from which the change applies, and why."""

    on = serializers.DateField(help_text=_("The day the change applies from."))
    reason = ReasonField(required=True, allow_blank=False)


# --- campaigns --------------------------------------------------------------------------------


class BandSerializer(serializers.Serializer):
    level = serializers.IntegerField(min_value=1, max_value=5)
    lower_bound = serializers.CharField(help_text=_("Points, as a decimal number."))
    inclusive = serializers.BooleanField()


class CampaignSerializer(ReadModelSerializer):
    district = serializers.CharField(source="district_id", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    bands = BandSerializer(many=True, read_only=True)
    template = serializers.IntegerField(source="template_id", read_only=True)

    class Meta:
        model = AssessmentCampaign
        fields = [
            "id",
            "district",
            "district_name",
            "year",
            "title",
            "status",
            "application_deadline",
            "notice_days",
            "notice_starts_on",
            "notice_ends_on",
            "aggregation",
            "trim_count",
            "template",
            "bands",
            "finalised_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CampaignCreateSerializer(serializers.Serializer):
    district = ScopedSlugRelatedField(
        slug_field="code",
        queryset=Division.objects.all(),
        scope_action=VIEW,
        help_text=_("The district's code."),
    )
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200)
    application_deadline = serializers.DateField()
    notice_days = serializers.IntegerField(min_value=1, max_value=90, required=False)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices, required=False)
    trim_count = serializers.IntegerField(min_value=1, max_value=5, required=False)
    reason = ReasonField()


class CampaignUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    application_deadline = serializers.DateField(required=False)
    notice_days = serializers.IntegerField(min_value=1, max_value=90, required=False)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices, required=False)
    trim_count = serializers.IntegerField(min_value=1, max_value=5, required=False)
    reason = ReasonField()


class EligibilitySerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation.pk")
    organisation_name = serializers.CharField(source="organisation.name")
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    facts = serializers.DictField(help_text=_("What the check saw."))


# --- applications -----------------------------------------------------------------------------


class AssessmentApplicationSerializer(ReadModelSerializer):
    campaign_title = serializers.CharField(source="campaign.title", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    grade = serializers.SerializerMethodField()
    initial_grade = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentApplication
        fields = [
            "id",
            "campaign",
            "campaign_title",
            "organisation",
            "organisation_name",
            "status",
            "applied_on",
            "panel",
            "re_review_panel",
            "initial_score",
            "initial_level",
            "initial_grade",
            "score",
            "level",
            "grade",
            "appeal_reason",
            "appealed_on",
            "decision_note",
            "finalised_on",
            "eligibility",
        ]
        read_only_fields = fields

    @extend_schema_field(GRADE_FIELD_SCHEMA)
    def get_grade(self, application) -> str | None:
        return None if application.score is None else grade_label(application.level)

    @extend_schema_field(GRADE_FIELD_SCHEMA)
    def get_initial_grade(self, application) -> str | None:
        if application.initial_score is None:
            return None
        return grade_label(application.initial_level)


class ApplicationCreateSerializer(serializers.Serializer):
    campaign = ScopedPrimaryKeyRelatedField(
        queryset=AssessmentCampaign.objects.all(), scope_action=VIEW
    )
    organisation = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), scope_action=CHANGE
    )
    reason = ReasonField()


class AssignPanelSerializer(serializers.Serializer):
    panel = ScopedPrimaryKeyRelatedField(queryset=ExpertPanel.objects.all(), scope_action=VIEW)
    reason = ReasonField()


class IndicatorPointsSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    points = _points_field(help_text=_("Between 0 and the indicator's maximum."))


class ScoreSheetSerializer(serializers.Serializer):
    """One expert's points on one or more indicators, in the application's current round."""

    expert = ScopedPrimaryKeyRelatedField(queryset=Expert.objects.all(), scope_action=VIEW)
    scores = IndicatorPointsSerializer(many=True, allow_empty=False, max_length=500)
    note = serializers.CharField(max_length=NOTE_TEXT, required=False, allow_blank=True)


class ExpertScoreSerializer(ReadModelSerializer):
    expert_name = serializers.CharField(source="expert.name", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    max_points = _points_field(source="indicator.max_points", read_only=True)

    class Meta:
        model = ExpertScore
        fields = [
            "id",
            "application",
            "expert",
            "expert_name",
            "indicator",
            "indicator_code",
            "indicator_name",
            "max_points",
            "round",
            "points",
            "note",
            "entered_at",
        ]
        read_only_fields = fields


# --- experts and panels -----------------------------------------------------------------------


class ExpertSerializer(ReadModelSerializer):
    district = serializers.CharField(source="district_id", read_only=True)

    class Meta:
        model = Expert
        fields = ["id", "district", "name", "affiliation", "note"]
        read_only_fields = fields


class ExpertCreateSerializer(serializers.Serializer):
    district = ScopedSlugRelatedField(
        slug_field="code", queryset=Division.objects.all(), scope_action=VIEW
    )
    name = serializers.CharField(max_length=50)
    affiliation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(max_length=NOTE_TEXT, required=False, allow_blank=True)
    reason = ReasonField()


class ExpertPanelSerializer(ReadModelSerializer):
    experts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ExpertPanel
        fields = ["id", "campaign", "name", "kind", "experts"]
        read_only_fields = fields


class ExpertPanelCreateSerializer(serializers.Serializer):
    campaign = ScopedPrimaryKeyRelatedField(
        queryset=AssessmentCampaign.objects.all(), scope_action=VIEW
    )
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=PanelKind.choices, required=False)
    experts = ScopedPrimaryKeyRelatedField(
        queryset=Expert.objects.all(), scope_action=VIEW, many=True, allow_empty=False
    )
    reason = ReasonField()


class ExpertPanelUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    experts = ScopedPrimaryKeyRelatedField(
        queryset=Expert.objects.all(),
        scope_action=VIEW,
        many=True,
        allow_empty=False,
        required=False,
    )
    reason = ReasonField()


# --- grades -----------------------------------------------------------------------------------


class GradeAwardSerializer(ReadModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    grade = serializers.CharField(source="level_label", read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = GradeAward
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "level",
            "grade",
            "score",
            "awarded_on",
            "valid_until",
            "revoked_on",
            "revocation_reason",
            "campaign",
            "is_current",
        ]
        read_only_fields = fields

    def get_is_current(self, award) -> bool:
        return award.is_current(timezone.localdate())


class GradeAwardCreateSerializer(serializers.Serializer):
    """A grade awarded before the system (without a campaign)."""

    organisation = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), scope_action=CHANGE
    )
    level = serializers.ChoiceField(choices=GradeLevel.choices)
    awarded_on = serializers.DateField()
    score = _points_field(required=False, allow_null=True, min_value=0)
    reason = ReasonField(required=True, allow_blank=False)


# --- rewards and penalties --------------------------------------------------------------------


class SanctionSerializer(ReadModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Sanction
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "kind",
            "title",
            "decided_on",
            "issued_by",
            "closed_on",
            "note",
            "is_open",
        ]
        read_only_fields = fields

    def get_is_open(self, sanction) -> bool:
        return sanction.kind == SanctionKind.PENALTY and sanction.closed_on is None


class SanctionCreateSerializer(serializers.Serializer):
    organisation = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), scope_action=CHANGE
    )
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    title = serializers.CharField(max_length=200)
    decided_on = serializers.DateField()
    issued_by = serializers.CharField(max_length=100, required=False, allow_blank=True)
    closed_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=NOTE_TEXT, required=False, allow_blank=True)
    reason = ReasonField()


# --- comprehensive evaluation -----------------------------------------------------------------


class EvaluationSerializer(ReadModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    weights = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text=_("Percent per dimension.")
    )

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "division",
            "division_name",
            "title",
            "period_start",
            "period_end",
            "status",
            "weights",
            "activity_target",
            "published_on",
            "created_at",
        ]
        read_only_fields = fields


class EvaluationCreateSerializer(serializers.Serializer):
    division = ScopedSlugRelatedField(
        slug_field="code",
        queryset=Division.objects.all(),
        scope_action=VIEW,
        help_text=_("The street's or community's code."),
    )
    title = serializers.CharField(max_length=200)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    activity_target = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    reason = ReasonField()


class EvaluationValueSerializer(ReadModelSerializer):
    class Meta:
        model = EvaluationValue
        fields = ["dimension", "prefilled_value", "basis", "value", "note"]
        read_only_fields = fields


class EvaluationResultSerializer(ReadModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    values = EvaluationValueSerializer(many=True, read_only=True)

    class Meta:
        model = EvaluationResult
        fields = [
            "id",
            "evaluation",
            "organisation",
            "organisation_name",
            "total",
            "rank",
            "values",
        ]
        read_only_fields = fields


class ValueInputSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=Dimension.choices)
    value = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, allow_null=True
    )
    note = serializers.CharField(
        max_length=history_reason_max_length(),
        required=False,
        allow_blank=True,
        help_text=_("Required when a pre-filled value is changed."),
    )


class ValuesInputSerializer(serializers.Serializer):
    values = ValueInputSerializer(many=True, allow_empty=False, max_length=len(Dimension))
    reason = ReasonField()
