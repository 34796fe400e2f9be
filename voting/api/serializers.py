"""Serializers of the vote's API: thin; the services validate."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api import ReasonField, ScopedPrimaryKeyRelatedField
from selection.choices import StageKind
from selection.models import Campaign, Stage
from voting import services
from voting.choices import ResultsVisibility, VoterRule
from voting.models import CategoryRule, Exclusion, VoteStage


@extend_schema_serializer(component_name="VotingCategoryRule")
class CategoryRuleSerializer(serializers.ModelSerializer):
    category = serializers.IntegerField(source="category_id", min_value=1, max_value=2**31 - 1)
    min_choices = serializers.IntegerField(min_value=0, max_value=500, default=1)
    max_choices = serializers.IntegerField(
        min_value=1, max_value=500, allow_null=True, required=False, default=None
    )

    class Meta:
        model = CategoryRule
        fields = ["category", "min_choices", "max_choices"]


def _rules(data):
    return [
        {
            "category": rule["category_id"],
            "min_choices": rule["min_choices"],
            "max_choices": rule.get("max_choices"),
        }
        for rule in data
    ]


@extend_schema_serializer(component_name="VotingVote")
class VoteStageSerializer(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="stage.campaign_id", read_only=True)
    rules = CategoryRuleSerializer(many=True, read_only=True)
    is_open = serializers.SerializerMethodField()
    results_visible = serializers.SerializerMethodField()

    class Meta:
        model = VoteStage
        fields = [
            "id",
            "stage",
            "campaign",
            "title",
            "opens_at",
            "closes_at",
            "results_visibility",
            "voter_rule",
            "rules",
            "is_open",
            "results_visible",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_open(self, vote) -> bool:
        return vote.is_open()

    def get_results_visible(self, vote) -> bool:
        return vote.results_visible()


class _OrganisedStageField(ScopedPrimaryKeyRelatedField):
    """A public-vote stage of a campaign the user organises (or watches from above)."""

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return Stage.objects.filter(
            kind=StageKind.PUBLIC_VOTE, campaign__in=Campaign.objects.internal(user)
        ).restrict(user, self.scope_action)


@extend_schema_serializer(component_name="VotingVoteCreate")
class VoteCreateSerializer(serializers.Serializer):
    stage = _OrganisedStageField(queryset=Stage.objects.all())
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    results_visibility = serializers.ChoiceField(
        choices=ResultsVisibility.choices, default=ResultsVisibility.AFTER_CLOSING
    )
    voter_rule = serializers.ChoiceField(choices=VoterRule.choices, default=VoterRule.PHONE)
    rules = CategoryRuleSerializer(many=True, required=False)

    def create(self, validated_data):
        return services.vote_create(
            acting_user=self.context["request"].user,
            stage=validated_data["stage"],
            title=validated_data["title"],
            opens_at=validated_data["opens_at"],
            closes_at=validated_data["closes_at"],
            results_visibility=validated_data["results_visibility"],
            voter_rule=validated_data["voter_rule"],
            rules=_rules(validated_data.get("rules", [])),
        )


@extend_schema_serializer(component_name="VotingVoteUpdate")
class VoteUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    results_visibility = serializers.ChoiceField(choices=ResultsVisibility.choices, required=False)
    voter_rule = serializers.ChoiceField(choices=VoterRule.choices, required=False)
    rules = CategoryRuleSerializer(many=True, required=False)
    reason = ReasonField()

    def validate_rules(self, rules):
        # A PATCH validates partially, nested rules too: a rule's category is then not
        # required and its defaults are not filled in. A rule is whole or it is an error.
        if any("category_id" not in rule for rule in rules):
            raise serializers.ValidationError(_("Each rule names its category."))
        return [{"min_choices": 1, "max_choices": None, **rule} for rule in rules]

    def update(self, instance, validated_data):
        reason = validated_data.pop("reason", "")
        if "rules" in validated_data:
            validated_data["rules"] = _rules(validated_data["rules"])
        return services.vote_update(
            vote=instance, acting_user=self.context["request"].user, reason=reason, **validated_data
        )


@extend_schema_serializer(component_name="VotingExclusion")
class ExclusionSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(max_length=2000)
    hour = serializers.DateTimeField(required=False, allow_null=True, default=None)
    address_key = serializers.RegexField(
        r"^[0-9a-f]{16}$", required=False, allow_blank=True, default=""
    )

    class Meta:
        model = Exclusion
        fields = ["id", "hour", "address_key", "reason", "withdrawn", "created_at"]
        read_only_fields = ["id", "withdrawn", "created_at"]


@extend_schema_serializer(component_name="VotingExclusionWithdraw")
class ExclusionWithdrawSerializer(serializers.Serializer):
    exclusion = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(max_length=2000)


@extend_schema_serializer(component_name="VotingCodesIssue")
class CodesIssueSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=services.MOST_CODES)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="VotingCheck")
class CheckSerializer(serializers.Serializer):
    voters = serializers.IntegerField(help_text=_("Voters marked voted."))
    ballots = serializers.IntegerField(help_text=_("Ballots stored."))
    consistent = serializers.BooleanField()


@extend_schema_serializer(component_name="VotingBurstAddress")
class BurstAddressSerializer(serializers.Serializer):
    address_key = serializers.CharField()
    identities = serializers.IntegerField()
    voted = serializers.IntegerField()
    first_minute = serializers.DateTimeField()
    last_minute = serializers.DateTimeField()


@extend_schema_serializer(component_name="VotingBurstMinute")
class BurstMinuteSerializer(serializers.Serializer):
    minute = serializers.DateTimeField()
    identities = serializers.IntegerField()
    addresses = serializers.IntegerField()


@extend_schema_serializer(component_name="VotingBursts")
class BurstsSerializer(serializers.Serializer):
    per_address = serializers.IntegerField()
    per_minute = serializers.IntegerField()
    addresses = BurstAddressSerializer(many=True)
    minutes = BurstMinuteSerializer(many=True)


# --- results ------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="VotingEntryResult")
class EntryResultSerializer(serializers.Serializer):
    entry = serializers.IntegerField(source="entry_id")
    title = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    votes = serializers.IntegerField(allow_null=True)
    share = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    counted = serializers.IntegerField(
        allow_null=True, help_text=_("Votes without the excluded windows.")
    )
    counted_share = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


@extend_schema_serializer(component_name="VotingCategoryResult")
class CategoryResultSerializer(serializers.Serializer):
    category = serializers.IntegerField(source="category_id")
    name = serializers.CharField()
    min_choices = serializers.IntegerField()
    max_choices = serializers.IntegerField(allow_null=True)
    votes = serializers.IntegerField(allow_null=True)
    counted = serializers.IntegerField(allow_null=True)
    entries = EntryResultSerializer(many=True)


@extend_schema_serializer(component_name="VotingTurnoutHour")
class TurnoutSerializer(serializers.Serializer):
    hour = serializers.DateTimeField()
    ballots = serializers.IntegerField()
    running = serializers.IntegerField()


@extend_schema_serializer(component_name="VotingResults")
class ResultsSerializer(serializers.Serializer):
    vote = serializers.IntegerField()
    title = serializers.CharField()
    closes_at = serializers.DateTimeField()
    visible = serializers.BooleanField(
        help_text=_("False while the vote hides its results: no count is given.")
    )
    voters = serializers.IntegerField(allow_null=True)
    ballots = serializers.IntegerField(allow_null=True)
    excluded_ballots = serializers.IntegerField(allow_null=True)
    categories = CategoryResultSerializer(many=True)
    turnout = TurnoutSerializer(many=True)


def results_data(found, turnout_rows, *, organiser: bool) -> dict:
    """The results as the API gives them: no count at all while hidden (organisers still see
    how many voted, never per entry)."""
    visible = found.visible
    show_totals = visible or organiser
    return {
        "vote": found.vote.pk,
        "title": found.vote.title,
        "closes_at": found.vote.closes_at,
        "visible": visible,
        "voters": found.voters if show_totals else None,
        "ballots": found.ballots if show_totals else None,
        "excluded_ballots": found.excluded_ballots if visible else None,
        "categories": [
            {
                "category_id": category.category_id,
                "name": category.name,
                "min_choices": category.min_choices,
                "max_choices": category.max_choices,
                "votes": category.votes if visible else None,
                "counted": category.counted if visible else None,
                "entries": [
                    {
                        "entry_id": row.entry_id,
                        "title": row.title,
                        "rank": row.rank if visible else None,
                        "votes": row.votes if visible else None,
                        "share": row.share if visible else None,
                        "counted": row.counted if visible else None,
                        "counted_share": row.counted_share if visible else None,
                    }
                    for row in category.entries
                ],
            }
            for category in found.categories
        ],
        "turnout": [
            {"hour": hour, "ballots": n, "running": running}
            for hour, n, running in (turnout_rows if show_totals else [])
        ],
    }


# --- the public voting endpoints ---------------------------------------------------------------


@extend_schema_serializer(component_name="VotingBallotEntry")
class BallotEntrySerializer(serializers.Serializer):
    entry = serializers.IntegerField(source="entry_id")
    title = serializers.CharField()


@extend_schema_serializer(component_name="VotingBallotCategory")
class BallotCategorySerializer(serializers.Serializer):
    category = serializers.IntegerField(source="category_id")
    name = serializers.CharField()
    min_choices = serializers.IntegerField()
    max_choices = serializers.IntegerField(allow_null=True)
    entries = BallotEntrySerializer(many=True)


@extend_schema_serializer(component_name="VotingPublicVote")
class PublicVoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    is_open = serializers.BooleanField()
    voter_rule = serializers.ChoiceField(choices=VoterRule.choices)
    results_visible = serializers.BooleanField()
    categories = BallotCategorySerializer(many=True)


@extend_schema_serializer(component_name="VotingPhoneRequest")
class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20)


@extend_schema_serializer(component_name="VotingVerifyRequest")
class VerifySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20, required=False)
    otp = serializers.CharField(max_length=10, required=False)
    code = serializers.CharField(max_length=20, required=False)

    def validate(self, attrs):
        if attrs.get("code"):
            return attrs
        if attrs.get("phone") and attrs.get("otp"):
            return attrs
        raise serializers.ValidationError(
            _("Give a voting code, or the mobile number and the code sent to it.")
        )


@extend_schema_serializer(component_name="VotingVerified")
class VerifiedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it with the ballot; valid 20 minutes."))
    expires_in = serializers.IntegerField(help_text=_("Seconds."))


@extend_schema_serializer(component_name="VotingBallotRequest")
class BallotSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=100)
    choices = serializers.DictField(
        child=serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), max_length=500
        ),
        help_text=_("Category id -> the ids of the entries chosen in it."),
    )

    def validate_choices(self, value):
        if len(value) > 100:
            raise serializers.ValidationError(_("Too many categories."))
        return value


@extend_schema_serializer(component_name="VotingMessage")
class MessageSerializer(serializers.Serializer):
    detail = serializers.CharField()
