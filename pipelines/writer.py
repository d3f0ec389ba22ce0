"""Storage writes off the reactor: one worker thread, batches in order, bounded.

During a crawl, the store pipeline hands each full batch to a :class:`ThreadedWriter`. A
single worker thread writes the batches one after the other, in the order they were
handed over, so everything that depended on the order of writes on the reactor thread
(the spool written back before newer items, a run's end after its items) still holds.
The reactor meanwhile downloads and parses.

Back-pressure: at most ``capacity`` batches are queued or being written. A batch handed
over when that many are waiting gets a Deferred that fires once the worker has taken one;
the store pipeline returns a coroutine waiting for it from ``process_item``
(:func:`wait_then`), so Scrapy keeps that response in
its scraper slot and, once the slot holds ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` bytes of
responses, downloads nothing more. A database slower than the crawl slows the crawl
instead of filling memory.

Results come back on the reactor thread (Deferred callbacks), where the pipeline counts
them into Scrapy's stats, which are not shared with the worker.

:class:`InlineWriter` has the same interface and writes at once, in the caller's thread:
used when no reactor runs (the pipeline driven by hand, as in tests, or a script).
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, threads
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

logger = logging.getLogger(__name__)

B = TypeVar("B")
R = TypeVar("R")


def reactor_running() -> bool:
    """True inside a crawl: a Twisted reactor is installed and running."""
    from scrapy.utils.reactor import is_reactor_installed

    if not is_reactor_installed():
        return False
    from twisted.internet import reactor

    return bool(getattr(reactor, "running", False))


class InlineWriter(Generic[B, R]):
    """Write each batch at once in the calling thread; ``done`` gets each result."""

    def __init__(self, write: Callable[[B], R], done: Callable[[R], None]) -> None:
        self.write = write
        self.done = done

    def submit(self, batch: B) -> defer.Deferred[None] | None:
        self.done(self.write(batch))
        return None

    def drain(self) -> defer.Deferred[None] | None:
        return None

    def close(self) -> None:
        pass


class ThreadedWriter(Generic[B, R]):
    """Run ``write(batch)`` in one worker thread, batches in order, at most ``capacity``
    queued or running; ``done(result)`` is called on the reactor thread for each, in order.

    ``write`` must not raise for a batch it could not store (it reports that in its
    result); if it does all the same, ``failed(batch, failure)`` is called instead.
    """

    def __init__(
        self,
        write: Callable[[B], R],
        done: Callable[[R], None],
        failed: Callable[[B, Failure], None],
        *,
        capacity: int = 4,
        name: str = "storage",
    ) -> None:
        from twisted.internet import reactor

        self.write = write
        self.done = done
        self.failed = failed
        self.capacity = max(1, capacity)
        self._reactor = reactor
        # One thread: the pool's queue is first in, first out.
        self._pool = ThreadPool(minthreads=1, maxthreads=1, name=name)
        self._pool.start()
        self._stopped = False
        # A crawl that ends without closing the pipeline must not hang on the thread.
        self._trigger = reactor.addSystemEventTrigger("during", "shutdown", self.close)
        #: Batches handed to the worker and not finished yet.
        self.in_flight = 0
        #: Batches waiting for room, with the Deferred their caller waits on.
        self._waiting: deque[tuple[B, defer.Deferred[None]]] = deque()
        self._drained: list[defer.Deferred[None]] = []
        #: The most batches ever held at once (running, queued or waiting) and the most
        #: ever handed to the worker at once (never above ``capacity``).
        self.high_water = 0
        self.max_in_flight = 0

    @property
    def pending(self) -> int:
        """Batches not written yet: running, queued and waiting for room."""
        return self.in_flight + len(self._waiting)

    def submit(self, batch: B) -> defer.Deferred[None] | None:
        """Queue ``batch``; None when it was taken at once, else a Deferred that fires
        when there is room for it (the caller should wait for it)."""
        if self.in_flight < self.capacity and not self._waiting:
            self._start(batch)
            return None
        waiting: defer.Deferred[None] = defer.Deferred()
        self._waiting.append((batch, waiting))
        self.high_water = max(self.high_water, self.pending)
        return waiting

    def drain(self) -> defer.Deferred[None] | None:
        """A Deferred that fires when every batch handed over is written (None if none)."""
        if not self.pending:
            return None
        drained: defer.Deferred[None] = defer.Deferred()
        self._drained.append(drained)
        return drained

    def close(self) -> None:
        """Stop the worker thread (after the batch it is writing, if any); idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._pool.stop()
        # Already gone when this runs as the shutdown trigger itself.
        with contextlib.suppress(ValueError, KeyError):
            self._reactor.removeSystemEventTrigger(self._trigger)

    def _start(self, batch: B) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.high_water = max(self.high_water, self.pending)
        written = threads.deferToThreadPool(self._reactor, self._pool, self.write, batch)
        written.addCallbacks(self._written, self._failed, errbackArgs=(batch,))

    def _written(self, result: R) -> None:
        try:
            self.done(result)
        finally:
            self._next()

    def _failed(self, failure: Failure, batch: B) -> None:
        try:
            self.failed(batch, failure)
        finally:
            self._next()

    def _next(self) -> None:
        self.in_flight -= 1
        if self._waiting:
            batch, waiting = self._waiting.popleft()
            self._start(batch)
            waiting.callback(None)
        if not self.pending:
            drained, self._drained = self._drained, []
            for waiter in drained:
                waiter.callback(None)


def wait_then(waiting: defer.Deferred[None] | None, value: Any) -> Any:
    """``value``, or a coroutine returning it once ``waiting`` has fired (Scrapy awaits
    what a pipeline method returns; a Deferred would be deprecated there)."""
    if waiting is None:
        return value
    return _after(waiting, value)


async def _after(waiting: defer.Deferred[Any], value: Any) -> Any:
    await maybe_deferred_to_future(waiting)
    return value
