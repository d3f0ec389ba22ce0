"""Large buffers handed back to the system as soon as they are freed (glibc's malloc).

A crawl allocates a few buffers of 300 KB to several MB per article page: the body as
downloaded, its copy, its decoded text. glibc serves a request above its mmap threshold
(128 KB at first) with a mapping of its own, unmapped when freed; but each time such a
mapping is freed it raises that threshold to the freed size (up to 32 MB). After the first
5 MB page, every page's buffers come from the heap instead, between long-lived small
objects, and the heap's free space is seldom given back: the process keeps the memory of
the largest coincidences of big pages it met, so the peak grows with the length of the
crawl. Measured on the benchmark site (20,000 articles, 16 requests at a time): the heap
held 100 to 135 MB, a third of it free, against 50 to 60 MB with the threshold fixed, and
the resident memory settled 35 to 40 MB lower.

``MALLOC_MMAP_THRESHOLD`` (bytes) fixes the threshold (glibc's ``mallopt``, which also
stops its adjustment) when the crawler is made, before any page is read; 0, the default,
leaves malloc as it is. It is a trade: each large buffer is then a new mapping the kernel
fills with zeroes, 5 to 10% more CPU per page at 262144 on the benchmark site, which
since sitemaps are read one at a time (``crawler.sitemaps``) lowered the peak by about
13 MB at 5,000 and at 50,000 articles alike. Elsewhere than glibc nothing is done.
(glibc's ``MALLOC_MMAP_THRESHOLD_`` environment variable does the same for a process.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from typing import Any, Self

from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

#: glibc's ``mallopt`` parameters.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def set_mmap_threshold(size: int) -> bool:
    """Fix glibc's mmap threshold at ``size`` bytes, and the free space at the top of the
    heap that is given back past twice that (glibc's own ratio, which it may have raised
    along with the threshold by now); False when this is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
        # glibc only: other C libraries (musl, macOS) have no such threshold to fix.
        libc.gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, size)) and bool(mallopt(M_TRIM_THRESHOLD, 2 * size))


class MallocTuning:
    """Extension: applies ``MALLOC_MMAP_THRESHOLD`` when the crawler is made."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        if not set_mmap_threshold(threshold):
            logger.debug("malloc's mmap threshold left alone (not glibc)")

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        threshold = crawler.settings.getint("MALLOC_MMAP_THRESHOLD")
        if threshold <= 0:
            raise NotConfigured("MALLOC_MMAP_THRESHOLD is 0")
        return cls(threshold)
