"""Errors that services raise and the web and API layers translate (404, 403, 409, 400)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class OutOfJurisdiction(Http404):
    """The object is outside the acting user's jurisdiction: answered as if it didn't exist."""


class NotPermitted(PermissionDenied):
    """The user can see the object but their tier or role may not take this action on it."""


class TransitionNotAllowed(Exception):
    """The requested change doesn't apply to the object's current state (HTTP 409)."""

    default_message = _("This change does not apply to the current state.")

    def __init__(self, message=None, *, current=None, requested=None):
        self.current = current
        self.requested = requested
        self.message = message or self.default_message
        super().__init__(str(self.message))


class Conflict(TransitionNotAllowed):
    """Someone else changed the object first (a lost race; HTTP 409)."""


class ConditionsNotMet(ValidationError):
    """The conditions checklist has unmet blocking items; ``messages`` lists every one."""
