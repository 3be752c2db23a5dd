"""The scorecard's arithmetic on literal labelled articles, mentions and scored pairs."""

from __future__ import annotations

import datetime as dt

import pytest

from assets.articles.model import Article, Mention
from assets.linkage.gold import GoldEntity, LabelledArticle
from assets.linkage.scoring import Bands
from assets.outputs.evaluation import (
    EntityFacts,
    brier_score,
    expected_calibration_error,
    format_scorecard,
    pairs_at,
    reliability,
    scorecard,
)

NOW = dt.datetime(2026, 11, 26)


def article(article_id: str, text: str) -> Article:
    return Article(
        article_id=article_id,
        url=None,
        title=article_id,
        published_at=NOW,
        fetched_at=NOW,
        origin="inbox",
        source_ref=article_id,
        text=text,
    )


def mention(mention_id: str, article_id: str, text: str, start: int) -> Mention:
    return Mention(
        mention_id=mention_id,
        article_id=article_id,
        text=text,
        label="ORG",
        schema_guess="Organization",
        start=start,
        end=start + len(text),
        sentence=text,
        detector="ner",
        canonical_id=mention_id,
        canonical_text=text,
    )


A1 = "Acme Trading and Borealis Shipping were designated."
A2 = "Nothing listed here, only Cobalt Holdings."
LABELLED = [
    LabelledArticle(
        "doc-1",
        article("a1", A1),
        [
            GoldEntity(("Acme Trading",), "Organization", ("ofac_sdn:1", "uk_ofsi:1")),
            GoldEntity(("Borealis Shipping",), "Organization", ("un_sc:2",)),
        ],
    ),
    LabelledArticle("doc-2", article("a2", A2), []),
]
MENTIONS = [
    mention("m1", "a1", "Acme Trading", 0),
    mention("m2", "a1", "Borealis Shipping", 17),
    mention("m3", "a2", "Cobalt Holdings", 26),
]
KNOWN = {"ofac_sdn:1", "uk_ofsi:1", "un_sc:2", "ofac_sdn:9"}
FACTS = {
    "ofac_sdn:1": EntityFacts("ofac_sdn", "Organization", "Latin"),
    "uk_ofsi:1": EntityFacts("uk_ofsi", "Organization", "Cyrillic"),
    "un_sc:2": EntityFacts("un_sc", "Vessel", "Latin"),
    "ofac_sdn:9": EntityFacts("ofac_sdn", "Organization", "Latin"),
}
SCORED = [
    ("m1", "ofac_sdn:1", 0.95),  # gold, found at rank 1
    ("m1", "ofac_sdn:9", 0.40),  # a review-band false candidate
    ("m2", "ofac_sdn:9", 0.70),  # a false match, ranked above the gold entity
    ("m2", "un_sc:2", 0.30),  # gold, at rank 2, below the review band
    ("m3", "ofac_sdn:9", 0.65),  # a false match in the article without gold
]


def test_end_to_end_figures_count_article_entity_pairs() -> None:
    card = scorecard(LABELLED, MENTIONS, SCORED, KNOWN, Bands(match=0.6, review=0.35), FACTS)
    assert card.gold_pairs == 2
    assert card.ner_recall == 1.0
    assert (card.match["tp"], card.match["fp"], card.match["fn"]) == (1, 2, 1)
    assert card.match["precision"] == pytest.approx(1 / 3)
    assert card.match["recall"] == pytest.approx(0.5)
    # m1's review candidate ofac_sdn:9 adds nothing in a1: ofac_sdn:9 is flagged there already
    assert (card.match_or_review["tp"], card.match_or_review["fp"]) == (1, 2)
    assert card.misses == ["doc-1: ['un_sc:2']"]


def test_pairs_the_bands_lift_into_review_count_at_match_and_review_only() -> None:
    bands = Bands(match=0.6, review=0.35)
    card = scorecard(
        LABELLED, MENTIONS, SCORED, KNOWN, bands, FACTS, lifted_to_review=[("m2", "un_sc:2")]
    )
    # un_sc:2 at 0.30 is in the review band (one of several namesakes, say): found there
    assert (card.match_or_review["tp"], card.match_or_review["fn"]) == (2, 0)
    # ... and nowhere else: the match band and the calibration read its probability
    assert (card.match["tp"], card.match["fn"]) == (1, 1)
    assert card.misses == ["doc-1: ['un_sc:2']"]
    assert ("0.3-0.4", 1, pytest.approx(0.3), 1.0) in card.calibration


def test_candidate_recall_at_k_ranks_each_mentions_candidates() -> None:
    card = scorecard(LABELLED, MENTIONS, SCORED, KNOWN, Bands(), FACTS)
    assert card.candidate_recall == 1.0
    assert card.recall_at == {1: 0.5, 3: 1.0, 10: 1.0}


