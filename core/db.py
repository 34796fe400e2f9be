"""Database helpers shared by long-running jobs."""

from contextlib import contextmanager

from django.conf import settings


@contextmanager
def unlogged_queries():
    """Don't keep and format every query under DEBUG while a bulk job runs.

    Only for single-threaded processes (management commands): it flips a global setting.
    """
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug
