"""The one scorer: mentions, names, documents or counterparty records against the warehouse's
lists with the trained model. Every caller scores through a `Screener`: the matches asset, list
change re-screening, the CLI (`sanctions screen`, `screen-articles`, `eval`), counterparty
screening and the benchmarks. On DuckDB it scores in the prepared screening session
(`assets.linkage.splink_run.ScreeningSession`); on Spark with Splink's own `predict`
(`assets.linkage.scoring.score`). tests/linkage/test_screening_session.py holds the two equal."""

from __future__ import annotations

import gc
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from assets.articles.ingest import Reject, article_from_object, article_id, read_inbox
from assets.articles.model import Article, Mention, MentionIdentifier, MentionName
from assets.common.jsonl import json_objects
from assets.common.tables import utc_now
from assets.common.text import country_code
from assets.linkage.backend import LinkageEngine
from assets.linkage.model_json import level_labels
from assets.linkage.records import (
    ListContext,
    RareTokens,
    list_context,
    mention_records,
    mentions_related_names,
)
from assets.linkage.row_matches import RowMatches
from assets.linkage.rowsql import UnsupportedSql
from assets.linkage.scoring import (
    MATCH_ARROW,
    PREDICTION_COLUMNS,
    WATERFALL_PAIRS,
    Bands,
    MentionProfiles,
    context_of,
    matches_of_predictions,
    score,
    write_waterfall,
)
from assets.linkage.splink_run import ScreeningSession
from assets.linkage.store import (
    StoredModel,
    list_records_table,
    load_model,
    name_frequency_table,
    token_frequency_table,
)

TYPES = {"person": "Person", "org": "Organization", "vessel": "Vessel", "any": "Unknown"}
# Distinct mentions a batch may have to be scored in Python, when that is prepared: the scoring
# of one mention costs about 0.2 ms a blocked pair there, against some 250 ms a batch in DuckDB.
SMALL_BATCH = 32
LOGGER = logging.getLogger(__name__)


