"""Ledger imports of large files, their annotated copies and large exports run as jobs."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jobs.models import Job, JobStatus
from registry.models import Organisation
from tests.excel.conftest import GROUP_HEADER, counts, english, workbook  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def everything_as_a_job(settings, tmp_path):
    settings.EXCEL_IMPORT_DIR = tmp_path / "imports"
    settings.JOB_IMPORT_BYTES = 0
    settings.JOB_EXPORT_ROWS = 0


@pytest.fixture
def client_for(client_for, settings):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def upload(client, data, name="ledger.xlsx", **fields):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("excel:import"), {"file": file, **fields})


def groups(*names):
    return workbook(
        [GROUP_HEADER] + [["坪山街道/坪山社区", name, "服务类", "文体活动", None] for name in names]
    )


def test_a_large_import_is_queued_and_its_result_page_follows(client_for, staff, run_worker):
    client = client_for(staff)
    before = counts()
    response = upload(client, groups("网上小组", "晨练队"))
    job = Job.objects.get(user=staff)
    assert response.status_code == 302 and response["Location"] == reverse(
        "jobs:detail", args=[job.pk]
    )
    assert job.status == JobStatus.QUEUED and counts() == before  # nothing in the request
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert "2 created" in job.result["summary"]
    assert set(
        Organisation.objects.filter(name__in=["网上小组", "晨练队"]).values_list("name", flat=True)
    ) == {"网上小组", "晨练队"}
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    result_url = job.result["links"][0]["url"]
    assert result_url in page
    assert "2 created" in client.get(result_url).content.decode()


def test_the_same_file_twice_and_two_clerks_importing_it_at_once(
    client_for, staff, make_user, run_worker
):
    from tests.conftest import PINGSHAN_COMMUNITY

    colleague = make_user("community_staff", PINGSHAN_COMMUNITY)
    data = groups("重复小组一", "重复小组二")
    mine = client_for(staff)
    upload(mine, data)
    again = upload(mine, data)  # a double click: the same job, said so
    assert Job.objects.filter(user=staff).count() == 1
    assert again["Location"] == reverse("jobs:detail", args=[Job.objects.get(user=staff).pk])
    upload(client_for(colleague), data)  # queued at the same time by someone else
    assert Job.objects.count() == 2
    run_worker()
    first = Job.objects.get(user=staff)
    second = Job.objects.get(user=colleague)
    assert first.status == second.status == JobStatus.SUCCEEDED
    assert "2 created" in first.result["summary"]
    assert "2 unchanged" in second.result["summary"]  # nothing twice
    assert Organisation.objects.filter(name__startswith="重复小组").count() == 2


def test_an_upload_gone_before_the_worker_came_fails_clearly(
    client_for, staff, run_worker, settings
):
    import shutil

    upload(client_for(staff), groups("消失的小组"))
    job = Job.objects.get()
    shutil.rmtree(settings.EXCEL_IMPORT_DIR / job.params["token"])
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "no longer there" in job.error
    assert not Organisation.objects.filter(name="消失的小组").exists()


def test_a_dry_run_then_the_real_import_both_as_jobs(client_for, staff, run_worker):
    client = client_for(staff)
    upload(client, groups("先检查的小组"), dry_run="on")
    run_worker()
    check = Job.objects.get()
    assert check.status == JobStatus.SUCCEEDED and "would be created" in check.result["summary"]
    assert not Organisation.objects.filter(name="先检查的小组").exists()
    commit = client.post(check.result["links"][0]["url"] + "commit/")
    real = Job.objects.exclude(pk=check.pk).get()
    assert commit["Location"] == reverse("jobs:detail", args=[real.pk])
    run_worker()
    real.refresh_from_db()
    assert real.status == JobStatus.SUCCEEDED and "1 created" in real.result["summary"]
    assert Organisation.objects.filter(name="先检查的小组").count() == 1


def test_the_annotated_copy_of_a_large_file_is_a_job(client_for, staff, run_worker):
    client = client_for(staff)
    bad = workbook([GROUP_HEADER, ["坪山街道/坪山社区", "", "服务类", "文体活动", None]])
    upload(client, bad)
    run_worker()
    imported = Job.objects.get()
    assert imported.status == JobStatus.SUCCEEDED and not imported.result["ok"]
    annotated = client.get(imported.result["links"][0]["url"] + "annotated/")
    copy_job = Job.objects.exclude(pk=imported.pk).get()
    assert annotated["Location"] == reverse("jobs:detail", args=[copy_job.pk])
    run_worker()
    copy_job.refresh_from_db()
    assert copy_job.status == JobStatus.SUCCEEDED, copy_job.error
    download = client.get(reverse("jobs:download", args=[copy_job.pk]))
    assert download.status_code == 200 and "problems" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    marked = [cell.value for cell in sheet[1]]
    assert "Problems found" in marked


def test_a_large_export_is_a_job_whose_file_only_its_user_gets(
    client_for, staff, street_officer, run_worker, world
):
    client = client_for(staff)
    response = client.get(reverse("excel:export", args=["groups"]))
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    names = {value for row in sheet.iter_rows(min_row=2, values_only=True) for value in row}
    assert world.organisation.name in names
    assert (
        client_for(street_officer).get(reverse("jobs:download", args=[job.pk])).status_code == 404
    )


def test_an_export_of_a_division_outside_the_jurisdiction_is_404_not_a_job(client_for, staff):
    from tests.conftest import MALUAN_COMMUNITY

    response = client_for(staff).get(
        reverse("excel:export", args=["groups"]) + f"?within={MALUAN_COMMUNITY}"
    )
    assert response.status_code == 404 and not Job.objects.exists()


def test_the_city_kpi_export_is_a_job_and_a_district_one_is_not(
    client_for, city_officer, street_officer, run_worker, settings
):
    settings.JOB_KPI_EXPORT_LEVELS = ["province", "city"]
    client = client_for(city_officer)
    district = client.get(reverse("reports:export", args=["440310"]))
    assert district.status_code == 200 and not Job.objects.exists()
    response = client.get(reverse("reports:export", args=["4403"]))
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    download = client.get(reverse("jobs:download", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert "kpis-4403-" in download["Content-Disposition"] and book.sheetnames
    # out of scope: 404 before any job; a bad date: the form's error, no job
    assert (
        client_for(street_officer).get(reverse("reports:export", args=["4403"])).status_code == 404
    )
    bad = client.get(reverse("reports:export", args=["4403"]) + "?as_of=not-a-date")
    assert bad.status_code == 400 and Job.objects.count() == 1
    # a future day is refused by the KPIs themselves: the job says why
    client.get(reverse("reports:export", args=["4403"]) + "?as_of=2999-01-01")
    run_worker()
    future = Job.objects.exclude(pk=job.pk).get()
    assert future.status == JobStatus.FAILED and future.error and not future.result
