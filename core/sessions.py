"""The idle timeout without a write on every request.

Sessions end after ``SESSION_COOKIE_AGE`` (``SESSION_IDLE_MINUTES``) without a request. Django
keeps that by saving the session on every request (``SESSION_SAVE_EVERY_REQUEST``): an UPDATE and
a commit (the disk's flush) for each page anyone looks at, three of a ledger page's ten
statements (bench/load.py). This renews it at most once every ``SESSION_RENEW_SECONDS`` (60)
instead: a session then ends between ``SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS`` and
``SESSION_COOKIE_AGE`` after its last request, and a user working through pages writes it once a
minute.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

#: the session key holding when it was last renewed (seconds since the epoch)
RENEWED = "_renewed_at"


class SessionRenewalMiddleware:
    """After ``SessionMiddleware`` (its answer is seen first): mark a session that holds
    something and was last renewed ``SESSION_RENEW_SECONDS`` ago or more as changed, so that
    ``SessionMiddleware`` saves it (and its cookie) with a new expiry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # no key: no session (an anonymous visitor), or one just flushed (a logout)
        if session is None or session.session_key is None or session.is_empty():
            return response
        now = int(timezone.now().timestamp())
        renewed = session.get(RENEWED)
        if not isinstance(renewed, int) or not 0 <= now - renewed < settings.SESSION_RENEW_SECONDS:
            session[RENEWED] = now
        return response
