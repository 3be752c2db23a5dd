"""Level weights fitted to tell labelled pairs apart (the record model).

Splink's estimates treat each comparison as independent evidence: m from labelled pairs, u from
random pairs, the prior from pair counts. That is how the news model is trained. On counterparty
records it misjudges two things. A random pair almost never shares a name exactly, so an exact
unique name weighs only what the lists' own name frequencies say (an exact "OCEAN ESTATE GMBH"
with nothing else came to 0.19), while the pairs that blocking proposes for a common name
("Jose Flores" and "Samuel FLORES BORREGO" of the same country and year) share more context than
random pairs do and weigh too much.

`fit_level_weights` refits every level's weight, the weight of the name's term-frequency
adjustment and the prior by penalised logistic regression over the candidate (record, listed
entity) pairs of the labelled records: the question the bands ask. Each weight is pulled
towards Splink's estimate (`PENALTY`), so a level few candidate pairs reach keeps about the
weight Splink gave it. The result is written back as Splink parameters (m = u x 2^weight), so
the model stays a Splink model, scored, charted and explained as before: each comparison
still adds its level's weight in bits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from typing import Any

import numpy as np
import pyarrow as pa

from assets.linkage.model_json import levels_by_gamma
from assets.linkage.scoring import NAME_FREQUENCY

# The pull of each weight towards Splink's estimate: a Gaussian prior of this precision (per
# bit squared) on the log-likelihood in nats. One is about what a dozen labelled pairs at a
# level outweigh.
PENALTY = 1.0
# The pull on each comparison's else level: held where Splink put it.
HELD = 1e6
# Newton steps: the penalised log-likelihood is concave, a few steps converge.
NEWTON_STEPS = 50
# The most bits a Newton step moves any weight.
MAX_STEP = 4.0
_LN2 = math.log(2.0)


def _level_weight(level: Mapping[str, Any]) -> float:
    return math.log2(float(level["m_probability"]) / float(level["u_probability"]))


def _columns(settings: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any], bool]]:
    """(comparison, label, level, is the else level) of every non-null level: the regression's
    indicator columns."""
    return [
        (comparison["output_column_name"], str(level["label_for_charts"]), level, gamma == 0)
        for comparison in settings["comparisons"]
        for gamma, level in levels_by_gamma(comparison)
    ]


def _design(
    candidates: pa.Table, columns: list[tuple[str, str, dict[str, Any], bool]]
) -> tuple[np.ndarray, np.ndarray]:
    """The indicator matrix of `candidates` (one row per pair, one column per level) and the
    name's term-frequency adjustment in bits per pair."""
    index = {(name, label): j for j, (name, label, *_) in enumerate(columns)}
    rows = candidates.num_rows
    x = np.zeros((rows, len(columns)), dtype=np.float64)
    tf_bits = np.zeros(rows, dtype=np.float64)
    for i, (levels, contributions) in enumerate(
        zip(
            candidates.column("levels").to_pylist(),
            candidates.column("contributions").to_pylist(),
            strict=True,
        )
    ):
        for name, label in levels:
            j = index.get((name, label))
            if j is not None:
                x[i, j] = 1.0
        tf_bits[i] = dict(contributions).get(NAME_FREQUENCY) or 0.0
    return x, tf_bits


def splink_parameters(weight: float, u: float, tf_weight: float | None) -> tuple[float, float]:
    """(m, u) of a level that adds `weight` bits, from its current `u`. m = u x 2^weight keeps
    u where m stays a probability. Otherwise m = 1 and u gives way; on a level with a
    term-frequency adjustment of weight `tf_weight`, which adds tf_weight x log2(u / tf) bits,
    u moves so that the level's weight and its adjustment still add up to the same for every
    name: log2(m) + (tf_weight - 1) log2(u') = weight + tf_weight log2(u)."""
    if u * 2.0**weight <= 1.0:
        return u * 2.0**weight, u
    if tf_weight is None or abs(tf_weight - 1.0) < 1e-9:
        return 1.0, 2.0 ** (-weight)
    return 1.0, 2.0 ** ((weight + tf_weight * math.log2(u)) / (tf_weight - 1.0))


