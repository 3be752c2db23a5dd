"""The Dagster assets of the sources stage: one per registered official list."""

from __future__ import annotations

import dagster as dg

from assets.sources.factory import build_list_asset
from assets.sources.registry import LIST_SPECS

list_assets: list[dg.AssetsDefinition] = [build_list_asset(spec) for spec in LIST_SPECS]
