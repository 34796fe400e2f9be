"""Every write of grading: campaigns and their steps, applications, expert scores, appeals and
re-reviews, grades, rewards and penalties, and comprehensive evaluations.

Each function is one transition (after Zulip's ``do_*`` actions): atomic, keyword-only
arguments with ``acting_user`` required, the rows whose state it checks locked with
``select_for_update`` and re-checked after the lock, every problem with the input reported at
once before anything is written (``ValidationError``: 400, nothing stored), and who, when and why
recorded in the history. Which moves exist is the tables in ``grading.choices``.

Who may act:
- a level assessment is run by its district's officers (and superusers); an organisation's
  leader may apply for it and appeal its result;
- a comprehensive evaluation is run by the street or community that evaluates;
- rewards and penalties are recorded by any tier whose jurisdiction holds the organisation.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.exceptions import NotPermitted, OutOfJurisdiction, TransitionNotAllowed
from core.history import required_reason, stamp
from core.scoping import CHANGE, VIEW
from core.transitions import transition
from core.validators import normalise_text
from grading import rules
from grading.choices import (
    ASSESSMENT_TRANSITIONS,
    CAMPAIGN_TRANSITIONS,
    EVALUATED_STATUS,
    Aggregation,
    AssessmentAction,
    AssessmentStatus,
    CampaignAction,
    CampaignStatus,
    Dimension,
    EvaluationStatus,
    PanelKind,
    SanctionKind,
    ScoringRound,
    grade_label,
)
from grading.defaults import create_default_template
from grading.models import (
    AssessmentApplication,
    AssessmentCampaign,
    Evaluation,
    EvaluationResult,
    EvaluationValue,
    Expert,
    ExpertPanel,
    ExpertScore,
    GradeAward,
    Indicator,
    IndicatorTemplate,
    Sanction,
)
from grading.selectors import (
    bands_for,
    campaign_bands,
    eligibility,
    evaluation_prefill,
    expert_sheets,
    template_for,
    weights_for,
)
from registry.choices import DivisionLevel, OrgStatus, Role
from registry.models import Division, Organisation, User
from registry.services.lifecycle import acts_for

# --- shared -----------------------------------------------------------------------------------


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def _is_leader_of(user: User, organisation_id: int) -> bool:
    return user.role == Role.ORGANISATION_LEADER and user.organisation_id == organisation_id


def _lock(model, pk: int, acting_user: User, action: str = VIEW):
    """The row, locked, if the user may see it (``action``); 404 otherwise. No joins: after
    waiting for the lock PostgreSQL re-reads the locked row only."""
    try:
        return (
            model.objects.restrict(acting_user, action).select_for_update(of=("self",)).get(pk=pk)
        )
    except model.DoesNotExist:
        raise OutOfJurisdiction() from None


def _visible(model, pk: int, acting_user: User, action: str = VIEW):
    try:
        return model.objects.restrict(acting_user, action).get(pk=pk)
    except model.DoesNotExist:
        raise OutOfJurisdiction() from None


def _require_district(user: User, campaign: AssessmentCampaign):
    if not acts_for(user, campaign.district):
        raise NotPermitted(
            _("Only %(district)s runs this level assessment.")
            % {"district": campaign.district.name}
        )


def _full_clean(instance, errors: dict, exclude=None):
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)


def _raise(errors: dict):
    if errors:
        raise ValidationError(errors)


def _points(value, field: str, errors: dict) -> Decimal | None:
    """A number of points with at most two decimals, or an error under ``field``."""
    if isinstance(value, bool) or value is None:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if number != number.quantize(rules.CENT):
        errors.setdefault(field, []).append(_("Give at most two decimal places."))
        return None
    return number.quantize(rules.CENT)


# --- campaigns --------------------------------------------------------------------------------


def _campaign_next(campaign: AssessmentCampaign, action: str) -> str:
    return transition(
        CAMPAIGN_TRANSITIONS,
        campaign.status,
        action,
        message=_("A campaign that is '%(status)s' cannot be given '%(action)s'.")
        % {"status": campaign.get_status_display(), "action": CampaignAction(action).label},
    )


def _assessment_next(application: AssessmentApplication, action: str) -> str:
    return transition(
        ASSESSMENT_TRANSITIONS,
        application.status,
        action,
        message=_("An application that is '%(status)s' cannot be given '%(action)s'.")
        % {"status": application.get_status_display(), "action": AssessmentAction(action).label},
    )


def _snapshot(template: IndicatorTemplate, *, acting_user: User, reason: str) -> IndicatorTemplate:
    """A frozen copy of ``template`` and its indicator tree, for one campaign."""
    copy = IndicatorTemplate(
        name=template.name,
        division=template.division,
        is_active=False,
        is_snapshot=True,
        source=template,
    )
    stamp(copy, acting_user=acting_user, reason=reason)
    copy.save()
    indicators = list(template.indicators.order_by("position", "pk"))
    copies: dict[int, Indicator] = {}
    pending = indicators
    while pending:  # parents before children, whatever their positions
        waiting = []
        for indicator in pending:
            if indicator.parent_id is not None and indicator.parent_id not in copies:
                waiting.append(indicator)
                continue
            new = Indicator(
                template=copy,
                parent=copies.get(indicator.parent_id),
                code=indicator.code,
                name=indicator.name,
                max_points=indicator.max_points,
                is_bonus=indicator.is_bonus,
                position=indicator.position,
            )
            stamp(new, acting_user=acting_user, reason=reason)
            new.save()
            copies[indicator.pk] = new
        if len(waiting) == len(pending):
            raise ValidationError(_("The indicator template's tree has a loop."))
        pending = waiting
    return copy


CAMPAIGN_FIELDS = {
    "title",
    "application_deadline",
    "notice_days",
    "aggregation",
    "trim_count",
}


def _campaign_errors(campaign: AssessmentCampaign) -> dict:
    errors: dict = {}
    _full_clean(campaign, errors, exclude=["template"])
    return errors


@transaction.atomic
def campaign_create(
    *,
    district: Division,
    year: int,
    title: str,
    application_deadline: datetime.date,
    acting_user: User,
    notice_days: int = 7,
    aggregation: str = Aggregation.MEAN,
    trim_count: int = 1,
    reason: str = "",
) -> AssessmentCampaign:
    """A district bureau starts a level assessment campaign (a draft).

    The district's indicator template (else the default) is copied for the campaign and its
    grade bands are frozen into it, so that later edits never change this campaign.
    """
    district = _visible(Division, district.pk, acting_user)
    if district.level != DivisionLevel.DISTRICT:
        raise ValidationError({"district": [_("A level assessment is run by a district.")]})
    if not acts_for(acting_user, district):
        raise NotPermitted(_("Only the district's own officers start its level assessments."))
    reason = normalise_text(reason) or _("Campaign created")
    campaign = AssessmentCampaign(
        district=district,
        year=year,
        title=normalise_text(title),
        application_deadline=application_deadline,
        notice_days=notice_days,
        aggregation=aggregation,
        trim_count=trim_count,
        created_by=acting_user,
    )
    errors = _campaign_errors(campaign)
    template = template_for(district)
    if template is None and not IndicatorTemplate.objects.filter(is_snapshot=False).exists():
        # No template at all (a fresh database whose default row was removed): the built-in one.
        template = create_default_template(
            IndicatorTemplate,
            Indicator,
            stamp=lambda row: stamp(row, acting_user=acting_user, reason=_("Default template")),
        )
    if template is None or not template.leaves().exists():
        errors.setdefault("__all__", []).append(
            _("There is no indicator template to score with; add one in the administration.")
        )
    bands = bands_for(district)
    if not bands or rules.band_problems(bands):
        errors.setdefault("__all__", []).append(
            _("The grade bands are not usable (%(problems)s); correct them in the administration.")
            % {"problems": "; ".join(rules.band_problems(bands)) or _("none defined")}
        )
    _raise(errors)
    campaign.template = _snapshot(template, acting_user=acting_user, reason=reason)
    campaign.bands = [band.as_json() for band in bands]
    stamp(campaign, acting_user=acting_user, reason=reason)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: AssessmentCampaign, acting_user: User, reason: str = "", **fields
) -> AssessmentCampaign:
    """Change a campaign's settings: the deadline only while it is a draft, the notice period
    and the aggregation until the results are published."""
    unknown = set(fields) - CAMPAIGN_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    campaign = _lock(AssessmentCampaign, campaign.pk, acting_user)
    _require_district(acting_user, campaign)
    errors: dict = {}
    if "application_deadline" in fields and campaign.status != CampaignStatus.DRAFT:
        if fields["application_deadline"] != campaign.application_deadline:
            errors["application_deadline"] = [
                _("The deadline is fixed once applications have opened.")
            ]
    late = {CampaignStatus.NOTICE, CampaignStatus.FINAL}
    for name in ("notice_days", "aggregation", "trim_count"):
        if name in fields and campaign.status in late and fields[name] != getattr(campaign, name):
            errors[name] = [_("Fixed once the results are published.")]
    _raise(errors)
    for name, value in fields.items():
        setattr(campaign, name, normalise_text(value) if name == "title" else value)
    _raise(_campaign_errors(campaign))
    stamp(campaign, acting_user=acting_user, reason=normalise_text(reason) or _("Edited"))
    campaign.save()
    return campaign


def _lock_campaign_for_step(campaign, acting_user, action) -> AssessmentCampaign:
    campaign = _lock(AssessmentCampaign, campaign.pk, acting_user)
    _require_district(acting_user, campaign)
    campaign.status = _campaign_next(campaign, action)
    return campaign


@transaction.atomic
def campaign_open(
    *, campaign: AssessmentCampaign, acting_user: User, reason: str = ""
) -> AssessmentCampaign:
    """Open a draft campaign for applications."""
    campaign = _lock_campaign_for_step(campaign, acting_user, CampaignAction.OPEN)
    stamp(
        campaign,
        acting_user=acting_user,
        reason=normalise_text(reason) or _("Opened for applications"),
    )
    campaign.save()
    return campaign


@transaction.atomic
def campaign_start_scoring(
    *, campaign: AssessmentCampaign, acting_user: User, reason: str = ""
) -> AssessmentCampaign:
    """Close applications; the panels score from now on."""
    campaign = _lock_campaign_for_step(campaign, acting_user, CampaignAction.START_SCORING)
    reason = normalise_text(reason) or str(CampaignAction.START_SCORING.label)
    stamp(campaign, acting_user=acting_user, reason=reason)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_start_notice(
    *,
    campaign: AssessmentCampaign,
    acting_user: User,
    today: datetime.date | None = None,
    reason: str = "",
) -> AssessmentCampaign:
    """Publish every result for public notice (公示) from ``today`` for the campaign's notice
    period. Refused while an application that takes part has no result yet."""
    today = _today(today)
    campaign = _lock_campaign_for_step(campaign, acting_user, CampaignAction.START_NOTICE)
    applications = list(
        AssessmentApplication.objects.select_for_update(of=("self",))
        .filter(campaign=campaign)
        .exclude(status=AssessmentStatus.REFUSED)
        .order_by("pk")
    )
    waiting = [a for a in applications if a.status != AssessmentStatus.SCORED]
    if waiting:
        names = Organisation.objects.filter(pk__in=[a.organisation_id for a in waiting])
        raise TransitionNotAllowed(
            _("These applications have no result yet: %(names)s.")
            % {"names": "、".join(names.order_by("name").values_list("name", flat=True))},
            current=campaign.status,
            requested=CampaignAction.START_NOTICE,
        )
    campaign.notice_starts_on = today
    campaign.notice_ends_on = today + datetime.timedelta(days=campaign.notice_days - 1)
    reason = normalise_text(reason) or _("Results published for public notice until %(date)s") % {
        "date": campaign.notice_ends_on
    }
    stamp(campaign, acting_user=acting_user, reason=reason)
    campaign.save()
    for application in applications:
        application.status = _assessment_next(application, AssessmentAction.NOTICE)
        stamp(application, acting_user=acting_user, reason=reason)
        application.save()
    return campaign


@transaction.atomic
def campaign_finalise(
    *,
    campaign: AssessmentCampaign,
    acting_user: User,
    today: datetime.date | None = None,
    reason: str = "",
) -> AssessmentCampaign:
    """Make every result final once the public notice is over and no appeal is pending, and
    award the grades (dated ``today``, valid five years less a day)."""
    today = _today(today)
    campaign = _lock_campaign_for_step(campaign, acting_user, CampaignAction.FINALISE)
    if campaign.notice_ends_on is not None and today <= campaign.notice_ends_on:
        raise TransitionNotAllowed(
            _("The public notice runs until %(date)s; results become final after it.")
            % {"date": campaign.notice_ends_on},
            current=CampaignStatus.NOTICE,
            requested=CampaignAction.FINALISE,
        )
    applications = list(
        AssessmentApplication.objects.select_for_update(of=("self",))
        .filter(campaign=campaign)
        .exclude(status=AssessmentStatus.REFUSED)
        .order_by("pk")
    )
    pending = [a for a in applications if a.status == AssessmentStatus.APPEALED]
    if pending:
        names = Organisation.objects.filter(pk__in=[a.organisation_id for a in pending])
        raise TransitionNotAllowed(
            _("Appeals are still pending for: %(names)s. Re-review or dismiss them first.")
            % {"names": "、".join(names.order_by("name").values_list("name", flat=True))},
            current=CampaignStatus.NOTICE,
            requested=CampaignAction.FINALISE,
        )
    reason = normalise_text(reason) or _("Results final")
    campaign.finalised_on = today
    stamp(campaign, acting_user=acting_user, reason=reason)
    campaign.save()
    for application in applications:
        application.status = _assessment_next(application, AssessmentAction.FINALISE)
        application.finalised_on = today
        stamp(application, acting_user=acting_user, reason=reason)
        application.save()
        if application.level is not None:
            _award(
                organisation=Organisation.objects.select_for_update(of=("self",)).get(
                    pk=application.organisation_id
                ),
                level=application.level,
                awarded_on=today,
                score=application.score,
                campaign=campaign,
                acting_user=acting_user,
                reason=_("Level assessment %(campaign)s: %(score)s points")
                % {"campaign": campaign.title, "score": application.score},
            )
    return campaign


# --- applications -----------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *,
    campaign: AssessmentCampaign,
    organisation: Organisation,
    acting_user: User,
    today: datetime.date | None = None,
    reason: str = "",
) -> AssessmentApplication:
    """An organisation applies in an open campaign (its leader, or the district bureau on its
    behalf). Refused with every reason, nothing stored, when it is not eligible (see
    ``grading.selectors.eligibility``) or has already applied."""
    today = _today(today)
    campaign = _lock(AssessmentCampaign, campaign.pk, acting_user)
    organisation = _lock(Organisation, organisation.pk, acting_user, CHANGE)
    if not (
        _is_leader_of(acting_user, organisation.pk) or acts_for(acting_user, campaign.district)
    ):
        raise NotPermitted(
            _("Only the organisation's leader or %(district)s can apply for it.")
            % {"district": campaign.district.name}
        )
    if campaign.status != CampaignStatus.OPEN:
        raise TransitionNotAllowed(
            _("The campaign is '%(status)s'; it does not take applications.")
            % {"status": campaign.get_status_display()},
            current=campaign.status,
            requested="apply",
        )
    if today > campaign.application_deadline:
        raise TransitionNotAllowed(
            _("Applications closed on %(date)s.") % {"date": campaign.application_deadline},
            current=campaign.status,
            requested="apply",
        )
    if AssessmentApplication.objects.filter(campaign=campaign, organisation=organisation).exists():
        raise ValidationError(
            {"organisation": [_("This organisation has already applied in this campaign.")]}
        )
    check = eligibility(campaign, organisation, today=today)
    if not check.eligible:
        raise ValidationError({"organisation": check.reasons})
    application = AssessmentApplication(
        campaign=campaign,
        organisation=organisation,
        applied_on=today,
        applied_by=acting_user,
        eligibility=check.facts,
    )
    stamp(application, acting_user=acting_user, reason=normalise_text(reason) or _("Applied"))
    application.save()
    return application


def _lock_application(
    application: AssessmentApplication, acting_user: User, *, district_only: bool = True
) -> AssessmentApplication:
    application = _lock(AssessmentApplication, application.pk, acting_user)
    if district_only:
        _require_district(acting_user, application.campaign)
    return application


@transaction.atomic
def application_refuse(
    *, application: AssessmentApplication, acting_user: User, reason: str
) -> AssessmentApplication:
    """The district bureau refuses an application before it is scored, saying why."""
    reason = required_reason(reason)
    application = _lock_application(application, acting_user)
    application.status = _assessment_next(application, AssessmentAction.REFUSE)
    application.decision_note = reason
    stamp(application, acting_user=acting_user, reason=reason)
    application.save()
    return application


@transaction.atomic
def application_assign_panel(
    *,
    application: AssessmentApplication,
    panel: ExpertPanel,
    acting_user: User,
    reason: str = "",
) -> AssessmentApplication:
    """Give an application its review panel (before its first score), or, once appealed, its
    re-review panel (before its first re-review score)."""
    application = _lock_application(application, acting_user)
    panel = ExpertPanel.objects.filter(pk=panel.pk, campaign_id=application.campaign_id).first()
    if panel is None:
        raise ValidationError({"panel": [_("Choose a panel of this campaign.")]})
    round_ = ScoringRound.INITIAL if panel.kind == PanelKind.INITIAL else ScoringRound.RE_REVIEW
    allowed = (
        {AssessmentStatus.APPLIED}
        if round_ == ScoringRound.INITIAL
        else {AssessmentStatus.APPEALED}
    )
    if application.status not in allowed:
        raise TransitionNotAllowed(
            _("A %(kind)s can't be assigned to an application that is '%(status)s'.")
            % {"kind": panel.get_kind_display(), "status": application.get_status_display()},
            current=application.status,
            requested="assign_panel",
        )
    if application.scores.filter(round=round_).exists():
        raise TransitionNotAllowed(
            _("Experts have already scored this round; the panel can no longer change."),
            current=application.status,
            requested="assign_panel",
        )
    if round_ == ScoringRound.INITIAL:
        application.panel = panel
    else:
        application.re_review_panel = panel
    reason = normalise_text(reason) or _("Panel: %(panel)s") % {"panel": panel.name}
    stamp(application, acting_user=acting_user, reason=reason)
    application.save()
    return application


@transaction.atomic
def scores_record(
    *,
    application: AssessmentApplication,
    expert: Expert,
    scores: Iterable[tuple[Indicator, object]],
    acting_user: User,
    note: str = "",
) -> list[ExpertScore]:
    """Record one expert's points on indicators of an application, in the current round
    (first review while the campaign is scoring, re-review once the result is appealed).

    All or nothing: a score above the indicator's maximum or below zero, an indicator that is
    not a scored indicator of the campaign's template, an expert who is not on the round's
    panel, or a second score by the same expert for the same indicator is refused with the
    reason, and nothing is stored. Scores are never changed afterwards.
    """
    application = _lock_application(application, acting_user)
    campaign = application.campaign
    round_ = application.current_round
    if round_ == ScoringRound.INITIAL:
        if campaign.status != CampaignStatus.SCORING or application.status != (
            AssessmentStatus.APPLIED
        ):
            raise TransitionNotAllowed(
                _("Scores are entered while the campaign is scoring and before the result."),
                current=application.status,
                requested="score",
            )
    elif application.status != AssessmentStatus.APPEALED:
        raise TransitionNotAllowed(
            _("Re-review scores are entered while the appeal is pending."),
            current=application.status,
            requested="score",
        )
    panel = application.panel_for(round_)
    errors: dict[str, list] = {}
    if panel is None:
        raise TransitionNotAllowed(
            _("Assign a panel first."), current=application.status, requested="score"
        )
    if not panel.experts.filter(pk=expert.pk).exists():
        errors["expert"] = [
            _("%(expert)s is not on %(panel)s.") % {"expert": expert, "panel": panel.name}
        ]
    leaves = {
        indicator.pk: indicator
        for indicator in campaign.template.indicators.filter(children__isnull=True)
    }
    already = set(
        application.scores.filter(expert_id=expert.pk, round=round_).values_list(
            "indicator_id", flat=True
        )
    )
    seen: set[int] = set()
    rows = []
    problems = []
    for indicator, raw in scores:
        indicator_id = getattr(indicator, "pk", indicator)
        target = leaves.get(indicator_id)
        if target is None:
            problems.append(
                _("Indicator %(id)s is not a scored indicator of this campaign.")
                % {"id": indicator_id}
            )
            continue
        label = f"{target.code} {target.name}"
        if indicator_id in seen:
            problems.append(_("%(indicator)s: given twice.") % {"indicator": label})
            continue
        seen.add(indicator_id)
        if indicator_id in already:
            problems.append(
                _("%(indicator)s: %(expert)s has already scored it; scores are kept as given.")
                % {"indicator": label, "expert": expert.name}
            )
            continue
        point_errors: dict = {}
        points = _points(raw, "points", point_errors)
        if points is None:
            problems.append(
                _("%(indicator)s: %(problem)s")
                % {"indicator": label, "problem": point_errors["points"][0]}
            )
            continue
        if points < 0:
            problems.append(
                _("%(indicator)s: %(points)s is below zero.")
                % {"indicator": label, "points": points}
            )
            continue
        if points > target.max_points:
            problems.append(
                _("%(indicator)s: %(points)s is above its maximum of %(max)s.")
                % {"indicator": label, "points": points, "max": target.max_points}
            )
            continue
        rows.append(
            ExpertScore(
                application=application,
                expert=expert,
                indicator=target,
                round=round_,
                points=points,
                note=normalise_text(note),
                entered_by=acting_user,
            )
        )
    if problems:
        errors["scores"] = problems
    if not rows and not errors:
        errors["scores"] = [_("Give at least one score.")]
    _raise(errors)
    reason = _("Scored by %(expert)s (%(round)s)") % {
        "expert": expert.name,
        "round": ScoringRound(round_).label,
    }
    for row in rows:
        stamp(row, acting_user=acting_user, reason=reason)
        row.save()
    return rows


def _result_from(application: AssessmentApplication, round_: str) -> tuple[Decimal, int | None]:
    """The score and level of the round's panel, refusing incomplete scoring."""
    campaign = application.campaign
    sheets = expert_sheets(application, round_)
    if not sheets:
        raise TransitionNotAllowed(
            _("The panel has no experts."), current=application.status, requested="compute"
        )
    missing = [sheet.expert_name for sheet in sheets if not sheet.complete]
    if missing:
        raise TransitionNotAllowed(
            _("Not every expert has scored every indicator yet: %(experts)s.")
            % {"experts": "、".join(missing)},
            current=application.status,
            requested="compute",
        )
    try:
        score = rules.aggregate(
            [sheet.total for sheet in sheets], campaign.aggregation, campaign.trim_count
        )
    except ValueError:
        raise TransitionNotAllowed(
            _("A trimmed mean dropping %(n)s at each end needs at least %(needed)s experts.")
            % {"n": campaign.trim_count, "needed": 2 * campaign.trim_count + 1},
            current=application.status,
            requested="compute",
        ) from None
    return score, rules.level_for(score, campaign_bands(campaign))


