"""Warehouse reads and writes of the articles stage. Every write of a batch replaces that
batch's rows in one transaction, so re-materializing a partition is idempotent and a crash
leaves the previous state."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields

import duckdb
import pyarrow as pa

from assets.articles.batches import BatchManifest
from assets.articles.model import (
    Article,
    IngestResult,
    Mention,
    MentionIdentifier,
    MentionName,
)
from assets.common.tables import (
    MENTION_COLUMNS,
    column_exists,
    count_of,
    table_exists,
    transaction,
    utc_now,
)


@dataclass(frozen=True)
class StoredBatch:
    new_articles: int
    already_stored: int
    skipped: int


def store_articles(
    con: duckdb.DuckDBPyConnection, manifest: BatchManifest, result: IngestResult
) -> StoredBatch:
    """Store the batch's articles not stored before (an article is stored once, however often
    it is ingested or its batch re-materialized: a stored row never changes), the inbox files
    the batch covered, and what was skipped."""
    now = utc_now()
    batch = manifest.batch_id
    unique: dict[str, Article] = {}
    for article in result.articles:
        unique.setdefault(article.article_id, article)
    rows = pa.Table.from_pylist(
        [
            {
                "article_id": a.article_id,
                "batch_id": batch,
                "url": a.url,
                "title": a.title,
                "published_at": a.published_at,
                "fetched_at": a.fetched_at,
                "origin": a.origin,
                "source_ref": a.source_ref,
                "text": a.text,
                "ingested_at": now,
            }
            for a in unique.values()
        ],
        schema=pa.schema(
            [
                ("article_id", pa.string()),
                ("batch_id", pa.string()),
                ("url", pa.string()),
                ("title", pa.string()),
                ("published_at", pa.timestamp("us")),
                ("fetched_at", pa.timestamp("us")),
                ("origin", pa.string()),
                ("source_ref", pa.string()),
                ("text", pa.string()),
                ("ingested_at", pa.timestamp("us")),
            ]
        ),
    )
    with transaction(con, batch_articles=rows):
        before = count_of(con, "SELECT count(*) FROM articles.articles")
        con.execute(
            "INSERT INTO articles.articles SELECT * FROM batch_articles b "
            "WHERE NOT EXISTS (SELECT 1 FROM articles.articles a WHERE a.article_id = b.article_id)"
        )
        inserted = count_of(con, "SELECT count(*) FROM articles.articles") - before
        con.execute("DELETE FROM articles.inbox_files WHERE batch_id = ?", [batch])
        for file in manifest.files:
            con.execute(
                "INSERT INTO articles.inbox_files VALUES (?, ?, ?, ?)",
                [file.absolute, file.sha256, batch, now],
            )
        con.execute("DELETE FROM articles.skipped_inputs WHERE batch_id = ?", [batch])
        for skipped in result.skipped:
            con.execute(
                "INSERT INTO articles.skipped_inputs VALUES (?, ?, ?, ?)",
                [batch, skipped.ref, skipped.reason, now],
            )
    return StoredBatch(inserted, len(unique) - inserted, len(result.skipped))


def known_inbox_files(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Absolute path -> sha256 of every inbox file some batch already covered."""
    if not table_exists(con, "articles", "inbox_files"):
        return {}
    return dict(
        con.execute(
            "SELECT path, arg_max(sha256, seen_at) FROM articles.inbox_files GROUP BY path"
        ).fetchall()
    )


def known_article_urls(con: duckdb.DuckDBPyConnection) -> set[str]:
    """URLs of stored articles (a URL list re-read does not fetch these again)."""
    if not table_exists(con, "articles", "articles"):
        return set()
    return {
        str(u)
        for (u,) in con.execute(
            "SELECT url FROM articles.articles WHERE url IS NOT NULL"
        ).fetchall()
    }


