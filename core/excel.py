"""Excel and CSV plumbing shared by every ledger: reading workbooks as Excel really stores them,
matching headers, turning cells into values (with an error that says what is wrong), streaming
.xlsx and CSV writers, and error-annotated copies of an uploaded file. Nothing domain-specific.

Why our own .xlsx reader and writer: openpyxl (without lxml) reads about 4,000 and writes about
5,000 rows a second in read-only / write-only mode, which is slower than the database work of an
import. ``XlsxSpreadsheet.rows`` cuts the sheet into rows and cells with ``str.split`` and one
``findall`` per row (expat reads only the small parts: workbook, styles) and ``iter_xlsx`` writes
the sheet XML directly into a streamed zip; openpyxl is still used for templates (data
validation, several styled sheets) and for annotated copies, where files are small or the case
is rare.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _

from core.validators import normalise_code, normalise_text

# --- errors ---------------------------------------------------------------------------------


class CellValueError(ValueError):
    """A cell that can't be read as what its column holds; the message says why."""

    def __init__(self, message: str):
        self.message = str(message)
        super().__init__(self.message)


class SpreadsheetError(Exception):
    """The file as a whole can't be read (not a spreadsheet, no data, …)."""

    def __init__(self, message: str):
        self.message = str(message)
        super().__init__(self.message)


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (as Excel numbers it), the column header as written in
    the file (empty for a whole row or the whole file) and the reason."""

    row: int
    column: str
    message: str
    column_index: int | None = None

    def __str__(self) -> str:
        if self.row and self.column:
            return _("Row %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        if self.column:
            return _("Column %(column)s: %(message)s") % {
                "column": self.column,
                "message": self.message,
            }
        return self.message

    @property
    def letter(self) -> str:
        return column_letter(self.column_index) if self.column_index is not None else ""

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "column_index": self.column_index,
        }


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 0, AA → 26."""
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number - 1


#: progress callback: (phase, done, total or None)
Progress = Callable[[str, int, int | None], None]


# --- reading --------------------------------------------------------------------------------

MAX_ROWS = 200_000
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
EXCEL_EPOCH_1904 = datetime.datetime(1904, 1, 1)
# Built-in number formats that are dates, including the East Asian ones Chinese Excel uses
# (27-36, 50-58: yyyy"年"m"月"d"日" and friends), which openpyxl doesn't list.
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_DATE_CODE = re.compile(r"\[[^\]]*\]|\"[^\"]*\"|\\.")


def _is_date_format(code: str) -> bool:
    code = _DATE_CODE.sub("", code).lower()
    return any(ch in code for ch in "ymdhs") and "general" not in code


class Spreadsheet:
    """An uploaded .xlsx or .csv file: its sheet names and, for one sheet, its rows.

    Rows come as ``(row number, tuple of values)``; values are ``None``, ``str``, ``int``,
    ``float``, ``bool`` or ``datetime.datetime`` (cells with a date format), as stored.
    """

    format: str = ""
    sheet_names: list[str]

    def rows(self, sheet: str) -> Iterator[tuple[int, tuple]]:
        raise NotImplementedError

    def row_estimate(self, sheet: str) -> int | None:
        return None


