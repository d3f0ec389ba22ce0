"""Speed benchmark: the full crawl against the floor of fetching the same pages.

    python -m benchmarks.bench --articles 2000 [--repeat 3] [--profile]

In one invocation:

1. writes a generated RTL-style site of ``--articles`` articles (``benchmarks.static_site``:
   article pages of 300 KB to 5 MB, median about 550 KB, and their comment pages) to a
   temporary directory and serves it with nginx on a free loopback port (nginx is
   installed from Debian's packages when missing and this runs as root);
2. the floor: ``benchmarks/floor.py`` fetches every article and comment page and reads
   its ``h1`` only, no pipelines;
3. the full crawl: ``scrapy crawl rtl`` from the site's robots.txt, sitemaps, feed and
   listings into a new PostgreSQL database on ``--server-url`` (dropped afterwards);
4. the storage layer alone: ``benchmarks.storage_bench`` writes prepared articles with
   long comment threads into another new database; then PostgreSQL alone inserts the
   same rows again with no client (``server_alone``), the ceiling of the first. Both
   ``--repeat`` times, each round in a new database; the medians are printed.

Both crawls run with the same settings: ``--concurrency`` requests at a time (16), no
delay, no AutoThrottle, robots.txt obeyed, ``--repeat`` times in turn (3). For each it
prints pages per second (Scrapy's responses over its ``elapsed_time_seconds``), CPU
milliseconds per page of the crawler process and the parse workers it starts (user +
system, start-up included), CPU seconds of the PostgreSQL backends serving the crawl's
database (sampled with psutil), peak memory (the crawler's peak RSS plus its workers'
peak PSS) and the rows written per second, then ``ratio full/floor: 0.NN`` (pages per
second; with several rounds, the median of theirs).

``--profile`` samples the first full crawl, its workers included, with py-spy (``make
bench`` installs it), writes the collapsed stacks to ``var/benchmarks/profile-<N>.txt``
and prints the functions holding most samples.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa

from benchmarks.load import (
    DEFAULT_SERVER_URL,
    MB,
    ROOT,
    database_report,
    log_lines,
    temporary_database,
)
from benchmarks.static_site import free_port, nginx, write_site
from benchmarks.storage_bench import StorageFigure, server_alone
from benchmarks.storage_bench import measure as measure_storage
from pipelines.storage import BATCH_SIZE


@dataclass
class Run:
    name: str
    returncode: int
    #: Scrapy's final stats.
    stats: dict[str, Any]
    cpu_seconds: float
    peak_rss_kb: int
    postgres_cpu_seconds: float | None = None
    rows: int = 0
    errors: int = 0
    #: Which round of ``--repeat`` this run belongs to.
    round: int = 1

    @property
    def elapsed(self) -> float:
        return float(self.stats.get("elapsed_time_seconds") or 0.0)

    @property
    def pages(self) -> int:
        return int(self.stats.get("response_received_count") or 0)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.elapsed if self.elapsed else 0.0


class _Sampler:
    """A thread that reads something with psutil every ``interval`` while a ``with``
    block runs (``_run``, until ``_stop`` is set)."""

    def __init__(self, interval: float) -> None:
        import psutil

        self._psutil = psutil
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=type(self).__name__,
                                        daemon=True)  # fmt: skip

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        raise NotImplementedError


class PostgresCpu(_Sampler):
    """CPU time of the PostgreSQL backends connected to one database, while it is used.

    Backends are found in ``pg_stat_activity`` and read with psutil every ``interval``;
    a backend that exits keeps its last reading (the crawl's pool holds its connections
    to the end, so little is lost). The sampler's own connection is left out.
    """

    def __init__(self, db_url: str, interval: float = 0.25) -> None:
        super().__init__(interval)
        self.db_url = db_url
        self.seen: dict[int, float] = {}

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())

    def _run(self) -> None:
        engine = sa.create_engine(
            self.db_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        query = sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        try:
            with engine.connect() as conn:
                while True:
                    for pid in conn.scalars(query):
                        try:
                            times = self._psutil.Process(pid).cpu_times()
                        except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                            continue
                        self.seen[pid] = times.user + times.system
                    if self._stop.wait(self.interval):
                        break
        finally:
            engine.dispose()


class Descendants(_Sampler):
    """CPU time and memory of the processes a crawl starts (its parse workers and the
    fork server that starts them), which the kernel's accounting of the crawler leaves
    out: they are not its children, or are not waited for.

    Read with psutil every ``interval``; a process keeps its last reading when it exits.
    Memory is the peak of their summed proportional set size (PSS).
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(interval)
        self.pid = pid
        self.cpu: dict[int, float] = {}
        self.peak_pss = 0

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    def _run(self) -> None:
        psutil = self._psutil
        try:
            parent = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.wait(self.interval):
            try:
                children = parent.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            pss = 0
            for child in children:
                try:
                    with child.oneshot():
                        times = child.cpu_times()
                        # Proportional: pages the fork server shares with the workers
                        # it forked count once in all.
                        pss += child.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                self.cpu[child.pid] = times.user + times.system
            self.peak_pss = max(self.peak_pss, pss)


