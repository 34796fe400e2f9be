"""Every write of the support programmes.

Each function is one atomic change (after Zulip's ``do_*`` actions): keyword-only arguments
with ``acting_user`` required; every problem with the input reported at once, by field, before
anything is written (``ValidationError``: 400, nothing stored); the rows whose sums or state it
checks locked with ``select_for_update`` and re-checked after the lock (a disbursement against
its project's approved amount, a grant against its fund's balance); who, when and why recorded
in the history (``core.history.stamp``). State moves are the tables in ``support.choices``.

Who may act:
- a platform, its contracts and operator accounts: whoever may change the platform's node;
- residencies, stages and services: the platform's operator, or whoever may change its node;
- programmes, rounds, awarded projects, disbursements, acceptance: whoever may change the
  programme's node (a progress report also the organisation's own leader);
- funds and their donations: whoever may change the fund's node (a donation also the operator
  of the platform it came through);
- trainings: whoever may change the programme's node; attendance also the operator of the
  platform a session is held at, for its own residents;
- sub-committee recommendations: the residents' committee's tier and those above it;
- pairings: whoever may change the filed organisation and see the registered one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import NotPermitted, OutOfJurisdiction
from core.history import stamp
from core.scoping import CHANGE, VIEW, jurisdiction_of
from core.transitions import transition
from core.validators import normalise_text
from registry.choices import MemberRole, OrgStatus, Role
from registry.models import Activity, Division, Member, Organisation, User
from support.choices import (
    PAIRING_TRANSITIONS,
    PLATFORM_LEVELS,
    PROJECT_TRANSITIONS,
    RECOMMENDATION_TRANSITIONS,
    ROUND_AWARDING,
    ROUND_TRANSITIONS,
    DonationForm,
    DonorKind,
    FundingKind,
    PairingAction,
    PairingRating,
    PlatformKind,
    ProjectAction,
    ProjectStatus,
    RecommendationAction,
    ResidencyKind,
    ServiceCategory,
    Stage,
    SubCommittee,
    TrainingCapacity,
)
from support.models import (
    PLATFORM,
    ZERO,
    Attendance,
    BudgetLine,
    CommunityFund,
    Disbursement,
    Donation,
    FundedProject,
    FundGrant,
    FundingProgramme,
    FundingRound,
    OperatingContract,
    Pairing,
    PairingActivity,
    PlatformOperator,
    ProgressReport,
    Residency,
    StagePeriod,
    SubCommitteeRecommendation,
    SupportPlatform,
    SupportService,
    TrainingProgramme,
    TrainingSession,
)

CENT = Decimal("0.01")
#: the largest amount a money column holds (14 digits, 2 of them decimals)
MAX_MONEY = Decimal("999999999999.99")


# --- input ------------------------------------------------------------------------------------


class Errors(dict):
    """Messages by field, raised at once (``raise_if_any``)."""

    def add(self, field: str, message) -> None:
        self.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def parse_money(
    value, field: str, errors: Errors, *, positive: bool = True, required: bool = True
) -> Decimal | None:
    """An amount in yuan as a ``Decimal`` with two places, or an error under ``field``: not a
    number, negative (or zero where ``positive``), more than two decimals, or too large."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _("Enter an amount in yuan."))
        return None
    if isinstance(value, bool | float):
        # a float is not an exact amount of money (0.1 + 0.2): give a string or a Decimal
        value = str(value) if isinstance(value, float) else None
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError, TypeError):
        errors.add(field, _("Enter an amount in yuan, such as 12000 or 12000.50."))
        return None
    if not amount.is_finite():
        errors.add(field, _("Enter an amount in yuan, such as 12000 or 12000.50."))
        return None
    if amount < 0:
        errors.add(field, _("An amount cannot be negative (%(amount)s).") % {"amount": amount})
        return None
    if positive and amount == 0:
        errors.add(field, _("The amount must be more than zero."))
        return None
    if amount != amount.quantize(CENT):
        errors.add(field, _("Give at most two decimal places (fen)."))
        return None
    if amount > MAX_MONEY:
        errors.add(field, _("The amount is too large."))
        return None
    return amount.quantize(CENT)


def _date(value, field: str, errors: Errors, *, required: bool = True) -> datetime.date | None:
    if value is None or value == "":
        if required:
            errors.add(field, _("Enter a date."))
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(field, _("Enter a date as YYYY-MM-DD."))
        return None


def _choice(value, choices, field: str, errors: Errors, *, required: bool = True) -> str:
    if value in (None, "") and not required:
        return ""
    if value not in choices.values:
        errors.add(
            field,
            _("'%(value)s' is not one of: %(choices)s.")
            % {"value": str(value)[:40], "choices": ", ".join(str(c.label) for c in choices)},
        )
        return ""
    return value


def _text(value, field: str, errors: Errors, *, required: bool = True, max_length=200) -> str:
    text = normalise_text(value)
    if required and not text:
        errors.add(field, _("This field is required."))
    if len(text) > max_length:
        errors.add(field, _("At most %(n)d characters.") % {"n": max_length})
    return text


def _period(starts_on, ends_on, errors: Errors, start_field="starts_on", end_field="ends_on"):
    if starts_on and ends_on and ends_on < starts_on:
        errors.add(
            end_field,
            _("The end (%(end)s) is before the start (%(start)s).")
            % {"end": ends_on, "start": starts_on},
        )


