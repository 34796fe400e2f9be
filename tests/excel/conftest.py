"""Helpers for the ledger file tests: build workbooks as clerks' Excel would hold them, and
count rows (and history rows) to prove that a refused file wrote nothing."""

import datetime
import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from registry.choices import ActivitySeries
from registry.imports import ledger_import
from registry.models import Activity, Member, Organisation
from registry.services.organisations import activity_record

GROUP_HEADER = ["社区", "组织名称", "组织类型", "服务领域", "成立日期"]


def workbook(rows, title="社区活动小组台账", *, extra_sheets=()) -> bytes:
    """An .xlsx with ``rows`` (the header first) on a sheet called ``title``."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for name, extra in extra_sheets:
        other = book.create_sheet(name)
        for row in extra:
            other.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> dict:
    """Rows and history rows of everything an import may write."""
    return {
        "organisations": Organisation.objects.count(),
        "organisation history": Organisation.history.count(),
        "members": Member.objects.count(),
        "member history": Member.history.count(),
        "activities": Activity.objects.count(),
        "activity history": Activity.history.count(),
    }


def run(user, data, *, filename="ledger.xlsx", **options):
    return ledger_import(source=data, filename=filename, acting_user=user, **options)


def problems(result) -> set[tuple[int, str]]:
    """(row, column) of every problem reported."""
    return {(error.row, error.column) for error in result.errors}


def messages(result) -> str:
    return "\n".join(str(error) for error in result.errors)


def record_activity(organisation, user, **extra):
    fields = dict(
        held_on=datetime.date(2024, 3, 1),
        title="邻里守望志愿服务",
        series=ActivitySeries.NEIGHBOURHOOD_WATCH,
        participants=25,
        volunteer_hours="12.5",
        description="为社区长者上门理发。",
    )
    fields.update(extra)
    return activity_record(organisation=organisation, acting_user=user, **fields)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def chinese():
    with translation.override("zh-hans"):
        yield
