"""Warehouse side of counterparty screening: the files of the counterparty folder, their
records and row problems, and the hits (`counterparties.*`), plus the analysts' view
`outputs.counterparty_hits`.

The stored files mirror the folder: a new or changed file replaces its records (and is screened
again), a file gone from the folder takes its records and hits with it, an unreadable file is
recorded as rejected and its last readable version stays.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from assets.articles.model import MentionIdentifier
from assets.common.tables import (
    COUNTERPARTY_TABLES,
    DECISIONS,
    OUTPUT_TABLES,
    ensure_tables,
    first_row,
    transaction,
    utc_now,
)
from assets.counterparties.records import FORMATS, CounterpartyRecord, read_counterparties
from assets.linkage.scoring import MATCH_ARROW

RESCREENS = "counterparties.rescreens"

# What a decision on a counterparty hit is about, as digests over the stored rows: the record
# as screened (`r`, a row of counterparties.records; its passed-through columns left out) and
# the entity as listed (`e`, its facet fingerprint in sources.entities, which a list change
# that touches names, programs, identifiers or details changes).
RECORD_DIGEST_SQL = (
    "md5(to_json(struct_pack(name := r.name, type := r.type, country := r.country, "
    "birth_date := r.birth_date, birth_year := r.birth_year, identifiers := r.identifiers)))"
)
LISTING_DIGEST_SQL = "md5(to_json(e.fingerprint))"

# The hits a decision still holds for: the latest decision on the record id and entity, when
# the record and the listing are what they were when it was made. A record moved to next
# month's file with the same data keeps its decision; a changed record or listing is open again.
_DECIDED = f"""
WITH latest AS (
    SELECT record_id, entity_id,
           arg_max(decision, decided_at) AS decision,
           arg_max(reviewer, decided_at) AS reviewer,
           arg_max(note, decided_at) AS review_note,
           arg_max(record_digest, decided_at) AS record_digest,
           arg_max(listing_digest, decided_at) AS listing_digest,
           max(decided_at) AS decided_at
    FROM outputs.counterparty_decisions GROUP BY record_id, entity_id
),
decided AS (
    SELECT h.path, h.row, h.entity_id, d.decision, d.reviewer, d.review_note, d.decided_at
    FROM counterparties.hits h
    JOIN counterparties.records r ON r.path = h.path AND r.row = h.row
    JOIN sources.entities e ON e.entity_id = h.entity_id
    JOIN latest d ON d.record_id = h.record_id AND d.entity_id = h.entity_id
    WHERE d.record_digest = {RECORD_DIGEST_SQL} AND d.listing_digest = {LISTING_DIGEST_SQL}
)
"""

_HITS_SELECT = f"""
{_DECIDED}
SELECT h.path AS file, h.row, h.record_id, h.query, r.type, r.country, r.birth_date,
       r.birth_year, h.entity_id, e.caption, e.source AS list, e.schema, e.programs,
       h.band, round(h.match_probability, 4) AS probability,
       round(h.match_weight, 2) AS match_weight, h.matched_name, h.explanation,
       r.extra AS record_fields, d.decision, d.reviewer, d.review_note, d.decided_at,
       h.trigger, h.snapshot_sha, h.model_version, h.scored_at
FROM counterparties.hits h
JOIN counterparties.records r ON r.path = h.path AND r.row = h.row
JOIN sources.entities e ON e.entity_id = h.entity_id
LEFT JOIN decided d ON d.path = h.path AND d.row = h.row AND d.entity_id = h.entity_id
"""

# The analysts' view: every hit but those a standing not_match holds back (the good-guy list),
# with the standing decision of the others.
COUNTERPARTY_HITS_SQL = (
    "CREATE OR REPLACE VIEW outputs.counterparty_hits AS "
    + _HITS_SELECT
    + "WHERE d.decision IS DISTINCT FROM 'not_match'"
)
# The hits held back, with who decided and when: the good-guy list as it applies today.
COUNTERPARTY_SUPPRESSED_SQL = (
    "CREATE OR REPLACE VIEW outputs.counterparty_suppressed AS "
    + _HITS_SELECT
    + "WHERE d.decision = 'not_match'"
)


@dataclass
class FolderSync:
    accepted: list[str] = field(default_factory=list)  # new or changed, records replaced
    rejected: dict[str, str] = field(default_factory=dict)  # path -> reason
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    records: int = 0
    problems: int = 0


def counterparty_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in FORMATS and not p.name.startswith(".")
    )


def file_digest(path: Path) -> str:
    """SHA-256 of the file's content."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record_rows(path: str, records: Sequence[CounterpartyRecord]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "path": path,
                "row": r.row,
                "record_id": r.record_id,
                "name": r.name,
                "type": r.kind,
                "country": r.country,
                "birth_date": r.birth_date,
                "birth_year": r.birth_year,
                "identifiers": [{"kind": i.kind, "value": i.value} for i in r.identifiers],
                "extra": json.dumps(dict(r.extra), ensure_ascii=False, default=str),
            }
            for r in records
        ],
        schema=pa.schema(
            [
                ("path", pa.string()),
                ("row", pa.int32()),
                ("record_id", pa.string()),
                ("name", pa.string()),
                ("type", pa.string()),
                ("country", pa.string()),
                ("birth_date", pa.string()),
                ("birth_year", pa.int32()),
                (
                    "identifiers",
                    pa.list_(pa.struct([("kind", pa.string()), ("value", pa.string())])),
                ),
                ("extra", pa.string()),
            ]
        ),
    )


