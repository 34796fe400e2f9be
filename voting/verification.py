"""How a one-time code reaches a mobile phone: a backend chosen by ``VOTING_SMS_BACKEND`` (a
dotted path). ``ConsoleSmsBackend`` (development, tests) logs the message and keeps it in
``OUTBOX``; ``HttpSmsGateway`` posts it to an SMS gateway configured by the environment
(production)."""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("voting.sms")

#: messages the console backend "sent": (phone, text), newest last (tests read it)
OUTBOX: list[tuple[str, str]] = []


class SmsBackend:
    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes the message to the log and to ``OUTBOX``; sends nothing."""

    def send(self, phone: str, text: str) -> None:
        OUTBOX.append((phone, text))
        del OUTBOX[:-1000]
        logger.info("SMS to %s: %s", phone, text)


class HttpSmsGateway(SmsBackend):
    """Posts ``{"phone", "text", "sign"}`` as JSON to ``VOTING_SMS_URL`` with the bearer token
    ``VOTING_SMS_TOKEN`` (environment); a gateway that doesn't answer 2xx is an error."""

    def __init__(self):
        self.url = getattr(settings, "VOTING_SMS_URL", "")
        self.token = getattr(settings, "VOTING_SMS_TOKEN", "")
        self.sign = getattr(settings, "VOTING_SMS_SIGN", "")
        if not self.url.startswith("https://"):
            raise ImproperlyConfigured("VOTING_SMS_URL must be an https:// address.")

    def send(self, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "text": text, "sign": self.sign}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (https only)
            if not 200 <= answer.status < 300:
                raise OSError(f"SMS gateway answered {answer.status}")


def sms_backend() -> SmsBackend:
    path = getattr(settings, "VOTING_SMS_BACKEND", "voting.verification.ConsoleSmsBackend")
    return import_string(path)()
