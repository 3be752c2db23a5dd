"""`sanctions query` reads; `sanctions lists` reports what is loaded. (What `query` refuses,
and the CLI while a run writes, are tried in tests/reliability/.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assets.sources import un_sc
from pipelines import cli
from tests.conftest import bundled_warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_warehouse(tmp_path_factory.mktemp("cli"), [un_sc.SPEC], list_records=False)


def run(warehouse: Path, *args: str) -> int:
    return cli.main(["--warehouse", str(warehouse), *args])


def test_query_reads(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "select entity_id, caption from sources.entities where entity_id = 'un_sc:QDi.001'"
    assert run(warehouse, "query", sql, "--json") == 0
    row = json.loads(capsys.readouterr().out)
    assert row["entity_id"] == "un_sc:QDi.001" and row["caption"]


def test_lists_and_missing_warehouse(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(warehouse, "lists") == 0
    out = capsys.readouterr().out
    assert "un_sc" in out and "1003" in out and "2026-02-27" in out
    assert run(tmp_path / "none.duckdb", "lists") == 2
    assert "run `make run` first" in capsys.readouterr().err
