"""The cross-list Fellegi-Sunter model: comparisons, blocking, the prior, training on the
lists' own cross-references."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

from assets.linkage.backend import BackendConfig, LinkageEngine
from assets.linkage.crosslist.records import (
    group_pairs,
    split_by_source,
    training_half,
    truth_groups,
)
from assets.linkage.model_json import smooth_m

COMPARISONS = ("name", "schema", "country", "birth", "identifier")
SEED = 42
U_MAX_PAIRS = 2_000_000

# --- the model -------------------------------------------------------------------------------


def name_comparison() -> cl.CustomComparison:
    """Primary names equal, a name of one equal to a name of the other (words in any order),
    primary names close (Jaro-Winkler on the order-free key), two or one shared rare words."""
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("core"),
            cll.ExactMatchLevel("core").configure(label_for_charts="same primary name"),
            cll.ArrayIntersectLevel("name_keys", 1).configure(label_for_charts="a shared name"),
            cll.JaroWinklerLevel("sorted_core_key", 0.92).configure(
                label_for_charts="similar primary names"
            ),
            cll.ArrayIntersectLevel("rare_tokens", 2).configure(
                label_for_charts="two shared rare words"
            ),
            cll.ArrayIntersectLevel("rare_tokens", 1).configure(
                label_for_charts="a shared rare word"
            ),
            cll.ElseLevel().configure(label_for_charts="different names"),
        ],
    )


def comparisons() -> list[Any]:
    return [
        name_comparison(),
        cl.CustomComparison(
            output_column_name="schema",
            comparison_levels=[
                cll.NullLevel("schema"),
                cll.ExactMatchLevel("schema").configure(label_for_charts="same type"),
                cll.ElseLevel().configure(label_for_charts="different types"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="country",
            comparison_levels=[
                cll.NullLevel("countries"),
                cll.ArrayIntersectLevel("countries", 1).configure(
                    label_for_charts="a shared country"
                ),
                cll.ElseLevel().configure(label_for_charts="no shared country"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth",
            comparison_levels=[
                cll.NullLevel("birth_years"),
                cll.ArrayIntersectLevel("birth_dates", 1).configure(
                    label_for_charts="same date of birth"
                ),
                cll.ArrayIntersectLevel("birth_years", 1).configure(
                    label_for_charts="same year of birth"
                ),
                cll.ElseLevel().configure(label_for_charts="different birth years"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="identifier",
            comparison_levels=[
                cll.NullLevel("identifiers"),
                cll.ArrayIntersectLevel("identifiers", 1).configure(
                    label_for_charts="same identifier"
                ),
                cll.ArrayIntersectLevel("identifier_kinds", 1).configure(
                    label_for_charts="identifier of the same kind differs"
                ),
                cll.ElseLevel().configure(label_for_charts="no comparable identifier"),
            ],
        ),
    ]


def blocking_rules() -> list[Any]:
    """A shared name (any order), a shared identifier, or a shared rare word."""
    return [
        block_on("name_keys", arrays_to_explode=["name_keys"]),
        block_on("identifiers", arrays_to_explode=["identifiers"]),
        block_on("rare_tokens", arrays_to_explode=["rare_tokens"]),
    ]


RETAINED = ["source", "name", "schema"]


def settings_creator(prior: float = 1e-5) -> SettingsCreator:
    """The one declaration of the cross-list model."""
    return SettingsCreator(
        link_type="link_and_dedupe",
        unique_id_column_name="unique_id",
        # Fixed, so that the same lists give the same model file (and model version).
        linker_uid="crosslist",
        probability_two_random_records_match=prior,
        blocking_rules_to_generate_predictions=blocking_rules(),
        comparisons=comparisons(),
        additional_columns_to_retain=RETAINED,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
    )


@dataclass(frozen=True)
class CrossListModel:
    settings: dict[str, Any]
    stats: dict[str, Any] = field(default_factory=dict)


# A near-certain rule used only to estimate how many cross-list pairs there are: the same name
# and either the same date of birth or the same identifier. Its recall is measured on the
# cross-referenced pairs and divides the count.
_PRIOR_RULE_SQL = """
WITH keys AS (SELECT unique_id, unnest(name_keys) AS k FROM records),
pairs AS (
    SELECT DISTINCT a.unique_id AS l, b.unique_id AS r
    FROM keys a JOIN keys b ON a.k = b.k AND a.unique_id < b.unique_id
)
SELECT p.l, p.r FROM pairs p
JOIN records x ON x.unique_id = p.l JOIN records y ON y.unique_id = p.r
WHERE coalesce(len(list_intersect(x.birth_dates, y.birth_dates)), 0) > 0
   OR coalesce(len(list_intersect(x.identifiers, y.identifiers)), 0) > 0
