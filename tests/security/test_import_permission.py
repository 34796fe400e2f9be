"""Issue 16, uploads: the permission to import is checked before the upload is parsed. A user
who may not import gets 403 (or 404 where the page doesn't exist for them) and the reader is
never called, on every import surface: the registry's ledger import page, support's ledger
imports and the accounts import. (The API has no import endpoint: it takes JSON only.)"""

import io

import pytest
from django.urls import reverse

# Imported before the reader is patched, so they hold the real one once the patch is undone.
import registry.accounts  # noqa: F401
import registry.imports  # noqa: F401
import support.ledgers  # noqa: F401
from tests.registry.factories import make_group
from tests.security.test_upload_limits import BOMB_MB, SHEET_HEAD, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader_forbidden(monkeypatch):
    """Every way into the spreadsheet reader fails the test if it is called."""

    def fail(*args, **kwargs):
        raise AssertionError("the upload was parsed")

    for module in (
        "core.excel.reading",
        "core.excel",
        "registry.imports",
        "registry.accounts",
        "support.ledgers",
    ):
        monkeypatch.setattr(f"{module}.open_spreadsheet", fail)


@pytest.fixture(scope="module")
def bomb():
    """A 1 MB workbook whose one row never ends (300 MB inflated)."""
    return workbook(
        {},
        (
            "xl/worksheets/sheet1.xml",
            SHEET_HEAD + '<row r="1">',
            '<c r="A1" t="inlineStr"><is><t>x</t></is></c>',
            BOMB_MB,
        ),
    )


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def _file(data: bytes, name="ledger.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return file


def test_a_read_only_officer_posting_a_ledger_is_refused_unparsed(
    client_for, city_officer, bomb, reader_forbidden
):
    response = _english(client_for(city_officer)).post(
        reverse("excel:import"), {"file": _file(bomb)}
    )
    assert response.status_code == 403
    assert "can view the ledgers but not change them" in response.content.decode()


def test_an_organisation_leader_naming_a_ledger_they_may_not_import_is_refused_unparsed(
    client_for, make_user, staff, bomb, reader_forbidden
):
    leader = make_user("organisation_leader", organisation=make_group(staff, members=0))
    response = client_for(leader).post(
        reverse("excel:import"), {"file": _file(bomb), "ledger": "groups"}
    )
    assert response.status_code == 400  # not one of the ledgers offered to them
    assert "groups" in response.content.decode()


def test_support_import_by_a_role_that_may_not_import_is_refused_unparsed(
    client_for, city_officer, bomb, reader_forbidden
):
    response = _english(client_for(city_officer)).post(
        reverse("support:ledger-import", args=["platforms"]), {"file": _file(bomb)}
    )
    assert response.status_code == 403
    assert "can view but not import" in response.content.decode()


def test_accounts_import_by_a_user_who_may_not_create_accounts_is_not_found_unparsed(
    client_for, staff, bomb, reader_forbidden
):
    response = client_for(staff).post(reverse("account-import"), {"file": _file(bomb)})
    assert response.status_code == 404


def test_an_allowed_user_uploading_the_bomb_gets_the_limit_named(client_for, staff, bomb):
    from support.ledgers import LEDGERS, import_ledger

    result = import_ledger(LEDGERS["platforms"], bomb, staff, filename="bomb.xlsx")
    assert not result.ok
    assert "row 1 of the sheet 「台账」 is larger than 4 MB" in str(result.errors[0])
