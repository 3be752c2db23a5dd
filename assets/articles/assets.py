"""Dagster assets of the articles stage, partitioned by ingestion batch.

(No `from __future__ import annotations`: Dagster reads the annotations at definition time.)
"""

from pathlib import Path

import dagster as dg

from assets.articles.batches import ingest_batch, read_manifest
from assets.articles.nlp import extraction_processes
from assets.articles.pipeline import ExtractionTally, mention_streamer, mention_tables
from assets.articles.resources import ArticleSourcesResource, NlpResource
from assets.articles.store import (
    batch_articles,
    batch_text_chars,
    store_articles,
    store_mentions,
)
from assets.common.tables import ARTICLE_TABLES, ensure_tables, utc_now
from assets.common.warehouse import WarehouseResource
from assets.sources.registry import LIST_SPECS

article_batches = dg.DynamicPartitionsDefinition(name="article_batches")

LIST_KEYS = [dg.AssetKey(["sources", spec.source_id]) for spec in LIST_SPECS]


@dg.asset(
    key=["articles", "articles"],
    group_name="articles",
    partitions_def=article_batches,
    kinds={"duckdb"},
    pool="warehouse",
)
def articles(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    article_sources: ArticleSourcesResource,
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """News articles of one ingestion batch (inbox files, a feed poll or a URL list), stored
    once each in `articles.articles` under a stable `article_id`. Inputs that cannot be read
    (binary, empty, too large, invalid JSON, HTML without text, symlinks...) are skipped, listed
    in `articles.skipped_inputs` and counted here; every other article is still ingested."""
    manifest = read_manifest(context.partition_key, Path(article_sources.batches_dir))
    result = ingest_batch(
        manifest,
        article_sources.http(),
        max_bytes=article_sources.max_article_bytes,
        now=utc_now(),
        private_links=article_sources.allow_private_links,
    )
    for skipped in result.skipped[:50]:
        context.log.warning(f"skipped {skipped.ref}: {skipped.reason}")
    with warehouse.get_connection() as con:
        ensure_tables(con, ARTICLE_TABLES)
        stored = store_articles(con, manifest, result)
    return dg.MaterializeResult(
        metadata={
            "batch": manifest.batch_id,
            "kind": manifest.kind,
            "new_articles": stored.new_articles,
            "already_stored": stored.already_stored,
            "skipped_inputs": stored.skipped,
        }
    )


@dg.asset(
    key=["articles", "mentions"],
    group_name="articles",
    partitions_def=article_batches,
    deps=[dg.AssetKey(["articles", "articles"]), *LIST_KEYS],
    kinds={"duckdb", "spacy"},
    pool="warehouse",
)
def mentions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, nlp: NlpResource
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    """People, organisations and vessels named in the batch's articles (`articles.mentions`):
    spaCy NER plus a matcher built from the list names (all-caps companies, vessels,
    transliterations NER misses) and identifier patterns (IMO numbers with check digit). Each
    mention has character offsets into the stored text, its sentence, in-document coreference
    ("Blinken" -> "Antony Blinken", acronyms) and context: countries in the sentence and the
    article, role or title, birth-year range from an age, identifiers."""
    batch = context.partition_key
    tally = ExtractionTally()
    with warehouse.get_connection() as con:
        ensure_tables(con, ARTICLE_TABLES)
        processes = extraction_processes(nlp.processes, batch_text_chars(con, batch))
        stream = mention_streamer(nlp.model, con, nlp.batch_size, processes)
        extracted = stream(batch_articles(con, batch))
        stored = store_mentions(con, batch, mention_tables(extracted, batch, nlp.model, tally))
    return dg.MaterializeResult(
        metadata={
            "articles": tally.articles,
            "mentions": stored,
            **{f"mentions_{label.lower()}": n for label, n in sorted(tally.by_label.items())},
        }
    )
