"""The support programmes' KPIs (action plan items 1-8; the Longgang report), computed like every
other KPI in ``reports.kpis``: each names its aggregates over a source, every source is one
``GROUP BY child node`` query over the node's subtree restricted to the user, and each can be
computed as of a past day.

The support records carry the dates they took effect (a platform's opening and closing, a
residency's start and graduation, a project's approval, a disbursement's payment, a progress
report's period, a session's day, a pairing's period), so the as-of figures read those dates;
whether a paired organisation was filed on the day is read from the organisations' history.
"As recorded on" a day, a support record counts only if it had been entered by the end of that
day (a history row of it written by then: its creation; see ``_recorded``).
Money is summed as ``Decimal`` yuan.

Registered into ``reports.kpis`` when that module is imported (``register_kpi``,
``register_source``); ``funding_by_kind`` and ``platforms_by_tier`` are the breakdowns the
support dashboard shows beside them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from core.scoping import VIEW
from party_building.selectors import has_row
from registry.choices import DivisionLevel, OrgStatus
from reports import kpis as k
from reports.choices import KpiKey, KpiUnit
from support.choices import FundingKind, ResidencyKind, TrainingCapacity
from support.models import (
    Attendance,
    Disbursement,
    FundedProject,
    Pairing,
    ProgressReport,
    Residency,
    SupportPlatform,
)

# --- sources ---------------------------------------------------------------------------------


def _recorded(ctx, rows: QuerySet) -> QuerySet:
    """``rows`` as the system knew them at the end of the "as recorded on" day: only records
    entered by then. The support services write a record's history at the moment they record it
    (its own dates, such as ``approved_on``, may lie in the past), so a history row written
    before the cutoff is its creation having been recorded. A later edit of such a record (a
    corrected amount, an end date) is read as it stands now."""
    if ctx.recorded_cutoff is None:
        return rows
    history = rows.model.history.filter(id=OuterRef("pk"), history_date__lt=ctx.recorded_cutoff)
    return rows.filter(has_row(history))


def _platforms(ctx) -> QuerySet:
    """Platforms of the subtree open at the end of the day."""
    return _recorded(
        ctx,
        SupportPlatform.objects.restrict(ctx.user, VIEW)
        .filter(division__path__startswith=ctx.node.path, opened_on__lte=ctx.as_of)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=ctx.as_of))
        .order_by(),
    )


def _residencies(ctx) -> QuerySet:
    """Residencies and incubations of the subtree's organisations begun by the day."""
    return _recorded(
        ctx,
        Residency.objects.restrict(ctx.user, VIEW)
        .filter(organisation__community__path__startswith=ctx.node.path)
        .filter(started_on__lte=ctx.as_of)
        .order_by(),
    )


def _projects(ctx) -> QuerySet:
    """Projects of the subtree's organisations approved by the day (every kind of programme)."""
    return _recorded(
        ctx,
        FundedProject.objects.restrict(ctx.user, VIEW)
        .filter(organisation__community__path__startswith=ctx.node.path)
        .filter(approved_on__lte=ctx.as_of)
        .order_by(),
    )


def _disbursements(ctx) -> QuerySet:
    return _recorded(
        ctx,
        Disbursement.objects.restrict(ctx.user, VIEW)
        .filter(project__organisation__community__path__startswith=ctx.node.path)
        .filter(paid_on__lte=ctx.as_of)
        .order_by(),
    )


def _progress(ctx) -> QuerySet:
    return _recorded(
        ctx,
        ProgressReport.objects.restrict(ctx.user, VIEW)
        .filter(project__organisation__community__path__startswith=ctx.node.path)
        .filter(period_end__lte=ctx.as_of)
        .order_by(),
    )


def _attendances(ctx) -> QuerySet:
    """Attendances of the subtree's people at sessions held from 1 January to the day."""
    return _recorded(
        ctx,
        Attendance.objects.restrict(ctx.user, VIEW)
        .filter(member__organisation__community__path__startswith=ctx.node.path)
        .filter(session__held_on__gte=ctx.year_start, session__held_on__lte=ctx.as_of)
        .order_by(),
    )


