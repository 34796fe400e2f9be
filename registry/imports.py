"""Importing the registry's ledger files: ``ledger_import`` (and ``ledger_import_steps``, the
same as a generator of progress events). The ledgers' columns and keys are ``registry.ledgers``.

Import follows NetBox's bulk import (``create_and_update_objects``): a row with a known key
updates, without one creates; every problem of every row is reported at once (row, column,
reason) and, by default, nothing is written unless the whole file is clean; one scope check
covers all rows (``restrict(user, "change")``) and is repeated over the records written, before
the commit; rows are validated with the model's own field validation and written with
``core.db.create_with_history`` / ``update_with_history`` (``COPY`` on PostgreSQL) so every
created or changed row gets a history row naming the user and the file. Status never changes
through an import: that is what the review workflow is for.

The entry points are plain functions, callable outside a request (a command, a background
task): a file's bytes, a binary file object or a path in, an ``ImportResult`` out (JSON-ready
with ``as_dict`` / ``from_dict``), progress reported through a callback.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, signals
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.db import create_with_history, update_with_history
from core.excel import (
    MAX_ROWS,
    CellValueError,
    HeaderMap,
    Progress,
    RowError,
    SpreadsheetError,
    match_header,
    normalise_header,
    open_spreadsheet,
)
from core.masking import MASK, PERSONAL_FIELDS, is_masked, mask_phone
from core.scoping import CHANGE
from core.validators import clean_phone
from registry import ledger_history
from registry.choices import DivisionLevel, OrgStatus
from registry.ledgers import (
    ACTIVITIES,
    ACTIVITY_COLUMNS,
    COMMUNITY,
    FILED,
    GROUPS,
    INSTRUCTION_SHEET_NAMES,
    LEDGERS,
    MEMBER_COLUMNS,
    MEMBERS,
    ORGANISATION_COLUMNS,
    REGISTERED,
    Ledger,
    community_label,
    ledger_import_refusal,
)
from registry.models import Activity, Division, Member, Organisation, User
from registry.models.fields import ChoiceSetField
from registry.validators import (
    clean_organisation_credit_code,
    excluded_name_message,
    excluded_words,
)

WRITE_BATCH = 5000
PROGRESS_EVERY = 1000
MAX_CHANGES_LISTED = 2000

#: What a clerk types in a cell to clear the stored value on an update (docs/excel.md): a blank
#: cell leaves the stored value alone.
CLEAR_WORDS = frozenset({"（清空）", "(清空)", "清空", "<clear>", "(clear)"})


class _Clear:
    """The value of a cell that asks to clear the field (one of ``CLEAR_WORDS``)."""

    def __repr__(self):
        return "CLEAR"

    def __bool__(self):
        return False


CLEAR = _Clear()
#: columns that identify a record: they can't be cleared
UNCLEARABLE = frozenset(
    {"name", "community", "community_code", "organisation", "filing_number", "credit_code"}
)


# --- result ---------------------------------------------------------------------------------

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass
class ImportResult:
    """What an import did or, on a dry run, would do; every problem found."""

    filename: str
    ledger: str = ""
    sheet: str = ""
    header_row: int = 1
    dry_run: bool = False
    skip_invalid: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def ledger_title(self) -> str:
        return LEDGERS[self.ledger].title if self.ledger in LEDGERS else ""

    def summary(self) -> str:
        counts = {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }
        if self.errors and not self.written:
            return (
                _(
                    "%(errors)s problem(s) in %(rows)s row(s); nothing was imported. "
                    "Correct the file and upload it again."
                )
                % counts
            )
        if self.dry_run:
            return (
                _(
                    "Check only, nothing written: %(rows)s row(s): %(created)s would be created, "
                    "%(updated)s updated, %(unchanged)s unchanged."
                )
                % counts
            )
        text = (
            _(
                "%(rows)s row(s) imported: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged."
            )
            % counts
        )
        if self.skipped:
            text += " " + _("%(skipped)s row(s) with problems were skipped.") % {
                "skipped": self.skipped
            }
        return text

    def as_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "errors"}
        data["errors"] = [error.as_dict() for error in self.errors]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ImportResult:
        data = dict(data)
        errors = [RowError(**error) for error in data.pop("errors", [])]
        return cls(**data, errors=errors)


# --- the run --------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    community: Division | None = None
    organisation: Organisation | None = None
    instance: Any = None
    pk: int | None = None
    action: str = ""
    changed: list[str] = field(default_factory=list)


class _Run:
    """The state of one import: the ledger, the user, where the columns are, the problems."""

    def __init__(self, ledger: Ledger, user: User, header: HeaderMap, result: ImportResult):
        self.ledger = ledger
        self.user = user
        self.header = header
        self.columns = ledger.column_map
        self.result = result
        self.bad: set[int] = set()
        self.lock = False
        # A ledger repeats a few values per column (choices, dates, blanks): each distinct cell
        # is parsed, and each distinct value cleaned by its model field, once per import.
        self.parsed: dict[tuple, tuple[bool, Any]] = {}
        self.cleaned: dict[tuple, tuple[bool, Any]] = {}

    def error(self, row: int, key: str | None, message) -> None:
        if key is None or key not in self.columns:
            self.result.errors.append(RowError(row, "", str(message)))
        else:
            self.result.errors.append(
                RowError(
                    row,
                    self.header.label(key, self.columns),
                    str(message),
                    self.header.index.get(key),
                )
            )
        self.bad.add(row)

    def present(self, key: str) -> bool:
        return key in self.header.index

    def locked(self, queryset):
        return queryset.select_for_update(of=("self",)) if self.lock else queryset


def ledger_import(
    *,
    source,
    filename: str = "",
    acting_user: User,
    ledger: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a ledger file (.xlsx or .csv) as ``acting_user``.

    ``source`` is the file's bytes, a binary file object or a path; ``filename`` (default: the
    path's name) is what the history's change reason names. ``progress(phase, done, total)``
    is called as the phases ``read``, ``check`` and ``write`` advance (``total`` may be None
    while reading).
    ``ledger`` is one of ``LEDGERS`` or None to tell it from the sheet name or the headers.
    With ``dry_run`` nothing is written and the result says what would be created, updated
    or left unchanged. Unless ``skip_invalid``, a file with any problem writes nothing.
    Never raises for a bad file or bad rows: the result lists every problem.
    """
    steps = ledger_import_steps(
        source=source,
        filename=filename,
        acting_user=acting_user,
        ledger=ledger,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )
    while True:
        try:
            event = next(steps)
        except StopIteration as stop:
            return stop.value
        if progress is not None:
            progress(*event)


