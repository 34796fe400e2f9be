"""Workbooks of the support programmes: a community fund's statement (money in, goods at their
value, grants out, the running money balance)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.excel import set_cell, table_sheet, workbook_bytes
from support.selectors import FundStatement

MONEY_FORMAT = "#,##0.00"
#: the language of the workbook's headers: the clerks' language
WORKBOOK_LANGUAGE = "zh-hans"


def fund_statement_xlsx(statement: FundStatement) -> bytes:
    """The statement as an .xlsx file: one line per donation and grant, then the totals."""
    with translation.override(WORKBOOK_LANGUAGE):
        workbook = Workbook()
        lines = [
            (
                line.day,
                _("Donation") if line.kind == "donation" else _("Grant"),
                line.description,
                line.money_in,
                line.in_kind,
                line.money_out,
                line.balance,
            )
            for line in statement.lines
        ]
        sheet = table_sheet(
            workbook,
            _("Statement"),
            [
                (_("Date"), 12),
                (_("Entry"), 10),
                (_("Details"), 44),
                (_("Money in (yuan)"), 16),
                (_("Goods in kind (yuan)"), 16),
                (_("Granted out (yuan)"), 16),
                (_("Balance (yuan)"), 16),
            ],
            [
                (
                    statement.start,
                    _("Opening balance"),
                    statement.fund.name,
                    None,
                    None,
                    None,
                    statement.opening,
                ),
                *lines,
            ],
            first=True,
        )
        total_row = sheet.max_row + 1
        set_cell(sheet, total_row, 2, _("Totals"))
        set_cell(sheet, total_row, 4, statement.total_in)
        set_cell(sheet, total_row, 5, statement.total_in_kind)
        set_cell(sheet, total_row, 6, statement.total_out)
        set_cell(sheet, total_row, 7, statement.closing)
        for row in sheet.iter_rows(min_row=2, min_col=4, max_col=7):
            for cell in row:
                cell.number_format = MONEY_FORMAT
        notes = workbook.create_sheet(_("About")[:31])
        for label, value in (
            (_("Fund"), statement.fund.name),
            (_("Node"), statement.fund.division.name),
            (_("From"), statement.start),
            (_("To"), statement.end),
            (_("Closing money balance (yuan)"), statement.closing),
        ):
            notes.append([label, value])
        return workbook_bytes(workbook)
