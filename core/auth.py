"""Login lockout page, API authentication and throttling (docs/security.md).

Tokens are django-rest-knox's: only a SHA-512 digest is stored, each expires ``API_TOKEN_DAYS``
after issue. Guessing is limited per client address: after ``API_THROTTLE_RATES["token_failure"]``
failed token authentications, every request from that address carrying a token is answered 429
until the window has passed (a correct token included, so a guesser cannot tell one from the
other). Anonymous requests are throttled at ``API_THROTTLE_RATES["anon"]``. The rates are read
from the settings on every request, so a deployment (or a test) changes them without a restart.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (``AXES_LOCKOUT_CALLABLE``): the lockout page,
    403, saying how long it lasts."""
    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cooloff.total_seconds() // 60) if cooloff else None,
    }
    return render(request, "registration/locked_out.html", context, status=403)


class SettingsRateMixin:
    """The rate of ``scope`` from ``settings.API_THROTTLE_RATES``, read at each request."""

    scope: str

    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)


class AnonymousThrottle(SettingsRateMixin, AnonRateThrottle):
    """Anonymous API requests per client address."""


class FailedTokenThrottle(SettingsRateMixin, SimpleRateThrottle):
    """Failed token authentications per client address: counted only when one fails."""

    scope = "token_failure"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked_for(self, request) -> float | None:
        """Seconds until the address may try a token again, or None if it may now."""
        self.rate = self.get_rate()
        if self.rate is None:
            return None
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.wait() or 1.0
        return None

    def record_failure(self) -> None:
        if self.rate is None:
            return
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's hashed, expiring tokens behind the failed-authentication throttle."""

    def authenticate(self, request):
        throttle = FailedTokenThrottle()
        wait = throttle.blocked_for(request)
        if wait is not None and self._carries_token(request):
            raise exceptions.Throttled(wait=wait)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record_failure()
            raise

    def _carries_token(self, request) -> bool:
        header = request.META.get("HTTP_AUTHORIZATION", "").split()
        return bool(header) and header[0].lower() == self.authenticate_header(request).lower()


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme: ``Authorization: Token <token>`` (as DRF's was named)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
