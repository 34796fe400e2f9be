"""Loading the division tree from a statistical-code file.

The file is streamed into a temporary staging table, checked there with SQL (so memory stays
flat however large the file), and merged into ``Division`` level by level in batches with
history rows written in bulk. Every problem is collected and reported at once, with its line
number; if there is any, nothing is written.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from registry.choices import DivisionLevel
from registry.models import Division

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "divisions" / "shenzhen.csv"
DEFAULT_OVERLAY = Path(settings.BASE_DIR) / "fixtures" / "divisions" / "functional-areas.csv"
REQUIRED_COLUMNS = ("level", "code", "name", "parent_code")
BATCH_SIZE = 2000
STAGE = "division_stage"

# Statistical community codes ending in 498 / 598 are virtual communities (虚拟社区 / 虚拟生活区)
# that the statistics give to bonded zones, airports and the like: nobody lives there.
VIRTUAL_COMMUNITY_SUFFIXES = ("498", "598")
FUNCTIONAL_CODE = re.compile(r"^[0-9]{2,9}[A-Z]{1,3}$")


class DivisionFileError(Exception):
    """The file was refused; ``problems`` lists every problem found, in line order."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class LoadResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    overlay_applied: bool = False
    changed_codes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


LINES_PER_FILE = 100_000_000  # seq = file number * LINES_PER_FILE + line: sorts problems


@dataclass(frozen=True)
class _Row:
    seq: int
    line: str
    level: str
    code: str
    name: str
    parent_code: str
    residential: bool | None
    statistical: bool


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _parse_residential(value: str | None) -> bool | None:
    value = (value or "").strip().lower()
    if value in ("", None):
        return None
    if value in ("1", "true", "yes", "y", "是"):
        return True
    if value in ("0", "false", "no", "n", "否"):
        return False
    raise ValueError(value)


def _read_rows(
    path: Path, *, number: int, functional: bool, problems: list[tuple[int, str]]
) -> Iterator[_Row]:
    """Yield the well-formed rows of a division file; append a message for every bad one."""
    label = path.name
    base = number * LINES_PER_FILE
    try:
        handle = _open_text(path)
        reader = csv.DictReader(handle)
        header = [column.strip() for column in (reader.fieldnames or [])]
    except (OSError, UnicodeDecodeError, gzip.BadGzipFile, csv.Error) as exc:
        problems.append(
            (
                base,
                _("%(file)s: cannot be read as a UTF-8 CSV file (%(error)s)")
                % {"file": label, "error": exc},
            )
        )
        return
    with handle:
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            problems.append(
                (
                    base + 1,
                    _("%(file)s line 1: missing column(s) %(columns)s; expected %(expected)s")
                    % {
                        "file": label,
                        "columns": ", ".join(missing),
                        "expected": ",".join(REQUIRED_COLUMNS),
                    },
                )
            )
            return
        reader.fieldnames = header
        levels = DivisionLevel.values
        try:
            for record in reader:
                where = _("%(file)s line %(line)d") % {"file": label, "line": reader.line_num}
                values = {k: (v or "").strip() for k, v in record.items() if k is not None}
                level, code = values["level"], values["code"]
                name, parent_code = values["name"], values["parent_code"]
                row_problems = []
                if level not in levels:
                    row_problems.append(
                        _("unknown level '%(level)s' (expected one of %(levels)s)")
                        % {"level": level, "levels": ", ".join(levels)}
                    )
                elif functional and FUNCTIONAL_CODE.match(code):
                    pass
                elif not (code.isdigit() and len(code) == DivisionLevel.code_length(level)):
                    row_problems.append(
                        _("malformed code '%(code)s': a %(level)s code is %(n)d digits")
                        % {"code": code, "level": level, "n": DivisionLevel.code_length(level)}
                    )
                elif (
                    parent_code
                    and parent_code.isdigit()
                    and not functional
                    and not code.startswith(parent_code)
                ):
                    row_problems.append(
                        _("code '%(code)s' does not start with its parent's code '%(parent)s'")
                        % {"code": code, "parent": parent_code}
                    )
                if not name:
                    row_problems.append(_("name is empty"))
                if level == DivisionLevel.PROVINCE and parent_code:
                    row_problems.append(_("a province has no parent"))
                elif level in levels and level != DivisionLevel.PROVINCE and not parent_code:
                    row_problems.append(_("parent_code is empty"))
                try:
                    residential = _parse_residential(values.get("residential"))
                except ValueError:
                    residential = None
                    row_problems.append(
                        _("residential must be yes or no, not '%(value)s'")
                        % {"value": values.get("residential")}
                    )
                if row_problems:
                    problems.extend(
                        (base + reader.line_num, f"{where}: {message}") for message in row_problems
                    )
                    continue
                if residential is None and level == DivisionLevel.COMMUNITY:
                    residential = not (code.endswith(VIRTUAL_COMMUNITY_SUFFIXES) or "虚拟" in name)
                yield _Row(
                    base + reader.line_num,
                    where,
                    level,
                    code,
                    name,
                    parent_code,
                    residential,
                    statistical=code.isdigit(),
                )
        except (UnicodeDecodeError, csv.Error) as exc:
            problems.append(
                (
                    base + reader.line_num,
                    _("%(file)s line %(line)d: cannot be read (%(error)s)")
                    % {"file": label, "line": reader.line_num, "error": exc},
                )
            )


