"""The layer over scrapy-redis (crawler.distributed, crawler.request_codec), in-process
against a real Redis: settings, job keys, joining and seeding, stopping, leaving, and
requests (comment pages carrying their article) going through the shared queue."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import scrapy
from scrapy.crawler import AsyncCrawlerRunner, Crawler, CrawlerRunner
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import Settings
from scrapy.utils.reactor import is_reactor_installed
from scrapy.utils.test import get_reactor_settings

from crawler import request_codec
from crawler.distributed import (
    SEEDED_STAT,
    STALE_AFTER,
    START_SKIPPED_STAT,
    DistributedWorker,
    RedisUnavailableError,
    Scheduler,
    display_redis_url,
    job_keys,
    worker_name,
)
from crawler.exitcodes import DATABASE_UNAVAILABLE, exit_code
from crawler.items import ArticleItem
from crawler.outcomes import WORKER_STAT, run_status
from crawler.spiders.sites import RtlSpider


def make_crawler(
    tmp_path: Path, overrides: dict[str, Any], **spider_args: str
) -> Crawler:
    """A crawler set up as ``scrapy crawl rtl`` sets one up: project settings, ``-s``
    overrides, the spider with its arguments, then the add-ons."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            # No reactor in this process: as scrapy.utils.test.get_crawler() does.
            **get_reactor_settings(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'crawl.sqlite'}",
            **overrides,
        },
        priority="cmdline",
    )
    runner = CrawlerRunner(settings) if is_reactor_installed() else AsyncCrawlerRunner(settings)
    crawler = runner.create_crawler(RtlSpider)
    crawler.spider = crawler._create_spider(**spider_args)
    crawler._apply_settings()
    return crawler


@pytest.fixture
def client(redis_settings: dict[str, str]) -> Iterator[redis.Redis]:
    server = redis.Redis.from_url(redis_settings["REDIS_URL"])
    yield server
    server.close()


def worker(tmp_path: Path, redis_settings: dict[str, str], number: str = "1",
           **extra: Any) -> DistributedWorker:  # fmt: skip
    crawler = make_crawler(tmp_path, {**redis_settings, "DISTRIBUTED_WORKER": number, **extra})
    return DistributedWorker.from_crawler(crawler)


# --- settings ------------------------------------------------------------------------


def test_without_redis_nothing_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    crawler = make_crawler(tmp_path, {})

    assert crawler.settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert "worker" not in crawler.spider.run_arguments
    assert worker_name(crawler.settings) is None


