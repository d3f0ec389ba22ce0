"""Score the article parser on the evaluation corpus (``tests/fixtures/eval``).

    python -m benchmarks.eval [--group G] [--json] [--pages]

Each page of the corpus is read through ``pipelines.extract.extract_article`` three times,
once per parser mode (``site``: site layouts only; ``generic``: JSON-LD, Open Graph and
main-text extraction only; ``full``: both), and once by trafilatura alone as a reference.
A page the crawler rejects scores as all fields empty. Per path and per page family it
prints the share of pages whose title, lead, authors, publication day and image are right,
the body's precision, recall and F1 over word 4-gram shingles (averaged over pages), and
the CPU time spent per page. The comparison rules are in ``benchmarks.eval_scoring``.

Families: "site-layout pages" are the RTL layouts the crawler knows (``rtl_2019``,
``rtl_2021``); "pages without a site layout" are the rest (``unknown``, ``other_sites``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.eval_scoring import (
    body_scores,
    mean,
    same_authors,
    same_day,
    same_text,
    same_url,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "eval"
GROUPS = ("rtl_2019", "rtl_2021", "unknown", "other_sites")
#: family id -> (label, groups)
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "site_layout": ("site-layout pages", ("rtl_2019", "rtl_2021")),
    "no_site_layout": ("pages without a site layout", ("unknown", "other_sites")),
}
PARSER_PATHS = ("site", "generic", "full")
REFERENCE = "trafilatura"
PATHS = (*PARSER_PATHS, REFERENCE)
FIELDS = ("title", "lead", "authors", "day", "image")
BODY_METRICS = ("body_precision", "body_recall", "body_f1")
METRICS = (*FIELDS, *BODY_METRICS, "cpu_ms")
EXPECTED_KEYS = ("url", "group", "title", "lead", "authors", "published", "image", "body")


@dataclass(frozen=True, eq=False)
class EvalPage:
    """One page of the corpus and its hand-written expected values (hashed by identity)."""

    name: str
    group: str
    html: bytes
    expected: dict[str, Any]

    @property
    def url(self) -> str:
        return self.expected["url"]

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Extracted:
    """The scored fields as one path returned them; all empty for a rejected page."""

    title: str | None = None
    lead: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | date | str | None = None
    image: str | None = None
    body: str | None = None
    rejected: str | None = None


@dataclass
class PageScore:
    """How one path did on one page. A field scored ``None`` is not produced by the path."""

    page: str
    group: str
    path: str
    fields: dict[str, bool | None]
    body_precision: float
    body_recall: float
    body_f1: float
    cpu_ms: float
    rejected: str | None = None


def load_corpus(root: Path = CORPUS, groups: Iterable[str] | None = None) -> list[EvalPage]:
    """Every ``<group>/<name>.html`` with its ``<name>.json``, groups in ``GROUPS`` order.

    Raises ``ValueError`` for a page without expected values, an expected file missing a
    key, or one naming another group than its folder.
    """
    wanted = tuple(groups) if groups else GROUPS
    pages = []
    for group in wanted:
        if group not in GROUPS:
            raise ValueError(f"unknown group {group!r} (known: {', '.join(GROUPS)})")
        for html_path in sorted((root / group).glob("*.html")):
            json_path = html_path.with_suffix(".json")
            if not json_path.exists():
                raise ValueError(f"{html_path}: no expected values ({json_path.name})")
            expected = json.loads(json_path.read_text(encoding="utf-8"))
            missing = [key for key in EXPECTED_KEYS if key not in expected]
            if missing:
                raise ValueError(f"{json_path}: missing {', '.join(missing)}")
            if expected["group"] != group:
                raise ValueError(f"{json_path}: group {expected['group']!r} in folder {group}")
            pages.append(EvalPage(html_path.stem, group, html_path.read_bytes(), expected))
    return pages


def _extract_with_parser(mode: str) -> Callable[[EvalPage], Extracted]:
    from crawler.items import RejectedPageItem
    from pipelines.extract import extract_article

    def run(page: EvalPage) -> Extracted:
        item = extract_article(page.html, page.url, base_url=page.base_url, mode=mode)
        if isinstance(item, RejectedPageItem):
            return Extracted(rejected=item.reason)
        image = item.image.get("url") if item.image else None
        return Extracted(
            title=item.title,
            lead=item.lead,
            authors=list(item.authors),
            published=item.published_at,
            image=image,
            body=item.body,
        )

    return run


def _extract_with_trafilatura(page: EvalPage) -> Extracted:
    import trafilatura

    document = trafilatura.bare_extraction(
        page.html, url=page.url, with_metadata=True, include_comments=False
    )
    if document is None:
        return Extracted(rejected="no_extraction")
    authors = [name.strip() for name in (document.author or "").split(";") if name.strip()]
    return Extracted(
        title=document.title,
        authors=authors,
        published=document.date,
        image=document.image,
        body=document.text,
    )


def extractor(path: str) -> Callable[[EvalPage], Extracted]:
    """The function that reads a page along ``path`` (a parser mode or ``trafilatura``)."""
    if path == REFERENCE:
        return _extract_with_trafilatura
    if path not in PARSER_PATHS:
        raise ValueError(f"unknown path {path!r} (known: {', '.join(PATHS)})")
    return _extract_with_parser(path)


def score_page(page: EvalPage, path: str, got: Extracted, cpu_ms: float) -> PageScore:
    """Compare what ``path`` extracted from ``page`` with the page's expected values."""
    want = page.expected
    precision, recall, f1 = body_scores(want["body"], got.body)
    return PageScore(
        page=page.name,
        group=page.group,
        path=path,
        fields={
            "title": same_text(want["title"], got.title),
            # trafilatura has no lead (chapô) field: not scored for it.
            "lead": None if path == REFERENCE else same_text(want["lead"], got.lead),
            "authors": same_authors(want["authors"], got.authors),
            "day": same_day(want["published"], got.published),
            "image": same_url(want["image"], got.image),
        },
        body_precision=precision,
        body_recall=recall,
        body_f1=f1,
        cpu_ms=cpu_ms,
        rejected=got.rejected,
    )


