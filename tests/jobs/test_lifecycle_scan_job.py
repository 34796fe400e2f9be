"""The lifecycle scan started from the web runs as a job and shows the scan's own summary."""

import pytest
from django.urls import reverse

from jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def test_an_administrator_queues_the_scan_and_sees_its_result(
    make_user, client_for, run_worker, world
):
    admin = make_user(username="root", is_superuser=True, is_staff=True)
    client = client_for(admin)
    assert client.get(reverse("oversight:scan")).status_code == 200
    response = client.post(reverse("oversight:scan"))
    job = Job.objects.get(user=admin)
    assert response.status_code == 302 and response["Location"] == reverse(
        "jobs:detail", args=[job.pk]
    )
    # a second click while it waits shows the same job
    again = client.post(reverse("oversight:scan"))
    assert again["Location"] == response["Location"] and Job.objects.count() == 1

    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["summary"].startswith("Scan for") or "扫描" in job.result["summary"]
    assert job.total and job.done == job.total  # the last step's windows, all done
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert job.result["summary"] in page

    # run again the same day: the scan is idempotent and says so
    client.post(reverse("oversight:scan"))
    run_worker()
    second = Job.objects.exclude(pk=job.pk).get()
    assert second.status == JobStatus.SUCCEEDED
    counts = [line.rsplit(": ", 1)[1] for line in second.result["lines"] if ": " in line]
    assert all(count == "0" for count in counts if count.isdigit())


def test_only_administrators_may_start_it(street_officer, city_officer, client_for, client):
    for user in (street_officer, city_officer):
        assert client_for(user).get(reverse("oversight:scan")).status_code == 403
        assert client_for(user).post(reverse("oversight:scan")).status_code == 403
    assert client.post(reverse("oversight:scan")).status_code == 302  # to log in
    assert not Job.objects.exists()
