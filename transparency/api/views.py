"""The transparency API: the public organisation page, the public credit lists, the open-data
extracts and their dictionary (all without login), and the audit log (officers, scoped).

Query parameters are validated by the same forms as the web pages (``transparency.forms``), so
a malformed date, a division or person outside the jurisdiction, or a cursor of another
search is a 400 naming the parameter; an unknown organisation, extract date or object a 404.
"""

from __future__ import annotations

import datetime

from django.http import Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    KnownQueryParametersMixin,
    ScopedAutoSchema,
    ScopedViewSetMixin,
    StrictPageNumberPagination,
    _page_size,
)
from transparency import audit, extract, public
from transparency.api import serializers as s
from transparency.forms import CHANGE_CHOICES, AuditFilterForm, CreditListSearchForm
from transparency.models import AuditEvent, ExtractStatus, OpenDataExtract


def _form_errors(form) -> exceptions.ValidationError:
    return exceptions.ValidationError(
        {name: [str(message) for message in messages] for name, messages in form.errors.items()}
    )


class PublicAPIMixin(KnownQueryParametersMixin):
    """Open to everyone: no authentication (so no CSRF and no 401), answers in the language the
    client asks for, English by default (like every endpoint); a list refuses query parameters
    it does not document, like every endpoint."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = ScopedAutoSchema()

    def initial(self, request, *args, **kwargs):
        from core.api import api_language

        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)


def _date_parameter(name, description):
    return OpenApiParameter(name, OpenApiTypes.DATE, description=description)


class PublicOrganisationView(PublicAPIMixin, generics.GenericAPIView):
    """An organisation's public page: status and its dates, numbers, place, grade, annual
    reports by year, credit lists, brand projects and awards. No personal data. 404 for an
    organisation that was never filed or registered."""

    serializer_class = s.PublicOrganisationSerializer

    def get(self, request, pk):
        page = public.public_organisation(pk)
        if page is None:
            raise Http404
        return Response(self.get_serializer(page).data)


class PublicCreditListView(PublicAPIMixin, generics.ListAPIView):
    """The abnormal-activity and serious-dishonesty lists of public organisations: entries and
    removals with their dates and reasons, newest listing first."""

    serializer_class = s.PublicCreditListRowSerializer
    pagination_class = StrictPageNumberPagination
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name, or the start of a code"),
            OpenApiParameter("kind", str, enum=["abnormal", "serious"]),
            OpenApiParameter("district", str, description="District code"),
            OpenApiParameter("state", str, enum=["listed", "removed"]),
            _date_parameter("on", "The day whose lists to show (default today)"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        form = CreditListSearchForm(
            self.request.query_params,
            kinds=public.credit_list_kinds(),
            districts=public.credit_list_districts(),
        )
        if not form.is_valid():
            raise _form_errors(form)
        self.on = form.cleaned_data.get("on")
        return public.public_credit_list(
            q=form.cleaned_data.get("q", ""),
            kind=form.cleaned_data.get("kind", ""),
            district=form.cleaned_data.get("district", ""),
            state=form.cleaned_data.get("state", ""),
            on=self.on,
        )

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        rows = public.label_credit_rows(list(page), on=self.on)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class OpenDataExtractListView(PublicAPIMixin, generics.ListAPIView):
    """The published open-data extracts, newest first."""

    serializer_class = s.OpenDataExtractSerializer
    pagination_class = StrictPageNumberPagination
    filter_backends: list = []
    queryset = OpenDataExtract.objects.filter(status=ExtractStatus.DONE).order_by("-extract_date")


class OpenDataExtractDetailView(PublicAPIMixin, generics.GenericAPIView):
    """One day's extract (``latest`` for the newest); 404 for a day without one."""

    serializer_class = s.OpenDataExtractSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "date", str, OpenApiParameter.PATH, description="YYYY-MM-DD, or latest"
            )
        ]
    )
    def get(self, request, date):
        extracts = OpenDataExtract.objects.filter(status=ExtractStatus.DONE)
        if date == "latest":
            found = extracts.order_by("-extract_date").first()
        else:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise Http404 from None
            found = extracts.filter(extract_date=day).first()
        if found is None:
            raise Http404
        return Response(self.get_serializer(found).data)


class DataDictionaryView(PublicAPIMixin, APIView):
    """Every table and field of the extract: name, type, meaning, allowed values."""

    @extend_schema(responses=s.OpenDataDictionaryTableSerializer(many=True))
    def get(self, request):
        return Response(extract.dictionary())


AUDIT_PARAMETERS = [
    _date_parameter("since", "From this day (YYYY-MM-DD), inclusive"),
    _date_parameter("until", "To this day (YYYY-MM-DD), inclusive"),
    OpenApiParameter("person", str, description="Login name of who made the change"),
    OpenApiParameter("kind", str, many=True, description="app_label.model, e.g. registry.member"),
    OpenApiParameter("change", str, enum=[value for value, _label in CHANGE_CHOICES if value]),
    OpenApiParameter("division", str, description="Code of a division in the jurisdiction"),
    OpenApiParameter("cursor", str, description="From the previous page's next link"),
    OpenApiParameter("page_size", int, description="1 to 200 (default 50)"),
]


class AuditEventViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """The audit log: every recorded change in the user's jurisdiction across all apps,
    newest first, with keyset paging (follow ``next``)."""

    queryset = AuditEvent.objects.all()
    serializer_class = s.AuditRowSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(parameters=AUDIT_PARAMETERS, responses=s.AuditPageSerializer)
    def list(self, request):
        params = request.query_params
        form = AuditFilterForm(params, user=request.user)
        if not form.is_valid():
            raise _form_errors(form)
        size = _page_size(request, "page_size", audit.PAGE_SIZE, audit.MAX_PAGE_SIZE)
        try:
            page = audit.audit_page(
                request.user, form.query(), cursor=params.get("cursor") or None, size=size
            )
        except audit.CursorError as error:
            raise exceptions.ValidationError({"cursor": [str(error)]}) from None
        next_url = None
        if page.next_cursor:
            query = params.copy()
            query["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        rows = self.get_serializer(page.rows, many=True).data
        return Response({"next": next_url, "results": rows})

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH),
            OpenApiParameter("object_id", str, OpenApiParameter.PATH),
        ],
        responses=s.AuditRowSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"objects/(?P<kind>[a-z_]+\.[a-z_]+)/(?P<object_id>[^/]{1,40})",
        url_name="object",
    )
    def object_history(self, request, kind, object_id):
        """Every recorded change of one object, newest first; 404 outside the jurisdiction."""
        try:
            _tracked, rows = audit.object_history(request.user, kind, object_id)
        except LookupError:
            raise Http404 from None
        return Response(self.get_serializer(rows, many=True).data)
