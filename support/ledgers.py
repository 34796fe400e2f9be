"""The support programmes' Excel ledgers (台账): support platforms, funded projects, donations and
training attendance, exported and imported on the shared engine (``core.excel``).

Each column is a ``core.excel.Column`` (Chinese and English headers are part of the file
format). An export imports back column for column; columns marked read-only (money paid out,
a project's status) are written by the export and ignored by the import.

Import semantics (after NetBox's bulk import): one transaction for the whole file; every row
goes through the same service as the web form, so the same checks apply; every problem is
reported as "row N, column: message", all of them, not just the first, and then nothing at all
is stored. A row that is already in the ledger exactly (same key, same values) is left alone,
so a file imported twice changes nothing:

===================  ===========================================================================
ledger               a row is the same record as an existing one when …
===================  ===========================================================================
platforms            same node code and platform name (other columns update it)
projects             same round, organisation and title
donations            same fund, date, donor kind, donor, form and amount
attendances          same session (programme, title, date) and person
===================  ===========================================================================
Cells carry names and codes, never database ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from core.excel import (
    CHOICE,
    CODE,
    DATE,
    DECIMAL,
    TEXT,
    CellValueError,
    Column,
    RowError,
    SpreadsheetError,
    match_header,
    open_spreadsheet,
    table_sheet,
    workbook_bytes,
)
from core.exceptions import NotPermitted, OutOfJurisdiction
from core.scoping import VIEW
from registry.models import Division, Organisation
from support import services
from support.choices import DonationForm, DonorKind, PlatformKind, ProjectStatus, TrainingCapacity
from support.models import (
    Attendance,
    CommunityFund,
    Donation,
    FundedProject,
    FundingRound,
    SupportPlatform,
    TrainingSession,
)
from support.selectors import with_finances

PLATFORMS, PROJECTS, DONATIONS, ATTENDANCES = "platforms", "projects", "donations", "attendances"
MONEY_FORMAT = "#,##0.00"
WORKBOOK_LANGUAGE = "zh-hans"


def _c(key, zh, en, kind=TEXT, **extra) -> Column:
    return Column(key, zh, en, kind, **extra)


NODE = _c("node", "节点代码", "Node code", CODE, required=True, as_text=True, width=14)
COMMUNITY_CODE = _c(
    "community_code", "社区代码", "Community code", CODE, required=True, as_text=True, width=15
)
ORGANISATION = _c(
    "organisation", "组织名称", "Organisation", required=True, aliases=("社会组织名称",), width=28
)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RowProblem(Exception):
    """A problem with one cell of a row (``column`` is the column's key)."""

    def __init__(self, column: str, message):
        self.column = column
        self.message = str(message)
        super().__init__(self.message)


@dataclass(frozen=True)
class Ledger:
    kind: str
    title: object
    columns: tuple[Column, ...]
    #: columns the export writes and the import ignores
    read_only: frozenset[str]
    #: (user, filter querystring) -> the rows as dicts of column key -> value
    export_rows: Callable
    #: (values, user) -> "created" | "updated" | "unchanged"; raises ``ValidationError`` (field
    #: -> messages), ``RowProblem`` or ``OutOfJurisdiction`` / ``NotPermitted``
    import_row: Callable
    #: a service's field name -> the column it reports on
    field_columns: dict

    @property
    def importable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.key not in self.read_only)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


# --- lookups by name and code ---------------------------------------------------------------------


def _division(code: str, user, column: str = "node") -> Division:
    division = Division.objects.restrict(user, VIEW).filter(pk=code).first() if code else None
    if division is None:
        raise RowProblem(column, _("no division %(code)s in your jurisdiction") % {"code": code})
    return division


def _organisation(values: dict, user, name_key="organisation", code_key="community_code"):
    name, code = values.get(name_key), values.get(code_key)
    found = list(Organisation.objects.restrict(user, VIEW).filter(community_id=code, name=name)[:2])
    if not found:
        raise RowProblem(
            name_key,
            _("no organisation '%(name)s' in community %(code)s of your jurisdiction")
            % {"name": name, "code": code},
        )
    return found[0]


def _registered_by_name(name: str, user, column: str):
    if not name:
        return None
    found = list(
        Organisation.objects.restrict(user, VIEW).filter(name=name, status="registered")[:2]
    )
    if len(found) != 1:
        raise RowProblem(
            column,
            _("no single registered organisation named '%(name)s' in your jurisdiction")
            % {"name": name}
            if not found
            else _("more than one registered organisation is named '%(name)s'") % {"name": name},
        )
    return found[0]


