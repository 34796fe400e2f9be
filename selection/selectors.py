"""Reads of selection campaigns that services, pages, the API, exports and reports reuse:
eligibility from the registry, who takes part in a stage, stage scores, rankings and results.

Results are computed, not stored and patched: :func:`compute_results` reads the score sheets
(and any other stage's results), the formula version and the cuts *as they were* at a moment
(``as_of``; default now), so the results of any past moment can be computed again and compared
with what was published. Its query count does not depend on the number of entries (one query
per stage with a result, plus a fixed few).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BigIntegerField, Count, F, Max, Min, Q, Sum
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoring
from core.dates import add_years
from grading.choices import grade_label
from grading.selectors import current_grades
from oversight.choices import CreditListKind
from oversight.models import CreditListEntry
from registry.choices import OrgStatus
from selection import rules
from selection.choices import AwardKind, CutKind, EntryStatus, ResultRunKind, StageKind
from selection.models import (
    Campaign,
    Cut,
    Entry,
    EntryResult,
    ResultFormula,
    ResultRun,
    ScoreSheet,
    Stage,
)
from selection.stages import result_source

# --- eligibility ------------------------------------------------------------------------------


@dataclass
class Eligibility:
    """Whether a submitter may enter a campaign, why not, and the facts behind it (stored with
    the entry when it is submitted)."""

    reasons: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return not self.reasons


def organisation_eligibility(
    campaign: Campaign, organisation, *, today: datetime.date | None = None
) -> Eligibility:
    """Whether ``organisation`` may submit to ``campaign`` on ``today``: it is live and in the
    organiser's jurisdiction, its status is one the call admits, it holds at least the call's
    grade, it is on no credit list (if the call says so), and it has been filed or registered
    for the call's number of full years."""
    today = today or timezone.localdate()
    result = Eligibility()
    reasons = result.reasons
    grade = current_grades([organisation.pk], on=today).get(organisation.pk)
    level = grade[0] if grade else None
    listing = (
        CreditListEntry.objects.filter(
            organisation=organisation, removed_on__isnull=True, listed_on__lte=today
        )
        .order_by("-listed_on", "-pk")
        .first()
    )
    in_register_since = organisation.filed_on or organisation.registered_on
    result.facts = {
        "checked_on": today.isoformat(),
        "organisation": organisation.name,
        "status": organisation.status,
        "community": organisation.community_id,
        "current_grade": level,
        "credit_list": listing.kind if listing else None,
        "in_register_since": in_register_since.isoformat() if in_register_since else None,
    }
    if not organisation.community.path.startswith(campaign.organiser.path):
        reasons.append(
            _("It is not in %(organiser)s, which runs this call.")
            % {"organiser": campaign.organiser.name}
        )
    statuses = campaign.eligible_statuses or sorted(OrgStatus.LIVE)
    if organisation.status == OrgStatus.EXITED:
        reasons.append(_("It has exited the register."))
    elif organisation.status not in statuses:
        reasons.append(
            _("The call admits %(admitted)s organisations; this one is %(status)s.")
            % {
                "admitted": "、".join(str(OrgStatus(s).label) for s in statuses),
                "status": organisation.get_status_display(),
            }
        )
    if campaign.min_grade and (level is None or level < campaign.min_grade):
        reasons.append(
            _("The call asks for a grade of %(grade)s or above; it holds %(held)s.")
            % {"grade": grade_label(campaign.min_grade), "held": grade_label(level)}
        )
    if campaign.exclude_credit_listed and listing is not None:
        reasons.append(
            _("It is on the %(list)s (since %(date)s).")
            % {"list": CreditListKind(listing.kind).label, "date": listing.listed_on}
        )
    if campaign.min_years:
        eligible_from = (
            add_years(in_register_since, campaign.min_years) if in_register_since else None
        )
        if eligible_from is None or eligible_from > today:
            reasons.append(
                _(
                    "The call asks for %(years)s full years in the register; it was filed or "
                    "registered on %(since)s."
                )
                % {"years": campaign.min_years, "since": in_register_since or "—"}
            )
    return result


