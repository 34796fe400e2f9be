"""Base classes for the REST API: scoping applied once, in ``initial()`` (after NetBox).

Also what every endpoint shares: the language of the answer, token-first authentication (so an
anonymous request gets 401), scoped related fields for request bodies, strict ordering and
keyset ("cursor") pagination, the JSON error format and its OpenAPI description.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import inspect
import json
import re
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry, get_class
from rest_framework import authentication, exceptions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.auth import TokenAuthentication
from core.history import history_reason_max_length
from core.scoping import CHANGE, VIEW

ACTION_SCOPE = {
    "list": VIEW,
    "retrieve": VIEW,
    "create": CHANGE,
    "update": CHANGE,
    "partial_update": CHANGE,
    "destroy": CHANGE,
}

#: the language of an API answer when the request names none we speak
API_DEFAULT_LANGUAGE = "en"


def api_language(request) -> str:
    """The language to answer in: the first of the ``Accept-Language`` header that we support,
    else English. Unlike the web pages (Chinese first), an API client that doesn't ask gets
    English, and neither the session nor the language cookie changes that."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header[:200]):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return API_DEFAULT_LANGUAGE


# --- errors and their description in the schema ----------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404: one message."""

    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """400: messages per field (each key is a field or query parameter, each value a list of
    messages); ``non_field_errors`` for the object as a whole, ``detail`` for an unreadable
    request."""

    detail = serializers.CharField(required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


class ConflictSerializer(serializers.Serializer):
    """409: the change no longer applies (someone else acted first, or the state moved on)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    current = serializers.CharField(required=False)
    requested = serializers.CharField(required=False)


ERROR_SERIALIZERS = {
    "400": ValidationErrorSerializer,
    "401": ErrorSerializer,
    "403": ErrorSerializer,
    "404": ErrorSerializer,
    "409": ConflictSerializer,
}


class ScopedAutoSchema(AutoSchema):
    """The generated schema plus the error answers every scoped endpoint can give: 401 always;
    400 for lists (filters, ordering, cursor) and writes; 404 on detail routes; 403 and 409 on
    writes. An ``@extend_schema(responses=...)`` that names one of these wins."""

    def get_tags(self) -> list[str]:
        # One tag per resource (/api/v1/organisations/... → "organisations"), not "v1".
        segments = [
            part
            for part in self.path.strip("/").split("/")
            if part and part != "api" and not re.fullmatch(r"v\d+", part)
        ]
        return segments[:1] or super().get_tags()

    def _error_codes(self) -> list[str]:
        codes = []
        if self._is_authenticated_view():
            codes.append("401")
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        if writes or self._is_list_view():
            codes.append("400")
        if "{" in self.path:
            codes.append("404")
        if writes:
            codes += ["403", "409"]
        return codes

    def _is_authenticated_view(self) -> bool:
        from rest_framework.permissions import AllowAny

        return not all(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ERROR_SERIALIZERS[code], code, direction=direction
                )
        return responses


#: the answer to a JSON body nested too deeply to parse
NESTED_TOO_DEEPLY = "The JSON body is nested too deeply (lists or objects inside each other)."


def exception_handler(exc, context):
    """DRF's handler, plus the service layer's errors, all as JSON objects:

    - Django ``ValidationError`` → 400 with field messages (``__all__`` → ``non_field_errors``);
      a bare list of messages is put under ``non_field_errors`` too;
    - ``TransitionNotAllowed`` / ``Conflict`` → 409, and so is a unique constraint that a
      concurrent write won (``IntegrityError``);
    - every 404 says the same "Not found.", whether the object is absent or outside the
      jurisdiction.
    """
    from django.http import Http404
    from rest_framework import status
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    from core.exceptions import TransitionNotAllowed

    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = exc.message_dict
            if "__all__" in detail:
                detail["non_field_errors"] = detail.pop("__all__")
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, TransitionNotAllowed):
        body = {"detail": str(exc.message), "code": "conflict"}
        if exc.current is not None:
            body["current"] = str(exc.current)
        if exc.requested is not None:
            body["requested"] = str(exc.requested)
        set_rollback()
        return Response(body, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, IntegrityError):
        set_rollback()
        return Response(
            {
                "detail": str(
                    _("This conflicts with a change saved at the same time; reload and try again.")
                ),
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, Http404 | exceptions.NotFound):
        exc = exceptions.NotFound()
    elif isinstance(exc, RecursionError):
        # JSON nested deeper than Python can parse (``[[[[...]]]]``): the client's error
        exc = exceptions.ParseError(_(NESTED_TOO_DEEPLY))
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        exc.detail = {"non_field_errors": exc.detail}
    return drf_exception_handler(exc, context)


# --- viewsets -----------------------------------------------------------------------------


#: (view class, action, method) -> (list view?, the query parameters its operation documents)
_DOCUMENTED_QUERY_PARAMETERS: dict = {}


def documented_query_parameters(view, method: str = "GET") -> tuple[bool, frozenset[str]]:
    """Whether the view's current operation answers a list, and the names of the query
    parameters its OpenAPI operation documents (filters with their range suffixes, paging,
    ordering, ``@extend_schema(parameters=...)``).

    Read from the schema generator itself, the way ``/api/schema/`` builds the operation, so
    the check and the documentation cannot disagree. Worked out once per view class, action
    and method."""
    key = (type(view), getattr(view, "action", None), method)
    found = _DOCUMENTED_QUERY_PARAMETERS.get(key)
    if found is None:
        found = _DOCUMENTED_QUERY_PARAMETERS[key] = _operation_query_parameters(view, method)
    return found


def _operation_query_parameters(view, method: str) -> tuple[bool, frozenset[str]]:
    # As drf_spectacular.generators.SchemaGenerator.create_view picks the operation's schema:
    # an @action's or @extend_schema'd method's own schema class, on top of the view's.
    action = getattr(view, "action", None) or method.lower()
    handler = getattr(view, action, None)
    view_schema_class = get_class(inspect.getattr_static(type(view), "schema"))
    schema_class = view_schema_class
    action_schema = getattr(handler, "kwargs", {}).get("schema")
    if action_schema is not None:
        schema_class = get_class(action_schema)
        if not issubclass(schema_class, view_schema_class):
            mro = (
                tuple(
                    cls
                    for cls in schema_class.__mro__
                    if cls not in api_settings.DEFAULT_SCHEMA_CLASS.__mro__
                )
                + view_schema_class.__mro__
            )
            schema_class = type("ExtendedRearrangedSchema", mro, {})
    schema = schema_class()
    schema.view = view
    schema.method = method
    schema.path = schema.path_regex = schema.path_prefix = ""
    schema.registry = ComponentRegistry()
    names = frozenset(p["name"] for p in schema._get_parameters() if p["in"] == "query")
    return schema._is_list_view(), names


#: at most this many unknown parameters are named in one answer
MAX_UNKNOWN_NAMED = 10


def check_query_parameters(view, request) -> None:
    """A list (or any read whose operation documents query parameters) refuses the query
    parameters its operation does not document: a 400 naming each, so that a mistyped or
    unsupported filter is an error rather than the whole list. ``format`` (DRF's renderer
    choice) is always accepted."""
    if request.method not in ("GET", "HEAD"):
        return
    is_list, documented = documented_query_parameters(view, "GET")
    if not (is_list or documented):
        return
    accepted = documented | {api_settings.URL_FORMAT_OVERRIDE}
    unknown = sorted(name for name in request.query_params if name not in accepted)
    if not unknown:
        return
    # in the API's language even on a view that doesn't switch to it
    with translation.override(api_language(request)):
        if documented:
            message = _("Unknown query parameter; this endpoint accepts: %(names)s.") % {
                "names": ", ".join(sorted(documented))
            }
        else:
            message = str(_("Unknown query parameter; this endpoint takes none."))
    raise exceptions.ValidationError({name[:50]: [message] for name in unknown[:MAX_UNKNOWN_NAMED]})


class KnownQueryParametersMixin:
    """For API views outside ``ScopedViewSetMixin`` (the public ones): the same check of
    query parameters, after authentication and permissions."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_parameters(self, request)


class ScopedViewSetMixin:
    """Restricts the viewset's queryset to the requesting user's jurisdiction.

    Custom ``@action``s name their scope action with ``scope_action`` in the decorator kwargs
    (e.g. ``@action(detail=True, methods=["post"], scope_action="review")``); otherwise reads
    are ``view`` and writes ``change``.
    """

    # Token first: DRF answers an unauthenticated request with the first class's
    # WWW-Authenticate challenge, which makes it a 401 (session auth has none: 403).
    # core.auth's tokens are knox's (hashed, expiring) behind the failed-token throttle.
    authentication_classes = [
        TokenAuthentication,
        authentication.SessionAuthentication,
    ]
    # JSON in, JSON out: one request format to validate (and to fuzz).
    parser_classes = [JSONParser]
    schema = ScopedAutoSchema()

    #: set per action by ``@action(..., scope_action=...)`` (DRF passes action kwargs to the
    #: view instance, and only accepts those the class knows)
    scope_action: str | None = None

    def get_scope_action(self) -> str:
        if self.action in ACTION_SCOPE:
            return ACTION_SCOPE[self.action]
        if self.scope_action:
            return self.scope_action
        return VIEW if self.request.method in ("GET", "HEAD", "OPTIONS") else CHANGE

    def initial(self, request, *args, **kwargs):
        # Before authentication and permission checks, so their messages are translated too.
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)
        self.queryset = self.queryset.restrict(request.user, self.get_scope_action())
        check_query_parameters(self, request)

    def get_object(self):
        # A lookup value no row can have is answered before it reaches the database (a NUL byte
        # is an error in PostgreSQL, not a miss).
        value = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if "\x00" in value or len(value) > 100:
            raise NotFound()
        return super().get_object()

    def _check_still_in_scope(self, instance):
        # A write must not move an object out of the writer's jurisdiction: if it did, the
        # surrounding transaction is rolled back and the caller is told the object isn't there.
        if not instance.is_within(self.request.user, VIEW):
            raise NotFound()

    def perform_service(self, service, /, **kwargs):
        """Run a service write for this request (an ``@action``'s) with the request's user as
        the acting user, and check its result like every other write."""
        with transaction.atomic():
            instance = service(acting_user=self.request.user, **kwargs)
            self._check_still_in_scope(instance)
        return instance

    def perform_create(self, serializer):
        with transaction.atomic():
            instance = serializer.save()
            self._check_still_in_scope(instance)

    def perform_update(self, serializer):
        with transaction.atomic():
            instance = serializer.save()
            self._check_still_in_scope(instance)