def open_spreadsheet(source, filename: str = "") -> Spreadsheet:
    """Open an .xlsx workbook or a CSV file (UTF-8, with or without BOM, or GB18030 as Chinese
    Excel saves it), telling them apart by content, not by the name. ``SpreadsheetError`` says
    why a file can't be read."""
    data = source if isinstance(source, bytes) else _read_all(source)
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return XlsxSpreadsheet(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SpreadsheetError(
            _(
                "This is an old Excel 97-2003 workbook (.xls) or a password-protected one. "
                "Open it in Excel, remove any password and save it as an .xlsx workbook."
            )
        )
    return CsvSpreadsheet(data)


def _read_all(fileobj) -> bytes:
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    return fileobj.read()


class CsvSpreadsheet(Spreadsheet):
    format = "csv"

    def __init__(self, data: bytes):
        self.text = self._decode(data)
        if "\x00" in self.text[:4096] or _looks_binary(self.text[:4096]):
            raise SpreadsheetError(
                _("This file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file.")
            )
        self.sheet_names = ["CSV"]

    @staticmethod
    def _decode(data: bytes) -> str:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise SpreadsheetError(
                _("This file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file.")
            ) from None

    def rows(self, sheet: str = "CSV") -> Iterator[tuple[int, tuple]]:
        reader = csv.reader(io.StringIO(self.text, newline=""))
        try:
            for number, record in enumerate(reader, start=1):
                yield number, tuple(_uncsv(value) for value in record)
        except csv.Error as error:
            raise SpreadsheetError(
                _("The CSV file can't be read: %(error)s") % {"error": error}
            ) from None

    def row_estimate(self, sheet: str = "CSV") -> int | None:
        return self.text.count("\n") + 1


def _looks_binary(sample: str) -> bool:
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > max(3, len(sample) // 100)


_CSV_GUARDED = ("=", "+", "-", "@", "\t", "\r")


def _uncsv(value: str) -> str | None:
    if value == "":
        return None
    # Our CSV exports put a ' before a leading = + - @ so Excel doesn't run it as a formula.
    if len(value) > 1 and value[0] == "'" and value[1] in _CSV_GUARDED:
        return value[1:]
    return value


class XlsxSpreadsheet(Spreadsheet):
    """An .xlsx workbook read with expat: shared strings, inline strings, numbers, booleans,
    dates (by number format, 1900 and 1904 systems), formula results; namespaces ignored."""

    format = "xlsx"

    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            names = set(self.zip.namelist())
        except (zipfile.BadZipFile, OSError):
            raise SpreadsheetError(
                _("This file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file.")
            ) from None
        if "xl/workbook.xml" not in names:
            raise SpreadsheetError(
                _(
                    "This is a zip file but not an Excel workbook: upload an Excel workbook "
                    "(.xlsx) or a CSV file."
                )
            )
        try:
            self._read_workbook(names)
            self.shared = self._read_shared_strings(names)
            self.date_styles = self._read_styles(names)
        except (expat.ExpatError, KeyError, ValueError, zipfile.BadZipFile) as error:
            raise SpreadsheetError(
                _("The workbook is damaged and can't be read (%(error)s).") % {"error": error}
            ) from None

    # workbook.xml and its relationships: sheet name -> part path
    def _read_workbook(self, names: set[str]):
        sheets: list[tuple[str, str]] = []
        self.date1904 = False

        def start(name, attrs):
            local = name.rpartition(":")[2]
            if local == "sheet":
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
                sheets.append((attrs.get("name", ""), rid))
            elif local == "workbookPr":
                self.date1904 = attrs.get("date1904", "0").lower() in ("1", "true")

        _parse(self.zip.read("xl/workbook.xml"), start)
        targets: dict[str, str] = {}

        def rel(name, attrs):
            if name.rpartition(":")[2] == "Relationship":
                targets[attrs.get("Id")] = attrs.get("Target", "")

        if "xl/_rels/workbook.xml.rels" in names:
            _parse(self.zip.read("xl/_rels/workbook.xml.rels"), rel)
        self.sheet_paths: dict[str, str] = {}
        for index, (title, rid) in enumerate(sheets, start=1):
            target = targets.get(rid, f"worksheets/sheet{index}.xml")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if path in names:
                self.sheet_paths[title] = path
        self.sheet_names = list(self.sheet_paths)

    def _read_shared_strings(self, names: set[str]) -> list[str]:
        if "xl/sharedStrings.xml" not in names:
            return []
        text = self.zip.read("xl/sharedStrings.xml").decode("utf-8")
        strings = []
        for body in _SHARED.findall(text):
            if "<rPh" in body or ":rPh" in body:
                body = _PHONETIC.sub("", body)
            value = "".join(_TEXT.findall(body))
            strings.append(_unescape(value) if "&" in value else value)
        return strings

    def _read_styles(self, names: set[str]) -> frozenset[int]:
        """Indexes of the cell formats (``s`` attribute) that display a date."""
        if "xl/styles.xml" not in names:
            return frozenset()
        custom: dict[int, str] = {}
        xfs: list[int] = []
        state = {"cell_xfs": False}

        def start(name, attrs):
            local = name.rpartition(":")[2]
            if local == "numFmt":
                custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                state["cell_xfs"] = True
            elif local == "xf" and state["cell_xfs"]:
                xfs.append(int(attrs.get("numFmtId", "0")))

        def end(name):
            if name.rpartition(":")[2] == "cellXfs":
                state["cell_xfs"] = False

        _parse(self.zip.read("xl/styles.xml"), start, end)
        dates = set()
        for index, fmt in enumerate(xfs):
            if fmt in custom:
                if _is_date_format(custom[fmt]):
                    dates.add(index)
            elif fmt in DATE_FORMAT_IDS:
                dates.add(index)
        return frozenset(dates)

    def row_estimate(self, sheet: str) -> int | None:
        path = self.sheet_paths.get(sheet)
        if path is None:
            return None
        with self.zip.open(path) as handle:
            head = handle.read(4096).decode("utf-8", errors="ignore")
        match = re.search(r"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+:?[A-Z]*(\d*)\"", head)
        return int(match.group(1)) if match and match.group(1) else None

    def rows(self, sheet: str) -> Iterator[tuple[int, tuple]]:
        """The sheet's rows as stored, streamed: the part is decompressed and decoded in blocks
        and cut into rows with ``str.split``; a row whose cells are all of the usual plain
        forms is converted from one ``findall`` of ``_PLAIN_CELL`` (in C), any other row cell by
        cell with ``str.find`` (an XML parser's per-element callbacks cost more than the whole
        import's database work). Sheets whose tags carry a namespace prefix (``<x:row>``) go
        through the slower regular-expression path."""
        path = self.sheet_paths[sheet]
        convert = _CellConverter(self.shared, self.date_styles, self.date1904)
        decoder = codecs.getincrementaldecoder("utf-8")()
        buffer = ""
        number = 0
        prefixed = None
        try:
            with self.zip.open(path) as handle:
                while True:
                    block = handle.read(1 << 20)
                    buffer += decoder.decode(block, final=not block)
                    if prefixed is None:
                        prefixed = bool(re.search(r"<[A-Za-z_][\w.-]*:(?:row|c)\b", buffer))
                    # Only complete rows: up to the end of the last closing row tag.
                    cut = _last_row_end(buffer) if block else len(buffer)
                    chunk, buffer = buffer[:cut], buffer[cut:]
                    rows = _rows_by_pattern(chunk) if prefixed else _rows_by_split(chunk)
                    for found, body in rows:
                        number = found or number + 1
                        if body:
                            values = convert.row(body, prefixed)
                            if values:
                                yield number, values
                    if not block:
                        break
        except (zipfile.BadZipFile, ValueError, IndexError, KeyError, OSError) as error:
            raise SpreadsheetError(
                _("The workbook is damaged and can't be read (%(error)s).") % {"error": error}
            ) from None


def _attr(head: str, name: str) -> str | None:
    """An attribute's value from a start tag's text (both quote styles)."""
    for quote in "\"'":
        index = head.find(f" {name}={quote}")
        if index >= 0:
            start = index + len(name) + 3
            return head[start : head.index(quote, start)]
    if f"{name}=" in head:  # unusual spacing: let the pattern decide
        found = re.search(rf"(?:^|\s){name}\s*=\s*[\"']([^\"']*)", head)
        return found.group(1) if found else None
    return None


def _rows_by_split(chunk: str) -> Iterator[tuple[int, str]]:
    for piece in chunk.split("<row")[1:]:
        if piece[:1] not in (" ", ">", "/", "\t", "\n", "\r"):
            continue  # <rowBreaks> and the like
        end = piece.find(">")
        head = piece[:end]
        number = _attr(head, "r")
        if head.endswith("/"):
            yield (int(number) if number else 0), ""
            continue
        close = piece.rfind("</row>")
        yield (int(number) if number else 0), piece[end + 1 : close if close >= 0 else None]


def _rows_by_pattern(chunk: str) -> Iterator[tuple[int, str]]:
    for attrs, body in _ROW.findall(chunk):
        found = _ROW_NUMBER.search(attrs)
        yield (int(found.group(1)) if found else 0), body


class _CellConverter:
    """Cell XML to Python values: shared and inline strings, numbers, booleans, dates."""

    def __init__(self, shared: list[str], date_styles, date1904: bool):
        self.shared = shared
        self.date_styles = {str(index) for index in date_styles}
        self.epoch = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH
        self.columns: dict[str, int] = {}
        self.dates: dict[Any, datetime.datetime] = {}  # a ledger repeats its dates

    def row(self, body: str, prefixed: bool) -> tuple:
        if prefixed:
            return self._row_by_pattern(body)
        found = _PLAIN_CELL.findall(body)
        if len(found) == body.count("<c"):
            values = self._plain_row(found)
            if values is not None:
                return values
        cells: dict[int, Any] = {}
        columns, shared, date_styles = self.columns, self.shared, self.date_styles
        next_col = 0
        # The usual form, written by Excel, WPS, LibreOffice and openpyxl alike:
        # <c r="B2" s="1" t="s"><v>3</v></c>; anything else goes through _attr / patterns.
        for piece in body.split("<c")[1:]:
            if piece[:1] not in (" ", ">", "/", "\t", "\n", "\r"):
                continue
            end = piece.find(">")
            head = piece[:end]
            i = head.find(' r="')
            ref = head[i + 4 : head.find('"', i + 4)] if i >= 0 else _attr(head, "r")
            if ref:
                letters = ref.rstrip("0123456789")
                col = columns.get(letters)
                if col is None:
                    col = columns[letters] = column_index(letters)
            else:
                col = next_col
            next_col = col + 1
            if head.endswith("/"):
                continue
            i = head.find(' t="')
            kind = head[i + 4 : head.find('"', i + 4)] if i >= 0 else (_attr(head, "t") or "n")
            if kind == "inlineStr":
                close = piece.rfind("</c>")
                inner = piece[end + 1 : close if close >= 0 else None]
                if "rPh" in inner or "<r>" in inner:
                    text = "".join(_TEXT.findall(_PHONETIC.sub("", inner)))
                else:
                    text = _text(inner)
                cells[col] = _unescape(text) if "&" in text else text
                continue
            start = piece.find("<v>", end)
            if start < 0:
                value = self.value(head, piece[end + 1 :], True)
                if value is not None:
                    cells[col] = value
                continue
            raw = piece[start + 3 : piece.find("</v>", start)]
            if kind == "n":
                if not raw:
                    continue
                value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                i = head.find(' s="')
                if i >= 0 and head[i + 4 : head.find('"', i + 4)] in date_styles:
                    value = self._date(value)
                cells[col] = value
            elif kind == "s":
                cells[col] = shared[int(raw)]
            else:
                cells[col] = self.value(head, piece[end + 1 :], True)
        if not cells:
            return ()
        values = [None] * (max(cells) + 1)
        for index, value in cells.items():
            values[index] = value
        return tuple(values)

    def _plain_row(self, found: list[tuple]) -> tuple | None:
        """A row whose every cell is of the plain kinds ``_PLAIN_CELL`` matches, converted
        from the pattern's groups; None for a cell of another type (the general path then)."""
        columns, shared, date_styles = self.columns, self.shared, self.date_styles
        cells: dict[int, Any] = {}
        for letters, style, kind, style_after, empty, raw, text in found:
            col = columns.get(letters)
            if col is None:
                col = columns[letters] = column_index(letters)
            if empty:
                continue
            if kind == "inlineStr":
                cells[col] = text
            elif kind == "s":
                if raw:
                    cells[col] = shared[int(raw)]
            elif kind in ("n", ""):
                if not raw:
                    continue
                value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                if (style or style_after) in date_styles:
                    value = self._date(value)
                cells[col] = value
            else:
                return None
        if not cells:
            return ()
        values = [None] * (max(cells) + 1)
        for index, value in cells.items():
            values[index] = value
        return tuple(values)

    def _row_by_pattern(self, body: str) -> tuple:
        cells: dict[int, Any] = {}
        next_col = 0
        for head, inner in _CELL.findall(body):
            ref = _attr(head, "r")
            if ref:
                letters = ref.rstrip("0123456789")
                col = self.columns.get(letters)
                if col is None:
                    col = self.columns[letters] = column_index(letters)
            else:
                col = next_col
            next_col = col + 1
            if inner:
                value = self.value(head, inner, True)
                if value is not None:
                    cells[col] = value
        if not cells:
            return ()
        values = [None] * (max(cells) + 1)
        for index, value in cells.items():
            values[index] = value
        return tuple(values)

    def _date(self, serial) -> datetime.datetime:
        found = self.dates.get(serial)
        if found is None:
            found = self._convert_date(serial)
            if len(self.dates) < 100_000:
                self.dates[serial] = found
        return found

    def _convert_date(self, serial) -> datetime.datetime:
        value = self.epoch + datetime.timedelta(days=float(serial))
        # Round away float noise below a second (Excel stores fractions of days).
        return value.replace(microsecond=0) + datetime.timedelta(
            seconds=round(value.microsecond / 1e6)
        )

    def value(self, head: str, inner: str, prefixed: bool):
        """One cell's value by the general (slower) path."""
        kind = _attr(head, "t") or "n"
        if kind == "inlineStr":
            if "rPh" in inner:
                inner = _PHONETIC.sub("", inner)
            text = "".join(_TEXT.findall(inner))
            return _unescape(text) if "&" in text else text
        found = _VALUE.search(inner)
        if found is None:
            return None
        raw = found.group(1)
        if kind == "n":
            if not raw:
                return None
            value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
            style = _attr(head, "s")
            return self._date(value) if style in self.date_styles else value
        if kind == "s":
            return self.shared[int(raw)]
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return datetime.datetime.fromisoformat(raw.replace("Z", ""))
        # str (a formula's text result), e (an error such as #N/A)
        return _unescape(raw) if "&" in raw else raw


def _text(inner: str) -> str:
    """The text of a plain inline string: ``<is><t>…</t></is>``."""
    start = inner.find("<t")
    if start < 0:
        return ""
    start = inner.find(">", start)
    if inner[start - 1] == "/":
        return ""
    return inner[start + 1 : inner.find("</t>", start)]


# Patterns for the parts of a workbook that can be large (sheets, shared strings). Any
# namespace prefix is allowed (x:row); attributes in either quote style.
_P = r"(?:[A-Za-z_][\w.-]*:)?"
_ROW = re.compile(rf"<{_P}row\b([^>]*?)(?:/>|>(.*?)</{_P}row>)", re.S)
_ROW_NUMBER = re.compile(r"\br\s*=\s*[\"']?(\d+)")
_CELL = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.S)
_CELL_REF = re.compile(r"\br\s*=\s*[\"']([A-Z]+)")
_CELL_TYPE = re.compile(r"\bt\s*=\s*[\"'](\w+)")
_CELL_STYLE = re.compile(r"\bs\s*=\s*[\"'](\d+)")
_VALUE = re.compile(rf"<{_P}v(?:\s[^>]*)?>(.*?)</{_P}v>", re.S)
_TEXT = re.compile(rf"<{_P}t(?:\s[^>]*)?>(.*?)</{_P}t>", re.S)
_PHONETIC = re.compile(rf"<{_P}rPh\b.*?</{_P}rPh>", re.S)
_SHARED = re.compile(rf"<{_P}si\b[^>]*?(?:/>|>(.*?)</{_P}si>)", re.S)
# The cells Excel, WPS, openpyxl and our exports write most: <c r="B2" s="1" t="s"><v>3</v></c>,
# a plain inline string (spaces preserved or not), an empty cell; no entity, no other attribute.
# A row of only these (counted against its "<c") is converted from one findall, in C; any other
# row takes the general path.
_PLAIN_CELL = re.compile(
    r'<c r="([A-Z]+)\d*"(?: s="(\d+)")?(?: t="(\w+)")?(?: s="(\d+)")?'
    r'(?:(/)>|>(?:<v>([^<&]*)</v>|<is><t(?: xml:space="preserve")?>([^<&]*)</t></is>)?</c>)'
)
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _last_row_end(buffer: str) -> int:
    index = buffer.rfind("row>")
    while index > 0:
        start = buffer.rfind("<", 0, index)
        if start >= 0 and buffer[start + 1 : start + 2] == "/":
            return index + 4
        index = buffer.rfind("row>", 0, index)
    return 0


def _entity(match) -> str:
    name = match.group(1)
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
    return _ENTITIES[name]


def _unescape(text: str) -> str:
    return _ENTITY.sub(_entity, text)


def _parse(data: bytes, start=None, end=None, chardata=None):
    parser = expat.ParserCreate()
    parser.buffer_text = True
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if chardata:
        parser.CharacterDataHandler = chardata
    parser.Parse(data, True)


# --- headers --------------------------------------------------------------------------------

_REQUIRED_MARKS = re.compile(r"^[*＊]+|[*＊]+$|[(（](必填|选填|required|optional)[)）]$", re.I)


def normalise_header(value) -> str:
    """A header as people write it, reduced for matching: full-width to half-width, spaces,
    line breaks and required-field stars removed, lower case."""
    text = normalise_text(value if isinstance(value, str) else ("" if value is None else value))
    text = _REQUIRED_MARKS.sub("", text.replace(" ", ""))
    return _REQUIRED_MARKS.sub("", text).replace("（", "(").replace("）", ")").lower()


@dataclass
class HeaderMap:
    """Where each known column is in the sheet (0-based index) and how the file spells it."""

    row: int
    index: dict[str, int] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    width: int = 0

    def label(self, key: str, columns: dict[str, Column]) -> str:
        return self.written.get(key) or columns[key].label


def match_header(
    row_number: int, cells: Sequence, columns: Sequence[Column]
) -> tuple[HeaderMap, list[RowError]]:
    """Find each column by its header (Chinese, English or an alias; any case, full- or
    half-width, with or without a required-field star). Reports every missing required column
    and every column given twice."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in column.names:
            lookup.setdefault(normalise_header(name), column)
    header = HeaderMap(row=row_number, width=len(cells))
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        written = normalise_text(str(cell))
        column = lookup.get(normalise_header(cell))
        if column is None:
            header.ignored.append(written)
            continue
        if column.key in header.index:
            errors.append(
                RowError(
                    row_number,
                    written,
                    _("this column appears twice (also column %(letter)s); keep one")
                    % {"letter": column_letter(header.index[column.key])},
                    index,
                )
            )
            continue
        header.index[column.key] = index
        header.written[column.key] = written
    missing = [c for c in columns if c.required and c.key not in header.index]
    for column in missing:
        errors.append(
            RowError(
                row_number,
                column.label,
                _("this required column is missing (the header row must name it: %(names)s)")
                % {"names": "、".join(f"「{name}」" for name in column.names[:2])},
            )
        )
    return header, errors


# --- cells ----------------------------------------------------------------------------------

TEXT = "text"  # one line: normalise_text
LONG_TEXT = "long_text"  # several lines kept; each line trimmed
CODE = "code"  # a code that may be short enough to survive as a number (division codes)
LONG_NUMBER = "long_number"  # 18-character ID numbers and credit codes: never as a number
PHONE = "phone"
DATE = "date"
INTEGER = "integer"
DECIMAL = "decimal"
BOOLEAN = "boolean"
CHOICE = "choice"
CHOICES = "choices"

MASK = "*"
TRUE_WORDS = frozenset(["是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "有"])
FALSE_WORDS = frozenset(["否", "n", "no", "false", "0", "×", "✗", "✘", "无", "不是"])
YES, NO = "是", "否"
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?e[+-]?\d+$", re.I)
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CHOICE_SPLIT = re.compile(r"[、,，;；/／\n|]+")


def digits_lost_message() -> str:
    return _(
        "Excel stored this cell as a number, so the last digits of the 18-character number "
        "are lost; format the column as text and type the number again"
    )


# Text that normalise_text would leave alone: no full-width letters, digits or spaces, no
# whitespace but single inner spaces. Most cells are like that; they skip the per-character pass.
_NEEDS_NORMALISING = re.compile(r"[\uff01-\uff5e\u3000]|[^\S ]|  |^ | $")


def clean_text(value: str) -> str:
    """``normalise_text``, with a fast path for text that is already normal."""
    if _NEEDS_NORMALISING.search(value) is None:
        return value
    return normalise_text(value)


def normalise_multiline(value) -> str:
    """Long text: line endings unified, each line trimmed, blank lines at the ends removed."""
    if value is None:
        return ""
    lines = [clean_text(line) for line in str(value).replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(" ")
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)


def parse_date(value) -> datetime.date | None:
    """A date as Excel stores it (date cell, serial number) or as people type it
    (2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # 1900-01-01 .. 9999-12-31 as an Excel serial
            return (EXCEL_EPOCH + datetime.timedelta(days=int(value))).date()
        raise CellValueError(_bad_date(value))
    text = normalise_text(str(value))
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match is None and re.fullmatch(r"\d{5}(\.\d+)?", text):
        return parse_date(float(text))  # a serial that lost its date format (CSV)
    if match is None:
        raise CellValueError(_bad_date(text))
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellValueError(
            _("'%(value)s' is not a real date (no such day)") % {"value": text}
        ) from None


def _bad_date(value) -> str:
    return _("'%(value)s' is not a date; write it like 2024-03-01, 2024/3/1 or 2024年3月1日") % {
        "value": value
    }


def parse_integer(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellValueError(_("'%(value)s' is not a whole number") % {"value": value})
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = normalise_text(str(value)).replace(",", "")
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text)) if "." in text else int(text)
    raise CellValueError(_("'%(value)s' is not a whole number") % {"value": value})


def parse_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellValueError(_("'%(value)s' is not a number") % {"value": value})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = normalise_text(str(value)).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellValueError(_("'%(value)s' is not a number") % {"value": value}) from None
    if not number.is_finite():
        raise CellValueError(_("'%(value)s' is not a number") % {"value": value})
    return number


def parse_boolean(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    text = normalise_text(_as_text(value)).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellValueError(
        _("'%(value)s' is not yes or no; write 是 or 否") % {"value": normalise_text(str(value))}
    )


def parse_long_number(value) -> str:
    """An 18-character ID number or credit code: refused when Excel has made it a number."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellValueError(digits_lost_message())
    text = normalise_text(str(value))
    if _SCIENTIFIC.match(text.replace(" ", "")):
        raise CellValueError(digits_lost_message())
    return text if MASK in text else normalise_code(text)


def parse_phone(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = normalise_text(str(value))
    if _SCIENTIFIC.match(text.replace(" ", "")):
        raise CellValueError(digits_lost_message())
    return text if MASK in text else text.replace(" ", "")


def parse_code(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        if not value.is_integer():
            raise CellValueError(_("'%(value)s' is not a code") % {"value": value})
        return str(int(value))
    return normalise_code(_as_text(value))


class ChoiceMap:
    """A choice set read the way people write it: the Chinese label (as shown in the app and in
    the templates' drop-downs), the English label or the internal value; written back with the
    Chinese label."""

    def __init__(self, choices, aliases: tuple[tuple[str, str], ...] = ()):
        self.choices = choices
        self.lookup: dict[str, str] = {}
        self.seen: dict = {}  # cells as written -> value: a ledger repeats a few labels
        self.zh: dict[str, str] = {}
        with translation.override("zh-hans"):
            for value, label in choices.choices:
                self.zh[value] = str(label)
        with translation.override("en"):
            english = {value: str(label) for value, label in choices.choices}
        for value in self.zh:
            for name in (self.zh[value], english[value], value):
                self.lookup.setdefault(self._key(name), value)
        # The label without its parenthesised explanation, e.g. 邻里守望 for 邻里守望（志愿服务）
        for value in self.zh:
            for name in (self.zh[value], english[value]):
                short = re.split(r"[(（]", name)[0]
                if short:
                    self.lookup.setdefault(self._key(short), value)
        for name, value in aliases:
            self.lookup.setdefault(self._key(name), value)

    @staticmethod
    def _key(text: str) -> str:
        return normalise_header(text)

    @property
    def labels(self) -> list[str]:
        return list(self.zh.values())

    def parse(self, value) -> str:
        if value is None or value == "":
            return ""
        found = self.seen.get(value)
        if found is not None:
            return found
        found = self.lookup.get(self._key(_as_text(value)))
        if found is None:
            raise CellValueError(
                _("'%(value)s' is not one of: %(choices)s")
                % {"value": normalise_text(_as_text(value)), "choices": "、".join(self.labels)}
            )
        if len(self.seen) < 10_000:
            self.seen[value] = found
        return found

    def parse_many(self, value) -> list[str]:
        if value is None or value == "":
            return []
        items = [item for item in _CHOICE_SPLIT.split(_as_text(value)) if item.strip()]
        return sorted({self.parse(item) for item in items})

    def label(self, value) -> str:
        return self.zh.get(value, value or "")


@lru_cache(maxsize=64)
def choice_map(choices, aliases: tuple[tuple[str, str], ...] = ()) -> ChoiceMap:
    return ChoiceMap(choices, aliases)


@dataclass(frozen=True)
class Column:
    """One column of a ledger file.

    ``zh`` and ``en`` are the headers: they are part of the file format (the import matches on
    them whatever language the interface is in), so they are spelled out here rather than left
    to the translation catalogue. ``help`` is what the instructions sheet says about it.
    """

    key: str
    zh: str
    en: str
    kind: str = TEXT
    required: bool = False
    choices: Any = None
    aliases: tuple[str, ...] = ()
    #: other words people use for a choice, e.g. ("群众", "none")
    choice_aliases: tuple[tuple[str, str], ...] = ()
    width: float = 14
    help: Any = ""
    #: the value Excel cells should be formatted as text for (codes, phone and ID numbers)
    as_text: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.zh, self.en, *self.aliases)

    @cached_property
    def choice_map(self) -> ChoiceMap:
        return choice_map(self.choices, self.choice_aliases)

    @property
    def label(self) -> str:
        """The header in the active language."""
        return self.en if translation.get_language() == "en" else self.zh

    def parse(self, value):
        """The cell as a Python value for the model field; ``CellValueError`` if it can't be."""
        kind = self.kind
        if isinstance(value, str) and kind not in (LONG_TEXT,):
            if not value.strip():
                value = None
        if kind == TEXT:
            if value is None:
                return ""
            return clean_text(value if type(value) is str else _as_text(value))
        if kind == LONG_TEXT:
            return normalise_multiline(None if value is None else _as_text(value))
        if kind == LONG_NUMBER:
            return parse_long_number(value)
        if kind == PHONE:
            return parse_phone(value)
        if kind == CODE:
            return parse_code(value)
        if kind == DATE:
            return parse_date(value)
        if kind == INTEGER:
            return parse_integer(value)
        if kind == DECIMAL:
            return parse_decimal(value)
        if kind == BOOLEAN:
            return parse_boolean(value)
        if kind == CHOICE:
            return choice_map(self.choices, self.choice_aliases).parse(value)
        if kind == CHOICES:
            return choice_map(self.choices, self.choice_aliases).parse_many(value)
        raise ValueError(kind)

    def equivalent(self, stored, parsed) -> bool:
        """Whether a stored value reads the same as the parsed cell (so nothing changes):
        a stored name with odd spacing is not "changed" by a file that normalises it."""
        if stored == parsed:
            return True
        if self.kind == TEXT:
            return clean_text(stored or "") == parsed
        if self.kind == LONG_TEXT:
            return normalise_multiline(stored) == parsed
        if self.kind in (CODE, LONG_NUMBER):
            return normalise_code(stored or "") == parsed
        if self.kind == CHOICES:
            return sorted(stored or []) == sorted(parsed or [])
        return False

    def render(self, value):
        """The model value as the file writes it: Chinese labels, 是/否, real dates."""
        if self.kind == CHOICE:
            return self.choice_map.label(value) if value else None
        if self.kind == CHOICES:
            return "、".join(self.choice_map.label(item) for item in value or []) or None
        if self.kind == BOOLEAN:
            return YES if value else NO
        if value == "":
            return None
        return value


def mask_middle(value: str, *, keep_start: int, keep_end: int) -> str:
    """138****8000: the middle of a number replaced by stars (at least four are shown)."""
    if not value:
        return value
    hidden = max(len(value) - keep_start - keep_end, 4)
    keep_start = min(keep_start, max(len(value) - hidden, 0))
    keep_end = max(min(keep_end, len(value) - keep_start - hidden), 0)
    return value[:keep_start] + MASK * hidden + (value[-keep_end:] if keep_end else "")


def is_masked(value) -> bool:
    return isinstance(value, str) and MASK in value


# --- writing --------------------------------------------------------------------------------

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
    if text and text[0] in _CSV_GUARDED:
        return "'" + text
    return text


def iter_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV lines for a ``StreamingHttpResponse``: UTF-8 with a BOM so Excel opens Chinese text
    correctly; values that would start a formula are prefixed with an apostrophe."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(h) for h in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


# --- annotated copies -----------------------------------------------------------------------


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
    return _annotate_xlsx(data, sheet, header_row, by_row, heading), ".xlsx"


def _messages(errors: list[RowError]) -> str:
    return "\n".join(f"{e.column}：{e.message}" if e.column else e.message for e in errors)


def _annotate_csv(spreadsheet, header_row, by_row, heading) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for number, values in spreadsheet.rows("CSV"):
        cell = _messages(by_row.get(number, []))
        if number == header_row:
            cell = f"{heading}\n{cell}".strip()
        writer.writerow([*("" if v is None else v for v in values), cell])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _annotate_xlsx(data, sheet, header_row, by_row, heading) -> bytes:
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
    column = worksheet.max_column + 1
    red = PatternFill("solid", fgColor="FFFDE2E1")
    title = worksheet.cell(row=header_row, column=column, value=heading)
    title.font = Font(bold=True, color="FFB3261E")
    worksheet.column_dimensions[column_letter(column - 1)].width = 60
    for number, errors in by_row.items():
        target = worksheet.cell(row=number, column=column)
        messages = _messages(errors)
        target.value = f"{heading}\n{messages}" if number == header_row else messages
        target.alignment = Alignment(wrap_text=True, vertical="top")
        target.font = Font(bold=number == header_row, color="FFB3261E")
        for error in errors:
            if error.column_index is not None:
                worksheet.cell(row=number, column=error.column_index + 1).fill = red
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
