"""Production-safe settings: nothing set is safe; the documented variables pass check --deploy."""

import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.deploy.helpers import PRODUCTION, ROOT, clean_environment, run_python, settings_in


def test_nothing_set_refuses_to_start_without_a_secret_key(tmp_path):
    env = clean_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    done = run_python("import django; django.setup()", env)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr


def test_defaults_are_production_safe(tmp_path):
    env = clean_environment(
        SECRET_KEY=PRODUCTION["SECRET_KEY"], DATABASE_URL=f"sqlite:///{tmp_path / 'db'}"
    )
    found = settings_in(
        env,
        "DEBUG",
        "DEMO_MODE",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "STORAGES",
    )
    assert found["DEBUG"] is False
    assert found["DEMO_MODE"] is False
    assert "*" not in found["ALLOWED_HOSTS"]
    assert set(found["ALLOWED_HOSTS"]) <= {"localhost", "127.0.0.1", "[::1]"}
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SESSION_COOKIE_SECURE"] is True and found["CSRF_COOKIE_SECURE"] is True
    assert found["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert "CompressedManifest" in found["STORAGES"]["staticfiles"]["BACKEND"]


def test_demo_mode_alone_runs_without_a_secret_key(tmp_path):
    env = clean_environment(DEMO_MODE="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db'}")
    found = settings_in(env, "DEBUG", "DEMO_MODE")
    assert found == {"DEBUG": False, "DEMO_MODE": True}


def test_a_malformed_number_is_named(tmp_path):
    env = clean_environment(SECRET_KEY=PRODUCTION["SECRET_KEY"], SQLITE_BUSY_TIMEOUT="a minute")
    done = run_python("import django; django.setup()", env)
    assert done.returncode != 0
    assert "SQLITE_BUSY_TIMEOUT must be a whole number" in done.stderr


def _check_deploy(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_check_deploy_is_clean_with_the_documented_variables(tmp_path, database):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    if database == "postgres":
        url = "postgres://registry:registry@127.0.0.1:5432/registry_unused"
    done = _check_deploy(clean_environment(**PRODUCTION, DATABASE_URL=url))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_flags_what_the_documentation_warns_about(tmp_path):
    """The test above would pass on a settings file that check --deploy can't see into: here
    HSTS and the HTTPS redirect turned off are reported."""
    env = clean_environment(
        **PRODUCTION,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SECURE_HSTS_SECONDS="0",
        SECURE_SSL_REDIRECT="false",
    )
    done = _check_deploy(env)
    assert done.returncode != 0
    assert "security.W004" in done.stderr + done.stdout
    assert "security.W008" in done.stderr + done.stdout


@pytest.mark.django_db
def test_demo_banner_on_every_page_in_demo_mode(settings, divisions):
    settings.DEMO_MODE = True
    client = Client()
    for url in (reverse("login"), reverse("public-register"), reverse("admin:login")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'id="demo-banner"' in response.content, url
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert b'id="demo-banner"' in missing.content


@pytest.mark.django_db
def test_no_banner_outside_demo_mode(settings, divisions):
    settings.DEMO_MODE = False
    response = Client().get(reverse("public-register"))
    assert response.status_code == 200
    assert b"demo-banner" not in response.content


def test_health_answers_without_the_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = Client().get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]
    assert Client().post("/health/").status_code == 405
