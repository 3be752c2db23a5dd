"""Mention extraction as the assets, the CLI and the benchmarks share it: NER with the
list-aware matcher built from the warehouse's list names."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

import duckdb
import pyarrow as pa
import spacy

from assets.articles.listmatch import ListNameMatcher
from assets.articles.model import Article, Mention
from assets.articles.nlp import extract_mentions, load_pipeline, stream_mentions
from assets.articles.store import mentions_table
from assets.common.tables import first_row, table_exists

# A batch's mentions are stored (`store_mentions`) a table every so many articles, so that a
# batch of any size is extracted in bounded memory.
MENTION_TABLE_ARTICLES = 2_000

# The list-aware matcher takes a few seconds to build from ~56k names; keep one per process and
# per (model, list publications) so consecutive partitions reuse it.
_MATCHERS: dict[tuple[str, str], ListNameMatcher] = {}
_LOCK = threading.Lock()


def lists_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    return table_exists(con, "sources", "names") and table_exists(con, "sources", "entities")


def list_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Identifies the list publications currently loaded (their snapshot digests)."""
    row = first_row(
        con.execute(
            "SELECT coalesce(string_agg(DISTINCT snapshot_sha, ',' ORDER BY snapshot_sha), '') "
            "FROM sources.entities"
        )
    )
    return str(row[0]) if row else ""


def list_name_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, schema) of every strong list name: what the list-aware matcher looks for."""
    return [
        (str(name), str(schema))
        for name, schema in con.execute(
            "SELECT DISTINCT n.name, e.schema FROM sources.names n JOIN sources.entities e "
            "USING (entity_id) WHERE n.kind <> 'weak_alias' ORDER BY 1, 2"
        ).fetchall()
    ]


def matcher_for(
    nlp: spacy.language.Language, model: str, con: duckdb.DuckDBPyConnection
) -> ListNameMatcher:
    key = (model, list_fingerprint(con))
    with _LOCK:
        if key not in _MATCHERS:
            _MATCHERS.clear()
            _MATCHERS[key] = ListNameMatcher.from_pairs(nlp, list_name_pairs(con))
        return _MATCHERS[key]


def mention_extractor(
    model: str,
    con: duckdb.DuckDBPyConnection | None,
    batch_size: int = 64,
    processes: int = 0,
) -> Callable[[Sequence[Article]], list[Mention]]:
    """NER + list-aware matching + context, ready to run on articles: the pipeline and the
    matcher are loaded now (NER alone while no list is loaded), so that `con` may be closed
    before the extraction. `processes`: spaCy's (0: `extraction_processes` decides)."""
    nlp, matcher = _loaded(model, con)
    return partial(
        extract_mentions, nlp, matcher=matcher, batch_size=batch_size, n_process=processes
    )


def mention_streamer(
    model: str,
    con: duckdb.DuckDBPyConnection | None,
    batch_size: int = 64,
    processes: int = 1,
) -> Callable[[Iterable[Article]], Iterator[tuple[Article, list[Mention]]]]:
    """`mention_extractor` for a stream of articles (`stream_mentions`: each article with its
    mentions as spaCy gives it back), on `processes` processes."""
    nlp, matcher = _loaded(model, con)
    return partial(
        stream_mentions, nlp, matcher=matcher, batch_size=batch_size, n_process=processes
    )


def _loaded(
    model: str, con: duckdb.DuckDBPyConnection | None
) -> tuple[spacy.language.Language, ListNameMatcher | None]:
    """The spaCy pipeline `model` and the list-aware matcher of the lists in `con` (None
    while no list is loaded)."""
    nlp = load_pipeline(model)
    return nlp, matcher_for(nlp, model, con) if con is not None and lists_loaded(con) else None


def mentions_for(
    articles: Sequence[Article],
    model: str,
    con: duckdb.DuckDBPyConnection | None,
    batch_size: int = 64,
    processes: int = 0,
) -> list[Mention]:
    """`mention_extractor` run on `articles`."""
    return mention_extractor(model, con, batch_size, processes)(articles)


@dataclass
class ExtractionTally:
    """What `mention_tables` has seen so far: articles, and mentions by label."""

    articles: int = 0
    by_label: Counter[str] = field(default_factory=Counter)


def mention_tables(
    extracted: Iterable[tuple[Article, list[Mention]]],
    batch_id: str,
    nlp_model: str,
    tally: ExtractionTally,
    articles_per_table: int = MENTION_TABLE_ARTICLES,
) -> Iterator[pa.Table]:
    """The mentions of `extracted` (`stream_mentions`' articles) as `mentions_table`s of the
    batch, one every `articles_per_table` articles (and one for the rest), counted in `tally`
    as they go."""
    found: list[Mention] = []
    for _, mentions in extracted:
        found.extend(mentions)
        tally.articles += 1
        tally.by_label.update(mention.label for mention in mentions)
        if tally.articles % articles_per_table == 0:
            yield mentions_table(found, batch_id, nlp_model)
            found = []
    yield mentions_table(found, batch_id, nlp_model)
