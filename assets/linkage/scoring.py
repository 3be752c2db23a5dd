"""Scoring mentions against list names with a trained model, and explaining each match.

The output has one row per (mention, listed entity): the best-scoring of that entity's names,
with the match weight and probability, each comparison's contribution, the band and a one-line
explanation an analyst can read ("name 'promsvyazbank' exact; country RU in the sentence;
type Organization agrees").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from assets.linkage.backend import DuckDBBackend, LinkageEngine
from assets.linkage.records import RECORD_COLUMNS, TOKEN_COLUMNS
from assets.linkage.settings import COMPARISON_NAMES
from assets.linkage.splink_run import MENTIONS, SplinkSession, splink_session


@dataclass(frozen=True)
class Bands:
    """`match` at or above `match`; `review` at or above `review`; below is not stored."""

    match: float = 0.6
    review: float = 0.35

    def band(self, probability: float) -> str | None:
        if probability >= self.match:
            return "match"
        if probability >= self.review:
            return "review"
        return None


# The key of the name's term-frequency adjustment in a match's `contributions`.
NAME_FREQUENCY = "name_frequency"

MATCH_ARROW = pa.schema(
    [
        ("mention_id", pa.string()),
        ("entity_id", pa.string()),
        ("record_id", pa.string()),
        ("matched_name", pa.string()),
        ("name_kind", pa.string()),
        ("mention_name", pa.string()),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        ("band", pa.string()),
        ("contributions", pa.map_(pa.string(), pa.float64())),
        ("levels", pa.map_(pa.string(), pa.string())),
        ("explanation", pa.string()),
    ]
)


def level_labels(settings: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """comparison -> gamma value -> label, from the model JSON (gamma: else=0, null=-1)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        mapping = {-1: "no data"}
        for i, level in enumerate(non_null):
            mapping[len(non_null) - 1 - i] = str(level.get("label_for_charts", ""))
        labels[comparison["output_column_name"]] = mapping
    return labels


def explain(row: Mapping[str, Any], labels: Mapping[str, Mapping[int, str]]) -> str:
    """One readable line from a best-rows row (`_BEST_ROWS_SQL`: the prediction's comparison
    levels and weights, each side's columns named for the mention or the list record)."""
    parts = []
    name_gamma = int(row["gamma_name"])
    parts.append(
        f"name '{row['matched_name']}' {labels['name'][name_gamma].lower()} "
        f"({row['mw_name'] + (row['mw_tf_adj_name'] or 0.0):+.1f})"
    )
    schema_gamma = int(row["gamma_schema"])
    if schema_gamma >= 0:
        agree = "agrees" if schema_gamma == 2 else labels["schema"][schema_gamma].lower()
        parts.append(f"type {row['record_schema']} {agree} ({row['mw_schema']:+.1f})")
    country_gamma = int(row["gamma_country"])
    if country_gamma >= 0:
        record = set(row["record_countries"] or [])
        named = set(row["mention_sentence_countries"] or []) | set(
            row["mention_article_countries"] or []
        )
        shared = sorted(record & named)
        if shared:
            where = labels["country"][country_gamma].removeprefix("country ")
            parts.append(f"country {', '.join(shared)} {where} ({row['mw_country']:+.1f})")
        else:
            parts.append(
                f"countries disagree: article {', '.join(sorted(named))}, "
                f"list {', '.join(sorted(record))} ({row['mw_country']:+.1f})"
            )
    birth_gamma = int(row["gamma_birth_year"])
    if birth_gamma >= 0:
        parts.append(f"{labels['birth_year'][birth_gamma].lower()} ({row['mw_birth_year']:+.1f})")
    id_gamma = int(row["gamma_identifier"])
    if id_gamma >= 0:
        shared_ids = sorted(
            set(row["mention_identifiers"] or []) & set(row["record_identifiers"] or [])
        )
        text = (
            f"identifier {', '.join(shared_ids)} agrees"
            if shared_ids
            else labels["identifier"][id_gamma].lower()
        )
        parts.append(f"{text} ({row['mw_identifier']:+.1f})")
    return "; ".join(parts)


