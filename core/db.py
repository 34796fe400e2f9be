"""Database helpers shared by long-running jobs: quiet query logging, and bulk writes of many
rows together with their django-simple-history rows.

Why our own bulk writer: ``bulk_create_with_history`` sends every value of every column through
Django's SQL compiler (``prepare_value``), then builds a historical model instance per row and
compiles a second INSERT for those; for a 20,000-row ledger import that was 60% of the time.
``create_with_history`` writes the same rows and the same history rows:

* values are prepared column by column with each model field's own ``pre_save`` and
  ``get_db_prep_save`` (so the database encoding stays Django's); a column's repeated values
  (choices, blanks, dates) are prepared once; the history rows reuse the prepared tuples;
* on PostgreSQL the primary keys are taken from the table's sequence in one statement
  (``SELECT nextval(…) FROM generate_series(1, n)``) and the rows and their history rows are
  written with ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy()``, which does COPY's escaping of
  tabs, line breaks and backslashes);
* on SQLite the primary keys follow the table's highest key (``AUTOINCREMENT``'s record
  included), read inside the write transaction, and the rows go in with one ``executemany``;
* anything else (another database, psycopg 2, generated or database-default columns, history
  models with extra fields) goes through simple-history's own functions.

``update_with_history`` does the same for objects loaded and changed in memory: one UPDATE of
the given columns (on PostgreSQL from a temporary table filled by ``COPY``) and a ``"~"``
history row per object.

As with ``bulk_create`` / ``bulk_update``, no signals are sent.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import (
    AutoField,
    DateField,
    DateTimeField,
    Field,
    FileField,
    Model,
    TimeField,
)
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_change_reason_from_object,
    get_history_model_for_model,
)

COPY, INSERT, ORM = "copy", "insert", "orm"


@contextmanager
def unlogged_queries():
    """Don't keep and format every query under DEBUG while a bulk job runs.

    Only for single-threaded processes (management commands): it flips a global setting.
    """
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug


# --- creating ---------------------------------------------------------------------------------


def create_with_history(
    objs: Iterable[Model],
    model: type[Model],
    *,
    default_user=None,
    default_change_reason: str | None = None,
    default_date: datetime.datetime | None = None,
    using: str | None = None,
    method: str | None = None,
) -> list[Model]:
    """``simple_history.utils.bulk_create_with_history``, fast (see the module docstring).

    Inserts the objects and a ``"+"`` history row for each with the same content simple-history
    writes: every tracked field, ``history_date`` (the object's ``_history_date``, else
    ``default_date``, else now), ``history_change_reason`` (``_change_reason``, else
    ``default_change_reason``), ``history_user`` (``_history_user``, else ``default_user``,
    else simple-history's default). The objects get their primary keys and count as saved.
    All in one transaction (savepoint-free: inside the caller's). A database error is Django's
    (``IntegrityError`` …), as from the ORM.

    ``method``: ``"copy"`` (PostgreSQL), ``"insert"`` or ``"orm"`` to force a path; by
    default the fastest the database has."""
    objs = list(objs)
    if not objs:
        return objs
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    history = _history_model(model)
    method = _method(connection, method)
    if method == ORM or not _supported(model, history):
        if history is None:
            return model._default_manager.using(alias).bulk_create(objs)
        return bulk_create_with_history(
            objs,
            model,
            default_user=default_user,
            default_change_reason=default_change_reason,
            default_date=default_date,
        )
    meta = model._meta
    fields = list(meta.concrete_fields)
    write = copy_rows if method == COPY else insert_rows
    for obj in objs:
        if not obj._is_pk_set():
            obj.pk = meta.pk.get_pk_value_on_save(obj)
        # Refuses unsaved related objects, as bulk_create does (before its transaction).
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    with transaction.atomic(using=alias, savepoint=False):
        missing = [obj for obj in objs if not obj._is_pk_set()]
        if missing:
            if not isinstance(meta.pk, AutoField):
                raise ValueError(f"{meta.label}: objects without a primary key")
            keys = _reserve_keys(connection, meta, len(missing))
            for obj, pk in zip(missing, keys, strict=True):
                obj.pk = pk
        rows = _rows(prepared_columns(objs, fields, connection, add=True))
        write(connection, meta.db_table, [f.column for f in fields], rows)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = alias
        if history is not None:
            columns, history_rows = _history_rows(
                history,
                objs,
                rows,
                [f.attname for f in fields],
                connection,
                history_type="+",
                default_user=default_user,
                default_change_reason=default_change_reason,
                default_date=default_date,
            )
            write(connection, history._meta.db_table, columns, history_rows)
    return objs


# --- updating ---------------------------------------------------------------------------------


def update_rows(
    model: type[Model],
    objs: Iterable[Model],
    fields: Iterable[str],
    *,
    using: str | None = None,
    method: str | None = None,
) -> None:
    """Write ``fields`` of every object to its row, as ``bulk_update`` does (values prepared
    by the fields, no ``pre_save``: an ``auto_now`` field changes only when listed and set).

    On PostgreSQL the values go into a temporary table by ``COPY`` and one ``UPDATE … FROM``
    writes them; elsewhere one ``executemany`` of ``UPDATE … WHERE pk = %s`` (Django's
    ``bulk_update`` builds a CASE expression per field and row, which took longer than checking
    a whole ledger file)."""
    objs = list(objs)
    fields = list(fields)
    if not objs or not fields:
        return
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    method = _method(connection, method)
    meta = model._meta
    fields = _with_derived(meta, fields, objs)
    targets = [meta.get_field(name) for name in fields]
    if method == ORM:
        model._default_manager.using(alias).bulk_update(objs, fields)
        return
    quote = connection.ops.quote_name
    values = prepared_columns(objs, targets, connection, add=False)
    keys = [meta.pk.get_db_prep_save(obj.pk, connection) for obj in objs]
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with transaction.atomic(using=alias, savepoint=False):
        if method == INSERT:
            sql = "UPDATE {} SET {} WHERE {} = %s".format(
                table, ", ".join(f"{quote(f.column)} = %s" for f in targets), pk
            )
            with connection.cursor() as cursor:
                cursor.executemany(sql, _rows([*values, keys]))
            return
        scratch_name = ("_bulk_update_" + meta.db_table)[:63]
        scratch = quote(scratch_name)
        names = [meta.pk.column, *(f.column for f in targets)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "
                f"SELECT {', '.join(map(quote, names))} FROM {table} WITH NO DATA"
            )
        copy_rows(connection, scratch_name, names, _rows([keys, *values]))
        sets = ", ".join(f"{quote(f.column)} = new.{quote(f.column)}" for f in targets)
        with connection.cursor() as cursor:
            # Statistics, so the planner joins by the primary key instead of guessing.
            cursor.execute(f"ANALYZE {scratch}")
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM {scratch} AS new WHERE {table}.{pk} = new.{pk}"
            )
            cursor.execute(f"DROP TABLE {scratch}")


def _with_derived(meta, fields: list[str], objs: list[Model]) -> list[str]:
    """``fields`` and the fields derived from them (a keyed hash beside an encrypted value:
    ``core.encryption.BlindIndexField``), computed on the objects again, since an UPDATE calls
    no ``pre_save``."""
    derived = [
        f
        for f in meta.concrete_fields
        if getattr(f, "derived_from", None) in fields and f.name not in fields
    ]
    for model_field in derived:
        for obj in objs:
            model_field.pre_save(obj, False)
    return fields + [f.name for f in derived]


def update_with_history(
    objs: Iterable[Model],
    model: type[Model],
    fields: Iterable[str],
    *,
    default_user=None,
    default_change_reason: str | None = None,
    default_date: datetime.datetime | None = None,
    using: str | None = None,
    method: str | None = None,
) -> None:
    """``simple_history.utils.bulk_update_with_history``, fast: ``update_rows``, then a
    ``"~"`` history row per object holding all its fields as they are in memory (user, reason
    and date as in ``create_with_history``). ``fields`` may be empty: history rows only."""
    objs = list(objs)
    fields = list(fields)
    if not objs:
        return
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    history = _history_model(model)
    method = _method(connection, method)
    if method == ORM or history is None or not _supported(model, history):
        if history is None:
            update_rows(model, objs, fields, using=alias, method=ORM)
            return
        bulk_update_with_history(
            objs,
            model,
            fields,
            default_user=default_user,
            default_change_reason=default_change_reason,
            default_date=default_date,
        )
        return
    with transaction.atomic(using=alias, savepoint=False):
        update_rows(model, objs, fields, using=alias, method=method)
        tracked = list(history.tracked_fields)
        rows = _rows(prepared_columns(objs, tracked, connection, add=False))
        columns, history_rows = _history_rows(
            history,
            objs,
            rows,
            [f.attname for f in tracked],
            connection,
            history_type="~",
            default_user=default_user,
            default_change_reason=default_change_reason,
            default_date=default_date,
        )
        write = copy_rows if method == COPY else insert_rows
        write(connection, history._meta.db_table, columns, history_rows)


# --- writing rows -----------------------------------------------------------------------------


def copy_rows(connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write ``rows`` (values as ``get_db_prep_save`` gives them) into ``table`` with
    PostgreSQL's ``COPY … FROM STDIN`` (psycopg 3). In the binary format when every column is
    of a type whose binary form psycopg writes from such values (about five times less work
    for the client than the text format's escaping), else in text. Errors are Django's, as
    from a cursor."""
    quote = connection.ops.quote_name
    types = _binary_types(connection, table, columns)
    statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    if types is not None:
        statement += " (FORMAT BINARY)"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # cursor.cursor: psycopg's own cursor under Django's wrapper.
        with cursor.cursor.copy(statement) as copy:
            if types is not None:
                copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)


# Column types psycopg writes in binary from what Django's fields prepare for them (str, int,
# bool, date, Decimal, float, UUID; aware datetimes for timestamptz).
_BINARY_TYPES = frozenset(
    {"int2", "int4", "int8", "text", "varchar", "bool", "date", "numeric", "float4", "float8"}
    | {"uuid", "timestamptz"}
)


def _binary_types(connection, table: str, columns: Sequence[str]) -> list[str] | None:
    """The columns' type names for a binary COPY, or None to copy in text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            [connection.ops.quote_name(table)],
        )
        found = dict(cursor.fetchall())
    types = [found.get(column) for column in columns]
    if not set(types) <= _BINARY_TYPES:
        return None
    if "timestamptz" in types and not settings.USE_TZ:
        return None  # naive datetimes: only the text form lets the server read them
    return types


def insert_rows(connection, table: str, columns: Sequence[str], rows: Sequence[Sequence]):
    """Write ``rows`` into ``table`` with one ``executemany`` INSERT."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table), ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _method(connection, method: str | None) -> str:
    if method is None:
        if connection.vendor == "postgresql":
            from django.db.backends.postgresql.psycopg_any import is_psycopg3

            return COPY if is_psycopg3 else INSERT  # psycopg 2 has no cursor.copy()
        return INSERT if connection.vendor == "sqlite" else ORM
    if method not in (COPY, INSERT, ORM):
        raise ValueError(f"method: {COPY!r}, {INSERT!r} or {ORM!r}, not {method!r}")
    if method == COPY and connection.vendor != "postgresql":
        raise ValueError("COPY needs PostgreSQL")
    return method


def _reserve_keys(connection, meta, count: int) -> list[int]:
    """``count`` new primary keys for ``meta``'s table, ascending."""
    table, column = meta.db_table, meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(sequence.name) FROM "
                "(SELECT pg_get_serial_sequence(%s, %s)::regclass AS name) AS sequence, "
                "generate_series(1, %s)",
                [quote(table), column, count],
            )
            return sorted(value for (value,) in cursor.fetchall())
        if connection.vendor != "sqlite":
            raise ValueError(f"can't reserve keys on {connection.vendor}")
        # Past the highest key in the table and the highest ever handed out (AUTOINCREMENT
        # keeps it in sqlite_sequence, so keys of deleted rows aren't reused); SQLite's write
        # lock, taken when the surrounding transaction began, keeps them ours.
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", ["sqlite_sequence"]
        )
        if cursor.fetchone():
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            highest = max(highest, (found[0] or 0) if found else 0)
        return list(range(highest + 1, highest + 1 + count))