def unit_eligibility(campaign: Campaign, unit, *, today: datetime.date | None = None):
    """Whether a department or division unit (``unit``, a division node) may submit."""
    today = today or timezone.localdate()
    result = Eligibility(facts={"checked_on": today.isoformat(), "unit": unit.code})
    if not campaign.allow_units:
        result.reasons.append(_("This call is open to social organisations only."))
    if not unit.path.startswith(campaign.organiser.path):
        result.reasons.append(
            _("%(unit)s is not in %(organiser)s, which runs this call.")
            % {"unit": unit.name, "organiser": campaign.organiser.name}
        )
    return result


# --- stages, participants and scores ----------------------------------------------------------


def result_stages(campaign: Campaign) -> list[Stage]:
    return [s for s in campaign.stages.order_by("position") if s.kind in StageKind.RESULT]


def shortlist_stage(campaign: Campaign) -> Stage | None:
    return campaign.stages.filter(shortlist=True).order_by("position").first()


def _entry_states(campaign: Campaign, as_of: datetime.datetime | None, category=None):
    """``[(entry id, category id, status, shortlisted)]`` now, or as they were at ``as_of``
    (one query; no ordering, so no joins)."""
    if as_of is None:
        rows = Entry.objects.filter(campaign=campaign)
        if category is not None:
            rows = rows.filter(category=category)
        return list(rows.order_by().values_list("pk", "category_id", "status", "shortlisted"))
    rows = Entry.history.as_of(as_of).filter(campaign_id=campaign.pk)
    if category is not None:
        rows = rows.filter(category_id=category.pk)
    return [(row.pk, row.category_id, row.status, row.shortlisted) for row in rows]


def participants(
    campaign: Campaign, *, stage: Stage | None = None, as_of=None, category=None
) -> dict[int, int]:
    """``{entry id: category id}`` of the entries that take part in ``stage`` (default: in the
    final results), of every category or of ``category``: submitted, and shortlisted if a
    shortlist stage comes before it."""
    cut_stage = shortlist_stage(campaign)
    needs_shortlist = cut_stage is not None and (
        stage is None or stage.position > cut_stage.position
    )
    return {
        pk: category_id
        for pk, category_id, status, shortlisted in _entry_states(campaign, as_of, category)
        if status == EntryStatus.SUBMITTED and (shortlisted or not needs_shortlist)
    }


@dataclass
class StageScore:
    """One entry's result at one stage: the aggregated score (None while too few sheets), the
    number of sheets, and how far apart the experts are."""

    value: Decimal | None
    sheets: int = 0
    spread: Decimal = Decimal("0")
    disagreement: bool = False
    scores: list = field(default_factory=list)


def valid_sheets(stage: Stage, as_of=None):
    """The sheets of ``stage`` that counted at ``as_of`` (default: now)."""
    sheets = ScoreSheet.objects.filter(stage=stage).order_by()
    if as_of is None:
        return sheets.filter(voided_at__isnull=True)
    return sheets.filter(submitted_at__lte=as_of).filter(
        Q(voided_at__isnull=True) | Q(voided_at__gt=as_of)
    )


def stage_scores(stage: Stage, entry_ids, *, as_of=None, category=None) -> dict[int, StageScore]:
    """The result of each entry of ``entry_ids`` at ``stage`` (one query; with ``category``,
    only that category's sheets are read)."""
    wanted = set(entry_ids)
    if stage.kind in StageKind.SCORED and scoring.summable(stage.aggregation, stage.trim_count):
        return _summed_scores(stage, wanted, as_of=as_of, category=category)
    if stage.kind in StageKind.SCORED:
        totals: dict[int, list[Decimal]] = defaultdict(list)
        sheets = valid_sheets(stage, as_of)
        if category is not None:
            sheets = sheets.filter(entry__category=category)
        for entry_id, total in sheets.values_list("entry_id", "total"):
            if entry_id in wanted:
                totals[entry_id].append(total)
        needed = scoring.minimum_for(stage.aggregation, stage.trim_count)
        found = {}
        for entry_id in wanted:
            values = totals.get(entry_id, [])
            if len(values) < needed:
                found[entry_id] = StageScore(None, sheets=len(values), scores=values)
                continue
            spread = scoring.spread(values)
            found[entry_id] = StageScore(
                scoring.aggregate(values, stage.aggregation, stage.trim_count),
                sheets=len(values),
                spread=spread,
                disagreement=spread > stage.disagreement_threshold,
                scores=sorted(values, reverse=True),
            )
        return found
    source = result_source(stage.kind)
    if source is None:
        return {entry_id: StageScore(None) for entry_id in wanted}
    values = source(stage, sorted(wanted), as_of=as_of)
    return {entry_id: StageScore(Decimal(values.get(entry_id, 0)), sheets=0) for entry_id in wanted}


