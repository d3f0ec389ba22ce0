"""The generated site written to disk and served by nginx, for ``benchmarks.bench``.

``benchmarks.generated_site`` renders pages in a Python process; that is fine for memory
checks but a Python server would be the bottleneck of a speed benchmark. Here every page
a crawl can ask for is written once to a directory and nginx (Debian's package) serves
it on a free loopback port with a generated configuration.

Real article pages weigh 300 KB to several MB, most of it inline CSS and scripts. The
rendered pages weigh about 23 KB, so each article page gets that weight added: a share
of inline styles and scripts in its ``<head>`` and the rest before ``</body>``, of a size
drawn per article (300 KB to 5 MB, median about 550 KB). The padding is spliced in by
nginx's server-side includes from a few dozen shared files, so 50,000 articles take
about 1.5 GB on disk instead of 35 GB; the crawler receives the full pages all the same.

URLs map to files as ``<path>/_<suffix>.<ext>``: a path can be both a page and the
parent of others (``/actu/sport`` and ``/actu/sport/...``), and ``?page=N`` (N > 1)
becomes the suffix ``pN``.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from benchmarks.generated_site import (
    LISTING_PAGES,
    SITEMAP_CHUNK,
    GeneratedSite,
    article_spec,
)
from sample_site.corpus import BRIEFS
from sample_site.render.chrome import SECTIONS
from sample_site.urls import COMMENTS_SUFFIX

KB = 1024
#: Article page weights: 300 KB and more, median about 550 KB, at most 5 MB.
MIN_PAGE = 300 * KB
MEDIAN_PAGE = 550 * KB
MAX_PAGE = 5 * 1024 * KB
#: Padding files, in sizes growing geometrically from MIN_PAGE to MAX_PAGE.
PADDING_CLASSES = 40
#: Share of the padding in the page's <head>; the rest closes the <body>.
HEAD_SHARE = 0.6
_EXTENSIONS = {
    "text/html": "html",
    "application/xml": "xml",
    "application/rss+xml": "rss",
    "text/plain": "txt",
}
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/bin/nginx")


@dataclass
class StaticSite:
    root: Path
    base_url: str
    articles: int
    #: Article pages and comment pages, the pages the floor spider fetches.
    page_urls: list[str]
    #: Files written (pages, padding included) and their total size on disk.
    files: int
    bytes_on_disk: int


def page_weight(i: int) -> int:
    """The weight in bytes of article ``i``'s page: log-normal above MIN_PAGE."""
    rng = random.Random(0x5EED0000 + i)
    # exp(sigma * |Z|) has its median at exp(0.674 sigma): sigma sets the median.
    sigma = math.log(MEDIAN_PAGE / MIN_PAGE) / 0.6745
    return min(MAX_PAGE, int(MIN_PAGE * math.exp(sigma * abs(rng.gauss(0.0, 1.0)))))


def padding_class(weight: int) -> int:
    """The padding file (0 .. PADDING_CLASSES - 1) whose weight is closest to ``weight``."""
    ratio = math.log(max(weight, MIN_PAGE) / MIN_PAGE) / math.log(MAX_PAGE / MIN_PAGE)
    return min(PADDING_CLASSES - 1, round(ratio * (PADDING_CLASSES - 1)))


def class_weight(k: int) -> int:
    return int(MIN_PAGE * (MAX_PAGE / MIN_PAGE) ** (k / (PADDING_CLASSES - 1)))


def _padding(size: int, seed: int, where: str) -> str:
    """About ``size`` bytes of minified-looking CSS and JavaScript, different per seed."""
    rng = random.Random(seed)
    words = [w for brief in BRIEFS for w in brief["title"].split()]
    parts: list[str] = []
    total = 0
    n = 0
    while total < size:
        n += 1
        if where == "head" and n % 3:
            rules = "".join(
                f".{where}-{seed}-{n}-{r}{{margin:{rng.randrange(40)}px;"
                f"color:#{rng.randrange(0xFFFFFF):06x};display:flex}}"
                for r in range(40)
            )
            chunk = f"<style>{rules}</style>\n"
        else:
            labels = ",".join(
                f'"k{n}_{r}":"{" ".join(rng.sample(words, 4)).replace(chr(34), "")}"'
                for r in range(25)
            )
            chunk = (
                f"<script>window.__bundle_{n}=function(e,t){{var n=e.length,r=0;"
                f"for(;r<n;r++)t.push(e[r]*{rng.randrange(1000)});return t}};"
                f"window.__labels_{n}={{{labels}}};</script>\n"
            )
        parts.append(chunk)
        total += len(chunk.encode("utf-8"))
    return "".join(parts)


def _file_for(root: Path, target: str, content_type: str) -> Path:
    parts = urlsplit(target)
    page = parse_qs(parts.query).get("page", ["1"])[0]
    suffix = f"p{page}" if page != "1" else ""
    extension = _EXTENSIONS[content_type.split(";")[0].strip()]
    return root / parts.path.lstrip("/") / f"_{suffix}.{extension}"


