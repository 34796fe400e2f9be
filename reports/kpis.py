"""The KPIs the city tracks (DOMAIN.md section 8), for a node of the division tree and each of
its child nodes, today or as of the end of a past day.

Every number is computed by the database: each KPI names the aggregates it needs over one of a
few *sources* (organisations, divisions, dormancy cases, grade awards, applications); the
aggregates of every KPI on a source are run as one ``GROUP BY child node`` query over the
node's subtree, and the node's own figure is the sum of its children's (plus rows at the node
itself; places counted through organisations, such as streets with a hub, are distinct counts
capped for a node at the places' level). Medians, which don't add up, are one more query.
Nothing loops over organisations.

**As of a past day** organisations are read from their history (``HistoricalOrganisation``):
for each organisation the latest history row written before the end of that day (the row with
no later one before then: an anti-join on ``(id, history_date)``). Records with their own dates
(party records, grade awards, dormancy cases, decided applications, accepted reports) are read
by those dates; brand projects by their history. Today (or no date) reads the live tables; the
tests check both give the same answer. A trend (``kpi_trend``) answers all its past days in one
query per source: each history row gets the date of the next one (a window), and each day's
aggregates count the rows in force that day (``_trend_figures``).

Scoping: the node must be inside the user's jurisdiction (else ``OutOfJurisdiction``, 404) and
every source is restricted through ``core.scoping`` (history rows through
``Organisation.jurisdiction_q``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lead, StrIndex, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import add_months
from core.exceptions import OutOfJurisdiction
from core.scoping import VIEW, jurisdiction_of
from grading.choices import EXPIRING_WITHIN_MONTHS, GradeLevel
from oversight.choices import ReportStatus
from oversight.models import AnnualReport, DormancyCase, OversightSettings
from oversight.services.annual_reports import owing_q
from party_building.choices import PartyOrganisationKind
from party_building.models import InstructorAssignment, PartyCoverage, PartyOrganisation
from party_building.selectors import has_row
from registry.choices import (
    ApplicationKind,
    ApplicationStatus,
    DivisionLevel,
    OrgStatus,
)
from registry.models import PATH_SEPARATOR, Application, BrandProject, Division, Organisation
from registry.nodes import node_in_scope
from reports.choices import DrillPart, KpiKey, KpiUnit, TargetKey
from reports.models import DEFAULT_TARGETS, KpiTarget

try:  # the grading app provides grade awards; without it the grading KPIs stay empty
    from grading.models import GradeAward
except ImportError:  # pragma: no cover
    GradeAward = None

#: how a community is known to be rural: the statistics' villagers' committees (村民委员会,
#: 村委会; 嘎查 in Inner Mongolia) and village names; everything else is urban (居委会, 社区).
#: The statistical urban-rural code is not in the division files, so the name decides.
RURAL_NAME_ENDINGS = ("村民委员会", "村委会", "村", "嘎查")

#: the earliest as-of date accepted (before it there is no history, and the report-year
#: arithmetic would leave the calendar)
EARLIEST_AS_OF = datetime.date(1949, 10, 1)

#: key of the node's own figures among the grouped rows (child codes never look like this)
NODE = "*"
#: key of the rows lying at the node itself (a community's own organisations, a street itself)
AT_NODE = ""


class InvalidAsOf(ValidationError):
    """The as-of date is in the future (or otherwise unusable): a 400 naming ``as_of``."""

    def __init__(self, message):
        super().__init__({"as_of": [message]})


class InvalidAsRecordedOn(ValidationError):
    """The "as recorded on" date is earlier than the as-of date, or in the future: a 400 naming
    ``as_recorded_on``."""

    def __init__(self, message):
        super().__init__({"as_recorded_on": [message]})


class InvalidPart(ValidationError):
    """A drill-down asked for a part the KPI hasn't got (a count has no denominator)."""

    def __init__(self, message):
        super().__init__({"part": [message]})


# --- the contract ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    label: str
    description: str
    unit: str
    target: Decimal | None
    target_due: datetime.date | None
    higher_is_better: bool


@dataclass(frozen=True)
class KpiValue:
    key: str
    numerator: int | Decimal | None
    denominator: int | None
    value: float | None
    target: float | None
    met: bool | None


@dataclass(frozen=True)
class NodeKpis:
    code: str
    name: str
    level: str
    is_residential: bool
    values: dict[str, KpiValue]


@dataclass(frozen=True)
class KpiReport:
    scope: NodeKpis
    as_of: datetime.date
    children: list[NodeKpis]
    #: the year whose annual reports ``annual_reports`` counts (the latest one due by ``as_of``)
    report_year: int | None = None
    #: first day of the period the period KPIs count (exits, approvals): 1 January of the year
    period_start: datetime.date | None = None
    #: the figures as recorded by the end of this day (``None``: everything recorded so far)
    as_recorded_on: datetime.date | None = None


def _definition(key: KpiKey, description, unit: str, higher_is_better: bool = True):
    default = DEFAULT_TARGETS.get(
        TargetKey.DENSITY_URBAN if key == KpiKey.DENSITY else key, (None, None)
    )
    return KpiDefinition(
        key=key.value,
        label=key.label,
        description=description,
        unit=unit,
        target=default[0],
        target_due=default[1] if key != KpiKey.DENSITY else None,
        higher_is_better=higher_is_better,
    )


#: every KPI, in display order, with the default targets
KPIS: list[KpiDefinition] = [
    _definition(
        KpiKey.HUB_COVERAGE,
        _(
            "Residential streets with at least one live hub organisation / residential streets. "
            "Target: 85% by the end of 2025 (action plan item 1)."
        ),
        KpiUnit.RATIO,
    ),
    _definition(
        KpiKey.BRAND_COVERAGE,
        _(
            "District-level units with at least one live organisation holding a brand project / "
            "district-level units (10 in Shenzhen, with Dapeng New Area). Target: all by the end "
            "of 2025 (action plan item 8)."
        ),
        KpiUnit.RATIO,
    ),
    _definition(
        KpiKey.DENSITY,
        _(
            "Live organisations (activity groups, filed and registered) in residential "
            "communities / residential communities. Target: 10 per urban community, 5 per rural "
            "one (民发〔2017〕191号); a node's target is the average over its communities."
        ),
        KpiUnit.PER_COMMUNITY,
    ),
    _definition(
        KpiKey.PARTY_ORGANISATION_COVERAGE,
        _(
            "Live organisations covered by a current party organisation (own, joint or general "
            "branch) / live organisations."
        ),
        KpiUnit.RATIO,
    ),
    _definition(
        KpiKey.PARTY_WORK_COVERAGE,
        _(
            "Live organisations covered by a current party organisation or a current "
            "party-building instructor / live organisations."
        ),
        KpiUnit.RATIO,
    ),
    _definition(
        KpiKey.PARTY_STREETS_WITH_GENERAL_BRANCH,
        _("Residential streets guiding a current general party branch / residential streets."),
        KpiUnit.RATIO,
    ),
    _definition(
        KpiKey.PARTY_COMMUNITIES_WITH_BRANCH,
        _(
            "Residential communities guiding a current party organisation, or where one covers a "
            "live organisation / residential communities."
        ),
        KpiUnit.RATIO,
    ),
    _definition(
        KpiKey.ANNUAL_REPORTS,
        _(
            "Organisations whose annual report was accepted by the deadline / organisations that "
            "owe it, for the latest report year whose deadline has passed."
        ),
        KpiUnit.RATIO,
    ),
    _definition(
        KpiKey.DORMANCY_SUSPECTS,
        _("Dormancy cases awaiting a decision (flagged and not yet resolved) on the day."),
        KpiUnit.COUNT,
        higher_is_better=False,
    ),
    _definition(
        KpiKey.EXITS,
        _("Organisations exited from 1 January to the day."),
        KpiUnit.COUNT,
        higher_is_better=False,
    ),
    _definition(
        KpiKey.GRADED_3A_PLUS,
        _("Live organisations with a current grade of 3A or above."),
        KpiUnit.COUNT,
    ),
    _definition(
        KpiKey.GRADES_EXPIRING,
        _(
            "Live organisations whose current grade runs out within 6 months and that have no "
            "current grade running longer."
        ),
        KpiUnit.COUNT,
        higher_is_better=False,
    ),
    _definition(
        KpiKey.FILINGS_APPROVED,
        _("Filing applications approved from 1 January to the day."),
        KpiUnit.COUNT,
    ),
    _definition(
        KpiKey.REGISTRATIONS_APPROVED,
        _("Registration applications approved from 1 January to the day."),
        KpiUnit.COUNT,
    ),
    _definition(
        KpiKey.FILING_REVIEW_DAYS,
        _(
            "Median days from submission to decision of the filings approved from 1 January to "
            "the day."
        ),
        KpiUnit.DAYS,
        higher_is_better=False,
    ),
    _definition(
        KpiKey.REGISTRATION_REVIEW_DAYS,
        _(
            "Median days from submission to decision of the registrations approved from "
            "1 January to the day."
        ),
        KpiUnit.DAYS,
        higher_is_better=False,
    ),
]
_DEFINITIONS = {definition.key: definition for definition in KPIS}


