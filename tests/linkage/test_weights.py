"""Level weights refitted on labelled candidate pairs (`assets.linkage.weights`): the record
model's fit, on a model of two comparisons whose Splink estimates misjudge one level."""

from __future__ import annotations

import copy
import math
from typing import Any

import pyarrow as pa
import pytest

from assets.linkage.scoring import NAME_FREQUENCY
from assets.linkage.weights import fit_level_weights, splink_parameters


def _level(label: str, m: float, u: float, **extra: Any) -> dict[str, Any]:
    return {"label_for_charts": label, "m_probability": m, "u_probability": u, **extra}


def _settings() -> dict[str, Any]:
    """Splink's shape: levels strongest first, the null level first, the else level last."""
    return {
        "probability_two_random_records_match": 2.0**-12,
        "comparisons": [
            {
                "output_column_name": "name",
                "comparison_levels": [
                    {"label_for_charts": "no name", "is_null_level": True},
                    _level(
                        "exact",
                        0.5,
                        0.5 * 2.0**-10,
                        tf_adjustment_column="core",
                        tf_adjustment_weight=1.0,
                    ),
                    _level("shared word", 0.2, 0.2 * 2.0**-8),  # Splink: 8 bits in favour
                    _level("else", 0.06, 0.96),  # 4 bits against
                ],
            },
            {
                "output_column_name": "country",
                "comparison_levels": [
                    {"label_for_charts": "no country", "is_null_level": True},
                    _level("agrees", 0.9, 0.9 * 2.0**-3),
                    _level("disagrees", 0.1, 0.1 * 2.0**3),
                ],
            },
        ],
    }


def _candidates(rows: list[tuple[str, str, bool, float]]) -> tuple[pa.Table, set[tuple[str, str]]]:
    """(name level, country level, a match?, the name's frequency bits) per candidate pair."""
    levels, contributions, mentions, positives = [], [], [], set()
    for i, (name, country, match, frequency) in enumerate(rows):
        mentions.append(f"m{i}")
        levels.append([("name", name), ("country", country)])
        contributions.append([(NAME_FREQUENCY, frequency)])
        if match:
            positives.add((f"m{i}", "e"))
    table = pa.table(
        {
            "mention_id": mentions,
            "entity_id": ["e"] * len(rows),
            "levels": pa.array(levels, pa.map_(pa.string(), pa.string())),
            "contributions": pa.array(contributions, pa.map_(pa.string(), pa.float64())),
        }
    )
    return table, positives


def _bits(level: dict[str, Any]) -> float:
    return math.log2(level["m_probability"] / level["u_probability"])


def test_a_level_mostly_of_non_matches_loses_weight_and_splinks_shape_stays() -> None:
    # A shared word is seldom a match among the candidates (4 in 204); an exact name nearly
    # always is, more so for a rare name (frequency bits above zero).
    rows = (
        [("shared word", "agrees", False, 0.0)] * 150
        + [("shared word", "no data", False, 0.0)] * 50
        + [("shared word", "agrees", True, 0.0)] * 4
        + [("exact", "agrees", True, 2.0)] * 60
        + [("exact", "no data", True, 1.0)] * 30
        + [("exact", "disagrees", False, -2.0)] * 10
        + [("else", "agrees", False, 0.0)] * 300
    )
    table, positives = _candidates(rows)
    settings = _settings()
    before = copy.deepcopy(settings)
    fitted = fit_level_weights(settings, table, positives)

    name, country = (c["comparison_levels"] for c in settings["comparisons"])
    old_name = before["comparisons"][0]["comparison_levels"]
    assert _bits(name[2]) < _bits(old_name[2]) - 1  # the shared word weighs less
    # The else level is the anchor: it keeps Splink's weight.
    assert _bits(name[3]) == pytest.approx(_bits(old_name[3]), abs=1e-3)
    assert all(0 < lv[key] <= 1 for lv in (*name[1:], *country[1:]) for key in lv if "prob" in key)
    tf_weight = name[1]["tf_adjustment_weight"]
    assert tf_weight == pytest.approx(fitted["term_frequency_weight"], abs=1e-3) and tf_weight > 0
    assert "tf_adjustment_weight" not in name[2]
    assert settings["probability_two_random_records_match"] != 2.0**-12
    assert fitted["candidate_pairs"] == len(rows) and fitted["positive_pairs"] == 94
    assert fitted["levels_moved_most"][0]["level"].startswith("name:")
    # The fitted probabilities of the two kinds of pair now tell them apart.
    prior = settings["probability_two_random_records_match"]
    base = math.log2(prior / (1 - prior))
    assert base + _bits(name[2]) + _bits(country[1]) < 0 < base + _bits(name[1]) + _bits(country[1])


def test_nothing_to_fit_without_both_labels() -> None:
    table, _ = _candidates([("shared word", "agrees", False, 0.0)] * 3)
    with pytest.raises(ValueError, match="both labels"):
        fit_level_weights(_settings(), table, set())


@pytest.mark.parametrize(
    ("weight", "u", "tf_weight"),
    [(3.0, 2.0**-10, 0.5), (12.0, 2.0**-10, None), (12.0, 2.0**-10, 0.5), (12.0, 2.0**-10, 1.0)],
)
def test_splink_parameters_add_the_weight_with_the_same_frequency_adjustment(
    weight: float, u: float, tf_weight: float | None
) -> None:
    """m = u x 2^weight where that is a probability; else m = 1, and u moves so that the level
    and its term-frequency adjustment (tf_weight x log2(u / tf)) still add weight +
    tf_weight x log2(u_before / tf) bits for every name frequency tf."""
    m, new_u = splink_parameters(weight, u, tf_weight)
    assert 0 < m <= 1 and 0 < new_u <= 1
    for tf in (2.0**-20, 2.0**-12, 2.0**-6):
        extra = 0.0 if tf_weight is None else tf_weight * math.log2(new_u / tf)
        wanted = weight + (0.0 if tf_weight is None else tf_weight * math.log2(u / tf))
        if tf_weight == 1.0:  # the adjustment cancels u: the pair keeps log2(m / tf)
            wanted = math.log2(min(1.0, u * 2.0**weight) / tf)
        assert math.log2(m / new_u) + extra == pytest.approx(wanted)


def test_a_level_the_data_turns_around_is_held_at_zero() -> None:
    # Here an agreeing country goes with non-matches: the fit would count the agreement
    # against the pair, which no explanation could say; it weighs nothing instead. (The
    # disagreeing country is the else level, held where Splink put it.)
    rows = (
        [("exact", "agrees", False, 0.0)] * 40
        + [("exact", "disagrees", True, 0.0)] * 40
        + [("exact", "no data", True, 0.0)] * 20
        + [("else", "no data", False, 0.0)] * 100
    )
    table, positives = _candidates(rows)
    settings = _settings()
    fitted = fit_level_weights(settings, table, positives)
    country = settings["comparisons"][1]["comparison_levels"]
    assert fitted["levels_held_at_zero"] == ["country: agrees"]
    assert _bits(country[1]) == 0.0
    assert _bits(country[2]) == pytest.approx(-3.0)