def test_redis_url_from_the_environment_switches_to_the_shared_queue(
    tmp_path: Path, redis_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_settings["REDIS_URL"])
    prefix = redis_settings["REDIS_KEY_PREFIX"]
    crawler = make_crawler(
        tmp_path, {"REDIS_KEY_PREFIX": prefix, "DISTRIBUTED_WORKER": "2"}, section="sport"
    )
    settings = crawler.settings
    keys = job_keys(prefix, "rtl", {"section": "sport"})

    assert settings["REDIS_URL"] == redis_settings["REDIS_URL"]
    assert settings["SCHEDULER"] == "crawler.distributed.Scheduler"
    assert settings["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert settings.getbool("SCHEDULER_PERSIST") is True
    assert settings["SCHEDULER_QUEUE_KEY"] == keys["requests"]
    assert settings["SCHEDULER_DUPEFILTER_KEY"] == keys["dupefilter"]
    assert settings["SCHEDULER_SERIALIZER"] == "crawler.request_codec"
    assert settings.getdict("SPIDER_MIDDLEWARES")[DistributedWorker] == 10
    # Each worker is its own job for the run lock and in crawl_runs.
    host = worker_name(settings).split("/")[0]
    assert crawler.spider.run_arguments == {"section": "sport", "worker": f"{host}/2"}


def test_job_keys_are_shared_by_the_workers_of_a_job_only() -> None:
    full = job_keys("p", "rtl", {})
    assert job_keys("p", "rtl", {"worker": "a/1"}) == full
    assert job_keys("p", "rtl", {"worker": "b/7"}) == full
    assert job_keys("p", "rtl", {"section": "sport"})["requests"] != full["requests"]
    assert job_keys("q", "rtl", {})["requests"] != full["requests"]
    assert full["requests"].startswith("p:rtl:") and full["requests"].endswith(":requests")
    assert sorted(full) == ["activity", "dupefilter", "requests", "workers"]
    with pytest.raises(ValueError, match="without '%'"):
        job_keys("50%", "rtl", {})


def test_redis_down_is_a_clear_error_with_exit_status_69(tmp_path: Path) -> None:
    url = "redis://:s3cret@127.0.0.1:1/0"
    with pytest.raises(RedisUnavailableError) as raised:
        worker(tmp_path, {"REDIS_URL": url, "REDIS_KEY_PREFIX": "unused"})

    assert "Redis at redis://***@127.0.0.1:1/0 does not answer" in str(raised.value)
    assert "s3cret" not in str(raised.value)
    assert exit_code({}, raised.value) == DATABASE_UNAVAILABLE
    assert display_redis_url("redis://127.0.0.1:6379/3") == "redis://127.0.0.1:6379/3"


# --- joining, seeding, leaving ---------------------------------------------------------


def test_the_first_worker_seeds_and_empties_what_an_earlier_job_left(
    tmp_path: Path, redis_settings: dict[str, str], client: redis.Redis
) -> None:
    first = worker(tmp_path, redis_settings, "1")
    second = worker(tmp_path, redis_settings, "2")
    keys = first.keys
    # Left by a job whose workers were all killed.
    client.zadd(keys["requests"], {b"old request": 0})
    client.sadd(keys["dupefilter"], "old fingerprint")

    assert first.join() is True
    assert client.exists(keys["requests"], keys["dupefilter"]) == 0
    client.sadd(keys["dupefilter"], "fingerprint of this job")
    assert second.join() is False
    assert client.smembers(keys["dupefilter"]) == {b"fingerprint of this job"}
    assert client.zcard(keys["workers"]) == 2

    first.leave()
    assert client.zcard(keys["workers"]) == 1
    assert client.exists(keys["dupefilter"]) == 1
    second.leave()
    # The last one out removes the job's keys.
    assert client.exists(*keys.values()) == 0


def test_a_worker_silent_too_long_is_taken_for_dead(
    tmp_path: Path, redis_settings: dict[str, str], client: redis.Redis
) -> None:
    late = worker(tmp_path, redis_settings, "2")
    seconds, _ = client.time()
    # A worker killed with SIGKILL: its last heartbeat is older than STALE_AFTER.
    client.zadd(late.keys["workers"], {"dead#1": (seconds - STALE_AFTER - 5) * 1000})
    client.zadd(late.keys["requests"], {b"left over": 0})

    assert late.join() is True
    assert client.zrange(late.keys["workers"], 0, -1) == [late.member.encode()]
    assert client.exists(late.keys["requests"]) == 0
    late.leave()


def test_a_heartbeat_puts_a_worker_taken_for_dead_back(
    tmp_path: Path, redis_settings: dict[str, str], client: redis.Redis
) -> None:
    paused = worker(tmp_path, redis_settings)
    paused.join()
    client.zrem(paused.keys["workers"], paused.member)

    paused.beat()

    assert client.zscore(paused.keys["workers"], paused.member) is not None
    paused.leave()


async def _drain(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


async def _start(requests: list[scrapy.Request]) -> Any:
    for request in requests:
        yield request


def test_only_the_seeding_worker_lets_start_requests_through(
    tmp_path: Path, redis_settings: dict[str, str]
) -> None:
    import asyncio

    seeding = worker(tmp_path, redis_settings, "1")
    joining = worker(tmp_path, redis_settings, "2")
    seeding.seeds = seeding.join()
    joining.seeds = joining.join()
    requests = [scrapy.Request("http://127.0.0.1/actu/sport"), scrapy.Request("http://127.0.0.1/")]

    assert asyncio.run(_drain(seeding.process_start(_start(requests)))) == requests
    assert asyncio.run(_drain(joining.process_start(_start(requests)))) == []
    assert joining.stats.get_value(START_SKIPPED_STAT) == 2
    assert seeding.stats.get_value(START_SKIPPED_STAT) is None
    seeding.leave()
    joining.leave()


# --- stopping -----------------------------------------------------------------------


def test_an_idle_worker_waits_while_the_job_is_active_and_stops_once_quiet(
    tmp_path: Path, redis_settings: dict[str, str], client: redis.Redis
) -> None:
    idle = worker(tmp_path, redis_settings, DISTRIBUTED_IDLE_SECONDS="30")
    idle.join()  # joining counts as activity

    with pytest.raises(DontCloseSpider):
        idle.spider_idle(idle.crawler.spider)

    # Another worker received a response 20 s ago: still within the 30 s.
    seconds, _ = client.time()
    client.set(idle.keys["activity"], (seconds - 20) * 1000)
    with pytest.raises(DontCloseSpider):
        idle.spider_idle(idle.crawler.spider)

    # Nothing for 31 s: the job is over for this worker.
    client.set(idle.keys["activity"], (seconds - 31) * 1000)
    assert idle.spider_idle(idle.crawler.spider) is None

    # Its own activity (a request scheduled) counts like any worker's.
    idle.touch(request=None, spider=None)
    with pytest.raises(DontCloseSpider):
        idle.spider_idle(idle.crawler.spider)
    idle.leave()


def test_a_worker_that_found_nothing_to_do_finished_one_that_got_no_answer_failed() -> None:
    idle = {"finish_reason": "finished", WORKER_STAT: "host/2", SEEDED_STAT: 0}
    assert run_status(idle) == "finished"
    unanswered = {**idle, "downloader/request_count": 4}
    assert run_status(unanswered) == "failed"
    # Outside a distributed crawl, no response at all is still a failure.
    assert run_status({"finish_reason": "finished"}) == "failed"


# --- requests through Redis ----------------------------------------------------------


def test_a_comment_page_request_with_its_article_crosses_to_another_worker(
    tmp_path: Path, redis_settings: dict[str, str]
) -> None:
    producer = make_crawler(tmp_path, {**redis_settings, "DISTRIBUTED_WORKER": "1"})
    consumer = make_crawler(tmp_path, {**redis_settings, "DISTRIBUTED_WORKER": "2"})
    schedulers = []
    for crawler in (producer, consumer):
        scheduler = Scheduler.from_crawler(crawler)
        scheduler.open(crawler.spider)
        schedulers.append(scheduler)
    article = ArticleItem(
        url="http://127.0.0.1/actu/sport/un-match-7797504917",
        article_id="7797504917",
        title="Un match",
        authors=["Ana Élie"],
        extraction={"title": "site:rtl/v2019"},
        comments=[{"comment_id": "c1", "parent_id": None, "author": "Zoé",
                   "posted_at": "2019-11-05T10:00:00+01:00", "text": "Bravo <b>!</b>"}],
    )  # fmt: skip
    request = producer.spider._comments_request(article, article.url + "/commentaires?page=2", 2)
    request.meta["retry_times"] = 1

    assert schedulers[0].enqueue_request(request) is True
    # Same URL again, from any worker: filtered by the shared duplicate filter.
    again = consumer.spider._comments_request(article, request.url, 2)
    assert schedulers[1].enqueue_request(again) is False

    popped = schedulers[1].next_request()
    assert schedulers[0].next_request() is None
    assert popped.url == request.url
    assert popped.callback == consumer.spider.parse_comments
    assert popped.errback == consumer.spider.comments_failed
    assert popped.cb_kwargs == {"item": article, "page": 2}
    assert popped.cb_kwargs["item"] is not article
    assert popped.meta["retry_times"] == 1
    assert producer.stats.get_value("scheduler/enqueued/redis") == 1
    assert consumer.stats.get_value("scheduler/dequeued/redis") == 1


def test_the_queue_codec_reads_back_only_request_values() -> None:
    class Exploit:
        def __reduce__(self) -> Any:
            import os

            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError, match=r"may not hold posix\.system"):
        request_codec.loads(pickle.dumps({"url": "x", "meta": Exploit()}))
    with pytest.raises(TypeError, match="cannot queue the request for http://h/p"):
        request_codec.dumps({"url": "http://h/p", "meta": {"x": Path("/tmp")}})
    item = ArticleItem(url="http://h/p", comments=[{"comment_id": "1", "text": "é"}])
    assert request_codec.loads(request_codec.dumps({"cb_kwargs": {"item": item}})) == {
        "cb_kwargs": {"item": item}
    }
