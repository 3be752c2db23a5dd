"""Dagster assets of the linkage stage.

(No `from __future__ import annotations`: Dagster reads the annotations at definition time.)
"""

import json
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from assets.articles.assets import LIST_KEYS, article_batches
from assets.articles.store import load_mentions_by_id, mention_chunks, mention_name_chunks
from assets.common.atomic import write_text_atomically
from assets.common.warehouse import WarehouseResource
from assets.linkage import crosslist
from assets.linkage.backend import LinkageEngine, linkage_engine
from assets.linkage.checks import (
    MATCH_CHECK_DESCRIPTIONS,
    MATCHES_FOR_MENTIONS,
    ONE_MODEL_VERSION,
    batch_has_matches,
    batch_model_versions,
)
from assets.linkage.resources import LinkageResource
from assets.linkage.screen import Screener
from assets.linkage.splink_run import match_weights_html
from assets.linkage.store import (
    CROSSLIST_MODEL_FILE,
    MODEL_FILE,
    list_records_table,
    load_model,
    pending_list_changes,
    rebuild_list_records,
    record_rescreen,
    save_crosslist_model,
    store_canonical_entities,
    store_matches,
)
from assets.sources.checks import check_result

LIST_RECORDS_KEY = dg.AssetKey(["linkage", "list_records"])
MODEL_KEY = dg.AssetKey(["linkage", "mention_model"])
CANONICAL_KEY = dg.AssetKey(["linkage", "canonical_entities"])
MATCHES_KEY = dg.AssetKey(["linkage", "matches"])


def _screener(
    con: duckdb.DuckDBPyConnection, linkage: LinkageResource, engine: LinkageEngine
) -> Screener:
    """The one scorer over the warehouse's lists with the committed model, on `engine`, in
    the model's bands unless the resource sets others."""
    model_dir = Path(linkage.model_dir)
    return Screener.from_warehouse(
        con,
        model_dir,
        linkage.bands(load_model(model_dir).bands),
        engine=engine,
        num_chunks_right=linkage.num_chunks_right,
    )


# The checks of one batch's matches, evaluated in the asset's step on the partition it scored
# (each evaluation belongs to that partition's materialization), so they run wherever the asset
# runs: `screen_batch` from the inbox sensor, the feed schedule, `sanctions run`.
# - matches_for_mentions warns: a batch whose news names no listed entity rightly has no
#   match, so failing it (or blocking) would stop healthy runs and the outputs refresh.
# - one_model_version is an error and blocks: probabilities of two models in one batch are not
#   comparable and the bands mean nothing; the failed step fails the run, so the outputs
#   refresh (launched only after a successful `screen_batch`) does not publish it, and
#   `sanctions run` stops saying which check failed.
MATCH_CHECK_SEVERITY = {
    MATCHES_FOR_MENTIONS: dg.AssetCheckSeverity.WARN,
    ONE_MODEL_VERSION: dg.AssetCheckSeverity.ERROR,
}
MATCH_CHECKS = [
    dg.AssetCheckSpec(
        name,
        asset=MATCHES_KEY,
        description=text,
        blocking=MATCH_CHECK_SEVERITY[name] == dg.AssetCheckSeverity.ERROR,
    )
    for name, text in MATCH_CHECK_DESCRIPTIONS.items()
]


@dg.asset(
    key=LIST_RECORDS_KEY,
    group_name="linkage",
    deps=LIST_KEYS,
    kinds={"duckdb"},
    pool="warehouse",
)
def list_records(warehouse: WarehouseResource) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """Every list name analysed for linkage (`linkage.list_records`): normalised and
    transliterated, legal form split off, order-free and phonetic keys, rare tokens, and the
    entity's schema, countries, birth years, identifiers, the titles and organisations of its
    listed positions, and the names of the entities the lists link it to (OFAC's "Linked To",
    UN reference numbers), which decide between listed namesakes."""
    with warehouse.get_connection() as con:
        count = rebuild_list_records(con)
        kinds = dict(
            con.execute(
                "SELECT name_kind, count(*) FROM linkage.list_records GROUP BY 1"
            ).fetchall()
        )
    return dg.MaterializeResult(
        metadata={"names": count, **{f"{k}_names": v for k, v in kinds.items()}}
    )


