"""The sample site on 127.0.0.1 with web server faults assigned to chosen paths.

``serve_faults()`` starts the same site as ``sample_site.serve()`` (every page, status and
header identical) and ``FaultServer.set_fault(path, fault)`` makes one request target
misbehave, for its first ``times`` requests or for good:

- ``unavailable(times, retry_after)``: 503 (with ``Retry-After``), then the page;
- ``server_error()``: 500 (any status) on every request;
- ``delayed(seconds)``: the page, after a pause (longer than ``DOWNLOAD_TIMEOUT``: a
  timeout; shorter: a slow but good answer);
- ``reset(body_bytes)``: status line, headers and the first ``body_bytes`` of the body,
  then the connection is reset (TCP RST);
- ``redirect(location)``: a 302 to a path on this site (a loop when two paths point at
  each other) or to an absolute URL (e.g. a second ``serve_faults()`` server: another site).

Every request is logged like ``SampleServer`` does (``requests``, ``count(path)``), with
the time it arrived (``arrivals(path)``); a faulty answer is logged with the status it
announced (0 for none).
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

from sample_site.conditional import not_modified
from sample_site.model import ArticleSpec
from sample_site.server import RequestRecord, SampleServer, _Handler, _SiteServer
from sample_site.site import Page


@dataclass(frozen=True)
class Fault:
    """How a path misbehaves; ``times`` is how many requests do (``None``: all of them)."""

    kind: str
    times: int | None = None
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    location: str | None = None
    body_bytes: int = 0


def unavailable(times: int | None = 1, retry_after: str | None = None) -> Fault:
    """503 Service Unavailable for the first ``times`` requests, then the page."""
    return Fault("status", times=times, status=503, retry_after=retry_after)


def server_error(status: int = 500, times: int | None = None) -> Fault:
    """An error status (500 unless said) on every request, or the first ``times``."""
    return Fault("status", times=times, status=status)


def delayed(seconds: float, times: int | None = None) -> Fault:
    """The page, ``seconds`` after the request arrived."""
    return Fault("delay", times=times, seconds=seconds)


def reset(body_bytes: int = 100, times: int | None = None) -> Fault:
    """Headers announcing the whole page, ``body_bytes`` of it, then a TCP reset."""
    return Fault("reset", times=times, body_bytes=body_bytes)


def redirect(location: str, times: int | None = None, status: int = 302) -> Fault:
    """A redirect to ``location`` (a path on this site or an absolute URL)."""
    return Fault("redirect", times=times, status=status, location=location)


class _FaultHandler(_Handler):
    server: _FaultSiteServer

    def _answer(self, send_body: bool) -> None:
        fault = self.server.take_fault(self.path)
        if fault is None:
            super()._answer(send_body)
        elif fault.kind == "status":
            self._status(fault, send_body)
        elif fault.kind == "delay":
            self._delayed(fault, send_body)
        elif fault.kind == "reset":
            self._reset(fault)
        elif fault.kind == "redirect":
            self._redirect(fault)
        else:  # pragma: no cover - a typo in a test
            raise ValueError(f"unknown fault {fault.kind!r}")

    def _record(self, status: int) -> None:
        self.server.record(RequestRecord(self.command, self.path, status))

    def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _status(self, fault: Fault, send_body: bool) -> None:
        self._record(fault.status)
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        body = f"<html><body><h1>Erreur {fault.status}</h1></body></html>".encode()
        self._send(fault.status, body, headers, send_body)

    def _delayed(self, fault: Fault, send_body: bool) -> None:
        # Logged on arrival: a client that timed out has moved on by the time it is sent.
        page: Page = self.server.site.get(self.path)
        status = (
            304
            if not_modified(
                page, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            )
            else page.status
        )
        self._record(status)
        time.sleep(fault.seconds)
        try:
            if status == 304:
                self._send(304, b"", page.headers, send_body)
            else:
                headers = {**page.headers, "Content-Type": page.content_type}
                self._send(status, page.body, headers, send_body)
        except OSError:
            self.close_connection = True

    def _reset(self, fault: Fault) -> None:
        page: Page = self.server.site.get(self.path)
        self._record(page.status)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body[: fault.body_bytes])
        self.wfile.flush()
        # SO_LINGER 0: close() sends RST instead of FIN. The read side holds a reference
        # to the socket, so it is closed first for close() to take effect now.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()
        self.connection.close()

    def _redirect(self, fault: Fault) -> None:
        assert fault.location is not None
        self._record(fault.status)
        body = b'<html><body><a href="' + fault.location.encode() + b'">moved</a></body></html>'
        headers = {"Location": fault.location, "Content-Type": "text/html; charset=utf-8"}
        self._send(fault.status, body, headers, send_body=self.command != "HEAD")


class _FaultSiteServer(_SiteServer):
    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address)
        self.RequestHandlerClass = _FaultHandler
        self.faults: dict[str, Fault] = {}
        self.served: dict[str, int] = {}
        self.arrived: list[tuple[float, RequestRecord]] = []

    def take_fault(self, target: str) -> Fault | None:
        """The fault for this request, if ``target`` still has one; counts the request."""
        with self._lock:
            fault = self.faults.get(target)
            if fault is None:
                return None
            done = self.served.get(target, 0)
            self.served[target] = done + 1
            return fault if fault.times is None or done < fault.times else None

    def record(self, entry: RequestRecord) -> None:
        with self._lock:
            self.log.append(entry)
            self.arrived.append((time.monotonic(), entry))


class FaultServer(SampleServer):
    """``SampleServer`` with :meth:`set_fault`; ``base_url`` is ``http://127.0.0.1:<port>``."""

    _server: _FaultSiteServer

    def set_fault(self, target: str, fault: Fault) -> None:
        """Make requests for ``target`` (path and query, as sent) misbehave."""
        with self._server._lock:
            self._server.faults[target] = fault
            self._server.served.pop(target, None)

    def clear_faults(self) -> None:
        with self._server._lock:
            self._server.faults.clear()
            self._server.served.clear()

    def clear_requests(self) -> None:
        super().clear_requests()
        with self._server._lock:
            self._server.arrived.clear()

    def arrivals(self, target: str) -> list[float]:
        """``time.monotonic()`` of each request for ``target``, in order."""
        with self._server._lock:
            return [at for at, entry in self._server.arrived if entry.path == target]

    def statuses(self, target: str) -> list[int]:
        """The status announced to each request for ``target`` (0: none)."""
        return [r.status for r in self.requests if r.path == target]


def serve_faults(
    articles: list[ArticleSpec] | None = None, host: str = "127.0.0.1", port: int = 0
) -> FaultServer:
    """Start the sample site with no fault yet on ``host:port`` (0: a free port)."""
    return FaultServer(_FaultSiteServer((host, port)), articles)
