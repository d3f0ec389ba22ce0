"""``python -m sample_site [--port N]``: serve the sample site until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import threading

from sample_site.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the RTL-style sample site locally.")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    args = parser.parse_args(argv)
    with serve(port=args.port) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
