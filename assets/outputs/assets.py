"""Dagster assets of the outputs stage.

(No `from __future__ import annotations`: Dagster reads the annotations at definition time.)
"""

import dagster as dg

from assets.outputs.views import create_output_views
from pipelines.resources import WarehouseResource


@dg.asset(
    key=["outputs", "screening_hits"],
    group_name="outputs",
    deps=[dg.AssetKey(["linkage", "matches"]), dg.AssetKey(["linkage", "list_change_matches"])],
    kinds={"duckdb"},
    pool="warehouse",
)
def screening_hits(warehouse: WarehouseResource) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """`outputs.screening_hits`, the analysts' view: one row per (mention, listed entity) hit
    with the article (title, url, date), the mention and its sentence, the entity's caption,
    list, schema and programs, the band, probability and a one-line explanation, and the
    latest analyst decision from `outputs.review_decisions`."""
    with warehouse.get_connection() as con:
        create_output_views(con)
        rows = con.execute(
            "SELECT band, count(*) FROM outputs.screening_hits GROUP BY band ORDER BY band"
        ).fetchall()
        top = con.execute(
            "SELECT title, mention, entity_id, caption, probability, band, explanation "
            "FROM outputs.screening_hits ORDER BY probability DESC LIMIT 10"
        ).fetchall()
    table = "\n".join(
        "| " + " | ".join(str(v).replace("|", "/") for v in row) + " |" for row in top
    )
    return dg.MaterializeResult(
        metadata={
            **{f"{band}_hits": n for band, n in rows},
            "top_hits": dg.MetadataValue.md(
                "| article | mention | entity | caption | probability | band | explanation |\n"
                "|---|---|---|---|---|---|---|\n" + table
            ),
        }
    )