def _platform_by_name(name: str, user, column: str):
    if not name:
        return None
    found = list(SupportPlatform.objects.restrict(user, VIEW).filter(name=name)[:2])
    if len(found) != 1:
        raise RowProblem(
            column, _("no single support platform named '%(name)s' you can see") % {"name": name}
        )
    return found[0]


def _same_money(a, b) -> bool:
    return a is not None and b is not None and a == b


# --- platforms ----------------------------------------------------------------------------------

PLATFORM_COLUMNS = (
    NODE,
    _c("name", "平台名称", "Platform", required=True, width=30),
    _c("kind", "类型", "Kind", CHOICE, required=True, choices=PlatformKind, width=16),
    _c("headquarters", "所属总部", "Headquarters", width=24),
    _c("operator", "运营机构", "Operating organisation", width=28),
    _c("focus", "重点领域", "Focus", width=16),
    _c("address", "地址", "Address", width=30),
    _c("opened_on", "启用日期", "Opened on", DATE, required=True, width=12),
    _c("closed_on", "停用日期", "Closed on", DATE, width=12),
)


def _platform_rows(user, query) -> Iterable[dict]:
    from support.filters import PlatformFilterSet

    platforms = SupportPlatform.objects.restrict(user).select_related(
        "division", "operator", "headquarters"
    )
    platforms = PlatformFilterSet(query or None, queryset=platforms).qs
    for p in platforms.order_by("division__path", "name"):
        yield {
            "node": p.division_id,
            "name": p.name,
            "kind": p.kind,
            "headquarters": p.headquarters.name if p.headquarters_id else "",
            "operator": p.operator_display,
            "focus": p.focus,
            "address": p.address,
            "opened_on": p.opened_on,
            "closed_on": p.closed_on,
        }


def _platform_import(values: dict, user) -> str:
    division = _division(values["node"], user)
    headquarters = _platform_by_name(values.get("headquarters"), user, "headquarters")
    operator_text = values.get("operator") or ""
    operator = (
        Organisation.objects.restrict(user, VIEW)
        .filter(name=operator_text, status="registered")
        .first()
        if operator_text
        else None
    )
    data = dict(
        name=values["name"],
        kind=values["kind"],
        opened_on=values["opened_on"],
        closed_on=values.get("closed_on"),
        focus=values.get("focus") or "",
        address=values.get("address") or "",
        operator=operator,
        operator_name="" if operator else operator_text,
        headquarters=headquarters,
    )
    existing = SupportPlatform.objects.filter(division=division, name=values["name"]).first()
    if existing is None:
        services.platform_create(
            division=division, acting_user=user, reason=_("Excel import"), **data
        )
        return "created"
    if all(getattr(existing, key) == value for key, value in data.items()):
        return "unchanged"
    services.platform_update(
        platform=existing,
        acting_user=user,
        reason=_("Excel import"),
        **{k: v for k, v in data.items()},
    )
    return "updated"


# --- funded projects ----------------------------------------------------------------------------

PROJECT_COLUMNS = (
    _c("programme", "资助计划", "Programme", required=True, width=24),
    _c("round", "轮次", "Round", required=True, width=16),
    COMMUNITY_CODE,
    ORGANISATION,
    _c(
        "custodian",
        "代管组织",
        "Custodian",
        width=24,
        help=gettext_lazy("A registered organisation, for a recipient that is not a legal person."),
    ),
    _c("title", "项目名称", "Project", required=True, width=30),
    _c(
        "amount_approved",
        "批准金额（元）",
        "Amount approved (yuan)",
        DECIMAL,
        required=True,
        aliases=("批准金额", "资助金额"),
        width=16,
    ),
    _c("approved_on", "批准日期", "Approved on", DATE, required=True, width=12),
    _c("starts_on", "开始日期", "Starts on", DATE, width=12),
    _c("ends_on", "结束日期", "Ends on", DATE, width=12),
    _c("disbursed", "已拨付（元）", "Disbursed (yuan)", DECIMAL, width=16),
    _c("spent", "已支出（元）", "Spent (yuan)", DECIMAL, width=16),
    _c("status", "状态", "Status", CHOICE, choices=ProjectStatus, width=12),
)