def ledger_import_steps(
    *,
    source,
    filename: str = "",
    acting_user: User,
    ledger: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> Generator[tuple[str, int, int | None], None, ImportResult]:
    """``ledger_import`` as a generator of progress events ``(phase, done, total)`` that
    returns the result: the web page streams these while a large file is imported."""
    if not filename and isinstance(source, str | os.PathLike):
        filename = Path(source).name
    result = ImportResult(filename=filename, dry_run=dry_run, skip_invalid=skip_invalid)
    try:
        spreadsheet = open_spreadsheet(source, filename)
    except SpreadsheetError as error:
        result.errors.append(RowError(0, "", error.message))
        return result
    chosen = LEDGERS.get(ledger) if ledger else None
    sheet, chosen = _choose_sheet(spreadsheet, chosen)
    if sheet is None:
        result.errors.append(RowError(0, "", _("The workbook has no worksheet with data.")))
        return result
    result.sheet = sheet
    estimate = spreadsheet.row_estimate(sheet)
    rows = spreadsheet.rows(sheet)
    try:
        header_row = next(((n, v) for n, v in rows if _nonblank(v)), None)
    except SpreadsheetError as error:
        result.errors.append(RowError(0, "", error.message))
        return result
    if header_row is None:
        result.errors.append(
            RowError(0, "", _("The sheet %(sheet)s is empty.") % {"sheet": f"「{sheet}」"})
        )
        return result
    number, cells = header_row
    if chosen is None:
        chosen = _ledger_from_header(number, cells)
        if chosen is None:
            result.errors.append(
                RowError(
                    number,
                    "",
                    _(
                        "Can't tell which ledger this is from its headers; choose the ledger, "
                        "or start from the template for it."
                    ),
                )
            )
            return result
    result.ledger = chosen.kind
    result.header_row = number
    refusal = ledger_import_refusal(chosen, acting_user)
    if refusal:
        result.errors.append(RowError(0, "", refusal))
        return result
    header, problems = match_header(number, cells, chosen.columns)
    if "community" not in header.index and "community_code" not in header.index:
        problems.append(
            RowError(
                number,
                COMMUNITY.label,
                _("this required column is missing (the header row must name it: %(names)s)")
                % {"names": "「社区」、「社区代码」"},
            )
        )
    result.errors.extend(problems)
    if header.ignored:
        result.notices.append(
            _("Columns ignored (not part of this ledger): %(columns)s")
            % {"columns": "、".join(f"「{name}」" for name in header.ignored)}
        )
    if problems:
        return result
    run = _Run(chosen, acting_user, header, result)

    # 1. Read every row and turn its cells into values; cell problems are collected.
    parsed: list[_Row] = []
    try:
        for number, cells in rows:
            if not _nonblank(cells):
                continue
            if len(parsed) == MAX_ROWS:
                result.errors.append(
                    RowError(
                        number,
                        "",
                        _("A file may hold at most %(max)s rows; split it into several files.")
                        % {"max": f"{MAX_ROWS:,}"},
                    )
                )
                return result
            parsed.append(_parse_row(run, number, cells))
            if len(parsed) % PROGRESS_EVERY == 0:
                yield ("read", len(parsed), estimate)
    except SpreadsheetError as error:
        result.errors.append(RowError(0, "", error.message))
        return result
    result.rows = len(parsed)
    if not parsed:
        result.errors.append(
            RowError(0, "", _("The sheet has a header row but no data rows below it."))
        )
        return result
    yield ("read", len(parsed), len(parsed))

    # 2. Check the rows against the database and 3. write, in one transaction.
    planner = {MEMBERS: _plan_members, ACTIVITIES: _plan_activities}.get(
        chosen.kind, _plan_organisations
    )
    reason = _("Imported from %(file)s") % {"file": filename or "Excel"}
    if dry_run:
        yield from planner(run, parsed)
        _tally(run, parsed)
        return result
    run.lock = True
    try:
        with transaction.atomic():
            yield from planner(run, parsed)
            _tally(run, parsed)
            if result.errors and not skip_invalid:
                transaction.set_rollback(True)
                return result
            yield from _write(run, parsed, reason)
            if not _written_in_scope(run, parsed):
                transaction.set_rollback(True)
                result.errors.append(RowError(0, "", str(WRITTEN_OUTSIDE)))
                return result
            result.written = True
    except IntegrityError:
        # Someone changed the same records between our check and our write.
        result.written = False
        result.errors.append(
            RowError(
                0,
                "",
                _(
                    "The ledger changed while the file was being imported (another user saved "
                    "the same records); nothing was imported. Upload the file again."
                ),
            )
        )
    return result


WRITTEN_OUTSIDE = gettext_lazy(
    "Some of the records written would be outside your jurisdiction; nothing was imported."
)


def _nonblank(cells) -> bool:
    return any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells)


def _choose_sheet(spreadsheet, ledger: Ledger | None) -> tuple[str | None, Ledger | None]:
    skip = {normalise_header(name) for name in INSTRUCTION_SHEET_NAMES}
    sheets = [name for name in spreadsheet.sheet_names if normalise_header(name) not in skip]
    if not sheets:
        return None, ledger
    by_title = {}
    for candidate in LEDGERS.values():
        for name in candidate.names():
            by_title[normalise_header(name)] = candidate
    if ledger is not None:
        for name in sheets:
            if by_title.get(normalise_header(name)) is ledger:
                return name, ledger
        return sheets[0], ledger
    for name in sheets:
        if normalise_header(name) in by_title:
            return name, by_title[normalise_header(name)]
    return sheets[0], None