@transaction.atomic
def application_compute(
    *, application: AssessmentApplication, acting_user: User, reason: str = ""
) -> AssessmentApplication:
    """Aggregate the panel's totals into the score and grade, once every expert on the panel
    has scored every indicator."""
    application = _lock_application(application, acting_user)
    following = _assessment_next(application, AssessmentAction.COMPUTE)
    if application.campaign.status != CampaignStatus.SCORING:
        raise TransitionNotAllowed(
            _("Results are computed while the campaign is scoring."),
            current=application.campaign.status,
            requested="compute",
        )
    score, level = _result_from(application, ScoringRound.INITIAL)
    application.status = following
    application.initial_score = application.score = score
    application.initial_level = application.level = level
    reason = normalise_text(reason) or _("Result: %(score)s points, %(grade)s") % {
        "score": score,
        "grade": grade_label(level),
    }
    stamp(application, acting_user=acting_user, reason=reason)
    application.save()
    return application


@transaction.atomic
def application_appeal(
    *,
    application: AssessmentApplication,
    acting_user: User,
    reason: str,
    today: datetime.date | None = None,
) -> AssessmentApplication:
    """The organisation (its leader, or the bureau recording a written appeal) appeals its
    result during the public notice period, saying why."""
    today = _today(today)
    reason = required_reason(reason)
    application = _lock_application(application, acting_user, district_only=False)
    campaign = application.campaign
    if not (
        _is_leader_of(acting_user, application.organisation_id)
        or acts_for(acting_user, campaign.district)
    ):
        raise NotPermitted(_("Only the organisation or the district bureau can file an appeal."))
    following = _assessment_next(application, AssessmentAction.APPEAL)
    if not campaign.notice_open_on(today):
        raise TransitionNotAllowed(
            _("Appeals are filed during the public notice, %(start)s to %(end)s.")
            % {"start": campaign.notice_starts_on, "end": campaign.notice_ends_on},
            current=application.status,
            requested=AssessmentAction.APPEAL,
        )
    application.status = following
    application.appeal_reason = reason
    application.appealed_on = today
    stamp(application, acting_user=acting_user, reason=reason)
    application.save()
    return application