def _project_rows(user, query) -> Iterable[dict]:
    from support.filters import ProjectFilterSet

    projects = with_finances(
        FundedProject.objects.restrict(user).select_related(
            "round__programme", "organisation", "custodian"
        )
    )
    projects = ProjectFilterSet(query or None, queryset=projects).qs
    for p in projects.order_by("round__programme__name", "round__year", "pk"):
        yield {
            "programme": p.round.programme.name,
            "round": p.round.name,
            "community_code": p.organisation.community_id,
            "organisation": p.organisation.name,
            "custodian": p.custodian.name if p.custodian_id else "",
            "title": p.title,
            "amount_approved": p.amount_approved,
            "approved_on": p.approved_on,
            "starts_on": p.starts_on,
            "ends_on": p.ends_on,
            "disbursed": p.disbursed_total,
            "spent": p.spent_total,
            "status": p.status,
        }


def _project_import(values: dict, user) -> str:
    rounds = list(
        FundingRound.objects.restrict(user, VIEW).filter(
            programme__name=values["programme"], name=values["round"]
        )[:2]
    )
    if len(rounds) != 1:
        raise RowProblem(
            "round",
            _("no single round '%(round)s' of '%(programme)s' you can see")
            % {"round": values["round"], "programme": values["programme"]},
        )
    organisation = _organisation(values, user)
    custodian = _registered_by_name(values.get("custodian"), user, "custodian")
    existing = FundedProject.objects.filter(
        round=rounds[0], organisation=organisation, title=values["title"]
    ).first()
    if existing is not None:
        if _same_money(existing.amount_approved, values["amount_approved"]) and (
            existing.approved_on == values["approved_on"]
        ):
            return "unchanged"
        raise RowProblem(
            "amount_approved",
            _(
                "this project is already recorded with other figures; an award is not changed "
                "by import"
            ),
        )
    services.project_award(
        funding_round=rounds[0],
        organisation=organisation,
        custodian=custodian,
        title=values["title"],
        amount_approved=values["amount_approved"],
        approved_on=values["approved_on"],
        starts_on=values.get("starts_on"),
        ends_on=values.get("ends_on"),
        acting_user=user,
        reason=_("Excel import"),
    )
    return "created"


# --- donations ----------------------------------------------------------------------------------

DONATION_COLUMNS = (
    _c("fund", "基金名称", "Fund", required=True, width=24),
    _c("received_on", "捐赠日期", "Received on", DATE, required=True, width=12),
    _c(
        "donor_kind", "捐赠方类型", "Donor kind", CHOICE, required=True, choices=DonorKind, width=12
    ),
    _c("donor_name", "捐赠方", "Donor", width=24),
    _c("form", "捐赠形式", "Form", CHOICE, required=True, choices=DonationForm, width=10),
    _c(
        "amount",
        "金额（元）",
        "Amount (yuan)",
        DECIMAL,
        required=True,
        aliases=("金额", "价值"),
        width=14,
    ),
    _c("goods", "物资", "Goods", width=24),
    _c("channel", "捐赠渠道", "Channel", width=24),
    _c("reference", "收据编号", "Receipt number", width=16),
)


def _donation_rows(user, query) -> Iterable[dict]:
    from support.filters import DonationFilterSet

    donations = Donation.objects.restrict(user).select_related("fund", "channel")
    donations = DonationFilterSet(query or None, queryset=donations).qs
    for d in donations.order_by("fund__name", "received_on", "pk"):
        yield {
            "fund": d.fund.name,
            "received_on": d.received_on,
            "donor_kind": d.donor_kind,
            "donor_name": d.donor_name,
            "form": d.form,
            "amount": d.amount,
            "goods": d.goods,
            "channel": d.channel.name if d.channel_id else "",
            "reference": d.reference,
        }


