"""Choice sets of the support programmes (action plan items 1-8; the Longgang report), with
their meaning and the transition tables of funded projects, pairings and recommendations."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import DivisionLevel


class PlatformKind(models.TextChoices):
    """What a support platform is (item 1: 孵化基地, 服务中心, 社区社会组织联合会)."""

    INCUBATOR = "incubator", _("Incubation base")
    SERVICE_CENTRE = "service_centre", _("Service centre")
    FEDERATION = "federation", _("Federation of community social organisations")
    INNOVATION_CENTRE = "innovation_centre", _("Social innovation centre")


#: the division levels a support platform may sit at (district, street, community: item 1)
PLATFORM_LEVELS = (DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY)


class ResidencyKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    INCUBATED = "incubated", _("Incubated")


class Stage(models.TextChoices):
    """An organisation's stage of development (item 7)."""

    START_UP = "start_up", _("Start-up")
    DEVELOPMENT = "development", _("Development")
    MATURE = "mature", _("Mature")
    GRADUATED = "graduated", _("Graduated")


#: the stages an organisation can be placed in by hand (graduation has its own service)
OPEN_STAGE_CHOICES = [(stage.value, stage.label) for stage in Stage if stage != Stage.GRADUATED]


class ServiceCategory(models.TextChoices):
    """What a platform did for an organisation (item 7), and the after-care once it graduated
    (the Longgang report's "出壳后服务")."""

    PARTY_GUIDANCE = "party_guidance", _("Party-building guidance")
    FILING_ADVICE = "filing_advice", _("Filing and registration advice")
    GOVERNANCE = "governance", _("Internal governance")
    ACTIVITY_GUIDANCE = "activity_guidance", _("Activity guidance")
    FINANCIAL_CUSTODY = "financial_custody", _("Financial supervision and custody")
    BRANDING = "branding", _("Brand building and exchange")
    RESOURCE_LINKING = "resource_linking", _("Resource linking")
    AFTER_CARE = "after_care", _("After-care")


class FundingKind(models.TextChoices):
    """The kinds of money for community social organisations (items 3-4)."""

    VENTURE_PHILANTHROPY = "venture_philanthropy", _("Venture philanthropy contest")
    START_UP = "start_up", _("Start-up support")
    ACTIVITY_GRANT = "activity_grant", _("Activity grant")
    MICRO_PROJECT = "micro_project", _("Livelihood micro-project")
    WELFARE_LOTTERY = "welfare_lottery", _("Welfare-lottery public-welfare fund")
    COMMUNITY_FUND = "community_fund", _("Community fund")


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open for applications")
    REVIEWING = "reviewing", _("Under review")
    AWARDED = "awarded", _("Awarded")
    CLOSED = "closed", _("Closed")


class RoundAction(models.TextChoices):
    OPEN = "open", _("Open for applications")
    START_REVIEW = "start_review", _("Close applications and review")
    AWARD = "award", _("Announce the awards")
    CLOSE = "close", _("Close the round")


#: (round status, action) -> new status
ROUND_TRANSITIONS = {
    (RoundStatus.PLANNED, RoundAction.OPEN): RoundStatus.OPEN,
    (RoundStatus.OPEN, RoundAction.START_REVIEW): RoundStatus.REVIEWING,
    (RoundStatus.REVIEWING, RoundAction.AWARD): RoundStatus.AWARDED,
    (RoundStatus.AWARDED, RoundAction.CLOSE): RoundStatus.CLOSED,
}
#: a round takes new awarded projects in these states
ROUND_AWARDING = frozenset({RoundStatus.OPEN, RoundStatus.REVIEWING, RoundStatus.AWARDED})


class ProjectStatus(models.TextChoices):
    APPROVED = "approved", _("Approved, under way")
    ACCEPTED = "accepted", _("Accepted at the end")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    TERMINATED = "terminated", _("Terminated")

    OPEN: frozenset


ProjectStatus.OPEN = frozenset({ProjectStatus.APPROVED})


class ProjectAction(models.TextChoices):
    ACCEPT = "accept", _("Accept at the end")
    REFUSE = "refuse", _("Refuse acceptance")
    TERMINATE = "terminate", _("Terminate")


#: (project status, action) -> new status: a project is accepted (or not) once, at its end
PROJECT_TRANSITIONS = {
    (ProjectStatus.APPROVED, ProjectAction.ACCEPT): ProjectStatus.ACCEPTED,
    (ProjectStatus.APPROVED, ProjectAction.REFUSE): ProjectStatus.NOT_ACCEPTED,
    (ProjectStatus.APPROVED, ProjectAction.TERMINATE): ProjectStatus.TERMINATED,
}


class DonorKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    CHAMBER = "chamber", _("Chamber of commerce")
    FOUNDATION = "foundation", _("Foundation")
    INDIVIDUAL = "individual", _("Individual")
    ANONYMOUS = "anonymous", _("Anonymous")


class DonationForm(models.TextChoices):
    MONEY = "money", _("Money")
    IN_KIND = "in_kind", _("In kind")


class TrainingCapacity(models.TextChoices):
    """In what capacity a person attended a training (item 6)."""

    LEADER = "leader", _("Leader")
    STAFF = "staff", _("Staff")
    VOLUNTEER = "volunteer", _("Volunteer")


class SubCommittee(models.TextChoices):
    """The residents' committee's sub-committees (居民委员会下属委员会, item 6)."""

    MEDIATION = "mediation", _("People's mediation committee")
    SECURITY = "security", _("Public security committee")
    HEALTH = "health", _("Public health committee")
    ENVIRONMENT = "environment", _("Environment and property committee")
    WELFARE = "welfare", _("Social welfare committee")
    CULTURE = "culture", _("Culture and education committee")
    OTHER = "other", _("Other sub-committee")


class RecommendationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ADMITTED = "admitted", _("Admitted to the sub-committee")
    DECLINED = "declined", _("Declined")


class RecommendationAction(models.TextChoices):
    ADMIT = "admit", _("Admit")
    DECLINE = "decline", _("Decline")


RECOMMENDATION_TRANSITIONS = {
    (RecommendationStatus.PROPOSED, RecommendationAction.ADMIT): RecommendationStatus.ADMITTED,
    (RecommendationStatus.PROPOSED, RecommendationAction.DECLINE): RecommendationStatus.DECLINED,
}


class PairingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended and reviewed")


class PairingAction(models.TextChoices):
    END = "end", _("End with a review")


PAIRING_TRANSITIONS = {(PairingStatus.ACTIVE, PairingAction.END): PairingStatus.ENDED}


class PairingRating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")
