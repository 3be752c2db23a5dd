"""Running Splink on an in-memory DuckDB: inputs arrive as Arrow tables, results leave as Arrow.

Splink creates many intermediate `__splink__*` tables; keeping them in a private in-memory
database means the warehouse file only ever receives finished results, written in one
transaction by the caller.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

MENTIONS = "mentions"
LIST_RECORDS = "list_records"

# Splink logs every SQL step at INFO; keep our run logs readable.
logging.getLogger("splink").setLevel(logging.WARNING)


@dataclass
class SplinkSession:
    con: duckdb.DuckDBPyConnection
    linker: Linker


def _arrow(result: Any) -> pa.Table:
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


@contextmanager
def splink_session(
    mentions: pa.Table,
    list_records: pa.Table,
    settings: dict[str, Any] | Any,
    tf_core: pa.Table | None = None,
    threads: int | None = None,
) -> Iterator[SplinkSession]:
    """A Linker over (mentions, list_records) in a private in-memory DuckDB."""
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    try:
        db_api = DuckDBAPI(connection=con)
        left = db_api.register(mentions, dataset_display_name=MENTIONS)
        right = db_api.register(list_records, dataset_display_name=LIST_RECORDS)
        if isinstance(settings, dict):
            settings = json.loads(json.dumps(settings))  # Splink mutates the dict it is given
        linker = Linker([left, right], settings, log_level=logging.WARNING)
        if tf_core is not None:
            linker.table_management.register_term_frequency_lookup(
                db_api.register(tf_core, table_name="tf_core_lookup"), "core"
            )
        yield SplinkSession(con, linker)
    finally:
        con.close()


def term_frequencies(list_records: pa.Table) -> pa.Table:
    """How common each core name is among list names, so that a score does not depend on which
    mentions happen to be in the same batch.

    One entity listed by OFAC, the UN, the UK and the EU repeats its names on every list; that
    is not commonness. A name counts as often as the one list that has it on the most distinct
    entities (so "HAMAS" counts once, "MOHAMMED ALI" as often as one list repeats it)."""
    con = duckdb.connect(":memory:")
    try:
        con.register("records", list_records)
        total = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
        return _arrow(
            con.sql(
                """
                SELECT core, max(entities)::DOUBLE / $total AS tf_core
                FROM (
                    SELECT core, source, count(DISTINCT entity_id) AS entities
                    FROM records WHERE core IS NOT NULL GROUP BY core, source
                )
                GROUP BY core ORDER BY core
                """,
                params={"total": total},
            ).to_arrow_table()
        )
    finally:
        con.close()


def to_arrow(result: Any) -> pa.Table:
    return _arrow(result)


def match_weights_html(settings: dict[str, Any]) -> str:
    """Splink's match weights chart of a model, as standalone HTML."""
    empty = pa.table({"unique_id": pa.array([], pa.string())})
    con = duckdb.connect(":memory:")
    try:
        db_api = DuckDBAPI(connection=con)
        linker = Linker(
            [
                db_api.register(empty, dataset_display_name=MENTIONS),
                db_api.register(empty, dataset_display_name=LIST_RECORDS),
            ],
            json.loads(json.dumps(settings)),
            log_level=logging.WARNING,
            validate_settings=False,
        )
        return str(linker.visualisations.match_weights_chart().to_html(inline=True))
    finally:
        con.close()
