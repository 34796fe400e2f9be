"""Issue 16, uploads: a 1 MB .xlsx whose shared strings or one unclosed row decompress to
hundreds of MB is refused while it is read, with bounded memory; rows, cells per row, shared
strings and the file's size are limited too (``core.excel.reading.UploadLimits``), each refusal
saying which limit and where."""

import io
import tracemalloc
import zipfile

import pytest
from django.test import override_settings

from core.excel import SpreadsheetError, open_spreadsheet
from core.excel.reading import UploadLimits

MB = 1024 * 1024
BOMB_MB = 300

WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
SIMPLE_SHEET = SHEET_HEAD + '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_TAIL


def workbook(parts: dict[str, str], streamed: tuple[str, str, str, int] | None = None) -> bytes:
    """An .xlsx of ``parts``; ``streamed`` = (part name, head, filler, megabytes): a part
    written in streaming writes of a repeated 1 MB filler (never held in memory whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        for name, text in parts.items():
            archive.writestr(name, text)
        if streamed:
            name, head, filler, megabytes = streamed
            block = (filler * (MB // len(filler) + 1))[:MB].encode()
            with archive.open(name, "w", force_zip64=True) as handle:
                handle.write(head.encode())
                for _ in range(megabytes):
                    handle.write(block)
    return out.getvalue()


def refused_with_bounded_memory(data: bytes, *, read_rows: bool) -> str:
    tracemalloc.start()
    try:
        with pytest.raises(SpreadsheetError) as refused:
            spreadsheet = open_spreadsheet(data)
            if read_rows:
                for _row in spreadsheet.rows(spreadsheet.sheet_names[0]):
                    pass
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"
    return refused.value.message


def test_a_shared_strings_bomb_is_refused_before_it_is_inflated():
    data = workbook(
        {"xl/worksheets/sheet1.xml": SIMPLE_SHEET},
        ("xl/sharedStrings.xml", "<sst><si><t>", "A" * 1024, BOMB_MB),
    )
    assert len(data) < 2 * MB  # a small upload ...
    message = refused_with_bounded_memory(data, read_rows=False)  # ... refused, not inflated
    assert "shared strings" in message
    assert "50 MB" in message


def test_one_unclosed_row_is_refused_while_the_sheet_is_streamed():
    data = workbook(
        {},
        (
            "xl/worksheets/sheet1.xml",
            SHEET_HEAD + '<row r="1">',
            '<c r="A1" t="inlineStr"><is><t>x</t></is></c>',
            BOMB_MB,
        ),
    )
    assert len(data) < 2 * MB
    message = refused_with_bounded_memory(data, read_rows=True)
    assert "row 1" in message
    assert "「台账」" in message
    assert "4 MB" in message


def test_one_endless_shared_string_is_refused_while_it_is_streamed():
    # within the size limit of the part, but one string that never ends
    data = workbook(
        {"xl/worksheets/sheet1.xml": SIMPLE_SHEET},
        ("xl/sharedStrings.xml", "<sst><si><t>", "B" * 1024, 30),
    )
    message = refused_with_bounded_memory(data, read_rows=False)
    assert "shared string number 1 " in message


def test_a_sheet_past_its_declared_size_limit_is_refused_before_reading():
    data = workbook({}, ("xl/worksheets/sheet1.xml", SHEET_HEAD, "<row/>" * 100, 3))
    spreadsheet = open_spreadsheet(data, limits=UploadLimits(sheet_bytes=2 * MB))
    with pytest.raises(SpreadsheetError, match="「台账」 is larger than 2 MB"):
        next(spreadsheet.rows("台账"))


def test_too_many_shared_strings_are_refused():
    strings = "<sst>" + "<si><t>x</t></si>" * 11 + "</sst>"
    data = workbook({"xl/worksheets/sheet1.xml": SIMPLE_SHEET, "xl/sharedStrings.xml": strings})
    with pytest.raises(SpreadsheetError, match="more than 10 entries"):
        open_spreadsheet(data, limits=UploadLimits(shared_strings=10))
    assert open_spreadsheet(data, limits=UploadLimits(shared_strings=11)).shared[0] == "x"


def _rows_xlsx(count: int, *, column: str = "A") -> bytes:
    rows = "".join(
        f'<row r="{n}"><c r="{column}{n}" t="inlineStr"><is><t>v{n}</t></is></c></row>'
        for n in range(1, count + 1)
    )
    return workbook({"xl/worksheets/sheet1.xml": SHEET_HEAD + rows + SHEET_TAIL})


@override_settings(UPLOAD_MAX_ROWS=3)
def test_rows_past_the_setting_are_refused_naming_the_sheet_and_row():
    spreadsheet = open_spreadsheet(_rows_xlsx(4))  # a header and 3 rows
    assert [n for n, _v in spreadsheet.rows("台账")] == [1, 2, 3, 4]
    spreadsheet = open_spreadsheet(_rows_xlsx(5))
    with pytest.raises(SpreadsheetError) as refused:
        list(spreadsheet.rows("台账"))
    assert "「台账」" in refused.value.message
    assert "more than 3 rows" in refused.value.message
    assert "row 5" in refused.value.message


@override_settings(UPLOAD_MAX_ROWS=3)
def test_csv_rows_past_the_setting_are_refused():
    spreadsheet = open_spreadsheet(b"a\nb\nc\nd\ne\n")
    with pytest.raises(SpreadsheetError, match="more than 3 rows"):
        list(spreadsheet.rows("CSV"))


def test_a_row_spanning_more_cells_than_allowed_is_refused():
    # column ZZZZZZ would be a list of 321 million cells: refused before it is made
    for column in ("SG", "ZZZZZZ"):  # SG is the 501st column
        spreadsheet = open_spreadsheet(_rows_xlsx(2, column=column))
        with pytest.raises(
            SpreadsheetError, match="row 1 of the sheet 「台账」 spans more than 500"
        ):
            list(spreadsheet.rows("台账"))
    spreadsheet = open_spreadsheet(_rows_xlsx(2, column="SF"))  # the 500th column
    assert len(next(spreadsheet.rows("台账"))[1]) == 500


def test_a_csv_row_with_too_many_cells_is_refused():
    spreadsheet = open_spreadsheet(("a," * 600 + "\n").encode())
    with pytest.raises(SpreadsheetError, match="row 1 of the sheet 「CSV」 spans more than 500"):
        list(spreadsheet.rows("CSV"))


class _Upload(io.BytesIO):
    """An uploaded file that says its size; reading it fails the test."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def read(self, *args):
        raise AssertionError("the file was read")


@override_settings(UPLOAD_MAX_BYTES=1 * MB)
def test_a_file_larger_than_the_setting_is_refused_before_it_is_read():
    with pytest.raises(SpreadsheetError, match="larger than 1 MB"):
        open_spreadsheet(_Upload(2 * MB))
    with pytest.raises(SpreadsheetError, match="larger than 1 MB"):
        open_spreadsheet(b"a,b\n" * (MB // 4 + 1))
