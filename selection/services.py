"""Every write of selection campaigns: the call and its timeline, entries and their revisions,
pictures and attachments, panels, assignments with conflict checks, score sheets, the results
formula, shortlist and top cuts, public notice and objections, coaching, certificates.

Each function is one transition (after Zulip's ``do_*`` actions): atomic, keyword-only
arguments with ``acting_user`` required, the rows whose state it checks locked with
``select_for_update`` and re-checked after the lock, every problem with the input reported at
once before anything is written (``ValidationError``: 400, nothing stored), who and why recorded
in the history (``core.history.stamp``). Which moves exist is the tables in
``selection.choices``, looked up with ``core.transitions.transition``.

Who may act:
- a campaign is run by its organiser's officers (and superusers): stages, panels, assignments,
  formula, cuts, notice, objections' answers, final versions;
- an entry is written by its submitter: the organisation's leader or a tier that may change the
  organisation's records; a unit's entry by an officer of that unit;
- a score sheet is entered by the assigned expert (signed in) or by the organiser from paper;
- a coaching comment by a coach assigned to the entry, or by the organiser.
"""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.exceptions import NotPermitted, OutOfJurisdiction, TransitionNotAllowed
from core.history import required_reason, stamp
from core.scoping import CHANGE, VIEW
from core.transitions import transition
from core.validators import clean_phone, normalise_text
from grading.models import Expert
from registry.choices import DivisionLevel, OrgStatus, Role
from registry.models import Division, Organisation, User
from registry.services.lifecycle import acts_for
from selection import rules, selectors
from selection.choices import (
    CAMPAIGN_TRANSITIONS,
    ENTRY_TRANSITIONS,
    OBJECTION_TRANSITIONS,
    STAGE_TRANSITIONS,
    Aggregation,
    AssignmentMethod,
    AwardKind,
    CampaignAction,
    CampaignStatus,
    CutKind,
    EntryAction,
    EntryStatus,
    Normalisation,
    ObjectionStatus,
    ResultRunKind,
    RevisionKind,
    StageAction,
    StageKind,
    StageStatus,
    SubmitterKind,
)
from selection.conflicts import conflicts_between
from selection.models import (
    PICTURE_FORMATS,
    Assignment,
    Campaign,
    Category,
    Certificate,
    CoachingComment,
    ConflictDeclaration,
    Criterion,
    Cut,
    Entry,
    EntryAttachment,
    EntryPicture,
    EntryResult,
    EntryRevision,
    Objection,
    ResultFormula,
    ResultRun,
    ReviewPanel,
    ScoreSheet,
    Stage,
    ancestor_paths,
)
from selection.stages import result_source

# --- shared -----------------------------------------------------------------------------------


def _lock(model, pk, acting_user: User, action: str = VIEW):
    """The row, locked, if the user may ``action`` it; 404 otherwise. No joins: after waiting
    for the lock PostgreSQL re-reads the locked row only."""
    try:
        return (
            model.objects.restrict(acting_user, action).select_for_update(of=("self",)).get(pk=pk)
        )
    except (model.DoesNotExist, ValueError, TypeError):
        raise OutOfJurisdiction() from None


def _lock_campaign(campaign, acting_user: User) -> Campaign:
    campaign = _lock(Campaign, getattr(campaign, "pk", campaign), acting_user)
    _require_organiser(acting_user, campaign)
    return campaign


def _require_organiser(user: User, campaign: Campaign) -> None:
    if not acts_for(user, campaign.organiser):
        raise NotPermitted(
            _("Only %(organiser)s runs this campaign.") % {"organiser": campaign.organiser.name}
        )


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _full_clean(instance, errors: dict, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)


def _reason(reason: str, default: str) -> str:
    return normalise_text(reason) or default


def _decimal(value, errors: dict, field: str, label: str) -> Decimal | None:
    """A number with at most two decimals, or an error under ``field`` naming ``label``."""
    if isinstance(value, bool) or value is None or value == "":
        errors.setdefault(field, []).append(_("%(what)s: enter a number.") % {"what": label})
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(
            _("%(what)s: '%(value)s' is not a number.") % {"what": label, "value": str(value)[:20]}
        )
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(_("%(what)s: enter a number.") % {"what": label})
        return None
    if number != number.quantize(Decimal("0.01")):
        errors.setdefault(field, []).append(
            _("%(what)s: give at most two decimal places.") % {"what": label}
        )
        return None
    return number


def _number(value: Decimal) -> str:
    """A decimal as people write it: 60, 7.5 (not 6E+1 or 7.50)."""
    return format(Decimal(value).normalize(), "f")


# --- campaigns --------------------------------------------------------------------------------

CAMPAIGN_RULE_FIELDS = {
    "description",
    "word_limit",
    "min_pictures",
    "max_pictures",
    "picture_formats",
    "picture_max_kb",
    "max_attachments",
    "attachment_max_kb",
    "declarations",
    "eligible_statuses",
    "min_grade",
    "exclude_credit_listed",
    "min_years",
    "allow_units",
    "blind_review",
    "notice_days",
    "shortlist_award",
    "top_award",
}


def _campaign_rule_errors(campaign: Campaign) -> dict:
    errors: dict = {}
    _full_clean(campaign, errors, exclude=["organiser", "created_by"])
    formats = campaign.picture_formats
    if not isinstance(formats, list) or any(f not in PICTURE_FORMATS for f in formats):
        errors.setdefault("picture_formats", []).append(
            _("Choose picture formats from %(formats)s.") % {"formats": ", ".join(PICTURE_FORMATS)}
        )
    statuses = campaign.eligible_statuses
    if not isinstance(statuses, list) or any(s not in OrgStatus.LIVE for s in statuses):
        errors.setdefault("eligible_statuses", []).append(
            _("Choose statuses from %(statuses)s.")
            % {"statuses": ", ".join(sorted(OrgStatus.LIVE))}
        )
    declarations = campaign.declarations
    if not isinstance(declarations, list) or any(
        not isinstance(d, str) or not d.strip() or len(d) > 300 for d in declarations
    ):
        errors.setdefault("declarations", []).append(
            _("Each declaration is a sentence of at most 300 characters.")
        )
    if (
        isinstance(campaign.min_pictures, int)
        and isinstance(campaign.max_pictures, int)
        and campaign.max_pictures < campaign.min_pictures
    ):
        errors.setdefault("max_pictures", []).append(_("The most pictures is below the fewest."))
    return errors


def _stage_errors(stages: list[dict]) -> tuple[dict, list[dict]]:
    """Check a timeline; ``(errors, cleaned stages)``. Kinds in order: collection first,
    coaching and publication after every stage with a result, each kind at most once except
    the scored ones; at most one shortlist stage, and only a scored one."""
    errors: dict = {}
    cleaned = []
    if not stages:
        errors["stages"] = [_("A campaign needs at least its collection stage.")]
        return errors, cleaned
    kinds = [item.get("kind") for item in stages]
    for number, item in enumerate(stages, start=1):
        kind = item.get("kind")
        where = _("Stage %(n)s") % {"n": number}
        if kind not in StageKind.values:
            errors.setdefault("stages", []).append(
                _("%(where)s: '%(kind)s' is not a stage kind.") % {"where": where, "kind": kind}
            )
            continue
        criteria = item.get("criteria") or []
        if kind in StageKind.SCORED:
            if not criteria:
                errors.setdefault("stages", []).append(
                    _("%(where)s (%(kind)s): a scored stage needs criteria.")
                    % {"where": where, "kind": StageKind(kind).label}
                )
            else:
                total = Decimal(0)
                codes = []
                for criterion in criteria:
                    local: dict = {}
                    label = f"{where} · {criterion.get('name') or criterion.get('code')}"
                    weight = _decimal(criterion.get("weight"), local, "w", label)
                    top = _decimal(criterion.get("max_points"), local, "m", label)
                    for messages in local.values():
                        errors.setdefault("stages", []).extend(messages)
                    if weight is not None:
                        if weight <= 0:
                            errors.setdefault("stages", []).append(
                                _("%(what)s: the weight must be above 0.") % {"what": label}
                            )
                        total += weight
                    if top is not None and top <= 0:
                        errors.setdefault("stages", []).append(
                            _("%(what)s: the maximum points must be above 0.") % {"what": label}
                        )
                    if not normalise_text(criterion.get("code")) or not normalise_text(
                        criterion.get("name")
                    ):
                        errors.setdefault("stages", []).append(
                            _("%(what)s: a criterion needs a code and a name.") % {"what": label}
                        )
                    codes.append(normalise_text(criterion.get("code")))
                if total != 100 and "stages" not in errors:
                    errors.setdefault("stages", []).append(
                        _("%(where)s: the criteria's weights add up to %(total)s, not 100.")
                        % {"where": where, "total": _number(total)}
                    )
                if len(set(codes)) != len(codes):
                    errors.setdefault("stages", []).append(
                        _("%(where)s: two criteria have the same code.") % {"where": where}
                    )
        elif criteria:
            errors.setdefault("stages", []).append(
                _("%(where)s (%(kind)s) is not scored; it has no criteria.")
                % {"where": where, "kind": StageKind(kind).label}
            )
        if item.get("shortlist") and kind not in StageKind.SCORED:
            errors.setdefault("stages", []).append(
                _("%(where)s: only a scored stage can end with the shortlist.") % {"where": where}
            )
        aggregation = item.get("aggregation", Aggregation.MEAN)
        if aggregation not in Aggregation.values:
            errors.setdefault("stages", []).append(
                _("%(where)s: '%(value)s' is not an aggregation.")
                % {"where": where, "value": aggregation}
            )
        cleaned.append(item)
    if kinds and kinds[0] != StageKind.COLLECTION:
        errors.setdefault("stages", []).append(_("The first stage is the collection."))
    for kind in (StageKind.COLLECTION, StageKind.COACHING, StageKind.PUBLICATION):
        if kinds.count(kind) > 1:
            errors.setdefault("stages", []).append(
                _("There can be only one %(kind)s stage.") % {"kind": StageKind(kind).label}
            )
    last_result = max((i for i, k in enumerate(kinds) if k in StageKind.RESULT), default=-1)
    for i, kind in enumerate(kinds):
        if kind in StageKind.AFTER_RESULTS and i < last_result:
            errors.setdefault("stages", []).append(
                _("%(kind)s comes after every stage with a result.")
                % {"kind": StageKind(kind).label}
            )
    if (
        StageKind.PUBLICATION in kinds
        and StageKind.COACHING in kinds
        and kinds.index(StageKind.PUBLICATION) < kinds.index(StageKind.COACHING)
    ):
        errors.setdefault("stages", []).append(_("Publication comes after coaching."))
    if sum(1 for item in stages if item.get("shortlist")) > 1:
        errors.setdefault("stages", []).append(_("Only one stage can end with the shortlist."))
    return errors, cleaned