def _pairing_in_force_q(day: datetime.date) -> Q:
    return Q(starts_on__lte=day, ends_on__gte=day) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=day)
    )


def _over_time(rows_of, latest: str, in_force):
    """A trend's reading of a dated source: the rows up to the last day, and per day those in
    force (``in_force(ctx) -> Q``)."""

    def over_time(contexts):
        last = max(contexts, key=lambda ctx: ctx.as_of)
        return rows_of(last).filter(**{f"{latest}__lte": last.as_of}), in_force

    return over_time


def _attendances_over_time(contexts):
    last = max(contexts, key=lambda ctx: ctx.as_of)
    first = min(ctx.year_start for ctx in contexts)
    rows = (
        Attendance.objects.restrict(last.user, VIEW)
        .filter(member__organisation__community__path__startswith=last.node.path)
        .filter(session__held_on__gte=first, session__held_on__lte=last.as_of)
        .order_by()
    )
    return rows, lambda ctx: Q(
        session__held_on__gte=ctx.year_start, session__held_on__lte=ctx.as_of
    )


def _platforms_over_time(contexts):
    last = max(contexts, key=lambda ctx: ctx.as_of)
    rows = (
        SupportPlatform.objects.restrict(last.user, VIEW)
        .filter(division__path__startswith=last.node.path, opened_on__lte=last.as_of)
        .order_by()
    )
    return (
        rows,
        lambda ctx: (
            Q(opened_on__lte=ctx.as_of) & (Q(closed_on__isnull=True) | Q(closed_on__gt=ctx.as_of))
        ),
    )


k.register_source("platforms", k._Source(_platforms, "division__path"), _platforms_over_time)
k.register_source(
    "residencies",
    k._Source(_residencies, "organisation__community__path"),
    _over_time(_residencies, "started_on", lambda ctx: Q(started_on__lte=ctx.as_of)),
)
k.register_source(
    "projects",
    k._Source(_projects, "organisation__community__path"),
    _over_time(_projects, "approved_on", lambda ctx: Q(approved_on__lte=ctx.as_of)),
)
k.register_source(
    "disbursements",
    k._Source(_disbursements, "project__organisation__community__path"),
    _over_time(_disbursements, "paid_on", lambda ctx: Q(paid_on__lte=ctx.as_of)),
)
k.register_source(
    "progress",
    k._Source(_progress, "project__organisation__community__path"),
    _over_time(_progress, "period_end", lambda ctx: Q(period_end__lte=ctx.as_of)),
)
k.register_source(
    "attendances",
    k._Source(_attendances, "member__organisation__community__path"),
    _attendances_over_time,
)


# --- the KPIs ----------------------------------------------------------------------------------


def _streets_with_platform(ctx):
    """Residential streets with an open platform at the street or in one of its communities."""
    return Count(
        k._ancestor_code(ctx.node, "division__path", DivisionLevel.STREET),
        distinct=True,
        filter=Q(division__level=DivisionLevel.STREET, division__is_residential=True)
        | Q(division__level=DivisionLevel.COMMUNITY, division__parent__is_residential=True),
    )


def _paired_q(ctx) -> Q:
    """On organisations (live rows or history rows as of the day): a pairing guides it on the
    day. A probe of the pairings' (mentee, start) index per filed organisation, so the as-of
    report reads the organisations' history once, in the organisations' own query."""
    return k._probe(
        ctx,
        "id",
        lambda outer: _recorded(
            ctx, Pairing.objects.filter(mentee=outer).filter(_pairing_in_force_q(ctx.as_of))
        ),
    )


def _in_place_q(ctx) -> Q:
    """On residencies: in force at the end of the day."""
    return Q(started_on__lte=ctx.as_of) & (Q(ended_on__isnull=True) | Q(ended_on__gte=ctx.as_of))


def _platform_residents(ctx):
    return _recorded(
        ctx,
        Residency.objects.restrict(ctx.user, VIEW)
        .filter(platform__in=_platforms(ctx).values("pk"))
        .filter(_in_place_q(ctx))
        .values("organisation_id"),
    )


