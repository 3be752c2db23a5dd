"""Writing list publications into the warehouse: snapshots, entities, names and changes.

An accepted publication replaces its list's rows in `sources.entities` and `sources.names`,
appends its `sources.changes` and its `sources.snapshots` row in ONE transaction, so a reader
or a crash sees the previous publication or the new one, never a mix. A rejected or unchanged
publication only appends its `sources.snapshots` row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from assets.common.model import ParsedList
from assets.common.tables import (
    ENTITY_COLUMNS,
    SNAPSHOT_COLUMNS,
    SOURCE_TABLES,
    ensure_tables,
    entities_table,
    first_row,
    names_table,
    transaction,
    utc_now,
)
from assets.sources.fetch import FetchedList

# Each list as loaded now: its accepted publication and what it holds (`sanctions lists`, the
# API's catalog).
LOADED_LISTS_SQL = """
WITH current AS (
    SELECT source, sha256, published_on, origin, seen_at,
           row_number() OVER (PARTITION BY source ORDER BY seen_at DESC) AS rn
    FROM sources.snapshots WHERE status = 'accepted'
), counts AS (
    SELECT source, count(*) AS entities,
           count(*) FILTER (schema = 'Person') AS persons,
           count(*) FILTER (schema = 'Organization') AS organizations,
           count(*) FILTER (schema = 'Vessel') AS vessels,
           count(*) FILTER (schema = 'Aircraft') AS aircraft
    FROM sources.entities GROUP BY source
), names AS (SELECT source, count(*) AS names FROM sources.names GROUP BY source)
SELECT c.source, k.entities, k.persons, k.organizations, k.vessels, k.aircraft, n.names,
       c.published_on, c.origin, strftime(c.seen_at, '%Y-%m-%d %H:%M') AS loaded_at,
       left(c.sha256, 12) AS sha256
FROM current c JOIN counts k USING (source) LEFT JOIN names n USING (source)
WHERE c.rn = 1 ORDER BY c.source
"""


def ensure_source_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the stage schemas and the `sources.*` tables when missing."""
    ensure_tables(con, SOURCE_TABLES)


@dataclass(frozen=True)
class AcceptedSnapshot:
    sha256: str
    entity_count: int
    published_on: dt.date | None
    seen_at: dt.datetime


def last_accepted(con: duckdb.DuckDBPyConnection, source: str) -> AcceptedSnapshot | None:
    """The publication currently served for `source`."""
    row = first_row(
        con.execute(
            """
        SELECT sha256, entity_count, published_on, seen_at FROM sources.snapshots
        WHERE source = ? AND status = 'accepted' ORDER BY seen_at DESC LIMIT 1
        """,
            [source],
        )
    )
    if row is None:
        return None
    return AcceptedSnapshot(row[0], int(row[1]), row[2], row[3])


def record_snapshot(
    con: duckdb.DuckDBPyConnection,
    fetched: FetchedList,
    status: str,
    *,
    parsed: ParsedList | None = None,
    reason: str | None = None,
    previous_sha: str | None = None,
    seen_at: dt.datetime | None = None,
) -> None:
    """Append one `sources.snapshots` row (inside the caller's transaction, if any)."""
    values = {
        "source": fetched.source,
        "sha256": fetched.sha256,
        "seen_at": seen_at or utc_now(),
        "fetched_at": fetched.fetched_at,
        "published_on": (parsed.published_on if parsed else None) or fetched.published_on,
        "origin": fetched.origin,
        "url": fetched.location,
        "files": sorted(fetched.files),
        "bytes": fetched.size,
        "entity_count": len(parsed.entities) if parsed else None,
        "name_count": parsed.name_count if parsed else None,
        "skipped_records": len(parsed.skipped) if parsed else None,
        "status": status,
        "reason": reason,
        "previous_sha": previous_sha,
    }
    columns = list(SNAPSHOT_COLUMNS)
    placeholders = ", ".join("?" for _ in columns)
    con.execute(
        f"INSERT INTO sources.snapshots ({', '.join(columns)}) VALUES ({placeholders})",
        [values[c] for c in columns],
    )


