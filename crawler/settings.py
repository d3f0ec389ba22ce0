"""Scrapy settings for the RTL crawler.

Every value here can be overridden per run with ``-s NAME=VALUE``. ``DATABASE_URL`` may
also come from the environment (see ``crawler.config``).
"""

BOT_NAME = "rtl_news_crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
#: ``scrapy crawl`` with exit statuses for cron (crawler.exitcodes).
COMMANDS_MODULE = "crawler.commands"

# --- What to crawl -------------------------------------------------------------------
# Sites are defined in crawler/sites.py (root URL, sections, feeds, comment endpoint).
# ``<SITE>_BASE_URL``, ``<SITE>_SECTIONS`` and ``<SITE>_FEED_PATHS`` override a site's
# (``RTL_BASE_URL``, ``FUNRADIO_BASE_URL``, ...): point the root at the local sample site
# (``http://127.0.0.1:PORT``) for demos and tests. The spider follows that host only.
#: Root of www.rtl.fr (``scrapy crawl rtl``).
RTL_BASE_URL = "https://www.rtl.fr"
#: The storage side's reader of what the database holds, for incremental runs: a callable
#: taking the database URL (``crawler.incremental.StoredState``).
STORED_STATE = "pipelines.storage.Storage"
#: Listing pages read per section at most, so a full crawl stays bounded.
RTL_MAX_LISTING_PAGES = 20
#: Comment pages read per article at most (10 comments a page on the site).
RTL_MAX_COMMENT_PAGES = 50
#: Largest sitemap read, in bytes, as downloaded and once decompressed (gzip files and
#: Content-Encoding alike): the sitemaps protocol's own limit on an uncompressed sitemap.
#: A bigger one (a gzip bomb) is not read: logged and counted (crawler.sitemaps).
RTL_SITEMAP_MAXSIZE = 50 * 1024 * 1024

# --- Scheduled runs ------------------------------------------------------------------
#: Fetch only what is new, announced as changed, or inside the re-check window; False
#: re-reads every discovered article (still one row per article, versions on change).
RTL_INCREMENTAL = True
#: Days after publication during which an article and its comments are read again on
#: every run (edits and new comments come in the first days).
RTL_RECHECK_DAYS = 7
#: Hours before a page refused by an earlier run is tried again (unless re-announced).
RTL_REJECTED_RETRY_HOURS = 24
#: Estimated similarity (Jaccard of word 3-grams, 0..1) from which an article counts as a
#: copy of an earlier one (the same wire dispatch); measured on tests/fixtures/neardup_pairs.
NEAR_DUPLICATE_THRESHOLD = 0.7
#: Copies are looked for among articles published this many days apart at most.
NEAR_DUPLICATE_WINDOW_DAYS = 3

# --- Where to store ------------------------------------------------------------------
#: SQLAlchemy URL; unset means the DATABASE_URL environment variable, else var/crawl.sqlite.
DATABASE_URL = None
#: Run the Alembic migrations when a crawl opens the database.
DATABASE_AUTO_MIGRATE = True
#: Articles written per transaction (``pipelines.storage.BATCH_SIZE``).
STORE_BATCH_SIZE = 50
#: Worker processes that parse the article and comment pages (``crawler.parse_pool``): on
#: a core of their own, where in the crawl's process they would share the GIL with the
#: reactor, the pipelines and the storage thread. 0: none, ``PARSE_THREADS`` applies.
PARSE_PROCESSES = 1
#: Without worker processes (or when they cannot start): threads that parse the pages
#: off the reactor thread (0: parse in the reactor thread).
PARSE_THREADS = 1
#: Batches waiting at most for the storage thread; past that the crawl waits for the
#: database (pipelines.writer).
STORE_MAX_PENDING_BATCHES = 4
#: Where items wait, one JSON line each, while the database is unreachable (one file per
#: database); written back at the next successful write, the next run, or `make replay`.
STORE_SPOOL_DIR = "var/spool"
#: Seconds between checks that the run still holds its lock; after a PostgreSQL restart
#: (which drops it) the lock is taken again at the first check the database answers
#: (0 turns the checks off).
RUN_LOCK_CHECK_SECONDS = 5.0

