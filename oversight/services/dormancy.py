"""Dormancy (僵尸型) cases: staff record an unreachable leader, the owning tier confirms a suspect
active or proposes its exit; the scan flags suspects by the rules, clears cases no rule supports
any more, proposes the exit of those left unconfirmed, and closes cases once the exit is decided.
Every status change follows ``CASE_TRANSITIONS``."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.dates import add_months
from core.exceptions import NotPermitted, OutOfJurisdiction, TransitionNotAllowed
from core.history import stamp
from core.scoping import CHANGE
from core.transitions import states_allowing, transition
from core.validators import normalise_text
from oversight.choices import CASE_TRANSITIONS, CaseAction, CaseStatus, DormancySignal
from oversight.models import AnnualReport, DormancyCase, OversightSettings
from oversight.services.annual_reports import owing_q
from oversight.services.common import (
    UPDATE_BATCH,
    Window,
    business_day,
    start_of,
)
from registry.choices import (
    ORGANISATION_TRANSITIONS,
    ApplicationKind,
    ApplicationStatus,
    ExitReason,
    OrgStatus,
    Role,
)
from registry.models import Activity, Application, Organisation, User
from registry.services.lifecycle import (
    acts_for,
    application_submit,
    exit_application_prepare,
    lock_organisation,
    require_live,
)

OFFICER_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER)


# --- dormancy: person-driven writes -----------------------------------------------------------


def _lock_case(case: DormancyCase, acting_user: User) -> tuple[DormancyCase, Organisation]:
    """The case and its organisation, locked, if the user may change them; 404 otherwise.

    The organisation is locked first, then the case: the order every dormancy write uses (the
    scan included), so that two of them can't deadlock.
    """
    cases = DormancyCase.objects.restrict(acting_user, CHANGE)
    organisation_id = cases.filter(pk=case.pk).values_list("organisation_id", flat=True).first()
    if organisation_id is None:
        raise OutOfJurisdiction()
    organisation = lock_organisation(Organisation(pk=organisation_id), acting_user, CHANGE)
    case = cases.select_for_update(of=("self",)).get(pk=case.pk)
    case.organisation = organisation
    return case, organisation


def _require_owning_tier(user: User, organisation: Organisation):
    if not acts_for(user, organisation.owning_division()):
        raise NotPermitted(
            _("Only %(tier)s decides on this organisation's dormancy.")
            % {"tier": organisation.owning_division().name}
        )


def next_case_status(case: DormancyCase, action: str) -> str:
    """The status ``action`` takes ``case`` to (``CASE_TRANSITIONS``); refused otherwise."""
    return transition(
        CASE_TRANSITIONS,
        case.status,
        action,
        message=_("This dormancy case is already '%(status)s'.")
        % {"status": case.get_status_display()},
    )


@transaction.atomic
def dormancy_report_leader_unreachable(
    *,
    organisation: Organisation,
    acting_user: User,
    note: str,
    today: datetime.date | None = None,
) -> DormancyCase:
    """Staff record that the organisation's leader can't be reached: the organisation becomes a
    dormancy suspect (or the signal is added to its pending case), with the usual notice period."""
    today = business_day(today)
    organisation = lock_organisation(organisation, acting_user, CHANGE)
    require_live(organisation, "leader_unreachable")
    if not (acting_user.is_superuser or acting_user.role in OFFICER_ROLES):
        raise NotPermitted(_("Only community, street or district staff record this."))
    note = normalise_text(note)
    if not note:
        raise ValidationError({"note": [_("Say how and when you tried to reach the leader.")]})
    case = (
        DormancyCase.objects.select_for_update()
        .filter(organisation=organisation, status__in=CaseStatus.PENDING)
        .first()
    )
    if case is not None:
        if DormancySignal.LEADER_UNREACHABLE in case.signals:
            return case
        case.signals = [*case.signals, DormancySignal.LEADER_UNREACHABLE]
        case.flag_note = "\n".join(filter(None, [case.flag_note, note]))
    else:
        config = OversightSettings.current()
        case = DormancyCase(
            organisation=organisation,
            signals=[DormancySignal.LEADER_UNREACHABLE],
            status=CaseStatus.OPEN,
            flagged_on=today,
            notice_ends_on=today + datetime.timedelta(days=config.dormancy_notice_days),
            flag_note=note,
            flagged_by=acting_user,
        )
    stamp(case, acting_user=acting_user, reason=note)
    case.save()
    return case


@transaction.atomic
def dormancy_confirm_active(
    *,
    case: DormancyCase,
    acting_user: User,
    note: str,
    today: datetime.date | None = None,
) -> DormancyCase:
    """The owning tier confirms a suspect is active, saying how it knows. The dormancy clocks
    restart from today: it isn't flagged again until a rule holds anew after this date."""
    today = business_day(today)
    case, organisation = _lock_case(case, acting_user)
    following = next_case_status(case, CaseAction.CONFIRM_ACTIVE)
    _require_owning_tier(acting_user, organisation)
    note = normalise_text(note)
    if not note:
        raise ValidationError({"note": [_("Say how you know the organisation is active.")]})
    case.status = following
    case.resolved_on = today
    case.resolved_by = acting_user
    case.resolution_note = note
    stamp(case, acting_user=acting_user, reason=note)
    case.save()
    return case


