"""The vote's .xlsx files, through ``core.excel``: a batch of voting codes (the only time the
codes are shown), and the results per category (nothing but titles and counts; none while the
vote hides its results)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.excel import table_sheet, workbook_bytes
from core.excel.writing import SheetSpec, write_xlsx
from voting import selectors
from voting.models import CodeBatch, VoteStage


def codes_workbook(vote: VoteStage, batch: CodeBatch, codes: list[str]) -> bytes:
    """One sheet: the batch's codes, numbered (streamed: 40,000 codes in a few seconds)."""
    out = io.BytesIO()
    write_xlsx(
        out,
        [
            SheetSpec(
                title=_("Voting codes"),
                header=[_("No."), _("Voting code"), _("Vote"), _("Batch")],
                rows=(
                    [number, code, vote.title, batch.label or str(batch.pk)]
                    for number, code in enumerate(codes, start=1)
                ),
                widths=[8, 16, 40, 16],
                text_columns=[1],
            )
        ],
    )
    return out.getvalue()


def results_workbook(vote: VoteStage) -> bytes:
    """The results sheet: per category, each entry's votes and share, with and without the
    excluded windows. While the results are hidden it says so and gives no count."""
    found = selectors.results(vote)
    workbook = Workbook()
    if not found.visible:
        table_sheet(
            workbook,
            _("Results"),
            [(_("Public vote"), 40), (_("Results"), 60)],
            [[vote.title, _("The results are shown once the vote closes.")]],
            first=True,
        )
        return workbook_bytes(workbook)
    rows = []
    for category in found.categories:
        for row in category.entries:
            rows.append(
                [
                    category.name,
                    row.rank,
                    row.title,
                    row.votes,
                    float(row.share),
                    row.counted,
                    float(row.counted_share),
                ]
            )
    table_sheet(
        workbook,
        _("Results"),
        [
            (_("Category"), 24),
            (_("Rank"), 8),
            (_("Entry"), 48),
            (_("Votes"), 10),
            (_("Share (%)"), 10),
            (_("Votes without exclusions"), 14),
            (_("Share without exclusions (%)"), 14),
        ],
        rows,
        first=True,
    )
    table_sheet(
        workbook,
        _("Summary"),
        [(_("Item"), 30), (_("Value"), 20)],
        [
            [_("Voters"), found.voters],
            [_("Ballots"), found.ballots],
            [_("Excluded ballots"), found.excluded_ballots],
            [_("Computed at"), timezone.localtime().replace(tzinfo=None)],
        ],
    )
    return workbook_bytes(workbook)