class ServiceWriteMixin:
    """Writes validated by an input serializer whose ``save()`` calls a service; the answer is
    the object as the read serializer shows it (re-read through the scoped queryset). Use
    ``ServiceCreateMixin`` / ``ServiceUpdateMixin``: a viewset only routes the methods it has."""

    #: action -> serializer class for the request body (e.g. {"create": OrgWriteSerializer})
    input_serializer_classes: dict = {}
    #: action -> serializer class for the answer (default ``serializer_class``)
    output_serializer_classes: dict = {}

    def get_serializer_class(self):
        return self.input_serializer_classes.get(self.action, super().get_serializer_class())

    def get_output_queryset(self):
        """Where the answer is read from (scoped like every other read)."""
        return self.get_queryset()

    def get_output_serializer(self, instance, serializer_class=None):
        serializer_class = serializer_class or self.output_serializer_classes.get(
            self.action, self.serializer_class
        )
        queryset = self.get_output_queryset()
        try:
            fresh = queryset.get(pk=instance.pk)
        except queryset.model.DoesNotExist:
            raise NotFound() from None
        return serializer_class(fresh, context=self.get_serializer_context())


# These two don't inherit DRF's Create/UpdateModelMixin: their perform_create/perform_update
# would come before ScopedViewSetMixin's in the method resolution order and skip its check.


