"""Sensors: new material in, runs out.

- `article_inbox_sensor`: new or changed files in the inbox folders become one ingestion batch
  (a new partition of `article_batches`) and a `screen_batch` run on those files only. The
  cursor maps each file to its content digest, so unchanged files never run again.
- `list_change_sensor`: a list publication accepted with added or modified entities triggers
  `rescreen_archive`, which screens the whole article archive and the stored counterparty files
  against those entities only.
- `counterparty_folder_sensor`: a new, changed or removed counterparty file triggers
  `screen_counterparties` (which screens only the files that changed).

`refresh_outputs_after_screening` runs `publish_outputs` after each screened batch, so the
outputs' pages never show counts older than the last batch.

The two screening sensors wait (skip, cursor unchanged) until the lists and the model exist
(`screening_waits`): a first start launches no run bound to fail.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb

from assets.articles.assets import article_batches
from assets.articles.batches import (
    BatchManifest,
    changed_files,
    make_batch,
    scan_inbox,
    write_manifest,
)
from assets.articles.ingest import read_url_list
from assets.articles.resources import ArticleSourcesResource
from assets.articles.store import known_inbox_files
from assets.common.tables import lock_holder, utc_now
from assets.common.warehouse import WarehouseResource
from assets.counterparties.resources import CounterpartySourcesResource
from assets.counterparties.store import counterparty_files, file_digest
from assets.linkage.resources import LinkageResource
from assets.linkage.store import MODEL_FILE
from assets.sources.factory import list_asset_key
from assets.sources.registry import LIST_SPECS
from pipelines.jobs import (
    publish_outputs_job,
    rescreen_archive_job,
    screen_batch_job,
    screen_counterparties_job,
)

# What a screening run reads besides its input: the lists' linkage records and the model.
SCREENING_TABLES = ("list_records", "token_frequencies")


def _busy(error: duckdb.Error) -> str:
    """A sensor's skip reason when another process holds the warehouse it reads."""
    return (
        f"the warehouse is busy (locked by {lock_holder(str(error))}); looking again at the "
        "next tick"
    )


def screening_waits(warehouse: WarehouseResource, linkage: LinkageResource) -> str | None:
    """Why a screening run cannot work yet (None when it can): on a first start the lists and
    the model do not exist, and a run launched then fails, its files marked as seen. The
    sensors skip with this reason, their cursor unchanged, and pick the files up once the
    lists and the model are there."""
    model = Path(linkage.model_dir) / MODEL_FILE
    if not model.exists():
        return f"waiting for the linkage model ({model}): materialize linkage/mention_model"
    database = Path(warehouse.database)
    if not database.exists():
        return f"waiting for the warehouse ({database}): materialize the lists first"
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            found = {
                table
                for (table,) in con.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'linkage'"
                ).fetchall()
            }
    except duckdb.Error as exc:
        return _busy(exc)
    missing = [table for table in SCREENING_TABLES if table not in found]
    if missing:
        return (
            f"waiting for the lists' linkage records (linkage.{missing[0]}): materialize the "
            "lists and linkage/list_records first"
        )
    return None


def plan_inbox_batch(
    article_sources: ArticleSourcesResource, known: dict[str, str]
) -> tuple[dg.SensorResult, dict[str, str]]:
    """The sensor's work as a function: the request for a batch of changed files (if any) and
    the updated file -> digest map."""
    current = [f for root in article_sources.inbox_folders() for f in scan_inbox(root)]
    changed = changed_files(current, known)
    updated = {**known, **{f.absolute: f.sha256 for f in current}}
    if not changed:
        return dg.SensorResult(skip_reason="no new or changed inbox files"), updated
    manifest = make_batch("inbox", utc_now(), files=changed)
    return batch_request(manifest, Path(article_sources.batches_dir)), updated


def batch_request(manifest: BatchManifest, folder: Path) -> dg.SensorResult:
    """Write the manifest; request its partition and a `screen_batch` run on it."""
    write_manifest(manifest, folder)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=manifest.batch_id,
                partition_key=manifest.batch_id,
                tags={"batch_kind": manifest.kind},
            )
        ],
        dynamic_partitions_requests=[article_batches.build_add_request([manifest.batch_id])],
    )


def plan_feed_batch(article_sources: ArticleSourcesResource) -> dg.SensorResult | None:
    """A batch polling every configured feed (articles already stored are not stored again)."""
    if not article_sources.feeds:
        return None
    manifest = make_batch("feeds", utc_now(), feeds=article_sources.feeds)
    return batch_request(manifest, Path(article_sources.batches_dir))


