"""Everything once, synchronously, the way the schedules and the sensors would do it over time:
refresh the lists, prepare the linkage, turn new inbox files into a batch (with the inbox
sensor's own logic), screen it, screen new or changed counterparty files, refresh the outputs.
`sanctions run` (what `make run` calls) and the UI's `everything` job both run it; the runs are
recorded in the Dagster instance, so they show in the UI."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from assets.articles.assets import article_batches
from assets.articles.resources import ArticleSourcesResource
from assets.articles.store import known_article_urls, known_inbox_files
from assets.common.warehouse import WarehouseResource
from pipelines.sensors import plan_feed_batch, plan_inbox_batch, plan_url_batch

# A job of the Definitions by name (`Definitions.resolve_job_def`, `RepositoryDefinition.get_job`).
JobByName = Callable[[str], dg.JobDefinition]


@dataclass
class RunSummary:
    jobs: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)


def _execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    summary: RunSummary,
    partition_key: str | None = None,
) -> None:
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, partition_key=partition_key
    )
    summary.jobs.append(job.name + (f" [{partition_key}]" if partition_key else ""))
    if not result.success:
        failures = [
            f"{e.step_key}: {_step_error(e.event_specific_data.error)}"  # type: ignore[union-attr]
            for e in result.all_events
            if e.is_step_failure
        ]
        raise RuntimeError(f"job {job.name} failed:\n" + "\n".join(failures))


def _step_error(error: Any) -> str:
    """What failed a step: its own exception, not Dagster's wrapper of it (which says only that
    an op failed)."""
    if error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    return str(error.message).strip()


def run_all(
    instance: dg.DagsterInstance,
    job: JobByName,
    warehouse: WarehouseResource,
    article_sources: ArticleSourcesResource,
) -> RunSummary:
    """Run every job in turn (`job` finds each by name); raises RuntimeError naming the failed
    steps of the first job that fails."""
    summary = RunSummary()
    _execute(job("refresh_lists"), instance, summary)
    _execute(job("prepare_linkage"), instance, summary)
    with warehouse.get_connection() as con:
        known = known_inbox_files(con)
        known_urls = known_article_urls(con)
    # The inbox sensor's own planning, with the files the warehouse already holds as cursor.
    inbox, _ = plan_inbox_batch(article_sources, known)
    planned = [inbox, plan_feed_batch(article_sources), plan_url_batch(article_sources, known_urls)]
    for result in planned:
        if result is None:
            continue
        for request in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(
                str(article_batches.name), list(request.partition_keys or [])
            )
        for run_request in result.run_requests or []:
            assert run_request.partition_key is not None
            _execute(job("screen_batch"), instance, summary, run_request.partition_key)
            summary.batches.append(run_request.partition_key)
    _execute(job("screen_counterparties"), instance, summary)
    _execute(job("publish_outputs"), instance, summary)
    return summary


@dg.op(
    description="Run each job in turn, the way `make run` and `sanctions run` do: refresh the "
    "lists, prepare the linkage, screen the new inbox files, feeds and URLs (one batch each), "
    "the counterparty folder, then refresh the outputs. Each job is a run of its own, listed "
    "beside this one."
)
def run_every_job(
    context: dg.OpExecutionContext,
    warehouse: WarehouseResource,
    article_sources: ArticleSourcesResource,
) -> None:
    summary = run_all(context.instance, context.repository_def.get_job, warehouse, article_sources)
    context.log.info("ran " + ", ".join(summary.jobs))


@dg.job(
    name="everything",
    description="One click materializes everything, as `make run` does. The asset graph's "
    '"Materialize all" asks which article batches to run (articles are partitioned by '
    "batch); this job plans the batches itself.",
)
def everything_job() -> None:
    run_every_job()