def kpi_definitions() -> list[KpiDefinition]:
    """Every KPI in display order, with the targets in force (saved ones over the defaults)."""
    return _definitions(KpiTarget.resolved())


def _definitions(targets: dict) -> list[KpiDefinition]:
    result = []
    for definition in KPIS:
        target_key = TargetKey.DENSITY_URBAN if definition.key == KpiKey.DENSITY else definition.key
        value, due = targets.get(target_key, (None, None))
        result.append(
            replace(
                definition,
                target=value,
                target_due=None if definition.key == KpiKey.DENSITY else due,
            )
        )
    return result


# --- the context of one computation --------------------------------------------------------------


@dataclass
class _Context:
    node: Division
    user: object
    as_of: datetime.date
    #: read the live tables (as of today) rather than the history
    live: bool
    targets: dict
    config: OversightSettings = field(default_factory=OversightSettings.current)
    #: the aggregates go into a query wrapped around the trend's window (see ``_Probe``)
    wrapped: bool = False
    #: "as recorded on": only history rows (and dated records) recorded by the end of this day
    #: count; ``None`` for everything recorded so far
    recorded_on: datetime.date | None = None
    _cache: dict = field(default_factory=dict)

    @property
    def recorded_cutoff(self) -> datetime.datetime | None:
        """The end of the "as recorded on" day (``None``: no limit on the recorded time)."""
        if self.recorded_on is None:
            return None
        return timezone.make_aware(
            datetime.datetime.combine(
                self.recorded_on + datetime.timedelta(days=1), datetime.time.min
            )
        )

    @property
    def cutoff(self) -> datetime.datetime:
        """The end of the as-of day: the first instant of the next day, local time."""
        return timezone.make_aware(
            datetime.datetime.combine(self.as_of + datetime.timedelta(days=1), datetime.time.min)
        )

    @property
    def year_start(self) -> datetime.date:
        return datetime.date(self.as_of.year, 1, 1)

    @property
    def report_year(self) -> int:
        return self.config.last_closed_year(self.as_of)

    def target(self, key: str) -> float | None:
        value = self.targets.get(key, (None, None))[0]
        return float(value) if value is not None else None


def _resolve_as_of(as_of: datetime.date | None) -> tuple[datetime.date, bool]:
    today = timezone.localdate()
    if as_of is None:
        return today, True
    if isinstance(as_of, datetime.datetime):
        as_of = as_of.date()
    if as_of > today:
        raise InvalidAsOf(
            _("The date %(date)s is in the future; KPIs can be computed up to today (%(today)s).")
            % {"date": as_of.isoformat(), "today": today.isoformat()}
        )
    if as_of < EARLIEST_AS_OF:
        raise InvalidAsOf(
            _("The date %(date)s is too early; give a date from %(earliest)s.")
            % {"date": as_of.isoformat(), "earliest": EARLIEST_AS_OF.isoformat()}
        )
    return as_of, as_of == today


def _resolve_recorded_on(
    recorded_on: datetime.date | None, as_of: datetime.date
) -> datetime.date | None:
    """The "as recorded on" day, or ``None`` when it asks for everything recorded so far
    (none, or today). Refused: earlier than the as-of day (a figure cannot be recorded before
    the day it describes), or in the future."""
    if recorded_on is None:
        return None
    if isinstance(recorded_on, datetime.datetime):
        recorded_on = recorded_on.date()
    today = timezone.localdate()
    if recorded_on > today:
        raise InvalidAsRecordedOn(
            _("The date %(date)s is in the future; give a day up to today (%(today)s).")
            % {"date": recorded_on.isoformat(), "today": today.isoformat()}
        )
    if recorded_on < as_of:
        raise InvalidAsRecordedOn(
            _(
                "As recorded on %(recorded)s is earlier than the as-of date %(as_of)s: the "
                "figures of a day can only be as recorded on that day or later."
            )
            % {"recorded": recorded_on.isoformat(), "as_of": as_of.isoformat()}
        )
    return None if recorded_on == today else recorded_on


def _context(
    scope,
    user,
    as_of,
    *,
    live: bool | None = None,
    targets=None,
    recorded_on: datetime.date | None = None,
) -> _Context:
    node = node_in_scope(scope, user=user)
    as_of, is_today = _resolve_as_of(as_of)
    recorded_on = _resolve_recorded_on(recorded_on, as_of)
    return _Context(
        node=node,
        user=user,
        as_of=as_of,
        live=(is_today and recorded_on is None) if live is None else live,
        targets=targets if targets is not None else KpiTarget.resolved(),
        recorded_on=recorded_on,
    )


# --- organisation states: live, or as of the end of a day -----------------------------------------


def latest_history_rows(
    model, cutoff: datetime.datetime, recorded_cutoff: datetime.datetime | None = None
) -> QuerySet:
    """For every object of ``model`` that existed just before ``cutoff``, its latest history row
    in effect before then (objects created later have none; deleted ones are left out). With
    ``recorded_cutoff``, only rows recorded before it count (``history_recorded_at``, see
    ``core.models.RecordedHistory``): the state as the system knew it then.

    Written as "no later row before the cutoff" (``NOT EXISTS``) rather than "``history_id`` =
    the latest one" (a correlated ``LIMIT 1``): PostgreSQL estimates the equality as matching a
    handful of rows and then joins the divisions by a nested loop (3.6 s for Shenzhen's 20,000
    organisations, against 0.15 s for the anti-join, which it estimates well).
    """
    history = model.history.model
    known = Q(history_date__lt=cutoff)
    if recorded_cutoff is not None:
        known &= Q(history_recorded_at__lt=recorded_cutoff)
    later = history.objects.filter(known, id=OuterRef("id")).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    return history.objects.filter(known).filter(~Exists(later)).exclude(history_type="-").order_by()


def organisation_states(
    cutoff: datetime.datetime, recorded_cutoff: datetime.datetime | None = None
) -> QuerySet:
    """Every organisation as it stood just before ``cutoff`` (as recorded before
    ``recorded_cutoff``, if given): its latest history row in effect before then. Rows have the
    organisation's fields (``id``, ``status``, ``is_hub``, ``community``, ...) like
    ``Organisation`` itself."""
    return latest_history_rows(Organisation, cutoff, recorded_cutoff)


def _history_scope_q(user) -> Q:
    """``Organisation``'s jurisdiction condition, for history rows of organisations."""
    jurisdiction = jurisdiction_of(user)
    if jurisdiction.unrestricted:
        return Q()
    if not jurisdiction.allows(VIEW):
        return Q(pk__in=[])
    if jurisdiction.organisation_id is not None:  # the history row's ``pk`` is its history_id
        return Q(id=jurisdiction.organisation_id)
    return Organisation.jurisdiction_q(jurisdiction)


