"""``python -m sample_site [--port N] [--layout 2019|2021|unknown]``: serve the sample site
until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import threading

from sample_site.layouts import DEFAULT_LAYOUT, LAYOUTS
from sample_site.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the RTL-style sample site locally.")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--layout", choices=LAYOUTS, default=DEFAULT_LAYOUT,
                        help=f"article page layout (default: {DEFAULT_LAYOUT})")
    args = parser.parse_args(argv)
    with serve(port=args.port, layout=args.layout) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
