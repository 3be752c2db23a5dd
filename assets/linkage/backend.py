"""Where Splink runs: DuckDB in this process (the default) or Spark (local or a cluster).

Both backends take the same inputs (Arrow tables), run the same Splink settings and model, and
give back Arrow tables, so the linkage code above them does not know which one ran:

- `duckdb`: a private in-memory database per Splink session; the warehouse file only ever
  receives finished results, written by the caller.
- `spark`: Splink's `SparkAPI` on pyspark (`local[*]` by default, or any master URL such as
  `spark://host:7077`). Inputs are written as Parquet into a work folder beside the warehouse
  and read by Spark from there; results are written by Spark as Parquet into the same folder
  and read back as Arrow, which the caller loads into DuckDB. On a cluster the work folder must
  be visible to the driver and the executors (a shared mount), see docs/scaling.md.

Models are trained and saved with DuckDB SQL; `settings_for_dialect` rewrites their SQL for
Spark (the few DuckDB list functions our comparisons use have Spark equivalents).
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from splink import DuckDBAPI
from sqlglot import exp

if TYPE_CHECKING:
    # The one Splink-internal name outside `assets.linkage.splink_run`, for types only.
    from splink.internals.splink_dataframe import SplinkDataFrame

BACKENDS = ("duckdb", "spark")

# Splink logs every SQL step at INFO; keep our run logs readable.
logging.getLogger("splink").setLevel(logging.WARNING)


@dataclass(frozen=True)
class BackendConfig:
    """Which backend runs Splink, and how. `work_dir` holds the Parquet exchanged with Spark
    (unused by DuckDB)."""

    kind: str = "duckdb"
    threads: int | None = None
    spark_master: str = "local[*]"
    work_dir: Path = Path("data/warehouse/spark")
    spark_driver_memory: str = "4g"
    spark_shuffle_partitions: int = 8
    spark_conf: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in BACKENDS:
            raise ValueError(
                f"linkage backend must be one of {', '.join(BACKENDS)}, not {self.kind!r}"
            )


def _arrow(result: Any) -> pa.Table:
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


class SplinkBackend:
    """One Splink database API with its registered inputs; `read` turns a result into Arrow."""

    dialect: str = "duckdb"

    def __init__(self, db_api: Any) -> None:
        self.db_api = db_api

    def register(self, table: pa.Table, name: str) -> SplinkDataFrame:
        raise NotImplementedError

    def read(self, result: SplinkDataFrame) -> pa.Table:
        raise NotImplementedError

    def settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a model's settings dict with its SQL in this backend's dialect."""
        return settings_for_dialect(settings, self.dialect)


class DuckDBBackend(SplinkBackend):
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        super().__init__(DuckDBAPI(connection=con))
        self.con = con

    def register(self, table: pa.Table, name: str) -> SplinkDataFrame:
        return self.db_api.register(table, dataset_display_name=name)  # type: ignore[no-any-return]

    def read(self, result: SplinkDataFrame) -> pa.Table:
        return _arrow(self.con.sql(f"SELECT * FROM {result.physical_name}").to_arrow_table())


class SparkBackend(SplinkBackend):
    dialect = "spark"

    def __init__(self, spark: Any, work_dir: Path) -> None:
        from splink import SparkAPI

        super().__init__(SparkAPI(spark_session=spark))  # type: ignore[no-untyped-call]
        self.spark = spark
        self.work_dir = work_dir

    def register(self, table: pa.Table, name: str) -> SplinkDataFrame:
        path = self.work_dir / "inputs" / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        frame = self.spark.read.parquet(str(path.resolve()))
        return self.db_api.register(frame, dataset_display_name=name)  # type: ignore[no-any-return]

    def read(self, result: SplinkDataFrame) -> pa.Table:
        path = self.work_dir / "results" / result.templated_name
        result.as_spark_dataframe().write.mode("overwrite").parquet(str(path.resolve()))
        return pq.read_table(path)


class LinkageEngine:
    """A started backend (for Spark: one SparkSession); `session()` gives a fresh Splink
    database API for one Linker."""

    def __init__(self, config: BackendConfig, spark: Any = None) -> None:
        self.config = config
        self.spark = spark

    @property
    def kind(self) -> str:
        return self.config.kind

    @contextmanager
    def session(self) -> Iterator[SplinkBackend]:
        if self.spark is None:
            con = duckdb.connect(":memory:")
            if self.config.threads:
                con.execute(f"SET threads = {int(self.config.threads)}")
            try:
                yield DuckDBBackend(con)
            finally:
                con.close()
        else:
            work = self.config.work_dir / f"session-{uuid.uuid4().hex[:12]}"
            try:
                yield SparkBackend(self.spark, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)


DUCKDB_ENGINE = LinkageEngine(BackendConfig())


