"""Reads of party coverage that pages, the API and the KPI reports reuse.

Everything here is computed in the database: coverage modes are correlated-subquery
annotations usable on any organisation queryset, and the figures are GROUP BY aggregations
keyed by the child node a row's path lies under. No figure is computed row by row in Python.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, StrIndex, Substr
from django.db.models.lookups import IsNull
from django.utils import timezone

from party_building.choices import CoverageFigure, CoverageMode, PartyOrganisationKind
from party_building.models import (
    InstructorAssignment,
    PartyBuildingSettings,
    PartyCoverage,
    PartyOrganisation,
)
from registry.choices import DivisionLevel, OrgStatus, PartyStatus
from registry.models import PATH_SEPARATOR, Division, Member, Organisation
from registry.nodes import node_in_scope

# --- coverage of organisations ---------------------------------------------------------------


def has_row(queryset: QuerySet) -> IsNull:
    """Whether the correlated ``queryset`` has a row, as a boolean expression.

    Written as ``(SELECT pk ... LIMIT 1) IS NOT NULL`` rather than ``EXISTS``: PostgreSQL may
    plan an ``EXISTS`` as a hash of every matching row in the country, built before the first
    organisation is looked at (it did, for a page of 50); a LIMIT 1 subquery is always one
    index probe per outer row, so the cost follows the size of the subtree asked about.
    """
    return IsNull(Subquery(queryset.order_by().values("pk")[:1]), False)


def coverage_conditions(on: datetime.date | None = None) -> dict[str, IsNull]:
    """The three coverage facts of an organisation as boolean expressions on ``pk``.

    ``has_own_party_organisation``: a current independent branch covers it;
    ``has_joint_branch``: a current joint or general branch covers it;
    ``has_instructor``: a current instructor assignment. ``on`` defaults to today.
    """
    on = on or timezone.localdate()
    coverage = PartyCoverage.objects.current(on).filter(organisation=OuterRef("pk"))
    return {
        "has_own_party_organisation": has_row(
            coverage.filter(party_organisation__kind=PartyOrganisationKind.INDEPENDENT_BRANCH)
        ),
        "has_joint_branch": has_row(
            coverage.filter(party_organisation__kind__in=PartyOrganisationKind.JOINT_KINDS)
        ),
        "has_instructor": has_row(
            InstructorAssignment.objects.current(on).filter(organisation=OuterRef("pk"))
        ),
    }


def formal_party_members_expression():
    """Formal party members on an organisation's current roster (probationary ones don't
    count), as a subquery on ``pk``; 0 when there are none."""
    counted = (
        Member.objects.filter(
            organisation=OuterRef("pk"),
            left_on__isnull=True,
            party_status=PartyStatus.FORMAL,
        )
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted[:1]), Value(0))


def annotate_coverage(queryset: QuerySet, *, on: datetime.date | None = None) -> QuerySet:
    """``queryset`` (of organisations) with each row's coverage, computed by the database.

    Adds ``has_own_party_organisation``, ``has_joint_branch``, ``has_instructor`` (booleans),
    ``coverage_mode`` (a ``CoverageMode`` value: own > joint > instructor > none) and
    ``formal_party_members`` (an integer). Party records count when in force on ``on``
    (default today); the roster is the current one.
    """
    return queryset.annotate(
        **coverage_conditions(on), formal_party_members=formal_party_members_expression()
    ).annotate(
        coverage_mode=Case(
            When(has_own_party_organisation=True, then=Value(CoverageMode.OWN)),
            When(has_joint_branch=True, then=Value(CoverageMode.JOINT)),
            When(has_instructor=True, then=Value(CoverageMode.INSTRUCTOR)),
            default=Value(CoverageMode.NONE),
            output_field=CharField(),
        )
    )


def annotate_guiding_division(queryset: QuerySet) -> QuerySet:
    """Adds ``guiding_division_code``: the tier whose party committee guides each organisation
    (community for activity groups, street for filed, district for registered; item 19)."""
    return queryset.annotate(
        guiding_division_code=Case(
            When(status=OrgStatus.ACTIVITY_GROUP, then=F("community_id")),
            When(status=OrgStatus.FILED, then=F("community__parent_id")),
            When(status=OrgStatus.REGISTERED, then=F("community__parent__parent_id")),
            default=Value(None),
            output_field=CharField(),
        )
    )


def follow_up_filter(queryset: QuerySet, *, on: datetime.date | None = None) -> QuerySet:
    """The three-member follow-up list within ``queryset``: live organisations with at least
    the configured number of formal party members (default 3) and no own party organisation.
    Rows carry the ``annotate_coverage`` and ``annotate_guiding_division`` annotations."""
    settings = PartyBuildingSettings.load()
    annotated = annotate_guiding_division(
        annotate_coverage(queryset.filter(status__in=OrgStatus.LIVE), on=on)
    )
    return annotated.filter(
        formal_party_members__gte=settings.min_formal_members, has_own_party_organisation=False
    )


def follow_up_organisations(*, user, on: datetime.date | None = None) -> QuerySet:
    """The follow-up list within ``user``'s jurisdiction (see ``follow_up_filter``)."""
    return follow_up_filter(Organisation.objects.restrict(user), on=on)