def _ledger_from_header(number: int, cells) -> Ledger | None:
    """The ledger whose required columns are all there and which knows most of the headers."""
    scored = []
    for ledger in LEDGERS.values():
        header, problems = match_header(number, cells, ledger.columns)
        has_community = "community" in header.index or "community_code" in header.index
        if not problems and has_community:
            scored.append((len(header.index), ledger))
    scored.sort(key=lambda item: -item[0])
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


# Cell values for which equal means identical (a float is left out: 0.0 and -0.0 are equal).
_MEMO_CELLS = frozenset({str, int, bool, type(None), datetime.date, datetime.datetime})


def _parse_row(run: _Run, number: int, cells) -> _Row:
    values: dict[str, Any] = {}
    width = len(cells)
    memo = run.parsed
    for key, index in run.header.index.items():
        column = run.columns[key]
        raw = cells[index] if index < width else None
        if raw.__class__ is str and raw.strip().lower() in CLEAR_WORDS:
            if column.required or key in UNCLEARABLE:
                run.error(number, key, _("this column identifies the record; it can't be cleared"))
            else:
                values[key] = CLEAR
            continue
        kind = raw.__class__
        memo_key = (key, kind, raw) if kind in _MEMO_CELLS else None
        outcome = memo.get(memo_key) if memo_key is not None else None
        if outcome is None:
            try:
                outcome = (True, column.parse(raw))
            except CellValueError as error:
                outcome = (False, error.message)
            if memo_key is not None:
                memo[memo_key] = outcome
        parsed, value = outcome
        if not parsed:
            run.error(number, key, value)
            continue
        if column.required and value in ("", None, []):
            run.error(number, key, _("this cell must be filled in"))
            continue
        values[key] = list(value) if value.__class__ is list else value
    return _Row(number, values)


def _tally(run: _Run, rows: list[_Row]):
    result = run.result
    result.created = result.updated = result.unchanged = 0
    for row in rows:
        if row.number in run.bad:
            continue
        if row.action == CREATE:
            result.created += 1
        elif row.action == UPDATE:
            result.updated += 1
        elif row.action == UNCHANGED:
            result.unchanged += 1
        if row.action in (CREATE, UPDATE) and len(result.changes) < MAX_CHANGES_LISTED:
            result.changes.append(
                {
                    "row": row.number,
                    "action": row.action,
                    "label": str(row.instance),
                    "fields": [
                        run.header.label(key, run.columns)
                        + (_("(cleared)") if row.values.get(key) is CLEAR else "")
                        for key in row.changed
                        if key in run.columns
                    ],
                }
            )
    result.skipped = len({row.number for row in rows} & run.bad)
    result.errors.sort(key=lambda error: (error.row, error.column_index or 0))


# --- communities ----------------------------------------------------------------------------


def _split_community(text: str) -> list[str]:
    text = text.replace("／", "/").replace("\\", "/").replace("＼", "/")
    return [part.strip() for part in text.split("/") if part.strip()]


# The statistics name a community by its committee (坪山社区居委会, 桂木园社区居民委员会); people
# write 坪山社区. Names are compared without these endings.
DIVISION_NAME_ENDINGS = ("居民委员会", "村民委员会", "居委会", "村委会", "居委", "办事处", "工作站")


def division_key(name: str) -> str:
    for ending in DIVISION_NAME_ENDINGS:
        if name.endswith(ending) and len(name) > len(ending):
            return name[: -len(ending)]
    return name


def _name_variants(name: str) -> set[str]:
    key = division_key(name)
    return {name, key, *(key + ending for ending in DIVISION_NAME_ENDINGS[:5])}


class _Communities:
    """Resolves the community cells of all rows with a few queries, and knows which of the
    communities are inside the user's jurisdiction (the one scope check for divisions)."""

    def __init__(self, run: _Run, rows: list[_Row]):
        self.run = run
        self.memo: dict[tuple, tuple] = {}
        codes: set[str] = set()
        names: set[str] = set()
        for row in rows:
            code = row.values.get("community_code")
            if code:
                codes.add(code)
            text = row.values.get("community")
            if text:
                parts = _split_community(text)
                if len(parts) == 1 and parts[0].isdigit():
                    codes.add(parts[0])
                elif parts:
                    names |= _name_variants(parts[-1])
        related = Division.objects.select_related("parent__parent")
        self.by_code = {d.code: d for d in _chunked(related, "code__in", codes)}
        self.by_name: dict[str, list[Division]] = defaultdict(list)
        for division in _chunked(related.filter(level=DivisionLevel.COMMUNITY), "name__in", names):
            self.by_name[division_key(division.name)].append(division)
        candidates = set(self.by_code) | {d.code for group in self.by_name.values() for d in group}
        self.in_scope = set(
            _chunked(
                Division.objects.restrict(run.user, CHANGE).values_list("code", flat=True),
                "code__in",
                candidates,
            )
        )

    def resolve(self, row: _Row) -> Division | None:
        """The row's community; its problems, if any, reported on the row. A file names the
        same few communities on thousands of rows: each distinct cell is worked out once."""
        key = (row.values.get("community_code"), row.values.get("community"))
        outcome = self.memo.get(key)
        if outcome is None:
            errors_before = len(self.run.result.errors)
            division = self._resolve(row)
            problems = [
                (error.column_index, error.message)
                for error in self.run.result.errors[errors_before:]
            ]
            outcome = self.memo[key] = (division, problems)
            return division
        division, problems = outcome
        for index, message in problems:
            key = (
                next(k for k, i in self.run.header.index.items() if i == index)
                if (index is not None)
                else None
            )
            self.run.error(row.number, key, message)
        return division

    def _resolve(self, row: _Row) -> Division | None:
        run = self.run
        code = row.values.get("community_code")
        text = row.values.get("community")
        if code:
            return self._by_code(row, code, "community_code", text)
        if not text:
            run.error(
                row.number,
                "community",
                _("give the community (street/community) or its 12-digit code"),
            )
            return None
        parts = _split_community(text)
        if len(parts) == 1 and parts[0].isdigit():
            return self._by_code(row, parts[0], "community", "")
        candidates = [
            d for d in self.by_name.get(division_key(parts[-1]), []) if self._names(d, parts)
        ]
        if not candidates:
            run.error(
                row.number,
                "community",
                _(
                    "no community called %(text)s; write street/community "
                    "(e.g. 坪山街道/坪山社区) or the 12-digit community code"
                )
                % {"text": f"「{text}」"},
            )
            return None
        inside = [d for d in candidates if d.code in self.in_scope]
        if len(inside) == 1:
            return inside[0]
        if not inside:
            return self._in_scope(row, candidates[0], "community")
        run.error(
            row.number,
            "community",
            _(
                "%(text)s is ambiguous: %(count)s communities have this name (%(list)s); "
                "write street/community (e.g. %(example)s) or the 12-digit community code"
            )
            % {
                "text": f"「{text}」",
                "count": len(inside),
                "list": "、".join(community_label(d) for d in inside[:5]),
                "example": community_label(inside[0]),
            },
        )
        return None

    def _by_code(self, row: _Row, code: str, key: str, text: str) -> Division | None:
        run = self.run
        division = self.by_code.get(code)
        if division is None:
            run.error(row.number, key, _("no community has the code %(code)s") % {"code": code})
            return None
        if division.level != DivisionLevel.COMMUNITY:
            run.error(
                row.number,
                key,
                _("%(code)s is the code of %(name)s, a %(level)s, not of a community")
                % {"code": code, "name": division.name, "level": division.get_level_display()},
            )
            return None
        parts = _split_community(text) if text else []
        if parts and not (parts == [code] or self._names(division, parts)):
            run.error(
                row.number,
                "community",
                _("the community code %(code)s is %(label)s, but this cell says %(text)s")
                % {"code": code, "label": community_label(division), "text": f"「{text}」"},
            )
            return None
        return self._in_scope(row, division, key)

    def _in_scope(self, row: _Row, division: Division, key: str) -> Division | None:
        if division.code not in self.in_scope:
            self.run.error(
                row.number,
                key,
                _("%(community)s is outside your jurisdiction")
                % {"community": community_label(division)},
            )
            return None
        return division

    @staticmethod
    def _names(division: Division, parts: list[str]) -> bool:
        """Whether "district/street/community" (or a tail of it) names this division."""
        chain = []
        node = division
        while node is not None and len(chain) < len(parts):
            chain.append(division_key(node.name))
            node = node.parent
        return list(reversed(chain)) == [division_key(part) for part in parts]