# --- preparing values -------------------------------------------------------------------------


def prepared_columns(
    objs: Sequence[Model], fields: Sequence[Field], connection, *, add: bool
) -> list[list]:
    """Every object's value of every field as the database gets it: ``field.pre_save`` (only
    when ``add``, as Django's INSERT does: it stamps ``auto_now`` / ``auto_now_add`` dates and
    saves uncommitted files) then ``field.get_db_prep_save``. One list per field.

    One difference from ``bulk_create``: an ``auto_now`` / ``auto_now_add`` field gets one
    timestamp for all the objects of a call (``bulk_create`` takes ``timezone.now()`` once per
    object, microseconds apart), as a database ``now()`` would."""
    columns = []
    for model_field in fields:
        attname = model_field.attname
        if add and _stamps(model_field):
            stamp = model_field.pre_save(objs[0], True)
            for obj in objs:
                setattr(obj, attname, stamp)
            raw = [stamp] * len(objs)
        elif _plain_file(model_field):
            raw = [_file_value(obj, model_field, add) for obj in objs]
        elif add and not _reads_only(model_field):
            pre_save = model_field.pre_save
            raw = [pre_save(obj, True) for obj in objs]
        else:
            raw = list(map(operator.attrgetter(attname), objs))
        columns.append(_prepare(model_field, raw, connection))
    return columns