class ServiceCreateMixin(ServiceWriteMixin):
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self.get_output_serializer(serializer.instance).data, status=201)


class ServiceUpdateMixin(ServiceWriteMixin):
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self.get_output_serializer(serializer.instance).data)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class ScopedReadOnlyModelViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


# --- request bodies -----------------------------------------------------------------------


class ScopedRelatedFieldMixin:
    """A reference in a request body to an object the user may act on; anything else, absent
    or outside the jurisdiction, is refused the same way ("... does not exist")."""

    def __init__(self, *args, scope_action: str = CHANGE, **kwargs):
        self.scope_action = scope_action
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        return queryset.restrict(getattr(request, "user", None), self.scope_action)


class ScopedPrimaryKeyRelatedField(ScopedRelatedFieldMixin, serializers.PrimaryKeyRelatedField):
    """A primary key; a whole number in the database's range, or "does not exist"."""

    MAX_ID = 2**63 - 1

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str):
            if not data.isascii() or not data.isdigit() or len(data) > 19:
                self.fail("does_not_exist", pk_value=data[:30])
            data = int(data)
        if not 1 <= data <= self.MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class SafeSlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing before any query what no row can hold: a value that is not a string, over
    100 characters, or with a NUL (PostgreSQL refuses the statement: a 500 otherwise)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if len(data) > 100 or "\x00" in data:
            self.fail(
                "does_not_exist", slug_name=self.slug_field, value=data[:30].replace("\x00", "")
            )
        return super().to_internal_value(data)


