"""gunicorn's configuration for production (`make serve`, docs/deployment.md).

    gunicorn -c config/gunicorn.py

Every value can be changed from the environment. Sync workers, 2 per CPU by default: a request
is CPU work in Python and in the database, which on a small machine share the same cores
(sizing: docs/deployment.md, load test: bench/load.py and docs/performance.md).
"""

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# WEB_CONCURRENCY is gunicorn's own variable for the number of worker processes.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
# Long work runs as a task, so no request needs long; the margin covers a SQLite deployment,
# where a write may wait for the lock up to SQLITE_BUSY_TIMEOUT (60 s) behind a running import.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 90)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The reverse proxy's address: gunicorn believes X-Forwarded-* headers only from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
