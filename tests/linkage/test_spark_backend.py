"""The Spark backend gives the DuckDB backend's results: the mention linkage and the cross-list
resolution on a small real excerpt of the lists (tests/fixtures), with the committed models,
run once on DuckDB and once through Splink's SparkAPI on `local[2]`.

One Spark session for the module (starting one costs 10-20 s, each Splink job on it tens of
seconds): `pytest -m spark` selects this module, `-m "not spark"` skips it. Needs Java 17+
(`make test` installs Debian's openjdk-17-jre-headless when `java` is missing)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from assets.linkage import crosslist
from assets.linkage.backend import (
    BackendConfig,
    LinkageEngine,
    duckdb_sql_to_spark,
    linkage_engine,
)
from assets.linkage.records import mention_records
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener, name_query
from assets.linkage.store import CROSSLIST_MODEL_FILE, token_frequency_table
from tests.linkage.lists_warehouse import fixture_warehouse

pytestmark = [
    pytest.mark.spark,
    # In CI the Makefile installs Java, and a missing Java must fail rather than skip.
    pytest.mark.skipif(
        shutil.which("java") is None and not os.environ.get("CI"),
        reason="no Java (make test installs it)",
    ),
]

MODELS = Path(__file__).resolve().parents[2] / "data" / "models"
# Low bands so that the comparison covers weak candidates too, not only the obvious hits.
BANDS = Bands(match=0.6, review=0.01)
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def spark_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkageEngine]:
    config = BackendConfig(
        kind="spark",
        spark_master="local[2]",
        work_dir=tmp_path_factory.mktemp("spark"),
        spark_driver_memory="2g",
        spark_shuffle_partitions=2,
    )
    with linkage_engine(config) as engine:
        yield engine


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = fixture_warehouse(tmp_path_factory.mktemp("lists") / "w.duckdb")
    return duckdb.connect(str(path), read_only=True)


def mentions(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Listed names as a news article would give them: some as listed, some in another order or
    shortened, with agreeing or disagreeing context."""
    rows = con.execute(
        "SELECT e.caption, e.schema, e.countries, e.birth_dates FROM sources.entities e "
        "ORDER BY e.entity_id LIMIT 24"
    ).fetchall()
    queries = []
    for i, (caption, schema, countries, births) in enumerate(rows):
        words = str(caption).split()
        name = (
            " ".join(reversed(words))
            if i % 3 == 1
            else " ".join(words[:2])
            if i % 3 == 2
            else caption
        )
        kind = {"Person": "person", "Organization": "org", "Vessel": "vessel"}.get(schema, "any")
        country = (countries or [None])[0] if i % 2 == 0 else "FR"
        year = int(births[0][:4]) if births and i % 4 != 3 else None
        queries.append(
            name_query(name, kind=kind, country=country, birth_year=year, query_id=f"q_{i}")
        )
        # Spelling slips: one word's last letter doubled (the word-by-word level: lambdas and
        # Levenshtein), or two words' (Jaro-Winkler, the UDF).
        for slips in (1, 2):
            if len(words) > slips:
                slipped = [w + w[-1] if j < slips else w for j, w in enumerate(words)]
                queries.append(name_query(" ".join(slipped), kind=kind, query_id=f"q_{i}_{slips}"))
    return mention_records(queries, token_frequency_table(con))


def by_pair(table: pa.Table, keys: tuple[str, str]) -> dict[tuple[str, str], dict[str, object]]:
    return {(r[keys[0]], r[keys[1]]): r for r in table.to_pylist()}


def assert_same(duck: pa.Table, spark: pa.Table, keys: tuple[str, str], band: str | None) -> None:
    expected, got = by_pair(duck, keys), by_pair(spark, keys)
    assert expected, "the excerpt must give candidate pairs"
    assert set(got) == set(expected)
    for pair, row in expected.items():
        assert (
            abs(float(got[pair]["match_probability"]) - float(row["match_probability"]))
            <= TOLERANCE
        ), pair  # type: ignore[arg-type]
        if band:
            assert got[pair][band] == row[band], pair