def test_slices_restrict_gold_and_flags_to_one_value() -> None:
    card = scorecard(LABELLED, MENTIONS, SCORED, KNOWN, Bands(match=0.6, review=0.35), FACTS)
    assert card.slices["source"]["ofac_sdn"]["tp"] == 1
    assert card.slices["source"]["ofac_sdn"]["fp"] == 2
    assert card.slices["source"]["un_sc"] == pytest.approx(
        {"tp": 0, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.0, "f1": 0.0}
    )
    # the gold entity is on two lists: each list's slice counts it
    assert card.slices["source"]["uk_ofsi"]["fn"] == 1
    assert card.slices["schema"]["Vessel"]["fn"] == 1
    assert set(card.slices["script"]) == {"Cyrillic", "Latin"}


def test_calibration_bins_compare_predicted_and_observed() -> None:
    card = scorecard(LABELLED, MENTIONS, SCORED, KNOWN, Bands(), FACTS)
    bins = {b: (n, round(p, 3), o) for b, n, p, o in card.calibration}
    assert bins["0.9-1.0"] == (1, 0.95, 1.0)
    assert bins["0.7-0.8"] == (1, 0.7, 0.0)
    assert bins["0.6-0.7"] == (1, 0.65, 0.0)
    assert bins["0.3-0.4"] == (1, 0.3, 1.0)
    assert sum(n for n, _, _ in bins.values()) == 4  # best score per (article, entity)


def test_brier_and_ece_over_the_best_score_of_each_pair() -> None:
    card = scorecard(LABELLED, MENTIONS, SCORED, KNOWN, Bands(), FACTS)
    # best pairs: 0.95 gold, 0.70 not, 0.65 not, 0.30 gold; each alone in its bin
    assert card.brier == pytest.approx((0.05**2 + 0.70**2 + 0.65**2 + 0.70**2) / 4)
    assert card.ece == pytest.approx((0.05 + 0.70 + 0.65 + 0.70) / 4)
    assert card.as_dict()["brier"] == card.brier and card.as_dict()["ece"] == card.ece


def test_reliability_brier_and_ece_on_two_bins() -> None:
    pairs = [
        (0.12, False),
        (0.18, False),  # bin 0.1-0.2: mean 0.15, observed 0
        (0.85, True),
        (0.85, True),
        (0.85, False),  # bin 0.8-0.9: mean 0.85, observed 2/3
    ]
    rows = reliability(pairs)
    assert [(b, n) for b, n, _, _ in rows] == [("0.1-0.2", 2), ("0.8-0.9", 3)]
    assert rows[0][2:] == pytest.approx((0.15, 0.0))
    assert rows[1][2:] == pytest.approx((0.85, 2 / 3))
    assert brier_score(pairs) == pytest.approx(
        (0.12**2 + 0.18**2 + 0.15**2 + 0.15**2 + 0.85**2) / 5
    )
    assert expected_calibration_error(pairs) == pytest.approx(2 / 5 * 0.15 + 3 / 5 * (0.85 - 2 / 3))


def test_perfectly_calibrated_pairs_have_no_calibration_error() -> None:
    pairs = [(0.25, True), *[(0.25, False)] * 3, (0.5, True), (0.5, False), (1.0, True)]
    assert expected_calibration_error(pairs) == pytest.approx(0.0)
    # the Brier score is not 0 though: it also charges predictions for being uncertain
    assert brier_score(pairs) == pytest.approx((0.75**2 + 3 * 0.25**2 + 2 * 0.5**2) / 7)


def test_calibration_of_no_pairs_is_zero() -> None:
    assert reliability([]) == []
    assert brier_score([]) == 0.0 and expected_calibration_error([]) == 0.0


def test_threshold_sweep_and_text_form() -> None:
    card = scorecard(LABELLED, MENTIONS, SCORED, KNOWN, Bands(), FACTS)
    by_threshold = dict(card.curve)
    assert by_threshold[0.3]["recall"] == 1.0
    assert by_threshold[0.95]["precision"] == 1.0 and by_threshold[0.95]["recall"] == 0.5
    text = format_scorecard(card, "literal")
    assert "candidate recall" in text and "@1 0.500" in text and "by source un_sc" in text
    assert "calibration             Brier 0.351  ECE 0.525" in text
    assert "pairs  predicted  observed" in text and "0.9-1.0         1      0.950     1.000" in text


def test_pairs_at_without_slice_equals_the_match_band() -> None:
    best = {("a1", "ofac_sdn:1"): 0.9, ("a1", "x:1"): 0.8}
    expected = {"a1": [{"ofac_sdn:1"}]}
    assert pairs_at(best, expected, 0.85)["precision"] == 1.0
    assert pairs_at(best, expected, 0.5)["fp"] == 1