class ScopedSlugRelatedField(ScopedRelatedFieldMixin, SafeSlugRelatedField):
    pass


#: the ranges PostgreSQL gives integer columns; SQLite stores more, but the API answers the same
#: on every database
INTEGER_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "PositiveSmallIntegerField": (0, 32767),
    "IntegerField": (-2147483648, 2147483647),
    "PositiveIntegerField": (0, 2147483647),
    "BigIntegerField": (-(2**63), 2**63 - 1),
    "PositiveBigIntegerField": (0, 2**63 - 1),
}


class PortableModelSerializer(serializers.ModelSerializer):
    # A model serializer whose integer fields refuse what PostgreSQL would refuse (a 400 naming
    # the field, rather than a database error or a value only SQLite keeps). No docstring: the
    # schema would show it as the description of every subclass that has none.

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        limits = INTEGER_RANGES.get(model_field.get_internal_type())
        if limits and not model_field.choices:
            low, high = limits
            if kwargs.get("min_value") is None or kwargs["min_value"] < low:
                kwargs["min_value"] = low
            if kwargs.get("max_value") is None or kwargs["max_value"] > high:
                kwargs["max_value"] = high
        return field_class, kwargs


class ReadModelSerializer(serializers.ModelSerializer):
    # A model serializer for answers. A choice whose model field may be blank is documented as
    # possibly "" (DRF drops allow_blank from read-only fields, so the schema would otherwise
    # claim the value is always one of the choices). No docstring: the schema would show it as
    # the description of every subclass that has none.

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in fields.items():
            source = field.source or name  # not bound yet: source is only set if given
            if not isinstance(field, serializers.ChoiceField) or "." in source:
                continue
            try:
                model_field = model._meta.get_field(source)
            except FieldDoesNotExist:
                continue
            if getattr(model_field, "blank", False):
                field.allow_blank = True
        return fields


