"""Cross-list resolution on every bundled list: precision and recall against the lists' own
cross-references (UN reference numbers quoted by the UK, EU and OFAC records; IMO numbers),
pairwise and per cluster, at several thresholds; on all cross-referenced groups and on the
held-out half the model's m was not estimated from; and the time each step takes."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb

from assets.linkage import crosslist
from assets.linkage.resources import LinkageResource
from assets.linkage.store import rebuild_list_records
from assets.sources.registry import LIST_SPECS
from benchmarks.lists import _materialize
from benchmarks.report import table, write_section

THRESHOLDS = (0.3, 0.5, 0.7, 0.9, 0.99)


def bench_crosslist() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _materialize(list(LIST_SPECS), folder)
        with duckdb.connect(str(folder / "w.duckdb")) as con:
            rebuild_list_records(con)
            started = time.perf_counter()
            records = crosslist.entity_records(con)
            keys = crosslist.cross_references(con)
            records_s = time.perf_counter() - started
    started = time.perf_counter()
    model = crosslist.train(records, keys)
    train_s = time.perf_counter() - started
    groups = crosslist.truth_groups(keys)
    held_out = [g for g in groups if not crosslist.training_half(g)]
    default = LinkageResource().crosslist_threshold
    rows = []
    resolve_s = 0.0
    canonical_rows: list[dict[str, object]] = []
    for threshold in THRESHOLDS:
        started = time.perf_counter()
        resolution = crosslist.resolve(records, model.settings, threshold)
        elapsed = time.perf_counter() - started
        if threshold == default:
            resolve_s = elapsed
            canonical_rows = crosslist.canonical_entities(
                records, resolution, threshold
            ).to_pylist()
        for label, only in (("all", None), ("held out", held_out)):
            q = crosslist.evaluate(resolution.pairs, resolution.clusters, keys, threshold, only)
            rows.append(
                [
                    threshold,
                    label,
                    q.true_groups,
                    q.judged_pairs,
                    q.pairwise_precision,
                    q.pairwise_recall,
                    q.cluster_precision,
                    q.cluster_recall,
                ]
            )
    clusters = {str(r["canonical_id"]): r["lists"] for r in canonical_rows}
    combos = Counter(", ".join(v) for v in clusters.values() if len(v) > 1)  # type: ignore[arg-type]
    sizes = Counter(int(r["cluster_size"]) for r in canonical_rows)  # type: ignore[call-overload]
    stats = model.stats
    return "\n\n".join(
        [
            "## Cross-list entity resolution (all bundled lists)",
            f"{records.num_rows:,} listed entities; {len(groups)} groups of entities that the "
            f"lists cross-reference ({sum(len(g) for g in groups)} entities, "
            f"{sum(len(g) * (len(g) - 1) // 2 for g in groups)} pairs); m estimated from the "
            f"{stats['training_pairs']} pairs of a fixed half of the groups "
            f"({stats['training_groups']}), u from random pairs, prior "
            f"{stats['prior']:.2e} (a near-certain rule found {stats['prior_rule_pairs']} pairs "
            f"at a measured recall of {stats['prior_rule_recall']}). Default threshold "
            f"{default} (`linkage.crosslist_threshold`).",
            "Only pairs of two entities that both carry a key of the same kind are judged (a UN "
            "reference, an IMO number); pairs the lists say nothing about (an OFAC person and "
            "the UN record of the same person: the bundled OFAC file quotes no UN reference) "
            "are neither right nor wrong here. Cluster precision: predicted clusters holding a "
            "judged pair with none wrong; cluster recall: cross-referenced groups whose members "
            "all landed in one cluster. IMO numbers are also a model feature (as identifiers), "
            "UN reference numbers are not.",
            table(
                [
                    "threshold",
                    "groups",
                    "true groups",
                    "judged pairs",
                    "pairwise P",
                    "pairwise R",
                    "cluster P",
                    "cluster R",
                ],
                rows,
            ),
            f"At {default}: {len(clusters):,} canonical entities; cluster sizes "
            + ", ".join(f"{n}: {c:,}" for n, c in sorted(sizes.items()))
            + " (listed entities by the size of their cluster). Most common combinations: "
            + "; ".join(f"{k} ({v})" for k, v in combos.most_common(6))
            + ".",
            table(
                ["step", "seconds"],
                [
                    ["entity records + cross-references", round(records_s, 1)],
                    ["training (u sampling, m from labels, prior)", round(train_s, 1)],
                    [f"predict + cluster at {default} (DuckDB)", round(resolve_s, 1)],
                ],
            ),
        ]
    )


def main() -> None:
    write_section("crosslist", bench_crosslist())


if __name__ == "__main__":
    main()
