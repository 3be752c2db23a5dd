"""The Makefile's defaults are the project's (`assets.common.defaults`): `make run` and
`make ui` see the same warehouse, folders and models as the CLI and the resources."""

from __future__ import annotations

import re
from pathlib import Path

from assets.common import defaults

ROOT = Path(__file__).resolve().parents[1]


def test_the_makefile_exports_the_project_defaults() -> None:
    exported = dict(
        re.findall(r"^export (SANCTIONS_\w+) \?= (.+)$", (ROOT / "Makefile").read_text(), re.M)
    )
    in_root = {k: v.replace("$(CURDIR)/", "") for k, v in exported.items()}
    assert in_root == defaults.ENVIRONMENT