def _organisations(ctx: _Context) -> QuerySet:
    """The organisations of the node's subtree (as of the day), restricted to the user."""
    if ctx.live:
        rows = Organisation.objects.restrict(ctx.user, VIEW)
    else:
        rows = organisation_states(ctx.cutoff, ctx.recorded_cutoff).filter(
            _history_scope_q(ctx.user)
        )
    return rows.filter(community__path__startswith=ctx.node.path).order_by()


def _live(ctx: _Context) -> QuerySet:
    return _organisations(ctx).filter(status__in=OrgStatus.LIVE)


def _divisions(ctx: _Context) -> QuerySet:
    return Division.objects.restrict(ctx.user, VIEW).filter(path__startswith=ctx.node.path)


def _residential(level: str) -> Q:
    return Q(level=level, is_residential=True)


def _rural_q(prefix: str = "") -> Q:
    condition = Q()
    for ending in RURAL_NAME_ENDINGS:
        condition |= Q(**{f"{prefix}name__endswith": ending})
    return condition


# Sub-selections of organisation ids and division codes the KPIs share -------------------------


def _brand_projects(ctx: _Context) -> QuerySet:
    if ctx.live:
        return BrandProject.objects.all()
    return latest_history_rows(BrandProject, ctx.cutoff, ctx.recorded_cutoff)


def _hubs(ctx: _Context) -> QuerySet:
    """Live hub organisations (an exit does not clear ``is_hub``: live is what counts)."""
    return _live(ctx).filter(is_hub=True, community__is_residential=True)


def _brand_holders(ctx: _Context) -> QuerySet:
    return _live(ctx).filter(id__in=_brand_projects(ctx).values("organisation_id"))


class _Probe(Expression):
    """``has_row(rows(<the outer row's field>))`` that survives being moved into an outer
    query: the field is a source expression (so a query wrapped around a window, see
    ``_history_over_time``, repoints it to the inner column) and the subquery is built when it
    is compiled, with the field's SQL in place of an ``OuterRef``."""

    output_field = BooleanField()

    def __init__(self, field_name: str, rows: Callable):
        super().__init__()
        self.outer = F(field_name)
        self.rows = rows

    def get_source_expressions(self):
        return [self.outer]

    def set_source_expressions(self, exprs):
        (self.outer,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.outer)
        probe = has_row(self.rows(RawSQL(sql, params)))
        return compiler.compile(probe.resolve_expression(compiler.query))


def _probe(ctx: _Context, field_name: str, rows: Callable[[object], QuerySet]) -> Q:
    """The outer row's ``field_name`` has a row in ``rows(outer)``: a correlated ``LIMIT 1``
    probe (``_Probe`` when the trend's history query is wrapped around a window)."""
    if ctx.wrapped:
        return Q(_Probe(field_name, rows))
    return Q(has_row(rows(OuterRef(field_name))))


def _current(ctx: _Context, model) -> QuerySet:
    """``model.objects.current(as_of)``: its records in force on the day by their own dates;
    "as recorded on" a day, only those recorded by then (a history row of the record recorded
    before the cutoff: its creation)."""
    rows = model.objects.current(ctx.as_of)
    if ctx.recorded_cutoff is None:
        return rows
    recorded = model.history.filter(id=OuterRef("pk"), history_recorded_at__lt=ctx.recorded_cutoff)
    return rows.filter(has_row(recorded))


def _party_covered_q(ctx: _Context) -> Q:
    return _probe(ctx, "id", lambda outer: _current(ctx, PartyCoverage).filter(organisation=outer))


def _instructed_q(ctx: _Context) -> Q:
    return _probe(
        ctx,
        "id",
        lambda outer: _current(ctx, InstructorAssignment).filter(organisation=outer),
    )


def _general_branch_q(ctx: _Context) -> Q:
    return Q(
        has_row(
            _current(ctx, PartyOrganisation).filter(
                kind=PartyOrganisationKind.GENERAL_BRANCH, guiding_division=OuterRef("pk")
            )
        )
    )


def _guiding_q(ctx: _Context, division: str) -> Q:
    """The division (``pk`` of a division, or a field naming one) guides a current party
    organisation."""
    return _probe(
        ctx,
        division,
        lambda outer: _current(ctx, PartyOrganisation).filter(guiding_division=outer),
    )


def _owing_q(ctx: _Context) -> Q:
    return owing_q(ctx.report_year, ctx.config)


def _accepted_in_time(ctx: _Context) -> QuerySet:
    """Reports for the report year accepted by its deadline (an accepted report stays accepted,
    so the review date says when)."""
    deadline = ctx.config.report_deadline(ctx.report_year)
    return AnnualReport.objects.filter(
        year=ctx.report_year, status=ReportStatus.ACCEPTED, reviewed_on__lte=deadline
    )


def _in_time_q(ctx: _Context) -> Q:
    """On organisations: the report was accepted in time (one probe of the unique
    (organisation, year) index each: inside an aggregate's FILTER, PostgreSQL scans an ``IN``
    list that outgrows work_mem once per row, which takes minutes at national scale)."""
    return _probe(ctx, "id", lambda outer: _accepted_in_time(ctx).filter(organisation=outer))


def _exited_q(ctx: _Context) -> Q:
    return Q(status=OrgStatus.EXITED, exited_on__gte=ctx.year_start, exited_on__lte=ctx.as_of)


def _cases(ctx: _Context) -> QuerySet:
    """Dormancy cases pending at the end of the day: flagged by then, not yet resolved (an exit
    proposal keeps a case pending; only its resolution sets ``resolved_on``)."""
    return (
        DormancyCase.objects.restrict(ctx.user, VIEW)
        .filter(organisation__community__path__startswith=ctx.node.path)
        .filter(flagged_on__lte=ctx.as_of)
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=ctx.as_of))
        .order_by()
    )


def _live_organisation_q(ctx: _Context) -> Q:
    """On rows pointing to an organisation: the organisation is live on the day."""
    if ctx.live:  # a join, so the database can start from the (few) rows
        return Q(organisation__status__in=OrgStatus.LIVE)
    return Q(organisation_id__in=_live(ctx).values("id"))


def _awards(ctx: _Context) -> QuerySet:
    """Grade awards current on the day, of organisations live on the day."""
    if GradeAward is None:  # pragma: no cover
        return Organisation.objects.none()
    return (
        _current(ctx, GradeAward)
        .restrict(ctx.user, VIEW)
        .filter(organisation__community__path__startswith=ctx.node.path)
        .filter(_live_organisation_q(ctx))
        .order_by()
    )


def _expiry_horizon(ctx: _Context) -> datetime.date:
    return add_months(ctx.as_of, EXPIRING_WITHIN_MONTHS)


def _expiring_q(ctx: _Context) -> Q:
    """On current awards: it runs out within the horizon, and the organisation has no current
    award running longer (a probe per award, not an ``IN`` list)."""
    horizon = _expiry_horizon(ctx)
    lasting = _current(ctx, GradeAward).filter(
        organisation=OuterRef("organisation"), valid_until__gt=horizon
    )
    return Q(valid_until__lte=horizon) & ~Q(has_row(lasting))


def _approved(ctx: _Context) -> QuerySet:
    """Filings and registrations approved from 1 January to the end of the day."""
    start = timezone.make_aware(datetime.datetime.combine(ctx.year_start, datetime.time.min))
    return (
        Application.objects.restrict(ctx.user, VIEW)
        .filter(organisation__community__path__startswith=ctx.node.path)
        .filter(
            kind__in=[ApplicationKind.FILING, ApplicationKind.REGISTRATION],
            status=ApplicationStatus.APPROVED,
            decided_at__gte=start,
            decided_at__lt=ctx.cutoff,
        )
        .order_by()
    )


# --- grouping by child node ----------------------------------------------------------------------


