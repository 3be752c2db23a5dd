"""What analysts query: the screening hits view and the review decisions table."""

from __future__ import annotations

import duckdb

from assets.common.tables import (
    DECISIONS,
    LINKAGE_TABLES,
    OUTPUT_TABLES,
    ensure_tables,
    first_row,
    utc_now,
)
from assets.linkage.crosslist import list_label_sql

SCREENING_HITS_SQL = """
CREATE OR REPLACE VIEW outputs.screening_hits AS
WITH decisions AS (
    SELECT mention_id, entity_id,
           arg_max(decision, decided_at) AS decision,
           arg_max(reviewer, decided_at) AS reviewer,
           arg_max(note, decided_at) AS review_note,
           max(decided_at) AS decided_at
    FROM outputs.review_decisions GROUP BY mention_id, entity_id
)
SELECT a.article_id, a.title, a.url, a.published_at,
       m.mention_id, m.text AS mention, m.sentence,
       x.entity_id, e.caption, e.source AS list, e.schema, e.programs,
       coalesce(c.canonical_id, x.entity_id) AS canonical_id,
       coalesce(array_to_string(c.lists, ', '), {own_list}) AS lists,
       x.band, round(x.match_probability, 4) AS probability,
       round(x.match_weight, 2) AS match_weight,
       x.matched_name, x.explanation,
       d.decision, d.reviewer, d.review_note, d.decided_at,
       x.trigger, x.snapshot_sha, x.model_version, x.scored_at
FROM linkage.matches x
JOIN articles.mentions m ON m.mention_id = x.mention_id
JOIN articles.articles a ON a.article_id = m.article_id
JOIN sources.entities e ON e.entity_id = x.entity_id
LEFT JOIN linkage.canonical_entities c ON c.entity_id = x.entity_id
LEFT JOIN decisions d ON d.mention_id = x.mention_id AND d.entity_id = x.entity_id
""".replace(
    # The entity's own list, named as in `lists`, before cross-list resolution has run.
    "{own_list}",
    list_label_sql("e.source"),
)


def create_output_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create `outputs.screening_hits` and make sure `outputs.review_decisions` exists."""
    ensure_tables(con, {**LINKAGE_TABLES, **OUTPUT_TABLES})
    con.execute(SCREENING_HITS_SQL)


def record_decision(
    con: duckdb.DuckDBPyConnection,
    mention_id: str,
    entity_id: str,
    decision: str,
    reviewer: str,
    note: str,
) -> None:
    """Append an analyst decision (the table is an audit trail: nothing is overwritten)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    ensure_tables(con, OUTPUT_TABLES)
    exists = first_row(
        con.execute(
            "SELECT count(*) FROM linkage.matches WHERE mention_id = ? AND entity_id = ?",
            [mention_id, entity_id],
        )
    )
    if not exists or not exists[0]:
        raise ValueError(f"no match of mention {mention_id} with entity {entity_id}")
    con.execute(
        "INSERT INTO outputs.review_decisions VALUES (?, ?, ?, ?, ?, ?)",
        [mention_id, entity_id, decision, reviewer, note, utc_now()],
    )
