"""The articles and mentions assets on a temporary warehouse: a feed batch and a URL batch
served by a local HTTP server, then re-materialized without changing anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb

from assets.articles.assets import article_batches, articles, mentions
from assets.articles.batches import make_batch, write_manifest
from assets.articles.resources import ArticleSourcesResource, NlpResource
from assets.common.warehouse import WarehouseResource
from tests.conftest import FIXTURES, Reply, ScriptedServer

NOW = dt.datetime(2026, 11, 26, 9, 0)


def serve_news(server: ScriptedServer) -> None:
    feed = (FIXTURES / "articles" / "feeds" / "rss_teasers.xml").read_bytes()
    server.route("/feed.xml", Reply(body=feed.replace(b"http://NEWS.TEST", server.base.encode())))
    for page in ("customs-raid", "ferry-strike", "registry-review"):
        body = (FIXTURES / "articles" / "pages" / f"{page}.html").read_bytes()
        server.route(f"/news/{page}", Reply(body=body, headers={"Content-Type": "text/html"}))
    server.route(
        "/news/customs-raid?utm_source=rss&utm_campaign=morning",
        *server.routes["/news/customs-raid"],
    )


def materialize(tmp_path: Path, batch_id: str) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(article_batches.name, [batch_id])
    return dg.materialize(
        [articles, mentions],
        partition_key=batch_id,
        instance=instance,
        resources={
            "warehouse": WarehouseResource(database=str(tmp_path / "w.duckdb")),
            "article_sources": ArticleSourcesResource(
                batches_dir=str(tmp_path / "batches"),
                retries=0,
                read_timeout=5,
                allow_private_links=True,  # the news server is on 127.0.0.1
            ),
            "nlp": NlpResource(),
        },
        raise_on_error=False,
    )


def rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_feed_batch_then_url_batch(tmp_path: Path, http_server: ScriptedServer) -> None:
    serve_news(http_server)
    feed_batch = make_batch("feeds", NOW, feeds=[http_server.url("/feed.xml")])
    write_manifest(feed_batch, tmp_path / "batches")
    result = materialize(tmp_path, feed_batch.batch_id)
    assert result.success
    meta = result.asset_materializations_for_node("articles__articles")[0].metadata
    stored = meta["new_articles"].value
    assert isinstance(stored, int) and stored >= 2
    assert rows(tmp_path, "select distinct origin from articles.articles") == [("feed",)]
    assert rows(tmp_path, "select count(*) from articles.mentions")[0][0] > 0
    before = rows(tmp_path, "select * from articles.articles order by article_id")
    mentions_before = rows(tmp_path, "select * from articles.mentions order by mention_id")

    # Re-materializing the same partition changes nothing.
    assert materialize(tmp_path, feed_batch.batch_id).success
    assert rows(tmp_path, "select * from articles.articles order by article_id") == before
    assert rows(tmp_path, "select * from articles.mentions order by mention_id") == mentions_before

    # A URL batch naming an article the feed already brought, one new page, one broken page.
    http_server.route("/news/broken", Reply(status=500))
    url_batch = make_batch(
        "urls",
        NOW + dt.timedelta(hours=1),
        urls=[
            http_server.url("/news/ferry-strike"),
            http_server.url("/news/broken"),
        ],
    )
    write_manifest(url_batch, tmp_path / "batches")
    result = materialize(tmp_path, url_batch.batch_id)
    assert result.success
    meta = result.asset_materializations_for_node("articles__articles")[0].metadata
    assert meta["skipped_inputs"].value == 1
    skipped = rows(
        tmp_path,
        "select ref, reason from articles.skipped_inputs where batch_id = ?".replace(
            "?", f"'{url_batch.batch_id}'"
        ),
    )
    assert len(skipped) == 1 and "500" in str(skipped[0][1])
    # Nothing the feed batch stored changed.
    after = rows(
        tmp_path,
        "select * from articles.articles where batch_id = "
        f"'{feed_batch.batch_id}' order by article_id",
    )
    assert after == before
