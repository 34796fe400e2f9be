"""The OpenAPI schema and its docs page, authentication (session, token, 401) and the language
of answers."""

import os
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


# --- schema and docs ------------------------------------------------------------------------


@pytest.fixture
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_builds_without_warnings():
    """A warning means two components collided (an enum or a serializer named twice), and
    the loser's shape is then documented for the other's endpoints."""
    for language in ("zh-hans", "en"):
        with translation.override(language):
            call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)


def test_each_list_documents_its_own_pagination(schema):
    """The ledger pages by cursor (no count); the KPI drill-down by page number (a count).
    The schema names a paged list after its serializer, so sharing one would document one
    shape for both lists (Schemathesis found the ledger documented with a count)."""

    def page_schema(path):
        ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        return schema["components"]["schemas"][ref["schema"]["$ref"].rsplit("/", 1)[1]]

    ledger = page_schema("/api/v1/organisations/")
    drill_down = page_schema("/api/v1/kpis/{key}/organisations/")
    assert "count" not in ledger["properties"] and "count" not in ledger.get("required", [])
    assert "count" in drill_down["required"]
    # the audit log pages by its own keyset: one object with next and results, not an array
    audit_page = page_schema("/api/v1/audit-events/")
    assert set(audit_page["required"]) == {"next", "results"}


def test_schema_is_served_without_logging_in(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/organisations/" in response.json()["paths"]


REGISTRY_RESOURCES = ("divisions", "organisations", "members", "activities", "applications")


def test_every_operation_documents_its_errors(schema):
    for path, operations in schema["paths"].items():
        if not path.startswith(tuple(f"/api/v1/{name}/" for name in REGISTRY_RESOURCES)):
            continue
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch"):
                assert {"400", "403", "409"} <= codes, (method, path)


def test_actions_are_documented_with_their_bodies(schema):
    approve = schema["paths"]["/api/v1/applications/{id}/approve/"]["post"]
    body = approve["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/Decision")  # the reason, and an exit's effective date
    assert {"reason", "effective_date"} <= set(
        schema["components"]["schemas"]["Decision"]["properties"]
    )
    answer = approve["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert answer.endswith("/Application")
    create = schema["paths"]["/api/v1/organisations/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/OrganisationWrite"
    )
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/OrganisationDetail"
    )
    organisation_list = schema["paths"]["/api/v1/organisations/"]["get"]
    names = {p["name"] for p in organisation_list["parameters"]}
    assert {"cursor", "page_size", "ordering", "within", "status", "q", "is_hub"} <= names


def test_docs_page_uses_only_local_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert references, html
    for reference in references:
        # the start-up script comes from the page itself (no inline script under the CSP)
        assert reference.startswith(("/static/", "/api/docs/?script")), reference
    assert not re.search(r"https?://|//cdn|unpkg|jsdelivr", html)
    assert "<script>" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


# --- authentication -------------------------------------------------------------------------


def test_anonymous_gets_401_with_a_token_challenge(db):
    response = APIClient().get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_login_works_for_the_api(world, staff, client_for):
    response = client_for(staff).get("/api/v1/organisations/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_session_writes_need_the_csrf_token(world, staff):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.patch(
        f"/api/v1/organisations/{world.organisation.pk}/", {"venue": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_issue_token_prints_rotates_and_revokes(world, staff, capsys):
    call_command("issue_token", staff.username)
    key = capsys.readouterr().out.strip()
    stored = AuthToken.objects.get(user=staff)
    assert key not in (stored.digest, stored.token_key)  # only a digest is kept
    call_command("issue_token", staff.username)
    second = capsys.readouterr().out.strip()
    assert second != key and AuthToken.objects.filter(user=staff).count() == 2
    client = APIClient()
    for token in (key, second):
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/organisations/").status_code == 200

    call_command("issue_token", staff.username, "--rotate")
    rotated = capsys.readouterr().out.strip()
    assert rotated not in (key, second)
    assert client.get("/api/v1/organisations/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {rotated}")
    assert client.get("/api/v1/organisations/").status_code == 200

    call_command("issue_token", staff.username, "--revoke")
    assert not AuthToken.objects.filter(user=staff).exists()
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_issue_token_refuses_unknown_and_inactive_users(make_user):
    with pytest.raises(CommandError, match="no user named"):
        call_command("issue_token", "nobody")
    sleeper = make_user("community_staff", "440310001003", is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        call_command("issue_token", sleeper.username)


def test_a_deactivated_users_token_stops_working(world, staff, token_api):
    api = token_api(staff)
    staff.is_active = False
    staff.save()
    assert api.get("/api/v1/organisations/").status_code == 401


# --- language ---------------------------------------------------------------------------------


def test_answers_are_english_unless_chinese_is_asked_for(world, staff, api_for):
    api = api_for(staff)
    response = api.post("/api/v1/organisations/", {}, format="json")
    assert response.json()["name"] == ["This field is required."]
    assert response["Content-Language"] == "en"
    response = api.post("/api/v1/organisations/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["name"] == ["该字段是必填项。"]
    assert response["Content-Language"] == "zh-hans"
    response = api.get(
        f"/api/v1/organisations/{world.organisation.pk}/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    )
    assert response.json()["status_display"] == "社区活动小组"


def test_unauthenticated_message_follows_accept_language(db):
    response = APIClient().get("/api/v1/members/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.json() == {"detail": "身份认证信息未提供。"}
    response = APIClient().get("/api/v1/members/", HTTP_ACCEPT_LANGUAGE="fr-FR, de;q=0.5")
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_the_web_language_cookie_does_not_change_the_api_language(world, staff, client_for):
    client = client_for(staff)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(f"/api/v1/organisations/{world.organisation.pk}/")
    assert response.json()["status_display"] == "Activity group"
