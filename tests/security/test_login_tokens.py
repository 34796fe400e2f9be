"""Login and token protection (issue 16): lockout after repeated failures (django-axes), hashed
and expiring API tokens (django-rest-knox), throttling of anonymous requests and of failed token
authentication, a password-change page, the idle session timeout, the Content-Security-Policy."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.sessions import RENEWED

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def production_limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.API_THROTTLE_RATES = {"anon": "10/min", "token_failure": "5/hour"}


def _login(client, page, username, password, address="10.0.0.1"):
    return client.post(
        page, {"username": username, "password": password}, REMOTE_ADDR=address, follow=False
    )


# --- lockout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_five_wrong_passwords_lock_the_user_out_even_with_the_right_one(
    page, production_limits, make_user
):
    make_user("community_staff", "440310001003", username="target", is_staff=True)
    client = Client()
    for _attempt in range(4):
        response = _login(client, page, "target", "wrong")
        assert response.status_code == 200  # the form again, with its error
    locked = _login(client, page, "target", "wrong")
    assert locked.status_code == 403
    right = _login(client, page, "target", "pw")
    assert right.status_code == 403
    page_text = right.content.decode()
    assert "登录已锁定" in page_text  # Chinese first
    assert "30" in page_text  # how long the lockout lasts
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_user_name_from_any_address(production_limits, make_user):
    make_user("community_staff", "440310001003", username="target")
    client = Client()
    for number in range(5):
        _login(client, "/accounts/login/", "target", "wrong", address=f"10.0.1.{number}")
    assert _login(client, "/accounts/login/", "target", "pw", address="10.9.9.9").status_code == 403


def test_lockout_is_per_address_for_any_user_name(production_limits, make_user):
    make_user("community_staff", "440310001003", username="bystander")
    client = Client()
    for number in range(5):
        _login(client, "/accounts/login/", f"guess{number}", "wrong", address="10.0.2.1")
    # another user's right password from the guessing address is locked out too
    assert (
        _login(client, "/accounts/login/", "bystander", "pw", address="10.0.2.1").status_code == 403
    )
    # from elsewhere it logs in
    assert (
        _login(client, "/accounts/login/", "bystander", "pw", address="10.0.2.2").status_code == 302
    )


def test_unlock_command_lets_the_user_in_again(production_limits, make_user):
    make_user("community_staff", "440310001003", username="target")
    client = Client()
    for number in range(5):
        _login(client, "/accounts/login/", "target", "wrong", address=f"10.0.3.{number}")
    assert AccessAttempt.objects.filter(username="target").exists()
    call_command("axes_reset_username", "target")
    assert _login(client, "/accounts/login/", "target", "pw", address="10.0.3.9").status_code == 302


def test_the_admin_lists_failed_attempts(production_limits, make_user, client_for):
    root = make_user(username="root", is_superuser=True, is_staff=True)
    _login(Client(), "/accounts/login/", "target", "wrong")
    response = client_for(root).get("/admin/axes/accessattempt/")
    assert response.status_code == 200
    assert "target" in response.content.decode()


# --- tokens -----------------------------------------------------------------------------------


def test_tokens_are_stored_as_digests_and_expire(world, staff, capsys, settings):
    call_command("issue_token", staff.username)
    token = capsys.readouterr().out.strip()
    stored = AuthToken.objects.get(user=staff)
    assert token not in stored.digest and len(stored.digest) == 128
    assert stored.expiry - timezone.now() > datetime.timedelta(days=89)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/organisations/").status_code == 200
    AuthToken.objects.filter(pk=stored.pk).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert api.get("/api/v1/organisations/").status_code == 401


def test_failed_token_guesses_are_throttled_per_address(world, staff, production_limits):
    _instance, token = AuthToken.objects.create(user=staff)
    guesser = APIClient(REMOTE_ADDR="10.1.0.1")
    for number in range(5):
        guesser.credentials(HTTP_AUTHORIZATION=f"Token {number:064x}")
        assert guesser.get("/api/v1/organisations/").status_code == 401
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {6:064x}")
    response = guesser.get("/api/v1/organisations/")
    assert response.status_code == 429
    assert "Retry-After" in response
    # even the right token, from the guessing address, until the window has passed
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert guesser.get("/api/v1/organisations/").status_code == 429
    other = APIClient(REMOTE_ADDR="10.1.0.2")
    other.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert other.get("/api/v1/organisations/").status_code == 200


def test_anonymous_requests_to_public_endpoints_are_throttled(db, production_limits):
    client = APIClient(REMOTE_ADDR="10.2.0.1")
    statuses = [client.get("/api/v1/open-data/dictionary/").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    elsewhere = APIClient(REMOTE_ADDR="10.2.0.9")
    assert elsewhere.get("/api/v1/open-data/dictionary/").status_code == 200


def test_signed_in_users_are_not_throttled_as_anonymous(world, staff, production_limits):
    client = APIClient(REMOTE_ADDR="10.2.0.2")
    client.force_authenticate(staff)
    assert all(client.get("/api/v1/organisations/").status_code == 200 for _ in range(12))


# --- password change and sessions -------------------------------------------------------------


def test_every_user_can_change_their_password(make_user, client_for):
    user = make_user("community_staff", "440310001003", username="changer")
    client = client_for(user)
    home = client.get("/")
    assert 'href="/accounts/password/"' in home.content.decode()  # in the user menu
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert "修改密码" in page.content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "pw",
            "new_password1": "Qz8!long-enough",
            "new_password2": "Qz8!long-enough",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password("Qz8!long-enough")
    assert client.get("/accounts/password/done/").status_code == 200  # still signed in


def test_password_change_needs_a_login(db):
    response = Client().get("/accounts/password/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sessions_end_after_30_idle_minutes(make_user, client_for, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    user = make_user("community_staff", "440310001003", username="idle")
    client = client_for(user)
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    # each request renews the 30 minutes
    remaining = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/organisations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Content-Security-Policy ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/register/", "/open-data/", "/accounts/login/", "/admin/login/", "/api/docs/"]
)
def test_every_page_carries_the_content_security_policy(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html


def test_a_session_in_use_is_written_once_a_minute_not_on_every_page(
    make_user, client_for, settings
):
    """core.sessions: the idle timeout is renewed when the last renewal is a minute old; the
    pages in between write nothing."""
    assert settings.SESSION_RENEW_SECONDS == 60
    user = make_user("community_staff", "440310001003", username="busy")
    client = client_for(user)
    assert client.get("/organisations/").status_code == 200  # the first page renews it
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/organisations/").status_code == 200
    assert not [q for q in queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
    assert Session.objects.get(session_key=key).expire_date == first
    # a minute on: the next page renews the 30 minutes
    store = client.session
    store[RENEWED] = int(timezone.now().timestamp()) - 61
    store.save()
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert client.get("/organisations/").status_code == 200
    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)
    # a stamp from the future (a clock put back) renews too, rather than never
    store = client.session
    store[RENEWED] = int(timezone.now().timestamp()) + 3600
    store.save()
    assert client.get("/organisations/").status_code == 200
    assert 0 <= int(timezone.now().timestamp()) - client.session[RENEWED] < 5
    # an anonymous visitor gets no session row
    before = Session.objects.count()
    assert Client().get("/register/").status_code == 200
    assert Session.objects.count() == before
