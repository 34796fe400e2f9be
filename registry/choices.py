"""Choice sets of the registry, with their meaning (NetBox ``choices.py`` style)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import CHANGE, VIEW
from core.transitions import fan_out


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")

    @classmethod
    def rank(cls, level: str) -> int:
        """0 for a province down to 4 for a community."""
        return list(cls.values).index(level)

    @classmethod
    def code_length(cls, level: str) -> int:
        """Length of a statistical code at this level (GB/T 2260 plus the 12-digit extension)."""
        return {"province": 2, "city": 4, "district": 6, "street": 9, "community": 12}[level]


class Role(models.TextChoices):
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    STREET_OFFICER = "street_officer", _("Street officer")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    CITY_OFFICER = "city_officer", _("City officer")
    ORGANISATION_LEADER = "organisation_leader", _("Organisation leader")
    #: bound to one support platform (support app), through ``registry.extensions``
    PLATFORM_OPERATOR = "platform_operator", _("Support platform operator")


#: the division level each role is bound to
ROLE_LEVELS = {
    Role.COMMUNITY_STAFF: DivisionLevel.COMMUNITY,
    Role.STREET_OFFICER: DivisionLevel.STREET,
    Role.DISTRICT_OFFICER: DivisionLevel.DISTRICT,
    Role.CITY_OFFICER: DivisionLevel.CITY,
}
#: which scoped actions each role may take inside its jurisdiction
ROLE_ACTIONS = {
    Role.COMMUNITY_STAFF: frozenset({VIEW, CHANGE}),
    Role.STREET_OFFICER: frozenset({VIEW, CHANGE}),
    Role.DISTRICT_OFFICER: frozenset({VIEW, CHANGE}),
    # The city bureau watches; it changes nothing in the ledger.
    Role.CITY_OFFICER: frozenset({VIEW}),
    Role.ORGANISATION_LEADER: frozenset({VIEW, CHANGE}),
    Role.PLATFORM_OPERATOR: frozenset({VIEW, CHANGE}),
}


class OrgStatus(models.TextChoices):
    ACTIVITY_GROUP = "activity_group", _("Activity group")
    FILED = "filed", _("Filed")
    REGISTERED = "registered", _("Registered")
    EXITED = "exited", _("Exited")

    LIVE: frozenset
    #: the division level that owns an organisation in each live status
    OWNER_LEVEL: dict


OrgStatus.LIVE = frozenset({OrgStatus.ACTIVITY_GROUP, OrgStatus.FILED, OrgStatus.REGISTERED})
OrgStatus.OWNER_LEVEL = {
    OrgStatus.ACTIVITY_GROUP: DivisionLevel.COMMUNITY,
    OrgStatus.FILED: DivisionLevel.STREET,
    OrgStatus.REGISTERED: DivisionLevel.DISTRICT,
}


class OrgType(models.TextChoices):
    ASSOCIATION = "association", _("Association (membership)")
    SERVICE = "service", _("Service")


class OrgField(models.TextChoices):
    CHARITY = "charity", _("Charity and public welfare")
    LIFE_SERVICES = "life_services", _("Life services")
    COMMUNITY_AFFAIRS = "community_affairs", _("Community affairs")
    CULTURE_SPORTS = "culture_sports", _("Culture and sports")


class ServiceTarget(models.TextChoices):
    ELDERLY_CHILDREN = "elderly_children", _("Elderly and children")
    HARDSHIP = "hardship", _("People in hardship")
    SPECIAL_GROUPS = "special_groups", _("Special groups")


class LegalForm(models.TextChoices):
    """Legal form of a registered organisation; ``CREDIT_CODE_TYPE`` is the second character
    of its unified social credit code (GB 32100-2015, registration authority 5 = civil affairs)."""

    SOCIAL_GROUP = "social_group", _("Social group")
    SOCIAL_SERVICE = "social_service", _("Social service organisation (private non-enterprise)")
    FOUNDATION = "foundation", _("Foundation")

    CREDIT_CODE_TYPE: dict


LegalForm.CREDIT_CODE_TYPE = {
    LegalForm.SOCIAL_GROUP: "1",
    LegalForm.SOCIAL_SERVICE: "2",
    LegalForm.FOUNDATION: "3",
}
CIVIL_AFFAIRS_AUTHORITY = "5"


class ExitReason(models.TextChoices):
    DORMANT = "dormant", _("Dormant")
    VOLUNTARY = "voluntary", _("Voluntary dissolution")
    REVOKED = "revoked", _("Revoked for violation")
    MERGED = "merged", _("Merged")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class PartyStatus(models.TextChoices):
    NONE = "none", _("Not a party member")
    PROBATIONARY = "probationary", _("Probationary party member")
    FORMAL = "formal", _("Formal party member")


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Leader")
    DEPUTY = "deputy", _("Deputy leader")
    MEMBER = "member", _("Member")
    STAFF = "staff", _("Staff")
    VOLUNTEER = "volunteer", _("Volunteer")


class ActivitySeries(models.TextChoices):
    NEIGHBOURHOOD_WATCH = "neighbourhood_watch", _("Neighbourhood watch (volunteer service)")
    CO_GOVERNANCE = "co_governance", _("Co-building, co-governance, sharing (consultation)")
    SAFETY = "safety", _("Safety together")
    CULTURE = "culture", _("Culture")
    OTHER = "other", _("Other")


class ApplicationKind(models.TextChoices):
    FILING = "filing", _("Filing")
    REGISTRATION = "registration", _("Registration")
    EXIT = "exit", _("Exit")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN: frozenset


ApplicationStatus.OPEN = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED})


class ApplicationAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    RESUBMIT = "resubmit", _("Resubmit")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return for correction")
    WITHDRAW = "withdraw", _("Withdraw")


#: (application status, action) -> new application status. Anything else is refused.
APPLICATION_TRANSITIONS = {
    (ApplicationStatus.SUBMITTED, ApplicationAction.APPROVE): ApplicationStatus.APPROVED,
    (ApplicationStatus.SUBMITTED, ApplicationAction.REJECT): ApplicationStatus.REJECTED,
    (ApplicationStatus.SUBMITTED, ApplicationAction.RETURN): ApplicationStatus.RETURNED,
    (ApplicationStatus.SUBMITTED, ApplicationAction.WITHDRAW): ApplicationStatus.WITHDRAWN,
    (ApplicationStatus.RETURNED, ApplicationAction.RESUBMIT): ApplicationStatus.SUBMITTED,
    (ApplicationStatus.RETURNED, ApplicationAction.WITHDRAW): ApplicationStatus.WITHDRAWN,
}

#: (organisation status, application kind) -> the organisation's status once approved; an
#: organisation may apply for a kind only from the statuses listed with it
ORGANISATION_TRANSITIONS = {
    (OrgStatus.ACTIVITY_GROUP, ApplicationKind.FILING): OrgStatus.FILED,
    (OrgStatus.FILED, ApplicationKind.REGISTRATION): OrgStatus.REGISTERED,
    **fan_out(
        [status for status in OrgStatus if status in OrgStatus.LIVE],
        ApplicationKind.EXIT,
        OrgStatus.EXITED,
    ),
}


class ConditionSeverity(models.TextChoices):
    BLOCKING = "blocking", _("Blocking")
    WARNING = "warning", _("Warning")
