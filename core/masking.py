"""Personal data (phone and ID numbers) follows one rule on every surface: pages, the API,
spreadsheet exports and history views all decide here who sees full values and how a value is
masked.

The rule: the roles that may *change* an object's records (the tiers that keep the roster, and
the organisation's own leader) see full values; read-only roles and everyone else see them
masked. Nothing public carries them at all.

Every decision that lets someone see an owner's data in full, and every full ID number let
through, is noted for the access log (``core.access_log``: one row per response), so no surface
that masks by this rule can forget to log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from core import access_log
from core.scoping import CHANGE, jurisdiction_of

#: what replaces a hidden character
MASK = "*"


def mask_middle(value: str, *, keep_start: int, keep_end: int) -> str:
    """``13800138000`` → ``138****8000``: the middle replaced by stars, at least four of them
    (so a short value doesn't give itself away, and a masked value is always recognisable)."""
    if not value:
        return value
    hidden = max(len(value) - keep_start - keep_end, 4)
    keep_start = min(keep_start, max(len(value) - hidden, 0))
    keep_end = max(min(keep_end, len(value) - keep_start - hidden), 0)
    return value[:keep_start] + MASK * hidden + (value[-keep_end:] if keep_end else "")


def mask_phone(value: str) -> str:
    """``13800138000`` → ``138****8000``: enough to tell numbers apart, not to call one."""
    return mask_middle(value, keep_start=3, keep_end=4)


def mask_id_number(value: str) -> str:
    """``440303199505050029`` → ``440303********0029`` (place code and last four only)."""
    return mask_middle(value, keep_start=6, keep_end=4)


def is_masked(value) -> bool:
    """Whether ``value`` is a masked value (as read back from an exported spreadsheet)."""
    return isinstance(value, str) and MASK in value


#: personal fields, by the name every model, row and serializer uses, and how each is masked
PERSONAL_FIELDS: Mapping[str, Callable[[str], str]] = {
    "phone": mask_phone,
    "id_number": mask_id_number,
}


def sees_personal_data(user, obj) -> bool:
    """Whether ``user`` sees ``obj``'s personal data in full: only if they may change it
    (``obj`` is a scoped row, e.g. the organisation whose roster is shown)."""
    return obj.pk in owners_seen_in_full(user, type(obj), [obj.pk])


def sees_personal_data_in_bulk(user, model, *, within_path: str | None = None) -> bool:
    """Whether ``user`` sees in full the personal data of every ``model`` row it may view (a
    whole ledger exported): the same rule for rows in bulk, yes if the user may change rows of
    its jurisdiction. ``within_path``: the subtree exported, when narrower than the user's
    jurisdiction (noted for the access log)."""
    jurisdiction = jurisdiction_of(user)
    full = jurisdiction.allows(CHANGE)
    if full:
        if within_path is None:
            within_path = jurisdiction.path or ""
        access_log.note_full(model, [(None, within_path)])
    return full


def mask_value(field: str, value, *, full: bool):
    """``value`` of personal field ``field`` as the reader may see it (others unchanged)."""
    mask = PERSONAL_FIELDS.get(field)
    if full or mask is None:
        if full and field == "id_number" and value:
            access_log.note_shown()
        return value
    return mask(str(value or ""))


def mask_row(row: Mapping, *, full: bool) -> dict:
    """A copy of ``row`` (a dict of field name → value) with its personal fields masked unless
    ``full``."""
    if full:
        if row.get("id_number"):
            access_log.note_shown()
        return dict(row)
    return {key: mask_value(key, value, full=False) for key, value in row.items()}


def mask_diff(field: str, old, new, *, full: bool) -> tuple:
    """A history change (``field`` from ``old`` to ``new``) as the reader may see it."""
    return mask_value(field, old, full=full), mask_value(field, new, full=full)


def owners_seen_in_full(user, model, ids) -> set:
    """Of the ``model`` rows with these ids, those whose personal data ``user`` sees in full:
    :func:`sees_personal_data` for many rows in one query."""
    ids = {pk for pk in ids if pk is not None}
    if user is None or not ids:
        return set()
    queryset = model._default_manager.restrict(user, CHANGE).filter(pk__in=ids)
    path_field = getattr(model, "scope_path_field", None)
    if not access_log.collecting_now() or path_field is None:
        seen = set(queryset.values_list("pk", flat=True))
        access_log.note_full(model, [(pk, None) for pk in seen])
        return seen
    rows = list(queryset.values_list("pk", path_field))
    access_log.note_full(model, rows)
    return {pk for pk, _path in rows}


class _PersonalDataListMixin:
    """The list of a :class:`PersonalDataSerializerMixin` serializer: decides the rule for every
    row's owner in one query before the rows are written out."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.child.decide_personal_data(items)
        return super().to_representation(items)


_LIST_CLASSES: dict = {}


class PersonalDataSerializerMixin:
    """For a DRF serializer: the personal fields of each answer masked by the one rule.

    The scoped object whose scope decides is the instance itself, or the one its foreign key
    ``personal_data_owner_field`` names (a member's ``"organisation"``). For a list the rule is
    decided for all the rows' owners in one query; for one object, in one query per owner and
    request. (``personal_data_owner(instance)`` may name the owner instead, at one query per
    owner.)
    """

    #: the foreign key to the object whose scope decides; "" for the instance itself
    personal_data_owner_field = ""

    @classmethod
    def many_init(cls, *args, **kwargs):
        serializer = super().many_init(*args, **kwargs)
        base = type(serializer)
        if base not in _LIST_CLASSES:
            _LIST_CLASSES[base] = type(base.__name__, (_PersonalDataListMixin, base), {})
        serializer.__class__ = _LIST_CLASSES[base]
        return serializer

    def personal_data_owner(self, instance):
        if self.personal_data_owner_field:
            return getattr(instance, self.personal_data_owner_field)
        return instance

    def _owner_key(self, instance):
        field = self.personal_data_owner_field
        if field:
            model = type(instance)._meta.get_field(field).related_model
            return model, getattr(instance, f"{field}_id")
        if type(self).personal_data_owner is not PersonalDataSerializerMixin.personal_data_owner:
            owner = self.personal_data_owner(instance)
            return (type(owner), owner.pk) if owner is not None else (None, None)
        return type(instance), instance.pk

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def decide_personal_data(self, instances) -> None:
        """Decide the rule for the owners of ``instances`` not decided yet (one query per
        owner model)."""
        decided = self.context.setdefault("_personal_data_seen", {})
        pending: dict = {}
        for instance in instances:
            model, pk = self._owner_key(instance)
            if model is not None and (model, pk) not in decided:
                pending.setdefault(model, set()).add(pk)
        user = self._user()
        for model, ids in pending.items():
            full = owners_seen_in_full(user, model, ids)
            for pk in ids:
                decided[(model, pk)] = pk in full

    def sees_personal_data(self, instance) -> bool:
        model, pk = self._owner_key(instance)
        if model is None or pk is None:
            return False
        decided = self.context.setdefault("_personal_data_seen", {})
        if (model, pk) not in decided:
            self.decide_personal_data([instance])
        return decided[(model, pk)]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if any(name in data for name in PERSONAL_FIELDS):
            full = self.sees_personal_data(instance)
            for name in PERSONAL_FIELDS:
                if data.get(name) is not None:
                    data[name] = mask_value(name, data[name], full=full)
        return data