def _child_code(path_field: str, node: Division):
    """The code of the node's child whose subtree a row's path lies in (``AT_NODE`` for a row at
    the node itself): the path segment after the node's path."""
    rest = Substr(path_field, len(node.path) + 1)
    return Case(
        When(**{path_field: node.path}, then=Value(AT_NODE)),
        default=Substr(rest, 1, StrIndex(rest, Value(PATH_SEPARATOR)) - 1),
        output_field=CharField(),
    )


def _ancestor_code(node: Division, path_field: str, level: str):
    """The code of a row's ancestor at ``level`` (below the node), read from its path: the path
    segment that many levels after the node's own path (every level is one segment). At or
    above the node's level, the node's own code."""
    depth = DivisionLevel.rank(level) - DivisionLevel.rank(node.level)
    if depth <= 0:
        return Value(node.code, output_field=CharField())
    rest = Substr(path_field, len(node.path) + 1)
    for _skipped in range(depth - 1):  # drop the segments before the one wanted
        rest = Substr(rest, StrIndex(rest, Value(PATH_SEPARATOR)) + 1)
    return Substr(rest, 1, StrIndex(rest, Value(PATH_SEPARATOR)) - 1, output_field=CharField())


def _grouped(queryset: QuerySet, path_field: str, node: Division, aggregates: dict) -> dict:
    """``{child code: {name: number}}`` plus ``NODE``: the sums (every aggregate here adds up:
    the node's figure is the sum over its children and the rows at the node)."""
    rows = (
        queryset.annotate(kpi_child=_child_code(path_field, node))
        .values("kpi_child")
        .annotate(**aggregates)
        .order_by()
    )
    grouped: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        child = grouped[row.pop("kpi_child")]
        for name, number in row.items():
            child[name] += _figure(number)
            total[name] += _figure(number)
    grouped[NODE] = total
    return grouped


def _figure(number) -> int | Decimal:
    """An aggregate as a figure: a sum of money stays a ``Decimal`` (yuan and fen), anything
    else is a whole number."""
    if isinstance(number, Decimal):
        return number
    return int(number or 0)


def _places_counted(grouped: dict, node: Division, units: dict[str, str]) -> None:
    """Fix the distinct counts of places (``units``: aggregate name -> the places' division
    level) where they don't add up: a node at the places' level has 1 or 0 of them whatever its
    children count, and a node (or child) below that level has none."""
    node_rank = DivisionLevel.rank(node.level)
    for name, level in units.items():
        rank = DivisionLevel.rank(level)
        for child, row in grouped.items():
            if child == NODE:
                if node_rank == rank:
                    row[name] = min(row[name], 1)
                elif node_rank > rank:
                    row[name] = 0
            elif (node_rank if child == AT_NODE else node_rank + 1) > rank:
                row[name] = 0