def run_process(command: list[str], env: dict[str, str], log: Path) -> tuple[int, float, int]:
    """Run ``command`` to its end; its exit status, CPU seconds (user + system) and peak
    RSS in kB. The crawler's own come from the kernel's accounting (``wait4``); those of
    the processes it starts are sampled (``Descendants``) and added: their CPU to its
    CPU, their peak together to its peak."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        try:
            with Descendants(process.pid) as descendants:
                _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.terminate()
            process.wait()
            raise
    process.returncode = os.waitstatus_to_exitcode(status)
    return (process.returncode, usage.ru_utime + usage.ru_stime + descendants.cpu_seconds,
            usage.ru_maxrss + descendants.peak_pss // 1024)  # fmt: skip


def crawl_settings(base_url: str, concurrency: int) -> list[str]:
    settings = {
        "RTL_BASE_URL": base_url,
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "ROBOTSTXT_OBEY": "True",
        "LOG_LEVEL": "INFO",
    }
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def log_path(name: str, articles: int) -> Path:
    return ROOT / "var" / "benchmarks" / f"bench-{name}-{articles}.log"


def run_floor(
    base_url: str, urls: Path, concurrency: int, work: Path, articles: int, round_: int = 1
) -> Run:
    stats_file = work / "floor-stats.json"
    log = log_path("floor", articles)
    command = [
        sys.executable, "-m", "scrapy", "runspider", str(ROOT / "benchmarks" / "floor.py"),
        *crawl_settings(base_url, concurrency),
        "-s", f"FLOOR_URLS_FILE={urls}", "-s", f"FLOOR_STATS_FILE={stats_file}",
    ]  # fmt: skip
    returncode, cpu, rss = run_process(command, dict(os.environ), log)
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return Run("floor", returncode, stats, cpu, rss, errors=len(log_lines(log, "ERROR")),
               round=round_)  # fmt: skip


def run_full(
    base_url: str, db_url: str, concurrency: int, articles: int, profile: Path | None,
    round_: int = 1,
) -> Run:
    log = log_path("full", articles)
    command = [sys.executable, "-m", "scrapy", "crawl", "rtl",
               *crawl_settings(base_url, concurrency)]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": db_url}
    with PostgresCpu(db_url) as postgres:
        if profile is None:
            returncode, cpu, rss = run_process(command, env, log)
        else:
            returncode, cpu, rss = _profiled(command, env, log, profile)
    counts, run = database_report(db_url)
    return Run(
        "full", returncode, run.get("stats") or {}, cpu, rss,
        postgres_cpu_seconds=postgres.seconds,
        rows=sum(counts.values()),
        errors=len(log_lines(log, "ERROR")),
        round=round_,
    )  # fmt: skip


def _profiled(
    command: list[str], env: dict[str, str], log: Path, profile: Path
) -> tuple[int, float, int]:
    """``run_process`` with py-spy attached to the crawl (sampling, 100 Hz)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not os.access(spy, os.X_OK):
        raise RuntimeError("py-spy is not installed: pip install -e '.[bench]' (make bench)")
    profile.parent.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        sampler = subprocess.Popen(
            [spy, "record", "--pid", str(process.pid), "--rate", "100", "--nonblocking",
             "--threads", "--subprocesses", "--format", "raw", "--output", str(profile)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        with Descendants(process.pid) as descendants:
            _, status, usage = os.wait4(process.pid, 0)
        try:
            sampler.wait(timeout=60)
        except subprocess.TimeoutExpired:
            sampler.terminate()
            sampler.wait()
    return (os.waitstatus_to_exitcode(status),
            usage.ru_utime + usage.ru_stime + descendants.cpu_seconds,
            usage.ru_maxrss + descendants.peak_pss // 1024)  # fmt: skip


def profile_summary(path: Path, top: int = 25) -> str:
    """The functions in most samples (inclusive) and those running (self), from py-spy's
    collapsed stacks (``frame;frame;... count``: the process, then the thread first)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        thread, frames = _thread(stack)
        threads[thread] += samples
        names = [_function(frame) for frame in frames]
        for name in set(names):
            inclusive[name] += samples
        if names:
            own[names[-1]] += samples
    if not total:
        return "(no samples)"
    lines = [f"{total:,} samples; by thread: "
             + ", ".join(f"{name} {n / total:.0%}" for name, n in threads.most_common(4)),
             "", "inclusive, this project's functions (with what they call):"]  # fmt: skip
    ours = [(name, n) for name, n in inclusive.most_common() if _is_ours(name)]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in ours[:top]]
    lines += ["", "self (running in the function itself):"]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in own.most_common(15)]
    return "\n".join(lines)


#: The processes ``--subprocesses`` puts before a stack: ``process PID:"command";``
#: (a command may hold semicolons).
_PROCESSES = re.compile(r'(?:process \d+:"[^"]*";)*')


def _thread(stack: str) -> tuple[str, list[str]]:
    """Who ran a stack (``crawler MainThread``, ``parse worker MainThread``), and its
    frames."""
    processes = _PROCESSES.match(stack).group(0)
    frames = stack[len(processes):].split(";")
    process = ""
    if processes:
        # A worker's stack starts with the crawler, then the worker.
        last = processes.rstrip(";").rsplit('process ', 1)[-1]
        process = "parse worker " if "multiprocessing" in last else "crawler "
    label = frames[0]  # "thread (PID): NAME", or "thread (PID)" for one without a name
    thread = label.split(": ", 1)[1].rstrip(")") if ": " in label else label
    return process + thread, frames[1:]


def _is_ours(name: str) -> bool:
    return any(f"({package}/" in name for package in ("crawler", "pipelines", "schemas"))


def _function(frame: str) -> str:
    """``name (path:line)`` -> ``name (path)``, with the path from the project or package."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", str(ROOT) + "/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})" if path else name


def storage_lines(rounds: list[tuple[StorageFigure, StorageFigure]]) -> list[str]:
    """The storage figures of each round (the storage layer's writes, then PostgreSQL
    alone storing the same rows again): comment rows per second of each and the ratio of
    their times, as the median of the rounds with each round's value after it."""

    def summary(values: list[float], form: str, unit: str = "") -> str:
        text = form.format(statistics.median(values)) + unit
        if len(values) > 1:
            each = ", ".join(form.format(value) for value in values)
            text += f" (median of {len(values)} rounds: {each})"
        return text

    written = rounds[0][0]
    per_article = written.comments // max(written.articles, 1)
    return [
        "storage alone: "
        + summary([w.comments_per_second for w, _ in rounds], "{:,.0f}", " comment rows/s")
        + f"; {written.articles:,} articles x {per_article} comments, in batches of "
        f"{BATCH_SIZE}",
        "PostgreSQL alone: "
        + summary([s.comments_per_second for _, s in rounds], "{:,.0f}", " comment rows/s")
        + "; the same rows of every table inserted again by the server, no client",
        "storage / PostgreSQL alone: "
        + summary([s.seconds / w.seconds for w, s in rounds], "{:.2f}"),
    ]


def pair_ratios(runs: list[Run]) -> list[float]:
    """Full over floor pages/s, for each round that ran both (in the order they ran)."""
    floors = [run for run in runs if run.name == "floor"]
    fulls = [run for run in runs if run.name == "full"]
    pairs = zip(floors, fulls, strict=False)
    return [full.pages_per_second / floor.pages_per_second
            for floor, full in pairs if floor.pages_per_second]  # fmt: skip


def table(runs: list[Run]) -> str:
    header = ("| run | pages | pages/s | CPU ms/page (crawler + workers) | PostgreSQL CPU s | "
              "peak RSS MB | rows | rows/s |")  # fmt: skip
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    rounds = max((run.round for run in runs), default=1)
    for run in runs:
        postgres = f"{run.postgres_cpu_seconds:.1f}" if run.postgres_cpu_seconds is not None \
            else "-"  # fmt: skip
        name = f"{run.name} ({run.round})" if rounds > 1 else run.name
        lines.append(
            f"| {name} | {run.pages:,} | {run.pages_per_second:.1f} | "
            f"{run.cpu_ms_per_page:.1f} | {postgres} | {run.peak_rss_kb / 1024:.0f} | "
            f"{run.rows:,} | {run.rows_per_second:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--articles", type=int, default=2000, help="articles on the site")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="CONCURRENT_REQUESTS (and per domain), both crawls")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="sample the full crawl with py-spy and print its top entries")
    parser.add_argument(
        "--server-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_SERVER_URL,
        help="PostgreSQL server for the temporary databases (default: TEST_DATABASE_URL, "
        "else %(default)s)",
    )  # fmt: skip
    parser.add_argument("--storage-articles", type=int, default=200,
                        help="articles written by the storage-only measure")  # fmt: skip
    parser.add_argument("--storage-comments", type=int, default=100,
                        help="comments per article in the storage-only measure")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of floor then full crawl, and of the storage "
                        "measures; a ratio printed is the median of the rounds'")  # fmt: skip
    parser.add_argument("--skip", action="append", default=[],
                        choices=["floor", "full", "storage"], help="leave a measure out")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be positive")
    if args.repeat < 1:
        parser.error("--repeat must be positive")
    work = Path(tempfile.mkdtemp(prefix="rtl-bench-"))
    os.chmod(work, 0o755)
    runs: list[Run] = []
    storage_rounds: list[tuple[StorageFigure, StorageFigure]] = []
    profile = (ROOT / "var" / "benchmarks" / f"profile-{args.articles}.txt"
               if args.profile else None)  # fmt: skip
    try:
        if not {"floor", "full"} <= set(args.skip):
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            started = time.monotonic()
            site = write_site(work / "site", base_url, args.articles)
            urls = work / "urls.txt"
            urls.write_text("".join(url + "\n" for url in site.page_urls))
            print(f"Site: {args.articles:,} articles, {len(site.page_urls):,} article and "
                  f"comment pages, {site.bytes_on_disk / MB:,.0f} MB on disk, written in "
                  f"{time.monotonic() - started:.0f} s; nginx on {base_url}",
                  flush=True)  # fmt: skip
            with nginx(work / "site", port):
                for round_ in range(1, args.repeat + 1):
                    label = f" ({round_} of {args.repeat})" if args.repeat > 1 else ""
                    if "floor" not in args.skip:
                        print(f"Floor crawl{label} ...", flush=True)
                        runs.append(run_floor(base_url, urls, args.concurrency, work,
                                              args.articles, round_))  # fmt: skip
                    if "full" not in args.skip:
                        print(f"Full crawl into a new PostgreSQL database{label} ...",
                              flush=True)  # fmt: skip
                        with temporary_database(args.server_url) as db_url:
                            runs.append(run_full(base_url, db_url, args.concurrency,
                                                 args.articles,
                                                 profile if round_ == 1 else None,
                                                 round_))  # fmt: skip
        if "storage" not in args.skip:
            for round_ in range(1, args.repeat + 1):
                label = f" ({round_} of {args.repeat})" if args.repeat > 1 else ""
                print(f"Storage alone, then PostgreSQL alone{label} ...", flush=True)
                with temporary_database(args.server_url) as db_url:
                    written = measure_storage(db_url, args.storage_articles,
                                              args.storage_comments)  # fmt: skip
                    storage_rounds.append((written, server_alone(db_url)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"Benchmark: {args.articles:,} articles, concurrency {args.concurrency}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    if runs:
        print(table(runs))
    ratios = pair_ratios(runs)
    if len(ratios) == 1:
        print(f"ratio full/floor: {ratios[0]:.2f}")
    elif ratios:
        each = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        print(f"ratio full/floor: {statistics.median(ratios):.2f} "
              f"(median of {len(ratios)} rounds: {each})")  # fmt: skip
    if storage_rounds:
        print("\n".join(storage_lines(storage_rounds)))
    for run in runs:
        if run.returncode != 0 or run.errors:
            print(f"{run.name}: exit status {run.returncode}, {run.errors} ERROR lines "
                  f"({log_path(run.name, args.articles).relative_to(ROOT)})")  # fmt: skip
    if profile is not None and profile.exists():
        print(f"\nProfile of the full crawl ({profile.relative_to(ROOT)}):")
        print(profile_summary(profile))
    failed = any(run.returncode != 0 for run in runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