def _chunked(queryset, lookup: str, values: Iterable, size: int = 5000):
    values = list(values)
    for start in range(0, len(values), size):
        yield from queryset.filter(**{lookup: values[start : start + size]})


# --- assigning and validating ---------------------------------------------------------------

MASKED_NEW = gettext_lazy(
    "this number is masked (it has * in it); a masked number can only keep the one on "
    "record, so type the full number for a new entry"
)
MASKED_MISMATCH = gettext_lazy(
    "this masked number doesn't match the one on record; type the full number to change it"
)


def _target(model_field, value):
    """What a cleared (or, on a new record, blank) cell sets the field to: NULL where the
    field allows it (so blank optional codes never collide in a unique column), else blank,
    or its default where it can't be blank."""
    if value is CLEAR:
        value = None
    if value in (None, "", []) and model_field.null:
        return None
    if value in (None, "") and not model_field.blank:
        return model_field.get_default()
    if value is None and model_field.blank and not model_field.null:
        return model_field.get_default()
    return value


def _blank(value) -> bool:
    """A blank cell (not one asking to clear)."""
    return value is None or value == "" or value == []


def _differs(run: _Run, row: _Row, stored: dict, keys: Iterable[str], meta) -> bool:
    """Whether the row would change the stored values (a matching masked cell never does)."""
    columns, values = run.columns, row.values
    for key in keys:
        if key not in values:
            continue
        value = values[key]
        if _blank(value):
            continue  # a blank cell leaves the stored value alone
        if is_masked(value):
            if PERSONAL_FIELDS[key](stored[key] or "") != value:
                return True
            continue
        if not columns[key].equivalent(stored[key], _target(meta.get_field(key), value)):
            return True
    return False


def _assign(run: _Run, row: _Row, instance, keys: Iterable[str], existing: bool) -> list[str]:
    """Put the row's values on the instance; returns the fields that change. A masked cell
    (138****8000) leaves the stored number alone."""
    changed = []
    meta = instance._meta
    values, columns = row.values, run.columns
    for key in keys:
        if key not in values:
            continue
        value = values[key]
        if existing and _blank(value):
            continue  # a blank cell leaves the stored value alone; CLEAR clears it
        if isinstance(value, str) and MASK in value:
            stored = getattr(instance, key)
            if not existing:
                run.error(row.number, key, MASKED_NEW)
            elif PERSONAL_FIELDS[key](stored or "") != value:
                run.error(row.number, key, MASKED_MISMATCH)
            continue
        if value is None or value == "" or value is CLEAR or value == []:
            value = _target(meta.get_field(key), value)
        if existing and columns[key].equivalent(getattr(instance, key), value):
            continue
        setattr(instance, key, value)
        changed.append(key)
    return changed


def _validate(run: _Run, row: _Row, instance, assigned: Iterable[str], always=()) -> bool:
    """The model's own validation of the assigned fields (``clean_fields``, then ``clean``:
    ``full_clean`` without the unique and constraint checks). Foreign keys were resolved from
    the database above, so their per-row existence query is skipped; uniqueness is checked over
    all rows at once by the callers."""
    check = set(assigned) | set(always)
    errors: dict = {}
    try:
        if type(instance).clean_fields is Model.clean_fields:
            _clean_fields(run, instance, check)
        else:  # the model normalises values itself (Member: phone and ID numbers)
            instance.clean_fields(
                exclude={
                    f.name
                    for f in instance._meta.concrete_fields
                    if f.name not in check or f.is_relation
                }
            )
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if not errors:
        return True
    for key, messages in ValidationError(errors).message_dict.items():
        column = key if key in run.columns else None
        if key == "community":
            column = "community" if run.present("community") else "community_code"
        if key == NON_FIELD_ERRORS:
            column = None
        for message in messages:
            run.error(row.number, column, message)
    return False


