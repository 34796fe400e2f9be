"""Exports re-import cleanly: export, import the file unchanged, nothing changes (no history
rows, the dry run reports every row unchanged), for every ledger, as .xlsx and as CSV, and
with masked phone and ID numbers."""

import datetime

import pytest

from core.masking import mask_id_number, mask_phone
from registry.choices import Gender, LegalForm, PartyStatus, ServiceTarget
from registry.exports import ledger_csv, ledger_rows, ledger_xlsx
from registry.ledgers import LEDGERS
from registry.models import Member
from registry.services.organisations import member_update
from tests.excel.conftest import counts, messages, record_activity, run
from tests.registry.factories import VALID_ID_NUMBER, make_filed, make_group, make_registered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def ledger_data(staff, street_officer, district_officer):
    group = make_group(
        staff,
        name="坪山社区书画协会",
        members=3,
        service_targets=[ServiceTarget.ELDERLY_CHILDREN, ServiceTarget.HARDSHIP],
        business_scope="书画交流\r\n  公益培训",  # as a web form stores it: CRLF, indent
        legal_person_founders=1,
    )
    first = group.members.get(name="成员1")
    member_update(
        member=first,
        acting_user=staff,
        id_number=VALID_ID_NUMBER,
        gender=Gender.FEMALE,
        party_status=PartyStatus.FORMAL,
        joined_on=datetime.date(2023, 3, 1),
        left_on=datetime.date(2024, 12, 31),
    )
    filed = make_filed(staff, street_officer, name="坪山社区老年协会", members=10)
    registered = make_registered(
        staff,
        street_officer,
        district_officer,
        legal_form=LegalForm.SOCIAL_SERVICE,
        name="坪山社区慈善服务中心",
    )
    record_activity(group, staff)
    record_activity(filed, staff, title="健康讲座", volunteer_hours="0.5", is_major=True)
    record_activity(registered, staff, title="助老服务", held_on=datetime.date(2024, 5, 4))
    return group, filed, registered


CASES = [
    ("groups", "staff", 1),
    ("filed", "street_officer", 1),
    ("registered", "district_officer", 1),
    ("members", "staff", 23),
    ("activities", "staff", 3),
]


@pytest.mark.parametrize(("kind", "who", "rows"), CASES)
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(request, ledger_data, kind, who, rows, file_format):
    user = request.getfixturevalue(who)
    ledger = LEDGERS[kind]
    if file_format == "xlsx":
        data = b"".join(ledger_xlsx(ledger, user))
    else:
        data = "".join(ledger_csv(ledger, user)).encode("utf-8")
    before = counts()
    dry = run(user, data, filename=f"export.{file_format}", dry_run=True)
    assert dry.ok, messages(dry)
    assert dry.ledger == kind
    assert (dry.rows, dry.unchanged, dry.created, dry.updated) == (rows, rows, 0, 0)
    result = run(user, data, filename=f"export.{file_format}")
    assert result.ok and (result.unchanged, result.created, result.updated) == (rows, 0, 0)
    assert counts() == before  # no row and no history row added


def test_masked_numbers_mean_unchanged_on_reimport(ledger_data, staff):
    ledger = LEDGERS["members"]
    masked = list(ledger_rows(ledger, staff, reveal=False))
    phones = {row[3]: row[5] for row in masked}
    assert phones["成员1"] == "138****0000"
    id_column = [c.key for c in ledger.columns].index("id_number")
    assert [row[id_column] for row in masked if row[id_column]] == ["440303********0029"]
    data = b"".join(ledger_xlsx(ledger, staff, reveal=False))
    before = counts()
    result = run(staff, data)
    assert result.ok, messages(result)
    assert result.unchanged == result.rows == 23
    assert counts() == before
    first = Member.objects.get(name="成员1", organisation=ledger_data[0])
    assert first.id_number == VALID_ID_NUMBER and first.phone == "13800130000"
    assert mask_phone(first.phone) == "138****0000"
    assert mask_id_number(first.id_number) == "440303********0029"


def test_an_edited_export_changes_exactly_the_edited_cells(ledger_data, staff):
    from io import BytesIO

    from openpyxl import load_workbook

    data = b"".join(ledger_xlsx(LEDGERS["groups"], staff))
    book = load_workbook(BytesIO(data))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("活动场所") + 1, value="坪山文化广场")
    out = BytesIO()
    book.save(out)
    result = run(staff, out.getvalue())
    assert (result.updated, result.unchanged) == (1, 0)
    assert result.changes[0]["fields"] == ["活动场所"]
    group = ledger_data[0]
    group.refresh_from_db()
    assert group.venue == "坪山文化广场"
    assert group.business_scope == "书画交流\r\n  公益培训"  # untouched