@transaction.atomic
def dormancy_propose_exit(
    *,
    case: DormancyCase,
    acting_user: User,
    note: str = "",
) -> DormancyCase:
    """The owning tier proposes the suspect's exit as dormant: an exit application (through
    ``application_submit``, with all its checks) that the same tier then reviews."""
    case, organisation = _lock_case(case, acting_user)
    following = next_case_status(case, CaseAction.PROPOSE_EXIT)
    _require_owning_tier(acting_user, organisation)
    application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        exit_reason=ExitReason.DORMANT,
        acting_user=acting_user,
        note=note
        or _("Dormant: proposed from the dormancy case of %(date)s")
        % {"date": case.flagged_on.isoformat()},
    )
    case.status = following
    case.exit_application = application
    stamp(case, acting_user=acting_user, reason=normalise_text(note) or _("Exit proposed"))
    case.save()
    return case


# --- the scan's steps -------------------------------------------------------------------------


def signal_conditions(
    today: datetime.date, config: OversightSettings, window: Window | None = None
) -> dict[str, Q]:
    """The automatic dormancy rules as conditions on ``Organisation``, by signal; a rule set to
    0 in the settings is left out. A confirmation (or a refused exit, or a case cleared) restarts
    the clocks: only inactivity and report deadlines after it count.

    With ``window`` the subqueries are confined to that range of organisations (the scan's
    unit of work); without, they apply to any organisation.
    """
    within = window.lookups() if window else {}
    alive = DormancyCase.objects.filter(
        organisation=OuterRef("pk"), status__in=CaseStatus.ALIVE, **within
    )
    conditions = {}
    if config.dormancy_inactive_months:
        cutoff = add_months(today, -config.dormancy_inactive_months)
        # An activity dated after today (entered before dates in the future were refused)
        # has not happened: it keeps nobody from looking dormant.
        recent = Activity.objects.filter(
            organisation=OuterRef("pk"), held_on__gt=cutoff, held_on__lte=today, **within
        )
        conditions[DormancySignal.INACTIVE] = (
            Q(created_at__lt=start_of(cutoff + datetime.timedelta(days=1)))
            & ~Exists(recent)
            & ~Exists(alive.filter(resolved_on__gt=cutoff))
        )
    if config.dormancy_missing_report_years:
        last = config.last_closed_year(today)
        years = range(last - config.dormancy_missing_report_years + 1, last + 1)
        condition = ~Exists(alive.filter(resolved_on__gte=config.report_deadline(years[0])))
        for year in years:
            submitted = AnnualReport.objects.filter(
                organisation=OuterRef("pk"), year=year, first_submitted_on__isnull=False, **within
            )
            condition &= owing_q(year, config) & ~Exists(submitted)
        conditions[DormancySignal.NO_REPORTS] = condition
    return conditions


