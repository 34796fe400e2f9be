"""The printed outputs of a campaign: a certificate (PDF) for every awarded entry, and the case
book (PDF: cover, table of contents with page numbers, one chapter per case in the final
results with its pictures, Chinese fonts embedded).

Made with WeasyPrint on Debian's Pango and a CJK font (``fonts-wqy-microhei`` or Noto CJK;
``.ci/system-deps``). Nothing is fetched from the network: the only URLs a document may load are
the entries' own pictures, read (decrypted) from their private storage.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from selection.choices import AwardKind
from selection.models import (
    Campaign,
    Certificate,
    Entry,
    EntryPicture,
    EntryResult,
    EntryRevision,
)
from selection.selectors import final_run

#: the scheme of picture URLs inside a document (resolved by :func:`_fetch` from storage)
PICTURE_SCHEME = "picture:"


class DocumentError(Exception):
    """A document cannot be made yet (no final results, say)."""


def _fetcher():
    """WeasyPrint's URL fetcher: pictures from storage, nothing else (no network, no files)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PictureFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(PICTURE_SCHEME):
                raise ValueError(f"documents load nothing from {url[:40]!r}")
            storage = EntryPicture._meta.get_field("file").storage  # private: decrypts
            with storage.open(url[len(PICTURE_SCHEME) :], "rb") as handle:
                content = handle.read()
            return URLFetcherResponse(url, body=content)

    return PictureFetcher(allowed_protocols=set(), fail_on_errors=True)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetcher(), base_url="picture:/").write_pdf()


def certificate_html(certificate: Certificate) -> str:
    entry = Entry.objects.select_related("campaign__organiser", "organisation", "division").get(
        pk=certificate.entry_id
    )
    with translation.override("zh-hans"):
        return render_to_string(
            "selection/pdf/certificate.html",
            {"certificate": certificate, "entry": entry, "campaign": entry.campaign},
        )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate of one awarded entry."""
    return render_pdf(certificate_html(certificate))


def case_book_chapters(campaign: Campaign) -> list[dict]:
    """The cases of the final results, by category and rank, each with the version to print
    (the locked final version, else the newest) and its pictures."""
    run = final_run(campaign)
    if run is None:
        raise DocumentError("the results are not final")
    rows = list(
        EntryResult.objects.filter(run=run)
        .exclude(award="")
        .select_related(
            "entry__organisation", "entry__division", "entry__final_revision", "category"
        )
        .order_by("category__position", "rank", "entry_id")
    )
    entries = [row.entry for row in rows]
    newest = {}
    for revision in EntryRevision.objects.filter(entry__in=entries).order_by("number"):
        newest[revision.entry_id] = revision
    pictures = {}
    for picture in EntryPicture.objects.filter(entry__in=entries).order_by("position", "pk"):
        pictures.setdefault(picture.entry_id, []).append(picture)
    chapters = []
    for number, row in enumerate(rows, start=1):
        entry = row.entry
        version = entry.final_revision or newest.get(entry.pk)
        chapters.append(
            {
                "number": number,
                "anchor": f"case-{entry.pk}",
                "entry": entry,
                "category": row.category,
                "rank": row.rank,
                "top": row.award == AwardKind.TOP,
                "title": version.title if version else entry.title,
                "paragraphs": [
                    p for p in (version.text if version else entry.text).split("\n") if p.strip()
                ],
                "pictures": [
                    {"url": f"{PICTURE_SCHEME}{p.file.name}", "name": p.name}
                    for p in pictures.get(entry.pk, [])
                ],
            }
        )
    return chapters


def case_book_html(campaign: Campaign) -> str:
    with translation.override("zh-hans"):
        return render_to_string(
            "selection/pdf/case_book.html",
            {"campaign": campaign, "chapters": case_book_chapters(campaign)},
        )


def case_book_pdf(campaign: Campaign) -> bytes:
    """The case book of a campaign whose results are final."""
    return render_pdf(case_book_html(campaign))
