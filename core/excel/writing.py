"""Writing workbooks and CSV files: every workbook the project writes goes through here, so
that no text is ever taken by Excel for a formula.

* ``iter_xlsx`` / ``write_xlsx``: large sheets (ledger exports), streamed. The sheet XML is
  written straight into a zip stream (inline strings, data descriptors), so neither the rows nor
  the file are held in memory; inline strings are never formulas. openpyxl's write-only mode
  (without lxml) writes about 5,000 rows a second, a quarter of what an export needs.
* ``table_sheet`` / ``set_cell`` / ``workbook_bytes``: small styled workbooks built with openpyxl
  (templates, results, reports: several sheets, merged cells, data validation, comments).
  openpyxl stores a string starting with ``=`` as a formula and one such as ``#N/A`` as an
  error; ``set_cell`` and ``workbook_bytes`` write them as the text they are.
* ``iter_csv`` / ``csv_cell``: CSV for Excel (UTF-8 with BOM), a leading ``= + - @`` guarded by
  an apostrophe, which ``core.excel.reading`` takes off again.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from core.excel.cells import NO, YES
from core.excel.errors import column_letter
from core.excel.reading import CSV_GUARDED, EXCEL_EPOCH

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
STYLE_DATE, STYLE_DATETIME, STYLE_HEADER, STYLE_TEXT = 1, 2, 3, 4

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEEF2F7"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheetViews><sheetView workbookViewId="0"{selected}>{pane}</sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>'
)
_FROZEN = (
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
)


@dataclass
class SheetSpec:
    """One sheet for ``iter_xlsx``: a header row, column widths (characters), the indexes of
    columns Excel should treat as text, and the rows (any iterable, consumed lazily)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[float] = ()
    text_columns: Sequence[int] = ()
    freeze_header: bool = True
    auto_filter: bool = True
    written: int = 0


def sheet_title(title: str) -> str:
    return SHEET_NAME_FORBIDDEN.sub("_", title)[:31] or "Sheet1"


def _xml_text(value: str) -> str:
    return escape(_ILLEGAL_XML.sub("", value))


def _sheet_rows_xml(spec: SheetSpec, letters: list[str]) -> Iterator[str]:
    """The ``<row>`` elements of a sheet, as strings, header first."""
    header = "".join(
        f'<c r="{letters[i]}1" s="{STYLE_HEADER}" t="inlineStr"><is><t>{_xml_text(str(h))}</t>'
        "</is></c>"
        for i, h in enumerate(spec.header)
    )
    yield f'<row r="1">{header}</row>'
    date_type, datetime_type = datetime.date, datetime.datetime
    number = 1
    for number, values in enumerate(spec.rows, start=2):
        cells = []
        append = cells.append
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = letters[i] + str(number)
            kind = type(value)
            if kind is str:
                append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{_xml_text(value)}</t></is></c>"
                )
            elif kind is bool:
                append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif kind is int or kind is float or kind is Decimal:
                append(f'<c r="{ref}"><v>{value}</v></c>')
            elif kind is date_type:
                serial = (value - EXCEL_EPOCH.date()).days
                append(f'<c r="{ref}" s="{STYLE_DATE}"><v>{serial}</v></c>')
            elif kind is datetime_type:
                if value.tzinfo is not None:
                    value = value.replace(tzinfo=None)
                delta = value - EXCEL_EPOCH
                serial = delta.days + delta.seconds / 86400
                append(f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{serial}</v></c>')
            else:
                append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{_xml_text(str(value))}</t></is></c>"
                )
        yield f'<row r="{number}">{"".join(cells)}</row>'
    spec.written = number - 1


