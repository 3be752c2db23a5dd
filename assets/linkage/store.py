"""Warehouse side of the linkage stage: list records, the model files, and matches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from assets.common import tables as contracts
from assets.common.atomic import write_text_atomically
from assets.common.tables import (
    LINKAGE_TABLES,
    MATCH_COLUMNS,
    ensure_tables,
    first_row,
    transaction,
    utc_now,
)
from assets.linkage.records import (
    RECORD_COLUMNS,
    TOKEN_COLUMNS,
    attach_rare_tokens,
    build_list_records,
    build_token_frequencies,
)
from assets.linkage.scoring import Bands
from assets.linkage.settings import COMPARISON_NAMES
from assets.linkage.splink_run import term_frequencies

MODEL_FILE = "mention_linkage.json"
MODEL_META_FILE = "mention_linkage.meta.json"
# The counterparty record model (`assets.counterparties.training`): the same declaration with
# the record levels, parameters and bands of its own.
RECORD_MODEL_FILE = "record_linkage.json"
RECORD_META_FILE = "record_linkage.meta.json"
CROSSLIST_MODEL_FILE = "crosslist_linkage.json"
CROSSLIST_META_FILE = "crosslist_linkage.meta.json"


def rebuild_list_records(con: duckdb.DuckDBPyConnection) -> int:
    """`linkage.list_records` (+ token frequencies, rare tokens and the names' frequencies,
    `term_frequencies`) from the current lists, built under temporary names and swapped in one
    transaction. The name frequencies are computed here, once per list build, not by every
    screener or batch that loads the records."""
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
    count = build_list_records(con, "linkage.list_records_next")
    build_token_frequencies(con, "linkage.list_records_next", "linkage.token_frequencies_next")
    attach_rare_tokens(con, "linkage.list_records_next", "linkage.token_frequencies_next")
    names = term_frequencies(
        con.sql(
            "SELECT unique_id, entity_id, source, schema, core, tokens "
            "FROM linkage.list_records_next"
        ).to_arrow_table()
    )
    con.register("name_frequencies_arrow", names)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE linkage.name_frequencies_next AS "
            "SELECT * FROM name_frequencies_arrow"
        )
    finally:
        con.unregister("name_frequencies_arrow")
    with transaction(con):
        for table in ("list_records", "token_frequencies", "name_frequencies"):
            con.execute(f"DROP TABLE IF EXISTS linkage.{table}")
            con.execute(f"ALTER TABLE linkage.{table}_next RENAME TO {table}")
    return count


def list_records_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """`linkage.list_records`; raises when it was built by an older version of the name
    analysis (a column the model compares is missing), saying how to rebuild it."""
    table = con.sql("SELECT * FROM linkage.list_records ORDER BY unique_id").to_arrow_table()
    missing = [c for c in (*RECORD_COLUMNS, *TOKEN_COLUMNS) if c not in table.column_names]
    if missing:
        raise ValueError(
            f"linkage.list_records lacks {', '.join(missing)}: it was built by an older version; "
            "materialize linkage/list_records again (`make run`)"
        )
    return table


def name_frequency_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """`linkage.name_frequencies` (core, tf_core: `term_frequencies` of the list records);
    raises, like `list_records_table`, when an older version built the records without it."""
    if not contracts.table_exists(con, "linkage", "name_frequencies"):
        raise ValueError(
            "linkage.name_frequencies is missing: the list records were built by an older "
            "version; materialize linkage/list_records again (`make run`)"
        )
    return con.sql(
        "SELECT core, tf_core FROM linkage.name_frequencies ORDER BY core"
    ).to_arrow_table()


def token_frequency_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """`linkage.token_frequencies`; raises, like `list_records_table`, when an older version
    built it."""
    table = con.sql("SELECT * FROM linkage.token_frequencies ORDER BY token").to_arrow_table()
    if "given_name_entities" not in table.column_names:
        raise ValueError(
            "linkage.token_frequencies lacks given_name_entities: it was built by an older "
            "version; materialize linkage/list_records again (`make run`)"
        )
    return table


@dataclass(frozen=True)
class StoredModel:
    settings: dict[str, Any]
    version: str
    meta: dict[str, Any]
    path: Path | None = None  # the file it was read from

    @property
    def bands(self) -> Bands:
        """The bands the model was fitted with (its metadata's `bands`: the match and review
        bands fitted in training, `assets.linkage.training.fit_bands`); `Bands()` for a model
        that gives none."""
        given = self.meta.get("bands")
        if not isinstance(given, dict):
            return Bands()
        return Bands(match=float(given["match"]), review=float(given["review"]))


def save_model(
    folder: Path,
    settings: dict[str, Any],
    meta: dict[str, Any],
    model_file: str = MODEL_FILE,
    meta_file: str = MODEL_META_FILE,
) -> Path:
    """Write the model JSON and its metadata atomically; returns the model path."""
    for name, content in ((model_file, settings), (meta_file, meta)):
        write_text_atomically(folder / name, json.dumps(content, indent=2, sort_keys=True) + "\n")
    return folder / model_file


def load_record_model(folder: Path) -> StoredModel:
    """The counterparty record model of `folder` (`RECORD_MODEL_FILE`)."""
    return load_model(folder, RECORD_MODEL_FILE, RECORD_META_FILE)


def save_crosslist_model(
    folder: Path, settings: dict[str, Any], version: str, stats: dict[str, Any]
) -> Path:
    """`save_model` of the cross-list model, with its version and stats as metadata."""
    meta = {"version": version, "stats": stats}
    return save_model(folder, settings, meta, CROSSLIST_MODEL_FILE, CROSSLIST_META_FILE)


# What every saved Splink model has; a file without them is no model (an empty or foreign JSON).
_MODEL_KEYS = ("link_type", "comparisons", "probability_two_random_records_match")


def _model_json(path: Path) -> dict[str, Any]:
    """A model file's JSON object; ValueError naming the file when it is not one."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable model file ({exc})") from None
    if not isinstance(found, dict):
        raise ValueError(f"{path}: not a linkage model (not a JSON object)")
    return found