# --- coverage figures ------------------------------------------------------------------------


def _child_code(path_field: str, node_path: str):
    """The code of ``node``'s child whose subtree a row's path lies in: the path segment that
    follows the node's own path (``4403/`` + ``440310/440310001/...`` → ``440310``)."""
    rest = Substr(path_field, len(node_path) + 1)
    return Substr(rest, 1, StrIndex(rest, Value(PATH_SEPARATOR)) - 1)


def _ratio(numerator: int, denominator: int) -> dict:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "value": round(numerator / denominator, 4) if denominator else None,
    }


def _live_organisations(node: Division, user) -> QuerySet:
    return (
        Organisation.objects.restrict(user)
        .filter(status__in=OrgStatus.LIVE, community__path__startswith=node.path)
        .order_by()
    )


def _residential(level: str, node: Division, user) -> QuerySet:
    return (
        Division.objects.restrict(user)
        .filter(level=level, is_residential=True, path__startswith=node.path)
        .order_by()
    )


def _street_has_general_branch(on: datetime.date) -> IsNull:
    return has_row(
        PartyOrganisation.objects.current(on).filter(
            kind=PartyOrganisationKind.GENERAL_BRANCH, guiding_division=OuterRef("pk")
        )
    )


def _community_has_branch(on: datetime.date) -> Q:
    # A community counts when a current party organisation is guided by the community itself,
    # or currently covers a live organisation of the community (any kind of party organisation).
    guided_here = PartyOrganisation.objects.current(on).filter(guiding_division=OuterRef("pk"))
    covering_here = PartyCoverage.objects.current(on).filter(
        organisation__community=OuterRef("pk"), organisation__status__in=OrgStatus.LIVE
    )
    return Q(has_row(guided_here)) | Q(has_row(covering_here))


