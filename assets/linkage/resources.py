"""The linkage stage's settings (score bands, model folder, backend), as a Dagster resource."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import Field

from assets.common import defaults
from assets.linkage.scoring import RECORD_BANDS, Bands

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
        default=RECORD_BANDS.match,
        description="counterparty screening: probability for the match band (records flag "
        "lower than news: a listed counterparty missed is a breach)",
    )
    record_review_threshold: float = Field(
        default=RECORD_BANDS.review,
        description="counterparty screening: probability for the review band",
    )
    record_birth_year_tolerance: int = Field(
        default=1,
        description="counterparty screening: years a record's year of birth may differ from a "
        "listed one and still agree",
    )

    def bands(self, fitted: Bands) -> Bands:
        """The score bands these settings give: the model's (`fitted`) where unset."""
        bands = Bands(
            match=fitted.match if self.match_threshold is None else self.match_threshold,
            review=fitted.review if self.review_threshold is None else self.review_threshold,
        )
        if not 0 <= bands.review <= bands.match <= 1:
            raise dg.Failure(
                f"linkage bands: the match band {bands.match} must be a probability at or "
                f"above the review band {bands.review}"
            )
        return bands

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

    num_chunks_right: int = Field(
        default=1, description="Spark: split the list side in this many chunks to bound memory"
    )