def _valid_bands(bands: object) -> bool:
    if not isinstance(bands, dict) or set(bands) != {"match", "review"}:
        return False
    match, review = bands["match"], bands["review"]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (match, review))
    return numbers and 0 < review <= match <= 1


class OtherDeclaration(ValueError):
    """A stored linkage model whose comparisons are not this version's (`COMPARISON_NAMES`)."""


def load_model(
    folder: Path, model_file: str = MODEL_FILE, meta_file: str = MODEL_META_FILE
) -> StoredModel:
    """The model `model_file` of `folder` (the news mention model by default) with its
    metadata `meta_file`; ValueError naming the file when it is no model this version reads."""
    path = folder / model_file
    if not path.exists():
        raise FileNotFoundError(
            f"no linkage model at {path}; materialize linkage/mention_model first"
            if model_file == MODEL_FILE
            else f"no linkage model at {path}; train one with `sanctions train`"
        )
    meta_path = folder / meta_file
    meta = _model_json(meta_path) if meta_path.exists() else {}
    settings = _model_json(path)
    missing = [key for key in _MODEL_KEYS if key not in settings]
    if missing:
        raise ValueError(f"{path}: not a linkage model (no {', '.join(missing)})")
    prior = settings["probability_two_random_records_match"]
    if isinstance(prior, bool) or not isinstance(prior, int | float) or not 0 < prior < 1:
        raise ValueError(
            f"{path}: not a linkage model (probability_two_random_records_match {prior!r} is "
            "not a probability between 0 and 1)"
        )
    bands = meta.get("bands")
    if bands is not None and not _valid_bands(bands):
        raise ValueError(
            f"{meta_path}: bands {bands!r} are not a match and a review probability between 0 "
            "and 1, the match band at or above the review band"
        )
    comparisons = settings["comparisons"]
    declared = [c.get("output_column_name") if isinstance(c, dict) else None for c in comparisons]
    if declared != list(COMPARISON_NAMES):
        # Scoring reads each comparison of the code's declaration by name: a model of another
        # declaration would fail in the middle of a run, with Splink's SQL error.
        raise OtherDeclaration(
            f"{path}: a linkage model of another declaration (it compares "
            f"{', '.join(map(str, declared))}; this version compares "
            f"{', '.join(COMPARISON_NAMES)}): retrain it with `sanctions train`"
        )
    from assets.linkage.model_json import model_version

    return StoredModel(settings, model_version(settings), meta, path)