def _category_errors(categories: list[dict]) -> dict:
    errors: dict = {}
    if not categories:
        errors["categories"] = [_("A campaign needs at least one category.")]
    names = []
    for number, item in enumerate(categories, start=1):
        name = normalise_text(item.get("name"))
        if not name:
            errors.setdefault("categories", []).append(
                _("Category %(n)s has no name.") % {"n": number}
            )
        names.append(name)
        for key in ("shortlist_quota", "top_quota"):
            value = item.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                errors.setdefault("categories", []).append(
                    _("%(name)s: a quota is a whole number of at least 1.") % {"name": name}
                )
        short, top = item.get("shortlist_quota"), item.get("top_quota")
        if isinstance(short, int) and isinstance(top, int) and top > short:
            errors.setdefault("categories", []).append(
                _("%(name)s: %(top)s top entries cannot come from %(short)s shortlisted.")
                % {"name": name, "top": top, "short": short}
            )
    if len(set(names)) != len(names):
        errors.setdefault("categories", []).append(_("Two categories have the same name."))
    return errors


@transaction.atomic
def campaign_create(
    *,
    organiser: Division,
    title: str,
    year: int,
    categories: list[dict],
    stages: list[dict],
    acting_user: User,
    reason: str = "",
    **rules_,
) -> Campaign:
    """An organiser starts a call (a draft): its categories with quotas, its timeline of stages
    (with the criteria of each scored stage) and its rules (``CAMPAIGN_RULE_FIELDS``).
    Everything wrong is reported at once; nothing is stored unless all of it is right."""
    unknown = set(rules_) - CAMPAIGN_RULE_FIELDS
    if unknown:
        raise ValueError(f"not a campaign rule: {', '.join(sorted(unknown))}")
    try:
        organiser = Division.objects.restrict(acting_user, VIEW).get(pk=organiser.pk)
    except Division.DoesNotExist:
        raise OutOfJurisdiction() from None
    if organiser.level == DivisionLevel.COMMUNITY:
        raise ValidationError({"organiser": [_("A call is organised by a street or above.")]})
    if not acts_for(acting_user, organiser):
        raise NotPermitted(_("Only the organiser's own officers start its calls."))
    rules_.setdefault("picture_formats", ["JPEG"])
    campaign = Campaign(
        organiser=organiser,
        title=normalise_text(title),
        year=year,
        created_by=acting_user,
        **rules_,
    )
    errors = _campaign_rule_errors(campaign)
    errors.update(_category_errors(categories))
    stage_errors, stages = _stage_errors(stages)
    errors.update(stage_errors)
    _raise(errors)
    reason = _reason(reason, _("Campaign created"))
    stamp(campaign, acting_user=acting_user, reason=reason)
    campaign.save()
    for position, item in enumerate(categories):
        category = Category(
            campaign=campaign,
            name=normalise_text(item["name"]),
            description=item.get("description", ""),
            position=position,
            shortlist_quota=item.get("shortlist_quota"),
            top_quota=item.get("top_quota"),
        )
        stamp(category, acting_user=acting_user, reason=reason)
        category.save()
    for position, item in enumerate(stages):
        stage = Stage(
            campaign=campaign,
            kind=item["kind"],
            position=position,
            name=normalise_text(item.get("name", "")),
            starts_on=item.get("starts_on"),
            ends_on=item.get("ends_on"),
            aggregation=item.get("aggregation", Aggregation.MEAN),
            trim_count=item.get("trim_count", 1),
            disagreement_threshold=Decimal(str(item.get("disagreement_threshold", "20"))),
            experts_per_entry=item.get("experts_per_entry", 3),
            shortlist=bool(item.get("shortlist")),
        )
        local: dict = {}
        _full_clean(stage, local, exclude=["campaign"])
        if local:
            raise ValidationError(
                {"stages": [f"{position + 1}: {m}" for ms in local.values() for m in ms]}
            )
        stamp(stage, acting_user=acting_user, reason=reason)
        stage.save()
        for order, criterion in enumerate(item.get("criteria") or []):
            row = Criterion(
                stage=stage,
                code=normalise_text(criterion["code"]),
                name=normalise_text(criterion["name"]),
                max_points=Decimal(str(criterion["max_points"])),
                weight=Decimal(str(criterion["weight"])),
                position=order,
            )
            stamp(row, acting_user=acting_user, reason=reason)
            row.save()
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, acting_user: User, reason: str = "", **fields
) -> Campaign:
    """Change a campaign's title or rules. The rules an entry is checked against are fixed once
    the campaign is open; only the description, the notice period and the awards' names may
    change until the results are published."""
    unknown = set(fields) - CAMPAIGN_RULE_FIELDS - {"title"}
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    campaign = _lock_campaign(campaign, acting_user)
    late_ok = {"title", "description", "notice_days", "shortlist_award", "top_award"}
    errors: dict = {}
    for name, value in fields.items():
        if campaign.status != CampaignStatus.DRAFT and name not in late_ok:
            if value != getattr(campaign, name):
                errors[name] = [_("Fixed once the campaign is open.")]
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.ACTIVE):
            if value != getattr(campaign, name):
                errors[name] = [_("Fixed once the results are published.")]
    _raise(errors)
    for name, value in fields.items():
        setattr(campaign, name, normalise_text(value) if name == "title" else value)
    _raise(_campaign_rule_errors(campaign))
    stamp(campaign, acting_user=acting_user, reason=_reason(reason, _("Edited")))
    campaign.save()
    return campaign


def _stages(campaign: Campaign, lock: bool = False) -> list[Stage]:
    stages = Stage.objects.filter(campaign=campaign).order_by("position")
    if lock:
        stages = stages.select_for_update(of=("self",))
    return list(stages)


def _open_stage(stage: Stage, *, acting_user: User, reason: str) -> None:
    stage.status = transition(STAGE_TRANSITIONS, stage.status, StageAction.OPEN)
    stage.opened_at = timezone.now()
    stamp(stage, acting_user=acting_user, reason=reason)
    stage.save()


@transaction.atomic
def campaign_open(*, campaign: Campaign, acting_user: User, reason: str = "") -> Campaign:
    """Open a draft call: the collection stage starts and entries may be submitted."""
    campaign = _lock_campaign(campaign, acting_user)
    campaign.status = transition(CAMPAIGN_TRANSITIONS, campaign.status, CampaignAction.OPEN)
    reason = _reason(reason, _("Call opened"))
    stamp(campaign, acting_user=acting_user, reason=reason)
    campaign.save()
    first = _stages(campaign, lock=True)[0]
    _open_stage(first, acting_user=acting_user, reason=reason)
    return campaign


def _shortlist_missing(campaign: Campaign) -> list[str]:
    """Categories with a shortlist quota that have no shortlist decided yet."""
    decided = set(
        selectors.current_cuts(campaign, kind=CutKind.SHORTLIST).values_list(
            "category_id", flat=True
        )
    )
    return [
        c.name
        for c in campaign.categories.order_by("position")
        if c.shortlist_quota and c.pk not in decided
    ]


@transaction.atomic
def stage_open(*, stage: Stage, acting_user: User, reason: str = "") -> Stage:
    """Start the next stage of the timeline: every stage before it is closed (and, after the
    shortlist stage, every category's shortlist decided). Stages with a result run while the
    campaign is under way; coaching once every result is in, publication once results are
    final and coaching is over."""
    stage = _lock(Stage, getattr(stage, "pk", stage), acting_user)
    campaign = _lock_campaign(stage.campaign_id, acting_user)
    stages = _stages(campaign)
    earlier = [s for s in stages if s.position < stage.position]
    still_open = [s for s in earlier if s.status != StageStatus.CLOSED]
    if still_open:
        raise TransitionNotAllowed(
            _("Close %(stages)s first.") % {"stages": "、".join(s.label for s in still_open)},
            current=stage.status,
            requested=StageAction.OPEN,
        )
    if stage.kind in StageKind.AFTER_RESULTS:
        allowed = {CampaignStatus.ACTIVE, CampaignStatus.NOTICE, CampaignStatus.FINAL}
        if stage.kind == StageKind.PUBLICATION:
            allowed = {CampaignStatus.FINAL}
    else:
        allowed = {CampaignStatus.ACTIVE}
    if campaign.status not in allowed:
        raise TransitionNotAllowed(
            _("%(stage)s cannot start while the campaign is '%(status)s'.")
            % {"stage": stage.label, "status": campaign.get_status_display()},
            current=campaign.status,
            requested=StageAction.OPEN,
        )
    if any(s.shortlist for s in earlier):
        missing = _shortlist_missing(campaign)
        if missing:
            raise TransitionNotAllowed(
                _("Decide the shortlist of %(categories)s first.")
                % {"categories": "、".join(missing)},
                current=stage.status,
                requested=StageAction.OPEN,
            )
    _open_stage(stage, acting_user=acting_user, reason=_reason(reason, _("Stage started")))
    return stage


