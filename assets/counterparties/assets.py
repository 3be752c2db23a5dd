"""Dagster assets of counterparty screening: the files of the counterparty folder, their hits
against the lists, the re-screen on list changes, and the analysts' view.

(No `from __future__ import annotations`: Dagster reads the annotations at definition time.)
"""

from pathlib import Path

import dagster as dg

from assets.common.tables import first_row
from assets.common.warehouse import WarehouseResource
from assets.counterparties.checks import (
    COUNTERPARTY_CHECK_DESCRIPTIONS,
    EVERY_ROW_CHECK,
    every_row_screened_or_reported,
)
from assets.counterparties.resources import CounterpartySourcesResource
from assets.counterparties.screening import CounterpartyScreener
from assets.counterparties.store import (
    RESCREENS,
    changes_detected_at,
    create_counterparty_view,
    files_screened_before,
    load_records,
    store_hits,
    sync_folder,
    unscreened_files,
)
from assets.linkage.resources import LinkageResource
from assets.linkage.store import load_record_model, pending_list_changes, record_rescreen
from assets.outputs.checks import (
    COUNTERPARTY_HITS_CHECK,
    OUTPUT_CHECK_DESCRIPTIONS,
    counterparty_hits_consistent,
)
from assets.sources.checks import check_result

RECORDS_KEY = dg.AssetKey(["counterparties", "records"])
MATCHES_KEY = dg.AssetKey(["counterparties", "matches"])
LIST_CHANGE_KEY = dg.AssetKey(["counterparties", "list_change_matches"])
HITS_KEY = dg.AssetKey(["outputs", "counterparty_hits"])
LINKAGE_DEPS = [dg.AssetKey(["linkage", "list_records"]), dg.AssetKey(["linkage", "mention_model"])]

# An error that blocks: a counterparty row neither screened nor reported is one nobody looked
# at, the worst failure of screening (a sanctioned party passes unseen, where a false alarm
# only costs a review). The failed step fails `screen_counterparties` and `sanctions run`, with
# the file and the record ids, instead of letting the hits view pass for a clean result.
EVERY_ROW_SPEC = dg.AssetCheckSpec(
    EVERY_ROW_CHECK,
    asset=MATCHES_KEY,
    description=COUNTERPARTY_CHECK_DESCRIPTIONS[EVERY_ROW_CHECK],
    blocking=True,
)
# An error, not blocking, as `outputs/screening_hits`'s: the view is the last asset of its
# jobs and is read live over the tables; the red check names the hits that differ.
HITS_SPEC = dg.AssetCheckSpec(
    COUNTERPARTY_HITS_CHECK,
    asset=HITS_KEY,
    description=OUTPUT_CHECK_DESCRIPTIONS[COUNTERPARTY_HITS_CHECK],
)


