"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, printable and testable.

Two charts serve the dashboards: a line chart of one KPI over a run of dates with the target
as a dashed line (``line_chart``), and a horizontal bar chart of the child nodes' values against
the target (``bar_chart``). Both are accessible: ``role="img"`` labelled by a ``<title>`` and a
``<desc>``, axis labels, the values written out next to the points and bars, and met / not met
marked by a sign (✓ / ✗), not by colour alone. Numbers are formatted once, by ``format_value``,
which the dashboard tables use too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

#: presentation colours (the ones of static/css/app.css), set as SVG attributes so that a chart
#: looks the same printed, saved on its own or shown without the page's stylesheet
MET = "#1e7b34"
NOT_MET = "#b3261e"
NEUTRAL = "#0b5cad"
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9e2ec"
TARGET = "#8a5a00"
FONT = (
    'system-ui, "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", '
    '"Noto Sans CJK SC", sans-serif'
)
MET_SIGN = "✓"
NOT_MET_SIGN = "✗"
#: characters of a bar's label shown before it is cut short (the full name is in its title)
LABEL_CHARS = 11


def format_value(value: float | None, unit: str) -> str:
    """A KPI value as people read it: a ratio as a percentage, a count whole, a
    per-community density with one decimal, days whole; None is a dash."""
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "per_community":
        return f"{value:.1f}"
    if unit == "yuan":
        return f"¥{value:,.2f}"
    return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:.0f}"


def met_sign(met: bool | None) -> str:
    """✓ for met, ✗ for not met, nothing without a target."""
    return {True: MET_SIGN, False: NOT_MET_SIGN}.get(met, "")


def met_word(met: bool | None) -> str:
    """The target "reached" or "not reached" in words, nothing without a target."""
    if met is None:
        return ""
    return _("reached") if met else _("not reached")


def _colour(met: bool | None) -> str:
    return {True: MET, False: NOT_MET}.get(met, NEUTRAL)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value * (1 - 1e-9):
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def axis_top(values: Sequence[float | None], target: float | None, unit: str) -> float:
    """The top of the value axis: 0 is always the bottom, 100% the top for a ratio that
    stays under it, else a round number above the largest value and the target."""
    known = [v for v in values if v is not None]
    if target is not None:
        known.append(target)
    largest = max(known, default=0.0)
    if unit == "ratio" and largest <= 1:
        return 1.0
    return nice_ceiling(largest)


def ticks(top: float, count: int = 4) -> list[float]:
    """``count`` + 1 evenly spaced values from 0 to ``top``."""
    return [top * i / count for i in range(count + 1)]


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(x, y, content, *, anchor="start", size=12, fill=INK, weight=None, extra="") -> str:
    attrs = f'x="{_num(x)}" y="{_num(y)}" font-size="{size}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    return f"<text {attrs}{extra}>{escape(content)}</text>"


def _svg(chart_id: str, width: int, height: int, title: str, description: str, body: list[str]):
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" '
        f'role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{escape(FONT)}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def target_label(target: float, unit: str) -> str:
    return _("Target %(value)s") % {"value": format_value(target, unit)}


def tick_label(value: float, unit: str) -> str:
    if unit == "ratio":
        return f"{value * 100:.0f}%"
    return _num(value) if value < 10_000 else f"{value:,.0f}"


def _legend(x: float, y: float, label: str) -> list[str]:
    """Above the plot: the dashed target line with ``label``, and what ✓ and ✗ mean."""
    return [
        f'<g class="legend"><line x1="{_num(x)}" x2="{_num(x + 22)}" y1="{_num(y - 4)}" '
        f'y2="{_num(y - 4)}" stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>',
        _text(x + 27, y, label, fill=TARGET),
        _text(x + 140, y, f"{MET_SIGN} {met_word(True)}", fill=MET),
        _text(x + 210, y, f"{NOT_MET_SIGN} {met_word(False)}", fill=NOT_MET),
        "</g>",
    ]


# --- the trend of one KPI ----------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One date of a trend: the value then (None leaves a gap) and whether it met the target."""

    day: dt.date
    value: float | None
    met: bool | None = None


