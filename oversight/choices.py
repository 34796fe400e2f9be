"""Oversight choices and transition tables: annual reports, credit lists, dormancy cases."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft, not submitted")
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")

    #: the report is with the organisation (it may edit it)
    EDITABLE: frozenset


ReportStatus.EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


class ReportAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return for correction")


#: (report status, action) -> new status. Anything else is refused.
REPORT_TRANSITIONS = {
    (ReportStatus.DRAFT, ReportAction.SUBMIT): ReportStatus.SUBMITTED,
    (ReportStatus.RETURNED, ReportAction.SUBMIT): ReportStatus.SUBMITTED,
    (ReportStatus.SUBMITTED, ReportAction.ACCEPT): ReportStatus.ACCEPTED,
    (ReportStatus.SUBMITTED, ReportAction.RETURN): ReportStatus.RETURNED,
}


class CreditListKind(models.TextChoices):
    ABNORMAL = "abnormal", _("Abnormal-activity list")
    SERIOUS = "serious", _("Serious-dishonesty list")


class ListingReason(models.TextChoices):
    REPORT_MISSING = "report_missing", _("Annual report not submitted")
    REPORT_LATE = "report_late", _("Annual report submitted late")
    MOVED_FROM_ABNORMAL = "moved_from_abnormal", _("On the abnormal-activity list for too long")


class RemovalReason(models.TextChoices):
    REPORT_ACCEPTED = "report_accepted", _("Annual report submitted and accepted")
    MOVED_TO_SERIOUS = "moved_to_serious", _("Moved to the serious-dishonesty list")


class DormancySignal(models.TextChoices):
    INACTIVE = "inactive", _("No activity recorded")
    NO_REPORTS = "no_reports", _("No annual reports")
    LEADER_UNREACHABLE = "leader_unreachable", _("Leader unreachable")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Awaiting confirmation")
    CONFIRMED_ACTIVE = "confirmed_active", _("Confirmed active")
    CLEARED = "cleared", _("Cleared: signs of activity again")
    EXIT_PROPOSED = "exit_proposed", _("Exit proposed")
    EXIT_REFUSED = "exit_refused", _("Exit not approved")
    EXITED = "exited", _("Exited")

    #: a case still waiting for the owning tier or for the exit decision
    PENDING: frozenset
    #: closed in a way that says the organisation is alive: the dormancy clocks restart here
    ALIVE: frozenset


CaseStatus.PENDING = frozenset({CaseStatus.OPEN, CaseStatus.EXIT_PROPOSED})
CaseStatus.ALIVE = frozenset(
    {CaseStatus.CONFIRMED_ACTIVE, CaseStatus.CLEARED, CaseStatus.EXIT_REFUSED}
)


class CaseAction(models.TextChoices):
    CONFIRM_ACTIVE = "confirm_active", _("Confirm active")
    PROPOSE_EXIT = "propose_exit", _("Propose exit")
    CLEAR = "clear", _("Clear")
    CLOSE_EXITED = "close_exited", _("Close: the organisation exited")
    CLOSE_REFUSED = "close_refused", _("Close: the exit was not approved")


#: (case status, action) -> new status. Anything else is refused. A person confirms or proposes
#: the exit of an open case; the scan clears open cases no rule supports, proposes the exit of
#: those left unconfirmed, and closes pending ones once the exit is decided.
CASE_TRANSITIONS = {
    (CaseStatus.OPEN, CaseAction.CONFIRM_ACTIVE): CaseStatus.CONFIRMED_ACTIVE,
    (CaseStatus.OPEN, CaseAction.PROPOSE_EXIT): CaseStatus.EXIT_PROPOSED,
    (CaseStatus.OPEN, CaseAction.CLEAR): CaseStatus.CLEARED,
    (CaseStatus.OPEN, CaseAction.CLOSE_EXITED): CaseStatus.EXITED,
    (CaseStatus.EXIT_PROPOSED, CaseAction.CLOSE_EXITED): CaseStatus.EXITED,
    (CaseStatus.EXIT_PROPOSED, CaseAction.CLOSE_REFUSED): CaseStatus.EXIT_REFUSED,
}
