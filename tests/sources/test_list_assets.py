"""List assets materialized on a temporary DuckDB warehouse: accept, unchanged, reject, changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.common.warehouse import WarehouseResource
from assets.sources import eu_fsf, ofac_sdn, un_sc
from assets.sources.factory import build_list_asset
from assets.sources.resources import ListFetcherResource
from assets.sources.spec import ListSpec
from tests.conftest import Reply, ScriptedServer, fixture_bytes

UN_FIXTURE = fixture_bytes("un_sc", "consolidated.xml")


def run(
    spec: ListSpec,
    tmp_path: Path,
    mode: str = "snapshot",
    overrides: dict[str, str] | None = None,
    step_retries: int = 0,
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [build_list_asset(spec)],
        resources={
            "warehouse": WarehouseResource(database=str(tmp_path / "w.duckdb")),
            "list_fetcher": ListFetcherResource(
                mode=mode,
                raw_dir=str(tmp_path / "raw"),
                url_overrides=overrides or {},
                retries=0,
                backoff_seconds=0.01,
                read_timeout=2,
                step_retries=step_retries,
                step_retry_wait_seconds=0,
            ),
        },
        raise_on_error=False,
    )


def query(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def checks_of(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def small(spec: ListSpec) -> ListSpec:
    """The spec with bounds that admit a fixture excerpt."""
    return dataclasses.replace(spec, min_entities=1)


def test_bundled_un_list_loads_then_reruns_unchanged(tmp_path: Path) -> None:
    first = run(un_sc.SPEC, tmp_path)
    assert first.success
    checks = checks_of(first)
    assert len(checks) == 6 and all(v for k, v in checks.items() if k != "publication_fresh")
    # snapshot mode: the bundled publication is months old, and the check says so (a warning)
    (fresh,) = [
        e for e in first.get_asset_check_evaluations() if e.check_name == "publication_fresh"
    ]
    assert fresh.passed is False and fresh.severity == dg.AssetCheckSeverity.WARN
    assert "snapshot mode" in str(fresh.description) and "days old" in str(fresh.description)
    meta = first.asset_materializations_for_node("sources__un_sc")[0].metadata
    assert meta["status"].value == "accepted"
    assert meta["origin"].value == "bundled"
    assert meta["entities"].value == 1003
    assert query(tmp_path, "select count(*) from sources.entities where source='un_sc'") == [
        (1003,)
    ]
    assert (
        query(tmp_path, "select count(*) from sources.names where entity_id='un_sc:QDi.001'")[0][0]
        >= 1
    )

    second = run(un_sc.SPEC, tmp_path)
    assert second.success
    statuses = query(tmp_path, "select status from sources.snapshots order by seen_at, status")
    assert [s for (s,) in statuses] == ["accepted", "unchanged"]
    assert query(tmp_path, "select count(*) from sources.changes") == [(0,)]
    assert query(tmp_path, "select count(*) from sources.entities") == [(1003,)]


def test_bundled_excerpt_is_checked_against_its_manifest(tmp_path: Path) -> None:
    result = run(eu_fsf.SPEC, tmp_path)
    assert result.success
    assert query(tmp_path, "select count(*) from sources.entities") == [(5,)]


def test_bad_live_publications_leave_the_last_good_one(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    spec = small(un_sc.SPEC)
    url = http_server.route("/un.xml", Reply(body=UN_FIXTURE))
    overrides = {"consolidated.xml": url}
    assert run(spec, tmp_path, "live", overrides).success
    before = query(tmp_path, "select entity_id, caption from sources.entities order by 1")
    assert len(before) > 5

    # An HTML error page with status 200: refused before parsing, nothing recorded as accepted.
    http_server.route("/un.xml", Reply(body=b"<html><body>maintenance</body></html>"))
    failed = run(spec, tmp_path, "live", overrides)
    assert not failed.success
    assert "HTML page" in str(failed.all_events)

    # Schema drift (renamed root): the parse fails naming the source; recorded as rejected.
    drifted = UN_FIXTURE.replace(b"CONSOLIDATED_LIST", b"SANCTIONS_LIST")
    http_server.route("/un.xml", Reply(body=drifted))
    failed = run(spec, tmp_path, "live", overrides)
    assert not failed.success
    reasons = query(tmp_path, "select status, reason from sources.snapshots order by seen_at")
    assert reasons[-1][0] == "rejected" and "un_sc" in str(reasons[-1][1])
    assert list((tmp_path / "raw" / "un_sc").iterdir())  # kept for inspection

    assert query(tmp_path, "select entity_id, caption from sources.entities order by 1") == before

    # auto mode: the publisher fails, the last accepted download is reused and is unchanged.
    http_server.route("/un.xml", Reply(status=503))
    fallback = run(spec, tmp_path, "auto", overrides)
    assert fallback.success
    meta = fallback.asset_materializations_for_node("sources__un_sc")[0].metadata
    assert meta["status"].value == "unchanged"
    assert meta["origin"].value == "cache"
    assert "live download failed" in str(meta["warning"].value)


def csv_ids(body: bytes) -> dict[str, bytes]:
    rows = {}
    for line in body.splitlines():
        if line.strip() and line[:1].isdigit():
            rows[line.split(b",", 1)[0].decode()] = line
    return rows


@pytest.mark.parametrize("files", [("sdn.csv",)])
def test_changes_between_two_real_ofac_publications(
    tmp_path: Path, http_server: ScriptedServer, files: tuple[str, ...]
) -> None:
    spec = dataclasses.replace(
        small(ofac_sdn.SPEC),
        live_files=tuple(f for f in ofac_sdn.SPEC.live_files if f.name in files),
    )
    old = fixture_bytes("ofac_sdn", "changes", "2023-12-28", "sdn.csv")
    new = fixture_bytes("ofac_sdn", "changes", "2024-05-03", "sdn.csv")
    url = http_server.route("/sdn.csv", Reply(body=old))
    assert run(spec, tmp_path, "live", {"sdn.csv": url}).success
    first_seen = dict(query(tmp_path, "select entity_id, first_seen from sources.entities"))
    http_server.route("/sdn.csv", Reply(body=new))
    assert run(spec, tmp_path, "live", {"sdn.csv": url}).success

    old_rows, new_rows = csv_ids(old), csv_ids(new)
    expected = {
        "added": len(new_rows.keys() - old_rows.keys()),
        "removed": len(old_rows.keys() - new_rows.keys()),
        "modified": sum(1 for k in old_rows.keys() & new_rows.keys() if old_rows[k] != new_rows[k]),
    }
    assert all(expected.values()), "the fixture pair must hold every kind of change"
    got = dict(query(tmp_path, "select change, count(*) from sources.changes group by 1"))
    assert got == expected
    modified_fields = query(
        tmp_path, "select distinct unnest(fields) from sources.changes where change='modified'"
    )
    assert modified_fields
    for entity, seen in query(tmp_path, "select entity_id, first_seen from sources.entities"):
        if entity in first_seen:
            assert seen == first_seen[entity]
    snapshots = query(
        tmp_path, "select status, previous_sha is not null from sources.snapshots order by seen_at"
    )
    assert snapshots == [("accepted", False), ("accepted", True)]


def test_transient_network_failure_retries_the_step_then_fails(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    url = http_server.route("/un.xml", Reply(status=503))
    result = run(small(un_sc.SPEC), tmp_path, "live", {"consolidated.xml": url}, step_retries=1)
    assert not result.success
    # retries=0 inside the download, one step retry: two requests in all.
    assert http_server.hits("/un.xml") == 2
    assert not (tmp_path / "w.duckdb").exists() or query(
        tmp_path, "select count(*) from sources.entities"
    ) == [(0,)]


def test_a_stale_publication_fails_the_freshness_check(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    # auto mode, publisher down: the bundled UN file of 2026-02-27 is served, and is old.
    url = http_server.route("/un.xml", Reply(status=503))
    result = run(un_sc.SPEC, tmp_path, "auto", {"consolidated.xml": url})
    assert result.success  # a warning, not a blocking failure
    assert checks_of(result)["publication_fresh"] is False
