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


class KpiReportQuerySerializer(KpiQuerySerializer):
    as_recorded_on = serializers.DateField(
        required=False,
        help_text=_(
            "The figures as the system showed them at the end of this day: only what had been "
            "recorded by then counts (YYYY-MM-DD, on or after as_of; default: everything "
            "recorded so far)."
        ),
    )

    def validate_as_recorded_on(self, value):
        today = timezone.localdate()
        if value > today:
            raise serializers.ValidationError(
                _("The date is in the future; give a day up to today (%(today)s).")
                % {"today": today.isoformat()}
            )
        return value

    def validate(self, attrs):
        recorded, as_of = attrs.get("as_recorded_on"), attrs.get("as_of") or timezone.localdate()
        if recorded is not None and recorded < as_of:
            raise serializers.ValidationError(
                {
                    "as_recorded_on": [
                        _(
                            "As recorded on %(recorded)s is earlier than the as-of date "
                            "%(as_of)s: the figures of a day can only be as recorded on that "
                            "day or later."
                        )
                        % {"recorded": recorded.isoformat(), "as_of": as_of.isoformat()}
                    ]
                }
            )
        return attrs


class KpiDifferenceQuerySerializer(KpiReportQuerySerializer):
    compared_with = serializers.DateField(
        required=False,
        help_text=_("The later recorded day to compare with (default: all recorded so far)."),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("as_recorded_on") is None:
            raise serializers.ValidationError(
                {"as_recorded_on": [_("Give the day the figures were reported.")]}
            )
        compared = attrs.get("compared_with")
        if compared is not None and compared < attrs["as_recorded_on"]:
            raise serializers.ValidationError(
                {"compared_with": [_("Give a day on or after as_recorded_on.")]}
            )
        if compared is not None and compared > timezone.localdate():
            raise serializers.ValidationError({"compared_with": [_("The date is in the future.")]})
        return attrs


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
    as_recorded_on = serializers.DateField(
        allow_null=True, help_text=_("null: everything recorded so far.")
    )
    report_year = serializers.IntegerField(
        allow_null=True, help_text=_("The year whose annual reports annual_reports counts.")
    )
    period_start = serializers.DateField(
        allow_null=True, help_text=_("First day counted by exits and the approvals.")
    )
    scope = KpiNodeSerializer()
    children = KpiNodeSerializer(many=True)


class KpiChangeSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=KpiKey.choices)
    before = KpiValueSerializer(help_text=_("As recorded on as_recorded_on."))
    after = KpiValueSerializer(help_text=_("As recorded on compared_with (or now)."))


class LateRecordSerializer(serializers.Serializer):
    kind = serializers.CharField()
    object_id = serializers.IntegerField()
    label = serializers.CharField()
    organisation_id = serializers.IntegerField(allow_null=True)
    effective_on = serializers.DateField(help_text=_("The day it took effect."))
    recorded_at = serializers.DateTimeField(help_text=_("When it was entered."))
    recorded_by = serializers.CharField(help_text=_("Who entered it."))
    change = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class KpiDifferenceSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    as_recorded_on = serializers.DateField()
    compared_with = serializers.DateField(allow_null=True)
    changed = KpiChangeSerializer(many=True)
    late_records = LateRecordSerializer(many=True)


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
