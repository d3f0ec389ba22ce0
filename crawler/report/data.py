"""What the crawl report shows, read from the database with SQL over ``schemas.tables``.

Every number comes from one query here; the chart and page modules only lay them out.
Times are UTC; a "day" is a UTC calendar day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from crawler import exitcodes
from crawler.outcomes import LOCK_LOST
from schemas import tables as t
from schemas.engine import display_url

#: Coverage categories in the order the parser tries them (the shared vocabulary); a
#: category the report does not know is shown after these.
CATEGORIES = ("site", "json_ld", "open_graph", "meta", "generic", "empty")
#: Fields without which a page is refused.
REQUIRED_FIELDS = ("title", "published_at", "body")


@dataclass(frozen=True)
class Run:
    """One row of ``crawl_runs``, with what the report derives from it."""

    id: int
    job: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    finish_reason: str | None
    requests: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    comments_new: int
    pages_rejected: int
    errors: int
    alarm: str | None
    coverage: Mapping[str, Any] | None
    sitemaps_read: int
    sitemaps_not_read: int

    @property
    def duration(self) -> float | None:
        """Seconds from start to end; ``None`` while running or when it never ended."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def exit_status(self) -> int | None:
        """The status ``scrapy crawl`` exited with (``crawler/exitcodes.py``), as far as
        the row tells: ``None`` for a run still going or killed (``interrupted``)."""
        if self.status == "finished":
            return exitcodes.EXTRACTION_ALARM if self.alarm else exitcodes.OK
        if self.status == "failed":
            if self.finish_reason == LOCK_LOST:
                return exitcodes.ALREADY_RUNNING
            return exitcodes.CRAWL_FAILED
        return None


@dataclass(frozen=True)
class Coverage:
    """Field coverage by extraction method over the runs that measured it."""

    #: Ids of the runs it is computed over, oldest first.
    run_ids: list[int]
    #: Article pages parsed in those runs, the weight of each run's shares.
    parsed: int
    #: field -> category -> share of the parsed pages (0..1), weighted by pages parsed.
    fields: dict[str, dict[str, float]]
    #: category order for display: :data:`CATEGORIES` then any other seen.
    categories: list[str]


@dataclass(frozen=True)
class ReportData:
    generated_at: datetime
    database: str
    #: First day of the window of per-day counts and of the busiest sections and tags.
    since: date
    days: list[date]
    runs: list[Run]
    articles_per_day: list[int]
    comments_per_day: list[int]
    rejected_by_reason: list[tuple[str, int]]
    coverage: Coverage
    #: (section, articles stored in the window, comments stored in the window on them)
    sections: list[tuple[str, int, int]]
    #: (tag, articles stored in the window carrying it)
    tags: list[tuple[str, int]]
    totals: dict[str, int] = field(default_factory=dict)