def batch_articles(
    con: duckdb.DuckDBPyConnection, batch_id: str, page: int = 500
) -> Iterator[Article]:
    """The batch's articles in article id order, read `page` at a time (each page read whole,
    so the connection may write between two pages): a batch of any size streams through."""
    after = ""
    while True:
        rows = con.execute(
            "SELECT article_id, text, title, url, published_at, origin, source_ref, fetched_at "
            "FROM articles.articles WHERE batch_id = ? AND article_id > ? "
            "ORDER BY article_id LIMIT ?",
            [batch_id, after, page],
        ).fetchall()
        for r in rows:
            yield Article(
                article_id=r[0],
                text=r[1],
                title=r[2],
                url=r[3],
                published_at=r[4],
                origin=r[5],
                source_ref=r[6],
                fetched_at=r[7],
            )
        if len(rows) < page:
            return
        after = rows[-1][0]


def batch_text_chars(con: duckdb.DuckDBPyConnection, batch_id: str) -> int:
    """Characters of text in the batch's articles (how many processes extraction takes)."""
    return count_of(
        con,
        "SELECT coalesce(sum(length(text)), 0) FROM articles.articles WHERE batch_id = ?",
        [batch_id],
    )


MENTION_ARROW = pa.schema(
    [
        ("mention_id", pa.string()),
        ("article_id", pa.string()),
        ("batch_id", pa.string()),
        ("text", pa.string()),
        ("label", pa.string()),
        ("schema_guess", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("sentence", pa.string()),
        ("detector", pa.string()),
        ("canonical_id", pa.string()),
        ("canonical_text", pa.string()),
        ("sentence_countries", pa.list_(pa.string())),
        ("attributed_countries", pa.list_(pa.string())),
        ("article_countries", pa.list_(pa.string())),
        ("role", pa.string()),
        ("birth_year_min", pa.int32()),
        ("birth_year_max", pa.int32()),
        ("identifiers", pa.list_(pa.struct([("kind", pa.string()), ("value", pa.string())]))),
        ("nlp_model", pa.string()),
    ]
)
assert MENTION_ARROW.names == list(MENTION_COLUMNS)


def mentions_table(mentions: Iterable[Mention], batch_id: str, nlp_model: str) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "mention_id": m.mention_id,
                "article_id": m.article_id,
                "batch_id": batch_id,
                "text": m.text,
                "label": m.label,
                "schema_guess": m.schema_guess,
                "start": m.start,
                "end": m.end,
                "sentence": m.sentence,
                "detector": m.detector,
                "canonical_id": m.canonical_id,
                "canonical_text": m.canonical_text,
                "sentence_countries": m.sentence_countries,
                "attributed_countries": m.attributed_countries,
                "article_countries": m.article_countries,
                "role": m.role,
                "birth_year_min": m.birth_year_min,
                "birth_year_max": m.birth_year_max,
                "identifiers": [{"kind": i.kind, "value": i.value} for i in m.identifiers],
                "nlp_model": nlp_model,
            }
            for m in mentions
        ],
        schema=MENTION_ARROW,
    )


def store_mentions(
    con: duckdb.DuckDBPyConnection, batch_id: str, tables: Iterable[pa.Table]
) -> int:
    """Replace the batch's mentions with the rows of `tables` (`mentions_table`s), which may
    come one chunk after another as extraction goes: each is written to a staging table as it
    comes, then the batch's mentions are swapped in one transaction, so memory holds one chunk
    and a failure before the end leaves the stored mentions as they were. Returns the number of
    mentions stored. A table made before `attributed_countries` existed gets that column first
    (last in its column order, so rows go in by name)."""
    if not column_exists(con, "articles", "mentions", "attributed_countries"):
        con.execute("ALTER TABLE articles.mentions ADD COLUMN attributed_countries VARCHAR[]")
    # Named after the batch: batches run one at a time on the warehouse, and a staging table
    # left by a crash is replaced by the batch's next run.
    staging = "articles.staged_mentions_" + hashlib.sha256(batch_id.encode()).hexdigest()[:16]
    con.execute(f"CREATE OR REPLACE TABLE {staging} AS FROM articles.mentions LIMIT 0")
    try:
        for table in tables:
            con.register("mentions_chunk", table)
            try:
                con.execute(f"INSERT INTO {staging} BY NAME SELECT * FROM mentions_chunk")
            finally:
                con.unregister("mentions_chunk")
        with transaction(con):
            con.execute("DELETE FROM articles.mentions WHERE batch_id = ?", [batch_id])
            con.execute(f"INSERT INTO articles.mentions BY NAME SELECT * FROM {staging}")
        return count_of(con, f"SELECT count(*) FROM {staging}")
    finally:
        con.execute(f"DROP TABLE IF EXISTS {staging}")


