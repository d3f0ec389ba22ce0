"""The HTTP side of a local test site: answer GET and HEAD from a ``Page`` lookup.

Shared by the sample site (``sample_site.server``) and the load benchmark's generated
site, which differ only in where pages come from and whether requests are logged.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any

from sample_site.conditional import not_modified
from sample_site.site import Page


class PageHandler(BaseHTTPRequestHandler):
    """Serves ``self.server.site.get(path)``, with 304s for conditional requests.

    The server must have a ``site`` attribute with a ``get(path) -> Page`` method.
    """

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def answered(self, status: int) -> None:
        """Called with the status of each answer before it is sent; for request logs."""

    def _answer(self, send_body: bool) -> None:
        page: Page = self.server.site.get(self.path)  # type: ignore[attr-defined]
        status = page.status
        if not_modified(page, self.headers.get("If-None-Match"),
                        self.headers.get("If-Modified-Since")):  # fmt: skip
            status = 304
        self.answered(status)
        self.send_response(status)
        for name, value in page.headers.items():
            self.send_header(name, value)
        if status == 304:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:
        # Tests read the request log; the benchmark serves too fast for one line each.
        pass
