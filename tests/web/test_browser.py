"""The web interface in a real browser (Debian's chromium through Playwright), end to end.

Community staff enter a group and its roster and recommend it for filing; the street office
approves it with a reason; the organisation's timeline shows both people and the reason; an
officer of another street gets 404; the public register finds the organisation without any
personal data; and the interface switches to English. Along the way the main pages are saved
to ``docs/screenshots/`` (linked from the README), so they are refreshed whenever pages change.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from registry.choices import ApplicationKind, LegalForm, OrgField
from registry.models import Application, Organisation
from registry.services.lifecycle import application_submit
from tests.conftest import MALUAN_COMMUNITY, PINGSHAN_DISTRICT
from tests.registry.factories import VALID_CREDIT_CODES, make_filed, make_group, make_registered

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pw"  # what tests.conftest.make_user gives everyone

GROUP_NAME = "坪山社区太极拳协会"
FOUNDERS = ["李建国", "陈淑芬", "黄志强"]
MEMBERS = FOUNDERS + ["周丽华", "吴海燕", "郑国平", "孙美玲", "马晓东", "朱红梅", "胡振华"]
PHONES = [f"1380013{i:04d}" for i in range(len(MEMBERS))]
APPROVAL_REASON = "材料齐全，符合备案条件，准予备案。"

pytestmark = pytest.mark.django_db(transaction=True)


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
    """A page in a fresh browser context (its own cookies), Chinese by default."""
    contexts = []

    def make(*, viewport=DESKTOP, locale="zh-CN"):
        context = browser.new_context(viewport=viewport, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shoot(page, name: str, *, full_page=False):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def log_in(page, live_server, username: str):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


@pytest.fixture
def neighbours(staff, street_officer, district_officer, make_user):
    """Other organisations, so that ledgers, inboxes and overviews have something in them."""
    maluan_staff = make_user("community_staff", MALUAN_COMMUNITY, username="staff-maluan")
    make_group(staff, name="坪山社区合唱团", field=OrgField.CULTURE_SPORTS)
    make_filed(staff, street_officer, name="坪山社区长者关爱服务队", field=OrgField.CHARITY)
    filed = make_filed(staff, street_officer, name="坪山社区青少年读书会")
    application_submit(
        organisation=filed,
        kind=ApplicationKind.REGISTRATION,
        acting_user=street_officer,
        credit_code=VALID_CREDIT_CODES[LegalForm.SOCIAL_GROUP],
        legal_form=LegalForm.SOCIAL_GROUP,
        note="运行规范，建议登记。",
    )
    make_registered(
        staff,
        street_officer,
        district_officer,
        legal_form=LegalForm.SOCIAL_SERVICE,
        name="坪山社区邻里服务中心",
        field=OrgField.LIFE_SERVICES,
    )
    make_group(maluan_staff, name="马峦社区舞蹈队")


def test_a_group_goes_from_the_community_ledger_to_the_public_register(
    open_page,
    live_server,
    staff,
    street_officer,
    other_street_officer,
    district_officer,
    city_officer,
    make_user,
    neighbours,
):
    # --- community staff: enter the group --------------------------------------------------
    page = open_page()
    log_in(page, live_server, staff.username)
    shoot(page, "home-community-staff")
    page.click(f"main a[href='{reverse('organisation-create')}']")
    page.fill("#id_name", GROUP_NAME)
    page.select_option("#id_org_type", "association")
    page.select_option("#id_field", "culture_sports")
    page.check("input[name=service_targets][value=elderly_children]")
    page.fill("#id_venue", "坪山社区文化广场东侧")
    page.fill("#id_founded_on", "2024-04-01")
    page.fill("#id_business_scope", "组织居民晨练太极拳，开展健身交流。")
    page.fill("#id_charter_text", "本会由社区太极拳爱好者自愿组成，实行民主管理。")
    page.fill("#id_activity_rules_text", "每天早上六点半在文化广场集体练习。")
    page.click("main form button.primary")
    page.wait_for_url(re.compile(r"/organisations/\d+/$"))
    organisation = Organisation.objects.get(name=GROUP_NAME)
    organisation_url = live_server.url + reverse("organisation-detail", args=[organisation.pk])

    # --- its roster: one typo first, then ten members, three of them founders ---------------
    page.goto(live_server.url + reverse("member-create", args=[organisation.pk]))
    page.fill("#id_name", MEMBERS[0])
    page.fill("#id_phone", "138-0013")
    page.click("main form button.primary")
    error = page.locator("#field-phone .errorlist")
    assert "138-0013" in error.inner_text()  # next to the field, saying what is wrong
    assert page.input_value("#id_name") == MEMBERS[0]  # what was typed is kept
    assert not organisation.members.exists()
    shoot(page, "form-errors")
    for i, name in enumerate(MEMBERS):
        if i:
            page.fill("#id_name", name)
        page.select_option("#id_role", "leader" if i == 0 else "member")
        if name in FOUNDERS:
            page.check("#id_is_founder")
        page.fill("#id_phone", PHONES[i])
        last = i == len(MEMBERS) - 1
        with page.expect_navigation():
            page.click("main form button.primary" if last else "main form button[name=add_another]")
    page.wait_for_url(organisation_url + "#roster")
    assert organisation.members.count() == len(MEMBERS)

    # --- recommend it for filing: every condition is met ------------------------------------
    page.click(f"a[href='{reverse('application-submit', args=[organisation.pk, 'filing'])}']")
    checklist = page.locator("#live-conditions ul.checklist li")
    assert checklist.count() >= 7
    assert page.locator("#live-conditions li.unmet").count() == 0
    page.fill("#id_note", "活动规范，群众基础好，推荐备案。")
    page.click("main form button.primary")
    page.wait_for_url(re.compile(r"/applications/\d+/$"))
    application = Application.objects.get(organisation=organisation)
    assert application.status == "submitted"

    # --- the street officer approves it with a reason ----------------------------------------
    street = open_page()
    log_in(street, live_server, street_officer.username)
    review_link = street.locator(
        f"#inbox a[href='{reverse('application-detail', args=[application.pk])}']"
    )
    assert review_link.count() == 1
    shoot(street, "home-street-officer")
    review_link.click()
    street.wait_for_selector("#decide")
    assert street.locator("#conditions li.unmet").count() == 0
    shoot(street, "review", full_page=True)
    street.check("input[name=action][value=approve]")
    street.fill("#id_reason", APPROVAL_REASON)
    street.click("#decide button.primary")
    street.wait_for_selector(".badge.status-approved")
    organisation.refresh_from_db()
    assert organisation.status == "filed"
    assert organisation.filing_number

    # --- the organisation's page: the timeline names both people and the reason --------------
    street.goto(organisation_url)
    timeline = street.locator("#timeline")
    text = timeline.inner_text()
    assert staff.username in text
    assert street_officer.username in text
    assert APPROVAL_REASON in text
    assert organisation.filing_number in street.locator("#details").inner_text()
    shoot(street, "organisation")
    timeline.scroll_into_view_if_needed()
    street.locator("#timeline").screenshot(path=str(SCREENSHOTS / "organisation-timeline.png"))

    # --- another street's officer: the organisation doesn't exist for them --------------------
    other = open_page()
    log_in(other, live_server, other_street_officer.username)
    response = other.goto(organisation_url)
    assert response.status == 404
    assert GROUP_NAME not in other.content()

    # --- the ledger, the district and the city ----------------------------------------------
    page.goto(live_server.url + reverse("organisation-list"))
    assert GROUP_NAME in page.locator("table.ledger").inner_text()
    shoot(page, "ledger")
    district = open_page()
    log_in(district, live_server, district_officer.username)
    assert "坪山社区青少年读书会" in district.locator("#inbox").inner_text()
    shoot(district, "home-district-officer")
    city = open_page()
    log_in(city, live_server, city_officer.username)
    overview = city.locator("#overview").inner_text()
    assert "坪山区" in overview and "大鹏新区" in overview
    shoot(city, "home-city-officer")
    city.goto(organisation_url)
    assert PHONES[0] not in city.content()  # the city bureau sees phone numbers masked
    assert f"{PHONES[0][:3]}****{PHONES[0][-4:]}" in city.locator("#roster").inner_text()

    # --- the organisation's own leader: its roster in full ------------------------------------
    leader = make_user("organisation_leader", organisation=organisation, username="leader-taiji")
    own = open_page()
    log_in(own, live_server, leader.username)
    assert PHONES[0] in own.locator("table.roster").inner_text()
    shoot(own, "home-organisation-leader")

    # --- the public register, without logging in --------------------------------------------
    public = open_page()
    public.goto(live_server.url + reverse("public-register"))
    public.fill("#id_q", "太极")
    public.click("form[role=search] button.primary")
    rows = public.locator("table.register tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert GROUP_NAME in row and organisation.filing_number in row and "坪山街道" in row
    html = public.content()
    for personal in [*MEMBERS, *PHONES]:
        assert personal not in html
    public.select_option("#id_district", PINGSHAN_DISTRICT)  # reloads with its streets
    public.wait_for_selector("#id_street option[value='440310001']", state="attached")
    shoot(public, "public-register")

    phone = open_page(viewport=PHONE)
    phone.goto(live_server.url + reverse("public-register"))
    shoot(phone, "public-register-phone", full_page=True)

    # --- switching the language -------------------------------------------------------------
    assert public.locator("html").get_attribute("lang") == "zh-hans"
    assert "社区社会组织登记管理系统" in public.locator("header").inner_text()
    public.click("header button[value=en]")
    public.wait_for_selector("html[lang=en]")
    assert "Community social organisation registry" in public.locator("header").inner_text()
    assert "社区社会组织登记管理系统" not in public.locator("header").inner_text()
    shoot(public, "public-register-en")
    street.click("header button[value=en]")
    street.wait_for_selector("html[lang=en]")
    assert "Log out" in street.locator("header").inner_text()
    street.goto(organisation_url)
    assert "Filed" in street.locator("h1").inner_text()
    shoot(street, "organisation-en")