class DaysBetween(Func):
    """Days (fractional) from one timestamp to another."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        return self.as_sqlite(compiler, connection, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        start, end = (compiler.compile(expression) for expression in self.source_expressions)
        return f"(julianday({end[0]}) - julianday({start[0]}))", [*end[1], *start[1]]

    def as_postgresql(self, compiler, connection, **extra):
        start, end = (compiler.compile(expression) for expression in self.source_expressions)
        return (
            f"(EXTRACT(EPOCH FROM ({end[0]} - {start[0]})) / 86400.0)",
            [*end[1], *start[1]],
        )


def _medians(queryset: QuerySet, path_field: str, node: Division, value: str) -> dict:
    """``{child code or NODE: {kind: median}}`` of ``value`` per application kind, by SQL:
    ``percentile_cont`` on PostgreSQL, the middle row(s) by window functions elsewhere."""
    # Selected by alias, so the outer query doesn't depend on the order of the columns.
    inner = queryset.annotate(
        kpi_child=_child_code(path_field, node), kpi_kind=F("kind"), kpi_value=value
    ).values("kpi_child", "kpi_kind", "kpi_value")
    sql, params = inner.query.sql_with_params()
    if connection.vendor == "postgresql":
        query = f"""
            SELECT CASE WHEN GROUPING(t.kpi_child) = 1 THEN %s ELSE t.kpi_child END, t.kpi_kind,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY t.kpi_value)
            FROM ({sql}) AS t
            GROUP BY GROUPING SETS ((t.kpi_child, t.kpi_kind), (t.kpi_kind))
        """
        params = (NODE, *params)
    else:
        query = f"""
            WITH base AS ({sql}),
            rows_ AS (
                SELECT kpi_child, kpi_kind, kpi_value FROM base
                UNION ALL SELECT %s, kpi_kind, kpi_value FROM base
            ),
            ranked AS (
                SELECT kpi_child, kpi_kind, kpi_value,
                       ROW_NUMBER() OVER (
                           PARTITION BY kpi_child, kpi_kind ORDER BY kpi_value
                       ) AS rn,
                       COUNT(*) OVER (PARTITION BY kpi_child, kpi_kind) AS n
                FROM rows_
            )
            SELECT kpi_child, kpi_kind, AVG(kpi_value) FROM ranked
            WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
            GROUP BY kpi_child, kpi_kind
        """
        params = (*params, NODE)
    result: dict[str, dict] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for child, kind, median in cursor.fetchall():
            result[child][kind] = median
    return result


# --- the KPIs: what each counts, and on which source ----------------------------------------------


@dataclass(frozen=True)
class _Source:
    rows: Callable[[_Context], QuerySet]
    path_field: str


SOURCES = {
    "organisations": _Source(_organisations, "community__path"),
    "divisions": _Source(_divisions, "path"),
    "cases": _Source(_cases, "organisation__community__path"),
    "awards": _Source(_awards, "organisation__community__path"),
    "applications": _Source(_approved, "organisation__community__path"),
}


def _count(condition: Q | None = None, field_name: str = "pk", distinct: bool = False) -> Count:
    return Count(field_name, filter=condition, distinct=distinct)


def _org_count(condition: Q) -> Count:
    return Count("id", filter=condition)


def _live_q() -> Q:
    return Q(status__in=OrgStatus.LIVE)


@dataclass(frozen=True)
class _Kpi:
    key: str
    #: source -> function of the context giving ``{aggregate name: aggregate}``
    aggregates: dict[str, Callable[[_Context], dict]]
    #: the figures of one node -> (numerator, denominator); a count's denominator is None
    figures: Callable[[dict], tuple]
    #: per-node target when it depends on the node (density), else the KPI's own target
    node_target: Callable[[_Context, dict], float | None] | None = None
    #: aggregate name -> division level, for distinct counts of places (see _places_counted)
    units: dict[str, str] = field(default_factory=dict)


#: party coverage is counted as one sum: 2**32 per covered organisation, 1 per organisation only
#: an instructor covers, so each organisation's coverage is looked up once (the CASE stops at
#: the first condition that holds) and both counts come out of the same number
PARTY_COVERED = 2**32


def _party_sum(ctx: _Context) -> Sum:
    return Sum(
        Case(
            When(_live_q() & _party_covered_q(ctx), then=Value(PARTY_COVERED)),
            When(_live_q() & _instructed_q(ctx), then=Value(1)),
            default=Value(0),
            output_field=BigIntegerField(),
        )
    )


def _party_counts(row: dict) -> tuple[int, int]:
    """(covered by a party organisation, covered only by an instructor)."""
    return divmod(int(row["party"]), PARTY_COVERED)


def _density_target(ctx: _Context, row: dict) -> float | None:
    communities = row.get("density_communities") or 0
    if not communities:
        return None
    rural = row.get("density_rural") or 0
    urban_target = ctx.target(TargetKey.DENSITY_URBAN) or 0
    rural_target = ctx.target(TargetKey.DENSITY_RURAL) or 0
    return round(((communities - rural) * urban_target + rural * rural_target) / communities, 2)


_KPIS: dict[str, _Kpi] = {
    kpi.key: kpi
    for kpi in [
        _Kpi(
            KpiKey.HUB_COVERAGE,
            {
                "organisations": lambda ctx: {
                    # A residential community lies in a residential street; its ``parent``
                    # column is on the community row already joined (no join to the street).
                    "hub_streets": Count(
                        "community__parent",
                        distinct=True,
                        filter=_live_q() & Q(is_hub=True, community__is_residential=True),
                    )
                },
                "divisions": lambda ctx: {"streets": _count(_residential(DivisionLevel.STREET))},
            },
            lambda row: (row["hub_streets"], row["streets"]),
            units={"hub_streets": DivisionLevel.STREET},
        ),
        _Kpi(
            KpiKey.BRAND_COVERAGE,
            {
                "organisations": lambda ctx: {
                    "brand_districts": Count(
                        _ancestor_code(ctx.node, "community__path", DivisionLevel.DISTRICT),
                        distinct=True,
                        filter=_live_q() & Q(id__in=_brand_projects(ctx).values("organisation_id")),
                    )
                },
                "divisions": lambda ctx: {"districts": _count(Q(level=DivisionLevel.DISTRICT))},
            },
            lambda row: (row["brand_districts"], row["districts"]),
            units={"brand_districts": DivisionLevel.DISTRICT},
        ),
        _Kpi(
            KpiKey.DENSITY,
            {
                "organisations": lambda ctx: {
                    "density_organisations": _org_count(
                        _live_q() & Q(community__is_residential=True)
                    )
                },
                "divisions": lambda ctx: {
                    "density_communities": _count(_residential(DivisionLevel.COMMUNITY)),
                    "density_rural": _count(_residential(DivisionLevel.COMMUNITY) & _rural_q()),
                },
            },
            lambda row: (row["density_organisations"], row["density_communities"]),
            node_target=_density_target,
        ),
        _Kpi(
            KpiKey.PARTY_ORGANISATION_COVERAGE,
            {
                "organisations": lambda ctx: {
                    "party_live": _org_count(_live_q()),
                    "party": _party_sum(ctx),
                }
            },
            lambda row: (_party_counts(row)[0], row["party_live"]),
        ),
        _Kpi(
            KpiKey.PARTY_WORK_COVERAGE,
            {
                "organisations": lambda ctx: {
                    "party_live": _org_count(_live_q()),
                    "party": _party_sum(ctx),
                }
            },
            lambda row: (sum(_party_counts(row)), row["party_live"]),
        ),
        _Kpi(
            KpiKey.PARTY_STREETS_WITH_GENERAL_BRANCH,
            {
                "divisions": lambda ctx: {
                    "streets": _count(_residential(DivisionLevel.STREET)),
                    "general_branch_streets": _count(
                        _residential(DivisionLevel.STREET) & _general_branch_q(ctx)
                    ),
                }
            },
            lambda row: (row["general_branch_streets"], row["streets"]),
        ),
        _Kpi(
            KpiKey.PARTY_COMMUNITIES_WITH_BRANCH,
            {
                # Communities guiding a party organisation (counted among the divisions), plus
                # those that don't but where one covers a live organisation (counted among the
                # organisations, distinct): the two sets don't overlap.
                "divisions": lambda ctx: {
                    "density_communities": _count(_residential(DivisionLevel.COMMUNITY)),
                    "guiding_communities": _count(
                        _residential(DivisionLevel.COMMUNITY) & _guiding_q(ctx, "pk")
                    ),
                },
                "organisations": lambda ctx: {
                    "covered_communities": Count(
                        "community",
                        distinct=True,
                        # in this order: few are covered, so few communities are looked up
                        filter=_live_q()
                        & Q(community__is_residential=True)
                        & _party_covered_q(ctx)
                        & ~_guiding_q(ctx, "community"),
                    )
                },
            },
            lambda row: (
                row["guiding_communities"] + row["covered_communities"],
                row["density_communities"],
            ),
            units={"covered_communities": DivisionLevel.COMMUNITY},
        ),
        _Kpi(
            KpiKey.ANNUAL_REPORTS,
            {
                "organisations": lambda ctx: {
                    "reports_due": _org_count(_owing_q(ctx)),
                    "reports_in_time": _org_count(_owing_q(ctx) & _in_time_q(ctx)),
                }
            },
            lambda row: (row["reports_in_time"], row["reports_due"]),
        ),
        _Kpi(
            KpiKey.DORMANCY_SUSPECTS,
            {"cases": lambda ctx: {"suspects": _count(field_name="organisation", distinct=True)}},
            lambda row: (row["suspects"], None),
        ),
        _Kpi(
            KpiKey.EXITS,
            {"organisations": lambda ctx: {"exits": _org_count(_exited_q(ctx))}},
            lambda row: (row["exits"], None),
        ),
        _Kpi(
            KpiKey.GRADED_3A_PLUS,
            {
                "awards": lambda ctx: {
                    "graded_high": _count(
                        Q(level__gte=GradeLevel.HIGH), "organisation", distinct=True
                    )
                }
            },
            lambda row: (row["graded_high"], None),
        ),
        _Kpi(
            KpiKey.GRADES_EXPIRING,
            {
                "awards": lambda ctx: {
                    "grades_expiring": _count(_expiring_q(ctx), "organisation", distinct=True)
                }
            },
            lambda row: (row["grades_expiring"], None),
        ),
        _Kpi(
            KpiKey.FILINGS_APPROVED,
            {"applications": lambda ctx: {"filings": _count(Q(kind=ApplicationKind.FILING))}},
            lambda row: (row["filings"], None),
        ),
        _Kpi(
            KpiKey.REGISTRATIONS_APPROVED,
            {
                "applications": lambda ctx: {
                    "registrations": _count(Q(kind=ApplicationKind.REGISTRATION))
                }
            },
            lambda row: (row["registrations"], None),
        ),
        _Kpi(
            KpiKey.FILING_REVIEW_DAYS,
            {"medians": lambda ctx: {}},
            lambda row: (row.get(f"median_{ApplicationKind.FILING}"), None),
        ),
        _Kpi(
            KpiKey.REGISTRATION_REVIEW_DAYS,
            {"medians": lambda ctx: {}},
            lambda row: (row.get(f"median_{ApplicationKind.REGISTRATION}"), None),
        ),
    ]
}


def _run_sources(ctx: _Context, keys: list[str]) -> dict[str, dict]:
    """``{child code or NODE: {aggregate name: number}}`` for the KPIs ``keys``: one query per
    source they use (plus one for the medians)."""
    wanted: dict[str, dict] = defaultdict(dict)
    units: dict[str, str] = {}
    for key in keys:
        kpi = _KPIS[key]
        for source, aggregates in kpi.aggregates.items():
            wanted[source].update(aggregates(ctx))
        units.update(kpi.units)
    figures: dict[str, dict] = defaultdict(dict)
    for source_name, aggregates in wanted.items():
        if source_name == "medians":
            medians = _medians(
                _approved(ctx),
                "organisation__community__path",
                ctx.node,
                DaysBetween("submitted_at", "decided_at"),
            )
            for child, by_kind in medians.items():
                for kind, median in by_kind.items():
                    figures[child][f"median_{kind}"] = median
            continue
        source = SOURCES[source_name]
        grouped = _grouped(source.rows(ctx), source.path_field, ctx.node, aggregates)
        _places_counted(grouped, ctx.node, {n: u for n, u in units.items() if n in aggregates})
        for child, row in grouped.items():
            figures[child].update(row)
    return figures


def _round(value: float, places: int) -> float:
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def _value(ctx: _Context, key: str, row: dict) -> KpiValue:
    kpi = _KPIS[key]
    definition = _DEFINITIONS[key]
    # A source with no rows under a node has no row for it: its counts are 0.
    numerator, denominator = kpi.figures(defaultdict(int, row))
    unit = definition.unit
    if unit == KpiUnit.DAYS:
        numerator = None if numerator is None else Decimal(str(_round(numerator, 1)))
        value = None if numerator is None else float(numerator)
    elif unit == KpiUnit.YUAN:
        numerator = Decimal(numerator or 0).quantize(Decimal("0.01"))
        value = float(numerator)
    elif denominator is None:
        numerator = numerator or 0
        value = float(numerator)
    else:
        numerator, denominator = numerator or 0, denominator or 0
        value = _round(numerator / denominator, 4) if denominator else None
    target = kpi.node_target(ctx, row) if kpi.node_target else ctx.target(key)
    met = None
    if target is not None and value is not None:
        met = value >= target if definition.higher_is_better else value <= target
    return KpiValue(
        key=key, numerator=numerator, denominator=denominator, value=value, target=target, met=met
    )


def _node_kpis(ctx: _Context, division: Division, keys: list[str], row: dict) -> NodeKpis:
    return NodeKpis(
        code=division.code,
        name=division.name,
        level=division.level,
        is_residential=division.is_residential,
        values={key: _value(ctx, key, row) for key in keys},
    )


def _children(ctx: _Context) -> list[Division]:
    return list(Division.objects.restrict(ctx.user, VIEW).filter(parent=ctx.node).order_by("code"))


def _report(ctx: _Context, keys: list[str] | None = None) -> KpiReport:
    keys = keys or [definition.key for definition in KPIS]
    figures = _run_sources(ctx, keys)
    return KpiReport(
        scope=_node_kpis(ctx, ctx.node, keys, figures.get(NODE, {})),
        as_of=ctx.as_of,
        children=[
            _node_kpis(ctx, child, keys, figures.get(child.code, {})) for child in _children(ctx)
        ],
        report_year=ctx.report_year,
        period_start=ctx.year_start,
        as_recorded_on=ctx.recorded_on,
    )


# --- the public functions ------------------------------------------------------------------------


def kpi_report(
    *,
    scope: Division | str,
    user,
    as_of: datetime.date | None = None,
    keys: list[str] | None = None,
    as_recorded_on: datetime.date | None = None,
) -> KpiReport:
    """Every KPI (or those of ``keys``) of ``scope`` (a division or its code) and of each of its
    child nodes, as of the end of ``as_of`` (default today), counting only what ``user`` may
    see. With ``as_recorded_on``, as the system would have shown it at the end of that day:
    only what had been recorded by then counts (valid time ``as_of``, recorded time
    ``as_recorded_on``; see ``docs/kpis.md``).

    ``OutOfJurisdiction`` (404) for a node outside the user's jurisdiction or unknown;
    ``InvalidAsOf`` (400) for a date in the future; ``InvalidAsRecordedOn`` (400) for an "as
    recorded on" day earlier than ``as_of`` or in the future.
    """
    return _report(_context(scope, user, as_of, recorded_on=as_recorded_on), keys)


@dataclass(frozen=True)
class LateRecord:
    """A record entered after a day about a time before it: what, in effect from when,
    recorded when and by whom, and why."""

    kind: str
    object_id: int
    label: str
    organisation_id: int | None
    effective_on: datetime.date
    recorded_at: datetime.datetime
    recorded_by: str
    change: str
    reason: str


@dataclass(frozen=True)
class KpiDifference:
    """The figures of ``scope`` as of ``as_of`` as recorded on ``recorded_on`` against the same
    as recorded on ``compared_with`` (``None``: today), the KPIs whose values changed, and the
    records entered in between that take effect by ``as_of`` (the late records)."""

    as_of: datetime.date
    recorded_on: datetime.date
    compared_with: datetime.date | None
    before: KpiReport
    after: KpiReport
    changed: list[tuple[str, KpiValue, KpiValue]]
    late: list[LateRecord]


def _late_sources():
    """(kind, history model, path of the row's place, field of its effective date or ``None``
    for the history row's own valid time, label): the records the KPIs read that may be
    entered late."""
    sources = [
        (_("organisation"), Organisation, "community__path", None, "name"),
        (_("brand project"), BrandProject, "organisation__community__path", None, "name"),
        (
            _("party organisation"),
            PartyOrganisation,
            "guiding_division__path",
            "founded_on",
            "name",
        ),
        (_("party coverage"), PartyCoverage, "organisation__community__path", "start_on", None),
        (
            _("instructor assignment"),
            InstructorAssignment,
            "organisation__community__path",
            "start_on",
            None,
        ),
    ]
    if GradeAward is not None:
        sources.append(
            (_("grade award"), GradeAward, "organisation__community__path", "awarded_on", None)
        )
    return sources


def _late_records(ctx: _Context, start, end) -> list[LateRecord]:
    """History rows recorded in ``[start, end)`` (``end`` ``None``: up to now) in effect by the
    end of the as-of day, in the node's subtree and the user's jurisdiction, oldest first."""
    jurisdiction = jurisdiction_of(ctx.user)
    found = []
    for kind, model, path, effective, label in _late_sources():
        history = model.history.model
        rows = history.objects.filter(
            **{f"{path}__startswith": ctx.node.path}, history_recorded_at__gte=start
        )
        if end is not None:
            rows = rows.filter(history_recorded_at__lt=end)
        if effective is None:
            rows = rows.filter(history_date__lt=ctx.cutoff)
        else:
            rows = rows.filter(**{f"{effective}__lte": ctx.as_of})
        if model is Organisation:
            rows = rows.filter(_history_scope_q(ctx.user))
        elif not jurisdiction.unrestricted:
            rows = rows.filter(model.jurisdiction_q(jurisdiction))
        has_org = model is not Organisation and any(
            f.name == "organisation" for f in history._meta.fields
        )
        for row in rows.select_related("history_user").order_by("history_recorded_at", "pk"):
            when = getattr(row, effective) if effective else timezone.localdate(row.history_date)
            user = row.history_user
            found.append(
                LateRecord(
                    kind=str(kind),
                    object_id=row.id,
                    label=getattr(row, label) if label else str(row.instance),
                    organisation_id=(
                        row.id
                        if model is Organisation
                        else row.organisation_id
                        if has_org
                        else None
                    ),
                    effective_on=when,
                    recorded_at=row.history_recorded_at,
                    recorded_by=(user.get_full_name() or user.get_username()) if user else "",
                    change=row.get_history_type_display(),
                    reason=row.history_change_reason or "",
                )
            )
    found.sort(key=lambda record: record.recorded_at)
    return found


def kpi_difference(
    *,
    scope: Division | str,
    user,
    as_of: datetime.date,
    recorded_on: datetime.date,
    compared_with: datetime.date | None = None,
    keys: list[str] | None = None,
) -> KpiDifference:
    """What changed in the figures of ``as_of`` between what was recorded by the end of
    ``recorded_on`` and what was recorded by the end of ``compared_with`` (default: now): both
    reports, the KPIs whose values differ (at the scope), and the late records in between,
    with who recorded them and when. The same refusals as ``kpi_report``."""
    before_ctx = _context(scope, user, as_of, recorded_on=recorded_on)
    if before_ctx.recorded_on is None:  # "as recorded today": nothing can be later
        recorded_on = timezone.localdate()
    after_ctx = _context(scope, user, as_of, recorded_on=compared_with)
    if compared_with is not None and compared_with < recorded_on:
        raise InvalidAsRecordedOn(
            _("Compare with a day on or after %(date)s.") % {"date": recorded_on.isoformat()}
        )
    before, after = _report(before_ctx, keys), _report(after_ctx, keys)
    changed = [
        (key, value, after.scope.values[key])
        for key, value in before.scope.values.items()
        if value != after.scope.values[key]
    ]
    start = before_ctx.recorded_cutoff or timezone.now()
    return KpiDifference(
        as_of=before_ctx.as_of,
        recorded_on=recorded_on,
        compared_with=after_ctx.recorded_on,
        before=before,
        after=after,
        changed=changed,
        late=_late_records(before_ctx, start, after_ctx.recorded_cutoff),
    )


def kpi_trend(
    *, key: str, scope: Division | str, user, dates: list[datetime.date]
) -> list[tuple[datetime.date, KpiValue]]:
    """The value of KPI ``key`` for ``scope`` on each of ``dates`` (each as of the end of that
    day), the same as ``kpi_report(as_of=day).scope.values[key]``.

    All the past dates are answered together, one query per source the KPI uses whatever the
    number of dates (see ``_trend_figures``); today, if asked, is the live report's own queries.
    """
    key = KpiKey(key).value
    node = node_in_scope(scope, user=user)
    targets = KpiTarget.resolved()
    config = OversightSettings.current()
    contexts = []
    for day in dates:
        as_of, is_today = _resolve_as_of(day)
        contexts.append(
            _Context(
                node=node, user=user, as_of=as_of, live=is_today, targets=targets, config=config
            )
        )
    past = list({ctx.as_of: ctx for ctx in contexts if not ctx.live}.values())
    figures = _trend_figures(past, key) if past else {}
    live = next((ctx for ctx in contexts if ctx.live), None)
    if live is not None:
        figures[live.as_of] = _run_sources(live, [key]).get(NODE, {})
    return [(ctx.as_of, _value(ctx, key, figures[ctx.as_of])) for ctx in contexts]


# --- trends: many past days in one query per source ----------------------------------------------


def _history_over_time(contexts: list[_Context]) -> tuple[QuerySet, Callable[[_Context], Q]]:
    """The organisations source for all the days at once: every history row (before the last
    cutoff) of the organisations that ever had one in the node's subtree and the user's
    jurisdiction, each with ``kpi_valid_to``, the date of the organisation's next history row
    (a ``Lead`` window over its rows by ``(history_date, history_id)``); and the condition that
    a row is the one in force at the end of a day: written before the cutoff, no next row
    before it, not a deletion, and in the subtree and jurisdiction. That is the row
    ``organisation_states(cutoff)`` finds (the latest one before the cutoff), so the figures
    are the as-of ones. Aggregating over the window makes Django wrap the rows in a subquery,
    whose columns the aggregates' conditions then compare: the window is computed once."""
    node, user = contexts[0].node, contexts[0].user
    history = Organisation.history.model
    last = max(ctx.cutoff for ctx in contexts)
    inside_q = _history_scope_q(user) & Q(community__path__startswith=node.path)
    inside = history.objects.filter(inside_q, history_date__lt=last).order_by()
    rows = (
        history.objects.filter(history_date__lt=last, id__in=inside.values("id"))
        .annotate(
            kpi_valid_to=Window(
                Lead("history_date"),
                partition_by=[F("id")],
                order_by=[F("history_date").asc(), F("history_id").asc()],
            )
        )
        .order_by()
    )

    def in_force(ctx: _Context) -> Q:
        return (
            Q(history_date__lt=ctx.cutoff)
            & (Q(kpi_valid_to__isnull=True) | Q(kpi_valid_to__gte=ctx.cutoff))
            & ~Q(history_type="-")
            & inside_q
        )

    return rows, in_force


def _cases_over_time(contexts: list[_Context]) -> tuple[QuerySet, Callable[[_Context], Q]]:
    """Dormancy cases flagged by the last day; per day, those pending (see ``_cases``)."""
    ctx0 = contexts[0]
    rows = (
        DormancyCase.objects.restrict(ctx0.user, VIEW)
        .filter(organisation__community__path__startswith=ctx0.node.path)
        .filter(flagged_on__lte=max(ctx.as_of for ctx in contexts))
        .order_by()
    )

    def in_force(ctx: _Context) -> Q:
        return Q(flagged_on__lte=ctx.as_of) & (
            Q(resolved_on__isnull=True) | Q(resolved_on__gt=ctx.as_of)
        )

    return rows, in_force


def _awards_over_time(contexts: list[_Context]) -> tuple[QuerySet, Callable[[_Context], Q]]:
    """Grade awards of the subtree; per day, those current then (a probe of the award by its
    key) of organisations live then (a probe of the organisation's history row in force)."""
    if GradeAward is None:  # pragma: no cover
        return Organisation.objects.none(), lambda ctx: Q()
    ctx0 = contexts[0]
    rows = (
        GradeAward.objects.restrict(ctx0.user, VIEW)
        .filter(organisation__community__path__startswith=ctx0.node.path)
        .filter(awarded_on__lte=max(ctx.as_of for ctx in contexts))
        .filter(valid_until__gte=min(ctx.as_of for ctx in contexts))
        .order_by()
    )

    def in_force(ctx: _Context) -> Q:
        current = _current(ctx, GradeAward).filter(pk=OuterRef("pk"))
        live = _live(ctx).filter(id=OuterRef("organisation_id"))
        return Q(has_row(current)) & Q(has_row(live))

    return rows, in_force


def _year_start_instant(ctx: _Context) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(ctx.year_start, datetime.time.min))