@transaction.atomic
def application_dismiss_appeal(
    *, application: AssessmentApplication, acting_user: User, reason: str
) -> AssessmentApplication:
    """The bureau dismisses an appeal, saying why; the result stands unchanged."""
    reason = required_reason(reason)
    application = _lock_application(application, acting_user)
    application.status = _assessment_next(application, AssessmentAction.DISMISS_APPEAL)
    application.decision_note = reason
    stamp(application, acting_user=acting_user, reason=reason)
    application.save()
    return application


@transaction.atomic
def application_re_review(
    *, application: AssessmentApplication, acting_user: User, reason: str = ""
) -> AssessmentApplication:
    """Replace the result of an appealed application by its re-review panel's, once every
    re-review expert has scored every indicator. The first result stays in ``initial_score``
    and ``initial_level`` and the history shows the old and new values."""
    application = _lock_application(application, acting_user)
    following = _assessment_next(application, AssessmentAction.RE_REVIEW)
    score, level = _result_from(application, ScoringRound.RE_REVIEW)
    old_score, old_level = application.score, application.level
    application.status = following
    application.score, application.level = score, level
    note = _("Re-review: %(old_score)s (%(old)s) → %(new_score)s (%(new)s)") % {
        "old_score": old_score,
        "old": grade_label(old_level),
        "new_score": score,
        "new": grade_label(level),
    }
    application.decision_note = normalise_text(reason) or note
    stamp(application, acting_user=acting_user, reason=f"{note} {normalise_text(reason)}".strip())
    application.save()
    return application