def line_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    description: str,
    unit: str,
    target: float | None = None,
    x_label: str = "",
    y_label: str = "",
    width: int = 640,
    height: int = 280,
) -> SafeString:
    """A line through ``points`` with the target as a dashed line.

    Dates are spaced evenly (they are month-ends); each point carries its value written above
    it and a tooltip, and is marked ✓ / ✗ against the target when there is one.
    """
    left, right, top, bottom = 64, 40, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [point.value for point in points]
    y_top = axis_top(values, target, unit)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - min(value, y_top) / y_top)

    def x_of(index: int) -> float:
        if len(points) == 1:
            return left + plot_w / 2
        return left + plot_w * index / (len(points) - 1)

    body = []
    for tick in ticks(y_top):
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, tick_label(tick, unit), anchor="end", fill=MUTED))
    body.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{MUTED}"/>'
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>'
    )
    every = max(1, math.ceil(len(points) / 8))
    for index, point in enumerate(points):
        last = len(points) - 1
        if (last - index) % every == 0:  # counted back from the last, which always shows
            body.append(
                _text(
                    x_of(index),
                    top + plot_h + 16,
                    f"{point.day:%Y-%m}",
                    anchor="middle",
                    fill=MUTED,
                )
            )
    if x_label:
        body.append(_text(left + plot_w / 2, height - 8, x_label, anchor="middle", fill=MUTED))
    if y_label:
        mid = top + plot_h / 2
        body.append(
            _text(
                14,
                mid,
                y_label,
                anchor="middle",
                fill=MUTED,
                extra=f' transform="rotate(-90 14 {_num(mid)})"',
            )
        )

    if target is not None:
        y = y_of(target)
        body.append(
            f'<line class="target" x1="{left}" x2="{left + plot_w}" y1="{_num(y)}" '
            f'y2="{_num(y)}" stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        body += _legend(left, 16, target_label(target, unit))

    # the line, broken where a value is missing
    segments, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{_num(x_of(index))},{_num(y_of(value))}")
    if current:
        segments.append(current)
    for segment in segments:
        if len(segment) > 1:
            body.append(
                f'<polyline class="trend" points="{" ".join(segment)}" fill="none" '
                f'stroke="{NEUTRAL}" stroke-width="2"/>'
            )
    # values written above every point while they fit, else above every second or third one
    # (counted back from the last); each point's tooltip has its value either way
    label_every = max(1, math.ceil(len(points) * 56 / plot_w))
    for index, point in enumerate(points):
        if point.value is None:
            continue
        x, y = x_of(index), y_of(point.value)
        colour = _colour(point.met)
        shown = f"{format_value(point.value, unit)}{met_sign(point.met)}"
        body.append(
            f'<circle class="point" cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{colour}">'
            f"<title>{escape(f'{point.day:%Y-%m-%d}: {shown}')}</title></circle>"
        )
        if (len(points) - 1 - index) % label_every == 0:
            body.append(_text(x, y - 8, shown, anchor="middle", size=11, fill=colour))
    if not any(value is not None for value in values):
        body.append(
            _text(left + plot_w / 2, top + plot_h / 2, _("No data"), anchor="middle", fill=MUTED)
        )
    return _svg(chart_id, width, height, title, description, body)


# --- the children of a node against the target ------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One child node in a bar chart; ``href`` makes the bar a link to its dashboard."""

    label: str
    value: float | None
    met: bool | None = None
    href: str | None = None
    #: this node's own target, where targets differ between nodes (density: urban or rural)
    target: float | None = None


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    unit: str,
    target: float | None = None,
    x_label: str = "",
    width: int = 640,
    bar_height: int = 22,
) -> SafeString:
    """Horizontal bars, one per child in the given order, each with its value and ✓ / ✗
    written at its end, and the target as a dashed vertical line (one across every bar, or a
    short one on each bar where the bars' own targets differ)."""
    own_targets = {bar.target for bar in bars if bar.target is not None}
    if target is None and len(own_targets) == 1:
        target = own_targets.pop()
    per_bar = target is None and bool(own_targets)
    label_w, right, top, bottom = 150, 92, 36, 44
    plot_w = width - label_w - right
    gap = 6
    height = top + bottom + max(1, len(bars)) * (bar_height + gap)
    x_top = axis_top(
        [bar.value for bar in bars] + [bar.target for bar in bars if per_bar], target, unit
    )

    def x_of(value: float) -> float:
        return label_w + plot_w * min(max(value, 0), x_top) / x_top

    plot_bottom = height - bottom
    body = []
    for tick in ticks(x_top):
        x = x_of(tick)
        body.append(
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{top}" y2="{plot_bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(x, plot_bottom + 16, tick_label(tick, unit), anchor="middle", fill=MUTED))
    if x_label:
        body.append(_text(label_w + plot_w / 2, height - 6, x_label, anchor="middle", fill=MUTED))
    for index, bar in enumerate(bars):
        y = top + index * (bar_height + gap) + gap / 2
        middle = y + bar_height / 2 + 4
        name = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
        shown = f"{format_value(bar.value, unit)}{met_sign(bar.met)}".strip()
        tooltip = f"{bar.label}: {shown}"
        if per_bar and bar.target is not None:
            tooltip += f" ({target_label(bar.target, unit)})"
        row = [
            f"<title>{escape(tooltip)}</title>",
            _text(label_w - 8, middle, name, anchor="end", fill=NEUTRAL if bar.href else INK),
        ]
        if bar.value is not None:
            end = x_of(bar.value)
            row.append(
                f'<rect class="bar" x="{label_w}" y="{_num(y)}" '
                f'width="{_num(max(end - label_w, 1))}" height="{bar_height}" '
                f'fill="{_colour(bar.met)}" fill-opacity="0.85"/>'
            )
            row.append(_text(end + 5, middle, shown, fill=_colour(bar.met), weight="600"))
        else:
            row.append(_text(label_w + 5, middle, shown, fill=MUTED))
        if per_bar and bar.target is not None:
            x = x_of(bar.target)
            row.append(
                f'<line class="target" x1="{_num(x)}" x2="{_num(x)}" y1="{_num(y - 2)}" '
                f'y2="{_num(y + bar_height + 2)}" stroke="{TARGET}" stroke-width="2" '
                f'stroke-dasharray="4 2"/>'
            )
        content = "".join(row)
        if bar.href:
            body.append(f'<a class="row" href="{escape(bar.href)}">{content}</a>')
        else:
            body.append(f'<g class="row">{content}</g>')
    body.append(
        f'<line x1="{label_w}" x2="{label_w}" y1="{top}" y2="{plot_bottom}" stroke="{MUTED}"/>'
    )
    if target is not None:
        x = x_of(target)
        body.append(
            f'<line class="target" x1="{_num(x)}" x2="{_num(x)}" y1="{top - 4}" '
            f'y2="{plot_bottom}" stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        body += _legend(label_w, 16, target_label(target, unit))
    elif per_bar:
        body += _legend(label_w, 16, _("Target of each unit"))
    if not bars:
        body.append(_text(label_w + plot_w / 2, top + 16, _("No data"), anchor="middle"))
    return _svg(chart_id, width, height, title, description, body)