@dataclass(frozen=True)
class ChangeCounts:
    added: int
    removed: int
    modified: int


def accept_snapshot(
    con: duckdb.DuckDBPyConnection,
    fetched: FetchedList,
    parsed: ParsedList,
    previous: AcceptedSnapshot | None,
) -> ChangeCounts:
    """Replace the list's rows with `parsed` and record changes and the snapshot, atomically."""
    source = fetched.source
    sha = fetched.sha256
    now = utc_now()
    new_entities = entities_table(parsed)
    new_names = names_table(parsed)
    try:
        with transaction(con, new_entities=new_entities, new_names=new_names):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE old_entities AS SELECT entity_id, caption, "
                "fingerprint, first_seen FROM sources.entities WHERE source = ?",
                [source],
            )
            if previous is not None:
                _insert_changes(con, source, sha, previous.sha256, now)
            con.execute("DELETE FROM sources.entities WHERE source = ?", [source])
            columns = ", ".join(f'"{c}"' for c in ENTITY_COLUMNS)
            con.execute(
                f"""
                INSERT INTO sources.entities ({columns})
                SELECT n.*, coalesce(o.first_seen, $now), $now, $sha
                FROM new_entities n LEFT JOIN old_entities o USING (entity_id)
                """,
                {"now": now, "sha": sha},
            )
            con.execute("DELETE FROM sources.names WHERE source = ?", [source])
            con.execute("INSERT INTO sources.names SELECT *, ? FROM new_names", [sha])
            record_snapshot(
                con,
                fetched,
                "accepted",
                parsed=parsed,
                previous_sha=previous.sha256 if previous else None,
                seen_at=now,
            )
            counts = first_row(
                con.execute(
                    """
                SELECT count(*) FILTER (change = 'added'), count(*) FILTER (change = 'removed'),
                       count(*) FILTER (change = 'modified')
                FROM sources.changes WHERE source = ? AND snapshot_sha = ? AND detected_at = ?
                """,
                    [source, sha, now],
                )
            )
    finally:
        con.execute("DROP TABLE IF EXISTS old_entities")
    assert counts is not None
    return ChangeCounts(int(counts[0]), int(counts[1]), int(counts[2]))


def _insert_changes(
    con: duckdb.DuckDBPyConnection, source: str, sha: str, previous_sha: str, now: dt.datetime
) -> None:
    con.execute(
        """
        INSERT INTO sources.changes
        SELECT $source, $sha, $previous, $now, coalesce(n.entity_id, o.entity_id),
               CASE WHEN o.entity_id IS NULL THEN 'added'
                    WHEN n.entity_id IS NULL THEN 'removed'
                    ELSE 'modified' END,
               CASE WHEN n.entity_id IS NULL OR o.entity_id IS NULL THEN []::VARCHAR[]
                    ELSE list_filter([
                        CASE WHEN n.fingerprint.names IS DISTINCT FROM o.fingerprint.names
                             THEN 'names' END,
                        CASE WHEN n.fingerprint.programs IS DISTINCT FROM o.fingerprint.programs
                             THEN 'programs' END,
                        CASE WHEN n.fingerprint.identifiers
                                  IS DISTINCT FROM o.fingerprint.identifiers
                             THEN 'identifiers' END,
                        CASE WHEN n.fingerprint.details IS DISTINCT FROM o.fingerprint.details
                             THEN 'details' END], lambda f: f IS NOT NULL) END,
               coalesce(n.caption, o.caption)
        FROM new_entities n FULL OUTER JOIN old_entities o USING (entity_id)
        WHERE o.entity_id IS NULL OR n.entity_id IS NULL
           OR n.fingerprint IS DISTINCT FROM o.fingerprint
        """,
        {"source": source, "sha": sha, "previous": previous_sha, "now": now},
    )
