"""`sanctions run`: materialize everything once, synchronously, the way the schedules and the
sensors would over time: refresh the lists, prepare the linkage, turn new inbox files into a
batch (with the inbox sensor's own logic), screen it, screen new or changed counterparty files,
refresh the outputs. Runs are recorded in
the Dagster instance, so they show in the UI."""

from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg

from assets.articles.assets import article_batches
from assets.articles.store import known_article_urls, known_inbox_files
from pipelines.definitions import defs
from pipelines.sensors import plan_feed_batch, plan_inbox_batch, plan_url_batch


@dataclass
class RunSummary:
    jobs: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)


def _execute(
    job_name: str,
    instance: dg.DagsterInstance,
    summary: RunSummary,
    partition_key: str | None = None,
) -> None:
    result = defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, raise_on_error=False, partition_key=partition_key
    )
    summary.jobs.append(job_name + (f" [{partition_key}]" if partition_key else ""))
    if not result.success:
        failures = [
            f"{e.step_key}: {e.event_specific_data.error.message.strip()}"  # type: ignore[union-attr]
            for e in result.all_events
            if e.is_step_failure
        ]
        raise RuntimeError(f"job {job_name} failed:\n" + "\n".join(failures))


def run_all(instance: dg.DagsterInstance) -> RunSummary:
    summary = RunSummary()
    _execute("refresh_lists", instance, summary)
    _execute("prepare_linkage", instance, summary)
    assert defs.resources is not None
    configured = {name: defs.resources[name] for name in ("warehouse", "article_sources")}
    with dg.build_resources(configured) as resources:  # EnvVars resolved from this process
        with resources.warehouse.get_connection() as con:
            known = known_inbox_files(con)
        # The inbox sensor's own planning, with the files the warehouse already holds as cursor.
        inbox, _ = plan_inbox_batch(resources.article_sources, known)
        with resources.warehouse.get_connection() as con:
            known_urls = known_article_urls(con)
        planned = [
            inbox,
            plan_feed_batch(resources.article_sources),
            plan_url_batch(resources.article_sources, known_urls),
        ]
    for result in planned:
        if result is None:
            continue
        for request in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(
                str(article_batches.name), list(request.partition_keys or [])
            )
        for run_request in result.run_requests or []:
            assert run_request.partition_key is not None
            _execute("screen_batch", instance, summary, partition_key=run_request.partition_key)
            summary.batches.append(run_request.partition_key)
    _execute("screen_counterparties", instance, summary)
    _execute("publish_outputs", instance, summary)
    return summary
