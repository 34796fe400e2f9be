"""Transparency in a real browser (Debian's chromium through Playwright), at a phone and a
desktop width: a resident goes from the public register to an organisation's public page, finds
it on the credit lists and downloads the open data; an officer filters the audit log, opens an
object's history and exports the log. Pages are in Chinese first."""

from __future__ import annotations

import datetime
import os

import pytest
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from oversight.models import CreditListEntry
from registry.services.organisations import organisation_update
from tests.registry.factories import make_registered
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PASSWORD, PHONE, shoot
from transparency.extract import generate_extract

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "坪山社区义工联合会"
WIDTHS = [("desktop", DESKTOP), ("phone", PHONE)]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_at(browser):
    contexts = []

    def make(viewport):
        context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def organisation(staff, street_officer, district_officer):
    registered = make_registered(staff, street_officer, district_officer, name=NAME)
    entry = CreditListEntry(
        organisation=registered,
        kind="abnormal",
        listed_on=datetime.date(2025, 7, 1),
        reason="report_missing",
        report_year=2024,
    )
    bulk_create_with_history([entry], CreditListEntry, default_user=district_officer)
    organisation_update(
        organisation=registered, acting_user=staff, venue="坪山社区文化站", reason="场所变更"
    )
    return registered


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width, viewport", WIDTHS)
def test_a_resident_finds_an_organisation_its_standing_and_the_open_data(
    page_at, live_server, organisation, width, viewport
):
    generate_extract()
    page = page_at(viewport)
    page.goto(live_server.url + reverse("public-register") + f"?q={NAME}")
    page.get_by_role("link", name="状态与年报").first.click()
    page.wait_for_url(f"**/public/organisations/{organisation.pk}/")
    assert page.locator("h1").inner_text().startswith(NAME)
    body = page.locator("main").inner_text()
    assert "基本状况" in body and organisation.credit_code in body
    assert "已列入活动异常名录" in body
    assert fits_the_width(page), width
    shoot(page, f"transparency-public-organisation-{width}", full_page=True)

    page.goto(live_server.url + reverse("transparency:credit-lists"))
    page.fill("#id_q", "义工联")
    page.get_by_role("button", name="查询").click()
    row = page.locator("table.credit-lists tbody tr").first
    assert NAME in row.inner_text() and "2025-07-01" in row.inner_text()
    assert fits_the_width(page), width

    page.goto(live_server.url + reverse("transparency:open-data"))
    with page.expect_download() as download:
        page.get_by_role("link", name="下载最新数据包").click()
    assert download.value.suggested_filename.startswith("open-data-")
    page.get_by_role("link", name="数据字典").first.click()
    assert "credit_code" in page.locator("main").inner_text()
    assert fits_the_width(page), width


@pytest.mark.parametrize("width, viewport", WIDTHS)
def test_an_officer_filters_the_audit_log_and_opens_an_objects_history(
    page_at, live_server, organisation, district_officer, width, viewport
):
    page = page_at(viewport)
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", district_officer.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))

    page.goto(live_server.url + reverse("transparency:audit-log"))
    assert page.locator("h1").inner_text() == "操作日志"
    page.select_option("#id_kind", "registry.organisation")
    page.select_option("#id_change", "changed")
    page.get_by_role("button", name="筛选").click()
    first = page.locator("table.audit tbody tr").first
    text = first.inner_text()
    assert "坪山社区文化站" in text and "场所变更" in text
    assert fits_the_width(page), width
    shoot(page, f"transparency-audit-log-{width}", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 .xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    first.get_by_role("link", name=NAME).first.click()
    page.wait_for_url(f"**/audit/registry.organisation/{organisation.pk}/")
    assert "场所变更" in page.locator("main").inner_text()

    page.goto(live_server.url + reverse("transparency:audit-log") + "?since=2025-13-01")
    assert "YYYY-MM-DD" in page.locator(".form-errors").inner_text()
