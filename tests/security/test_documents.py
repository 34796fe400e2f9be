"""Issue 16, uploads: charter and activity-rules files are PDF, Word or images by content (an
HTML page named .pdf is refused), at most DOCUMENT_MAX_BYTES, sealed in a private storage that
no media URL serves, and downloaded only through a scoped view as an attachment (404 outside
the jurisdiction)."""

import io
import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from core.documents import DOC, DOCX, JPEG, PDF, PNG, seal_into_private, sniff_document
from core.encryption import development_key
from registry.models import Organisation
from registry.services.organisations import organisation_update
from tests.access import PageAccess

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


@pytest.fixture(autouse=True)
def storages(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings


def test_documents_are_told_by_content_not_by_name():
    assert sniff_document(PDF_BYTES) is PDF
    assert sniff_document(_docx()) is DOCX
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    assert sniff_document(ole + "WordDocument".encode("utf-16-le")) is DOC
    assert sniff_document(ole) is None  # an old Excel workbook, not a Word document
    assert sniff_document(b"\xff\xd8\xff\xe0" + b"\0" * 20) is JPEG
    assert sniff_document(b"\x89PNG\r\n\x1a\n" + b"\0" * 20) is PNG
    for other in (HTML, _xlsx(), b"MZ\x90\x00", b"PK\x03\x04broken", b""):
        assert sniff_document(other) is None


def _upload(organisation, staff, name, data, field="charter_file"):
    return organisation_update(
        organisation=organisation,
        acting_user=staff,
        reason="章程",
        **{field: SimpleUploadedFile(name, data)},
    )


@pytest.mark.django_db
def test_html_named_pdf_is_refused_and_nothing_is_stored(world, staff, storages):
    with pytest.raises(ValidationError) as refused:
        _upload(world.organisation, staff, "章程.pdf", HTML)
    assert "charter_file" in refused.value.message_dict
    assert "not a PDF, a Word document" in refused.value.message_dict["charter_file"][0]
    with pytest.raises(ValidationError):
        _upload(world.organisation, staff, "规则.pdf", HTML, field="activity_rules_file")
    world.organisation.refresh_from_db()
    assert not world.organisation.charter_file
    assert not any(Path(storages.PRIVATE_MEDIA_ROOT).rglob("*.*"))


@pytest.mark.django_db
@override_settings(DOCUMENT_MAX_BYTES=1024)
def test_a_document_larger_than_the_setting_is_refused(world, staff):
    with pytest.raises(ValidationError, match="larger than 0.000976562 MB"):
        _upload(world.organisation, staff, "章程.pdf", PDF_BYTES + b"0" * 2048)
    _upload(world.organisation, staff, "章程.pdf", PDF_BYTES)  # within it


@pytest.mark.django_db
def test_documents_are_sealed_outside_the_media_root(world, staff, storages, client_for):
    organisation = _upload(world.organisation, staff, "章程.pdf", PDF_BYTES)
    stored = Path(storages.PRIVATE_MEDIA_ROOT) / organisation.charter_file.name
    assert stored.exists()
    assert not stored.read_bytes().startswith(b"%PDF")  # encrypted at rest
    assert PDF_BYTES not in stored.read_bytes()
    assert not Path(storages.MEDIA_ROOT).exists() or not any(Path(storages.MEDIA_ROOT).rglob("*.*"))
    assert organisation.charter_file.url == ""  # no media URL serves it
    page = client_for(staff).get(reverse("organisation-detail", args=[organisation.pk]))
    document = reverse("organisation-document", args=[organisation.pk, "charter"])
    assert f'href="{document}"' in page.content.decode()
    assert "/media/" not in page.content.decode()
    form = client_for(staff).get(reverse("organisation-update", args=[organisation.pk]))
    assert form.status_code == 200
    assert f'href="{document}"' in form.content.decode()


@pytest.mark.django_db
def test_the_download_is_an_attachment_of_its_sniffed_type(world, staff, client_for, api_for):
    organisation = _upload(world.organisation, staff, "page.html", PDF_BYTES)
    response = client_for(staff).get(
        reverse("organisation-document", args=[organisation.pk, "charter"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES
    missing = reverse("organisation-document", args=[organisation.pk, "activity-rules"])
    assert client_for(staff).get(missing).status_code == 404
    other = reverse("organisation-document", args=[organisation.pk, "passwd"])
    assert client_for(staff).get(other).status_code == 404
    detail = api_for(staff).get(f"/api/v1/organisations/{organisation.pk}/").json()
    assert detail["charter_file"].endswith(
        reverse("organisation-document", args=[organisation.pk, "charter"])
    )
    assert detail["activity_rules_file"] is None


@pytest.mark.django_db
def test_files_already_in_the_media_root_are_moved_and_sealed(storages):
    public = Path(storages.MEDIA_ROOT) / "charters" / "2024"
    public.mkdir(parents=True)
    (public / "章程.pdf").write_bytes(PDF_BYTES)
    assert seal_into_private("charters/2024/章程.pdf")
    assert not (public / "章程.pdf").exists()
    sealed = Path(storages.PRIVATE_MEDIA_ROOT) / "charters" / "2024" / "章程.pdf"
    assert sealed.exists() and PDF_BYTES not in sealed.read_bytes()
    field = Organisation._meta.get_field("charter_file")
    with field.storage.open("charters/2024/章程.pdf") as handle:
        assert handle.read() == PDF_BYTES
    assert not seal_into_private("charters/2024/章程.pdf")  # once


class TestOrganisationDocumentDownload(PageAccess):
    """The charter download: every inside role gets it, every outside role 404."""

    model = Organisation

    def setup_world(self, world, users):
        world.organisation = _upload(
            world.organisation, users["community_staff"], "章程.pdf", PDF_BYTES
        )

    def pages(self, world):
        return [reverse("organisation-document", args=[world.organisation.pk, "charter"])]


@pytest.mark.django_db
def test_seal_documents_moves_what_is_left_in_the_media_root(world, storages):
    name = "activity-rules/2024/规则.pdf"
    public = Path(storages.MEDIA_ROOT) / name
    public.parent.mkdir(parents=True)
    public.write_bytes(PDF_BYTES)
    Organisation.objects.filter(pk=world.organisation.pk).update(activity_rules_file=name)
    out = io.StringIO()
    call_command("seal_documents", stdout=out)
    assert "1 documents moved" in out.getvalue()
    assert not public.exists()
    world.organisation.refresh_from_db()
    with world.organisation.activity_rules_file.open() as handle:
        assert handle.read() == PDF_BYTES


@pytest.mark.django_db
def test_key_rotation_reseals_the_documents(world, staff, storages, settings):
    organisation = _upload(world.organisation, staff, "章程.pdf", PDF_BYTES)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, development_key()]
    call_command("rotate_encryption_key", "--no-progress", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key dropped: the file still opens
    with organisation.charter_file.storage.open(organisation.charter_file.name) as handle:
        assert handle.read() == PDF_BYTES