class ReasonField(serializers.CharField):
    """Why a change is made: recorded in the history with the acting user (so no longer than
    the history's change-reason column: a longer one would be a database error)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", history_reason_max_length())
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("help_text", _("Why the change is made; kept in the history."))
        super().__init__(**kwargs)


# --- ordering and pagination --------------------------------------------------------------


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=`` with the view's ``ordering_fields``; an unknown field is a 400, not
    silently ignored. The allowed values are listed in the schema."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is None or not params.strip():
            return self.get_default_ordering(view)
        terms = [term.strip() for term in params.split(",") if term.strip()]
        valid = {item[0] for item in self.get_valid_fields(queryset, view, {"request": request})}
        unknown = [term for term in terms if term.lstrip("-") not in valid]
        names = [term.lstrip("-") for term in terms]
        if unknown or len(set(names)) != len(names):
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Unknown ordering '%(value)s'; choose from: %(choices)s.")
                        % {
                            "value": (unknown[0] if unknown else params)[:50],
                            "choices": ", ".join(sorted(valid)),
                        }
                    ]
                }
            )
        return terms

    def get_schema_operation_parameters(self, view):
        fields = [f if isinstance(f, str) else f[0] for f in getattr(view, "ordering_fields", [])]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(
                    _(
                        "Comma-separated fields to order by; '-' in front for descending. "
                        "One of: %(fields)s."
                    )
                    % {"fields": ", ".join(fields)}
                ),
                "schema": {"type": "string", "maxLength": 200},
            }
        ]


def _page_size(request, param: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(param)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= maximum:
        raise exceptions.ValidationError(
            {param: [_("Give a whole number from 1 to %(max)d.") % {"max": maximum}]}
        )
    return int(raw)


class StrictPageNumberPagination(PageNumberPagination):
    """Page numbers for short lists (divisions); a page that is not a positive whole number or
    past the end is a 400, not a 404."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return _page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:
            raise exceptions.ValidationError({self.page_query_param: [error.detail]}) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


@dataclass(frozen=True)
class _Key:
    name: str  # model attribute name
    descending: bool
    nullable: bool
    field: object

    def order(self, backwards: bool):
        expression = F(self.name)
        descending = self.descending != backwards
        # NULLs go last going forwards (first going backwards) on every database.
        if not self.nullable:
            return expression.desc() if descending else expression.asc()
        nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
        return expression.desc(**nulls) if descending else expression.asc(**nulls)


