# Every target creates the virtual environment first when it is missing or stale.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint db-upgrade replay db-readonly-role bench bench-load eval serve-sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

## Crawl the bundled sample site into var/crawl.sqlite (or DATABASE_URL) and summarize.
demo: $(STAMP)
	$(BIN)/python -m crawler.demo

## Every test, Postgres included (TEST_DATABASE_URL, else 127.0.0.1:5432, else a throwaway cluster).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

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
	$(BIN)/python -m benchmarks.bench --articles $(or $(ARTICLES),2000) $(if $(PROFILE),--profile)

## Memory: crawl a generated site of ARTICLES (1000) articles into a temporary PostgreSQL database; print RSS and rate.
bench-load: $(STAMP)
	$(BIN)/python -m benchmarks.load --articles $(or $(ARTICLES),1000)

## Score the parser (site, generic, full) and trafilatura alone on tests/fixtures/eval: per-field accuracy, body P/R/F1, CPU ms per page.
eval: $(STAMP)
	$(BIN)/python -m benchmarks.eval

## Serve the sample site on 127.0.0.1 until Ctrl-C.
serve-sample: $(STAMP)
	$(BIN)/python -m sample_site

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis *.egg-info
