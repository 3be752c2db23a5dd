"""Cross-list entity resolution: one canonical entity for the OFAC, UN, UK and EU listings of
the same person, company or vessel.

Splink's `link_and_dedupe` over one table per list (one row per listed entity, with all its
names: `records`), Fellegi-Sunter weights learned from the lists themselves (`model`), and
connected components at a threshold (`resolution`). The ground truth is what the lists say
about each other: the UN reference number that UK, EU (and, where present, OFAC) records quote
for a UN designation, and a vessel's IMO number (`records`); `evaluation` measures against it.
Those keys are never model features (IMO is, as an identifier; see docs/benchmarks.md).

Everything here is pure over Arrow tables and a DuckDB connection that holds
`sources.entities` and `linkage.list_records`; the asset in `assets.linkage.assets` writes.
"""

from assets.linkage.crosslist.evaluation import Quality, evaluate
from assets.linkage.crosslist.model import CrossListModel, NotEnoughCrossReferences, train
from assets.linkage.crosslist.records import (
    LIST_LABELS,
    cross_references,
    entity_records,
    list_label,
    list_label_sql,
    same_entity_groups,
    training_half,
    truth_groups,
)
from assets.linkage.crosslist.resolution import Resolution, canonical_entities, resolve
from assets.linkage.model_json import model_version

__all__ = [
    "LIST_LABELS",
    "CrossListModel",
    "NotEnoughCrossReferences",
    "Quality",
    "Resolution",
    "canonical_entities",
    "cross_references",
    "entity_records",
    "evaluate",
    "list_label",
    "list_label_sql",
    "model_version",
    "resolve",
    "same_entity_groups",
    "train",
    "training_half",
    "truth_groups",
]