def _unscored(stage: Stage) -> list[str]:
    """What keeps a scored stage from closing: assigned experts without a sheet, and entries
    with too few sheets for the stage's aggregation."""
    problems = []
    sheets = set(selectors.valid_sheets(stage).values_list("entry_id", "expert_id"))
    waiting = [
        (entry_id, expert_id)
        for entry_id, expert_id in Assignment.objects.filter(stage=stage).values_list(
            "entry_id", "expert_id"
        )
        if (entry_id, expert_id) not in sheets
    ]
    if waiting:
        titles = dict(
            Entry.objects.filter(pk__in={e for e, _x in waiting}).values_list("pk", "title")
        )
        names = dict(
            Expert.objects.filter(pk__in={x for _e, x in waiting}).values_list("pk", "name")
        )
        shown = [f"{names[x]} → {titles[e]}" for e, x in sorted(waiting)[:20]]
        problems.append(
            _("%(count)s assigned sheets are missing: %(list)s")
            % {"count": len(waiting), "list": "；".join(shown)}
        )
    taking_part = selectors.participants(stage.campaign, stage=stage)
    scores = selectors.stage_scores(stage, taking_part)
    short = [pk for pk, score in scores.items() if score.value is None]
    if short:
        titles = dict(Entry.objects.filter(pk__in=short[:20]).values_list("pk", "title"))
        problems.append(
            _("%(count)s entries have too few sheets for the %(method)s: %(list)s")
            % {
                "count": len(short),
                "method": Aggregation(stage.aggregation).label,
                "list": "、".join(titles[pk] for pk in sorted(short)[:20]),
            }
        )
    return problems


@transaction.atomic
def stage_close(*, stage: Stage, acting_user: User, reason: str = "") -> Stage:
    """Close a stage. A scored stage closes only when every assigned expert has scored and every
    entry taking part has enough sheets; closing the collection ends submissions."""
    stage = _lock(Stage, getattr(stage, "pk", stage), acting_user)
    _lock_campaign(stage.campaign_id, acting_user)
    following = transition(STAGE_TRANSITIONS, stage.status, StageAction.CLOSE)
    if stage.kind in StageKind.SCORED:
        problems = _unscored(stage)
        if problems:
            raise TransitionNotAllowed(
                " ".join(problems), current=stage.status, requested=StageAction.CLOSE
            )
    if stage.kind == StageKind.PUBLIC_VOTE and result_source(stage.kind) is None:
        raise TransitionNotAllowed(
            _("No vote counting is installed; the vote's results cannot be read."),
            current=stage.status,
            requested=StageAction.CLOSE,
        )
    stage.status = following
    stage.closed_at = timezone.now()
    stamp(stage, acting_user=acting_user, reason=_reason(reason, _("Stage closed")))
    stage.save()
    return stage


@transaction.atomic
def stage_reopen(*, stage: Stage, acting_user: User, reason: str) -> Stage:
    """Open a closed stage with a result again (to correct a sheet after an objection), while
    the campaign is under way and no later stage with a result has started."""
    reason = required_reason(reason)
    stage = _lock(Stage, getattr(stage, "pk", stage), acting_user)
    campaign = _lock_campaign(stage.campaign_id, acting_user)
    if stage.status != StageStatus.CLOSED or stage.kind not in StageKind.RESULT:
        raise TransitionNotAllowed(
            _("Only a closed stage with a result can be opened again."),
            current=stage.status,
            requested="reopen",
        )
    if campaign.status != CampaignStatus.ACTIVE:
        raise TransitionNotAllowed(
            _("Withdraw the public notice first."), current=campaign.status, requested="reopen"
        )
    later = [
        s
        for s in _stages(campaign)
        if s.position > stage.position and s.status != StageStatus.PENDING
    ]
    if later:
        raise TransitionNotAllowed(
            _("%(stages)s has already started.") % {"stages": "、".join(s.label for s in later)},
            current=stage.status,
            requested="reopen",
        )
    stage.status = StageStatus.OPEN
    stage.closed_at = None
    stamp(stage, acting_user=acting_user, reason=reason)
    stage.save()
    return stage


# --- entries ----------------------------------------------------------------------------------


def _collection_open(campaign: Campaign) -> bool:
    return (
        campaign.status == CampaignStatus.ACTIVE
        and campaign.stages.filter(kind=StageKind.COLLECTION, status=StageStatus.OPEN).exists()
    )


def _require_collection(campaign: Campaign, requested: str) -> None:
    if not _collection_open(campaign):
        raise TransitionNotAllowed(
            _("The call is not collecting entries now."),
            current=campaign.status,
            requested=requested,
        )


def _may_write_for(user: User, entry_or_org=None, *, organisation=None, unit=None) -> bool:
    if organisation is not None:
        if user.role == Role.ORGANISATION_LEADER:
            return user.organisation_id == organisation.pk
        return (
            user.role != Role.CITY_OFFICER
            and Organisation.objects.restrict(user, CHANGE).filter(pk=organisation.pk).exists()
        )
    return unit is not None and acts_for(user, unit)


def _require_submitter(user: User, entry: Entry) -> None:
    allowed = (
        _may_write_for(user, organisation=entry.organisation)
        if entry.organisation_id
        else _may_write_for(user, unit=entry.division)
    )
    if not allowed:
        raise NotPermitted(_("Only the submitter writes this entry."))


def _text_errors(campaign: Campaign, title: str, text: str) -> dict:
    errors: dict = {}
    if not title:
        errors["title"] = [_("Give the entry a title.")]
    elif len(title) > 200:
        errors["title"] = [_("A title is at most 200 characters.")]
    count = rules.count_characters(text)
    if count > campaign.word_limit:
        errors["text"] = [
            _("The text has %(count)s characters; the call allows at most %(limit)s.")
            % {"count": count, "limit": campaign.word_limit}
        ]
    return errors


def _add_revision(entry: Entry, *, kind: str, acting_user: User, note: str = "") -> EntryRevision:
    entry.revision_count += 1
    revision = EntryRevision.objects.create(
        entry=entry,
        number=entry.revision_count,
        kind=kind,
        title=entry.title,
        text=entry.text,
        characters=rules.count_characters(entry.text),
        note=note,
        created_by=acting_user,
    )
    return revision


def _contact_errors(entry: Entry, errors: dict) -> None:
    if not entry.contact_name:
        errors.setdefault("contact_name", []).append(_("Name the contact person."))
    if entry.phone:
        try:
            entry.phone = clean_phone(entry.phone)
        except ValidationError as error:
            errors.setdefault("phone", []).extend(error.messages)
    else:
        errors.setdefault("phone", []).append(_("Give the contact's phone number."))


@transaction.atomic
def entry_create(
    *,
    campaign: Campaign,
    category: Category,
    title: str,
    contact_name: str,
    phone: str,
    acting_user: User,
    text: str = "",
    organisation: Organisation | None = None,
    unit: Division | None = None,
    unit_name: str = "",
    today: datetime.date | None = None,
) -> Entry:
    """Start an entry (a draft) for an organisation of the registry, or for a department or
    division unit where the call allows. An ineligible submitter is refused with the reasons."""
    campaign = _lock(Campaign, campaign.pk, acting_user)
    _require_collection(campaign, EntryAction.SUBMIT)
    errors: dict = {}
    if category is None or category.campaign_id != campaign.pk:
        errors["category"] = [_("Choose one of the call's categories.")]
    if (organisation is None) == (unit is None):
        errors["organisation"] = [_("Name the organisation, or the unit, that submits.")]
    _raise(errors)
    if organisation is not None:
        try:
            organisation = (
                Organisation.objects.restrict(acting_user, VIEW)
                .select_related("community")
                .get(pk=organisation.pk)
            )
        except Organisation.DoesNotExist:
            raise OutOfJurisdiction() from None
        if not _may_write_for(acting_user, organisation=organisation):
            raise NotPermitted(_("Only the organisation's leader or its tier submits for it."))
        eligibility = selectors.organisation_eligibility(campaign, organisation, today=today)
        division = organisation.community
        kind = SubmitterKind.ORGANISATION
    else:
        unit = Division.objects.restrict(acting_user, VIEW).filter(pk=unit.pk).first()
        if unit is None:
            raise OutOfJurisdiction()
        if not acts_for(acting_user, unit):
            raise NotPermitted(_("Only the unit's own officers submit for it."))
        eligibility = selectors.unit_eligibility(campaign, unit, today=today)
        division = unit
        kind = SubmitterKind.UNIT
    if not eligibility.eligible:
        raise ValidationError(
            {"organisation" if organisation is not None else "unit": eligibility.reasons}
        )
    entry = Entry(
        campaign=campaign,
        category=category,
        submitter_kind=kind,
        organisation=organisation,
        unit_name=normalise_text(unit_name),
        division=division,
        title=normalise_text(title),
        text=(text or "").strip(),
        contact_name=normalise_text(contact_name),
        phone=phone or "",
        created_by=acting_user,
    )
    errors = _text_errors(campaign, entry.title, entry.text)
    _contact_errors(entry, errors)
    _raise(errors)
    entry.revision_count = 1
    stamp(entry, acting_user=acting_user, reason=_("Entry started"))
    entry.save()
    EntryRevision.objects.create(
        entry=entry,
        number=1,
        kind=RevisionKind.DRAFT,
        title=entry.title,
        text=entry.text,
        characters=rules.count_characters(entry.text),
        created_by=acting_user,
    )
    return entry