def score(
    mentions: pa.Table,
    list_records: pa.Table,
    settings: Mapping[str, Any],
    tf_core: pa.Table,
    bands: Bands,
    *,
    num_chunks_right: int | None = None,
    entity_filter: Sequence[str] | None = None,
    waterfall_html: Path | None = None,
    engine: LinkageEngine | None = None,
) -> pa.Table:
    """Score every mention against every list name the blocking rules pair it with; keep the
    best name per (mention, entity) at or above the review band. With `waterfall_html`, Splink's
    waterfall chart of the ten best pairs is written there (standalone HTML). `engine` selects
    the backend (DuckDB in memory by default)."""
    if mentions.num_rows == 0 or list_records.num_rows == 0:
        return MATCH_ARROW.empty_table()
    if entity_filter is not None:
        wanted = pa.array(sorted(set(entity_filter)), pa.string())
        list_records = list_records.filter(pc.is_in(list_records.column("entity_id"), wanted))
        if list_records.num_rows == 0:
            return MATCH_ARROW.empty_table()
    profiles = MentionProfiles.of(mentions)
    with splink_session(
        profiles.distinct, list_records, dict(settings), tf_core, engine=engine
    ) as session:
        matches = score_in_session(
            session,
            settings,
            bands,
            num_chunks_right=num_chunks_right,
            waterfall_html=waterfall_html,
        )
    return profiles.spread(matches)


def score_in_session(
    session: SplinkSession,
    settings: Mapping[str, Any],
    bands: Bands,
    *,
    num_chunks_right: int | None = None,
    waterfall_html: Path | None = None,
) -> pa.Table:
    """`score` on a Splink session already holding the mentions and the list records."""
    labels = level_labels(settings)
    predictions = session.linker.inference.predict(
        threshold_match_probability=bands.review,
        num_chunks_right=num_chunks_right,
        warning_mode="never",
    )
    if waterfall_html is not None:
        rows = session.read(predictions).to_pylist()
        if rows:
            top = sorted(rows, key=lambda r: -float(r["match_weight"]))[:10]
            chart = session.linker.visualisations.waterfall_chart(top, filter_nulls=False)
            write_chart(chart.to_html(inline=True), waterfall_html)
    if isinstance(session.backend, DuckDBBackend):
        best = best_rows(session.con, predictions.physical_name, labels, bands)
        # The predictions are read; a reused session would otherwise keep them until the next
        # batch.
        predictions.drop_table_from_database_and_remove_from_cache()
    else:
        best = _best_rows_of_arrow(session.read(predictions), labels, bands)
    return matches_table(best, labels, bands)


