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
# Load Django once in the master and fork the workers from it: a recycled worker starts in
# milliseconds instead of importing the project again (a second of CPU each time, every
# 5,000 requests per worker under load), and the workers share the loaded code's memory. Nothing
# opens a database connection while loading (connections open at a request's first query), so
# no connection is shared across the fork. The price: new code needs a restart, not a HUP
# (docs/deployment.md). GUNICORN_PRELOAD=false turns it off.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in ("0", "false", "no")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The reverse proxy's address: gunicorn believes X-Forwarded-* headers only from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
