"""Excel and CSV plumbing shared by every ledger and every workbook the project writes.
Nothing domain-specific.

==============  ==============================================================================
module          what
==============  ==============================================================================
``errors``      ``RowError`` (row, column, message), ``SpreadsheetError``, ``CellValueError``,
                cell addresses (``column_letter``), the ``Progress`` callback type
``reading``     ``open_spreadsheet``: .xlsx workbooks (our own fast reader) and CSV files
                (UTF-8 or GB18030) as Excel stores them
``cells``       ``Column`` (a ledger column: headers, kind, choices), ``match_header``, the
                cell parsers (dates, numbers, codes, 是/否, choices)
``writing``     the one workbook writer: streamed sheets (``iter_xlsx``, ``write_xlsx``), CSV
                (``iter_csv``), styled openpyxl workbooks (``table_sheet``, ``set_cell``,
                ``workbook_bytes``); text is never written as a formula
``annotate``    ``annotate``: an uploaded file back with its problems marked
==============  ==============================================================================

Import the public names from ``core.excel``; the modules are the layout, not the interface.
Masked numbers (``MASK``, ``mask_middle``, ``is_masked``) are ``core.masking``'s, re-exported.
"""

from core.excel.annotate import annotate
from core.excel.cells import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    CODE,
    DATE,
    DECIMAL,
    FALSE_WORDS,
    INTEGER,
    LONG_NUMBER,
    LONG_TEXT,
    NO,
    PHONE,
    TEXT,
    TRUE_WORDS,
    YES,
    ChoiceMap,
    Column,
    HeaderMap,
    choice_map,
    clean_text,
    digits_lost_message,
    match_header,
    normalise_header,
    normalise_multiline,
    parse_boolean,
    parse_code,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_long_number,
    parse_phone,
)
from core.excel.errors import (
    CellValueError,
    Progress,
    RowError,
    SpreadsheetError,
    column_index,
    column_letter,
)
from core.excel.reading import (
    CSV_GUARDED,
    DATE_FORMAT_IDS,
    EXCEL_EPOCH,
    EXCEL_EPOCH_1904,
    MAX_ROWS,
    CsvSpreadsheet,
    Spreadsheet,
    XlsxSpreadsheet,
    open_spreadsheet,
)
from core.excel.writing import (
    DATE_FORMAT,
    HEADER_FILL,
    SHEET_NAME_FORBIDDEN,
    SheetSpec,
    append_row,
    csv_cell,
    iter_csv,
    iter_xlsx,
    set_cell,
    sheet_title,
    table_sheet,
    workbook_bytes,
    write_xlsx,
)
from core.masking import MASK, is_masked, mask_middle

__all__ = [
    "BOOLEAN",
    "CHOICE",
    "CHOICES",
    "CODE",
    "CSV_GUARDED",
    "DATE",
    "DATE_FORMAT",
    "DATE_FORMAT_IDS",
    "DECIMAL",
    "EXCEL_EPOCH",
    "EXCEL_EPOCH_1904",
    "FALSE_WORDS",
    "HEADER_FILL",
    "INTEGER",
    "LONG_NUMBER",
    "LONG_TEXT",
    "MASK",
    "MAX_ROWS",
    "NO",
    "PHONE",
    "SHEET_NAME_FORBIDDEN",
    "TEXT",
    "TRUE_WORDS",
    "YES",
    "CellValueError",
    "ChoiceMap",
    "Column",
    "CsvSpreadsheet",
    "HeaderMap",
    "Progress",
    "RowError",
    "SheetSpec",
    "Spreadsheet",
    "SpreadsheetError",
    "XlsxSpreadsheet",
    "annotate",
    "append_row",
    "choice_map",
    "clean_text",
    "column_index",
    "column_letter",
    "csv_cell",
    "digits_lost_message",
    "is_masked",
    "iter_csv",
    "iter_xlsx",
    "mask_middle",
    "match_header",
    "normalise_header",
    "normalise_multiline",
    "open_spreadsheet",
    "parse_boolean",
    "parse_code",
    "parse_date",
    "parse_decimal",
    "parse_integer",
    "parse_long_number",
    "parse_phone",
    "set_cell",
    "sheet_title",
    "table_sheet",
    "workbook_bytes",
    "write_xlsx",
]
