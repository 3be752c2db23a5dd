"""The record model's training facts: the committed file, and strict reading of bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assets.common import defaults
from assets.counterparties.screening import record_mention
from assets.counterparties.training import fact_row, read_record_facts
from assets.linkage.facts import write_facts

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / defaults.RECORD_FACTS


def test_the_committed_record_facts_read_whole() -> None:
    facts = read_record_facts(COMMITTED)
    lines = COMMITTED.read_text(encoding="utf-8").splitlines()
    assert len(facts.records) == len(lines)
    # Positives link their listed entity; negatives, namesakes and near-misses link none.
    positives = sum(1 for line in lines if json.loads(line)["set"] == "positive")
    assert len(facts.gold) == positives == facts.sets["positive"]
    assert set(facts.sets) == {"positive", "negative", "namesake", "near_miss"}
    dated = [r for r in facts.records if r.birth_date is not None]
    assert dated and all(len(r.birth_date or "") == 10 for r in dated)
    # Each gold link names the record's own query.
    queries = {record_mention(r).mention_id for r in facts.records}
    assert {g.mention_id for g in facts.gold} <= queries


def test_record_facts_round_trip(tmp_path: Path) -> None:
    first = read_record_facts(COMMITTED).records[:50]
    rows = [fact_row(record, "positive", "alias", ["un_sc:QDi.001"]) for record in first]
    path = tmp_path / "facts.jsonl"
    assert write_facts(path, rows) == 50
    again = read_record_facts(path)
    assert [r.name for r in again.records] == [r.name for r in first]
    assert [r.birth_date for r in again.records] == [r.birth_date for r in first]
    assert {g.entity_id for g in again.gold} == {"un_sc:QDi.001"}


GOOD = fact_row(read_record_facts(COMMITTED).records[0], "positive", "alias", ["un_sc:QDi.001"])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"name": None}, "name is not a name"),
        ({"name": "  "}, "name is not a name"),
        ({"kind": "ship"}, "kind is not one of"),
        ({"birth_year": "1970"}, "birth_year is not int"),
        ({"birth_year": True}, "birth_year is not int"),
        ({"identifiers": ["imo"]}, "identifiers is not an object"),
        ({"links": "un_sc:QDi.001"}, "links is not a list"),
        ({"links": None}, "links is not a list"),
    ],
)
def test_a_bad_fact_line_raises_naming_the_file_and_line(
    tmp_path: Path, change: dict[str, object], problem: str
) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, **change}) + "\n")
    with pytest.raises(ValueError, match=f"facts.jsonl: line 2: .*{problem}"):
        read_record_facts(path)


@pytest.mark.parametrize("missing", ["name", "links", "birth_date", "set"])
def test_a_fact_line_without_a_field_raises(tmp_path: Path, missing: str) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text(json.dumps({k: v for k, v in GOOD.items() if k != missing}) + "\n")
    with pytest.raises(ValueError, match=f"line 1: KeyError\\('{missing}'\\)"):
        read_record_facts(path)


def test_unreadable_fact_files_raise(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_bytes(b"\xff\xfe not text")
    with pytest.raises(ValueError, match="not utf-8 text"):
        read_record_facts(path)
    path.write_text("[1, 2]\n")
    with pytest.raises(ValueError, match="line 1: expected a JSON object"):
        read_record_facts(path)
