"""Defects found in acceptance (issue 21): committees' names refused at every entry point, the
result page of a refused import, blank optional codes as NULL, blank cells that leave stored
values alone (and the one way to clear), and one wording for a bad credit code everywhere."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from registry.choices import ApplicationKind, LegalForm
from registry.models import Division, Organisation
from registry.services.lifecycle import application_submit
from registry.services.organisations import organisation_create
from tests.conftest import PINGSHAN_COMMUNITY
from tests.excel.conftest import GROUP_HEADER, counts, messages, run, workbook
from tests.registry.factories import COMPANY_CREDIT_CODE, VALID_CREDIT_CODES, make_filed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

COMMITTEE_NAMES = ["坪山社区居委会", "坪山社区居民委员会", "金域华府业主委员会"]
REGISTERED_HEADER = [
    "统一社会信用代码",
    "法人形式",
    "备案编号",
    "社区",
    "组织名称",
    "组织类型",
    "服务领域",
]


# --- 1. committees' names are refused in the ledger, at every entry point --------------------


@pytest.mark.parametrize("name", COMMITTEE_NAMES)
def test_a_committee_is_refused_by_the_import_with_the_rules_message(staff, name):
    before = counts()
    data = workbook([GROUP_HEADER, ["坪山街道/坪山社区", name, "服务类", "文体活动", None]])
    result = run(staff, data)
    assert not result.written and counts() == before
    assert [(e.row, e.column) for e in result.errors] == [(2, "组织名称")]
    assert "committee" in messages(result) and name in messages(result)


@pytest.mark.parametrize("name", COMMITTEE_NAMES)
def test_a_committee_is_refused_by_the_service_and_so_the_form_and_api(
    staff, client_for, api_for, name
):
    with pytest.raises(ValidationError) as caught:
        organisation_create(
            acting_user=staff,
            name=name,
            community=Division.objects.get(code=PINGSHAN_COMMUNITY),
            org_type="service",
            field="culture_sports",
        )
    message = caught.value.message_dict["name"][0]
    assert "committee" in message
    response = api_for(staff).post(
        "/api/v1/organisations/",
        {
            "name": name,
            "community": PINGSHAN_COMMUNITY,
            "org_type": "service",
            "field": "culture_sports",
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["name"] == [message]
    client = client_for(staff)
    client.cookies["django_language"] = "en"
    page = client.post(
        reverse("organisation-create"),
        {
            "name": name,
            "community": PINGSHAN_COMMUNITY,
            "org_type": "service",
            "field": "culture_sports",
            "legal_person_founders": "0",
        },
    )
    assert page.status_code == 200 and "committee" in page.content.decode()
    assert not Organisation.objects.filter(name=name).exists()


# --- 2. the result page of a refused import --------------------------------------------------


def test_a_refused_imports_result_page_shows_what_would_have_changed(
    client_for, staff, settings, tmp_path
):
    settings.EXCEL_IMPORT_DIR = tmp_path / "imports"
    client = client_for(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = workbook(
        [
            GROUP_HEADER,
            ["坪山街道/坪山社区", "好小组", "服务类", "文体活动", None],
            ["坪山街道/坪山社区", "坏小组", "协会类", "文体活动", None],
        ]
    )
    file = io.BytesIO(data)
    file.name = "ledger.xlsx"
    page = b"".join(client.post(reverse("excel:import"), {"file": file}).streaming_content)
    url = re.search(r'href="(/excel/imports/[0-9a-f]{32}/)"', page.decode()).group(1)
    text = client.get(url).content.decode()
    assert "nothing was imported" in text
    assert "What would have changed" in text and "would be created" in text
    assert "What changed" not in text
    assert not Organisation.objects.filter(name="好小组").exists()


# --- 3. blank optional codes are NULL --------------------------------------------------------


def test_blank_filing_numbers_are_null_and_do_not_collide(district_officer):
    rows = [
        REGISTERED_HEADER,
        [
            VALID_CREDIT_CODES[LegalForm.SOCIAL_GROUP],
            "社会团体",
            None,
            "坪山街道/坪山社区",
            "坪山社区慈善会",
            "会员制（社团类）",
            "公益慈善",
        ],
    ]
    result = run(district_officer, workbook(rows, title="登记类社区社会组织台账"))
    assert result.written, messages(result)
    assert Organisation.objects.get(name="坪山社区慈善会").filing_number is None
    # the second blank, in a later file and in the same file
    rows = [
        REGISTERED_HEADER,
        [
            VALID_CREDIT_CODES[LegalForm.SOCIAL_SERVICE],
            "民办非企业单位",
            "",
            "坪山街道/坪山社区",
            "坪山社区长者服务中心",
            "服务类",
            "公益慈善",
        ],
        [
            VALID_CREDIT_CODES[LegalForm.FOUNDATION],
            "基金会",
            "  ",
            "坪山街道/坪山社区",
            "坪山社区基金会",
            "服务类",
            "公益慈善",
        ],
    ]
    result = run(district_officer, workbook(rows, title="登记类社区社会组织台账"))
    assert result.written and result.created == 2, messages(result)
    assert Organisation.objects.filter(filing_number__isnull=True).count() >= 3
    assert not Organisation.objects.filter(filing_number="").exists()


# --- 4. a blank cell leaves the stored value alone; （清空） clears it --------------------------


def test_a_blank_cell_keeps_the_stored_value_and_clear_clears_it(staff):
    header = GROUP_HEADER + ["活动场所"]
    first = ["坪山街道/坪山社区", "坪山社区舞蹈队", "服务类", "文体活动", "2024-03-01", "文化广场"]
    assert run(staff, workbook([header, first])).created == 1
    blank = ["坪山街道/坪山社区", "坪山社区舞蹈队", "服务类", "文体活动", None, None]
    result = run(staff, workbook([header, blank]))
    assert result.ok and result.unchanged == 1, messages(result)
    dance = Organisation.objects.get(name="坪山社区舞蹈队")
    assert (dance.venue, dance.founded_on) == ("文化广场", datetime.date(2024, 3, 1))
    cleared = ["坪山街道/坪山社区", "坪山社区舞蹈队", "服务类", "文体活动", "（清空）", "<clear>"]
    check = run(staff, workbook([header, cleared]), dry_run=True)
    assert check.updated == 1 and not check.written
    assert sorted(check.changes[0]["fields"]) == ["成立日期(cleared)", "活动场所(cleared)"]
    result = run(staff, workbook([header, cleared]))
    assert result.written and result.updated == 1
    dance.refresh_from_db()
    assert (dance.venue, dance.founded_on) == ("", None)


def test_a_key_column_cannot_be_cleared(staff):
    result = run(
        staff,
        workbook([GROUP_HEADER, ["坪山街道/坪山社区", "（清空）", "服务类", "文体活动", None]]),
    )
    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [(2, "组织名称")]
    assert "can't be cleared" in messages(result)


# --- 6. one wording for an invalid credit code ----------------------------------------------


@pytest.mark.parametrize(
    ("code", "form", "words"),
    [
        (COMPANY_CREDIT_CODE, LegalForm.SOCIAL_GROUP, "was not issued by civil affairs"),
        (VALID_CREDIT_CODES[LegalForm.FOUNDATION], LegalForm.SOCIAL_GROUP, "second character"),
        ("51440310MJL000010K", LegalForm.SOCIAL_GROUP, "wrong check character"),
    ],
)
def test_the_import_the_service_and_the_api_word_a_bad_credit_code_alike(
    staff, street_officer, district_officer, api_for, code, form, words
):
    label = {LegalForm.SOCIAL_GROUP: "社会团体"}[form]
    rows = [
        REGISTERED_HEADER,
        [code, label, None, "坪山街道/坪山社区", "坪山社区慈善会", "会员制（社团类）", "公益慈善"],
    ]
    imported = run(district_officer, workbook(rows, title="登记类社区社会组织台账"))
    [error] = imported.errors
    assert words in error.message
    filed = make_filed(staff, street_officer)
    with pytest.raises(ValidationError) as caught:
        application_submit(
            organisation=filed,
            kind=ApplicationKind.REGISTRATION,
            acting_user=street_officer,
            credit_code=code,
            legal_form=form,
        )
    assert caught.value.message_dict["credit_code"] == [error.message]
    response = api_for(street_officer).post(
        "/api/v1/applications/",
        {"organisation": filed.pk, "kind": "registration", "credit_code": code, "legal_form": form},
        format="json",
    )
    assert response.status_code == 400 and response.json()["credit_code"] == [error.message]


def test_the_migration_turns_stored_empty_codes_into_null(staff, street_officer):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("registry.migrations.0009_blank_codes_null")
    first = make_filed(staff, street_officer)
    Organisation.objects.filter(pk=first.pk).update(filing_number="", credit_code="")
    migration.blanks_to_null(apps, None)
    first.refresh_from_db()
    assert (first.filing_number, first.credit_code) == (None, None)
