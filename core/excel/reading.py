"""Reading .xlsx workbooks and CSV files as Excel really stores them.

Why our own .xlsx reader: openpyxl (without lxml) reads about 4,000 rows a second in read-only
mode, which is slower than the database work of an import. ``XlsxSpreadsheet.rows`` cuts the
sheet into rows and cells with ``str.split`` and one ``findall`` per row (expat reads only the
small parts: workbook, styles).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from core.excel.errors import SpreadsheetError, column_index

MAX_ROWS = 200_000
MB = 1024 * 1024
#: no real Excel sheet has more rows than this (empty ones included)
EXCEL_MAX_ROWS = 1_048_576
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
EXCEL_EPOCH_1904 = datetime.datetime(1904, 1, 1)
# Built-in number formats that are dates, including the East Asian ones Chinese Excel uses
# (27-36, 50-58: yyyy"年"m"月"d"日" and friends), which openpyxl doesn't list.
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_DATE_CODE = re.compile(r"\[[^\]]*\]|\"[^\"]*\"|\\.")


def _is_date_format(code: str) -> bool:
    code = _DATE_CODE.sub("", code).lower()
    return any(ch in code for ch in "ymdhs") and "general" not in code


@dataclass(frozen=True)
class UploadLimits:
    """How much of an uploaded spreadsheet is read before it is refused (docs/security.md,
    "Uploads"). Each is checked while the file is read, so memory never grows past them: the
    file's own size before it is read; a workbook part's declared (zip directory) and actual
    decompressed size as it is streamed; the shared strings' size and count; one row's (or one
    shared string's) size; the cells of a row; the rows of a sheet."""

    #: bytes of the uploaded file, and of any workbook part read whole (workbook, styles,
    #: relationships, shared strings), decompressed
    file_bytes: int = 50 * MB
    #: bytes of one worksheet part, decompressed (it is streamed, a row at a time)
    sheet_bytes: int = 500 * MB
    #: bytes of one row of a sheet, or of one shared string (an unclosed row stops here)
    row_bytes: int = 4 * MB
    #: rows with data below the header
    rows: int = MAX_ROWS
    #: cells a row may span (its last column with a value)
    cells_per_row: int = 500
    #: entries of the shared-strings table
    shared_strings: int = 1_000_000

    @classmethod
    def from_settings(cls) -> UploadLimits:
        defaults = cls()
        return cls(
            file_bytes=getattr(settings, "UPLOAD_MAX_BYTES", defaults.file_bytes),
            sheet_bytes=getattr(settings, "UPLOAD_SHEET_MAX_BYTES", defaults.sheet_bytes),
            row_bytes=getattr(settings, "UPLOAD_ROW_MAX_BYTES", defaults.row_bytes),
            rows=getattr(settings, "UPLOAD_MAX_ROWS", defaults.rows),
            cells_per_row=getattr(settings, "UPLOAD_MAX_CELLS_PER_ROW", defaults.cells_per_row),
            shared_strings=getattr(settings, "UPLOAD_MAX_SHARED_STRINGS", defaults.shared_strings),
        )


def _megabytes(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size:,} bytes"


def _too_large(what: str, limit: int) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file is refused: %(what)s is larger than %(limit)s when decompressed.")
        % {"what": what, "limit": _megabytes(limit)}
    )


def _too_many_rows(sheet: str, row: int, limit: int) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "The file is refused: the sheet %(sheet)s has more than %(max)s rows below its "
            "header (at row %(row)s); split it into several files."
        )
        % {"sheet": f"「{sheet}」", "max": f"{limit:,}", "row": row}
    )


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