def _define(key: KpiKey, description, unit: str) -> k.KpiDefinition:
    return k.KpiDefinition(
        key=key.value,
        label=key.label,
        description=description,
        unit=unit,
        target=None,
        target_due=None,
        higher_is_better=True,
    )


SUPPORT_KPIS = [
    (
        _define(
            KpiKey.SUPPORT_PLATFORMS,
            _(
                "Support platforms (incubation bases, service centres, federations) at the node "
                "and below, open on the day (action plan item 1)."
            ),
            KpiUnit.COUNT,
        ),
        k._Kpi(
            KpiKey.SUPPORT_PLATFORMS,
            {"platforms": lambda ctx: {"platforms": Count("pk")}},
            lambda row: (row["platforms"], None),
        ),
        _platform_residents,
        None,
    ),
    (
        _define(
            KpiKey.PLATFORM_STREET_COVERAGE,
            _(
                "Residential streets with an open support platform at the street or in one of "
                "its communities / residential streets (action plan item 1)."
            ),
            KpiUnit.RATIO,
        ),
        k._Kpi(
            KpiKey.PLATFORM_STREET_COVERAGE,
            {
                "platforms": lambda ctx: {"platform_streets": _streets_with_platform(ctx)},
                "divisions": lambda ctx: {
                    "streets": k._count(k._residential(DivisionLevel.STREET))
                },
            },
            lambda row: (row["platform_streets"], row["streets"]),
            units={"platform_streets": DivisionLevel.STREET},
        ),
        _platform_residents,
        lambda ctx: k._live(ctx).filter(community__parent__is_residential=True).values("id"),
    ),
    (
        _define(
            KpiKey.ORGANISATIONS_INCUBATED,
            _("Organisations whose incubation at a support platform began by the day (item 7)."),
            KpiUnit.COUNT,
        ),
        k._Kpi(
            KpiKey.ORGANISATIONS_INCUBATED,
            {
                "residencies": lambda ctx: {
                    "incubated": Count(
                        "organisation", distinct=True, filter=Q(kind=ResidencyKind.INCUBATED)
                    )
                }
            },
            lambda row: (row["incubated"], None),
        ),
        lambda ctx: (
            _residencies(ctx).filter(kind=ResidencyKind.INCUBATED).values("organisation_id")
        ),
        None,
    ),
    (
        _define(
            KpiKey.ORGANISATIONS_GRADUATED,
            _("Incubated organisations that graduated by the day (item 7)."),
            KpiUnit.COUNT,
        ),
        k._Kpi(
            KpiKey.ORGANISATIONS_GRADUATED,
            {
                "residencies": lambda ctx: {
                    "graduated": Count(
                        "organisation", distinct=True, filter=Q(graduated_on__lte=ctx.as_of)
                    )
                }
            },
            lambda row: (row["graduated"], None),
        ),
        lambda ctx: _residencies(ctx).filter(graduated_on__lte=ctx.as_of).values("organisation_id"),
        None,
    ),
    (
        _define(
            KpiKey.FUNDING_APPROVED,
            _(
                "Money approved for the projects of the node's organisations by the day, in "
                "yuan, every kind of programme (items 3-4)."
            ),
            KpiUnit.YUAN,
        ),
        k._Kpi(
            KpiKey.FUNDING_APPROVED,
            {"projects": lambda ctx: {"approved": Sum("amount_approved")}},
            lambda row: (row["approved"], None),
        ),
        lambda ctx: _projects(ctx).values("organisation_id"),
        None,
    ),
    (
        _define(
            KpiKey.FUNDING_DISBURSED,
            _("Money paid out to those projects by the day, in yuan."),
            KpiUnit.YUAN,
        ),
        k._Kpi(
            KpiKey.FUNDING_DISBURSED,
            {"disbursements": lambda ctx: {"disbursed": Sum("amount")}},
            lambda row: (row["disbursed"], None),
        ),
        lambda ctx: _disbursements(ctx).values("project__organisation_id"),
        None,
    ),
    (
        _define(
            KpiKey.PROJECTS_FUNDED,
            _("Projects of the node's organisations approved by the day."),
            KpiUnit.COUNT,
        ),
        k._Kpi(
            KpiKey.PROJECTS_FUNDED,
            {"projects": lambda ctx: {"projects": Count("pk")}},
            lambda row: (row["projects"], None),
        ),
        lambda ctx: _projects(ctx).values("organisation_id"),
        None,
    ),
    (
        _define(
            KpiKey.BENEFICIARIES,
            _("People served by funded projects (person-times), in progress reports by the day."),
            KpiUnit.COUNT,
        ),
        k._Kpi(
            KpiKey.BENEFICIARIES,
            {"progress": lambda ctx: {"beneficiaries": Sum("beneficiaries")}},
            lambda row: (row["beneficiaries"], None),
        ),
        lambda ctx: _progress(ctx).values("project__organisation_id"),
        None,
    ),
    (
        _define(
            KpiKey.LEADERS_TRAINED,
            _("Leaders who attended a training from 1 January to the day (item 6)."),
            KpiUnit.COUNT,
        ),
        k._Kpi(
            KpiKey.LEADERS_TRAINED,
            {
                "attendances": lambda ctx: {
                    "leaders_trained": Count(
                        "member", distinct=True, filter=Q(capacity=TrainingCapacity.LEADER)
                    )
                }
            },
            lambda row: (row["leaders_trained"], None),
        ),
        lambda ctx: (
            _attendances(ctx)
            .filter(capacity=TrainingCapacity.LEADER)
            .values("member__organisation_id")
        ),
        None,
    ),
    (
        _define(
            KpiKey.PAIRING_COVERAGE,
            _(
                "Live filed organisations paired with a registered one on the day / live filed "
                "organisations (item 8)."
            ),
            KpiUnit.RATIO,
        ),
        k._Kpi(
            KpiKey.PAIRING_COVERAGE,
            {
                "organisations": lambda ctx: {
                    "filed_live": k._org_count(Q(status=OrgStatus.FILED)),
                    "paired_filed": k._org_count(Q(status=OrgStatus.FILED) & _paired_q(ctx)),
                },
            },
            lambda row: (row["paired_filed"], row["filed_live"]),
        ),
        lambda ctx: k._live(ctx).filter(status=OrgStatus.FILED).filter(_paired_q(ctx)).values("id"),
        lambda ctx: k._live(ctx).filter(status=OrgStatus.FILED).values("id"),
    ),
]

