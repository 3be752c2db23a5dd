"""Sensors: new material in, runs out.

- `article_inbox_sensor`: new or changed files in the inbox folders become one ingestion batch
  (a new partition of `article_batches`) and a `screen_batch` run on those files only. The
  cursor maps each file to its content digest, so unchanged files never run again.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from assets.articles.assets import article_batches
from assets.articles.batches import changed_files, make_batch, scan_inbox, write_manifest
from assets.common.tables import utc_now
from pipelines.jobs import screen_batch_job
from pipelines.resources import ArticleSourcesResource


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
    write_manifest(manifest, Path(article_sources.batches_dir))
    return (
        dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=manifest.batch_id,
                    partition_key=manifest.batch_id,
                    tags={"batch_kind": "inbox", "files": str(len(changed))},
                )
            ],
            dynamic_partitions_requests=[article_batches.build_add_request([manifest.batch_id])],
        ),
        updated,
    )


@dg.sensor(
    job=screen_batch_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="New or changed inbox files trigger a screening run on those files only.",
)
def article_inbox_sensor(
    context: dg.SensorEvaluationContext, article_sources: ArticleSourcesResource
) -> dg.SensorResult:
    known: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    result, updated = plan_inbox_batch(article_sources, known)
    context.update_cursor(json.dumps(updated, sort_keys=True))
    return result


all_sensors = [article_inbox_sensor]
