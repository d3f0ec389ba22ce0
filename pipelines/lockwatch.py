"""Keep a crawl's run lock through database restarts.

A PostgreSQL restart ends every session, and the run lock with it (``pipelines.runs``).
While a crawl runs, :class:`LockWatch` asks :meth:`RunLock.check` every few seconds, in a
worker thread so a database slow to answer never holds up the crawl: the lock is taken
again as soon as the database answers; if another run took it meanwhile, ``on_lost`` is
called on the crawl's thread (the store pipeline then closes the spider).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from twisted.internet import task, threads
from twisted.python.failure import Failure

from pipelines.runs import LockLostError, RunLock

logger = logging.getLogger(__name__)


class LockWatch:
    """Check ``lock`` every ``interval`` seconds until :meth:`stop`."""

    def __init__(
        self, lock: RunLock, interval: float, on_lost: Callable[[LockLostError], None]
    ) -> None:
        self.lock = lock
        self.interval = interval
        self.on_lost = on_lost
        self._loop: task.LoopingCall | None = None
        self._checking = False

    def start(self) -> None:
        if self.interval <= 0 or self._loop is not None:
            return
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(self.interval, now=False).addErrback(self._loop_failed)

    def stop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and loop.running:
            loop.stop()

    def _tick(self) -> None:
        if self._checking:
            return  # the previous check is still waiting for the database
        self._checking = True
        checked = threads.deferToThread(self.lock.check)
        checked.addErrback(self._check_failed)
        checked.addBoth(self._done)

    def _done(self, _: object) -> None:
        self._checking = False

    def _check_failed(self, failure: Failure) -> None:
        if failure.check(LockLostError):
            if self._loop is not None:  # not stopped meanwhile: the run is still going
                self.stop()
                self.on_lost(failure.value)
            return
        logger.warning("Checking the run lock failed: %s", failure.getErrorMessage())

    def _loop_failed(self, failure: Failure) -> None:
        logger.error("The run lock watch stopped: %s", failure.getErrorMessage())