# Values whose preparation by one of Django's own fields depends on the value alone, and for
# which equal means the same to the database (two equal aware datetimes are the same instant;
# not so for Decimal("1.0") and Decimal("1.00"), or 0.0 and -0.0).
_MEMO_TYPES = frozenset({str, int, bool, type(None), datetime.date, datetime.datetime})
_DATE_PRE_SAVES = (DateField.pre_save, DateTimeField.pre_save, TimeField.pre_save)


def _prepare(model_field: Field, raw: list, connection) -> list:
    prep = model_field.get_db_prep_save
    if type(model_field).__module__.startswith("django.db.models."):
        kinds = set(map(type, raw))
        # True == 1: a column holding both is prepared value by value.
        if kinds <= _MEMO_TYPES and not {bool, int} <= kinds:
            memo = {value: prep(value, connection) for value in set(raw)}
            return list(map(memo.__getitem__, raw))
    prepared = []
    for value in raw:
        if hasattr(value, "resolve_expression"):
            raise ValueError(
                f"{model_field.name}: expressions (F(), database defaults) can't be written "
                "here; use bulk_create_with_history"
            )
        prepared.append(prep(value, connection))
    return prepared


def _stamps(model_field: Field) -> bool:
    """A date or time that Django's own ``pre_save`` stamps with now on an INSERT."""
    return (
        isinstance(model_field, DateField | TimeField)
        and type(model_field).pre_save in _DATE_PRE_SAVES
        and (model_field.auto_now or model_field.auto_now_add)
    )


