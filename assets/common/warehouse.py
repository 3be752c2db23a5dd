"""The warehouse as a Dagster resource: every stage's assets write through it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets.common.tables import WRITER_LOCK_WAIT_SECONDS, WarehouseBusy, connect_waiting


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse file (`data/warehouse/sanctions.duckdb` by default). While another
    process holds the file's lock, connecting waits with a bounded backoff (`lock_wait_seconds`)
    and then fails with a clear "warehouse busy" error, never a raw lock error. Connections are
    closed even when the work inside fails (the parent class leaks them on exceptions)."""

    lock_wait_seconds: float = Field(
        default=WRITER_LOCK_WAIT_SECONDS,
        description="how long to wait for another process's lock on the file",
    )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            con = connect_waiting(
                self.database,
                read_only=False,
                config=self.connection_config,
                wait_seconds=self.lock_wait_seconds,
            )
        except WarehouseBusy as exc:
            # The step fails saying so in words, not with DuckDB's lock error and a traceback.
            raise dg.Failure(description=str(exc)) from exc
        try:
            yield con
        finally:
            con.close()
