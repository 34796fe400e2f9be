"""The test run's environment, set before Django reads its settings (a pytest plugin loaded with
``-p config.pytest_env`` from pyproject.toml, ahead of pytest-django).

Tests run with the production defaults (DEBUG off, no demo mode), except what needs a real
deployment: a fixed secret key, plain-HTTP requests (no redirect to HTTPS, cookies without the
Secure flag), static files without collectstatic's manifest, and the city's KPI export in the
request. A variable already set wins.
The production values themselves are tested by tests/deploy/ in a subprocess.
"""

import atexit
import os
import shutil
import tempfile

TEST_ENVIRONMENT = {
    "SECRET_KEY": "test-run-only-" + "k" * 50,
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "SECURE_HSTS_SECONDS": "0",
    "STATIC_MANIFEST": "false",
    # the dashboards' own tests read the city's export in the request; tests/jobs/ turn the
    # default (city and province exports as jobs) back on
    "JOB_KPI_EXPORT_LEVELS": "province",
    # the dashboards computed on every view (tests write and look again at once);
    # tests/reports/test_dashboard_cache.py turns the production default back on
    "REPORTS_CACHE_SECONDS": "0",
    # the whole suite comes from one address; tests/security/ sets the production rates
    "API_THROTTLE_ANON": "100000/min",
    "API_THROTTLE_TOKEN_FAILURES": "100000/min",
}
# Uploaded files of the run in a folder of its own, never the checkout's media/ and var/private/
# (where a demo seeded with another secret key leaves files sealed with another key).
_files = tempfile.mkdtemp(prefix="registry-test-files-")
atexit.register(shutil.rmtree, _files, ignore_errors=True)
TEST_ENVIRONMENT["MEDIA_ROOT"] = os.path.join(_files, "media")
TEST_ENVIRONMENT["PRIVATE_MEDIA_ROOT"] = os.path.join(_files, "private")

for _name, _value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