def _tally(queryset: QuerySet, node: Division, path_field: str, grade) -> tuple[Counter, dict]:
    """How many rows of ``queryset`` have each ``grade`` (an integer expression: how far a row
    is covered), for the node and for each of its child nodes.

    One GROUP BY (child node, grade) over the rows strictly below the node, so each row's
    grade is evaluated once; and one over the rows at the node itself (a community's own
    organisations, a street itself among streets), which is an index lookup. The node's
    tally is the sum of the two.
    """
    at_node = Counter(
        {
            row["grade"]: row["n"]
            for row in queryset.filter(**{path_field: node.path})
            .annotate(grade=grade)
            .values("grade")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    by_child: dict[str, Counter] = defaultdict(Counter)
    if node.level != DivisionLevel.COMMUNITY:
        rows = (
            queryset.exclude(**{path_field: node.path})
            .annotate(child=_child_code(path_field, node.path), grade=grade)
            .values("child", "grade")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            by_child[row["child"]][row["grade"]] += row["n"]
    totals = Counter(at_node)
    for tally in by_child.values():
        totals.update(tally)
    return totals, by_child


def _grade(*conditions) -> Case:
    """``len(conditions)`` for a row meeting the first condition, one less for the second, ...,
    0 for a row meeting none (CASE stops at the first that holds)."""
    return Case(
        *(
            When(condition, then=Value(len(conditions) - i))
            for i, condition in enumerate(conditions)
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def _division_summary(division: Division) -> dict:
    return {
        "code": division.code,
        "name": division.name,
        "level": division.level,
        "is_residential": division.is_residential,
    }


def coverage_figures(
    node: Division | str, *, user, on: datetime.date | None = None
) -> dict[str, object]:
    """The party-coverage figures of ``node`` and of each of its child nodes.

    ``node`` is a division (or its code) inside ``user``'s jurisdiction, else
    ``OutOfJurisdiction`` (404). Only rows ``user`` may view are counted. Party records count
    when in force on ``on`` (default today); organisation status and rosters are current.

    Returns::

        {
          "node": {"code", "name", "level", "is_residential"},
          "on": date,
          "figures": {figure: {"numerator": int, "denominator": int, "value": float | None}},
          "children": [{"code", "name", "level", "is_residential", "figures": {...}}, ...],
        }

    with one entry per ``CoverageFigure``:

    - ``organisation_coverage``: live organisations covered by an own (independent) branch or
      a joint or general branch / live organisations;
    - ``work_coverage``: live organisations covered as above or by a current instructor /
      live organisations;
    - ``streets_with_general_branch``: residential streets guiding a current general branch /
      residential streets;
    - ``communities_with_branch``: residential communities that guide a current party
      organisation, or where a current party organisation covers a live organisation /
      residential communities.

    ``value`` is ``numerator / denominator`` rounded to 4 places, ``None`` when the
    denominator is 0 (a community has no streets). Eight queries whatever the size of the
    subtree: per unit (organisations, streets, communities) one GROUP BY (child node, how far
    covered) over the subtree and one over the rows at the node itself; plus the node and
    its children. Each row's coverage is evaluated once.
    """
    node = node_in_scope(node, user=user)
    on = on or timezone.localdate()

    # Organisations: 2 when a current party organisation of any kind covers it (own or joint:
    # the three kinds are all there are), 1 when only a current instructor does, else 0.
    organisations = _tally(
        _live_organisations(node, user),
        node,
        "community__path",
        _grade(
            has_row(PartyCoverage.objects.current(on).filter(organisation=OuterRef("pk"))),
            coverage_conditions(on)["has_instructor"],
        ),
    )
    streets = _tally(
        _residential(DivisionLevel.STREET, node, user),
        node,
        "path",
        _grade(_street_has_general_branch(on)),
    )
    communities = _tally(
        _residential(DivisionLevel.COMMUNITY, node, user),
        node,
        "path",
        _grade(_community_has_branch(on)),
    )

    def figures(orgs: Counter, streets: Counter, communities: Counter) -> dict:
        total = sum(orgs.values())
        return {
            CoverageFigure.ORGANISATION_COVERAGE.value: _ratio(orgs[2], total),
            CoverageFigure.WORK_COVERAGE.value: _ratio(orgs[2] + orgs[1], total),
            CoverageFigure.STREETS_WITH_GENERAL_BRANCH.value: _ratio(
                streets[1], sum(streets.values())
            ),
            CoverageFigure.COMMUNITIES_WITH_BRANCH.value: _ratio(
                communities[1], sum(communities.values())
            ),
        }

    children = Division.objects.restrict(user).filter(parent=node).order_by("code")
    return {
        "node": _division_summary(node),
        "on": on,
        "figures": figures(organisations[0], streets[0], communities[0]),
        "children": [
            {
                **_division_summary(child),
                "figures": figures(
                    organisations[1].get(child.code, Counter()),
                    streets[1].get(child.code, Counter()),
                    communities[1].get(child.code, Counter()),
                ),
            }
            for child in children
        ],
    }


def uncovered(
    node: Division | str, figure: str, *, user, on: datetime.date | None = None
) -> QuerySet:
    """What keeps ``figure`` of ``node`` below 100%: the rows in its denominator and not in its
    numerator, restricted to ``user`` (``OutOfJurisdiction`` if the node is outside).

    Organisations (annotated with ``annotate_coverage`` and ``annotate_guiding_division``)
    for the organisation and work
    coverage figures; residential divisions (streets, communities) for the other two.
    """
    node = node_in_scope(node, user=user)
    on = on or timezone.localdate()
    figure = CoverageFigure(figure)
    if figure in CoverageFigure.ORGANISATION_FIGURES:
        organisations = annotate_guiding_division(
            annotate_coverage(_live_organisations(node, user), on=on)
        )
        covered = (
            CoverageMode.ORGANISATION_COVERED
            if figure == CoverageFigure.ORGANISATION_COVERAGE
            else CoverageMode.WORK_COVERED
        )
        return (
            organisations.exclude(coverage_mode__in=covered)
            .select_related("community__parent")
            .order_by("community__path", "name", "pk")
        )
    if figure == CoverageFigure.STREETS_WITH_GENERAL_BRANCH:
        streets = _residential(DivisionLevel.STREET, node, user)
        return streets.filter(~Q(_street_has_general_branch(on))).order_by("path")
    communities = _residential(DivisionLevel.COMMUNITY, node, user)
    return communities.filter(~_community_has_branch(on)).select_related("parent").order_by("path")
