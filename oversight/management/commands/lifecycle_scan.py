import datetime

from django.core.management.base import BaseCommand, CommandError

from core.db import unlogged_queries
from core.progress import progress_bar
from oversight.services.scan import BATCH_SIZE, lifecycle_scan


class Command(BaseCommand):
    help = (
        "Apply the oversight rules as of a day (default today): mark overdue annual reports, "
        "update the abnormal-activity and serious-dishonesty lists, flag dormancy suspects and "
        "open exit proposals for those left unconfirmed past the notice period. Idempotent: a "
        "second run on the same day changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to evaluate the rules on, YYYY-MM-DD")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"rows per window and transaction (default {BATCH_SIZE})",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, today=None, batch_size=BATCH_SIZE, no_progress=False, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today {today!r}: give a date as YYYY-MM-DD") from None
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        show = not no_progress and options.get("verbosity", 1) > 0

        def progress(description, total):
            return progress_bar(total=total, description=description, enabled=show)

        with unlogged_queries():
            result = lifecycle_scan(today=day, batch_size=batch_size, progress=progress)
        style = self.style.SUCCESS if result.changed else self.style.NOTICE
        lines = result.lines()
        self.stdout.write(style(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