# Values whose cleaning by a field depends on the value alone and for which equal means
# identical (Decimal("1.0") == Decimal("1.00"), but only one has two decimal places).
_MEMO_VALUES = frozenset({str, int, bool, type(None), datetime.date})


def _clean_fields(run: _Run, instance, check: set[str]):
    """``Model.clean_fields`` for the non-relation fields in ``check``, each distinct value of
    a field cleaned once per import (Django's fields and ``ChoiceSetField`` clean a value
    without looking at the instance)."""
    errors = {}
    memo = run.cleaned
    for f, pure in _cleanable(type(instance), frozenset(check)):
        raw = getattr(instance, f.attname)
        if f.blank and raw in f.empty_values:
            continue
        if isinstance(raw, DatabaseDefault):
            continue
        kind = raw.__class__
        key = None
        if pure:
            if kind in _MEMO_VALUES:
                key = (f, kind, raw)
            elif kind is list and set(map(type, raw)) <= _STR:
                key = (f, list, tuple(raw))
        outcome = memo.get(key) if key is not None else None
        if outcome is None:
            try:
                outcome = (True, f.clean(raw, instance))
            except ValidationError as error:
                outcome = (False, error.error_list)
            if key is not None:
                memo[key] = outcome
        cleaned, value = outcome
        if cleaned:
            setattr(instance, f.attname, list(value) if kind is list else value)
        else:
            errors[f.name] = value
    if errors:
        raise ValidationError(errors)


_STR = frozenset({str})


@lru_cache(maxsize=256)
def _cleanable(model, check: frozenset[str]) -> tuple:
    """The fields ``clean_fields`` looks at, in its order: those in ``check`` but relations
    (resolved by the import itself); each with whether its cleaning of a value may be
    remembered."""
    return tuple(
        (
            f,
            type(f).__module__.startswith("django.db.models.") or isinstance(f, ChoiceSetField),
        )
        for f in model._meta.fields
        if f.name in check and not f.is_relation and not f.generated
    )


def _fill(run: _Run, row: _Row, instance, keys: tuple[str, ...], existing: bool, always=()):
    """Assign, validate and say what changed (after the model's own normalisation, e.g. of
    phone and ID numbers); None if the row has problems."""
    before = {key: getattr(instance, key) for key in keys} if existing else {}
    changed = _assign(run, row, instance, keys, existing)
    if row.number in run.bad or not _validate(run, row, instance, changed, always):
        return None
    if existing:
        columns = run.columns
        changed = [
            key
            for key in changed
            if not columns[key].equivalent(before[key], getattr(instance, key))
        ]
    return changed


class _Blank:
    """New instances of ``model`` with its defaults (and ``values``), as ``model(**values)``
    makes them, fast: the keyword path of ``Model.__init__`` works out every field's default
    again for each object, which cost more than validating the row. Django's positional path
    (the one ``from_db`` uses) sets each attribute of a fresh ``ModelState``-ed object and sends
    ``pre_init`` / ``post_init``; with no receivers for those, a copy of one such object's
    attributes is the same object, so that is what is made."""

    def __init__(self, model, **values):
        self.model = model
        self.args = []
        self.fresh = []  # callable defaults (list, dict …): a new value per object
        for f in model._meta.concrete_fields:
            if f.attname in values or f.name in values:
                self.args.append(values.get(f.attname, values.get(f.name)))
            elif f.has_default() and callable(f.default):
                self.args.append(None)
                self.fresh.append((f.attname, f.default))
            else:
                self.args.append(f.get_default())
        self.attributes = None
        if not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)):
            self.attributes = dict(model(*self.args).__dict__)
            del self.attributes["_state"]

    def __call__(self, **related):
        if self.attributes is None:
            instance = self.model(*self.args)
        else:
            instance = self.model.__new__(self.model)
            instance._state = ModelState()
            instance.__dict__.update(self.attributes)
        for attname, default in self.fresh:
            setattr(instance, attname, default())
        for name, value in related.items():
            setattr(instance, name, value)
        return instance


def _load(run: _Run, model, pks: Iterable[int], *related: str) -> dict:
    """Full (and, when writing, row-locked) instances of the records that will change."""
    queryset = run.locked(
        (model.objects.select_related(*related) if related else model.objects.all()).order_by()
    )
    return {obj.pk: obj for where in _key_runs(set(pks)) for obj in queryset.filter(where)}


def _status_refusal(name: str, status: str) -> str:
    if status == OrgStatus.EXITED:
        return _("%(name)s has exited; it can no longer be changed.") % {"name": f"「{name}」"}
    return _(
        "%(name)s is in the ledger as a %(status)s organisation; an import never changes an "
        "organisation's status: use the review workflow (filing, registration or exit "
        "application) for that"
    ) % {"name": f"「{name}」", "status": OrgStatus(status).label}


def _outside() -> str:
    """A row that matches a record the user may not change: never named nor described."""
    return _("this row matches a record outside your jurisdiction, which you may not change here")


# --- organisation ledgers -------------------------------------------------------------------

ORG_FIELDS = tuple(
    c.key for c in ORGANISATION_COLUMNS if c.key not in ("community", "community_code")
)
NO_COMMUNITY = gettext_lazy("give the community (street/community) or its 12-digit code")


