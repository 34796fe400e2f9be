"""Jobs the tests run (importable, as a worker imports a job's task by its path)."""

import time
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction

from jobs.services import JobFailed, input_path, job_task, write_result_file


@job_task
def count_lines(job, progress):
    """Counts the lines of its input file and writes them back numbered."""
    lines = input_path(job).read_text(encoding="utf-8").splitlines()
    numbered = []
    for number, line in enumerate(lines, start=1):
        numbered.append(f"{number}: {line}\n")
        progress("Counting", number, len(lines))
    name = write_result_file(job, "numbered.txt", numbered)
    return {"summary": f"{len(lines)} lines", "file": name}


@job_task
def groups_then_fail(job, progress):
    """Writes groups in one transaction, then fails: nothing may stay."""
    with transaction.atomic():
        for n in range(job.params["count"]):
            Group.objects.create(name=f"half-{job.pk}-{n}")
        if job.params.get("expected"):
            raise JobFailed("The file names a community that does not exist.")
        raise RuntimeError("boom")


@job_task
def groups_slowly(job, progress):
    """Writes groups in one transaction and waits before committing (the kill test stops its
    worker there) until a file ``<marker>.go`` exists."""
    with transaction.atomic():
        for n in range(job.params["count"]):
            Group.objects.create(name=f"slow-{n}")
        progress("Writing", job.params["count"], job.params["count"])
        marker = Path(job.params["marker"])
        marker.write_text("writing")
        deadline = time.monotonic() + 60
        while not marker.with_suffix(".go").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    return {"summary": f"{job.params['count']} groups"}
