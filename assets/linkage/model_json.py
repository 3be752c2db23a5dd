"""What every part of linkage reads from a model's JSON (Splink settings with trained m and u):
its version and its level labels. The mention model and the cross-list model share them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def model_version(settings: Mapping[str, Any]) -> str:
    """Content hash of the model JSON: the version stamped on every match."""
    text = json.dumps(settings, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def level_labels(settings: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """comparison -> gamma value -> label, from the model JSON (gamma: else=0, null=-1)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        non_null = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        mapping = {-1: "no data"}
        for i, level in enumerate(non_null):
            mapping[len(non_null) - 1 - i] = str(level.get("label_for_charts", ""))
        labels[comparison["output_column_name"]] = mapping
    return labels
