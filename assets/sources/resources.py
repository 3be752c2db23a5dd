"""How the sources stage obtains list publications, as a Dagster resource."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

from assets.common import defaults
from assets.sources.fetch import HttpSettings, ListFetcher, RawCache


class ListFetcherResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """How list publications are obtained: `auto` (live, falling back to the last good
    snapshot), `live` (network only) or `snapshot` (no network: raw cache, then bundled)."""

    mode: str = Field(default=defaults.FETCH_MODE, description="auto | live | snapshot")
    raw_dir: str = Field(
        default=defaults.RAW_DIR, description="where live downloads are kept, per source"
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
