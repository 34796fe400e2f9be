"""The audit log: every recorded change of every app, for the people whose jurisdiction it is in.

Every change the project records is a row in some simple-history table (one per model, about
thirty of them). Reading "newest first, in my street" straight from those tables means a join
to the division tree for every row and a sort over all tables, which grows with the history.
So the browser reads an index instead, ``AuditEvent`` (see ``transparency.models``): one small
row per history row with its date, kind, author, organisation and the codes of its division
path. Pages come off it by keyset ("the 50 events before this one"), one index range scan
each, the first page or the thousandth; the history rows of a page are then fetched by primary
key and compared with their previous versions to show what changed.

The index is filled from the history tables themselves (``audit_index_catch_up``), before
every read and by the ``audit_index`` command, so writes that bypass signals (bulk imports,
``COPY``) are indexed like any other. See docs/history.md for the design and its figures.

Scoping: the index rows are restricted with ``AuditEvent.objects.restrict(user)``, the same
rule as every other scoped model (a subtree, or one organisation); an object history is read
from the history table restricted by the live model's own scope lookups.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.masking import PERSONAL_FIELDS, mask_diff, owners_seen_in_full, sees_personal_data
from core.scoping import VIEW, ScopedModel, jurisdiction_of
from registry.models import Division, Organisation, User
from registry.selectors import UNINTERESTING
from transparency.models import AUDIT_DEPTH, AuditEvent, AuditWatermark

CHANGE_KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}

#: events per page by default, and at most
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

#: the most rows one .xlsx export writes (Excel's own limit is 1,048,576)
EXPORT_MAX_ROWS = 1_000_000

_CURSOR_SALT = "transparency.audit.cursor"


class CursorError(ValueError):
    """A page cursor that is damaged, or that belongs to another search."""


# --- which models are audited -------------------------------------------------------------------


@dataclass(frozen=True)
class TrackedModel:
    """A model whose changes simple-history records, and how its history rows hang off the
    division tree and off an organisation (the live model's scope lookups, which work on the
    history model too: its foreign keys have the same names)."""

    model: type[models.Model]
    history: type[models.Model]
    path_lookup: str | None
    organisation_lookup: str | None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def pk_attname(self) -> str:
        return self.model._meta.pk.attname

    @property
    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model, for_concrete_model=False)

    def history_rows(self):
        return self.history._default_manager.all()

    def restricted_history(self, user, action: str = VIEW):
        """The history rows of this model inside ``user``'s jurisdiction, by the rule of
        ``ScopedModel.jurisdiction_q`` applied to the history model's own columns."""
        jurisdiction = jurisdiction_of(user)
        rows = self.history_rows()
        if jurisdiction.unrestricted:
            return rows
        if not jurisdiction.allows(action):
            return rows.none()
        if jurisdiction.organisation_id is not None:
            if self.organisation_lookup is None:
                return rows.none()
            return rows.filter(**{self.organisation_lookup: jurisdiction.organisation_id})
        if jurisdiction.path is None or self.path_lookup is None:
            return rows.none()
        return rows.filter(**{f"{self.path_lookup}__startswith": jurisdiction.path})


@functools.cache
def tracked_models() -> dict[str, TrackedModel]:
    """Every model with a history, by ``app_label.modelname``, in a stable order.

    Many-to-many "through" histories are left out (they belong to no place); models that are
    not scoped (accounts, settings) are kept, with no place: only superusers see them.
    """
    found = {}
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label_lower):
        attribute = getattr(model._meta, "simple_history_manager_attribute", None)
        if attribute is None or model._meta.auto_created:
            continue
        history = getattr(model, attribute).model
        path_lookup = organisation_lookup = None
        if issubclass(model, ScopedModel):
            path_lookup = model.scope_path_field
            organisation_lookup = model.scope_organisation_field
            if organisation_lookup == "pk":
                organisation_lookup = model._meta.pk.attname
        found[model._meta.label_lower] = TrackedModel(
            model=model,
            history=history,
            path_lookup=path_lookup,
            organisation_lookup=organisation_lookup,
        )
    return found


def kind_choices() -> list[tuple[str, str]]:
    """(key, label) of every audited kind of object, for filters."""
    return [(key, tracked.label) for key, tracked in tracked_models().items()]


