"""Drive the store pipeline under a running reactor, as a crawl does (for test_store_writer).

    python -m tests.store_writer_driver DATABASE_URL SPOOL_DIR ARTICLES CAPACITY

A child process, since Twisted's reactor runs once per process. It opens the pipeline
(batches of one article, at most CAPACITY batches pending), hands it ARTICLES prepared
articles of 3 comments each, and prints one JSON line right after: which ``process_item``
calls returned a Deferred, how many batches the writer holds and how many it lets run.
The test holds the database's write lock meanwhile, so nothing is written yet. Then it
waits for every batch (``close_spider``), records the run's end and prints a second line
with the final ``store/...`` stats and the writer's highest counts.
"""

from __future__ import annotations

import inspect
import json
import sys

from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import install_reactor
from scrapy.utils.test import get_crawler
from twisted.internet import defer

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


@defer.inlineCallbacks
def drive(url: str, spool: str, articles: int, capacity: int):  # noqa: ANN201
    from benchmarks.storage_bench import prepared_articles
    from pipelines.store import StorePipeline

    crawler = get_crawler(
        settings_dict={
            "DATABASE_URL": url,
            "STORE_SPOOL_DIR": spool,
            "STORE_BATCH_SIZE": 1,
            "STORE_MAX_PENDING_BATCHES": capacity,
            "RUN_LOCK_CHECK_SECONDS": 0,
        }
    )
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    items = prepared_articles(articles, 3)
    answers = [pipeline.process_item(item) for item in items]
    waiting = [i for i, answer in enumerate(answers) if inspect.isawaitable(answer)]
    print(json.dumps({
        "threaded": type(pipeline.writer).__name__,
        "waiting": waiting,
        "held_back": [d.called for _, d in pipeline.writer._waiting],
        "in_flight": pipeline.writer.in_flight,
        "pending": pipeline.writer.pending,
    }), flush=True)  # fmt: skip
    passed = yield defer.gatherResults([
        deferred_from_coro(answer) if inspect.isawaitable(answer) else defer.succeed(answer)
        for answer in answers
    ])  # fmt: skip
    closing = pipeline.close_spider()
    if closing is not None:
        yield deferred_from_coro(closing)
    crawler.stats.set_value("finish_reason", "finished")
    crawler.stats.set_value("response_received_count", articles)
    pipeline.spider_closed(reason="finished")
    stats = crawler.stats.get_stats()
    print(json.dumps({
        "passed_on": sum(1 for item, sent in zip(passed, items, strict=True) if item is sent),
        "stats": {k: v for k, v in stats.items() if k.startswith("store/")},
        "high_water": pipeline.writer.high_water,
        "max_in_flight": pipeline.writer.max_in_flight,
        "order": [item.article_id for item in items],
    }), flush=True)  # fmt: skip


def main() -> None:
    url, spool, articles, capacity = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import reactor

    def run() -> None:
        done = drive(url, spool, articles, capacity)
        done.addErrback(lambda failure: print(failure.getTraceback(), file=sys.stderr))
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(run)
    reactor.run()


if __name__ == "__main__":
    main()
