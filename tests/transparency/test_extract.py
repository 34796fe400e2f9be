"""The daily open-data extract: what the zip holds, that CSV, JSON and the dictionary agree,
the history of past extracts, downloads without login, and unknown dates."""

import csv
import datetime
import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from simple_history.utils import bulk_create_with_history

from oversight.models import CreditListEntry
from tests.registry.factories import make_filed, make_registered
from transparency import extract
from transparency.models import ExtractStatus, OpenDataExtract

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def ledger(staff, street_officer, district_officer):
    filed = make_filed(staff, street_officer, name="坪山社区读书会")
    registered = make_registered(staff, street_officer, district_officer, name="坪山社区义工联")
    entry = CreditListEntry(
        organisation=registered,
        kind="abnormal",
        listed_on=D(2024, 7, 1),
        reason="report_missing",
        report_year=2023,
        removed_on=D(2024, 9, 15),
        removal_reason="report_accepted",
    )
    bulk_create_with_history([entry], CreditListEntry, default_user=district_officer)
    return filed, registered


def read_zip(extract_record):
    archive = zipfile.ZipFile(extract.extract_path(extract_record))
    tables = {}
    for table in extract.TABLES:
        csv_name, json_name = table.files
        text = archive.read(csv_name).decode("utf-8")
        assert text.startswith("\ufeff")
        tables[table.name] = (
            list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")))),
            json.loads(archive.read(json_name)),
        )
    return archive, tables


def test_the_zip_holds_every_file_and_they_agree(ledger):
    filed, registered = ledger
    made = extract.generate_extract(D(2024, 8, 1))
    assert made.status == ExtractStatus.DONE and made.size_bytes > 0 and len(made.sha256) == 64
    archive, tables = read_zip(made)
    assert sorted(archive.namelist()) == sorted(extract.FILES)
    for table in extract.TABLES:
        rows, objects = tables[table.name]
        names = [f.name for f in table.fields]
        assert list(rows[0]) == names and list(objects[0]) == names
        assert len(rows) == len(objects)
    orgs, org_objects = tables["organisations"]
    assert {r["name"] for r in orgs} == {filed.name, registered.name}
    assert made.organisations == 2 and made.credit_list_entries == 1
    by_id = {o["id"]: o for o in org_objects}
    assert by_id[registered.pk]["on_abnormal_list"] is True  # listed on 2024-08-01
    assert by_id[filed.pk]["filing_number"] == filed.filing_number
    assert by_id[filed.pk]["page"] == f"/public/organisations/{filed.pk}/"
    [entry] = tables["credit_list_entries"][1]
    assert entry["listed_on"] == "2024-07-01" and entry["removed_on"] is None  # not yet removed
    dictionary = json.loads(archive.read("data_dictionary.json"))
    assert [t["name"] for t in dictionary["tables"]] == ["organisations", "credit_list_entries"]
    assert json.loads(archive.read("metadata.json"))["rows"] == {
        "organisations": 2,
        "credit_list_entries": 1,
    }


def test_a_later_day_shows_the_removal(ledger):
    made = extract.generate_extract(D(2024, 10, 1))
    _archive, tables = read_zip(made)
    [entry] = tables["credit_list_entries"][1]
    assert entry["removed_on"] == "2024-09-15" and entry["removal_reason"] == "report_accepted"
    registered = ledger[1]
    org = next(o for o in tables["organisations"][1] if o["id"] == registered.pk)
    assert org["on_abnormal_list"] is False


def test_a_day_is_made_once_unless_forced(ledger):
    first = extract.generate_extract(D(2024, 8, 1))
    again = extract.generate_extract(D(2024, 8, 1))
    assert again.finished_at == first.finished_at
    forced = extract.generate_extract(D(2024, 8, 1), force=True)
    assert forced.finished_at > first.finished_at
    assert OpenDataExtract.objects.count() == 1


def test_the_command_writes_it_and_refuses_a_bad_date(ledger):
    out = StringIO()
    call_command("open_data_extract", date="2024-08-02", no_progress=True, stdout=out)
    assert "2 organisations" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("open_data_extract", date="02/08/2024", no_progress=True)


def test_downloads_and_history_need_no_login(client, api_client, ledger):
    extract.generate_extract(D(2024, 8, 1))
    extract.generate_extract(D(2024, 8, 2))
    page = client.get("/open-data/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2024-08-02" in html and "2024-08-01" in html
    for day in ("2024-08-01", "latest"):
        response = client.get(f"/open-data/{day}/download/")
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    listing = api_client.get("/api/v1/open-data/extracts/").json()
    assert [e["extract_date"] for e in listing["results"]] == ["2024-08-02", "2024-08-01"]
    assert listing["results"][0]["download"].endswith("/open-data/2024-08-02/download/")
    detail = api_client.get("/api/v1/open-data/extracts/latest/")
    assert detail.status_code == 200 and detail.json()["extract_date"] == "2024-08-02"
    assert client.get("/open-data/dictionary/").status_code == 200
    dictionary = api_client.get("/api/v1/open-data/dictionary/").json()
    assert {f["name"] for f in dictionary[0]["fields"]} >= {"id", "name", "credit_code"}


@pytest.mark.parametrize("day", ["2023-01-01", "2024-02-30", "yesterday", "2024-8-1x"])
def test_an_extract_date_that_does_not_exist_is_404(client, api_client, ledger, day):
    extract.generate_extract(D(2024, 8, 1))
    response = client.get(f"/open-data/{day}/download/")
    assert response.status_code == 404
    response = api_client.get(f"/api/v1/open-data/extracts/{day}/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_no_extract_yet(client, api_client):
    assert client.get("/open-data/latest/download/").status_code == 404
    assert client.get("/open-data/").status_code == 200
    assert api_client.get("/api/v1/open-data/extracts/latest/").status_code == 404