# --- filling the index ----------------------------------------------------------------------------


def _index_columns(tracked: TrackedModel, rows):
    return rows.values_list(
        "history_id",
        "history_date",
        "history_type",
        "history_user_id",
        F(tracked.organisation_lookup)
        if tracked.organisation_lookup
        else Value(None, output_field=models.BigIntegerField()),
        F(tracked.path_lookup)
        if tracked.path_lookup
        else Value(None, output_field=models.CharField()),
    )


def _index_rows_in_database(tracked: TrackedModel, rows) -> tuple[int, int]:
    """PostgreSQL: the same copy as one ``INSERT ... SELECT`` in the database (the path cut
    into its codes with ``split_part``): no row travels to Python, which is what makes the
    first build over tens of millions of history rows take minutes, not hours."""
    from django.db import connection

    select, params = _index_columns(tracked, rows.order_by()).query.sql_with_params()
    nodes = ", ".join(
        f"COALESCE(split_part(q.p::text, '/', {depth + 1}), '')" for depth in range(AUDIT_DEPTH)
    )
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = (
        f"WITH written AS (INSERT INTO {table} (content_type_id, history_id, history_date, "
        "history_type, user_id, organisation_id, node0, node1, node2, node3, node4) "
        # The casts: a column that is a bare NULL in the subquery would otherwise be text.
        f"SELECT %s, q.h, q.d, q.t, q.u::bigint, q.o::bigint, {nodes} "
        f"FROM ({select}) AS q (h, d, t, u, o, p) "
        "ON CONFLICT (content_type_id, history_id) DO NOTHING RETURNING history_id) "
        "SELECT COUNT(*), COALESCE(MAX(history_id), 0) FROM written"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (tracked.content_type.pk, *params))
        written, highest = cursor.fetchone()
    return written, highest


