# Every target creates the virtual environment first when it is missing or stale.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint db-upgrade replay db-readonly-role bench bench-load eval report serve-sample crawl-distributed clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

## Crawl the bundled sample site into var/crawl.sqlite (or DATABASE_URL) and summarize.
demo: $(STAMP)
	$(BIN)/python -m sample_site.demo

## Every test, Postgres included (TEST_DATABASE_URL, else 127.0.0.1:5432, else a throwaway cluster).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

## The unit lane only: no database server, no crawl process (about half a minute).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -m unit

lint: $(STAMP)
	$(BIN)/ruff check .

## Apply the migrations to DATABASE_URL (default: var/crawl.sqlite).
db-upgrade: $(STAMP)
	$(BIN)/python -m schemas.migrate upgrade

## Write the items spooled while the database was down (DATABASE_URL, else var/crawl.sqlite).
replay: $(STAMP)
	$(BIN)/python -m pipelines.replay

## Create/update a read-only role for SQL readers: make db-readonly-role ROLE=analyst [PASSWORD_ENV=VAR]
db-readonly-role: $(STAMP)
	$(BIN)/python -m schemas.roles create-readonly $(ROLE) $(if $(PASSWORD_ENV),--password-env $(PASSWORD_ENV))

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

## Speed: the full crawl against the floor (same pages, h1 only) on a generated site served by nginx,
## and the storage layer alone: make bench [ARTICLES=2000] [PROFILE=1]
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.bench --articles $(or $(ARTICLES),2000) --repeat $(or $(REPEAT),3) $(if $(PROFILE),--profile)

## Memory: crawl a generated site of ARTICLES (1000) articles into a temporary PostgreSQL database; print RSS and rate.
bench-load: $(STAMP)
	$(BIN)/python -m benchmarks.load --articles $(or $(ARTICLES),1000)

## Score the parser (site, generic, full) and trafilatura alone on tests/fixtures/eval: per-field accuracy, body P/R/F1, CPU ms per page.
eval: $(STAMP)
	$(BIN)/python -m benchmarks.eval

WORKERS ?= 3
REDIS_URL ?= redis://127.0.0.1:6379/0
## Crawl with WORKERS processes sharing one Redis queue (REDIS_URL) into DATABASE_URL; scrapy crawl options in ARGS.
## Exits with the first non-zero status of a worker (in worker order), else 0.
crawl-distributed: $(STAMP)
	@pids=""; \
	for i in $$(seq 1 $(WORKERS)); do \
	  REDIS_URL='$(REDIS_URL)' $(BIN)/scrapy crawl rtl -s DISTRIBUTED_WORKER=$$i \
	    -s 'LOG_FORMAT=%(asctime)s worker '$$i' [%(name)s] %(levelname)s: %(message)s' \
	    $(ARGS) & pids="$$pids $$!"; \
	done; \
	status=0; \
	for pid in $$pids; do wait $$pid || { code=$$?; [ $$status -ne 0 ] || status=$$code; }; done; \
	exit $$status

REPORT ?= var/report.html
## Write the crawl report of DATABASE_URL (default: var/crawl.sqlite) to REPORT, one self-contained HTML page.
report: $(STAMP)
	$(BIN)/python -m crawler.report --out $(REPORT)

## Serve the sample site on 127.0.0.1 until Ctrl-C.
serve-sample: $(STAMP)
	$(BIN)/python -m sample_site

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis *.egg-info
