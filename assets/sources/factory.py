"""Builds one Dagster asset per registered list, with its blocking data-quality checks.

The asset fetches a publication and hands it to `assets.sources.publication.ingest_publication`,
which parses it strictly, evaluates the checks BEFORE writing, and only then replaces the list's
rows. A publication that fails a check is recorded as rejected in `sources.snapshots`, its raw
files are kept for inspection, the last good publication stays in place, and the failed blocking
check stops every downstream asset.

(No `from __future__ import annotations` here: Dagster reads the asset's annotations.)
"""

from typing import Any

import dagster as dg

from assets.common.model import ParseError
from assets.common.tables import utc_now
from assets.common.warehouse import WarehouseResource
from assets.sources.checks import (
    CHECK_DESCRIPTIONS,
    check_result,
)
from assets.sources.fetch import FetchedList, FetchError
from assets.sources.publication import Ingested, ingest_publication
from assets.sources.resources import ListFetcherResource
from assets.sources.spec import ListSpec


def list_asset_key(source_id: str) -> dg.AssetKey:
    return dg.AssetKey(["sources", source_id])


def build_list_asset(spec: ListSpec) -> dg.AssetsDefinition:
    """The `sources/<source_id>` asset of one official list."""
    key = list_asset_key(spec.source_id)
    check_specs = [
        dg.AssetCheckSpec(name, asset=key, description=text, blocking=True)
        for name, text in CHECK_DESCRIPTIONS.items()
    ] + [dg.AssetCheckSpec(FRESHNESS_CHECK, asset=key, description=FRESHNESS_DESCRIPTION)]
    description = (
        f"{spec.title} ({spec.publisher}).\n\n"
        f"Fetches the publication ({spec.formats}), parses it strictly into `sources.entities` "
        f"and `sources.names` (rows with source = '{spec.source_id}'), records it in "
        "`sources.snapshots` and its differences from the previous publication in "
        "`sources.changes`. A publication failing a blocking check is rejected and the last "
        f"good one kept.\n\nPublisher page: {spec.homepage}\n\nLicence: {spec.licence}"
    )

    @dg.asset(
        key=key,
        group_name="sources",
        description=description,
        check_specs=check_specs,
        kinds={"duckdb"},
        tags={"source": spec.source_id},
        metadata={"publisher": spec.publisher, "homepage": dg.MetadataValue.url(spec.homepage)},
        pool="warehouse",
    )
    def _list_asset(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        list_fetcher: ListFetcherResource,
    ) -> dg.MaterializeResult:  # type: ignore[type-arg]
        fetcher = list_fetcher.fetcher()
        try:
            fetched = fetcher.fetch(spec)
        except FetchError as exc:
            if exc.transient and list_fetcher.step_retries > 0:
                # The network or the publisher is down: try the step again later.
                raise dg.RetryRequested(
                    max_retries=list_fetcher.step_retries,
                    seconds_to_wait=list_fetcher.step_retry_wait_seconds,
                ) from exc
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        if fetched.warning:
            context.log.warning(fetched.warning)
        fresh = freshness(fetched, list_fetcher.mode, list_fetcher.max_age_hours)
        with warehouse.get_connection() as con:
            try:
                ingested = ingest_publication(con, spec, fetched, fetcher.cache)
            except ParseError as exc:
                raise dg.Failure(
                    description=f"{exc} — publication from {fetched.location} rejected; "
                    "the last good snapshot stays current",
                    allow_retries=False,  # the same file fails the same way
                ) from exc
        if ingested.status == "rejected":
            context.log.error(f"{spec.source_id}: publication rejected: {ingested.reason}")
        for skipped in (ingested.skipped or [])[:20]:
            context.log.warning(
                f"{spec.source_id}: skipped record {skipped.record_id}: {skipped.reason}"
            )
        return _result(fetched, ingested, fresh)

    return _list_asset


FRESHNESS_CHECK = "publication_fresh"
FRESHNESS_DESCRIPTION = (
    "The publication served is at most `max_age_hours` old (default 48 h). In snapshot mode the "
    "bundled files are served on purpose, and the check warns with their age. Warns; does not "
    "block."
)


def freshness(fetched: FetchedList, mode: str, max_age_hours: float) -> dg.AssetCheckResult:
    """Age of the publication served: its download time, or its publication date. In snapshot
    mode too: an analyst screening against a bundled snapshot should see how old it is."""
    age_hours = (utc_now() - fetched.fetched_at).total_seconds() / 3600
    age = f"{age_hours / 24:.0f} days" if age_hours >= 72 else f"{age_hours:.0f} h"
    why = (
        "snapshot mode (bundled files, served on purpose; SANCTIONS_FETCH_MODE=auto downloads "
        "the live lists): "
        if mode == "snapshot"
        else ""
    )
    return dg.AssetCheckResult(
        check_name=FRESHNESS_CHECK,
        passed=age_hours <= max_age_hours,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{why}publication from {fetched.fetched_at:%Y-%m-%d %H:%M} UTC "
        f"({fetched.origin}), {age} old; limit {max_age_hours:.0f} h",
        metadata={"age_hours": round(age_hours, 1), "mode": mode},
    )


def _result(
    fetched: FetchedList, ingested: Ingested, fresh: dg.AssetCheckResult
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    published = ingested.published_on or fetched.published_on
    metadata: dict[str, Any] = {
        "status": ingested.status,
        "entities": ingested.entity_count,
        "origin": fetched.origin,
        "location": fetched.location,
        "sha256": fetched.sha256,
        "bytes": fetched.size,
        "published_on": str(published) if published else "unknown",
        "fetched_at": fetched.fetched_at.isoformat(),
    }
    if ingested.name_count is not None:
        metadata["names"] = ingested.name_count
    if ingested.skipped is not None:
        metadata["skipped_records"] = len(ingested.skipped)
    if (changes := ingested.changes) is not None:
        metadata.update(added=changes.added, removed=changes.removed, modified=changes.modified)
    if fetched.warning:
        metadata["warning"] = fetched.warning
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[*map(check_result, ingested.outcomes), fresh],
    )
