"""Table contracts of the warehouse: the DDL every stage writes through, and the conversion of
parsed lists into Arrow tables of exactly those types.

Keeping the DDL here, in one place, is what the `table_contract` asset checks compare against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from assets.common.model import Entity, ParsedList
from assets.common.text import printable

SCHEMAS = ("sources", "articles", "linkage", "outputs", "counterparties")

IDENTIFIER_TYPE = "STRUCT(kind VARCHAR, value VARCHAR, country VARCHAR, label VARCHAR)"
FINGERPRINT_TYPE = "STRUCT(names VARCHAR, programs VARCHAR, identifiers VARCHAR, details VARCHAR)"

# column name -> DuckDB type, in table order
ENTITY_COLUMNS: dict[str, str] = {
    "entity_id": "VARCHAR",
    "source": "VARCHAR",
    "official_id": "VARCHAR",
    "schema": "VARCHAR",
    "caption": "VARCHAR",
    "programs": "VARCHAR[]",
    "countries": "VARCHAR[]",
    "birth_dates": "VARCHAR[]",
    "birth_places": "VARCHAR[]",
    "gender": "VARCHAR",
    "positions": "VARCHAR[]",
    "identifiers": f"{IDENTIFIER_TYPE}[]",
    "addresses": "VARCHAR[]",
    "remarks": "VARCHAR",
    "listed_on": "DATE",
    "fingerprint": FINGERPRINT_TYPE,
    "first_seen": "TIMESTAMP",
    "last_seen": "TIMESTAMP",
    "snapshot_sha": "VARCHAR",
}

NAME_COLUMNS: dict[str, str] = {
    "entity_id": "VARCHAR",
    "source": "VARCHAR",
    "name": "VARCHAR",
    "kind": "VARCHAR",
    "raw_name": "VARCHAR",
    "script": "VARCHAR",
    "snapshot_sha": "VARCHAR",
}

SNAPSHOT_COLUMNS: dict[str, str] = {
    "source": "VARCHAR",
    "sha256": "VARCHAR",
    "seen_at": "TIMESTAMP",
    "fetched_at": "TIMESTAMP",
    "published_on": "DATE",
    "origin": "VARCHAR",  # live | cache | bundled
    "url": "VARCHAR",
    "files": "VARCHAR[]",
    "bytes": "BIGINT",
    "entity_count": "INTEGER",
    "name_count": "INTEGER",
    "skipped_records": "INTEGER",
    "status": "VARCHAR",  # accepted | rejected | unchanged
    "reason": "VARCHAR",
    "previous_sha": "VARCHAR",
}

CHANGE_COLUMNS: dict[str, str] = {
    "source": "VARCHAR",
    "snapshot_sha": "VARCHAR",
    "previous_sha": "VARCHAR",
    "detected_at": "TIMESTAMP",
    "entity_id": "VARCHAR",
    "change": "VARCHAR",  # added | removed | modified
    "fields": "VARCHAR[]",  # for modified: names, programs, identifiers, details
    "caption": "VARCHAR",
}

SOURCE_TABLES: dict[str, dict[str, str]] = {
    "sources.entities": ENTITY_COLUMNS,
    "sources.names": NAME_COLUMNS,
    "sources.snapshots": SNAPSHOT_COLUMNS,
    "sources.changes": CHANGE_COLUMNS,
}


def create_table_sql(table: str, columns: dict[str, str]) -> str:
    body = ",\n  ".join(f'"{name}" {ctype}' for name, ctype in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {body}\n)"


def entity_id(source: str, official_id: str) -> str:
    """Stable ids from raw official ids: ``ofac_sdn:36``, ``un_sc:QDi.001``."""
    return f"{source}:{official_id}"


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]  # noqa: S324 - change detection only


def fingerprint(entity: Entity) -> dict[str, str]:
    """Per-facet digests that `sources.changes` compares between two publications."""
    return {
        "names": _digest(sorted((n.name, n.kind) for n in entity.names)),
        "programs": _digest(sorted(entity.programs)),
        "identifiers": _digest(
            sorted((i.kind, i.value, i.country or "") for i in entity.identifiers)
        ),
        "details": _digest(
            [
                entity.schema,
                sorted(entity.countries),
                sorted(entity.birth_dates),
                sorted(entity.birth_places),
                entity.gender,
                sorted(entity.positions),
                sorted(entity.addresses),
                entity.remarks,
                entity.listed_on,
            ]
        ),
    }


_IDENTIFIER_ARROW = pa.struct(
    [
        ("kind", pa.string()),
        ("value", pa.string()),
        ("country", pa.string()),
        ("label", pa.string()),
    ]
)
_FINGERPRINT_ARROW = pa.struct(
    [(k, pa.string()) for k in ("names", "programs", "identifiers", "details")]
)
_STRINGS = pa.list_(pa.string())

ENTITY_ARROW = pa.schema(
    [
        ("entity_id", pa.string()),
        ("source", pa.string()),
        ("official_id", pa.string()),
        ("schema", pa.string()),
        ("caption", pa.string()),
        ("programs", _STRINGS),
        ("countries", _STRINGS),
        ("birth_dates", _STRINGS),
        ("birth_places", _STRINGS),
        ("gender", pa.string()),
        ("positions", _STRINGS),
        ("identifiers", pa.list_(_IDENTIFIER_ARROW)),
        ("addresses", _STRINGS),
        ("remarks", pa.string()),
        ("listed_on", pa.date32()),
        ("fingerprint", _FINGERPRINT_ARROW),
    ]
)

NAME_ARROW = pa.schema(
    [
        ("entity_id", pa.string()),
        ("source", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("raw_name", pa.string()),
        ("script", pa.string()),
    ]
)


def entities_table(parsed: ParsedList) -> pa.Table:
    """`sources.entities` rows (without the snapshot bookkeeping columns) for one parsed list."""
    rows = [
        {
            "entity_id": entity_id(parsed.source, e.official_id),
            "source": parsed.source,
            "official_id": e.official_id,
            "schema": e.schema,
            "caption": e.caption,
            "programs": e.programs,
            # The countries that issued an entity's passports, tax or registration numbers
            # tie it to them as much as an address does.
            "countries": list(
                dict.fromkeys([*e.countries, *(i.country for i in e.identifiers if i.country)])
            ),
            "birth_dates": e.birth_dates,
            "birth_places": e.birth_places,
            "gender": e.gender,
            "positions": e.positions,
            "identifiers": [
                {"kind": i.kind, "value": i.value, "country": i.country, "label": i.label}
                for i in e.identifiers
            ],
            "addresses": e.addresses,
            "remarks": e.remarks or None,
            "listed_on": e.listed_on,
            "fingerprint": fingerprint(e),
        }
        for e in parsed.entities
    ]
    return pa.Table.from_pylist(rows, schema=ENTITY_ARROW)


def names_table(parsed: ParsedList) -> pa.Table:
    """`sources.names` rows: one per distinct (entity, name, kind)."""
    rows = []
    for e in parsed.entities:
        eid = entity_id(parsed.source, e.official_id)
        seen: set[tuple[str, str]] = set()
        for n in e.names:
            if (n.name, n.kind) in seen:
                continue
            seen.add((n.name, n.kind))
            rows.append(
                {
                    "entity_id": eid,
                    "source": parsed.source,
                    "name": n.name,
                    "kind": n.kind,
                    "raw_name": n.raw or None,
                    "script": n.script,
                }
            )
    return pa.Table.from_pylist(rows, schema=NAME_ARROW)


def utc_now() -> dt.datetime:
    """Naive UTC timestamp, the form every TIMESTAMP column stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# --- articles stage ----------------------------------------------------------------------------

