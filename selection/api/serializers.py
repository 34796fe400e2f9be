"""Serializers of the selection API: read serializers show objects; input serializers type-check
a request body strictly and hand it to a service (``selection.services``). References in bodies
resolve only inside the caller's jurisdiction; anything else "does not exist"."""

from __future__ import annotations

import base64
import binascii

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api import (
    ReadModelSerializer,
    ReasonField,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
)
from core.masking import PersonalDataSerializerMixin
from core.scoping import CHANGE, VIEW
from grading.models import Expert
from registry.models import Division, Organisation
from selection import rules
from selection.choices import (
    Aggregation,
    CutKind,
    Normalisation,
    ObjectionAction,
    StageKind,
)
from selection.models import (
    Assignment,
    Campaign,
    Category,
    Criterion,
    Entry,
    EntryPicture,
    EntryRevision,
    Objection,
    ScoreSheet,
    Stage,
)

TEXT_LIMIT = 100_000
MAX_UPLOAD_BYTES = 60 * 1024 * 1024


@extend_schema_serializer(component_name="SelectionReason")
class ReasonSerializer(serializers.Serializer):
    reason = ReasonField()


class RequiredReasonSerializer(serializers.Serializer):
    reason = ReasonField(required=True, allow_blank=False)


# --- campaigns --------------------------------------------------------------------------------


class CriterionSerializer(ReadModelSerializer):
    class Meta:
        model = Criterion
        fields = ["code", "name", "max_points", "weight"]


class StageSerializer(ReadModelSerializer):
    label = serializers.CharField(read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Stage
        fields = [
            "id",
            "campaign",
            "position",
            "kind",
            "label",
            "status",
            "starts_on",
            "ends_on",
            "shortlist",
            "aggregation",
            "trim_count",
            "disagreement_threshold",
            "experts_per_entry",
            "criteria",
            "opened_at",
            "closed_at",
        ]


class CategorySerializer(ReadModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "description", "position", "shortlist_quota", "top_quota"]


@extend_schema_serializer(component_name="SelectionCampaign")
class CampaignSerializer(ReadModelSerializer):
    organiser_name = serializers.CharField(source="organiser.name", read_only=True)
    categories = CategorySerializer(many=True, read_only=True)
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "organiser",
            "organiser_name",
            "title",
            "year",
            "description",
            "status",
            "word_limit",
            "min_pictures",
            "max_pictures",
            "picture_formats",
            "picture_max_kb",
            "max_attachments",
            "attachment_max_kb",
            "declarations",
            "eligible_statuses",
            "min_grade",
            "exclude_credit_listed",
            "min_years",
            "allow_units",
            "blind_review",
            "notice_days",
            "notice_starts_on",
            "notice_ends_on",
            "shortlist_award",
            "top_award",
            "finalised_on",
            "categories",
            "stages",
        ]


class CriterionInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    max_points = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class StageInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=StageKind.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    shortlist = serializers.BooleanField(required=False, default=False)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices, required=False)
    trim_count = serializers.IntegerField(min_value=1, max_value=5, required=False)
    experts_per_entry = serializers.IntegerField(min_value=1, max_value=50, required=False)
    criteria = CriterionInputSerializer(many=True, required=False)


class CategoryInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    shortlist_quota = serializers.IntegerField(min_value=1, max_value=100_000, required=False)
    top_quota = serializers.IntegerField(min_value=1, max_value=100_000, required=False)