def _reads_only(model_field: Field) -> bool:
    """Whether the field's ``pre_save`` on an INSERT only reads the attribute."""
    pre_save = type(model_field).pre_save
    return pre_save is Field.pre_save or (pre_save in _DATE_PRE_SAVES and not _stamps(model_field))


def _plain_file(model_field: Field) -> bool:
    return (
        isinstance(model_field, FileField)
        and type(model_field).pre_save is FileField.pre_save
        and type(model_field).get_prep_value is FileField.get_prep_value
    )


def _file_value(obj: Model, model_field: Field, add: bool):
    """A file field's value. A name in the instance (what a model built in code or read from
    the database holds until the attribute is used: ``""`` or a stored file's name) stands for
    a committed file, which ``pre_save`` leaves alone and which is stored as that name: it is
    the value, without a ``FieldFile`` made for it. Anything else (an upload) as usual."""
    value = obj.__dict__.get(model_field.attname)
    if value.__class__ is str:
        return value
    return model_field.pre_save(obj, True) if add else getattr(obj, model_field.attname)


def _rows(columns: list[list]) -> list[tuple]:
    return list(zip(*columns, strict=True))


# --- history ----------------------------------------------------------------------------------

HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user_id")
#: the recorded time of ``core.models.RecordedHistory`` (always now, whatever the valid time)
RECORDED_FIELD = "history_recorded_at"
# What simple-history reads from an object before the defaults.
_OWN = frozenset({"_history_user", "_change_reason", "_history_date"})


