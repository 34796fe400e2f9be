"""An organisation's charter and activity-rules files: downloaded only through this view, which
scopes the organisation first (404 outside the user's jurisdiction), as an attachment with the
type its content shows and ``nosniff`` (``core.documents``; docs/security.md, "Uploads")."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.detail import SingleObjectMixin

from core.documents import document_response
from core.views import ScopedQuerysetMixin
from registry.models import Organisation

#: the URL's name of a document -> the organisation's field
DOCUMENTS = {"charter": "charter_file", "activity-rules": "activity_rules_file"}


class OrganisationDocumentView(ScopedQuerysetMixin, SingleObjectMixin, View):
    model = Organisation

    def get(self, request, pk, document):
        field = DOCUMENTS.get(document)
        if field is None:
            raise Http404()
        organisation = self.get_object()
        stored = getattr(organisation, field)
        if not stored or not stored.storage.exists(stored.name):
            raise Http404()
        label = _("charter") if field == "charter_file" else _("activity rules")
        return document_response(stored, f"{organisation.name}-{label}")
