"""Today's open-data extract started from the web by an administrator, as a job."""

import pytest
from django.urls import reverse

from jobs.models import Job, JobStatus
from tests.registry.factories import make_filed
from transparency.models import OpenDataExtract

pytestmark = pytest.mark.django_db

URL = reverse("transparency:extract-generate")


def test_an_administrator_writes_todays_extract_as_a_job(
    make_user,
    client_for,
    run_worker,
    staff,
    street_officer,
):
    make_filed(staff, street_officer)
    admin = make_user(username="root", is_superuser=True, is_staff=True)
    client = client_for(admin)
    assert "extract-generate" not in client_for(street_officer).get("/open-data/").content.decode()
    assert URL in client.get("/open-data/").content.decode()
    response = client.post(URL)
    job = Job.objects.get(user=admin)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert client.post(URL)["Location"] == response["Location"]  # queued once
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.done == job.total == 1
    extract = OpenDataExtract.objects.get()
    assert extract.organisations == 1 and str(extract.extract_date) in job.result["summary"]


def test_only_administrators_may_start_it(street_officer, city_officer, client_for, client):
    for user in (street_officer, city_officer):
        assert client_for(user).post(URL).status_code == 403
    assert client.post(URL).status_code == 302  # to log in
    assert not Job.objects.exists()