ARTICLE_COLUMNS: dict[str, str] = {
    "article_id": "VARCHAR",
    "batch_id": "VARCHAR",  # the ingestion batch (Dagster partition) that first stored it
    "url": "VARCHAR",
    "title": "VARCHAR",
    "published_at": "TIMESTAMP",
    "fetched_at": "TIMESTAMP",
    "origin": "VARCHAR",  # inbox | feed | url
    "source_ref": "VARCHAR",
    "text": "VARCHAR",
    "ingested_at": "TIMESTAMP",
}

INBOX_FILE_COLUMNS: dict[str, str] = {
    "path": "VARCHAR",  # absolute path of the file as seen
    "sha256": "VARCHAR",
    "batch_id": "VARCHAR",
    "seen_at": "TIMESTAMP",
}

SKIPPED_INPUT_COLUMNS: dict[str, str] = {
    "batch_id": "VARCHAR",
    "ref": "VARCHAR",
    "reason": "VARCHAR",
    "seen_at": "TIMESTAMP",
}

MENTION_IDENTIFIER_TYPE = "STRUCT(kind VARCHAR, value VARCHAR)"

MENTION_COLUMNS: dict[str, str] = {
    "mention_id": "VARCHAR",
    "article_id": "VARCHAR",
    "batch_id": "VARCHAR",
    "text": "VARCHAR",
    "label": "VARCHAR",
    "schema_guess": "VARCHAR",
    "start": "INTEGER",
    "end": "INTEGER",
    "sentence": "VARCHAR",
    "detector": "VARCHAR",
    "canonical_id": "VARCHAR",
    "canonical_text": "VARCHAR",
    "sentence_countries": "VARCHAR[]",
    "attributed_countries": "VARCHAR[]",  # countries the text ties to the mention itself
    "article_countries": "VARCHAR[]",
    "role": "VARCHAR",
    "birth_year_min": "INTEGER",
    "birth_year_max": "INTEGER",
    "identifiers": f"{MENTION_IDENTIFIER_TYPE}[]",
    "nlp_model": "VARCHAR",
}