@dataclass(frozen=True)
class MentionProfiles:
    """Mentions that Splink cannot tell apart, scored once. Two mentions with the same values in
    every column but their ids (the same name, type, countries, birth years and identifiers)
    get the same predictions against every list name: the model's term frequencies come from
    the lists, not from the batch. News repeats names ("Vladimir Putin" in article after
    article), so scoring one mention per profile and copying its matches to the others gives
    the same table for less work."""

    distinct: pa.Table  # one mention record per profile (the one with the lowest mention id)
    members: pa.Table  # (profile_id, mention_id): every mention under its profile's mention id

    @classmethod
    def of(cls, mentions: pa.Table) -> MentionProfiles:
        if not set(mentions.column_names) <= _PROFILED:
            # Columns this grouping does not know of might tell mentions apart: no grouping.
            ids = mentions.column("unique_id")
            return cls(mentions, pa.table({"profile_id": ids, "mention_id": ids}))
        con = duckdb.connect(":memory:")
        try:
            con.register("mentions", mentions)
            members = con.sql(
                f"""
                SELECT min(unique_id) OVER (PARTITION BY {PROFILE_COLUMNS}) AS profile_id,
                       unique_id AS mention_id
                FROM mentions
                """
            ).to_arrow_table()
        finally:
            con.close()
        profile_ids = pc.unique(members.column("profile_id"))
        distinct = mentions.filter(pc.is_in(mentions.column("unique_id"), profile_ids))
        return cls(distinct, members)

    def spread(self, matches: pa.Table) -> pa.Table:
        """`matches` of the distinct mentions, copied to every mention of each profile, in
        `best_rows` order (mention, falling weight, entity)."""
        if matches.num_rows == 0 or self.distinct.num_rows == self.members.num_rows:
            return matches
        con = duckdb.connect(":memory:")
        try:
            con.register("members", self.members)
            con.register(
                "found",
                pa.table(
                    {
                        "row": pa.array(range(matches.num_rows), pa.int64()),
                        "profile_id": matches.column("mention_id"),
                        "entity_id": matches.column("entity_id"),
                        "match_weight": matches.column("match_weight"),
                    }
                ),
            )
            order = con.sql(
                """
                SELECT f.row, m.mention_id
                FROM found f JOIN members m USING (profile_id)
                ORDER BY m.mention_id, f.match_weight DESC, f.entity_id
                """
            ).to_arrow_table()
        finally:
            con.close()
        spread = matches.take(order.column("row"))
        return spread.set_column(
            spread.schema.get_field_index("mention_id"), "mention_id", order.column("mention_id")
        )


# Every column of a mention record that Splink sees, but its ids (`RECORD_COLUMNS`, and the
# `TOKEN_COLUMNS` that `mention_records` adds).
_PROFILED = {*RECORD_COLUMNS, *TOKEN_COLUMNS}
PROFILE_COLUMNS = ", ".join(sorted(_PROFILED - {"unique_id", "article_id"}))


