"""Base classes for the REST API: scoping applied once, in ``initial()`` (after NetBox)."""

from django.db import transaction
from rest_framework import viewsets
from rest_framework.exceptions import NotFound

from core.scoping import CHANGE, VIEW

ACTION_SCOPE = {
    "list": VIEW,
    "retrieve": VIEW,
    "create": CHANGE,
    "update": CHANGE,
    "partial_update": CHANGE,
    "destroy": CHANGE,
}


class ScopedViewSetMixin:
    """Restricts the viewset's queryset to the requesting user's jurisdiction.

    Custom ``@action``s name their scope action with ``scope_action`` in the decorator kwargs
    (e.g. ``@action(detail=True, methods=["post"], scope_action="review")``); otherwise reads
    are ``view`` and writes ``change``.
    """

    def get_scope_action(self) -> str:
        if self.action in ACTION_SCOPE:
            return ACTION_SCOPE[self.action]
        extra = getattr(getattr(self, self.action, None), "kwargs", {}) if self.action else {}
        if "scope_action" in extra:
            return extra["scope_action"]
        return VIEW if self.request.method in ("GET", "HEAD", "OPTIONS") else CHANGE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.queryset = self.queryset.restrict(request.user, self.get_scope_action())

    def _check_still_in_scope(self, instance):
        # A write must not move an object out of the writer's jurisdiction: if it did, the
        # surrounding transaction is rolled back and the caller is told the object isn't there.
        if not instance.is_within(self.request.user, VIEW):
            raise NotFound()

    def perform_create(self, serializer):
        with transaction.atomic():
            instance = serializer.save()
            self._check_still_in_scope(instance)

    def perform_update(self, serializer):
        with transaction.atomic():
            instance = serializer.save()
            self._check_still_in_scope(instance)


class ScopedReadOnlyModelViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


def exception_handler(exc, context):
    """DRF's handler, plus the service layer's errors: Django ``ValidationError`` → 400 with
    field messages, ``TransitionNotAllowed`` / ``Conflict`` → 409."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from rest_framework import exceptions, status
    from rest_framework.response import Response
    from rest_framework.views import exception_handler as drf_exception_handler

    from core.exceptions import TransitionNotAllowed

    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, TransitionNotAllowed):
        body = {"detail": str(exc.message), "code": "conflict"}
        if exc.current is not None:
            body["current"] = exc.current
        if exc.requested is not None:
            body["requested"] = exc.requested
        return Response(body, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
