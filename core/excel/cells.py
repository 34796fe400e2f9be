"""Columns and cells: matching headers as people write them, and turning cells into values
(with an error that says what is wrong) and values back into cells."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from core.excel.errors import CellValueError, RowError, column_letter
from core.excel.reading import EXCEL_EPOCH
from core.masking import MASK
from core.validators import normalise_code, normalise_text

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