def test_mention_linkage_is_the_same_on_spark(
    warehouse: duckdb.DuckDBPyConnection, spark_engine: LinkageEngine
) -> None:
    """The one scorer (`Screener`): its prepared session on DuckDB, Splink's `predict` on
    Spark, the same matches."""
    table = mentions(warehouse)
    duck = Screener.from_warehouse(warehouse, MODELS, BANDS).score(table)
    on_spark = Screener.from_warehouse(warehouse, MODELS, BANDS, engine=spark_engine)
    assert on_spark._splink_predicts()
    spark = on_spark.score(table)
    assert duck.num_rows >= 10 and "match" in duck.column("band").to_pylist()
    name_levels = {dict(r["levels"])["name"] for r in duck.to_pylist()}
    assert any("Jaro-Winkler" in level for level in name_levels)  # the UDF is exercised
    assert any("spelled nearly" in level for level in name_levels)  # lambdas on Spark
    assert_same(duck, spark, ("mention_id", "entity_id"), "band")
    # (The explanation names the entity's best-scoring list name; two names of one entity
    # with the same weight tie, and the backends may break the tie differently.)


def test_jaro_winkler_is_duckdbs(spark_engine: LinkageEngine) -> None:
    pairs = [
        ("anatolyevna filatova irina", "anatolievna filatova irina"),
        ("aleksandr aleksandrovich avdeyev", "alexander alexandrovich avdeev"),
        ("martha", "marhta"),
        ("a", ""),
    ]
    spark = spark_engine.spark.createDataFrame(pairs, "a string, b string")
    spark.createOrReplaceTempView("jw_pairs")
    got = spark_engine.spark.sql(
        "SELECT a, b, duckdb_jaro_winkler(a, b) AS s FROM jw_pairs"
    ).collect()
    for row in got:
        expected = duckdb.sql(
            "SELECT jaro_winkler_similarity(?, ?)", params=[row["a"], row["b"]]
        ).fetchall()[0][0]
        assert abs(row["s"] - expected) < 1e-12, (row["a"], row["b"])


def test_list_indexing_past_the_end_is_null_as_in_duckdb(spark_engine: LinkageEngine) -> None:
    """A model's `list[i]` on a list too short: NULL in DuckDB, an error in Spark's ANSI mode
    unless translated (the archive's mentions met it: a name whose words are all the list
    name's leaves `list_filter(...)[1]` of nothing)."""
    condition = (
        "coalesce(list_filter(tokens_r, lambda x: NOT list_contains(tokens_l, x))[1], 'none') "
        "|| '/' || coalesce(tokens_l[2], 'none')"
    )
    rows = [(["ali", "hassan"], ["ali", "hassan"]), (["ali"], ["ali", "omar"])]
    expected = [
        duckdb.sql(
            f"SELECT {condition} FROM (SELECT ?::VARCHAR[] AS tokens_l, ?::VARCHAR[] AS tokens_r)",
            params=list(row),
        ).fetchall()[0][0]
        for row in rows
    ]
    assert expected == ["none/hassan", "omar/none"]
    spark = spark_engine.spark
    spark.createDataFrame(
        rows, "tokens_l array<string>, tokens_r array<string>"
    ).createOrReplaceTempView("token_pairs")
    got = spark.sql(f"SELECT {duckdb_sql_to_spark(condition)} AS v FROM token_pairs").collect()
    assert [row["v"] for row in got] == expected


def test_cross_list_resolution_is_the_same_on_spark(
    warehouse: duckdb.DuckDBPyConnection, spark_engine: LinkageEngine
) -> None:
    settings = json.loads((MODELS / CROSSLIST_MODEL_FILE).read_text())
    records = crosslist.entity_records(warehouse)
    threshold = 0.5
    duck = crosslist.resolve(records, settings, threshold, floor=0.0)
    spark = crosslist.resolve(records, settings, threshold, engine=spark_engine, floor=0.0)
    assert_same(duck.pairs, spark.pairs, ("entity_id_l", "entity_id_r"), "levels")
    canonical_duck = crosslist.canonical_entities(records, duck, threshold)
    canonical_spark = crosslist.canonical_entities(records, spark, threshold)
    assert canonical_spark.select(["canonical_id", "entity_id"]).equals(
        canonical_duck.select(["canonical_id", "entity_id"])
    )
    linked = {
        r["entity_id"]: r["canonical_id"]
        for r in canonical_duck.to_pylist()
        if r["cluster_size"] > 1
    }
    # The UK's record of the Congolese armed group quotes its UN reference number.
    assert linked.get("uk_ofsi:13189") == linked.get("un_sc:CDe.001") is not None