def _applications_over_time(
    contexts: list[_Context],
) -> tuple[QuerySet, Callable[[_Context], Q]]:
    """Filings and registrations approved in any of the days' periods; per day, those approved
    from 1 January to the end of the day (see ``_approved``)."""
    ctx0 = contexts[0]
    rows = (
        Application.objects.restrict(ctx0.user, VIEW)
        .filter(organisation__community__path__startswith=ctx0.node.path)
        .filter(
            kind__in=[ApplicationKind.FILING, ApplicationKind.REGISTRATION],
            status=ApplicationStatus.APPROVED,
            decided_at__gte=min(_year_start_instant(ctx) for ctx in contexts),
            decided_at__lt=max(ctx.cutoff for ctx in contexts),
        )
        .order_by()
    )

    def in_force(ctx: _Context) -> Q:
        return Q(decided_at__gte=_year_start_instant(ctx), decided_at__lt=ctx.cutoff)

    return rows, in_force


def _divisions_over_time(contexts: list[_Context]) -> tuple[QuerySet, Callable[[_Context], Q]]:
    """Today's division tree for every day (only the party conditions depend on the day)."""
    return _divisions(contexts[0]).order_by(), lambda ctx: Q()


_OVER_TIME = {
    "organisations": _history_over_time,
    "divisions": _divisions_over_time,
    "cases": _cases_over_time,
    "awards": _awards_over_time,
    "applications": _applications_over_time,
}