def plan_url_batch(
    article_sources: ArticleSourcesResource, known_urls: set[str]
) -> dg.SensorResult | None:
    """A batch of the URL list's URLs not fetched before, if any."""
    path = Path(article_sources.url_list)
    if not path.exists():
        return None
    urls, _skipped = read_url_list(path)
    new = [u for u in urls if u not in known_urls]
    if not new:
        return None
    return batch_request(make_batch("urls", utc_now(), urls=new), Path(article_sources.batches_dir))


@dg.sensor(
    job=screen_batch_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="New or changed inbox files trigger a screening run on those files only.",
)
def article_inbox_sensor(
    context: dg.SensorEvaluationContext,
    article_sources: ArticleSourcesResource,
    warehouse: WarehouseResource,
    linkage: LinkageResource,
) -> dg.SensorResult:
    if waiting := screening_waits(warehouse, linkage):
        return dg.SensorResult(skip_reason=waiting)
    if context.cursor:
        known: dict[str, str] = json.loads(context.cursor)
    else:
        # A first tick starts from the files some batch already covered (`make run` or the
        # `everything` job screened them), not from nothing, which would screen them again.
        try:
            with duckdb.connect(str(warehouse.database), read_only=True) as con:
                known = known_inbox_files(con)
        except duckdb.Error as exc:
            return dg.SensorResult(skip_reason=_busy(exc))
    result, updated = plan_inbox_batch(article_sources, known)
    context.update_cursor(json.dumps(updated, sort_keys=True))
    return result


def _number(metadata: dict[str, dg.MetadataValue], key: str) -> int:  # type: ignore[type-arg]
    value = metadata.get(key)
    return int(value.value) if value is not None and isinstance(value.value, int | float) else 0


def changed_publications(
    instance: dg.DagsterInstance, seen: dict[str, int]
) -> tuple[list[str], dict[str, int]]:
    """Accepted list publications with added or modified entities materialized since `seen`
    (list -> storage id of the last materialization looked at)."""
    changed, updated = [], dict(seen)
    for spec in LIST_SPECS:
        records = instance.fetch_materializations(list_asset_key(spec.source_id), limit=1).records
        if not records or records[0].storage_id <= seen.get(spec.source_id, -1):
            continue
        record = records[0]
        updated[spec.source_id] = record.storage_id
        materialization = record.asset_materialization
        if materialization is None:
            continue
        metadata = dict(materialization.metadata)
        status = metadata.get("status")
        if status is None or status.value != "accepted":
            continue
        if _number(metadata, "added") + _number(metadata, "modified") > 0:
            sha = metadata["sha256"].value if "sha256" in metadata else record.storage_id
            changed.append(f"{spec.source_id}:{str(sha)[:12]}")
    return changed, updated


@dg.sensor(
    job=rescreen_archive_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A list change with added or modified entities re-screens the article archive.",
)
def list_change_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    seen: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    changed, updated = changed_publications(context.instance, seen)
    context.update_cursor(json.dumps(updated, sort_keys=True))
    if not changed:
        return dg.SensorResult(skip_reason="no accepted list change since the last look")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key="rescreen:" + ",".join(changed), tags={"lists": ",".join(changed)}
            )
        ]
    )


def counterparty_folder_state(folder: Path) -> dict[str, str]:
    """Each counterparty file of the folder (relative path) -> its content digest."""
    return {f.relative_to(folder).as_posix(): file_digest(f) for f in counterparty_files(folder)}


@dg.sensor(
    job=screen_counterparties_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A new, changed or removed counterparty file triggers screen_counterparties.",
)
def counterparty_folder_sensor(
    context: dg.SensorEvaluationContext,
    counterparty_sources: CounterpartySourcesResource,
    warehouse: WarehouseResource,
    linkage: LinkageResource,
) -> dg.SensorResult:
    if waiting := screening_waits(warehouse, linkage):
        return dg.SensorResult(skip_reason=waiting)
    state = counterparty_folder_state(Path(counterparty_sources.folder))
    cursor = json.dumps(state, sort_keys=True)
    if context.cursor == cursor or (context.cursor is None and not state):
        context.update_cursor(cursor)
        return dg.SensorResult(skip_reason="no counterparty file changed")
    context.update_cursor(cursor)
    digest = hashlib.sha256(cursor.encode()).hexdigest()[:16]
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=f"counterparties:{digest}")])


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[screen_batch_job],
    request_job=publish_outputs_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a batch is screened, refresh the analysts' views "
    "(outputs/screening_hits): a batch job is partitioned and cannot include them.",
)
def refresh_outputs_after_screening(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=f"outputs-after:{context.dagster_run.run_id}")


all_sensors = [
    article_inbox_sensor,
    list_change_sensor,
    counterparty_folder_sensor,
    refresh_outputs_after_screening,
]
