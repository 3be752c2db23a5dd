"""Schedules, all in UTC; their crons live in `config/schedules.toml`.

- `refresh_lists_schedule`: the `sources` group, daily at 06:00 by default. A new accepted
  publication with added or modified entities then triggers re-screening (see sensors).
- `poll_feeds_schedule`: hourly, one ingestion batch polling every configured feed.
Each targets a job that selects assets by group, so a new list or asset needs no change here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import dagster as dg

from assets.articles.assets import article_batches
from assets.articles.resources import ArticleSourcesResource
from pipelines.jobs import refresh_lists_job, screen_batch_job
from pipelines.sensors import plan_feed_batch

CONFIG = Path(__file__).resolve().parents[1] / "config" / "schedules.toml"
DEFAULT_CRONS = {"refresh_lists": "0 6 * * *", "poll_feeds": "0 * * * *"}


def crons(path: Path = CONFIG) -> dict[str, str]:
    """The configured crons, defaults for any not given; a malformed file raises naming it."""
    if not path.exists():
        return dict(DEFAULT_CRONS)
    try:
        configured = tomllib.loads(path.read_text()).get("schedules", {})
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    unknown = set(configured) - set(DEFAULT_CRONS)
    if unknown:
        raise ValueError(
            f"{path}: unknown schedules {sorted(unknown)}; known: {sorted(DEFAULT_CRONS)}"
        )
    return {**DEFAULT_CRONS, **{k: str(v) for k, v in configured.items()}}


CRONS = crons()

refresh_lists_schedule = dg.ScheduleDefinition(
    name="refresh_lists_schedule",
    job=refresh_lists_job,
    cron_schedule=CRONS["refresh_lists"],
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Fetch, check and store every official list.",
)


@dg.schedule(
    name="poll_feeds_schedule",
    job=screen_batch_job,
    cron_schedule=CRONS["poll_feeds"],
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Poll the configured RSS/Atom feeds as one ingestion batch.",
)
def poll_feeds_schedule(
    context: dg.ScheduleEvaluationContext, article_sources: ArticleSourcesResource
) -> dg.RunRequest | dg.SkipReason:
    planned = plan_feed_batch(article_sources)
    if planned is None or not planned.run_requests:
        return dg.SkipReason("no feed configured (article_sources.feeds)")
    for request in planned.dynamic_partitions_requests or []:
        context.instance.add_dynamic_partitions(
            str(article_batches.name), list(request.partition_keys or [])
        )
    return planned.run_requests[0]


all_schedules = [refresh_lists_schedule, poll_feeds_schedule]
