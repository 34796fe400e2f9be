"""Ledger exports (.xlsx and CSV, streamed) and the blank templates to fill in.

Files are written in the ledgers' own language, Chinese: Chinese headers and the Chinese labels
of choices, whatever language the interface is in, so that a file passes from clerk to clerk
unchanged. Exports list exactly what ``restrict(user, "view")`` gives, re-import unchanged
(same columns, same spelling), and mask phone and ID numbers for users who may not change the
data (the city bureau): a masked cell means "keep the number on record" on re-import. The
columns are ``registry.ledgers``' (the import reads the same definitions); every file is written
through ``core.excel`` (streamed sheets and CSV, openpyxl templates), so no text is ever a
formula.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from core.excel import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    DATE,
    DECIMAL,
    INTEGER,
    NO,
    YES,
    Column,
    Progress,
    SheetSpec,
    column_letter,
    iter_csv,
    iter_xlsx,
    workbook_bytes,
    write_xlsx,
)
from core.exceptions import OutOfJurisdiction
from core.masking import PERSONAL_FIELDS, mask_value, sees_personal_data_in_bulk
from core.scoping import CHANGE, VIEW
from registry.choices import DivisionLevel, OrgStatus
from registry.ledgers import (
    INSTRUCTIONS_SHEET,
    LEDGERS,
    MEMBERS,
    OPTIONS_SHEET,
    Ledger,
    community_label,
    ledger_import_refusal,
)
from registry.models import Division, Organisation, User

CHUNK = 2000
TEMPLATE_ROWS = 2000
MAX_COMMUNITY_CHOICES = 3000
PROGRESS_EVERY = 1000


def _header(ledger: Ledger) -> list[str]:
    """The ledger's Chinese headers, then those of the extra columns a higher app fills."""
    return [column.zh for column in ledger.columns] + [
        column.zh for column, _annotation in ledger.exported_extras()
    ]


def may_see_full_numbers(user: User, *, within_path: str | None = None) -> bool:
    """Phone and ID numbers in full for the tiers that keep the data (community, street and
    district officers within their jurisdiction, organisation leaders for their roster); masked
    for those who only watch (the city bureau). The masking rule for rows in bulk
    (``core.masking.sees_personal_data_in_bulk``), which notes a full export for the access
    log; ``within_path``: the subtree exported."""
    return sees_personal_data_in_bulk(user, Organisation, within_path=within_path)


def ledger_queryset(ledger: Ledger, user: User, *, within: str | None = None) -> QuerySet:
    """The rows of a ledger that ``user`` may see, optionally within one division's subtree
    (a division the user can't see is ``OutOfJurisdiction``), in ledger order."""
    if ledger.model is Organisation:
        queryset = (
            Organisation.objects.restrict(user, VIEW)
            .filter(status=ledger.status)
            .select_related("community__parent")
            .order_by("community__path", "name", "pk")
        )
    else:
        queryset = (
            ledger.model.objects.restrict(user, VIEW)
            .filter(organisation__status__in=OrgStatus.LIVE)
            .select_related("organisation__community__parent")
        )
        if ledger.kind == MEMBERS:
            queryset = queryset.order_by(
                "organisation__community__path", "organisation__name", "organisation_id", "pk"
            )
        else:
            queryset = queryset.order_by(
                "organisation__community__path", "organisation__name", "held_on", "pk"
            )
    if within:
        path = Division.objects.restrict(user, VIEW).filter(code=within).values_list("path")
        path = path.first()
        if path is None:
            raise OutOfJurisdiction()
        queryset = queryset.filter(**{f"{ledger.model.scope_path_field}__startswith": path[0]})
    return queryset