def _on_day(aggregate, condition: Q):
    """``aggregate`` counting only the rows meeting ``condition`` (ANDed to its own filter)."""
    if not condition:
        return aggregate
    clone = aggregate.copy()
    clone.filter = condition if aggregate.filter is None else condition & aggregate.filter
    return clone


def _trend_figures(contexts: list[_Context], key: str) -> dict[datetime.date, dict]:
    """``{day: the node's figures}`` of KPI ``key`` for the (past, distinct) days of
    ``contexts``: per source one query, whose aggregates are the KPI's aggregates of each day
    (named ``<name>__<i>``) restricted to the rows in force that day. The node's figure is
    aggregated over its whole subtree at once (it is the sum of its children's: the places
    counted are each in one child), then capped like ``_places_counted`` does."""
    kpi = _KPIS[key]
    contexts = [replace(ctx, wrapped=True) for ctx in contexts]
    figures: dict[datetime.date, dict] = {ctx.as_of: {} for ctx in contexts}
    for source_name, aggregates_of in kpi.aggregates.items():
        if source_name == "medians":
            for as_of, row in _medians_over_time(contexts).items():
                figures[as_of].update(row)
            continue
        rows, in_force = _OVER_TIME[source_name](contexts)
        named = {}
        for index, ctx in enumerate(contexts):
            condition = in_force(ctx)
            for name, aggregate in aggregates_of(ctx).items():
                named[f"{name}__{index}"] = _on_day(aggregate, condition)
        result = rows.aggregate(**named)
        for index, ctx in enumerate(contexts):
            row = {name: _figure(result[f"{name}__{index}"]) for name in aggregates_of(ctx).keys()}
            _places_counted({NODE: row}, ctx.node, {n: u for n, u in kpi.units.items() if n in row})
            figures[ctx.as_of].update(row)
    return figures