# --- experts and panels -----------------------------------------------------------------------


@transaction.atomic
def expert_create(
    *,
    district: Division,
    name: str,
    acting_user: User,
    affiliation: str = "",
    note: str = "",
    reason: str = "",
) -> Expert:
    """Add an expert to a district's pool."""
    district = _visible(Division, district.pk, acting_user)
    if district.level != DivisionLevel.DISTRICT:
        raise ValidationError({"district": [_("Experts belong to a district's pool.")]})
    if not acts_for(acting_user, district):
        raise NotPermitted(_("Only the district's own officers manage its experts."))
    expert = Expert(
        district=district,
        name=normalise_text(name),
        affiliation=normalise_text(affiliation),
        note=note or "",
    )
    expert.full_clean()
    stamp(expert, acting_user=acting_user, reason=normalise_text(reason) or _("Expert added"))
    expert.save()
    return expert


def _panel_experts(campaign: AssessmentCampaign, experts) -> list[Expert]:
    ids = sorted({getattr(expert, "pk", expert) for expert in experts})
    found = list(Expert.objects.filter(pk__in=ids, district_id=campaign.district_id))
    if len(found) != len(ids):
        raise ValidationError(
            {"experts": [_("Choose experts from the pool of %(d)s.") % {"d": campaign.district}]}
        )
    if not found:
        raise ValidationError({"experts": [_("A panel needs at least one expert.")]})
    return found


