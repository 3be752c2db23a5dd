"""Cross-list entity resolution: one canonical entity for the OFAC, UN, UK and EU listings of
the same person, company or vessel.

Splink's `link_and_dedupe` over one table per list (one row per listed entity, with all its
names), Fellegi-Sunter weights learned from the lists themselves, and connected components at
a threshold. The ground truth is what the lists say about each other: the UN reference number
that UK, EU (and, where present, OFAC) records quote for a UN designation, and a vessel's IMO
number. Those keys are never model features (IMO is, as an identifier; see docs/benchmarks.md).

Everything here is pure over Arrow tables and a DuckDB connection that holds
`sources.entities` and `linkage.list_records`; the asset in `assets.linkage.assets` writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

from assets.linkage.backend import DUCKDB_ENGINE, BackendConfig, LinkageEngine
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

COMPARISONS = ("name", "schema", "country", "birth", "identifier")
SEED = 42
U_MAX_PAIRS = 2_000_000
# Candidate pairs below this are not kept at all; clustering uses its own, higher threshold.
PREDICT_FLOOR = 0.5


def list_label(source: str) -> str:
    return LIST_LABELS.get(source, source)


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


# --- the model -------------------------------------------------------------------------------


def name_comparison() -> cl.CustomComparison:
    """Primary names equal, a name of one equal to a name of the other (words in any order),
    primary names close (Jaro-Winkler on the order-free key), two or one shared rare words."""
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("core"),
            cll.ExactMatchLevel("core").configure(label_for_charts="same primary name"),
            cll.ArrayIntersectLevel("name_keys", 1).configure(label_for_charts="a shared name"),
            cll.JaroWinklerLevel("sorted_core_key", 0.92).configure(
                label_for_charts="similar primary names"
            ),
            cll.ArrayIntersectLevel("rare_tokens", 2).configure(
                label_for_charts="two shared rare words"
            ),
            cll.ArrayIntersectLevel("rare_tokens", 1).configure(
                label_for_charts="a shared rare word"
            ),
            cll.ElseLevel().configure(label_for_charts="different names"),
        ],
    )


def comparisons() -> list[Any]:
    return [
        name_comparison(),
        cl.CustomComparison(
            output_column_name="schema",
            comparison_levels=[
                cll.NullLevel("schema"),
                cll.ExactMatchLevel("schema").configure(label_for_charts="same type"),
                cll.ElseLevel().configure(label_for_charts="different types"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="country",
            comparison_levels=[
                cll.NullLevel("countries"),
                cll.ArrayIntersectLevel("countries", 1).configure(
                    label_for_charts="a shared country"
                ),
                cll.ElseLevel().configure(label_for_charts="no shared country"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth",
            comparison_levels=[
                cll.NullLevel("birth_years"),
                cll.ArrayIntersectLevel("birth_dates", 1).configure(
                    label_for_charts="same date of birth"
                ),
                cll.ArrayIntersectLevel("birth_years", 1).configure(
                    label_for_charts="same year of birth"
                ),
                cll.ElseLevel().configure(label_for_charts="different birth years"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="identifier",
            comparison_levels=[
                cll.NullLevel("identifiers"),
                cll.ArrayIntersectLevel("identifiers", 1).configure(
                    label_for_charts="same identifier"
                ),
                cll.ArrayIntersectLevel("identifier_kinds", 1).configure(
                    label_for_charts="identifier of the same kind differs"
                ),
                cll.ElseLevel().configure(label_for_charts="no comparable identifier"),
            ],
        ),
    ]


def blocking_rules() -> list[Any]:
    """A shared name (any order), a shared identifier, or a shared rare word."""
    return [
        block_on("name_keys", arrays_to_explode=["name_keys"]),
        block_on("identifiers", arrays_to_explode=["identifiers"]),
        block_on("rare_tokens", arrays_to_explode=["rare_tokens"]),
    ]


RETAINED = ["source", "name", "schema"]


def settings_creator(prior: float = 1e-5) -> SettingsCreator:
    """The one declaration of the cross-list model."""
    return SettingsCreator(
        link_type="link_and_dedupe",
        unique_id_column_name="unique_id",
        # Fixed, so that the same lists give the same model file (and model version).
        linker_uid="crosslist",
        probability_two_random_records_match=prior,
        blocking_rules_to_generate_predictions=blocking_rules(),
        comparisons=comparisons(),
        additional_columns_to_retain=RETAINED,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
    )


@dataclass(frozen=True)
class CrossListModel:
    settings: dict[str, Any]
    stats: dict[str, Any] = field(default_factory=dict)


# A near-certain rule used only to estimate how many cross-list pairs there are: the same name
# and either the same date of birth or the same identifier. Its recall is measured on the
# cross-referenced pairs and divides the count.
_PRIOR_RULE_SQL = """
WITH keys AS (SELECT unique_id, unnest(name_keys) AS k FROM records),
pairs AS (
    SELECT DISTINCT a.unique_id AS l, b.unique_id AS r
    FROM keys a JOIN keys b ON a.k = b.k AND a.unique_id < b.unique_id
)
SELECT p.l, p.r FROM pairs p
JOIN records x ON x.unique_id = p.l JOIN records y ON y.unique_id = p.r
WHERE coalesce(len(list_intersect(x.birth_dates, y.birth_dates)), 0) > 0
   OR coalesce(len(list_intersect(x.identifiers, y.identifiers)), 0) > 0
