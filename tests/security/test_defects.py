"""Issue 16, the smaller defects: activity dates after today, a CSV not valid in the encoding
it declares, an annotated copy that cannot be made, and import errors naming organisations
outside the importer's jurisdiction. Each failed before the fix."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from core.excel import SpreadsheetError, annotate, open_spreadsheet
from core.excel.errors import RowError
from oversight.choices import DormancySignal
from oversight.models import OversightSettings
from oversight.services.dormancy import signal_conditions
from registry.imports import ledger_import
from registry.models import Activity, Organisation
from tests.excel.conftest import counts, workbook
from tests.excel.test_views import result_url, streamed, upload
from tests.registry.factories import make_filed

pytestmark = pytest.mark.django_db


def _tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


# --- activity dates after today -----------------------------------------------------------------


def test_the_activity_form_refuses_a_date_after_today(world, users, client_for):
    url = reverse("activity-create", args=[world.organisation.pk])
    before = Activity.objects.count()
    response = client_for(users["community_staff"]).post(
        url,
        {
            "held_on": _tomorrow().isoformat(),
            "title": "未来活动",
            "series": "culture",
            "participants": 1,
            "volunteer_hours": 0,
        },
    )
    assert response.status_code == 200
    # the refusal names the date (in whichever language the page is in)
    assert _tomorrow().isoformat() in " ".join(response.context["form"].errors["held_on"])
    assert Activity.objects.count() == before


def test_the_api_refuses_an_activity_date_after_today(world, users, api_for):
    response = api_for(users["community_staff"]).post(
        "/api/v1/activities/",
        {
            "organisation": world.organisation.pk,
            "held_on": "2099-01-01",
            "title": "未来活动",
            "series": "culture",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "2099-01-01" in str(response.json()["held_on"])
    assert not Activity.objects.filter(title="未来活动").exists()


def test_an_import_refuses_an_activity_date_after_today(world, users):
    data = workbook(
        [
            ["社区", "组织名称", "活动日期", "活动名称", "活动系列", "参与人数"],
            ["坪山街道/坪山社区", world.organisation.name, "2099-05-01", "未来展", "文化铸魂", 3],
        ],
        title="活动记录台账",
    )
    before = counts()
    result = ledger_import(source=data, filename="a.xlsx", acting_user=users["community_staff"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "活动日期")]
    assert "after today" in result.errors[0].message
    assert counts() == before


def test_the_dormancy_rule_ignores_activities_dated_after_today(world):
    organisation = world.organisation
    Organisation.objects.filter(pk=organisation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3 * 365)
    )
    Activity.objects.filter(organisation=organisation).delete()
    # Recorded before future dates were refused: straight into the table, no validation.
    Activity.objects.create(organisation=organisation, held_on=datetime.date(2099, 1, 1), title="x")
    config = OversightSettings.current()
    condition = signal_conditions(timezone.localdate(), config)[DormancySignal.INACTIVE]
    assert Organisation.objects.filter(condition, pk=organisation.pk).exists()


# --- a CSV not valid in the encoding it declares ------------------------------------------------


def test_a_utf8_marked_csv_with_a_gbk_body_is_refused_with_the_line():
    data = (
        b"\xef\xbb\xbf" + "社区,组织名称\n".encode() + "坪山街道/坪山社区,书画协会\n".encode("gbk")
    )
    with pytest.raises(SpreadsheetError) as refused:
        open_spreadsheet(data)
    assert "UTF-8" in refused.value.message and "line 2" in refused.value.message


def test_the_import_page_names_the_encoding_and_stores_nothing(world, users, client_for):
    client = client_for(users["community_staff"])
    data = (
        b"\xef\xbb\xbf"
        + "社区,组织名称,组织类型,服务领域\n坪山街道/坪山社区,乱码小组,服务类,文体活动\n".encode(
            "gbk"
        )
    )
    before = counts()
    url = result_url(streamed(upload(client, data, name="ledger.csv")))
    text = client.get(url).content.decode()
    assert "UTF-8" in text
    assert "\ufffd" not in text
    assert counts() == before


def test_a_utf16_marked_csv_that_is_not_utf16_is_refused_not_a_500():
    with pytest.raises(SpreadsheetError):
        open_spreadsheet(b"\xff\xfe" + b"\x00\xd8a")  # a lone surrogate


def test_a_valid_utf8_csv_with_a_mark_still_reads():
    sheet = open_spreadsheet(b"\xef\xbb\xbf" + "社区,名称\n坪山,书画\n".encode())
    assert [values for _n, values in sheet.rows()][1] == ("坪山", "书画")


# --- an annotated copy that cannot be made ------------------------------------------------------


def _damaged(data: bytes) -> bytes:
    """The workbook with its document properties broken: the rows still read (the row reader
    never looks at that part), openpyxl cannot open it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = b"<cp:coreProperties><broken"
            target.writestr(item, content)
    return out.getvalue()


GROUP_ROWS = [
    ["社区", "组织名称", "组织类型", "服务领域", "成立日期"],
    ["坪山街道/坪山社区", "坏小组", "协会类", "文体活动", "明天"],
]


def test_annotate_names_the_damage():
    data = _damaged(workbook(GROUP_ROWS))
    with pytest.raises(SpreadsheetError) as refused:
        annotate(
            data,
            sheet="社区活动小组台账",
            header_row=1,
            errors=[RowError(2, "x", "y")],
            heading="h",
        )
    assert "cannot be made" in refused.value.message


def test_the_marked_copy_page_explains_instead_of_a_500(world, users, client_for):
    client = client_for(users["community_staff"])
    url = result_url(streamed(upload(client, _damaged(workbook(GROUP_ROWS)))))
    response = client.get(url + "annotated/")
    assert response.status_code == 422
    text = response.content.decode()
    assert response.context["message"] and response.context["message"] in text
    assert "Excel" in response.context["message"] and url in text


# --- import errors never name an organisation outside -------------------------------------------


def test_an_import_never_names_an_organisation_outside(world, users, staff, street_officer):
    filed = make_filed(staff, street_officer, name="坪山社区秘密协会")
    assert filed.filing_number
    outsider = users["street_officer_out"]  # 马峦街道: imports filed organisations, not ours
    data = workbook(
        [
            ["备案编号", "备案日期", "社区", "组织名称", "组织类型", "服务领域"],
            [
                filed.filing_number,
                "2024-06-01",
                "马峦街道/马峦社区",
                "别名",
                "会员制（社团类）",
                "公益慈善",
            ],
        ],
        title="备案类社区社会组织台账",
    )
    before = counts()
    result = ledger_import(source=data, filename="f.xlsx", acting_user=outsider)
    text = "\n".join(str(error) for error in result.errors)
    assert result.errors and "outside your jurisdiction" in text
    assert [error.row for error in result.errors] == [2]
    assert "秘密协会" not in text and "filed" not in text.lower()
    assert counts() == before