@dg.asset(
    key=MODEL_KEY,
    group_name="linkage",
    deps=[LIST_RECORDS_KEY],
    kinds={"splink"},
    pool="warehouse",
)
def mention_model(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    linkage: LinkageResource,
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """The Splink model scoring mentions against list names: the committed, versioned model in
    `data/models/mention_linkage.json` (`linkage.model_dir`), checked against the loaded lists.
    It is trained by `sanctions train`, not here, so that a run never rewrites it: m from the
    lists' own alias and cross-list pairs and from labelled real news and the team's samples
    (their facts in `data/training/news_mentions.jsonl`), u by random sampling, the prior and
    bands calibrated on the labelled news."""
    model = load_model(Path(linkage.model_dir))
    with warehouse.get_connection() as con:
        # Raises when the records lack a column the model compares (built by an older version).
        list_records_table(con)
    chart = Path(linkage.charts_dir) / "match_weights.html"
    write_text_atomically(chart, match_weights_html(model.settings))
    stats = model.meta.get("stats", {})
    context.log.info(f"model {model.version} from {linkage.model_dir}")
    return dg.MaterializeResult(
        metadata={
            "version": model.version,
            "path": str(Path(linkage.model_dir) / MODEL_FILE),
            "match_weights_chart": dg.MetadataValue.url(f"{linkage.charts_url}/{chart.name}"),
            "match_weights_file": dg.MetadataValue.path(str(chart.resolve())),
            **{k: v for k, v in stats.items() if isinstance(v, int | float)},
            "unobserved_levels": ", ".join(stats.get("unobserved_levels", [])) or "none",
        }
    )


@dg.asset(
    key=MATCHES_KEY,
    group_name="linkage",
    partitions_def=article_batches,
    deps=[dg.AssetKey(["articles", "mentions"]), LIST_RECORDS_KEY, MODEL_KEY],
    check_specs=MATCH_CHECKS,
    kinds={"duckdb", "splink"},
    pool="warehouse",
)
def matches(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, linkage: LinkageResource
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """Every mention of the batch scored against every list name its blocking rules pair it
    with (`linkage.matches`): the best name per (mention, entity) in the review band or above,
    with match weight, probability, each comparison's contribution, the band and a one-line
    explanation."""
    batch = context.partition_key
    with warehouse.get_connection() as con:
        waterfall = Path(linkage.charts_dir) / f"waterfall_{batch}.html"
        with linkage_engine(linkage.backend_config(warehouse.database)) as engine:
            screener = _screener(con, linkage, engine)
            model = screener.model
            try:
                screened = screener.score_chunks(
                    mention_chunks(con, "batch_id = ?", [batch]), waterfall_html=waterfall
                )
            finally:
                screener.close()
        scored = screened.matches
        written = store_matches(
            con,
            scored,
            batch_id=batch,
            model_version=model.version,
            trigger="batch",
            replace_where="batch_id = ? AND trigger = 'batch'",
            replace_params=[batch],
        )
        outcomes = [
            batch_has_matches(con, batch),
            batch_model_versions(con, batch, model.version),
        ]
    bands_count = {"match": 0, "review": 0}
    for band in scored.column("band").to_pylist():
        bands_count[band] += 1
    preview = "\n".join(
        f"| {r['mention_name']} | {r['entity_id']} | {r['matched_name']} "
        f"| {r['match_probability']:.3f} | {r['band']} | {r['explanation']} |"
        for r in sorted(scored.to_pylist(), key=lambda r: -r["match_probability"])[:10]
    )
    return dg.MaterializeResult(
        metadata={
            "mentions": screened.mentions,
            "matches": written,
            "match_band": bands_count["match"],
            "review_band": bands_count["review"],
            "model_version": model.version,
            "waterfall_chart": dg.MetadataValue.url(f"{linkage.charts_url}/{waterfall.name}"),
            "waterfall_file": dg.MetadataValue.path(str(waterfall.resolve())),
            "top_hits": dg.MetadataValue.md(
                "| mention | entity | list name | probability | band | explanation |\n"
                "|---|---|---|---|---|---|\n" + preview
            ),
        },
        check_results=[check_result(o, MATCH_CHECK_SEVERITY[o.name]) for o in outcomes],
    )


@dg.asset(
    key=["linkage", "list_change_matches"],
    group_name="linkage",
    deps=[LIST_RECORDS_KEY, MODEL_KEY],
    kinds={"duckdb", "splink"},
    pool="warehouse",
)
def list_change_matches(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, linkage: LinkageResource
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """Re-screening on list changes: every stored mention of the article archive scored
    against the entities that newly accepted publications added or modified (from
    `sources.changes`), written to `linkage.matches` with `trigger = 'list_change'` and the
    publication they came from. A designation made today that matches a mention in last
    month's news shows up in `outputs.screening_hits`. Each publication is re-screened once
    (`linkage.rescreens`)."""
    with warehouse.get_connection() as con:
        pending = pending_list_changes(con)
        if not pending:
            return dg.MaterializeResult(metadata={"publications": 0, "hits": 0})
        changed = sorted({entity for entities in pending.values() for entity in entities})
        with linkage_engine(linkage.backend_config(warehouse.database)) as engine:
            screener = _screener(con, linkage, engine)
            model = screener.model
            try:
                # The archive is read and scored chunk after chunk of whole articles; its hits
                # (with changed entities only) are few enough to hold until written.
                rescreened = screener.rescreen_chunks(
                    mention_name_chunks(con),
                    changed,
                    lambda ids: load_mentions_by_id(con, ids),
                    progress=lambda done: context.log.info(f"{done} stored mentions re-screened"),
                )
            finally:
                screener.close()
        scored, mentions = rescreened.matches, rescreened.mentions
        total = 0
        for (source, sha), entities in pending.items():
            # Each publication's matches replace its entities' in one transaction.
            hits = store_matches(
                con,
                scored.filter(pc.is_in(scored.column("entity_id"), pa.array(entities))),
                batch_id=None,
                model_version=model.version,
                trigger="list_change",
                replace_where="trigger = 'list_change' AND list_contains(?, entity_id)",
                replace_params=[entities],
            )
            record_rescreen(con, source, sha, len(entities), mentions, hits)
            context.log.info(f"{source} {sha[:12]}: {len(entities)} changed entities, {hits} hits")
            total += hits
    return dg.MaterializeResult(
        metadata={"publications": len(pending), "mentions": mentions, "hits": total}
    )


@dg.asset(
    key=CANONICAL_KEY,
    group_name="linkage",
    deps=[LIST_RECORDS_KEY],
    kinds={"duckdb", "splink"},
    pool="warehouse",
)
def canonical_entities(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, linkage: LinkageResource
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """Cross-list resolution (`linkage.canonical_entities`): the same person, company or vessel
    on the OFAC, UN, UK and EU lists as one canonical entity. Splink `link_and_dedupe` over one
    record per listed entity (all its names, dates of birth, countries, identifiers, type),
    with the committed model in `data/models/crosslist_linkage.json` (trained by `sanctions
    train` on the lists themselves: u from random pairs, m from the pairs the lists
    cross-reference by UN reference number or IMO number; trained here only when there is
    none), clustered at
    `linkage.crosslist_threshold`. One row per listed entity: canonical id, cluster size, every
    list the canonical entity is on, and the evidence of its strongest link. Scored pairs in
    `linkage.canonical_links`; precision and recall against the cross-references in the
    metadata."""
    threshold = linkage.crosslist_threshold
    with warehouse.get_connection() as con:
        records = crosslist.entity_records(con)
        keys = crosslist.cross_references(con)
    model_dir = Path(linkage.model_dir)
    path = model_dir / CROSSLIST_MODEL_FILE
    if path.exists():
        # The committed model (`sanctions train` retrains it): a run never rewrites it.
        model = crosslist.CrossListModel(json.loads(path.read_text()), {"retrained": 0})
    else:
        try:
            model = crosslist.train(records, keys)
        except crosslist.NotEnoughCrossReferences as exc:
            raise dg.Failure(f"{exc}, and there is no saved model at {path}") from exc
        context.log.warning(f"no cross-list model at {path}: trained one on the loaded lists")
        save_crosslist_model(
            model_dir, model.settings, crosslist.model_version(model.settings), model.stats
        )
    version = crosslist.model_version(model.settings)
    with linkage_engine(linkage.backend_config(warehouse.database)) as engine:
        resolution = crosslist.resolve(records, model.settings, threshold, engine=engine)
    canonical = crosslist.canonical_entities(records, resolution, threshold)
    quality = crosslist.evaluate(resolution.pairs, resolution.clusters, keys, threshold)
    with warehouse.get_connection() as con:
        count = store_canonical_entities(
            con, canonical, resolution.pairs, model_version=version, threshold=threshold
        )
    sizes = canonical.column("cluster_size").to_pylist()
    context.log.info(
        f"{len(sizes)} listed entities -> {count} canonical entities ({linkage.backend}); "
        f"pairwise P/R {quality.pairwise_precision}/{quality.pairwise_recall}"
    )
    return dg.MaterializeResult(
        metadata={
            "listed_entities": len(sizes),
            "canonical_entities": count,
            "on_several_lists": len(
                {
                    c
                    for c, n in zip(
                        canonical.column("canonical_id").to_pylist(), sizes, strict=True
                    )
                    if n > 1
                }
            ),
            "threshold": threshold,
            "backend": linkage.backend,
            "model_version": version,
            "model_path": str(path),
            **{f"quality_{k}": v for k, v in quality.as_dict().items()},
            **{k: v for k, v in model.stats.items() if isinstance(v, int | float)},
        }
    )