def _history_model(model: type[Model]) -> type[Model] | None:
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return None
    try:
        return get_history_model_for_model(model)
    except NotHistoricalModelError:
        return None


def _supported(model: type[Model], history: type[Model] | None) -> bool:
    """Plain models: one table, no generated or database-default columns, and a history model
    with simple-history's own fields only."""
    meta = model._meta
    if meta.parents or any(f.generated or f.has_db_default() for f in meta.concrete_fields):
        return False
    if history is None:
        return True
    known = {f.attname for f in history.tracked_fields} | {*HISTORY_FIELDS, RECORDED_FIELD}
    return all(f.attname in known or f is history._meta.pk for f in history._meta.concrete_fields)


def _history_rows(
    history: type[Model],
    objs: Sequence[Model],
    rows: Sequence[tuple],
    attnames: Sequence[str],
    connection,
    *,
    history_type: str,
    default_user,
    default_change_reason: str | None,
    default_date,
) -> tuple[list[str], list[tuple]]:
    """The columns and rows simple-history's ``bulk_history_create`` writes for ``objs``, from
    the objects' prepared ``rows`` (whose columns are ``attnames``): the tracked fields, then
    when, why, how and who."""
    meta = history._meta
    tracked = [f.attname for f in history.tracked_fields]
    position = {name: index for index, name in enumerate(attnames)}
    indexes = [position[name] for name in tracked]
    pick = operator.itemgetter(*indexes) if len(indexes) > 1 else lambda row: (row[indexes[0]],)
    date_field = meta.get_field("history_date")
    reason_field = meta.get_field("history_change_reason")
    type_field = meta.get_field("history_type")
    user_field = next(f for f in meta.concrete_fields if f.attname == "history_user_id")
    now = default_date or timezone.now()
    how = type_field.get_db_prep_save(history_type, connection)
    recorded_field = next((f for f in meta.concrete_fields if f.attname == RECORDED_FIELD), None)
    recorded = () if recorded_field is None else (prepare_now(recorded_field, connection),)
    # The same user, reason and date on (nearly) every row: each prepared once.
    prepared: dict[tuple, Any] = {}

    def prepare(model_field, value):
        key = (model_field.attname, type(value), value)
        if key not in prepared:
            prepared[key] = model_field.get_db_prep_save(value, connection)
        return prepared[key]

    # Most objects carry none of simple-history's own attributes: their rows share one tail.
    common = None
    if default_user is not None and objs and not any(hasattr(type(objs[0]), a) for a in _OWN):
        who = getattr(default_user, "pk", default_user)
        common = (
            prepare(date_field, now),
            prepare(reason_field, default_change_reason),
            how,
            prepare(user_field, who),
            *recorded,
        )
    out = []
    for obj, row in zip(objs, rows, strict=True):
        if common is not None and _OWN.isdisjoint(obj.__dict__):
            out.append(pick(row) + common)
            continue
        if hasattr(obj, "_history_user"):
            user = obj._history_user
        else:
            user = default_user or history.get_default_history_user(obj)
        who = getattr(user, "pk", user)
        why = get_change_reason_from_object(obj) or default_change_reason
        when = getattr(obj, "_history_date", now)
        out.append(
            pick(row)
            + (
                prepare(date_field, when),
                prepare(reason_field, why),
                how,
                prepare(user_field, who),
                *recorded,
            )
        )
    columns = [meta.get_field(name).column for name in tracked]
    columns += [date_field.column, reason_field.column, type_field.column, user_field.column]
    if recorded_field is not None:
        columns.append(recorded_field.column)
    return columns, out


def prepare_now(model_field: Field, connection):
    """The recorded time of rows written now, prepared for ``model_field``'s column."""
    return model_field.get_db_prep_save(model_field.get_default(), connection)
