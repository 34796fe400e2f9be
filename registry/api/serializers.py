"""Serializers of the registry API.

Read serializers show objects; write serializers validate a request body and hand it to a
service (``registry.services``), which records the acting user and the reason in history.
References in bodies (a community code, an organisation id) resolve only inside the user's
jurisdiction; anything else "does not exist".
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.api import (
    PortableModelSerializer,
    ReadModelSerializer,
    ReasonField,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    history_reason_max_length,
)
from core.masking import PersonalDataSerializerMixin
from core.scoping import CHANGE
from registry.choices import (
    ApplicationKind,
    ApplicationStatus,
    DivisionLevel,
    ExitReason,
    LegalForm,
    OrgStatus,
    ServiceTarget,
)
from registry.extensions import ORGANISATION_API_FIELDS, organisation_api_values
from registry.models import (
    Activity,
    Application,
    BrandProject,
    Division,
    Member,
    Organisation,
    User,
)
from registry.rules import condition_label
from registry.services import lifecycle, organisations

ORG_STATUS_LABELS = dict(OrgStatus.choices)
APPLICATION_KIND_LABELS = dict(ApplicationKind.choices)
APPLICATION_STATUS_LABELS = dict(ApplicationStatus.choices)
LONG_TEXT = 20_000
MEDIUM_TEXT = 5_000
#: a reason, and an application's note, is also the history row's change reason: no longer than
#: that column (100 characters with simple-history's default)
NOTE_TEXT = history_reason_max_length()


class DivisionSerializer(ReadModelSerializer):
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "path", "is_residential", "is_statistical"]
        read_only_fields = fields


class UserRefSerializer(ReadModelSerializer):
    """Who acted: the account and its display name."""

    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


def _community(**kwargs):
    return ScopedSlugRelatedField(
        slug_field="code",
        queryset=Division.objects.filter(level=DivisionLevel.COMMUNITY),
        help_text=_("Code of a community inside your jurisdiction."),
        **kwargs,
    )


def _organisation(**kwargs):
    return ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        scope_action=CHANGE,
        help_text=_("Id of an organisation inside your jurisdiction."),
        **kwargs,
    )


def _service_call(serializer, service, **kwargs):
    """Call a ledger service with the request's user as the acting user."""
    data = dict(serializer.validated_data)
    reason = data.pop("reason", "")
    return service(acting_user=serializer.context["request"].user, reason=reason, **kwargs, **data)


# --- members, activities, brand projects -------------------------------------------------


class MemberSerializer(PersonalDataSerializerMixin, ReadModelSerializer):
    """A roster entry; phone and ID number masked unless the reader may change the roster."""

    is_current = serializers.SerializerMethodField()

    personal_data_owner_field = "organisation"

    class Meta:
        model = Member
        fields = [
            "id",
            "organisation",
            "name",
            "gender",
            "phone",
            "id_number",
            "party_status",
            "role",
            "is_founder",
            "joined_on",
            "left_on",
            "is_current",
        ]
        read_only_fields = fields

    def get_is_current(self, member) -> bool:
        return member.left_on is None


class MemberUpdateSerializer(PortableModelSerializer):
    """A roster entry; record that someone left by setting ``left_on`` (nobody is deleted)."""

    reason = ReasonField()

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "phone",
            "id_number",
            "party_status",
            "role",
            "is_founder",
            "joined_on",
            "left_on",
            "reason",
        ]
        extra_kwargs = {"phone": {"max_length": 30}, "id_number": {"max_length": 30}}
        validators = []  # uniqueness: the service's full_clean(), inside its transaction

    def update(self, instance, validated_data):
        return _service_call(self, organisations.member_update, member=instance)


class MemberCreateSerializer(MemberUpdateSerializer):
    organisation = _organisation()

    class Meta(MemberUpdateSerializer.Meta):
        fields = ["organisation", *MemberUpdateSerializer.Meta.fields]

    def create(self, validated_data):
        organisation = self.validated_data["organisation"]
        data = {k: v for k, v in self.validated_data.items() if k != "organisation"}
        return organisations.member_add(
            organisation=organisation,
            acting_user=self.context["request"].user,
            **{"reason": "", **data},
        )