#: a sheet's total in hundredths, as a whole number: sums of these are exact on every database
#: (SQLite keeps decimals as floating point)
_CENTS = Cast(Round(F("total") * 100), output_field=BigIntegerField())


def _summed_scores(stage: Stage, wanted: set, *, as_of=None, category=None) -> dict:
    """``stage_scores`` for a mean or a trimmed mean (one dropped at each end): the database
    groups the sheets per entry (count, sum, highest, lowest), so 50,000 sheets come back as
    10,000 rows."""
    sheets = valid_sheets(stage, as_of)
    if category is not None:
        sheets = sheets.filter(entry__category=category)
    rows = (
        sheets.values("entry_id")
        .annotate(n=Count("pk"), cents=Sum(_CENTS), high=Max(_CENTS), low=Min(_CENTS))
        .values_list("entry_id", "n", "cents", "high", "low")
    )
    needed = scoring.minimum_for(stage.aggregation, stage.trim_count)
    found = {}
    for entry_id, count, cents, high, low in rows:
        if entry_id not in wanted:
            continue
        if count < needed:
            found[entry_id] = StageScore(None, sheets=count)
            continue
        value = scoring.aggregate_sums(
            count,
            Decimal(cents) / 100,
            Decimal(high) / 100,
            Decimal(low) / 100,
            stage.aggregation,
            stage.trim_count,
        )
        spread = scoring.round_half_up((Decimal(high) - Decimal(low)) / 100)
        found[entry_id] = StageScore(
            value,
            sheets=count,
            spread=spread,
            disagreement=spread > stage.disagreement_threshold,
        )
    for entry_id in wanted - found.keys():
        found[entry_id] = StageScore(None)
    return found


@dataclass
class RankedEntry:
    entry_id: int
    category_id: int
    total: Decimal | None
    rank: int | None = None
    award: str = ""
    disagreement: bool = False
    breakdown: list = field(default_factory=list)
    missing: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "entry": self.entry_id,
            "total": None if self.total is None else str(self.total),
            "rank": self.rank,
        }


def _rank(rows: list[RankedEntry]) -> None:
    ranks = scoring.competition_ranks([(r.entry_id, r.total) for r in rows if r.total is not None])
    for row in rows:
        row.rank = ranks.get(row.entry_id)
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.entry_id))


def stage_ranking(stage: Stage, *, as_of=None, category=None) -> dict[int, list[RankedEntry]]:
    """``{category id: [entries ranked by their score at the stage]}`` of every category, or of
    ``category`` only."""
    taking_part = participants(stage.campaign, stage=stage, as_of=as_of, category=category)
    scores = stage_scores(stage, taking_part, as_of=as_of, category=category)
    by_category: dict[int, list[RankedEntry]] = defaultdict(list)
    label = stage.label  # translated once, not per entry
    for entry_id, category_id in taking_part.items():
        score = scores[entry_id]
        row = RankedEntry(entry_id, category_id, score.value, disagreement=score.disagreement)
        if score.value is None:
            row.missing.append(label)
        by_category[category_id].append(row)
    for rows in by_category.values():
        _rank(rows)
    return dict(by_category)


# --- results ----------------------------------------------------------------------------------


