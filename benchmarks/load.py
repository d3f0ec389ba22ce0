"""Crawl a generated site of N articles with the real ``scrapy crawl rtl`` and watch memory.

    python -m benchmarks.load --articles 10000

What it does:

1. serves ``benchmarks.generated_site`` (N articles with comment threads, rendered on
   request) from a separate process on 127.0.0.1, so the site's memory and CPU are not the
   crawler's;
2. creates a temporary PostgreSQL database on ``--server-url`` (dropped at the end unless
   ``--keep-database``), or stores into ``--database-url``;
3. runs ``scrapy crawl rtl`` in a child process with no delay, no AutoThrottle and
   ``--concurrency`` requests at a time, DATABASE_URL in its environment as in production;
4. samples that process's resident memory (``VmRSS``/``VmHWM`` from ``/proc``) and the
   number of stored articles while it runs, and prints one row per ``--every`` articles;
5. prints the peak RSS, the crawl rate, the row counts and the ERROR lines of the log.

Articles are counted in the database, so a row appears when the batch holding the
checkpoint's article is committed (``STORE_BATCH_SIZE``, 25 by default). Elapsed time runs
from the start of the crawl process (Python and Scrapy start-up included).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from schemas.engine import display_url
from schemas.tables import metadata

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MB = 1024 * 1024


@dataclass
class Checkpoint:
    articles: int
    elapsed: float
    rss_kb: int
    hwm_kb: int


@dataclass
class Sampler:
    """Follows one process: its memory from /proc, the stored articles from the database."""

    pid: int
    db_url: str
    checkpoints_at: list[int]
    started: float = field(default_factory=time.monotonic)
    rss_kb: int = 0
    hwm_kb: int = 0
    articles: int = 0
    rows: list[Checkpoint] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Autocommit: a count that fails (tables not migrated yet) leaves no broken
        # transaction behind.
        self._engine = sa.create_engine(
            self.db_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        self._conn: sa.Connection | None = None

    def sample_memory(self) -> bool:
        """Read VmRSS and VmHWM; False once the process is gone."""
        memory = process_memory_kb(self.pid)
        if memory is None:
            return False
        # The kernel's counters are approximate (per-thread caches): keep the peak monotonic.
        self.rss_kb, self.hwm_kb = memory[0], max(self.hwm_kb, memory[1], memory[0])
        return True

    def count_articles(self) -> int:
        try:
            if self._conn is None:
                self._conn = self._engine.connect()
            self.articles = self._conn.scalar(sa.text("SELECT count(*) FROM articles")) or 0
        except sa.exc.ProgrammingError:
            pass  # the crawl has not migrated the database yet
        except sa.exc.OperationalError:
            self._conn = None
        while self.checkpoints_at and self.articles >= self.checkpoints_at[0]:
            self.rows.append(
                Checkpoint(self.checkpoints_at.pop(0), time.monotonic() - self.started,
                           self.rss_kb, self.hwm_kb)  # fmt: skip
            )
        return self.articles

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._engine.dispose()


def process_memory_kb(pid: int) -> tuple[int, int] | None:
    """``(VmRSS, VmHWM)`` of a process in kB, from ``/proc/<pid>/status``; None when gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
    if "VmRSS" not in values:  # a zombie: exited, not yet reaped
        return None
    return int(values["VmRSS"]), int(values.get("VmHWM", values["VmRSS"]))


def checkpoints(articles: int, every: int) -> list[int]:
    """1 x every, 2 x every, ... up to ``articles``, and ``articles`` itself."""
    marks = list(range(every, articles + 1, every))
    if not marks or marks[-1] != articles:
        marks.append(articles)
    return marks


