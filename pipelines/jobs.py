"""Jobs select assets by group, so a new list or asset joins its job with no change here."""

from __future__ import annotations

import dagster as dg

refresh_lists_job = dg.define_asset_job(
    name="refresh_lists",
    selection=dg.AssetSelection.groups("sources"),
    description="Fetch, parse, check and store every official sanctions list.",
)

all_jobs = [refresh_lists_job]
