"""Cross-list resolution: the ground truth from the lists' own cross-references, the measures,
grouping of screening hits, the SQL translation for Spark, the asset on real list excerpts, and
the quality floors on the bundled lists."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pytest

from assets.common.warehouse import WarehouseResource
from assets.linkage import crosslist
from assets.linkage.assets import canonical_entities
from assets.linkage.backend import duckdb_sql_to_spark, settings_for_dialect
from assets.linkage.resources import LinkageResource
from assets.linkage.store import CROSSLIST_MODEL_FILE
from assets.outputs.assets import canonical_export
from assets.outputs.grouping import group_hits
from assets.sources import eu_fsf, uk_fcdo, uk_ofsi, un_sc
from tests.conftest import bundled_warehouse
from tests.linkage.lists_warehouse import fixture_warehouse

MODELS = Path(__file__).resolve().parents[2] / "data" / "models"

KEYS = {
    "un_sc:QDi.1": frozenset({"un:QDI.1"}),
    "uk_ofsi:1": frozenset({"un:QDI.1"}),
    "eu_fsf:1": frozenset({"un:QDI.1"}),
    "un_sc:QDi.2": frozenset({"un:QDI.2"}),
    "uk_ofsi:2": frozenset({"un:QDI.2"}),
    "ofac_sdn:9": frozenset({"imo:1234567"}),  # a ship
    "uk_ofsi:9": frozenset({"imo:1234567", "un:KPE.1"}),
    "un_sc:KPe.1": frozenset({"un:KPE.1"}),
    "ofac_sdn:7": frozenset({"imo:7654321"}),  # a company's IMO number, no UN reference
}


def pairs(*rows: tuple[str, str, float]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"entity_id_l": a, "entity_id_r": b, "match_weight": 0.0, "match_probability": p}
            for a, b, p in rows
        ]
    )


def test_truth_groups_join_entities_sharing_a_key_transitively() -> None:
    groups = crosslist.truth_groups(KEYS)
    assert frozenset({"un_sc:QDi.1", "uk_ofsi:1", "eu_fsf:1"}) in groups
    assert frozenset({"ofac_sdn:9", "uk_ofsi:9", "un_sc:KPe.1"}) in groups
    assert all(len(g) > 1 for g in groups) and len(groups) == 3


def test_perfect_resolution_scores_one() -> None:
    found = pairs(
        ("eu_fsf:1", "uk_ofsi:1", 0.99),
        ("uk_ofsi:1", "un_sc:QDi.1", 0.99),
        ("uk_ofsi:2", "un_sc:QDi.2", 0.9),
        ("ofac_sdn:9", "uk_ofsi:9", 0.99),
        ("uk_ofsi:9", "un_sc:KPe.1", 0.99),
    )
    clusters = {e: "a" for e in ("eu_fsf:1", "uk_ofsi:1", "un_sc:QDi.1")}
    clusters |= {"uk_ofsi:2": "b", "un_sc:QDi.2": "b", "ofac_sdn:7": "c"}
    clusters |= {e: "d" for e in ("ofac_sdn:9", "uk_ofsi:9", "un_sc:KPe.1")}
    quality = crosslist.evaluate(found, clusters, KEYS, 0.5)
    # 7 true pairs (transitively: the OFAC ship and the UN record are one through the UK's
    # record); eu_fsf:1 - un_sc:QDi.1 and ofac_sdn:9 - un_sc:KPe.1 are not scored pairs.
    assert quality.pairwise_recall == round(5 / 7, 4)
    assert quality.pairwise_precision == 1.0
    assert (quality.cluster_precision, quality.cluster_recall) == (1.0, 1.0)


def test_wrong_links_count_against_precision_and_unjudgeable_pairs_do_not() -> None:
    found = pairs(
        ("uk_ofsi:1", "un_sc:QDi.1", 0.99),
        ("uk_ofsi:2", "un_sc:QDi.1", 0.8),  # two UN references: wrong
        ("ofac_sdn:7", "un_sc:KPe.1", 0.9),  # IMO vs UN reference: nothing says
        ("uk_ofsi:2", "un_sc:QDi.2", 0.4),  # below the threshold
    )
    clusters = {"uk_ofsi:1": "a", "un_sc:QDi.1": "a", "uk_ofsi:2": "a", "un_sc:QDi.2": "b"}
    quality = crosslist.evaluate(found, clusters, KEYS, 0.5)
    assert quality.judged_pairs == 2
    assert quality.pairwise_precision == 0.5
    assert quality.cluster_precision == 0.0  # cluster a holds a wrong pair
    assert quality.cluster_recall == 0.0  # no true group has all its members together


def test_hits_are_grouped_by_canonical_entity() -> None:
    hits = [
        {"entity_id": "uk_ofsi:1", "match_probability": 0.8},
        {"entity_id": "un_sc:QDi.1", "match_probability": 0.9},
        {"entity_id": "ofac_sdn:5", "match_probability": 0.7},
    ]
    canonical = {
        "uk_ofsi:1": ("canon:uk_ofsi:1", ["UK OFSI", "UN"]),
        "un_sc:QDi.1": ("canon:uk_ofsi:1", ["UK OFSI", "UN"]),
    }
    grouped = group_hits(hits, canonical)
    assert [(g["canonical_id"], g["entity_id"], g["lists"], g["entity_ids"]) for g in grouped] == [
        ("canon:uk_ofsi:1", "un_sc:QDi.1", "UK OFSI, UN", ["un_sc:QDi.1", "uk_ofsi:1"]),
        ("ofac_sdn:5", "ofac_sdn:5", "OFAC SDN", ["ofac_sdn:5"]),
    ]


@pytest.mark.parametrize(
    ("duckdb_sql", "spark_sql"),
    [
        (
            "len(list_intersect(tokens_l, tokens_r)) >= 1",
            "SIZE(ARRAY_INTERSECT(tokens_l, tokens_r)) >= 1",
        ),
        (
            "list_has_any(identifiers_l, identifiers_r)",
            "ARRAYS_OVERLAP(identifiers_l, identifiers_r)",
        ),
        (
            'jaro_winkler_similarity("a_l", "a_r") >= 0.9',
            "DUCKDB_JARO_WINKLER(`a_l`, `a_r`) >= 0.9",
        ),
        (
            'array_length(list_intersect("c_l", "c_r")) >= 2',
            "SIZE(ARRAY_INTERSECT(`c_l`, `c_r`)) >= 2",
        ),
        ("list_has_any(y_r, generate_series(a_l, b_l))", "ARRAYS_OVERLAP(y_r, SEQUENCE(a_l, b_l))"),
        (
            "tokens_l[1] = list_filter(t_r, x -> x <> 'a')[2]",
            "GET(tokens_l, 0) = GET(FILTER(t_r, x -> x <> 'a'), 1)",
        ),
        ("ELSE", "ELSE"),
    ],
)
def test_model_sql_is_translated_for_spark(duckdb_sql: str, spark_sql: str) -> None:
    assert duckdb_sql_to_spark(duckdb_sql) == spark_sql


def test_saved_models_translate_and_duckdb_settings_stay_as_saved() -> None:
    for name in ("mention_linkage.json", CROSSLIST_MODEL_FILE):
        saved = json.loads((MODELS / name).read_text())
        assert settings_for_dialect(saved, "duckdb") == saved
        spark = settings_for_dialect(saved, "spark")
        text = json.dumps(spark)
        assert spark["sql_dialect"] == "spark"
        assert "list_" not in text and "len(" not in text and "jaro_winkler_similarity" not in text


def test_the_asset_resolves_real_list_excerpts(tmp_path: Path) -> None:
    database = fixture_warehouse(tmp_path / "w.duckdb")
    models = tmp_path / "models"
    models.mkdir()
    (models / CROSSLIST_MODEL_FILE).write_text((MODELS / CROSSLIST_MODEL_FILE).read_text())
    result = dg.materialize(
        [canonical_entities, canonical_export],
        resources={
            "warehouse": WarehouseResource(database=str(database)),
            "linkage": LinkageResource(model_dir=str(models), crosslist_threshold=0.5),
        },
    )
    assert result.success
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "SELECT entity_id, canonical_id, cluster_size, lists, evidence "
            "FROM linkage.canonical_entities ORDER BY entity_id"
        ).fetchall()
        entities = con.execute("SELECT count(*) FROM sources.entities").fetchall()[0][0]
    assert len(rows) == entities
    by_id = {r[0]: r for r in rows}
    # The UK's record of this Congolese armed group quotes the UN reference CDe.001.
    uk, un = by_id["uk_ofsi:13189"], by_id["un_sc:CDe.001"]
    assert uk[1] == un[1] and uk[2] == 2 and uk[3] == ["UK OFSI", "UN"] and "name" in uk[4]
    exports = tmp_path / "exports"
    ftm = [
        json.loads(line)
        for line in (exports / "canonical_entities.ftm.jsonl").read_text().splitlines()
    ]
    merged = next(e for e in ftm if "un_sc:CDe.001" in e["referents"])
    assert merged["referents"] == ["uk_ofsi:13189", "un_sc:CDe.001"]
    assert merged["datasets"] == ["uk_ofsi", "un_sc"] and merged["properties"]["name"]
    table = pa.parquet.read_table(exports / "canonical_entities.parquet")
    assert table.num_rows == len({r[1] for r in rows})


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """The bundled UN, UK (OFSI, FCDO) and EU publications: where the cross-references are."""
    specs = [m.SPEC for m in (un_sc, uk_ofsi, uk_fcdo, eu_fsf)]
    return duckdb.connect(str(bundled_warehouse(tmp_path_factory.mktemp("bundled"), specs)))


@pytest.mark.slow
def test_resolution_of_the_bundled_lists_meets_the_floors(
    bundled: duckdb.DuckDBPyConnection,
) -> None:
    records = crosslist.entity_records(bundled)
    keys = crosslist.cross_references(bundled)
    model = crosslist.train(records, keys)
    assert model.stats["cross_reference_groups"] > 800
    threshold = LinkageResource().crosslist_threshold
    resolution = crosslist.resolve(records, model.settings, threshold)
    quality = crosslist.evaluate(resolution.pairs, resolution.clusters, keys, threshold)
    assert quality.pairwise_precision >= 0.95 and quality.pairwise_recall >= 0.95
    assert quality.cluster_precision >= 0.95 and quality.cluster_recall >= 0.95
    # The same lists give the same model.
    assert crosslist.train(records, keys).settings == model.settings
