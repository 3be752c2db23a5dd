"""Warehouse reads and writes of the articles stage. Every write of a batch replaces that
batch's rows in one transaction, so re-materializing a partition is idempotent and a crash
leaves the previous state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from assets.articles.batches import BatchManifest
from assets.articles.model import Article, IngestResult, Mention, MentionIdentifier
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


def batch_articles(con: duckdb.DuckDBPyConnection, batch_id: str) -> list[Article]:
    rows = con.execute(
        "SELECT article_id, text, title, url, published_at, origin, source_ref, fetched_at "
        "FROM articles.articles WHERE batch_id = ? ORDER BY article_id",
        [batch_id],
    ).fetchall()
    return [
        Article(
            article_id=r[0],
            text=r[1],
            title=r[2],
            url=r[3],
            published_at=r[4],
            origin=r[5],
            source_ref=r[6],
            fetched_at=r[7],
        )
        for r in rows
    ]


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


def store_mentions(con: duckdb.DuckDBPyConnection, batch_id: str, table: pa.Table) -> None:
    """Replace the batch's mentions. A table made before `attributed_countries` existed gets
    that column first (last in its column order, so rows go in by name)."""
    if not column_exists(con, "articles", "mentions", "attributed_countries"):
        con.execute("ALTER TABLE articles.mentions ADD COLUMN attributed_countries VARCHAR[]")
    with transaction(con, batch_mentions=table):
        con.execute("DELETE FROM articles.mentions WHERE batch_id = ?", [batch_id])
        con.execute("INSERT INTO articles.mentions BY NAME SELECT * FROM batch_mentions")


def load_mentions(
    con: duckdb.DuckDBPyConnection, where: str = "batch_id = ?", params: Sequence[object] = ()
) -> list[Mention]:
    """Mentions back as objects (`where` is a fixed SQL fragment with parameters). Columns are
    read by name: a table written before `attributed_countries` existed reads as none
    attributed."""
    result = con.execute(
        f"SELECT * FROM articles.mentions WHERE {where} ORDER BY mention_id", list(params)
    )
    names = [str(column[0]) for column in result.description or ()]
    rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    return [
        Mention(
            mention_id=r["mention_id"],
            article_id=r["article_id"],
            text=r["text"],
            label=r["label"],
            schema_guess=r["schema_guess"],
            start=r["start"],
            end=r["end"],
            sentence=r["sentence"],
            detector=r["detector"],
            canonical_id=r["canonical_id"],
            canonical_text=r["canonical_text"],
            sentence_countries=list(r["sentence_countries"] or []),
            attributed_countries=list(r.get("attributed_countries") or []),
            article_countries=list(r["article_countries"] or []),
            role=r["role"],
            birth_year_min=r["birth_year_min"],
            birth_year_max=r["birth_year_max"],
            identifiers=[
                MentionIdentifier(i["kind"], i["value"]) for i in (r["identifiers"] or [])
            ],
        )
        for r in rows
    ]