@transaction.atomic
def panel_create(
    *,
    campaign: AssessmentCampaign,
    name: str,
    experts: Iterable,
    acting_user: User,
    kind: str = PanelKind.INITIAL,
    reason: str = "",
) -> ExpertPanel:
    """Set up a review (or re-review) panel of a campaign from the district's experts."""
    campaign = _lock(AssessmentCampaign, campaign.pk, acting_user)
    _require_district(acting_user, campaign)
    if campaign.status == CampaignStatus.FINAL:
        raise TransitionNotAllowed(
            _("The campaign is final."), current=campaign.status, requested="panel"
        )
    members = _panel_experts(campaign, experts)
    panel = ExpertPanel(campaign=campaign, name=normalise_text(name), kind=kind)
    panel.full_clean(exclude=["experts"])
    stamp(panel, acting_user=acting_user, reason=normalise_text(reason) or _("Panel set up"))
    panel.save()
    panel.experts.set(members)
    return panel


@transaction.atomic
def panel_update(
    *,
    panel: ExpertPanel,
    acting_user: User,
    name: str | None = None,
    experts: Iterable | None = None,
    reason: str = "",
) -> ExpertPanel:
    """Rename a panel or change its experts (only before any of them has scored for it)."""
    panel = _lock(ExpertPanel, panel.pk, acting_user)
    _require_district(acting_user, panel.campaign)
    if name is not None:
        panel.name = normalise_text(name)
        panel.full_clean(exclude=["experts"])
    members = None
    if experts is not None:
        members = _panel_experts(panel.campaign, experts)
        round_ = ScoringRound.INITIAL if panel.kind == PanelKind.INITIAL else ScoringRound.RE_REVIEW
        field = (
            "application__panel"
            if round_ == ScoringRound.INITIAL
            else ("application__re_review_panel")
        )
        if ExpertScore.objects.filter(**{field: panel}, round=round_).exists():
            raise TransitionNotAllowed(
                _("Experts of this panel have already scored; its members can no longer change."),
                current="scored",
                requested="panel",
            )
    stamp(panel, acting_user=acting_user, reason=normalise_text(reason) or _("Panel edited"))
    panel.save()
    if members is not None:
        panel.experts.set(members)
    return panel


