"""The crawl report as one self-contained HTML page: charts inline as SVG, tables with the
same numbers, styles in the page. Nothing is fetched when it is opened: no script, font,
stylesheet or image from anywhere, so it reads the same offline or as a mail attachment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from crawler.report import charts
from crawler.report.charts import Series
from crawler.report.data import REQUIRED_FIELDS, ReportData, Run

STATUS_COLORS = {0: "#009E73", 65: "#E69F00", 75: "#56B4E9", 1: "#D55E00", None: "#999999"}
CATEGORY_COLORS = {"site": "#0072B2", "json_ld": "#56B4E9", "open_graph": "#009E73",
                   "meta": "#CC79A7", "generic": "#E69F00", "empty": "#D55E00",
                   "other": "#999999"}  # fmt: skip

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1b; }
h1 { margin-bottom: 0.2rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; }
.meta { color: #555; margin-top: 0; }
.totals { display: flex; gap: 1rem; flex-wrap: wrap; padding: 0; }
.totals li { list-style: none; border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 1rem; }
.totals b { display: block; font-size: 1.6rem; }
figure { margin: 1rem 0; }
figcaption { font-weight: 600; margin-bottom: 0.3rem; }
svg.chart { width: 100%; height: auto; max-height: 36rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td.text { text-align: left; }
.empty { color: #777; font-style: italic; }
.alarm { color: #a33; }
"""