def _batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Stage:
    """A temporary table holding the file being loaded, so it can be checked with SQL."""

    def __init__(self, cursor):
        self.cursor = cursor

    def create(self):
        self.cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        self.cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE} (seq INTEGER NOT NULL, line VARCHAR(300) NOT NULL,"
            " level_rank INTEGER NOT NULL, level VARCHAR(10) NOT NULL,"
            " code VARCHAR(12) NOT NULL, name VARCHAR(100) NOT NULL,"
            " parent_code VARCHAR(12) NOT NULL, residential INTEGER NULL,"
            " statistical INTEGER NOT NULL, overlay INTEGER NOT NULL DEFAULT 0)"
        )
        self.cursor.execute(f"CREATE INDEX {STAGE}_code ON {STAGE} (code)")
        self.cursor.execute(f"CREATE INDEX {STAGE}_parent ON {STAGE} (parent_code)")
        self.cursor.execute(f"CREATE INDEX {STAGE}_rank ON {STAGE} (level_rank, code)")

    def drop(self):
        self.cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")

    def insert(self, rows: list[_Row], *, overlay: bool = False):
        self.cursor.executemany(
            f"INSERT INTO {STAGE} (seq, line, level_rank, level, code, name, parent_code,"
            " residential, statistical, overlay) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    r.seq,
                    r.line,
                    DivisionLevel.rank(r.level),
                    r.level,
                    r.code,
                    r.name,
                    r.parent_code,
                    None if r.residential is None else int(r.residential),
                    int(r.statistical),
                    int(overlay),
                )
                for r in rows
            ],
        )

    def fetch(self, sql: str, params=()) -> list[tuple]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()

    def count_codes(self, codes: list[str]) -> int:
        placeholders = ",".join(["%s"] * len(codes))
        return self.fetch(f"SELECT COUNT(*) FROM {STAGE} WHERE code IN ({placeholders})", codes)[0][
            0
        ]

    def apply_overlay(self, rows: list[_Row]):
        """Overlay rows replace the file's row with the same code, or are added."""
        for row in rows:
            self.cursor.execute(f"DELETE FROM {STAGE} WHERE code = %s", [row.code])
        self.insert(rows, overlay=True)

    def analyse(self):
        """Give the planner statistics on the staged rows (temporary tables get none)."""
        self.cursor.execute(f"ANALYZE {STAGE}")

    def problems(self) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        duplicates = self.fetch(
            f"SELECT s.seq, s.line, s.code, f.line FROM {STAGE} s JOIN ("
            f"  SELECT code, MIN(seq) AS first_seq FROM {STAGE} GROUP BY code HAVING COUNT(*) > 1"
            f") d ON d.code = s.code AND s.seq > d.first_seq"
            f" JOIN {STAGE} f ON f.seq = d.first_seq"
        )
        for seq, line, code, first in duplicates:
            found.append(
                (
                    seq,
                    _("%(line)s: duplicate code '%(code)s' (first on %(first)s)")
                    % {"line": line, "code": code, "first": first},
                )
            )
        # The top level present in the file may hang off a parent that isn't loaded (the
        # Shenzhen file starts at the city, whose province is not in it).
        top_rank = self.fetch(f"SELECT MIN(level_rank) FROM {STAGE}")[0][0]
        table = Division._meta.db_table
        orphans = self.fetch(
            f"SELECT s.seq, s.line, s.parent_code FROM {STAGE} s"
            f" WHERE s.parent_code <> '' AND s.level_rank > %s"
            f" AND NOT EXISTS (SELECT 1 FROM {STAGE} p WHERE p.code = s.parent_code)"
            f" AND NOT EXISTS (SELECT 1 FROM {table} d WHERE d.code = s.parent_code)",
            [top_rank],
        )
        for seq, line, parent in orphans:
            found.append(
                (
                    seq,
                    _("%(line)s: parent '%(parent)s' is neither in the file nor already loaded")
                    % {"line": line, "parent": parent},
                )
            )
        ranks = {DivisionLevel.rank(level): level for level in DivisionLevel.values}
        misplaced = self._misplaced(table)
        for seq, line, rank, parent, parent_level in misplaced:
            found.append(
                (
                    seq,
                    _(
                        "%(line)s: a %(level)s cannot sit under '%(parent)s', "
                        "which is a %(parent_level)s"
                    )
                    % {
                        "line": line,
                        "level": ranks[rank],
                        "parent": parent,
                        "parent_level": parent_level,
                    },
                )
            )
        return found

    def _misplaced(self, table: str) -> list[tuple]:
        rows = []
        for rank in range(1, len(DivisionLevel.values)):
            expected_parent = DivisionLevel.values[rank - 1]
            rows += self.fetch(
                f"SELECT s.seq, s.line, s.level_rank, p.code, p.level FROM {STAGE} s"
                f" JOIN {STAGE} p ON p.code = s.parent_code"
                f" WHERE s.level_rank = %s AND p.level <> %s",
                [rank, expected_parent],
            )
            rows += self.fetch(
                f"SELECT s.seq, s.line, s.level_rank, d.code, d.level FROM {STAGE} s"
                f" JOIN {table} d ON d.code = s.parent_code"
                f" WHERE s.level_rank = %s AND d.level <> %s"
                f" AND NOT EXISTS (SELECT 1 FROM {STAGE} p WHERE p.code = s.parent_code)",
                [rank, expected_parent],
            )
        return rows

    def derive_street_residential(self):
        """A street is residential if any of its communities in the file is."""
        street = DivisionLevel.STREET
        community = DivisionLevel.COMMUNITY
        self.cursor.execute(
            f"UPDATE {STAGE} SET residential = CASE WHEN EXISTS (SELECT 1 FROM {STAGE} c"
            f"   WHERE c.parent_code = {STAGE}.code AND c.level = %s AND c.residential = 1)"
            f" THEN 1 ELSE 0 END"
            f" WHERE level = %s AND residential IS NULL AND EXISTS (SELECT 1 FROM {STAGE} c"
            f"   WHERE c.parent_code = {STAGE}.code AND c.level = %s)",
            [community, street, community],
        )

    def batches(self) -> Iterator[list[tuple]]:
        """Staged rows, parents before children, in batches (keyset pagination)."""
        last = (-1, "")
        while True:
            rows = self.fetch(
                f"SELECT level_rank, code, level, name, parent_code, residential, statistical"
                f" FROM {STAGE} WHERE level_rank > %s OR (level_rank = %s AND code > %s)"
                f" ORDER BY level_rank, code LIMIT {BATCH_SIZE}",
                [last[0], last[0], last[1]],
            )
            if not rows:
                return
            yield rows
            last = (rows[-1][0], rows[-1][1])


