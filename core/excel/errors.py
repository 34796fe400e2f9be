"""Errors of a spreadsheet and its rows, cell addresses, and the progress callback shared by
the reading, writing and annotating parts of ``core.excel``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _


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
