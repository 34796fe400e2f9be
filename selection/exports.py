"""Results and scores of a campaign as a real .xlsx workbook (through ``core.excel``, which
writes every text as text, never as a formula): one sheet of results per category with the
breakdown per stage, and one sheet of every score sheet. Submitters by name; no personal data."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.excel import table_sheet, workbook_bytes
from grading.models import Expert
from selection import selectors
from selection.choices import AwardKind
from selection.models import Campaign, Entry, ScoreSheet, Stage


def _award_label(campaign: Campaign, award: str) -> str:
    if award == AwardKind.TOP:
        return campaign.top_award
    if award == AwardKind.SHORTLIST:
        return campaign.shortlist_award
    return ""


def results_workbook(campaign: Campaign, *, as_of=None, include_scores: bool = True) -> bytes:
    """The results of every category as computed now (or at ``as_of``), and the sheets."""
    results = selectors.compute_results(campaign, as_of=as_of)
    stages = [
        s
        for s in Stage.objects.filter(campaign=campaign).order_by("position")
        if results.formula is not None and results.formula.weight_of(s.pk) > 0
    ]
    entries = {
        e.pk: e
        for e in Entry.objects.filter(pk__in=[r.entry_id for r in results.rows]).select_related(
            "organisation", "division"
        )
    }
    workbook = Workbook()
    columns = [
        (_("Rank"), 8),
        (_("Title"), 40),
        (_("Submitted by"), 30),
        (_("Total"), 10),
        (_("Award"), 14),
        (_("Experts disagree widely"), 12),
    ]
    for stage in stages:
        columns += [
            (f"{stage.label} · {_('raw result')}", 14),
            (f"{stage.label} · {_('weight')} %", 10),
            (f"{stage.label} · {_('contribution')}", 14),
        ]
    first = True
    for category in campaign.categories.order_by("position"):
        rows = []
        for row in results.by_category.get(category.pk, []):
            entry = entries[row.entry_id]
            by_stage = {b["stage"]: b for b in row.breakdown}
            values = [
                row.rank,
                entry.title,
                entry.submitter_name,
                row.total,
                _award_label(campaign, row.award),
                _("yes") if row.disagreement else "",
            ]
            for stage in stages:
                part = by_stage.get(stage.pk)
                values += (
                    [part["raw"], part["weight"], part["contribution"]] if part else ["", "", ""]
                )
            rows.append(values)
        table_sheet(workbook, category.name, columns, rows, first=first)
        first = False
    if first:
        table_sheet(workbook, _("Results"), columns, [], first=True)
    if include_scores:
        experts = dict(
            Expert.objects.filter(selection_sheets__stage__campaign=campaign)
            .values_list("pk", "name")
            .distinct()
        )
        titles = {e.pk: e.title for e in Entry.objects.filter(campaign=campaign)}
        criteria = defaultdict(dict)
        for stage in Stage.objects.filter(campaign=campaign).prefetch_related("criteria"):
            criteria[stage.pk] = {c.code: c.name for c in stage.criteria.all()}
        sheet_rows = []
        sheets = ScoreSheet.objects.filter(stage__campaign=campaign).select_related("stage")
        for sheet in sheets.order_by("stage__position", "entry_id", "expert_id", "submitted_at"):
            sheet_rows.append(
                [
                    sheet.stage.label,
                    titles.get(sheet.entry_id, ""),
                    experts.get(sheet.expert_id, ""),
                    "；".join(
                        f"{criteria[sheet.stage_id].get(code, code)} {value}"
                        for code, value in sheet.points.items()
                    ),
                    sheet.total,
                    timezone.localtime(sheet.submitted_at).replace(tzinfo=None),
                    _("void: %(why)s") % {"why": sheet.void_reason} if sheet.voided_at else "",
                ]
            )
        table_sheet(
            workbook,
            _("Score sheets"),
            [
                (_("Stage"), 14),
                (_("Entry"), 40),
                (_("Expert"), 14),
                (_("Points"), 50),
                (_("Total"), 10),
                (_("Submitted at"), 18),
                (_("Note"), 30),
            ],
            sheet_rows,
        )
    return workbook_bytes(workbook)