def mention_chunks(
    con: duckdb.DuckDBPyConnection,
    where: str = "true",
    params: Sequence[object] = (),
    max_mentions: int = 50_000,
) -> Iterator[list[Mention]]:
    """The stored mentions `where` selects (`load_mentions`), chunk after chunk of whole
    articles (the context of a mention is its article's), each of at most `max_mentions`
    mentions unless one article has more: an archive or a large batch is never held in memory
    at once."""
    for span in _article_spans(con, where, params, max_mentions):
        yield load_mentions(con, f"({where}) AND article_id BETWEEN ? AND ?", [*params, *span])


def mention_name_chunks(
    con: duckdb.DuckDBPyConnection, max_mentions: int = 200_000
) -> Iterator[list[MentionName]]:
    """Every stored mention as a `MentionName`, chunk after chunk of whole articles of at most
    `max_mentions` mentions (unless one article has more)."""
    for span in _article_spans(con, "true", (), max_mentions):
        table = con.sql(
            "SELECT mention_id, article_id, text, canonical_id, canonical_text, "
            "coalesce(len(identifiers), 0) > 0 AS identified FROM articles.mentions "
            "WHERE article_id BETWEEN ? AND ? ORDER BY mention_id",
            params=list(span),
        ).to_arrow_table()
        columns = [table.column(name).to_pylist() for name in table.column_names]
        yield [MentionName(*row) for row in zip(*columns, strict=True)]


def load_mentions_by_id(
    con: duckdb.DuckDBPyConnection, mention_ids: Sequence[str]
) -> list[Mention]:
    """The stored mentions of these ids (`load_mentions`), in mention id order."""
    con.register("wanted_mention_ids", pa.table({"mention_id": pa.array(mention_ids, pa.string())}))
    try:
        return load_mentions(con, "mention_id IN (SELECT mention_id FROM wanted_mention_ids)")
    finally:
        con.unregister("wanted_mention_ids")


def _article_spans(
    con: duckdb.DuckDBPyConnection, where: str, params: Sequence[object], max_mentions: int
) -> Iterator[tuple[str, str]]:
    """(first, last) article ids of consecutive articles of the mentions `where` selects,
    together at most `max_mentions` mentions unless one article has more."""
    articles = con.execute(
        f"SELECT article_id, count(*) FROM articles.mentions WHERE {where} "
        "GROUP BY article_id ORDER BY article_id",
        list(params),
    ).fetchall()
    first = 0
    while first < len(articles):
        last, size = first, articles[first][1]
        while last + 1 < len(articles) and size + articles[last + 1][1] <= max_mentions:
            last += 1
            size += articles[last][1]
        yield articles[first][0], articles[last][0]
        first = last + 1


def load_mentions(
    con: duckdb.DuckDBPyConnection, where: str = "batch_id = ?", params: Sequence[object] = ()
) -> list[Mention]:
    """Mentions back as objects (`where` is a fixed SQL fragment with parameters). Columns are
    read by name: a table written before `attributed_countries` existed reads as none
    attributed."""
    # Read as Arrow columns: DuckDB's rows of nested values (lists, structs) come to Python
    # several times slower.
    table = con.sql(
        f"SELECT * FROM articles.mentions WHERE {where} ORDER BY mention_id", params=list(params)
    ).to_arrow_table()
    present = set(table.column_names)
    columns = {
        name: table.column(name).to_pylist() if name in present else [None] * table.num_rows
        for name in _MENTION_FIELDS
    }
    for name in ("sentence_countries", "attributed_countries", "article_countries"):
        columns[name] = [values or [] for values in columns[name]]
    columns["identifiers"] = [
        [MentionIdentifier(i["kind"], i["value"]) for i in found] if found else []
        for found in columns["identifiers"]
    ]
    names = list(columns)
    return [
        Mention(**dict(zip(names, row, strict=True))) for row in zip(*columns.values(), strict=True)
    ]


# The stored columns a `Mention` is made of (by name).
_MENTION_FIELDS = tuple(f.name for f in fields(Mention) if f.name in MENTION_COLUMNS)
