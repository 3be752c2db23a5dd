"""What every part of linkage reads from or sets in a model's JSON (Splink settings with trained
m and u): its version, its levels and their labels, and the smoothing of m. The mention model
and the cross-list model share them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any


def model_version(settings: Mapping[str, Any]) -> str:
    """Content hash of the model JSON: the version stamped on every match."""
    text = json.dumps(settings, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def levels_by_gamma(comparison: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(gamma, level) of a comparison's levels but its null level, in order: Splink numbers them
    from the last (else = 0) up."""
    levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    return [(len(levels) - 1 - i, level) for i, level in enumerate(levels)]


def level_labels(settings: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """comparison -> gamma value -> label, from the model JSON (gamma: else=0, null=-1)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        mapping = {-1: "no data"}
        for gamma, level in levels_by_gamma(comparison):
            mapping[gamma] = str(level.get("label_for_charts", ""))
        labels[comparison["output_column_name"]] = mapping
    return labels


def smooth_m(
    settings: dict[str, Any],
    count: Callable[[str, int, Mapping[str, Any]], float],
    total: Callable[[str], float],
    pseudo: Callable[[str, Mapping[str, Any], int], float],
    pseudo_total: Callable[[str, int], float],
) -> None:
    """Additive (Laplace) smoothing of every comparison's m, in place: a level's m becomes
    (count + pseudo) / (total + pseudo_total), for the comparison `name`, the level's `gamma`
    and the comparison's `k` levels: `count(name, gamma, level)` pairs seen at the level of
    `total(name)`, plus `pseudo(name, level, k)` pseudo-pairs of `pseudo_total(name, k)`. A level
    no pair reached keeps a small m rather than m = 0, which would veto every pair there
    whatever the other evidence."""
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        levels = levels_by_gamma(comparison)
        k = len(levels)
        values = [
            (count(name, gamma, level) + pseudo(name, level, k))
            / (total(name) + pseudo_total(name, k))
            for gamma, level in levels
        ]
        for (_, level), m in zip(levels, values, strict=True):
            level["m_probability"] = m
