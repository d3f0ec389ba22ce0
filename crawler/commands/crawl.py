"""``scrapy crawl`` with exit statuses a scheduler can act on (``crawler.exitcodes``).

Scrapy's own command exits 1 only when the crawl could not start; a crawl that ran and
failed, or a second run refused by the lock, would look like success to cron.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.exitcodes import ALREADY_RUNNING, EXTRACTION_ALARM, exit_code
from crawler.outcomes import ALARM_KEY

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        errors: list[BaseException] = []

        def keep_error(failure: Any) -> None:
            errors.append(failure.value)

        running = self.crawler_process.crawl(crawler, **opts.spargs)
        if hasattr(running, "addErrback"):  # a Deferred (Twisted-based process)
            running.addErrback(keep_error)
        else:  # an asyncio Task
            running.add_done_callback(
                lambda task: errors.append(task.exception())
                if not task.cancelled() and task.exception()
                else None
            )
        self.crawler_process.start()
        error = errors[0] if errors else None
        self.exitcode = exit_code(crawler.stats.get_stats(), error)
        if self.exitcode == ALREADY_RUNNING and error is None:
            print("Stopped: another run of the same job took the lock while the database was "
                  "restarting; see crawl_runs")
        elif self.exitcode == ALREADY_RUNNING:
            logger.warning("%s", error)
            print(f"Not started: {error}")
        elif error is not None:
            # Logged as well as printed: with LOG_FILE, the log is where people look.
            logger.error("Crawl failed to start: %s", error)
            print(f"Crawl failed to start: {error}")
        elif self.exitcode == EXTRACTION_ALARM:
            # The pipeline has logged the alarm at ERROR level already.
            alarm = crawler.stats.get_value(ALARM_KEY)
            print(f"Extraction alarm (exit status {self.exitcode}): {alarm}; see crawl_runs.alarm")
        elif self.exitcode:
            logger.error("Crawl failed (exit status %s); see crawl_runs", self.exitcode)
            print(f"Crawl failed (exit status {self.exitcode}); see crawl_runs for details")