def _renderer(column: Column, reveal: bool) -> Callable:
    if column.kind == CHOICE:
        labels = column.choice_map.zh
        return lambda value: labels.get(value) if value else None
    if column.kind == CHOICES:
        labels = column.choice_map.zh
        return lambda value: "、".join(labels.get(v, v) for v in value) if value else None
    if column.kind == BOOLEAN:
        return lambda value: YES if value else NO
    if column.key in PERSONAL_FIELDS and not reveal:
        mask = PERSONAL_FIELDS[column.key]
        return lambda value: mask(value) if value else None
    if column.key in PERSONAL_FIELDS:
        # Through the rule, which notes a full ID number for the access log.
        key = column.key
        return lambda value: mask_value(key, value, full=True) or None
    if column.kind in (DATE, INTEGER, DECIMAL):
        return lambda value: value
    return lambda value: value or None


def _lookups(ledger: Ledger) -> list[tuple[str, ...]]:
    """For each column, the value(s) to read: rows are read as tuples (``values_list``), not
    model instances, which would cost more than writing the file."""
    prefix = "" if ledger.model is Organisation else "organisation__"
    lookups = []
    for column in ledger.columns:
        if column.key == "community":
            lookups.append((f"{prefix}community__parent__name", f"{prefix}community__name"))
        elif column.key == "community_code":
            lookups.append((f"{prefix}community_id",))
        elif column.key == "organisation":
            lookups.append(("organisation__name",))
        else:
            lookups.append((column.key,))
    return lookups


def ledger_rows(
    ledger: Ledger, user: User, *, within: str | None = None, reveal: bool | None = None
) -> Iterator[list]:
    """The ledger's rows as cell values (Chinese labels, 是/否, dates), read in chunks."""
    queryset = ledger_queryset(ledger, user, within=within)
    if reveal is None:
        within_path = (
            Division.objects.filter(code=within).values_list("path", flat=True).first()
            if within
            else None
        )
        reveal = may_see_full_numbers(user, within_path=within_path)
    lookups = _lookups(ledger)
    names = [name for group in lookups for name in group]
    extras = ledger.exported_extras()
    for _column, annotation in extras:
        queryset = annotation.annotate(queryset)
        names.append(annotation.name)
    queryset = queryset.values_list(*names)
    getters = []
    position = 0
    for column, group in zip(ledger.columns, lookups, strict=True):
        if len(group) == 2:  # street/community
            getters.append(lambda row, i=position: f"{row[i]}/{row[i + 1]}")
        else:
            render = _renderer(column, reveal)
            getters.append(lambda row, i=position, render=render: render(row[i]))
        position += len(group)
    for _column, annotation in extras:
        getters.append(
            lambda row, i=position, show=annotation.render: None if row[i] is None else show(row[i])
        )
        position += 1
    return ([get(row) for get in getters] for row in queryset.iterator(chunk_size=CHUNK))


def ledger_sheet(
    ledger: Ledger, user: User, *, within: str | None = None, reveal: bool | None = None
) -> SheetSpec:
    widths = [column.width for column in ledger.columns]
    widths += [column.width for column, _annotation in ledger.exported_extras()]
    return SheetSpec(
        title=ledger.zh,
        header=_header(ledger),
        widths=widths,
        text_columns=[i for i, column in enumerate(ledger.columns) if column.as_text],
        rows=ledger_rows(ledger, user, within=within, reveal=reveal),
    )


def ledger_xlsx(
    ledger: Ledger, user: User, *, within: str | None = None, reveal: bool | None = None
) -> Iterator[bytes]:
    """The ledger as a streamed .xlsx (header frozen, auto-filter, widths, real dates).
    The queryset is built (and the jurisdiction checked) before the first byte."""
    sheet = ledger_sheet(ledger, user, within=within, reveal=reveal)
    return iter_xlsx([sheet])


def ledger_csv(
    ledger: Ledger, user: User, *, within: str | None = None, reveal: bool | None = None
) -> Iterator[str]:
    """The ledger as streamed CSV lines, UTF-8 with a BOM for Excel."""
    rows = ledger_rows(ledger, user, within=within, reveal=reveal)
    return iter_csv(_header(ledger), rows)


