"""Where pages are parsed (``crawler.parse_pool``): in worker processes
(``PARSE_PROCESSES``), a thread (``PARSE_THREADS``) or inline, the spider hands on the
same items; a worker that dies loses no page; workers ignore Ctrl-C."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

import crawler.spiders.site as site_module
from crawler import settings
from crawler.items import ArticleItem
from crawler.parse_pool import ParsePool, rebuilt, snapshot
from crawler.spiders.sites import RtlSpider

pytestmark = pytest.mark.unit

T = TypeVar("T")

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = (
    "https://www.rtl.fr/actu/international/"
    "kim-jong-un-en-russie-pour-son-premier-sommet-avec-poutine-7797504917"
)


def spider_with(processes: int = 0, threads: int = 0) -> RtlSpider:
    project = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    crawler = get_crawler(
        RtlSpider,
        {**project, "PARSE_PROCESSES": processes, "PARSE_THREADS": threads,
         "RTL_BASE_URL": "https://www.rtl.fr"},
    )  # fmt: skip
    return crawler._create_spider()


def page(name: str, url: str) -> HtmlResponse:
    return HtmlResponse(
        url, body=(PAGES / name).read_bytes(), request=Request(url),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )  # fmt: skip


async def collect(outputs: Any) -> list[Any]:
    return [output async for output in outputs]


def crawl_one(spider: RtlSpider, monkeypatch: pytest.MonkeyPatch) -> tuple[ArticleItem, set]:
    """The article of the seed page with its two comment pages, as the spider hands it
    on; and the names of the threads of this process the parsers ran in."""
    threads: set[str] = set()

    def recorded(parse: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            threads.add(threading.current_thread().name)
            return parse(*args, **kwargs)

        return wrapper

    with monkeypatch.context() as patch:
        if spider.parse_pool.where != "processes":
            # A worker process imports the parsers itself: a wrapper would not reach it.
            patch.setattr(site_module, "parse_page", recorded(site_module.parse_page))
            patch.setattr(site_module, "parse_comments", recorded(site_module.parse_comments))
        return _crawl_one(spider), threads


def _crawl_one(spider: RtlSpider) -> ArticleItem:

    async def run() -> ArticleItem:
        (request,) = await collect(spider.parse_article(page("rtl_2019_seed.html", URL)))
        item, number = request.cb_kwargs["item"], 1
        for name in ("rtl_2019_seed_comments_p1.html", "rtl_2019_seed_comments_p2.html"):
            response = page(name, f"{URL}/commentaires?page={number}")
            (output,) = await collect(spider.parse_comments(response, item, number))
            number += 1
        return output if isinstance(output, ArticleItem) else item

    try:
        return asyncio.run(run())
    finally:
        spider.closed("finished")


def test_a_page_parsed_in_a_worker_process_or_thread_gives_the_same_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_process = spider_with(processes=1)
    processed, processed_in = crawl_one(in_process, monkeypatch)
    threaded, threaded_in = crawl_one(spider_with(threads=1), monkeypatch)
    inline, inline_in = crawl_one(spider_with(), monkeypatch)
    assert in_process.parse_pool.counts == {"processes": 3}
    assert processed_in == set()
    assert {name.split("_")[0] for name in threaded_in} == {"parse"}
    assert inline_in == {threading.current_thread().name}
    assert processed == threaded == inline
    assert processed.title == "Kim Jong-Un en Russie pour son premier sommet avec Poutine"
    # Both pages' comments as read, the one on both pages twice (the pipelines merge it).
    assert [c["comment_id"] for c in processed.comments] == [
        "8801234", "8801250", "8801262", "8801190", "8801190", "8801101", "8801095",
    ]


def test_the_project_parses_in_one_worker_process() -> None:
    pool = spider_with(processes=settings.PARSE_PROCESSES).parse_pool
    assert (pool.where, pool.processes) == ("processes", 1)


# --- The response as a worker sees it ------------------------------------------------


def round_trip(response: Response, tmp_path: Path | None = None) -> Response:
    path = str(tmp_path / "body") if tmp_path is not None else None
    return rebuilt(snapshot(response, path))


def test_a_response_reaches_a_worker_as_it_is(tmp_path: Path) -> None:
    request = Request(URL + "?from=feed", meta={"discovered_as": URL + "?amp", "depth": 3})
    body = (PAGES / "rtl_2019_seed.html").read_bytes()
    original = HtmlResponse(
        URL, status=203, body=body, request=request,
        headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'},
    )  # fmt: skip
    copy = round_trip(original, tmp_path)
    assert type(copy) is HtmlResponse
    assert (copy.url, copy.status, copy.body) == (URL, 203, body)
    assert copy.headers.getlist("ETag") == [b'"v1"']
    assert copy.encoding == "utf-8"
    assert copy.request.url == URL + "?from=feed"
    # Only what a parser reads of the meta travels.
    assert copy.meta == {"discovered_as": URL + "?amp"}
    # The worker read the body from its file and removed it.
    assert list(tmp_path.iterdir()) == []


def test_a_response_keeps_the_encoding_it_was_given() -> None:
    # Declared UTF-8 in the page, given as cp1252 by the caller: the caller's wins, there
    # as here.
    body = '<meta charset="utf-8"><p>Élysée – déjà</p>'.encode("cp1252")
    original = TextResponse(URL, body=body, encoding="cp1252")
    copy = round_trip(original)
    assert (copy.encoding, copy.text) == ("cp1252", original.text)
    assert "Élysée – déjà" in copy.text


def test_a_response_without_a_request_or_text_reaches_a_worker() -> None:
    original = Response(URL, body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"})
    copy = round_trip(original)
    assert type(copy) is Response
    assert (copy.body, copy.request) == (b"%PDF-1.7", None)
    assert copy.headers["Content-Type"] == b"application/pdf"


# --- Worker processes ------------------------------------------------------------------


class Stats:
    """What the pool reports, as Scrapy's stats collector receives it."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str) -> None:
        self.values[key] = self.values.get(key, 0) + 1


