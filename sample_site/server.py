"""Serve the sample site on 127.0.0.1 from a background thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from sample_site.layouts import DEFAULT_LAYOUT, check_layout
from sample_site.model import ArticleSpec
from sample_site.page_handler import PageHandler
from sample_site.site import Site, build_site
from sample_site.sitemaps import PLAIN, SitemapStyle


@dataclass(frozen=True)
class RequestRecord:
    method: str
    #: Request target as sent: path and query string.
    path: str
    status: int


class _Handler(PageHandler):
    server: _SiteServer
    server_version = "SampleRTL/1.0"

    def do_GET(self) -> None:
        self.server.open.wait()
        super().do_GET()

    def do_HEAD(self) -> None:
        self.server.open.wait()
        super().do_HEAD()

    def answered(self, status: int) -> None:
        self.server.record(RequestRecord(self.command, self.path, status))


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        # Filled by SampleServer once the port, hence the base URL, is known.
        self.site = Site(base_url="", pages={})
        self._lock = threading.Lock()
        self.log: list[RequestRecord] = []
        # Cleared while the site is held (SampleServer.hold): requests wait, unanswered.
        self.open = threading.Event()
        self.open.set()

    def record(self, entry: RequestRecord) -> None:
        with self._lock:
            self.log.append(entry)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-response is normal for crawlers; no traceback noise.
        pass


class SampleServer:
    """The running site. ``base_url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, server: _SiteServer, articles: list[ArticleSpec] | None,
                 layout: str = DEFAULT_LAYOUT, sitemaps: SitemapStyle = PLAIN) -> None:
        self._server = server
        host, port = server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self._articles = articles
        self._layout = check_layout(layout)
        self._sitemaps = sitemaps
        self._rebuild()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"sample-site-{port}", daemon=True,
        )
        self._thread.start()

    @property
    def site(self) -> Site:
        return self._server.site

    @property
    def requests(self) -> list[RequestRecord]:
        """Requests received so far, in order (a snapshot)."""
        with self._server._lock:
            return list(self._server.log)

    def hold(self) -> None:
        """Keep every request waiting, unanswered, until :meth:`release` (a test freezes a
        crawl at a point of its choosing this way)."""
        self._server.open.clear()

    def release(self) -> None:
        """Answer the held requests and those that follow."""
        self._server.open.set()

    def clear_requests(self) -> None:
        with self._server._lock:
            self._server.log.clear()

    def reset(self) -> None:
        """Back to a fresh server's state: no request logged, none held, the bundled
        articles in the default layout (rebuilt only when a test changed them)."""
        self.release()
        self.clear_requests()
        if self._articles is not None or self._layout != DEFAULT_LAYOUT:
            self._articles, self._layout = None, DEFAULT_LAYOUT
            self._rebuild()

    def count(self, path: str, method: str = "GET") -> int:
        """How many times ``path`` (path + query) was requested."""
        return sum(1 for r in self.requests if r.path == path and r.method == method)

    @property
    def layout(self) -> str:
        """The article page layout being served (``sample_site.layouts``)."""
        return self._layout

    def set_articles(self, articles: list[ArticleSpec] | None) -> None:
        """Rebuild the site with other content (``None``: the bundled articles) in the
        current layout; later requests see the new pages."""
        self._articles = articles
        self._rebuild()

    def set_layout(self, layout: str) -> None:
        """Serve the same articles in another layout from the next request on; every page
        gets a new ``ETag``. An unknown name raises ``ValueError`` and changes nothing."""
        self._layout = check_layout(layout)
        self._rebuild()

    def _rebuild(self) -> None:
        # Rendering happens before the swap, so no request sees a half-built site.
        self._server.site = build_site(self.base_url, self._articles, self._layout,
                                       self._sitemaps)

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SampleServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def serve(
    articles: list[ArticleSpec] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    layout: str = DEFAULT_LAYOUT,
    sitemaps: SitemapStyle = PLAIN,
) -> SampleServer:
    """Start the site on ``host:port`` (``port=0`` picks a free port) in ``layout``, its
    sitemaps served in the ``sitemaps`` style (``sample_site.sitemaps``), and return it.
    An unknown layout raises ``ValueError`` before any port is opened."""
    check_layout(layout)
    return SampleServer(_SiteServer((host, port)), articles, layout, sitemaps)