class ActivitySerializer(ReadModelSerializer):
    class Meta:
        model = Activity
        fields = [
            "id",
            "organisation",
            "held_on",
            "title",
            "series",
            "participants",
            "volunteer_hours",
            "is_major",
            "description",
        ]
        read_only_fields = fields


class ActivityUpdateSerializer(PortableModelSerializer):
    reason = ReasonField()

    class Meta:
        model = Activity
        fields = [
            "held_on",
            "title",
            "series",
            "participants",
            "volunteer_hours",
            "is_major",
            "description",
            "reason",
        ]
        extra_kwargs = {
            "description": {"max_length": MEDIUM_TEXT},
            "volunteer_hours": {"min_value": 0},
        }
        validators = []

    def update(self, instance, validated_data):
        return _service_call(self, organisations.activity_update, activity=instance)


class ActivityCreateSerializer(ActivityUpdateSerializer):
    organisation = _organisation()

    class Meta(ActivityUpdateSerializer.Meta):
        fields = ["organisation", *ActivityUpdateSerializer.Meta.fields]

    def create(self, validated_data):
        data = dict(self.validated_data)
        return organisations.activity_record(
            organisation=data.pop("organisation"),
            acting_user=self.context["request"].user,
            **{"reason": "", **data},
        )


class BrandProjectSerializer(ReadModelSerializer):
    class Meta:
        model = BrandProject
        fields = ["id", "organisation", "name", "year", "recognised_by"]
        read_only_fields = fields


class BrandProjectCreateSerializer(PortableModelSerializer):
    reason = ReasonField()

    class Meta:
        model = BrandProject
        fields = ["name", "year", "recognised_by", "reason"]
        extra_kwargs = {"year": {"min_value": 1949, "max_value": 2100}}
        validators = []

    def validate_year(self, value):
        if value > timezone.localdate().year:
            raise serializers.ValidationError(_("The year cannot be in the future."))
        return value


# --- organisations -------------------------------------------------------------------------


class ExtensionValueField(serializers.Field):
    """A read-only value a higher app adds to organisations (``registry.extensions``
    ``register_organisation_api_fields``); its schema is the one the app gives."""

    def __init__(self, name: str, schema: dict, **kwargs):
        self.extension_name = name
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)
        self._spectacular_annotation = {"field": schema}

    def to_representation(self, organisation):
        values = getattr(organisation, "_extension_values", None)
        if values is None:  # one organisation on its own (a detail, or the answer to a write)
            values = organisation_api_values([organisation.pk])[organisation.pk]
            organisation._extension_values = values
        return values.get(self.extension_name)