def _donation_import(values: dict, user) -> str:
    funds = list(CommunityFund.objects.restrict(user, VIEW).filter(name=values["fund"])[:2])
    if len(funds) != 1:
        raise RowProblem(
            "fund", _("no single fund '%(name)s' you can see") % {"name": values["fund"]}
        )
    channel = _platform_by_name(values.get("channel"), user, "channel")
    donor_name = "" if values["donor_kind"] == DonorKind.ANONYMOUS else values.get("donor_name", "")
    if Donation.objects.filter(
        fund=funds[0],
        received_on=values["received_on"],
        donor_kind=values["donor_kind"],
        donor_name=donor_name,
        form=values["form"],
        amount=values["amount"],
    ).exists():
        return "unchanged"
    services.donation_record(
        fund=funds[0],
        donor_kind=values["donor_kind"],
        donor_name=donor_name,
        form=values["form"],
        amount=values["amount"],
        goods=values.get("goods") or "",
        received_on=values["received_on"],
        channel=channel,
        reference=values.get("reference") or "",
        acting_user=user,
        reason=_("Excel import"),
    )
    return "created"


# --- training attendance ------------------------------------------------------------------------

ATTENDANCE_COLUMNS = (
    _c("programme", "培训项目", "Training programme", required=True, width=24),
    _c("session", "培训场次", "Session", required=True, width=24),
    _c("held_on", "培训日期", "Held on", DATE, required=True, width=12),
    COMMUNITY_CODE,
    ORGANISATION,
    _c("person", "姓名", "Name", required=True, width=12),
    _c("capacity", "参训身份", "As", CHOICE, choices=TrainingCapacity, width=10),
)


def _attendance_rows(user, query) -> Iterable[dict]:
    from support.filters import AttendanceFilterSet

    rows = Attendance.objects.restrict(user).select_related(
        "session__programme", "member__organisation"
    )
    rows = AttendanceFilterSet(query or None, queryset=rows).qs
    for a in rows.order_by("session__held_on", "pk"):
        yield {
            "programme": a.session.programme.name,
            "session": a.session.title,
            "held_on": a.session.held_on,
            "community_code": a.member.organisation.community_id,
            "organisation": a.member.organisation.name,
            "person": a.member.name,
            "capacity": a.capacity,
        }


def _attendance_import(values: dict, user) -> str:
    sessions = list(
        TrainingSession.objects.restrict(user, VIEW).filter(
            programme__name=values["programme"], title=values["session"], held_on=values["held_on"]
        )[:2]
    )
    if len(sessions) != 1:
        raise RowProblem(
            "session",
            _("no single session '%(title)s' on %(date)s you can see")
            % {"title": values["session"], "date": values["held_on"]},
        )
    members = list(
        services.members_within_reach(user).filter(
            organisation__community_id=values["community_code"],
            organisation__name=values["organisation"],
            name=values["person"],
            left_on__isnull=True,
        )[:2]
    )
    if len(members) != 1:
        raise RowProblem(
            "person",
            _("%(name)s is not (or not only once) on the roster of %(org)s within your reach")
            % {"name": values["person"], "org": values["organisation"]},
        )
    if Attendance.objects.filter(session=sessions[0], member=members[0]).exists():
        return "unchanged"
    services.attendance_record(
        session=sessions[0],
        member=members[0],
        capacity=values.get("capacity") or "",
        acting_user=user,
        reason=_("Excel import"),
    )
    return "created"


LEDGERS = {
    ledger.kind: ledger
    for ledger in (
        Ledger(
            PLATFORMS,
            gettext_lazy("Support platforms"),
            PLATFORM_COLUMNS,
            frozenset(),
            _platform_rows,
            _platform_import,
            {
                "division": "node",
                "opened_on": "opened_on",
                "closed_on": "closed_on",
                "name": "name",
                "kind": "kind",
                "headquarters": "headquarters",
                "operator": "operator",
            },
        ),
        Ledger(
            PROJECTS,
            gettext_lazy("Funded projects"),
            PROJECT_COLUMNS,
            frozenset({"disbursed", "spent", "status"}),
            _project_rows,
            _project_import,
            {
                "amount_approved": "amount_approved",
                "custodian": "custodian",
                "organisation": "organisation",
                "approved_on": "approved_on",
                "round": "round",
                "title": "title",
                "starts_on": "starts_on",
                "ends_on": "ends_on",
            },
        ),
        Ledger(
            DONATIONS,
            gettext_lazy("Donations"),
            DONATION_COLUMNS,
            frozenset(),
            _donation_rows,
            _donation_import,
            {
                "amount": "amount",
                "donor_name": "donor_name",
                "goods": "goods",
                "received_on": "received_on",
                "donor_kind": "donor_kind",
                "form": "form",
            },
        ),
        Ledger(
            ATTENDANCES,
            gettext_lazy("Training attendance"),
            ATTENDANCE_COLUMNS,
            frozenset(),
            _attendance_rows,
            _attendance_import,
            {"member": "person", "capacity": "capacity"},
        ),
    )
}


