"""Compute every KPI of a node and its child nodes, today or as of a past day."""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from reports.exports import kpi_report_dict, kpi_report_xlsx
from reports.kpis import kpi_report


class Command(BaseCommand):
    help = _(
        "Compute every KPI of a division and of each of its child divisions (JSON on standard "
        "output by default, or an Excel workbook)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scope", required=True, help=_("Division code, e.g. 4403 or 440310."))
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help=_("As at the end of this day (YYYY-MM-DD); default today."),
        )
        parser.add_argument(
            "--as-recorded-on",
            dest="as_recorded_on",
            help=_(
                "The figures as the system showed them at the end of this day: only what was "
                "recorded by then counts (YYYY-MM-DD, on or after --as-of)."
            ),
        )
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument(
            "--out", help=_("Write to this file (required for xlsx; JSON goes to stdout).")
        )

    def handle(self, *args, scope, as_of, format, out, as_recorded_on=None, **options):
        as_of = _date("--as-of", as_of)
        as_recorded_on = _date("--as-recorded-on", as_recorded_on)
        if format == "xlsx" and not out:
            raise CommandError(_("Give --out FILE for an Excel workbook."))
        try:
            # The command runs with the machine's full view (no user restricts it).
            report = kpi_report(
                scope=scope, user=_Everyone(), as_of=as_of, as_recorded_on=as_recorded_on
            )
        except Http404:
            message = _("No division has the code '%(code)s'.") % {"code": scope}
            raise CommandError(message) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if format == "xlsx":
            with open(out, "wb") as handle:
                handle.write(kpi_report_xlsx(report))
            self.stderr.write(_("Wrote %(file)s.") % {"file": out})
            return
        text = json.dumps(kpi_report_dict(report), ensure_ascii=False, indent=2)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        else:
            self.stdout.write(text)


def _date(option: str, value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s must be a date written YYYY-MM-DD, not '%(value)s'.")
            % {"option": option, "value": value}
        ) from None


class _Everyone:
    """The command's identity for scoping: the whole tree, like a superuser."""

    is_authenticated = True
    is_active = True
    is_superuser = True