"""


def estimate_prior(
    records: pa.Table, truth: Sequence[frozenset[str]]
) -> tuple[float, dict[str, float]]:
    """P(two random records match): pairs the near-certain rule finds, divided by the rule's
    recall on the cross-referenced pairs, over all pairs."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 1")
        con.register("records", records)
        found = {(str(a), str(b)) for a, b in con.execute(_PRIOR_RULE_SQL).fetchall()}
    finally:
        con.close()
    true_pairs = {tuple(sorted(p)) for g in truth for p in group_pairs(g)}
    recall = len(true_pairs & found) / len(true_pairs) if true_pairs else 1.0
    recall = max(recall, 0.05)
    n = records.num_rows
    total = n * (n - 1) / 2
    prior = min(max(len(found) / recall / total, 1e-9), 0.5) if total else 1e-5
    return prior, {"prior_rule_pairs": len(found), "prior_rule_recall": round(recall, 4)}


def linker_over(inputs: Mapping[str, Any], settings: Any) -> Linker:
    return Linker(
        list(inputs.values()),
        settings,
        log_level=logging.WARNING,
    )


# Fewer cross-referenced groups than this (e.g. only OFAC loaded) cannot train m.
MIN_TRAINING_GROUPS = 20


class NotEnoughCrossReferences(ValueError):
    """The loaded lists cross-reference too few entities to estimate the model's m."""


def train(records: pa.Table, keys: Mapping[str, frozenset[str]]) -> CrossListModel:
    """u from random pairs of listed entities, m from the cross-referenced pairs of the
    training half of the groups, the prior from a near-certain rule; on one DuckDB thread, so
    the same lists give the same model."""
    groups = truth_groups(keys)
    train_groups = [g for g in groups if training_half(g)]
    if len(train_groups) < MIN_TRAINING_GROUPS:
        raise NotEnoughCrossReferences(
            f"the loaded lists cross-reference {len(groups)} groups of entities (UN reference "
            f"numbers, IMO numbers); at least {2 * MIN_TRAINING_GROUPS} are needed to train "
            "the cross-list model"
        )
    prior, prior_stats = estimate_prior(records, groups)
    engine = LinkageEngine(BackendConfig(threads=1))
    with engine.session() as backend:
        inputs = {s: backend.register(t, s) for s, t in split_by_source(records).items()}
        linker = linker_over(inputs, settings_creator(prior))
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
        source_of = dict(
            zip(
                records.column("unique_id").to_pylist(),
                records.column("source").to_pylist(),
                strict=True,
            )
        )
        labels = [
            {
                "source_dataset_l": source_of[a],
                "unique_id_l": a,
                "source_dataset_r": source_of[b],
                "unique_id_r": b,
            }
            for g in train_groups
            for a, b in group_pairs(g)
            if a in source_of and b in source_of
        ]
        label_table = pa.Table.from_pylist(
            labels,
            schema=pa.schema(
                [
                    (c, pa.string())
                    for c in ("source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r")
                ]
            ),
        )
        linker.training.estimate_m_from_pairwise_labels(  # type: ignore[no-untyped-call]
            backend.register(label_table, "crosslist_labels")
        )
        settings = smooth_cross_list_m(linker.misc.save_model_to_json(), len(labels))
    stats = {
        "entities": records.num_rows,
        "cross_reference_groups": len(groups),
        "training_groups": len(train_groups),
        "training_pairs": len(labels),
        "prior": prior,
        **prior_stats,
    }
    return CrossListModel(settings=settings, stats=stats)


def smooth_cross_list_m(settings: dict[str, Any], pairs: int) -> dict[str, Any]:
    """One pseudo-pair added to every level of each comparison (`smooth_m`): a level that no
    cross-referenced pair reached (e.g. similar but not equal names) keeps a small m."""
    smooth_m(
        settings,
        count=lambda _name, _gamma, level: float(level.get("m_probability") or 0.0) * pairs,
        total=lambda _name: pairs,
        pseudo=lambda _name, _level, _k: 1,
        pseudo_total=lambda _name, k: k,
    )
    return settings
