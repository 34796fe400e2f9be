"""Issue 16: about 2 KB of ``[[[[...]]]]`` sent to a JSON write endpoint is a 400, not a 500."""

import pytest

pytestmark = pytest.mark.django_db

NESTED = "[" * 1024 + "]" * 1024


@pytest.mark.parametrize("url", ["/api/v1/members/", "/api/v1/activities/"])
def test_deeply_nested_json_is_a_clear_400(url, world, users, api_for):
    api = api_for(users["community_staff"])
    response = api.post(url, NESTED, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
