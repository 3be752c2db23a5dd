"""Where things are by default, relative to the project root: one table for the resources, the
CLI and the Makefile (whose `?=` exports `tests/test_defaults.py` holds to it). Each setting is
also the environment variable `pipelines.definitions` binds it to."""

from __future__ import annotations

WAREHOUSE = "data/warehouse/sanctions.duckdb"
RAW_DIR = "data/warehouse/raw"
BATCHES_DIR = "data/warehouse/batches"
CHARTS_DIR = "data/warehouse/charts"
# Where the workbench (`sanctions serve`, `make review`) serves the charts of CHARTS_DIR.
CHARTS_URL = "http://127.0.0.1:8765/charts"
INBOX_DIRS = "data/articles/inbox,data/articles/samples"
URL_LIST = "data/articles/urls.txt"
MODEL_DIR = "data/models"
COUNTERPARTY_DIR = "data/counterparties/inbox"
FETCH_MODE = "auto"
LABELLED = "data/articles/samples/articles.jsonl"
FACTS = "data/training/news_mentions.jsonl"
RECORD_FACTS = "data/training/counterparty_records.jsonl"

# The environment variable of each setting the Dagster Definitions read, and its default.
ENVIRONMENT: dict[str, str] = {
    "SANCTIONS_WAREHOUSE": WAREHOUSE,
    "SANCTIONS_RAW_DIR": RAW_DIR,
    "SANCTIONS_FETCH_MODE": FETCH_MODE,
    "SANCTIONS_BATCHES_DIR": BATCHES_DIR,
    "SANCTIONS_INBOX_DIRS": INBOX_DIRS,
    "SANCTIONS_MODEL_DIR": MODEL_DIR,
    "SANCTIONS_COUNTERPARTY_DIR": COUNTERPARTY_DIR,
    "SANCTIONS_CHARTS_DIR": CHARTS_DIR,
}