ENTRY_FIELDS = {"title", "text", "contact_name", "phone", "category", "unit_name"}


@transaction.atomic
def entry_update(*, entry: Entry, acting_user: User, reason: str = "", **fields) -> Entry:
    """Change a draft or returned entry. A changed title or text is a new revision."""
    unknown = set(fields) - ENTRY_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    entry = _lock(Entry, entry.pk, acting_user, CHANGE)
    _require_submitter(acting_user, entry)
    if entry.status not in (EntryStatus.DRAFT, EntryStatus.RETURNED):
        raise TransitionNotAllowed(
            _("A submitted entry is not changed; ask the organiser to return it for correction."),
            current=entry.status,
            requested="update",
        )
    _require_collection(entry.campaign, "update")
    before = (entry.title, entry.text)
    errors: dict = {}
    if "category" in fields:
        category = fields["category"]
        if category is None or category.campaign_id != entry.campaign_id:
            errors["category"] = [_("Choose one of the call's categories.")]
    _raise(errors)
    for name, value in fields.items():
        if name in ("title", "contact_name", "unit_name"):
            value = normalise_text(value)
        elif name == "text":
            value = (value or "").strip()
        setattr(entry, name, value)
    errors = _text_errors(entry.campaign, entry.title, entry.text)
    _contact_errors(entry, errors)
    _raise(errors)
    if (entry.title, entry.text) != before:
        kind = (
            RevisionKind.CORRECTION if entry.status == EntryStatus.RETURNED else RevisionKind.DRAFT
        )
        _add_revision(entry, kind=kind, acting_user=acting_user, note=normalise_text(reason))
    stamp(entry, acting_user=acting_user, reason=_reason(reason, _("Entry edited")))
    entry.save()
    return entry


def _sniff_picture(content: bytes):
    """``(format, width, height)`` of an image, read from its content; None if it is none."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format, size = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    except Exception:  # Pillow raises many kinds on a damaged file; none of them is an image
        return None
    return image_format, size[0], size[1]


def _sniff_attachment(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
    return None


def _upload_name(upload) -> str:
    name = str(getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return normalise_text(name)[:200]


def _read(upload, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the upload (enough to tell that it is too large)."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read(limit + 1)


def _require_editable(entry: Entry) -> None:
    if entry.status not in (EntryStatus.DRAFT, EntryStatus.RETURNED):
        raise TransitionNotAllowed(
            _("Pictures and attachments change only while the entry is a draft or returned."),
            current=entry.status,
            requested="upload",
        )


@transaction.atomic
def pictures_add(*, entry: Entry, uploads: Iterable, acting_user: User) -> list[EntryPicture]:
    """Add pictures to a draft (or returned) entry. Each is checked by its content (a JPG named
    .png is a JPG; a text file named .jpg is refused), its size capped, its name kept; the
    call's most pictures is not exceeded. Any problem refuses them all, each one named."""
    entry = _lock(Entry, entry.pk, acting_user, CHANGE)
    _require_submitter(acting_user, entry)
    _require_editable(entry)
    campaign = entry.campaign
    uploads = list(uploads)
    limit = campaign.picture_max_kb * 1024
    errors: list[str] = []
    accepted = []
    for upload in uploads:
        name = _upload_name(upload) or _("(no name)")
        content = _read(upload, limit)
        if len(content) > limit:
            errors.append(
                _("%(name)s is larger than %(kb)s KB.")
                % {"name": name, "kb": campaign.picture_max_kb}
            )
            continue
        sniffed = _sniff_picture(content)
        if sniffed is None:
            errors.append(_("%(name)s is not a picture.") % {"name": name})
            continue
        image_format, width, height = sniffed
        if image_format not in campaign.picture_formats:
            errors.append(
                _("%(name)s is a %(format)s picture; the call takes %(formats)s.")
                % {
                    "name": name,
                    "format": PICTURE_FORMATS.get(image_format, image_format),
                    "formats": "、".join(PICTURE_FORMATS[f] for f in campaign.picture_formats),
                }
            )
            continue
        if not name or name == _("(no name)"):
            errors.append(_("Name every picture."))
            continue
        accepted.append((name, content, image_format, width, height))
    have = entry.pictures.count()
    if have + len(uploads) > campaign.max_pictures:
        errors.append(
            _(
                "The call takes at most %(max)s pictures; the entry has %(have)s and %(new)s more "
                "were sent."
            )
            % {"max": campaign.max_pictures, "have": have, "new": len(uploads)}
        )
    if errors:
        raise ValidationError({"pictures": errors})
    created = []
    for offset, (name, content, image_format, width, height) in enumerate(accepted):
        extension = "jpg" if image_format == "JPEG" else image_format.lower()
        picture = EntryPicture(
            entry=entry,
            name=name,
            image_format=image_format,
            size=len(content),
            width=width,
            height=height,
            position=have + offset,
            uploaded_by=acting_user,
        )
        picture.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(content), save=False)
        stamp(picture, acting_user=acting_user, reason=_("Picture added"))
        picture.save()
        created.append(picture)
    return created


@transaction.atomic
def picture_remove(*, picture: EntryPicture, acting_user: User) -> Entry:
    """Remove a picture from a draft or returned entry (the history keeps the row)."""
    entry = _lock(Entry, picture.entry_id, acting_user, CHANGE)
    _require_submitter(acting_user, entry)
    _require_editable(entry)
    picture = EntryPicture.objects.select_for_update(of=("self",)).get(pk=picture.pk)
    stamp(picture, acting_user=acting_user, reason=_("Picture removed"))
    picture.delete()
    return entry


@transaction.atomic
def attachments_add(*, entry: Entry, uploads: Iterable, acting_user: User) -> list[EntryAttachment]:
    """Add attachments (PDF or Word, checked by content) to a draft or returned entry."""
    entry = _lock(Entry, entry.pk, acting_user, CHANGE)
    _require_submitter(acting_user, entry)
    _require_editable(entry)
    campaign = entry.campaign
    uploads = list(uploads)
    limit = campaign.attachment_max_kb * 1024
    errors: list[str] = []
    accepted = []
    for upload in uploads:
        name = _upload_name(upload) or _("(no name)")
        content = _read(upload, limit)
        if len(content) > limit:
            errors.append(
                _("%(name)s is larger than %(kb)s KB.")
                % {"name": name, "kb": campaign.attachment_max_kb}
            )
            continue
        kind = _sniff_attachment(content)
        if kind is None:
            errors.append(_("%(name)s is not a PDF or Word document.") % {"name": name})
            continue
        accepted.append((name, content, kind))
    have = entry.attachments.count()
    if have + len(uploads) > campaign.max_attachments:
        errors.append(
            _("The call takes at most %(max)s attachments.") % {"max": campaign.max_attachments}
        )
    if errors:
        raise ValidationError({"attachments": errors})
    created = []
    for name, content, kind in accepted:
        attachment = EntryAttachment(
            entry=entry, name=name, file_format=kind, size=len(content), uploaded_by=acting_user
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{kind}", ContentFile(content), save=False)
        stamp(attachment, acting_user=acting_user, reason=_("Attachment added"))
        attachment.save()
        created.append(attachment)
    return created


@transaction.atomic
def entry_submit(
    *,
    entry: Entry,
    acting_user: User,
    declarations: Iterable[str] = (),
    today: datetime.date | None = None,
    reason: str = "",
) -> Entry:
    """Submit a draft, or submit a returned entry again: the text within the limit, the call's
    number of pictures, every declaration confirmed, the submitter still eligible (the facts
    are stored with the entry)."""
    entry = _lock(Entry, entry.pk, acting_user, CHANGE)
    _require_submitter(acting_user, entry)
    action = EntryAction.RESUBMIT if entry.status == EntryStatus.RETURNED else EntryAction.SUBMIT
    following = transition(ENTRY_TRANSITIONS, entry.status, action)
    campaign = entry.campaign
    _require_collection(campaign, action)
    errors = _text_errors(campaign, entry.title, entry.text)
    if not rules.count_characters(entry.text):
        errors.setdefault("text", []).append(_("The entry has no text."))
    pictures = entry.pictures.count()
    if not campaign.min_pictures <= pictures <= campaign.max_pictures:
        errors.setdefault("pictures", []).append(
            _("The call asks for %(min)s to %(max)s pictures; the entry has %(count)s.")
            % {"min": campaign.min_pictures, "max": campaign.max_pictures, "count": pictures}
        )
    confirmed = [d for d in declarations]
    missing = [d for d in campaign.declarations if d not in confirmed]
    if missing:
        errors.setdefault("declarations", []).append(
            _("Confirm: %(list)s") % {"list": "；".join(missing)}
        )
    if entry.organisation_id:
        organisation = Organisation.objects.select_related("community").get(
            pk=entry.organisation_id
        )
        eligibility = selectors.organisation_eligibility(campaign, organisation, today=today)
        field = "organisation"
    else:
        eligibility = selectors.unit_eligibility(campaign, entry.division, today=today)
        field = "unit"
    if not eligibility.eligible:
        errors.setdefault(field, []).extend(eligibility.reasons)
    _raise(errors)
    entry.status = following
    entry.declarations = list(campaign.declarations)
    entry.eligibility = eligibility.facts
    entry.submitted_at = timezone.now()
    entry.return_note = ""
    kind = RevisionKind.SUBMISSION if action == EntryAction.SUBMIT else RevisionKind.CORRECTION
    _add_revision(entry, kind=kind, acting_user=acting_user, note=normalise_text(reason))
    stamp(entry, acting_user=acting_user, reason=_reason(reason, str(EntryAction(action).label)))
    entry.save()
    return entry


@transaction.atomic
def entry_return(*, entry: Entry, acting_user: User, note: str) -> Entry:
    """The organiser returns a submitted entry for correction, saying what to correct, while
    the call is collecting."""
    note = required_reason(note, "note")
    entry = _lock(Entry, entry.pk, acting_user)
    _require_organiser(acting_user, entry.campaign)
    entry.status = transition(ENTRY_TRANSITIONS, entry.status, EntryAction.RETURN)
    _require_collection(entry.campaign, EntryAction.RETURN)
    entry.return_note = note
    stamp(entry, acting_user=acting_user, reason=note)
    entry.save()
    return entry


@transaction.atomic
def entry_withdraw(*, entry: Entry, acting_user: User, reason: str) -> Entry:
    """The submitter (or the organiser) withdraws an entry before the results are published."""
    reason = required_reason(reason)
    entry = _lock(Entry, entry.pk, acting_user)
    campaign = entry.campaign
    if not acts_for(acting_user, campaign.organiser):
        _require_submitter(acting_user, entry)
    entry.status = transition(ENTRY_TRANSITIONS, entry.status, EntryAction.WITHDRAW)
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.ACTIVE):
        raise TransitionNotAllowed(
            _("The results are published; an entry can no longer be withdrawn."),
            current=campaign.status,
            requested=EntryAction.WITHDRAW,
        )
    entry.shortlisted = False
    stamp(entry, acting_user=acting_user, reason=reason)
    entry.save()
    return entry


