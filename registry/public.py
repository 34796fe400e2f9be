"""The public register: what anyone, without logging in, may know about an organisation.

This is the one place in the project that reads organisations WITHOUT ``restrict()``. It is
deliberate: the public register (DOMAIN.md §2, "public (anonymous)") shows every filed and
registered organisation of the city to everybody, so there is no jurisdiction to apply. What
keeps it safe instead is that it only ever returns a fixed list of public columns — never a
member, a phone number, an ID number or a person's name — as plain dictionaries, so a template
cannot reach a related object by accident.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from registry.choices import DivisionLevel, OrgStatus
from registry.extensions import annotate_organisations, public_organisation_annotations
from registry.models import Division, Organisation

#: organisation statuses that appear on the public register (live and approved by an office)
PUBLIC_STATUSES = (OrgStatus.FILED, OrgStatus.REGISTERED)

#: the only columns the public register reads; nothing about a person is among them
PUBLIC_FIELDS = (
    "pk",
    "name",
    "status",
    "org_type",
    "field",
    "filing_number",
    "filed_on",
    "credit_code",
    "legal_form",
    "registered_on",
    "is_hub",
    "community__name",
    "community__parent__name",
    "community__parent__parent__name",
)


def public_fields() -> tuple[str, ...]:
    """The public columns and the public values higher apps add (``registry.extensions``
    annotations with a ``public_template``: the current grade, a public fact)."""
    return PUBLIC_FIELDS + tuple(a.name for a in public_organisation_annotations())


def _with_public_annotations(organisations: QuerySet) -> QuerySet:
    names = [a.name for a in public_organisation_annotations()]
    return annotate_organisations(organisations, *names) if names else organisations


def public_register_organisations(
    *, q: str = "", district: str = "", street: str = "", field: str = ""
) -> QuerySet:
    """Filed and registered organisations matching a public search, as dicts of
    ``public_fields()``.

    Unscoped on purpose (see the module docstring). ``q`` matches the name, the start of the
    filing number or the start of the credit code; ``district`` and ``street`` are division
    codes (an unknown code matches nothing); ``field`` is an ``OrgField`` value.
    """
    organisations = Organisation.objects.filter(status__in=PUBLIC_STATUSES)
    q = (q or "").strip()
    if q:
        organisations = organisations.filter(
            Q(name__icontains=q)
            | Q(filing_number__startswith=q)
            | Q(credit_code__startswith=q.upper())
        )
    for code, level in ((district, DivisionLevel.DISTRICT), (street, DivisionLevel.STREET)):
        if code:
            path = (
                Division.objects.filter(code=code, level=level)
                .values_list("path", flat=True)
                .first()
            )
            if path is None:
                return _with_public_annotations(organisations.none()).values(*public_fields())
            organisations = organisations.filter(community__path__startswith=path)
    if field:
        organisations = organisations.filter(field=field)
    return _with_public_annotations(organisations).order_by("name", "pk").values(*public_fields())


def public_register_districts() -> QuerySet:
    """District-level units that have organisations on the register, to search by.

    Divisions are public knowledge (the administrative map); only those with something to find
    are offered, so a national tree doesn't fill the list with thousands of empty districts.
    """
    on_register = Organisation.objects.filter(
        status__in=PUBLIC_STATUSES, community__parent__parent=OuterRef("pk")
    )
    return (
        Division.objects.filter(level=DivisionLevel.DISTRICT)
        .filter(Exists(on_register))
        .order_by("path")
    )


def public_register_streets(district: str) -> QuerySet:
    """The streets of one district, to narrow a search; none until a district is chosen."""
    if not district:
        return Division.objects.none()
    return Division.objects.filter(level=DivisionLevel.STREET, parent_id=district).order_by("path")
