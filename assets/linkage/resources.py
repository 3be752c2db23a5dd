"""The linkage stage's settings (score bands, model folder, backend), as a Dagster resource."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import Field

from assets.common import defaults
from assets.linkage.scoring import Bands

if TYPE_CHECKING:
    from assets.linkage.backend import BackendConfig


class LinkageResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Splink linkage settings: score bands, the model folder, and the backend."""

    match_threshold: float | None = Field(
        default=None,
        description="probability for the match band; unset: the model's, fitted in training",
    )
    review_threshold: float | None = Field(
        default=None, description="probability for the review band; unset: the model's"
    )
    model_dir: str = Field(default=defaults.MODEL_DIR, description="versioned model JSON files")
    charts_dir: str = Field(
        default=defaults.CHARTS_DIR, description="Splink charts (standalone HTML)"
    )
    charts_url: str = Field(
        default=defaults.CHARTS_URL,
        description="where the workbench serves the charts (`make review`): the assets' "
        "metadata links there, which a browser on any machine that reaches it opens",
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

    record_match_threshold: float | None = Field(
        default=None,
        description="counterparty screening: probability for the match band; unset: the "
        "record model's, fitted in training",
    )
    record_review_threshold: float | None = Field(
        default=None,
        description="counterparty screening: probability for the review band; unset: the "
        "record model's, fitted in training",
    )
    record_birth_year_tolerance: int = Field(
        default=1,
        description="counterparty screening: years a record's year of birth may differ from a "
        "listed one and still agree",
    )

    def bands(self, fitted: Bands) -> Bands:
        """The score bands of news screening: the news model's (`fitted`) where unset."""
        return _bands(fitted, self.match_threshold, self.review_threshold, "linkage bands")

    def record_bands(self, fitted: Bands) -> Bands:
        """The score bands of counterparty screening: the record model's (`fitted`) where
        unset."""
        return _bands(
            fitted,
            self.record_match_threshold,
            self.record_review_threshold,
            "counterparty screening bands",
        )

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

    num_chunks_right: int = Field(
        default=1, description="Spark: split the list side in this many chunks to bound memory"
    )


def _bands(fitted: Bands, match: float | None, review: float | None, what: str) -> Bands:
    """`fitted` with the thresholds that are set; dg.Failure when the match band would start
    below the review band."""
    bands = Bands(
        match=fitted.match if match is None else match,
        review=fitted.review if review is None else review,
    )
    if not 0 <= bands.review <= bands.match <= 1:
        raise dg.Failure(
            f"{what}: the match band {bands.match} must be a probability at or above the "
            f"review band {bands.review}"
        )
    return bands