class OrganisationListSerializer(serializers.ListSerializer):
    """A page of organisations: the values higher apps add are read in one query per app."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        values = organisation_api_values([row.pk for row in rows])
        for row in rows:
            row._extension_values = values[row.pk]
        return super().to_representation(rows)


class OrganisationSerializer(ReadModelSerializer):
    """An organisation as lists show it."""

    status_display = serializers.SerializerMethodField()
    community = serializers.CharField(source="community_id", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    street = serializers.CharField(source="community.parent_id", read_only=True)
    street_name = serializers.CharField(source="community.parent.name", read_only=True)
    district = serializers.CharField(source="community.parent.parent_id", read_only=True)
    district_name = serializers.CharField(source="community.parent.parent.name", read_only=True)
    service_targets = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceTarget.choices), read_only=True
    )

    class Meta:
        model = Organisation
        list_serializer_class = OrganisationListSerializer
        fields = [
            "id",
            "name",
            "status",
            "status_display",
            "org_type",
            "field",
            "service_targets",
            "community",
            "community_name",
            "street",
            "street_name",
            "district",
            "district_name",
            "founded_on",
            "is_hub",
            "filing_number",
            "filed_on",
            "legal_form",
            "credit_code",
            "registered_on",
            "exit_reason",
            "exited_on",
            "updated_at",
        ]
        read_only_fields = fields

    def get_fields(self):
        # The fields higher apps add (the current grade, ...) come after the ledger's own.
        fields = super().get_fields()
        extensions = {
            name: ExtensionValueField(name, schema, help_text=help_text)
            for group in ORGANISATION_API_FIELDS.values()
            for name, (schema, help_text) in group.fields.items()
        }
        ordered = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == "updated_at":
                ordered.update(extensions)
        return ordered | extensions

    # A dictionary look-up: DRF calling get_status_display() inspects its signature every row.
    def get_status_display(self, organisation) -> str:
        return str(ORG_STATUS_LABELS.get(organisation.status, organisation.status))


class ApplicationSummarySerializer(ReadModelSerializer):
    class Meta:
        model = Application
        fields = ["id", "kind", "status", "submitted_at", "decided_at"]
        read_only_fields = fields


class OrganisationDetailSerializer(OrganisationSerializer):
    """One organisation with its ledger: the current roster, the latest activities, brand
    projects and applications. The full activity list is ``/api/v1/activities/?organisation=``."""

    hub_designated_by = serializers.CharField(
        source="hub_designated_by_id", read_only=True, allow_null=True
    )
    members = MemberSerializer(source="current_members", many=True, read_only=True)
    recent_activities = ActivitySerializer(many=True, read_only=True)
    brand_projects = BrandProjectSerializer(many=True, read_only=True)
    applications = ApplicationSummarySerializer(many=True, read_only=True)
    # The documents are private (core.documents): their scoped download link, not a media URL.
    charter_file = serializers.SerializerMethodField()
    activity_rules_file = serializers.SerializerMethodField()

    class Meta(OrganisationSerializer.Meta):
        fields = [
            *OrganisationSerializer.Meta.fields,
            "business_scope",
            "venue",
            "legal_person_founders",
            "is_for_profit",
            "charter_text",
            "charter_file",
            "activity_rules_text",
            "activity_rules_file",
            "service_norms_text",
            "hub_designated_on",
            "hub_designated_by",
            "created_at",
            "members",
            "recent_activities",
            "brand_projects",
            "applications",
        ]
        read_only_fields = fields

    def _document_url(self, organisation, field: str, document: str) -> str | None:
        if not getattr(organisation, field):
            return None
        url = reverse("organisation-document", args=[organisation.pk, document])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    # a link, or null without a file
    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_charter_file(self, organisation) -> str | None:
        return self._document_url(organisation, "charter_file", "charter")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_activity_rules_file(self, organisation) -> str | None:
        return self._document_url(organisation, "activity_rules_file", "activity-rules")


class OrganisationWriteSerializer(PortableModelSerializer):
    """The ledger fields of an organisation (its status and numbers change only through
    applications). Creating one enters an activity group in a community's ledger."""

    community = _community()
    service_targets = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceTarget.choices),
        required=False,
        max_length=len(ServiceTarget.choices),
    )
    reason = ReasonField()

    class Meta:
        model = Organisation
        fields = [
            "name",
            "community",
            "org_type",
            "field",
            "service_targets",
            "business_scope",
            "venue",
            "founded_on",
            "legal_person_founders",
            "is_for_profit",
            "charter_text",
            "activity_rules_text",
            "service_norms_text",
            "reason",
        ]
        extra_kwargs = {
            "business_scope": {"max_length": MEDIUM_TEXT},
            "charter_text": {"max_length": LONG_TEXT},
            "activity_rules_text": {"max_length": LONG_TEXT},
            "service_norms_text": {"max_length": LONG_TEXT},
        }
        validators = []

    def validate_founded_on(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("The founding date cannot be in the future."))
        return value

    def validate_service_targets(self, value):
        return sorted(set(value))

    def create(self, validated_data):
        return _service_call(self, organisations.organisation_create)

    def update(self, instance, validated_data):
        return _service_call(self, organisations.organisation_update, organisation=instance)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=NOTE_TEXT,
        required=False,
        allow_blank=True,
        help_text=_("Why; kept in the history (required to reject, return or reverse)."),
    )


@extend_schema_serializer(component_name="HubChange")
class HubChangeSerializer(ReasonSerializer):
    effective_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "The day the designation (or revocation) took effect, if earlier than today: not in "
            "the future, not before the founding or the organisation's latest recorded change; "
            "a reason is then required."
        ),
    )


