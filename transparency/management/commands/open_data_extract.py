"""Write the day's open-data extract (run daily, e.g. from cron at 02:00)."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from core.progress import progress_bar
from transparency.extract import generate_extract


class Command(BaseCommand):
    help = "Write the open-data extract (public register and credit lists, CSV and JSON, zipped)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to describe, YYYY-MM-DD (default today)")
        parser.add_argument(
            "--force", action="store_true", help="write it again if the day already has one"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, date=None, force=False, no_progress=False, **options):
        day = None
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date: give a date as YYYY-MM-DD, not {date!r}") from None
        started = time.perf_counter()
        with progress_bar(
            total=None, description="open-data extract", enabled=not no_progress
        ) as step:
            extract = generate_extract(day, force=force, progress=lambda _table, n: step(n))
        self.stdout.write(
            f"{extract.extract_date}: {extract.organisations:,} organisations, "
            f"{extract.credit_list_entries:,} credit-list entries, "
            f"{extract.size_bytes / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s "
            f"({extract.file_name})"
        )
