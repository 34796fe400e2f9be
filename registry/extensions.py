"""Extension points: where the registry shows something a higher app owns.

The registry sits below oversight, party building, grading and reports and never imports them.
Where one of its pages, endpoints or exports must show what a higher app knows (the credit
lists, the current grade, ...), it offers a hook here, and the higher app fills it in its
``AppConfig.ready()`` (the same shape as ``registry.rules.register_condition``)::

    # oversight/apps.py
    def ready(self):
        from registry.extensions import register_organisation_filter
        register_organisation_filter("on_abnormal_list", BooleanFilter(...))

Registration is idempotent by name (a second registration under the same name replaces the
first), so a ``ready()`` that runs twice in tests changes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

# --- organisation filters -----------------------------------------------------------------------

#: name -> django-filter ``Filter``, added to ``registry.filters.OrganisationFilterSet`` and to
#: every subclass of it (the API's, party building's), on pages and endpoints alike
ORGANISATION_FILTERS: dict = {}
_organisation_filtersets: list[type] = []


def register_organisation_filter(name: str, filter_) -> None:
    """Add ``?<name>=`` to the organisation filters of every page and endpoint.

    ``filter_`` is a django-filter ``Filter``; give it ``method=`` a callable
    ``(queryset, name, value) -> queryset`` (a plain function, since the filter set is not the
    higher app's class). A filter a filter set declares itself under the same name wins.
    """
    ORGANISATION_FILTERS[name] = filter_
    for filterset in _organisation_filtersets:
        _add_filter(filterset, name, filter_)


def extend_organisation_filterset(filterset: type) -> None:
    """Called by ``OrganisationFilterSet`` (and its subclasses) when the class is made: it gets
    the filters registered so far, and those registered later."""
    _organisation_filtersets.append(filterset)
    for name, filter_ in ORGANISATION_FILTERS.items():
        _add_filter(filterset, name, filter_)


def _add_filter(filterset: type, name: str, filter_) -> None:
    if name in filterset.declared_filters:
        return
    filterset.base_filters[name] = copy.deepcopy(filter_)


# --- organisation panels ------------------------------------------------------------------------

#: templates included, in order, at the foot of an organisation's page; each is rendered with
#: ``organisation`` (and the page's context) and shows what a higher app knows about it
ORGANISATION_PANELS: list[str] = []


def register_organisation_panel(template_name: str) -> None:
    """Show ``template_name`` on every organisation's page (below the registry's own sections)."""
    if template_name not in ORGANISATION_PANELS:
        ORGANISATION_PANELS.append(template_name)


# --- organisation annotations -------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationAnnotation:
    """A value a higher app computes per organisation, shown by the registry.

    ``annotate(queryset) -> queryset`` adds the attribute ``name`` to every organisation of the
    queryset (in the same query: a subquery annotation, never one query per row); ``label`` heads
    its column; ``display(value) -> str`` renders it (default: ``str``, empty for ``None``).
    With ``public_template`` the value is public knowledge: the public register shows it, one
    cell per row rendered by that template (with ``row``, a dict holding ``name``).
    """

    name: str
    label: object
    annotate: Callable[[QuerySet], QuerySet]
    display: Callable[[object], str] | None = None
    public_template: str | None = None

    def render(self, value) -> str:
        if self.display is not None:
            return self.display(value)
        return "" if value is None else str(value)


#: name -> annotation; serializers, exports and the public register ask for them by name
ORGANISATION_ANNOTATIONS: dict[str, OrganisationAnnotation] = {}


def register_organisation_annotation(annotation: OrganisationAnnotation) -> None:
    """Make ``annotation`` available to the registry's lists, serializers and exports."""
    ORGANISATION_ANNOTATIONS[annotation.name] = annotation


def annotate_organisations(queryset: QuerySet, *names: str) -> QuerySet:
    """``queryset`` with the registered annotations ``names`` (all of them when none are named);
    a name no app registered is left out, so the registry works without the higher apps."""
    for name in names or tuple(ORGANISATION_ANNOTATIONS):
        annotation = ORGANISATION_ANNOTATIONS.get(name)
        if annotation is not None:
            queryset = annotation.annotate(queryset)
    return queryset


def public_organisation_annotations() -> list[OrganisationAnnotation]:
    """The registered annotations the public register shows (``public_template`` set)."""
    return [a for a in ORGANISATION_ANNOTATIONS.values() if a.public_template]


# --- organisation fields in the API -------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationApiFields:
    """Read-only fields a higher app adds to the API's organisations (list, detail and every
    serializer derived from them).

    ``fields`` maps each field name to ``(OpenAPI schema of its value, help text)``;
    ``load(organisation_ids) -> {id: {name: value}}`` reads the values of a whole page in one
    query (an organisation missing from the answer gets ``None`` for every field).
    """

    key: str
    fields: dict[str, tuple[dict, object]]
    load: Callable[[list[int]], dict[int, dict]]


#: key -> fields; ``registry.api.serializers.OrganisationSerializer`` adds them
ORGANISATION_API_FIELDS: dict[str, OrganisationApiFields] = {}


def register_organisation_api_fields(fields: OrganisationApiFields) -> None:
    """Add ``fields`` to the organisations the API returns."""
    ORGANISATION_API_FIELDS[fields.key] = fields


def organisation_api_values(organisation_ids) -> dict[int, dict]:
    """``{id: {field name: value}}`` of every registered API field, for a page of
    organisations: one ``load`` per registering app."""
    ids = list(organisation_ids)
    values: dict[int, dict] = {pk: {} for pk in ids}
    for group in ORGANISATION_API_FIELDS.values():
        loaded = group.load(ids)
        for pk in ids:
            found = loaded.get(pk, {})
            values[pk].update({name: found.get(name) for name in group.fields})
    return values


# --- role jurisdictions -------------------------------------------------------------------------

#: role -> ``(user) -> Jurisdiction | None``, for roles bound to something a higher app owns (a
#: support platform's operator); the registry's own roles are decided in ``User.jurisdiction``
ROLE_JURISDICTIONS: dict[str, Callable] = {}


def register_role_jurisdiction(role: str, resolver: Callable) -> None:
    """Let ``resolver(user)`` decide the jurisdiction of users with ``role`` (``None``: nothing)."""
    ROLE_JURISDICTIONS[role] = resolver


# --- organisation timeline ----------------------------------------------------------------------

#: ``(organisation) -> [(model, history queryset), ...]``: history rows of a higher app's records
#: about an organisation, shown on its timeline with the registry's own
TIMELINE_SOURCES: list[Callable] = []


def register_timeline_source(source: Callable) -> None:
    """Add ``source`` to every organisation's timeline."""
    if source not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(source)
