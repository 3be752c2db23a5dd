"""The counterparty folder the counterparties stage screens, as a Dagster resource."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from assets.common import defaults


class CounterpartySourcesResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The folder of counterparty files (customers, suppliers, payment counterparties: CSV,
    JSON lines or Parquet, one record per row) screened against the lists."""

    folder: str = Field(
        default=defaults.COUNTERPARTY_DIR,
        description="scanned (with subfolders) for .csv .jsonl .ndjson .parquet files",
    )
