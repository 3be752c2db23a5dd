"""Jobs select assets by group or key, so a new list or asset joins its job with no change here.

Partitioned (per ingestion batch) and unpartitioned assets live in separate jobs: a Dagster job
has one partitioning."""

from __future__ import annotations

import dagster as dg

refresh_lists_job = dg.define_asset_job(
    name="refresh_lists",
    selection=dg.AssetSelection.groups("sources"),
    description="Fetch, parse, check and store every official sanctions list.",
)

prepare_linkage_job = dg.define_asset_job(
    name="prepare_linkage",
    selection=dg.AssetSelection.keys(
        ["linkage", "list_records"], ["linkage", "mention_model"], ["linkage", "canonical_entities"]
    ),
    description="Analyse the list names for linkage, check the committed mention model against "
    "them, and resolve the listed entities across lists.",
)

rescreen_archive_job = dg.define_asset_job(
    name="rescreen_archive",
    selection=dg.AssetSelection.keys(
        ["linkage", "list_records"],
        ["linkage", "list_change_matches"],
        ["outputs", "screening_hits"],
        ["counterparties", "list_change_matches"],
        ["outputs", "counterparty_hits"],
    ),
    description="Re-screen the stored mentions and counterparty files against entities a list "
    "change added or modified.",
)

screen_counterparties_job = dg.define_asset_job(
    name="screen_counterparties",
    selection=dg.AssetSelection.keys(
        ["counterparties", "records"],
        ["counterparties", "matches"],
        ["outputs", "counterparty_hits"],
    ),
    description="Read the counterparty folder's new or changed files and screen their records.",
)

screen_batch_job = dg.define_asset_job(
    name="screen_batch",
    selection=dg.AssetSelection.groups("articles") | dg.AssetSelection.keys(["linkage", "matches"]),
    description="Ingest one batch of articles, extract mentions, score them against the lists.",
)

publish_outputs_job = dg.define_asset_job(
    name="publish_outputs",
    selection=dg.AssetSelection.groups("outputs"),
    description="Refresh the analysts' views.",
)

all_jobs = [
    refresh_lists_job,
    prepare_linkage_job,
    screen_batch_job,
    publish_outputs_job,
    rescreen_archive_job,
    screen_counterparties_job,
]
