"""Where the spider's page parsers run: worker processes, a thread, or the reactor thread.

The parsers (``crawler.parsing``) are pure functions of a response, so they can run
anywhere. Parsing is most of a crawl's CPU work and, in the crawl's process, it shares
the GIL with the reactor, the pipelines and the storage thread: the crawl then uses
little more than one core. In a worker process (``PARSE_PROCESSES``) it runs on another
core; the page goes there as its URL, headers and bytes, and only the parsed result
comes back.

Each worker has a pipe of its own, watched by the reactor's event loop: a page goes
out as a small message and its item comes back, with no thread in between (a
``ProcessPoolExecutor`` spends two threads and a wake-up per page, which hold the GIL
the crawl is short of). A page's bytes go through a file in memory (``/dev/shm``),
which the worker reads and removes: through a pipe, a page of half a megabyte costs
about a millisecond of CPU on each side, several times what the file costs, and it
could fill the pipe and hold up the reactor. For that reason too a worker is sent at
most ``MAX_SENT`` pages before it answers, and a page whose file cannot be written
(``/dev/shm`` full) is parsed in a thread instead.

Workers are started by multiprocessing's fork server, which imports the parsers once:
a worker is ready in milliseconds and inherits none of the reactor's threads or
sockets. Workers ignore Ctrl-C, which reaches the whole process group: the crawl
decides when to stop, and closes them. A worker exits when its pipe closes, so with the
crawl's process even when that is killed with SIGKILL.

A worker that dies (killed, out of memory) is replaced and the pages it held are
parsed again, so no page is lost to it. Workers that die before parsing any page
cannot start (typically a script that starts a crawl without ``if __name__ ==
"__main__":``, which multiprocessing runs again in each worker); the crawl then goes on
with the pages parsed in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import traceback
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any

from scrapy import Request
from scrapy.http import Response, TextResponse

logger = logging.getLogger(__name__)

#: Imported by the fork server, so that each worker starts with them loaded.
PRELOAD = ["crawler.parsing.page", "crawler.parsing.comments"]
#: What a parser reads from ``response.meta`` (``crawler.parsing.article``).
META_KEYS = ("discovered_as",)

#: Bodies from this size on go to a worker through a file rather than the pipe.
SPOOL_FROM_BYTES = 4 * 1024

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


def _discard(path: str | None) -> None:
    """Remove a page's file that no worker read."""
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _serve(conn: Connection) -> None:
    """A worker's life: parse what comes on ``conn`` and send back each result (or the
    exception), in order, until the crawl closes its end."""
    # Ctrl-C reaches the whole process group; the crawl decides when its workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return  # The crawl closed the pool, or died (even by SIGKILL).
        if task is None:
            return
        try:
            answer: tuple[bool, Any] = (True, parse_snapshot(*task))
        except Exception as exc:
            # The traceback stays here; its text goes with the exception.
            exc.add_note(f"In the parse worker:\n{traceback.format_exc()}")
            answer = (False, exc)
        try:
            conn.send(answer)
        except Exception as exc:  # An answer that does not pickle.
            conn.send((False, RuntimeError(f"the parser's answer does not pickle: {exc!r}")))


