"""Reads of grading that pages, the API, the registry's lists and the KPI reports reuse.

The current grade of organisations is a correlated subquery (``annotate_current_grade``), so a
list of any length costs one query; nothing here loops over organisations querying each.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grading.choices import (
    EXPIRING_WITHIN_MONTHS,
    Dimension,
    SanctionKind,
    ScoringRound,
)
from grading.models import (
    HUNDRED,
    AssessmentApplication,
    AssessmentCampaign,
    DimensionWeight,
    GradeAward,
    GradeBand,
    IndicatorTemplate,
    Sanction,
)
from grading.rules import Band, add_months, add_years, round_points
from oversight.choices import CreditListKind
from oversight.models import AnnualReport, CreditListEntry, OversightSettings
from registry.choices import OrgStatus
from registry.models import Activity, Division, Organisation

# --- current grades ---------------------------------------------------------------------------


def current_award_subquery(on: datetime.date | None = None, outer: str = "pk") -> QuerySet:
    """The current award of the organisation ``OuterRef(outer)`` (newest first), for Subquery."""
    return (
        GradeAward.objects.current(on)
        .filter(organisation=OuterRef(outer))
        .order_by("-awarded_on", "-pk")
    )


def annotate_current_grade(
    queryset: QuerySet, *, on: datetime.date | None = None, outer: str = "pk"
) -> QuerySet:
    """``queryset`` with ``current_grade`` (1-5, or None) and ``current_grade_valid_until``
    (the last valid day, or None) of each row's organisation on ``on`` (default today).

    ``outer`` is the lookup from the queryset's model to the organisation's id (``"pk"`` for
    organisations, ``"organisation_id"`` for rows that belong to one).
    """
    awards = current_award_subquery(on, outer)
    return queryset.annotate(
        current_grade=Subquery(awards.values("level")[:1]),
        current_grade_valid_until=Subquery(awards.values("valid_until")[:1]),
    )


def current_grades(
    organisation_ids, *, on: datetime.date | None = None
) -> dict[int, tuple[int, datetime.date]]:
    """``{organisation id: (level, valid until)}`` of the organisations that have a current grade
    on ``on`` (one query, for a page of already-fetched organisations)."""
    found: dict[int, tuple[int, datetime.date]] = {}
    rows = (
        GradeAward.objects.current(on)
        .filter(organisation_id__in=list(organisation_ids))
        .order_by("organisation_id", "awarded_on", "pk")
        .values_list("organisation_id", "level", "valid_until")
    )
    for organisation_id, level, until in rows:
        found[organisation_id] = (level, until)  # the newest wins
    return found


def current_award(organisation, on: datetime.date | None = None) -> GradeAward | None:
    """The organisation's current grade on ``on`` (default today), or None."""
    return (
        GradeAward.objects.current(on)
        .filter(organisation=organisation)
        .order_by("-awarded_on", "-pk")
        .first()
    )


def filter_grade_at_least(
    queryset: QuerySet, level: int | None, *, on: datetime.date | None = None, outer: str = "pk"
) -> QuerySet:
    """Rows whose organisation holds a current grade of ``level`` or higher on ``on``."""
    if level is None:
        return queryset
    graded = GradeAward.objects.current(on).filter(level__gte=level).values("organisation_id")
    return queryset.filter(**{f"{outer}__in": graded})


def expiring_awards(
    queryset: QuerySet | None = None,
    *,
    today: datetime.date | None = None,
    months: int = EXPIRING_WITHIN_MONTHS,
) -> QuerySet:
    """Grades current today whose last valid day is within ``months`` months (default 6), soonest
    first. Pass a restricted queryset for a person's list."""
    today = today or timezone.localdate()
    queryset = GradeAward.objects.all() if queryset is None else queryset
    return (
        queryset.current(today)
        .filter(valid_until__lte=add_months(today, months))
        .filter(organisation__status=OrgStatus.REGISTERED)
        .select_related("organisation__community__parent__parent", "campaign")
        .order_by("valid_until", "organisation__name", "pk")
    )


# --- configuration ----------------------------------------------------------------------------


def bands_for(district: Division | None) -> list[Band]:
    """The grade bands in force for ``district``: its own rows if it has any, else the default."""
    rows = list(GradeBand.objects.filter(division=district)) if district is not None else []
    if not rows:
        rows = list(GradeBand.objects.filter(division__isnull=True))
    if not rows:  # the default rows are gone: the built-in defaults they were made from
        from grading.defaults import DEFAULT_BANDS

        return [
            Band(level, Decimal(b), inclusive) for level, (b, inclusive) in DEFAULT_BANDS.items()
        ]
    return [Band(row.level, row.lower_bound, row.inclusive) for row in rows]


