"""Scoring the pipeline on labelled articles, stage by stage.

- NER recall: share of labelled surface forms of listed entities covered by some mention;
- candidate generation: recall@k of the gold entity among the candidates blocking proposes
  (ranked by probability) for the article's mentions;
- end to end: precision / recall / F1 of (article, listed entity) pairs at the match band, at
  match + review, and over a range of probability thresholds;
- slices of the end-to-end figures by list, by schema and by the script of the entity's
  original names; calibration: a reliability table (per probability bin, the mean predicted
  probability against the observed match rate), the Brier score and the expected calibration
  error (ECE), all over the best score of each (article, entity) pair.

Any scorer can be measured the same way: it only has to give scored pairs (mention_id,
entity_id, score in [0, 1]). The model, and the baselines in `benchmarks/`, are compared on the
same mentions with the same code.

Scoring follows the evaluation README: a gold entity counts as found when any of its linked ids
is flagged; a flagged id belonging to no gold entity of the article is a false positive; links
to records the loaded lists do not contain are dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from assets.articles.model import Mention
from assets.articles.pipeline import mentions_for
from assets.common.text import script_of
from assets.linkage.gold import LabelledArticle, expected_pairs, read_labelled, score_pairs
from assets.linkage.names import normalise
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener

THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
RECALL_AT = (1, 3, 10)
CALIBRATION_BINS = tuple(round(0.1 * i, 1) for i in range(11))

ScoredPair = tuple[str, str, float]
"""(mention_id, entity_id, score in [0, 1]): what any scorer gives the scorecard."""

Outcome = tuple[float, bool]
"""(predicted probability, whether the pair is a gold match): what calibration is measured on."""

ReliabilityRow = tuple[str, int, float, float]
"""(bin label, pairs, mean predicted probability, observed rate of gold matches)."""


@dataclass(frozen=True)
class EntityFacts:
    """What slices need of a listed entity."""

    source: str
    schema: str
    script: str


@dataclass
class Scorecard:
    articles: int
    gold_pairs: int
    ner_recall: float
    candidate_recall: float
    recall_at: dict[int, float]
    match: dict[str, float]
    match_or_review: dict[str, float]
    curve: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    slices: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    calibration: list[ReliabilityRow] = field(default_factory=list)
    brier: float = 0.0
    ece: float = 0.0
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "gold_pairs": self.gold_pairs,
            "ner_recall": self.ner_recall,
            "candidate_recall": self.candidate_recall,
            "recall_at": {str(k): v for k, v in self.recall_at.items()},
            "match": self.match,
            "match_or_review": self.match_or_review,
            "curve": [{"threshold": t, **r} for t, r in self.curve],
            "slices": self.slices,
            "calibration": [
                {"bin": b, "pairs": n, "mean_probability": p, "observed_rate": o}
                for b, n, p, o in self.calibration
            ],
            "brier": self.brier,
            "ece": self.ece,
            "misses": self.misses,
        }


def ner_recall(
    labelled: Sequence[LabelledArticle], mentions: Sequence[Mention], known: set[str]
) -> float:
    """Share of labelled surface forms (of entities on the loaded lists) a mention covers."""
    by_article = _by_article(mentions)
    surfaces = covered = 0
    for item in labelled:
        for entity in item.linked_entities(known):
            for surface in entity.surfaces:
                surfaces += 1
                covered += _covered(
                    surface, by_article.get(item.article.article_id, []), item.article.text
                )
    return covered / surfaces if surfaces else 1.0


def _by_article(mentions: Sequence[Mention]) -> dict[str, list[Mention]]:
    by_article: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_article.setdefault(mention.article_id, []).append(mention)
    return by_article


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


def article_scores(
    mentions: Sequence[Mention], scored: Sequence[ScoredPair]
) -> dict[tuple[str, str], float]:
    """(article_id, entity_id) -> the best score any mention of the article got."""
    article_of = {m.mention_id: m.article_id for m in mentions}
    best: dict[tuple[str, str], float] = {}
    for mention_id, entity_id, probability in scored:
        key = (article_of[mention_id], entity_id)
        if probability > best.get(key, -1.0):
            best[key] = probability
    return best


def pairs_at(
    best: Mapping[tuple[str, str], float],
    expected: Mapping[str, list[set[str]]],
    threshold: float,
    keep: Callable[[str], bool] | None = None,
) -> dict[str, float]:
    """Precision/recall/F1 of the (article, entity) pairs scored at or above `threshold`;
    `keep` restricts both the flagged and the gold ids to one slice."""
    flagged: dict[str, set[str]] = {}
    for (article, entity), probability in best.items():
        if probability >= threshold and (keep is None or keep(entity)):
            flagged.setdefault(article, set()).add(entity)
    if keep is not None:
        expected = {
            article: [kept for ids in gold if (kept := {e for e in ids if keep(e)})]
            for article, gold in expected.items()
        }
    return score_pairs(flagged, expected)


def _recall_at(
    mentions: Sequence[Mention],
    scored: Sequence[ScoredPair],
    expected: Mapping[str, list[set[str]]],
) -> tuple[float, dict[int, float]]:
    """Candidate recall (any rank) and recall@k: a gold entity is found at rank r when, for some
    mention of its article, one of its ids is the r-th best candidate of that mention."""
    by_mention: dict[str, list[tuple[float, str]]] = {}
    for mention_id, entity_id, probability in scored:
        by_mention.setdefault(mention_id, []).append((probability, entity_id))
    article_of = {m.mention_id: m.article_id for m in mentions}
    ranks: dict[str, dict[str, int]] = {}  # article -> entity -> best rank
    for mention_id, candidates in by_mention.items():
        ordered = sorted(candidates, key=lambda c: (-c[0], c[1]))
        article_ranks = ranks.setdefault(article_of[mention_id], {})
        for rank, (_, entity_id) in enumerate(ordered, start=1):
            article_ranks[entity_id] = min(rank, article_ranks.get(entity_id, rank))
    best_ranks = [
        min((ranks.get(article, {}).get(e, 10**9) for e in ids), default=10**9)
        for article, gold in expected.items()
        for ids in gold
    ]
    total = len(best_ranks)
    if not total:
        return 1.0, dict.fromkeys(RECALL_AT, 1.0)
    found = sum(1 for r in best_ranks if r < 10**9) / total
    return found, {k: sum(1 for r in best_ranks if r <= k) / total for k in RECALL_AT}


def outcomes(
    best: Mapping[tuple[str, str], float], expected: Mapping[str, list[set[str]]]
) -> list[Outcome]:
    """Each (article, entity) pair's best probability with whether it is a gold match: any
    linked id of a gold entity of the article counts, as in `pairs_at`."""
    gold = {(a, e) for a, sets in expected.items() for ids in sets for e in ids}
    return [(p, key in gold) for key, p in best.items()]


def reliability(pairs: Sequence[Outcome]) -> list[ReliabilityRow]:
    """Per probability bin of width 0.1 holding some pair: pairs, mean predicted probability,
    share that are gold matches. Empty bins are left out: they have no observed rate."""
    rows = []
    for low, high in itertools.pairwise(CALIBRATION_BINS):
        # bins are half-open, except the last, which must also hold a probability of exactly 1
        inside = [(p, g) for p, g in pairs if low <= p < high or (high == 1.0 and p == 1.0)]
        if inside:
            rows.append(
                (
                    f"{low:.1f}-{high:.1f}",
                    len(inside),
                    sum(p for p, _ in inside) / len(inside),
                    sum(1 for _, g in inside if g) / len(inside),
                )
            )
    return rows


def brier_score(pairs: Sequence[Outcome]) -> float:
    """Mean squared difference between the predicted probability and the 0/1 gold outcome
    (0 when there are no pairs: nothing was predicted wrongly)."""
    if not pairs:
        return 0.0
    return sum((p - float(g)) ** 2 for p, g in pairs) / len(pairs)


def expected_calibration_error(pairs: Sequence[Outcome]) -> float:
    """Sum over the reliability bins of (pairs in bin / all pairs) * |mean predicted - observed|
    (0 when there are no pairs)."""
    if not pairs:
        return 0.0
    return sum(n / len(pairs) * abs(mean - observed) for _, n, mean, observed in reliability(pairs))


def _slices(
    best: Mapping[tuple[str, str], float],
    expected: Mapping[str, list[set[str]]],
    facts: Mapping[str, EntityFacts],
    threshold: float,
) -> dict[str, dict[str, dict[str, float]]]:
    result: dict[str, dict[str, dict[str, float]]] = {}
    for dimension in ("source", "schema", "script"):
        values = sorted({getattr(f, dimension) for f in facts.values()})
        per_value = {}
        for value in values:

            def keep(entity: str, value: str = value, dimension: str = dimension) -> bool:
                fact = facts.get(entity)
                return fact is not None and getattr(fact, dimension) == value

            figures = pairs_at(best, expected, threshold, keep)
            if figures["tp"] + figures["fn"] + figures["fp"]:
                per_value[value] = figures
        result[dimension] = per_value
    return result


def scorecard(
    labelled: Sequence[LabelledArticle],
    mentions: Sequence[Mention],
    scored: Sequence[ScoredPair],
    known: set[str],
    bands: Bands,
    facts: Mapping[str, EntityFacts] | None = None,
    held_for_review: Collection[tuple[str, str]] = (),
    lifted_to_review: Collection[tuple[str, str]] = (),
) -> Scorecard:
    """Every stage's figures for one scorer's pairs on `mentions` (extracted from `labelled`).
    `scored` holds every candidate pair with its score, not only those above a band;
    `held_for_review` the (mention, entity) pairs the scorer keeps out of the match band
    whatever their score (listed rivals of one name), which the match-band figures leave out;
    `lifted_to_review` those it puts in the review band under its probability (namesakes, an
    exact list name), which the match+review figures count."""
    expected = expected_pairs(labelled, known)
    best = article_scores(mentions, scored)
    held = set(held_for_review)
    in_match_band = (
        article_scores(mentions, [s for s in scored if (s[0], s[1]) not in held]) if held else best
    )
    lifted = set(lifted_to_review)
    in_review_band = (
        article_scores(
            mentions,
            [(m, e, max(p, bands.review) if (m, e) in lifted else p) for m, e, p in scored],
        )
        if lifted
        else best
    )
    calibrated = outcomes(best, expected)
    candidate_recall, recall_at = _recall_at(mentions, scored, expected)
    match = pairs_at(in_match_band, expected, bands.match)
    misses = [
        f"{item.doc_id}: {sorted(ids)}"
        for item in labelled
        for ids in expected[item.article.article_id]
        if not any(
            in_match_band.get((item.article.article_id, e), -1.0) >= bands.match for e in ids
        )
    ]
    return Scorecard(
        articles=len(labelled),
        gold_pairs=sum(len(v) for v in expected.values()),
        ner_recall=ner_recall(labelled, mentions, known),
        candidate_recall=candidate_recall,
        recall_at=recall_at,
        match=match,
        match_or_review=pairs_at(in_review_band, expected, bands.review),
        curve=[(t, pairs_at(best, expected, t)) for t in THRESHOLDS],
        slices=_slices(in_match_band, expected, facts, bands.match) if facts else {},
        calibration=reliability(calibrated),
        brier=brier_score(calibrated),
        ece=expected_calibration_error(calibrated),
        misses=misses,
    )


@dataclass(frozen=True)
class ModelScores:
    """A screener's pairs on some mentions: every candidate pair blocking proposes, with the
    model's probability (`scored`); the pairs its bands hold in review although their
    probability reaches the match band (`held_for_review`), and those they lift into review
    from under it (`lifted_to_review`)."""

    scored: list[ScoredPair]
    held_for_review: frozenset[tuple[str, str]]
    lifted_to_review: frozenset[tuple[str, str]]


def model_scores(screener: Screener, mentions: Sequence[Mention]) -> ModelScores:
    """`ModelScores` of `screener` on `mentions`."""
    candidates = screener.screen(mentions, Bands(match=screener.bands.match, review=0.0))
    mention_ids = candidates.column("mention_id").to_pylist()
    entity_ids = candidates.column("entity_id").to_pylist()
    probabilities = [float(p) for p in candidates.column("match_probability").to_pylist()]
    banded = screener.screen(mentions).to_pylist()
    return ModelScores(
        scored=list(zip(mention_ids, entity_ids, probabilities, strict=True)),
        held_for_review=frozenset(
            (row["mention_id"], row["entity_id"])
            for row in banded
            if row["band"] != "match" and row["match_probability"] >= screener.bands.match
        ),
        lifted_to_review=frozenset(
            (row["mention_id"], row["entity_id"])
            for row in banded
            if row["band"] == "review" and row["match_probability"] < screener.bands.review
        ),
    )


def entity_facts(con: duckdb.DuckDBPyConnection) -> dict[str, EntityFacts]:
    """List, schema and script of every listed entity; the script is that of its names not
    written in Latin letters (a Cyrillic original name makes a "Cyrillic" entity), else Latin."""
    rows = con.execute(
        """
        SELECT e.entity_id, e.source, e.schema, list(n.name ORDER BY n.name)
        FROM sources.entities e LEFT JOIN sources.names n USING (entity_id)
        GROUP BY ALL
        """
    ).fetchall()
    facts = {}
    for entity_id, source, schema, names in rows:
        scripts = sorted({script_of(n) for n in names or [] if n} - {"Latin"})
        facts[str(entity_id)] = EntityFacts(
            str(source), str(schema), scripts[0] if scripts else "Latin"
        )
    return facts


@dataclass(frozen=True)
class EvaluationSet:
    """Labelled articles and the mentions extraction found in them."""

    name: str
    labelled: Sequence[LabelledArticle]
    mentions: Sequence[Mention]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, path: Path, nlp_model: str) -> EvaluationSet:
        """The labelled file `path` (named by its path) and the mentions the spaCy pipeline
        `nlp_model` finds in its articles against the warehouse's lists."""
        labelled = read_labelled(path)
        found = mentions_for([item.article for item in labelled], nlp_model, con)
        return cls(str(path), labelled, found)


