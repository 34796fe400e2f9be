"""The selection campaigns' KPIs (案例征集 / 项目评选), computed like every other KPI in
``reports.kpis``: each names its aggregates over a source, the source is one ``GROUP BY child
node`` query over the node's subtree restricted to the user, and each can be computed as of a
past day (entries are read from their history: the latest row written before the day's end).

- entries submitted from 1 January to the day, where the submitter is (drill-down by district,
  street, community; ``entries_by_category`` breaks them down by campaign and category);
- entries shortlisted, of those;
- the share of the organisations holding 3A or above that submitted an entry this year.

Registered into ``reports.kpis`` when that module is imported (``register_kpi``,
``register_source``).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import VIEW, jurisdiction_of
from grading.choices import GradeLevel
from reports import kpis as k
from reports.choices import KpiKey, KpiUnit
from selection.choices import EntryStatus
from selection.models import Entry


def _scope_q(user) -> Q:
    """``Entry``'s jurisdiction condition (it reads the same fields on history rows)."""
    jurisdiction = jurisdiction_of(user)
    if jurisdiction.unrestricted:
        return Q()
    if not jurisdiction.allows(VIEW):
        return Q(pk__in=[])
    return Entry.jurisdiction_q(jurisdiction)


def _year_q(ctx) -> Q:
    start = datetime.datetime.combine(ctx.year_start, datetime.time.min)
    return Q(submitted_at__gte=timezone.make_aware(start), submitted_at__lt=ctx.cutoff)


def _entries(ctx) -> QuerySet:
    """Entries of the subtree submitted from 1 January to the day and not withdrawn by then."""
    if ctx.live:
        rows = Entry.objects.all()
    else:
        rows = k.latest_history_rows(Entry, ctx.cutoff)
    return (
        rows.filter(_scope_q(ctx.user))
        .filter(division__path__startswith=ctx.node.path, status=EntryStatus.SUBMITTED)
        .filter(_year_q(ctx))
        .order_by()
    )


def _entries_over_time(contexts):
    last = max(contexts, key=lambda ctx: ctx.as_of)
    first = min(ctx.year_start for ctx in contexts)
    start = datetime.datetime.combine(first, datetime.time.min)
    rows = (
        Entry.objects.filter(_scope_q(last.user))
        .filter(division__path__startswith=last.node.path, status=EntryStatus.SUBMITTED)
        .filter(submitted_at__gte=timezone.make_aware(start), submitted_at__lt=last.cutoff)
        .order_by()
    )
    return rows, _year_q


k.register_source("selection_entries", k._Source(_entries, "division__path"), _entries_over_time)


def _high_grade_ids(ctx) -> QuerySet:
    return k._awards(ctx).filter(level__gte=GradeLevel.HIGH).values("organisation_id")


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


SELECTION_KPIS = [
    (
        _define(
            KpiKey.SELECTION_ENTRIES,
            _(
                "Case and project entries submitted to selection campaigns from 1 January to the "
                "day, where the submitter is (an organisation's community, or the unit)."
            ),
            KpiUnit.COUNT,
        ),
        k._Kpi(
            KpiKey.SELECTION_ENTRIES,
            {"selection_entries": lambda ctx: {"selection_entries": Count("id")}},
            lambda row: (row["selection_entries"], None),
        ),
        lambda ctx: _entries(ctx).filter(organisation__isnull=False).values("organisation_id"),
        None,
    ),
    (
        _define(
            KpiKey.SELECTION_SHORTLISTED,
            _("Of those entries, the ones shortlisted (入围) by the day."),
            KpiUnit.COUNT,
        ),
        k._Kpi(
            KpiKey.SELECTION_SHORTLISTED,
            {
                "selection_entries": lambda ctx: {
                    "selection_shortlisted": Count("id", filter=Q(shortlisted=True))
                }
            },
            lambda row: (row["selection_shortlisted"], None),
        ),
        lambda ctx: (
            _entries(ctx)
            .filter(shortlisted=True, organisation__isnull=False)
            .values("organisation_id")
        ),
        None,
    ),
    (
        _define(
            KpiKey.SELECTION_HIGH_GRADE_SHARE,
            _(
                "Live organisations graded 3A or above that submitted an entry from 1 January "
                "to the day / live organisations graded 3A or above."
            ),
            KpiUnit.RATIO,
        ),
        k._Kpi(
            KpiKey.SELECTION_HIGH_GRADE_SHARE,
            {
                "selection_entries": lambda ctx: {
                    "selection_high_taking_part": Count(
                        "organisation",
                        distinct=True,
                        filter=Q(organisation_id__in=_high_grade_ids(ctx)),
                    )
                },
                "awards": lambda ctx: {
                    "selection_high": k._count(
                        Q(level__gte=GradeLevel.HIGH), "organisation", distinct=True
                    )
                },
            },
            lambda row: (row["selection_high_taking_part"], row["selection_high"]),
        ),
        lambda ctx: (
            _entries(ctx).filter(organisation_id__in=_high_grade_ids(ctx)).values("organisation_id")
        ),
        _high_grade_ids,
    ),
]

for _definition, _kpi, _numerator, _denominator in SELECTION_KPIS:
    k.register_kpi(_definition, _kpi, numerator=_numerator, denominator=_denominator)

SELECTION_KEYS = [definition.key for definition, *_rest in SELECTION_KPIS]


def entries_by_category(*, scope, user, as_of: datetime.date | None = None) -> list[dict]:
    """Entries of a node's subtree submitted this year, per campaign and category (one query),
    with how many were shortlisted."""
    ctx = k._context(scope, user, as_of)
    rows = (
        _entries(ctx)
        .values("campaign__title", "category__name", "category_id")
        .annotate(entries=Count("id"), shortlisted=Count("id", filter=Q(shortlisted=True)))
        .order_by("campaign__title", "category_id")
    )
    return [
        {
            "campaign": row["campaign__title"],
            "category": row["category__name"],
            "entries": row["entries"],
            "shortlisted": row["shortlisted"],
        }
        for row in rows
    ]