ARTICLE_TABLES: dict[str, dict[str, str]] = {
    "articles.articles": ARTICLE_COLUMNS,
    "articles.inbox_files": INBOX_FILE_COLUMNS,
    "articles.skipped_inputs": SKIPPED_INPUT_COLUMNS,
    "articles.mentions": MENTION_COLUMNS,
}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> Iterator[None]:
    """One transaction over the block: committed when it ends, rolled back when it raises (the
    error goes on), so a failed write leaves the tables as they were. `tables`: Arrow tables
    the block reads, registered under these names for it and unregistered after."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            yield
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in tables:
            con.unregister(name)


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of a query, with the result consumed: DuckDB 2 refuses further relational
    calls on a connection whose last result was left half-read (as `fetchone` leaves it)."""
    rows = result.fetchall()
    return rows[0] if rows else None


def count_of(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> int:
    """The number a ``SELECT count(...)`` query gives (0 when it gives no row or NULL); callers
    pass constant SQL and their values as `params`."""
    row = first_row(con.execute(sql, list(params)))
    return int(row[0]) if row and row[0] is not None else 0


def dict_rows(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every row of a query as a dict of its columns."""
    columns = [d[0] for d in result.description or []]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = first_row(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        )
    )
    return bool(row and row[0])


def column_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    row = first_row(
        con.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? AND column_name = ?",
            [schema, table, column],
        )
    )
    return bool(row and row[0])


def ensure_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, dict[str, str]]) -> None:
    """Create the stage schemas and the given tables when missing."""
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for table, columns in tables.items():
        con.execute(create_table_sql(table, columns))


# --- linkage and outputs -----------------------------------------------------------------------

MATCH_COLUMNS: dict[str, str] = {
    "mention_id": "VARCHAR",
    "entity_id": "VARCHAR",
    "article_id": "VARCHAR",
    "batch_id": "VARCHAR",
    "record_id": "VARCHAR",  # the list name (linkage.list_records.unique_id) that matched
    "matched_name": "VARCHAR",
    "name_kind": "VARCHAR",
    "mention_name": "VARCHAR",
    "match_weight": "DOUBLE",
    "match_probability": "DOUBLE",
    "band": "VARCHAR",  # match | review
    "contributions": "MAP(VARCHAR, DOUBLE)",  # match weight per comparison
    "levels": "MAP(VARCHAR, VARCHAR)",  # comparison level per comparison
    "explanation": "VARCHAR",
    "model_version": "VARCHAR",
    "snapshot_sha": "VARCHAR",  # publication of the entity's list the match was scored on
    "trigger": "VARCHAR",  # batch | list_change
    "scored_at": "TIMESTAMP",
}

# What an analyst decides of a hit.
DECISIONS = ("match", "not_match", "unsure")

REVIEW_COLUMNS: dict[str, str] = {
    "mention_id": "VARCHAR",
    "entity_id": "VARCHAR",
    "decision": "VARCHAR",  # match | not_match | unsure
    "reviewer": "VARCHAR",
    "note": "VARCHAR",
    "decided_at": "TIMESTAMP",
}

# One row per listed entity: the canonical entity it belongs to (cross-list resolution).
CANONICAL_COLUMNS: dict[str, str] = {
    "canonical_id": "VARCHAR",  # canon:<smallest member entity_id>
    "entity_id": "VARCHAR",
    "source": "VARCHAR",
    "cluster_size": "INTEGER",
    "lists": "VARCHAR[]",  # every list the canonical entity is on ("OFAC SDN", "UN", ...)
    "linked_to": "VARCHAR",  # the member it is most strongly linked with
    "link_probability": "DOUBLE",
    "evidence": "VARCHAR",  # that link's comparison levels, in words
    "model_version": "VARCHAR",
    "threshold": "DOUBLE",
    "resolved_at": "TIMESTAMP",
}

# Scored pairs of listed entities (both directions are one row: entity_id_l < entity_id_r).
CANONICAL_LINK_COLUMNS: dict[str, str] = {
    "entity_id_l": "VARCHAR",
    "entity_id_r": "VARCHAR",
    "match_weight": "DOUBLE",
    "match_probability": "DOUBLE",
    "levels": "MAP(VARCHAR, VARCHAR)",
    "explanation": "VARCHAR",
}

LINKAGE_TABLES: dict[str, dict[str, str]] = {
    "linkage.matches": MATCH_COLUMNS,
    "linkage.canonical_entities": CANONICAL_COLUMNS,
    "linkage.canonical_links": CANONICAL_LINK_COLUMNS,
}
# An analyst's decision on a counterparty hit: on the record (its id and what was screened of
# it) against the listed entity as it was listed. A not_match holds the hit back from
# `outputs.counterparty_hits` (the "good-guy list") while both digests still hold.
COUNTERPARTY_DECISION_COLUMNS: dict[str, str] = {
    "path": "VARCHAR",  # the file the record was in when decided (for the audit trail)
    "record_id": "VARCHAR",
    "record_digest": "VARCHAR",  # of the record's screened fields (`RECORD_DIGEST_SQL`)
    "entity_id": "VARCHAR",
    "listing_digest": "VARCHAR",  # of the entity's listing fingerprint (`LISTING_DIGEST_SQL`)
    "decision": "VARCHAR",  # match | not_match | unsure
    "reviewer": "VARCHAR",
    "note": "VARCHAR",
    "decided_at": "TIMESTAMP",
}

OUTPUT_TABLES: dict[str, dict[str, str]] = {
    "outputs.review_decisions": REVIEW_COLUMNS,
    "outputs.counterparty_decisions": COUNTERPARTY_DECISION_COLUMNS,
}


# --- counterparty files ------------------------------------------------------------------------

COUNTERPARTY_FILE_COLUMNS: dict[str, str] = {
    "path": "VARCHAR",  # relative to the counterparty folder
    "sha256": "VARCHAR",
    "status": "VARCHAR",  # accepted | rejected (unreadable: the last accepted records stay)
    "reason": "VARCHAR",
    "records": "INTEGER",
    "problems": "INTEGER",
    "seen_at": "TIMESTAMP",
    "screened_at": "TIMESTAMP",  # NULL: not screened since the file last changed
}

COUNTERPARTY_RECORD_COLUMNS: dict[str, str] = {
    "path": "VARCHAR",
    "row": "INTEGER",  # 1-based row of the record in its file
    "record_id": "VARCHAR",
    "name": "VARCHAR",
    "type": "VARCHAR",  # person | org | vessel | any
    "country": "VARCHAR",
    "birth_date": "VARCHAR",
    "birth_year": "INTEGER",
    "identifiers": f"{MENTION_IDENTIFIER_TYPE}[]",
    "extra": "JSON",  # the file's other columns, passed through
}

COUNTERPARTY_PROBLEM_COLUMNS: dict[str, str] = {
    "path": "VARCHAR",
    "row": "INTEGER",  # 0: the file as a whole
    "record_id": "VARCHAR",
    "severity": "VARCHAR",  # error (row not screened) | warning (value ignored)
    "message": "VARCHAR",
}

COUNTERPARTY_HIT_COLUMNS: dict[str, str] = {
    "path": "VARCHAR",
    "row": "INTEGER",
    "record_id": "VARCHAR",
    "query": "VARCHAR",  # the record's name
    "entity_id": "VARCHAR",
    "matched_name": "VARCHAR",
    "name_kind": "VARCHAR",
    "match_weight": "DOUBLE",
    "match_probability": "DOUBLE",
    "band": "VARCHAR",
    "contributions": "MAP(VARCHAR, DOUBLE)",
    "levels": "MAP(VARCHAR, VARCHAR)",
    "explanation": "VARCHAR",
    "model_version": "VARCHAR",
    "snapshot_sha": "VARCHAR",
    "trigger": "VARCHAR",  # file | list_change
    "scored_at": "TIMESTAMP",
}

COUNTERPARTY_TABLES: dict[str, dict[str, str]] = {
    "counterparties.files": COUNTERPARTY_FILE_COLUMNS,
    "counterparties.records": COUNTERPARTY_RECORD_COLUMNS,
    "counterparties.problems": COUNTERPARTY_PROBLEM_COLUMNS,
    "counterparties.hits": COUNTERPARTY_HIT_COLUMNS,
}


# How long a run (a Dagster step) waits for the warehouse lock before it fails as busy. Readers
# (`sanctions query`) are stopped well before it, so that no read holds a run up past its wait.
WRITER_LOCK_WAIT_SECONDS = 300.0


class WarehouseBusy(RuntimeError):
    """Another process held the warehouse file's lock for longer than the caller would wait."""


_LOCK_PID = re.compile(r"\(PID (\d+)\)")
_COMMAND_SHOWN = 120  # characters of the holder's command line a message shows


def lock_holder(message: str, proc: Path = Path("/proc")) -> str:
    """Who holds the lock, from DuckDB's lock error `message` ("Conflicting lock is held in
    /usr/bin/python3 (PID 4242)"): the process id and, where `proc` shows it, its command line
    (``process 4242 (sanctions query select ...)``), so that the message names a long read
    as such rather than blaming a run. "another process" when the message names none."""
    found = _LOCK_PID.search(message)
    if found is None:
        return "another process"
    pid = found.group(1)
    try:
        raw = (proc / pid / "cmdline").read_bytes()
    except OSError:  # gone since, another user's, or no /proc (macOS)
        return f"process {pid}"
    words = [
        Path(w).name if i == 0 else w
        for i, w in enumerate(raw.decode(errors="replace").split("\0"))
        if w
    ]
    command = printable(" ".join(words))
    if len(command) > _COMMAND_SHOWN:
        command = command[: _COMMAND_SHOWN - 3] + "..."
    return f"process {pid} ({command})" if command else f"process {pid}"


def connect_waiting(
    path: str,
    *,
    read_only: bool,
    config: dict[str, Any] | None = None,
    wait_seconds: float,
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file at `path`, waiting with a bounded backoff while another process
    holds its lock (DuckDB allows one writing process per file, and no reader beside it).
    Raises `WarehouseBusy` with a clear message when the lock is still held after
    `wait_seconds`; any other error (a corrupt file, a bad path) is raised at once."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only, config=config or {})
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarehouseBusy(
                    f"warehouse busy: {path} is locked by {lock_holder(str(exc))}; gave up "
                    f"after {wait_seconds:g} s, retry when it has finished"
                ) from exc
            time.sleep(min(delay, left) * (0.5 + random.random() / 2))  # noqa: S311 - jitter
            delay = min(delay * 2, 2.0)
