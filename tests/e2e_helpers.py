"""Helpers of the browser test (`tests/test_ui_e2e.py`): a throw-away project environment,
`dagster dev` in its own process group, its GraphQL API, and Debian's Chromium for Playwright.

Why `dagster dev` does not run in the project root: the Dagster CLI loads `./.env` and lets it
*override* the process environment, for itself and every process it starts (webserver, daemon,
code server, runs). Started in the project root, the UI's runs would write the project's own
warehouse, with the project's fetch mode, whatever the test exported. So it runs in a temporary
folder whose `.env` holds the temporary paths; the project's modules load through the editable
install, and the sample articles (`data/articles/samples/articles.jsonl`) are copied there.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"

CHROMIUM = Path("/usr/bin/chromium")
# As root on this machine Chromium needs --no-sandbox; the networking flags stop it from calling
# Google's hosts (refused by the closed network, many at a time).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ENV_KEYS = (
    "SANCTIONS_WAREHOUSE",
    "SANCTIONS_RAW_DIR",
    "SANCTIONS_BATCHES_DIR",
    "SANCTIONS_FETCH_MODE",
    "SANCTIONS_INBOX_DIRS",
    "SANCTIONS_MODEL_DIR",
    "SANCTIONS_CHARTS_DIR",
    "SANCTIONS_COUNTERPARTY_DIR",
    "DAGSTER_HOME",
)


@dataclass(frozen=True)
class Workspace:
    """The temporary environment: every path the pipeline writes, and the cwd of `dagster dev`."""

    folder: Path
    cwd: Path
    env: dict[str, str]  # the SANCTIONS_* variables and DAGSTER_HOME

    @property
    def warehouse(self) -> Path:
        return Path(self.env["SANCTIONS_WAREHOUSE"])

    def process_env(self) -> dict[str, str]:
        """The environment of the Dagster processes: this one's, with the temporary paths."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANCTIONS_")}
        env.update(self.env)
        env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        return env


def sample_lines(path: Path = SAMPLES, first: int = 3, containing: str = "Dorda") -> list[str]:
    """The first `first` lines of the sample articles, and the first later line containing
    `containing` (an article with a known sanctioned name, so screening finds a hit)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = lines[:first]
    extra = next((line for line in lines[first:] if containing in line), None)
    if extra is None:
        raise AssertionError(f"no line containing {containing!r} in {path}")
    return [*chosen, extra]


def prepare_workspace(folder: Path) -> Workspace:
    """Temporary warehouse, raw cache, batches, inbox (a few sample articles), model folder (a
    copy of the project's model), charts, Dagster home (the project's dagster.yaml) and the
    working folder of `dagster dev` (a `.env` with those paths)."""
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "articles.jsonl").write_text("\n".join(sample_lines()) + "\n", encoding="utf-8")
    models = folder / "models"
    shutil.copytree(ROOT / "data" / "models", models)
    home = folder / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {
        "SANCTIONS_WAREHOUSE": str(folder / "warehouse" / "sanctions.duckdb"),
        "SANCTIONS_RAW_DIR": str(folder / "raw"),
        "SANCTIONS_BATCHES_DIR": str(folder / "batches"),
        "SANCTIONS_FETCH_MODE": "snapshot",
        "SANCTIONS_INBOX_DIRS": str(inbox),
        "SANCTIONS_MODEL_DIR": str(models),
        "SANCTIONS_CHARTS_DIR": str(folder / "charts"),
        "SANCTIONS_COUNTERPARTY_DIR": str(folder / "counterparties"),
        "DAGSTER_HOME": str(home),
    }
    cwd = folder / "dagster_cwd"
    samples = cwd / SAMPLES.relative_to(ROOT)
    samples.parent.mkdir(parents=True)
    shutil.copy(SAMPLES, samples)
    (cwd / ".env").write_text(
        "".join(f"{k}={v}\n" for k, v in env.items() if k.startswith("SANCTIONS_")),
        encoding="utf-8",
    )
    return Workspace(folder=folder, cwd=cwd, env=env)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _own_session() -> None:
    """In the child before exec: a process group of its own (what `set -m` gives a shell job),
    and SIGINT back to its default. A process started with SIGINT ignored (a background job of
    a non-interactive shell) passes that on, and Dagster then ignores SIGTERM as well."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class DagsterDev:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> Any:
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(
            self.base + "/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise AssertionError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def wait_until_up(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"dagster dev exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.base + "/server_info", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1)
        raise AssertionError(f"dagster dev not up after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, grace: float = 20.0) -> None:
        """SIGINT to the process group (dagster dev stops its webserver, daemon and code
        server); SIGKILL to the group if anything of it is left after `grace` seconds."""
        pgid = self.process.pid  # the leader of its own group
        if not _group_alive(pgid):
            return
        os.killpg(pgid, signal.SIGINT)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _group_alive(pgid):
            self.process.poll()  # reap dagster dev itself once it exits
            time.sleep(0.25)
        if _group_alive(pgid):
            with suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def dagster_dev(workspace: Workspace, log: Path, port: int | None = None) -> Iterator[DagsterDev]:
    """`dagster dev` on a free loopback port, in its own process group; stopped on exit."""
    port = port or free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "dagster"),
                "dev",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-m",
                "pipelines.definitions",
            ],
            cwd=workspace.cwd,
            env=workspace.process_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_own_session,
        )
    dev = DagsterDev(process=process, port=port, log=log)
    try:
        dev.wait_until_up()
        yield dev
    finally:
        dev.stop()


def _missing(what: str) -> None:
    if os.environ.get("SANCTIONS_SKIP_E2E") == "1":
        pytest.skip(f"{what} (SANCTIONS_SKIP_E2E=1)")
    pytest.fail(f"{what}: `make test` installs it; set SANCTIONS_SKIP_E2E=1 to skip this test")


def playwright_or_skip() -> Any:
    """Playwright's `sync_playwright`; a skip (SANCTIONS_SKIP_E2E=1) or a failure saying what
    is missing when Chromium or the package is."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package `playwright` is missing (the `dev` extra)")
    return sync_playwright