def store_matches(
    con: duckdb.DuckDBPyConnection,
    matches: pa.Table,
    *,
    batch_id: str | None,
    model_version: str,
    trigger: str,
    replace_where: str,
    replace_params: list[object],
) -> int:
    """Replace the matches selected by `replace_where` (a fixed SQL fragment with parameters)
    with `matches`, in one transaction. Returns the number of rows written. Without a
    `batch_id`, each match carries its mention's batch."""
    ensure_tables(con, LINKAGE_TABLES)
    now = utc_now()
    with transaction(con, new_matches=matches):
        con.execute(f"DELETE FROM linkage.matches WHERE {replace_where}", replace_params)
        columns = ", ".join(f'"{c}"' for c in MATCH_COLUMNS)
        con.execute(
            f"""
            INSERT INTO linkage.matches ({columns})
            SELECT n.mention_id, n.entity_id, m.article_id, coalesce($batch, m.batch_id),
                   n.record_id, n.matched_name,
                   n.name_kind, n.mention_name, n.match_weight, n.match_probability, n.band,
                   n.contributions, n.levels, n.explanation, $model, e.snapshot_sha, $trigger,
                   $now
            FROM new_matches n
            JOIN articles.mentions m USING (mention_id)
            JOIN sources.entities e ON e.entity_id = n.entity_id
            """,
            {"batch": batch_id, "model": model_version, "trigger": trigger, "now": now},
        )
        row = first_row(
            con.execute(
                "SELECT count(*) FROM linkage.matches WHERE scored_at = ? AND trigger = ?",
                [now, trigger],
            )
        )
    return int(row[0]) if row else 0


def store_canonical_entities(
    con: duckdb.DuckDBPyConnection,
    canonical: pa.Table,
    links: pa.Table,
    *,
    model_version: str,
    threshold: float,
) -> int:
    """Replace `linkage.canonical_entities` and `linkage.canonical_links` in one transaction;
    returns the number of canonical entities."""
    ensure_tables(con, LINKAGE_TABLES)
    with transaction(con, new_canonical=canonical, new_links=links):
        con.execute("DELETE FROM linkage.canonical_entities")
        con.execute("DELETE FROM linkage.canonical_links")
        columns = ", ".join(f'"{c}"' for c in contracts.CANONICAL_COLUMNS)
        con.execute(
            f"""
            INSERT INTO linkage.canonical_entities ({columns})
            SELECT canonical_id, entity_id, source, cluster_size, lists, linked_to,
                   link_probability, evidence, $model, $threshold, $now
            FROM new_canonical
            """,
            {"model": model_version, "threshold": threshold, "now": utc_now()},
        )
        link_columns = ", ".join(f'"{c}"' for c in contracts.CANONICAL_LINK_COLUMNS)
        con.execute(
            f"INSERT INTO linkage.canonical_links ({link_columns}) "
            f"SELECT {link_columns} FROM new_links"
        )
        row = first_row(con.execute("SELECT count(DISTINCT canonical_id) FROM new_canonical"))
    return int(row[0]) if row else 0


RESCREEN_COLUMNS = {
    "source": "VARCHAR",
    "snapshot_sha": "VARCHAR",
    "entities": "INTEGER",
    "mentions": "INTEGER",
    "hits": "INTEGER",
    "rescreened_at": "TIMESTAMP",
}


def pending_list_changes(
    con: duckdb.DuckDBPyConnection, rescreens: str = "linkage.rescreens"
) -> dict[tuple[str, str], list[str]]:
    """(source, snapshot) -> entities added or modified by accepted publications whose changes
    have not been re-screened yet against the archive that `rescreens` keeps the books of (the
    article archive by default; counterparty files keep their own)."""
    ensure_tables(con, {rescreens: RESCREEN_COLUMNS})
    rows = con.execute(
        f"""
        SELECT c.source, c.snapshot_sha, list(DISTINCT c.entity_id ORDER BY c.entity_id)
        FROM sources.changes c
        WHERE c.change IN ('added', 'modified')
          AND NOT EXISTS (SELECT 1 FROM {rescreens} r
                          WHERE r.source = c.source AND r.snapshot_sha = c.snapshot_sha)
        GROUP BY c.source, c.snapshot_sha ORDER BY c.source, c.snapshot_sha
        """
    ).fetchall()
    return {(str(src), str(sha)): [str(e) for e in ids] for src, sha, ids in rows}


def record_rescreen(
    con: duckdb.DuckDBPyConnection,
    source: str,
    sha: str,
    entities: int,
    mentions: int,
    hits: int,
    rescreens: str = "linkage.rescreens",
) -> None:
    con.execute(
        f"INSERT INTO {rescreens} VALUES (?, ?, ?, ?, ?, ?)",
        [source, sha, entities, mentions, hits, utc_now()],
    )
