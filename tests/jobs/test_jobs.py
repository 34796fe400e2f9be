"""Jobs: queued with their task, run by the worker, seen only by their owner; failures clear."""

import socket
import uuid

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jobs.models import Job, JobStatus
from jobs.services import WORKER_DIED, job_enqueue, job_rerun, jobs_prune, jobs_reap
from tests.jobs.sample_jobs import count_lines, groups_then_fail

pytestmark = pytest.mark.django_db


def _count_job(user, text="a\nb\nc\n", **kwargs):
    return job_enqueue(
        count_lines, user=user, title="Count", files={"input": text.encode()}, **kwargs
    )


def test_a_job_is_queued_with_its_task_and_runs_to_its_result(staff, run_worker, client_for):
    job, created = _count_job(staff)
    assert created and job.status == JobStatus.QUEUED
    queued = DBTaskResult.objects.get(id=job.task_result_id)
    assert queued.status == "READY" and queued.args_kwargs["args"] == [str(job.id)]
    client = client_for(staff)
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    assert b'http-equiv="refresh"' in page.content  # progress page refreshes itself

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.phase, job.done, job.total) == ("Counting", 3, 3)
    assert job.result["summary"] == "3 lines"
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "SUCCESSFUL"
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert b'http-equiv="refresh"' not in page.content
    assert "3 lines" in page.content.decode()
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"1: a\n2: b\n3: c\n"
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["status"] == "succeeded" and status["done"] == 3


def test_another_users_job_does_not_exist_for_them(staff, street_officer, client_for, run_worker):
    job, _created = _count_job(staff)
    run_worker()
    other = client_for(street_officer)
    for name in ("detail", "status", "download"):
        assert other.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404, name
    assert other.post(reverse("jobs:rerun", args=[job.pk])).status_code == 404
    listing = other.get(reverse("jobs:list"))
    assert listing.status_code == 200 and str(job.pk) not in listing.content.decode()
    assert str(job.pk) in client_for(staff).get(reverse("jobs:list")).content.decode()
    # not even a superuser sees someone else's job
    street_officer.is_superuser = True
    street_officer.save()
    assert other.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    for bad in ("not-a-uuid", str(uuid.uuid4())):
        assert client_for(staff).get(reverse("jobs:detail", args=[bad])).status_code == 404
    assert client_for(staff).get(reverse("jobs:list")).status_code == 200


def test_anonymous_is_sent_to_log_in(staff, client):
    job, _created = _count_job(staff)
    response = client.get(reverse("jobs:detail", args=[job.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_file_no_longer_there_fails_clearly(staff, run_worker, job_files):
    job, _created = _count_job(staff)
    (job.directory / "input").unlink()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "no longer there" in job.error
    assert not job.result


@pytest.mark.parametrize("expected", [True, False])
def test_a_failing_job_leaves_nothing_half_written(staff, run_worker, expected, client_for):
    job, _created = job_enqueue(
        groups_then_fail, user=staff, title="Groups", params={"count": 5, "expected": expected}
    )
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not Group.objects.filter(name__startswith=f"half-{job.pk}").exists()
    if expected:
        assert job.error == "The file names a community that does not exist."
    else:
        assert "failed unexpectedly" in job.error
    page = client_for(staff).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert job.error in page.replace("&#x27;", "'")
    assert reverse("jobs:rerun", args=[job.pk]) in page


def test_the_same_work_is_not_queued_twice(staff, street_officer, run_worker):
    first, created = _count_job(staff, dedupe_key="count:abc")
    again, created_again = _count_job(staff, dedupe_key="count:abc")
    assert created and not created_again and again.pk == first.pk
    # another user's identical work is theirs
    theirs, created_theirs = _count_job(street_officer, dedupe_key="count:abc")
    assert created_theirs and theirs.pk != first.pk
    run_worker()
    # once finished, the same work can be started again
    later, created_later = _count_job(staff, dedupe_key="count:abc")
    assert created_later and later.pk != first.pk


def test_a_job_whose_worker_died_is_reported_failed_and_runs_again(staff, run_worker, client_for):
    job, _created = _count_job(staff)
    # a worker on this machine claimed it, then died: its process is gone
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, worker=f"{socket.gethostname()}:999999999:1"
    )
    DBTaskResult.objects.filter(id=job.task_result_id).update(status="RUNNING")
    died = str(WORKER_DIED)  # in the job's language (English), whoever's page finds it dead
    page = client_for(staff).get(reverse("jobs:detail", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == died
    assert died in page.content.decode().replace("&#x27;", "'")
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "FAILED"
    # the worker's own later attempt (if it came back) does not run it
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED

    response = client_for(staff).post(reverse("jobs:rerun", args=[job.pk]))
    new = Job.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/jobs/{new.pk}/")
    assert new.rerun_of_id == job.pk and (new.directory / "input").is_file()
    run_worker()
    new.refresh_from_db()
    assert new.status == JobStatus.SUCCEEDED and new.result["summary"] == "3 lines"


def test_a_worker_elsewhere_is_dead_after_its_heartbeat_stops(staff, settings):
    from datetime import timedelta

    from django.utils import timezone

    job, _created = _count_job(staff)
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    recent = timezone.now() - timedelta(seconds=30)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, worker="another-host:1234:5", heartbeat_at=recent
    )
    assert jobs_reap() == 0
    Job.objects.filter(pk=job.pk).update(heartbeat_at=recent - timedelta(seconds=60))
    assert jobs_reap() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_a_running_job_is_not_rerun(staff, client_for):
    job, _created = _count_job(staff)
    response = client_for(staff).post(reverse("jobs:rerun", args=[job.pk]))
    assert response.status_code == 302
    assert Job.objects.count() == 1
    with pytest.raises(Job.DoesNotExist):
        job_rerun(job, user=type(staff).objects.create_user("x", password="x"))


def test_old_finished_jobs_are_pruned_with_their_files(staff, run_worker):
    from datetime import timedelta

    from django.utils import timezone

    old, _created = _count_job(staff)
    new, _created = _count_job(staff, text="x")
    run_worker()
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    assert old.directory.is_dir()
    assert jobs_prune() == 1
    assert not old.directory.exists() and new.directory.is_dir()
    assert list(Job.objects.all()) == [Job.objects.get(pk=new.pk)]