@extend_schema_serializer(component_name="SelectionCampaignCreate")
class CampaignCreateSerializer(serializers.Serializer):
    organiser = ScopedSlugRelatedField(
        slug_field="code",
        queryset=Division.objects.all(),
        scope_action=VIEW,
        help_text=_("The code of the organising division (a street or above)."),
    )
    title = serializers.CharField(max_length=200)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    categories = CategoryInputSerializer(many=True)
    stages = StageInputSerializer(many=True)
    word_limit = serializers.IntegerField(min_value=100, max_value=100_000, required=False)
    min_pictures = serializers.IntegerField(min_value=0, max_value=50, required=False)
    max_pictures = serializers.IntegerField(min_value=0, max_value=50, required=False)
    picture_formats = serializers.ListField(
        child=serializers.ChoiceField(choices=["JPEG", "PNG"]), required=False, max_length=2
    )
    declarations = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=20
    )
    eligible_statuses = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=3
    )
    min_grade = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    min_years = serializers.IntegerField(min_value=0, max_value=50, required=False, allow_null=True)
    exclude_credit_listed = serializers.BooleanField(required=False)
    allow_units = serializers.BooleanField(required=False)
    blind_review = serializers.BooleanField(required=False)
    notice_days = serializers.IntegerField(min_value=1, max_value=90, required=False)
    shortlist_award = serializers.CharField(max_length=50, required=False)
    top_award = serializers.CharField(max_length=50, required=False)
    reason = ReasonField()


class FormulaSerializer(serializers.Serializer):
    weights = serializers.DictField(
        child=serializers.CharField(max_length=20),
        help_text=_("Stage id → weight in percent; the weights add up to 100."),
    )
    normalisation = serializers.DictField(
        child=serializers.ChoiceField(choices=Normalisation.choices), required=False
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


MAX_ID = 2**63 - 1


class CutSerializer(serializers.Serializer):
    category = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=CutKind.choices)
    tie_break = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
    )
    reason = ReasonField()


# --- entries ----------------------------------------------------------------------------------


class PictureSerializer(ReadModelSerializer):
    class Meta:
        model = EntryPicture
        fields = ["id", "name", "image_format", "size", "width", "height", "position"]


class EntrySerializer(PersonalDataSerializerMixin, ReadModelSerializer):
    submitter_name = serializers.CharField(read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    characters = serializers.SerializerMethodField()
    pictures = PictureSerializer(many=True, read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "campaign",
            "category",
            "category_name",
            "submitter_kind",
            "organisation",
            "unit_name",
            "division",
            "submitter_name",
            "title",
            "text",
            "characters",
            "contact_name",
            "phone",
            "status",
            "return_note",
            "declarations",
            "eligibility",
            "submitted_at",
            "shortlisted",
            "revision_count",
            "final_revision",
            "pictures",
        ]

    def get_characters(self, entry) -> int:
        return rules.count_characters(entry.text)


class EntryCreateSerializer(serializers.Serializer):
    campaign = ScopedPrimaryKeyRelatedField(queryset=Campaign.objects.all(), scope_action=VIEW)
    category = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    organisation = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), scope_action=CHANGE, required=False
    )
    unit = ScopedSlugRelatedField(
        slug_field="code", queryset=Division.objects.all(), scope_action=VIEW, required=False
    )
    unit_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20)

    def validate(self, data):
        category = Category.objects.filter(pk=data["category"], campaign=data["campaign"]).first()
        if category is None:
            raise serializers.ValidationError(
                {"category": [_("Choose one of the call's categories.")]}
            )
        data["category"] = category
        return data


class EntryUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    text = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False)
    phone = serializers.CharField(max_length=20, required=False)
    unit_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    reason = ReasonField()


class SubmitSerializer(serializers.Serializer):
    declarations = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=20
    )
    reason = ReasonField()


@extend_schema_serializer(component_name="SelectionReturn")
class ReturnSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class UploadSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    content = serializers.CharField(
        max_length=MAX_UPLOAD_BYTES, help_text=_("The file's bytes, base64-encoded.")
    )

    def validate_content(self, value):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("This is not base64.")) from None


class PicturesSerializer(serializers.Serializer):
    pictures = UploadSerializer(many=True, max_length=50)

    def uploads(self):
        return [
            SimpleUploadedFile(item["name"], item["content"])
            for item in self.validated_data["pictures"]
        ]


class ReviseSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    text = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RevisionSerializer(ReadModelSerializer):
    class Meta:
        model = EntryRevision
        fields = ["number", "kind", "title", "text", "characters", "note", "created_at"]


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_LIMIT)


# --- review -----------------------------------------------------------------------------------


class AssignmentSerializer(ReadModelSerializer):
    expert_name = serializers.CharField(source="expert.name", read_only=True)
    entry_title = serializers.CharField(source="entry.title", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "stage",
            "entry",
            "entry_title",
            "expert",
            "expert_name",
            "method",
            "assigned_at",
        ]