def campaign_bands(campaign: AssessmentCampaign) -> list[Band]:
    return [Band.from_json(item) for item in campaign.bands]


def template_for(district: Division | None) -> IndicatorTemplate | None:
    """The newest active template of ``district``, else the newest active default template."""
    templates = IndicatorTemplate.objects.filter(is_active=True, is_snapshot=False).order_by(
        "-created_at", "-pk"
    )
    if district is not None:
        own = templates.filter(division=district).first()
        if own is not None:
            return own
    return templates.filter(division__isnull=True).first()


def weights_for(division: Division) -> dict[str, Decimal]:
    """The dimension weights for an evaluation by ``division``: its own rows, else those of the
    nearest ancestor that has any, else the default rows, else the built-in defaults."""
    from grading.choices import DEFAULT_DIMENSION_WEIGHTS

    codes = [*reversed(division.ancestor_codes), None]
    codes.insert(0, division.code)
    rows = DimensionWeight.objects.filter(
        Q(division_id__in=[c for c in codes if c]) | Q(division__isnull=True)
    )
    by_division: dict[str | None, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        by_division[row.division_id][row.dimension] = row.weight
    for code in codes:
        if by_division.get(code):
            found = by_division[code]
            return {d.value: found.get(d.value, Decimal(0)) for d in Dimension}
    return {d.value: Decimal(DEFAULT_DIMENSION_WEIGHTS[d]) for d in Dimension}


# --- eligibility ------------------------------------------------------------------------------


@dataclass
class Eligibility:
    """Whether an organisation may apply in a campaign, why not, and the facts behind it."""

    organisation: Organisation
    reasons: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return not self.reasons


def _eligibility_queryset(queryset: QuerySet, today: datetime.date, reference: datetime.date):
    open_entries = CreditListEntry.objects.filter(
        organisation=OuterRef("pk"), removed_on__isnull=True, listed_on__lte=today
    ).order_by("-listed_on", "-pk")
    penalties = Sanction.objects.open_penalties(today).filter(organisation=OuterRef("pk"))
    penalties = penalties.order_by("-decided_on", "-pk")
    return annotate_current_grade(queryset, on=reference).annotate(
        open_list_kind=Subquery(open_entries.values("kind")[:1]),
        open_list_since=Subquery(open_entries.values("listed_on")[:1]),
        open_penalty_title=Subquery(penalties.values("title")[:1]),
        open_penalty_on=Subquery(penalties.values("decided_on")[:1]),
    )


def _check(organisation, campaign: AssessmentCampaign, today: datetime.date) -> Eligibility:
    reference = campaign.reference_date
    result = Eligibility(organisation)
    reasons = result.reasons
    two_years_on = add_years(organisation.registered_on, 2) if organisation.registered_on else None
    level = organisation.current_grade
    until = organisation.current_grade_valid_until
    grade_expiring = until is not None and until.year <= campaign.year
    result.facts = {
        "checked_on": today.isoformat(),
        "reference_date": reference.isoformat(),
        "status": organisation.status,
        "registered_on": organisation.registered_on.isoformat()
        if organisation.registered_on
        else None,
        "two_full_years_on": two_years_on.isoformat() if two_years_on else None,
        "current_grade": level,
        "current_grade_valid_until": until.isoformat() if until else None,
        "grade_expiring": grade_expiring,
        "credit_list": organisation.open_list_kind,
        "open_penalty": organisation.open_penalty_title,
    }
    if organisation.status != OrgStatus.REGISTERED:
        reasons.append(
            _("Only registered organisations take part in level assessment (it is %(status)s).")
            % {"status": organisation.get_status_display()}
        )
    if not organisation.community.path.startswith(campaign.district.path):
        reasons.append(
            _("It is not in %(district)s, which runs this campaign.")
            % {"district": campaign.district.name}
        )
    if organisation.status == OrgStatus.REGISTERED and not grade_expiring:
        if two_years_on is None or two_years_on > reference:
            reasons.append(
                _(
                    "Registered on %(registered)s: not two full years before the campaign's "
                    "reference date %(reference)s (eligible from %(eligible)s), and it has no "
                    "grade expiring in %(year)s."
                )
                % {
                    "registered": organisation.registered_on or "—",
                    "reference": reference,
                    "eligible": two_years_on or "—",
                    "year": campaign.year,
                }
            )
    if organisation.open_list_kind:
        reasons.append(
            _("It is on the %(list)s (since %(date)s).")
            % {
                "list": CreditListKind(organisation.open_list_kind).label,
                "date": organisation.open_list_since,
            }
        )
    if organisation.open_penalty_title:
        reasons.append(
            _("It has an open penalty: %(title)s (decided on %(date)s).")
            % {"title": organisation.open_penalty_title, "date": organisation.open_penalty_on}
        )
    return result


def eligibility(
    campaign: AssessmentCampaign, organisation: Organisation, *, today: datetime.date | None = None
) -> Eligibility:
    """Whether ``organisation`` may apply in ``campaign`` (checked on ``today``): registered, in
    the campaign's district, registered two full years by the reference date (the application
    deadline) or holding a grade that expires in the campaign's year, on no credit list, and
    with no open penalty."""
    today = today or timezone.localdate()
    row = (
        _eligibility_queryset(
            Organisation.objects.filter(pk=organisation.pk), today, campaign.reference_date
        )
        .select_related("community")
        .get()
    )
    return _check(row, campaign, today)


def eligibility_list(
    campaign: AssessmentCampaign, queryset: QuerySet, *, today: datetime.date | None = None
) -> list[Eligibility]:
    """The eligibility of every registered organisation of ``queryset`` in the campaign's
    district (restrict ``queryset`` for a person), in name order; a fixed number of queries."""
    today = today or timezone.localdate()
    rows = (
        _eligibility_queryset(
            queryset.filter(
                status=OrgStatus.REGISTERED, community__path__startswith=campaign.district.path
            ),
            today,
            campaign.reference_date,
        )
        .select_related("community")
        .order_by("name", "pk")
    )
    return [_check(row, campaign, today) for row in rows]


# --- scores -----------------------------------------------------------------------------------


@dataclass
class ExpertSheet:
    """One expert's scores for one application in one round."""

    expert_id: int
    expert_name: str
    scored: int
    expected: int
    total: Decimal

    @property
    def complete(self) -> bool:
        return self.scored == self.expected


def expert_sheets(application: AssessmentApplication, round_: str) -> list[ExpertSheet]:
    """Every expert of the round's panel with how many indicators they scored and their total."""
    panel = application.panel_for(round_)
    if panel is None:
        return []
    expected = application.campaign.template.leaves().count()
    sums = {
        row["expert_id"]: row
        for row in application.scores.filter(round=round_)
        .values("expert_id")
        .annotate(n=Count("pk"), total=Sum("points"))
    }
    sheets = []
    for expert in panel.experts.order_by("name", "pk"):
        row = sums.get(expert.pk, {"n": 0, "total": Decimal(0)})
        total = round_points(Decimal(row["total"] or 0))  # SQLite sums without the scale
        sheets.append(ExpertSheet(expert.pk, expert.name, row["n"], expected, total))
    return sheets


def score_rounds(application: AssessmentApplication) -> list[dict]:
    """The rounds that have scores or a panel, each with its expert sheets."""
    rounds = []
    for round_ in ScoringRound:
        if application.panel_for(round_) is None:
            continue
        rounds.append(
            {"round": round_, "label": round_.label, "sheets": expert_sheets(application, round_)}
        )
    return rounds


def campaign_results(campaign: AssessmentCampaign, queryset: QuerySet | None = None) -> QuerySet:
    """The campaign's applications, best score first (restrict ``queryset`` for a person)."""
    queryset = AssessmentApplication.objects.all() if queryset is None else queryset
    return (
        queryset.filter(campaign=campaign)
        .select_related("organisation__community__parent", "panel", "re_review_panel")
        .order_by("-score", "organisation__name", "pk")
    )


# --- comprehensive evaluation -----------------------------------------------------------------

PARTY_VALUES = {"own": HUNDRED, "joint": HUNDRED, "instructor": Decimal(60), "none": Decimal(0)}
CREDIT_VALUES = {None: HUNDRED, CreditListKind.ABNORMAL: Decimal(40), CreditListKind.SERIOUS: 0}
REWARD_BASE, REWARD_STEP, PENALTY_STEP = Decimal(80), Decimal(10), Decimal(40)


def _clamp(value: Decimal) -> Decimal:
    return round_points(min(HUNDRED, max(Decimal(0), value)))


def evaluation_prefill(
    organisation_ids: list[int],
    *,
    period_start: datetime.date,
    period_end: datetime.date,
    activity_target: int,
) -> dict[int, dict[str, tuple[Decimal, str]]]:
    """What the system already knows, per organisation: ``{id: {dimension: (value, basis)}}``
    for the pre-filled dimensions, each value 0-100 with the facts behind it:

    - activities: 100 x activities held in the period / ``activity_target`` (at most 100);
    - annual reports: 100 x reports first submitted by their deadline / reports due, for the
      years whose deadline falls in the period (100 when none was due);
    - party building: 100 with its own or a joint party organisation at the period's end, 60
      with an instructor only, 0 when not covered;
    - credit records: 100 on no list during the period, 40 on the abnormal-activity list,
      0 on the serious-dishonesty list;
    - rewards and penalties: 80 + 10 per reward - 40 per penalty decided in the period (0-100).

    A fixed number of queries, whatever the number of organisations.
    """
    from oversight.services.annual_reports import owing_q
    from party_building.choices import CoverageMode
    from party_building.selectors import annotate_coverage

    ids = list(organisation_ids)
    activities = dict(
        Activity.objects.filter(organisation_id__in=ids, held_on__range=(period_start, period_end))
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    modes = dict(
        annotate_coverage(Organisation.objects.filter(pk__in=ids), on=period_end).values_list(
            "pk", "coverage_mode"
        )
    )
    listed: dict[int, set] = defaultdict(set)
    for organisation_id, kind in (
        CreditListEntry.objects.filter(organisation_id__in=ids, listed_on__lte=period_end)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=period_start))
        .values_list("organisation_id", "kind")
    ):
        listed[organisation_id].add(kind)
    sanctions: Counter = Counter(
        Sanction.objects.filter(
            organisation_id__in=ids, decided_on__range=(period_start, period_end)
        ).values_list("organisation_id", "kind")
    )
    config = OversightSettings.current()
    due: Counter = Counter()
    on_time: Counter = Counter()
    for year in range(period_start.year - 1, period_end.year + 1):
        deadline = config.report_deadline(year)
        if not period_start <= deadline <= period_end:
            continue
        owing = set(
            Organisation.objects.filter(pk__in=ids)
            .filter(owing_q(year, config))
            .values_list("pk", flat=True)
        )
        due.update(owing)
        on_time.update(
            AnnualReport.objects.filter(
                organisation_id__in=owing, year=year, first_submitted_on__lte=deadline
            ).values_list("organisation_id", flat=True)
        )

    result = {}
    for organisation_id in ids:
        count = activities.get(organisation_id, 0)
        mode = modes.get(organisation_id, CoverageMode.NONE)
        kinds = listed.get(organisation_id, set())
        worst = (
            CreditListKind.SERIOUS
            if CreditListKind.SERIOUS in kinds
            else CreditListKind.ABNORMAL
            if kinds
            else None
        )
        rewards = sanctions[(organisation_id, SanctionKind.REWARD)]
        penalties = sanctions[(organisation_id, SanctionKind.PENALTY)]
        reports_due, reports_on_time = due[organisation_id], on_time[organisation_id]
        result[organisation_id] = {
            Dimension.ACTIVITIES: (
                _clamp(HUNDRED * count / activity_target),
                _("%(count)s activities in the period (%(target)s for full marks)")
                % {"count": count, "target": activity_target},
            ),
            Dimension.ANNUAL_REPORTS: (
                _clamp(HUNDRED * reports_on_time / reports_due) if reports_due else HUNDRED,
                _("%(on_time)s of %(due)s annual reports due in the period submitted on time")
                % {"on_time": reports_on_time, "due": reports_due}
                if reports_due
                else _("No annual report was due in the period"),
            ),
            Dimension.PARTY_BUILDING: (
                PARTY_VALUES[mode],
                str(CoverageMode(mode).label),
            ),
            Dimension.CREDIT: (
                round_points(Decimal(CREDIT_VALUES[worst])),
                _("On the %(list)s during the period") % {"list": CreditListKind(worst).label}
                if worst
                else _("On no credit list during the period"),
            ),
            Dimension.REWARDS_PENALTIES: (
                _clamp(REWARD_BASE + REWARD_STEP * rewards - PENALTY_STEP * penalties),
                _("%(rewards)s rewards and %(penalties)s penalties in the period")
                % {"rewards": rewards, "penalties": penalties},
            ),
        }
    return result


def published_results(organisation) -> QuerySet:
    """The organisation's results in published evaluations, newest first (for its page)."""
    from grading.choices import EvaluationStatus
    from grading.models import EvaluationResult

    return (
        EvaluationResult.objects.filter(
            organisation=organisation, evaluation__status=EvaluationStatus.PUBLISHED
        )
        .select_related("evaluation__division")
        .annotate(participants=Count("evaluation__results"))
        .order_by("-evaluation__published_on", "-pk")
    )


__all__ = [
    "Eligibility",
    "annotate_current_grade",
    "bands_for",
    "campaign_results",
    "current_award",
    "current_grades",
    "eligibility",
    "eligibility_list",
    "evaluation_prefill",
    "expiring_awards",
    "filter_grade_at_least",
    "published_results",
    "template_for",
    "weights_for",
]
