"""Exports of the canonical entities (cross-list resolution): one record per canonical entity
with all its names and all its listings, as Parquet and as FollowTheMoney-style JSON lines.

FtM style: `{"id", "schema", "caption", "properties": {"name": [...], "alias": [...], ...},
"datasets": [...], "referents": [...]}`, the shape OpenSanctions publishes, so tools that read
FtM entities (`ftm`, `nomenklatura`, `yente`) can read this file. `referents` are our entity ids
(`<source>:<official id>`) of the listings merged into the entity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from assets.common.atomic import atomic_path
from assets.common.tables import utc_now

CANONICAL_EXPORT_SQL = """
WITH names AS (
    SELECT c.canonical_id, n.name, n.kind
    FROM linkage.canonical_entities c JOIN sources.names n USING (entity_id)
),
name_lists AS (
    SELECT canonical_id,
           list(DISTINCT name ORDER BY name) AS names,
           list(DISTINCT name ORDER BY name) FILTER (WHERE kind = 'weak_alias') AS weak_aliases
    FROM names GROUP BY canonical_id
),
members AS (
    SELECT c.canonical_id, c.cluster_size, c.lists, e.*
    FROM linkage.canonical_entities c JOIN sources.entities e USING (entity_id)
)
SELECT m.canonical_id,
       -- The UN's record names and types the entity when it is on the UN list, else the
       -- listing with the smallest id.
       arg_min(m.schema, (m.source <> 'un_sc', m.entity_id)) AS schema,
       arg_min(m.caption, (m.source <> 'un_sc', m.entity_id)) AS caption,
       any_value(m.cluster_size) AS cluster_size,
       any_value(m.lists) AS lists,
       any_value(nl.names) AS names,
       coalesce(any_value(nl.weak_aliases), []) AS weak_aliases,
       list_sort(list_distinct(flatten(list(m.countries)))) AS countries,
       list_sort(list_distinct(flatten(list(m.birth_dates)))) AS birth_dates,
       list_sort(list_distinct(flatten(list(m.programs)))) AS programs,
       list_distinct(flatten(list(list_transform(m.identifiers,
           lambda i: {'kind': i.kind, 'value': i.value})))) AS identifiers,
       list({'entity_id': m.entity_id, 'source': m.source, 'official_id': m.official_id,
             'caption': m.caption, 'programs': m.programs, 'listed_on': m.listed_on}
            ORDER BY m.entity_id) AS listings
FROM members m LEFT JOIN name_lists nl USING (canonical_id)
GROUP BY m.canonical_id
ORDER BY m.canonical_id
"""

FTM_SCHEMAS = {
    "Person": "Person",
    "Organization": "Organization",
    "Vessel": "Vessel",
    "Aircraft": "Airplane",
}
FTM_IDENTIFIER_PROPERTIES = {
    "imo": "imoNumber",
    "passport": "passportNumber",
    "national_id": "idNumber",
    "tax_id": "taxNumber",
    "registration": "registrationNumber",
    "swift_bic": "swiftBic",
}


def canonical_export_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per canonical entity: its names, lists, facts and every listing."""
    return con.sql(CANONICAL_EXPORT_SQL).to_arrow_table()


def ftm_entity(row: dict[str, Any]) -> dict[str, Any]:
    """One canonical entity as a FollowTheMoney-style entity."""
    weak = set(row["weak_aliases"] or [])
    names = [n for n in row["names"] or [] if n not in weak]
    properties: dict[str, list[str]] = {
        "name": [row["caption"]],
        "alias": sorted(n for n in names if n != row["caption"]),
        "weakAlias": sorted(weak),
        "country": [c.lower() for c in row["countries"] or []],
        "program": list(row["programs"] or []),
        "topics": ["sanction"],
    }
    if row["schema"] == "Person":
        properties["birthDate"] = list(row["birth_dates"] or [])
    for identifier in row["identifiers"] or []:
        prop = FTM_IDENTIFIER_PROPERTIES.get(identifier["kind"])
        if prop:
            properties.setdefault(prop, []).append(identifier["value"])
    listings = row["listings"]
    return {
        "id": row["canonical_id"],
        "schema": FTM_SCHEMAS.get(row["schema"], "LegalEntity"),
        "caption": row["caption"],
        "properties": {k: v for k, v in properties.items() if v},
        "datasets": sorted({item["source"] for item in listings}),
        "referents": [item["entity_id"] for item in listings],
        "lists": list(row["lists"] or []),
    }


def write_canonical_exports(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, Any]:
    """Write `canonical_entities.parquet` and `canonical_entities.ftm.jsonl` into `folder`
    atomically; returns their paths and counts."""
    folder.mkdir(parents=True, exist_ok=True)
    table = canonical_export_table(con)
    parquet = folder / "canonical_entities.parquet"
    jsonl = folder / "canonical_entities.ftm.jsonl"
    with atomic_path(parquet) as partial_parquet, atomic_path(jsonl) as partial_jsonl:
        pq.write_table(table, partial_parquet)
        with partial_jsonl.open("w", encoding="utf-8") as out:
            for row in table.to_pylist():
                out.write(json.dumps(ftm_entity(row), ensure_ascii=False, default=str) + "\n")
    multi = sum(1 for size in table.column("cluster_size").to_pylist() if size > 1)
    return {
        "parquet": parquet,
        "jsonl": jsonl,
        "entities": table.num_rows,
        "on_several_lists": multi,
        "written_at": utc_now().isoformat(),
    }