def _targets(site: GeneratedSite) -> Iterator[tuple[str, int | None]]:
    """Every request target of the site, with its article number for article pages."""
    yield "/robots.txt", None
    yield "/sitemap.xml", None
    yield "/sitemaps/sections.xml", None
    for k in range(math.ceil(site.articles / SITEMAP_CHUNK)):
        yield f"/sitemaps/news-{k}.xml", None
    yield "/flux/une.rss", None
    yield "/", None
    for section, _ in SECTIONS:
        for number in range(1, LISTING_PAGES + 1):
            yield f"/actu/{section}" + (f"?page={number}" if number > 1 else ""), None
    for i in range(site.articles):
        yield article_spec(i, with_comments=False).path, i


def write_site(root: Path, base_url: str, articles: int) -> StaticSite:
    """Write every page of a generated site of ``articles`` articles under ``root``."""
    site = GeneratedSite(base_url, articles)
    padding_dir = root / "_padding"
    padding_dir.mkdir(parents=True)
    files = size = 0
    for k in range(PADDING_CLASSES):
        extra = max(0, class_weight(k) - 23 * KB)
        for where, share in (("head", HEAD_SHARE), ("tail", 1 - HEAD_SHARE)):
            text = _padding(int(extra * share), seed=k * 2 + (where == "tail"), where=where)
            path = padding_dir / f"{where}{k}.inc"
            path.write_text(text, encoding="utf-8")
            files += 1
            size += path.stat().st_size
    page_urls: list[str] = []
    for target, number in _targets(site):
        pages = [(target, site.get(target))]
        if number is not None:
            path = urlsplit(target).path
            comments = path + COMMENTS_SUFFIX
            page = 1
            while (answer := site.get(comments + (f"?page={page}" if page > 1 else ""))).status \
                    == 200:  # fmt: skip
                pages.append((comments + (f"?page={page}" if page > 1 else ""), answer))
                page += 1
        for position, (url, answer) in enumerate(pages):
            if answer.status != 200:
                continue
            body = answer.body
            if number is not None and position == 0:
                k = padding_class(page_weight(number))
                text = body.decode("utf-8")
                text = text.replace(
                    "</head>", f'<!--# include virtual="/_padding/head{k}.inc" --></head>', 1
                ).replace(
                    "</body>", f'<!--# include virtual="/_padding/tail{k}.inc" --></body>', 1
                )
                body = text.encode("utf-8")
            path = _file_for(root, url, answer.content_type)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            modified = answer.headers.get("Last-Modified")
            if modified:
                stamp = parsedate_to_datetime(modified).timestamp()
                os.utime(path, (stamp, stamp))
            files += 1
            size += len(body)
            if number is not None:
                page_urls.append(base_url + url)
    # nginx's workers may run as another user: the tree must be readable by all.
    for directory, _, _ in os.walk(root):
        os.chmod(directory, 0o755)
    return StaticSite(root, base_url, articles, page_urls, files, size)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary(install: bool = True) -> str:
    """The nginx executable; installed from Debian's packages when missing and allowed."""
    for path in (shutil.which("nginx"), *NGINX_PATHS):
        if path and os.access(path, os.X_OK):
            return path
    how = "apt-get update && apt-get install -y nginx-light (or nginx)"
    if not install:
        raise RuntimeError(f"nginx is not installed; install it with: {how}")
    if os.geteuid() != 0:
        raise RuntimeError(f"nginx is not installed and this is not root; as root run: {how}")
    print("nginx is missing: installing it from Debian's packages ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx-light"],
        check=True, env=env,
    )  # fmt: skip
    # The package starts a server on port 80 on some systems: not ours, leave it alone.
    for path in (shutil.which("nginx"), *NGINX_PATHS):
        if path and os.access(path, os.X_OK):
            return path
    raise RuntimeError(f"nginx still not found after installing it; try: {how}")


def nginx_config(root: Path, port: int, state: Path) -> str:
    """A self-contained configuration: no system paths written, loopback only."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {name}_temp_path {state / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    types = "\n".join(f"        {mime} {ext};" for mime, ext in _EXTENSIONS.items())
    tries = " ".join(f"$uri/_$page_suffix.{ext}" for ext in _EXTENSIONS.values())
    return f"""{user}worker_processes 1;
daemon off;
pid {state / "nginx.pid"};
error_log {state / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    types {{
{types}
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html text/plain application/xml application/rss+xml;
    access_log off;
    sendfile on;
    keepalive_requests 100000;
{temp}
    map $arg_page $page_suffix {{
        default "";
        "~^([2-9]|[1-9][0-9]+)$" "p$1";
    }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        ssi on;
        ssi_last_modified on;
        location / {{
            try_files {tries} =404;
        }}
        location /_padding/ {{
            internal;
        }}
    }}
}}
"""


@contextmanager
def nginx(root: Path, port: int, *, install: bool = True) -> Iterator[int]:
    """Serve ``root`` on 127.0.0.1:``port`` until the block ends; yields nginx's pid."""
    binary = nginx_binary(install)
    state = root.parent / "nginx"
    state.mkdir(exist_ok=True)
    config = state / "nginx.conf"
    config.write_text(nginx_config(root, port, state))
    process = subprocess.Popen(
        [binary, "-c", str(config), "-p", str(state)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx did not start: {process.stderr.read().strip()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not listen within 10 s")
            time.sleep(0.05)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