def _full_clean(instance, errors: Errors, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                if message not in errors.get(key, []):
                    errors.add(key, message)


def _save(instance, *, acting_user: User, reason: str):
    stamp(instance, acting_user=acting_user, reason=reason)
    instance.save()
    return instance


def yuan(amount: Decimal | None) -> str:
    """An amount for a message: ``¥12,000.50``."""
    return f"¥{(amount or ZERO):,.2f}"


# --- who may act --------------------------------------------------------------------------------


def may_change_node(user: User, division: Division | None) -> bool:
    """Whether ``user`` may change records owned by ``division`` (its subtree is theirs)."""
    if division is None:
        return False
    return Division.objects.restrict(user, CHANGE).filter(pk=division.pk).exists()


def operator_platform_id(user: User) -> int | None:
    """The platform a platform operator is bound to (``None`` for everyone else)."""
    binding = jurisdiction_of(user).binding
    if binding is not None and binding[0] == PLATFORM and jurisdiction_of(user).allows(CHANGE):
        return binding[1]
    return None


def _require_node(user: User, division: Division) -> None:
    """``user`` may change records of ``division``: 404 if they can't see it, 403 if they can
    but may not change it."""
    if not Division.objects.restrict(user, VIEW).filter(pk=division.pk).exists():
        raise OutOfJurisdiction()
    _require_change(user, division)


def _require_change(user: User, division: Division) -> None:
    """For records the user can see (a platform, a programme): whether they may change those
    of its node (403 if not)."""
    if not may_change_node(user, division):
        raise NotPermitted(
            _("Your role may not change records of %(node)s.") % {"node": division.name}
        )


def _visible(model, obj, user: User, action: str = VIEW):
    pk = obj.pk if hasattr(obj, "pk") else obj
    try:
        return model.objects.restrict(user, action).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise OutOfJurisdiction() from None


def _lock(model, obj, user: User, action: str = VIEW):
    """The row, locked (no joins: after waiting for a lock PostgreSQL re-reads the locked row
    only), if ``user`` may ``action`` it; 404 otherwise."""
    pk = obj.pk if hasattr(obj, "pk") else obj
    if not model.objects.restrict(user, action).filter(pk=pk).exists():
        raise OutOfJurisdiction()
    return model.objects.select_for_update(of=("self",)).get(pk=pk)


def _may_run_platform(user: User, platform: SupportPlatform) -> bool:
    return operator_platform_id(user) == platform.pk or may_change_node(user, platform.division)


def _require_platform(user: User, platform: SupportPlatform) -> SupportPlatform:
    platform = _visible(SupportPlatform, platform, user)
    if not _may_run_platform(user, platform):
        raise NotPermitted(
            _("Only %(platform)s's operator or its tier records this.") % {"platform": platform}
        )
    return platform


def _in_subtree(organisation: Organisation, division: Division) -> bool:
    return organisation.community.path.startswith(division.path)


# --- platforms ----------------------------------------------------------------------------------

PLATFORM_FIELDS = ("name", "kind", "focus", "operator_name", "address", "opened_on", "closed_on")


def _platform_errors(platform: SupportPlatform, errors: Errors) -> None:
    if platform.division_id and platform.division.level not in PLATFORM_LEVELS:
        errors.add(
            "division",
            _("A support platform sits at a district, street or community, not a %(level)s.")
            % {"level": platform.division.get_level_display()},
        )
    if platform.headquarters_id:
        hq = platform.headquarters
        if hq.pk == platform.pk or not platform.division.path.startswith(hq.division.path):
            errors.add(
                "headquarters",
                _("The headquarters must be a platform at a node above this one."),
            )
    if platform.operator_id and platform.operator.status not in (OrgStatus.REGISTERED,):
        errors.add(
            "operator",
            _("The operating organisation must be a registered (legal-person) organisation."),
        )
    _period(platform.opened_on, platform.closed_on, errors, "opened_on", "closed_on")


@transaction.atomic
def platform_create(
    *,
    division: Division,
    name: str,
    kind: str,
    opened_on,
    acting_user: User,
    headquarters: SupportPlatform | None = None,
    operator: Organisation | None = None,
    operator_name: str = "",
    focus: str = "",
    address: str = "",
    closed_on=None,
    reason: str = "",
) -> SupportPlatform:
    """Set up a support platform at a district, street or community (item 1)."""
    _require_node(acting_user, division)
    if headquarters is not None:
        headquarters = _visible(SupportPlatform, headquarters, acting_user)
    if operator is not None:
        operator = _visible(Organisation, operator, acting_user)
    errors = Errors()
    platform = SupportPlatform(
        division=division,
        name=_text(name, "name", errors, max_length=100),
        kind=_choice(kind, PlatformKind, "kind", errors),
        opened_on=_date(opened_on, "opened_on", errors),
        closed_on=_date(closed_on, "closed_on", errors, required=False),
        headquarters=headquarters,
        operator=operator,
        operator_name=_text(operator_name, "operator_name", errors, required=False, max_length=100),
        focus=_text(focus, "focus", errors, required=False, max_length=100),
        address=_text(address, "address", errors, required=False),
    )
    _platform_errors(platform, errors)
    _full_clean(platform, errors)
    errors.raise_if_any()
    return _save(platform, acting_user=acting_user, reason=reason or _("Platform set up"))


@transaction.atomic
def platform_update(
    *, platform: SupportPlatform, acting_user: User, reason: str = "", **data
) -> SupportPlatform:
    """Change a platform's details (name, kind, focus, operator, dates)."""
    platform = _lock(SupportPlatform, platform, acting_user)
    _require_change(acting_user, platform.division)
    errors = Errors()
    unknown = set(data) - set(PLATFORM_FIELDS) - {"operator", "headquarters"}
    for key in unknown:
        errors.add(key, _("This field cannot be changed here."))
    for key in ("name", "focus", "operator_name", "address"):
        if key in data:
            setattr(platform, key, _text(data[key], key, errors, required=key == "name"))
    if "kind" in data:
        platform.kind = _choice(data["kind"], PlatformKind, "kind", errors)
    for key in ("opened_on", "closed_on"):
        if key in data:
            setattr(platform, key, _date(data[key], key, errors, required=key == "opened_on"))
    if "operator" in data:
        platform.operator = (
            _visible(Organisation, data["operator"], acting_user) if data["operator"] else None
        )
    if "headquarters" in data:
        platform.headquarters = (
            _visible(SupportPlatform, data["headquarters"], acting_user)
            if data["headquarters"]
            else None
        )
    _platform_errors(platform, errors)
    _full_clean(platform, errors)
    errors.raise_if_any()
    return _save(platform, acting_user=acting_user, reason=reason)


@transaction.atomic
def contract_record(
    *,
    platform: SupportPlatform,
    starts_on,
    ends_on,
    amount,
    acting_user: User,
    contractor: Organisation | None = None,
    contractor_name: str = "",
    number: str = "",
    services: str = "",
    reason: str = "",
) -> OperatingContract:
    """Record the purchase-of-service contract under which an organisation runs a platform."""
    platform = _visible(SupportPlatform, platform, acting_user)
    _require_change(acting_user, platform.division)
    if contractor is not None:
        contractor = _visible(Organisation, contractor, acting_user)
    errors = Errors()
    contract = OperatingContract(
        platform=platform,
        contractor=contractor,
        contractor_name=_text(contractor_name, "contractor_name", errors, required=False),
        number=_text(number, "number", errors, required=False, max_length=50),
        starts_on=_date(starts_on, "starts_on", errors),
        ends_on=_date(ends_on, "ends_on", errors),
        amount=parse_money(amount, "amount", errors),
        services=normalise_text(services),
    )
    if contractor is None and not contract.contractor_name:
        errors.add("contractor", _("Name the organisation that runs the platform."))
    _period(contract.starts_on, contract.ends_on, errors)
    _full_clean(contract, errors)
    errors.raise_if_any()
    return _save(contract, acting_user=acting_user, reason=reason or _("Contract recorded"))


@transaction.atomic
def operator_assign(
    *, platform: SupportPlatform, user: User, acting_user: User, reason: str = ""
) -> PlatformOperator:
    """Bind a platform-operator account to the platform it runs (replacing an earlier one)."""
    platform = _visible(SupportPlatform, platform, acting_user)
    _require_change(acting_user, platform.division)
    if user.role != Role.PLATFORM_OPERATOR:
        raise ValidationError(
            {"user": [_("Only an account with the platform-operator role can run a platform.")]}
        )
    assignment = PlatformOperator.objects.select_for_update().filter(user=user).first()
    if assignment is None:
        assignment = PlatformOperator(user=user, platform=platform)
    else:
        if not may_change_node(acting_user, assignment.platform.division):
            raise NotPermitted(_("This account runs a platform outside your jurisdiction."))
        assignment.platform = platform
    return _save(assignment, acting_user=acting_user, reason=reason or _("Operator assigned"))


# --- residency, incubation stages and services --------------------------------------------------


def _overlaps(start, end, other_start, other_end) -> bool:
    far = datetime.date.max
    return start <= (other_end or far) and other_start <= (end or far)


def _describe_period(start, end) -> str:
    return f"{start} – {end}" if end else _("%(start)s onwards") % {"start": start}


@transaction.atomic
def residency_start(
    *,
    platform: SupportPlatform,
    organisation: Organisation,
    started_on,
    acting_user: User,
    kind: str = ResidencyKind.INCUBATED,
    ended_on=None,
    stage: str = Stage.START_UP,
    note: str = "",
    reason: str = "",
) -> Residency:
    """An organisation moves into a platform (resident) or starts incubation there; an
    incubation also opens the organisation's stage (start-up unless given)."""
    platform = _require_platform(acting_user, platform)
    if operator_platform_id(acting_user) == platform.pk:
        # An operator takes in organisations of the area the platform serves (the names are on
        # the public register); anything else is not there for them.
        pk = organisation.pk if hasattr(organisation, "pk") else organisation
        if not Organisation.objects.filter(
            pk=pk, community__path__startswith=platform.division.path
        ).exists():
            raise OutOfJurisdiction()
    else:
        pk = _visible(Organisation, organisation, acting_user).pk
    organisation = Organisation.objects.select_for_update(of=("self",)).get(pk=pk)
    errors = Errors()
    kind = _choice(kind, ResidencyKind, "kind", errors)
    started_on = _date(started_on, "started_on", errors)
    ended_on = _date(ended_on, "ended_on", errors, required=False)
    _period(started_on, ended_on, errors, "started_on", "ended_on")
    if organisation.status not in OrgStatus.LIVE:
        errors.add("organisation", _("%(name)s has exited.") % {"name": organisation.name})
    if not _in_subtree(organisation, platform.division):
        errors.add(
            "organisation",
            _("%(name)s is not in %(node)s, which %(platform)s serves.")
            % {"name": organisation.name, "node": platform.division.name, "platform": platform},
        )
    if started_on and platform.opened_on > started_on:
        errors.add(
            "started_on",
            _("%(platform)s opened on %(date)s.")
            % {"platform": platform, "date": platform.opened_on},
        )
    if started_on and not errors:
        clashing = Residency.objects.filter(organisation=organisation).filter(
            Q(platform=platform) | Q(kind=ResidencyKind.INCUBATED)
            if kind == ResidencyKind.INCUBATED
            else Q(platform=platform)
        )
        for other in clashing:
            if _overlaps(started_on, ended_on, other.started_on, other.ended_on):
                errors.add(
                    "started_on",
                    _("This period overlaps %(name)s's %(kind)s at %(platform)s (%(period)s).")
                    % {
                        "name": organisation.name,
                        "kind": other.get_kind_display(),
                        "platform": other.platform.name,
                        "period": _describe_period(other.started_on, other.ended_on),
                    },
                )
    residency = Residency(
        platform=platform,
        organisation=organisation,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        note=_text(note, "note", errors, required=False),
    )
    errors.raise_if_any()
    _save(residency, acting_user=acting_user, reason=reason or _("Moved in"))
    if kind == ResidencyKind.INCUBATED and stage:
        _stage_write(
            organisation=organisation,
            residency=residency,
            stage=stage,
            starts_on=started_on,
            ends_on=None,
            acting_user=acting_user,
            reason=reason or _("Incubation started"),
        )
    return residency


@transaction.atomic
def residency_end(
    *, residency: Residency, ended_on, acting_user: User, reason: str = ""
) -> Residency:
    """An organisation leaves a platform (without graduating, unless it has)."""
    residency = _lock(Residency, residency, acting_user, CHANGE)
    _require_platform(acting_user, residency.platform)
    errors = Errors()
    ended_on = _date(ended_on, "ended_on", errors)
    if residency.ended_on is not None:
        errors.add(
            "ended_on",
            _("This residency already ended on %(date)s.") % {"date": residency.ended_on},
        )
    _period(residency.started_on, ended_on, errors, "started_on", "ended_on")
    errors.raise_if_any()
    residency.ended_on = ended_on
    return _save(residency, acting_user=acting_user, reason=reason or _("Moved out"))


@transaction.atomic
def residency_graduate(
    *, residency: Residency, graduated_on, acting_user: User, reason: str = ""
) -> Residency:
    """An incubated organisation graduates ("leaves the shell"): its incubation ends and its
    stage becomes graduated; after-care services may follow."""
    residency = _lock(Residency, residency, acting_user, CHANGE)
    _require_platform(acting_user, residency.platform)
    organisation = Organisation.objects.select_for_update(of=("self",)).get(
        pk=residency.organisation_id
    )
    errors = Errors()
    graduated_on = _date(graduated_on, "graduated_on", errors)
    if residency.kind != ResidencyKind.INCUBATED:
        errors.add("graduated_on", _("Only an incubated organisation graduates."))
    if residency.graduated_on is not None:
        errors.add(
            "graduated_on",
            _("%(name)s already graduated on %(date)s.")
            % {"name": organisation.name, "date": residency.graduated_on},
        )
    if graduated_on and graduated_on < residency.started_on:
        errors.add("graduated_on", _("Graduation cannot come before the incubation started."))
    if graduated_on and residency.ended_on and graduated_on > residency.ended_on:
        errors.add("graduated_on", _("The incubation had ended by then."))
    errors.raise_if_any()
    residency.graduated_on = graduated_on
    residency.ended_on = residency.ended_on or graduated_on
    _save(residency, acting_user=acting_user, reason=reason or _("Graduated"))
    _stage_write(
        organisation=organisation,
        residency=residency,
        stage=Stage.GRADUATED,
        starts_on=graduated_on,
        ends_on=None,
        acting_user=acting_user,
        reason=reason or _("Graduated"),
    )
    return residency


def _stage_write(
    *, organisation, residency, stage, starts_on, ends_on, acting_user, reason
) -> StagePeriod:
    """Write a stage period after checking it against the organisation's others (the caller
    holds the organisation's row lock). The open period before it is closed the day before;
    any other overlap is refused."""
    errors = Errors()
    periods = list(StagePeriod.objects.filter(organisation=organisation).order_by("starts_on"))
    to_close = None
    for other in periods:
        if not _overlaps(starts_on, ends_on, other.starts_on, other.ends_on):
            continue
        if other.ends_on is None and other.starts_on < starts_on:
            to_close = other  # the current stage gives way to the new one
            continue
        errors.add(
            "starts_on",
            _("This period (%(period)s) overlaps the '%(stage)s' period %(other)s.")
            % {
                "period": _describe_period(starts_on, ends_on),
                "stage": other.get_stage_display(),
                "other": _describe_period(other.starts_on, other.ends_on),
            },
        )
    if to_close is not None and ends_on is None:
        later = [p for p in periods if p.starts_on > starts_on]
        if later:
            errors.add("starts_on", _("A later stage is already recorded; give an end date."))
    errors.raise_if_any()
    if to_close is not None:
        to_close.ends_on = starts_on - datetime.timedelta(days=1)
        _save(to_close, acting_user=acting_user, reason=reason)
    period = StagePeriod(
        organisation=organisation,
        residency=residency,
        stage=stage,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return _save(period, acting_user=acting_user, reason=reason)


@transaction.atomic
def stage_record(
    *,
    residency: Residency,
    stage: str,
    starts_on,
    acting_user: User,
    ends_on=None,
    reason: str = "",
) -> StagePeriod:
    """Record an incubated organisation's stage from a day (item 7: start-up, development,
    mature). The current stage ends the day before; a period overlapping another is refused."""
    residency = _visible(Residency, residency, acting_user, CHANGE)
    _require_platform(acting_user, residency.platform)
    organisation = Organisation.objects.select_for_update(of=("self",)).get(
        pk=residency.organisation_id
    )
    errors = Errors()
    stage = _choice(stage, Stage, "stage", errors)
    if stage == Stage.GRADUATED:
        errors.add("stage", _("Record a graduation as such (it ends the incubation)."))
    starts_on = _date(starts_on, "starts_on", errors)
    ends_on = _date(ends_on, "ends_on", errors, required=False)
    _period(starts_on, ends_on, errors)
    if starts_on and starts_on < residency.started_on:
        errors.add(
            "starts_on",
            _("The incubation at %(platform)s started on %(date)s.")
            % {"platform": residency.platform.name, "date": residency.started_on},
        )
    errors.raise_if_any()
    return _stage_write(
        organisation=organisation,
        residency=residency,
        stage=stage,
        starts_on=starts_on,
        ends_on=ends_on,
        acting_user=acting_user,
        reason=reason or _("Stage recorded"),
    )


@transaction.atomic
def service_record(
    *,
    residency: Residency,
    category: str,
    provided_on,
    title: str,
    acting_user: User,
    description: str = "",
    reason: str = "",
) -> SupportService:
    """Record a service the platform gave an organisation it hosts (after-care once it has
    graduated)."""
    residency = _visible(Residency, residency, acting_user, CHANGE)
    _require_platform(acting_user, residency.platform)
    errors = Errors()
    category = _choice(category, ServiceCategory, "category", errors)
    provided_on = _date(provided_on, "provided_on", errors)
    if provided_on:
        if category == ServiceCategory.AFTER_CARE:
            if residency.graduated_on is None or provided_on < residency.graduated_on:
                errors.add(
                    "category", _("After-care is for an organisation after it has graduated.")
                )
        elif not residency.is_current_on(provided_on):
            errors.add(
                "provided_on",
                _("%(name)s was not at %(platform)s on %(date)s (%(period)s).")
                % {
                    "name": residency.organisation.name,
                    "platform": residency.platform.name,
                    "date": provided_on,
                    "period": _describe_period(residency.started_on, residency.ended_on),
                },
            )
    service = SupportService(
        residency=residency,
        category=category,
        provided_on=provided_on,
        title=_text(title, "title", errors),
        description=normalise_text(description),
    )
    errors.raise_if_any()
    return _save(service, acting_user=acting_user, reason=reason or _("Service recorded"))


# --- community funds ----------------------------------------------------------------------------


@transaction.atomic
def fund_create(
    *,
    division: Division,
    name: str,
    opened_on,
    acting_user: User,
    manager: Organisation | None = None,
    manager_name: str = "",
    reason: str = "",
) -> CommunityFund:
    """Open a community fund at a node (item 4)."""
    _require_node(acting_user, division)
    if manager is not None:
        manager = _visible(Organisation, manager, acting_user)
    errors = Errors()
    if division.level not in PLATFORM_LEVELS:
        errors.add("division", _("A community fund belongs to a district, street or community."))
    fund = CommunityFund(
        division=division,
        name=_text(name, "name", errors, max_length=100),
        opened_on=_date(opened_on, "opened_on", errors),
        manager=manager,
        manager_name=_text(manager_name, "manager_name", errors, required=False, max_length=100),
    )
    _full_clean(fund, errors)
    errors.raise_if_any()
    return _save(fund, acting_user=acting_user, reason=reason or _("Fund opened"))


def _may_take_donation(user: User, fund: CommunityFund, channel: SupportPlatform | None) -> bool:
    if may_change_node(user, fund.division):
        return True
    platform_id = operator_platform_id(user)
    if platform_id is None or channel is None or channel.pk != platform_id:
        return False
    a, b = channel.division.path, fund.division.path
    return a.startswith(b) or b.startswith(a)


@transaction.atomic
def donation_record(
    *,
    fund: CommunityFund,
    donor_kind: str,
    amount,
    received_on,
    acting_user: User,
    donor_name: str = "",
    form: str = DonationForm.MONEY,
    goods: str = "",
    channel: SupportPlatform | None = None,
    reference: str = "",
    reason: str = "",
) -> Donation:
    """A gift to a fund: money raises its balance; goods are recorded at their value."""
    if channel is not None:
        channel = _visible(SupportPlatform, channel, acting_user)
    visible = CommunityFund.objects.restrict(acting_user).filter(pk=fund.pk).exists()
    through_own_channel = channel is not None and operator_platform_id(acting_user) == channel.pk
    if not (visible or through_own_channel):
        raise OutOfJurisdiction()
    fund = CommunityFund.objects.select_for_update(of=("self",)).get(pk=fund.pk)
    if not _may_take_donation(acting_user, fund, channel):
        raise NotPermitted(_("You may not record donations to %(fund)s.") % {"fund": fund})
    errors = Errors()
    donor_kind = _choice(donor_kind, DonorKind, "donor_kind", errors)
    form = _choice(form, DonationForm, "form", errors)
    amount = parse_money(amount, "amount", errors)
    received_on = _date(received_on, "received_on", errors)
    donor_name = _text(donor_name, "donor_name", errors, required=False, max_length=100)
    goods = _text(goods, "goods", errors, required=False)
    if donor_kind == DonorKind.ANONYMOUS:
        donor_name = ""
    elif donor_kind and not donor_name:
        errors.add("donor_name", _("Name the donor (or choose anonymous)."))
    if form == DonationForm.IN_KIND and not goods:
        errors.add("goods", _("Say what was given."))
    if received_on and received_on < fund.opened_on:
        errors.add("received_on", _("The fund opened on %(date)s.") % {"date": fund.opened_on})
    donation = Donation(
        fund=fund,
        donor_kind=donor_kind,
        donor_name=donor_name,
        form=form,
        amount=amount,
        goods=goods,
        received_on=received_on,
        channel=channel,
        reference=_text(reference, "reference", errors, required=False, max_length=50),
    )
    errors.raise_if_any()
    _save(donation, acting_user=acting_user, reason=reason or _("Donation received"))
    if form == DonationForm.MONEY:
        fund.balance += amount
        _save(fund, acting_user=acting_user, reason=_("Donation received"))
    return donation


# --- funding programmes, rounds and projects ----------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    division: Division,
    name: str,
    kind: str,
    acting_user: User,
    funder: str = "",
    fund: CommunityFund | None = None,
    description: str = "",
    reason: str = "",
) -> FundingProgramme:
    """Start a funding programme of one kind at a node (a community-fund programme grants from
    its fund)."""
    _require_node(acting_user, division)
    if fund is not None:
        fund = _visible(CommunityFund, fund, acting_user)
    errors = Errors()
    kind = _choice(kind, FundingKind, "kind", errors)
    if kind == FundingKind.COMMUNITY_FUND and fund is None:
        errors.add("fund", _("A community-fund programme names the fund it grants from."))
    if kind and kind != FundingKind.COMMUNITY_FUND and fund is not None:
        errors.add("fund", _("Only a community-fund programme grants from a fund."))
    programme = FundingProgramme(
        division=division,
        name=_text(name, "name", errors, max_length=150),
        kind=kind,
        funder=_text(funder, "funder", errors, required=False, max_length=100),
        fund=fund,
        description=normalise_text(description),
    )
    _full_clean(programme, errors)
    errors.raise_if_any()
    return _save(programme, acting_user=acting_user, reason=reason or _("Programme started"))


@transaction.atomic
def round_create(
    *,
    programme: FundingProgramme,
    name: str,
    year: int,
    opens_on,
    acting_user: User,
    closes_on=None,
    budget=None,
    campaign=None,
    reason: str = "",
) -> FundingRound:
    """Open a round of a programme. A contest round runs as a selection campaign (``campaign``:
    its entries and expert review are the campaign's; the awarded projects name their entry)."""
    programme = _visible(FundingProgramme, programme, acting_user)
    _require_change(acting_user, programme.division)
    errors = Errors()
    if campaign is not None:
        from selection.models import Campaign

        campaign = _visible(Campaign, campaign, acting_user)
        if programme.kind != FundingKind.VENTURE_PHILANTHROPY:
            errors.add("campaign", _("Only a contest round runs as a selection campaign."))
    opens_on = _date(opens_on, "opens_on", errors)
    closes_on = _date(closes_on, "closes_on", errors, required=False)
    _period(opens_on, closes_on, errors, "opens_on", "closes_on")
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2100:
        errors.add("year", _("Give a year such as 2024."))
        year = None
    funding_round = FundingRound(
        programme=programme,
        name=_text(name, "name", errors, max_length=150),
        year=year,
        opens_on=opens_on,
        closes_on=closes_on,
        budget=parse_money(budget, "budget", errors, required=False),
        campaign=campaign,
    )
    errors.raise_if_any()
    return _save(funding_round, acting_user=acting_user, reason=reason or _("Round opened"))


@transaction.atomic
def round_step(
    *, funding_round: FundingRound, action: str, acting_user: User, reason: str = ""
) -> FundingRound:
    """Move a round on (open → review → awarded → closed)."""
    funding_round = _lock(FundingRound, funding_round, acting_user)
    _require_change(acting_user, funding_round.programme.division)
    funding_round.status = transition(ROUND_TRANSITIONS, funding_round.status, action)
    return _save(funding_round, acting_user=acting_user, reason=reason)


def _custody_errors(organisation: Organisation, custodian: Organisation | None, errors: Errors):
    """Item 3: a filed organisation (or an activity group) is not a legal person; its money
    goes to a registered organisation that supervises its spending."""
    if organisation.status == OrgStatus.REGISTERED:
        if custodian is not None:
            errors.add(
                "custodian",
                _(
                    "%(name)s is a legal person and receives the money itself; leave the "
                    "custodian empty."
                )
                % {"name": organisation.name},
            )
        return
    if custodian is None:
        errors.add(
            "custodian",
            _(
                "%(name)s is not a legal person (%(status)s): name a registered organisation as "
                "custodian to receive the money and supervise its spending."
            )
            % {"name": organisation.name, "status": organisation.get_status_display()},
        )
        return
    if custodian.status != OrgStatus.REGISTERED:
        errors.add(
            "custodian",
            _("The custodian %(name)s is not a registered (legal-person) organisation.")
            % {"name": custodian.name},
        )


@transaction.atomic
def project_award(
    *,
    funding_round: FundingRound,
    organisation: Organisation,
    title: str,
    amount_approved,
    approved_on,
    acting_user: User,
    custodian: Organisation | None = None,
    starts_on=None,
    ends_on=None,
    budget_lines: Iterable[tuple[str, object]] = (),
    entry=None,
    reason: str = "",
) -> FundedProject:
    """Award a project in a round: the organisation, the amount approved, the custodian when
    the organisation is not a legal person, and its budget. In a community-fund programme the
    grant is paid out of the fund: the fund's row is locked and its balance checked and
    lowered in this transaction, so two grants at once can never overdraw it."""
    funding_round = _lock(FundingRound, funding_round, acting_user)
    programme = funding_round.programme
    _require_change(acting_user, programme.division)
    organisation = _visible(Organisation, organisation, acting_user)
    if custodian is not None:
        custodian = _visible(Organisation, custodian, acting_user)
    errors = Errors()
    amount = parse_money(amount_approved, "amount_approved", errors)
    approved_on = _date(approved_on, "approved_on", errors)
    starts_on = _date(starts_on, "starts_on", errors, required=False)
    ends_on = _date(ends_on, "ends_on", errors, required=False)
    _period(starts_on, ends_on, errors)
    title = _text(title, "title", errors)
    if entry is not None:
        from selection.models import Entry

        entry = _visible(Entry, entry, acting_user)
        if funding_round.campaign_id is None or entry.campaign_id != funding_round.campaign_id:
            errors.add("entry", _("The entry is not one of this round's selection campaign."))
        elif entry.organisation_id != organisation.pk:
            errors.add("entry", _("The entry was submitted by another organisation."))
    elif funding_round.campaign_id is not None:
        errors.add("entry", _("A contest round awards projects from its campaign's entries."))
    if funding_round.status not in ROUND_AWARDING:
        errors.add(
            "round",
            _("The round is '%(status)s': it takes no new projects.")
            % {"status": funding_round.get_status_display()},
        )
    if organisation.status not in OrgStatus.LIVE:
        errors.add("organisation", _("%(name)s has exited.") % {"name": organisation.name})
    if custodian is not None and custodian.pk == organisation.pk:
        errors.add("custodian", _("An organisation cannot be its own custodian."))
    else:
        _custody_errors(organisation, custodian, errors)
    lines = []
    for index, (item, line_amount) in enumerate(budget_lines, start=1):
        field = f"budget_lines[{index}]"
        lines.append(
            BudgetLine(
                item=_text(item, field, errors, max_length=100),
                amount=parse_money(line_amount, field, errors, positive=False),
            )
        )
    planned = sum((line.amount or ZERO for line in lines), ZERO)
    if amount is not None and planned > amount:
        errors.add(
            "budget_lines",
            _("The budget (%(planned)s) is more than the amount approved (%(amount)s).")
            % {"planned": yuan(planned), "amount": yuan(amount)},
        )
    if amount is not None and funding_round.budget is not None:
        awarded = funding_round.projects.aggregate(total=Sum("amount_approved"))["total"] or ZERO
        if awarded + amount > funding_round.budget:
            errors.add(
                "amount_approved",
                _(
                    "The round's budget is %(budget)s and %(awarded)s is already awarded: "
                    "%(amount)s does not fit."
                )
                % {
                    "budget": yuan(funding_round.budget),
                    "awarded": yuan(awarded),
                    "amount": yuan(amount),
                },
            )
    fund = None
    if programme.fund_id is not None:
        # The lock serialises grants from one fund: the second waits, then sees the new balance.
        fund = CommunityFund.objects.select_for_update(of=("self",)).get(pk=programme.fund_id)
        if amount is not None and amount > fund.balance:
            errors.add(
                "amount_approved",
                _("%(fund)s has %(balance)s available; a grant of %(amount)s does not fit.")
                % {"fund": fund.name, "balance": yuan(fund.balance), "amount": yuan(amount)},
            )
    errors.raise_if_any()
    project = FundedProject(
        round=funding_round,
        organisation=organisation,
        custodian=custodian,
        title=title,
        entry=entry,
        amount_approved=amount,
        approved_on=approved_on,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    reason = reason or _("Project awarded")
    _save(project, acting_user=acting_user, reason=reason)
    for line in lines:
        line.project = project
        _save(line, acting_user=acting_user, reason=reason)
    if fund is not None:
        fund.balance -= amount
        _save(fund, acting_user=acting_user, reason=reason)
        grant = FundGrant(fund=fund, project=project, amount=amount, granted_on=approved_on)
        _save(grant, acting_user=acting_user, reason=reason)
    return project


@transaction.atomic
def disbursement_record(
    *,
    project: FundedProject,
    amount,
    paid_on,
    acting_user: User,
    reference: str = "",
    reason: str = "",
) -> Disbursement:
    """Pay money out to a project (to its custodian where it has one). The project's row is
    locked: its disbursements never add up to more than the amount approved."""
    project = _lock(FundedProject, project, acting_user)
    _require_change(acting_user, project.round.programme.division)
    errors = Errors()
    amount = parse_money(amount, "amount", errors)
    paid_on = _date(paid_on, "paid_on", errors)
    if project.status not in ProjectStatus.OPEN:
        errors.add(
            "project",
            _("The project is '%(status)s': nothing more is paid out.")
            % {"status": project.get_status_display()},
        )
    if paid_on and paid_on < project.approved_on:
        errors.add(
            "paid_on",
            _("The project was approved on %(date)s.") % {"date": project.approved_on},
        )
    if amount is not None:
        paid = project.disbursements.aggregate(total=Sum("amount"))["total"] or ZERO
        if paid + amount > project.amount_approved:
            errors.add(
                "amount",
                _(
                    "%(amount)s would bring the disbursements to %(total)s, more than the "
                    "%(approved)s approved (%(paid)s paid so far)."
                )
                % {
                    "amount": yuan(amount),
                    "total": yuan(paid + amount),
                    "approved": yuan(project.amount_approved),
                    "paid": yuan(paid),
                },
            )
    errors.raise_if_any()
    disbursement = Disbursement(
        project=project,
        amount=amount,
        paid_on=paid_on,
        payee=project.payee,
        reference=normalise_text(reference)[:50],
    )
    return _save(disbursement, acting_user=acting_user, reason=reason or _("Money paid out"))


@transaction.atomic
def progress_report_submit(
    *,
    project: FundedProject,
    period_end,
    acting_user: User,
    beneficiaries: int = 0,
    volunteer_hours=0,
    spent=0,
    narrative: str = "",
    activities: Iterable[Activity] = (),
    reason: str = "",
) -> ProgressReport:
    """Report a project's progress: people served (person-times), volunteer hours, money spent
    in the period and the ledger's activities it consists of (the organisation's own)."""
    project = _lock(FundedProject, project, acting_user)
    is_leader = (
        acting_user.role == Role.ORGANISATION_LEADER
        and acting_user.organisation_id == project.organisation_id
    )
    if not is_leader:
        _require_change(acting_user, project.round.programme.division)
    errors = Errors()
    period_end = _date(period_end, "period_end", errors)
    if project.status not in ProjectStatus.OPEN:
        errors.add("project", _("The project is closed."))
    if isinstance(beneficiaries, bool) or not isinstance(beneficiaries, int) or beneficiaries < 0:
        errors.add("beneficiaries", _("Give a whole number of person-times, 0 or more."))
        beneficiaries = 0
    try:
        hours = Decimal(str(volunteer_hours))
        if not hours.is_finite() or hours < 0 or hours != hours.quantize(Decimal("0.1")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("volunteer_hours", _("Give hours, 0 or more, with at most one decimal."))
        hours = Decimal(0)
    spent = parse_money(spent, "spent", errors, positive=False)
    activities = list(activities)
    wrong = [a for a in activities if a.organisation_id != project.organisation_id]
    if wrong:
        errors.add(
            "activities",
            _("Not an activity of %(name)s: %(titles)s.")
            % {"name": project.organisation.name, "titles": ", ".join(a.title for a in wrong)},
        )
    errors.raise_if_any()
    report = ProgressReport(
        project=project,
        period_end=period_end,
        beneficiaries=beneficiaries,
        volunteer_hours=hours,
        spent=spent,
        narrative=normalise_text(narrative),
    )
    _save(report, acting_user=acting_user, reason=reason or _("Progress reported"))
    if activities:
        report.activities.set(activities)
    return report


@transaction.atomic
def project_decide(
    *,
    project: FundedProject,
    action: str,
    on,
    acting_user: User,
    note: str = "",
    reason: str = "",
) -> FundedProject:
    """Accept a project at its end, refuse acceptance, or terminate it (one locked
    transition: two reviewers at once record one decision)."""
    project = _lock(FundedProject, project, acting_user)
    _require_change(acting_user, project.round.programme.division)
    errors = Errors()
    on = _date(on, "on", errors)
    note = normalise_text(note)
    if action in (ProjectAction.REFUSE, ProjectAction.TERMINATE) and not note:
        errors.add("note", _("Say why."))
    if on and on < project.approved_on:
        errors.add("on", _("The project was approved on %(date)s.") % {"date": project.approved_on})
    if action not in ProjectAction.values:
        errors.add("action", _("Unknown action."))
    errors.raise_if_any()
    project.status = transition(PROJECT_TRANSITIONS, project.status, action)
    project.closed_on = on
    project.closing_note = note
    return _save(project, acting_user=acting_user, reason=reason or note)


# --- trainings ----------------------------------------------------------------------------------


@transaction.atomic
def training_programme_create(
    *,
    division: Division,
    name: str,
    year: int,
    acting_user: User,
    organiser: str = "",
    description: str = "",
    reason: str = "",
) -> TrainingProgramme:
    """A tier's training plan for leaders, staff and volunteers (item 6)."""
    _require_node(acting_user, division)
    errors = Errors()
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2100:
        errors.add("year", _("Give a year such as 2024."))
        year = None
    programme = TrainingProgramme(
        division=division,
        name=_text(name, "name", errors, max_length=150),
        year=year,
        organiser=_text(organiser, "organiser", errors, required=False, max_length=100),
        description=normalise_text(description),
    )
    errors.raise_if_any()
    return _save(programme, acting_user=acting_user, reason=reason or _("Training planned"))


@transaction.atomic
def training_session_create(
    *,
    programme: TrainingProgramme,
    title: str,
    held_on,
    hours,
    acting_user: User,
    venue: str = "",
    platform: SupportPlatform | None = None,
    reason: str = "",
) -> TrainingSession:
    programme = _visible(TrainingProgramme, programme, acting_user)
    _require_change(acting_user, programme.division)
    if platform is not None:
        platform = _visible(SupportPlatform, platform, acting_user)
    errors = Errors()
    try:
        hours = Decimal(str(hours))
        if (
            not hours.is_finite()
            or not 0 < hours <= 1000
            or hours != hours.quantize(Decimal("0.1"))
        ):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("hours", _("Give the hours, more than 0, with at most one decimal."))
        hours = None
    session = TrainingSession(
        programme=programme,
        title=_text(title, "title", errors),
        held_on=_date(held_on, "held_on", errors),
        hours=hours,
        venue=_text(venue, "venue", errors, required=False),
        platform=platform,
    )
    errors.raise_if_any()
    return _save(session, acting_user=acting_user, reason=reason or _("Session held"))


CAPACITY_BY_ROLE = {
    MemberRole.LEADER: TrainingCapacity.LEADER,
    MemberRole.DEPUTY: TrainingCapacity.LEADER,
    MemberRole.STAFF: TrainingCapacity.STAFF,
}


def members_within_reach(user: User):
    """The roster entries whose training ``user`` may record: those the user may change, or,
    for a platform operator, those of the platform's current residents."""
    platform_id = operator_platform_id(user)
    if platform_id is None:
        return Member.objects.restrict(user, CHANGE)
    today = timezone.localdate()
    current = Residency.objects.filter(platform_id=platform_id, started_on__lte=today).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    )
    return Member.objects.filter(organisation_id__in=current.values("organisation_id"))


@transaction.atomic
def attendance_record(
    *,
    session: TrainingSession,
    member: Member,
    acting_user: User,
    capacity: str = "",
    reason: str = "",
) -> Attendance:
    """Record that a person attended a session, as leader, staff or volunteer (by default
    what their roster role says)."""
    session = _visible(TrainingSession, session, acting_user)
    platform_id = operator_platform_id(acting_user)
    if platform_id is not None:
        if session.platform_id != platform_id:
            raise NotPermitted(_("This session is not held at your platform."))
    elif not may_change_node(acting_user, session.programme.division):
        raise NotPermitted(_("Your role may not record this session's attendance."))
    errors = Errors()
    if not members_within_reach(acting_user).filter(pk=member.pk).exists():
        errors.add(
            "member",
            _(
                "%(name)s is outside your reach: not on the roster of an organisation you "
                "look after."
            )
            % {"name": member.name},
        )
    elif member.left_on is not None and member.left_on < session.held_on:
        errors.add(
            "member",
            _("%(name)s had left %(org)s by %(date)s.")
            % {"name": member.name, "org": member.organisation.name, "date": session.held_on},
        )
    capacity = capacity or CAPACITY_BY_ROLE.get(member.role, TrainingCapacity.VOLUNTEER)
    capacity = _choice(capacity, TrainingCapacity, "capacity", errors)
    if not errors and Attendance.objects.filter(session=session, member=member).exists():
        errors.add("member", _("This person's attendance is already recorded."))
    errors.raise_if_any()
    attendance = Attendance(session=session, member=member, capacity=capacity)
    return _save(attendance, acting_user=acting_user, reason=reason or _("Attended"))


@transaction.atomic
def recommendation_create(
    *,
    member: Member,
    committee: str,
    recommended_on,
    acting_user: User,
    note: str = "",
    reason: str = "",
) -> SubCommitteeRecommendation:
    """A residents' committee recommends an organisation's leader for one of its
    sub-committees (item 6)."""
    member = _visible(Member, member, acting_user, CHANGE)
    community = member.organisation.community
    _require_node(acting_user, community)
    errors = Errors()
    committee = _choice(committee, SubCommittee, "committee", errors)
    recommended_on = _date(recommended_on, "recommended_on", errors)
    if member.role not in (MemberRole.LEADER, MemberRole.DEPUTY):
        errors.add(
            "member",
            _("%(name)s is not a leader of %(org)s.")
            % {"name": member.name, "org": member.organisation.name},
        )
    if member.left_on is not None:
        errors.add("member", _("%(name)s has left the organisation.") % {"name": member.name})
    if (
        committee
        and SubCommitteeRecommendation.objects.filter(
            member=member, committee=committee, status="proposed"
        ).exists()
    ):
        errors.add("committee", _("This recommendation is already awaiting a decision."))
    errors.raise_if_any()
    recommendation = SubCommitteeRecommendation(
        member=member,
        community=community,
        committee=committee,
        recommended_on=recommended_on,
        note=normalise_text(note)[:200],
    )
    return _save(recommendation, acting_user=acting_user, reason=reason or _("Recommended"))


@transaction.atomic
def recommendation_decide(
    *,
    recommendation: SubCommitteeRecommendation,
    action: str,
    decided_on,
    acting_user: User,
    reason: str = "",
) -> SubCommitteeRecommendation:
    recommendation = _lock(SubCommitteeRecommendation, recommendation, acting_user)
    _require_change(acting_user, recommendation.community)
    errors = Errors()
    decided_on = _date(decided_on, "decided_on", errors)
    if decided_on and decided_on < recommendation.recommended_on:
        errors.add("decided_on", _("The decision cannot come before the recommendation."))
    if action not in RecommendationAction.values:
        errors.add("action", _("Unknown action."))
    errors.raise_if_any()
    recommendation.status = transition(RECOMMENDATION_TRANSITIONS, recommendation.status, action)
    recommendation.decided_on = decided_on
    return _save(recommendation, acting_user=acting_user, reason=reason)


# --- pairing ------------------------------------------------------------------------------------


@transaction.atomic
def pairing_create(
    *,
    mentor: Organisation,
    mentee: Organisation,
    starts_on,
    ends_on,
    acting_user: User,
    reason: str = "",
) -> Pairing:
    """Pair a registered organisation with a filed one for a period (item 8: the experienced
    guide the new)."""
    mentor = _visible(Organisation, mentor, acting_user)
    mentee = _visible(Organisation, mentee, acting_user, CHANGE)
    mentee = Organisation.objects.select_for_update(of=("self",)).get(pk=mentee.pk)
    errors = Errors()
    if mentor.status != OrgStatus.REGISTERED:
        errors.add(
            "mentor",
            _("%(name)s is %(status)s: the guiding side of a pairing is a registered organisation.")
            % {"name": mentor.name, "status": mentor.get_status_display()},
        )
    if mentee.status != OrgStatus.FILED:
        errors.add(
            "mentee",
            _("%(name)s is %(status)s: the guided side of a pairing is a filed organisation.")
            % {"name": mentee.name, "status": mentee.get_status_display()},
        )
    starts_on = _date(starts_on, "starts_on", errors)
    ends_on = _date(ends_on, "ends_on", errors)
    _period(starts_on, ends_on, errors)
    if starts_on and ends_on and not errors:
        for other in Pairing.objects.filter(mentee=mentee).select_related("mentor"):
            end = other.ended_on or other.ends_on
            if _overlaps(starts_on, ends_on, other.starts_on, end):
                errors.add(
                    "starts_on",
                    _("%(name)s is already paired with %(mentor)s for %(period)s.")
                    % {
                        "name": mentee.name,
                        "mentor": other.mentor.name,
                        "period": _describe_period(other.starts_on, end),
                    },
                )
    errors.raise_if_any()
    pairing = Pairing(mentor=mentor, mentee=mentee, starts_on=starts_on, ends_on=ends_on)
    return _save(pairing, acting_user=acting_user, reason=reason or _("Paired"))


@transaction.atomic
def pairing_add_activity(
    *, pairing: Pairing, activity: Activity, acting_user: User, reason: str = ""
) -> PairingActivity:
    """Link an activity from the ledger that the pair held together."""
    pairing = _lock(Pairing, pairing, acting_user, CHANGE)
    errors = Errors()
    if activity.organisation_id not in (pairing.mentor_id, pairing.mentee_id):
        errors.add("activity", _("The activity is neither organisation's."))
    elif not pairing.starts_on <= activity.held_on <= (pairing.ended_on or pairing.ends_on):
        errors.add("activity", _("The activity is outside the pairing's period."))
    if PairingActivity.objects.filter(pairing=pairing, activity=activity).exists():
        errors.add("activity", _("This activity is already linked to the pairing."))
    errors.raise_if_any()
    link = PairingActivity(pairing=pairing, activity=activity)
    return _save(link, acting_user=acting_user, reason=reason or _("Joint activity"))


@transaction.atomic
def pairing_end(
    *,
    pairing: Pairing,
    ended_on,
    rating: str,
    review: str,
    acting_user: User,
    reason: str = "",
) -> Pairing:
    """End a pairing with its end-of-period review."""
    pairing = _lock(Pairing, pairing, acting_user, CHANGE)
    errors = Errors()
    ended_on = _date(ended_on, "ended_on", errors)
    rating = _choice(rating, PairingRating, "rating", errors)
    review = normalise_text(review)
    if not review:
        errors.add("review", _("Write the review."))
    if ended_on and ended_on < pairing.starts_on:
        errors.add("ended_on", _("The pairing started on %(date)s.") % {"date": pairing.starts_on})
    errors.raise_if_any()
    pairing.status = transition(PAIRING_TRANSITIONS, pairing.status, PairingAction.END)
    pairing.ended_on = ended_on
    pairing.reviewed_on = ended_on
    pairing.rating = rating
    pairing.review = review
    return _save(pairing, acting_user=acting_user, reason=reason or _("Pairing reviewed"))


__all__ = [
    "attendance_record",
    "contract_record",
    "disbursement_record",
    "donation_record",
    "fund_create",
    "may_change_node",
    "members_within_reach",
    "operator_assign",
    "operator_platform_id",
    "pairing_add_activity",
    "pairing_create",
    "pairing_end",
    "parse_money",
    "platform_create",
    "platform_update",
    "programme_create",
    "progress_report_submit",
    "project_award",
    "project_decide",
    "recommendation_create",
    "recommendation_decide",
    "residency_end",
    "residency_graduate",
    "residency_start",
    "round_create",
    "round_step",
    "service_record",
    "stage_record",
    "training_programme_create",
    "training_session_create",
]