for _definition, _kpi, _numerator, _denominator in SUPPORT_KPIS:
    k.register_kpi(_definition, _kpi, numerator=_numerator, denominator=_denominator)

#: the support KPIs' keys, in display order (the benchmark compares the report with and without)
SUPPORT_KEYS = [definition.key for definition, *_rest in SUPPORT_KPIS]


# --- breakdowns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundingByKind:
    kind: str
    label: str
    projects: int
    approved: Decimal
    disbursed: Decimal


def funding_by_kind(*, scope, user, as_of: datetime.date | None = None) -> list[FundingByKind]:
    """Projects, money approved and money paid out by kind of programme for a node (its whole
    subtree), as of the end of a day; every kind, in the choices' order."""
    ctx = k._context(scope, user, as_of)
    approved = {
        row["round__programme__kind"]: row
        for row in _projects(ctx)
        .values("round__programme__kind")
        .annotate(n=Count("pk"), total=Sum("amount_approved"))
    }
    paid = {
        row["project__round__programme__kind"]: row["total"]
        for row in _disbursements(ctx)
        .values("project__round__programme__kind")
        .annotate(total=Sum("amount"))
    }
    zero = Decimal("0.00")
    return [
        FundingByKind(
            kind=kind.value,
            label=str(kind.label),
            projects=approved.get(kind.value, {}).get("n", 0),
            approved=approved.get(kind.value, {}).get("total") or zero,
            disbursed=paid.get(kind.value) or zero,
        )
        for kind in FundingKind
    ]


def platforms_by_tier(*, scope, user, as_of: datetime.date | None = None) -> dict[str, int]:
    """Open platforms of a node's subtree per tier (district, street, community)."""
    ctx = k._context(scope, user, as_of)
    counts = dict(_platforms(ctx).values_list("division__level").annotate(n=Count("pk")).order_by())
    return {
        level: counts.get(level, 0)
        for level in (DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY)
    }