"""


def estimate_prior(
    records: pa.Table, truth: Sequence[frozenset[str]]
) -> tuple[float, dict[str, float]]:
    """P(two random records match): pairs the near-certain rule finds, divided by the rule's
    recall on the cross-referenced pairs, over all pairs."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 1")
        con.register("records", records)
        found = {(str(a), str(b)) for a, b in con.execute(_PRIOR_RULE_SQL).fetchall()}
    finally:
        con.close()
    true_pairs = {tuple(sorted(p)) for g in truth for p in _pairs(g)}
    recall = len(true_pairs & found) / len(true_pairs) if true_pairs else 1.0
    recall = max(recall, 0.05)
    n = records.num_rows
    total = n * (n - 1) / 2
    prior = min(max(len(found) / recall / total, 1e-9), 0.5) if total else 1e-5
    return prior, {"prior_rule_pairs": len(found), "prior_rule_recall": round(recall, 4)}


def _pairs(group: Iterable[str]) -> list[tuple[str, str]]:
    members = sorted(group)
    return [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]


def _linker(inputs: Mapping[str, Any], settings: Any) -> Linker:
    return Linker(
        list(inputs.values()),
        settings,
        log_level=logging.WARNING,
    )


# Fewer cross-referenced groups than this (e.g. only OFAC loaded) cannot train m.
MIN_TRAINING_GROUPS = 20


class NotEnoughCrossReferences(ValueError):
    """The loaded lists cross-reference too few entities to estimate the model's m."""


def train(records: pa.Table, keys: Mapping[str, frozenset[str]]) -> CrossListModel:
    """u from random pairs of listed entities, m from the cross-referenced pairs of the
    training half of the groups, the prior from a near-certain rule; on one DuckDB thread, so
    the same lists give the same model."""
    groups = truth_groups(keys)
    train_groups = [g for g in groups if training_half(g)]
    if len(train_groups) < MIN_TRAINING_GROUPS:
        raise NotEnoughCrossReferences(
            f"the loaded lists cross-reference {len(groups)} groups of entities (UN reference "
            f"numbers, IMO numbers); at least {2 * MIN_TRAINING_GROUPS} are needed to train "
            "the cross-list model"
        )
    prior, prior_stats = estimate_prior(records, groups)
    engine = LinkageEngine(BackendConfig(threads=1))
    with engine.session() as backend:
        inputs = {s: backend.register(t, s) for s, t in split_by_source(records).items()}
        linker = _linker(inputs, settings_creator(prior))
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
        source_of = dict(
            zip(
                records.column("unique_id").to_pylist(),
                records.column("source").to_pylist(),
                strict=True,
            )
        )
        labels = [
            {
                "source_dataset_l": source_of[a],
                "unique_id_l": a,
                "source_dataset_r": source_of[b],
                "unique_id_r": b,
            }
            for g in train_groups
            for a, b in _pairs(g)
            if a in source_of and b in source_of
        ]
        label_table = pa.Table.from_pylist(
            labels,
            schema=pa.schema(
                [
                    (c, pa.string())
                    for c in ("source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r")
                ]
            ),
        )
        linker.training.estimate_m_from_pairwise_labels(  # type: ignore[no-untyped-call]
            backend.register(label_table, "crosslist_labels")
        )
        settings = smooth_m(linker.misc.save_model_to_json(), len(labels))
    stats = {
        "entities": records.num_rows,
        "cross_reference_groups": len(groups),
        "training_groups": len(train_groups),
        "training_pairs": len(labels),
        "prior": prior,
        **prior_stats,
    }
    return CrossListModel(settings=settings, stats=stats)


