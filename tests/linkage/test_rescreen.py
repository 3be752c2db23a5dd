"""Re-screening the article archive after a list change (`Screener.rescreen` over
`mention_chunks`) gives the matches of a full screening of every stored mention, kept to the
changed entities: same rows, same bands (rivals on every list still count), whatever the
chunking. Checked on `sanctions run`'s warehouse (every bundled list, the sample articles'
mentions) and on mentions made from list names, changed as news writes them."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from assets.articles.model import Mention
from assets.articles.store import (
    load_mentions,
    load_mentions_by_id,
    mention_chunks,
    mention_name_chunks,
)
from assets.linkage.screen import Screener, name_query
from assets.linkage.store import load_model

MODEL_DIR = Path(__file__).resolve().parents[2] / "data" / "models"


@pytest.fixture(scope="module")
def warehouse(ran: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """`sanctions run`'s warehouse (every bundled list, the sample articles), read-only."""
    with duckdb.connect(str(ran / "w.duckdb"), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def screener(warehouse: duckdb.DuckDBPyConnection) -> Screener:
    return Screener.from_warehouse(warehouse, MODEL_DIR, load_model(MODEL_DIR).bands)


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    """Rows comparable as a set: maps as sorted lists, floats rounded past the last bits."""

    def plain(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, list):
            return tuple(sorted(map(str, value)))
        return value

    return sorted(
        (tuple((k, plain(v)) for k, v in sorted(row.items())) for row in table.to_pylist()),
        key=str,
    )


def _news_like(warehouse: duckdb.DuckDBPyConnection, entities: list[str]) -> list[Mention]:
    """Articles of four mentions each, naming the entities' list names as news writes them:
    whole, a word dropped, words swapped, a letter lost; beside each, a name on no list."""
    rng = random.Random(5)
    names = warehouse.execute(
        "SELECT name, schema FROM linkage.list_records WHERE list_contains(?, entity_id) "
        "AND name_kind <> 'weak_alias' ORDER BY unique_id",
        [entities],
    ).fetchall()
    mentions = []
    for i, (name, schema) in enumerate(names[:300]):
        words = name.split()
        change = i % 4
        if change == 1 and len(words) > 2:
            words.pop(rng.randrange(len(words)))
        elif change == 2:
            words.reverse()
        elif change == 3 and len(words[0]) > 4:
            words[0] = words[0][:2] + words[0][3:]
        for j, text in enumerate((" ".join(words), rng.choice(["Antony Blinken", "Xi Jinping"]))):
            label = "PERSON" if j or schema == "Person" else "ORG"
            mentions.append(
                Mention(
                    mention_id=f"m{i:04d}{j}",
                    article_id=f"a{i // 2:04d}",
                    text=text,
                    label=label,
                    schema_guess="Person" if label == "PERSON" else "Organization",
                    start=0,
                    end=len(text),
                    sentence=text,
                    detector="ner",
                    canonical_id=f"m{i:04d}{j}",
                    canonical_text=text,
                )
            )
    return mentions


def test_chunks_hold_whole_articles_and_every_mention(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    everything = load_mentions(warehouse, "true", [])
    chunks = list(mention_chunks(warehouse, max_mentions=25))
    assert len(chunks) > 3
    assert sorted(m.mention_id for chunk in chunks for m in chunk) == sorted(
        m.mention_id for m in everything
    )
    per_article: dict[str, int] = {}
    for m in everything:
        per_article[m.article_id] = per_article.get(m.article_id, 0) + 1
    for chunk in chunks:
        articles = {m.article_id for m in chunk}
        # Whole articles only; over the limit only when one article alone is.
        assert len(chunk) == sum(per_article[a] for a in articles)
        assert len(chunk) <= 25 or len(articles) == 1
    # Articles in order: no article is split or repeated across chunks.
    spans = [sorted({m.article_id for m in chunk}) for chunk in chunks]
    assert all(a[-1] < b[0] for a, b in itertools.pairwise(spans))
    assert [len(c) for c in mention_chunks(warehouse, max_mentions=10**9)] == [len(everything)]


def test_rescreen_gives_a_full_screenings_matches_of_the_changed_entities(
    warehouse: duckdb.DuckDBPyConnection, screener: Screener
) -> None:
    stored = load_mentions(warehouse, "true", [])
    hit = [
        str(e)
        for (e,) in warehouse.execute(
            "SELECT DISTINCT entity_id FROM linkage.matches ORDER BY 1"
        ).fetchall()
    ]
    ofac = [
        str(e)
        for (e,) in warehouse.execute(
            "SELECT DISTINCT entity_id FROM linkage.list_records WHERE source = 'ofac_sdn' "
            "ORDER BY 1"
        ).fetchall()
    ]
    changed = sorted(set(hit[::2]) | set(random.Random(3).sample(ofac, 400)))
    mentions = stored + _news_like(warehouse, changed)
    full = screener.score(screener.mention_records(mentions), entity_filter=changed)
    rescreened = screener.rescreen(mentions, changed)
    assert full.num_rows > 150
    assert _rows(rescreened) == _rows(full)
    assert set(rescreened.column("band").to_pylist()) == {"match", "review"}
    # Only changed entities, and none of the names on no list.
    assert set(rescreened.column("entity_id").to_pylist()) <= set(changed)
    assert not {"Antony Blinken", "Xi Jinping"} & set(rescreened.column("mention_name").to_pylist())
    # The stored mentions by chunks of whole articles: the same matches.
    chunked = pa.concat_tables(
        screener.rescreen(chunk, changed) for chunk in mention_chunks(warehouse, max_mentions=30)
    )
    assert _rows(chunked) == _rows(screener.rescreen(stored, changed))


def test_rescreen_of_no_change_or_no_mention_is_empty(screener: Screener) -> None:
    mention = name_query("Mahan Air", kind="org")
    assert screener.rescreen([mention], []).num_rows == 0
    assert screener.rescreen([], ["ofac_sdn:1"]).num_rows == 0
    # An entity no name blocks with: nothing.
    assert screener.rescreen([mention], ["no-such-entity"]).num_rows == 0


def test_scoring_chunk_after_chunk_gives_the_matches_of_one_batch(
    warehouse: duckdb.DuckDBPyConnection, screener: Screener, tmp_path: Path
) -> None:
    stored = load_mentions(warehouse, "true", [])
    whole = screener.score(screener.mention_records(stored))
    chart = tmp_path / "waterfall.html"
    chunked = screener.score_chunks(
        mention_chunks(warehouse, max_mentions=30), waterfall_html=chart
    )
    assert chunked.mentions == len(stored)
    assert whole.num_rows > 100 and _rows(chunked.matches) == _rows(whole)
    # The chart shows the best match of all chunks.
    best = max(whole.to_pylist(), key=lambda r: r["match_weight"])
    assert best["matched_name"].lower() in chart.read_text(encoding="utf-8")


def test_the_archive_is_rescreened_by_name_chunk_after_chunk(
    warehouse: duckdb.DuckDBPyConnection, screener: Screener
) -> None:
    stored = load_mentions(warehouse, "true", [])
    whole = screener.score(screener.mention_records(stored))
    changed = sorted(set(whole.column("entity_id").to_pylist()[::3]))
    told: list[int] = []
    read: list[int] = []

    def load(ids: list[str]) -> list[Mention]:
        read.append(len(ids))
        return load_mentions_by_id(warehouse, ids)

    rescreened = screener.rescreen_chunks(
        mention_name_chunks(warehouse, max_mentions=30), changed, load, told.append
    )
    assert rescreened.mentions == len(stored) and told[-1] == len(stored) and len(told) > 3
    assert rescreened.matches.num_rows > 10
    assert _rows(rescreened.matches) == _rows(
        whole.filter(pc.is_in(whole.column("entity_id"), pa.array(changed)))
    )
    # Only the mentions whose names may match the changed entities are read whole.
    assert 0 < sum(read) < len(stored)
