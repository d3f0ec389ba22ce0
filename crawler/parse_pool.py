"""Where the spider's page parsers run: worker processes, a thread, or the reactor thread.

The parsers (``crawler.parsing``) are pure functions of a response, so they can run
anywhere. Parsing is most of a crawl's CPU work and, in the crawl's process, it shares
the GIL with the reactor, the pipelines and the storage thread: the crawl then uses
little more than one core. In a worker process (``PARSE_PROCESSES``) it runs on another
core; the page goes there as its URL, headers and bytes, and only the parsed result
comes back.

A page's bytes go to the worker through a file in memory (``/dev/shm``), which the
worker reads and removes: through the pool's pipe, a page of half a megabyte costs
about a millisecond of CPU on each side, several times what the file costs. Where the
file cannot be written (``/dev/shm`` full), the page goes through the pipe.

Workers are started by multiprocessing's fork server, which imports the parsers once:
a worker is ready in milliseconds and inherits none of the reactor's threads or
sockets. Workers ignore Ctrl-C, which reaches the whole process group: the crawl
decides when to stop, and closes them; they exit with the crawl's process, even one
killed with SIGKILL.

A worker that dies (killed, out of memory) breaks the pool: a new one is started and
the pages that were in flight are parsed again there, so no page is lost. A pool that
breaks before parsing anything cannot start its workers (typically a script that
starts a crawl without ``if __name__ == "__main__":``, which multiprocessing runs again
in each worker); the crawl then goes on with the pages parsed in a thread.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy import Request
from scrapy.http import Response, TextResponse

logger = logging.getLogger(__name__)

#: Imported by the fork server, so that each worker starts with them loaded.
PRELOAD = ["crawler.parsing.page", "crawler.parsing.comments"]
#: What a parser reads from ``response.meta`` (``crawler.parsing.article``).
META_KEYS = ("discovered_as",)

#: Bodies from this size on go to a worker through a file rather than the pipe.
SPOOL_FROM_BYTES = 64 * 1024

#: A response as it travels to a worker: class, URL, status, headers, body (or the path
#: of a file holding it), encoding, the request's URL (``None``: no request) and the
#: meta keys a parser reads.
Snapshot = tuple[
    type, str, int, dict[bytes, list[bytes]], bytes | str, str | None, str | None,
    dict[str, Any],
]


def snapshot(response: Response, body_path: str | None = None) -> Snapshot:
    """What a parser reads of ``response``, in a form that pickles cheaply; with
    ``body_path``, the body is written to that file and the snapshot holds its path."""
    request = response.request
    meta = {}
    if request is not None:
        meta = {key: request.meta[key] for key in META_KEYS if key in request.meta}
    # The encoding as resolved here (from headers, body or an explicit argument): the
    # rebuilt response then decodes the body exactly as this one does.
    encoding = response.encoding if isinstance(response, TextResponse) else None
    body: bytes | str = response.body
    if body_path is not None:
        with open(body_path, "xb") as spool:
            spool.write(response.body)
        body = body_path
    return (
        type(response), response.url, response.status, dict(response.headers),
        body, encoding, request.url if request is not None else None, meta,
    )  # fmt: skip


def rebuilt(state: Snapshot) -> Response:
    """The response ``state`` was taken from, as a parser sees it (a body in a file is
    read, and the file removed)."""
    cls, url, status, headers, body, encoding, request_url, meta = state
    if isinstance(body, str):
        with open(body, "rb") as spool:
            path, body = body, spool.read()
        os.unlink(path)
    request = Request(request_url, meta=meta) if request_url is not None else None
    extra = {"encoding": encoding} if encoding is not None else {}
    return cls(url, status=status, headers=headers, body=body, request=request, **extra)


def parse_snapshot(parse: Callable[..., Any], state: Snapshot, kwargs: dict[str, Any]) -> Any:
    """In a worker process: ``parse`` of the response ``state`` holds."""
    return parse(rebuilt(state), **kwargs)


def _start_worker() -> None:
    """In each worker, first: ignore Ctrl-C, and exit when the crawl's process does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    crawl = multiprocessing.parent_process()
    if crawl is not None:
        # A worker waits for its next page forever, even for a crawl killed with SIGKILL
        # (the fork server, not the crawl, is its parent); a crawl's end closes this pipe.
        threading.Thread(target=_exit_with, args=(crawl,), daemon=True).start()


