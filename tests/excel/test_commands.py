"""manage.py import_ledger / export_ledger."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from registry.models import Organisation
from tests.excel.conftest import GROUP_HEADER, counts, workbook
from tests.registry.factories import make_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def call(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_dry_run_then_for_real(staff, tmp_path):
    path = tmp_path / "小组台账.xlsx"
    path.write_bytes(
        workbook([GROUP_HEADER, ["坪山街道/坪山社区", "命令行小组", "服务类", "文体活动", None]])
    )
    before = counts()
    out, _err = call(
        "import_ledger", str(path), "--as", staff.username, "--dry-run", "--no-progress"
    )
    assert "row 2: create 命令行小组" in out and "1 would be created" in out
    assert counts() == before
    out, _err = call("import_ledger", str(path), "--as", staff.username, "--ledger", "groups")
    assert "1 created" in out
    organisation = Organisation.objects.get(name="命令行小组")
    history = organisation.history.get()
    assert history.history_user == staff
    assert history.history_change_reason == "Imported from 小组台账.xlsx"


def test_import_with_problems_lists_them_and_fails(staff, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        workbook(
            [
                GROUP_HEADER,
                ["坪山街道/坪山社区", "好小组", "服务类", "文体活动", None],
                ["马峦街道/马峦社区", "越界小组", "服务类", "体育", None],
            ]
        )
    )
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_ledger", str(path), "--as", staff.username, stderr=err, stdout=io.StringIO()
        )
    assert "nothing was imported" in str(caught.value)
    assert "Row 3, 社区: 马峦街道/马峦社区居委会 is outside your jurisdiction" in err.getvalue()
    assert "Row 3, 服务领域: '体育' is not one of" in err.getvalue()
    assert counts() == before


def test_import_needs_a_real_user_and_file(staff, tmp_path):
    (tmp_path / "y.xlsx").write_bytes(workbook([GROUP_HEADER]))
    with pytest.raises(CommandError, match="no active user"):
        call("import_ledger", str(tmp_path / "y.xlsx"), "--as", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        call("import_ledger", str(tmp_path / "x.xlsx"), "--as", staff.username)


def test_export_ledger(staff, city_officer, tmp_path):
    make_group(staff, members=2)
    path = tmp_path / "members.xlsx"
    _out, err = call("export_ledger", "members", "--as", city_officer.username, "-o", str(path))
    assert "2 rows written" in err
    sheet = load_workbook(path).active
    assert sheet["F2"].value == "138****0000"  # the city sees masked numbers
    csv_path = tmp_path / "groups.csv"
    call(
        "export_ledger",
        "groups",
        "--as",
        staff.username,
        "-o",
        str(csv_path),
        "--within",
        "440310001003",
    )
    assert (
        csv_path.read_text(encoding="utf-8-sig")
        .splitlines()[1]
        .startswith("坪山街道/坪山社区居委会")
    )
    with pytest.raises(CommandError, match="no such division"):
        call(
            "export_ledger",
            "groups",
            "--as",
            staff.username,
            "-o",
            str(csv_path),
            "--within",
            "440310002",
        )
