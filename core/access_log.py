"""The access log for personal data: who saw full ID numbers, when, which records, and why
(the page or endpoint), one row per response (docs/security.md, "The access log").

Nothing here is called by a page or an endpoint. ``core.masking`` notes here every decision
that lets a reader see an owner's personal data in full (:func:`note_full`, one call per
decision, with all the owners it decided for), and every full ID number it lets through
(:func:`note_shown`); :class:`PersonalDataAccessMiddleware` opens a collection for each
request and, when the response is done, writes one :class:`~core.models.PersonalDataAccess`
row if a full ID number was shown. Work outside a request (an export job) opens its own
collection with :func:`collecting`. So a surface cannot forget to log: it cannot show a full
ID number without going through the masking rule.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from core.scoping import PATH_SEPARATOR


@dataclass
class Collection:
    """What one response (or one job) let through in full."""

    user: object = None
    view_name: str = ""
    path: str = ""
    #: model label ("registry.organisation") → ids of the owners seen in full
    records: dict[str, set] = field(default_factory=dict)
    #: the scope paths of those owners (or of the subtree an export covered)
    scope_paths: set[str] = field(default_factory=set)
    #: whether a full ID number was actually let through
    shown: bool = False

    def add(self, label: str, ids: Iterable, paths: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self.records.setdefault(label, set()).update(ids)
        self.scope_paths.update(path for path in paths if path is not None)


_current: ContextVar[Collection | None] = ContextVar("personal_data_access", default=None)


def note_full(model, ids_and_paths: Iterable[tuple[object, str | None]]) -> None:
    """The masking rule let the current reader see these ``model`` rows' personal data in full
    (``(pk, scope path)`` pairs; a pk of ``None`` stands for a whole subtree, an export's)."""
    collection = _current.get()
    if collection is None:
        return
    pairs = list(ids_and_paths)
    collection.add(
        model._meta.label_lower,
        [pk for pk, _path in pairs if pk is not None],
        [path for _pk, path in pairs],
    )


def note_shown() -> None:
    """A full ID number was let through to the reader."""
    collection = _current.get()
    if collection is not None:
        collection.shown = True


def collecting_now() -> bool:
    """Whether anything is being collected (so the masking rule need not look paths up)."""
    return _current.get() is not None


def common_path(paths: Iterable[str]) -> str:
    """The deepest division path above every one of ``paths`` (``""``: nothing in common)."""
    paths = [path for path in paths if path]
    if not paths:
        return ""
    prefix = os.path.commonprefix(paths)
    return prefix[: prefix.rfind(PATH_SEPARATOR) + 1]


def write(collection: Collection):
    """The row for ``collection`` (``None`` if no full ID number was shown)."""
    from core.models import PersonalDataAccess

    if not collection.shown or not collection.records and not collection.scope_paths:
        return None
    user = collection.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    records = {label: sorted(ids) for label, ids in sorted(collection.records.items())}
    return PersonalDataAccess.objects.create(
        user=user,
        username=getattr(user, "username", "") or "",
        view_name=collection.view_name[:200],
        path=collection.path[:500],
        records=records,
        record_count=sum(len(ids) for ids in records.values()),
        scope_path=common_path(collection.scope_paths),
    )


@contextlib.contextmanager
def collecting(*, user, view_name: str, path: str = "") -> Iterator[Collection]:
    """Collect what the masking rule lets through inside the block and write its row at the
    end (for work outside a request: an export job, a command)."""
    collection = Collection(user=user, view_name=view_name, path=path)
    token = _current.set(collection)
    try:
        yield collection
    finally:
        _current.reset(token)
    write(collection)


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return match.view_name or match.url_name or ""


class PersonalDataAccessMiddleware:
    """One collection per request; one log row per response that showed full ID numbers.

    The user is read when the response is done, so an API token's user (authenticated inside
    the view by DRF) is the one recorded. A streamed response (an export) is written once the
    stream has been read to the end or closed: the masking rule may still decide while rows
    are being written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        collection = Collection(path=request.get_full_path())
        token = _current.set(collection)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        collection.view_name = _view_name(request)
        collection.user = getattr(request, "user", None)
        if getattr(response, "streaming", False):
            response.streaming_content = self._stream(response.streaming_content, collection)
        else:
            write(collection)
        return response

    @staticmethod
    def _stream(content, collection: Collection):
        token = _current.set(collection)
        try:
            yield from content
        finally:
            try:
                _current.reset(token)
            except ValueError:  # closed from another context: nothing left to restore
                _current.set(None)
            write(collection)
