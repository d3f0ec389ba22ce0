"""Charts of the crawl report as inline SVG, drawn by matplotlib.

Each chart is one ``<svg>`` element to put in the page as it is: no script, no font or
image to fetch (text stays text, in the reader's sans-serif font). Every mark (a bar, a
point) carries what it shows, for readers and for checks: ``data-series``,
``data-label`` and ``data-value`` attributes and a ``<title>`` that browsers show on
hover; the ``<svg>`` has ``data-chart`` (its name), ``role="img"`` and an ``aria-label``.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
from lxml import etree
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

#: Colours of the series, readable on white and told apart by most colour-blind readers
#: (the Okabe-Ito palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999",
           "#000000")  # fmt: skip
FONT = ["DejaVu Sans", "sans-serif"]
MARKERS = ("o", "s", "^", "D")
DASHES = ("solid", "dashed", "dotted", "dashdot")


@dataclass(frozen=True)
class Series:
    """One named row of values, one per label of the chart."""

    name: str
    values: Sequence[float]
    color: str | None = None


def count(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def seconds(value: float) -> str:
    return f"{value:.1f} s"


def bars(
    chart: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    fmt: Callable[[float], str] = count,
    value_labels: bool = True,
    axis_label: str = "",
    size: tuple[float, float] | None = None,
) -> str:
    """A bar chart: grouped bars per label (``stacked``: one bar per label, series on
    top of each other), vertical or ``horizontal``; each bar's value written on it
    unless ``value_labels`` is off. Returns the ``<svg>`` markup."""
    with _style(chart):
        return _bars(chart, title, labels, series, horizontal, stacked, fmt, value_labels,
                     axis_label, size)


def _bars(
    chart: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    horizontal: bool,
    stacked: bool,
    fmt: Callable[[float], str],
    value_labels: bool,
    axis_label: str,
    size: tuple[float, float] | None,
) -> str:
    n = max(len(labels), 1)
    if size is None:
        size = (8.0, max(1.8, 0.32 * n * (1 if stacked else len(series)) + 1.0)) \
            if horizontal else (max(6.0, min(12.0, 0.45 * n * max(len(series), 1) + 2)), 3.4)
    fig, ax = _figure(size)
    marks: dict[str, tuple[str, str, float, str]] = {}
    positions = list(range(len(labels)))
    width = 0.8 if stacked else 0.8 / max(len(series), 1)
    base = [0.0] * len(labels)
    for k, item in enumerate(series):
        color = item.color or PALETTE[k % len(PALETTE)]
        where = positions if stacked else [p - 0.4 + width * (k + 0.5) for p in positions]
        values = [float(v) for v in item.values]
        if horizontal:
            rects = ax.barh(where, values, height=width, left=base if stacked else None,
                            color=color, label=item.name)  # fmt: skip
        else:
            rects = ax.bar(where, values, width=width, bottom=base if stacked else None,
                           color=color, label=item.name)  # fmt: skip
        for i, rect in enumerate(rects):
            gid = f"mark-{k}-{i}"
            rect.set_gid(gid)
            marks[gid] = (item.name, labels[i], values[i], fmt(values[i]))
        if stacked:
            base = [b + v for b, v in zip(base, values, strict=True)]
        if value_labels:
            ax.bar_label(rects, labels=[fmt(v) if v else "" for v in values],
                         label_type="center" if stacked else "edge", fontsize=7,
                         padding=0 if stacked else 2)  # fmt: skip
    value_axis = ax.xaxis if horizontal else ax.yaxis
    if fmt is percent:
        value_axis.set_major_formatter(lambda v, _: f"{v * 100:.0f} %")
    elif fmt is count:
        value_axis.set_major_locator(MaxNLocator(integer=True))
    if horizontal:
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.set_xlabel(axis_label)
        ax.margins(x=0.12)
    else:
        ax.set_xticks(positions, labels, rotation=45 if n > 8 else 0,
                      ha="right" if n > 8 else "center")  # fmt: skip
        ax.set_ylabel(axis_label)
        ax.margins(y=0.15)
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False, ncols=min(len(series), 4),
                  loc="lower left", bbox_to_anchor=(0, 1.0))  # fmt: skip
    return _svg(chart, title, fig, marks)


def lines(
    chart: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[float], str] = percent,
    ylim: tuple[float, float] | None = (0.0, 1.05),
    axis_label: str = "",
) -> str:
    """A line chart with a marked point per label; each point is a mark."""
    with _style(chart):
        return _lines(chart, title, labels, series, fmt, ylim, axis_label)


def _lines(
    chart: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
    ylim: tuple[float, float] | None,
    axis_label: str,
) -> str:
    fig, ax = _figure((max(6.0, min(12.0, 0.5 * len(labels) + 3)), 3.2))
    marks: dict[str, tuple[str, str, float, str]] = {}
    positions = list(range(len(labels)))
    for k, item in enumerate(series):
        color = item.color or PALETTE[k % len(PALETTE)]
        values = [float(v) for v in item.values]
        # Series often coincide (three fields at 97 %): dashes and marker shapes keep
        # each one visible.
        marker, dashes = MARKERS[k % len(MARKERS)], DASHES[k % len(DASHES)]
        ax.plot(positions, values, color=color, linewidth=1.5, linestyle=dashes,
                marker=marker, markersize=6 + 2 * (len(series) - k), fillstyle="none",
                label=item.name)  # fmt: skip
        for i, value in enumerate(values):
            (point,) = ax.plot([i], [value], marker=marker, color=color, linestyle="none",
                               markersize=6 + 2 * (len(series) - k), fillstyle="none")
            gid = f"mark-{k}-{i}"
            point.set_gid(gid)
            marks[gid] = (item.name, labels[i], value, fmt(value))
    ax.set_xticks(positions, labels, rotation=45 if len(labels) > 8 else 0,
                  ha="right" if len(labels) > 8 else "center")  # fmt: skip
    if ylim:
        ax.set_ylim(*ylim)
    if fmt is percent:
        ax.yaxis.set_major_formatter(lambda v, _: f"{v * 100:.0f} %")
    ax.set_ylabel(axis_label)
    ax.legend(fontsize=8, frameon=False, ncols=min(len(series), 4), loc="lower left",
              bbox_to_anchor=(0, 1.0))  # fmt: skip
    return _svg(chart, title, fig, marks)


def _style(chart: str) -> contextlib.AbstractContextManager[None]:
    # Text stays <text> (no glyphs drawn as paths); clip-path ids differ between charts.
    return matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": chart, "font.family": FONT}
    )


def _figure(size: tuple[float, float]) -> tuple[Figure, Axes]:
    # A Figure of its own (not pyplot): no global state, nothing shown on a screen.
    fig = Figure(figsize=size, dpi=72, layout="constrained")
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    return fig, ax


def _svg(chart: str, title: str, fig: Figure,
         marks: dict[str, tuple[str, str, float, str]]) -> str:  # fmt: skip
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    root = etree.fromstring(buffer.getvalue(), etree.XMLParser(resolve_entities=False,
                                                                no_network=True))
    for metadata in root.findall(f"{{{SVG_NS}}}metadata"):
        root.remove(metadata)
    _prefix_ids(root, chart)
    for element in root.iter(f"{{{SVG_NS}}}g"):
        mark = marks.get(element.get("id", "").removeprefix(f"{chart}-"))
        if mark is None:
            continue
        series, label, value, shown = mark
        element.set("data-series", series)
        element.set("data-label", label)
        element.set("data-value", f"{value:.10g}")
        tip = etree.SubElement(element, f"{{{SVG_NS}}}title")
        tip.text = f"{series} – {label}: {shown}" if series else f"{label}: {shown}"
        element.insert(0, tip)
    # As wide as the page allows, up to the size it was drawn at.
    width = root.attrib.pop("width", None)
    root.attrib.pop("height", None)
    if width:
        root.set("style", f"max-width: {width}")
    root.set("data-chart", chart)
    root.set("role", "img")
    root.set("aria-label", title)
    root.set("class", "chart")
    return etree.tostring(root, encoding="unicode")


_URL_REF = re.compile(r"url\(#([^)]+)\)")


def _prefix_ids(root: etree._Element, prefix: str) -> None:
    """Make the ids of one chart unique in a page holding several."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if "id" in element.attrib:
            element.set("id", f"{prefix}-{element.get('id')}")
        href = element.get(XLINK_HREF)
        if href and href.startswith("#"):
            element.set(XLINK_HREF, f"#{prefix}-{href[1:]}")
        for name, value in element.attrib.items():
            if "url(#" in value:
                element.set(name, _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value))