def _index_rows(tracked: TrackedModel, rows, *, batch: int) -> tuple[int, int]:
    """Copy history rows (a queryset of ``tracked.history``) into the index; return (rows
    written, highest history id written)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return _index_rows_in_database(tracked, rows)
    content_type_id = tracked.content_type.pk
    columns = _index_columns(tracked, rows.order_by("history_id"))
    written, highest, pending = 0, 0, []

    def flush():
        nonlocal written
        AuditEvent.objects.bulk_create(pending, ignore_conflicts=True)
        written += len(pending)
        pending.clear()

    for history_id, when, kind, user_id, organisation_id, path in columns.iterator(
        chunk_size=batch
    ):
        nodes = AuditEvent.nodes_of(path)
        pending.append(
            AuditEvent(
                content_type_id=content_type_id,
                history_id=history_id,
                history_date=when,
                history_type=kind,
                user_id=user_id,
                organisation_id=organisation_id,
                node0=nodes[0],
                node1=nodes[1],
                node2=nodes[2],
                node3=nodes[3],
                node4=nodes[4],
            )
        )
        highest = history_id
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return written, highest


def _raise_watermark(content_type_id: int, highest: int) -> None:
    AuditWatermark.objects.bulk_create(
        [AuditWatermark(content_type_id=content_type_id)], ignore_conflicts=True
    )
    AuditWatermark.objects.filter(content_type_id=content_type_id).update(
        last_history_id=Greatest(F("last_history_id"), Value(highest))
    )


def _latest_history_ids() -> dict[str, int]:
    """The highest history id of every audited table, in one query (each an index look-up)."""
    from django.db import connection

    tracked = list(tracked_models().values())
    quote = connection.ops.quote_name
    parts = [
        f"SELECT {i}, MAX({quote('history_id')}) FROM {quote(t.history._meta.db_table)}"
        for i, t in enumerate(tracked)
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {tracked[i].key: highest or 0 for i, highest in cursor.fetchall()}


def audit_index_catch_up(*, batch: int = 5000, progress=None) -> int:
    """Index every history row written since the last call (per model, the rows above its
    watermark); returns how many. Cheap when nothing changed: one query for the watermarks
    and one for the newest history id of every table.

    A row whose transaction commits after a later row of the same model was indexed sits below
    the watermark; ``audit_index_repair`` (run by the ``audit_index`` command) finds it.
    """
    watermarks = dict(AuditWatermark.objects.values_list("content_type_id", "last_history_id"))
    latest = _latest_history_ids()
    total = 0
    for tracked in tracked_models().values():
        content_type_id = tracked.content_type.pk
        last = watermarks.get(content_type_id, 0)
        if latest.get(tracked.key, 0) <= last:
            continue
        with transaction.atomic():
            written, highest = _index_rows(
                tracked, tracked.history_rows().filter(history_id__gt=last), batch=batch
            )
            if written:
                _raise_watermark(content_type_id, highest)
        total += written
        if progress and written:
            progress(tracked.key, written)
    return total


def audit_index_repair(*, window: int | None = 100_000, batch: int = 5000, progress=None) -> int:
    """Index the history rows the catch-up missed: among the last ``window`` history ids of
    each model (all of them with ``window=None``), those with no index row. Returns how many;
    run by the ``audit_index`` command."""
    watermarks = dict(AuditWatermark.objects.values_list("content_type_id", "last_history_id"))
    total = 0
    for tracked in tracked_models().values():
        content_type_id = tracked.content_type.pk
        rows = tracked.history_rows()
        if window is not None:
            rows = rows.filter(history_id__gt=watermarks.get(content_type_id, 0) - window)
        missing = rows.exclude(
            Exists(
                AuditEvent.objects.filter(
                    content_type_id=content_type_id, history_id=OuterRef("history_id")
                )
            )
        )
        with transaction.atomic():
            written, highest = _index_rows(tracked, missing, batch=batch)
            if written:
                _raise_watermark(content_type_id, highest)
        total += written
        if progress and written:
            progress(tracked.key, written)
    return total


# --- what to show ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """A search of the audit log, already checked against the user's jurisdiction (see
    ``transparency.forms.AuditFilterForm``). Days are local days, both ends included."""

    since: datetime.date | None = None
    until: datetime.date | None = None
    person: User | None = None
    kinds: tuple[str, ...] = ()
    change: str = ""
    division: Division | None = None

    def fingerprint(self, user) -> str:
        """What a page cursor is bound to: this search, by this user."""
        data = {
            "u": user.pk,
            "s": self.since.isoformat() if self.since else "",
            "t": self.until.isoformat() if self.until else "",
            "p": self.person.pk if self.person else "",
            "k": sorted(self.kinds),
            "c": self.change,
            "d": self.division.pk if self.division else "",
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events(user, query: AuditQuery):
    """The index rows ``user`` may see that match ``query``, newest first."""
    events = AuditEvent.objects.restrict(user, VIEW)
    if query.division is not None:
        events = events.filter(AuditEvent.node_q(query.division.path))
    if query.since:
        events = events.filter(history_date__gte=_day_start(query.since))
    if query.until:
        events = events.filter(history_date__lt=_day_start(query.until + datetime.timedelta(1)))
    if query.person is not None:
        events = events.filter(user_id=query.person.pk)
    if query.kinds:
        tracked = tracked_models()
        events = events.filter(
            content_type_id__in=[tracked[key].content_type.pk for key in query.kinds]
        )
    if query.change:
        events = events.filter(history_type=query.change)
    return events.order_by("-history_date", "-id")


def encode_cursor(event: AuditEvent, fingerprint: str) -> str:
    return signing.dumps(
        {"d": event.history_date.isoformat(), "i": event.pk, "f": fingerprint},
        salt=_CURSOR_SALT,
        compress=True,
    )


def decode_cursor(cursor: str, fingerprint: str) -> tuple[datetime.datetime, int]:
    """The position a cursor stands for; ``CursorError`` if it is damaged or was made for
    another search (or another user)."""
    try:
        data = signing.loads(cursor[:500], salt=_CURSOR_SALT)
        when = datetime.datetime.fromisoformat(data["d"])
        event_id = int(data["i"])
        made_for = data["f"]
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise CursorError(_("This page link is damaged; start again from the first page.")) from (
            error
        )
    if made_for != fingerprint:
        raise CursorError(
            _("This page link belongs to a different search; start again from the first page.")
        )
    return when, event_id


def _after(events, position: tuple[datetime.datetime, int]):
    when, event_id = position
    # The plain ``<=`` bounds the index range; the OR picks the rows after the position in it.
    return events.filter(history_date__lte=when).filter(
        Q(history_date__lt=when) | Q(history_date=when, id__lt=event_id)
    )


@dataclass
class FieldChange:
    field: str
    label: str
    old: object
    new: object


@dataclass
class AuditRow:
    """One change as the reader sees it."""

    when: datetime.datetime
    user_id: int | None
    user_label: str
    kind: str
    kind_label: str
    object_id: object
    object_label: str
    organisation_id: int | None
    organisation_label: str
    action: str
    action_label: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class AuditPage:
    rows: list[AuditRow]
    next_cursor: str | None


def audit_page(
    user, query: AuditQuery, *, cursor: str | None = None, size: int = PAGE_SIZE
) -> AuditPage:
    """One page of the audit log for ``user``: ``size`` changes, newest first, after the
    position ``cursor`` stands for (the first page without one). Raises ``CursorError``."""
    audit_index_catch_up()
    fingerprint = query.fingerprint(user)
    events = audit_events(user, query)
    if cursor:
        events = _after(events, decode_cursor(cursor, fingerprint))
    found = list(events[: size + 1])
    more = len(found) > size
    found = found[:size]
    next_cursor = encode_cursor(found[-1], fingerprint) if more and found else None
    return AuditPage(rows=describe_events(user, found), next_cursor=next_cursor)


def iter_audit_rows(user, query: AuditQuery, *, chunk: int = 1000) -> Iterator[AuditRow]:
    """Every change matching ``query`` for ``user``, newest first, a chunk of index rows at a
    time (memory stays flat however many there are)."""
    audit_index_catch_up()
    events = audit_events(user, query)
    position = None
    decided: dict = {}
    while True:
        page = events if position is None else _after(events, position)
        found = list(page[:chunk])
        if not found:
            return
        yield from describe_events(user, found, decided=decided)
        position = (found[-1].history_date, found[-1].pk)


def describe_events(user, events: list[AuditEvent], *, decided: dict | None = None):
    """The history rows behind index rows, with their field changes, in the events' order."""
    by_kind = defaultdict(list)
    trackers = {tracked.content_type.pk: tracked for tracked in tracked_models().values()}
    for event in events:
        tracked = trackers.get(event.content_type_id)
        if tracked is not None:
            by_kind[tracked].append(event.history_id)
    rows = {}
    for tracked, history_ids in by_kind.items():
        for row in tracked.history_rows().filter(history_id__in=history_ids):
            rows[(tracked.key, row.history_id)] = (tracked, row)
    ordered = []
    for event in events:
        tracked = trackers.get(event.content_type_id)
        item = rows.get((tracked.key, event.history_id)) if tracked else None
        if item is not None:  # a history row archived since it was indexed is skipped
            item[1]._audit_organisation_id = event.organisation_id
            ordered.append(item)
    return describe_history(user, ordered, decided=decided)


