"""What ``make bench`` prints from its measures: the ratio of each round and their
median, the storage figures of each round and theirs, and a profile's split by process
and thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench import Run, pair_ratios, profile_summary, storage_lines, table
from benchmarks.load import ROOT
from benchmarks.storage_bench import StorageFigure

pytestmark = pytest.mark.unit


def run(name: str, pages: int, seconds: float, round_: int) -> Run:
    stats = {"response_received_count": pages, "elapsed_time_seconds": seconds}
    return Run(name, 0, stats, cpu_seconds=pages / 100, peak_rss_kb=307_200, round=round_)


def test_each_round_gives_a_ratio_of_its_own_pair() -> None:
    runs = [
        run("floor", 4000, 20.0, 1), run("full", 4000, 25.0, 1),  # 200 and 160 pages/s
        run("floor", 4000, 16.0, 2), run("full", 4000, 40.0, 2),  # 250 and 100
    ]  # fmt: skip
    assert pair_ratios(runs) == [0.8, 0.4]
    lines = table(runs).splitlines()
    assert lines[2] == "| floor (1) | 4,000 | 200.0 | 10.0 | - | 300 | 0 | 0 |"
    assert lines[5].startswith("| full (2) | 4,000 | 100.0 |")


def test_a_single_round_is_not_numbered() -> None:
    runs = [run("floor", 100, 1.0, 1), run("full", 50, 1.0, 1)]
    assert pair_ratios(runs) == [0.5]
    assert table(runs).splitlines()[2].startswith("| floor | 100 |")


def test_a_profile_is_split_by_process_and_thread(tmp_path: Path) -> None:
    crawler = 'process 70:"python -m scrapy crawl rtl -s A=1"'
    # The fork server's command holds semicolons of its own.
    worker = ('process 88:"python -B -c from multiprocessing.forkserver import main; '
              "main(3, 4, ['crawler.parsing.page'])\"")  # fmt: skip
    profile = tmp_path / "profile.txt"
    profile.write_text(
        f"{crawler};thread (70): MainThread;run (crawler/commands/crawl.py:42);"
        "doRead (twisted/internet/tcp.py:250) 60\n"
        f"{crawler};{worker};thread (88): MainThread;"
        f"parse_snapshot ({ROOT}/crawler/parse_pool.py:90);"
        f"parse_page ({ROOT}/crawler/parsing/page.py:80) 30\n"
        f"{crawler};thread (71): PoolThread-store-writer-0;"
        f"write_articles ({ROOT}/pipelines/storage.py:274) 10\n"
    )
    summary = profile_summary(profile).splitlines()
    assert summary[0] == (
        "100 samples; by thread: crawler MainThread 60%, parse worker MainThread 30%, "
        "crawler PoolThread-store-writer-0 10%"
    )
    assert "   30.0%  parse_page (crawler/parsing/page.py)" in summary
    assert "   10.0%  write_articles (pipelines/storage.py)" in summary


def test_storage_rounds_give_medians_and_each_rounds_figure() -> None:
    def rounds(*pairs: tuple[float, float]) -> list[tuple[StorageFigure, StorageFigure]]:
        return [
            (StorageFigure(200, 20_000, storage), StorageFigure(200, 20_000, server))
            for storage, server in pairs
        ]

    lines = storage_lines(rounds((1.0, 0.8), (2.0, 1.0), (1.25, 1.0)))
    assert lines == [
        "storage alone: 16,000 comment rows/s (median of 3 rounds: 20,000, 10,000, 16,000);"
        " 200 articles x 100 comments, in batches of 50",
        "PostgreSQL alone: 20,000 comment rows/s (median of 3 rounds: 25,000, 20,000,"
        " 20,000); the same rows of every table inserted again by the server, no client",
        # Each round's ratio is of its own pair: 0.8/1.0, 1.0/2.0, 1.0/1.25.
        "storage / PostgreSQL alone: 0.80 (median of 3 rounds: 0.80, 0.50, 0.80)",
    ]
    single = storage_lines(rounds((1.0, 0.5)))
    assert single[0].startswith("storage alone: 20,000 comment rows/s; 200 articles")
    assert single[2] == "storage / PostgreSQL alone: 0.50"
