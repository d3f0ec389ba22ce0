"""How requests are written into the shared Redis queue of a distributed crawl.

scrapy-redis stores each request as ``Request.to_dict(spider=...)`` passed through the
``SCHEDULER_SERIALIZER`` module's ``dumps``, and rebuilds it with ``loads`` and
``request_from_dict(..., spider=...)``: callbacks travel as the names of spider methods,
everything else (headers, meta, ``cb_kwargs``) as values. Its default serializer is plain
pickle, which would run whatever code a crafted queue entry names on every worker that
pops it; the queue is shared by machines, so this module reads back only the types a
request of this project holds: builtin containers and scalars, dates and times, and the
item dataclasses that comment-page requests carry in ``cb_kwargs`` (the article being
completed page by page).

:func:`dumps` checks that its output can be read back, so a request holding anything
else fails with a clear ``TypeError`` in the worker that made it, not later in the one
that pops it.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

#: (module, name) of every class a queued request may hold beyond builtin values.
ALLOWED_CLASSES = frozenset(
    {
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("zoneinfo", "ZoneInfo"),
        ("zoneinfo._zoneinfo", "ZoneInfo"),
        ("crawler.items", "ArticleItem"),
        ("crawler.items", "RejectedPageItem"),
    }
)


class _RequestUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_CLASSES:
            raise pickle.UnpicklingError(
                f"a queued request may not hold {module}.{name} "
                "(see crawler.request_codec.ALLOWED_CLASSES)"
            )
        return super().find_class(module, name)


def loads(data: bytes) -> Any:
    """A request dict read from the queue; refuses any class not in ``ALLOWED_CLASSES``."""
    return _RequestUnpickler(io.BytesIO(data)).load()


def dumps(obj: Any) -> bytes:
    """``obj`` (a request dict) as bytes for the queue; raises ``TypeError`` when it holds
    something :func:`loads` would refuse."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        loads(data)
    except pickle.UnpicklingError as exc:
        url = obj.get("url") if isinstance(obj, dict) else None
        raise TypeError(f"cannot queue the request for {url}: {exc}") from None
    return data
