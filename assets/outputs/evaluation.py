"""Scoring the pipeline on labelled articles, stage by stage.

- NER recall: share of labelled surface forms of listed entities covered by some mention;
- candidate recall: share of labelled (article, listed entity) pairs for which blocking
  proposes at least one of the entity's names for some mention of the article;
- end to end: precision / recall / F1 of (article, listed entity) pairs at the match band and
  at match + review, and over a range of probability thresholds.

Scoring follows the evaluation README: a gold entity counts as found when any of its linked ids
is flagged; a flagged id belonging to no gold entity of the article is a false positive; links
to records the loaded lists do not contain are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assets.articles.model import Mention
from assets.linkage.gold import LabelledArticle, expected_pairs, score_pairs
from assets.linkage.names import normalise
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener

THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


@dataclass
class Scorecard:
    articles: int
    gold_pairs: int
    ner_recall: float
    candidate_recall: float
    match: dict[str, float]
    match_or_review: dict[str, float]
    curve: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "gold_pairs": self.gold_pairs,
            "ner_recall": self.ner_recall,
            "candidate_recall": self.candidate_recall,
            "match": self.match,
            "match_or_review": self.match_or_review,
        }


def _covered(surface: str, mentions: Sequence[Mention], text: str) -> bool:
    key = normalise(surface)
    for start in _find_all(text, surface):
        end = start + len(surface)
        if any(m.start <= start and end <= m.end for m in mentions):
            return True
    return any(normalise(m.text) == key for m in mentions)


def _find_all(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start >= 0:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def evaluate(
    labelled: Sequence[LabelledArticle],
    mentions: Sequence[Mention],
    screener: Screener,
    known_entities: set[str],
) -> Scorecard:
    """The scorecard of `mentions` (extracted from `labelled`) screened with `screener`."""
    expected = expected_pairs(labelled, known_entities)
    by_article: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_article.setdefault(mention.article_id, []).append(mention)

    surfaces = covered = 0
    for item in labelled:
        for entity in item.linked_entities(known_entities):
            for surface in entity.surfaces:
                surfaces += 1
                covered += _covered(
                    surface, by_article.get(item.article.article_id, []), item.article.text
                )

    candidates = screener.screen(
        mentions, Bands(match=screener.bands.match, review=0.0)
    ).to_pylist()
    article_of = {m.mention_id: m.article_id for m in mentions}
    proposed: dict[str, set[str]] = {}
    scored: list[tuple[str, str, float]] = []
    for row in candidates:
        article = article_of[row["mention_id"]]
        proposed.setdefault(article, set()).add(row["entity_id"])
        scored.append((article, row["entity_id"], float(row["match_probability"])))

    gold_pairs = sum(len(v) for v in expected.values())
    found_candidates = sum(
        1
        for article, gold in expected.items()
        for ids in gold
        if ids & proposed.get(article, set())
    )

    def at(threshold: float) -> dict[str, float]:
        flagged: dict[str, set[str]] = {}
        for article, entity, probability in scored:
            if probability >= threshold:
                flagged.setdefault(article, set()).add(entity)
        return score_pairs(flagged, expected)

    misses = [
        f"{item.doc_id}: {sorted(ids)}"
        for item in labelled
        for ids in expected[item.article.article_id]
        if not (
            ids
            & {
                e
                for a, e, p in scored
                if a == item.article.article_id and p >= screener.bands.match
            }
        )
    ]
    return Scorecard(
        articles=len(labelled),
        gold_pairs=gold_pairs,
        ner_recall=covered / surfaces if surfaces else 1.0,
        candidate_recall=found_candidates / gold_pairs if gold_pairs else 1.0,
        match=at(screener.bands.match),
        match_or_review=at(screener.bands.review),
        curve=[(t, at(t)) for t in THRESHOLDS],
        misses=misses,
    )
