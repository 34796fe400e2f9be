"""Keyed hashes: a phone number, a voting code, an address or a one-time code is kept only as an
HMAC-SHA256 under ``VOTING_HASH_KEY`` (derived from ``SECRET_KEY`` when unset), salted with the
vote, so the same phone gives unrelated hashes in two votes and a stolen table can't be reversed
by hashing every mobile number without the key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from django.conf import settings


def _key() -> bytes:
    key = getattr(settings, "VOTING_HASH_KEY", "") or ""
    if key:
        return key.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"voting.identity", hashlib.sha256).digest()


def keyed_hash(vote_id: int, kind: str, value: str) -> str:
    """The hex HMAC of ``value`` (of kind ``phone``, ``code``, ``address``, ``otp``, ``token``)
    within vote ``vote_id``."""
    message = f"{vote_id}:{kind}:{value}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


#: voting codes avoid letters that read alike (0/O, 1/I/L)
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")
CODE_LENGTH = 10


def new_voting_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(value: str) -> str:
    raw = "".join(ch for ch in str(value).upper() if ch.isalnum())
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == CODE_LENGTH else raw


def new_otp() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def new_token() -> str:
    return secrets.token_urlsafe(24)