def ledger_export(
    destination,
    *,
    kind: str,
    user: User,
    file_format: str = "xlsx",
    within: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Write a ledger export (.xlsx or CSV) to ``destination``, a binary file object or a path;
    returns the number of rows. A plain function, callable outside a request (a command, a
    background task); ``progress(phase, done, total)`` is called every thousand rows and at
    the end, with the phase ``"write"``. ``OutOfJurisdiction`` if ``within`` is a division the
    user can't see, before anything is written."""
    if isinstance(destination, str | os.PathLike):
        with open(destination, "wb") as handle:
            return ledger_export(
                handle,
                kind=kind,
                user=user,
                file_format=file_format,
                within=within,
                progress=progress,
            )
    ledger = LEDGERS[kind]
    sheet = ledger_sheet(ledger, user, within=within)  # the jurisdiction is checked here
    if progress is not None:
        total = ledger_queryset(ledger, user, within=within).count()
        sheet.rows = _counted(sheet.rows, progress, total)
    if file_format == "csv":
        written = -1
        for written, line in enumerate(iter_csv(sheet.header, sheet.rows)):  # noqa: B007
            destination.write(line.encode("utf-8"))
    else:
        write_xlsx(destination, [sheet])
        written = sheet.written
    if progress is not None:
        progress("write", written, written)
    return written


def _counted(rows: Iterator[list], progress: Progress, total: int) -> Iterator[list]:
    done = 0
    for done, row in enumerate(rows, start=1):  # noqa: B007
        if done % PROGRESS_EVERY == 0:
            progress("write", done, total)
        yield row


def export_filename(ledger: Ledger, extension: str, within: str | None = None) -> str:
    from django.utils import timezone

    stamp = timezone.localdate().strftime("%Y%m%d")
    return f"{ledger.zh}{'-' + within if within else ''}-{stamp}.{extension}"


# --- templates ------------------------------------------------------------------------------


def _general_rules(ledger: Ledger) -> list[str]:
    rules = [
        _("Fill in one row per record under the header row; don't change the headers."),
        _("A row updates the record with the same key (%(key)s) or, if there is none, adds one.")
        % {"key": ledger.key_help},
        _(
            "A column that is left out leaves that field alone; a blank cell in a column that is "
            "there clears the field."
        ),
        _(
            "Community: street/community (坪山街道/坪山社区) or the 12-digit community code; a "
            "community name alone only when no other community of your jurisdiction has it."
        ),
        _("Dates: 2024-03-01, 2024/3/1 or 2024年3月1日, or a date cell."),
        _(
            "ID numbers, credit codes and phone numbers must be text cells: the columns of this "
            "template are already formatted as text. Excel turns a long number typed into a "
            "number cell into 4.40303E+17 and loses its last digits."
        ),
        _(
            "A masked number (138****8000) from an export keeps the number on record; type the "
            "full number to change it."
        ),
        _(
            "Nothing is imported if any row has a problem: every problem is listed by row and "
            "column, with a copy of the file marking them."
        ),
    ]
    if ledger.model is Organisation:
        rules.append(
            _(
                "An import never changes an organisation's status (activity group, filed, "
                "registered, exited): use the review workflow for filing, registration and exit."
            )
        )
    return rules


def ledger_template(kind: str, user: User) -> bytes:
    """A blank ledger workbook: the header row, drop-downs (data validation) for fixed choices
    and for the user's communities, text-formatted code columns, and an instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    ledger = LEDGERS[kind]
    with translation.override("zh-hans"):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = ledger.zh
        options = workbook.create_sheet(OPTIONS_SHEET[0])
        options.sheet_state = "hidden"
        guide = workbook.create_sheet(INSTRUCTIONS_SHEET[0])
        header_fill = PatternFill("solid", fgColor="FFEEF2F7")
        last_row = TEMPLATE_ROWS + 1
        option_column = 0
        communities = [
            community_label(d)
            for d in Division.objects.restrict(user, CHANGE)
            .filter(level=DivisionLevel.COMMUNITY)
            .select_related("parent")
            .order_by("path")[: MAX_COMMUNITY_CHOICES + 1]
        ]

        def add_list(title: str, values: list[str]) -> str:
            nonlocal option_column
            letter = column_letter(option_column)
            option_column += 1
            options.cell(row=1, column=option_column, value=title)
            for row, value in enumerate(values, start=2):
                options.cell(row=row, column=option_column, value=value)
            return f"'{OPTIONS_SHEET[0]}'!${letter}$2:${letter}${len(values) + 1}"

        for index, column in enumerate(ledger.columns):
            letter = column_letter(index)
            cell = sheet.cell(row=1, column=index + 1, value=column.zh)
            cell.font = Font(bold=True, color="FFB3261E" if column.required else None)
            cell.fill = header_fill
            note = _column_note(column)
            if note:
                cell.comment = Comment(note, "registry", width=260, height=120)
            sheet.column_dimensions[letter].width = column.width
            if column.as_text:
                sheet.column_dimensions[letter].number_format = "@"
                for row in range(2, last_row + 1):
                    sheet.cell(row=row, column=index + 1).number_format = "@"
            values = None
            if column.kind == CHOICE:
                values = column.choice_map.labels
            elif column.kind == BOOLEAN:
                values = [YES, NO]
            elif column.key == "community" and 0 < len(communities) <= MAX_COMMUNITY_CHOICES:
                values = communities
            if values:
                validation = DataValidation(
                    type="list",
                    formula1=add_list(column.zh, values),
                    allow_blank=True,
                    showErrorMessage=column.key != "community",
                    errorTitle=_("Not one of the choices"),
                    error=_("Choose a value from the drop-down list."),
                )
                validation.add(f"{letter}2:{letter}{last_row}")
                sheet.add_data_validation(validation)
            elif column.kind == DATE:
                validation = DataValidation(
                    type="date",
                    operator="greaterThan",
                    formula1="1",
                    allow_blank=True,
                    showErrorMessage=False,
                )
                validation.add(f"{letter}2:{letter}{last_row}")
                sheet.add_data_validation(validation)
                for row in range(2, last_row + 1):
                    sheet.cell(row=row, column=index + 1).number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"

        guide.column_dimensions["A"].width = 24
        guide.column_dimensions["B"].width = 8
        guide.column_dimensions["C"].width = 70
        guide.column_dimensions["D"].width = 50
        guide.append([_("How to fill in the %(ledger)s") % {"ledger": ledger.zh}])
        guide["A1"].font = Font(bold=True, size=14)
        refusal = ledger_import_refusal(ledger, user)
        if refusal:
            guide.append([refusal])
        for rule in _general_rules(ledger):
            guide.append([f"· {rule}"])
        guide.append([])
        guide.append([_("Column"), _("Required"), _("What to write"), _("Allowed values")])
        for cell in guide[guide.max_row]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
        for column in ledger.columns:
            allowed = ""
            if column.kind in (CHOICE, CHOICES):
                allowed = "、".join(column.choice_map.labels)
            elif column.kind == BOOLEAN:
                allowed = f"{YES}、{NO}"
            guide.append(
                [
                    f"{column.zh}（{column.en}）",
                    YES if column.required else "",
                    _column_note(column),
                    allowed,
                ]
            )
            for cell in guide[guide.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        return workbook_bytes(workbook)


def _column_note(column: Column) -> str:
    notes = {
        DATE: _("A date: 2024-03-01, 2024/3/1 or 2024年3月1日."),
        INTEGER: _("A whole number."),
        DECIMAL: _("A number."),
        BOOLEAN: _("是 or 否."),
        CHOICE: _("One of the drop-down values."),
        CHOICES: _("One or more of the listed values, separated by 、."),
    }
    parts = []
    if column.required:
        parts.append(_("Required."))
    if column.help:
        parts.append(str(column.help))
    if column.as_text:
        parts.append(_("Text cell: never let Excel turn it into a number."))
    elif column.kind in notes:
        parts.append(str(notes[column.kind]))
    return " ".join(parts)


__all__ = [
    "export_filename",
    "ledger_csv",
    "ledger_export",
    "ledger_queryset",
    "ledger_rows",
    "ledger_template",
    "ledger_xlsx",
    "may_see_full_numbers",
]