def evaluate(
    labelled: Sequence[LabelledArticle],
    mentions: Sequence[Mention],
    screener: Screener,
    known: set[str],
    facts: Mapping[str, EntityFacts] | None = None,
) -> Scorecard:
    """The scorecard of `mentions` (extracted from `labelled`) screened with `screener`."""
    pairs = model_scores(screener, mentions)
    return scorecard(
        labelled,
        mentions,
        pairs.scored,
        known,
        screener.bands,
        facts,
        pairs.held_for_review,
        pairs.lifted_to_review,
    )


def format_scorecard(card: Scorecard, title: str) -> str:
    """The scorecard as plain text, for the terminal."""
    lines = [
        f"{title}: {card.articles} articles, {card.gold_pairs} labelled (article, entity) pairs",
        f"  NER recall              {card.ner_recall:.3f}",
        f"  candidate recall        {card.candidate_recall:.3f}  "
        + "  ".join(f"@{k} {v:.3f}" for k, v in card.recall_at.items()),
    ]
    for label, r in (("match band", card.match), ("match+review", card.match_or_review)):
        lines.append(
            f"  {label:<22}  P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  "
            f"(tp {int(r['tp'])}, fp {int(r['fp'])}, fn {int(r['fn'])})"
        )
    for dimension, values in card.slices.items():
        for value, r in values.items():
            lines.append(
                f"  by {dimension:<6} {value:<14} P {r['precision']:.3f}  R {r['recall']:.3f}  "
                f"(tp {int(r['tp'])}, fp {int(r['fp'])}, fn {int(r['fn'])})"
            )
    lines.append(f"  {'calibration':<22}  Brier {card.brier:.3f}  ECE {card.ece:.3f}")
    if card.calibration:
        lines.append(f"    {'bin':<9}  {'pairs':>6}  {'predicted':>9}  {'observed':>8}")
    for bin_label, pairs, mean, observed in card.calibration:
        lines.append(f"    {bin_label:<9}  {pairs:6d}  {mean:9.3f}  {observed:8.3f}")
    return "\n".join(lines)