def sync_folder(con: duckdb.DuckDBPyConnection, folder: Path) -> FolderSync:
    """Bring `counterparties.files/records/problems` in line with the folder's files."""
    ensure_tables(con, COUNTERPARTY_TABLES)
    known = dict(con.execute("SELECT path, sha256 FROM counterparties.files").fetchall())
    result = FolderSync()
    present = set()
    for file in counterparty_files(folder):
        rel = file.relative_to(folder).as_posix()
        present.add(rel)
        sha = file_digest(file)
        if known.get(rel) == sha:
            result.unchanged.append(rel)
            continue
        try:
            read = read_counterparties(file)
        except ValueError as exc:
            reason = str(exc).replace(str(file), rel)
            result.rejected[rel] = reason
            _mark_rejected(con, rel, sha, reason)
            continue
        _replace_file(con, rel, sha, read.records, read.problems)
        result.accepted.append(rel)
        result.records += len(read.records)
        result.problems += len(read.problems)
    for rel in sorted(set(known) - present):
        _remove_file(con, rel)
        result.removed.append(rel)
    return result


def _mark_rejected(con: duckdb.DuckDBPyConnection, rel: str, sha: str, reason: str) -> None:
    """Record the rejection; keep whatever was accepted from this path before."""
    exists = first_row(
        con.execute("SELECT count(*) FROM counterparties.files WHERE path = ?", [rel])
    )
    if exists and exists[0]:
        con.execute(
            "UPDATE counterparties.files SET status = 'rejected', reason = ?, seen_at = ? "
            "WHERE path = ?",
            [reason, utc_now(), rel],
        )
    else:
        con.execute(
            "INSERT INTO counterparties.files VALUES (?, ?, 'rejected', ?, 0, 0, ?, NULL)",
            [rel, sha, reason, utc_now()],
        )


def _replace_file(
    con: duckdb.DuckDBPyConnection,
    rel: str,
    sha: str,
    records: Sequence[CounterpartyRecord],
    problems: Sequence[Any],
) -> None:
    problem_rows = pa.Table.from_pylist(
        [
            {
                "path": rel,
                "row": p.row,
                "record_id": p.record_id,
                "severity": p.severity,
                "message": p.message,
            }
            for p in problems
        ],
        schema=pa.schema(
            [
                ("path", pa.string()),
                ("row", pa.int32()),
                ("record_id", pa.string()),
                ("severity", pa.string()),
                ("message", pa.string()),
            ]
        ),
    )
    with transaction(con, new_records=_record_rows(rel, records), new_problems=problem_rows):
        _delete_file_rows(con, rel)
        con.execute("INSERT INTO counterparties.records SELECT * FROM new_records")
        con.execute("INSERT INTO counterparties.problems SELECT * FROM new_problems")
        con.execute(
            "INSERT INTO counterparties.files VALUES (?, ?, 'accepted', NULL, ?, ?, ?, NULL)",
            [rel, sha, len(records), len(problems), utc_now()],
        )


def _delete_file_rows(con: duckdb.DuckDBPyConnection, rel: str) -> None:
    for table in (
        "counterparties.hits",
        "counterparties.records",
        "counterparties.problems",
        "counterparties.files",
    ):
        con.execute(f"DELETE FROM {table} WHERE path = ?", [rel])


def _remove_file(con: duckdb.DuckDBPyConnection, rel: str) -> None:
    with transaction(con):
        _delete_file_rows(con, rel)


