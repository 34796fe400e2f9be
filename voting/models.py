"""The public vote on a campaign's shortlist (issue 18).

What is stored, and what is not:

- ``VoteStage``: the settings of one public-vote stage of a selection campaign (times, the rule
  per category, when results show, who may vote). Changes are kept in its history.
- ``Voter``: one verified identity per vote, as a keyed hash of the mobile number or of the
  voting code (``core``-free HMAC, see ``voting/hashing.py``); never the number itself. The
  unique constraint on ``(vote, identity_hash)`` is what makes it *one ballot per identity*. It
  keeps the verification's metadata the fraud report needs (a hash of the address, the minute)
  and a ``voted`` flag. It has **no history table**: a history row written when ``voted``
  flips would carry the exact time of the vote.
- ``Ballot``: the choices, with **no voter reference and no exact time**: only the hour it was
  cast in and, when the address had already verified many identities, that address's key (see
  ``Ballot.address_key``). Nobody with database access can tell who voted for what; the count of
  ballots equals the count of voters who voted (``selectors.integrity_check``).
- ``VotingCode``: single-use codes for offline voting, stored hashed, issued in batches.
- ``Exclusion``: a flagged window (an hour, an address key, or both) the organiser excludes from
  the counts, with a reason; the results show counts with and without exclusions.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import ScopedModel
from voting.choices import ResultsVisibility, VerificationMethod, VoterRule

ORGANISER_PATH = "stage__campaign__organiser__path"


class VoteStage(ScopedModel):
    """The public vote of one stage (of kind public vote) of a selection campaign. Scoped like the
    campaign's internal records: the organiser's node and the tiers above it."""

    stage = models.OneToOneField(
        "selection.Stage",
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        related_name="vote",
    )
    title = models.CharField(_("title"), max_length=200)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    results_visibility = models.CharField(
        _("results shown"),
        max_length=20,
        choices=ResultsVisibility.choices,
        default=ResultsVisibility.AFTER_CLOSING,
    )
    voter_rule = models.CharField(
        _("who may vote"), max_length=20, choices=VoterRule.choices, default=VoterRule.PHONE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    scope_path_field = "stage__campaign__organiser__path"

    class Meta:
        verbose_name = _("public vote")
        verbose_name_plural = _("public votes")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="voting_vote_closes_after_opening",
                violation_error_message=_("The vote must close after it opens."),
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    def results_visible(self, now=None) -> bool:
        """Whether anyone (the organiser too) may see the counts per entry: live, or closed."""
        return self.results_visibility == ResultsVisibility.LIVE or self.is_closed(now)


class CategoryRule(models.Model):
    """How many entries of a category a ballot chooses (Zhuhai: at least one, any number)."""

    vote = models.ForeignKey(
        VoteStage, verbose_name=_("public vote"), on_delete=models.CASCADE, related_name="rules"
    )
    category = models.ForeignKey(
        "selection.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    min_choices = models.PositiveSmallIntegerField(
        _("fewest choices"), default=1, validators=[MaxValueValidator(500)]
    )
    max_choices = models.PositiveSmallIntegerField(
        _("most choices"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("Leave empty to allow every entry of the category."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category rule")
        verbose_name_plural = _("category rules")
        ordering = ["vote_id", "category__position", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "category"], name="voting_rule_unique"),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=models.F("min_choices")),
                name="voting_rule_range",
                violation_error_message=_("The most choices is below the fewest."),
            ),
        ]

    def __str__(self):
        return f"{self.category_id}: {self.min_choices}-{self.max_choices or '*'}"


class Voter(models.Model):
    """A verified identity of one vote (a keyed hash; never the phone number or the code)."""

    vote = models.ForeignKey(
        VoteStage, verbose_name=_("public vote"), on_delete=models.PROTECT, related_name="voters"
    )
    identity_hash = models.CharField(_("identity (keyed hash)"), max_length=64)
    method = models.CharField(_("verified by"), max_length=10, choices=VerificationMethod.choices)
    voted = models.BooleanField(_("voted"), default=False)
    # verification metadata for the fraud report (never copied to the ballot as such)
    address_hash = models.CharField(_("address (keyed hash)"), max_length=64, blank=True)
    minute = models.DateTimeField(_("verified in the minute"))
    # the session of a verified voter: a random token, kept hashed
    token_hash = models.CharField(max_length=64, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "identity_hash"],
                name="voting_voter_one_per_identity",
                violation_error_message=_("This identity is already registered for the vote."),
            ),
        ]
        indexes = [
            models.Index(fields=["vote", "address_hash"], name="voting_voter_address"),
            models.Index(fields=["vote", "minute"], name="voting_voter_minute"),
            models.Index(fields=["token_hash"], name="voting_voter_token"),
        ]

    def __str__(self):
        return self.identity_hash[:12]


class PhoneChallenge(models.Model):
    """A one-time code sent to a mobile number: hashed, short-lived, few attempts."""

    vote = models.ForeignKey(VoteStage, on_delete=models.CASCADE, related_name="+")
    identity_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("phone challenge")
        verbose_name_plural = _("phone challenges")
        indexes = [models.Index(fields=["vote", "identity_hash"], name="voting_challenge_identity")]

    def __str__(self):
        return f"{self.vote_id}:{self.pk}"


class CodeBatch(models.Model):
    """Voting codes issued at once by the organiser (for offline voting): the codes are shown
    once, in the .xlsx of the batch, and kept only hashed."""

    vote = models.ForeignKey(
        VoteStage, verbose_name=_("public vote"), on_delete=models.PROTECT, related_name="batches"
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("codes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("batch of voting codes")
        verbose_name_plural = _("batches of voting codes")
        ordering = ["vote_id", "pk"]

    def __str__(self):
        return self.label or f"#{self.pk}"


class VotingCode(models.Model):
    """One single-use voting code (hashed). ``used`` flips in the transaction that casts its
    ballot; no time is kept."""

    batch = models.ForeignKey(CodeBatch, on_delete=models.PROTECT, related_name="codes")
    vote = models.ForeignKey(VoteStage, on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField(max_length=64)
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("voting code")
        verbose_name_plural = _("voting codes")
        constraints = [
            models.UniqueConstraint(fields=["vote", "code_hash"], name="voting_code_unique"),
        ]

    def __str__(self):
        return self.code_hash[:12]


class Ballot(models.Model):
    """The choices of one voter, unlinkable to the voter: no voter reference, no exact time."""

    vote = models.ForeignKey(VoteStage, on_delete=models.PROTECT, related_name="ballots")
    hour = models.DateTimeField(_("cast in the hour"))
    # The address's key only when the address had verified at least
    # ``VOTING_BALLOT_ADDRESS_THRESHOLD`` identities by then (a household's ballot carries none),
    # so that a burst from one address can be excluded without naming a voter.
    address_key = models.CharField(_("address key"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        indexes = [
            models.Index(fields=["vote", "hour"], name="voting_ballot_hour"),
            models.Index(fields=["vote", "address_key"], name="voting_ballot_address"),
        ]

    def __str__(self):
        return f"{self.vote_id}:{self.pk}"


class BallotChoice(models.Model):
    """One entry chosen on a ballot (a row each, so the database counts them)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    vote = models.ForeignKey(VoteStage, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("selection.Category", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey("selection.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "entry"], name="voting_choice_once"),
        ]
        indexes = [models.Index(fields=["vote", "entry"], name="voting_choice_entry")]

    def __str__(self):
        return f"{self.ballot_id}:{self.entry_id}"


class Exclusion(models.Model):
    """A flagged window excluded from the counts: the ballots of an hour, of an address key, or
    of an address key in an hour. Withdrawn with a reason too; both are kept in its history."""

    vote = models.ForeignKey(
        VoteStage,
        verbose_name=_("public vote"),
        on_delete=models.PROTECT,
        related_name="exclusions",
    )
    hour = models.DateTimeField(_("hour"), null=True, blank=True)
    address_key = models.CharField(_("address key"), max_length=16, blank=True)
    reason = models.TextField(_("reason"))
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["vote_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hour__isnull=False) | ~Q(address_key=""),
                name="voting_exclusion_names_a_window",
                violation_error_message=_("Name an hour, an address key or both."),
            ),
        ]

    def __str__(self):
        return f"{self.hour or ''} {self.address_key}".strip()

    def ballots_q(self) -> Q:
        q = Q()
        if self.hour is not None:
            q &= Q(hour=self.hour)
        if self.address_key:
            q &= Q(address_key=self.address_key)
        return q