class InternalStageField(ScopedPrimaryKeyRelatedField):
    """A stage of a campaign whose internal records the caller sees (its organiser's tier or
    above); any other "does not exist"."""

    def get_queryset(self):
        request = self.context.get("request")
        campaigns = Campaign.objects.internal(getattr(request, "user", None))
        return Stage.objects.filter(campaign__in=campaigns)


class PoolExpertField(serializers.PrimaryKeyRelatedField):
    """An expert of the shared pool (the service checks it is on one of the stage's panels)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= 2**63 - 1:
            self.fail("does_not_exist", pk_value=str(data)[:30])
        return super().to_internal_value(data)


class AssignmentCreateSerializer(serializers.Serializer):
    stage = InternalStageField(queryset=Stage.objects.all())
    entry = ScopedPrimaryKeyRelatedField(queryset=Entry.objects.all(), scope_action=VIEW)
    expert = PoolExpertField(queryset=Expert.objects.all())


class BalanceSerializer(serializers.Serializer):
    per_entry = serializers.IntegerField(min_value=1, max_value=50, required=False)


class SheetSerializer(ReadModelSerializer):
    class Meta:
        model = ScoreSheet
        fields = [
            "id",
            "stage",
            "entry",
            "expert",
            "points",
            "total",
            "note",
            "submitted_at",
            "voided_at",
            "void_reason",
        ]


class SheetInputSerializer(serializers.Serializer):
    points = serializers.DictField(
        child=serializers.CharField(max_length=20, allow_blank=True),
        help_text=_("Criterion code → points."),
    )
    note = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)


@extend_schema_serializer(component_name="SelectionReview")
class ReviewSerializer(serializers.Serializer):
    """An expert's assignment: the entry as the expert may see it, the criteria, their sheet."""

    id = serializers.IntegerField()
    stage = serializers.IntegerField(source="stage_id")
    stage_label = serializers.CharField(source="stage.label")
    entry = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    sheet = serializers.SerializerMethodField()

    def get_entry(self, assignment) -> dict:
        from selection.selectors import expert_view

        return expert_view(assignment.entry)

    def get_criteria(self, assignment) -> list[dict]:
        return CriterionSerializer(assignment.stage.criteria.all(), many=True).data

    def get_sheet(self, assignment) -> dict | None:
        sheet = next((s for s in assignment.sheets.all() if s.voided_at is None), None)
        if sheet is None:
            return None
        return {
            "points": sheet.points,
            "total": str(sheet.total),
            "submitted_at": sheet.submitted_at,
        }


# --- objections, results ----------------------------------------------------------------------


class ObjectionSerializer(PersonalDataSerializerMixin, ReadModelSerializer):
    class Meta:
        model = Objection
        fields = [
            "id",
            "campaign",
            "entry",
            "objector",
            "phone",
            "text",
            "filed_on",
            "status",
            "answer",
            "answered_at",
        ]


class ObjectionCreateSerializer(serializers.Serializer):
    campaign = ScopedPrimaryKeyRelatedField(queryset=Campaign.objects.all(), scope_action=VIEW)
    entry = ScopedPrimaryKeyRelatedField(
        queryset=Entry.objects.all(), scope_action=VIEW, required=False
    )
    objector = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    text = serializers.CharField(max_length=TEXT_LIMIT)


class AnswerSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ObjectionAction.choices)
    answer = serializers.CharField(max_length=TEXT_LIMIT)


class ResultRowSerializer(serializers.Serializer):
    entry = serializers.IntegerField(source="entry_id")
    category = serializers.IntegerField(source="category_id")
    total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    award = serializers.CharField()
    disagreement = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    breakdown = serializers.ListField(child=serializers.DictField())


class PublicResultSerializer(serializers.Serializer):
    """A published result: no personal data, only the entry, its submitter and its place."""

    category = serializers.CharField()
    rank = serializers.IntegerField()
    title = serializers.CharField()
    submitter = serializers.CharField()
    total = serializers.DecimalField(max_digits=5, decimal_places=2)
    award = serializers.CharField()