# --- export and import ----------------------------------------------------------------------------


def ledger_xlsx(ledger: Ledger, user, query=None) -> bytes:
    """The ledger as an .xlsx file: one row per record the user may see (narrowed by the list
    page's filters), headers in Chinese, choices by their Chinese labels."""
    with translation.override(WORKBOOK_LANGUAGE):
        workbook = Workbook()
        columns = ledger.columns
        rows = []
        for values in ledger.export_rows(user, query):
            row = []
            for column in columns:
                value = values.get(column.key)
                if column.kind == CHOICE:
                    value = column.choice_map.label(value)
                row.append(value)
            rows.append(row)
        sheet = table_sheet(
            workbook, str(ledger.title), [(c.zh, c.width) for c in columns], rows, first=True
        )
        for index, column in enumerate(columns, start=1):
            if column.kind == DECIMAL:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = MONEY_FORMAT
            if column.as_text:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "@"
        return workbook_bytes(workbook)


def _row_error(row: int, ledger: Ledger, header, key: str, message: str) -> RowError:
    columns = {c.key: c for c in ledger.columns}
    if key in columns:
        return RowError(row, header.label(key, columns), message, header.index.get(key))
    return RowError(row, "", message)


def _rows_or_refusal(rows, result: ImportResult):
    """The rows, until the file turns out damaged or past an upload limit: then that is the
    result's error (and the import is rolled back), not a server error."""
    try:
        yield from rows
    except SpreadsheetError as error:
        result.errors.append(RowError(0, "", error.message))


def import_ledger(ledger: Ledger, source, user, *, filename: str = "") -> ImportResult:
    """Import a ledger file: all rows or nothing, every problem reported by row and column."""
    result = ImportResult()
    try:
        spreadsheet = open_spreadsheet(source, filename)
        rows = spreadsheet.rows(spreadsheet.sheet_names[0])
        header_row = None
        for row_number, cells in rows:
            if any(cell not in (None, "") for cell in cells):
                header_row = (row_number, cells)
                break
    except SpreadsheetError as error:
        result.errors.append(RowError(0, "", error.message))
        return result
    if header_row is None:
        result.errors.append(RowError(0, "", _("The file has no header row and no data.")))
        return result
    header, problems = match_header(header_row[0], header_row[1], ledger.importable)
    result.errors.extend(problems)
    result.ignored_columns = list(header.ignored)
    if problems:
        return result
    with transaction.atomic():
        for row_number, cells in _rows_or_refusal(rows, result):
            if not any(cell not in (None, "") for cell in cells):
                continue
            values, row_errors = {}, []
            for column in ledger.importable:
                index = header.index.get(column.key)
                raw = cells[index] if index is not None and index < len(cells) else None
                try:
                    values[column.key] = column.parse(raw)
                except CellValueError as error:
                    row_errors.append(
                        _row_error(row_number, ledger, header, column.key, str(error))
                    )
                    continue
                if column.required and values[column.key] in (None, "", []):
                    row_errors.append(
                        _row_error(
                            row_number, ledger, header, column.key, _("this cell is required")
                        )
                    )
            if row_errors:
                result.errors.extend(row_errors)
                continue
            try:
                with transaction.atomic():
                    outcome = ledger.import_row(values, user)
            except RowProblem as problem:
                result.errors.append(
                    _row_error(row_number, ledger, header, problem.column, problem.message)
                )
                continue
            except ValidationError as error:
                messages = (
                    error.message_dict.items()
                    if hasattr(error, "error_dict")
                    else [("", error.messages)]
                )
                for field_name, texts in messages:
                    key = ledger.field_columns.get(field_name, field_name)
                    for text in texts:
                        result.errors.append(_row_error(row_number, ledger, header, key, text))
                continue
            except (OutOfJurisdiction, NotPermitted) as error:
                text = str(error) or _("this is outside your jurisdiction")
                result.errors.append(RowError(row_number, "", text))
                continue
            setattr(result, outcome, getattr(result, outcome) + 1)
        if result.errors:
            transaction.set_rollback(True)
            result.created = result.updated = result.unchanged = 0
    return result
