"""Bring the audit index up to date with every history table (run every few minutes)."""

import time

from django.core.management.base import BaseCommand

from core.progress import progress_bar
from transparency.audit import audit_index_catch_up, audit_index_repair


class Command(BaseCommand):
    help = (
        "Index new history rows for the audit log, and those a concurrent transaction committed "
        "late (the last --window ids of each table; --full: all of them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--window", type=int, default=100_000)
        parser.add_argument("--full", action="store_true", help="check every history row")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, window=100_000, full=False, no_progress=False, **options):
        started = time.perf_counter()
        with progress_bar(total=None, description="audit index", enabled=not no_progress) as step:
            added = audit_index_catch_up(progress=lambda _key, n: step(n))
            repaired = audit_index_repair(
                window=None if full else window, progress=lambda _key, n: step(n)
            )
        self.stdout.write(
            f"indexed {added:,} new and {repaired:,} missed history rows "
            f"in {time.perf_counter() - started:.1f} s"
        )
