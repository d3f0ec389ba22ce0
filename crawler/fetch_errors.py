"""Why a page could not be fetched, as a ``rejected_pages`` reason.

The spider's errback gets a Twisted ``Failure`` once Scrapy has given up on a request
(after ``RETRY_TIMES`` retries for the transient kinds). :func:`fetch_failure` names it:

| reason | what happened |
| --- | --- |
| ``timeout`` | no complete answer within ``DOWNLOAD_TIMEOUT`` |
| ``connection_lost`` | the connection was closed or reset before the answer was complete |
| ``connection_failed`` | no connection at all (refused, unreachable) |
| ``dns_failed`` | the host name did not resolve |
| ``too_large`` | the answer was bigger than ``DOWNLOAD_MAXSIZE`` |
| ``redirect_loop``, ``offsite_redirect``, ``too_many_redirects`` | ``crawler.redirects`` |
| ``fetch_failed`` | anything else (the detail has the exception) |

HTTP error statuses (``http_<status>``) are handled by the errback itself; pages refused
before any request was sent (robots.txt) give ``None``: there is nothing to record.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from crawler.redirects import RedirectRefused

#: Exception types and the reason they mean, most specific first.
_REASONS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, tx.TimeoutError), "timeout"),
    ((ResponseDataLossError, DownloadFailedError, ResponseFailed, tx.ConnectionLost,
      tx.ConnectionDone), "connection_lost"),
    ((CannotResolveHostError, tx.DNSLookupError), "dns_failed"),
    ((DownloadConnectionRefusedError, tx.ConnectError), "connection_failed"),
)  # fmt: skip


#: Detail for the errors Scrapy raises without a message.
_SILENT = {
    "connection_lost": "the connection was closed before the whole answer had arrived",
    "timeout": "no complete answer in time",
}


def fetch_failure(failure: Failure) -> tuple[str, str] | None:
    """``(reason, detail)`` for a request that got no usable response, or ``None``."""
    error = failure.value
    if isinstance(error, RedirectRefused):
        return error.reason, str(error)
    if isinstance(error, IgnoreRequest):
        # Refused before fetching (robots.txt): nothing was read to reject.
        return None
    if isinstance(error, DownloadCancelledError) and "max size" in str(error):
        reason = "too_large"
    else:
        reason = next((r for types, r in _REASONS if isinstance(error, types)), "fetch_failed")
    message = failure.getErrorMessage().strip() or _SILENT.get(reason, "no message")
    return reason, f"{type(error).__name__}: {message}"
