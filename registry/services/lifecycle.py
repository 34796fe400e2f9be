"""The organisation lifecycle: applications for filing, registration and exit, and their review.

Every function here is one transition (after Zulip's ``do_*`` actions): atomic, the rows it
changes locked with ``select_for_update`` and their state re-checked after the lock, the acting
user and a reason recorded in history. Which moves exist is the tables in ``registry.choices``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import (
    ConditionsNotMet,
    Conflict,
    NotPermitted,
    OutOfJurisdiction,
    TransitionNotAllowed,
)
from core.history import effective_date_errors, stamp
from core.scoping import CHANGE, VIEW
from core.transitions import transition
from core.validators import normalise_text
from registry.choices import (
    APPLICATION_TRANSITIONS,
    ORGANISATION_TRANSITIONS,
    ApplicationAction,
    ApplicationKind,
    ApplicationStatus,
    ConditionSeverity,
    OrgStatus,
    Role,
)
from registry.models import Application, Division, FilingSequence, Organisation, User
from registry.rules import checklist_for, condition_label
from registry.validators import clean_organisation_credit_code


def lock_organisation(organisation: Organisation, acting_user: User, action: str) -> Organisation:
    """The organisation's row, locked, if ``acting_user`` may ``action`` it; 404 otherwise.

    For every service that changes an organisation or something it owns: the state checked
    after this is the state the transaction changes."""
    try:
        return (
            Organisation.objects.restrict(acting_user, action)
            .select_for_update(of=("self",))
            .select_related("community__parent__parent")
            .get(pk=organisation.pk)
        )
    except Organisation.DoesNotExist:
        raise OutOfJurisdiction() from None


def _lock_application(application: Application, acting_user: User) -> Application:
    try:
        return (
            # No joins: after waiting for the lock PostgreSQL re-reads the locked row, but not
            # the rows an outer join brought (the decider would come back empty).
            Application.objects.restrict(acting_user, VIEW)
            .select_for_update(of=("self",))
            .get(pk=application.pk)
        )
    except Application.DoesNotExist:
        raise OutOfJurisdiction() from None


def acts_for(user: User, division: Division | None) -> bool:
    """Whether the user acts for exactly this tier node (superusers act for any)."""
    return user.is_superuser or (division is not None and user.division_id == division.pk)


def require_live(organisation: Organisation, requested: str) -> None:
    """Refuse (``TransitionNotAllowed``) any change to an organisation that has exited."""
    if organisation.status == OrgStatus.EXITED:
        raise TransitionNotAllowed(
            _("%(name)s has exited; it can no longer be changed.") % {"name": organisation.name},
            current=organisation.status,
            requested=requested,
        )


def check_conditions(kind: str, organisation: Organisation, **details) -> list[dict]:
    """The conditions checklist of ``kind`` for ``organisation`` (stored on the application);
    ``ConditionsNotMet`` listing every unmet blocking condition."""
    checklist = [item.as_dict() for item in checklist_for(kind, organisation, **details)]
    unmet = [
        item
        for item in checklist
        if not item["met"] and item["severity"] == ConditionSeverity.BLOCKING
    ]
    if unmet:
        raise ConditionsNotMet(
            [
                _("Condition not met: %(condition)s") % {"condition": condition_label(item)}
                for item in unmet
            ]
        )
    return checklist


def _registration_details(organisation: Organisation, credit_code: str, legal_form: str) -> str:
    """The credit code, normalised and checked, or field errors (all of them)."""
    errors = {}
    code = ""
    try:
        code = clean_organisation_credit_code(credit_code, legal_form)
    except ValidationError as error:
        errors["credit_code"] = error.messages
    if not legal_form:
        errors["legal_form"] = [_("Choose the legal form.")]
    if code:
        taken = Organisation.objects.filter(credit_code=code).exclude(pk=organisation.pk)
        pending = Application.objects.filter(
            kind=ApplicationKind.REGISTRATION,
            status__in=ApplicationStatus.OPEN,
            credit_code=code,
        ).exclude(organisation=organisation)
        if taken.exists() or pending.exists():
            errors["credit_code"] = [
                _(
                    "The unified social credit code %(code)s is already used by another "
                    "organisation."
                )
                % {"code": code}
            ]
    if errors:
        raise ValidationError(errors)
    return code


def _initiating_tier(kind: str, organisation: Organisation, acting_user: User):
    """The tier node that initiates this kind of application, after checking the user may."""
    if kind == ApplicationKind.FILING:
        node = organisation.community
        allowed = acts_for(acting_user, node)
        who = _("the community's staff")
    elif kind == ApplicationKind.REGISTRATION:
        node = organisation.street
        allowed = acts_for(acting_user, node)
        who = _("the street office")
    else:
        if acting_user.role == Role.ORGANISATION_LEADER:
            return None  # the organisation proposes its own exit
        node = acting_user.division
        allowed = acting_user.is_superuser or acting_user.role in (
            Role.COMMUNITY_STAFF,
            Role.STREET_OFFICER,
            Role.DISTRICT_OFFICER,
        )
        who = _("an owning tier or the organisation itself")
    if not allowed:
        raise NotPermitted(
            _("Only %(who)s can apply for %(kind)s of this organisation.")
            % {"who": who, "kind": ApplicationKind(kind).label}
        )
    return node


def _reviewing_tier(kind: str, organisation: Organisation) -> Division:
    if kind == ApplicationKind.FILING:
        return organisation.street
    if kind == ApplicationKind.REGISTRATION:
        return organisation.district
    return organisation.owning_division()


@transaction.atomic
def application_submit(
    *,
    organisation: Organisation,
    kind: str,
    acting_user: User,
    note: str = "",
    credit_code: str = "",
    legal_form: str = "",
    exit_reason: str = "",
) -> Application:
    """Apply to move ``organisation`` a tier (filing, registration) or out (exit).

    Refused, with nothing stored, when the user's tier may not initiate it
    (``NotPermitted``), the organisation is outside their jurisdiction
    (``OutOfJurisdiction``), its state doesn't allow it or an application of the kind is
    already open (``TransitionNotAllowed``), or blocking conditions are unmet
    (``ConditionsNotMet``, listing every one).
    """
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    _require_may_apply(organisation, kind)
    initiating = _initiating_tier(kind, organisation, acting_user)
    if organisation.applications.filter(kind=kind, status__in=ApplicationStatus.OPEN).exists():
        raise TransitionNotAllowed(
            _("%(name)s already has an open %(kind)s application.")
            % {"name": organisation.name, "kind": ApplicationKind(kind).label},
            current=organisation.status,
            requested=kind,
        )
    if kind == ApplicationKind.REGISTRATION:
        credit_code = _registration_details(organisation, credit_code, legal_form)
    if kind == ApplicationKind.EXIT and not exit_reason:
        raise ValidationError({"exit_reason": [_("Choose the reason for the exit.")]})
    details = {"credit_code": credit_code, "legal_form": legal_form, "exit_reason": exit_reason}
    application = _new_application(
        kind,
        organisation,
        initiating_division=initiating,
        checklist=check_conditions(kind, organisation, **details),
        note=note,
        acting_user=acting_user,
        submitted_at=timezone.now(),
        **details,
    )
    application.save()
    return application


def exit_application_prepare(
    *,
    organisation: Organisation,
    acting_user: User,
    exit_reason: str,
    note: str,
    submitted_at,
) -> Application:
    """The exit application ``application_submit`` would make for ``organisation``, checked the
    same way (live; its status may exit; every blocking exit condition met, other apps' included)
    but not saved: for a caller that writes many at once with their history (the dormancy scan,
    acting as the system user). Initiated and reviewed by the owning tier.

    The caller holds the organisation's row lock and has made sure no exit application is open.
    Refused with ``TransitionNotAllowed`` or ``ConditionsNotMet``, like ``application_submit``.
    """
    kind = ApplicationKind.EXIT
    _require_may_apply(organisation, kind)
    return _new_application(
        kind,
        organisation,
        initiating_division=organisation.owning_division(),
        checklist=check_conditions(kind, organisation, exit_reason=exit_reason),
        note=note,
        acting_user=acting_user,
        submitted_at=submitted_at,
        exit_reason=exit_reason,
    )


def _require_may_apply(organisation: Organisation, kind: str) -> None:
    require_live(organisation, kind)
    transition(
        ORGANISATION_TRANSITIONS,
        organisation.status,
        kind,
        message=_("A %(status)s organisation cannot apply for %(kind)s.")
        % {"status": organisation.get_status_display(), "kind": ApplicationKind(kind).label},
    )


def _new_application(
    kind: str,
    organisation: Organisation,
    *,
    initiating_division: Division | None,
    checklist: list[dict],
    note: str,
    acting_user: User,
    submitted_at,
    **details,
) -> Application:
    application = Application(
        kind=kind,
        organisation=organisation,
        status=ApplicationStatus.SUBMITTED,
        initiating_division=initiating_division,
        reviewing_division=_reviewing_tier(kind, organisation),
        checklist=checklist,
        note=normalise_text(note),
        submitted_by=acting_user,
        submitted_at=submitted_at,
        **details,
    )
    stamp(application, acting_user=acting_user, reason=note or str(ApplicationAction.SUBMIT.label))
    return application


@transaction.atomic
def application_resubmit(
    *, application: Application, acting_user: User, note: str = "", **details
) -> Application:
    """Send a returned application back for review, with the checklist evaluated afresh."""
    application = _lock_application(application, acting_user)
    _next_status(application, ApplicationAction.RESUBMIT)
    organisation = lock_organisation(application.organisation, acting_user, CHANGE)
    require_live(organisation, application.kind)
    _initiating_tier(application.kind, organisation, acting_user)
    values = {
        "credit_code": details.get("credit_code", application.credit_code),
        "legal_form": details.get("legal_form", application.legal_form),
        "exit_reason": details.get("exit_reason", application.exit_reason),
    }
    if application.kind == ApplicationKind.REGISTRATION:
        values["credit_code"] = _registration_details(
            organisation, values["credit_code"], values["legal_form"]
        )
    application.checklist = check_conditions(application.kind, organisation, **values)
    for key, value in values.items():
        setattr(application, key, value)
    application.status = ApplicationStatus.SUBMITTED
    application.note = normalise_text(note) or application.note
    application.submitted_by = acting_user
    application.submitted_at = timezone.now()
    stamp(
        application, acting_user=acting_user, reason=note or str(ApplicationAction.RESUBMIT.label)
    )
    application.save()
    return application


def _next_status(application: Application, action: str) -> str:
    if application.is_open:
        return transition(
            APPLICATION_TRANSITIONS,
            application.status,
            action,
            message=_("An application that is %(status)s cannot be given '%(action)s'.")
            % {
                "status": application.get_status_display(),
                "action": ApplicationAction(action).label,
            },
        )
    # Decided or withdrawn (no move leaves those states): someone acted first.
    decider = application.decided_by
    decided = (decider.get_full_name() or decider.username) if decider else ""
    return transition(
        APPLICATION_TRANSITIONS,
        application.status,
        action,
        message=_("This application was already %(status)s by %(user)s at %(when)s.")
        % {
            "status": application.get_status_display(),
            "user": decided or "—",
            "when": timezone.localtime(application.decided_at).strftime("%Y-%m-%d %H:%M")
            if application.decided_at
            else "—",
        },
        error=Conflict,
    )


def check_effective_date(
    organisation: Organisation, effective_date: datetime.date | None, reason: str
) -> None:
    """Refuse (``ValidationError`` on ``effective_date`` / ``reason``) an effective date in the
    future, before the organisation's founding, before the valid time of its latest history
    row, or back-dated without a reason (``core.history.effective_date_errors``)."""
    last_change = (
        Organisation.history.filter(id=organisation.pk)
        .order_by("-history_date", "-history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    errors = effective_date_errors(
        effective_date, founded_on=organisation.founded_on, last_change=last_change, reason=reason
    )
    if errors:
        raise ValidationError(errors)


def _assign_filing_number(organisation: Organisation, on) -> str:
    street = organisation.street
    sequence, _created = FilingSequence.objects.select_for_update().get_or_create(
        street=street, year=on.year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{street.code}-{on.year}-{sequence.last:04d}"


def _apply_to_organisation(application: Application, organisation: Organisation, today):
    kind = application.kind
    target = transition(
        ORGANISATION_TRANSITIONS,
        organisation.status,
        kind,
        message=_("The organisation is now %(status)s; this application no longer applies.")
        % {"status": organisation.get_status_display()},
        error=Conflict,
    )
    if kind == ApplicationKind.FILING:
        organisation.filing_number = _assign_filing_number(organisation, today)
        organisation.filed_on = today
    elif kind == ApplicationKind.REGISTRATION:
        organisation.credit_code = _registration_details(
            organisation, application.credit_code, application.legal_form
        )
        organisation.legal_form = application.legal_form
        organisation.registered_on = today
    else:
        organisation.status_before_exit = organisation.status
        organisation.exit_reason = application.exit_reason
        organisation.exited_on = today
    organisation.status = target


@transaction.atomic
def application_decide(
    *,
    application: Application,
    action: str,
    acting_user: User,
    reason: str = "",
    effective_date: datetime.date | None = None,
) -> Application:
    """Approve, reject or return an application; only the reviewing tier may.

    Row-locked: of two reviewers deciding at once, the second finds the decision made and gets
    ``Conflict`` naming who decided and when. Approval re-checks the conditions and moves the
    organisation (filing number, credit code or exit recorded); reject and return need a reason.

    ``effective_date``: an exit approved now that took effect on an earlier day (an organisation
    that stopped before the system knew; see ``check_effective_date``): ``exited_on`` and the
    organisation's history row take that day, recorded now. Only an exit's approval takes one.
    """
    if action not in (
        ApplicationAction.APPROVE,
        ApplicationAction.REJECT,
        ApplicationAction.RETURN,
    ):
        raise TransitionNotAllowed(requested=action)
    application = _lock_application(application, acting_user)
    if not acts_for(acting_user, application.reviewing_division):
        raise NotPermitted(
            _("Only %(tier)s reviews this application.")
            % {"tier": application.reviewing_division.name}
        )
    following = _next_status(application, action)
    reason = normalise_text(reason)
    if action in (ApplicationAction.REJECT, ApplicationAction.RETURN) and not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    if effective_date is not None and (
        action != ApplicationAction.APPROVE or application.kind != ApplicationKind.EXIT
    ):
        raise ValidationError(
            {
                "effective_date": [
                    _("Only an exit's approval takes an earlier effective date; leave it empty.")
                ]
            }
        )
    organisation = lock_organisation(application.organisation, acting_user, VIEW)
    now = timezone.now()
    if action == ApplicationAction.APPROVE:
        application.checklist = check_conditions(
            application.kind,
            organisation,
            credit_code=application.credit_code,
            legal_form=application.legal_form,
            exit_reason=application.exit_reason,
        )
        check_effective_date(organisation, effective_date, reason)
        _apply_to_organisation(application, organisation, effective_date or timezone.localdate(now))
        stamp(
            organisation,
            acting_user=acting_user,
            reason=reason or _("%(kind)s approved") % {"kind": application.get_kind_display()},
            effective_on=effective_date,
        )
        organisation.full_clean()
        organisation.save()
    application.status = following
    application.decided_by = acting_user
    application.decided_at = now
    application.decision_reason = reason
    stamp(
        application, acting_user=acting_user, reason=reason or str(ApplicationAction(action).label)
    )
    application.save()
    return application


@transaction.atomic
def application_withdraw(*, application: Application, acting_user: User, reason: str = ""):
    """The initiating tier withdraws an application that is still open."""
    application = _lock_application(application, acting_user)
    if not (
        acts_for(acting_user, application.initiating_division)
        or application.submitted_by_id == acting_user.pk
    ):
        raise NotPermitted(_("Only the tier that applied can withdraw the application."))
    application.status = _next_status(application, ApplicationAction.WITHDRAW)
    stamp(
        application,
        acting_user=acting_user,
        reason=normalise_text(reason) or str(ApplicationAction.WITHDRAW.label),
    )
    application.save()
    return application


@transaction.atomic
def exit_reverse(*, organisation: Organisation, acting_user: User, reason: str) -> Organisation:
    """Undo an exit: only the tier that approved it, and only with a reason."""
    organisation = lock_organisation(organisation, acting_user, VIEW)
    if organisation.status != OrgStatus.EXITED:
        raise TransitionNotAllowed(
            _("%(name)s has not exited.") % {"name": organisation.name},
            current=organisation.status,
            requested="reverse_exit",
        )
    exit_application = (
        organisation.applications.select_for_update(of=("self",))
        .filter(
            kind=ApplicationKind.EXIT, status=ApplicationStatus.APPROVED, reversed_at__isnull=True
        )
        .order_by("-decided_at")
        .first()
    )
    approving = exit_application.reviewing_division if exit_application else None
    if not acts_for(acting_user, approving):
        raise NotPermitted(_("Only the tier that approved the exit can reverse it."))
    reason = normalise_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    organisation.status = organisation.status_before_exit or OrgStatus.ACTIVITY_GROUP
    organisation.status_before_exit = ""
    organisation.exit_reason = ""
    organisation.exited_on = None
    stamp(organisation, acting_user=acting_user, reason=reason)
    organisation.full_clean()  # a live organisation may have taken the name meanwhile
    organisation.save()
    if exit_application:
        exit_application.reversed_by = acting_user
        exit_application.reversed_at = timezone.now()
        exit_application.reversal_reason = reason
        stamp(exit_application, acting_user=acting_user, reason=reason)
        exit_application.save()
    return organisation
