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
    # annotated by ``_with_current_grade``: the assessment grade in force today (1-5) or None
    "current_grade",
)


def _with_current_grade(organisations: QuerySet) -> QuerySet:
    """Adds ``current_grade`` (1-5 for 1A-5A, or None): a grade is public knowledge. From the
    grading app, imported when used (it sits above the registry)."""
    from grading.selectors import annotate_current_grade

    return annotate_current_grade(organisations)


def public_register_organisations(
    *, q: str = "", district: str = "", street: str = "", field: str = ""
) -> QuerySet:
    """Filed and registered organisations matching a public search, as dicts of public fields
    and ``current_grade`` (the assessment grade in force today, 1-5, or None).

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
                return _with_current_grade(organisations.none()).values(*PUBLIC_FIELDS)
            organisations = organisations.filter(community__path__startswith=path)
    if field:
        organisations = organisations.filter(field=field)
    return _with_current_grade(organisations).order_by("name", "pk").values(*PUBLIC_FIELDS)


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