class Crawler:
    def __init__(self) -> None:
        self.stats = Stats()


def where_parsed(response: Response) -> tuple[int, int]:
    """A parser that says which process ran it, and what it read."""
    return os.getpid(), len(response.body)


def dies_in_a_worker_once(response: Response, marker: str) -> tuple[int, int]:
    if multiprocessing.parent_process() is not None and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return where_parsed(response)


def dies_in_every_worker(response: Response) -> tuple[int, int]:
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return where_parsed(response)


def fails(response: Response) -> None:
    raise ValueError(f"no article at {response.url}")


def big_page() -> HtmlResponse:
    # Large enough to travel through a file.
    return HtmlResponse(URL, body=b"<p>" + b"x" * 200_000 + b"</p>", request=Request(URL))


def with_pool(pool: ParsePool, steps: Callable[[], Awaitable[T]]) -> T:
    """``steps()`` in one event loop, the pool closed at the end in it (as a crawl's
    spider does)."""

    async def run() -> T:
        try:
            return await steps()
        finally:
            pool.close()

    return asyncio.run(run())


def test_pages_are_parsed_in_a_worker_process_and_nothing_stays_behind() -> None:
    crawler = Crawler()
    pool = ParsePool(processes=1, crawler=crawler)
    spool: list[Path] = []

    async def steps() -> list[tuple[int, int]]:
        # More pages at once than a worker is sent before it answers (MAX_SENT).
        pages = [big_page(), HtmlResponse(URL, body=b"<p>small</p>")] * 5
        results = await asyncio.gather(*(pool.parse(where_parsed, page) for page in pages))
        spool.append(Path(pool._spool_dir()))
        assert list(spool[0].iterdir()) == []
        return results

    results = with_pool(pool, steps)
    assert not spool[0].exists()
    assert {pid for pid, _ in results} != {os.getpid()}
    assert len({pid for pid, _ in results}) == 1
    assert [size for _, size in results] == [200_007, 12] * 5
    assert crawler.stats.values == {"parse/pages_in_processes": 10}


def test_a_page_whose_file_cannot_be_written_is_parsed_in_a_thread(tmp_path: Path) -> None:
    pool = ParsePool(processes=1)
    # As when /dev/shm is full: writing the page's file fails.
    pool._spool = str(tmp_path / "gone")

    async def steps() -> tuple[tuple[int, int], tuple[int, int]]:
        return (await pool.parse(where_parsed, big_page()),
                await pool.parse(where_parsed, HtmlResponse(URL, body=b"<p>small</p>")))

    (pid, size), (small_pid, _) = with_pool(pool, steps)
    assert (pid, size) == (os.getpid(), 200_007)
    assert small_pid != os.getpid()
    assert pool.counts == {"threads": 1, "processes": 1}


def test_an_error_in_a_parser_reaches_the_spider() -> None:
    pool = ParsePool(processes=1)

    async def steps() -> int:
        with pytest.raises(ValueError, match="no article at") as raised:
            await pool.parse(fails, big_page())
        assert "In the parse worker" in "".join(raised.value.__notes__)
        # The worker is still there for the next page.
        pid, _ = await pool.parse(where_parsed, big_page())
        return pid

    assert with_pool(pool, steps) != os.getpid()


