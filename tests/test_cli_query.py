"""`sanctions query` reads and never writes; `sanctions lists` reports what is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from assets.sources import un_sc
from assets.sources.factory import build_list_asset
from pipelines import cli
from pipelines.resources import ListFetcherResource, WarehouseResource


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    result = dg.materialize(
        [build_list_asset(un_sc.SPEC)],
        resources={
            "warehouse": WarehouseResource(database=str(folder / "w.duckdb")),
            "list_fetcher": ListFetcherResource(mode="snapshot", raw_dir=str(folder / "raw")),
        },
    )
    assert result.success
    return folder / "w.duckdb"


def run(warehouse: Path, *args: str) -> int:
    return cli.main(["--warehouse", str(warehouse), *args])


def test_query_reads(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "select entity_id, caption from sources.entities where entity_id = 'un_sc:QDi.001'"
    assert run(warehouse, "query", sql, "--json") == 0
    row = json.loads(capsys.readouterr().out)
    assert row["entity_id"] == "un_sc:QDi.001" and row["caption"]


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE sources.entities",
        "DELETE FROM sources.entities",
        "INSERT INTO sources.names VALUES ('x','x','x','x','x','x','x')",
        "UPDATE sources.entities SET caption = 'x'",
        "CREATE TABLE main.x AS SELECT 1",
        "ATTACH '/tmp/other.duckdb' AS other",
        "COPY sources.entities TO '/tmp/stolen.csv'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "PRAGMA enable_profiling",
        "SET threads = 1",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT 1; DROP TABLE sources.entities",
        "CALL pragma_version()",
    ],
)
def test_query_refuses_anything_but_reading(
    warehouse: Path, sql: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = Path(warehouse).read_bytes()
    assert run(warehouse, "query", sql) != 0
    assert "sanctions:" in capsys.readouterr().err
    assert Path(warehouse).read_bytes() == before
    assert not Path("/tmp/stolen.csv").exists()


def test_lists_and_missing_warehouse(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(warehouse, "lists") == 0
    out = capsys.readouterr().out
    assert "un_sc" in out and "1003" in out and "2026-02-27" in out
    assert run(tmp_path / "none.duckdb", "lists") == 2
    assert "run `make run` first" in capsys.readouterr().err


def test_reading_while_a_run_writes_says_busy(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"con = duckdb.connect({str(warehouse)!r})\n"
            "print('ready', flush=True)\n"
            "time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        assert run(warehouse, "lists") == 2
        assert "warehouse busy" in capsys.readouterr().err
    finally:
        writer.kill()
        writer.wait()
    assert run(warehouse, "lists") == 0  # the writer gone, reading works again
