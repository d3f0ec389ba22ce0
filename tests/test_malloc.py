"""glibc's mmap threshold, fixed so that page-sized buffers leave the heap when freed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler import settings as crawler_settings
from crawler.malloc import MallocTuning

#: Run in a child: the threshold is process-wide. Prints whether a 1 MB buffer gets a
#: mapping of its own after a 5 MB one was freed (as after a large page).
CHILD = textwrap.dedent(
    """
    import ctypes, sys
    from crawler.malloc import set_mmap_threshold

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    if not hasattr(libc, "mallinfo2") or (
        sys.argv[1] != "0" and not set_mmap_threshold(int(sys.argv[1]))
    ):
        sys.exit(3)
    libc.mallinfo2.restype = Info
    bytearray(5 << 20)
    before = libc.mallinfo2().hblkhd
    buffer = bytearray(1 << 20)
    print(libc.mallinfo2().hblkhd - before >= 1 << 20)
    """
)


def _mapped_after_a_large_page(threshold: int) -> bool:
    child = subprocess.run([sys.executable, "-c", CHILD, str(threshold)],
                           capture_output=True, text=True)  # fmt: skip
    if child.returncode == 3:
        pytest.skip("not glibc")
    assert child.returncode == 0, child.stderr
    return child.stdout.strip() == "True"


def test_page_sized_buffers_get_a_mapping_of_their_own_once_the_threshold_is_fixed() -> None:
    # glibc alone: the 5 MB buffer freed raised its threshold, so 1 MB come from the heap.
    assert not _mapped_after_a_large_page(0)
    # Fixed as -s MALLOC_MMAP_THRESHOLD=262144 does: mapped, and unmapped when freed.
    assert _mapped_after_a_large_page(256 * 1024)


def test_the_threshold_is_fixed_only_when_asked_for() -> None:
    assert crawler_settings.EXTENSIONS["crawler.malloc.MallocTuning"] == 0
    assert crawler_settings.MALLOC_MMAP_THRESHOLD == 0
    with pytest.raises(NotConfigured):
        MallocTuning.from_crawler(get_crawler(settings_dict={"MALLOC_MMAP_THRESHOLD": 0}))