def unscreened_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Stored files whose records are not screened yet: accepted ones, and rejected ones that
    keep the records of their last readable version (read, then replaced by a broken version
    before the screening ran: those records are still the file's and nobody looked at them)."""
    ensure_tables(con, COUNTERPARTY_TABLES)
    rows = con.execute(
        "SELECT path FROM counterparties.files WHERE screened_at IS NULL "
        "AND (status = 'accepted' OR path IN (SELECT path FROM counterparties.records)) "
        "ORDER BY path"
    ).fetchall()
    return [str(p) for (p,) in rows]


def files_screened_before(con: duckdb.DuckDBPyConnection, moment: Any) -> list[str]:
    """Stored files last screened before `moment` (a list change detected then is news to
    them)."""
    ensure_tables(con, COUNTERPARTY_TABLES)
    rows = con.execute(
        "SELECT path FROM counterparties.files WHERE screened_at < ? ORDER BY path", [moment]
    ).fetchall()
    return [str(p) for (p,) in rows]


def load_records(con: duckdb.DuckDBPyConnection, path: str) -> list[CounterpartyRecord]:
    rows = con.execute(
        "SELECT row, record_id, name, type, country, birth_date, birth_year, identifiers, "
        "extra FROM counterparties.records WHERE path = ? ORDER BY row",
        [path],
    ).fetchall()
    return [
        CounterpartyRecord(
            row=int(row),
            record_id=str(record_id),
            name=str(name),
            kind=kind,
            country=country,
            birth_date=birth_date,
            birth_year=birth_year,
            identifiers=tuple(MentionIdentifier(i["kind"], i["value"]) for i in ids or []),
            extra=tuple(json.loads(extra).items()) if extra else (),
        )
        for row, record_id, name, kind, country, birth_date, birth_year, ids, extra in rows
    ]


# A stored hit: the record's place in its file, then the scoring contract's columns.
HIT_ARROW = pa.schema(
    [
        ("path", pa.string()),
        ("row", pa.int32()),
        ("record_id", pa.string()),
        ("query", pa.string()),
        *(
            MATCH_ARROW.field(name)
            for name in (
                "entity_id",
                "matched_name",
                "name_kind",
                "match_weight",
                "match_probability",
                "band",
                "contributions",
                "levels",
                "explanation",
            )
        ),
    ]
)


def store_hits(
    con: duckdb.DuckDBPyConnection,
    path: str,
    hits: Sequence[dict[str, Any]],
    *,
    model_version: str,
    trigger: str,
    entities: Sequence[str] | None = None,
) -> int:
    """Replace the file's hits (only those with `entities`, when given: a re-screen against
    changed entities is the whole truth about them) in one transaction; mark the file screened
    when it was a full screen. Returns the number of hits written."""
    ensure_tables(con, COUNTERPARTY_TABLES)
    table = pa.Table.from_pylist(
        [{**{k: h.get(k) for k in HIT_ARROW.names}, "path": path} for h in hits], schema=HIT_ARROW
    )
    now = utc_now()
    with transaction(con, new_hits=table):
        if entities is None:
            con.execute("DELETE FROM counterparties.hits WHERE path = ?", [path])
        else:
            con.execute(
                "DELETE FROM counterparties.hits WHERE path = ? AND list_contains(?, entity_id)",
                [path, list(entities)],
            )
        con.execute(
            """
            INSERT INTO counterparties.hits
            SELECT n.path, n.row, n.record_id, n.query, n.entity_id, n.matched_name, n.name_kind,
                   n.match_weight, n.match_probability, n.band, n.contributions, n.levels,
                   n.explanation, ?, e.snapshot_sha, ?, ?
            FROM new_hits n JOIN sources.entities e USING (entity_id)
            """,
            [model_version, trigger, now],
        )
        if entities is None:
            con.execute(
                "UPDATE counterparties.files SET screened_at = ? WHERE path = ?", [now, path]
            )
    return int(table.num_rows)


def changes_detected_at(con: duckdb.DuckDBPyConnection, source: str, sha: str) -> Any:
    row = first_row(
        con.execute(
            "SELECT max(detected_at) FROM sources.changes WHERE source = ? AND snapshot_sha = ?",
            [source, sha],
        )
    )
    return row[0] if row else None


def create_counterparty_view(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create `outputs.counterparty_hits` and `outputs.counterparty_suppressed`."""
    ensure_tables(con, {**COUNTERPARTY_TABLES, **OUTPUT_TABLES})
    con.execute(COUNTERPARTY_HITS_SQL)
    con.execute(COUNTERPARTY_SUPPRESSED_SQL)


def record_counterparty_decision(
    con: duckdb.DuckDBPyConnection,
    path: str,
    record_id: str,
    entity_id: str,
    decision: str,
    reviewer: str,
    note: str,
) -> None:
    """Append an analyst's decision on the hit of record `record_id` of file `path` on
    `entity_id`, with the digests of the record and the listing as they are now (an audit
    trail: nothing is overwritten). ValueError when there is no such hit."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    ensure_tables(con, {**COUNTERPARTY_TABLES, **OUTPUT_TABLES})
    found = first_row(
        con.execute(
            f"SELECT {RECORD_DIGEST_SQL}, {LISTING_DIGEST_SQL} FROM counterparties.hits h "
            "JOIN counterparties.records r ON r.path = h.path AND r.row = h.row "
            "JOIN sources.entities e ON e.entity_id = h.entity_id "
            "WHERE h.path = ? AND h.record_id = ? AND h.entity_id = ? LIMIT 1",
            [path, record_id, entity_id],
        )
    )
    if found is None:
        raise ValueError(f"no hit of record {record_id!r} of {path!r} on entity {entity_id!r}")
    record_digest, listing_digest = found
    con.execute(
        "INSERT INTO outputs.counterparty_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [path, record_id, record_digest, entity_id, listing_digest, decision, reviewer, note,
         utc_now()],
    )  # fmt: skip