def formula_in_force(campaign: Campaign, as_of=None) -> ResultFormula | None:
    """The newest formula version published by ``as_of`` (default now)."""
    formulas = ResultFormula.objects.filter(campaign=campaign)
    if as_of is not None:
        formulas = formulas.filter(published_at__lte=as_of)
    return formulas.order_by("-version").first()


def current_cuts(campaign: Campaign, *, kind: str | None = None, as_of=None):
    """The cuts in force at ``as_of`` (default now)."""
    cuts = Cut.objects.filter(campaign=campaign)
    if kind:
        cuts = cuts.filter(kind=kind)
    if as_of is None:
        return cuts.filter(superseded_at__isnull=True)
    return cuts.filter(decided_at__lte=as_of).filter(
        Q(superseded_at__isnull=True) | Q(superseded_at__gt=as_of)
    )


@dataclass
class Results:
    """The ranking of every category by the formula, with each entry's breakdown."""

    formula: ResultFormula | None
    by_category: dict[int, list[RankedEntry]] = field(default_factory=dict)
    as_of: datetime.datetime | None = None

    @property
    def rows(self) -> list[RankedEntry]:
        return [row for rows in self.by_category.values() for row in rows]

    @property
    def incomplete(self) -> list[RankedEntry]:
        return [row for row in self.rows if row.missing]

    def row_for(self, entry_id: int) -> RankedEntry | None:
        for row in self.rows:
            if row.entry_id == entry_id:
                return row
        return None

    def totals(self) -> dict[int, str | None]:
        """``{entry id: total}`` (as text), to compare two computations exactly."""
        return {row.entry_id: None if row.total is None else str(row.total) for row in self.rows}


def compute_results(
    campaign: Campaign, *, formula: ResultFormula | None = None, as_of=None, category=None
) -> Results:
    """Rank the entries in the final results of every category by the results formula (the one
    in force at ``as_of`` unless given): each stage with a weight gives its raw results, which
    are normalised within the category and weighted; the total is rounded half-up to two places.
    An entry without a result at a weighted stage is listed with what it misses, unranked.
    Awards come from the cuts in force: top entries, then the shortlist. With ``category``, only
    that category is computed."""
    formula = formula or formula_in_force(campaign, as_of)
    results = Results(formula=formula, as_of=as_of)
    if formula is None:
        return results
    taking_part = participants(campaign, as_of=as_of, category=category)
    stages = [
        s
        for s in Stage.objects.filter(campaign=campaign).order_by("position")
        if s.kind in StageKind.RESULT and formula.weight_of(s.pk) > 0
    ]
    by_category_ids: dict[int, list[int]] = defaultdict(list)
    for entry_id, category_id in taking_part.items():
        by_category_ids[category_id].append(entry_id)
    rows = {
        entry_id: RankedEntry(entry_id, category_id, None)
        for entry_id, category_id in taking_part.items()
    }
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for stage in stages:
        weight = formula.weight_of(stage.pk)
        method = formula.normalisation_of(stage.pk)
        label, weight_text = stage.label, str(weight)  # once per stage, not per entry
        scores = stage_scores(stage, taking_part, as_of=as_of, category=category)
        for entry_ids in by_category_ids.values():
            raw = {pk: scores[pk].value for pk in entry_ids if scores[pk].value is not None}
            normalised = rules.normalise(raw, method)
            for pk in entry_ids:
                score = scores[pk]
                row = rows[pk]
                if score.value is None:
                    row.missing.append(label)
                    continue
                contribution = normalised[pk] * weight / rules.HUNDRED
                sums[pk] += contribution
                row.disagreement = row.disagreement or score.disagreement
                row.breakdown.append(
                    {
                        "stage": stage.pk,
                        "label": label,
                        "kind": stage.kind,
                        "raw": str(score.value),
                        "sheets": score.sheets,
                        "spread": str(score.spread),
                        "disagreement": score.disagreement,
                        "normalisation": method,
                        "normalised": str(scoring.round_half_up(normalised[pk])),
                        "weight": weight_text,
                        "contribution": str(scoring.round_half_up(contribution)),
                    }
                )
    top = set()
    for selected in current_cuts(campaign, kind=CutKind.TOP, as_of=as_of).values_list(
        "selected", flat=True
    ):
        top.update(selected)
    shortlisted = shortlist_stage(campaign) is not None
    for row in rows.values():
        if not row.missing:
            row.total = scoring.round_half_up(sums[row.entry_id])
        if row.entry_id in top:
            row.award = AwardKind.TOP
        elif shortlisted:
            row.award = AwardKind.SHORTLIST
    for category_id, entry_ids in by_category_ids.items():
        category_rows = [rows[pk] for pk in entry_ids]
        _rank(category_rows)
        results.by_category[category_id] = category_rows
    return results


