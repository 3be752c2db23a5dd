"""Concurrent writers and readers on one warehouse file. DuckDB lets one process open a file
for writing and no other process beside it; the concurrency pool `warehouse` serializes the
writing steps inside Dagster, and the warehouse resource waits for a lock held by any other
process (a second `dagster dev`, `sanctions run`, `sanctions review`) instead of failing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from assets.common.tables import LINKAGE_TABLES, ensure_tables
from assets.common.warehouse import WarehouseResource
from assets.sources.factory import build_list_asset
from assets.sources.resources import ListFetcherResource
from pipelines import cli
from pipelines.definitions import defs
from tests.conftest import Reply, ScriptedServer, fixture_bytes
from tests.reliability.harness import (
    SDN,
    UN,
    Ledger,
    census,
    failure_message,
    query,
    records_lost,
    run_list,
)

ROOT = Path(__file__).resolve().parents[2]
UN_XML = fixture_bytes("un_sc", "consolidated.xml")
SDN_CSV = fixture_bytes("ofac_sdn", "changes", "2023-12-28", "sdn.csv")
HOLD_SECONDS = 3.0


def start_child(config: dict[str, object]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.child", json.dumps(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def holding_run(workspace: Path, server: ScriptedServer) -> subprocess.Popen[str]:
    """A real list load that keeps the warehouse locked for HOLD_SECONDS in the middle of its
    transaction; returns once it holds the lock."""
    url = server.route("/sdn.csv", Reply(body=SDN_CSV))
    child = start_child(
        {
            "job": "list",
            "source": "ofac_sdn",
            "workspace": str(workspace),
            "url": url,
            "pause_at": [r"DELETE FROM sources\.entities", HOLD_SECONDS],
        }
    )
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    assert line == "holding", line + child.stderr.read() if child.stderr else line
    return child


def finish(child: subprocess.Popen[str]) -> str:
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, out + err
    return out + err


def test_every_warehouse_writer_is_in_the_pool_limited_to_one(ledger: Ledger) -> None:
    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert config["concurrency"]["pools"]["default_limit"] == 1
    graph = defs.resolve_asset_graph()
    writers = [
        key
        for key in graph.get_all_asset_keys()
        if "warehouse" in graph.get(key).assets_def.required_resource_keys
    ]
    assert writers
    outside = [k.to_user_string() for k in writers if graph.get(k).pools != {"warehouse"}]
    assert not outside, outside
    ledger.record(
        "pool-declared",
        "crash",
        "two runs whose steps write the warehouse, launched together by Dagster",
        f"all {len(writers)} assets using the warehouse are in the pool `warehouse`, "
        f"limited to 1 in dagster.yaml: their steps run one at a time across runs",
        None,
    )


def test_two_materializations_started_together_both_succeed(
    tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    """Even outside the pool (another process writing), the second writer waits for the
    first instead of failing."""
    before = census(tmp_path / "w.duckdb")
    first = holding_run(tmp_path, http_server)
    url = http_server.route("/un.xml", Reply(body=UN_XML))
    started = time.monotonic()
    second = run_list(UN, tmp_path, overrides={"consolidated.xml": url})
    waited = time.monotonic() - started
    said = finish(first) + failure_message(second)
    assert second.success, said
    assert waited >= HOLD_SECONDS / 3  # it did meet the lock
    for bad in ("database is locked", "Could not set lock", "Traceback"):
        assert bad not in said
    loaded = dict(
        query(
            tmp_path / "w.duckdb",
            "select source, count(*) from sources.snapshots where status = 'accepted' group by 1",
        )
    )
    assert loaded == {"ofac_sdn": 1, "un_sc": 1}  # no lost write
    entities = dict(
        query(tmp_path / "w.duckdb", "select source, count(*) from sources.entities group by 1")
    )
    assert entities["un_sc"] == len(UN.parse({"consolidated.xml": UN_XML}).entities)
    assert entities["ofac_sdn"] == len(SDN.parse({"sdn.csv": SDN_CSV}).entities)
    lost = records_lost(before, census(tmp_path / "w.duckdb"))
    assert lost == 0
    ledger.record(
        "two-writers-together",
        "crash",
        "two list loads into one warehouse at once, the first (another process) holding the "
        f"file lock mid-transaction for {HOLD_SECONDS:g} s",
        "the second waited for the lock (bounded backoff) and then ran; both succeeded, both "
        "lists stored, no lock error shown",
        lost,
    )


def test_writers_and_the_cli_while_a_run_holds_the_warehouse(
    tmp_path: Path,
    http_server: ScriptedServer,
    ledger: Ledger,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = http_server.route("/un.xml", Reply(body=UN_XML))
    assert run_list(UN, tmp_path, overrides={"consolidated.xml": url}).success
    warehouse = str(tmp_path / "w.duckdb")
    with duckdb.connect(warehouse) as con:  # one hit for the analyst to review
        ensure_tables(con, LINKAGE_TABLES)
        con.execute(
            "INSERT INTO linkage.matches (mention_id, entity_id) VALUES ('m_1', 'un_sc:QDi.001')"
        )
    before = census(tmp_path / "w.duckdb")
    holder = holding_run(tmp_path, http_server)
    try:
        # A run that may wait only 0.5 s fails, saying why in words.
        impatient = dg.materialize(
            [build_list_asset(UN)],
            resources={
                "warehouse": WarehouseResource(database=warehouse, lock_wait_seconds=0.5),
                "list_fetcher": ListFetcherResource(
                    mode="live",
                    raw_dir=str(tmp_path / "raw"),
                    url_overrides={"consolidated.xml": url},
                ),
            },
            raise_on_error=False,
        )
        capsys.readouterr()  # the impatient run's own log lines
        # A read that may not wait says the warehouse is busy.
        code = cli.main(["--warehouse", warehouse, "--lock-wait", "0.2", "lists"])
        err = capsys.readouterr().err
        # A CLI write (an analyst decision) waits for the run instead of failing.
        review = cli.main(
            [
                "--warehouse",
                warehouse,
                "review",
                "m_1",
                "un_sc:QDi.001",
                "--decision",
                "not_match",
                "--note",
                "namesake",
                "--reviewer",
                "tester",
            ]
        )
        # A read with the default wait sees the state after the run, whole.
        listed = cli.main(["--warehouse", warehouse, "lists"])
    finally:
        finish(holder)
    assert not impatient.success
    said = failure_message(impatient)
    assert "warehouse busy" in said and "retry" in said, said
    assert code == 2
    assert "warehouse busy" in err and "retry" in err and "Traceback" not in err
    assert review == 0 and listed == 0
    decisions = query(
        tmp_path / "w.duckdb", "select reviewer, decision from outputs.review_decisions"
    )
    assert decisions == [("tester", "not_match")]
    out = capsys.readouterr().out
    assert "un_sc" in out and "ofac_sdn" in out
    lost = records_lost(before, census(tmp_path / "w.duckdb"))
    assert lost == 0
    ledger.record(
        "writer-lock-timeout",
        "crash",
        "a run whose warehouse stays locked by another process past its lock wait (0.5 s)",
        f"step failed with: {said.split(' (IO Error')[0]}; nothing written",
        lost,
    )
    ledger.record(
        "cli-during-run",
        "crash",
        "`sanctions lists` and `sanctions review` while a run holds the warehouse",
        f"a read that may not wait exits 2 with: {err.strip().split(' (IO Error')[0]}; the "
        "review and a read with the default wait waited for the run: the decision was stored "
        "and both lists read whole",
        lost,
    )