def smooth_m(settings: dict[str, Any], pairs: int) -> dict[str, Any]:
    """Add one pseudo-pair to every level of each comparison (Laplace): a level that no
    cross-referenced pair reached (e.g. similar but not equal names) gets a small m rather
    than m = 0, which would veto every pair at that level whatever the other evidence."""
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level in levels:
            m = float(level.get("m_probability") or 0.0)
            level["m_probability"] = (m * pairs + 1) / (pairs + len(levels))
    return settings


def model_version(settings: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]


# --- prediction and clustering --------------------------------------------------------------

PAIR_SCHEMA = pa.schema(
    [
        ("entity_id_l", pa.string()),
        ("entity_id_r", pa.string()),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        ("levels", pa.map_(pa.string(), pa.string())),
        ("explanation", pa.string()),
    ]
)


@dataclass(frozen=True)
class Resolution:
    pairs: pa.Table  # PAIR_SCHEMA, every candidate pair at or above PREDICT_FLOOR
    clusters: dict[str, str]  # entity_id -> cluster id (Splink's: the smallest member id)


def _labels(settings: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        mapping = {-1: "no data"}
        for i, level in enumerate(levels):
            mapping[len(levels) - 1 - i] = str(level.get("label_for_charts", ""))
        labels[comparison["output_column_name"]] = mapping
    return labels


def resolve(
    records: pa.Table,
    settings: Mapping[str, Any],
    threshold: float,
    engine: LinkageEngine | None = None,
    floor: float = PREDICT_FLOOR,
) -> Resolution:
    """Score every candidate pair of listed entities and cluster at `threshold` (connected
    components), on the engine's backend (DuckDB in memory by default). Pairs below `floor`
    (or the threshold, if lower) are not kept."""
    engine = engine or DUCKDB_ENGINE
    labels = _labels(settings)
    with engine.session() as backend:
        inputs = {s: backend.register(t, s) for s, t in split_by_source(records).items()}
        linker = _linker(inputs, backend.settings(json.loads(json.dumps(settings))))
        predictions = linker.inference.predict(
            threshold_match_probability=min(floor, threshold), warning_mode="never"
        )
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        rows = backend.read(predictions).to_pylist()
        cluster_rows = backend.read(clustered).select(["unique_id", "cluster_id"]).to_pylist()
    pairs = []
    for row in rows:
        left, right = sorted((str(row["unique_id_l"]), str(row["unique_id_r"])))
        levels = [(c, labels[c][int(row[f"gamma_{c}"])]) for c in COMPARISONS]
        pairs.append(
            {
                "entity_id_l": left,
                "entity_id_r": right,
                "match_weight": float(row["match_weight"]),
                "match_probability": float(row["match_probability"]),
                "levels": levels,
                "explanation": "; ".join(
                    f"{c}: {label}" for c, label in levels if label != "no data"
                ),
            }
        )
    pairs.sort(key=lambda p: (p["entity_id_l"], p["entity_id_r"]))
    clusters = {str(r["unique_id"]): str(r["cluster_id"]) for r in cluster_rows}
    return Resolution(pa.Table.from_pylist(pairs, schema=PAIR_SCHEMA), clusters)


# --- canonical entities ----------------------------------------------------------------------

CANONICAL_SCHEMA = pa.schema(
    [
        ("canonical_id", pa.string()),
        ("entity_id", pa.string()),
        ("source", pa.string()),
        ("cluster_size", pa.int32()),
        ("lists", pa.list_(pa.string())),
        ("linked_to", pa.string()),
        ("link_probability", pa.float64()),
        ("evidence", pa.string()),
    ]
)


def canonical_id(members: Iterable[str]) -> str:
    """`canon:<smallest member entity id>`: stable while that listing exists, and readable."""
    return "canon:" + min(members)


def canonical_entities(records: pa.Table, resolution: Resolution, threshold: float) -> pa.Table:
    """One row per listed entity: its canonical entity, the cluster's size and lists, and the
    evidence: the strongest pair at or above the threshold that ties it to another member."""
    source_of: dict[str, str] = dict(
        zip(
            records.column("unique_id").to_pylist(),
            records.column("source").to_pylist(),
            strict=True,
        )
    )
    members: dict[str, list[str]] = {}
    for entity in source_of:
        members.setdefault(resolution.clusters.get(entity, entity), []).append(entity)
    best: dict[str, dict[str, Any]] = {}
    for pair in resolution.pairs.to_pylist():
        if pair["match_probability"] < threshold:
            continue
        for me, other in (
            (pair["entity_id_l"], pair["entity_id_r"]),
            (pair["entity_id_r"], pair["entity_id_l"]),
        ):
            if me not in best or pair["match_weight"] > best[me]["match_weight"]:
                best[me] = {**pair, "other": other}
    rows = []
    for group in members.values():
        cid = canonical_id(group)
        lists = sorted({list_label(source_of[m]) for m in group})
        for entity in sorted(group):
            link = best.get(entity) if len(group) > 1 else None
            rows.append(
                {
                    "canonical_id": cid,
                    "entity_id": entity,
                    "source": source_of[entity],
                    "cluster_size": len(group),
                    "lists": lists,
                    "linked_to": link["other"] if link else None,
                    "link_probability": link["match_probability"] if link else None,
                    "evidence": link["explanation"] if link else None,
                }
            )
    rows.sort(key=lambda r: (r["canonical_id"], r["entity_id"]))
    return pa.Table.from_pylist(rows, schema=CANONICAL_SCHEMA)


def canonical_lookup(
    con: duckdb.DuckDBPyConnection, entity_ids: Sequence[str]
) -> dict[str, tuple[str, list[str]]]:
    """entity_id -> (canonical_id, lists) for the given entities, from
    `linkage.canonical_entities` (empty when cross-list resolution has not run)."""
    from assets.common.tables import table_exists

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


# --- precision and recall against the cross-references ----------------------------------------


@dataclass(frozen=True)
class Quality:
    pairwise_precision: float
    pairwise_recall: float
    cluster_precision: float
    cluster_recall: float
    judged_pairs: int
    true_pairs: int
    true_groups: int
    predicted_groups: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: v for k, v in self.__dict__.items()}