def _medians_over_time(contexts: list[_Context]) -> dict[datetime.date, dict]:
    """``{day: {"median_<kind>": median}}`` over the node's subtree, for every day in one query:
    the days' approved applications stacked (``UNION ALL``, each tagged with its day's index),
    then the median per day and kind as ``_medians`` computes it."""
    parts = [
        _approved(ctx)
        .annotate(
            kpi_day=Value(index),
            kpi_kind=F("kind"),
            kpi_value=DaysBetween("submitted_at", "decided_at"),
        )
        .values("kpi_day", "kpi_kind", "kpi_value")
        for index, ctx in enumerate(contexts)
    ]
    stacked = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    sql, params = stacked.query.sql_with_params()
    if connection.vendor == "postgresql":
        query = f"""
            SELECT t.kpi_day, t.kpi_kind,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY t.kpi_value)
            FROM ({sql}) AS t
            GROUP BY t.kpi_day, t.kpi_kind
        """
    else:
        query = f"""
            WITH base AS ({sql}),
            ranked AS (
                SELECT kpi_day, kpi_kind, kpi_value,
                       ROW_NUMBER() OVER (
                           PARTITION BY kpi_day, kpi_kind ORDER BY kpi_value
                       ) AS rn,
                       COUNT(*) OVER (PARTITION BY kpi_day, kpi_kind) AS n
                FROM base
            )
            SELECT kpi_day, kpi_kind, AVG(kpi_value) FROM ranked
            WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
            GROUP BY kpi_day, kpi_kind
        """
    result: dict[datetime.date, dict] = {ctx.as_of: {} for ctx in contexts}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for index, kind, median in cursor.fetchall():
            result[contexts[int(index)].as_of][f"median_{kind}"] = median
    return result


def _drill_numerator(ctx: _Context, key: str) -> QuerySet:
    """Ids of the organisations behind the numerator of ``key`` (``values("id")``-like)."""
    if key in _DRILLS:
        return _DRILLS[key][0](ctx)
    live = _live(ctx)
    if key == KpiKey.HUB_COVERAGE:
        return _hubs(ctx).values("id")
    if key == KpiKey.BRAND_COVERAGE:
        return _brand_holders(ctx).values("id")
    if key == KpiKey.DENSITY:
        return live.filter(community__is_residential=True).values("id")
    if key == KpiKey.PARTY_ORGANISATION_COVERAGE:
        return live.filter(_party_covered_q(ctx)).values("id")
    if key == KpiKey.PARTY_WORK_COVERAGE:
        return live.filter(_party_covered_q(ctx) | _instructed_q(ctx)).values("id")
    if key == KpiKey.PARTY_STREETS_WITH_GENERAL_BRANCH:
        # The organisations a current general branch guided by a residential street covers.
        covered = _current(ctx, PartyCoverage).filter(
            party_organisation__kind=PartyOrganisationKind.GENERAL_BRANCH,
            party_organisation__guiding_division__level=DivisionLevel.STREET,
            party_organisation__guiding_division__is_residential=True,
        )
        return live.filter(id__in=covered.values("organisation_id")).values("id")
    if key == KpiKey.PARTY_COMMUNITIES_WITH_BRANCH:
        return live.filter(_party_covered_q(ctx), community__is_residential=True).values("id")
    if key == KpiKey.ANNUAL_REPORTS:
        return _organisations(ctx).filter(_owing_q(ctx) & _in_time_q(ctx)).values("id")
    if key == KpiKey.DORMANCY_SUSPECTS:
        return _cases(ctx).values("organisation_id")
    if key == KpiKey.EXITS:
        return _organisations(ctx).filter(_exited_q(ctx)).values("id")
    if key == KpiKey.GRADED_3A_PLUS:
        return _awards(ctx).filter(level__gte=GradeLevel.HIGH).values("organisation_id")
    if key == KpiKey.GRADES_EXPIRING:
        return _awards(ctx).filter(_expiring_q(ctx)).values("organisation_id")
    if key in (KpiKey.FILINGS_APPROVED, KpiKey.FILING_REVIEW_DAYS):
        return _approved(ctx).filter(kind=ApplicationKind.FILING).values("organisation_id")
    # registrations approved, registration review days
    return _approved(ctx).filter(kind=ApplicationKind.REGISTRATION).values("organisation_id")


def _drill_denominator(ctx: _Context, key: str) -> QuerySet:
    if key in _DRILLS and _DRILLS[key][1] is not None:
        return _DRILLS[key][1](ctx)
    live = _live(ctx)
    if key in (KpiKey.HUB_COVERAGE, KpiKey.PARTY_STREETS_WITH_GENERAL_BRANCH):
        return live.filter(community__parent__is_residential=True).values("id")
    if key in (KpiKey.DENSITY, KpiKey.PARTY_COMMUNITIES_WITH_BRANCH):
        return live.filter(community__is_residential=True).values("id")
    if key == KpiKey.ANNUAL_REPORTS:
        return _organisations(ctx).filter(_owing_q(ctx)).values("id")
    if _DEFINITIONS[key].unit in (KpiUnit.COUNT, KpiUnit.DAYS):
        raise InvalidPart(
            _("%(kpi)s is a count: it has no denominator.") % {"kpi": _DEFINITIONS[key].label}
        )
    return live.values("id")  # brand coverage and the party coverage of organisations


def kpi_organisations(
    *,
    key: str,
    scope: Division | str,
    user,
    as_of: datetime.date | None = None,
    part: str = DrillPart.NUMERATOR,
) -> QuerySet:
    """The organisations behind a number: those counted in the numerator (or the denominator)
    of KPI ``key`` for ``scope`` as of ``as_of``, restricted to ``user``.

    For KPIs that count places (streets with a hub, districts with a brand project,
    communities ...) the numerator's organisations are the ones that make a place count (the
    hubs, the brand holders, the covered organisations) and the denominator's are the live
    organisations of the places counted. Counts and medians have no denominator
    (``InvalidPart``). Rows are the organisations as they are now, ordered by place and name.
    """
    try:
        key = KpiKey(key).value
    except ValueError:
        raise OutOfJurisdiction() from None  # an unknown KPI is answered like an unknown page
    if part not in DrillPart.values:
        raise InvalidPart(_("Choose %(parts)s.") % {"parts": " or ".join(DrillPart.values)})
    ctx = _context(scope, user, as_of)
    ids = (
        _drill_numerator(ctx, key) if part == DrillPart.NUMERATOR else _drill_denominator(ctx, key)
    )
    return (
        Organisation.objects.restrict(user, VIEW)
        .filter(pk__in=ids)
        .select_related("community__parent__parent")
        .order_by("community__path", "name", "pk")
    )


# --- KPIs defined in other modules of this app --------------------------------------------------

#: KPI key -> (numerator drill, denominator drill or None): functions of the context giving the
#: ids of the organisations behind the figure
_DRILLS: dict[str, tuple[Callable, Callable | None]] = {}


def register_kpi(
    definition: KpiDefinition,
    kpi: _Kpi,
    *,
    numerator: Callable[[_Context], QuerySet],
    denominator: Callable[[_Context], QuerySet] | None = None,
) -> None:
    """Add a KPI defined in another module (``reports/kpis_support.py``): its definition (shown
    after the others), how it is computed, and the organisations behind its figures."""
    if definition.key not in _DEFINITIONS:
        KPIS.append(definition)
    _DEFINITIONS[definition.key] = definition
    _KPIS[kpi.key] = kpi
    _DRILLS[kpi.key] = (numerator, denominator)


def register_source(name: str, source: _Source, over_time: Callable) -> None:
    """Add a source of rows (its aggregates are one ``GROUP BY`` query per report) and how a
    trend reads it for many days at once (see ``_OVER_TIME``)."""
    SOURCES[name] = source
    _OVER_TIME[name] = over_time


# The support programmes' and the selection campaigns' KPIs register themselves (modules of
# their own, imported last).
from reports import kpis_selection, kpis_support  # noqa: E402,F401