def _day(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[str]:
    """``YYYY-MM-DD`` of a timestamp column, in UTC."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    # SQLite holds UTC text (``schemas.tables.UTCDateTime``): the day is its first part.
    return sa.func.substr(column, 1, 10)


def _per_day(conn: sa.Connection, column: sa.Column[Any], start: datetime,
             days: list[date]) -> list[int]:  # fmt: skip
    day = _day(column, conn.dialect.name).label("day")
    rows = conn.execute(
        sa.select(day, sa.func.count()).where(column >= start).group_by(day)
    ).all()
    counts = {row[0]: row[1] for row in rows}
    return [counts.get(d.isoformat(), 0) for d in days]


def _runs(conn: sa.Connection, limit: int) -> list[Run]:
    c = t.crawl_runs.c
    rows = conn.execute(sa.select(t.crawl_runs).order_by(c.id.desc()).limit(limit)).all()
    runs = []
    for row in reversed(rows):
        stats = row.stats or {}
        runs.append(Run(
            id=row.id, job=row.job, started_at=row.started_at, finished_at=row.finished_at,
            status=row.status, finish_reason=row.finish_reason,
            requests=row.requests or 0, articles_new=row.articles_new or 0,
            articles_updated=row.articles_updated or 0,
            articles_unchanged=row.articles_unchanged or 0,
            comments_new=row.comments_new or 0, pages_rejected=row.pages_rejected or 0,
            errors=row.errors or 0, alarm=row.alarm, coverage=row.coverage,
            sitemaps_read=int(stats.get("sitemap/read", 0)),
            sitemaps_not_read=int(stats.get("sitemap/not_read", 0)),
        ))  # fmt: skip
    return runs


def coverage_over(runs: list[Run]) -> Coverage:
    """Each field's shares by category over ``runs``, each run weighted by the article
    pages it parsed (runs that parsed none are left out)."""
    measured = [r for r in runs if r.coverage and r.coverage.get("parsed")]
    parsed = sum(int(r.coverage["parsed"]) for r in measured if r.coverage)
    weighted: dict[str, dict[str, float]] = {}
    seen: list[str] = []
    for run in measured:
        assert run.coverage is not None
        weight = int(run.coverage["parsed"])
        for name, shares in (run.coverage.get("fields") or {}).items():
            by_category = weighted.setdefault(name, {})
            for category, share in shares.items():
                by_category[category] = by_category.get(category, 0.0) + share * weight
                if category not in seen:
                    seen.append(category)
    fields = {
        name: {category: round(total / parsed, 4) for category, total in shares.items()}
        for name, shares in weighted.items()
    } if parsed else {}  # fmt: skip
    categories = [*CATEGORIES, *(c for c in seen if c not in CATEGORIES)]
    return Coverage([r.id for r in measured], parsed, fields, categories)


def load(engine: sa.Engine, *, runs: int = 20, days: int = 30,
         now: datetime | None = None) -> ReportData:  # fmt: skip
    """Everything the report shows: the last ``runs`` runs, and per-day counts, sections
    and tags over the last ``days`` days (today included)."""
    now = now or datetime.now(UTC)
    first = now.astimezone(UTC).date() - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    window = [first + timedelta(days=n) for n in range(days)]
    a, c, r = t.articles, t.comments, t.rejected_pages
    with engine.connect() as conn:
        run_list = _runs(conn, runs)
        articles_per_day = _per_day(conn, a.c.first_seen_at, start, window)
        comments_per_day = _per_day(conn, c.c.first_seen_at, start, window)
        count = sa.func.count().label("n")
        rejected = conn.execute(
            sa.select(r.c.reason, count).group_by(r.c.reason).order_by(count.desc(), r.c.reason)
        ).all()
        section = sa.func.coalesce(a.c.section, "(none)").label("section")
        section_articles = conn.execute(
            sa.select(section, count).where(a.c.first_seen_at >= start)
            .group_by(section).order_by(count.desc(), section).limit(10)
        ).all()  # fmt: skip
        section_comments = dict(conn.execute(
            sa.select(section, count).select_from(c.join(a, a.c.id == c.c.article_id))
            .where(c.c.first_seen_at >= start).group_by(section)
        ).all())  # fmt: skip
        tags = conn.execute(
            sa.select(t.tags.c.name, count)
            .select_from(t.article_tags.join(t.tags).join(a, a.c.id == t.article_tags.c.article_id))
            .where(a.c.first_seen_at >= start)
            .group_by(t.tags.c.name).order_by(count.desc(), t.tags.c.name).limit(15)
        ).all()  # fmt: skip
        totals = {
            name: conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for name, table in (("articles", a), ("comments", c), ("rejected pages", r),
                                ("runs", t.crawl_runs))
        }  # fmt: skip
    return ReportData(
        generated_at=now,
        database=display_url(engine),
        since=first,
        days=window,
        runs=run_list,
        articles_per_day=articles_per_day,
        comments_per_day=comments_per_day,
        rejected_by_reason=[(row[0], row[1]) for row in rejected],
        coverage=coverage_over(run_list),
        sections=[(s, n, section_comments.get(s, 0)) for s, n in section_articles],
        tags=[(row[0], row[1]) for row in tags],
        totals=totals,
    )
