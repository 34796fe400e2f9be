"""Uploaded documents (an organisation's charter, its activity rules): what is accepted, where
they are kept and how they are handed out (docs/security.md, "Uploads").

- Accepted by **content**, not by name: PDF, Word (.doc, .docx) and images (JPEG, PNG, GIF,
  WebP), recognised by their first bytes (a .docx by its ``word/document.xml`` part), at most
  ``DOCUMENT_MAX_BYTES``. An HTML page called ``章程.pdf`` is refused.
- Kept **sealed** (``core.encryption``, the key of the ID numbers) under
  ``PRIVATE_MEDIA_ROOT``, which no URL serves: ``PrivateDocumentStorage.url`` refuses.
- Handed out only by a view that scopes the record first, as an attachment with the sniffed
  content type and ``X-Content-Type-Options: nosniff`` (``document_response``).
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.forms import ClearableFileInput
from django.http import FileResponse
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from core.encryption import InvalidToken, decrypt_bytes, encrypt_bytes, fernet


@dataclass(frozen=True)
class DocumentKind:
    label: str
    content_type: str
    extension: str


PDF = DocumentKind("PDF", "application/pdf", ".pdf")
DOC = DocumentKind("Word (.doc)", "application/msword", ".doc")
DOCX = DocumentKind(
    "Word (.docx)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
)
JPEG = DocumentKind("JPEG", "image/jpeg", ".jpg")
PNG = DocumentKind("PNG", "image/png", ".png")
GIF = DocumentKind("GIF", "image/gif", ".gif")
WEBP = DocumentKind("WebP", "image/webp", ".webp")

#: the file picker's ``accept``: what the browser offers (the server checks the content)
DOCUMENT_ACCEPT = ".pdf,.doc,.docx,.jpg,.jpeg,.png,.gif,.webp"

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def sniff_document(data: bytes) -> DocumentKind | None:
    """The kind of document ``data`` is by its content, or None if it is none we accept."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(_OLE):
        # an OLE file is a Word document when it holds a WordDocument stream (not Excel's)
        return DOC if _WORD_STREAM in data else None
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()  # the directory only
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        return DOCX if "word/document.xml" in names else None
    return None


def _read(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return data


def validate_document(upload) -> None:
    """A model-field validator: the file is at most ``DOCUMENT_MAX_BYTES`` and a PDF, Word
    document or image by its content; else ``ValidationError`` saying which."""
    if not upload:
        return
    # a file already stored (an unchanged field on a later save) was checked when uploaded
    if getattr(upload, "_committed", False):
        return
    limit = settings.DOCUMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("The file is larger than %(size)s MB."),
            code="too_large",
            params={"size": f"{limit / (1024 * 1024):g}"},
        )
    if sniff_document(_read(upload)) is None:
        raise ValidationError(
            _(
                "This file is not a PDF, a Word document (.doc, .docx) or an image (JPG, PNG, "
                "GIF, WebP); its content decides, not its name."
            ),
            code="file_type",
        )


@deconstructible
class PrivateDocumentStorage(FileSystemStorage):
    """Files sealed with ``core.encryption`` under ``PRIVATE_MEDIA_ROOT``; no URL serves them."""

    def __init__(self, location=None, **kwargs):
        super().__init__(location=location, base_url=None, **kwargs)

    # read at each use (not cached), so a changed PRIVATE_MEDIA_ROOT (tests) takes effect
    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        # No URL serves these files (a scoped view hands them out); "" rather than an error,
        # so that widgets and the admin asking for one draw an empty link, not a server error.
        return ""

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        return super()._save(name, ContentFile(encrypt_bytes(content.read())))

    def _open(self, name, mode="rb"):
        with super()._open(name, "rb") as handle:
            return ContentFile(decrypt_bytes(handle.read()), name=name)

    def size(self, name):
        with self._open(name) as handle:
            return handle.size


class DocumentInput(ClearableFileInput):
    """The file input of a private document: "currently" links to its scoped download view
    (``download_url``), never to a media URL."""

    download_url = ""

    def is_initial(self, value):
        return bool(value and getattr(value, "name", None))

    def format_value(self, value):
        if self.is_initial(value):
            return _StoredDocument(value.name, self.download_url)
        return None


class _StoredDocument(str):
    def __new__(cls, name: str, url: str):
        stored = super().__new__(cls, name.rpartition("/")[2])
        stored.url = url
        return stored


def private_documents() -> PrivateDocumentStorage:
    """The storage of charters and activity rules, and of selection's entry pictures and
    attachments (a callable: migrations name it, not a path)."""
    return PrivateDocumentStorage()


def seal_into_private(name: str, *, public=None, private=None) -> bool:
    """Move one stored file from the public media storage into the private one, sealed, under
    the same name (the records keep pointing at it). True if it was moved; False if it is not
    there or already private."""
    public = public or FileSystemStorage(location=settings.MEDIA_ROOT)
    private = private or private_documents()
    if not name or not public.exists(name) or private.exists(name):
        return False
    with public.open(name, "rb") as handle:
        data = handle.read()
    path = private.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(encrypt_bytes(data))
    public.delete(name)
    return True


def reseal_private_documents(private=None) -> tuple[int, list[str]]:
    """Seal every private document again with the newest key of FIELD_ENCRYPTION_KEYS (key
    rotation, ``rotate_encryption_key``); each file is replaced whole. Returns how many were
    sealed, and the names of those no listed key opens: they are left as they are (a rotation
    does not stop half-way for them) for the operator to look into."""
    private = private or private_documents()
    root = private.location
    count, unopened = 0, []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                try:
                    sealed = fernet().rotate(handle.read())
                except InvalidToken:
                    unopened.append(os.path.relpath(path, root))
                    continue
            with open(path + ".rotating", "wb") as handle:
                handle.write(sealed)
            os.replace(path + ".rotating", path)
            count += 1
    return count, sorted(unopened)


def document_response(field_file, download_name: str) -> FileResponse:
    """A stored document as a download: attachment, its sniffed content type, nosniff."""
    with field_file.storage.open(field_file.name) as handle:
        data = handle.read()
    kind = sniff_document(data)
    content_type = kind.content_type if kind else "application/octet-stream"
    extension = kind.extension if kind else ""
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"{download_name}{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
