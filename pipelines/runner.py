"""Everything once, synchronously, the way the schedules and the sensors would do it over time:
refresh the lists, prepare the linkage, turn new inbox files into a batch (with the inbox
sensor's own logic), screen it, screen new or changed counterparty files, refresh the outputs.
`sanctions run` (what `make run` calls) and the UI's `everything` job both run it; the runs are
recorded in the Dagster instance, so they show in the UI."""

import logging
import time
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


# What a job's progress line counts, per asset: the first of these its metadata has.
_COUNTED = (
    "entities", "new_articles", "mentions", "matches", "names", "hits", "canonical_entities",
)  # fmt: skip


def progress_line(name: str, seconds: float, result: dg.ExecuteInProcessResult) -> list[str]:
    """A job's line of `make run`'s progress report: what each asset materialized, counted,
    and its checks; then a line per warning a list asset or a failed check gave."""
    counted, warnings = [], []
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        asset = materialization.asset_key.path[-1]
        metadata = {k: v.value for k, v in materialization.metadata.items()}
        # Its own name first ("mentions 342"), else the first count it has.
        found = next((k for k in (asset, *_COUNTED) if isinstance(metadata.get(k), int)), None)
        if "version" in metadata:  # a model: which one, not its training counts
            counted.append(f"{asset} {metadata['version']}")
        elif found:
            unit = "" if found == asset else f" {found.replace('_', ' ')}"
            counted.append(f"{asset} {metadata[found]:,}{unit}")
        else:
            counted.append(asset)
        if metadata.get("warning"):
            warnings.append(f"  warning: {asset}: {metadata['warning']}")
    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed]
    for check in failed:
        warnings.append(
            f"  check {check.asset_key.to_user_string()} {check.check_name} did not pass: "
            f"{check.description}"
        )
    said = ", ".join(counted) or "nothing new"
    passed = f"{len(checks) - len(failed)}/{len(checks)}"
    return [f"{name} ({seconds:.1f} s): {said}; checks {passed} passed", *warnings]


def _execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    summary: RunSummary,
    partition_key: str | None = None,
    run_config: dict[str, Any] | None = None,
    report: Callable[[str], None] | None = None,
) -> None:
    started = time.monotonic()
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        partition_key=partition_key,
        run_config=run_config or {},
    )
    name = job.name + (f" [{partition_key}]" if partition_key else "")
    summary.jobs.append(name)
    if report is not None and result.success:
        for line in progress_line(name, time.monotonic() - started, result):
            report(line)
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
    run_config: dict[str, Any] | None = None,
    report: Callable[[str], None] | None = None,
) -> RunSummary:
    """Run every job in turn (`job` finds each by name), each with `run_config` (its loggers,
    for `sanctions run`), `report` given its progress lines; raises RuntimeError naming the
    failed steps of the first job that fails."""
    summary = RunSummary()

    def execute(name: str, partition_key: str | None = None) -> None:
        _execute(job(name), instance, summary, partition_key, run_config, report)

    execute("refresh_lists")
    execute("prepare_linkage")
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
            execute("screen_batch", run_request.partition_key)
            summary.batches.append(run_request.partition_key)
    execute("screen_counterparties")
    execute("publish_outputs")
    return summary


@dg.logger(
    config_schema={"path": str, "log_level": dg.Field(str, default_value="DEBUG")},
    description="Dagster's event lines (all of them, DEBUG included) appended to a file: "
    "`sanctions run` sends them there, the terminal gets its progress report.",
)
def file_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger(f"sanctions.run.{init_context.run_id}", config["log_level"])
    handler = logging.FileHandler(config["path"], encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def run_loggers(log_file: str) -> dict[str, Any]:
    """Run config: Dagster's console logger for warnings and errors only, every event line in
    `log_file` (`file_logger`)."""
    return {
        "loggers": {
            "console": {"config": {"log_level": "WARNING"}},
            "file": {"config": {"path": log_file}},
        }
    }


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
