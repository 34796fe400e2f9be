"""Choice sets of case and project selection campaigns (案例征集 / 项目评选), with their meaning
and transition tables. See ``docs/selection.md``.

A campaign is a timeline of stages, each optional, in the organiser's order. A stage of a
*result* kind gives every entry that takes part a raw result (an aggregated score; for the
public vote, the votes counted by the vote app); the published results formula normalises each
within its category and weights them. A new stage kind with a result (the public vote) plugs in
through ``selection.stages.register_result_source``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core import scoring
from core.transitions import fan_out


class StageKind(models.TextChoices):
    COLLECTION = "collection", _("Collection")
    EXPERT_REVIEW = "expert_review", _("Expert review")
    SITE_VISIT = "site_visit", _("Site visit")
    ONSITE_REVIEW = "onsite_review", _("On-site review")
    PUBLIC_VOTE = "public_vote", _("Public vote")
    COACHING = "coaching", _("Coaching")
    PUBLICATION = "publication", _("Publication")

    #: kinds scored by experts on score sheets
    SCORED: frozenset
    #: kinds that give each entry a result the results formula combines
    RESULT: frozenset
    #: kinds that come after every result stage (they work on the final results)
    AFTER_RESULTS: frozenset


StageKind.SCORED = frozenset(
    {StageKind.EXPERT_REVIEW, StageKind.SITE_VISIT, StageKind.ONSITE_REVIEW}
)
StageKind.RESULT = StageKind.SCORED | {StageKind.PUBLIC_VOTE}
StageKind.AFTER_RESULTS = frozenset({StageKind.COACHING, StageKind.PUBLICATION})


class StageStatus(models.TextChoices):
    PENDING = "pending", _("Not started")
    OPEN = "open", _("Under way")
    CLOSED = "closed", _("Closed")


class StageAction(models.TextChoices):
    OPEN = "open", _("Start")
    CLOSE = "close", _("Close")


STAGE_TRANSITIONS = {
    (StageStatus.PENDING, StageAction.OPEN): StageStatus.OPEN,
    (StageStatus.OPEN, StageAction.CLOSE): StageStatus.CLOSED,
}


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Under way")
    NOTICE = "notice", _("Public notice")
    FINAL = "final", _("Results final")
    CLOSED = "closed", _("Closed")

    #: statuses whose results (and case book) the public sees
    PUBLIC: frozenset


CampaignStatus.PUBLIC = frozenset({CampaignStatus.FINAL, CampaignStatus.CLOSED})


class CampaignAction(models.TextChoices):
    OPEN = "open", _("Open the campaign")
    START_NOTICE = "start_notice", _("Publish the results for public notice")
    REOPEN = "reopen", _("Withdraw the notice to correct the results")
    FINALISE = "finalise", _("Make the results final")
    CLOSE = "close", _("Close the campaign")


CAMPAIGN_TRANSITIONS = {
    (CampaignStatus.DRAFT, CampaignAction.OPEN): CampaignStatus.ACTIVE,
    (CampaignStatus.ACTIVE, CampaignAction.START_NOTICE): CampaignStatus.NOTICE,
    (CampaignStatus.NOTICE, CampaignAction.REOPEN): CampaignStatus.ACTIVE,
    (CampaignStatus.NOTICE, CampaignAction.FINALISE): CampaignStatus.FINAL,
    (CampaignStatus.FINAL, CampaignAction.CLOSE): CampaignStatus.CLOSED,
}


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EntryAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    RESUBMIT = "resubmit", _("Submit again")
    RETURN = "return", _("Return for correction")
    WITHDRAW = "withdraw", _("Withdraw")


ENTRY_TRANSITIONS = {
    (EntryStatus.DRAFT, EntryAction.SUBMIT): EntryStatus.SUBMITTED,
    (EntryStatus.RETURNED, EntryAction.RESUBMIT): EntryStatus.SUBMITTED,
    (EntryStatus.SUBMITTED, EntryAction.RETURN): EntryStatus.RETURNED,
    **fan_out(
        (EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.RETURNED),
        EntryAction.WITHDRAW,
        EntryStatus.WITHDRAWN,
    ),
}


class SubmitterKind(models.TextChoices):
    ORGANISATION = "organisation", _("Social organisation")
    UNIT = "unit", _("Department or division unit")


class RevisionKind(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMISSION = "submission", _("Submitted version")
    CORRECTION = "correction", _("Corrected version")
    COACHING = "coaching", _("Revised after coaching")


class Aggregation(models.TextChoices):
    """How the experts' sheets for one entry become its stage score."""

    MEAN = scoring.MEAN, _("Mean of all experts")
    MEDIAN = scoring.MEDIAN, _("Median")
    TRIMMED_MEAN = scoring.TRIMMED_MEAN, _("Mean without the highest and lowest scores")


class Normalisation(models.TextChoices):
    """How the formula puts a stage's raw results on a 0-100 scale within a category."""

    NONE = "none", _("As scored (0-100)")
    MAX = "max", _("Share of the category's best (best = 100)")
    SHARE = "share", _("Share of the category's total (percent)")


class CutKind(models.TextChoices):
    SHORTLIST = "shortlist", _("Shortlist")
    TOP = "top", _("Top entries")


class AwardKind(models.TextChoices):
    """What an entry earned: the shortlist's certificate, or the top one (which replaces it)."""

    SHORTLIST = "shortlist", _("Shortlisted")
    TOP = "top", _("Top entry")


class ConflictKind(models.TextChoices):
    ROSTER = "roster", _("On the organisation's roster")
    LEADER = "leader", _("Leads the organisation")
    PAIRED = "paired", _("Belongs to a paired organisation")
    DECLARED = "declared", _("Declared a conflict")


class AssignmentMethod(models.TextChoices):
    MANUAL = "manual", _("By hand")
    BALANCED = "balanced", _("Balanced automatically")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class ObjectionAction(models.TextChoices):
    UPHOLD = "uphold", _("Uphold")
    DISMISS = "dismiss", _("Dismiss")


OBJECTION_TRANSITIONS = {
    (ObjectionStatus.OPEN, ObjectionAction.UPHOLD): ObjectionStatus.UPHELD,
    (ObjectionStatus.OPEN, ObjectionAction.DISMISS): ObjectionStatus.DISMISSED,
}


class ResultRunKind(models.TextChoices):
    WORKING = "working", _("Working results")
    NOTICE = "notice", _("Results on public notice")
    FINAL = "final", _("Final results")
