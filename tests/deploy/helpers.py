"""Run Django in a fresh process with a chosen environment: settings are read once, at start."""

import json
import os
import subprocess
import sys
from pathlib import Path

from config.pytest_env import TEST_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
#: what docs/deployment.md asks of a production deployment behind the TLS proxy
PRODUCTION = {
    "SECRET_KEY": "1n8v3kq0_7Zr4Wc2yXh9LmTpB6sJdE5uAfGiQoN-VbK1xRlY0wCzHjS3eUaM7PtD",
    "ALLOWED_HOSTS": "registry.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://registry.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_HSTS_PRELOAD": "true",
    # ID numbers sealed at rest (docs/security.md): a Fernet key and the keyed hash's key
    "FIELD_ENCRYPTION_KEYS": "7jEJ5cZmWm1ZkQy4sG7xIXnL0n8Ck4k9mB2o0hXy3VA=",
    "FIELD_HASH_KEY": "Qm9vbGVhbi1oYXNoLWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY3OA",
}


def clean_environment(**extra) -> dict:
    """The machine's environment without the test run's settings and any project variable."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in TEST_ENVIRONMENT
        and k not in PRODUCTION
        # (the browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright: a deploy
        # check refuses it, and no production process has it)
        and k not in {"DEBUG", "DEMO_MODE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.startswith("SECURE_")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(extra)
    return env


def run_python(code: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def settings_in(env: dict, *names: str) -> dict:
    """The values of ``names`` in the settings a fresh process reads from ``env``."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, "
        "default=str))"
    )
    done = run_python(code, env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