def _plan_organisations(run: _Run, rows: list[_Row]):
    ledger = run.ledger
    communities = _Communities(run, rows)
    for row in rows:
        if "community" in row.values or "community_code" in row.values:
            row.community = communities.resolve(row)
        elif row.number not in run.bad:
            run.error(row.number, "community", NO_COMMUNITY)

    # Residents' and owners' committees are refused in every organisation ledger.
    words = excluded_words()
    for row in rows:
        refusal = excluded_name_message(row.values.get("name") or "", words)
        if refusal and row.number not in run.bad:
            run.error(row.number, "name", refusal)

    key_field = {GROUPS: None, FILED: "filing_number", REGISTERED: "credit_code"}[ledger.kind]
    if key_field == "credit_code":
        _check_credit_codes(run, rows)
    if key_field == "filing_number":
        for row in rows:
            if not row.values.get("filing_number") and row.number not in run.bad:
                run.error(row.number, "filing_number", _("this cell must be filled in"))

    def key_of(row: _Row):
        if key_field is None:
            return (row.community.code, row.values.get("name")) if row.community else None
        return row.values.get(key_field) or None

    # The same record twice in one file.
    first_seen: dict[Any, int] = {}
    for row in rows:
        key = key_of(row)
        if key is None or row.number in run.bad:
            continue
        if key in first_seen:
            run.error(
                row.number,
                key_field or "name",
                _("duplicates row %(row)s (same %(key)s); each record may appear once")
                % {"row": first_seen[key], "key": ledger.key_help},
            )
        else:
            first_seen[key] = row.number

    # What is stored under each key (every status: a status change is refused, never taken
    # for a new record); plain values, so unchanged rows cost no model instance.
    fields = ORG_FIELDS + _ledger_fields(ledger)
    stored_fields = ("pk", "status", "community_id", *fields)
    existing: dict[Any, dict] = {}
    if key_field is None:
        names = {row.values.get("name") for row in rows if row.community}
        codes = {row.community.code for row in rows if row.community}
        queryset = Organisation.objects.filter(community_id__in=codes).exclude(
            status=OrgStatus.EXITED
        )
        for stored in _chunked(queryset.values(*stored_fields), "name__in", names):
            existing[(stored["community_id"], stored["name"])] = stored
    else:
        keys = {row.values.get(key_field) for row in rows if row.values.get(key_field)}
        queryset = Organisation.objects.values(*stored_fields)
        for stored in _chunked(queryset, f"{key_field}__in", keys):
            existing[stored[key_field]] = stored
    # The one scope check for the records to update.
    reachable = Organisation.objects.restrict(run.user, CHANGE).values_list("pk", flat=True)
    in_scope = {
        pk
        for where in _key_runs(stored["pk"] for stored in existing.values())
        for pk in reachable.filter(where)
    }
    yield ("check", 0, len(rows))

    now = timezone.now()
    meta = Organisation._meta
    blank = _Blank(Organisation, status=ledger.status, created_at=now)
    to_load: list[_Row] = []
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            yield ("check", done, len(rows))
        if row.number in run.bad or row.community is None:
            continue
        stored = existing.get(key_of(row))
        if stored is None:
            org = blank(community=row.community)
            changed = _fill(run, row, org, fields, False)
            row.instance = org
            if changed is not None:
                row.changed, row.action = changed, CREATE
            continue
        if stored["pk"] not in in_scope:
            # Before anything else about it: a record outside is neither named nor described
            # (found by a filing number or credit code typed in, it is not the user's to know).
            run.error(row.number, key_field or "community", _outside())
        elif stored["status"] != ledger.status:
            run.error(
                row.number, key_field or "name", _status_refusal(stored["name"], stored["status"])
            )
        elif stored["community_id"] == row.community.code and not _differs(
            run, row, stored, fields, meta
        ):
            row.action = UNCHANGED
        else:
            row.pk = stored["pk"]
            to_load.append(row)

    instances = _load(run, Organisation, (row.pk for row in to_load))
    for row in to_load:
        org = instances.get(row.pk)
        if org is None:
            run.error(
                row.number, None, _("this record was deleted meanwhile; upload the file again")
            )
            continue
        moved = org.community_id != row.community.code
        org.community = row.community
        changed = _fill(run, row, org, fields, True)
        row.instance = org
        if changed is None:
            continue
        if moved:
            changed.append("community")
        row.changed = changed
        row.action = UPDATE if changed else UNCHANGED
        if changed:
            org.updated_at = now
    _check_organisation_uniqueness(run, rows)
    yield ("check", len(rows), len(rows))


def _ledger_fields(ledger: Ledger) -> tuple[str, ...]:
    return {
        GROUPS: (),
        FILED: ("filing_number", "filed_on"),
        REGISTERED: ("credit_code", "legal_form", "registered_on", "filing_number", "filed_on"),
    }[ledger.kind]


def _check_credit_codes(run: _Run, rows: list[_Row]):
    """Credit codes: valid (GB 32100-2015), issued by civil affairs, of the legal form given."""
    for row in rows:
        code = row.values.get("credit_code")
        if not code:
            continue
        try:
            row.values["credit_code"] = clean_organisation_credit_code(
                code, row.values.get("legal_form") or ""
            )
        except ValidationError as error:
            run.error(row.number, "credit_code", error.messages[0])


def _check_organisation_uniqueness(run: _Run, rows: list[_Row]):
    """Names live in a community, filing numbers and credit codes are unique system-wide:
    checked against the database and within the file, for all rows at once."""
    planned = [
        row
        for row in rows
        if row.number not in run.bad and row.action in (CREATE, UPDATE) and row.instance
    ]
    if not planned:
        return
    # A live name per community.
    codes = {row.instance.community_id for row in planned}
    names = {row.instance.name for row in planned}
    taken: dict[tuple, tuple] = {}
    queryset = (
        Organisation.objects.filter(community_id__in=codes)
        .exclude(status=OrgStatus.EXITED)
        .values_list("pk", "community_id", "name", "status")
    )
    for pk, code, name, status in _chunked(queryset, "name__in", names):
        taken[(code, name)] = (pk, status)
    seen: dict[tuple, int] = {}
    for row in planned:
        org = row.instance
        pair = (org.community_id, org.name)
        other = taken.get(pair)
        if other is not None and other[0] != org.pk:
            if other[1] != org.status:
                run.error(row.number, "name", _status_refusal(org.name, other[1]))
            else:
                run.error(
                    row.number,
                    "name",
                    _("a live organisation called %(name)s already exists in %(community)s")
                    % {"name": f"「{org.name}」", "community": community_label(org.community)},
                )
        elif pair in seen:
            run.error(
                row.number,
                "name",
                _("row %(row)s already has an organisation of this name in this community")
                % {"row": seen[pair]},
            )
        else:
            seen[pair] = row.number
    # Filing numbers and credit codes that another organisation already has.
    for key in ("filing_number", "credit_code"):
        if not run.present(key):
            continue
        values = {getattr(row.instance, key) for row in planned if getattr(row.instance, key)}
        owners = {
            number: (pk, status)
            for pk, number, status in _chunked(
                Organisation.objects.values_list("pk", key, "status"), f"{key}__in", values
            )
        }
        seen = {}
        for row in planned:
            number = getattr(row.instance, key)
            if not number or row.number in run.bad:
                continue
            owner = owners.get(number)
            if owner is not None and owner[0] != row.instance.pk:
                if owner[1] != row.instance.status and owner[1] != OrgStatus.EXITED:
                    message = _(
                        "%(number)s belongs to a %(status)s organisation; an import never "
                        "changes an organisation's status: use the review workflow for that"
                    ) % {"number": number, "status": OrgStatus(owner[1]).label}
                else:
                    message = _("%(number)s is already used by another organisation") % {
                        "number": number
                    }
                run.error(row.number, key, message)
            elif number in seen:
                run.error(
                    row.number,
                    key,
                    _("%(number)s is also on row %(row)s")
                    % {"number": number, "row": seen[number]},
                )
            else:
                seen[number] = row.number


