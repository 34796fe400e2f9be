"""Thin serializers: they type-check the request body and hand it to a service."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import ReasonField, ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from core.masking import PersonalDataSerializerMixin
from core.scoping import VIEW
from party_building import services
from party_building.choices import CoverageFigure, CoverageMode
from party_building.models import (
    InstructorAssignment,
    PartyCoverage,
    PartyInstructor,
    PartyOrganisation,
)
from registry.choices import OrgStatus
from registry.models import Division, Organisation


def _user(serializer):
    return serializer.context["request"].user


class ReasonMixin(serializers.Serializer):
    reason = ReasonField()


class PartyCoverageSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = PartyCoverage
        fields = ["organisation", "organisation_name", "start_on", "end_on"]
        read_only_fields = fields


class PartyOrganisationSerializer(ReasonMixin, serializers.ModelSerializer):
    guiding_division = ScopedSlugRelatedField(slug_field="code", queryset=Division.objects.all())
    covered_organisations = ScopedPrimaryKeyRelatedField(
        many=True,
        queryset=Organisation.objects.filter(status__in=OrgStatus.LIVE),
        write_only=True,
        required=False,
        help_text=_(
            "Ids of the organisations covered from now on (the full set); coverage of those "
            "left out ends today."
        ),
    )
    coverage = PartyCoverageSerializer(source="coverages", many=True, read_only=True)
    member_count = serializers.IntegerField(required=False)

    class Meta:
        model = PartyOrganisation
        fields = [
            "id",
            "name",
            "kind",
            "guiding_division",
            "founded_on",
            "dissolved_on",
            "secretary",
            "member_count",
            "note",
            "covered_organisations",
            "coverage",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "coverage", "created_at", "updated_at"]

    def create(self, validated_data):
        return services.party_organisation_create(
            acting_user=_user(self),
            reason=validated_data.pop("reason", ""),
            covered_organisations=validated_data.pop("covered_organisations", []),
            **validated_data,
        )

    def update(self, instance, validated_data):
        return services.party_organisation_update(
            party_organisation=instance,
            acting_user=_user(self),
            reason=validated_data.pop("reason", ""),
            covered_organisations=validated_data.pop("covered_organisations", None),
            **validated_data,
        )


class PartyInstructorSerializer(
    PersonalDataSerializerMixin, ReasonMixin, serializers.ModelSerializer
):
    division = ScopedSlugRelatedField(slug_field="code", queryset=Division.objects.all())

    class Meta:
        model = PartyInstructor
        fields = ["id", "name", "phone", "division", "note", "reason"]
        read_only_fields = ["id"]

    def create(self, validated_data):
        return services.instructor_create(
            acting_user=_user(self), reason=validated_data.pop("reason", ""), **validated_data
        )

    def update(self, instance, validated_data):
        return services.instructor_update(
            instructor=instance,
            acting_user=_user(self),
            reason=validated_data.pop("reason", ""),
            **validated_data,
        )


class InstructorAssignmentSerializer(ReasonMixin, serializers.ModelSerializer):
    instructor = ScopedPrimaryKeyRelatedField(
        queryset=PartyInstructor.objects.all(), scope_action=VIEW
    )
    organisation = ScopedPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    instructor_name = serializers.CharField(source="instructor.name", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = InstructorAssignment
        fields = [
            "id",
            "instructor",
            "instructor_name",
            "organisation",
            "organisation_name",
            "start_on",
            "end_on",
            "note",
            "reason",
        ]
        read_only_fields = ["id"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # Who is assigned where is fixed once recorded; a new pairing is a new assignment.
            for name in ("instructor", "organisation"):
                fields[name] = serializers.PrimaryKeyRelatedField(read_only=True)
        return fields

    def create(self, validated_data):
        return services.assignment_create(
            instructor=validated_data.pop("instructor"),
            organisation=validated_data.pop("organisation"),
            acting_user=_user(self),
            reason=validated_data.pop("reason", ""),
            **validated_data,
        )

    def update(self, instance, validated_data):
        return services.assignment_update(
            assignment=instance,
            acting_user=_user(self),
            reason=validated_data.pop("reason", ""),
            **validated_data,
        )


class OrganisationCoverageSerializer(serializers.ModelSerializer):
    """An organisation with its derived coverage (rows of ``selectors.annotate_coverage``)."""

    community = serializers.CharField(source="community_id", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    coverage_mode = serializers.ChoiceField(choices=CoverageMode.choices, read_only=True)
    formal_party_members = serializers.IntegerField(read_only=True)
    has_own_party_organisation = serializers.BooleanField(read_only=True)
    has_joint_branch = serializers.BooleanField(read_only=True)
    has_instructor = serializers.BooleanField(read_only=True)
    guiding_division = serializers.CharField(
        source="guiding_division_code", read_only=True, allow_null=True
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "status",
            "community",
            "community_name",
            "guiding_division",
            "formal_party_members",
            "coverage_mode",
            "has_own_party_organisation",
            "has_joint_branch",
            "has_instructor",
        ]
        read_only_fields = fields


class UncoveredDivisionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", read_only=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent"]
        read_only_fields = fields


class CoverageQuerySerializer(serializers.Serializer):
    """Query parameters of the coverage endpoints."""

    scope = serializers.CharField(
        required=False, max_length=12, help_text=_("Division code (default: your own).")
    )
    on = serializers.DateField(
        required=False, help_text=_("Count the party records in force on this date.")
    )


class UncoveredQuerySerializer(CoverageQuerySerializer):
    figure = serializers.ChoiceField(choices=CoverageFigure.choices)


# --- answers of the coverage endpoint (for the schema) --------------------------------------


class FigureSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(
        allow_null=True, help_text=_("numerator / denominator; null when the denominator is 0")
    )


class FiguresSerializer(serializers.Serializer):
    organisation_coverage = FigureSerializer()
    work_coverage = FigureSerializer()
    streets_with_general_branch = FigureSerializer()
    communities_with_branch = FigureSerializer()


class CoverageNodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    is_residential = serializers.BooleanField()


class CoverageChildSerializer(CoverageNodeSerializer):
    figures = FiguresSerializer()


class CoverageFiguresSerializer(serializers.Serializer):
    node = CoverageNodeSerializer()
    on = serializers.DateField()
    figures = FiguresSerializer()
    children = CoverageChildSerializer(many=True)
