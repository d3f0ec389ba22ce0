"""The database password never shows: not in logs, messages, exit output or crawl_runs.

The crawls are the real ``scrapy crawl rtl`` command in a child process against the sample
site, with the URL given both ways users give it: ``-s DATABASE_URL=...`` (which Scrapy
could echo among its "Overridden settings") and the DATABASE_URL environment variable.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from crawler.exitcodes import DATABASE_UNAVAILABLE
from sample_site import ARTICLES, SampleServer, article_url
from schemas.engine import display_url, error_text, redact, unavailable_message, where
from tests.crawl_helpers import ROOT, scrapy_crawl

PASSWORD = "S3cretPassw0rd"
#: Nothing listens on port 1 of 127.0.0.1: the connection is refused at once.
NOWHERE = "postgresql+psycopg://postgres:S3cretPassw0rd@127.0.0.1:1/test"


def crawl_with_environment(
    base_url: str, db_url: str, *spider_args: str, log_level: str = "INFO"
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl rtl`` with DATABASE_URL in the environment, as cron lines set it."""
    command = [sys.executable, "-m", "scrapy", "crawl", "rtl"]
    for option in (f"RTL_BASE_URL={base_url}", "DOWNLOAD_DELAY=0",
                   "AUTOTHROTTLE_ENABLED=False", f"LOG_LEVEL={log_level}"):  # fmt: skip
        command += ["-s", option]
    for arg in spider_args:
        command += ["-a", arg]
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def assert_never_shown(done: subprocess.CompletedProcess[str], *secrets: str) -> None:
    output = done.stdout + "\n" + done.stderr
    # Scrapy prints the settings that differ from its defaults: they must be there, clean.
    assert "Overridden settings" in done.stderr
    for secret in secrets:
        leaks = [line for line in output.splitlines() if secret in line]
        assert not leaks, f"{secret!r} shown in:\n" + "\n".join(leaks[:5])


# --- messages built from a URL --------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "secrets", "shown"),
    [
        (NOWHERE, [PASSWORD], "postgresql+psycopg://postgres:***@127.0.0.1:1/test"),
        # Percent-encoded in the URL, decoded by SQLAlchemy: both spellings are hidden.
        ("postgresql+psycopg://u:S3cret%2FP%40ss@127.0.0.1:1/db",
         ["S3cret/P@ss", "S3cret%2FP%40ss"], "postgresql+psycopg://u:***@127.0.0.1:1/db"),
        # psycopg passes the query string to libpq, which reads password= from it.
        ("postgresql+psycopg://u@127.0.0.1:1/db?password=S3cret&sslmode=disable", ["S3cret"],
         "postgresql+psycopg://u@127.0.0.1:1/db?password=***&sslmode=disable"),
        ("postgresql+psycopg://u@127.0.0.1:1/db?sslpassword=S3cretKey", ["S3cretKey"],
         "postgresql+psycopg://u@127.0.0.1:1/db?sslpassword=***"),
        # An "@" not written as %40: SQLAlchemy reads "Passw0rd@127.0.0.1" as the host.
        ("postgresql+psycopg://u:S3cret@Passw0rd@127.0.0.1:1/db",
         ["S3cret@Passw0rd", "S3cret", "Passw0rd"], "postgresql+psycopg://u:***@127.0.0.1:1/db"),
    ],
)  # fmt: skip
def test_url_messages_hide_every_spelling_of_the_password(
    url: str, secrets: list[str], shown: str
) -> None:
    assert display_url(url) == shown
    assert "127.0.0.1:1" in where(url)
    # A driver message quoting the password, or the host it was misread into.
    driver_says = (
        f'password "{secrets[0]}" refused; could not translate host name '
        f'"{sa.make_url(url).host}"'
    )
    engine = sa.create_engine(url)
    try:
        message = unavailable_message(engine, RuntimeError(driver_says))
    finally:
        engine.dispose()
    texts = [where(url), redact(driver_says, url), error_text(RuntimeError(driver_says), url),
             message]  # fmt: skip
    for secret in secrets:
        assert not [text for text in texts if secret in text], secret


def test_an_unparseable_url_is_not_shown_at_all() -> None:
    assert display_url("postgresql://u:S3cret@127.0.0.1:notaport/db") == (
        "<unparseable database URL>"
    )
    assert redact("S3cret", "not a url") == "S3cret"


# --- the crawl command ----------------------------------------------------------------


def test_crawl_with_unreachable_database_fails_clearly_without_the_password(
    site: SampleServer,
) -> None:
    # The two crawls run side by side: most of their time is starting Scrapy.
    with ThreadPoolExecutor(2) as pool:
        setting = pool.submit(scrapy_crawl, site.base_url, NOWHERE, timeout=120)
        environment = pool.submit(
            crawl_with_environment,
            site.base_url,
            "postgresql+psycopg://postgres@127.0.0.1:1/test?password=" + PASSWORD,
        )
        given_as_setting, in_environment = setting.result(), environment.result()
    for done in (given_as_setting, in_environment):
        assert done.returncode == DATABASE_UNAVAILABLE, done.stdout + done.stderr[-3000:]
        assert "Cannot open the database at postgresql server 127.0.0.1:1" in done.stdout
        assert "Connection refused" in done.stdout and "To fix:" in done.stdout
        assert_never_shown(done, PASSWORD)


def _with_password(db_url: str) -> tuple[str, str]:
    """``db_url`` with a password (trust auth accepts any), and that password."""
    url = sa.make_url(db_url)
    if not url.password:
        url = url.set(password=PASSWORD)
    return url.render_as_string(hide_password=False), str(url.password)


def _crawl_runs_text(db_url: str) -> str:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT CAST(arguments AS text), CAST(stats AS text) FROM crawl_runs")
            ).all()
    finally:
        engine.dispose()
    assert rows
    return repr(rows)


def test_successful_crawls_never_show_the_password(
    site: SampleServer, clean_pg_db_url: str, empty_pg_db_url: str
) -> None:
    url, password = _with_password(clean_pg_db_url)
    # The second database is new: that crawl also migrates it, with the password in use.
    other_url, other_password = _with_password(empty_pg_db_url)
    with ThreadPoolExecutor(2) as pool:
        # DEBUG: every logger speaks (SQLAlchemy's pool and engine included).
        setting = pool.submit(
            scrapy_crawl, site.base_url, url,
            settings={"LOG_LEVEL": "DEBUG", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"},
        )  # fmt: skip
        environment = pool.submit(
            crawl_with_environment, site.base_url, other_url,
            f"url={article_url(ARTICLES[0], site.base_url)}", log_level="DEBUG",
        )  # fmt: skip
        given_as_setting, in_environment = setting.result(), environment.result()

    assert given_as_setting.returncode == 0, given_as_setting.stderr[-3000:]
    assert_never_shown(given_as_setting, password)
    assert f"Storing into {display_url(url)}" in given_as_setting.stderr
    assert password not in _crawl_runs_text(clean_pg_db_url)

    assert in_environment.returncode == 0, in_environment.stderr[-3000:]
    assert_never_shown(in_environment, other_password)
    assert f"Storing into {display_url(other_url)}" in in_environment.stderr
    assert other_password not in _crawl_runs_text(empty_pg_db_url)
