"""What anyone, without logging in, may know: an organisation's public page and the public
credit lists (活动异常名录 and 严重违法失信名单, public by law under 民政部令第60号).

Like ``registry.public``, this module reads organisations WITHOUT ``restrict()`` on purpose:
the public has no jurisdiction, and these pages are for everybody. What keeps them safe is that
every read names its columns (``.values(...)`` of the fields below), never a member, a roster,
a phone or ID number, a person's name or a free-text field someone could have typed a phone
number into (business scope, venue, charter, remarks), and returns plain dictionaries, so a
template cannot reach a related object by accident. ``tests/transparency`` checks every
organisation of the demo dataset against the personal data on its roster.

Which organisations are public: those on the public register (filed and registered), and
those that exited after being filed or registered (their page says when and why). Activity
groups are a community's own ledger: they have no public page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grading.choices import SanctionKind, grade_label
from grading.models import Sanction
from grading.selectors import current_award
from oversight.choices import CreditListKind, ListingReason, RemovalReason
from oversight.models import AnnualReport, CreditListEntry, OversightSettings
from registry.choices import ExitReason, LegalForm, OrgField, OrgStatus, OrgType
from registry.models import BrandProject, Organisation
from registry.public import PUBLIC_STATUSES, public_register_districts

#: the organisation columns a public page or the open-data extract may read: nothing about a
#: person, no free text
PUBLIC_ORGANISATION_FIELDS = (
    "pk",
    "name",
    "status",
    "status_before_exit",
    "org_type",
    "field",
    "founded_on",
    "filing_number",
    "filed_on",
    "credit_code",
    "legal_form",
    "registered_on",
    "exited_on",
    "exit_reason",
    "is_hub",
    "hub_designated_on",
    "community_id",
    "community__name",
    "community__parent_id",
    "community__parent__name",
    "community__parent__parent_id",
    "community__parent__parent__name",
)

#: the largest id a row can have (a 64-bit integer)
MAX_ID = 2**63 - 1

#: how many closed years the annual-report record of a public page shows
REPORT_YEARS_SHOWN = 5


def public_organisations() -> QuerySet:
    """Every organisation that has a public page (unscoped on purpose: see the module
    docstring)."""
    return Organisation.objects.filter(
        Q(status__in=PUBLIC_STATUSES)
        | Q(status=OrgStatus.EXITED, status_before_exit__in=PUBLIC_STATUSES)
    )


class ReportState:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"

    LABELS = {
        ON_TIME: _("Submitted on time"),
        LATE: _("Submitted late"),
        MISSING: _("Not submitted"),
        NOT_DUE: _("Not yet due"),
    }


@dataclass
class PublicOrganisation:
    """Everything the public page shows, as plain values."""

    id: int
    name: str
    status: str
    status_label: str
    org_type_label: str
    field_label: str
    founded_on: datetime.date | None
    filing_number: str
    filed_on: datetime.date | None
    credit_code: str
    legal_form_label: str
    registered_on: datetime.date | None
    exited_on: datetime.date | None
    exit_reason_label: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str
    district_code: str
    district_name: str
    is_hub: bool
    hub_designated_on: datetime.date | None
    grade: dict | None = None
    brand_projects: list[dict] = field(default_factory=list)
    annual_reports: list[dict] = field(default_factory=list)
    credit_list: list[dict] = field(default_factory=list)
    on_abnormal_list: bool = False
    on_serious_list: bool = False
    awards: list[dict] = field(default_factory=list)


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def annual_report_record(organisation: dict, *, today: datetime.date | None = None) -> list[dict]:
    """The organisation's annual reports by year, newest first, as the public may know them:
    submitted on time, late, not submitted, or not yet due; no figures. Years from the first
    one it owed (the year after it was filed or registered, by the oversight settings) to last
    year, at most ``REPORT_YEARS_SHOWN`` closed years, and none from the year it exited."""
    today = today or timezone.localdate()
    config = OversightSettings.current()
    entered = organisation["filed_on"] or organisation["registered_on"]
    if entered is None:
        return []
    first = entered.year if config.report_in_entry_year else entered.year + 1
    if config.first_report_year:
        first = max(first, config.first_report_year)
    last = today.year - 1
    if organisation["exited_on"] is not None:
        last = min(last, organisation["exited_on"].year - 1)
    closed = config.last_closed_year(today)
    first = max(first, min(closed, last) - REPORT_YEARS_SHOWN + 1)
    if last < first:
        return []
    reports = {
        row["year"]: row
        for row in AnnualReport.objects.filter(
            organisation_id=organisation["pk"], year__gte=first, year__lte=last
        ).values("year", "first_submitted_on", "status")
    }
    record = []
    for year in range(last, first - 1, -1):
        deadline = config.report_deadline(year)
        submitted = (reports.get(year) or {}).get("first_submitted_on")
        if submitted is not None:
            state = ReportState.ON_TIME if submitted <= deadline else ReportState.LATE
        elif deadline >= today:
            state = ReportState.NOT_DUE
        else:
            state = ReportState.MISSING
        record.append(
            {
                "year": year,
                "deadline": deadline,
                "submitted_on": submitted,
                "state": state,
                "state_label": str(ReportState.LABELS[state]),
            }
        )
    return record


def _credit_row(entry: dict, *, on: datetime.date | None = None) -> dict:
    """A credit-list entry as the public sees it on ``on`` (default: today): a removal after
    that day has not happened yet."""
    removed_on = entry["removed_on"]
    if on is not None and removed_on is not None and removed_on > on:
        removed_on = None
    reason = _label(ListingReason.choices, entry["reason"])
    if entry["report_year"]:
        reason = str(
            _("%(reason)s (annual report for %(year)s)")
            % {"reason": reason, "year": entry["report_year"]}
        )
    return {
        "id": entry["pk"],
        "kind": entry["kind"],
        "kind_label": _label(CreditListKind.choices, entry["kind"]),
        "listed_on": entry["listed_on"],
        "reason": entry["reason"],
        "reason_label": reason,
        "report_year": entry["report_year"],
        "removed_on": removed_on,
        "removal_reason": entry["removal_reason"] if removed_on else "",
        "removal_reason_label": (
            _label(RemovalReason.choices, entry["removal_reason"]) if removed_on else ""
        ),
    }


CREDIT_ENTRY_FIELDS = (
    "pk",
    "kind",
    "listed_on",
    "reason",
    "report_year",
    "removed_on",
    "removal_reason",
)


def public_organisation(pk, *, today: datetime.date | None = None) -> PublicOrganisation | None:
    """The public page of organisation ``pk``, or None if it has none (never filed or
    registered, or no such organisation)."""
    today = today or timezone.localdate()
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 1 <= pk <= MAX_ID:  # beyond a database id (PostgreSQL would refuse the query)
        return None
    row = public_organisations().filter(pk=pk).values(*PUBLIC_ORGANISATION_FIELDS).first()
    if row is None:
        return None
    page = PublicOrganisation(
        id=row["pk"],
        name=row["name"],
        status=row["status"],
        status_label=_label(OrgStatus.choices, row["status"]),
        org_type_label=_label(OrgType.choices, row["org_type"]),
        field_label=_label(OrgField.choices, row["field"]),
        founded_on=row["founded_on"],
        filing_number=row["filing_number"] or "",
        filed_on=row["filed_on"],
        credit_code=row["credit_code"] or "",
        legal_form_label=_label(LegalForm.choices, row["legal_form"]) if row["legal_form"] else "",
        registered_on=row["registered_on"],
        exited_on=row["exited_on"],
        exit_reason_label=_label(ExitReason.choices, row["exit_reason"])
        if row["exit_reason"]
        else "",
        community_code=row["community_id"],
        community_name=row["community__name"],
        street_code=row["community__parent_id"],
        street_name=row["community__parent__name"],
        district_code=row["community__parent__parent_id"],
        district_name=row["community__parent__parent__name"],
        is_hub=row["is_hub"],
        hub_designated_on=row["hub_designated_on"],
    )
    award = current_award(Organisation(pk=pk), today)
    if award is not None:
        page.grade = {
            "level": award.level,
            "label": grade_label(award.level),
            "awarded_on": award.awarded_on,
            "valid_until": award.valid_until,
        }
    page.brand_projects = list(
        BrandProject.objects.filter(organisation_id=pk)
        .order_by("-year", "name")
        .values("name", "year", "recognised_by")
    )
    page.annual_reports = annual_report_record(row, today=today)
    entries = CreditListEntry.objects.filter(organisation_id=pk, listed_on__lte=today)
    page.credit_list = [
        _credit_row(entry, on=today)
        for entry in entries.order_by("-listed_on", "-pk").values(*CREDIT_ENTRY_FIELDS)
    ]
    page.on_abnormal_list = any(
        e["kind"] == CreditListKind.ABNORMAL and e["removed_on"] is None for e in page.credit_list
    )
    page.on_serious_list = any(
        e["kind"] == CreditListKind.SERIOUS and e["removed_on"] is None for e in page.credit_list
    )
    page.awards = list(
        Sanction.objects.filter(organisation_id=pk, kind=SanctionKind.REWARD, decided_on__lte=today)
        .order_by("-decided_on", "-pk")
        .values("title", "decided_on", "issued_by")
    )
    return page


# --- the public credit lists ----------------------------------------------------------------------


def credit_list_kinds() -> list[tuple[str, str]]:
    return list(CreditListKind.choices)


def credit_list_districts():
    """Districts to search the lists by (those with organisations on the public register)."""
    return list(public_register_districts())


CREDIT_LIST_FIELDS = (
    *CREDIT_ENTRY_FIELDS,
    "organisation_id",
    "organisation__name",
    "organisation__credit_code",
    "organisation__filing_number",
    "organisation__community__parent__name",
    "organisation__community__parent__parent_id",
    "organisation__community__parent__parent__name",
)


def public_credit_list(
    *,
    q: str = "",
    kind: str = "",
    district: str = "",
    state: str = "",
    on: datetime.date | None = None,
) -> QuerySet:
    """Credit-list entries of public organisations, newest listing first, as dicts of public
    fields (label them with ``label_credit_rows``).

    ``on`` is the day whose lists to show (default today): entries listed by then; ``state``
    ``listed`` keeps those still on the list that day, ``removed`` those taken off by then.
    ``q`` matches the organisation's name, or the start of its credit code or filing number;
    ``district`` is a district code.
    """
    day = on or timezone.localdate()
    entries = CreditListEntry.objects.filter(
        organisation__in=public_organisations(), listed_on__lte=day
    )
    if kind:
        entries = entries.filter(kind=kind)
    if district:
        entries = entries.filter(organisation__community__parent__parent_id=district)
    if state == "listed":
        entries = entries.filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day))
    elif state == "removed":
        entries = entries.filter(removed_on__lte=day)
    q = (q or "").strip()
    if q:
        entries = entries.filter(
            Q(organisation__name__icontains=q)
            | Q(organisation__credit_code__startswith=q.upper())
            | Q(organisation__filing_number__startswith=q)
        )
    return entries.order_by("-listed_on", "-pk").values(*CREDIT_LIST_FIELDS)


def label_credit_rows(rows: list[dict], *, on: datetime.date | None = None) -> list[dict]:
    """Rows of ``public_credit_list`` with labels, and removals after ``on`` not yet shown."""
    labelled = []
    for entry in rows:
        row = _credit_row(entry, on=on or timezone.localdate())
        row.update(
            organisation_id=entry["organisation_id"],
            organisation_name=entry["organisation__name"],
            credit_code=entry["organisation__credit_code"] or "",
            filing_number=entry["organisation__filing_number"] or "",
            street_name=entry["organisation__community__parent__name"],
            district_code=entry["organisation__community__parent__parent_id"],
            district_name=entry["organisation__community__parent__parent__name"],
        )
        labelled.append(row)
    return labelled
