"""Headless Chromium driven through the DevTools protocol, for tests of pages we write.

The protocol runs over a pipe (``--remote-debugging-pipe``: commands on the browser's fd 3,
answers on its fd 4, one JSON message per NUL-terminated record), so no port is opened and
no client library is needed. :func:`open_page` loads a page, records every request the
page made while loading, and evaluates expressions in it.

``chromium_path()`` finds the browser; ``.ci/run`` installs Debian's ``chromium``.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: The flags of the brief: no GPU, no sandbox (root in CI), nothing fetched in the
#: background (updates, sync, field trials), no QUIC.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
)
#: Seconds to wait for one answer of the browser before calling it hung.
ANSWER_TIMEOUT = 60


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


@dataclass
class Page:
    """A page loaded in the browser."""

    _browser: _Browser
    session: str
    #: URLs the page asked for while loading (itself included), in order.
    requests: list[str] = field(default_factory=list)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-serializable)."""
        answer = self._browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression[:80]}...: {answer['exceptionDetails']}")
        return answer["result"].get("value")


class _Browser:
    def __init__(self, process: subprocess.Popen[bytes], commands: int, answers: int) -> None:
        self.process = process
        self._commands = commands
        self._answers = answers
        self._buffer = b""
        self._next_id = 0
        #: Events received while waiting for something else, oldest first.
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> int:  # fmt: skip
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}  # fmt: skip
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        return self._next_id

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:  # fmt: skip
        wanted = self.send(method, params, session)
        while True:
            message = self._receive()
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        for index, event in enumerate(self.events):
            if event["method"] == method and event.get("sessionId") == session:
                return self.events.pop(index)
        while True:
            message = self._receive()
            if message.get("method") == method and message.get("sessionId") == session:
                return message
            if "method" in message:
                self.events.append(message)

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._answers], [], [], ANSWER_TIMEOUT)
            if not ready:
                raise BrowserError(f"no answer from Chromium in {ANSWER_TIMEOUT} s")
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                raise BrowserError(f"Chromium closed the pipe (exit {self.process.poll()})")
            self._buffer += chunk
        record, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(record)


@contextmanager
def open_page(url: str, width: int = 1280, height: int = 2000) -> Iterator[Page]:
    """Start Chromium, load ``url`` until its load event, and yield the page."""
    binary = chromium_path()
    if binary is None:
        raise BrowserError("no chromium on PATH")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def wire_fds() -> None:
        # Runs in the child before exec. The pipe ends are moved out of the way first:
        # they may sit on fd 3 or 4 themselves.
        commands = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        answers = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(commands, 3)
        os.dup2(answers, 4)

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # Python's own descriptors are not inheritable (PEP 446): only the two wired
            # by dup2, which are, reach the browser.
            preexec_fn=wire_fds, close_fds=False,
        )  # fmt: skip
        os.close(to_browser_r)
        os.close(from_browser_w)
        browser = _Browser(process, to_browser_w, from_browser_r)
        try:
            target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.call("Target.attachToTarget",
                                   {"targetId": target, "flatten": True})["sessionId"]
            page = Page(browser, session)
            browser.call("Network.enable", session=session)
            browser.call("Page.enable", session=session)
            browser.call("Page.navigate", {"url": url}, session=session)
            browser.wait_for("Page.loadEventFired", session)
            page.requests = [
                event["params"]["request"]["url"] for event in browser.events
                if event["method"] == "Network.requestWillBeSent"
                and event.get("sessionId") == session
            ]  # fmt: skip
            yield page
        finally:
            try:
                browser.send("Browser.close")
                process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            os.close(to_browser_w)
            os.close(from_browser_r)