def _newton(
    design: np.ndarray,
    labels: np.ndarray,
    target: np.ndarray,
    pull: np.ndarray,
    theta: np.ndarray | None = None,
) -> np.ndarray:
    """The weights (bits) maximising the log-likelihood of `labels` under logistic regression
    on `design`, less sum(pull x (weight - target)^2) / 2; Newton's method from `theta`
    (`target` when None)."""
    theta = (target if theta is None else theta).copy()
    for _ in range(NEWTON_STEPS):
        logits = _LN2 * (design @ theta)
        p = 1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60)))
        gradient = _LN2 * (design.T @ (labels - p)) - pull * (theta - target)
        curvature = _LN2 * _LN2 * (design.T * (p * (1 - p))) @ design + np.diag(pull)
        step = np.linalg.solve(curvature, gradient)
        # Damped: no weight moves more than MAX_STEP bits at once, so the first steps from a
        # far start cannot overshoot into saturated probabilities.
        step *= min(1.0, MAX_STEP / max(1e-12, float(np.max(np.abs(step)))))
        theta += step
        if np.max(np.abs(step)) < 1e-6:
            break
    return theta


def fit_level_weights(
    settings: dict[str, Any], candidates: pa.Table, positives: Set[tuple[str, str]]
) -> dict[str, Any]:
    """Refit `settings` in place on `candidates` (`assets.linkage.scoring.score` of labelled
    mentions, every pair kept), `positives` their (mention, entity) gold pairs. Returns what
    the fit did: pairs, positives, the term-frequency weight and the levels it moved most.
    Raises ValueError when the candidates hold no positive or no negative: nothing to fit."""
    columns = _columns(settings)
    x, tf_bits = _design(candidates, columns)
    labels = np.array(
        [
            (m, e) in positives
            for m, e in zip(
                candidates.column("mention_id").to_pylist(),
                candidates.column("entity_id").to_pylist(),
                strict=True,
            )
        ],
        dtype=np.float64,
    )
    if labels.size == 0 or labels.min() == labels.max():
        raise ValueError("fitting level weights needs candidate pairs of both labels")
    prior = float(settings["probability_two_random_records_match"])
    start = np.array([math.log2(prior / (1 - prior)), *(_level_weight(c[2]) for c in columns), 1.0])
    design = np.column_stack([np.ones(len(labels)), x, tf_bits])
    # The intercept is nearly free; every level weight and the term-frequency weight are
    # pulled, each comparison's else level held: a comparison's levels are one of them per
    # pair, so without an anchor the intercept and the levels would trade bits freely, and
    # "no name in common" could come out a weight in favour.
    pull = np.array([1e-6, *(HELD if c[3] else PENALTY for c in columns), PENALTY])
    target = start.copy()
    # A level keeps the side Splink put it on: an agreement that came out against the pair
    # (or a disagreement for it) would read as nonsense in an explanation ("type Person agrees
    # -0.4"); such a level is held at 0 bits and the rest refitted, until none flips.
    theta = _newton(design, labels, target, pull)
    zeroed: list[int] = []
    for _ in range(len(columns)):
        flipped = [
            j for j in range(1, len(columns) + 1) if start[j] * theta[j] < 0 and pull[j] < HELD
        ]
        if not flipped:
            break
        target[flipped], pull[flipped] = 0.0, HELD
        zeroed.extend(flipped)
        theta = _newton(design, labels, target, pull, theta)
    # What is held is exactly its target (a weight of 1e-9 bits would read "-0.0").
    held = pull >= HELD
    theta[held] = target[held]
    intercept, weights, tf_weight = theta[0], theta[1:-1], float(theta[-1])
    settings["probability_two_random_records_match"] = 1.0 / (1.0 + 2.0 ** (-intercept))
    moved = []
    for (name, label, level, _), weight, before in zip(columns, weights, start[1:-1], strict=True):
        adjusted = bool(level.get("tf_adjustment_column"))
        level["m_probability"], level["u_probability"] = splink_parameters(
            float(weight), float(level["u_probability"]), tf_weight if adjusted else None
        )
        if adjusted:
            level["tf_adjustment_weight"] = tf_weight
        moved.append((abs(weight - before), f"{name}: {label}", round(before, 2), round(weight, 2)))
    moved.sort(reverse=True)
    return {
        "levels_held_at_zero": [f"{columns[j - 1][0]}: {columns[j - 1][1]}" for j in zeroed],
        "candidate_pairs": len(labels),
        "positive_pairs": int(labels.sum()),
        "term_frequency_weight": round(tf_weight, 3),
        "levels_moved_most": [
            {"level": level, "from_bits": before, "to_bits": after}
            for _, level, before, after in moved[:8]
        ],
    }