# --- Distributed crawling (crawler.distributed) ---------------------------------------
#: Redis server of a distributed crawl (``redis://host:6379/0``); unset means the REDIS_URL
#: environment variable, else no Redis: one process with Scrapy's own scheduler.
REDIS_URL = None
#: First part of the job's Redis keys (queue, duplicate filter, worker set); crawls into
#: different databases from one Redis need different prefixes (or Redis databases).
REDIS_KEY_PREFIX = "rtl-news-crawler"
#: A worker stops once the shared queue has stayed empty this many seconds while it had
#: nothing to do (the others may still be reading pages that lead to more requests).
DISTRIBUTED_IDLE_SECONDS = 60.0
#: This worker's name on its machine; its run's job is ``rtl worker=<host>/<name>``.
DISTRIBUTED_WORKER = "1"

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    # Before validation, which refuses pages whose required fields are empty.
    "pipelines.coverage.FieldCoveragePipeline": 150,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
    # After storage: the run is recorded by then, and every item reaching it was stored.
    "pipelines.coverage.PageCoveragePipeline": 450,
    "pipelines.alarms.CoverageAlarmPipeline": 500,
}

# --- Coverage alarms (pipelines.alarms) ----------------------------------------------
# A run that breaks one of these limits logs "Extraction alarm: ..." and exits 65.
#: No check runs on a run that read fewer article pages than this: a few pages are noise.
COVERAGE_MIN_ARTICLES = 10
#: How many recent healthy runs of the same job (each with enough pages) the site-layout
#: share of a required field is compared with (their median).
COVERAGE_HISTORY_RUNS = 5
#: Alarm when a required field's site-layout share falls by more than this (0..1,
#: absolute) below that median: the site changed its layout. 1.0 turns the check off.
COVERAGE_SITE_DROP = 0.5
#: Alarm when a required field is empty on more than this share of the pages parsed.
COVERAGE_EMPTY_MAX = 0.2
#: Alarm when more than this share of the article pages read were refused (any reason).
COVERAGE_REJECTED_MAX = 0.5

# --- Politeness ----------------------------------------------------------------------
USER_AGENT = "rtl-news-crawler/0.1 (news archiving crawler; obeys robots.txt)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Real article pages are ~750 KB and long ones reach several MB; past this it is not an
# article page any more.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
#: Retried on these answers (Scrapy's list): server errors, gateway timeouts, 408, 429.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
#: The n-th retry waits RETRY_BACKOFF_BASE * 2**(n-1) s, or the answer's Retry-After when
#: longer, at most RETRY_BACKOFF_MAX s, without holding up other requests (crawler.retry_backoff).
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
#: Real moves take a redirect or two; Scrapy's 20 only wastes requests on a broken chain.
REDIRECT_MAX_TIMES = 5
DOWNLOADER_MIDDLEWARES = {
    # Between RetryMiddleware (550) and the downloader: sees Retry-After before the retry.
    "crawler.retry_backoff.RetryBackoffMiddleware": 560,
    # Redirect loops and redirects off the site are refused and recorded, not dropped.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.redirects.SiteMetaRefreshMiddleware": 580,
    "crawler.redirects.SiteRedirectMiddleware": 600,
}
COOKIES_ENABLED = False
# A response gives one item or a few requests (a sitemap up to a thousand): Scrapy starts
# CONCURRENT_ITEMS tasks per response to work through them, 100 by default, a cost paid on
# every page for nothing.
CONCURRENT_ITEMS = 8
# Scrapy's check for generator callbacks returning a value re-reads the callback's source
# on every response (its cache keeps bound methods weakly, so it never hits); ruff and the
# tests see these callbacks.
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- Housekeeping --------------------------------------------------------------------
# An unattended crawler has no use for interactive ports; they are also attack surface.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Scrapy's CoreStats, minus its traceback when a run stops before opening (crawler/corestats.py).
EXTENSIONS = {
    "scrapy.extensions.corestats.CoreStats": None,
    "crawler.corestats.CoreStats": 0,
    "crawler.malloc.MallocTuning": 0,
}
#: Buffers from this size (bytes) get a memory mapping of their own, returned to the
#: system when freed, so page bodies do not stay in the heap once read (crawler/malloc.py,
#: glibc only). Off (0): on the benchmark site 262144 lowers the peak by 13 MB at 5,000
#: and 50,000 articles, for 5 to 10% more CPU per page (mapping each buffer anew).
MALLOC_MMAP_THRESHOLD = 0
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
ADDONS = {
    # Switches the scheduler to scrapy-redis when REDIS_URL is set; does nothing otherwise.
    "crawler.distributed.DistributedAddon": 0,
    # Feeds (-o/-O FILE, FEEDS) carry articles only unless they set item_classes or
    # item_filter: refused pages do not mix into them (crawler/feeds.py).
    "crawler.feeds.ArticleFeeds": 0,
}
