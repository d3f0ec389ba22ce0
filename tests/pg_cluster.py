"""A throwaway PostgreSQL cluster, started with the system's ``initdb``/``pg_ctl``.

Used when no server answers on 127.0.0.1:5432, and by the tests that stop and restart a
database in the middle of a crawl (they must not do that to a shared server).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

HOW_TO_FIX = (
    "Set TEST_DATABASE_URL to a PostgreSQL server the tests may create databases on "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test), run PostgreSQL on "
    "127.0.0.1:5432 with trust auth for user postgres, or install PostgreSQL "
    "(apt-get install postgresql) so the tests can start a throwaway cluster."
)


class ClusterError(RuntimeError):
    pass


def _pg_bin(name: str) -> str | None:
    def version(path: str) -> int:
        part = Path(path).parts[-3]
        return int(part) if part.isdigit() else 0

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayCluster:
    """initdb into a temporary folder; start, stop and start again on one port."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise ClusterError(f"no initdb/pg_ctl found. {HOW_TO_FIX}")
        # PostgreSQL refuses to run as root: run its tools as the postgres user then.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.tmp = Path(tempfile.mkdtemp(prefix="crawler-pg-"))
        if self.prefix:
            shutil.chown(self.tmp, user="postgres", group="postgres")
        self.data, self.log = self.tmp / "data", self.tmp / "server.log"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")  # fmt: skip

    def _run(self, *command: str) -> None:
        try:
            subprocess.run([*self.prefix, *command], check=True, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", "") or exc
            server_log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(f"{detail}\n{server_log}\n{HOW_TO_FIX}") from None

    def start(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -F",
                  "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(self.tmp, ignore_errors=True)
