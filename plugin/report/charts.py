"""The HR overview's charts, drawn by matplotlib and returned as inline SVG text.

Figures are made with ``matplotlib.figure.Figure`` (no pyplot state, no GUI backend), text is
drawn as paths (``svg.fonttype: path``) so the page needs no font, and each chart gets its own
``svg.hashsalt`` so the ids of two inline SVGs never clash in one page. Same data, same SVG.

Labels are data (departments, reasons, competence needs people wrote), and matplotlib reads a
text with two unescaped ``$`` as mathtext and a backslash or ``^`` inside it as TeX: "Ekonomi $$" was
a parse error that ended ``samtal report`` with a traceback, and "$x$" would be drawn as math.
Mathtext is switched off for every text of every chart (``text.parse_math: False``) and TeX with
it (``text.usetex: False``), rather than escaping each label: no chart text of ours is math, the
switch covers texts made anywhere in the figure (tick labels are made while drawing), and a
label is drawn exactly as written. Labels also lose control characters and bidi overrides
(:func:`plugin.printable.printable`) and are cut to :data:`LABEL_MAX` characters; the tables
beside the charts keep the whole text.
"""
from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from functools import wraps
from typing import Any, ParamSpec

import matplotlib
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from plugin.printable import printable
from plugin.records import Status

_P = ParamSpec("_P")
LABEL_MAX = 60
# Every chart is drawn under these: data text is never mathtext or TeX (see the module's doc).
PLAIN_TEXT: Any = {"text.parse_math": False, "text.usetex": False, "svg.fonttype": "path"}

STATUS_COLOURS: Mapping[Status, str] = {
    Status.FILED: "#1b7f3b", Status.HELD: "#7cc47f", Status.SCHEDULED: "#2f6db5",
    Status.DECLINED: "#f0a030", Status.UNSCHEDULABLE: "#d9482b", Status.FAILED: "#8e1b10",
    Status.EXCLUDED: "#9a9a9a",
}
_ROOT_SIZE = re.compile(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"')
_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def _plain(chart: Callable[_P, str]) -> Callable[_P, str]:
    """Make and draw the chart with mathtext and TeX off, from its first text to its SVG."""
    @wraps(chart)
    def draw(*args: _P.args, **kwargs: _P.kwargs) -> str:
        with matplotlib.rc_context(PLAIN_TEXT):
            return chart(*args, **kwargs)
    return draw


def data_label(text: str) -> str:
    """A data label as a chart shows it: printable, on one line, at most :data:`LABEL_MAX` long."""
    text = " ".join(printable(text).split())
    return text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1] + "…"


def _svg(fig: Figure, name: str, label: str) -> str:
    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"samtal-{name}"}):
        fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = _METADATA.sub("", _PROLOGUE.sub("", out.getvalue(), count=1), count=1)
    for _ in range(2):  # the page's CSS sizes the chart: drop the fixed width and height
        text = _ROOT_SIZE.sub(r"\1", text, count=1)
    return text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(printable(label), quote=True)}" ', 1)


def _x(day: date) -> float:
    """A day as matplotlib's date number (what a date axis plots)."""
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _date_axis(ax: Axes) -> None:
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]


def _figure(height: float = 3.4) -> Figure:
    fig = Figure(figsize=(8.0, height), dpi=96)
    fig.patch.set_facecolor("white")
    return fig


@_plain
def progress_chart(days: Sequence[tuple[date, int, int]], in_round: int, today: date,
                   labels: Mapping[str, str]) -> str:
    labels = {key: data_label(text) for key, text in labels.items()}
    fig = _figure()
    ax = fig.subplots()
    x = [_x(d) for d, _, _ in days]
    ax.step(x, [h for _, h, _ in days], where="post", color=STATUS_COLOURS[Status.HELD], linewidth=2.2,
            label=labels["held"])
    ax.step(x, [f for _, _, f in days], where="post", color=STATUS_COLOURS[Status.FILED], linewidth=2.2,
            label=labels["filed"])
    ax.axhline(in_round, color="#555555", linestyle="--", linewidth=1, label=labels["in_round"])
    if days and days[0][0] <= today <= days[-1][0]:
        ax.axvline(_x(today), color="#999999", linewidth=1, linestyle=":")
    if not days:  # nothing to draw yet (the window has not opened): the axis is around today
        ax.set_xlim(_x(today - timedelta(days=7)), _x(today + timedelta(days=7)))
    ax.set_ylim(0, max(1, in_round) * 1.08)
    _date_axis(ax)
    ax.set_ylabel(labels["talks"])
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.autofmt_xdate()
    return _svg(fig, "progress", labels["title"])


@_plain
def departments_chart(rows: Sequence[tuple[str, Sequence[int]]], order: Sequence[Status],
                      status_names: Mapping[Status, str], label: str) -> str:
    fig = _figure(max(2.2, 0.45 * len(rows) + 1.2))
    ax = fig.subplots()
    names = _distinct([data_label(name) for name, _ in rows])[::-1]
    status_names = {status: data_label(text) for status, text in status_names.items()}
    left = [0] * len(names)
    for i, status in enumerate(order):
        values = [counts[i] for _, counts in rows][::-1]
        if any(values):
            ax.barh(names, values, left=left, color=STATUS_COLOURS[status], label=status_names[status])
            left = [a + b for a, b in zip(left, values)]
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig, "departments", label)


@_plain
def weeks_chart(weeks: Sequence[tuple[date, int]], window: tuple[date, date], today: date,
                labels: Mapping[str, str]) -> str:
    labels = {key: data_label(text) for key, text in labels.items()}
    fig = _figure()
    ax = fig.subplots()
    start = window[0] - timedelta(days=window[0].weekday())
    inside = [start <= w <= window[1] for w, _ in weeks]
    ax.axvspan(_x(window[0]) - 0.5, _x(window[1]) + 0.5, color="#2f6db5",
               alpha=0.08, label=labels["window"])
    ax.bar([_x(w) + 3 for w, _ in weeks], [n for _, n in weeks], width=5.5,
           color=[STATUS_COLOURS[Status.SCHEDULED] if ok else STATUS_COLOURS[Status.DECLINED] for ok in inside],
           label=labels["talks"])
    if weeks and weeks[0][0] <= today <= weeks[-1][0] + timedelta(days=7):
        ax.axvline(_x(today), color="#999999", linewidth=1, linestyle=":")
    _date_axis(ax)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.autofmt_xdate()
    return _svg(fig, "weeks", labels["title"])


@_plain
def counts_chart(name: str, rows: Sequence[tuple[str, int]], colour: str, label: str,
                 colours: Sequence[str] | None = None) -> str:
    """Horizontal bars, one per row (reasons, themes), biggest on top."""
    fig = _figure(max(1.8, 0.36 * len(rows) + 0.9))
    ax = fig.subplots()
    shown = list(zip(_distinct([data_label(text) for text, _ in rows]), [n for _, n in rows]))[::-1]
    ax.barh([t for t, _ in shown] or [""], [n for _, n in shown] or [0],
            color=(list(colours)[::-1] if colours else colour))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig, name, label)


def _distinct(labels: Sequence[str]) -> list[str]:
    """The labels of a bar chart's categories, made distinct: matplotlib puts equal strings on one
    bar, and two long texts may be cut to the same start, or differ only in controls taken out."""
    seen: dict[str, int] = {}
    out = []
    for text in labels:
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out