def _suspects_in(window: Window, conditions: dict[str, Q]) -> dict[int, list[str]]:
    """Live organisations of ``window`` for which a rule holds, with the rules. One query per
    rule, each a plain conjunction the database can run as anti-joins within the window."""
    found: dict[int, list[str]] = {}
    live = Organisation.objects.filter(status__in=OrgStatus.LIVE, **window.lookups("pk"))
    for signal, condition in conditions.items():
        for pk in live.filter(condition).order_by().values_list("pk", flat=True):
            found.setdefault(pk, []).append(signal)
    return found


def scan_close_decided_cases(window, today, system) -> int:
    decided = DormancyCase.objects.filter(
        status__in=CaseStatus.PENDING, **window.lookups(), **window.lookups("organisation__id")
    ).filter(
        Q(organisation__status=OrgStatus.EXITED)
        | Q(
            status=CaseStatus.EXIT_PROPOSED,
            exit_application__status__in=[ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN],
        )
    )
    cases = list(
        decided.select_for_update(of=("self",))
        .select_related("organisation", "exit_application")
        .order_by("pk")
    )
    for case in cases:
        if case.organisation.status == OrgStatus.EXITED:
            case.status = next_case_status(case, CaseAction.CLOSE_EXITED)
            exited_on = case.organisation.exited_on
            case.resolution_note = _("The organisation exited on %(date)s.") % {
                "date": exited_on.isoformat() if exited_on else "—"
            }
        else:
            case.status = next_case_status(case, CaseAction.CLOSE_REFUSED)
            case.resolution_note = case.exit_application.decision_reason or str(
                case.exit_application.get_status_display()
            )
        case.resolved_on = today
        case.resolved_by = system
        stamp(case, acting_user=system, reason=case.resolution_note)
    if cases:
        bulk_update_with_history(
            cases,
            DormancyCase,
            ["status", "resolved_on", "resolved_by", "resolution_note"],
            batch_size=UPDATE_BATCH,
            default_user=system,
        )
    return len(cases)


def scan_clear_and_flag(window, config, today, system) -> tuple[int, int]:
    """Open cases that no rule supports any more are cleared (those recorded by staff, for an
    unreachable leader, stay until a person decides); live organisations a rule now holds for
    and without a pending case become suspects."""
    conditions = signal_conditions(today, config, window)
    suspects = _suspects_in(window, conditions)
    pending = dict(
        DormancyCase.objects.filter(status__in=CaseStatus.PENDING, **window.lookups())
        .order_by()
        .values_list("organisation_id", "status")
    )
    # Cleared: locked, and re-checked to be still open and without a staff-recorded signal.
    to_clear = [pk for pk, status in pending.items() if status == CaseStatus.OPEN]
    to_clear = [pk for pk in to_clear if pk not in suspects]
    cleared = (
        list(
            DormancyCase.objects.select_for_update(of=("self",))
            .filter(organisation_id__in=to_clear, status=CaseStatus.OPEN)
            .exclude(signals__contains=f",{DormancySignal.LEADER_UNREACHABLE},")
            .order_by("pk")
        )
        if to_clear
        else []
    )
    note = _("No dormancy rule applies any more.")
    for case in cleared:
        case.status = next_case_status(case, CaseAction.CLEAR)
        case.resolved_on = today
        case.resolved_by = system
        case.resolution_note = note
    if cleared:
        bulk_update_with_history(
            cleared,
            DormancyCase,
            ["status", "resolved_on", "resolved_by", "resolution_note"],
            batch_size=UPDATE_BATCH,
            default_user=system,
            default_change_reason=note,
        )
    # Flagged: the organisations are locked and re-checked to have no pending case (a person
    # may have recorded one meanwhile); the one-pending-case constraint is the backstop.
    to_flag = [pk for pk in suspects if pk not in pending]
    if to_flag:
        locked = Organisation.objects.select_for_update(of=("self",)).filter(
            pk__in=to_flag, status__in=OrgStatus.LIVE
        )
        to_flag = set(locked.values_list("pk", flat=True)) - set(
            DormancyCase.objects.filter(
                organisation_id__in=to_flag, status__in=CaseStatus.PENDING
            ).values_list("organisation_id", flat=True)
        )
    notice_ends = today + datetime.timedelta(days=config.dormancy_notice_days)
    cases = []
    for pk in sorted(to_flag):
        case = DormancyCase(
            organisation_id=pk,
            signals=suspects[pk],
            status=CaseStatus.OPEN,
            flagged_on=today,
            notice_ends_on=notice_ends,
            flagged_by=system,
        )
        stamp(
            case,
            acting_user=system,
            reason=_("Dormancy suspect: %(signals)s") % {"signals": case.get_signals_display()},
        )
        cases.append(case)
    if cases:
        bulk_create_with_history(cases, DormancyCase, batch_size=len(cases), default_user=system)
    return len(cleared), len(cases)


