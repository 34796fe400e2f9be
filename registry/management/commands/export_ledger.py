import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.db import unlogged_queries
from core.exceptions import OutOfJurisdiction
from registry.exports import ledger_export
from registry.ledgers import LEDGERS
from registry.models import User


class Command(BaseCommand):
    help = (
        "Export a ledger as the given user sees it (their jurisdiction; phone and ID numbers "
        "masked for roles that only view), as .xlsx or CSV (UTF-8 with BOM)."
    )

    def add_arguments(self, parser):
        parser.add_argument("ledger", choices=sorted(LEDGERS))
        parser.add_argument("--as", dest="username", required=True, help="whose view to export")
        parser.add_argument(
            "--output", "-o", type=Path, help="file to write (default: standard output)"
        )
        parser.add_argument("--format", choices=["xlsx", "csv"], help="default: from --output")
        parser.add_argument("--within", help="only this division's subtree (its code)")

    def handle(self, *args, ledger, username, output, format, within, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user called {username!r}") from None
        file_format = format or ("csv" if output and output.suffix.lower() == ".csv" else "xlsx")
        target = output.open("wb") if output else sys.stdout.buffer
        try:
            with unlogged_queries():
                rows = ledger_export(
                    target, kind=ledger, user=user, file_format=file_format, within=within
                )
        except OutOfJurisdiction:
            raise CommandError(f"{within}: no such division in {username}'s jurisdiction") from None
        finally:
            if output:
                target.close()
        if output:
            self.stderr.write(self.style.SUCCESS(f"{rows} rows written to {output}"))
