"""Reads the support pages, API, exports and the organisation panel share."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from core.scoping import VIEW
from registry.models import Member, Organisation
from support.choices import DonationForm
from support.models import (
    ZERO,
    Attendance,
    CommunityFund,
    Donation,
    FundedProject,
    FundGrant,
    Pairing,
    Residency,
    StagePeriod,
)


def current_stage(
    organisation: Organisation, on: datetime.date | None = None
) -> StagePeriod | None:
    """The organisation's stage period in force on ``on`` (default today), or ``None``."""
    on = on or timezone.localdate()
    return (
        StagePeriod.objects.filter(organisation=organisation, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .order_by("-starts_on")
        .first()
    )


@dataclass(frozen=True)
class ProjectFinances:
    approved: Decimal
    planned: Decimal
    disbursed: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        """Approved but not yet paid out."""
        return self.approved - self.disbursed

    @property
    def unspent(self) -> Decimal:
        """Paid out but not yet reported spent."""
        return self.disbursed - self.spent


def project_finances(project: FundedProject) -> ProjectFinances:
    """Budget against spending: approved, budgeted, paid out and reported spent."""
    return ProjectFinances(
        approved=project.amount_approved,
        planned=project.budget_lines.aggregate(s=Sum("amount"))["s"] or ZERO,
        disbursed=project.disbursements.aggregate(s=Sum("amount"))["s"] or ZERO,
        spent=project.progress_reports.aggregate(s=Sum("spent"))["s"] or ZERO,
    )


def with_finances(projects: QuerySet) -> QuerySet:
    """Projects with ``disbursed_total`` and ``spent_total`` (one query, subquery sums)."""
    from django.db.models import DecimalField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from support.models import Disbursement, ProgressReport

    def total(model, column):
        rows = (
            model.objects.filter(project=OuterRef("pk"))
            .order_by()
            .values("project")
            .annotate(s=Sum(column))
            .values("s")
        )
        return Coalesce(
            Subquery(rows, output_field=DecimalField(max_digits=14, decimal_places=2)),
            Value(ZERO),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )

    return projects.annotate(
        disbursed_total=total(Disbursement, "amount"), spent_total=total(ProgressReport, "spent")
    )


def training_record(member: Member) -> list[Attendance]:
    """A person's trainings, newest first (the leader's training record)."""
    return list(
        Attendance.objects.filter(member=member)
        .select_related("session__programme__division")
        .order_by("-session__held_on", "-pk")
    )


@dataclass
class StatementLine:
    day: datetime.date
    kind: str  # "donation" or "grant"
    description: str
    money_in: Decimal = ZERO
    in_kind: Decimal = ZERO
    money_out: Decimal = ZERO
    balance: Decimal = ZERO


@dataclass
class FundStatement:
    fund: CommunityFund
    start: datetime.date
    end: datetime.date
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening

    @property
    def total_in(self) -> Decimal:
        return sum((line.money_in for line in self.lines), ZERO)

    @property
    def total_in_kind(self) -> Decimal:
        return sum((line.in_kind for line in self.lines), ZERO)

    @property
    def total_out(self) -> Decimal:
        return sum((line.money_out for line in self.lines), ZERO)


def fund_statement(
    fund: CommunityFund, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> FundStatement:
    """A fund's statement for a period: the money balance at the start, every donation (money
    in, goods at their value) and grant out, with the running money balance."""
    end = end or timezone.localdate()
    start = start or fund.opened_on
    money_before = (
        Donation.objects.filter(
            fund=fund, form=DonationForm.MONEY, received_on__lt=start
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    granted_before = (
        FundGrant.objects.filter(fund=fund, granted_on__lt=start).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    statement = FundStatement(
        fund=fund, start=start, end=end, opening=money_before - granted_before
    )
    events = []
    for donation in Donation.objects.filter(
        fund=fund, received_on__gte=start, received_on__lte=end
    ).select_related("channel"):
        donor = donation.donor_name or donation.get_donor_kind_display()
        description = f"{donation.get_donor_kind_display()} · {donor}"
        if donation.form == DonationForm.IN_KIND:
            description += f" · {donation.goods}"
        events.append(
            (
                donation.received_on,
                0,
                donation.pk,
                StatementLine(
                    day=donation.received_on,
                    kind="donation",
                    description=description,
                    money_in=donation.amount if donation.form == DonationForm.MONEY else ZERO,
                    in_kind=donation.amount if donation.form == DonationForm.IN_KIND else ZERO,
                ),
            )
        )
    for grant in FundGrant.objects.filter(
        fund=fund, granted_on__gte=start, granted_on__lte=end
    ).select_related("project__organisation"):
        events.append(
            (
                grant.granted_on,
                1,
                grant.pk,
                StatementLine(
                    day=grant.granted_on,
                    kind="grant",
                    description=f"{grant.project.organisation.name} · {grant.project.title}",
                    money_out=grant.amount,
                ),
            )
        )
    balance = statement.opening
    for _day, _order, _pk, line in sorted(events, key=lambda e: e[:3]):
        balance += line.money_in - line.money_out
        line.balance = balance
        statement.lines.append(line)
    return statement


@dataclass
class OrganisationSupport:
    stage: StagePeriod | None
    residencies: list
    projects: list
    pairings: list
    trainings: list


def organisation_support(organisation: Organisation, user) -> OrganisationSupport:
    """What the support programmes know about an organisation, as ``user`` may see it (the
    panel on the organisation's page)."""
    return OrganisationSupport(
        stage=(
            StagePeriod.objects.restrict(user, VIEW)
            .filter(organisation=organisation)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
            .filter(starts_on__lte=timezone.localdate())
            .order_by("-starts_on")
            .first()
        ),
        residencies=list(
            Residency.objects.restrict(user, VIEW)
            .filter(organisation=organisation)
            .select_related("platform")
            .order_by("-started_on")
        ),
        projects=list(
            with_finances(FundedProject.objects.restrict(user, VIEW))
            .filter(organisation=organisation)
            .select_related("round__programme", "custodian")
            .order_by("-approved_on")
        ),
        pairings=list(
            Pairing.objects.restrict(user, VIEW)
            .filter(Q(mentee=organisation) | Q(mentor=organisation))
            .select_related("mentor", "mentee")
        ),
        trainings=list(
            Attendance.objects.restrict(user, VIEW)
            .filter(member__organisation=organisation)
            .select_related("member", "session__programme")
            .order_by("-session__held_on")[:20]
        ),
    )