@contextmanager
def generated_site(articles: int) -> Iterator[tuple[str, int]]:
    """Serve the generated site from its own process; yield its base URL and pid."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.generated_site", "--articles", str(articles)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the generated site did not start (said {base_url!r})")
        yield base_url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def temporary_database(server_url: str, keep: bool = False) -> Iterator[str]:
    """A new, empty database on ``server_url``'s server, dropped afterwards unless ``keep``."""
    name = f"crawler_bench_{uuid.uuid4().hex[:10]}"
    # CREATE/DROP DATABASE cannot run inside a transaction.
    admin = sa.create_engine(server_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def crawl_command(base_url: str, concurrency: int, extra: list[str]) -> list[str]:
    settings = {
        "RTL_BASE_URL": base_url,
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "rtl"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    for setting in extra:
        command += ["-s", setting]
    return command


def run_crawl(
    base_url: str,
    db_url: str,
    articles: int,
    *,
    every: int,
    concurrency: int,
    log_path: Path,
    interval: float = 0.2,
    extra_settings: list[str] | None = None,
) -> tuple[int, Sampler]:
    """Run the crawl to its end while sampling; its exit status and the samples."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": db_url}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            crawl_command(base_url, concurrency, extra_settings or []),
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        sampler = Sampler(process.pid, db_url, checkpoints(articles, every))
        last_count = 0.0
        try:
            while process.poll() is None:
                sampler.sample_memory()
                # Counting is a query: twice a second is plenty for 1,000-article steps.
                if time.monotonic() - last_count >= 0.5:
                    sampler.count_articles()
                    last_count = time.monotonic()
                time.sleep(interval)
            sampler.count_articles()
        except BaseException:
            process.terminate()
            process.wait()
            raise
        finally:
            sampler.close()
    return process.returncode, sampler


def database_report(db_url: str) -> tuple[dict[str, int], dict[str, Any]]:
    """Row counts of every table, and the last run's row in crawl_runs (stats decoded)."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            counts = {
                table.name: conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                for table in metadata.sorted_tables
            }
            run = conn.execute(
                sa.text("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")
            ).mappings().first()  # fmt: skip
    finally:
        engine.dispose()
    run_dict = dict(run) if run else {}
    if isinstance(run_dict.get("stats"), str):
        run_dict["stats"] = json.loads(run_dict["stats"])
    return counts, run_dict


def log_lines(log_path: Path, level: str) -> list[str]:
    pattern = re.compile(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d \[[^\]]+\] {level}: ")
    with log_path.open(errors="replace") as log:
        return [line.rstrip() for line in log if pattern.match(line)]


@dataclass
class Outcome:
    returncode: int
    sampler: Sampler
    counts: dict[str, int]
    #: The run's row in crawl_runs, its ``stats`` decoded.
    run: dict[str, Any]
    errors: list[str]
    warnings: int
    site_hwm_kb: int | None


def report(articles: int, concurrency: int, shown_db: str, outcome: Outcome, log: Path) -> str:
    sampler, counts, run = outcome.sampler, outcome.counts, outcome.run
    stats = run.get("stats") or {}
    lines = [
        f"Load benchmark: {articles:,} articles, concurrency {concurrency}, into {shown_db}",
        "",
        f"{'articles':>9} | {'elapsed s':>9} | {'RSS MB':>7} | {'peak MB':>7}",
        f"{'-' * 9}-+-{'-' * 9}-+-{'-' * 7}-+-{'-' * 7}",
    ]
    for row in sampler.rows:
        lines.append(
            f"{row.articles:>9,} | {row.elapsed:>9.1f} | {row.rss_kb / 1024:>7.1f} | "
            f"{row.hwm_kb / 1024:>7.1f}"
        )
    elapsed = float(stats.get("elapsed_time_seconds") or 0)
    responses = int(stats.get("response_received_count") or run.get("responses") or 0)
    peak = stats.get("memusage/max")
    scrapy_peak = (
        f"  (Scrapy memusage/max {peak / MB:.1f} MB, at start-up "
        f"{(stats.get('memusage/startup') or 0) / MB:.1f} MB)" if peak else ""
    )
    per_second = (lambda n: n / elapsed) if elapsed else (lambda n: 0.0)
    lines += [
        "",
        f"Exit status:        {outcome.returncode} (run {run.get('status')}, "
        f"finish reason {run.get('finish_reason')})",
        f"Peak RSS (VmHWM):   {sampler.hwm_kb / 1024:.1f} MB{scrapy_peak}",
        f"Crawl time:         {elapsed:.1f} s (Scrapy's elapsed_time_seconds; "
        f"{time.monotonic() - sampler.started:.1f} s with start-up and shutdown)",
        f"Pages:              {responses:,} responses, {per_second(responses):.1f} pages/s, "
        f"{per_second(counts.get('articles', 0)):.1f} articles/s",
        "Rows:               " + ", ".join(f"{name} {n:,}" for name, n in counts.items()),
        f"Log:                {len(outcome.errors)} ERROR lines, {outcome.warnings} WARNING "
        f"lines ({log})",
    ]
    if outcome.site_hwm_kb is not None:
        lines.append(
            f"Site server:        peak RSS {outcome.site_hwm_kb / 1024:.1f} MB (own process)"
        )
    lines += [f"  {line[:200]}" for line in outcome.errors[:10]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--articles", type=int, default=1000, help="articles on the site")
    parser.add_argument("--every", type=int, default=1000, help="articles between rows")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="CONCURRENT_REQUESTS (and per domain)")  # fmt: skip
    parser.add_argument(
        "--database-url",
        help="store into this database (default: a temporary one on --server-url)",
    )
    parser.add_argument(
        "--server-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_SERVER_URL,
        help="PostgreSQL server to create the temporary database on "
        "(default: TEST_DATABASE_URL, else %(default)s)",
    )  # fmt: skip
    parser.add_argument("--keep-database", action="store_true",
                        help="do not drop the temporary database")  # fmt: skip
    parser.add_argument("--log", type=Path, help="crawl log (default: var/benchmarks/...)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="extra Scrapy setting for the crawl (repeatable)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.articles < 1 or args.every < 1:
        parser.error("--articles and --every must be positive")
    log_path = args.log or ROOT / "var" / "benchmarks" / f"load-{args.articles}.log"
    database = (
        nullcontext(args.database_url)
        if args.database_url
        else temporary_database(args.server_url, keep=args.keep_database)
    )
    with generated_site(args.articles) as (base_url, site_pid), database as db_url:
        print(f"Site: {base_url} ({args.articles:,} articles); database: "
              f"{display_url(db_url)}; crawling ...", flush=True)  # fmt: skip
        returncode, sampler = run_crawl(
            base_url, db_url, args.articles, every=args.every, concurrency=args.concurrency,
            log_path=log_path, extra_settings=args.set,
        )  # fmt: skip
        site_memory = process_memory_kb(site_pid)
        counts, run = database_report(db_url)
    outcome = Outcome(
        returncode=returncode,
        sampler=sampler,
        counts=counts,
        run=run,
        errors=log_lines(log_path, "ERROR"),
        warnings=len(log_lines(log_path, "WARNING")),
        site_hwm_kb=site_memory[1] if site_memory else None,
    )
    print(report(args.articles, args.concurrency, display_url(db_url), outcome, log_path))
    if args.keep_database and not args.database_url:
        print(f"Database kept: {display_url(db_url)}")
    complete = counts.get("articles", 0) == args.articles
    return 0 if returncode == 0 and complete and not outcome.errors else 1


if __name__ == "__main__":
    sys.exit(main())