# --- experts, panels, conflicts and assignments -----------------------------------------------


@transaction.atomic
def expert_contact_set(
    *,
    expert: Expert,
    acting_user: User,
    phone: str = "",
    user: User | None = None,
    reason: str = "",
) -> Expert:
    """Record an expert's phone (to see them on rosters) and the account they sign in with."""
    expert = _lock(Expert, expert.pk, acting_user, CHANGE)
    if not acts_for(acting_user, expert.district):
        raise NotPermitted(_("Only the district's own officers manage its experts."))
    errors: dict = {}
    if phone:
        try:
            phone = clean_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    if user is not None and Expert.objects.filter(user=user).exclude(pk=expert.pk).exists():
        errors["user"] = [_("This account already belongs to another expert.")]
    _raise(errors)
    expert.phone = phone
    expert.user = user
    stamp(expert, acting_user=acting_user, reason=_reason(reason, _("Contact recorded")))
    expert.save()
    return expert


@transaction.atomic
def conflict_declare(
    *,
    expert: Expert,
    organisation: Organisation,
    reason: str,
    acting_user: User,
    campaign: Campaign | None = None,
) -> ConflictDeclaration:
    """Record a conflict an expert declares with an organisation (the expert signed in, or an
    officer of the expert's district). Assignments of the expert to its entries are refused."""
    reason = required_reason(reason)
    expert = Expert.objects.filter(pk=expert.pk).first()
    if expert is None:
        raise OutOfJurisdiction()
    if not (expert.user_id == acting_user.pk or acts_for(acting_user, expert.district)):
        raise NotPermitted(_("Only the expert or the expert's district declares a conflict."))
    declaration = ConflictDeclaration(
        expert=expert,
        organisation=organisation,
        campaign=campaign,
        reason=reason,
        declared_by=acting_user,
    )
    stamp(declaration, acting_user=acting_user, reason=reason)
    declaration.save()
    existing = Assignment.objects.filter(
        expert=expert, entry__organisation=organisation, sheets__isnull=True
    )
    if campaign is not None:
        existing = existing.filter(stage__campaign=campaign)
    for assignment in existing.distinct():
        stamp(
            assignment,
            acting_user=acting_user,
            reason=_("Conflict declared: %(r)s") % {"r": reason},
        )
        assignment.delete()
    return declaration


def _pool(campaign: Campaign):
    """The experts a campaign may draw on: the pools of the districts in the organiser's
    subtree, or, for a street's call, the pool of its district."""
    return Expert.objects.filter(
        Q(district__path__startswith=campaign.organiser.path)
        | Q(district__path__in=ancestor_paths(campaign.organiser.path))
    )


