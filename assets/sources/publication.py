"""One publication of a list into the warehouse: unchanged, rejected or accepted, with the
checks evaluated BEFORE anything is written (the `sources/<list>` asset is a thin wrapper)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from assets.common.model import ParseError, SkippedRecord
from assets.sources.checks import (
    CHECK_DESCRIPTIONS,
    CheckOutcome,
    evaluate_publication,
    table_contract,
)
from assets.sources.fetch import FetchedList, RawCache
from assets.sources.spec import ListSpec
from assets.sources.store import (
    ChangeCounts,
    accept_snapshot,
    ensure_source_tables,
    last_accepted,
    record_snapshot,
)


@dataclass(frozen=True)
class Ingested:
    """What became of a publication: its status, the checks' outcomes and its counts."""

    status: str  # accepted | unchanged | rejected
    outcomes: list[CheckOutcome]
    entity_count: int
    changes: ChangeCounts | None = None  # accepted only
    name_count: int | None = None  # accepted only
    skipped: list[SkippedRecord] | None = None  # accepted only: single bad records skipped
    published_on: dt.date | None = None
    reason: str = ""  # rejected: the checks that failed


def ingest_publication(
    con: duckdb.DuckDBPyConnection, spec: ListSpec, fetched: FetchedList, cache: RawCache
) -> Ingested:
    """Store `fetched` as the list's current publication unless it is the one already current
    (recorded as unchanged) or fails a blocking check (recorded as rejected, its live files kept
    under `cache`, the last good publication left current). A file the parser cannot trust is
    recorded as rejected too, and its `ParseError` raised."""
    ensure_source_tables(con)
    previous = last_accepted(con, spec.source_id)
    if previous is not None and previous.sha256 == fetched.sha256:
        record_snapshot(con, fetched, "unchanged", previous_sha=previous.sha256)
        unchanged = [CheckOutcome(n, True, "publication unchanged") for n in CHECK_DESCRIPTIONS]
        return Ingested("unchanged", unchanged, previous.entity_count)
    try:
        parsed = spec.parse(fetched.files)
    except ParseError as exc:
        record_snapshot(con, fetched, "rejected", reason=str(exc))
        _keep_raw(cache, fetched, "rejected")
        raise
    outcomes = evaluate_publication(spec, parsed, fetched, previous)
    failed = [o for o in outcomes if not o.passed]
    if failed:
        reason = "; ".join(f"{o.name}: {o.description}" for o in failed)
        record_snapshot(con, fetched, "rejected", parsed=parsed, reason=reason)
        _keep_raw(cache, fetched, "rejected")
        outcomes.append(CheckOutcome("table_contract", True, "nothing written"))
        return Ingested("rejected", outcomes, len(parsed.entities), reason=reason)
    changes = accept_snapshot(con, fetched, parsed, previous)
    _keep_raw(cache, fetched, "accepted")
    outcomes.append(table_contract(con))
    return Ingested(
        "accepted",
        outcomes,
        len(parsed.entities),
        changes,
        parsed.name_count,
        parsed.skipped,
        parsed.published_on,
    )


def _keep_raw(cache: RawCache, fetched: FetchedList, status: str) -> None:
    """Keep live downloads under the raw cache; bundled and cached files are already on disk."""
    if fetched.origin == "live":
        cache.keep(fetched, status)