# --- members --------------------------------------------------------------------------------

MEMBER_FIELDS = tuple(
    c.key for c in MEMBER_COLUMNS if c.key not in ("community", "community_code", "organisation")
)
ACTIVITY_FIELDS = tuple(
    c.key for c in ACTIVITY_COLUMNS if c.key not in ("community", "community_code", "organisation")
)


def _resolve_organisations(run: _Run, rows: list[_Row]):
    """The organisation of each row, looked up among those the user may change (one query:
    the scope check); an organisation outside is reported as not found, never described."""
    communities = _Communities(run, rows)
    for row in rows:
        if "community" in row.values or "community_code" in row.values:
            row.community = communities.resolve(row)
        elif row.number not in run.bad:
            run.error(row.number, "community", NO_COMMUNITY)
    codes = {row.community.code for row in rows if row.community}
    names = {row.values.get("organisation") for row in rows if row.community}
    found: dict[tuple, Organisation] = {}
    queryset = run.locked(
        Organisation.objects.restrict(run.user, CHANGE)
        .filter(community_id__in=codes)
        .select_related("community__parent")
    )
    for org in _chunked(queryset, "name__in", names):
        current = found.get((org.community_id, org.name))
        if current is None or current.status == OrgStatus.EXITED:
            found[(org.community_id, org.name)] = org
    for row in rows:
        if row.community is None or row.number in run.bad:
            continue
        org = found.get((row.community.code, row.values.get("organisation")))
        if org is None:
            run.error(
                row.number,
                "organisation",
                _("there is no organisation called %(name)s in %(community)s that you may change")
                % {
                    "name": f"「{row.values.get('organisation')}」",
                    "community": community_label(row.community),
                },
            )
        elif org.status == OrgStatus.EXITED:
            run.error(row.number, "organisation", _status_refusal(org.name, org.status))
        else:
            row.organisation = org


def _phone_key(value: str) -> str:
    if not value or is_masked(value):
        return value or ""
    try:
        return clean_phone(value)
    except ValidationError:
        return value


def _match_members(run: _Run, rows: list[_Row], existing: dict) -> dict[int, dict | None]:
    """Which stored member each row is (None: a new one). One person of a name in an
    organisation is that person; namesakes are told apart by phone number."""
    groups: dict[tuple, list[_Row]] = defaultdict(list)
    for row in rows:
        if row.organisation is not None and row.number not in run.bad:
            groups[(row.organisation.pk, row.values.get("name"))].append(row)
    matched: dict[int, dict | None] = {}
    for (org_id, name), group in groups.items():
        people = existing.get((org_id, name), [])
        if len(group) == 1 and len(people) <= 1:
            matched[group[0].number] = people[0] if people else None
            continue
        claimed: dict[int, int] = {}
        seen_phone: dict[str, int] = {}
        for row in group:
            phone = _phone_key(row.values.get("phone", ""))
            if not phone:
                run.error(
                    row.number,
                    "phone" if run.present("phone") else "name",
                    _(
                        "%(count)s people called %(name)s are in this organisation or this file; "
                        "give the phone number to tell them apart"
                    )
                    % {"count": max(len(people), len(group)), "name": f"「{name}」"},
                )
                continue
            if phone in seen_phone:
                run.error(
                    row.number,
                    "phone",
                    _("duplicates row %(row)s (same %(key)s); each record may appear once")
                    % {"row": seen_phone[phone], "key": run.ledger.key_help},
                )
                continue
            seen_phone[phone] = row.number
            if is_masked(phone):
                hits = [p for p in people if mask_phone(p["phone"]) == phone]
            else:
                hits = [p for p in people if _phone_key(p["phone"]) == phone]
            if len(hits) > 1:
                run.error(
                    row.number,
                    "phone",
                    _("this masked number fits several people called %(name)s; type it in full")
                    % {"name": f"「{name}」"},
                )
                continue
            if hits and hits[0]["pk"] in claimed:
                run.error(
                    row.number,
                    "phone",
                    _("duplicates row %(row)s (same %(key)s); each record may appear once")
                    % {"row": claimed[hits[0]["pk"]], "key": run.ledger.key_help},
                )
                continue
            if hits:
                claimed[hits[0]["pk"]] = row.number
            matched[row.number] = hits[0] if hits else None
    return matched


def _plan_members(run: _Run, rows: list[_Row]):
    _resolve_organisations(run, rows)
    yield ("check", 0, len(rows))
    org_ids = {row.organisation.pk for row in rows if row.organisation}
    existing: dict[tuple, list[dict]] = defaultdict(list)
    queryset = Member.objects.order_by("pk").values("pk", "organisation_id", *MEMBER_FIELDS)
    for stored in _chunked(queryset, "organisation_id__in", org_ids):
        existing[(stored["organisation_id"], stored["name"])].append(stored)
    matched = _match_members(run, rows, existing)
    yield from _plan_owned(run, rows, Member, MEMBER_FIELDS, matched)