def _exit_with(crawl: multiprocessing.process.BaseProcess) -> None:
    crawl.join()
    os._exit(1)


class ParsePool:
    """Runs ``parse(response, **kwargs)`` off the reactor thread: in ``processes`` worker
    processes or, with none, in ``threads`` threads; with neither, in the caller.

    ``crawler``, when given, receives the stats ``parse/pages_in_<where>`` (pages parsed
    in ``processes``, ``threads`` or ``inline``), ``parse/worker_restarts`` and
    ``parse/processes_unusable``; ``counts`` keeps the first ones too.
    """

    def __init__(self, processes: int = 0, threads: int = 0, crawler: Any = None) -> None:
        self.processes = processes
        self.threads = threads
        self.crawler = crawler
        self._process_pool: ProcessPoolExecutor | None = None
        self._thread_pool: ThreadPoolExecutor | None = None
        #: Pages the current process pool has parsed: none means its workers never ran.
        self._parsed_by_pool = 0
        #: Where page bodies wait for a worker (made with the first process pool).
        self._spool: str | None = None
        self._spooled = itertools.count()
        #: Pages parsed, by where: ``processes``, ``threads``, ``inline``.
        self.counts: Counter[str] = Counter()

    @property
    def where(self) -> str:
        """``processes``, ``threads`` or ``inline``: where the next page is parsed."""
        if self.processes > 0:
            return "processes"
        return "threads" if self.threads > 0 else "inline"

    async def parse(self, parse: Callable[..., Any], response: Response, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        while self.processes > 0:
            pool = self._processes()
            path = None
            if len(response.body) >= SPOOL_FROM_BYTES:
                path = os.path.join(self._spool_dir(), str(next(self._spooled)))
            try:
                state = snapshot(response, path)
            except OSError:
                # /dev/shm full (containers often get 64 MB) or gone: through the pipe.
                if path is not None and os.path.exists(path):
                    os.unlink(path)
                path, state = None, snapshot(response)
            try:
                result = await loop.run_in_executor(pool, parse_snapshot, parse, state, kwargs)
            except BrokenProcessPool:
                if path is not None and os.path.exists(path):
                    os.unlink(path)
                self._broken(pool)
                continue
            if pool is self._process_pool:
                self._parsed_by_pool += 1
            self._parsed("processes")
            return result
        if self.threads > 0:
            if self._thread_pool is None:
                self._thread_pool = ThreadPoolExecutor(self.threads, thread_name_prefix="parse")
            call = functools.partial(parse, response, **kwargs)
            result = await loop.run_in_executor(self._thread_pool, call)
            self._parsed("threads")
            return result
        result = parse(response, **kwargs)
        self._parsed("inline")
        return result

    def _parsed(self, where: str) -> None:
        self.counts[where] += 1
        self._count(f"parse/pages_in_{where}")

    def _processes(self) -> ProcessPoolExecutor:
        if self._process_pool is None:
            context = multiprocessing.get_context("forkserver")
            # Only read when the fork server starts (once per crawling process).
            context.set_forkserver_preload(PRELOAD)
            self._process_pool = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=_start_worker
            )
            self._parsed_by_pool = 0
        return self._process_pool

    def _spool_dir(self) -> str:
        if self._spool is None:
            # A file system in memory where there is one: the file never reaches a disk.
            memory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
            self._spool = tempfile.mkdtemp(prefix="rtl-parse-", dir=memory)
        return self._spool

    def _broken(self, pool: ProcessPoolExecutor) -> None:
        if pool is not self._process_pool:
            return  # Another page in flight saw it first.
        pool.shutdown(wait=False, cancel_futures=True)
        self._process_pool = None
        if self._parsed_by_pool == 0:
            logger.error(
                "Parse worker processes broke before parsing a page (a script that "
                "starts a crawl needs `if __name__ == \"__main__\":`); parsing in a "
                "thread instead"
            )
            self._count("parse/processes_unusable")
            self.processes, self.threads = 0, max(self.threads, 1)
            return
        logger.error("A parse worker process died; starting another")
        self._count("parse/worker_restarts")

    def _count(self, key: str) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(key)

    def close(self) -> None:
        """Stop the workers, after the pages they hold."""
        for pool in (self._process_pool, self._thread_pool):
            if pool is not None:
                pool.shutdown(wait=True)
        self._process_pool = self._thread_pool = None
        if self._spool is not None:
            shutil.rmtree(self._spool, ignore_errors=True)
            self._spool = None
