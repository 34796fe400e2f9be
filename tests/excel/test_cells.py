"""core.excel: cells as Excel stores them, headers as people write them, the streaming reader
and writer (checked by reading their output back with openpyxl)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.excel import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    DATE,
    DECIMAL,
    INTEGER,
    LONG_NUMBER,
    LONG_TEXT,
    PHONE,
    TEXT,
    CellValueError,
    Column,
    RowError,
    SheetSpec,
    SpreadsheetError,
    annotate,
    column_index,
    column_letter,
    iter_csv,
    iter_xlsx,
    mask_middle,
    match_header,
    open_spreadsheet,
    parse_date,
)
from registry.choices import OrgField, ServiceTarget
from tests.excel.conftest import workbook


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_column_letters_round_trip():
    for index in (0, 25, 26, 51, 52, 701, 702, 16383):
        assert column_index(column_letter(index)) == index
    assert column_letter(27) == "AB"


@pytest.mark.parametrize(
    "value",
    [440303199505050029, 4.40303199505050e17, "4.40303E+17", "4.40303e+17", " 4.4E+17 "],
)
def test_long_numbers_that_excel_turned_into_numbers_are_refused(value):
    with pytest.raises(CellValueError) as caught:
        Column("id_number", "身份证号码", "ID number", LONG_NUMBER).parse(value)
    assert "last digits" in caught.value.message


def test_long_number_digits_lost_message_in_chinese():
    with translation.override("zh-hans"), pytest.raises(CellValueError) as caught:
        Column("id_number", "身份证号码", "ID number", LONG_NUMBER).parse(4.40303e17)
    assert "后几位已经丢失" in caught.value.message


def test_long_numbers_as_text_are_normalised():
    column = Column("id_number", "身份证号码", "ID number", LONG_NUMBER)
    assert column.parse(" 440303 1995 0505 002x ") == "44030319950505002X"
    assert column.parse("４４０３０３１９９５０５０５００２９") == "440303199505050029"
    assert column.parse("440303********0029") == "440303********0029"  # masked: kept as is


def test_phone_numbers_survive_as_numbers():
    column = Column("phone", "联系电话", "Phone", PHONE)
    assert column.parse(13800138000) == "13800138000"
    assert column.parse(13800138000.0) == "13800138000"
    assert column.parse("138 0013 8000") == "13800138000"


def test_text_is_normalised():
    column = Column("name", "组织名称", "Name", TEXT)
    assert column.parse("  坪山\u3000社区  书画\n协会 ") == "坪山 社区 书画 协会"
    assert column.parse("ＡＢＣ１２３舞蹈队") == "ABC123舞蹈队"
    assert column.parse(2024) == "2024"
    assert column.parse(None) == ""


def test_long_text_keeps_its_lines():
    column = Column("charter_text", "简易章程", "Charter", LONG_TEXT)
    assert column.parse("第一条  宗旨 \r\n第二条\u3000会员\n\n") == "第一条 宗旨\n第二条 会员"


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2024, 3, 1),
        datetime.date(2024, 3, 1),
        45352,  # the Excel serial of 2024-03-01
        45352.0,
        "45352",  # a serial that lost its date format in a CSV
        "2024-03-01",
        "2024/3/1",
        "2024.3.1",
        "2024年3月1日",
        "２０２４年３月１日",
        "20240301",
        "2024-03-01 00:00:00",
    ],
)
def test_dates_in_every_form_excel_and_people_use(value):
    assert parse_date(value) == datetime.date(2024, 3, 1)


@pytest.mark.parametrize("value", ["2024-02-30", "三月一日", "2024", "03/01/2024", -5])
def test_bad_dates_say_how_to_write_one(value):
    with pytest.raises(CellValueError) as caught:
        parse_date(value)
    assert "date" in caught.value.message


def test_numbers_and_booleans():
    assert Column("n", "人数", "n", INTEGER).parse("1,200") == 1200
    assert Column("n", "人数", "n", INTEGER).parse(12.0) == 12
    with pytest.raises(CellValueError):
        Column("n", "人数", "n", INTEGER).parse("12.5")
    assert Column("h", "时长", "h", DECIMAL).parse(1.1) == Decimal("1.1")
    assert Column("h", "时长", "h", DECIMAL).parse("２.５") == Decimal("2.5")
    with pytest.raises(CellValueError):
        Column("h", "时长", "h", DECIMAL).parse("NaN")
    flag = Column("f", "是否", "f", BOOLEAN)
    assert [flag.parse(v) for v in ("是", "否", "Y", "no", True, 1, 0, "√", None)] == [
        True,
        False,
        True,
        False,
        True,
        True,
        False,
        True,
        None,
    ]
    with pytest.raises(CellValueError):
        flag.parse("也许")


def test_choices_by_chinese_label_english_label_or_value():
    field = Column("field", "服务领域", "Field", CHOICE, choices=OrgField)
    assert field.parse("文体活动") == OrgField.CULTURE_SPORTS
    assert field.parse("Culture and sports") == OrgField.CULTURE_SPORTS
    assert field.parse("culture_sports") == OrgField.CULTURE_SPORTS
    assert field.render(OrgField.CULTURE_SPORTS) == "文体活动"
    with pytest.raises(CellValueError) as caught:
        field.parse("体育")
    assert "文体活动" in caught.value.message  # lists what is allowed
    targets = Column("t", "服务对象", "Targets", CHOICES, choices=ServiceTarget)
    assert targets.parse("困难群众、一老一小") == ["elderly_children", "hardship"]
    assert targets.parse("困难群众，special_groups") == ["hardship", "special_groups"]
    assert targets.render(["elderly_children", "hardship"]) == "一老一小、困难群众"


def test_headers_match_in_chinese_english_aliases_and_odd_spellings():
    columns = [
        Column("name", "组织名称", "Name", TEXT, required=True, aliases=("名称",)),
        Column("founded_on", "成立日期", "Founding date", DATE),
        Column("venue", "活动场所", "Venue", TEXT),
    ]
    header, errors = match_header(1, ["组织名称*", " Founding\nDATE ", "其他", None], columns)
    assert errors == []
    assert header.index == {"name": 0, "founded_on": 1}
    assert header.ignored == ["其他"]
    header, errors = match_header(1, ["名称（必填）", "组织名称"], columns)
    assert [(e.row, e.column) for e in errors] == [(1, "组织名称")]
    assert "twice" in errors[0].message
    header, errors = match_header(1, ["活动场所"], columns)
    assert [(e.column, "missing" in e.message) for e in errors] == [("Name", True)]


def test_masking_keeps_both_ends():
    assert mask_middle("13800138000", keep_start=3, keep_end=4) == "138****8000"
    assert mask_middle("440303199505050029", keep_start=6, keep_end=4) == "440303********0029"
    assert "*" in mask_middle("12345", keep_start=3, keep_end=4)


# --- reading --------------------------------------------------------------------------------


def test_reader_gets_what_openpyxl_wrote():
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(["文本", "数字", "小数", "日期", "是否", "公式"])
    sheet.append(["坪山 & <社区>", 12, 1.5, datetime.date(2024, 3, 1), True, None])
    sheet["F2"] = "=1+1"
    sheet["A4"] = "隔一行"
    sheet["C4"] = datetime.datetime(2024, 3, 1, 8, 30)
    book.create_sheet("第二页")["B2"] = "另一页"
    out = io.BytesIO()
    book.save(out)
    spreadsheet = open_spreadsheet(out.getvalue())
    assert spreadsheet.format == "xlsx"
    assert spreadsheet.sheet_names == ["台账", "第二页"]
    rows = list(spreadsheet.rows("台账"))
    assert rows[0] == (1, ("文本", "数字", "小数", "日期", "是否", "公式"))
    number, values = rows[1]
    assert number == 2
    assert values[:5] == ("坪山 & <社区>", 12, 1.5, datetime.datetime(2024, 3, 1), True)
    assert rows[2] == (4, ("隔一行", None, datetime.datetime(2024, 3, 1, 8, 30)))
    assert list(spreadsheet.rows("第二页")) == [(2, (None, "另一页"))]


def test_reader_handles_prefixed_tags_shared_strings_and_chinese_date_formats():
    """A sheet as some writers emit it: namespace prefixes, shared strings with rich text and
    phonetic runs, a date in a built-in East Asian format (31: yyyy年m月d日)."""
    import zipfile

    sheet = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData>"
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        "</x:row>"
        '<x:row r="2"><x:c r="A2" t="s"><x:v>2</x:v></x:c><x:c r="B2" s="1"><x:v>45352</x:v>'
        "</x:c></x:row></x:sheetData></x:worksheet>"
    )
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>社区</t></si><si><t>成立日期</t></si>"
        "<si><r><t>坪山</t></r><r><rPr><b/></rPr><t>社区</t></r>"
        "<rPh><t>ピンシャン</t></rPh></si></sst>"
    )
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="31"/></cellXfs></styleSheet>'
    )
    workbook_xml = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="worksheet"/>'
        "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", workbook_xml)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared)
        archive.writestr("xl/styles.xml", styles)
    rows = list(open_spreadsheet(out.getvalue()).rows("台账"))
    assert rows == [(1, ("社区", "成立日期")), (2, ("坪山社区", datetime.datetime(2024, 3, 1)))]


def _workbook_with_sheet(sheet: str, shared: str = "") -> bytes:
    import zipfile

    workbook_xml = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="worksheet"/>'
        "</Relationships>"
    )
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", workbook_xml)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/styles.xml", styles)
        if shared:
            archive.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


def test_plain_rows_and_unusual_cells_read_the_same_by_either_path(monkeypatch):
    """Rows of plain cells are converted from one pattern match; a row with any other cell
    (boolean, entity, preserved spaces, rich text, formula) takes the general path. Both give
    the same values, and a row mixing both kinds is read right."""
    import re

    import core.excel.reading

    body = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>小组</t></is>'
        '</c><c r="C1" s="1"><v>45352</v></c><c r="D1" t="n" s="1"><v>45353</v></c>'
        '<c r="E1" s="1" t="n"><v>45354.5</v></c><c r="F1"><v>12</v></c><c r="G1"><v>1.5</v>'
        '</c><c r="H1" t="inlineStr"/><c r="I1" t="s"/><c r="J1"><v></v></c></row>'
        '<row r="2"><c r="A2" t="b"><v>1</v></c><c r="B2" t="inlineStr"><is><t>a &amp; b</t>'
        '</is></c><c r="C2" t="inlineStr"><is><t xml:space="preserve"> 留空 </t></is></c>'
        '<c r="D2" t="str"><f>A1</f><v>公式</v></c><c r="E2" s="1"><v>45352</v></c></row>'
        '<row r="3"><c r="B3" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>'
        '<c r="D3" t="s"><v>1</v></c></row>'
        '<row r="5"><c r="C5" t="inlineStr"><is><t></t></is></c><c r="D5" t="inlineStr"><is>'
        '<t xml:space="preserve"> 前后空格 </t></is></c></row>'
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>社区</t></si><si><t>第二个</t></si></sst>"
    )
    data = _workbook_with_sheet(sheet, shared)
    rows = list(open_spreadsheet(data).rows("台账"))
    assert rows == [
        (
            1,
            (
                "社区",
                "小组",
                datetime.datetime(2024, 3, 1),
                datetime.datetime(2024, 3, 2),
                datetime.datetime(2024, 3, 3, 12, 0),
                12,
                1.5,
            ),
        ),
        (2, (True, "a & b", " 留空 ", "公式", datetime.datetime(2024, 3, 1))),
        (3, (None, "富文本", None, "第二个")),
        (5, (None, None, "", " 前后空格 ")),
    ]
    # Rows 1 and 5 were taken by the pattern, rows 2 and 3 not.
    plain = [
        row
        for row in body.split("<row")[1:]
        if row.count("<c") == len(core.excel.reading._PLAIN_CELL.findall(row))
    ]
    assert [row.split('"')[1] for row in plain] == ["1", "5"]
    monkeypatch.setattr(core.excel.reading, "_PLAIN_CELL", re.compile("(?!x)x"))  # never matches
    assert list(open_spreadsheet(data).rows("台账")) == rows


def test_csv_in_utf8_with_bom_and_in_gb18030():
    text = "社区,组织名称\n坪山社区,'=书画协会\n"
    for data in (b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("gb18030")):
        spreadsheet = open_spreadsheet(data)
        assert spreadsheet.format == "csv"
        # the apostrophe our CSV export puts before a formula-like value is taken off again
        assert list(spreadsheet.rows("CSV")) == [
            (1, ("社区", "组织名称")),
            (2, ("坪山社区", "=书画协会")),
        ]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"%PDF-1.4\x00\x01\x02\x03\x00\x00binary\x00\x07\x08", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "97-2003"),
        (b"PK\x03\x04not really a zip", "not a spreadsheet"),
    ],
)
def test_files_that_are_not_spreadsheets(data, words):
    with pytest.raises(SpreadsheetError) as caught:
        open_spreadsheet(data)
    assert words in caught.value.message


def test_a_zip_that_is_not_a_workbook():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(SpreadsheetError) as caught:
        open_spreadsheet(out.getvalue())
    assert "not an Excel workbook" in caught.value.message


# --- writing --------------------------------------------------------------------------------


def test_streamed_xlsx_reads_back_with_frozen_header_filter_widths_and_real_dates():
    rows = [
        ["坪山社区", datetime.date(2024, 3, 1), 12, Decimal("1.5"), None, "=1+1", "a\x01b"],
        ["马峦社区", None, 0, Decimal("0"), "440303199505050029", "  空格 ", "<&>"],
    ]
    spec = SheetSpec(
        title="台账/测试",
        header=["社区", "日期", "人数", "时长", "身份证号码", "文本", "符号"],
        widths=[20, 12, 8, 8, 22, 10, 10],
        text_columns=[4],
        rows=iter(rows),
    )
    data = b"".join(iter_xlsx([spec]))
    assert spec.written == 2
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "台账_测试"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
    assert sheet.column_dimensions["A"].width == 20
    assert [c.value for c in sheet[1]] == spec.header
    assert sheet["B2"].value == datetime.datetime(2024, 3, 1)
    assert sheet["B2"].is_date and sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].value == 12 and sheet["D2"].value == 1.5
    assert sheet["F2"].value == "=1+1" and sheet["F2"].data_type == "s"  # never a formula
    assert sheet["G2"].value == "ab"  # a character XML can't hold is dropped
    assert sheet["E3"].value == "440303199505050029"
    assert sheet["F3"].value == "  空格 "
    assert sheet["G3"].value == "<&>"
    # our own reader agrees
    rows_back = list(open_spreadsheet(data).rows("台账_测试"))
    assert rows_back[2][1][4] == "440303199505050029"


def test_streamed_xlsx_of_no_rows_is_still_a_workbook():
    spec = SheetSpec(title="空", header=["社区"], rows=iter([]))
    book = load_workbook(io.BytesIO(b"".join(iter_xlsx([spec]))))
    assert [c.value for c in book.active[1]] == ["社区"]


def test_csv_has_a_bom_and_never_starts_a_formula():
    rows = [["坪山社区", "=SUM(A1)"], ["+86", datetime.date(2024, 3, 1)]]
    text = "".join(iter_csv(["社区", "数值"], rows))
    assert text.startswith("\ufeff社区,数值\r\n")
    assert "'=SUM(A1)" in text and "'+86" in text and "2024-03-01" in text


def test_annotated_copy_marks_rows_and_cells():
    data = workbook([["社区", "组织名称"], ["坪山社区", ""], ["马峦社区", "舞蹈队"]], title="台账")
    errors = [
        RowError(2, "组织名称", "this cell must be filled in", 1),
        RowError(3, "", "整行有问题"),
    ]
    copy, extension = annotate(data, sheet="台账", header_row=1, errors=errors, heading="问题")
    assert extension == ".xlsx"
    sheet = load_workbook(io.BytesIO(copy))["台账"]
    assert sheet["C1"].value == "问题"
    assert "must be filled" in sheet["C2"].value
    assert sheet["C3"].value == "整行有问题"
    assert sheet["B2"].fill.fgColor.rgb.endswith("FDE2E1")
    csv_copy, extension = annotate(
        "社区,组织名称\n坪山社区,\n".encode(),
        sheet="CSV",
        header_row=1,
        errors=errors[:1],
        heading="问题",
    )
    assert extension == ".csv"
    assert csv_copy.decode("utf-8-sig").splitlines()[1].endswith("this cell must be filled in")