def test_a_worker_that_dies_is_replaced_and_its_page_parsed_again(tmp_path: Path) -> None:
    crawler = Crawler()
    pool = ParsePool(processes=1, crawler=crawler)
    marker = str(tmp_path / "died")

    async def steps() -> tuple[int, int, int]:
        first, _ = await pool.parse(where_parsed, big_page())
        pid, size = await pool.parse(dies_in_a_worker_once, big_page(), marker=marker)
        return first, pid, size

    first, pid, size = with_pool(pool, steps)
    assert os.path.exists(marker)
    assert pid not in (first, os.getpid())
    assert size == 200_007
    assert pool.where == "processes"
    assert crawler.stats.values == {
        "parse/pages_in_processes": 2, "parse/worker_restarts": 1,
    }


def test_workers_that_never_parse_a_page_give_way_to_a_thread() -> None:
    crawler = Crawler()
    pool = ParsePool(processes=1, crawler=crawler)

    async def steps() -> tuple[int, int, int]:
        pid, size = await pool.parse(dies_in_every_worker, big_page())
        again, _ = await pool.parse(where_parsed, big_page())
        return pid, again, size

    assert with_pool(pool, steps) == (os.getpid(), os.getpid(), 200_007)
    assert pool.where == "threads"
    assert crawler.stats.values == {
        "parse/processes_unusable": 1, "parse/pages_in_threads": 2,
    }


def test_pages_held_by_the_other_workers_go_to_the_thread_too() -> None:
    # Two workers, each holding a page, both dying: the pages the second one held are
    # parsed in the thread as well, not left waiting for an answer that never comes.
    crawler = Crawler()
    pool = ParsePool(processes=2, crawler=crawler)

    async def steps() -> list[tuple[int, int]]:
        pages = [pool.parse(dies_in_every_worker, big_page()) for _ in range(4)]
        # A minute turns a page left waiting into a failure, not a test that never ends.
        return await asyncio.wait_for(asyncio.gather(*pages), 60)

    results = with_pool(pool, steps)
    assert results == [(os.getpid(), 200_007)] * 4
    assert pool.counts == {"threads": 4}
    assert crawler.stats.values["parse/processes_unusable"] == 1


def test_workers_ignore_ctrl_c() -> None:
    pool = ParsePool(processes=1)

    async def steps() -> tuple[int, int]:
        pid, _ = await pool.parse(where_parsed, big_page())
        os.kill(pid, signal.SIGINT)
        again, _ = await pool.parse(where_parsed, big_page())
        return pid, again

    pid, again = with_pool(pool, steps)
    assert again == pid


def test_the_parse_threads_stop_with_the_spider() -> None:
    spider = spider_with(threads=2)
    asyncio.run(spider.parse_pool.parse(where_parsed, big_page()))
    threads = spider.parse_pool._thread_pool
    spider.closed("finished")
    with pytest.raises(RuntimeError):
        threads.submit(print)


KILLED_CRAWL = """
import asyncio, sys, time
from scrapy.http import HtmlResponse
from crawler.parse_pool import ParsePool
from tests.test_parse_pool import where_parsed

if __name__ == "__main__":
    pool = ParsePool(processes=1)

    async def first_page():
        return await pool.parse(where_parsed, HtmlResponse("https://x.test/", body=b"a"))

    pid, _ = asyncio.run(first_page())
    print(pid, flush=True)
    time.sleep(600)
"""


def test_workers_exit_with_a_crawl_killed_by_sigkill(tmp_path: Path) -> None:
    script = tmp_path / "crawl.py"
    script.write_text(KILLED_CRAWL)
    root = Path(__file__).parent.parent
    crawl = subprocess.Popen(
        [sys.executable, str(script)], cwd=root, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    worker = int(crawl.stdout.readline())
    os.kill(worker, 0)  # alive
    crawl.kill()
    crawl.wait()
    # The worker holds the crawl's stdout too: it closes once both have exited (a
    # minute is far more than that takes, and turns a worker left behind into a failure
    # rather than a test that never ends).
    assert select.select([crawl.stdout], [], [], 60)[0], "a worker outlived its crawl"
    assert crawl.stdout.read() == ""
    assert not _running(worker)


def _running(pid: int) -> bool:
    """Whether ``pid`` runs: an exited process stays a zombie until whoever adopted it
    reaps it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