def open_spreadsheet(
    source, filename: str = "", *, limits: UploadLimits | None = None
) -> Spreadsheet:
    """Open an .xlsx workbook or a CSV file (UTF-8, with or without BOM, or GB18030 as Chinese
    Excel saves it), telling them apart by content, not by the name. ``source`` is the file's
    bytes, a binary file object or a path. ``SpreadsheetError`` says why a file can't be
    read, or which of the ``limits`` (by default the settings') it passes and where."""
    limits = limits or UploadLimits.from_settings()
    data = source if isinstance(source, bytes) else _read_all(source, limits.file_bytes)
    if len(data) > limits.file_bytes:
        raise _file_too_large(limits.file_bytes)
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return XlsxSpreadsheet(data, limits=limits)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SpreadsheetError(
            _(
                "This is an old Excel 97-2003 workbook (.xls) or a password-protected one. "
                "Open it in Excel, remove any password and save it as an .xlsx workbook."
            )
        )
    return CsvSpreadsheet(data, limits=limits)


def _file_too_large(limit: int) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file is refused: it is larger than %(limit)s; split it into several files.")
        % {"limit": _megabytes(limit)}
    )


def _read_all(fileobj, limit: int) -> bytes:
    """The file's bytes, never more than ``limit`` + 1 of them (a larger file is refused)."""
    if isinstance(fileobj, str | os.PathLike):
        try:
            if Path(fileobj).stat().st_size > limit:
                raise _file_too_large(limit)
            with open(fileobj, "rb") as handle:
                return handle.read(limit + 1)
        except OSError as error:
            raise SpreadsheetError(
                _("The file can't be read: %(error)s") % {"error": error.strerror or error}
            ) from None
    size = getattr(fileobj, "size", None)
    if isinstance(size, int) and size > limit:
        raise _file_too_large(limit)
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    return fileobj.read(limit + 1)


class CsvSpreadsheet(Spreadsheet):
    format = "csv"

    def __init__(self, data: bytes, *, limits: UploadLimits | None = None):
        self.limits = limits or UploadLimits.from_settings()
        self.text = self._decode(data)
        if "\x00" in self.text[:4096] or _looks_binary(self.text[:4096]):
            raise SpreadsheetError(
                _("This file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file.")
            )
        self.sheet_names = ["CSV"]

    @staticmethod
    def _decode(data: bytes) -> str:
        # A byte-order mark declares the encoding: the body must be valid in it (Excel on a
        # Chinese Windows can write a UTF-8 mark before a GBK body). Never decoded with
        # replacement characters, which would be stored as they are.
        declared = None
        if data.startswith(codecs.BOM_UTF8):
            declared, body, codec = "UTF-8", data[len(codecs.BOM_UTF8) :], "utf-8"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            declared, body, codec = "UTF-16", data, "utf-16"
        if declared:
            try:
                return body.decode(codec)
            except UnicodeDecodeError as error:
                raise SpreadsheetError(
                    _(
                        "The CSV file says it is in %(encoding)s (byte-order mark), but line "
                        '%(line)s is not valid %(encoding)s. Save it again as "CSV UTF-8" '
                        "(or as an Excel workbook) and upload it again."
                    )
                    % {"encoding": declared, "line": body.count(b"\n", 0, error.start) + 1}
                ) from None
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
        limits = self.limits
        with_data = 0
        try:
            for number, record in enumerate(reader, start=1):
                if len(record) > limits.cells_per_row:
                    raise _too_many_cells(sheet, number, limits.cells_per_row)
                values = tuple(_uncsv(value) for value in record)
                if any(value is not None for value in values):
                    with_data += 1
                    # the header and ``rows`` rows below it
                    if with_data > limits.rows + 1:
                        raise _too_many_rows(sheet, number, limits.rows)
                yield number, values
        except csv.Error as error:
            raise SpreadsheetError(
                _("The CSV file can't be read: %(error)s") % {"error": error}
            ) from None

    def row_estimate(self, sheet: str = "CSV") -> int | None:
        return self.text.count("\n") + 1


def _too_many_cells(sheet: str, row: int, limit: int) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file is refused: row %(row)s of the sheet %(sheet)s spans more than %(max)s cells.")
        % {"sheet": f"「{sheet}」", "max": f"{limit:,}", "row": row}
    )