def scan_propose_exits(window, config, today, system, blocked: list[str]) -> int:
    """Exit applications for suspects whose notice period has ended unconfirmed.

    Written in bulk, with the checks ``application_submit`` makes (the organisation is live and
    may exit from its status, no exit application is open, the exit checklist has no unmet
    blocking item, including conditions other apps add); submitted by the system user for the
    owning tier, which reviews it. A suspect that already has an open exit application (a person
    proposed it) is linked to that one instead.
    """
    expired = DormancyCase.objects.filter(
        status=CaseStatus.OPEN, notice_ends_on__lt=today, **window.lookups()
    )
    organisation_ids = list(expired.values_list("organisation_id", flat=True))
    if not organisation_ids:
        return 0
    # Organisations first, then their cases (re-checked): the order person-driven writes use.
    organisations = {
        organisation.pk: organisation
        for organisation in Organisation.objects.select_for_update(of=("self",))
        .select_related("community__parent__parent")
        .filter(pk__in=organisation_ids)
    }
    cases = list(expired.select_for_update(of=("self",)).order_by("pk"))
    may_exit = states_allowing(ORGANISATION_TRANSITIONS, ApplicationKind.EXIT)
    open_exits = {
        application.organisation_id: application
        for application in Application.objects.filter(
            organisation_id__in=list(organisations),
            kind=ApplicationKind.EXIT,
            status__in=ApplicationStatus.OPEN,
        )
    }
    now = timezone.now()
    applications, updated = [], []
    for case in cases:
        organisation = organisations.get(case.organisation_id)
        if organisation is None or organisation.status not in may_exit:
            continue  # exited meanwhile: closed by the next scan's first dormancy step
        note = _("Dormant: not confirmed active by the end of the notice period (%(date)s)") % {
            "date": case.notice_ends_on.isoformat()
        }
        application = open_exits.get(organisation.pk)
        if application is None:
            try:
                application = exit_application_prepare(
                    organisation=organisation,
                    acting_user=system,
                    exit_reason=ExitReason.DORMANT,
                    note=note,
                    submitted_at=now,
                )
            except (ValidationError, TransitionNotAllowed) as error:
                messages = getattr(error, "messages", None) or [str(error)]
                blocked.append(f"{organisation.name}: {'; '.join(map(str, messages))}")
                continue
            applications.append(application)
        case.status = next_case_status(case, CaseAction.PROPOSE_EXIT)
        case.exit_application = application
        stamp(case, acting_user=system, reason=note)
        updated.append(case)
    if applications:
        # PostgreSQL and SQLite both return the new ids, which the cases need.
        bulk_create_with_history(
            applications, Application, batch_size=len(applications), default_user=system
        )
    if updated:
        for case in updated:
            case.exit_application_id = case.exit_application.pk
        bulk_update_with_history(
            updated,
            DormancyCase,
            ["status", "exit_application"],
            batch_size=UPDATE_BATCH,
            default_user=system,
        )
    return len(updated)
