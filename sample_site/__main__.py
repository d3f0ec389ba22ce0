"""``python -m sample_site [--port N] [--layout 2019|2021|unknown] [--gzip-sitemaps]
[--archive-days N]``: serve the sample site until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import threading

from sample_site.layouts import DEFAULT_LAYOUT, LAYOUTS
from sample_site.server import serve
from sample_site.sitemaps import SitemapStyle


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the RTL-style sample site locally.")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--layout", choices=LAYOUTS, default=DEFAULT_LAYOUT,
                        help=f"article page layout (default: {DEFAULT_LAYOUT})")
    parser.add_argument("--gzip-sitemaps", action="store_true",
                        help="serve the news sitemap as a .xml.gz file, the index gzipped")
    parser.add_argument("--archive-days", type=int, default=0, metavar="N",
                        help="list N daily archive sitemaps in the index (default: none)")
    args = parser.parse_args(argv)
    style = SitemapStyle(gzip=args.gzip_sitemaps, archive_days=args.archive_days)
    with serve(port=args.port, layout=args.layout, sitemaps=style) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