def write_chart(html: str, path: Path) -> None:
    """Write a standalone chart (its JavaScript inline, so it opens offline) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)


# The prediction columns that scoring reads, named for the mention's or the list record's side
# (Splink may put either input on the left); the values are the columns when the mention is on
# the left. Reading only these for the surviving rows is what keeps scoring out of Python.
_ORIENTED = {
    "mention_id": "unique_id_l",
    "entity_id": "entity_id_r",
    "record_id": "unique_id_r",
    "matched_name": "name_r",
    "name_kind": "name_kind_r",
    "mention_name": "name_l",
    "record_schema": "schema_r",
    "record_countries": "countries_r",
    "mention_sentence_countries": "sentence_countries_l",
    "mention_article_countries": "article_countries_l",
    "mention_identifiers": "identifiers_l",
    "record_identifiers": "identifiers_r",
}
_SYMMETRIC = [
    "match_weight",
    "match_probability",
    "mw_tf_adj_name",
    *(f"gamma_{c}" for c in COMPARISON_NAMES),
    *(f"mw_{c}" for c in COMPARISON_NAMES),
]


def _mirror(column: str) -> str:
    return column[:-2] + ("_r" if column.endswith("_l") else "_l")


MENTION_LEFT_COLUMNS = ", ".join(
    [*(f"{column} AS {name}" for name, column in _ORIENTED.items()), *_SYMMETRIC]
)
MENTION_RIGHT_COLUMNS = ", ".join(
    [*(f"{_mirror(column)} AS {name}" for name, column in _ORIENTED.items()), *_SYMMETRIC]
)


def best_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    labels: Mapping[str, Mapping[int, str]],
    bands: Bands,
) -> pa.Table:
    """From Splink's predictions `table`: the best-weighted list name per (mention, entity) at or
    above the review band, weak aliases (OFAC "weak", low-quality a.k.a.s) only where the name
    matches exactly. Ties in weight go to the lowest record id, so the same inputs always name
    the same list name; rows are ordered by mention, falling weight, entity."""
    return con.sql(
        f"""
        WITH oriented AS (
            SELECT {MENTION_LEFT_COLUMNS} FROM {table} WHERE source_dataset_l = $mentions
            UNION ALL
            SELECT {MENTION_RIGHT_COLUMNS} FROM {table} WHERE source_dataset_l <> $mentions
        )
        SELECT * FROM oriented
        WHERE match_probability >= $review AND NOT isnan(match_probability)
          AND (name_kind IS DISTINCT FROM 'weak_alias' OR gamma_name = $exact_name)
        QUALIFY row_number() OVER (
            PARTITION BY mention_id, entity_id ORDER BY match_weight DESC, record_id) = 1
        ORDER BY mention_id, match_weight DESC, entity_id
        """,
        params={"mentions": MENTIONS, "review": bands.review, "exact_name": max(labels["name"])},
    ).to_arrow_table()


def _best_rows_of_arrow(
    predictions: pa.Table, labels: Mapping[str, Mapping[int, str]], bands: Bands
) -> pa.Table:
    """`best_rows` of predictions read back from another backend (Spark)."""
    con = duckdb.connect(":memory:")
    try:
        con.register("predictions", predictions)
        return best_rows(con, "predictions", labels, bands)
    finally:
        con.close()


def matches_table(
    best: pa.Table, labels: Mapping[str, Mapping[int, str]], bands: Bands
) -> pa.Table:
    """`best_rows` as matches (`MATCH_ARROW`): band, contributions, levels and explanation.
    Column-wise: only the explanations need a Python loop over the rows."""
    n = best.num_rows
    probabilities = best.column("match_probability").to_pylist()
    weights = {c: best.column(f"mw_{c}").to_pylist() for c in COMPARISON_NAMES}
    weights[NAME_FREQUENCY] = [w or 0.0 for w in best.column("mw_tf_adj_name").to_pylist()]
    gammas = {c: best.column(f"gamma_{c}").to_pylist() for c in COMPARISON_NAMES}
    contributions = _map_array(
        [*COMPARISON_NAMES, NAME_FREQUENCY],
        [pa.array(weights[c], pa.float64()) for c in [*COMPARISON_NAMES, NAME_FREQUENCY]],
        n,
    )
    levels = _map_array(
        list(COMPARISON_NAMES),
        [pa.array([labels[c][int(g)] for g in gammas[c]], pa.string()) for c in COMPARISON_NAMES],
        n,
    )
    explained = {"gamma_" + c: gammas[c] for c in COMPARISON_NAMES} | {
        "mw_" + c: weights[c] for c in COMPARISON_NAMES
    }
    explained["mw_tf_adj_name"] = weights[NAME_FREQUENCY]
    for column in _EXPLAINED:
        explained[column] = best.column(column).to_pylist()
    columns = list(explained)
    explanations = [
        explain(dict(zip(columns, values, strict=True)), labels)
        for values in zip(*explained.values(), strict=True)
    ]
    return pa.table(
        {
            **{c: best.column(c) for c in MATCH_ARROW.names[:7]},
            "match_probability": pa.array(
                [p if math.isfinite(p) else 0.0 for p in probabilities], pa.float64()
            ),
            "band": pa.array([bands.band(p) for p in probabilities], pa.string()),
            "contributions": contributions,
            "levels": levels,
            "explanation": pa.array(explanations, pa.string()),
        },
        schema=MATCH_ARROW,
    )


# The columns of a best row that `explain` reads besides the levels and weights.
_EXPLAINED = [
    "matched_name",
    "record_schema",
    "record_countries",
    "mention_sentence_countries",
    "mention_article_countries",
    "mention_identifiers",
    "record_identifiers",
]


def _map_array(keys: list[str], values: list[pa.Array], rows: int) -> pa.MapArray:
    """A map column whose every row has `keys` in order, the i-th key's values in `values[i]`."""
    interleaved = (
        pa.concat_arrays([v for v in values]).take(
            pa.array([k * rows + r for r in range(rows) for k in range(len(keys))], pa.int64())
        )
        if rows
        else pa.array([], values[0].type)
    )
    offsets = pa.array(range(0, rows * len(keys) + 1, len(keys)), pa.int32())
    return pa.MapArray.from_arrays(offsets, pa.array(keys * rows, pa.string()), interleaved)
