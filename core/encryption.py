"""Personal data encrypted at rest (docs/security.md, "Key management and rotation").

Values are sealed with Fernet (AES-128-CBC with HMAC-SHA256: authenticated, so a changed
ciphertext is refused, never decrypted to garbage) from the maintained ``cryptography`` package,
under the keys of ``settings.FIELD_ENCRYPTION_KEYS`` (newest first: the newest seals, every one
opens, so a rotation is "add a key in front, run ``rotate_encryption_key``, drop the old one").
Beside each ciphertext a keyed hash (HMAC-SHA256 under ``settings.FIELD_HASH_KEY``, of the
normalised value) answers exact search and uniqueness without decrypting anything.

Without the variables (development, demo, the test run) both keys are derived from SECRET_KEY;
``manage.py check --deploy`` reports that as an error, so a production deployment sets them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["InvalidToken"]


def _derived(purpose: str) -> bytes:
    """A 32-byte key for ``purpose`` derived from SECRET_KEY (development and tests only)."""
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


def development_key() -> str:
    """The Fernet key derived from SECRET_KEY, used while FIELD_ENCRYPTION_KEYS is unset. To
    move data sealed with it to a real key, set ``FIELD_ENCRYPTION_KEYS=<new>,<this>`` and
    run ``rotate_encryption_key``."""
    return base64.urlsafe_b64encode(_derived("field-encryption")).decode()


@functools.cache
def _fernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    if not keys:
        keys = (development_key(),)
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes each, "
            "comma-separated, newest first); make one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`'
        ) from None


def fernet() -> MultiFernet:
    """The keys in force: the newest seals, all open."""
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def _hash_key() -> bytes:
    key = settings.FIELD_HASH_KEY
    return key.encode() if key else _derived("field-hash")


def encrypt(value: str) -> str:
    """``value`` sealed with the newest key ("" stays "": nothing to hide)."""
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The value sealed in ``token``; :class:`InvalidToken` if no key opens it or it was
    changed."""
    if not token:
        return ""
    return fernet().decrypt(token.encode("ascii")).decode()


def rotate(token: str) -> str:
    """``token`` sealed again with the newest key."""
    if not token:
        return ""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


def encrypt_bytes(data: bytes) -> bytes:
    """A file's content sealed with the newest key (temporary uploads)."""
    return fernet().encrypt(data)


def decrypt_bytes(data: bytes) -> bytes:
    return fernet().decrypt(data)


def normalise_for_hash(value: str) -> str:
    """What the keyed hash is taken of: without spaces, in upper case (``x`` → ``X``)."""
    return "".join(str(value or "").split()).upper()


def blind_index(value: str) -> str:
    """The keyed hash of ``value`` (64 hex characters; "" for an empty value)."""
    value = normalise_for_hash(value)
    if not value:
        return ""
    return hmac.new(_hash_key(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.CharField):
    """A short text stored sealed (a ``text`` column holding the Fernet token). ``max_length``
    and the validators apply to the plain value; the database never sees it. Only ``isnull``
    and comparison with "" work as lookups: search through the :class:`BlindIndexField`
    beside it."""

    def get_internal_type(self):
        return "TextField"

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name in ("isnull", "exact"):
            lookup = super().get_lookup(lookup_name)
            return lookup if lookup_name == "isnull" else _EmptyOnlyExact
        return None

    def get_transform(self, lookup_name):
        return None


class _EmptyOnlyExact(models.lookups.Exact):
    def get_db_prep_lookup(self, value, connection):
        if value not in ("", None):
            raise ValueError(
                f"{self.lhs.field.name} is encrypted: search it through its keyed hash "
                "(core.encryption.blind_index), not by value"
            )
        return "%s", [""]


class BlindIndexField(models.CharField):
    """The keyed hash of another field of the row (``source``), computed whenever the row is
    saved or bulk-created: exact search and uniqueness without the plain value."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        #: core.db writes this field again whenever ``source`` is written
        self.derived_from = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        if kwargs.get("default") == "":
            kwargs.pop("default")
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source, "") or "")
        setattr(model_instance, self.attname, value)
        return value


@checks.register(checks.Tags.security, deploy=True)
def check_encryption_keys(app_configs=None, **kwargs):
    """``check --deploy``: the keys must come from the environment, not from SECRET_KEY."""
    errors = []
    if not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(
            checks.Error(
                "FIELD_ENCRYPTION_KEYS is not set: ID numbers are sealed with a key derived from "
                "SECRET_KEY.",
                hint="Set FIELD_ENCRYPTION_KEYS (Fernet keys, newest first); see docs/security.md.",
                id="core.E101",
            )
        )
    else:
        try:
            fernet()
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), id="core.E102"))
    if not settings.FIELD_HASH_KEY:
        errors.append(
            checks.Error(
                "FIELD_HASH_KEY is not set: the keyed hash of ID numbers is derived from "
                "SECRET_KEY.",
                hint="Set FIELD_HASH_KEY (32 or more random characters; never change it "
                "without re-hashing); see docs/security.md.",
                id="core.E103",
            )
        )
    return errors
