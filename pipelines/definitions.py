"""The one Dagster Definitions object of the project (`[tool.dagster] module_name`)."""

from __future__ import annotations

import dagster as dg

from assets.sources.list_assets import list_assets
from pipelines.jobs import all_jobs
from pipelines.resources import ListFetcherResource, WarehouseResource

defs = dg.Definitions(
    assets=[*list_assets],
    jobs=all_jobs,
    resources={
        "warehouse": WarehouseResource(database=dg.EnvVar("SANCTIONS_WAREHOUSE")),
        "list_fetcher": ListFetcherResource(
            mode=dg.EnvVar("SANCTIONS_FETCH_MODE"), raw_dir=dg.EnvVar("SANCTIONS_RAW_DIR")
        ),
    },
    # One process runs a whole run: DuckDB allows one writer per file, and starting a Python
    # per step costs ~8 s on two cores.
    executor=dg.in_process_executor,
)