def object_history(user, key: str, object_id: str) -> tuple[TrackedModel, list[AuditRow]]:
    """Every recorded change of one object, newest first, if it is in ``user``'s jurisdiction
    (else ``LookupError``, which a view answers with 404)."""
    tracked = tracked_models().get(key)
    if tracked is None:
        raise LookupError(key)
    pk_field = tracked.model._meta.pk
    if not object_id.isprintable() or len(object_id) > 40:
        raise LookupError(object_id)
    try:
        value = pk_field.to_python(object_id)
    except Exception as error:  # a malformed id is just "not found"
        raise LookupError(object_id) from error
    if isinstance(value, int) and not 1 <= value <= 2**63 - 1:
        raise LookupError(object_id)
    rows = list(
        tracked.restricted_history(user)
        .filter(**{pk_field.attname: value})
        .order_by("-history_date", "-history_id")
    )
    if not rows:
        raise LookupError(object_id)
    return tracked, describe_history(user, [(tracked, row) for row in rows])


# --- describing history rows ---------------------------------------------------------------------


def _tracked_fields(tracked: TrackedModel) -> list[models.Field]:
    """The live model's fields that its history keeps (simple-history may exclude some: a
    user's password), less those that change on every save."""
    kept = {f.attname for f in tracked.history._meta.concrete_fields}
    return [
        f
        for f in tracked.model._meta.concrete_fields
        if f.name not in UNINTERESTING and f.attname in kept
    ]