def entry_diff(old_text: str, new_text: str) -> list[tuple[str, str]]:
    """The difference between two versions of a text as ``(op, text)`` pieces, op one of
    ``equal``, ``insert``, ``delete`` (character-level: Chinese has no spaces between words)."""
    import difflib

    matcher = difflib.SequenceMatcher(a=old_text, b=new_text, autojunk=False)
    pieces = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("equal", old_text[a1:a2]))
        else:
            if a2 > a1:
                pieces.append(("delete", old_text[a1:a2]))
            if b2 > b1:
                pieces.append(("insert", new_text[b1:b2]))
    return pieces


def expert_view(entry: Entry) -> dict:
    """What an assigned expert sees of an entry: its title, category and text, and, unless the
    campaign reviews blind, who submitted it and its pictures. Never the contact person or
    phone: experts have no use for them."""
    view = {
        "id": entry.pk,
        "title": entry.title,
        "category": entry.category.name,
        "text": entry.text,
        "characters": rules.count_characters(entry.text),
        "blind": entry.campaign.blind_review,
    }
    if not entry.campaign.blind_review:
        view["submitter"] = entry.submitter_name
        view["pictures"] = [
            {"id": p.pk, "name": p.name} for p in entry.pictures.order_by("position", "pk")
        ]
        view["attachments"] = [{"id": a.pk, "name": a.name} for a in entry.attachments.all()]
    return view


def may_see_picture(user, picture) -> bool:
    """Whether ``user`` may open a picture: whoever sees the entry in their jurisdiction, an
    expert assigned to it unless the review is blind, and anyone once it is in published
    results."""
    entry = picture.entry
    if entry.is_within(user):
        return True
    campaign = entry.campaign
    if _assigned_and_not_blind(user, entry):
        return True
    return campaign.is_public and entry.shortlisted


def may_see_attachment(user, attachment) -> bool:
    """Whether ``user`` may open an attachment: whoever sees the entry in their jurisdiction,
    and an expert assigned to it unless the review is blind. Published results show none."""
    entry = attachment.entry
    return entry.is_within(user) or _assigned_and_not_blind(user, entry)


def _assigned_and_not_blind(user, entry) -> bool:
    # the anonymous are no one's expert (and cannot be looked up as a user)
    if not user.is_authenticated or entry.campaign.blind_review:
        return False
    return entry.assignments.filter(expert__user=user).exists()


def final_run(campaign: Campaign):
    """The campaign's final results run, or None before the results are final."""
    return (
        ResultRun.objects.filter(campaign=campaign, kind=ResultRunKind.FINAL)
        .order_by("-computed_at", "-pk")
        .first()
    )


def public_results(campaign: Campaign) -> list[dict]:
    """The final results of a published campaign, as the public sees them."""
    run = final_run(campaign)
    if run is None:
        return []
    rows = (
        EntryResult.objects.filter(run=run)
        .select_related("entry__organisation", "entry__division", "category")
        .order_by("category__position", "rank", "entry_id")
    )
    return [
        {
            "category": row.category.name,
            "rank": row.rank,
            "title": row.entry.title,
            "submitter": row.entry.submitter_name,
            "total": row.total,
            "award": {
                "top": campaign.top_award,
                "shortlist": campaign.shortlist_award,
            }.get(row.award, ""),
        }
        for row in rows
    ]
