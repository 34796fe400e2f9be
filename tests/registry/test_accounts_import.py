"""Accounts in bulk (issue 21): a file of accounts with every problem at once and nothing
written on any, jurisdiction and tier limits, duplicate logins, one-time set-password links,
deactivation by file, and ``create_account``."""

import io

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from registry.accounts import account_import
from registry.models import User
from tests.access import PageAccess
from tests.excel.conftest import workbook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = ["姓名", "登录名", "角色", "单位代码", "手机", "停用"]


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def load(user, rows, **options):
    return account_import(
        source=workbook([HEADER, *rows], title="账号"),
        filename="accounts.xlsx",
        acting_user=user,
        **options,
    )


def test_a_district_creates_its_streets_and_communities_accounts_with_links(
    district_officer, client
):
    result = load(
        district_officer,
        [
            ["李娜", "pingshan-c1", "社区工作人员", "440310001003", "13912345678", None],
            ["王强", "pingshan-s1", "街道", "440310001", None, "否"],
        ],
    )
    assert result.written and result.created == 2, result.errors
    staff = User.objects.get(username="pingshan-c1")
    assert (staff.role, staff.division_id, staff.first_name) == (
        "community_staff",
        "440310001003",
        "李娜",
    )
    assert not staff.has_usable_password()
    assert staff.history.first().history_user == district_officer
    link = next(link for link in result.links if link.username == "pingshan-c1")
    assert link.phone == "139****5678"
    # the link works once: it sets the password, then it is spent
    page = client.get(link.url, follow=True)
    assert page.status_code == 200
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "A-long-pass-2025", "new_password2": "A-long-pass-2025"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("A-long-pass-2025")
    assert not default_token_generator.check_token(staff, link.url.rstrip("/").split("/")[-1])


def test_every_problem_at_once_and_nothing_written(district_officer, make_user):
    make_user("community_staff", "440310001003", username="taken")
    before = User.objects.count()
    result = load(
        district_officer,
        [
            ["甲", "taken", "社区工作人员", "440310001003", None, None],  # in the database
            ["乙", "twice", "社区工作人员", "440310001003", None, None],
            ["丙", "TWICE", "社区工作人员", "440310001003", None, None],  # in the file
            ["丁", "nowhere", "街道", "440310999", None, None],  # no such node
            ["戊", "longgang", "街道", "440307003", None, None],  # another district
            ["己", "peer", "区", "440310", None, None],  # the importer's own tier
            ["庚", "wrong-level", "街道", "440310001003", None, None],  # a community
            ["辛", "badphone", "社区工作人员", "440310001003", "12345", None],
            ["壬", "ghost", None, None, None, "是"],  # deactivating nobody
        ],
    )
    assert not result.written and User.objects.count() == before
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "登录名"),
        (4, "登录名"),
        (5, "单位代码"),
        (6, "单位代码"),
        (7, "单位代码"),
        (8, "角色"),
        (9, "手机"),
        (10, "登录名"),
    ]
    text = "\n".join(e.message for e in result.errors)
    assert "already taken" in text and "also on row 3" in text
    assert "no division with the code 440310999" in text
    assert "outside your jurisdiction" in text and "street and community accounts only" in text


def test_a_dry_run_writes_nothing_and_deactivation_by_file(district_officer, make_user):
    colleague = make_user("street_officer", "440310001", username="leaving")
    check = load(district_officer, [["王", "leaving", None, None, None, "是"]], dry_run=True)
    assert check.ok and check.deactivated == 1 and not check.written
    colleague.refresh_from_db()
    assert colleague.is_active
    assert load(district_officer, [["王", "leaving", None, None, None, "是"]]).written
    colleague.refresh_from_db()
    assert not colleague.is_active
    outsider = make_user("street_officer", "440307003", username="longgang-street")
    refused = load(district_officer, [["", "longgang-street", None, None, None, "是"]])
    assert not refused.written and "outside your jurisdiction" in refused.errors[0].message
    outsider.refresh_from_db()
    assert outsider.is_active


def test_only_the_city_and_districts_import_accounts(staff, street_officer, city_officer):
    for user in (staff, street_officer):
        result = load(user, [["甲", "x1", "社区工作人员", "440310001003", None, None]])
        assert not result.written and "Only the city bureau" in result.errors[0].message
    result = load(city_officer, [["甲", "d1", "区", "440307", None, None]])
    assert result.written


def test_the_page_shows_links_once_and_the_xlsx_downloads_once(client_for, district_officer):
    client = client_for(district_officer)
    client.cookies["django_language"] = "en"
    file = io.BytesIO(
        workbook([HEADER, ["甲", "web1", "社区工作人员", "440310001003", None, None]])
    )
    file.name = "accounts.xlsx"
    page = client.post("/accounts/import/", {"file": file})
    assert page.status_code == 200 and "/accounts/set-password/" in page.content.decode()
    download = client.get("/accounts/import/links/")
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet["A2"].value == "web1" and "/accounts/set-password/" in sheet["F2"].value
    assert client.get("/accounts/import/links/").status_code == 404


def test_create_account_prints_a_link(divisions, capsys):
    call_command("create_account", "cmd-user", "--role", "street_officer", "--node", "440310001")
    assert "/accounts/set-password/" in capsys.readouterr().out
    assert User.objects.get(username="cmd-user").division_id == "440310001"
    with pytest.raises(CommandError, match="already taken"):
        call_command(
            "create_account", "cmd-user", "--role", "street_officer", "--node", "440310001"
        )
    with pytest.raises(CommandError, match="no division"):
        call_command("create_account", "x2", "--role", "street_officer", "--node", "999")


class TestAccountImportPage(PageAccess):
    """The import page: the city and the district open it; every other role gets 404."""

    model = User
    inside = ["district_officer", "city_officer", "superuser"]
    outside = [
        "community_staff",
        "street_officer",
        "organisation_leader",
        "community_staff_out",
        "street_officer_out",
    ]
    writers: list = []

    def pages(self, world):
        return ["/accounts/import/"]

    def write_pages(self, world):
        return ["/accounts/import/"]