def _merge_batch(rows: list[tuple], result: LoadResult, *, reason: str, user) -> list[tuple]:
    """Create or update one batch; return (old_path, new_path) of units that moved."""
    codes = [r[1] for r in rows]
    existing = Division.objects.in_bulk(codes)
    parent_codes = {r[4] for r in rows if r[4]}
    parent_paths = dict(Division.objects.filter(code__in=parent_codes).values_list("code", "path"))
    to_create, to_update, moved = [], [], []
    update_fields = set()
    for _rank, code, level, name, parent_code, residential, statistical in rows:
        parent_id = parent_code if parent_code in parent_paths else None
        path = Division.path_for(code, parent_paths.get(parent_code))
        # Rows come parents first, so a child later in this batch finds its parent's path.
        parent_paths[code] = path
        current = existing.get(code)
        if current is None:
            to_create.append(
                Division(
                    code=code,
                    name=name,
                    level=level,
                    parent_id=parent_id,
                    path=path,
                    is_residential=True if residential is None else bool(residential),
                    is_statistical=bool(statistical),
                )
            )
            continue
        wanted = {
            "name": name,
            "level": level,
            "parent_id": parent_id,
            "path": path,
            "is_statistical": bool(statistical),
        }
        if residential is not None:
            wanted["is_residential"] = bool(residential)
        changed = {k: v for k, v in wanted.items() if getattr(current, k) != v}
        if not changed:
            result.unchanged += 1
            continue
        if "path" in changed:
            moved.append((current.path, path))
        for attribute, value in changed.items():
            setattr(current, attribute, value)
        update_fields.update("parent" if k == "parent_id" else k for k in changed)
        to_update.append(current)
    if to_create:
        bulk_create_with_history(
            to_create,
            Division,
            batch_size=BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
        )
        result.created += len(to_create)
    if to_update:
        bulk_update_with_history(
            to_update,
            Division,
            sorted(update_fields),
            batch_size=BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
        )
        result.updated += len(to_update)
        result.changed_codes += [d.code for d in to_update]
    return moved