def _kinds(entity_keys: frozenset[str]) -> set[str]:
    return {k.split(":", 1)[0] for k in entity_keys}


def _comparable(keys: Mapping[str, frozenset[str]], a: str, b: str) -> bool:
    return a in keys and b in keys and bool(_kinds(keys[a]) & _kinds(keys[b]))


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def evaluate(
    pairs: pa.Table,
    clusters: Mapping[str, str],
    keys: Mapping[str, frozenset[str]],
    threshold: float,
    only_groups: Sequence[frozenset[str]] | None = None,
) -> Quality:
    """Precision and recall where the lists' cross-references decide.

    Only pairs of two entities that both carry a key of the same kind (a UN reference, an IMO
    number) are judged; two such entities are the same iff they share a key. (An OFAC record
    of a North Korean shipping company carries the company's IMO number, the UK record of the
    same company its UN reference: nothing says whether they are one, so that pair is not
    judged.) Pairwise: the scored pairs at or above the threshold. Cluster: a true group (the
    entities joined by shared keys) is found when all its members are in one predicted
    cluster; a predicted cluster holding a judged pair is right when none of its judged pairs
    is wrong. `only_groups` restricts the measure to those groups' members (e.g. the held-out
    half)."""
    groups = truth_groups(keys) if only_groups is None else list(only_groups)
    scope = set(keys) if only_groups is None else {e for g in groups for e in g}
    true_pairs = {p for g in groups for p in _pairs(g)}
    predicted = {
        (a, b)
        for a, b, p in zip(
            pairs.column("entity_id_l").to_pylist(),
            pairs.column("entity_id_r").to_pylist(),
            pairs.column("match_probability").to_pylist(),
            strict=True,
        )
        if p >= threshold and _comparable(keys, a, b) and (a in scope or b in scope)
    }
    correct = {p for p in predicted if keys[p[0]] & keys[p[1]]}
    found = true_pairs & predicted
    members: dict[str, set[str]] = {}
    for entity, cluster in clusters.items():
        members.setdefault(cluster, set()).add(entity)
    cluster_of = {e: c for c, m in members.items() for e in m}
    judged_clusters = 0
    right_clusters = 0
    for group in members.values():
        judged = [
            (a, b)
            for a, b in _pairs(e for e in group if e in keys)
            if _comparable(keys, a, b) and (a in scope or b in scope)
        ]
        if judged:
            judged_clusters += 1
            right_clusters += all(keys[a] & keys[b] for a, b in judged)
    recovered = [g for g in groups if len({cluster_of.get(e, e) for e in g}) == 1]
    return Quality(
        pairwise_precision=round(_ratio(len(correct), len(predicted)), 4),
        pairwise_recall=round(_ratio(len(found), len(true_pairs)), 4),
        cluster_precision=round(_ratio(right_clusters, judged_clusters), 4),
        cluster_recall=round(_ratio(len(recovered), len(groups)), 4),
        judged_pairs=len(predicted),
        true_pairs=len(true_pairs),
        true_groups=len(groups),
        predicted_groups=judged_clusters,
    )
