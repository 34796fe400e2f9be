"""The city's KPI dashboard in a real browser (Debian's chromium through Playwright).

On a small demo dataset (``seed_demo``, whose history is dated at each organisation's real
events, so the trends move), the city officer opens the dashboards: the SVG charts are drawn,
visible and of a real size, every KPI says met or not met in words, a child row leads to that
district's dashboard, and a street officer is kept to their own street. The city dashboard is
saved to ``docs/screenshots/dashboard-city.png``.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from demo.dataset import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ORGS = 400


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
def open_page(browser):
    """A page in a fresh browser context (its own cookies), in Chinese."""
    contexts = []

    def make(*, viewport=None):
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 800}, locale="zh-CN"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def demo(divisions):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command(
            "seed_demo", orgs=ORGS, seed=3, force=True, no_progress=True, stdout=StringIO()
        )


def log_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


def visible_size(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    return box["width"], box["height"]


def test_the_city_dashboard_draws_its_charts(open_page, live_server, demo):
    page = open_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "city")
    page.goto(live_server.url + reverse("reports:home"))
    page.wait_for_url(live_server.url + reverse("reports:dashboard", args=["4403"]))

    trends = page.locator("#trends svg.chart")
    bars = page.locator("#children svg.chart")
    assert trends.count() >= 2 and bars.count() >= 2
    for charts in (trends, bars):
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart.scroll_into_view_if_needed()
            assert chart.is_visible()
            width, height = visible_size(chart)
            assert width > 200 and height > 100
            assert chart.get_attribute("role") == "img"
            assert chart.locator("title").first.text_content()
    # the hub coverage trend: a line with a point per month-end and the dashed target
    hub = page.locator("#trend-hub_coverage")
    assert hub.locator("circle.point").count() == 12
    width, height = visible_size(hub.locator("polyline.trend").first)
    assert width > 100
    assert hub.locator("line.target").count() == 1
    # met / not met in words as well as colour
    marks = page.locator("#kpis .kpi-mark.met, #kpis .kpi-mark.not-met")
    assert marks.count() >= 2
    assert all(m.strip()[0] in "✓✗" for m in marks.all_inner_texts())

    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-city.png"), full_page=True)

    # drill down: a district's row leads to its dashboard, a bar to its KPI page
    page.click("#children table a[href^='/reports/440310/']")
    page.wait_for_url(live_server.url + reverse("reports:dashboard", args=["440310"]))
    assert "坪山区" in page.locator("h1").inner_text()
    assert page.locator("#trends svg.chart").count() >= 1


def test_a_street_officer_sees_only_their_street(open_page, live_server, demo):
    page = open_page()
    log_in(page, live_server, "street-pingshan")
    page.goto(live_server.url + reverse("reports:home"))
    page.wait_for_url(live_server.url + reverse("reports:dashboard", args=["440310001"]))
    assert page.locator("#trends svg.chart").count() >= 1
    response = page.goto(live_server.url + reverse("reports:dashboard", args=["440310002"]))
    assert response.status == 404
    response = page.goto(live_server.url + reverse("reports:dashboard", args=["4403"]))
    assert response.status == 404
