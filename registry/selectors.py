"""Reads other code reuses: the organisation timeline built from history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from core.encryption import blind_index
from core.scoping import CHANGE
from registry.extensions import TIMELINE_SOURCES
from registry.models import Activity, Application, BrandProject, Division, Member, Organisation

#: fields that change on every save and say nothing to a reader (and the keyed hash beside an
#: encrypted ID number, core.encryption, which changes with it)
UNINTERESTING = {"updated_at", "created_at", "id", "id_number_hash"}

HISTORY_ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class FieldChange:
    field: str
    label: str
    old: object
    new: object


@dataclass
class TimelineEntry:
    when: datetime
    user: object
    model: str
    model_label: str
    object_id: int
    object_label: str
    action: str
    action_label: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    #: the app of ``model`` (timeline sources of other apps add their own models' rows)
    app_label: str = "registry"


def _display(model: type[Model], field_name: str, value, divisions: dict[str, str]):
    """A value as a reader wants it: choice labels, division names, lists joined."""
    model_field = model._meta.get_field(field_name)
    if value in (None, ""):
        return ""
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if hasattr(model_field, "get_display") and isinstance(value, list):
        return model_field.get_display(value)
    if model_field.is_relation and model_field.related_model is Division:
        return divisions.get(value, value)
    if isinstance(value, bool):
        return str(_("yes")) if value else str(_("no"))
    return value


def members_with_id_number(queryset, value: str, *, user):
    """The members of ``queryset`` whose ID number is ``value`` (a full number: exact search
    through the keyed hash, ``core.encryption.blind_index``), among those whose ID numbers
    ``user`` sees in full (``core.masking``: who may change their organisation's records), so
    that searching is no way round the mask."""
    key = blind_index(value)
    if not key or user is None:
        return queryset.none()
    return queryset.filter(id_number_hash=key).filter(
        organisation__in=Organisation.objects.restrict(user, CHANGE)
    )


def _tracked_fields(model: type[Model]) -> list[tuple[str, str]]:
    """(field name, attribute name) of the fields whose changes the timeline shows."""
    return [(f.name, f.attname) for f in model._meta.concrete_fields if f.name not in UNINTERESTING]


def organisation_timeline(organisation: Organisation) -> list[TimelineEntry]:
    """Everything that happened to an organisation, newest first: its own edits and status
    changes, roster changes, activities, brand projects and applications, each with who, when,
    why and the field-level diff against the previous version of the same object.

    A fixed number of queries whatever the length of the history (one per model).
    """
    sources = [
        (Organisation, Organisation.history.filter(id=organisation.pk)),
        (Member, Member.history.filter(organisation_id=organisation.pk)),
        (Activity, Activity.history.filter(organisation_id=organisation.pk)),
        (BrandProject, BrandProject.history.filter(organisation_id=organisation.pk)),
        (Application, Application.history.filter(organisation_id=organisation.pk)),
    ]
    for source in TIMELINE_SOURCES:  # records higher apps keep about the organisation
        sources.extend(source(organisation))
    records = []
    for model, history in sources:
        rows = list(
            history.select_related("history_user").order_by("id", "history_date", "history_id")
        )
        records.append((model, rows))
    division_ids = {
        getattr(row, attname)
        for model, rows in records
        for row in rows
        for name, attname in _tracked_fields(model)
        if model._meta.get_field(name).is_relation
        and model._meta.get_field(name).related_model is Division
    } - {None}
    divisions = dict(Division.objects.filter(pk__in=division_ids).values_list("code", "name"))
    entries = []
    for model, rows in records:
        fields = _tracked_fields(model)
        previous = {}
        for row in rows:
            before = previous.get(row.id)
            changes = []
            if before is not None:
                for name, attname in fields:
                    old, new = getattr(before, attname), getattr(row, attname)
                    if old != new:
                        changes.append(
                            FieldChange(
                                field=name,
                                label=str(model._meta.get_field(name).verbose_name),
                                old=_display(model, name, old, divisions),
                                new=_display(model, name, new, divisions),
                            )
                        )
            previous[row.id] = row
            if before is not None and not changes and row.history_type == "~":
                continue  # a save that changed nothing a reader would see
            entries.append(
                TimelineEntry(
                    when=row.history_date,
                    user=row.history_user,
                    model=model._meta.model_name,
                    model_label=str(model._meta.verbose_name),
                    object_id=row.id,
                    object_label=_object_label(model, row),
                    action=row.history_type,
                    action_label=str(HISTORY_ACTIONS[row.history_type]),
                    reason=row.history_change_reason or "",
                    changes=changes,
                    app_label=model._meta.app_label,
                )
            )
    entries.sort(key=lambda e: (e.when, e.model, e.object_id), reverse=True)
    return entries


def _object_label(model, row) -> str:
    if model is Application:
        return str(dict(Application._meta.get_field("kind").flatchoices).get(row.kind, row.kind))
    return str(getattr(row, "name", None) or getattr(row, "title", "") or row.id)