class _Sink:
    """A write-only file for ``zipfile`` that hands out what was written so far."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self):
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def iter_xlsx(sheets: Sequence[SheetSpec], *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """An .xlsx workbook as a stream of bytes, written while the rows are read, for a
    ``StreamingHttpResponse`` or a file. Memory stays flat: rows are not kept, strings are
    inline, and the zip is written without seeking (data descriptors). Header frozen,
    auto-filter on, column widths set, dates as real date cells."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(
                sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))
            ),
        )
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        yield sink.take()
        for n, spec in enumerate(sheets, start=1):
            width = max(len(spec.header), len(spec.widths), 1)
            letters = [column_letter(i) for i in range(max(width, 1) + 64)]
            cols = "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"'
                + (f' style="{STYLE_TEXT}"' if i in spec.text_columns else "")
                + "/>"
                for i, w in enumerate(spec.widths)
            )
            head = _SHEET_HEAD.format(
                selected=' tabSelected="1"' if n == 1 else "",
                pane=_FROZEN if spec.freeze_header else "",
                cols=f"<cols>{cols}</cols>" if cols else "",
            )
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                part.write(head.encode())
                batch: list[str] = []
                for row in _sheet_rows_xml(spec, letters):
                    batch.append(row)
                    if len(batch) >= rows_per_chunk:
                        part.write("".join(batch).encode())
                        batch.clear()
                        yield sink.take()
                part.write("".join(batch).encode())
                tail = "</sheetData>"
                if spec.auto_filter and spec.header:
                    last = letters[len(spec.header) - 1]
                    tail += f'<autoFilter ref="A1:{last}{spec.written + 1}"/>'
                part.write((tail + "</worksheet>").encode())
            yield sink.take()
        names = "".join(
            f'<sheet name="{escape(sheet_title(spec.title), {chr(34): "&quot;"})}" '
            f'sheetId="{n}" r:id="rId{n}"/>'
            for n, spec in enumerate(sheets, start=1)
        )
        defined = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n - 1}" hidden="1">'
            f"'{escape(sheet_title(spec.title).replace(chr(39), chr(39) * 2))}'!$A$1:"
            f"${column_letter(len(spec.header) - 1)}${spec.written + 1}</definedName>"
            for n, spec in enumerate(sheets, start=1)
            if spec.auto_filter and spec.header
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<workbookPr/><bookViews><workbookView/></bookViews><sheets>{names}</sheets>"
            + (f"<definedNames>{defined}</definedNames>" if defined else "")
            + "</workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        styles_rel = (
            f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}{styles_rel}</Relationships>",
        )
    yield sink.take()


def write_xlsx(fileobj, sheets: Sequence[SheetSpec]) -> int:
    """Write ``iter_xlsx`` to a binary file; returns the number of data rows written."""
    for chunk in iter_xlsx(sheets):
        fileobj.write(chunk)
    return sum(spec.written for spec in sheets)


class _Echo:
    def write(self, value):
        return value


def csv_cell(value) -> str:
    """A value as CSV text that Excel reads back as the same text (and never as a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text and text[0] in CSV_GUARDED:
        return "'" + text
    return text


def iter_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV lines for a ``StreamingHttpResponse``: UTF-8 with a BOM so Excel opens Chinese text
    correctly; values that would start a formula are prefixed with an apostrophe."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(h) for h in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


# --- styled workbooks (openpyxl) ------------------------------------------------------------

HEADER_FILL = "FFEEF2F7"
DATE_FORMAT = "yyyy-mm-dd"


def _keep_text(cell) -> None:
    """A string openpyxl took for a formula (``=…``) or an error value (``#N/A``) becomes the
    text it is, shown with Excel's text prefix so that editing the cell keeps it text."""
    if cell.data_type in ("f", "e") and isinstance(cell.value, str):
        cell.data_type = "s"
        cell.quotePrefix = True


def _writable(value):
    """A value openpyxl accepts: text loses the control characters XML cannot carry (openpyxl
    refuses them with ``IllegalCharacterError``; the streaming writer drops them the same way)."""
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


def set_cell(sheet, row: int, column: int, value=None):
    """``sheet.cell(row=…, column=…, value=…)`` (1-based), with text always written as text."""
    cell = sheet.cell(row=row, column=column)
    cell.value = _writable(value)
    _keep_text(cell)
    return cell


def append_row(sheet, values: Sequence) -> None:
    """``sheet.append(values)``, with text always written as text."""
    sheet.append([_writable(value) for value in values])
    for cell in sheet[sheet.max_row]:
        _keep_text(cell)


def table_sheet(
    workbook,
    title: str,
    columns: Sequence[tuple[str, float]],
    rows: Iterable[Sequence],
    *,
    first: bool = False,
):
    """A sheet of a table in an openpyxl workbook: the header row (bold, shaded, frozen),
    column widths (``columns`` are ``(header, width)``), the rows, dates formatted as dates and
    an auto-filter over everything. ``first`` uses the workbook's initial sheet."""
    from openpyxl.styles import Font, PatternFill

    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = sheet_title(title)
    append_row(sheet, [name for name, _width in columns])
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    for index, (_name, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = fill
        sheet.column_dimensions[column_letter(index - 1)].width = width
    for row in rows:
        append_row(sheet, row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if hasattr(cell.value, "isoformat"):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    return sheet


def workbook_bytes(workbook, *, keep_formulas: bool = False) -> bytes:
    """An openpyxl workbook saved as the bytes of an .xlsx file. The project writes values,
    never formulas: unless ``keep_formulas`` (an uploaded workbook handed back, whose own
    formulas stay), every cell openpyxl would write as a formula or an error value is written
    as its text."""
    if not keep_formulas:
        for sheet in workbook.worksheets:
            # The cells that exist (iter_rows would create every empty one in the range).
            for cell in getattr(sheet, "_cells", {}).values():
                _keep_text(cell)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
