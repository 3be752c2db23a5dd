"""Screening hits as analysts see them: one row per canonical entity (the same person on
OFAC, the UN and the UK is one candidate), its best-scoring listing first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from assets.common.tables import table_exists
from assets.linkage.crosslist import list_label


def canonical_lookup(
    con: duckdb.DuckDBPyConnection, entity_ids: Sequence[str]
) -> dict[str, tuple[str, list[str]]]:
    """entity_id -> (canonical_id, lists) for the given entities, from
    `linkage.canonical_entities` (empty when cross-list resolution has not run)."""
    if not entity_ids or not table_exists(con, "linkage", "canonical_entities"):
        return {}
    rows = con.execute(
        "SELECT entity_id, canonical_id, lists FROM linkage.canonical_entities "
        "WHERE list_contains(?, entity_id)",
        [list(entity_ids)],
    ).fetchall()
    return {str(e): (str(c), [str(x) for x in lists]) for e, c, lists in rows}


def group_hits(
    hits: Sequence[Mapping[str, Any]], canonical: Mapping[str, tuple[str, Sequence[str]]]
) -> list[dict[str, Any]]:
    """Screening hits (best first) grouped by canonical entity: the best hit of each group with
    the group's `canonical_id`, `lists` ("OFAC SDN, UN, UK OFSI") and every hit `entity_ids`.
    An entity that was never resolved is its own group on its own list."""
    groups: dict[str, dict[str, Any]] = {}
    for hit in sorted(hits, key=lambda h: -float(h["match_probability"])):
        entity = str(hit["entity_id"])
        cid, lists = canonical.get(entity, (entity, [list_label(entity.split(":", 1)[0])]))
        if cid not in groups:
            groups[cid] = {**hit, "canonical_id": cid, "lists": ", ".join(lists), "entity_ids": []}
        groups[cid]["entity_ids"].append(entity)
    return list(groups.values())