class _Worker:
    """One worker process, and the pages sent to it, answered in the order sent."""

    def __init__(self, on_death: Callable[[_Worker], None]) -> None:
        context = multiprocessing.get_context("forkserver")
        # Only read when the fork server starts (once per crawling process).
        context.set_forkserver_preload(PRELOAD)
        self.conn, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs,), name="parse-worker", daemon=True
        )
        self.process.start()
        theirs.close()
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self._on_death = on_death
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.conn.fileno(), self._answered)

    def send(self, task: tuple[Any, ...]) -> asyncio.Future[Any]:
        future = self._loop.create_future()
        self.waiting.append(future)
        # Small (bodies go through files): never more than the pipe holds, so the
        # reactor never waits here.
        self.conn.send(task)
        return future

    def _answered(self) -> None:
        try:
            ok, value = self.conn.recv()
        except (EOFError, OSError):
            self._died()
            return
        future = self.waiting.popleft()
        if not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _died(self) -> None:
        self._detach()
        self._give_back("a parse worker process died")
        self.process.join(1)
        self._on_death(self)

    def _give_back(self, why: str) -> None:
        """Fail the pages not answered, so that they are parsed again elsewhere."""
        for future in self.waiting:
            if not future.done():
                future.set_exception(BrokenProcessPool(why))
        self.waiting.clear()

    def _detach(self) -> None:
        if not self.conn.closed:
            self._loop.remove_reader(self.conn.fileno())
            self.conn.close()

    def stop(self) -> None:
        """Ask the worker to finish, and wait for it; pages it has not answered are
        failed, to be parsed elsewhere (none are left when a crawl closes)."""
        if not self.conn.closed:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self._detach()
        self._give_back("parse worker processes stopped")
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class ParsePool:
    """Runs ``parse(response, **kwargs)`` off the reactor thread: in ``processes`` worker
    processes or, with none, in ``threads`` threads; with neither, in the caller.

    ``crawler``, when given, receives the stats ``parse/pages_in_<where>`` (pages parsed
    in ``processes``, ``threads`` or ``inline``), ``parse/worker_restarts`` and
    ``parse/processes_unusable``; ``counts`` keeps the first ones too.
    """

    #: Pages sent to a worker and not answered yet, at most; the others wait here. Their
    #: messages then always fit in the pipe.
    MAX_SENT = 4

    def __init__(self, processes: int = 0, threads: int = 0, crawler: Any = None) -> None:
        self.processes = processes
        self.threads = threads
        self.crawler = crawler
        self._workers: list[_Worker] = []
        self._thread_pool: ThreadPoolExecutor | None = None
        #: Pages workers have parsed since they were started: none means they never ran.
        self._parsed_by_workers = 0
        #: Pages waiting for room in a worker's pipe.
        self._queued: deque[asyncio.Future[None]] = deque()
        #: Where page bodies wait for a worker (made with the first one).
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
        while self.processes > 0:
            path = None
            if len(response.body) >= SPOOL_FROM_BYTES:
                path = os.path.join(self._spool_dir(), str(next(self._spooled)))
            try:
                state = snapshot(response, path)
            except OSError:
                # /dev/shm full (containers often get 64 MB) or gone: parsed here, as a
                # page too large for the pipe could hold up the reactor.
                _discard(path)
                break
            try:
                result = await self._in_worker((parse, state, kwargs))
            except BrokenProcessPool:
                _discard(path)
                continue
            self._parsed_by_workers += 1
            self._parsed("processes")
            return result
        if self.threads > 0 or self.processes > 0:
            if self._thread_pool is None:
                self._thread_pool = ThreadPoolExecutor(
                    max(self.threads, 1), thread_name_prefix="parse"
                )
            call = functools.partial(parse, response, **kwargs)
            result = await asyncio.get_running_loop().run_in_executor(self._thread_pool, call)
            self._parsed("threads")
            return result
        result = parse(response, **kwargs)
        self._parsed("inline")
        return result

    async def _in_worker(self, task: tuple[Any, ...]) -> Any:
        while True:
            if self.processes == 0:
                raise BrokenProcessPool("parse worker processes given up")
            while len(self._workers) < self.processes:
                self._workers.append(_Worker(self._worker_died))
            worker = min(self._workers, key=lambda w: len(w.waiting))
            if len(worker.waiting) < self.MAX_SENT:
                break
            room = asyncio.get_running_loop().create_future()
            self._queued.append(room)
            await room
        try:
            return await worker.send(task)
        finally:
            self._let_one_in()

    def _let_one_in(self) -> None:
        while self._queued:
            room = self._queued.popleft()
            if not room.done():
                room.set_result(None)
                return

    def _parsed(self, where: str) -> None:
        self.counts[where] += 1
        self._count(f"parse/pages_in_{where}")

    def _spool_dir(self) -> str:
        if self._spool is None:
            # A file system in memory where there is one: the file never reaches a disk.
            memory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
            self._spool = tempfile.mkdtemp(prefix="rtl-parse-", dir=memory)
        return self._spool

    def _worker_died(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        if self._parsed_by_workers == 0:
            logger.error(
                "Parse worker processes broke before parsing a page (a script that "
                "starts a crawl needs `if __name__ == \"__main__\":`); parsing in a "
                "thread instead"
            )
            self._count("parse/processes_unusable")
            self.processes, self.threads = 0, max(self.threads, 1)
            for other in self._workers:
                other.stop()
            self._workers.clear()
            while self._queued:
                self._let_one_in()
            return
        # The next page sent starts a new worker.
        logger.error("A parse worker process died; starting another")
        self._count("parse/worker_restarts")

    def _count(self, key: str) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(key)

    def close(self) -> None:
        """Stop the workers, after the pages they hold."""
        for worker in self._workers:
            worker.stop()
        self._workers.clear()
        if self._thread_pool is not None:
            self._thread_pool.shutdown(wait=True)
            self._thread_pool = None
        if self._spool is not None:
            shutil.rmtree(self._spool, ignore_errors=True)
            self._spool = None
