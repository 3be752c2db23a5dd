"""Precision and recall of the resolution against the lists' cross-references."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from assets.linkage.crosslist.records import group_pairs, truth_groups

# --- precision and recall against the cross-references ----------------------------------------


@dataclass(frozen=True)
class Quality:
    pairwise_precision: float
    pairwise_recall: float
    cluster_precision: float
    cluster_recall: float
    judged_pairs: int
    true_pairs: int
    true_groups: int
    predicted_groups: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: v for k, v in self.__dict__.items()}


def _kinds(entity_keys: frozenset[str]) -> set[str]:
    return {k.split(":", 1)[0] for k in entity_keys}


def _comparable(keys: Mapping[str, frozenset[str]], a: str, b: str) -> bool:
    return a in keys and b in keys and bool(_kinds(keys[a]) & _kinds(keys[b]))


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def evaluate(
    pairs: pa.Table,
    clusters: Mapping[str, str],
    keys: Mapping[str, frozenset[str]],
    threshold: float,
    only_groups: Sequence[frozenset[str]] | None = None,
) -> Quality:
    """Precision and recall where the lists' cross-references decide.

    Only pairs of two entities that both carry a key of the same kind (a UN reference, an IMO
    number) are judged; two such entities are the same iff they share a key. (An OFAC record
    of a North Korean shipping company carries the company's IMO number, the UK record of the
    same company its UN reference: nothing says whether they are one, so that pair is not
    judged.) Pairwise: the scored pairs at or above the threshold. Cluster: a true group (the
    entities joined by shared keys) is found when all its members are in one predicted
    cluster; a predicted cluster holding a judged pair is right when none of its judged pairs
    is wrong. `only_groups` restricts the measure to those groups' members (e.g. the held-out
    half)."""
    groups = truth_groups(keys) if only_groups is None else list(only_groups)
    scope = set(keys) if only_groups is None else {e for g in groups for e in g}
    true_pairs = {p for g in groups for p in group_pairs(g)}
    predicted = {
        (a, b)
        for a, b, p in zip(
            pairs.column("entity_id_l").to_pylist(),
            pairs.column("entity_id_r").to_pylist(),
            pairs.column("match_probability").to_pylist(),
            strict=True,
        )
        if p >= threshold and _comparable(keys, a, b) and (a in scope or b in scope)
    }
    correct = {p for p in predicted if keys[p[0]] & keys[p[1]]}
    found = true_pairs & predicted
    members: dict[str, set[str]] = {}
    for entity, cluster in clusters.items():
        members.setdefault(cluster, set()).add(entity)
    cluster_of = {e: c for c, m in members.items() for e in m}
    judged_clusters = 0
    right_clusters = 0
    for group in members.values():
        judged = [
            (a, b)
            for a, b in group_pairs(e for e in group if e in keys)
            if _comparable(keys, a, b) and (a in scope or b in scope)
        ]
        if judged:
            judged_clusters += 1
            right_clusters += all(keys[a] & keys[b] for a, b in judged)
    recovered = [g for g in groups if len({cluster_of.get(e, e) for e in g}) == 1]
    return Quality(
        pairwise_precision=round(_ratio(len(correct), len(predicted)), 4),
        pairwise_recall=round(_ratio(len(found), len(true_pairs)), 4),
        cluster_precision=round(_ratio(right_clusters, judged_clusters), 4),
        cluster_recall=round(_ratio(len(recovered), len(groups)), 4),
        judged_pairs=len(predicted),
        true_pairs=len(true_pairs),
        true_groups=len(groups),
        predicted_groups=judged_clusters,
    )
