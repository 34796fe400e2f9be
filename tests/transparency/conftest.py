import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tests.jobs.conftest import job_files, run_worker  # noqa: F401 (the jobs fixtures)


@pytest.fixture
def api_client():
    """An anonymous API client (the public endpoints need no login)."""
    return APIClient()


@pytest.fixture(autouse=True)
def english_by_default():
    """Service messages and labels are read in English unless a test asks for Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Extract files go to a scratch folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
