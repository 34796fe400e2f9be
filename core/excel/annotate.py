"""Annotated copies: the uploaded file back with a column of problems and, in a workbook, the
cells at fault filled red (openpyxl, so the file's own styles are kept)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.excel.errors import RowError, SpreadsheetError, column_letter
from core.excel.reading import open_spreadsheet
from core.excel.writing import csv_cell, set_cell, workbook_bytes


class AnnotationUnavailable(SpreadsheetError):
    """The file's rows were read, but no marked copy of it can be made."""


def annotate(
    data: bytes,
    *,
    sheet: str,
    header_row: int,
    errors: Iterable[RowError],
    heading: str,
) -> tuple[bytes, str]:
    """A copy of the uploaded file with a column of error messages (and, in a workbook, the
    cells at fault filled red). Returns the bytes and the file extension (.xlsx or .csv)."""
    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error.row or header_row, []).append(error)
    spreadsheet = open_spreadsheet(data)
    if spreadsheet.format == "csv":
        return _annotate_csv(spreadsheet, header_row, by_row, heading), ".csv"
    # openpyxl reads the whole sheet into memory: only a sheet within the upload limits
    # (rows, cells, sizes; ``SpreadsheetError`` otherwise) is handed to it.
    for name in spreadsheet.sheet_names:
        for _row in spreadsheet.rows(name):
            pass
    try:
        return _annotate_xlsx(data, sheet, header_row, by_row, heading), ".xlsx"
    except Exception:  # noqa: BLE001 (openpyxl fails on a damaged part in many ways)
        # The rows were readable, but openpyxl cannot open the workbook to mark them (a
        # damaged styles or drawing part, which the row reader never looks at).
        raise AnnotationUnavailable(
            _(
                "A copy of this workbook with the problems marked cannot be made: the file is "
                "damaged in a part Excel repairs on opening. The problems are listed on the "
                "result page; open the file in Excel, save it again and upload it again to "
                "get a marked copy."
            )
        ) from None


def _messages(errors: list[RowError]) -> str:
    return "\n".join(f"{e.column}：{e.message}" if e.column else e.message for e in errors)


def _annotate_csv(spreadsheet, header_row, by_row, heading) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for number, values in spreadsheet.rows("CSV"):
        cell = _messages(by_row.get(number, []))
        if number == header_row:
            cell = f"{heading}\n{cell}".strip()
        # Values as read (the CSV's formula guard taken off): guarded again as they are written.
        writer.writerow([*(csv_cell(v) for v in values), csv_cell(cell)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _annotate_xlsx(data, sheet, header_row, by_row, heading) -> bytes:
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
    column = worksheet.max_column + 1
    red = PatternFill("solid", fgColor="FFFDE2E1")
    title = set_cell(worksheet, header_row, column, heading)
    title.font = Font(bold=True, color="FFB3261E")
    worksheet.column_dimensions[column_letter(column - 1)].width = 60
    for number, errors in by_row.items():
        messages = _messages(errors)
        text = f"{heading}\n{messages}" if number == header_row else messages
        target = set_cell(worksheet, number, column, text)
        target.alignment = Alignment(wrap_text=True, vertical="top")
        target.font = Font(bold=number == header_row, color="FFB3261E")
        for error in errors:
            if error.column_index is not None:
                worksheet.cell(row=number, column=error.column_index + 1).fill = red
    return workbook_bytes(workbook, keep_formulas=True)  # the file's own formulas stay
