"""The cross-list records (one per listed entity, with all its names) and the ground truth the
lists give about each other: UN reference numbers, IMO numbers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from assets.linkage.names import analyse_frame
from assets.linkage.records import COMPARABLE_IDENTIFIERS

# Short names of the lists, as analysts say them ("OFAC SDN, UN, UK OFSI").
LIST_LABELS = {
    "ofac_sdn": "OFAC SDN",
    "ofac_cons": "OFAC non-SDN",
    "un_sc": "UN",
    "uk_ofsi": "UK OFSI",
    "uk_fcdo": "UK FCDO",
    "eu_fsf": "EU",
}


def list_label(source: str) -> str:
    return LIST_LABELS.get(source, source)


def list_label_sql(column: str) -> str:
    """SQL naming the list in `column` (a source id) as `list_label` does."""
    cases = " ".join(f"WHEN '{source}' THEN '{label}'" for source, label in LIST_LABELS.items())
    return f"CASE {column} {cases} ELSE {column} END"


# --- records ---------------------------------------------------------------------------------

ENTITY_RECORDS_SQL = """
WITH names AS (
    SELECT entity_id,
           list(DISTINCT sorted_core_key ORDER BY sorted_core_key)
               FILTER (WHERE name_kind <> 'weak_alias') AS name_keys,
           list(DISTINCT t ORDER BY t) FILTER (WHERE t IS NOT NULL) AS rare_tokens,
           arg_min(core, (name_kind <> 'primary', unique_id)) AS core,
           arg_min(sorted_core_key, (name_kind <> 'primary', unique_id)) AS sorted_core_key
    FROM (SELECT *, unnest(CASE WHEN name_kind = 'weak_alias' THEN [NULL::VARCHAR]
                                ELSE coalesce(rare_tokens, []) || [NULL::VARCHAR] END) AS t
          FROM linkage.list_records)
    GROUP BY entity_id
)
SELECT e.entity_id AS unique_id, e.source, e.schema, e.caption AS name,
       n.core, n.sorted_core_key, nullif(n.name_keys, []) AS name_keys,
       nullif(n.rare_tokens, []) AS rare_tokens,
       nullif(list_sort(list_distinct(e.countries)), []) AS countries,
       nullif(list_sort(list_distinct(list_filter(e.birth_dates,
           lambda d: length(d) = 10))), []) AS birth_dates,
       nullif(list_sort(list_distinct(list_filter(list_transform(e.birth_dates,
           lambda d: TRY_CAST(substr(d, 1, 4) AS INTEGER)), lambda y: y IS NOT NULL))), [])
           AS birth_years,
       nullif(list_sort(list_distinct(list_transform(
           list_filter(e.identifiers, lambda i: list_contains($kinds, i.kind)),
           lambda i: i.kind || ':' || upper(regexp_replace(i.value, '[^0-9A-Za-z]', '', 'g'))))),
           []) AS identifiers
FROM sources.entities e JOIN names n USING (entity_id)
WHERE n.core IS NOT NULL
ORDER BY e.entity_id
"""


# "AL-QAIDA IN THE ARABIAN PENINSULA (AQAP)": the UN adds the acronym to the name that other
# lists give without it.
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")


def _names_without_parenthesis(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """entity_id -> order-free keys of its names with a trailing parenthesis removed."""
    rows = con.execute(
        "SELECT entity_id, name FROM linkage.list_records "
        "WHERE name_kind <> 'weak_alias' AND name LIKE '%)' ORDER BY unique_id"
    ).fetchall()
    stripped = [_TRAILING_PARENTHESIS.sub("", str(name)) for _, name in rows]
    keys = analyse_frame(stripped).column("sorted_core_key").to_pylist()
    extra: dict[str, set[str]] = {}
    for (entity_id, _), key in zip(rows, keys, strict=True):
        if key:
            extra.setdefault(str(entity_id), set()).add(str(key))
    return extra


def entity_records(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One linkage record per listed entity: its primary core name and order-free key, every
    name's key (also without a trailing parenthesis), rare words, countries, dates and years of
    birth, comparable identifiers (IMO, passport, national id...); empty lists are NULL
    (Splink's null level)."""
    table = con.sql(ENTITY_RECORDS_SQL, params={"kinds": list(COMPARABLE_IDENTIFIERS)})
    records = table.to_arrow_table()
    extra = _names_without_parenthesis(con)
    name_keys = [
        sorted(set(keys or []) | extra.get(entity, set())) or None
        for entity, keys in zip(
            records.column("unique_id").to_pylist(),
            records.column("name_keys").to_pylist(),
            strict=True,
        )
    ]
    records = records.set_column(
        records.schema.get_field_index("name_keys"),
        "name_keys",
        pa.array(name_keys, pa.list_(pa.string())),
    )
    kinds = [
        sorted({i.split(":", 1)[0] for i in ids}) if ids else None
        for ids in records.column("identifiers").to_pylist()
    ]
    return records.append_column("identifier_kinds", pa.array(kinds, pa.list_(pa.string())))