@extend_schema_serializer(component_name="Decision")
class DecisionSerializer(ReasonSerializer):
    effective_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "An exit's approval only: the day the exit took effect, if earlier than today (not "
            "in the future, not before the founding or the organisation's latest recorded "
            "change; a reason is then required)."
        ),
    )


# --- applications ---------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.Serializer):
    """One condition as checked when the application was (re)submitted or approved (describes
    ``ApplicationSerializer.get_checklist``)."""

    code = serializers.CharField()
    met = serializers.BooleanField()
    severity = serializers.CharField()
    params = serializers.DictField()
    label = serializers.CharField(help_text=_("The condition in words, in the answer's language."))


class ApplicationSerializer(ReadModelSerializer):
    kind_display = serializers.SerializerMethodField()
    status_display = serializers.SerializerMethodField()
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    initiating_division = serializers.CharField(
        source="initiating_division_id", read_only=True, allow_null=True
    )
    reviewing_division = serializers.CharField(source="reviewing_division_id", read_only=True)
    checklist = serializers.SerializerMethodField()
    submitted_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    reversed_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "kind",
            "kind_display",
            "organisation",
            "organisation_name",
            "status",
            "status_display",
            "initiating_division",
            "reviewing_division",
            "checklist",
            "legal_form",
            "credit_code",
            "exit_reason",
            "note",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "reversed_by",
            "reversed_at",
            "reversal_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, application) -> list[dict]:
        # Plain dictionaries: a nested serializer per item costs more than the rest of the row.
        return [
            {
                "code": item.get("code", ""),
                "met": bool(item.get("met")),
                "severity": item.get("severity", ""),
                "params": item.get("params") or {},
                "label": condition_label(item),
            }
            for item in application.checklist
        ]

    def get_kind_display(self, application) -> str:
        return str(APPLICATION_KIND_LABELS.get(application.kind, application.kind))

    def get_status_display(self, application) -> str:
        return str(APPLICATION_STATUS_LABELS.get(application.status, application.status))


class ApplicationSubmitSerializer(serializers.Serializer):
    """Apply to file, register or exit an organisation (``submit``)."""

    organisation = _organisation()
    kind = serializers.ChoiceField(choices=ApplicationKind.choices)
    note = serializers.CharField(max_length=NOTE_TEXT, required=False, allow_blank=True)
    credit_code = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("Registration: the unified social credit code."),
    )
    legal_form = serializers.ChoiceField(
        choices=LegalForm.choices,
        required=False,
        allow_blank=True,
        help_text=_("Registration: the legal form."),
    )
    exit_reason = serializers.ChoiceField(
        choices=ExitReason.choices,
        required=False,
        allow_blank=True,
        help_text=_("Exit: the reason."),
    )

    def create(self, validated_data):
        return lifecycle.application_submit(
            acting_user=self.context["request"].user, **validated_data
        )


class ApplicationResubmitSerializer(serializers.Serializer):
    """Send a returned application back for review, corrected."""

    note = serializers.CharField(max_length=NOTE_TEXT, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=30, required=False, allow_blank=True)
    legal_form = serializers.ChoiceField(
        choices=LegalForm.choices, required=False, allow_blank=True
    )
    exit_reason = serializers.ChoiceField(
        choices=ExitReason.choices, required=False, allow_blank=True
    )


# --- history --------------------------------------------------------------------------------


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.SerializerMethodField()
    new = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.ANY)
    def get_old(self, change):
        return change.old

    @extend_schema_field(OpenApiTypes.ANY)
    def get_new(self, change):
        return change.new


class TimelineEntrySerializer(serializers.Serializer):
    """One thing that happened to an organisation or one of its records."""

    when = serializers.DateTimeField()
    user = UserRefSerializer(allow_null=True)
    model = serializers.CharField(help_text=_("organisation, member, activity, ..."))
    model_label = serializers.CharField()
    object_id = serializers.IntegerField()
    object_label = serializers.CharField()
    action = serializers.ChoiceField(
        choices=[("+", _("created")), ("~", _("changed")), ("-", _("deleted"))]
    )
    action_label = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    changes = FieldChangeSerializer(many=True)
