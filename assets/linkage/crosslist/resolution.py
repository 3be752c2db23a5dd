"""Prediction, clustering into canonical entities at a threshold."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from assets.linkage.backend import DUCKDB_ENGINE, LinkageEngine
from assets.linkage.crosslist.model import COMPARISONS, linker_over
from assets.linkage.crosslist.records import list_label, split_by_source
from assets.linkage.model_json import level_labels

# Candidate pairs below this are not kept at all; clustering uses its own, higher threshold.
PREDICT_FLOOR = 0.5

# --- prediction and clustering --------------------------------------------------------------

PAIR_SCHEMA = pa.schema(
    [
        ("entity_id_l", pa.string()),
        ("entity_id_r", pa.string()),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        ("levels", pa.map_(pa.string(), pa.string())),
        ("explanation", pa.string()),
    ]
)


@dataclass(frozen=True)
class Resolution:
    pairs: pa.Table  # PAIR_SCHEMA, every candidate pair at or above PREDICT_FLOOR
    clusters: dict[str, str]  # entity_id -> cluster id (Splink's: the smallest member id)


def resolve(
    records: pa.Table,
    settings: Mapping[str, Any],
    threshold: float,
    engine: LinkageEngine | None = None,
    floor: float = PREDICT_FLOOR,
) -> Resolution:
    """Score every candidate pair of listed entities and cluster at `threshold` (connected
    components), on the engine's backend (DuckDB in memory by default). Pairs below `floor`
    (or the threshold, if lower) are not kept."""
    engine = engine or DUCKDB_ENGINE
    labels = level_labels(settings)
    with engine.session() as backend:
        inputs = {s: backend.register(t, s) for s, t in split_by_source(records).items()}
        linker = linker_over(inputs, backend.settings(json.loads(json.dumps(settings))))
        predictions = linker.inference.predict(
            threshold_match_probability=min(floor, threshold), warning_mode="never"
        )
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        rows = backend.read(predictions).to_pylist()
        cluster_rows = backend.read(clustered).select(["unique_id", "cluster_id"]).to_pylist()
    pairs = []
    for row in rows:
        left, right = sorted((str(row["unique_id_l"]), str(row["unique_id_r"])))
        levels = [(c, labels[c][int(row[f"gamma_{c}"])]) for c in COMPARISONS]
        pairs.append(
            {
                "entity_id_l": left,
                "entity_id_r": right,
                "match_weight": float(row["match_weight"]),
                "match_probability": float(row["match_probability"]),
                "levels": levels,
                "explanation": "; ".join(
                    f"{c}: {label}" for c, label in levels if label != "no data"
                ),
            }
        )
    pairs.sort(key=lambda p: (p["entity_id_l"], p["entity_id_r"]))
    clusters = {str(r["unique_id"]): str(r["cluster_id"]) for r in cluster_rows}
    return Resolution(pa.Table.from_pylist(pairs, schema=PAIR_SCHEMA), clusters)


# --- canonical entities ----------------------------------------------------------------------

CANONICAL_SCHEMA = pa.schema(
    [
        ("canonical_id", pa.string()),
        ("entity_id", pa.string()),
        ("source", pa.string()),
        ("cluster_size", pa.int32()),
        ("lists", pa.list_(pa.string())),
        ("linked_to", pa.string()),
        ("link_probability", pa.float64()),
        ("evidence", pa.string()),
    ]
)


def canonical_id(members: Iterable[str]) -> str:
    """`canon:<smallest member entity id>`: stable while that listing exists, and readable."""
    return "canon:" + min(members)


def canonical_entities(records: pa.Table, resolution: Resolution, threshold: float) -> pa.Table:
    """One row per listed entity: its canonical entity, the cluster's size and lists, and the
    evidence: the strongest pair at or above the threshold that ties it to another member."""
    source_of: dict[str, str] = dict(
        zip(
            records.column("unique_id").to_pylist(),
            records.column("source").to_pylist(),
            strict=True,
        )
    )
    members: dict[str, list[str]] = {}
    for entity in source_of:
        members.setdefault(resolution.clusters.get(entity, entity), []).append(entity)
    best: dict[str, dict[str, Any]] = {}
    for pair in resolution.pairs.to_pylist():
        if pair["match_probability"] < threshold:
            continue
        for me, other in (
            (pair["entity_id_l"], pair["entity_id_r"]),
            (pair["entity_id_r"], pair["entity_id_l"]),
        ):
            if me not in best or pair["match_weight"] > best[me]["match_weight"]:
                best[me] = {**pair, "other": other}
    rows = []
    for group in members.values():
        cid = canonical_id(group)
        lists = sorted({list_label(source_of[m]) for m in group})
        for entity in sorted(group):
            link = best.get(entity) if len(group) > 1 else None
            rows.append(
                {
                    "canonical_id": cid,
                    "entity_id": entity,
                    "source": source_of[entity],
                    "cluster_size": len(group),
                    "lists": lists,
                    "linked_to": link["other"] if link else None,
                    "link_probability": link["match_probability"] if link else None,
                    "evidence": link["explanation"] if link else None,
                }
            )
    rows.sort(key=lambda r: (r["canonical_id"], r["entity_id"]))
    return pa.Table.from_pylist(rows, schema=CANONICAL_SCHEMA)