def _move_descendants(moved: list[tuple[str, str]], result: LoadResult, *, reason: str, user):
    """Rewrite the path of descendants not in the file when their ancestor moved."""
    for old_path, new_path in moved:
        stale = Division.objects.filter(path__startswith=old_path).exclude(path=old_path)
        for batch in _batched(stale.iterator(chunk_size=BATCH_SIZE), BATCH_SIZE):
            for division in batch:
                division.path = new_path + division.path[len(old_path) :]
            bulk_update_with_history(
                batch,
                Division,
                ["path"],
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason=reason,
            )
            result.updated += len(batch)


def divisions_load(
    *,
    paths: list[Path] | None = None,
    overlay: Path | None = DEFAULT_OVERLAY,
    user=None,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Load division files into the tree, idempotently, in one transaction.

    ``overlay`` is a file in the same format whose rows replace the statistical ones (Dapeng
    New Area and its streets); it applies only when the codes it changes are being loaded.
    ``progress`` is called with the number of rows read or merged since the last call.
    Raises ``DivisionFileError`` listing every problem; the database is then unchanged.
    """
    paths = [Path(p) for p in (paths or [DEFAULT_FILE])]
    problems: list[tuple[int, str]] = []
    result = LoadResult()
    reason = _("Loaded from %(files)s") % {"files": ", ".join(p.name for p in paths)}
    with transaction.atomic(), connection.cursor() as cursor:
        stage = _Stage(cursor)
        stage.create()
        try:
            for number, path in enumerate(paths):
                rows = _read_rows(path, number=number, functional=False, problems=problems)
                for batch in _batched(rows, BATCH_SIZE):
                    stage.insert(batch)
                    reset_queries()
                    result.rows += len(batch)
                    if progress:
                        progress(len(batch))
            if overlay is not None:
                overlay_rows = list(
                    _read_rows(Path(overlay), number=len(paths), functional=True, problems=problems)
                )
                # The overlay is about units in the file; a file without them (another
                # province) is loaded as it is.
                touched = [r.code for r in overlay_rows if r.statistical]
                if touched and stage.count_codes(touched):
                    stage.apply_overlay(overlay_rows)
                    result.overlay_applied = True
            if result.rows == 0 and not problems:
                problems.append(
                    (
                        0,
                        _("%(files)s: no divisions in the file")
                        % {"files": ", ".join(p.name for p in paths)},
                    )
                )
            if result.rows:
                stage.analyse()
                problems += stage.problems()
            if problems:
                raise DivisionFileError([message for _seq, message in sorted(problems)])
            stage.derive_street_residential()
            moved = []
            for batch in stage.batches():
                moved += _merge_batch(batch, result, reason=reason, user=user)
                reset_queries()  # under DEBUG the query log would grow with the file
                if progress:
                    progress(len(batch))
            # Units of the file have their new paths by now; what still carries an old path
            # prefix lies below a moved unit but wasn't in the file.
            _move_descendants(moved, result, reason=reason, user=user)
        finally:
            stage.drop()
    return result
