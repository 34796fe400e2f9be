"""The vote's API: the organisers' (scoped to the campaign's organiser and the tiers above) and
the public voting endpoints (no login; a verification gives a token the ballot carries)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.api import (
    ERROR_SERIALIZERS,
    ScopedAutoSchema,
    ScopedViewSetMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    api_language,
)
from voting import exports, selectors, services
from voting.api import serializers as s
from voting.models import Exclusion, VoteStage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class VoteViewSet(
    ScopedViewSetMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Public votes of selection campaigns, for their organisers."""

    queryset = VoteStage.objects.select_related("stage__campaign").prefetch_related("rules")
    serializer_class = s.VoteStageSerializer
    input_serializer_classes = {
        "create": s.VoteCreateSerializer,
        "update": s.VoteUpdateSerializer,
        "partial_update": s.VoteUpdateSerializer,
    }
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(responses=s.ResultsSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Counts and shares per category, with and without exclusions; while the vote hides its
        results, only how many voted (no count per entry, for the organiser neither)."""
        vote = self.get_object()
        found = selectors.results(vote)
        return Response(
            s.ResultsSerializer(s.results_data(found, selectors.turnout(vote), organiser=True)).data
        )

    @extend_schema(responses=s.CheckSerializer)
    @action(detail=True, methods=["get"])
    def check(self, request, pk=None):
        """The integrity check: ballots stored == voters marked voted."""
        return Response(s.CheckSerializer(selectors.integrity_check(self.get_object())).data)

    @extend_schema(responses=s.BurstsSerializer)
    @action(detail=True, methods=["get"])
    def bursts(self, request, pk=None):
        """Fraud signals: many identities verified from one address or in one minute."""
        return Response(s.BurstsSerializer(selectors.burst_report(self.get_object())).data)

    @extend_schema(methods=["get"], responses=s.ExclusionSerializer(many=True), request=None)
    @extend_schema(
        methods=["post"], request=s.ExclusionSerializer, responses={201: s.ExclusionSerializer}
    )
    # the whole list, unpaged (a vote has a handful): the schema must not promise pages
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def exclusions(self, request, pk=None):
        """The excluded windows; POST excludes one (an hour, an address key, or both) with a
        reason."""
        vote = self.get_object()
        if request.method == "GET":
            rows = Exclusion.objects.filter(vote=vote).order_by("pk")
            return Response(s.ExclusionSerializer(rows, many=True).data)
        body = s.ExclusionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exclusion = self.perform_service(
            lambda acting_user: _vote_of(
                services.exclusion_create(vote=vote, acting_user=acting_user, **body.validated_data)
            )
        )
        return Response(s.ExclusionSerializer(exclusion).data, status=201)

    @extend_schema(request=s.ExclusionWithdrawSerializer, responses=s.ExclusionSerializer)
    @action(detail=True, methods=["post"], url_path="withdraw-exclusion")
    def withdraw_exclusion(self, request, pk=None):
        """Count an excluded window again, with a reason."""
        vote = self.get_object()
        body = s.ExclusionWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exclusion = Exclusion.objects.filter(vote=vote, pk=body.validated_data["exclusion"]).first()
        if exclusion is None:
            raise NotFound()
        exclusion = self.perform_service(
            lambda acting_user: _vote_of(
                services.exclusion_withdraw(
                    exclusion=exclusion,
                    acting_user=acting_user,
                    reason=body.validated_data["reason"],
                )
            )
        )
        return Response(s.ExclusionSerializer(exclusion).data)

    @extend_schema(
        request=s.CodesIssueSerializer,
        responses={(201, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The codes")},
    )
    @action(detail=True, methods=["post"])
    def codes(self, request, pk=None):
        """Issue a batch of single-use voting codes: the answer is the .xlsx listing them, the
        only time they are shown (they are stored hashed)."""
        vote = self.get_object()
        body = s.CodesIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        found = {}

        def issue(acting_user):
            batch, codes = services.codes_issue(
                vote=vote, acting_user=acting_user, **body.validated_data
            )
            found["batch"], found["codes"] = batch, codes
            return vote

        self.perform_service(issue)
        content = exports.codes_workbook(vote, found["batch"], found["codes"])
        response = HttpResponse(content, content_type=XLSX, status=201)
        response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-codes.xlsx"'
        return response


def _vote_of(row):
    # ``perform_service`` checks the returned object is still in scope; an exclusion is in scope
    # with its vote. Return the row, with ``is_within`` asking the vote.
    row.is_within = row.vote.is_within
    return row


class PublicSchema(ScopedAutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["404"]
        if self.method == "POST":
            codes.append("400")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method == "POST" and "429" not in responses:
            responses["429"] = self._get_response_for_code(
                ERROR_SERIALIZERS["403"], "429", direction=direction
            )
        return responses


class PublicVoteViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The public voting endpoints: no login. Verify (a code sent by SMS, or a voting code) to
    get a token, then cast the ballot with it; results once the vote shows them."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []  # the vote limits per address and per identity itself
    parser_classes = [JSONParser]
    schema = PublicSchema()
    # the stage comes with the vote: the ballot reads its campaign and position
    queryset = selectors.public_votes().select_related("stage")
    serializer_class = s.PublicVoteSerializer

    def initial(self, request, *args, **kwargs):
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)

    def get_object(self, *, with_stage=True):
        """The vote of the URL; ``with_stage=False`` for verifying and casting: the cached copy
        (``services.public_vote``; they read the stage only when the ballot's cached shape has
        expired, and their statements check the vote's window themselves)."""
        value = str(self.kwargs.get("pk", ""))
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise NotFound()
        if not with_stage:
            vote = services.public_vote(int(value))
            if vote is None:
                raise NotFound()
            return vote
        return get_object_or_404(self.get_queryset(), pk=int(value))

    def retrieve(self, request, *args, **kwargs):
        """The vote and its ballot: the categories with their rules and entries."""
        vote = self.get_object()
        categories = selectors.ballot_entries(vote)
        return Response(
            s.PublicVoteSerializer(
                {
                    "id": vote.pk,
                    "title": vote.title,
                    "opens_at": vote.opens_at,
                    "closes_at": vote.closes_at,
                    "is_open": vote.is_open(),
                    "voter_rule": vote.voter_rule,
                    "results_visible": vote.results_visible(),
                    "categories": [
                        {
                            "category_id": c.category_id,
                            "name": c.name,
                            "min_choices": c.min_choices,
                            "max_choices": c.max_choices,
                            "entries": [
                                {"entry_id": e.entry_id, "title": e.title} for e in c.entries
                            ],
                        }
                        for c in categories
                    ],
                }
            ).data
        )

    def _limited(self, run):
        try:
            return run()
        except services.RateLimited as refused:
            return Response({"detail": str(refused.message)}, status=429)

    @extend_schema(request=s.PhoneSerializer, responses={202: s.MessageSerializer})
    @action(detail=True, methods=["post"])
    def phone(self, request, pk=None):
        """Send a one-time code to a mobile number."""
        vote = self.get_object()
        body = s.PhoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)

        def run():
            services.phone_challenge_send(
                vote=vote, phone=body.validated_data["phone"], address=_address(request)
            )
            return Response({"detail": _("A code has been sent to the number.")}, status=202)

        return self._limited(run)

    @extend_schema(request=s.VerifySerializer, responses={200: s.VerifiedSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Check the code sent by SMS (with the number) or a voting code; the answer's token
        lets its holder cast one ballot."""
        vote = self.get_object(with_stage=False)
        body = s.VerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def run():
            if data.get("code"):
                token = services.code_verify(
                    vote=vote, code=data["code"], address=_address(request)
                )
            else:
                token = services.phone_verify(
                    vote=vote, phone=data["phone"], otp=data["otp"], address=_address(request)
                )
            return Response({"token": token, "expires_in": int(services.TOKEN_TTL.total_seconds())})

        return self._limited(run)

    @extend_schema(request=s.BallotSerializer, responses={201: s.MessageSerializer})
    @action(detail=True, methods=["post"])
    def ballot(self, request, pk=None):
        """Cast the ballot: every category's choices, within its rule, at once."""
        vote = self.get_object(with_stage=False)
        body = s.BallotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.ballot_cast(
            vote=vote, token=body.validated_data["token"], choices=body.validated_data["choices"]
        )
        return Response({"detail": _("Your ballot has been counted. Thank you.")}, status=201)

    @extend_schema(responses=s.ResultsSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """The results, once the vote shows them (else ``visible`` is false and nothing is
        counted in the answer)."""
        vote = self.get_object()
        found = selectors.results(vote)
        turnout = selectors.turnout(vote) if found.visible else []
        return Response(s.ResultsSerializer(s.results_data(found, turnout, organiser=False)).data)


def _address(request) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]
