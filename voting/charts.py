"""Turnout over time as a server-drawn SVG (no script): the running count of ballots by hour."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def turnout_chart(rows, *, width: int = 640, height: int = 240) -> SafeString:
    """A line of the ballots cast by the end of each hour (``selectors.turnout`` rows)."""
    if not rows:
        return mark_safe("")
    left, right, top, bottom = 56, 16, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    first, last = rows[0][0], rows[-1][0]
    span = max((last - first).total_seconds(), 3600.0)
    most = max(running for _hour, _n, running in rows) or 1

    def x(hour):
        return left + plot_w * (hour - first).total_seconds() / span

    def y(value):
        return top + plot_h * (1 - value / most)

    points = " ".join(f"{x(hour):.1f},{y(running):.1f}" for hour, _n, running in rows)
    start = timezone.localtime(first).strftime("%m-%d %H:00")
    end = timezone.localtime(last).strftime("%m-%d %H:00")
    title = _("Turnout over time")
    description = _("Ballots cast by the end of each hour: %(total)s in all.") % {"total": most}
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="turnout-title turnout-desc" '
        'viewBox="0 0 {w} {h}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        '<title id="turnout-title">{title}</title><desc id="turnout-desc">{desc}</desc>'
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#777"/>'
        '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#777"/>'
        '<text x="{tl}" y="{ty}" font-size="12" text-anchor="end">{most}</text>'
        '<text x="{tl}" y="{b}" font-size="12" text-anchor="end">0</text>'
        '<text x="{l}" y="{lab}" font-size="12">{start}</text>'
        '<text x="{r}" y="{lab}" font-size="12" text-anchor="end">{end}</text>'
        '<polyline fill="none" stroke="#b3261e" stroke-width="2" points="{points}"/></svg>',
        w=width,
        h=height,
        title=title,
        desc=description,
        l=left,
        r=left + plot_w,
        t=top,
        b=top + plot_h,
        tl=left - 6,
        ty=top + 4,
        lab=top + plot_h + 18,
        most=most,
        start=start,
        end=end,
        points=points,
    )
