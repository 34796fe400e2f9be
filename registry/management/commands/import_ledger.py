from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.db import unlogged_queries
from core.progress import progress_bar
from registry.imports import ledger_import
from registry.ledgers import LEDGERS
from registry.models import User


class Command(BaseCommand):
    help = (
        "Import a ledger file (.xlsx or .csv): activity groups, filed or registered "
        "organisations, members or activities. Every problem is listed by row and column; "
        "unless --skip-invalid, a file with any problem imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="the user the import acts as: their jurisdiction and role apply, and history "
            "records them",
        )
        parser.add_argument(
            "--ledger",
            choices=sorted(LEDGERS),
            help="which ledger the file is (default: told from the sheet name or the headers)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check only: report what would change"
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the good rows and skip the rows with problems",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file, username, ledger, dry_run, skip_invalid, no_progress, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user called {username!r}") from None
        show = not no_progress and options.get("verbosity", 1) > 0
        bars: dict = {}

        def progress(phase: str, done: int, total: int | None):
            if not show:
                return
            bar = bars.get(phase)
            if bar is None:
                context = progress_bar(total=total, description=phase)
                bar = bars[phase] = [context, context.__enter__(), 0]
            bar[1](done - bar[2])
            bar[2] = done

        try:
            with unlogged_queries():
                result = ledger_import(
                    source=file.read_bytes(),
                    filename=file.name,
                    acting_user=user,
                    ledger=ledger,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    progress=progress,
                )
        finally:
            for context, _advance, _done in bars.values():
                context.__exit__(None, None, None)
        for notice in result.notices:
            self.stderr.write(notice)
        for error in result.errors:
            self.stderr.write(str(error))
        if dry_run:
            for change in result.changes[:50]:
                self.stdout.write(
                    f"row {change['row']}: {change['action']} {change['label']}"
                    + (f" ({', '.join(change['fields'])})" if change["fields"] else "")
                )
        summary = result.summary()
        if result.errors and not result.written:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