class CursorPagination(BasePagination):
    """Keyset pagination: each page continues strictly after (or before) the row a cursor
    names, on the full ordering key (the chosen fields plus the primary key), so a page deep in
    a long list costs what the first page costs: no OFFSET and no COUNT. Rows inserted or
    removed meanwhile never make a row appear twice or go missing.

    The cursor is opaque to clients: follow ``next`` / ``previous``. It is only valid with the
    ordering it was made for.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = api_settings.PAGE_SIZE or 50
    max_page_size = 200
    #: when the view names no ordering
    default_ordering = ("-pk",)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = _page_size(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )
        terms = self._ordering_terms(request, queryset, view)
        self.keys = self._keys(queryset.model, terms)
        self.signature = ",".join(("-" if k.descending else "") + k.name for k in self.keys)
        backwards, values = self._decode(request)
        queryset = queryset.order_by(*(key.order(backwards) for key in self.keys))
        if values is not None:
            queryset = queryset.filter(self._beyond(values, backwards))
        rows = self._fetch(queryset, self.page_size + 1)
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
            self.has_previous, self.has_next = more, True
        else:
            self.has_previous, self.has_next = values is not None, more
        self.rows = rows
        return rows

    @staticmethod
    def _fetch(queryset, limit: int) -> list:
        """The first ``limit`` rows: their ids first, then the rows. Finding a page sorts every
        matching row; doing that on the ids alone keeps the joins a serializer needs
        (``select_related``) off the rows it throws away (a "deferred join")."""
        ids = list(queryset.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        found = queryset.order_by().filter(pk__in=ids).in_bulk()
        return [found[pk] for pk in ids if pk in found]

    # ordering

    def _ordering_terms(self, request, queryset, view) -> list[str]:
        for backend in getattr(view, "filter_backends", []):
            if hasattr(backend, "get_ordering"):
                terms = backend().get_ordering(request, queryset, view)
                if terms:
                    return list(terms)
        ordering = getattr(view, "ordering", None) or self.default_ordering
        return [ordering] if isinstance(ordering, str) else list(ordering)

    def _keys(self, model, terms: list[str]) -> list[_Key]:
        keys, seen = [], set()
        pk_name = model._meta.pk.name
        for term in terms:
            descending = term.startswith("-")
            name = term.lstrip("-")
            name = pk_name if name == "pk" else name
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                raise AssertionError(f"cannot page {model.__name__} by {term!r}") from None
            if field.is_relation or name in seen:
                raise AssertionError(f"cannot page {model.__name__} by {term!r}")
            seen.add(name)
            keys.append(_Key(field.attname, descending, field.null, field))
            if field.primary_key:
                break  # the key is unique from here on
        else:
            pk = model._meta.pk
            descending = keys[-1].descending if keys else True
            keys.append(_Key(pk.attname, descending, False, pk))
        return keys

    def _beyond(self, values: list, backwards: bool) -> Q:
        """Rows strictly after (``backwards``: before) the row whose key is ``values``."""
        condition = Q(pk__in=[])
        equal = Q()
        for key, value in zip(self.keys, values, strict=True):
            condition |= equal & self._beyond_one(key, value, backwards)
            equal &= Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})
        return condition

    @staticmethod
    def _beyond_one(key: _Key, value, backwards: bool) -> Q:
        later = "lt" if key.descending else "gt"
        earlier = "gt" if key.descending else "lt"
        if not backwards:
            if value is None:
                return Q(pk__in=[])  # NULLs are last: nothing comes after them
            beyond = Q(**{f"{key.name}__{later}": value})
            return beyond | Q(**{f"{key.name}__isnull": True}) if key.nullable else beyond
        if value is None:
            return Q(**{f"{key.name}__isnull": False})
        return Q(**{f"{key.name}__{earlier}": value})

    # cursors

    def _encode(self, row, backwards: bool) -> str:
        values = [_cursor_value(getattr(row, key.name)) for key in self.keys]
        payload = json.dumps({"o": self.signature, "b": int(backwards), "v": values})
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def _decode(self, request) -> tuple[bool, list | None]:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None or raw == "":
            return False, None
        invalid = exceptions.ValidationError(
            {
                self.cursor_query_param: [
                    _("Invalid cursor: follow the 'next' and 'previous' links as given.")
                ]
            }
        )
        try:
            if len(raw) > 2000:
                raise ValueError
            payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            if not isinstance(payload, dict) or payload.get("o") != self.signature:
                raise ValueError
            raw_values = payload["v"]
            if not isinstance(raw_values, list) or len(raw_values) != len(self.keys):
                raise ValueError
            values = [
                None if value is None else key.field.to_python(value)
                for key, value in zip(self.keys, raw_values, strict=True)
            ]
            for key, value in zip(self.keys, values, strict=True):
                if value is None and not key.nullable:
                    raise ValueError
                if isinstance(value, str) and "\x00" in value:
                    raise ValueError  # PostgreSQL refuses NUL bytes in any text
                if isinstance(value, int) and not -(2**63) <= value < 2**63:
                    raise ValueError
            return bool(payload["b"]), values
        except (
            ValueError,
            TypeError,
            KeyError,
            binascii.Error,
            UnicodeDecodeError,
            DjangoValidationError,
        ):
            raise invalid from None

    def _link(self, row, backwards: bool) -> str:
        return replace_query_param(
            self.base_url, self.cursor_query_param, self._encode(row, backwards)
        )

    def get_next_link(self):
        if not (self.has_next and self.rows):
            return None
        return self._link(self.rows[-1], backwards=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.rows[0], backwards=True)

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Opaque position in the list: take it from a 'next' or 'previous' link.")
                ),
                "schema": {"type": "string", "maxLength": 2000},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Number of results per page (default %(default)d)."))
                % {"default": self.page_size},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def _cursor_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


__all__ = [
    "CursorPagination",
    "KnownQueryParametersMixin",
    "PortableModelSerializer",
    "ReasonField",
    "ScopedAutoSchema",
    "ScopedModelViewSet",
    "ScopedPrimaryKeyRelatedField",
    "ScopedReadOnlyModelViewSet",
    "ScopedSlugRelatedField",
    "ScopedViewSetMixin",
    "ReadModelSerializer",
    "ServiceCreateMixin",
    "ServiceUpdateMixin",
    "ServiceWriteMixin",
    "StrictOrderingFilter",
    "StrictPageNumberPagination",
    "api_language",
    "check_query_parameters",
    "documented_query_parameters",
    "exception_handler",
    "history_reason_max_length",
]
