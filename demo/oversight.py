"""Demo data for oversight, on top of the seeded registry (``manage.py seed_demo`` calls it).

Three report years, lived through in order: for each year most organisations that owe a report
submit it before the deadline and their owning tier accepts it (some after a return for
correction); on the day after the deadline the lifecycle scan enters the missing ones as overdue
and puts registered organisations on the abnormal-activity list; some report late afterwards and
come off the list when the report is accepted; a few never report. For the latest year some
reports are still awaiting review, returned or in draft. Organisations that miss reports year
after year become dormancy suspects: one is confirmed active, one reports again and is cleared,
the others get exit proposals when the notice period ends, of which one exit is approved and one
refused; staff record an unreachable leader, so a case is also open. Abnormal entries older than
two years move to the serious-dishonesty list. Everything goes through ``oversight.services``
(and the lifecycle's ``application_decide``), dated on the business days it happened.
Idempotent: nothing is added once any annual report exists.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from core.history import stamp
from demo.party_building import officer_for, spread
from grading.models import GradeAward
from oversight.choices import CaseStatus, ReportStatus
from oversight.models import AnnualReport, CreditListEntry, DormancyCase, OversightSettings
from oversight.services import annual_reports as reports
from oversight.services import dormancy
from oversight.services.annual_reports import owing_q
from oversight.services.scan import lifecycle_scan
from registry.choices import ApplicationAction, OrgStatus, Role
from registry.models import Organisation, User
from registry.services.lifecycle import application_decide

REASON = "演示数据"
YEARS = 3
#: of every hundred organisations, these never report (the dormancy suspects)
NEVER_REPORT = 6
#: per year and organisation (0..99): on time, after a return, late, missing
ON_TIME, RETURNED_FIRST, LATE = 70, 80, 90


def _day(deadline: datetime.date, days: int) -> datetime.date:
    return deadline + datetime.timedelta(days=days)


class _Demo:
    def __init__(self, today: datetime.date):
        self.today = today
        self.config = OversightSettings.current()
        self.officers: dict[str, User] = {}
        self.counts = {"reports": 0, "late": 0, "returned": 0}
        self.never: set[int] = set()
        #: the demo leaders' organisations: their latest report is left due, in draft
        self.led = set(
            User.objects.filter(role=Role.ORGANISATION_LEADER).values_list(
                "organisation_id", flat=True
            )
        )

    def officer(self, organisation: Organisation) -> User:
        division = organisation.owning_division()
        if division.code not in self.officers:
            self.officers[division.code] = officer_for(division)
        return self.officers[division.code]

    def content(self, organisation: Organisation, year: int) -> dict:
        income = 2000 + 150 * spread(organisation.name, year, "income")
        return {
            "income": income,
            "spending": income * (60 + spread(organisation.name, year, "spending") // 3) // 100,
            "summary": f"{year}年度开展社区服务活动，详见活动台账。",
            "party_work": "组织党员学习" if spread(organisation.name, "party") < 40 else "",
        }

    def start(self, organisation, year, day) -> AnnualReport:
        report = AnnualReport.objects.filter(organisation=organisation, year=year).first()
        who = self.officer(organisation)
        if report is None:
            self.counts["reports"] += 1
            return reports.annual_report_create(
                organisation=organisation,
                year=year,
                acting_user=who,
                today=day,
                reason=REASON,
                **self.content(organisation, year),
            )
        # entered as overdue by the scan: filled in now
        return reports.annual_report_update(
            report=report, acting_user=who, reason=REASON, **self.content(organisation, year)
        )

    def submit(self, report, day):
        return reports.annual_report_submit(
            report=report, acting_user=self.officer(report.organisation), today=day, reason=REASON
        )

    def accept(self, report, day):
        return reports.annual_report_accept(
            report=report, acting_user=self.officer(report.organisation), today=day, reason=REASON
        )

    def give_back(self, report, day):
        self.counts["returned"] += 1
        return reports.annual_report_return(
            report=report,
            acting_user=self.officer(report.organisation),
            today=day,
            reason="收支数据与活动台账不符，请核对后重新提交（演示数据）",
        )


def _owing(year: int, config: OversightSettings) -> list[Organisation]:
    return list(
        Organisation.objects.filter(owing_q(year, config))
        .select_related("community__parent__parent")
        .order_by("pk")
    )


def _year(demo: _Demo, year: int, latest: bool) -> list[Organisation]:
    """One report year up to its deadline; returns the organisations that will report late."""
    deadline = demo.config.report_deadline(year)
    late = []
    for organisation in _owing(year, demo.config):
        if latest and organisation.pk in demo.led:
            # the leader's home shows it due: started, figures still to fill in
            reports.annual_report_create(
                organisation=organisation,
                year=year,
                acting_user=demo.officer(organisation),
                today=_day(deadline, -20),
                reason=REASON,
            )
            demo.counts["reports"] += 1
            continue
        if organisation.pk in demo.never:
            continue
        bucket = spread(organisation.name, year)
        lead = 10 + spread(organisation.name, year, "lead") // 2  # days before the deadline
        submitted = _day(deadline, -lead)
        if bucket < ON_TIME:
            report = demo.submit(demo.start(organisation, year, _day(submitted, -7)), submitted)
            if latest and bucket % 7 == 0:
                continue  # still awaiting review
            demo.accept(report, min(_day(submitted, 5), deadline))
        elif bucket < RETURNED_FIRST:
            report = demo.submit(
                demo.start(organisation, year, _day(deadline, -60)), _day(deadline, -50)
            )
            report = demo.give_back(report, _day(deadline, -45))
            if latest and bucket % 2:
                continue  # returned, not yet corrected
            report = demo.submit(report, _day(deadline, -35))
            demo.accept(report, _day(deadline, -30))
        elif bucket < LATE:
            late.append(organisation)
        elif latest and bucket % 2:
            # started, never submitted
            reports.annual_report_create(
                organisation=organisation,
                year=year,
                acting_user=demo.officer(organisation),
                today=_day(deadline, -20),
                reason=REASON,
            )
            demo.counts["reports"] += 1
    return late


def _late(demo: _Demo, year: int, organisations: list[Organisation]):
    deadline = demo.config.report_deadline(year)
    for organisation in organisations:
        delay = 20 + spread(organisation.name, year, "late") // 2
        if _day(deadline, delay + 10) > demo.today:
            continue
        report = demo.submit(
            demo.start(organisation, year, _day(deadline, delay)), _day(deadline, delay)
        )
        demo.accept(report, _day(deadline, delay + 10))
        demo.counts["late"] += 1


def _scan(day: datetime.date, today: datetime.date):
    if day <= today:
        lifecycle_scan(today=day)


@transaction.atomic
def seed_oversight(today: datetime.date | None = None) -> str:
    """Create the oversight demo data (see the module docstring); a one-line summary."""
    today = today or timezone.localdate()
    if AnnualReport.objects.exists():
        return "oversight demo: already there"
    if not Organisation.objects.filter(status__in=OrgStatus.LIVE).exists():
        return "oversight demo: skipped (no organisations)"
    demo = _Demo(today)
    last = demo.config.last_closed_year(today)
    years = list(range(last - YEARS + 1, last + 1))
    if demo.config.first_report_year is None:
        # The demo's ledger starts three report years ago: none is expected before that.
        demo.config.first_report_year = years[0]
        stamp(
            demo.config,
            acting_user=User.objects.filter(is_superuser=True).order_by("pk").first(),
            reason=REASON,
        )
        demo.config.save()
    demo.never = _never_reporting(demo, last)
    for year in years:
        late = _year(demo, year, year == last)
        deadline = demo.config.report_deadline(year)
        _scan(_day(deadline, 1), today)
        _late(demo, year, late)
    _dormancy_decisions(demo, demo.config.report_deadline(last))
    # Today's scan proposes the exits of the suspects nobody confirmed; the owning tiers decide
    # two of them, and the scan closes those cases.
    _scan(today, today)
    _exit_decisions(demo)
    unreachable = _leader_unreachable(demo)
    _scan(today, today)
    cases = sorted(set(DormancyCase.objects.values_list("status", flat=True)))
    return (
        f"oversight demo: {demo.counts['reports']} annual reports over {years[0]}-{years[-1]} "
        f"({demo.counts['returned']} returned once, {demo.counts['late']} late), "
        f"{CreditListEntry.objects.count()} credit-list entries, dormancy cases "
        f"{', '.join(cases) or 'none'}{'; an unreachable leader recorded' if unreachable else ''}"
    )


def _never_reporting(demo: _Demo, last: int) -> set[int]:
    """Organisations that never report: one in every ``100 / NEVER_REPORT``, and at least five of
    those owing the last two years' reports (so even a small demo has dormancy suspects)."""
    config = demo.config
    both = Organisation.objects.filter(owing_q(last - 1, config) & owing_q(last, config))
    never = set()
    candidates = []
    # graded organisations report (and stay in the grading and selection demos)
    graded = set(GradeAward.objects.values_list("organisation_id", flat=True))
    for pk, name in Organisation.objects.filter(owing_q(last, config)).values_list("pk", "name"):
        if pk in demo.led or pk in graded:
            continue
        if spread(name, "never") < NEVER_REPORT:
            never.add(pk)
    for pk, name in both.exclude(pk__in=demo.led | graded).values_list("pk", "name"):
        candidates.append((spread(name, "dormant"), pk))
    never.update(pk for _rank, pk in sorted(candidates)[:5])
    return never


