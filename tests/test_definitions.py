"""The project's one Definitions object loads, and its list assets materialize end to end into a
temporary warehouse from the bundled snapshots; the CLI then reads that warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.sources.registry import LIST_SPECS
from pipelines import cli
from pipelines.definitions import defs

EXPECTED_BUNDLED = {
    "ofac_sdn": 13821,
    "ofac_cons": 442,
    "un_sc": 1003,
    "uk_ofsi": 4686,
    "uk_fcdo": 5,
    "eu_fsf": 5,
}


def test_definitions_load_with_every_registered_list() -> None:
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {f"sources/{spec.source_id}" for spec in LIST_SPECS} <= keys
    assert set(EXPECTED_BUNDLED) == {spec.source_id for spec in LIST_SPECS}
    for spec in LIST_SPECS:
        node = graph.get(dg.AssetKey(["sources", spec.source_id]))
        assert node.group_name == "sources"
        assert node.description and spec.publisher in node.description
        assert {c.name for c in node.check_keys} >= {"entity_count_in_bounds", "no_large_drop"}
    for job in ("refresh_lists", "prepare_linkage", "screen_batch", "publish_outputs"):
        assert defs.resolve_job_def(job) is not None
    stages = {
        "articles/articles": "articles",
        "articles/mentions": "articles",
        "linkage/list_records": "linkage",
        "linkage/mention_model": "linkage",
        "linkage/matches": "linkage",
        "outputs/screening_hits": "outputs",
    }
    for key, group in stages.items():
        node = graph.get(dg.AssetKey(key.split("/")))
        assert node.group_name == group
        assert node.description and len(node.description) > 80


@pytest.mark.slow
def test_every_list_materializes_from_the_bundled_snapshots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "sanctions.duckdb"
    monkeypatch.setenv("SANCTIONS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("SANCTIONS_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("SANCTIONS_FETCH_MODE", "snapshot")
    job = defs.resolve_job_def("refresh_lists")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = dict(
            con.execute("select source, count(*) from sources.entities group by 1").fetchall()
        )
        statuses = con.execute("select distinct status, origin from sources.snapshots").fetchall()
    assert counts == EXPECTED_BUNDLED
    assert statuses == [("accepted", "bundled")]

    assert cli.main(["--warehouse", str(warehouse), "lists", "--json"]) == 0
    listed = {row["source"]: row for row in json.loads(capsys.readouterr().out)}
    assert {s: r["entities"] for s, r in listed.items()} == EXPECTED_BUNDLED
    assert str(listed["ofac_sdn"]["published_on"]) == "2023-12-28"
    assert str(listed["un_sc"]["published_on"]) == "2026-02-27"
