"""Dagster assets of the outputs stage.

(No `from __future__ import annotations`: Dagster reads the annotations at definition time.)
"""

from pathlib import Path

import dagster as dg

from assets.common.warehouse import WarehouseResource
from assets.outputs.checks import (
    OUTPUT_CHECK_DESCRIPTIONS,
    SCREENING_HITS_CHECK,
    screening_hits_consistent,
)
from assets.outputs.exports import write_canonical_exports
from assets.outputs.views import create_output_views
from assets.outputs.workbench import top_hits, top_hits_markdown
from assets.sources.checks import check_result

SCREENING_HITS_KEY = dg.AssetKey(["outputs", "screening_hits"])

# An error, not blocking: a view that shows a match twice or hides one is wrong, and the check
# turns red in the UI naming the matches that differ; but the view is the last asset of its
# jobs (nothing downstream to hold back) and is read live over the tables, so failing the run
# would protect nothing and only stop `sanctions run` before it reports.
SCREENING_HITS_SPEC = dg.AssetCheckSpec(
    SCREENING_HITS_CHECK,
    asset=SCREENING_HITS_KEY,
    description=OUTPUT_CHECK_DESCRIPTIONS[SCREENING_HITS_CHECK],
)


@dg.asset(
    key=SCREENING_HITS_KEY,
    group_name="outputs",
    deps=[
        dg.AssetKey(["linkage", "matches"]),
        dg.AssetKey(["linkage", "list_change_matches"]),
        dg.AssetKey(["linkage", "canonical_entities"]),
    ],
    check_specs=[SCREENING_HITS_SPEC],
    kinds={"duckdb"},
    pool="warehouse",
)
def screening_hits(warehouse: WarehouseResource) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """`outputs.screening_hits`, the analysts' view: one row per (mention, listed entity) hit
    with the article (title, url, date), the mention and its sentence, the entity's caption,
    list, schema and programs, every list its canonical entity is on (`lists`, e.g. "OFAC SDN,
    UN, UK OFSI", and `canonical_id`), the band, probability and a one-line explanation, and
    the latest analyst decision from `outputs.review_decisions`."""
    with warehouse.get_connection() as con:
        create_output_views(con)
        rows = con.execute(
            "SELECT band, count(*) FROM outputs.screening_hits GROUP BY band ORDER BY band"
        ).fetchall()
        top = top_hits(con, limit=10)
        consistent = screening_hits_consistent(con)
    return dg.MaterializeResult(
        metadata={
            **{f"{band}_hits": n for band, n in rows},
            "top_hits": dg.MetadataValue.md(top_hits_markdown(top)),
        },
        check_results=[check_result(consistent, dg.AssetCheckSeverity.ERROR)],
    )


@dg.asset(
    key=["outputs", "canonical_export"],
    group_name="outputs",
    deps=[dg.AssetKey(["linkage", "canonical_entities"])],
    kinds={"parquet", "json"},
    pool="warehouse",
)
def canonical_export(warehouse: WarehouseResource) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """The canonical entities (one per person, company or vessel across the OFAC, UN, UK and
    EU lists) with all their names, facts and listings, exported beside the warehouse as
    `exports/canonical_entities.parquet` and `exports/canonical_entities.ftm.jsonl`
    (FollowTheMoney-style entities with the merged listings as `referents`)."""
    folder = _exports_dir(warehouse.database)
    with warehouse.get_connection() as con:
        written = write_canonical_exports(con, folder)
    return dg.MaterializeResult(
        metadata={
            "parquet": dg.MetadataValue.path(str(written["parquet"])),
            "ftm_jsonl": dg.MetadataValue.path(str(written["jsonl"])),
            "canonical_entities": written["entities"],
            "on_several_lists": written["on_several_lists"],
        }
    )


def _exports_dir(database: str) -> Path:
    if database == ":memory:":
        return Path("data/warehouse/exports")
    return Path(database).resolve().parent / "exports"