def split_by_source(records: pa.Table) -> dict[str, pa.Table]:
    """One input table per list, in source order (Splink's `link_and_dedupe` inputs)."""
    sources = sorted(set(records.column("source").to_pylist()))
    return {s: records.filter(pc.equal(records.column("source"), s)) for s in sources}


# --- ground truth: the lists' own cross-references ----------------------------------------------

CROSS_REFERENCE_SQL = """
SELECT DISTINCT entity_id,
       CASE i.kind WHEN 'un_reference' THEN 'un:' ELSE 'imo:' END
       || upper(regexp_replace(i.value, '[^0-9A-Za-z.]', '', 'g')) AS key
FROM (SELECT entity_id, unnest(identifiers) AS i FROM sources.entities)
WHERE i.kind IN ('un_reference', 'imo') AND i.value IS NOT NULL AND trim(i.value) <> ''
ORDER BY entity_id, key
"""


def cross_references(con: duckdb.DuckDBPyConnection) -> dict[str, frozenset[str]]:
    """entity_id -> its cross-reference keys (`un:QDI.196`, `imo:9216298`)."""
    keys: dict[str, set[str]] = {}
    for entity_id, key in con.execute(CROSS_REFERENCE_SQL).fetchall():
        keys.setdefault(str(entity_id), set()).add(str(key))
    return {e: frozenset(k) for e, k in keys.items()}


def truth_groups(keys: Mapping[str, frozenset[str]]) -> list[frozenset[str]]:
    """Entities joined by a shared key (transitively), groups of two or more only."""
    return [g for g in _components(keys.keys(), _key_edges(keys)) if len(g) > 1]


def same_entity_groups(keys: Mapping[str, frozenset[str]]) -> dict[str, str]:
    """entity_id -> the smallest entity id of its group of cross-referenced entities, for the
    entities the lists' own references join to another."""
    return {member: min(group) for group in truth_groups(keys) for member in group}


def _key_edges(keys: Mapping[str, frozenset[str]]) -> list[tuple[str, str]]:
    by_key: dict[str, list[str]] = {}
    for entity, entity_keys in keys.items():
        for key in entity_keys:
            by_key.setdefault(key, []).append(entity)
    return [(members[0], other) for members in by_key.values() for other in members[1:]]


def _components(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[frozenset[str]]:
    parent: dict[str, str] = {n: n for n in nodes}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = {}
    for node in list(parent):
        groups.setdefault(find(node), set()).add(node)
    return sorted((frozenset(g) for g in groups.values()), key=lambda g: min(g))


def training_half(group: frozenset[str]) -> bool:
    """Cross-reference groups used to estimate m: a fixed half chosen by a hash of the group's
    members, so the other half measures the model on pairs it was not fitted to."""
    digest = hashlib.sha256("|".join(sorted(group)).encode()).digest()
    return digest[0] % 2 == 0


def group_pairs(group: Iterable[str]) -> list[tuple[str, str]]:
    """Every pair of a group's members, each pair sorted, in sorted order."""
    members = sorted(group)
    return [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
