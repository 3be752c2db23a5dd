"""Precision under load: a counterparty file of bare given names, the most common on the lists
("Mohammed" in four spellings, "Ali", "Kim"...), 200,000 rows. The UK list carries an alias that is
just "MOHAMED": a one-word given name alone must not make every row an alert."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from assets.sources import uk_ofsi
from pipelines import cli
from tests.conftest import MODELS, bundled_warehouse
from tests.reliability.harness import UN, Ledger

GIVEN_NAMES = ["Mohammed", "Mohamed", "Muhammad", "Mohammad", "Ali", "Ahmed", "Kim", "Hassan"]
ROWS = 200_000


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uk = dataclasses.replace(uk_ofsi.SPEC, min_entities=1)
    return bundled_warehouse(tmp_path_factory.mktemp("flood"), [UN, uk])


def test_bare_given_names_raise_no_alert_flood(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "counterparties.csv"
    with source.open("w") as handle:
        handle.write("record_id,name\n")
        for row in range(ROWS):
            handle.write(f"r{row},{GIVEN_NAMES[row % len(GIVEN_NAMES)]}\n")
    out = tmp_path / "hits.jsonl"
    base = ["--warehouse", str(warehouse), "--model-dir", str(MODELS)]
    assert cli.main([*base, "screen-file", str(source), "--out", str(out)]) == 0
    summary = capsys.readouterr().out.strip()
    hits = [json.loads(line) for line in out.read_text().splitlines()]
    assert not [hit for hit in hits if hit["band"] == "match"]
    ledger.record(
        "alert-flood-bare-given-names",
        "files",
        f"`screen-file` of {ROWS:,} rows, each a bare given name ({', '.join(GIVEN_NAMES)}), "
        "against the UN and UK lists (the UK has an alias 'MOHAMED')",
        f"no match-band hit, {len(hits)} at review: {summary.split(' -> ')[0]}",
        None,
    )
