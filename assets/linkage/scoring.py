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

import pyarrow as pa

from assets.linkage.backend import LinkageEngine
from assets.linkage.settings import COMPARISON_NAMES
from assets.linkage.splink_run import LIST_RECORDS, MENTIONS, splink_session


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


def _side(row: Mapping[str, Any], column: str, mention_left: bool, mention: bool) -> Any:
    suffix = ("_l" if mention_left else "_r") if mention else ("_r" if mention_left else "_l")
    return row.get(column + suffix)


def explain(
    row: Mapping[str, Any], labels: Mapping[str, Mapping[int, str]], mention_left: bool
) -> str:
    """One readable line from a prediction row's comparison levels and their weights."""

    def side(col: str, mention: bool) -> Any:
        return _side(row, col, mention_left, mention)

    parts = []
    name_gamma = int(row["gamma_name"])
    parts.append(
        f"name '{side('name', False)}' {labels['name'][name_gamma].lower()} "
        f"({row['mw_name'] + (row.get('mw_tf_adj_name') or 0.0):+.1f})"
    )
    schema_gamma = int(row["gamma_schema"])
    if schema_gamma >= 0:
        agree = "agrees" if schema_gamma == 2 else labels["schema"][schema_gamma].lower()
        parts.append(f"type {side('schema', False)} {agree} ({row['mw_schema']:+.1f})")
    country_gamma = int(row["gamma_country"])
    if country_gamma >= 0:
        record = set(side("countries", False) or [])
        named = set(side("sentence_countries", True) or []) | set(
            side("article_countries", True) or []
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
            set(row.get("identifiers_l") or []) & set(row.get("identifiers_r") or [])
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
        import pyarrow.compute as pc

        list_records = list_records.filter(pc.is_in(list_records.column("entity_id"), wanted))
        if list_records.num_rows == 0:
            return MATCH_ARROW.empty_table()
    labels = level_labels(settings)
    with splink_session(mentions, list_records, dict(settings), tf_core, engine=engine) as session:
        predictions = session.linker.inference.predict(
            threshold_match_probability=bands.review,
            num_chunks_right=num_chunks_right,
            warning_mode="never",
        )
        rows = session.read(predictions).to_pylist()
        if waterfall_html is not None and rows:
            top = sorted(rows, key=lambda r: -float(r["match_weight"]))[:10]
            chart = session.linker.visualisations.waterfall_chart(top, filter_nulls=False)
            write_chart(chart.to_html(inline=True), waterfall_html)
    return _best_per_entity(rows, labels, bands)


def write_chart(html: str, path: Path) -> None:
    """Write a standalone chart (its JavaScript inline, so it opens offline) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)


def _best_per_entity(
    rows: list[dict[str, Any]], labels: Mapping[str, Mapping[int, str]], bands: Bands
) -> pa.Table:
    best: dict[tuple[str, str], dict[str, Any]] = {}
    exact_name = max(labels["name"])
    for row in rows:
        mention_left = row["source_dataset_l"] == MENTIONS
        assert row["source_dataset_r" if mention_left else "source_dataset_l"] == LIST_RECORDS
        record = "_r" if mention_left else "_l"
        mention = "_l" if mention_left else "_r"
        # Weak aliases (OFAC "weak", low-quality a.k.a.s) only ever match exactly.
        if row["name_kind" + record] == "weak_alias" and int(row["gamma_name"]) != exact_name:
            continue
        probability = float(row["match_probability"])
        band = bands.band(probability)
        if band is None:
            continue
        key = (row["unique_id" + mention], row["entity_id" + record])
        if key in best and best[key]["match_weight"] >= row["match_weight"]:
            continue
        contributions = {c: float(row[f"mw_{c}"]) for c in COMPARISON_NAMES}
        contributions["name_frequency"] = float(row.get("mw_tf_adj_name") or 0.0)
        best[key] = {
            "mention_id": key[0],
            "entity_id": key[1],
            "record_id": row["unique_id" + record],
            "matched_name": row["name" + record],
            "name_kind": row["name_kind" + record],
            "mention_name": row["name" + mention],
            "match_weight": float(row["match_weight"]),
            "match_probability": probability if math.isfinite(probability) else 0.0,
            "band": band,
            "contributions": list(contributions.items()),
            "levels": [(c, labels[c][int(row[f"gamma_{c}"])]) for c in COMPARISON_NAMES],
            "explanation": explain(row, labels, mention_left),
        }
    ordered = sorted(best.values(), key=lambda r: (r["mention_id"], -r["match_weight"]))
    return pa.Table.from_pylist(ordered, schema=MATCH_ARROW)
