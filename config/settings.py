"""Settings for the community social organisation registry.

Everything that differs between machines comes from the environment (every variable is listed
in docs/deployment.md). With nothing set the settings are production-safe: DEBUG off, no
wildcard host, HTTPS-only cookies and redirects, and a SECRET_KEY required. The demo (`make run`)
turns on DEMO_MODE explicitly, which every page then announces with a banner; SQLite
(`db.sqlite3`) is the embedded default database, PostgreSQL (DATABASE_URL) the production one.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Demo mode: a published demo password (seed_demo), and a banner on every page saying so.
DEMO_MODE = env_bool("DEMO_MODE", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or DEMO_MODE):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (50 or more random characters) unless DEBUG or DEMO_MODE "
            "is on; see docs/deployment.md"
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
# ID numbers sealed at rest (core.encryption; docs/security.md "Key management and rotation"):
# Fernet keys, comma-separated, newest first (the newest seals, every one opens), and the key of
# the keyed hash used for exact search. Unset, both are derived from SECRET_KEY (development,
# demo, tests) and `check --deploy` reports an error.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "")
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "core",
    "jobs",
    "registry",
    "oversight",
    "party_building",
    "grading",
    "selection",
    "support",
    "voting",
    "reports",
    "transparency",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (hashed, compressed) straight from the WSGI process: no separate server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Renews the idle timeout once a minute rather than writing the session on every request.
    "core.sessions.SessionRenewalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # One access-log row per response that showed full ID numbers (core/access_log.py).
    "core.access_log.PersonalDataAccessMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Last: it answers a locked-out login with the lockout page (docs/security.md).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.deployment",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name in production), else SQLite.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A health check is one more round trip ("SELECT 1") at the start of every request: a
        # fifth of a public-vote request's time under load (bench/vote_load.py). Without it a
        # connection the database dropped (a restart, a failover) fails the one request that
        # finds it and is then replaced; turn it on where that happens often.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Take the write lock at BEGIN so concurrent writers queue instead of failing
            # half-way through a transaction with "database is locked"; WAL lets readers go on
            # while one writes. The busy timeout (seconds a writer waits for the lock) is longer
            # than the longest write transaction (the largest ledger file accepted, 200,000
            # rows, imports in about 30 s on SQLite), so a write that meets a running import
            # waits and succeeds.
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 60),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs 0.7-1.8 s on city-level aggregate queries that run in under 0.4 s.
    # random_page_cost: the server default (4) is for spinning disks; on SSDs it makes the
    # planner scan all 1.75 million organisations instead of probing an index 40,000 times
    # (a province's KPIs: 2.8 s -> 1.8 s; see docs/performance.md). PG_RANDOM_PAGE_COST overrides.
    random_page_cost = os.environ.get("PG_RANDOM_PAGE_COST", "1.1")
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c jit=off -c random_page_cost={random_page_cost}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "registry.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login protection (django-axes, docs/security.md): after AXES_FAILURE_LIMIT failed logins for
# one user name, or from one address, that user name or address is locked out for
# AXES_COOLOFF_MINUTES (``manage.py axes_reset_username <name>`` / ``axes_reset_ip <address>``
# or the admin's Axes pages unlock earlier). Covers /accounts/login/ and /admin/login/.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES) if AXES_COOLOFF_MINUTES else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.auth.lockout_response"
# The client's address: REMOTE_ADDR, or behind PROXY_COUNT proxies (the TLS proxy of
# docs/deployment.md is one) the address they add to X-Forwarded-For; the API throttles use it too.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if PROXY_COUNT else ["REMOTE_ADDR"]
)
# Sessions end after SESSION_IDLE_MINUTES without a request: a request renews the session and
# its cookie when the last renewal is SESSION_RENEW_SECONDS old (core.sessions), not on every
# request (SESSION_SAVE_EVERY_REQUEST wrote the session for every page).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_RENEW_SECONDS = env_int("SESSION_RENEW_SECONDS", 60)
# API tokens (django-rest-knox): stored as SHA-512 digests, valid API_TOKEN_DAYS days from
# issue (``manage.py issue_token``; --rotate replaces, --revoke deletes).
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_DAYS", 90)),
    "AUTH_HEADER_PREFIX": "Token",
}
# API throttling (core/auth.py), per client address: anonymous requests, and failed token
# authentications (past the limit a request with any token is 429 until the window passes).
API_THROTTLE_RATES = {
    "anon": os.environ.get("API_THROTTLE_ANON", "120/min"),
    "token_failure": os.environ.get("API_THROTTLE_TOKEN_FAILURES", "20/hour"),
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Hashed, compressed names (collectstatic writes them, whitenoise serves them with a one-year
# cache). Without collectstatic (DEBUG, or STATIC_MANIFEST=false as in the test run) plain names.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST  # without collectstatic, straight from the apps

# Caches. "default" is each process's memory (the vote's rate limits and ballot shapes: see
# docs/voting.md for a shared one). "reports" keeps the KPI dashboards' figures for
# REPORTS_CACHE_SECONDS (0: computed on every view), in files every worker of the machine shares;
# a page says when its figures were computed and offers to compute them again (docs/dashboards.md).
REPORTS_CACHE_SECONDS = env_int("REPORTS_CACHE_SECONDS", 300)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "reports": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get(
            "REPORTS_CACHE_DIR", str(BASE_DIR / "var" / "cache" / "reports")
        ),
        "TIMEOUT": REPORTS_CACHE_SECONDS or 1,
        "OPTIONS": {"MAX_ENTRIES": env_int("REPORTS_CACHE_ENTRIES", 5000)},
    },
}

# Long work (large imports and exports, annotated copies, the lifecycle scan from the web) runs
# as a task: Django's Tasks API (the django-tasks backport) with the database backend, so
# workers need no other server (`manage.py db_worker`; several machines may share PostgreSQL).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Files a job reads or writes (uploads, results); private, never under MEDIA_ROOT. Workers on
# other machines need the same directory (a shared mount).
JOB_FILES_DIR = Path(os.environ.get("JOB_FILES_DIR", BASE_DIR / "var" / "jobs"))
# A running job whose worker has not reported for this many seconds (and, on the worker's own
# machine, whose process is gone) is reported failed.
JOB_HEARTBEAT_TIMEOUT = env_int("JOB_HEARTBEAT_TIMEOUT", 300)
# Finished jobs and their files are deleted after this many days (manage.py prune_jobs).
JOB_KEEP_DAYS = env_int("JOB_KEEP_DAYS", 7)
# Imports of files larger than this many bytes, and exports of more rows than
# JOB_EXPORT_ROWS, run as jobs; smaller ones answer at once.
JOB_IMPORT_BYTES = env_int("JOB_IMPORT_BYTES", 512 * 1024)
JOB_EXPORT_ROWS = env_int("JOB_EXPORT_ROWS", 5000)
# KPI exports of nodes at these levels run as jobs (every KPI of the node and each child).
JOB_KPI_EXPORT_LEVELS = env_list("JOB_KPI_EXPORT_LEVELS", "province,city")

# Uploads (docs/security.md, "Uploads"). Spreadsheets: checked while the file is read
# (core.excel.reading.UploadLimits), so a zip bomb is refused before memory grows.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)  # the file; a part read whole
UPLOAD_SHEET_MAX_BYTES = env_int("UPLOAD_SHEET_MAX_BYTES", 500 * 1024 * 1024)  # a sheet, inflated
UPLOAD_ROW_MAX_BYTES = env_int("UPLOAD_ROW_MAX_BYTES", 4 * 1024 * 1024)  # a row, a shared string
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 200_000)  # below the header
UPLOAD_MAX_CELLS_PER_ROW = env_int("UPLOAD_MAX_CELLS_PER_ROW", 500)
UPLOAD_MAX_SHARED_STRINGS = env_int("UPLOAD_MAX_SHARED_STRINGS", 1_000_000)
# Documents (charters, activity rules): PDF, Word or an image by content, at most this size,
# sealed (core.encryption) in a private directory that no URL serves (core.documents).
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))

# The public vote (docs/voting.md): the SMS backend for one-time codes (the console backend logs
# them; voting.verification.HttpSmsGateway posts to VOTING_SMS_URL), the key of the identity
# hashes (derived from SECRET_KEY when unset), and the rate limits per address and per identity
# (requests, seconds).
VOTING_SMS_BACKEND = os.environ.get("VOTING_SMS_BACKEND", "voting.verification.ConsoleSmsBackend")
VOTING_SMS_URL = os.environ.get("VOTING_SMS_URL", "")
VOTING_SMS_TOKEN = os.environ.get("VOTING_SMS_TOKEN", "")
VOTING_SMS_SIGN = os.environ.get("VOTING_SMS_SIGN", "")
VOTING_HASH_KEY = os.environ.get("VOTING_HASH_KEY", "")
VOTING_ADDRESS_LIMIT = (env_int("VOTING_ADDRESS_LIMIT", 60), 600)
VOTING_IDENTITY_LIMIT = (env_int("VOTING_IDENTITY_LIMIT", 5), 600)

REST_FRAMEWORK = {
    # Token first: an unauthenticated request gets 401 with WWW-Authenticate: Token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["core.auth.AnonymousThrottle"],
    "NUM_PROXIES": PROXY_COUNT or None,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community social organisation registry API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrganisationStatusEnum": "registry.choices.OrgStatus",
        "ApplicationStatusEnum": "registry.choices.ApplicationStatus",
        "ApplicationKindEnum": "registry.choices.ApplicationKind",
        "SanctionKindEnum": "grading.choices.SanctionKind",
        "PanelKindEnum": "grading.choices.PanelKind",
        "GradeLevelEnum": "grading.choices.GradeLevel",
        "GradingAggregationEnum": "grading.choices.Aggregation",
        "SelectionAggregationEnum": "selection.choices.Aggregation",
        "SelectionStageKindEnum": "selection.choices.StageKind",
        "SelectionCutKindEnum": "selection.choices.CutKind",
        "SelectionRevisionKindEnum": "selection.choices.RevisionKind",
        "SupportPlatformKindEnum": "support.choices.PlatformKind",
        "SupportResidencyKindEnum": "support.choices.ResidencyKind",
        "SupportFundingKindEnum": "support.choices.FundingKind",
        "SupportStageEnum": "support.choices.Stage",
        "SupportOpenStageEnum": "support.choices.OPEN_STAGE_CHOICES",
    },
}

# A reason for a change can be as long as the person needs; it is stored with the history row.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# HTTPS. Production runs behind a TLS-terminating proxy (docs/deployment.md) which tells the
# scheme in a header: SECURE_PROXY_SSL_HEADER names it (e.g. X-Forwarded-Proto); trust it only
# when the proxy sets it on every request, as the nginx example does.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # probes from the proxy's machine speak plain HTTP
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp) on every response: scripts, styles, fonts and images only
# from this site; no inline style, and no inline script but one a page signs with the response's
# nonce (``request.csp_nonce``); the API docs use drf-spectacular's split view, whose start-up
# script is a separate file; no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
