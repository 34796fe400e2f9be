"""The one workbook writer (``core.excel.writing``): text Excel would take for a formula or an
error value is written as text in every workbook the project writes; the ledger import and
export entry points work on paths outside a request and report progress."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.excel import RowError, annotate, set_cell, table_sheet, workbook_bytes
from registry.exports import ledger_export, ledger_template
from registry.imports import ledger_import
from registry.models import Division, Organisation
from tests.conftest import PINGSHAN_COMMUNITY
from tests.excel.conftest import GROUP_HEADER, workbook
from tests.registry.factories import make_group

FORMULA = '=HYPERLINK("x")'


def formulas(data: bytes) -> list[str]:
    """The worksheet parts of an .xlsx that hold a formula element."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and "<f>" in archive.read(name).decode()
        ]


def test_styled_workbooks_write_formula_like_text_as_text():
    book = Workbook()
    table_sheet(book, "表", [("名称", 20), ("数量", 8)], [[FORMULA, 3], ["#N/A", 4]], first=True)
    other = book.create_sheet("其他")
    set_cell(other, 1, 1, "=1+1")
    other["B1"] = "=SUM(A1)"  # set directly: workbook_bytes still writes it as text
    data = workbook_bytes(book)
    assert formulas(data) == []
    loaded = load_workbook(io.BytesIO(data))
    sheet = loaded["表"]
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [(FORMULA, "s"), ("#N/A", "s")]
    assert sheet["B2"].value == 3 and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet.column_dimensions["A"].width == 20
    assert [c.value for c in loaded["其他"][1]] == ["=1+1", "=SUM(A1)"]
    assert loaded["其他"]["A1"].quotePrefix  # Excel keeps it text when the cell is edited


def test_styled_workbooks_drop_control_characters_xml_cannot_carry():
    # text stored through the API may hold them (a fuzzer found one in a campaign's entry title;
    # openpyxl refused the cell and the export was a 500)
    book = Workbook()
    table_sheet(book, "表", [("名称", 20)], [["案例\x01一\x0b"], ["tab\tand\nnewline"]], first=True)
    set_cell(book.active, 4, 1, "\x00零")
    sheet = load_workbook(io.BytesIO(workbook_bytes(book)))["表"]
    assert [c.value for c in sheet["A"]] == ["名称", "案例一", "tab\tand\nnewline", "零"]


def test_an_annotated_copy_keeps_the_files_own_formulas_and_the_csv_guard():
    book = Workbook()
    book.active.title = "台账"
    book.active.append(["社区", "合计"])
    book.active.append(["坪山社区", "=1+1"])
    source = io.BytesIO()
    book.save(source)
    errors = [RowError(2, "社区", "有问题", 0)]
    copy, _ext = annotate(
        source.getvalue(), sheet="台账", header_row=1, errors=errors, heading="问题"
    )
    assert load_workbook(io.BytesIO(copy))["台账"]["B2"].data_type == "f"  # the user's formula
    csv_copy, _ext = annotate(
        "社区,组织名称\n坪山社区,'=书画协会\n".encode(),
        sheet="CSV",
        header_row=1,
        errors=errors,
        heading="问题",
    )
    assert csv_copy.decode("utf-8-sig").splitlines()[1].startswith("坪山社区,'=书画协会,")


@pytest.mark.django_db
def test_the_template_writes_a_street_named_like_a_formula_as_text(staff):
    street = Division.objects.get(code=PINGSHAN_COMMUNITY).parent
    street.name = FORMULA
    street.save()
    data = ledger_template("groups", staff)
    assert formulas(data) == []
    options = load_workbook(io.BytesIO(data))["选项"]
    labels = [cell for row in options.iter_rows() for cell in row if cell.value]
    assert any(cell.value.startswith(FORMULA + "/") and cell.data_type == "s" for cell in labels)


@pytest.mark.django_db
def test_import_and_export_work_on_paths_and_report_progress(staff, tmp_path):
    make_group(staff)
    source = tmp_path / "小组台账.xlsx"
    source.write_bytes(
        workbook([GROUP_HEADER, ["坪山社区", "坪山社区合唱团", "服务类", "文体活动", "2024-03-01"]])
    )
    events = []
    result = ledger_import(
        source=source, acting_user=staff, progress=lambda *event: events.append(event)
    )
    assert result.ok and result.created == 1 and result.filename == "小组台账.xlsx"
    assert ("read", 1, 1) in events and events[-1][0] == "write"
    reason = Organisation.history.filter(name="坪山社区合唱团").get().history_change_reason
    assert "小组台账.xlsx" in reason
    target = tmp_path / "export.csv"
    events.clear()
    written = ledger_export(
        target, kind="groups", user=staff, file_format="csv", progress=lambda *e: events.append(e)
    )
    assert written == 2 and events[-1] == ("write", 2, 2)
    assert "坪山社区合唱团" in target.read_text(encoding="utf-8-sig")
    missing = ledger_import(source=tmp_path / "none.xlsx", acting_user=staff)
    assert not missing.ok and missing.errors[0].row == 0
