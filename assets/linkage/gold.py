"""Labelled articles: the team's samples (`data/articles/samples/articles.jsonl`) and, for
evaluation only, the shared evaluation set kept outside the project. Both use one format: each
article lists the entities it names with their surface forms and the list records (`links`)
they are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from assets.articles.ingest import Reject, article_from_object
from assets.articles.model import Article, Mention
from assets.common.jsonl import json_objects
from assets.common.tables import utc_now
from assets.linkage.names import normalise
from assets.linkage.training import GoldLink


@dataclass(frozen=True)
class GoldEntity:
    surfaces: tuple[str, ...]
    type: str
    links: tuple[str, ...]


@dataclass
class LabelledArticle:
    doc_id: str
    article: Article
    entities: list[GoldEntity] = field(default_factory=list)

    def linked_entities(self, known: Iterable[str] | None = None) -> list[GoldEntity]:
        """Gold entities with at least one link among `known` entity ids (all when None)."""
        keep = None if known is None else set(known)
        result = []
        for entity in self.entities:
            links = tuple(x for x in entity.links if keep is None or x in keep)
            if links:
                result.append(GoldEntity(entity.surfaces, entity.type, links))
        return result


def known_entity_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The ids of every listed entity loaded in the warehouse: the gold links that count."""
    return {str(e) for (e,) in con.execute("SELECT entity_id FROM sources.entities").fetchall()}


def _gold_entity(obj: Any) -> GoldEntity:
    """A labelled entity: `surface` a list of strings, `type`, and `links` (optional) a list of
    entity ids; a string where a list belongs would be read letter by letter, so it raises."""
    surfaces, links = obj["surface"], obj.get("links") or []
    if not (isinstance(surfaces, list) and all(isinstance(s, str) for s in surfaces)):
        raise ValueError('"surface" is not a list of strings')
    if not (isinstance(links, list) and all(isinstance(x, str) for x in links)):
        raise ValueError('"links" is not a list of entity ids')
    return GoldEntity(tuple(surfaces), str(obj["type"]), tuple(links))


def read_labelled(path: Path, now: dt.datetime | None = None) -> list[LabelledArticle]:
    """Parse a labelled JSONL file; raises ValueError naming the line on a malformed record.
    Its articles are fetched `now` (the current time by default): an undated article's ages
    are read as of then."""
    labelled = []
    now = now or utc_now()
    for number, obj in json_objects(path):
        try:
            article = article_from_object(obj, ref=f"{path.name}:{number}", now=now)
            entities = [_gold_entity(e) for e in obj.get("entities", [])]
        except (Reject, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: line {number}: {exc}") from exc
        labelled.append(
            LabelledArticle(str(obj.get("doc_id") or article.article_id), article, entities)
        )
    return labelled


def _key(text: str) -> str:
    return normalise(text)


def gold_links(
    labelled: Sequence[LabelledArticle], mentions: Sequence[Mention], known: Iterable[str]
) -> list[GoldLink]:
    """Mentions whose surface (or canonical form) is one of a linked gold entity's surfaces,
    paired with each of that entity's records present in the loaded lists."""
    known = set(known)
    by_article: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_article.setdefault(mention.article_id, []).append(mention)
    links: set[GoldLink] = set()
    for item in labelled:
        for entity in item.linked_entities(known):
            surfaces = {_key(s) for s in entity.surfaces}
            for mention in by_article.get(item.article.article_id, []):
                if _key(mention.text) in surfaces or _key(mention.canonical_text) in surfaces:
                    links.update(GoldLink(mention.mention_id, e) for e in entity.links)
    return sorted(links, key=lambda g: (g.mention_id, g.entity_id))


def expected_pairs(
    labelled: Sequence[LabelledArticle], known: Iterable[str]
) -> dict[str, list[set[str]]]:
    """article_id -> one set of acceptable entity ids per linked gold entity."""
    known = set(known)
    return {
        item.article.article_id: [set(e.links) for e in item.linked_entities(known)]
        for item in labelled
    }


def score_pairs(
    flagged: Mapping[str, set[str]], expected: Mapping[str, list[set[str]]]
) -> dict[str, float]:
    """Precision/recall of (article, entity) pairs, as the eval README defines them: a gold
    entity is found when any of its ids is flagged; a flagged id belonging to no gold entity of
    the article is a false positive."""
    tp = fn = fp = 0
    for article_id, gold in expected.items():
        got = flagged.get(article_id, set())
        gold_ids = set().union(*gold) if gold else set()
        for entity_ids in gold:
            if entity_ids & got:
                tp += 1
            else:
                fn += 1
        fp += len(got - gold_ids)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}
