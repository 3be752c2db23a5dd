"""Running Splink: inputs arrive as Arrow tables, results leave as Arrow.

By default Splink runs on a private in-memory DuckDB: Splink creates many intermediate
`__splink__*` tables, and keeping them there means the warehouse file only ever receives
finished results, written in one transaction by the caller. A `LinkageEngine` for Spark
(`assets.linkage.backend`) runs the same settings through Splink's SparkAPI instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker
from splink.internals.splink_dataframe import SplinkDataFrame

from assets.linkage.backend import DUCKDB_ENGINE, DuckDBBackend, LinkageEngine, SplinkBackend

MENTIONS = "mentions"
LIST_RECORDS = "list_records"


@dataclass
class SplinkSession:
    backend: SplinkBackend
    linker: Linker

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The session's DuckDB connection (DuckDB backend only)."""
        if not isinstance(self.backend, DuckDBBackend):
            raise RuntimeError(f"a {self.backend.dialect} Splink session has no DuckDB connection")
        return self.backend.con

    def read(self, result: SplinkDataFrame) -> pa.Table:
        """A Splink result (predictions, clusters...) as an Arrow table."""
        return self.backend.read(result)


def _arrow(result: Any) -> pa.Table:
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


@contextmanager
def splink_session(
    mentions: pa.Table,
    list_records: pa.Table,
    settings: dict[str, Any] | Any,
    tf_core: pa.Table | None = None,
    threads: int | None = None,
    engine: LinkageEngine | None = None,
) -> Iterator[SplinkSession]:
    """A Linker over (mentions, list_records): in a private in-memory DuckDB, or on the
    backend of `engine` (a model's DuckDB SQL is translated for Spark)."""
    if engine is None:
        engine = LinkageEngine(replace(DUCKDB_ENGINE.config, threads=threads))
    with engine.session() as backend:
        left = backend.register(mentions, MENTIONS)
        right = backend.register(list_records, LIST_RECORDS)
        if isinstance(settings, dict):
            # A copy in the backend's dialect (Splink mutates the dict it is given).
            settings = backend.settings(json.loads(json.dumps(settings)))
        linker = Linker([left, right], settings, log_level=logging.WARNING)
        if tf_core is not None:
            linker.table_management.register_term_frequency_lookup(
                backend.register(tf_core, "tf_core_lookup"), "core"
            )
        yield SplinkSession(backend, linker)


class ReusableSession:
    """A DuckDB Splink session over a fixed list side, for screening batch after batch of
    mentions: the connection, the registered list records and term frequencies and the Linker
    (building one parses the model's SQL, ~0.3 s) are made once, on the first batch; each
    batch then only replaces the mentions and clears Splink's cache of tables derived from
    them. Not thread-safe: one batch at a time."""

    def __init__(
        self, list_records: pa.Table, settings: dict[str, Any], tf_core: pa.Table | None = None
    ) -> None:
        self.list_records = list_records
        self.settings = settings
        self.tf_core = tf_core
        self._session: SplinkSession | None = None
        self._tf_lookup: SplinkDataFrame | None = None

    @contextmanager
    def session(self, mentions: pa.Table) -> Iterator[SplinkSession]:
        """The session with `mentions` as the mentions side; the tables Splink makes in it
        (predictions included) are dropped on the next batch."""
        if self._session is None:
            self._session = self._start(mentions)
        else:
            self._replace_mentions(self._session, mentions)
        yield self._session

    def _start(self, mentions: pa.Table) -> SplinkSession:
        backend = DuckDBBackend(duckdb.connect(":memory:"))
        left = backend.register(mentions, MENTIONS)
        right = backend.register(self.list_records, LIST_RECORDS)
        # A copy (Splink mutates the dict it is given).
        settings = backend.settings(json.loads(json.dumps(self.settings)))
        linker = Linker([left, right], settings, log_level=logging.WARNING)
        session = SplinkSession(backend, linker)
        if self.tf_core is not None:
            self._tf_lookup = backend.register(self.tf_core, "tf_core_lookup")
            self._register_tf(session)
        return session

    def _register_tf(self, session: SplinkSession) -> None:
        if self._tf_lookup is not None:
            session.linker.table_management.register_term_frequency_lookup(self._tf_lookup, "core")

    def _replace_mentions(self, session: SplinkSession, mentions: pa.Table) -> None:
        # The Linker reads the mentions through this name; re-registering swaps the rows.
        session.con.register(MENTIONS, mentions)
        # Every cached table (the concatenated inputs with term frequencies, the previous
        # predictions) derives from the old mentions; invalidating also forgets the registered
        # term-frequency lookup, so register it again.
        session.linker.table_management.invalidate_cache()  # type: ignore[no-untyped-call]
        self._register_tf(session)

    def close(self) -> None:
        if self._session is not None:
            self._session.con.close()
            self._session = None


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
