"""The ledger file pages: anonymous users go to the login page; everything is scoped (a
division outside the jurisdiction, another user's import: 404); the import streams progress
and leads to a result page with every problem and a marked copy of the file."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registry.models import Organisation
from tests.excel.conftest import GROUP_HEADER, counts, workbook
from tests.registry.factories import make_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TOKEN = "0" * 32


@pytest.fixture(autouse=True)
def private_job_dir(settings, tmp_path):
    settings.EXCEL_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def client_for(client_for, settings):
    """Logged-in clients that ask for the English interface (the default is Chinese)."""

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def upload(client, data, name="ledger.xlsx", **fields):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("excel:import"), {"file": file, **fields})


def result_url(page: str) -> str:
    return re.search(r'href="(/excel/imports/[0-9a-f]{32}/)"', page).group(1)


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "excel:home", []),
        ("get", "excel:template", ["groups"]),
        ("get", "excel:export", ["groups"]),
        ("post", "excel:import", []),
        ("get", "excel:import-result", [TOKEN]),
        ("get", "excel:import-annotated", [TOKEN]),
        ("post", "excel:import-commit", [TOKEN]),
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, method, name, args):
    url = reverse(name, args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_home_lists_the_ledgers_and_offers_import_to_those_who_may(client_for, staff, city_officer):
    page = client_for(staff).get(reverse("excel:home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "社区活动小组台账" in text or "Activity groups" in text
    assert 'action="/excel/import/"' in text
    city_page = client_for(city_officer).get(reverse("excel:home")).content.decode()
    assert 'action="/excel/import/"' not in city_page
    assert "can view the ledgers but not change them" in city_page


def test_template_and_exports_download(client_for, staff):
    make_group(staff, members=1)
    client = client_for(staff)
    response = client.get(reverse("excel:template", args=["groups"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "社区活动小组台账"
    response = client.get(reverse("excel:export", args=["groups"]))
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["C2"].value == "坪山社区书画协会"
    response = client.get(reverse("excel:export", args=["members"]), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert streamed(response).startswith("\ufeff社区")


def test_out_of_scope_and_unknown_exports_are_not_found(client_for, staff, street_officer):
    make_group(staff, members=0)
    client = client_for(street_officer)
    assert (
        client.get(reverse("excel:export", args=["groups"]), {"within": "440310002"}).status_code
        == 404
    )
    assert client.get(reverse("excel:export", args=["nonsense"])).status_code == 404
    assert client.get(reverse("excel:template", args=["nonsense"])).status_code == 404
    assert (
        client.get(reverse("excel:export", args=["groups"]), {"format": "pdf"}).status_code == 404
    )
    inside = client.get(
        reverse("excel:export", args=["groups"]), {"within": "440310001003", "format": "csv"}
    )
    assert "坪山社区书画协会" in streamed(inside)


def test_upload_dry_run_then_import_from_the_result_page(client_for, staff):
    client = client_for(staff)
    data = workbook([GROUP_HEADER, ["坪山街道/坪山社区", "网上小组", "服务类", "文体活动", None]])
    before = counts()
    response = upload(client, data, dry_run="on")
    assert response.streaming and response["X-Accel-Buffering"] == "no"
    page = streamed(response)
    assert "<progress" in page and "excel-tick" in page
    url = result_url(page)
    assert counts() == before
    result = client.get(url)
    assert result.status_code == 200
    text = result.content.decode()
    assert "1 would be created" in text and "网上小组" in text
    commit = client.post(url + "commit/")
    page = streamed(commit)
    assert "1 created" in page
    assert Organisation.objects.filter(name="网上小组").exists()
    assert counts()["organisation history"] == before["organisation history"] + 1
    # a result is committed once: it is no longer a dry run
    assert client.post(url + "commit/").status_code == 404


def test_upload_with_problems_offers_the_marked_file(client_for, staff):
    client = client_for(staff)
    data = workbook(
        [
            GROUP_HEADER,
            ["坪山街道/坪山社区", "好小组", "服务类", "文体活动", None],
            ["坪山街道/坪山社区", "坏小组", "协会类", "文体活动", "明天"],
        ]
    )
    before = counts()
    url = result_url(streamed(upload(client, data)))
    assert counts() == before
    text = client.get(url).content.decode()
    assert "nothing was imported" in text
    assert "组织类型" in text and "成立日期" in text
    marked = client.get(url + "annotated/")
    assert marked.status_code == 200
    sheet = load_workbook(io.BytesIO(marked.content)).active
    assert sheet["F1"].value == "Problems found"
    assert sheet["F2"].value is None
    assert "协会类" in sheet["F3"].value and "明天" in sheet["F3"].value


def test_a_file_that_is_not_a_spreadsheet(client_for, staff):
    client = client_for(staff)
    url = result_url(streamed(upload(client, b"\x00\x01binary\x00\x02" * 10, name="photo.jpg")))
    assert "not a spreadsheet" in client.get(url).content.decode()
    assert client.get(url + "annotated/").status_code == 404


def test_another_users_import_is_not_found(client_for, staff, make_user):
    data = workbook([GROUP_HEADER, ["坪山街道/坪山社区", "某小组", "服务类", "文体活动", None]])
    url = result_url(streamed(upload(client_for(staff), data, dry_run="on")))
    colleague = client_for(make_user("community_staff", "440310001003"))
    assert colleague.get(url).status_code == 404
    assert colleague.get(url + "annotated/").status_code == 404
    assert colleague.post(url + "commit/").status_code == 404
    assert colleague.get("/excel/imports/../../etc/passwd/").status_code == 404
    assert client_for(staff).get(reverse("excel:import-result", args=[TOKEN])).status_code == 404


def test_the_city_cannot_import(client_for, city_officer):
    data = workbook([GROUP_HEADER, ["坪山街道/坪山社区", "某小组", "服务类", "文体活动", None]])
    before = counts()
    client = client_for(city_officer)
    refused = upload(client, data)  # refused before the file is read (tests/security)
    assert refused.status_code == 403
    assert "can view the ledgers but not change them" in refused.content.decode()
    assert counts() == before


def test_a_missing_file_is_a_form_error(client_for, staff):
    response = client_for(staff).post(reverse("excel:import"), {"dry_run": "on"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