# --- grades -----------------------------------------------------------------------------------


def _award(
    *,
    organisation: Organisation,
    level: int,
    awarded_on: datetime.date,
    acting_user: User,
    reason: str,
    campaign: AssessmentCampaign | None = None,
    score: Decimal | None = None,
) -> GradeAward:
    """Save an award and revoke, from its first day, the organisation's grade it supersedes."""
    superseded = list(
        GradeAward.objects.select_for_update(of=("self",))
        .current(awarded_on)
        .filter(organisation=organisation)
        .order_by("pk")
    )
    award = GradeAward(
        organisation=organisation,
        level=level,
        awarded_on=awarded_on,
        valid_until=rules.valid_until(awarded_on),
        campaign=campaign,
        score=score,
    )
    award.full_clean()
    stamp(award, acting_user=acting_user, reason=reason)
    award.save()
    for old in superseded:
        old.revoked_on = awarded_on
        old.revocation_reason = _("Superseded by the grade awarded on %(date)s (%(grade)s)") % {
            "date": awarded_on,
            "grade": grade_label(level),
        }
        stamp(old, acting_user=acting_user, reason=old.revocation_reason)
        old.save()
    return award


@transaction.atomic
def grade_award_record(
    *,
    organisation: Organisation,
    level: int,
    awarded_on: datetime.date,
    acting_user: User,
    reason: str,
    score: Decimal | None = None,
) -> GradeAward:
    """Record a grade awarded before the system (no campaign), by the organisation's district.
    It supersedes the organisation's current grade; one older than its newest grade is refused."""
    reason = required_reason(reason)
    organisation = _lock(Organisation, organisation.pk, acting_user, CHANGE)
    organisation = Organisation.objects.select_related("community__parent__parent").get(
        pk=organisation.pk
    )
    if not acts_for(acting_user, organisation.district):
        raise NotPermitted(_("Only the district bureau records grades."))
    errors: dict = {}
    if organisation.status != OrgStatus.REGISTERED:
        errors["organisation"] = [_("Only registered organisations hold a grade.")]
    if level not in (1, 2, 3, 4, 5):
        errors["level"] = [_("A grade is 1A to 5A.")]
    if awarded_on > timezone.localdate():
        errors["awarded_on"] = [_("The date is in the future.")]
    newest = GradeAward.objects.filter(organisation=organisation).order_by("-awarded_on").first()
    if newest is not None and awarded_on < newest.awarded_on:
        errors["awarded_on"] = [
            _("The organisation already has a grade awarded on %(date)s, later than this one.")
            % {"date": newest.awarded_on}
        ]
    _raise(errors)
    return _award(
        organisation=organisation,
        level=level,
        awarded_on=awarded_on,
        score=score,
        acting_user=acting_user,
        reason=reason,
    )


