"""Training facts: what the model reads of each mention of the labelled articles, with the
listed entities it names, and nothing of the articles' text.

The model is fitted on labelled real news (the training split of the shared evaluation
collection, kept outside the project) and the team's samples. Those texts belong to their
publishers and stay outside the project; the facts derived from them (the mention's name, type,
countries, role, age, identifiers, and its gold links) are committed in
`data/training/news_mentions.jsonl`, so anyone can retrain (`sanctions train`) without the
texts.

One JSON object per line: the `Mention` fields but its sentence, plus `corpus` (which labelled
file it came from) and `links` (the listed entity ids the mention names; empty for a mention of
nobody listed).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from assets.articles.model import Mention, MentionIdentifier
from assets.common.atomic import atomic_path
from assets.linkage import crosslist
from assets.linkage.gold import LabelledArticle, gold_links, known_entity_ids
from assets.linkage.records import list_context, mention_records, mentions_related_names
from assets.linkage.store import list_records_table, token_frequency_table
from assets.linkage.training import GoldLink, TrainedModel, train

# Mention fields that are article text, not facts about the name: never written.
_TEXT_FIELDS = frozenset({"sentence"})
# Mention fields news never fills (a counterparty record's date of birth): not facts of news.
_RECORD_FIELDS = frozenset({"birth_date"})
_FIELDS = tuple(
    f.name for f in dataclasses.fields(Mention) if f.name not in _TEXT_FIELDS | _RECORD_FIELDS
)
_TYPES = typing.get_type_hints(Mention)


def _typed(value: Any, hint: Any) -> bool:
    """Whether the JSON `value` is of the `Mention` field type `hint` (str, int, a Literal,
    a list, an optional; identifiers are checked as they are built)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return value in args
    if origin is types.UnionType:
        return any(_typed(value, arg) for arg in args)
    if origin is list:
        return isinstance(value, list) and all(_typed(v, args[0]) for v in value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is MentionIdentifier:
        return isinstance(value.kind, str) and isinstance(value.value, str)
    return isinstance(value, hint)


@dataclass(frozen=True)
class TrainingFacts:
    """Mentions (with an empty sentence) and their gold links, ready for `train`."""

    mentions: list[Mention]
    gold: list[GoldLink]
    corpora: dict[str, int]  # corpus -> mentions

    def relabelled_by(self, newer: TrainingFacts) -> TrainingFacts:
        """These facts with `newer`'s mentions added; a mention in both takes `newer`'s
        links (an analyst's later decision is the last word on the mention). The corpus count
        of a replaced mention moves to `newer`'s corpus, so `corpora` adds up."""
        replaced = {m.mention_id for m in newer.mentions}
        kept = [m for m in self.mentions if m.mention_id not in replaced]
        corpora = {**self.corpora}
        if len(kept) < len(self.mentions):
            corpora["replaced by newer labels"] = len(kept) - len(self.mentions)
        for name, count in newer.corpora.items():
            corpora[name] = corpora.get(name, 0) + count
        return TrainingFacts(
            kept + list(newer.mentions),
            [g for g in self.gold if g.mention_id not in replaced] + list(newer.gold),
            corpora,
        )


def derive_facts(
    labelled: Sequence[LabelledArticle],
    mentions: Sequence[Mention],
    known: Iterable[str],
    corpus: str,
) -> list[dict[str, Any]]:
    """One fact row per mention of `labelled` (mentions extracted from its articles), ordered
    by mention id, with the listed entities (of `known`) the labels link it to."""
    links: dict[str, list[str]] = {}
    for link in gold_links(labelled, mentions, known):
        links.setdefault(link.mention_id, []).append(link.entity_id)
    rows = []
    for mention in sorted(mentions, key=lambda m: m.mention_id):
        row = {name: getattr(mention, name) for name in _FIELDS}
        row["identifiers"] = [dataclasses.asdict(i) for i in mention.identifiers]
        rows.append({"corpus": corpus, **row, "links": sorted(links.get(mention.mention_id, []))})
    return rows


def write_facts(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write fact rows as JSON lines, atomically (a reader never sees half a file)."""
    count = 0
    # A lone surrogate (a labelled file's name with undecodable bytes) as its JSON escape.
    with (
        atomic_path(path) as partial,
        partial.open("w", encoding="utf-8", errors="backslashreplace") as handle,
    ):
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def read_facts(path: Path, only_corpora: Collection[str] | None = None) -> TrainingFacts:
    """Parse a facts file strictly: a line with a missing field or a malformed value raises
    ValueError naming the file, the line and the mention. With `only_corpora`, only the mentions of
    those corpora are kept (every line is still checked)."""
    mentions: list[Mention] = []
    gold: list[GoldLink] = []
    corpora: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row: Any = None
        try:
            row = json.loads(line)
            values = {name: row[name] for name in _FIELDS}
            values["identifiers"] = [MentionIdentifier(**i) for i in row["identifiers"]]
            wrong = [name for name, value in values.items() if not _typed(value, _TYPES[name])]
            if wrong:
                hint = _TYPES[wrong[0]]
                kind = hint.__name__ if isinstance(hint, type) else str(hint)
                raise TypeError(f"{wrong[0]} is not {kind}: {values[wrong[0]]!r}")
            mention = Mention(sentence="", **values)
            if not _typed(row["links"], list[str]):
                raise TypeError(f"links is not a list of entity ids: {row['links']!r}")
            entity_ids = list(row["links"])
            corpus = str(row["corpus"])
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            ref = row.get("mention_id") if isinstance(row, dict) else None
            raise ValueError(f"{path}: line {number} (mention {ref}): {exc!r}") from exc
        if only_corpora is not None and corpus not in only_corpora:
            continue
        mentions.append(mention)
        gold.extend(GoldLink(mention.mention_id, e) for e in entity_ids)
        corpora[corpus] = corpora.get(corpus, 0) + 1
    return TrainingFacts(mentions, gold, corpora)


def train_news_model(
    con: duckdb.DuckDBPyConnection, facts: TrainingFacts
) -> tuple[TrainedModel, dict[str, int]]:
    """Train the mention model on the warehouse's lists and `facts`. Returns the model and the
    number of gold links kept per reason: links to entities the loaded lists lack are dropped
    (a facts file made against other list publications still trains)."""
    known = known_entity_ids(con)
    gold = [g for g in facts.gold if g.entity_id in known]
    records = list_records_table(con)
    context = list_context(records)
    related_of = mentions_related_names(facts.mentions, context.related_words)
    mention_table = mention_records(facts.mentions, token_frequency_table(con), related_of, context)
    same_entity = crosslist.same_entity_groups(crosslist.cross_references(con))
    model = train(mention_table, records, gold, same_entity)
    return model, {"gold_links": len(gold), "gold_links_not_loaded": len(facts.gold) - len(gold)}