def _plan_owned(run: _Run, rows: list[_Row], model, fields: tuple[str, ...], matched: dict):
    """Create, update or leave each row's record (members, activities) of its organisation."""
    meta = model._meta
    blank = _Blank(model)
    to_load: list[_Row] = []
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            yield ("check", done, len(rows))
        if row.number in run.bad or row.number not in matched:
            continue
        stored = matched[row.number]
        if stored is None:
            instance = blank(organisation=row.organisation)
            changed = _fill(run, row, instance, fields, False)
            row.instance = instance
            if changed is not None:
                row.changed, row.action = changed, CREATE
        elif _differs(run, row, stored, fields, meta):
            row.pk = stored["pk"]
            to_load.append(row)
        else:
            row.action = UNCHANGED
    instances = _load(run, model, (row.pk for row in to_load))
    for row in to_load:
        instance = instances.get(row.pk)
        if instance is None:
            run.error(
                row.number, None, _("this record was deleted meanwhile; upload the file again")
            )
            continue
        instance.organisation = row.organisation
        changed = _fill(run, row, instance, fields, True)
        row.instance = instance
        if changed is not None:
            row.changed = changed
            row.action = UPDATE if changed else UNCHANGED
    yield ("check", len(rows), len(rows))


# --- activities -----------------------------------------------------------------------------


def _plan_activities(run: _Run, rows: list[_Row]):
    _resolve_organisations(run, rows)
    yield ("check", 0, len(rows))
    planned = [row for row in rows if row.organisation is not None and row.number not in run.bad]
    org_ids = {row.organisation.pk for row in planned}
    dates = [row.values["held_on"] for row in planned if row.values.get("held_on")]
    existing: dict[tuple, list[dict]] = defaultdict(list)
    if dates:
        queryset = (
            Activity.objects.filter(held_on__range=(min(dates), max(dates)))
            .order_by("pk")
            .values("pk", "organisation_id", *ACTIVITY_FIELDS)
        )
        for stored in _chunked(queryset, "organisation_id__in", org_ids):
            existing[(stored["organisation_id"], stored["held_on"], stored["title"])].append(stored)
    seen: dict[tuple, int] = {}
    matched: dict[int, dict | None] = {}
    for row in planned:
        key = (row.organisation.pk, row.values.get("held_on"), row.values.get("title"))
        if key in seen:
            run.error(
                row.number,
                "title",
                _("duplicates row %(row)s (same %(key)s); each record may appear once")
                % {"row": seen[key], "key": run.ledger.key_help},
            )
            continue
        seen[key] = row.number
        matches = existing.get(key, [])
        if len(matches) > 1:
            run.error(
                row.number,
                "title",
                _(
                    "%(count)s activities with this date and title are already recorded; "
                    "correct them in the organisation's page first"
                )
                % {"count": len(matches)},
            )
            continue
        matched[row.number] = matches[0] if matches else None
    yield from _plan_owned(run, rows, Activity, ACTIVITY_FIELDS, matched)


# --- writing --------------------------------------------------------------------------------


def _write(run: _Run, rows: list[_Row], reason: str):
    """Bulk writes with a history row for every created or changed record (``core.db``:
    ``COPY`` on PostgreSQL, one ``executemany`` on SQLite)."""
    model = run.ledger.model
    good = [row for row in rows if row.number not in run.bad]
    creates = [row.instance for row in good if row.action == CREATE]
    updates = [row for row in good if row.action == UPDATE]
    total = len(creates) + len(updates)
    done = 0
    for start in range(0, len(creates), WRITE_BATCH):
        batch = creates[start : start + WRITE_BATCH]
        if model is Organisation:  # the ledger's own dates are the history's valid times
            ledger_history.date_created(batch)
        create_with_history(batch, model, default_user=run.user, default_change_reason=reason)
        if model is Organisation:
            ledger_history.step_history(batch, user=run.user, reason=reason)
        done += len(batch)
        yield ("write", done, total)
    # One UPDATE per set of changed fields keeps each one narrow.
    by_fields: dict[tuple, list] = defaultdict(list)
    for row in updates:
        fields = set(row.changed)
        if model is Organisation:
            fields.add("updated_at")
        by_fields[tuple(sorted(fields))].append(row.instance)
    for fields, objects in by_fields.items():
        for start in range(0, len(objects), WRITE_BATCH):
            batch = objects[start : start + WRITE_BATCH]
            update_with_history(
                batch, model, fields, default_user=run.user, default_change_reason=reason
            )
            done += len(batch)
            yield ("write", done, total)


def _written_in_scope(run: _Run, rows: list[_Row]) -> bool:
    """After the write, in the same transaction: every record written is (still) one the user
    may change (NetBox ``_validate_objects``)."""
    written = {
        row.instance.pk
        for row in rows
        if row.number not in run.bad and row.action in (CREATE, UPDATE)
    }
    reachable = run.ledger.model.objects.restrict(run.user, CHANGE)
    found = sum(reachable.filter(where).count() for where in _key_runs(written))
    return found == len(written)


def _key_runs(pks: Iterable[int]) -> Generator[Q, None, None]:
    """Conditions matching exactly ``pks``: one ``BETWEEN`` per run of consecutive keys (up to
    500 a query), the lone keys in an ``IN`` list (up to 5,000). Records created or imported
    together have consecutive keys, and thousands of keys in an ``IN`` list cost more to send
    and plan than the query itself."""
    runs: list[list[int]] = []
    for pk in sorted(pks):
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    ranges = [(first, last) for first, last in runs if first != last]
    lone = [first for first, last in runs if first == last]
    for start in range(0, max(len(ranges), 1), 500):
        where = Q()
        for first, last in ranges[start : start + 500]:
            where |= Q(pk__range=(first, last))
        if where:
            yield where
    for start in range(0, len(lone), 5000):
        yield Q(pk__in=lone[start : start + 5000])


__all__ = [
    "ImportResult",
    "ledger_import",
    "ledger_import_steps",
]
