"""The warehouse as a Dagster resource, which every stage's assets write through, and as the
command line and the workbench open it (`open_warehouse`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets.common.tables import WRITER_LOCK_WAIT_SECONDS, WarehouseBusy, connect_waiting
from assets.common.text import is_utf8


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


class WarehouseUnavailable(RuntimeError):
    pass


def open_warehouse(
    path: str,
    *,
    read_only: bool = True,
    lock_wait: float | None = None,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse; read-only ones also have file access outside the
    warehouse disabled, so SQL given by a user can neither write nor read other files, and
    DuckDB's memory capped at `memory_limit` when given. While a run holds the file, waits up
    to `lock_wait` seconds (5 to read, 60 to write by default), then raises
    `WarehouseUnavailable` saying the warehouse is busy."""
    if not Path(path).exists():
        raise WarehouseUnavailable(f"no warehouse at {path}; run `make run` first")
    if not is_utf8(path):
        # A name with bytes that are no UTF-8 (Python holds them as surrogate escapes): DuckDB
        # would fail with a bare "std::bad_cast".
        raise WarehouseUnavailable(f"cannot open the warehouse {path!r}: its name is not UTF-8")
    config: dict[str, Any] = {}
    if read_only:
        config = {"enable_external_access": False, "lock_configuration": True}
        if memory_limit:
            config["memory_limit"] = memory_limit
    try:
        return connect_waiting(
            path,
            read_only=read_only,
            config=config,
            wait_seconds=lock_wait if lock_wait is not None else (5.0 if read_only else 60.0),
        )
    except WarehouseBusy as exc:
        raise WarehouseUnavailable(str(exc)) from exc