def _dormancy_decisions(demo: _Demo, deadline: datetime.date):
    """On the suspects flagged the day after the latest deadline: the first is confirmed
    active; the second reports again (today's scan clears its case)."""
    cases = list(
        DormancyCase.objects.filter(status=CaseStatus.OPEN)
        .select_related("organisation__community__parent__parent")
        .order_by("pk")
    )
    if cases:
        case = cases[0]
        dormancy.dormancy_confirm_active(
            case=case,
            acting_user=demo.officer(case.organisation),
            note="社区走访确认：该组织仍定期开展活动（演示数据）",
            today=_day(deadline, 20),
        )
    year = deadline.year - 1
    # the first other suspect whose report of the year is still with it (none, or editable)
    for case in cases[1:]:
        report = AnnualReport.objects.filter(organisation=case.organisation, year=year).first()
        if report is None or report.status in ReportStatus.EDITABLE:
            report = demo.start(case.organisation, year, _day(deadline, 25))
            demo.submit(report, _day(deadline, 25))
            demo.counts["late"] += 1
            break


def _exit_decisions(demo: _Demo):
    """The exits proposed by the scan: the first approved, the second refused."""
    proposed = list(
        DormancyCase.objects.filter(status=CaseStatus.EXIT_PROPOSED)
        .select_related("exit_application__reviewing_division", "organisation")
        .order_by("pk")[:2]
    )
    for number, case in enumerate(proposed):
        application = case.exit_application
        reviewer = officer_for(application.reviewing_division)
        if number == 0:
            application_decide(
                application=application,
                action=ApplicationAction.APPROVE,
                acting_user=reviewer,
                reason="核实无活动，同意注销（演示数据）",
            )
        else:
            application_decide(
                application=application,
                action=ApplicationAction.REJECT,
                acting_user=reviewer,
                reason="负责人已联系上，组织仍在活动（演示数据）",
            )


def _leader_unreachable(demo: _Demo) -> bool:
    """Staff could not reach one filed organisation's leader this week: an open case."""
    pending = DormancyCase.objects.filter(status__in=CaseStatus.PENDING).values("organisation")
    organisation = (
        Organisation.objects.filter(status=OrgStatus.FILED)
        .exclude(pk__in=pending)
        .select_related("community__parent__parent")
        .order_by("-pk")
        .first()
    )
    if organisation is None:
        return False
    dormancy.dormancy_report_leader_unreachable(
        organisation=organisation,
        acting_user=demo.officer(organisation),
        note="电话三次无人接听，上门未见负责人（演示数据）",
        today=demo.today - datetime.timedelta(days=3),
    )
    return True