def render(data: ReportData) -> str:
    """The whole page."""
    body = [
        "<h1>Crawl report</h1>",
        f'<p class="meta">Database {_e(data.database)}, read {_time(data.generated_at)}. '
        f"The last {len(data.runs)} runs; stored per day over {len(data.days)} days "
        f"(since {data.since.isoformat()}, UTC).</p>",
        _totals(data),
        _runs_section(data.runs),
        _days_section(data),
        _rejected_section(data),
        _coverage_section(data),
        _busiest_section(data),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Crawl report</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "–"


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{_e(caption)}</figcaption>{svg}</figure>"


def _nothing(what: str) -> str:
    return f'<p class="empty">{_e(what)}</p>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], text_columns: int = 1,
           css: str = "") -> str:  # fmt: skip
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    lines = []
    for row in rows:
        cells = "".join(
            f'<td class="text">{_e(v)}</td>' if i < text_columns else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    attribute = f' class="{css}"' if css else ""
    return (f'<div class="scroll"><table{attribute}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table></div>")


def _totals(data: ReportData) -> str:
    items = "".join(
        f"<li><b>{charts.count(n)}</b>{_e(name)}</li>" for name, n in data.totals.items()
    )
    return f'<ul class="totals">{items}</ul>'


def _run_label(run: Run) -> str:
    return f"#{run.id}"


def _runs_section(runs: list[Run]) -> str:
    parts = ["<h2>Runs</h2>"]
    if not runs:
        return parts[0] + _nothing("No run recorded yet.")
    labels = [_run_label(r) for r in runs]
    parts.append(_figure("Stored per run", charts.bars(
        "stored-per-run", "Articles and comments stored per run", labels,
        [Series("articles new", [r.articles_new for r in runs]),
         Series("articles updated", [r.articles_updated for r in runs]),
         Series("comments new", [r.comments_new for r in runs])],
    )))  # fmt: skip
    statuses = sorted({r.exit_status for r in runs}, key=lambda s: (s is None, s or 0))
    durations = [
        Series(_exit_name(status),
               [(r.duration or 0.0) if r.exit_status == status else 0.0 for r in runs],
               STATUS_COLORS.get(status, "#999999"))
        for status in statuses
    ]  # fmt: skip
    parts.append(_figure("Run durations, by exit status", charts.bars(
        "run-durations", "Run durations in seconds, coloured by exit status", labels,
        durations, stacked=True, fmt=charts.seconds, axis_label="seconds",
    )))  # fmt: skip
    parts.append(_table(
        ["run", "job", "started", "duration", "status", "exit status", "finish reason",
         "requests", "articles new", "updated", "unchanged", "comments new",
         "pages rejected", "sitemaps read", "sitemaps not read", "errors"],
        [[_run_label(r), r.job, _time(r.started_at),
          charts.seconds(r.duration) if r.duration is not None else "–", r.status,
          _exit_name(r.exit_status), r.finish_reason or "–", r.requests, r.articles_new,
          r.articles_updated, r.articles_unchanged, r.comments_new, r.pages_rejected,
          r.sitemaps_read, r.sitemaps_not_read, r.errors] for r in reversed(runs)],
        text_columns=7,
    ))  # fmt: skip
    return "\n".join(parts)


def _exit_name(status: int | None) -> str:
    names = {0: "0 (ok)", 1: "1 (failed)", 65: "65 (extraction alarm)",
             75: "75 (lock lost)", None: "none (running or killed)"}  # fmt: skip
    return names.get(status, str(status))


def _days_section(data: ReportData) -> str:
    parts = ["<h2>Stored per day</h2>"]
    if not any(data.articles_per_day) and not any(data.comments_per_day):
        return parts[0] + _nothing(f"Nothing stored since {data.since.isoformat()}.")
    labels = [d.strftime("%m-%d") for d in data.days]
    parts.append(_figure("Articles and comments first stored, per day (UTC)", charts.bars(
        "stored-per-day", "Articles and comments first stored per day", labels,
        [Series("articles", data.articles_per_day), Series("comments", data.comments_per_day)],
    )))  # fmt: skip
    rows = [[d.isoformat(), a, c] for d, a, c in
            zip(data.days, data.articles_per_day, data.comments_per_day, strict=True)
            if a or c]  # fmt: skip
    parts.append(_table(["day", "articles", "comments"], reversed(rows)))
    return "\n".join(parts)


def _rejected_section(data: ReportData) -> str:
    parts = ["<h2>Pages refused</h2>"]
    if not data.rejected_by_reason:
        return parts[0] + _nothing("No page is refused at the moment.")
    reasons = [reason for reason, _ in data.rejected_by_reason]
    counts = [n for _, n in data.rejected_by_reason]
    parts.append(_figure("Pages refused now, by reason (rejected_pages)", charts.bars(
        "rejected-by-reason", "Pages refused, by reason", reasons,
        [Series("pages", counts, "#D55E00")], horizontal=True, axis_label="pages",
    )))  # fmt: skip
    parts.append(_table(["reason", "pages"], data.rejected_by_reason))
    return "\n".join(parts)


def _coverage_section(data: ReportData) -> str:
    coverage = data.coverage
    parts = ["<h2>Extraction coverage</h2>"]
    if not coverage.fields:
        return parts[0] + _nothing("No run in the report parsed an article page.")
    runs = ", ".join(f"#{i}" for i in coverage.run_ids)
    parts.append(
        f'<p class="meta">Where each field came from, over runs {_e(runs)} '
        f"({charts.count(coverage.parsed)} article pages parsed; each run weighted by "
        "its pages).</p>"
    )
    names = list(coverage.fields)
    series = [
        Series(category, [coverage.fields[name].get(category, 0.0) for name in names],
               CATEGORY_COLORS.get(category, "#999999"))
        for category in coverage.categories
        if any(coverage.fields[name].get(category) for name in names)
    ]  # fmt: skip
    parts.append(_figure("Field coverage by extraction method", charts.bars(
        "coverage-by-method", "Share of parsed pages per field, by extraction method", names,
        series, horizontal=True, stacked=True, fmt=charts.percent, value_labels=False,
        axis_label="share of parsed pages",
    )))  # fmt: skip
    measured = [r for r in data.runs if r.id in coverage.run_ids]
    site = [
        Series(name, [float(((r.coverage or {}).get("fields") or {}).get(name, {})
                            .get("site", 0.0)) for r in measured])
        for name in REQUIRED_FIELDS
    ]  # fmt: skip
    parts.append(_figure("Required fields from the site layout, run by run", charts.lines(
        "site-layout-share", "Share of pages whose required fields came from the site layout",
        [_run_label(r) for r in measured], site, axis_label="from the site layout",
    )))  # fmt: skip
    parts.append(_table(
        ["field", *coverage.categories],
        [[name, *(charts.percent(coverage.fields[name].get(c, 0.0))
                  for c in coverage.categories)] for name in names],
    ))  # fmt: skip
    alarms = [r for r in data.runs if r.alarm]
    if alarms:
        parts.append(_table(["run", "alarm"], [[_run_label(r), r.alarm] for r in alarms],
                            text_columns=2, css="alarm"))  # fmt: skip
    return "\n".join(parts)


def _busiest_section(data: ReportData) -> str:
    parts = [f"<h2>Busiest sections and tags since {data.since.isoformat()}</h2>"]
    if not data.sections:
        return parts[0] + _nothing("No article stored in the window.")
    sections = [s for s, _, _ in data.sections]
    parts.append(_figure("Articles and comments stored per section", charts.bars(
        "busiest-sections", "Busiest sections", sections,
        [Series("articles", [a for _, a, _ in data.sections]),
         Series("comments", [c for _, _, c in data.sections])], horizontal=True,
    )))  # fmt: skip
    parts.append(_table(["section", "articles", "comments"], data.sections))
    if not data.tags:
        parts.append(_nothing("No tag on the articles stored in the window."))
        return "\n".join(parts)
    parts.append(_figure("Articles stored per tag", charts.bars(
        "busiest-tags", "Busiest tags", [tag for tag, _ in data.tags],
        [Series("articles", [n for _, n in data.tags], "#009E73")], horizontal=True,
    )))  # fmt: skip
    parts.append(_table(["tag", "articles"], data.tags))
    return "\n".join(parts)