def _previous_versions(tracked: TrackedModel, rows: list) -> dict[int, object]:
    """For each history row, the version of the same object just before it (or none)."""
    if not rows:
        return {}
    pk = tracked.pk_attname
    history = tracked.history_rows()
    previous = history.filter(**{pk: OuterRef(pk)}).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    links = dict(
        history.filter(history_id__in=[row.history_id for row in rows if row.history_type != "+"])
        .annotate(
            previous_id=Subquery(
                previous.order_by("-history_date", "-history_id").values("history_id")[:1]
            )
        )
        .values_list("history_id", "previous_id")
    )
    versions = history.in_bulk(
        [p for p in links.values() if p is not None], field_name="history_id"
    )
    return {current: versions.get(prev) for current, prev in links.items() if prev is not None}


class _Names:
    """Names of the divisions, people and organisations a page mentions, fetched once."""

    def __init__(self):
        self.wanted = defaultdict(set)
        self.names: dict = {}

    def want(self, related_model, value):
        if value not in (None, "") and related_model in (Division, User, Organisation):
            self.wanted[related_model].add(value)

    def fetch(self):
        for model, values in self.wanted.items():
            if model is User:
                for person in User.objects.filter(pk__in=values):
                    self.names[(User, person.pk)] = person.get_full_name() or person.username
            else:
                for pk, name in model._default_manager.filter(pk__in=values).values_list(
                    "pk", "name"
                ):
                    self.names[(model, pk)] = name

    def get(self, model, value):
        return self.names.get((model, value), value)


def _display(model_field: models.Field, value, names: _Names):
    """A stored value as a reader wants it: choice labels, names for divisions, people and
    organisations, yes or no, dates and times in one format."""
    if value in (None, ""):
        return ""
    if model_field.is_relation:
        related = model_field.related_model
        if related in (Division, User, Organisation):
            return names.get(related, value)
        return f"#{value}"
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if hasattr(model_field, "get_display") and isinstance(value, list):
        return model_field.get_display(value)
    if isinstance(value, bool):
        return str(_("yes")) if value else str(_("no"))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _object_label(tracked: TrackedModel, row) -> str:
    for name in ("name", "title", "username"):
        value = getattr(row, name, None)
        if value:
            return str(value)
    for name in ("year", "kind", "status"):
        model_field = next((f for f in tracked.model._meta.fields if f.name == name), None)
        if model_field is not None and getattr(row, name, None) not in (None, ""):
            return f"{tracked.label} · {_display(model_field, getattr(row, name), _Names())}"
    return f"{tracked.label} #{getattr(row, tracked.pk_attname)}"


def _organisation_of(tracked: TrackedModel, row) -> int | None:
    indexed = getattr(row, "_audit_organisation_id", None)
    if indexed is not None:
        return indexed
    lookup = tracked.organisation_lookup
    if lookup is None:
        return None
    if lookup == tracked.pk_attname:
        return getattr(row, lookup)
    if "__" in lookup:  # further away than the row's own columns: the index has it
        return None
    return getattr(row, tracked.history._meta.get_field(lookup).attname, None)


def _full_view_decider(user, decided: dict):
    """``full(tracked, row)``: whether ``user`` sees this row's personal fields unmasked, by the
    one rule of ``core.masking.sees_personal_data`` (the user may change the live object),
    decided once per object. ``prefetch(tracked, ids)`` decides a page's objects in one query
    (``restrict(user, CHANGE)`` over them is ``is_within(user, CHANGE)`` for each). An object no
    longer there (deleted) is masked."""
    jurisdiction = jurisdiction_of(user)

    def prefetch(tracked: TrackedModel, ids) -> None:
        wanted = {pk for pk in ids if (tracked.key, pk) not in decided}
        if not wanted:
            return
        manager = tracked.model._default_manager
        if hasattr(manager, "restrict"):
            # The rule itself (which notes what it lets through for the access log).
            allowed = owners_seen_in_full(user, tracked.model, wanted)
        elif jurisdiction.unrestricted:
            allowed = set(manager.filter(pk__in=wanted).values_list("pk", flat=True))
        else:
            allowed = set()
        for pk in wanted:
            decided[(tracked.key, pk)] = pk in allowed

    def full(tracked: TrackedModel, row) -> bool:
        key = (tracked.key, getattr(row, tracked.pk_attname))
        if key not in decided:
            live = tracked.model._default_manager.filter(pk=key[1]).first()
            decided[key] = bool(
                live is not None
                and (
                    sees_personal_data(user, live)
                    if isinstance(live, ScopedModel)
                    else jurisdiction.unrestricted
                )
            )
        return decided[key]

    full.prefetch = prefetch
    return full