@transaction.atomic
def grade_award_revoke(
    *,
    award: GradeAward,
    revoked_on: datetime.date,
    acting_user: User,
    reason: str,
) -> GradeAward:
    """Withdraw a grade from ``revoked_on`` (for instance after serious dishonesty), saying why."""
    reason = required_reason(reason)
    award = _lock(GradeAward, award.pk, acting_user, CHANGE)
    organisation = Organisation.objects.select_related("community__parent__parent").get(
        pk=award.organisation_id
    )
    if not acts_for(acting_user, organisation.district):
        raise NotPermitted(_("Only the district bureau revokes grades."))
    if award.revoked_on is not None and award.revoked_on <= revoked_on:
        raise TransitionNotAllowed(
            _("This grade no longer applies since %(date)s.") % {"date": award.revoked_on},
            current="revoked",
            requested="revoke",
        )
    if revoked_on < award.awarded_on:
        raise ValidationError({"revoked_on": [_("The date is before the grade was awarded.")]})
    award.revoked_on = revoked_on
    award.revocation_reason = reason
    stamp(award, acting_user=acting_user, reason=reason)
    award.save()
    return award


# --- rewards and penalties --------------------------------------------------------------------


@transaction.atomic
def sanction_create(
    *,
    organisation: Organisation,
    kind: str,
    title: str,
    decided_on: datetime.date,
    acting_user: User,
    issued_by: str = "",
    closed_on: datetime.date | None = None,
    note: str = "",
    reason: str = "",
) -> Sanction:
    """Record a reward or a penalty of an organisation in the user's jurisdiction."""
    organisation = _lock(Organisation, organisation.pk, acting_user, CHANGE)
    if acting_user.role == Role.ORGANISATION_LEADER:
        raise NotPermitted(_("Rewards and penalties are recorded by the civil affairs offices."))
    sanction = Sanction(
        organisation=organisation,
        kind=kind,
        title=normalise_text(title),
        decided_on=decided_on,
        issued_by=normalise_text(issued_by),
        closed_on=closed_on,
        note=note or "",
    )
    errors: dict = {}
    _full_clean(sanction, errors)
    if decided_on and decided_on > timezone.localdate():
        errors.setdefault("decided_on", []).append(_("The date is in the future."))
    _raise(errors)
    stamp(sanction, acting_user=acting_user, reason=normalise_text(reason) or _("Recorded"))
    sanction.save()
    return sanction


@transaction.atomic
def sanction_close(
    *,
    sanction: Sanction,
    closed_on: datetime.date,
    acting_user: User,
    reason: str,
) -> Sanction:
    """Close a penalty (fulfilled or lifted) from ``closed_on``, saying why."""
    reason = required_reason(reason)
    sanction = _lock(Sanction, sanction.pk, acting_user, CHANGE)
    if acting_user.role == Role.ORGANISATION_LEADER:
        raise NotPermitted(_("Rewards and penalties are recorded by the civil affairs offices."))
    if sanction.kind != SanctionKind.PENALTY or sanction.closed_on is not None:
        raise TransitionNotAllowed(
            _("Only an open penalty can be closed."),
            current="closed" if sanction.closed_on else sanction.kind,
            requested="close",
        )
    if closed_on < sanction.decided_on:
        raise ValidationError({"closed_on": [_("The closing date is before the decision date.")]})
    sanction.closed_on = closed_on
    stamp(sanction, acting_user=acting_user, reason=reason)
    sanction.save()
    return sanction


# --- comprehensive evaluation -----------------------------------------------------------------

#: the dates an evaluation period may use, and its longest length
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)
MAX_EVALUATION_DAYS = 5 * 366


def _require_evaluator(user: User, evaluation: Evaluation):
    if not acts_for(user, evaluation.division):
        raise NotPermitted(
            _("Only %(division)s runs this evaluation.") % {"division": evaluation.division.name}
        )


