"""The selection demo: a finished Pingshan-style call (certificates, case book) and one in review
with an expert login that sees only its assignments."""

from io import StringIO

import pytest
from django.core.management import call_command

from demo.selection import DISTRICT
from registry.models import User
from selection import documents
from selection.choices import CampaignStatus, StageStatus
from selection.models import Assignment, Campaign, Certificate

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_finished_call_and_one_in_review(divisions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    call_command("seed_demo", orgs=400, seed=7, force=True, no_progress=True, stdout=out)
    assert (
        "selection demo:" in out.getvalue()
        and "skipped" not in out.getvalue().split("selection demo:")[1]
    )
    # the selection demo's two calls are Pingshan's (the public vote's demo adds the city's)
    campaigns = Campaign.objects.filter(organiser_id=DISTRICT)
    finished, in_review = campaigns.order_by("year", "pk")
    assert finished.status == CampaignStatus.CLOSED
    shortlisted = finished.entries.filter(shortlisted=True).count()
    assert (
        shortlisted and Certificate.objects.filter(entry__campaign=finished).count() == shortlisted
    )
    assert all(e.final_revision_id for e in finished.entries.filter(shortlisted=True))
    assert finished.objections.get().status == "dismissed"
    chapters = documents.case_book_chapters(finished)
    assert len(chapters) == shortlisted and all(len(c["pictures"]) == 3 for c in chapters)

    assert in_review.status == CampaignStatus.ACTIVE and in_review.blind_review
    review = in_review.stages.get(kind="expert_review")
    assert review.status == StageStatus.OPEN
    expert = User.objects.get(username="expert-pingshan")
    mine = Assignment.objects.for_expert(expert)
    assert {a.stage.campaign_id for a in mine} == {finished.pk, in_review.pk}
    waiting = mine.filter(stage=review)
    assert waiting.exists() and not waiting.filter(sheets__isnull=False).exists()  # to score
    # running it again adds nothing
    call_command("seed_demo", orgs=400, seed=7, force=True, no_progress=True, stdout=StringIO())
    assert campaigns.count() == 2
