"""Query parameters and answers of the KPI endpoints (the answers are described for the
schema; the data comes from ``reports.exports.kpi_report_dict``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from registry.api.serializers import OrganisationSerializer
from reports.choices import DrillPart, KpiKey, KpiUnit
from reports.kpis import EARLIEST_AS_OF


class KpiQuerySerializer(serializers.Serializer):
    scope = serializers.CharField(
        required=False,
        max_length=12,
        help_text=_("Division code of the node (default: your own)."),
    )
    as_of = serializers.DateField(
        required=False,
        help_text=_("Compute as at the end of this day (YYYY-MM-DD, default today)."),
    )

    def validate_as_of(self, value):
        today = timezone.localdate()
        if value > today:
            raise serializers.ValidationError(
                _("The date is in the future; KPIs can be computed up to today (%(today)s).")
                % {"today": today.isoformat()}
            )
        if value < EARLIEST_AS_OF:
            raise serializers.ValidationError(
                _("The date is too early; give a date from %(earliest)s.")
                % {"earliest": EARLIEST_AS_OF.isoformat()}
            )
        return value


class KpiOrganisationsQuerySerializer(KpiQuerySerializer):
    part = serializers.ChoiceField(
        choices=DrillPart.choices,
        required=False,
        default=DrillPart.NUMERATOR,
        help_text=_("The organisations behind the numerator or the denominator."),
    )


class KpiValueSerializer(serializers.Serializer):
    numerator = serializers.FloatField(
        allow_null=True, help_text=_("A whole number, or the median for a median in days.")
    )
    denominator = serializers.IntegerField(
        allow_null=True, help_text=_("null for counts and medians.")
    )
    value = serializers.FloatField(
        allow_null=True,
        help_text=_("numerator / denominator (or the count); null when the denominator is 0."),
    )
    target = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField(allow_null=True, help_text=_("null when there is no target."))


KpiValuesSerializer = type(
    "KpiValuesSerializer",
    (serializers.Serializer,),
    {key: KpiValueSerializer() for key in KpiKey.values},
)


class KpiNodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    is_residential = serializers.BooleanField()
    kpis = KpiValuesSerializer()


class KpiReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    report_year = serializers.IntegerField(
        allow_null=True, help_text=_("The year whose annual reports annual_reports counts.")
    )
    period_start = serializers.DateField(
        allow_null=True, help_text=_("First day counted by exits and the approvals.")
    )
    scope = KpiNodeSerializer()
    children = KpiNodeSerializer(many=True)


class KpiDefinitionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=KpiKey.choices)
    label = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.ChoiceField(choices=KpiUnit.choices)
    target = serializers.FloatField(allow_null=True)
    target_due = serializers.DateField(allow_null=True)
    higher_is_better = serializers.BooleanField()


class KpiOrganisationSerializer(OrganisationSerializer):
    """An organisation behind a KPI number: the ledger's shape under a name of its own, because
    this list is paged by page number and the ledger's by cursor, and the schema names a paged
    list after its serializer (one name for both would document one shape for both lists)."""
