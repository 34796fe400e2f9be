"""The voters' pages: public, phone-first, accessible, Chinese first, CSRF on; a category with no
choice gets a clear message and nothing is counted."""

import re

import pytest
from django.test import Client

from tests.voting.conftest import new_phone, open_vote, otp_for, vote_campaign
from voting.models import Ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote_and_entries(district_officer):
    _campaign, stage, entries = vote_campaign(district_officer)
    return open_vote(district_officer, stage), entries


def verify(client, vote):
    phone = new_phone()
    url = f"/voting/{vote.pk}/"
    assert client.post(url, {"step": "phone", "phone": phone}).status_code == 200
    response = client.post(url, {"step": "otp", "phone": phone, "otp": otp_for(phone)})
    assert response.status_code == 302
    return url


def test_the_ballot_page_is_accessible_and_a_missing_category_is_named(vote_and_entries):
    vote, entries = vote_and_entries
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get(f"/voting/{vote.pk}/").content.decode()
    assert "获取验证码" in page and "<script" not in page
    url = verify(client, vote)
    page = client.get(url).content.decode()
    assert page.count("<fieldset") == 2 and page.count("<legend>") == 2
    for entry in entries["政府治理类"] + entries["基层治理类"]:
        label = re.search(
            rf'<label class="choice" for="entry-{entry.pk}">(.*?)</label>', page, re.S
        )
        assert label and f'id="entry-{entry.pk}"' in label.group(1)
        assert label.group(1).index("checkbox") < label.group(1).index(entry.title)
    gov = entries["政府治理类"]
    response = client.post(url, {"step": "ballot", f"category-{gov[0].category_id}": [gov[0].pk]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "本次未计票" in text and "基层治理类至少选择 1 项：尚未选择" in text
    assert Ballot.objects.count() == 0
    local = entries["基层治理类"]
    response = client.post(
        url,
        {
            "step": "ballot",
            f"category-{gov[0].category_id}": [gov[0].pk, gov[1].pk],
            f"category-{local[0].category_id}": [local[2].pk],
        },
    )
    assert response.status_code == 200 and "您的选票已计入" in response.content.decode()
    assert Ballot.objects.count() == 1


def test_csrf_is_required(vote_and_entries):
    vote, _entries = vote_and_entries
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/voting/{vote.pk}/", {"step": "phone", "phone": new_phone()})
    assert response.status_code == 403


def test_the_public_api_votes_with_a_code(vote_and_entries, district_officer):
    from rest_framework.test import APIClient

    from voting import services

    vote, entries = vote_and_entries
    _batch, codes = services.codes_issue(vote=vote, count=1, acting_user=district_officer)
    api = APIClient()
    ballot = api.get(f"/api/v1/voting/public/{vote.pk}/").json()
    assert [len(c["entries"]) for c in ballot["categories"]] == [3, 3]
    token = api.post(
        f"/api/v1/voting/public/{vote.pk}/verify/", {"code": codes[0]}, format="json"
    ).json()["token"]
    choices = {str(c["category"]): [c["entries"][0]["entry"]] for c in ballot["categories"]}
    body = {"token": token, "choices": choices}
    url = f"/api/v1/voting/public/{vote.pk}/ballot/"
    assert api.post(url, body, format="json").status_code == 201
    replay = api.post(url, body, format="json")
    assert replay.status_code == 400 and "token" in replay.json()
    again = api.post(f"/api/v1/voting/public/{vote.pk}/verify/", {"code": codes[0]}, format="json")
    assert again.status_code == 400 and "already been used" in again.json()["code"][0]
    assert Ballot.objects.count() == 1