@dg.asset(key=RECORDS_KEY, group_name="counterparties", kinds={"duckdb"}, pool="warehouse")
def counterparty_records(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    counterparty_sources: CounterpartySourcesResource,
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """The counterparty folder's files (CSV, JSON lines, Parquet) as typed records
    (`counterparties.records`), with every row problem (`counterparties.problems`: a row
    without a name is not screened; a malformed date, unknown country or type is ignored and
    said so). A new or changed file replaces its records; a file gone from the folder takes
    its records and hits with it; an unreadable file is rejected and its last readable
    version kept (`counterparties.files`)."""
    folder = Path(counterparty_sources.folder)
    with warehouse.get_connection() as con:
        synced = sync_folder(con, folder)
    for reason in synced.rejected.values():
        context.log.warning(f"counterparty file rejected: {reason}")
    return dg.MaterializeResult(
        metadata={
            "folder": str(folder),
            "files_new_or_changed": len(synced.accepted),
            "files_unchanged": len(synced.unchanged),
            "files_removed": len(synced.removed),
            "files_rejected": ", ".join(synced.rejected) or "none",
            "records_read": synced.records,
            "row_problems": synced.problems,
        }
    )


@dg.asset(
    key=MATCHES_KEY,
    group_name="counterparties",
    deps=[RECORDS_KEY, *LINKAGE_DEPS],
    check_specs=[EVERY_ROW_SPEC],
    kinds={"duckdb", "splink"},
    pool="warehouse",
)
def counterparty_matches(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, linkage: LinkageResource
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """Every record of the new or changed counterparty files screened against the lists with
    the record model (`counterparties.hits`): the best list name per (record, entity) at or
    above the review band, with probability, band and explanation."""
    model = load_record_model(Path(linkage.model_dir))
    bands = linkage.record_bands(model.bands)
    counts = {"files": 0, "records": 0, "hits": 0, "match_band": 0}
    with warehouse.get_connection() as con:
        pending = unscreened_files(con)
        if pending:
            screener = CounterpartyScreener.from_warehouse(
                con, Path(linkage.model_dir), bands, linkage.record_birth_year_tolerance
            )
        for path in pending:
            records = load_records(con, path)
            hits = screener.screen(records)
            store_hits(con, path, hits, model_version=model.version, trigger="file")
            context.log.info(f"{path}: {len(records)} records, {len(hits)} hits")
            counts["files"] += 1
            counts["records"] += len(records)
            counts["hits"] += len(hits)
            counts["match_band"] += sum(1 for h in hits if h["band"] == "match")
        every_row = every_row_screened_or_reported(con)
    return dg.MaterializeResult(
        metadata={**counts, "model_version": model.version},
        check_results=[check_result(every_row, dg.AssetCheckSeverity.ERROR)],
    )


@dg.asset(
    key=LIST_CHANGE_KEY,
    group_name="counterparties",
    deps=[RECORDS_KEY, *LINKAGE_DEPS],
    kinds={"duckdb", "splink"},
    pool="warehouse",
)
def counterparty_list_change_matches(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, linkage: LinkageResource
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """Re-screening of the stored counterparty files on list changes: every record of every
    file screened before an accepted publication added or modified entities is scored against
    those entities only; their hits replace the file's earlier hits with them (`trigger =
    'list_change'`). Each publication is re-screened once (`counterparties.rescreens`)."""
    model = load_record_model(Path(linkage.model_dir))
    bands = linkage.record_bands(model.bands)
    total, publications = 0, 0
    with warehouse.get_connection() as con:
        pending = pending_list_changes(con, RESCREENS)
        screener = (
            CounterpartyScreener.from_warehouse(
                con, Path(linkage.model_dir), bands, linkage.record_birth_year_tolerance
            )
            if pending
            else None
        )
        for (source, sha), entities in pending.items():
            files = files_screened_before(con, changes_detected_at(con, source, sha))
            assert screener is not None
            hits_here, records_here = 0, 0
            for path in files:
                records = load_records(con, path)
                hits = screener.screen(records, entity_filter=entities)
                hits_here += store_hits(
                    con,
                    path,
                    hits,
                    model_version=model.version,
                    trigger="list_change",
                    entities=entities,
                )
                records_here += len(records)
            record_rescreen(con, source, sha, len(entities), records_here, hits_here, RESCREENS)
            context.log.info(
                f"{source} {sha[:12]}: {len(entities)} changed entities, "
                f"{len(files)} files, {hits_here} hits"
            )
            total += hits_here
            publications += 1
    return dg.MaterializeResult(metadata={"publications": publications, "hits": total})


@dg.asset(
    key=HITS_KEY,
    group_name="counterparties",
    deps=[MATCHES_KEY, LIST_CHANGE_KEY],
    check_specs=[HITS_SPEC],
    kinds={"duckdb"},
    pool="warehouse",
)
def counterparty_hits(warehouse: WarehouseResource) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """`outputs.counterparty_hits`, the analysts' view of counterparty screening: one row per
    (record, listed entity) hit with the file, the record (id, name, type, country, birth date
    and its other columns), the entity's caption, list, schema and programs, the band,
    probability, a one-line explanation and the standing analyst decision. A hit decided
    not_match (`sanctions review-record`) is held back while the record and the entity's
    listing are unchanged (the good-guy list, `outputs.counterparty_suppressed`)."""
    with warehouse.get_connection() as con:
        create_counterparty_view(con)
        bands = dict(
            con.execute(
                "SELECT band, count(*) FROM outputs.counterparty_hits GROUP BY 1"
            ).fetchall()
        )
        held_back = first_row(con.execute("SELECT count(*) FROM outputs.counterparty_suppressed"))
        top = con.execute(
            "SELECT file, record_id, query, entity_id, probability, band, explanation "
            "FROM outputs.counterparty_hits ORDER BY probability DESC LIMIT 10"
        ).fetchall()
        consistent = counterparty_hits_consistent(con)
    rows = "\n".join("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |" for row in top)
    return dg.MaterializeResult(
        metadata={
            **{f"{band}_hits": n for band, n in bands.items()},
            "held_back_by_decisions": int(held_back[0]) if held_back else 0,
            "top_hits": dg.MetadataValue.md(
                "| file | record | name | entity | probability | band | explanation |\n"
                "|---|---|---|---|---|---|---|\n" + rows
            ),
        },
        check_results=[check_result(consistent, dg.AssetCheckSeverity.ERROR)],
    )