def _looks_binary(sample: str) -> bool:
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > max(3, len(sample) // 100)


#: what a CSV cell may start with for Excel to run it as a formula: ``csv_cell`` puts a ' before
#: it, and reading takes that off again
CSV_GUARDED = ("=", "+", "-", "@", "\t", "\r")


def _uncsv(value: str) -> str | None:
    if value == "":
        return None
    # Our CSV exports put a ' before a leading = + - @ so Excel doesn't run it as a formula.
    if len(value) > 1 and value[0] == "'" and value[1] in CSV_GUARDED:
        return value[1:]
    return value


class XlsxSpreadsheet(Spreadsheet):
    """An .xlsx workbook read with expat: shared strings, inline strings, numbers, booleans,
    dates (by number format, 1900 and 1904 systems), formula results; namespaces ignored."""

    format = "xlsx"

    def __init__(self, data: bytes, *, limits: UploadLimits | None = None):
        self.limits = limits = limits or UploadLimits.from_settings()
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
        for name in _READ_PARTS & names:
            # The zip's directory says how large a part is once decompressed: a bomb is refused
            # before a byte of it is inflated (reading counts the real size too).
            if self.zip.getinfo(name).file_size > limits.file_bytes:
                raise _too_large(_part_label(name), limits.file_bytes)
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

        _parse(self._part("xl/workbook.xml"), start)
        targets: dict[str, str] = {}

        def rel(name, attrs):
            if name.rpartition(":")[2] == "Relationship":
                targets[attrs.get("Id")] = attrs.get("Target", "")

        if "xl/_rels/workbook.xml.rels" in names:
            _parse(self._part("xl/_rels/workbook.xml.rels"), rel)
        self.sheet_paths: dict[str, str] = {}
        for index, (title, rid) in enumerate(sheets, start=1):
            target = targets.get(rid, f"worksheets/sheet{index}.xml")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if path in names:
                self.sheet_paths[title] = path
        self.sheet_names = list(self.sheet_paths)

    def _part(self, name: str) -> bytes:
        """A small part, read whole: never more than the file limit of it is inflated."""
        limit = self.limits.file_bytes
        with self.zip.open(name) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise _too_large(_part_label(name), limit)
        return data

    def _read_shared_strings(self, names: set[str]) -> list[str]:
        """The shared-strings table, streamed like a sheet: its size, its count and each
        string's size are checked block by block, before memory grows."""
        name = "xl/sharedStrings.xml"
        if name not in names:
            return []
        limits = self.limits
        decoder = codecs.getincrementaldecoder("utf-8")()
        strings: list[str] = []
        buffer = ""
        read = 0
        with self.zip.open(name) as handle:
            while True:
                block = handle.read(1 << 20)
                read += len(block)
                if read > limits.file_bytes:
                    raise _too_large(_part_label(name), limits.file_bytes)
                buffer += decoder.decode(block, final=not block)
                cut = _last_shared_end(buffer) if block else len(buffer)
                chunk, buffer = buffer[:cut], buffer[cut:]
                for body in _SHARED.findall(chunk):
                    if "<rPh" in body or ":rPh" in body:
                        body = _PHONETIC.sub("", body)
                    value = "".join(_TEXT.findall(body))
                    strings.append(_unescape(value) if "&" in value else value)
                if len(strings) > limits.shared_strings:
                    raise SpreadsheetError(
                        _(
                            "The file is refused: its shared strings (xl/sharedStrings.xml) "
                            "hold more than %(max)s entries."
                        )
                        % {"max": f"{limits.shared_strings:,}"}
                    )
                if len(buffer) > limits.row_bytes:
                    raise SpreadsheetError(
                        _(
                            "The file is refused: shared string number %(number)s "
                            "(xl/sharedStrings.xml) is larger than %(limit)s."
                        )
                        % {"number": f"{len(strings) + 1:,}", "limit": _megabytes(limits.row_bytes)}
                    )
                if not block:
                    break
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

        _parse(self._part("xl/styles.xml"), start, end)
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
        limits = self.limits
        convert = _CellConverter(
            self.shared, self.date_styles, self.date1904, max_cells=limits.cells_per_row
        )
        decoder = codecs.getincrementaldecoder("utf-8")()
        buffer = ""
        number = 0
        prefixed = None
        read = 0
        elements = 0  # <row> elements, empty ones included
        with_data = 0
        sheet_label = _("the sheet %(sheet)s") % {"sheet": f"「{sheet}」"}
        try:
            if self.zip.getinfo(path).file_size > limits.sheet_bytes:
                raise _too_large(sheet_label, limits.sheet_bytes)
            with self.zip.open(path) as handle:
                while True:
                    block = handle.read(1 << 20)
                    read += len(block)
                    if read > limits.sheet_bytes:
                        raise _too_large(sheet_label, limits.sheet_bytes)
                    buffer += decoder.decode(block, final=not block)
                    if prefixed is None:
                        prefixed = bool(re.search(r"<[A-Za-z_][\w.-]*:(?:row|c)\b", buffer))
                    # Only complete rows: up to the end of the last closing row tag.
                    cut = _last_row_end(buffer) if block else len(buffer)
                    chunk, buffer = buffer[:cut], buffer[cut:]
                    rows = _rows_by_pattern(chunk) if prefixed else _rows_by_split(chunk)
                    for found, body in rows:
                        number = found or number + 1
                        elements += 1
                        if elements > EXCEL_MAX_ROWS:
                            raise SpreadsheetError(
                                _(
                                    "The file is refused: the sheet %(sheet)s has more than "
                                    "%(max)s rows, which no Excel sheet has."
                                )
                                % {"sheet": f"「{sheet}」", "max": f"{EXCEL_MAX_ROWS:,}"}
                            )
                        if body:
                            try:
                                values = convert.row(body, prefixed)
                            except _RowTooWide:
                                raise _too_many_cells(sheet, number, limits.cells_per_row) from None
                            if values:
                                with_data += 1
                                # the header and ``rows`` rows below it
                                if with_data > limits.rows + 1:
                                    raise _too_many_rows(sheet, number, limits.rows)
                                yield number, values
                    if len(buffer) > limits.row_bytes:
                        # one row that never ends (or is absurdly long): stop here
                        raise SpreadsheetError(
                            _(
                                "The file is refused: row %(row)s of the sheet %(sheet)s is "
                                "larger than %(limit)s."
                            )
                            % {
                                "row": number + 1,
                                "sheet": f"「{sheet}」",
                                "limit": _megabytes(limits.row_bytes),
                            }
                        )
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


class _RowTooWide(Exception):
    """A row whose last cell lies beyond the cells a row may span."""


class _CellConverter:
    """Cell XML to Python values: shared and inline strings, numbers, booleans, dates."""

    def __init__(self, shared: list[str], date_styles, date1904: bool, max_cells: int = 16_384):
        self.max_cells = max_cells
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
        if max(cells) >= self.max_cells:
            raise _RowTooWide()
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
        if max(cells) >= self.max_cells:
            raise _RowTooWide()
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
        if max(cells) >= self.max_cells:
            raise _RowTooWide()
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


def _last_shared_end(buffer: str) -> int:
    """Where the last complete shared string (``</si>`` or ``<si/>``) ends in ``buffer``."""
    cut = 0
    index = buffer.rfind("si>")
    while index > 0:
        start = buffer.rfind("<", 0, index)
        if start >= 0 and buffer[start + 1 : start + 2] == "/":
            cut = index + 3
            break
        index = buffer.rfind("si>", 0, index)
    empty = buffer.rfind("<si/>")
    return max(cut, empty + 5 if empty >= 0 else 0)


#: the parts read whole (the sheets are streamed)
_READ_PARTS = frozenset(
    ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml"]
)


def _part_label(name: str) -> str:
    if name == "xl/sharedStrings.xml":
        return _("its shared strings (xl/sharedStrings.xml)")
    return _("the workbook part %(name)s") % {"name": name}


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