def start_spark(config: BackendConfig) -> Any:
    """A SparkSession for Splink: Splink's similarity UDF jar, no UI, a checkpoint folder in
    the work folder (Splink breaks lineage through Parquet)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    if config.spark_master.startswith("local"):
        # A laptop or CI machine: bind to loopback rather than whatever the hostname resolves to.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Local Python workers run our interpreter (its venv has the UDFs' packages), not
        # whichever `python3` comes first on PATH; a cluster sets its own in `spark_conf`.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(config.spark_master)
        .appName("sanctions-linker")
        .config("spark.driver.memory", config.spark_driver_memory)
        .config("spark.sql.shuffle.partitions", str(config.spark_shuffle_partitions))
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # size(NULL) is NULL, as DuckDB's len(NULL) (the models' null levels rely on it).
        .config("spark.sql.legacy.sizeOfNull", "false")
    )

    for key, value in config.spark_conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    register_duckdb_functions(spark)
    checkpoints = config.work_dir / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    spark.sparkContext.setCheckpointDir(str(checkpoints.resolve()))
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def linkage_engine(config: BackendConfig) -> Iterator[LinkageEngine]:
    """The configured backend, started for the duration of the block."""
    if config.kind == "duckdb":
        yield LinkageEngine(config)
        return
    config.work_dir.mkdir(parents=True, exist_ok=True)
    spark = start_spark(config)
    try:
        yield LinkageEngine(config, spark)
    finally:
        spark.stop()


# --- DuckDB SQL of saved models, for Spark ----------------------------------------------------

# DuckDB's Jaro-Winkler similarity on Spark: jellyfish's, which gives DuckDB's values (checked
# on 120,000 pairs of list names, equal to the last bit). The executors need jellyfish, a
# dependency of this project.
JARO_WINKLER_UDF = "duckdb_jaro_winkler"


def _jaro_winkler(left: str | None, right: str | None) -> float | None:
    import jellyfish

    if left is None or right is None:
        return None
    return float(jellyfish.jaro_winkler_similarity(left, right))


def register_duckdb_functions(spark: Any) -> None:
    """The DuckDB functions that saved models use and Spark lacks, as Spark UDFs."""
    from pyspark.sql.functions import udf
    from pyspark.sql.types import DoubleType

    spark.udf.register(JARO_WINKLER_UDF, udf(_jaro_winkler, DoubleType(), useArrow=True))


def _to_spark(node: exp.Expression) -> exp.Expression:
    # DuckDB `len(list)` (parsed as LENGTH) and `array_length(list)`: Spark's `size`. Our
    # comparisons apply `len` to list columns and lists; `length` of a lambda's variable (an
    # Identifier, not a Column: one word of a list) is a string's length and stays.
    if isinstance(node, exp.ArraySize) or (
        isinstance(node, exp.Length) and not isinstance(node.this, exp.Identifier)
    ):
        return exp.Anonymous(this="size", expressions=[node.this])
    if isinstance(node, exp.Anonymous) and node.name.lower() in (
        "list_intersect",
        "array_intersect",
    ):
        return exp.Anonymous(this="array_intersect", expressions=node.expressions)
    if isinstance(node, exp.ArrayOverlaps):  # list_has_any(a, b)
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
    if (
        isinstance(node, exp.Bracket)
        and len(node.expressions) == 1
        and isinstance(node.expressions[0], exp.Literal)
        and node.expressions[0].is_int
        and int(node.expressions[0].name) >= 0
    ):
        # DuckDB's `list[i]` is NULL past the end; Spark's `[i]` raises there (ANSI mode,
        # Spark 4's default), `get` is NULL, as DuckDB. (sqlglot keeps the index 0-based, as
        # `get` takes it.)
        return exp.Anonymous(this="get", expressions=[node.this, node.expressions[0]])
    if isinstance(node, exp.JarowinklerSimilarity):
        # Not the `jaro_winkler` of Splink's jar: it scores longer strings differently (e.g.
        # 0.9166 for DuckDB's 0.9234), which moves pairs across the models' thresholds.
        return exp.Anonymous(this=JARO_WINKLER_UDF, expressions=[node.this, node.expression])
    return node


def duckdb_sql_to_spark(sql: str) -> str:
    """One SQL condition or blocking rule written for DuckDB, in Spark SQL."""
    if sql.strip().upper() == "ELSE":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    # A replaced node's children are not visited again: repeat until nothing changes.
    for _ in range(10):
        rewritten = tree.transform(_to_spark)
        if rewritten == tree:
            break
        tree = rewritten
    return tree.sql(dialect="spark")


def settings_for_dialect(settings: Mapping[str, Any], dialect: str) -> dict[str, Any]:
    """A copy of a Splink settings dict (as saved in a model file) with its SQL in `dialect`."""
    translated = copy.deepcopy(dict(settings))
    source = translated.get("sql_dialect", "duckdb")
    if dialect == source:
        return translated
    if (source, dialect) != ("duckdb", "spark"):
        raise ValueError(f"cannot translate a {source} model to {dialect}")
    translated["sql_dialect"] = dialect
    for comparison in translated.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = duckdb_sql_to_spark(level["sql_condition"])
    rules: list[Any] = []
    for rule in translated.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, str):
            rules.append(duckdb_sql_to_spark(rule))
        else:
            rule = dict(rule)
            rule["blocking_rule"] = duckdb_sql_to_spark(rule["blocking_rule"])
            rule["sql_dialect"] = dialect
            rules.append(rule)
    translated["blocking_rules_to_generate_predictions"] = rules
    return translated
