"""Choice sets of grading and evaluation, with their meaning and transition tables.

Level assessment (等级评估) is run by a district bureau as a campaign; comprehensive evaluation
(综合评价, item 17 of the action plan) by a street (filed organisations) or a community
(activity groups). See ``docs/grading.md``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import DivisionLevel, OrgStatus


class GradeLevel(models.IntegerChoices):
    """An assessment grade. "No grade" is not a level: it is stored as an empty level."""

    ONE_A = 1, _("1A")
    TWO_A = 2, _("2A")
    THREE_A = 3, _("3A")
    FOUR_A = 4, _("4A")
    FIVE_A = 5, _("5A")

    #: the level from which an organisation counts as "3A and above" (purchased services)
    HIGH: int


GradeLevel.HIGH = GradeLevel.THREE_A

#: How long an awarded grade is valid, in years (社会组织评估管理办法 article 26).
GRADE_VALIDITY_YEARS = 5
#: "Grades expiring soon" looks this many months ahead.
EXPIRING_WITHIN_MONTHS = 6


def grade_label(level: int | None) -> str:
    """The display label of a level, or "No grade" for an empty level."""
    if level is None:
        return str(_("No grade"))
    return str(GradeLevel(level).label)


class Aggregation(models.TextChoices):
    """How the experts' totals for one organisation become its score."""

    MEAN = "mean", _("Mean of all experts")
    TRIMMED_MEAN = "trimmed_mean", _("Mean without the highest and lowest totals")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    SCORING = "scoring", _("Expert scoring")
    NOTICE = "notice", _("Public notice")
    FINAL = "final", _("Final results")


class CampaignAction(models.TextChoices):
    OPEN = "open", _("Open for applications")
    START_SCORING = "start_scoring", _("Close applications and start scoring")
    START_NOTICE = "start_notice", _("Publish results for public notice")
    FINALISE = "finalise", _("Finalise and award grades")


#: (campaign status, action) -> new status. Anything else is refused.
CAMPAIGN_TRANSITIONS = {
    (CampaignStatus.DRAFT, CampaignAction.OPEN): CampaignStatus.OPEN,
    (CampaignStatus.OPEN, CampaignAction.START_SCORING): CampaignStatus.SCORING,
    (CampaignStatus.SCORING, CampaignAction.START_NOTICE): CampaignStatus.NOTICE,
    (CampaignStatus.NOTICE, CampaignAction.FINALISE): CampaignStatus.FINAL,
}


class AssessmentStatus(models.TextChoices):
    """Where one organisation's application stands in a campaign."""

    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")
    SCORED = "scored", _("Scored")
    NOTICED = "noticed", _("Under public notice")
    APPEALED = "appealed", _("Appealed")
    RE_REVIEWED = "re_reviewed", _("Re-reviewed")
    FINAL = "final", _("Final results")

    #: applications that still take part in the campaign
    ACTIVE: frozenset
    #: applications whose result is on public notice (and so may be appealed)
    APPEALABLE: frozenset


AssessmentStatus.ACTIVE = frozenset(set(AssessmentStatus) - {AssessmentStatus.REFUSED})
AssessmentStatus.APPEALABLE = frozenset({AssessmentStatus.NOTICED})


class AssessmentAction(models.TextChoices):
    REFUSE = "refuse", _("Refuse")
    COMPUTE = "compute", _("Compute the result")
    NOTICE = "notice", _("Publish for public notice")
    APPEAL = "appeal", _("Appeal")
    DISMISS_APPEAL = "dismiss_appeal", _("Dismiss the appeal")
    RE_REVIEW = "re_review", _("Re-review")
    FINALISE = "finalise", _("Finalise")


#: (application status, action) -> new status. Anything else is refused.
ASSESSMENT_TRANSITIONS = {
    (AssessmentStatus.APPLIED, AssessmentAction.REFUSE): AssessmentStatus.REFUSED,
    (AssessmentStatus.APPLIED, AssessmentAction.COMPUTE): AssessmentStatus.SCORED,
    # Scores may be completed after a first computation (a late expert): compute again.
    (AssessmentStatus.SCORED, AssessmentAction.COMPUTE): AssessmentStatus.SCORED,
    (AssessmentStatus.SCORED, AssessmentAction.NOTICE): AssessmentStatus.NOTICED,
    (AssessmentStatus.NOTICED, AssessmentAction.APPEAL): AssessmentStatus.APPEALED,
    (AssessmentStatus.APPEALED, AssessmentAction.DISMISS_APPEAL): AssessmentStatus.NOTICED,
    (AssessmentStatus.APPEALED, AssessmentAction.RE_REVIEW): AssessmentStatus.RE_REVIEWED,
    (AssessmentStatus.NOTICED, AssessmentAction.FINALISE): AssessmentStatus.FINAL,
    (AssessmentStatus.RE_REVIEWED, AssessmentAction.FINALISE): AssessmentStatus.FINAL,
}


class ScoringRound(models.TextChoices):
    INITIAL = "initial", _("Initial review")
    RE_REVIEW = "re_review", _("Re-review")


class PanelKind(models.TextChoices):
    INITIAL = "initial", _("Review panel")
    RE_REVIEW = "re_review", _("Re-review panel")


class SanctionKind(models.TextChoices):
    REWARD = "reward", _("Reward")
    PENALTY = "penalty", _("Penalty")


class Dimension(models.TextChoices):
    """The ten dimensions of comprehensive evaluation (action plan item 17), in its order."""

    PARTY_BUILDING = "party_building", _("Party building")
    STRUCTURE = "structure", _("Structure and division of work")
    MEMBERS = "members", _("Member management")
    MEETINGS_RULES = "meetings_rules", _("Meetings and service rules")
    ACTIVITIES = "activities", _("Activities and service records")
    CAPACITY = "capacity", _("Capacity building")
    PURCHASED_SERVICES = "purchased_services", _("Purchased-service project evaluation")
    CREDIT = "credit", _("Credit records")
    ANNUAL_REPORTS = "annual_reports", _("Annual reports")
    REWARDS_PENALTIES = "rewards_penalties", _("Rewards and penalties")

    #: dimensions the system fills in from what it already knows
    PREFILLED: frozenset


Dimension.PREFILLED = frozenset(
    {
        Dimension.PARTY_BUILDING,
        Dimension.ACTIVITIES,
        Dimension.CREDIT,
        Dimension.ANNUAL_REPORTS,
        Dimension.REWARDS_PENALTIES,
    }
)

#: Default weights (percent, summing to 100); an administrator edits them in the admin.
DEFAULT_DIMENSION_WEIGHTS = {
    Dimension.PARTY_BUILDING: 10,
    Dimension.STRUCTURE: 10,
    Dimension.MEMBERS: 10,
    Dimension.MEETINGS_RULES: 10,
    Dimension.ACTIVITIES: 15,
    Dimension.CAPACITY: 10,
    Dimension.PURCHASED_SERVICES: 10,
    Dimension.CREDIT: 10,
    Dimension.ANNUAL_REPORTS: 10,
    Dimension.REWARDS_PENALTIES: 5,
}


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Being evaluated")
    PUBLISHED = "published", _("Published")


#: the division level that runs a comprehensive evaluation -> the organisations it evaluates
EVALUATED_STATUS = {
    DivisionLevel.STREET: OrgStatus.FILED,
    DivisionLevel.COMMUNITY: OrgStatus.ACTIVITY_GROUP,
}