def _experts_for(campaign: Campaign, experts) -> list[Expert]:
    ids = sorted({getattr(expert, "pk", expert) for expert in experts})
    if not ids:
        raise ValidationError({"experts": [_("A panel needs at least one expert.")]})
    found = list(_pool(campaign).filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError(
            {"experts": [_("Choose experts from the pool of %(o)s.") % {"o": campaign.organiser}]}
        )
    return found


@transaction.atomic
def panel_create(
    *,
    stage: Stage,
    name: str,
    experts,
    acting_user: User,
    category: Category | None = None,
    reason: str = "",
) -> ReviewPanel:
    """A panel of experts from the shared pool for a scored (or coaching) stage, for one
    category or all of them."""
    stage = _lock(Stage, stage.pk, acting_user)
    campaign = _lock_campaign(stage.campaign_id, acting_user)
    errors: dict = {}
    if stage.kind not in StageKind.SCORED | {StageKind.COACHING}:
        errors["stage"] = [_("Only scored and coaching stages have panels.")]
    if stage.status == StageStatus.CLOSED:
        errors["stage"] = [_("The stage is closed.")]
    if category is not None and category.campaign_id != campaign.pk:
        errors["category"] = [_("Choose one of the call's categories.")]
    if not normalise_text(name):
        errors["name"] = [_("Name the panel.")]
    _raise(errors)
    members = _experts_for(campaign, experts)
    panel = ReviewPanel(stage=stage, category=category, name=normalise_text(name))
    stamp(panel, acting_user=acting_user, reason=_reason(reason, _("Panel formed")))
    panel.save()
    panel.experts.set(members)
    return panel


def _panel_experts(stage: Stage) -> dict[int | None, set[int]]:
    """``{category id or None (all categories): expert ids}`` of the stage's panels."""
    found: dict[int | None, set[int]] = defaultdict(set)
    through = ReviewPanel.experts.through.objects.filter(reviewpanel__stage=stage)
    for category_id, expert_id in through.values_list("reviewpanel__category_id", "expert_id"):
        found[category_id].add(expert_id)
    return found


def _conflict_message(expert: Expert, entry_title: str, conflicts) -> str:
    return _("%(expert)s cannot review “%(entry)s”: %(why)s") % {
        "expert": expert.name,
        "entry": entry_title,
        "why": "；".join(c.message for c in conflicts),
    }


@transaction.atomic
def assignment_create(
    *, stage: Stage, entry: Entry, expert: Expert, acting_user: User
) -> Assignment:
    """Assign an expert of the stage's panels to an entry taking part in the stage, refused
    when the registry sees a conflict of interest (each one named)."""
    stage = _lock(Stage, stage.pk, acting_user)
    campaign = _lock_campaign(stage.campaign_id, acting_user)
    expert = Expert.objects.filter(pk=getattr(expert, "pk", expert)).first()
    if expert is None:
        raise ValidationError({"expert": [_("Choose an expert of the pool.")]})
    entry = Entry.objects.restrict(acting_user, VIEW).filter(pk=entry.pk).first()
    if entry is None or entry.campaign_id != campaign.pk:
        raise ValidationError({"entry": [_("Choose an entry of this campaign.")]})
    if stage.status == StageStatus.CLOSED:
        raise TransitionNotAllowed(
            _("The stage is closed."), current=stage.status, requested="assign"
        )
    errors: dict = {}
    if entry.pk not in selectors.participants(campaign, stage=stage):
        errors["entry"] = [_("“%(entry)s” does not take part in this stage.") % {"entry": entry}]
    panels = _panel_experts(stage)
    if expert.pk not in panels.get(None, set()) | panels.get(entry.category_id, set()):
        errors["expert"] = [
            _("%(expert)s is on no panel of this stage for %(category)s.")
            % {"expert": expert.name, "category": entry.category}
        ]
    _raise(errors)
    conflicts = conflicts_between([expert], [entry.organisation_id], campaign=campaign).get(
        (expert.pk, entry.organisation_id)
    )
    if conflicts:
        raise ValidationError({"expert": [_conflict_message(expert, entry.title, conflicts)]})
    if Assignment.objects.filter(stage=stage, entry=entry, expert=expert).exists():
        raise ValidationError({"expert": [_("This expert is already assigned to this entry.")]})
    assignment = Assignment(
        stage=stage,
        entry=entry,
        expert=expert,
        method=AssignmentMethod.MANUAL,
        assigned_by=acting_user,
    )
    stamp(assignment, acting_user=acting_user, reason=_("Assigned"))
    assignment.save()
    return assignment


@transaction.atomic
def assignments_balance(
    *, stage: Stage, acting_user: User, per_entry: int | None = None
) -> list[Assignment]:
    """Give every entry taking part in the stage ``per_entry`` experts (default: the stage's
    number) from the panels that cover its category: the least loaded first, never one with a
    conflict. If any entry cannot get enough, nothing is assigned and every such entry is named."""
    stage = _lock(Stage, stage.pk, acting_user)
    campaign = _lock_campaign(stage.campaign_id, acting_user)
    if stage.status == StageStatus.CLOSED:
        raise TransitionNotAllowed(
            _("The stage is closed."), current=stage.status, requested="assign"
        )
    per_entry = per_entry or stage.experts_per_entry
    taking_part = selectors.participants(campaign, stage=stage)
    entries = list(
        Entry.objects.filter(pk__in=list(taking_part)).values_list(
            "pk", "category_id", "organisation_id", "title"
        )
    )
    panels = _panel_experts(stage)
    pool_ids = set().union(*panels.values()) if panels else set()
    experts = {e.pk: e for e in Expert.objects.filter(pk__in=pool_ids)}
    if not experts:
        raise ValidationError({"stage": [_("The stage has no panel with experts yet.")]})
    conflicts = conflicts_between(
        experts.values(), {org for _pk, _c, org, _t in entries if org}, campaign=campaign
    )
    existing = defaultdict(set)
    load: Counter = Counter()
    for entry_id, expert_id in Assignment.objects.filter(stage=stage).values_list(
        "entry_id", "expert_id"
    ):
        existing[entry_id].add(expert_id)
        load[expert_id] += 1
    new = []
    problems = []
    for entry_id, category_id, organisation_id, title in sorted(entries):
        need = per_entry - len(existing[entry_id])
        if need <= 0:
            continue
        candidates = sorted(
            (
                pk
                for pk in panels.get(None, set()) | panels.get(category_id, set())
                if pk not in existing[entry_id] and not conflicts.get((pk, organisation_id))
            ),
            key=lambda pk: (load[pk], pk),
        )
        if len(candidates) < need:
            problems.append(
                _("“%(entry)s” can get only %(n)s more experts without a conflict.")
                % {"entry": title, "n": len(candidates)}
            )
            continue
        for pk in candidates[:need]:
            load[pk] += 1
            existing[entry_id].add(pk)
            new.append(
                Assignment(
                    stage=stage,
                    entry_id=entry_id,
                    expert_id=pk,
                    method=AssignmentMethod.BALANCED,
                    assigned_by=acting_user,
                )
            )
    if problems:
        raise ValidationError({"stage": problems})
    return bulk_create_with_history(
        new, Assignment, default_user=acting_user, default_change_reason=_("Balanced assignment")
    )


# --- score sheets -----------------------------------------------------------------------------


@transaction.atomic
def sheet_submit(
    *,
    stage: Stage,
    entry: Entry,
    expert: Expert,
    points: Mapping[str, object],
    acting_user: User,
    note: str = "",
) -> ScoreSheet:
    """Record one expert's sheet for an entry at an open scored stage: the expert must be
    assigned to it, score every criterion within its scale, and score it once (a correction
    is the organiser voiding the sheet first)."""
    stage = Stage.objects.select_for_update(of=("self",)).filter(pk=stage.pk).first()
    expert = Expert.objects.filter(pk=getattr(expert, "pk", expert)).first()
    if stage is None or expert is None:
        raise OutOfJurisdiction()
    campaign = stage.campaign
    if not (expert.user_id == acting_user.pk or acts_for(acting_user, campaign.organiser)):
        raise NotPermitted(_("Only the expert, or the organiser from a paper sheet, scores."))
    if stage.kind not in StageKind.SCORED:
        raise ValidationError({"stage": [_("This stage is not scored.")]})
    if stage.status != StageStatus.OPEN:
        raise TransitionNotAllowed(
            _("%(stage)s is not under way; sheets are not taken.") % {"stage": stage.label},
            current=stage.status,
            requested="score",
        )
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .filter(stage=stage, entry_id=entry.pk, expert=expert)
        .first()
    )
    if assignment is None:
        raise ValidationError(
            {
                "entry": [
                    _("%(expert)s is not assigned to this entry at %(stage)s.")
                    % {"expert": expert.name, "stage": stage.label}
                ]
            }
        )
    earlier = ScoreSheet.objects.filter(
        stage=stage, entry_id=entry.pk, expert=expert, voided_at__isnull=True
    ).first()
    if earlier is not None:
        raise ValidationError(
            {
                "expert": [
                    _(
                        "%(expert)s already scored this entry on %(when)s; the organiser voids "
                        "that sheet to correct it."
                    )
                    % {
                        "expert": expert.name,
                        "when": timezone.localtime(earlier.submitted_at).strftime("%Y-%m-%d %H:%M"),
                    }
                ]
            }
        )
    criteria = list(stage.criteria.order_by("position", "pk"))
    errors: dict = {}
    if not isinstance(points, Mapping):
        raise ValidationError({"points": [_("Give the points per criterion.")]})
    codes = {c.code for c in criteria}
    unknown = [str(code)[:30] for code in points if code not in codes]
    if unknown:
        errors.setdefault("points", []).append(
            _("Not criteria of this stage: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    given = {}
    for criterion in criteria:
        if criterion.code not in points:
            errors.setdefault("points", []).append(
                _("%(criterion)s: not scored.") % {"criterion": criterion.name}
            )
            continue
        value = _decimal(points[criterion.code], errors, "points", criterion.name)
        if value is None:
            continue
        if not 0 <= value <= criterion.max_points:
            errors.setdefault("points", []).append(
                _("%(criterion)s: %(value)s is outside the scale 0-%(max)s.")
                % {
                    "criterion": criterion.name,
                    "value": _number(value),
                    "max": _number(criterion.max_points),
                }
            )
            continue
        given[criterion.code] = value
    _raise(errors)
    total = rules.sheet_total(
        given, [rules.CriterionRule(c.code, c.max_points, c.weight) for c in criteria]
    )
    sheet = ScoreSheet(
        assignment=assignment,
        stage=stage,
        entry_id=entry.pk,
        expert=expert,
        points={code: str(value) for code, value in given.items()},
        total=total,
        note=note or "",
        submitted_at=timezone.now(),
        entered_by=acting_user,
    )
    stamp(sheet, acting_user=acting_user, reason=_("Scored"))
    sheet.save()
    return sheet


@transaction.atomic
def sheet_void(*, sheet: ScoreSheet, acting_user: User, reason: str) -> ScoreSheet:
    """The organiser voids a sheet (kept, with who, when and why) while its stage is open, so
    that the expert can score again."""
    reason = required_reason(reason)
    sheet = _lock(ScoreSheet, sheet.pk, acting_user)
    stage = Stage.objects.get(pk=sheet.stage_id)
    _require_organiser(acting_user, stage.campaign)
    if sheet.voided_at is not None:
        raise TransitionNotAllowed(
            _("This sheet is already void."), current="void", requested="void"
        )
    if stage.status != StageStatus.OPEN:
        raise TransitionNotAllowed(
            _("Open the stage again to correct its sheets."),
            current=stage.status,
            requested="void",
        )
    sheet.voided_at = timezone.now()
    sheet.void_reason = reason
    stamp(sheet, acting_user=acting_user, reason=reason)
    sheet.save()
    return sheet


# --- results formula, cuts --------------------------------------------------------------------


@transaction.atomic
def formula_publish(
    *,
    campaign: Campaign,
    weights: Mapping,
    acting_user: User,
    normalisation: Mapping | None = None,
    note: str = "",
) -> ResultFormula:
    """Publish a new version of the results formula: a weight (percent) for each stage with a
    result, adding up to 100, and how each is normalised within a category (default: scores as
    scored, a vote as shares). Refused once the results are on notice."""
    campaign = _lock_campaign(campaign, acting_user)
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.ACTIVE):
        raise TransitionNotAllowed(
            _("The results are published; withdraw the notice to change the formula."),
            current=campaign.status,
            requested="formula",
        )
    stages = {str(s.pk): s for s in _stages(campaign) if s.kind in StageKind.RESULT}
    normalisation = dict(normalisation or {})
    errors: dict = {}
    if not isinstance(weights, Mapping) or not weights:
        raise ValidationError({"weights": [_("Give a weight to at least one stage.")]})
    cleaned: dict[str, Decimal] = {}
    for key, value in weights.items():
        stage = stages.get(str(key))
        if stage is None:
            errors.setdefault("weights", []).append(
                _("%(stage)s is not a stage of this campaign with a result.")
                % {"stage": str(key)[:30]}
            )
            continue
        weight = _decimal(value, errors, "weights", stage.label)
        if weight is None:
            continue
        if not 0 <= weight <= 100:
            errors.setdefault("weights", []).append(
                _("%(stage)s: a weight is between 0 and 100.") % {"stage": stage.label}
            )
            continue
        if stage.kind == StageKind.PUBLIC_VOTE and result_source(stage.kind) is None and weight:
            errors.setdefault("weights", []).append(
                _("%(stage)s: no vote counting is installed.") % {"stage": stage.label}
            )
        cleaned[str(key)] = weight
    total = sum(cleaned.values(), Decimal(0))
    if "weights" not in errors and total != 100:
        errors.setdefault("weights", []).append(
            _("The weights add up to %(total)s, not 100.") % {"total": _number(total)}
        )
    methods = {}
    for key in cleaned:
        stage = stages[key]
        default = Normalisation.SHARE if stage.kind == StageKind.PUBLIC_VOTE else Normalisation.NONE
        method = normalisation.get(key, normalisation.get(int(key), default))
        if method not in Normalisation.values:
            errors.setdefault("normalisation", []).append(
                _("%(stage)s: '%(value)s' is not a normalisation.")
                % {"stage": stage.label, "value": str(method)[:20]}
            )
        methods[key] = method
    _raise(errors)
    latest = ResultFormula.objects.filter(campaign=campaign).order_by("-version").first()
    return ResultFormula.objects.create(
        campaign=campaign,
        version=(latest.version + 1) if latest else 1,
        weights={key: str(value) for key, value in cleaned.items()},
        normalisation=methods,
        note=normalise_text(note),
        published_by=acting_user,
        published_at=timezone.now(),
    )


def _names(entry_ids) -> dict[int, str]:
    return dict(Entry.objects.filter(pk__in=list(entry_ids)).values_list("pk", "title"))


@transaction.atomic
def cut_decide(
    *,
    category: Category,
    kind: str,
    acting_user: User,
    tie_break: Iterable[int] | None = None,
    reason: str = "",
) -> Cut:
    """Decide the shortlist (by the shortlist stage's scores, once it is closed) or the top
    entries (by the results formula, once every stage with a result is closed) of a category,
    by its quota. A tie at the boundary is never broken silently: the tied entries are named and
    ``tie_break`` must choose the seats left among them, with a reason. A new decision
    supersedes the category's earlier one."""
    category = Category.objects.filter(pk=getattr(category, "pk", category)).first()
    if category is None:
        raise OutOfJurisdiction()
    campaign = _lock_campaign(category.campaign_id, acting_user)
    if campaign.status != CampaignStatus.ACTIVE:
        raise TransitionNotAllowed(
            _("Cuts are decided while the campaign is under way."),
            current=campaign.status,
            requested=kind,
        )
    stages = _stages(campaign)
    formula = None
    stage = None
    if kind == CutKind.SHORTLIST:
        quota = category.shortlist_quota
        stage = next((s for s in stages if s.shortlist), None)
        if stage is None:
            raise ValidationError({"kind": [_("This campaign has no shortlist stage.")]})
        if stage.status != StageStatus.CLOSED:
            raise TransitionNotAllowed(
                _("Close %(stage)s first.") % {"stage": stage.label},
                current=stage.status,
                requested=kind,
            )
        started = [
            s for s in stages if s.position > stage.position and s.status != StageStatus.PENDING
        ]
        if started:
            raise TransitionNotAllowed(
                _("%(stages)s has started; the shortlist is fixed.")
                % {"stages": "、".join(s.label for s in started)},
                current=stage.status,
                requested=kind,
            )
        rows = selectors.stage_ranking(stage, category=category).get(category.pk, [])
    elif kind == CutKind.TOP:
        quota = category.top_quota
        open_stages = [
            s for s in stages if s.kind in StageKind.RESULT and s.status != StageStatus.CLOSED
        ]
        if open_stages:
            raise TransitionNotAllowed(
                _("Close %(stages)s first.") % {"stages": "、".join(s.label for s in open_stages)},
                current=campaign.status,
                requested=kind,
            )
        formula = selectors.formula_in_force(campaign)
        if formula is None:
            raise ValidationError({"kind": [_("Publish the results formula first.")]})
        rows = selectors.compute_results(
            campaign, formula=formula, category=category
        ).by_category.get(category.pk, [])
    else:
        raise ValidationError({"kind": [_("Choose the shortlist or the top entries.")]})
    if not quota:
        raise ValidationError(
            {"kind": [_("%(category)s has no quota for this.") % {"category": category.name}]}
        )
    missing = [row for row in rows if row.total is None]
    if missing:
        names = _names(row.entry_id for row in missing)
        raise ValidationError(
            {
                "kind": [
                    _("These entries have no result yet: %(list)s.")
                    % {"list": "、".join(names[row.entry_id] for row in missing)}
                ]
            }
        )
    outcome = rules.cut([(row.entry_id, row.total) for row in rows], quota)
    chosen = [int(pk) for pk in tie_break] if tie_break else []
    selected = list(outcome.selected)
    if outcome.needs_decision:
        names = _names(outcome.tied)
        tied_total = next(row.total for row in rows if row.entry_id == outcome.tied[0])
        described = "、".join(names[pk] for pk in outcome.tied)
        if not chosen:
            raise ValidationError(
                {
                    "tie_break": [
                        _(
                            "%(list)s are tied at %(total)s for the last %(seats)s places; "
                            "choose %(seats)s of them."
                        )
                        % {"list": described, "total": tied_total, "seats": outcome.seats}
                    ]
                }
            )
        if len(set(chosen)) != outcome.seats or not set(chosen) <= set(outcome.tied):
            raise ValidationError(
                {
                    "tie_break": [
                        _("Choose exactly %(seats)s of the tied entries: %(list)s.")
                        % {"seats": outcome.seats, "list": described}
                    ]
                }
            )
        if not normalise_text(reason):
            raise ValidationError({"reason": [_("Say how the tie was broken.")]})
        selected += [pk for pk in outcome.tied if pk in set(chosen)]
    elif chosen:
        raise ValidationError({"tie_break": [_("There is no tie at the boundary to decide.")]})
    now = timezone.now()
    for earlier in Cut.objects.select_for_update(of=("self",)).filter(
        category=category, kind=kind, superseded_at__isnull=True
    ):
        earlier.superseded_at = now
        earlier.save(update_fields=["superseded_at"])
    cut = Cut.objects.create(
        campaign=campaign,
        category=category,
        kind=kind,
        stage=stage,
        formula=formula,
        quota=quota,
        ranking=[row.as_json() for row in rows],
        tied=list(outcome.tied),
        tie_break=sorted(set(chosen)),
        selected=selected,
        reason=normalise_text(reason),
        decided_by=acting_user,
        decided_at=now,
    )
    if kind == CutKind.SHORTLIST:
        chosen_set = set(selected)
        changed = []
        # Only the entries whose flag changes are locked and written (a category may hold
        # thousands of entries and a quota a handful).
        flips = Q(pk__in=chosen_set, shortlisted=False) | (
            ~Q(pk__in=chosen_set) & Q(shortlisted=True)
        )
        for entry in Entry.objects.select_for_update(of=("self",)).filter(
            flips, campaign=campaign, category=category
        ):
            wanted = entry.pk in chosen_set
            if entry.shortlisted != wanted:
                entry.shortlisted = wanted
                changed.append(entry)
        if changed:
            bulk_update_with_history(
                changed,
                Entry,
                ["shortlisted"],
                default_user=acting_user,
                default_change_reason=_("Shortlist of %(category)s decided")
                % {"category": category},
            )
    return cut


# --- notice, objections, final results ------------------------------------------------------


def _record_run(campaign: Campaign, kind: str, results, acting_user: User) -> ResultRun:
    run = ResultRun.objects.create(
        campaign=campaign,
        kind=kind,
        formula=results.formula,
        computed_at=timezone.now(),
        computed_by=acting_user,
    )
    EntryResult.objects.bulk_create(
        [
            EntryResult(
                run=run,
                entry_id=row.entry_id,
                category_id=row.category_id,
                total=row.total,
                rank=row.rank,
                award=row.award,
                disagreement=row.disagreement,
                breakdown=row.breakdown,
            )
            for row in results.rows
        ],
        batch_size=1000,
    )
    return run


def _results_ready(campaign: Campaign, requested: str):
    """The current results, or ``TransitionNotAllowed`` saying what is missing."""
    stages = _stages(campaign)
    open_stages = [
        s for s in stages if s.kind in StageKind.RESULT and s.status != StageStatus.CLOSED
    ]
    problems = []
    if open_stages:
        problems.append(
            _("Close %(stages)s.") % {"stages": "、".join(s.label for s in open_stages)}
        )
    formula = selectors.formula_in_force(campaign)
    if formula is None:
        problems.append(_("Publish the results formula."))
    if problems:
        raise TransitionNotAllowed(" ".join(problems), current=campaign.status, requested=requested)
    results = selectors.compute_results(campaign, formula=formula)
    if results.incomplete:
        names = _names(row.entry_id for row in results.incomplete[:20])
        problems.append(
            _("These entries have no result: %(list)s.")
            % {"list": "、".join(names[row.entry_id] for row in results.incomplete[:20])}
        )
    missing = _shortlist_missing(campaign) if any(s.shortlist for s in stages) else []
    if missing:
        problems.append(_("Decide the shortlist of %(c)s.") % {"c": "、".join(missing)})
    tops = {cut.category_id: cut for cut in selectors.current_cuts(campaign, kind=CutKind.TOP)}
    for category in campaign.categories.order_by("position"):
        if not category.top_quota:
            continue
        cut = tops.get(category.pk)
        if cut is None:
            problems.append(_("Decide the top entries of %(c)s.") % {"c": category.name})
            continue
        now = [row.as_json() for row in results.by_category.get(category.pk, [])]
        if now != cut.ranking or cut.formula_id != formula.pk:
            problems.append(
                _("The results of %(c)s changed after its top entries were decided; decide again.")
                % {"c": category.name}
            )
    if problems:
        raise TransitionNotAllowed(" ".join(problems), current=campaign.status, requested=requested)
    return results


@transaction.atomic
def campaign_start_notice(
    *,
    campaign: Campaign,
    acting_user: User,
    today: datetime.date | None = None,
    reason: str = "",
) -> ResultRun:
    """Put the results on public notice (公示) from ``today`` for the campaign's notice period:
    every stage with a result closed, the formula published, every shortlist and top cut
    decided on the current results. The results are recorded as the notice run."""
    today = today or timezone.localdate()
    campaign = _lock_campaign(campaign, acting_user)
    following = transition(CAMPAIGN_TRANSITIONS, campaign.status, CampaignAction.START_NOTICE)
    results = _results_ready(campaign, CampaignAction.START_NOTICE)
    run = _record_run(campaign, ResultRunKind.NOTICE, results, acting_user)
    campaign.status = following
    campaign.notice_starts_on = today
    campaign.notice_ends_on = today + datetime.timedelta(days=campaign.notice_days - 1)
    stamp(
        campaign,
        acting_user=acting_user,
        reason=_reason(
            reason,
            _("Results on public notice until %(date)s") % {"date": campaign.notice_ends_on},
        ),
    )
    campaign.save()
    return run


@transaction.atomic
def campaign_reopen(*, campaign: Campaign, acting_user: User, reason: str) -> Campaign:
    """Withdraw the public notice (after an upheld objection, say) to correct the results; they
    go on notice again afterwards."""
    reason = required_reason(reason)
    campaign = _lock_campaign(campaign, acting_user)
    campaign.status = transition(CAMPAIGN_TRANSITIONS, campaign.status, CampaignAction.REOPEN)
    campaign.notice_starts_on = None
    campaign.notice_ends_on = None
    stamp(campaign, acting_user=acting_user, reason=reason)
    campaign.save()
    return campaign


@transaction.atomic
def objection_file(
    *,
    campaign: Campaign,
    objector: str,
    text: str,
    acting_user: User,
    entry: Entry | None = None,
    phone: str = "",
    today: datetime.date | None = None,
) -> Objection:
    """Record an objection during the public notice: the organiser records one received by
    letter or phone, an organisation's leader files its own."""
    today = today or timezone.localdate()
    campaign = _lock(Campaign, campaign.pk, acting_user)
    if not campaign.notice_open_on(today):
        raise TransitionNotAllowed(
            _("Objections are taken during the public notice only (%(start)s to %(end)s).")
            % {"start": campaign.notice_starts_on or "—", "end": campaign.notice_ends_on or "—"},
            current=campaign.status,
            requested="object",
        )
    errors: dict = {}
    objector = normalise_text(objector)
    if not objector:
        errors["objector"] = [_("Say who raises the objection.")]
    if not normalise_text(text):
        errors["text"] = [_("Say what the objection is.")]
    if entry is not None and entry.campaign_id != campaign.pk:
        errors["entry"] = [_("Choose an entry of this campaign.")]
    if phone:
        try:
            phone = clean_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    _raise(errors)
    objection = Objection(
        campaign=campaign,
        entry=entry,
        objector=objector,
        phone=phone,
        text=text.strip(),
        filed_on=today,
        recorded_by=acting_user,
    )
    stamp(objection, acting_user=acting_user, reason=_("Objection recorded"))
    objection.save()
    return objection


@transaction.atomic
def objection_answer(
    *, objection: Objection, action: str, answer: str, acting_user: User
) -> Objection:
    """The organiser answers an objection: upheld or dismissed, saying why. An upheld one is
    corrected by withdrawing the notice (``campaign_reopen``)."""
    answer = required_reason(answer, "answer")
    objection = _lock(Objection, objection.pk, acting_user)
    _require_organiser(acting_user, objection.campaign)
    objection.status = transition(OBJECTION_TRANSITIONS, objection.status, action)
    objection.answer = answer
    objection.answered_by = acting_user
    objection.answered_at = timezone.now()
    stamp(objection, acting_user=acting_user, reason=answer)
    objection.save()
    return objection


@transaction.atomic
def campaign_finalise(
    *, campaign: Campaign, acting_user: User, today: datetime.date | None = None, reason: str = ""
) -> ResultRun:
    """Make the results final once the notice period is over and every objection is answered;
    the results must be those put on notice. Certificates are issued to every awarded entry."""
    today = today or timezone.localdate()
    campaign = _lock_campaign(campaign, acting_user)
    following = transition(CAMPAIGN_TRANSITIONS, campaign.status, CampaignAction.FINALISE)
    if campaign.notice_ends_on is None or today <= campaign.notice_ends_on:
        raise TransitionNotAllowed(
            _("The public notice runs until %(date)s.") % {"date": campaign.notice_ends_on},
            current=campaign.status,
            requested=CampaignAction.FINALISE,
        )
    waiting = list(Objection.objects.filter(campaign=campaign, status=ObjectionStatus.OPEN))
    if waiting:
        raise TransitionNotAllowed(
            _("Answer every objection first: %(list)s.")
            % {"list": "、".join(o.objector for o in waiting)},
            current=campaign.status,
            requested=CampaignAction.FINALISE,
        )
    results = _results_ready(campaign, CampaignAction.FINALISE)
    notice = (
        ResultRun.objects.filter(campaign=campaign, kind=ResultRunKind.NOTICE)
        .order_by("-computed_at", "-pk")
        .first()
    )
    on_notice = {
        row.entry_id: (str(row.total), row.award) for row in EntryResult.objects.filter(run=notice)
    }
    now = {row.entry_id: (str(row.total), row.award) for row in results.rows}
    if on_notice != now:
        raise TransitionNotAllowed(
            _("The results changed during the notice; withdraw it and publish them again."),
            current=campaign.status,
            requested=CampaignAction.FINALISE,
        )
    run = _record_run(campaign, ResultRunKind.FINAL, results, acting_user)
    awarded = sorted(
        (row for row in results.rows if row.award),
        key=lambda row: (row.award != AwardKind.TOP, row.category_id, row.rank, row.entry_id),
    )
    Certificate.objects.bulk_create(
        [
            Certificate(
                entry_id=row.entry_id,
                kind=row.award,
                title=campaign.top_award
                if row.award == AwardKind.TOP
                else campaign.shortlist_award,
                number=f"{campaign.year}-{campaign.pk:04d}-{number:03d}",
                issued_on=today,
                run=run,
            )
            for number, row in enumerate(awarded, start=1)
        ]
    )
    campaign.status = following
    campaign.finalised_on = today
    stamp(campaign, acting_user=acting_user, reason=_reason(reason, _("Results final")))
    campaign.save()
    return run


@transaction.atomic
def campaign_close(*, campaign: Campaign, acting_user: User, reason: str = "") -> Campaign:
    """Close a campaign whose results are final once every stage is closed."""
    campaign = _lock_campaign(campaign, acting_user)
    following = transition(CAMPAIGN_TRANSITIONS, campaign.status, CampaignAction.CLOSE)
    open_stages = [s for s in _stages(campaign) if s.status != StageStatus.CLOSED]
    if open_stages:
        raise TransitionNotAllowed(
            _("Close %(stages)s first.") % {"stages": "、".join(s.label for s in open_stages)},
            current=campaign.status,
            requested=CampaignAction.CLOSE,
        )
    campaign.status = following
    stamp(campaign, acting_user=acting_user, reason=_reason(reason, _("Campaign closed")))
    campaign.save()
    return campaign


# --- coaching and the final version -----------------------------------------------------------


def _coaching_stage(campaign: Campaign) -> Stage | None:
    return campaign.stages.filter(kind=StageKind.COACHING).first()


def _require_coaching_open(campaign: Campaign, requested: str) -> Stage:
    stage = _coaching_stage(campaign)
    if stage is None or stage.status != StageStatus.OPEN:
        raise TransitionNotAllowed(
            _("Coaching is not under way."),
            current=stage.status if stage else "none",
            requested=requested,
        )
    return stage


def _require_in_coaching(entry: Entry) -> None:
    awarded = entry.shortlisted or entry.campaign.stages.filter(shortlist=True).count() == 0
    if entry.status != EntryStatus.SUBMITTED or not awarded:
        raise ValidationError({"entry": [_("Only entries in the final results are coached.")]})


@transaction.atomic
def coaching_comment_add(*, entry: Entry, text: str, acting_user: User) -> CoachingComment:
    """A coach assigned to the entry (or the organiser) comments on its newest version."""
    entry = Entry.objects.filter(pk=entry.pk).first()
    if entry is None:
        raise OutOfJurisdiction()
    stage = _require_coaching_open(entry.campaign, "comment")
    expert = Expert.objects.filter(user=acting_user).first()
    coach = (
        expert is not None
        and Assignment.objects.filter(stage=stage, entry=entry, expert=expert).exists()
    )
    if not coach:
        if not entry.is_within(acting_user):
            raise OutOfJurisdiction()
        _require_organiser(acting_user, entry.campaign)
        expert = None
    _require_in_coaching(entry)
    if not normalise_text(text):
        raise ValidationError({"text": [_("Write the comment.")]})
    if entry.is_locked:
        raise TransitionNotAllowed(
            _("The final version is locked."), current="locked", requested="comment"
        )
    revision = entry.revisions.order_by("-number").first()
    return CoachingComment.objects.create(
        entry=entry, revision=revision, expert=expert, author=acting_user, text=text.strip()
    )


@transaction.atomic
def entry_revise(
    *,
    entry: Entry,
    acting_user: User,
    title: str | None = None,
    text: str | None = None,
    note: str = "",
) -> EntryRevision:
    """The submitter revises a coached entry during coaching: a new version, kept beside the
    others, until the final version is locked."""
    entry = _lock(Entry, entry.pk, acting_user, CHANGE)
    _require_submitter(acting_user, entry)
    _require_coaching_open(entry.campaign, "revise")
    _require_in_coaching(entry)
    if entry.is_locked:
        raise TransitionNotAllowed(
            _("The final version is locked."), current="locked", requested="revise"
        )
    if title is not None:
        entry.title = normalise_text(title)
    if text is not None:
        entry.text = text.strip()
    _raise(_text_errors(entry.campaign, entry.title, entry.text))
    revision = _add_revision(
        entry, kind=RevisionKind.COACHING, acting_user=acting_user, note=normalise_text(note)
    )
    stamp(
        entry, acting_user=acting_user, reason=normalise_text(note) or _("Revised after coaching")
    )
    entry.save()
    return revision


@transaction.atomic
def entry_lock_final(
    *, entry: Entry, acting_user: User, revision: EntryRevision | None = None, reason: str = ""
) -> Entry:
    """The organiser locks a version (default the newest) as the one published in the case
    book; nothing is revised after that."""
    entry = _lock(Entry, entry.pk, acting_user)
    _require_organiser(acting_user, entry.campaign)
    _require_in_coaching(entry)
    if entry.is_locked:
        raise TransitionNotAllowed(
            _("The final version is already locked."), current="locked", requested="lock"
        )
    if entry.campaign.status not in (
        CampaignStatus.NOTICE,
        CampaignStatus.FINAL,
        CampaignStatus.ACTIVE,
    ):
        raise TransitionNotAllowed(
            _("The campaign is closed."), current=entry.campaign.status, requested="lock"
        )
    revision = revision or entry.revisions.order_by("-number").first()
    if revision.entry_id != entry.pk:
        raise ValidationError({"revision": [_("Choose a version of this entry.")]})
    entry.final_revision = revision
    entry.locked_at = timezone.now()
    stamp(entry, acting_user=acting_user, reason=_reason(reason, _("Final version locked")))
    entry.save()
    return entry
