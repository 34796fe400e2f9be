"""Answers of the transparency API: plain serializers over the dicts and dataclasses of
``transparency.public``, ``transparency.extract`` and ``transparency.audit`` (they carry
public columns only; the audit rows are masked by the one rule before they get here)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from transparency.models import OpenDataExtract


class PublicGradeSerializer(serializers.Serializer):
    level = serializers.IntegerField(min_value=1, max_value=5)
    label = serializers.CharField()
    awarded_on = serializers.DateField()
    valid_until = serializers.DateField()


class BrandProjectPublicSerializer(serializers.Serializer):
    name = serializers.CharField()
    year = serializers.IntegerField()
    recognised_by = serializers.CharField()


class AnnualReportRecordSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    deadline = serializers.DateField()
    submitted_on = serializers.DateField(allow_null=True)
    state = serializers.ChoiceField(choices=["on_time", "late", "missing", "not_due"])
    state_label = serializers.CharField()


class CreditEntryPublicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    listed_on = serializers.DateField()
    reason = serializers.CharField()
    reason_label = serializers.CharField()
    report_year = serializers.IntegerField(allow_null=True)
    removed_on = serializers.DateField(allow_null=True)
    removal_reason = serializers.CharField(allow_blank=True)
    removal_reason_label = serializers.CharField(allow_blank=True)


class PublicAwardSerializer(serializers.Serializer):
    title = serializers.CharField()
    decided_on = serializers.DateField()
    issued_by = serializers.CharField(allow_blank=True)


class PublicOrganisationSerializer(serializers.Serializer):
    """An organisation's public page: no personal data."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    org_type_label = serializers.CharField()
    field_label = serializers.CharField()
    founded_on = serializers.DateField(allow_null=True)
    filing_number = serializers.CharField(allow_blank=True)
    filed_on = serializers.DateField(allow_null=True)
    credit_code = serializers.CharField(allow_blank=True)
    legal_form_label = serializers.CharField(allow_blank=True)
    registered_on = serializers.DateField(allow_null=True)
    exited_on = serializers.DateField(allow_null=True)
    exit_reason_label = serializers.CharField(allow_blank=True)
    community_code = serializers.CharField()
    community_name = serializers.CharField()
    street_code = serializers.CharField()
    street_name = serializers.CharField()
    district_code = serializers.CharField()
    district_name = serializers.CharField()
    is_hub = serializers.BooleanField()
    hub_designated_on = serializers.DateField(allow_null=True)
    grade = PublicGradeSerializer(allow_null=True)
    brand_projects = BrandProjectPublicSerializer(many=True)
    annual_reports = AnnualReportRecordSerializer(many=True)
    credit_list = CreditEntryPublicSerializer(many=True)
    on_abnormal_list = serializers.BooleanField()
    on_serious_list = serializers.BooleanField()
    awards = PublicAwardSerializer(many=True)


class PublicCreditListRowSerializer(CreditEntryPublicSerializer):
    """A credit-list entry with its organisation's public identifiers and district."""

    organisation_id = serializers.IntegerField()
    organisation_name = serializers.CharField()
    credit_code = serializers.CharField(allow_blank=True)
    filing_number = serializers.CharField(allow_blank=True)
    street_name = serializers.CharField()
    district_code = serializers.CharField()
    district_name = serializers.CharField()


class OpenDataExtractSerializer(serializers.ModelSerializer):
    """One day's extract and where to download it."""

    download = serializers.SerializerMethodField()

    class Meta:
        model = OpenDataExtract
        fields = [
            "extract_date",
            "file_name",
            "size_bytes",
            "sha256",
            "organisations",
            "credit_list_entries",
            "started_at",
            "finished_at",
            "download",
        ]

    def get_download(self, extract) -> str:
        path = reverse("transparency:extract-download", args=[extract.extract_date.isoformat()])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class OpenDataDictionaryValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class OpenDataDictionaryFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["text", "integer", "date", "boolean", "code"])
    type_label = serializers.CharField()
    meaning = serializers.CharField()
    identifier = serializers.BooleanField()
    values = OpenDataDictionaryValueSerializer(many=True)


class OpenDataDictionaryTableSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    files = serializers.ListField(child=serializers.CharField())
    fields = OpenDataDictionaryFieldSerializer(many=True)


class AuditFieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)


class AuditRowSerializer(serializers.Serializer):
    """One recorded change: when, who, which object, what changed, why. Personal fields in
    ``changes`` are masked unless the user may change the object."""

    when = serializers.DateTimeField()
    user_id = serializers.IntegerField(allow_null=True)
    user_label = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    object_id = serializers.CharField()
    object_label = serializers.CharField()
    organisation_id = serializers.IntegerField(allow_null=True)
    organisation_label = serializers.CharField(allow_blank=True)
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    action_label = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    changes = AuditFieldChangeSerializer(many=True)
    history = serializers.SerializerMethodField()

    ACTION_WORDS = {"+": "created", "~": "changed", "-": "deleted"}

    def to_representation(self, row):
        data = super().to_representation(row)
        data["action"] = self.ACTION_WORDS.get(row.action, row.action)
        return data

    def get_history(self, row) -> str:
        """The object's own history in the API."""
        path = reverse("audit-object", args=[row.kind, row.object_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


@extend_schema_serializer(many=False)  # the list action answers one page object, not an array
class AuditPageSerializer(serializers.Serializer):
    """A page of the audit log; ``next`` is the next (older) page, null on the last."""

    next = serializers.CharField(allow_null=True)
    results = AuditRowSerializer(many=True)
