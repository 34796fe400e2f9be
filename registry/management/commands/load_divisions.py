import gzip
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.db import unlogged_queries
from core.progress import progress_bar
from registry.services.divisions import (
    DEFAULT_FILE,
    DEFAULT_OVERLAY,
    DivisionFileError,
    divisions_load,
)


def _count_lines(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            return max(sum(1 for _ in handle) - 1, 0)
    except OSError:
        return 0


class Command(BaseCommand):
    help = (
        "Load the division tree (city, district, street, community) from statistical-code CSV "
        "files: columns level,code,name,parent_code; .csv or .csv.gz. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            action="append",
            type=Path,
            dest="files",
            help="file to load (repeatable); default fixtures/divisions/shenzhen.csv",
        )
        parser.add_argument(
            "--overlay",
            type=Path,
            default=DEFAULT_OVERLAY,
            help="functional-area overlay applied when its units are loaded (default: Dapeng)",
        )
        parser.add_argument("--no-overlay", action="store_true", help="load the file as it is")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(
        self,
        *args,
        files=None,
        overlay=None,
        no_overlay=False,
        no_progress=False,
        verbosity=1,
        **options,
    ):
        files = files or [DEFAULT_FILE]
        for path in files:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
        total = 2 * sum(_count_lines(p) for p in files)
        show = not no_progress and verbosity > 0
        try:
            with (
                unlogged_queries(),
                progress_bar(total=total, description="divisions", enabled=show) as advance,
            ):
                result = divisions_load(
                    paths=files, overlay=None if no_overlay else overlay, progress=advance
                )
        except DivisionFileError as error:
            raise CommandError(
                f"{len(error.problems)} problem(s); nothing was loaded:\n"
                + "\n".join(error.problems)
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged"
                + (" (functional-area overlay applied)" if result.overlay_applied else "")
            )
        )
