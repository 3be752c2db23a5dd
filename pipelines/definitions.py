"""The one Dagster Definitions object of the project (`[tool.dagster] module_name`)."""

from __future__ import annotations

import dagster as dg

from assets.articles import assets as article_assets
from assets.articles.resources import ArticleSourcesResource, NlpResource
from assets.common.warehouse import WarehouseResource
from assets.counterparties import assets as counterparty_assets
from assets.counterparties.resources import CounterpartySourcesResource
from assets.linkage import assets as linkage_assets
from assets.linkage.resources import LinkageResource
from assets.outputs import assets as output_assets
from assets.sources.list_assets import list_assets
from assets.sources.resources import ListFetcherResource
from pipelines.jobs import all_jobs
from pipelines.runner import everything_job, file_logger
from pipelines.schedules import all_schedules
from pipelines.sensors import all_sensors
from pipelines.training import train_models

defs = dg.Definitions(
    assets=[
        *list_assets,
        *dg.load_assets_from_modules(
            [article_assets, linkage_assets, output_assets, counterparty_assets]
        ),
    ],
    jobs=[everything_job, *all_jobs, train_models],
    sensors=all_sensors,
    schedules=all_schedules,
    resources={
        "warehouse": WarehouseResource(database=dg.EnvVar("SANCTIONS_WAREHOUSE")),
        "list_fetcher": ListFetcherResource(
            mode=dg.EnvVar("SANCTIONS_FETCH_MODE"), raw_dir=dg.EnvVar("SANCTIONS_RAW_DIR")
        ),
        "article_sources": ArticleSourcesResource(
            inbox_dirs=dg.EnvVar("SANCTIONS_INBOX_DIRS"),
            batches_dir=dg.EnvVar("SANCTIONS_BATCHES_DIR"),
        ),
        "counterparty_sources": CounterpartySourcesResource(
            folder=dg.EnvVar("SANCTIONS_COUNTERPARTY_DIR")
        ),
        "nlp": NlpResource(),
        "linkage": LinkageResource(
            model_dir=dg.EnvVar("SANCTIONS_MODEL_DIR"), charts_dir=dg.EnvVar("SANCTIONS_CHARTS_DIR")
        ),
    },
    # The console logger as Dagster has it, and a file one `sanctions run` turns on (its run
    # config names the loggers it wants; runs of the UI, whose run config names none, keep
    # Dagster's default).
    loggers={"console": dg.colored_console_logger, "file": file_logger},
    # One process runs a whole run: DuckDB allows one writer per file, and starting a Python
    # per step costs ~8 s on two cores.
    executor=dg.in_process_executor,
)