@dataclass
class Screener:
    """The lists and the model, loaded once; screening calls reuse them."""

    list_records: pa.Table
    token_frequencies: pa.Table
    tf_core: pa.Table
    model: StoredModel
    bands: Bands
    # Where Splink runs: None (or a DuckDB engine) scores in the prepared session; a Spark
    # engine with Splink's `predict`, the list side split in `num_chunks_right` chunks.
    engine: LinkageEngine | None = None
    num_chunks_right: int | None = None
    # Batches of at most this many distinct mentions are scored in Python (`row_scoring`),
    # once `score_small_batches_in_python` has prepared it; 0: every batch in DuckDB.
    row_scoring_up_to: int = 0

    @classmethod
    def from_warehouse(
        cls,
        con: duckdb.DuckDBPyConnection,
        model_dir: Path,
        bands: Bands,
        engine: LinkageEngine | None = None,
        num_chunks_right: int | None = None,
        model: StoredModel | None = None,
    ) -> Screener:
        """The warehouse's list records and `model` (the news model in `model_dir` when None).
        The screening session over them (`session`) is made by the first screening, or
        beforehand by calling `session()`."""
        records = list_records_table(con)
        return cls(
            records,
            token_frequency_table(con),
            name_frequency_table(con),
            model or load_model(model_dir),
            bands,
            engine,
            num_chunks_right,
        )

    _splink: ScreeningSession | None = field(default=None, init=False, repr=False, compare=False)
    _rarity: RareTokens | None = field(default=None, init=False, repr=False, compare=False)
    _context: ListContext | None = field(default=None, init=False, repr=False, compare=False)
    _row_matches: dict[Bands, RowMatches] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _record_context: tuple[pa.Table, dict[str, int]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    # The entities of the last re-screening, and whether each name met blocks with them.
    _blocking_names: tuple[tuple[str, ...], dict[str, bool]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def session(self) -> ScreeningSession:
        """The screening session over the list records (`ScreeningSession`: the list side of
        blocking and Splink's scoring SQL, prepared once; 1-2 s for the bundled lists), made on
        first use."""
        if self._splink is None:
            try:
                session = ScreeningSession(
                    self.list_records,
                    dict(self.model.settings),
                    self.tf_core,
                    self.mention_records([]),
                )
                # Generated now, with the rest of the session, rather than by the first batch.
                session.predict_sql(self.bands.scored_from)
                self.list_context()
            except duckdb.Error:
                raise
            except Exception as exc:  # Splink raises many types on settings it cannot read
                raise ValueError(
                    f"{self.model.path or 'the linkage model'}: not a model Splink can use "
                    f"({type(exc).__name__}: {exc})"
                ) from exc
            self._splink = session
        return self._splink

    def score_small_batches_in_python(self, up_to: int = SMALL_BATCH) -> bool:
        """From now on, score batches of at most `up_to` distinct mentions in Python
        (`assets.linkage.row_scoring`: the same matches, without DuckDB planning the scoring
        SQL, which is most of the time a small batch takes). Prepares it now (about 2 s for the
        bundled lists, some 150 MB). False, saying why in the log, when this model uses SQL the
        Python scoring does not evaluate: every batch is then scored in DuckDB."""
        if self._splink_predicts():
            return False
        try:
            self.session().row_scorer().query(self.bands.scored_from)
            self._matches_in_python(self.bands)
            self._record_contexts()
        except UnsupportedSql as exc:
            LOGGER.warning("small batches are scored in DuckDB: %s", exc)
            return False
        self.row_scoring_up_to = up_to
        return True

    def mention_records(self, mentions: Sequence[Mention]) -> pa.Table:
        """`assets.linkage.records.mention_records` against these lists' token frequencies
        and their context (a batch holds whole articles: `mentions_related_names`)."""
        context = self.list_context()
        related_of = mentions_related_names(mentions, context.related_words)
        return mention_records(mentions, self._token_rarity(), related_of, context)

    def list_context(self) -> ListContext:
        """The lists' related names and positions (`list_context`), made on first use."""
        if self._context is None:
            self._context = list_context(self.list_records)
        return self._context

    def _token_rarity(self) -> RareTokens:
        """The lists' rare and distinctive words (`RareTokens`), made on first use."""
        if self._rarity is None:
            self._rarity = RareTokens(self.token_frequencies)
        return self._rarity

    def screen(self, mentions: Sequence[Mention], bands: Bands | None = None) -> pa.Table:
        """`score` of `mentions`, their records built once per profile
        (`MentionProfiles.of_mentions`)."""
        with _collector_paused():
            profiles = MentionProfiles.of_mentions(
                mentions, self._token_rarity(), self.list_context()
            )
            return self._score_profiles(profiles, bands)

    def score(
        self,
        mention_table: pa.Table,
        bands: Bands | None = None,
        *,
        entity_filter: Sequence[str] | None = None,
        waterfall_html: Path | None = None,
    ) -> pa.Table:
        """The matches (`MATCH_ARROW`) of mention records (`mention_records`) against the
        lists: the best list name per (mention, entity) in the review band or above. With
        `entity_filter`, only the matches of those entities, banded as a full screening bands
        them (another listed entity of the same list scoring as high sends a match to review
        whether or not it is in the filter). With `waterfall_html`, Splink's waterfall chart
        of the best matches is written there."""
        bands = bands or self.bands
        if self._splink_predicts():
            found = score(
                mention_table,
                self.list_records,
                self.model.settings,
                self.tf_core,
                bands,
                waterfall_html=waterfall_html,
                engine=self.engine,
                num_chunks_right=self.num_chunks_right,
            )
        elif mention_table.num_rows == 0 or self.list_records.num_rows == 0:
            return MATCH_ARROW.empty_table()
        else:
            session = self.session()
            profiles = (
                # Too few to repeat a profile worth grouping in DuckDB.
                MentionProfiles.each(mention_table)
                if mention_table.num_rows <= self.row_scoring_up_to
                else MentionProfiles.of(mention_table, session.con)
            )
            found = self._score_profiles(profiles, bands)
            if waterfall_html is not None:
                write_waterfall(
                    mention_table,
                    self.list_records,
                    self.model.settings,
                    session.name_frequencies,
                    found,
                    waterfall_html,
                )
        if entity_filter is None:
            return found
        wanted = pa.array(sorted(set(entity_filter)), pa.string())
        return found.filter(pc.is_in(found.column("entity_id"), wanted))

    def rescreen(self, mentions: Sequence[Mention], entity_ids: Sequence[str]) -> pa.Table:
        """The matches of `mentions` (whole articles) with the entities `entity_ids`, as
        `score(mention_records(mentions), entity_filter=entity_ids)` gives them
        (`rescreen_names`)."""
        by_id = {mention.mention_id: mention for mention in mentions}
        return self.rescreen_names(
            [MentionName.of(m) for m in mentions],
            entity_ids,
            lambda ids: [by_id[mention_id] for mention_id in ids],
        )

    def rescreen_names(
        self,
        names: Sequence[MentionName],
        entity_ids: Sequence[str],
        load: Callable[[list[str]], Sequence[Mention]],
    ) -> pa.Table:
        """The matches with the entities `entity_ids` of the mentions `names` gives (whole
        articles), as a full screening of them gives them, kept to those entities and banded
        against every list. After a list change, few of an archive's mentions can match the
        changed entities, so only these are read whole (`load`, by mention id), made records
        and scored: those whose name blocks with a name of the entities (`_names_blocking`)
        or that carry identifiers; then only those scored in the bands against the entities'
        names (`ScreeningSession.mentions_scored_with`) are scored against every list."""
        if not entity_ids or not names or self.list_records.num_rows == 0:
            return MATCH_ARROW.empty_table()
        blocking = self._names_blocking(
            [n.canonical_text or n.text for n in names if not n.identified], entity_ids
        )
        wanted = [
            n.mention_id for n in names if n.identified or (n.canonical_text or n.text) in blocking
        ]
        if not wanted:
            return MATCH_ARROW.empty_table()
        context = self.list_context()
        # The related names of a mention are its whole article's (`names`), read by name.
        related_of = mentions_related_names(names, context.related_words, of=set(wanted))
        records = mention_records(load(wanted), self._token_rarity(), related_of, context)
        scored_from = self.bands.scored_from
        candidates = self.session().mentions_scored_with(records, entity_ids, scored_from)
        return self.score(candidates, entity_filter=entity_ids)

    def _names_blocking(self, names: Sequence[str], entity_ids: Sequence[str]) -> set[str]:
        """Of `names`, those that block with some name of the entities `entity_ids` when read
        as a person's name, which gives a name every blocking key it can have (a mention's
        identifiers aside): a superset of the mentions so named that block with them. Each
        name is tried once per set of entities."""
        wanted = tuple(sorted(set(entity_ids)))
        if self._blocking_names is None or self._blocking_names[0] != wanted:
            self._blocking_names = (wanted, {})
        known = self._blocking_names[1]
        new = [name for name in dict.fromkeys(names) if name not in known]
        if new:
            # Of no type ("any"): a person's keys too.
            probes = [name_query(name, query_id=str(i)) for i, name in enumerate(new)]
            records = mention_records(probes, self._token_rarity())
            blocked = self.session().mentions_blocked_with(records, entity_ids)
            hit = {int(i) for i in blocked.column("unique_id").to_pylist()}
            known.update((name, i in hit) for i, name in enumerate(new))
        return {name for name in names if known[name]}

    def score_chunks(
        self,
        chunks: Iterable[Sequence[Mention]],
        *,
        waterfall_html: Path | None = None,
    ) -> ScoredMentions:
        """The matches of the mentions of every chunk (each of whole articles: the
        `mention_chunks` of a batch), chunk after chunk, so that only one chunk's mentions are
        held at a time: `score`'s of each chunk's `mention_records`. With `waterfall_html`,
        the waterfall chart of the best matches of all chunks is written there."""
        found = []
        mentions = 0
        best = MATCH_ARROW.empty_table()
        best_records: pa.Table | None = None
        for chunk in chunks:
            records = self.mention_records(chunk)
            matches = self.score(records)
            found.append(matches)
            mentions += len(chunk)
            if waterfall_html is not None and matches.num_rows:
                best, best_records = _best_of(best, best_records, matches, records)
        if waterfall_html is not None and best_records is not None:
            # The best matches' records alone scored again: their matches (a record carries
            # its article's context), charted.
            self.score(best_records, waterfall_html=waterfall_html)
        return ScoredMentions(mentions, pa.concat_tables([MATCH_ARROW.empty_table(), *found]))

    def rescreen_chunks(
        self,
        chunks: Iterable[Sequence[MentionName]],
        entity_ids: Sequence[str],
        load: Callable[[list[str]], Sequence[Mention]],
        progress: Callable[[int], None] | None = None,
    ) -> ScoredMentions:
        """`rescreen_names` of every chunk (each of whole articles: `mention_name_chunks`),
        chunk after chunk. `progress` is told the mentions re-screened after each chunk."""
        found = []
        mentions = 0
        for chunk in chunks:
            found.append(self.rescreen_names(chunk, entity_ids, load))
            mentions += len(chunk)
            if progress is not None:
                progress(mentions)
        return ScoredMentions(mentions, pa.concat_tables([MATCH_ARROW.empty_table(), *found]))

    def _splink_predicts(self) -> bool:
        """Whether scoring runs Splink's `predict` on another backend than the session's."""
        return self.engine is not None and self.engine.kind != "duckdb"

    def _score_profiles(self, profiles: MentionProfiles, bands: Bands | None) -> pa.Table:
        """Score one mention of each profile in the screening session; spread the matches."""
        bands = bands or self.bands
        if profiles.distinct.num_rows == 0 or self.list_records.num_rows == 0:
            return MATCH_ARROW.empty_table()
        session = self.session()
        found = self.score_in_python(profiles.distinct, bands)
        if found is None:
            predictions = session.predict(profiles.distinct, bands.scored_from, PREDICTION_COLUMNS)
            found = matches_of_predictions(
                session.con,
                predictions,
                level_labels(self.model.settings),
                bands,
                context_of(profiles.distinct),
                context_of(self.list_records),
            )
        return profiles.spread(found, session.con)

    def score_in_python(self, mentions: pa.Table, bands: Bands | None = None) -> pa.Table | None:
        """The matches of mention records `mentions` scored in Python (`score`'s, row for row),
        or None when the batch is not small: more mentions than `row_scoring_up_to`, or more
        blocked pairs than the row scorer's `max_pairs`."""
        bands = bands or self.bands
        if not 0 < mentions.num_rows <= self.row_scoring_up_to:
            return None
        try:
            predictions = (
                self.session().row_scorer().predict(mentions, bands.scored_from, PREDICTION_COLUMNS)
            )
            if predictions is None:
                return None
            context = {row["unique_id"]: row for row in context_of(mentions).to_pylist()}
            return self._matches_in_python(bands)(predictions, context, self._context_of_record)
        except UnsupportedSql as exc:  # a value the Python scoring does not evaluate
            LOGGER.warning("a batch is scored in DuckDB: %s", exc)
            return None

    def _matches_in_python(self, bands: Bands) -> RowMatches:
        matches = self._row_matches.get(bands)
        if matches is None:
            matches = self._row_matches[bands] = RowMatches(
                level_labels(self.model.settings), bands
            )
        return matches

    def _context_of_record(self, record_id: str) -> dict[str, Any] | None:
        """The `CONTEXT_COLUMNS` of one list record."""
        table, positions = self._record_contexts()
        position = positions.get(record_id)
        return None if position is None else table.slice(position, 1).to_pylist()[0]

    def _record_contexts(self) -> tuple[pa.Table, dict[str, int]]:
        """The list records' `context_of`, and each record's position in it: made on first
        use."""
        if self._record_context is None:
            table = context_of(self.list_records)
            ids = table.column("unique_id").to_pylist()
            self._record_context = (table, {rid: i for i, rid in enumerate(ids)})
        return self._record_context

    def close(self) -> None:
        """Close the screening session (it is made again if the screener is used again)."""
        if self._splink is not None:
            self._splink.close()
            self._splink = None


@dataclass(frozen=True)
class ScoredMentions:
    mentions: int  # mentions scored
    matches: pa.Table  # their matches (`MATCH_ARROW`)


def _best_of(
    best: pa.Table, best_records: pa.Table | None, matches: pa.Table, records: pa.Table
) -> tuple[pa.Table, pa.Table]:
    """The `WATERFALL_PAIRS` best-weighted matches of `best` and `matches`, with the mention
    records they come from (of `best_records` and `records`)."""
    both = pa.concat_tables([best, matches])
    order = pc.sort_indices(both, [("match_weight", "descending")])
    top = both.take(order[:WATERFALL_PAIRS])
    pool = records if best_records is None else pa.concat_tables([best_records, records])
    wanted = pc.is_in(pool.column("unique_id"), top.column("mention_id").unique())
    return top, pool.filter(wanted)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one batch. A batch makes hundreds of
    thousands of short-lived objects that reference counting frees, and they trigger the
    collector's full passes, each rescanning every object the lists' context and the caches
    are held in: about 0.1 s of a 10,000-mention batch. What a batch leaves in cycles is
    collected after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def name_query(
    name: str,
    *,
    kind: str = "any",
    country: str | None = None,
    birth_year: int | None = None,
    birth_year_tolerance: int = 0,
    birth_date: str | None = None,
    identifiers: Sequence[MentionIdentifier] = (),
    query_id: str = "q_1",
) -> Mention:
    """A bare name with optional facts, dressed as a mention with that context: the country as
    the entity's own (attributed to it, named in the sentence and the article), the birth year
    as the mention's range (widened by `birth_year_tolerance` years either way), the date of
    birth (ISO) as a record's, which the record model compares with the listed dates. Each
    query is a document of its own: the rows of one counterparty file name nothing around each
    other."""
    if kind not in TYPES:
        raise ValueError(f"type must be one of {', '.join(TYPES)}, not {kind!r}")
    code = country_code(country) if country else None
    if country and code is None:
        raise ValueError(f"unknown country {country!r}; give an ISO 3166 code or a country name")
    return Mention(
        mention_id=query_id,
        article_id=query_id,
        text=name,
        label="OTHER",
        schema_guess=TYPES[kind],  # type: ignore[arg-type]
        start=0,
        end=len(name),
        sentence=name,
        detector="pattern",
        canonical_id=query_id,
        canonical_text=name,
        sentence_countries=[code] if code else [],
        article_countries=[code] if code else [],
        attributed_countries=[code] if code else [],
        birth_year_min=None if birth_year is None else birth_year - birth_year_tolerance,
        birth_year_max=None if birth_year is None else birth_year + birth_year_tolerance,
        birth_date=birth_date,
        identifiers=list(identifiers),
    )


@dataclass(frozen=True)
class Document:
    doc_id: str
    article: Article


def read_documents(
    path: Path, max_bytes: int = 5 * 1024 * 1024, skipped: list[str] | None = None
) -> Iterator[Document]:
    """A folder of article files (doc_id = path in the folder), or a JSONL file whose lines
    have `text` and optionally `doc_id`, `title`, `url`, `published` (doc_id defaults to the
    line number). In a folder, an unusable file (binary, too large, a link...) is left out and
    described in `skipped` ("<path>: <reason>"), as the inbox does; in a JSONL file, a bad line
    raises with the line named."""
    now = utc_now()
    if path.is_dir():
        result = read_inbox(path, max_bytes=max_bytes, now=now)
        if skipped is not None:
            skipped.extend(f"{path}/{item.ref}: {item.reason}" for item in result.skipped)
        for article in result.articles:
            yield Document(article.source_ref, article)
        return
    for number, obj in json_objects(path):
        doc_id = str(obj.get("doc_id") or number)
        fields: dict[str, object] = {
            k: obj[k] for k in ("text", "title", "url", "published") if k in obj
        }
        try:
            article = article_from_object(fields, ref=f"{path.name}:{number}", now=now)
        except (Reject, ValueError) as exc:
            raise ValueError(f"{path}: line {number}: {exc}") from exc
        # Two lines with the same text are still two documents to the caller.
        article = Article(
            **{**article.__dict__, "article_id": article_id(None, f"{doc_id}\n{article.text}")}
        )
        yield Document(doc_id, article)


def hit_lines(
    documents: Sequence[Document], mentions: Sequence[Mention], matches: pa.Table
) -> list[dict[str, Any]]:
    """One dict per hit in the stable `screen-articles` output format: document by document
    in the order of `documents`, then by position in the text, then by falling probability."""
    position = {d.article.article_id: i for i, d in enumerate(documents)}
    by_id = {m.mention_id: m for m in mentions}
    keyed = []
    for row in matches.to_pylist():
        mention = by_id[row["mention_id"]]
        line = {
            "doc_id": documents[position[mention.article_id]].doc_id,
            "mention": mention.text,
            "start": mention.start,
            "end": mention.end,
            "entity_id": row["entity_id"],
            "matched_name": row["matched_name"],
            "probability": round(float(row["match_probability"]), 6),
            "band": row["band"],
        }
        keyed.append(((position[mention.article_id], line["start"], -line["probability"]), line))
    keyed.sort(key=lambda item: item[0])
    return [line for _, line in keyed]


@dataclass(frozen=True)
class ScreenedChunk:
    documents: int  # documents screened in the chunk
    mentions: int  # their mentions
    lines: list[dict[str, Any]]  # their hits (`hit_lines`)


# Characters of text screened together: bounds what a chunk's mentions and matches hold
# (about 2,500 news articles), large enough that each DuckDB run scores thousands of mentions.
SCREEN_CHUNK_CHARS = 10_000_000


def screen_documents(
    documents: Iterable[Document],
    stream: Callable[[Iterable[Article]], Iterator[tuple[Article, list[Mention]]]],
    screener: Screener,
    chunk_chars: int = SCREEN_CHUNK_CHARS,
) -> Iterator[ScreenedChunk]:
    """`documents` read, their mentions extracted (`stream`: `stream_mentions`) and screened,
    chunk after chunk of about `chunk_chars` characters of text, in input order: memory stays
    bounded whatever the number of documents. The hits are those of screening every mention
    at once (a batch's screening reads whole articles, and a chunk holds whole articles)."""
    pending: deque[Document] = deque()

    def articles() -> Iterator[Article]:
        for document in documents:
            pending.append(document)
            yield document.article

    chunk: list[Document] = []
    mentions: list[Mention] = []
    size = 0
    for article, found in stream(articles()):
        document = pending.popleft()
        if document.article is not article:
            raise RuntimeError(f"{document.doc_id}: mentions came back for another article")
        chunk.append(document)
        mentions.extend(found)
        size += len(article.text)
        if size >= chunk_chars:
            yield ScreenedChunk(len(chunk), len(mentions), _screened(chunk, mentions, screener))
            chunk, mentions, size = [], [], 0
    if chunk:
        yield ScreenedChunk(len(chunk), len(mentions), _screened(chunk, mentions, screener))


def _screened(
    documents: Sequence[Document], mentions: Sequence[Mention], screener: Screener
) -> list[dict[str, Any]]:
    return hit_lines(documents, mentions, screener.screen(mentions)) if mentions else []