@transaction.atomic
def evaluation_create(
    *,
    division: Division,
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    acting_user: User,
    activity_target: int = 12,
    reason: str = "",
) -> Evaluation:
    """A street (its filed organisations) or a community (its activity groups) starts a
    comprehensive evaluation of a period. Every such organisation gets a result with the
    dimensions the system knows already filled in; the weights in force are copied."""
    division = _visible(Division, division.pk, acting_user)
    status = EVALUATED_STATUS.get(division.level)
    if status is None:
        raise ValidationError(
            {"division": [_("A comprehensive evaluation is run by a street or a community.")]}
        )
    if not acts_for(acting_user, division):
        raise NotPermitted(_("Only the street or community itself runs its evaluation."))
    weights = weights_for(division)
    evaluation = Evaluation(
        division=division,
        title=normalise_text(title),
        period_start=period_start,
        period_end=period_end,
        activity_target=activity_target,
        weights={key: str(value) for key, value in weights.items()},
        created_by=acting_user,
    )
    errors: dict = {}
    _full_clean(evaluation, errors)
    for name in ("period_start", "period_end"):
        day = getattr(evaluation, name)
        if isinstance(day, datetime.date) and not EARLIEST <= day <= LATEST:
            errors.setdefault(name, []).append(
                _("Give a date from %(start)s to %(end)s.") % {"start": EARLIEST, "end": LATEST}
            )
    if (
        isinstance(period_start, datetime.date)
        and isinstance(period_end, datetime.date)
        and (period_end - period_start).days > MAX_EVALUATION_DAYS
    ):
        errors.setdefault("period_end", []).append(_("A period is at most five years."))
    if sum(weights.values()) <= 0:
        errors.setdefault("__all__", []).append(_("The dimension weights add up to zero."))
    _raise(errors)
    reason = normalise_text(reason) or _("Evaluation started")
    stamp(evaluation, acting_user=acting_user, reason=reason)
    evaluation.save()
    organisation_ids = list(
        Organisation.objects.filter(status=status, community__path__startswith=division.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    results = bulk_create_with_history(
        [EvaluationResult(evaluation=evaluation, organisation_id=pk) for pk in organisation_ids],
        EvaluationResult,
        default_user=acting_user,
        default_change_reason=reason,
    )
    if not all(result.pk for result in results):  # a database that returns no ids
        results = list(evaluation.results.order_by("organisation_id"))
    prefill = evaluation_prefill(
        organisation_ids,
        period_start=period_start,
        period_end=period_end,
        activity_target=activity_target,
    )
    values = []
    for result in results:
        known = prefill.get(result.organisation_id, {})
        for dimension in Dimension:
            value, basis = known.get(dimension, (None, ""))
            values.append(
                EvaluationValue(
                    result=result,
                    dimension=dimension,
                    prefilled_value=value,
                    value=value,
                    basis=basis,
                )
            )
    bulk_create_with_history(
        values, EvaluationValue, default_user=acting_user, default_change_reason=reason
    )
    return evaluation


@transaction.atomic
def evaluation_values_set(
    *,
    result: EvaluationResult,
    values: Iterable[dict],
    acting_user: User,
    reason: str = "",
) -> EvaluationResult:
    """Enter or adjust dimension values (0-100) of one organisation's result while the
    evaluation is not published. Changing a pre-filled value needs a note saying why; every
    problem is reported at once and nothing is stored."""
    result = _lock(EvaluationResult, result.pk, acting_user)
    evaluation = Evaluation.objects.select_for_update(of=("self",)).get(pk=result.evaluation_id)
    _require_evaluator(acting_user, evaluation)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise TransitionNotAllowed(
            _("The evaluation is published; its values are final."),
            current=evaluation.status,
            requested="update",
        )
    rows = {row.dimension: row for row in result.values.select_for_update(of=("self",))}
    errors: dict[str, list] = {}
    changed = []
    for item in values:
        dimension = item.get("dimension")
        label = str(Dimension(dimension).label) if dimension in Dimension.values else dimension
        row = rows.get(dimension)
        if row is None:
            errors.setdefault("values", []).append(
                _("%(dimension)s is not a dimension of this evaluation.") % {"dimension": label}
            )
            continue
        problem: dict = {}
        value = None if item.get("value") is None else _points(item["value"], "value", problem)
        if problem:
            errors.setdefault("values", []).append(
                _("%(dimension)s: %(problem)s")
                % {"dimension": label, "problem": problem["value"][0]}
            )
            continue
        if value is not None and not 0 <= value <= 100:
            errors.setdefault("values", []).append(
                _("%(dimension)s: a value is between 0 and 100.") % {"dimension": label}
            )
            continue
        note = normalise_text(item.get("note", row.note))
        if row.prefilled_value is not None and value != row.prefilled_value and not note:
            errors.setdefault("values", []).append(
                _(
                    "%(dimension)s: the system's value is %(prefilled)s (%(basis)s); say why it "
                    "is changed."
                )
                % {"dimension": label, "prefilled": row.prefilled_value, "basis": row.basis}
            )
            continue
        if value != row.value or note != row.note:
            row.value, row.note = value, note
            changed.append(row)
    _raise(errors)
    for row in changed:
        stamp(row, acting_user=acting_user, reason=row.note or normalise_text(reason))
        row.save()
    return result


@transaction.atomic
def evaluation_publish(
    *,
    evaluation: Evaluation,
    acting_user: User,
    today: datetime.date | None = None,
    reason: str = "",
) -> Evaluation:
    """Compute every total (the weighted mean of the values), rank the results, and publish
    them: they appear on each organisation's page. Refused while a value is missing."""
    today = _today(today)
    evaluation = _lock(Evaluation, evaluation.pk, acting_user)
    _require_evaluator(acting_user, evaluation)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise TransitionNotAllowed(
            _("The evaluation is already published."),
            current=evaluation.status,
            requested="publish",
        )
    results = list(
        evaluation.results.select_for_update(of=("self",))
        .select_related("organisation")
        .order_by("pk")
    )
    values: dict[int, dict[str, Decimal | None]] = {result.pk: {} for result in results}
    for row in EvaluationValue.objects.filter(result__evaluation=evaluation):
        values[row.result_id][row.dimension] = row.value
    missing = [
        result.organisation.name
        for result in results
        if any(value is None for value in values[result.pk].values())
    ]
    if missing:
        raise ValidationError(
            _("Enter every dimension before publishing; values are missing for: %(names)s.")
            % {"names": "、".join(sorted(missing))}
        )
    weights = {key: Decimal(str(value)) for key, value in evaluation.weights.items()}
    for result in results:
        result.total = rules.weighted_total(values[result.pk], weights)
    ranks = rules.competition_ranks([(result.pk, result.total) for result in results])
    for result in results:
        result.rank = ranks[result.pk]
    reason = normalise_text(reason) or _("Published")
    if results:
        bulk_update_with_history(
            results,
            EvaluationResult,
            ["total", "rank"],
            default_user=acting_user,
            default_change_reason=reason,
        )
    evaluation.status = EvaluationStatus.PUBLISHED
    evaluation.published_on = today
    stamp(evaluation, acting_user=acting_user, reason=reason)
    evaluation.save()
    return evaluation