def evaluate(pages: Sequence[EvalPage], paths: Sequence[str] = PATHS) -> list[PageScore]:
    """Run every path on every page and score it.

    Each path first reads one page untimed, so one-off imports and caches are not charged
    to the first page's CPU time.
    """
    scores = []
    for path in paths:
        run = extractor(path)
        if pages:
            run(pages[0])
        for page in pages:
            start = time.process_time()
            got = run(page)
            cpu_ms = (time.process_time() - start) * 1000
            scores.append(score_page(page, path, got, cpu_ms))
    return scores


def summarize(scores: Iterable[PageScore]) -> dict[str, float | int | None]:
    """Field accuracies, macro-averaged body scores and mean CPU ms over ``scores``."""
    scores = list(scores)
    summary: dict[str, float | int | None] = {"pages": len(scores)}
    for name in FIELDS:
        judged = [s.fields[name] for s in scores if s.fields[name] is not None]
        summary[name] = mean([1.0 if ok else 0.0 for ok in judged])
    for name in BODY_METRICS:
        summary[name] = mean([getattr(s, name) for s in scores])
    summary["cpu_ms"] = mean([s.cpu_ms for s in scores])
    summary["rejected"] = sum(1 for s in scores if s.rejected)
    return summary


def results(scores: Sequence[PageScore]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{path: {family id | group | "all": summary}}`` for every path that was run."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for path in dict.fromkeys(s.path for s in scores):
        mine = [s for s in scores if s.path == path]
        rows: dict[str, dict[str, Any]] = {}
        for family, (_label, groups) in FAMILIES.items():
            chosen = [s for s in mine if s.group in groups]
            if chosen:
                rows[family] = summarize(chosen)
        for group in GROUPS:
            chosen = [s for s in mine if s.group == group]
            if chosen:
                rows[group] = summarize(chosen)
        rows["all"] = summarize(mine)
        table[path] = rows
    return table


def _cell(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}" if metric == "cpu_ms" else f"{value:.3f}"


HEADERS = {
    "title": "title", "lead": "lead", "authors": "authors", "day": "day", "image": "image",
    "body_precision": "body P", "body_recall": "body R", "body_f1": "body F1",
    "cpu_ms": "CPU ms/page",
}


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    first, *rest = cells
    return "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:],
                                                                           strict=True))])


def format_tables(table: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Plain-text tables: one per family (then per group), one row per path."""
    sections = [(label, family) for family, (label, _groups) in FAMILIES.items()]
    sections += [(f"group {group}", group) for group in GROUPS]
    sections.append(("all pages", "all"))
    widths = [11] + [max(len(HEADERS[m]), 7) for m in METRICS]
    lines = []
    for label, key in sections:
        present = [path for path in table if key in table[path]]
        if not present:
            continue
        count = table[present[0]][key]["pages"]
        lines.append(f"{label} ({count} pages)")
        lines.append(_row(["path", *(HEADERS[m] for m in METRICS)], widths))
        for path in present:
            row = table[path][key]
            line = _row([path, *(_cell(row[m], m) for m in METRICS)], widths)
            if row["rejected"]:
                line += f"  ({row['rejected']} rejected)"
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def format_misses(scores: Sequence[PageScore]) -> str:
    """One line per page and path with what it got wrong (fields, body F1 below 0.95)."""
    lines = []
    for s in scores:
        wrong = [name for name, ok in s.fields.items() if ok is False]
        if s.body_f1 < 0.95:
            wrong.append(f"body F1 {s.body_f1:.2f}")
        if s.rejected:
            wrong.insert(0, f"rejected ({s.rejected})")
        if wrong:
            lines.append(f"{s.path:<11} {s.group}/{s.page}: {', '.join(wrong)}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.eval", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--group", action="append", choices=GROUPS,
                        help="only this group (repeatable)")
    parser.add_argument("--path", action="append", choices=PATHS,
                        help="only this path (repeatable; default all)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--pages", action="store_true",
                        help="also list, per page and path, what was wrong")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    pages = load_corpus(groups=args.group)
    scores = evaluate(pages, args.path or PATHS)
    table = results(scores)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    if args.json:
        output: dict[str, Any] = {"pages": len(pages), "results": table}
        if args.pages:
            output["per_page"] = [asdict(s) for s in scores]
        print(json.dumps(output, indent=2))
        return 0
    print(f"Evaluation corpus: {len(pages)} pages ({CORPUS.relative_to(ROOT)})\n")
    print(format_tables(table))
    if args.pages:
        print(format_misses(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