def describe_history(
    user, items: list[tuple[TrackedModel, object]], *, decided: dict | None = None
) -> list[AuditRow]:
    """History rows (with the model each belongs to) as ``AuditRow``s, in the given order:
    who, when, which object, which fields changed from what to what, why. Personal fields
    (``core.masking.PERSONAL_FIELDS``) are masked by the one rule."""
    by_kind = defaultdict(list)
    for tracked, row in items:
        by_kind[tracked].append(row)
    previous = {}
    for tracked, rows in by_kind.items():
        for current, before in _previous_versions(tracked, rows).items():
            previous[(tracked.key, current)] = before

    names = _Names()
    for tracked, row in items:
        names.want(User, row.history_user_id)
        organisation_id = _organisation_of(tracked, row)
        names.want(Organisation, organisation_id)
        before = previous.get((tracked.key, row.history_id))
        if before is not None:
            for model_field in _tracked_fields(tracked):
                if model_field.is_relation:
                    names.want(model_field.related_model, getattr(before, model_field.attname))
                    names.want(model_field.related_model, getattr(row, model_field.attname))
    names.fetch()

    full = _full_view_decider(user, {} if decided is None else decided)
    personal_kinds = {
        tracked
        for tracked in by_kind
        if any(f.name in PERSONAL_FIELDS for f in _tracked_fields(tracked))
    }
    for tracked in personal_kinds:
        full.prefetch(tracked, {getattr(row, tracked.pk_attname) for row in by_kind[tracked]})
    described = []
    for tracked, row in items:
        before = previous.get((tracked.key, row.history_id))
        changes = []
        if before is not None:
            personal = None
            for model_field in _tracked_fields(tracked):
                old = getattr(before, model_field.attname)
                new = getattr(row, model_field.attname)
                if old == new:
                    continue
                old, new = _display(model_field, old, names), _display(model_field, new, names)
                if model_field.name in PERSONAL_FIELDS:
                    if personal is None:
                        personal = full(tracked, row)
                    old, new = mask_diff(model_field.name, old, new, full=personal)
                changes.append(
                    FieldChange(
                        field=model_field.name,
                        label=str(model_field.verbose_name),
                        old=old,
                        new=new,
                    )
                )
        organisation_id = _organisation_of(tracked, row)
        described.append(
            AuditRow(
                when=row.history_date,
                user_id=row.history_user_id,
                user_label=str(names.get(User, row.history_user_id) or ""),
                kind=tracked.key,
                kind_label=tracked.label,
                object_id=getattr(row, tracked.pk_attname),
                object_label=_object_label(tracked, row),
                organisation_id=organisation_id,
                organisation_label=str(names.get(Organisation, organisation_id) or ""),
                action=row.history_type,
                action_label=str(CHANGE_KINDS.get(row.history_type, row.history_type)),
                reason=row.history_change_reason or "",
                changes=changes,
            )
        )
    return described


def audit_rows_as_table(rows: Iterable[AuditRow]) -> Iterator[list]:
    """One spreadsheet line per changed field (one per event with none): when, who, kind,
    object, organisation, change, field, from, to, reason."""
    for row in rows:
        when = timezone.localtime(row.when).replace(tzinfo=None)
        base = [
            when,
            row.user_label,
            row.kind_label,
            row.object_label,
            row.organisation_label,
            row.action_label,
        ]
        if not row.changes:
            yield [*base, "", "", "", row.reason]
        for change in row.changes:
            yield [*base, change.label, str(change.old), str(change.new), row.reason]
