"""Nothing public carries personal data: the public page (web and API) and every file of the
open-data extract, for every organisation of a demo dataset, checked field by field against
the personal data of the rosters (names, phones, ID numbers: ``core.masking.PERSONAL_FIELDS``
plus member names)."""

import csv
import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from core.masking import PERSONAL_FIELDS
from registry.models import Division, Member
from registry.services.divisions import divisions_load
from transparency import extract, public

pytestmark = pytest.mark.django_db

ORGS = 250
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One demo dataset for the module, rolled back at its end."""
    media = tmp_path_factory.mktemp("media")
    private = tmp_path_factory.mktemp("private")
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=FAST_HASHERS,
            DEMO_MODE=True,
            MEDIA_ROOT=media,
            PRIVATE_MEDIA_ROOT=private,
        ),
        transaction.atomic(),
    ):
        if not Division.objects.exists():
            divisions_load()
        call_command(
            "seed_demo", orgs=ORGS, seed=20, force=True, no_progress=True, stdout=StringIO()
        )
        yield media
        transaction.set_rollback(True)


def personal_values():
    """(long values: phones and ID numbers, which must not appear anywhere; member names,
    which must not be any public value)."""
    long_values, names = set(), set()
    for row in Member.objects.values("name", *PERSONAL_FIELDS):
        names.add(row["name"])
        long_values.update(row[f] for f in PERSONAL_FIELDS if row[f])
    return long_values, names


def strings_in(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif value is not None:
        yield str(value)


def assert_public(values, long_values, names, where):
    for text in values:
        assert text not in names, (where, text)
        for secret in long_values:
            assert secret not in text, (where, secret)


def test_the_dictionary_names_no_personal_field():
    for table in extract.TABLES:
        for field in table.fields:
            assert field.name not in PERSONAL_FIELDS and field.source not in PERSONAL_FIELDS
            assert "member" not in field.source and "leader" not in field.source, field
    for name in public.PUBLIC_ORGANISATION_FIELDS:
        assert name.split("__")[-1] not in {*PERSONAL_FIELDS, "venue", "business_scope"}


def test_every_public_page_of_the_demo_is_free_of_personal_data(seeded, client, api_client):
    long_values, names = personal_values()
    assert long_values and names
    organisations = list(public.public_organisations().values_list("pk", flat=True))
    assert len(organisations) > 50
    for pk in organisations:
        body = api_client.get(f"/api/v1/public/organisations/{pk}/").json()
        assert_public(strings_in(body), long_values, names, f"api {pk}")
        html = client.get(f"/public/organisations/{pk}/").content.decode()
        for secret in long_values:
            assert secret not in html, (pk, secret)
    listing = client.get("/public/credit-lists/").content.decode()
    for secret in long_values:
        assert secret not in listing


def test_every_cell_of_the_extract_is_free_of_personal_data(seeded):
    long_values, names = personal_values()
    made = extract.generate_extract()
    archive = zipfile.ZipFile(extract.extract_path(made))
    assert made.organisations == public.public_organisations().count()
    for name in archive.namelist():
        raw = archive.read(name).decode("utf-8")
        for secret in long_values:
            assert secret not in raw, (name, secret)
        if name.endswith(".csv"):
            for row in csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))):
                assert_public(row.values(), long_values, names, name)
        elif name.endswith(".json"):
            assert_public(strings_in(json.loads(raw)), long_values, names, name)
