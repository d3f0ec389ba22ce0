"""The storage counters, defined once: what ``pipelines.storage.WriteResult`` counts, the
crawl stats keys the store pipeline reports them under, and what the run history reads."""

from __future__ import annotations

#: The counters of ``WriteResult`` that crawl stats carry, each as ``store/<name>`` (with
#: ``failed``, the failures' count).
COUNTERS = (
    "articles_new", "articles_updated", "articles_unchanged", "comments_new",
    "comments_updated", "aliases_new", "articles_not_modified", "versions_new",
    "near_duplicates", "comments_near_repeats",
)


def stat_key(counter: str) -> str:
    """The crawl stats key of a storage counter (``articles_new`` -> ``store/articles_new``)."""
    return f"store/{counter}"
