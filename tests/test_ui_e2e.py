"""The Dagster UI end to end, as a new user meets it: `dagster dev` on a free loopback port against
a fresh temporary instance and warehouse, sensors and schedules on. Before anything is
materialized the screening sensors skip, saying what they wait for, and no run starts; then
headless Chromium (Debian's, driven by Playwright) launches the `everything` job with one click,
every run succeeds (the job's and those the sensors start once the lists exist),
`outputs.screening_hits` has rows, and a screenshot of the run page is saved in the test's
output folder.

Needs /usr/bin/chromium (`make test` installs Debian's `chromium` when missing) and the
`playwright` package (the `dev` extra). `SANCTIONS_SKIP_E2E=1` skips it where neither can be
installed (no root); otherwise a missing browser is a failure, not a silent skip.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.e2e_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DagsterDev,
    dagster_dev,
    playwright_or_skip,
    prepare_workspace,
)

RUN_TIMEOUT = 480.0  # seconds; the runs themselves take about two minutes on two cores
SENSOR_INTERVAL = 60.0  # seconds: the screening sensors' minimum interval
UI_TIMEOUT = 60_000  # milliseconds, for each browser action and expectation
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}

RUNS_QUERY = """
{
  runsOrError {
    __typename
    ... on Runs { results { runId status jobName tags { key value } } }
    ... on PythonError { message }
  }
  partitionBackfillsOrError {
    __typename
    ... on PartitionBackfills { results { id status } }
    ... on PythonError { message }
  }
}
"""


SENSORS_QUERY = """
query ($selector: RepositorySelector!) {
  sensorsOrError(repositorySelector: $selector) {
    __typename
    ... on Sensors {
      results { name sensorState { ticks(limit: 3) { status skipReason timestamp } } }
    }
    ... on PythonError { message }
  }
}
"""
LOCATIONS_QUERY = "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"


def sensor_ticks(dev: DagsterDev, location: str) -> dict[str, list[dict[str, Any]]]:
    """Each sensor's latest ticks (newest first)."""
    selector = {"repositoryName": "__repository__", "repositoryLocationName": location}
    data = dev.graphql(SENSORS_QUERY, {"selector": selector})["sensorsOrError"]
    assert data["__typename"] == "Sensors", data
    return {s["name"]: s["sensorState"]["ticks"] for s in data["results"]}


def wait_for_runs(dev: DagsterDev, timeout: float = RUN_TIMEOUT) -> list[dict[str, Any]]:
    """Every run of the instance once there is at least one, none is queued or in progress and
    no backfill is still requesting runs."""
    deadline = time.monotonic() + timeout
    runs: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        data = dev.graphql(RUNS_QUERY)
        assert data["runsOrError"]["__typename"] == "Runs", data["runsOrError"]
        runs = data["runsOrError"]["results"]
        backfills = data["partitionBackfillsOrError"].get("results") or []
        pending = [b for b in backfills if b["status"] == "REQUESTED"]
        if runs and not pending and all(r["status"] in TERMINAL for r in runs):
            return list(runs)
        if any(r["status"] in ("FAILURE", "CANCELED") for r in runs):
            return list(runs)  # no point waiting for the rest
        if dev.process.poll() is not None:
            raise AssertionError(f"dagster dev exited while waiting:\n{dev.log_tail()}")
        time.sleep(3)
    raise AssertionError(
        f"runs not finished after {timeout:.0f} s: {[(r['runId'], r['status']) for r in runs]}"
        f"\n{dev.log_tail()}"
    )


@pytest.mark.e2e
def test_first_start_then_one_click_materializes_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_playwright = playwright_or_skip()
    from playwright.sync_api import expect

    started = time.monotonic()
    monkeypatch.setenv("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    workspace = prepare_workspace(tmp_path / "env")
    for key, value in workspace.env.items():
        monkeypatch.setenv(key, value)
    screenshot = tmp_path / "run.png"

    with dagster_dev(workspace, tmp_path / "dagster_dev.log") as dev, sync_playwright() as pw:
        # A new instance shows a "Join the Dagster community" dialog shortly after the first
        # page loads, over whatever the test clicks. Mark it seen, as its "Skip" button does.
        assert dev.graphql("mutation { setNuxSeen }") == {"setNuxSeen": True}
        (location,) = [
            e["name"] for e in dev.graphql(LOCATIONS_QUERY)["workspaceOrError"]["locationEntries"]
        ]
        # The first start: nothing materialized. The screening sensors tick and skip, saying
        # what they wait for; no run starts, so none fails.
        waiting = ("article_inbox_sensor", "counterparty_folder_sensor")
        deadline = time.monotonic() + 2 * SENSOR_INTERVAL
        ticks = sensor_ticks(dev, location)
        while not all(ticks.get(name) for name in waiting):
            assert time.monotonic() < deadline, f"no sensor tick: {ticks}\n{dev.log_tail()}"
            time.sleep(2)
            ticks = sensor_ticks(dev, location)
        for name in waiting:
            tick = ticks[name][0]
            assert tick["status"] == "SKIPPED" and "waiting for" in tick["skipReason"], tick
        assert dev.graphql(RUNS_QUERY)["runsOrError"]["results"] == []
        first_ticks = {name: ticks[name][0]["timestamp"] for name in waiting}

        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        try:
            page.set_default_timeout(UI_TIMEOUT)
            expect.set_options(timeout=UI_TIMEOUT)
            page.goto(f"{dev.base}/locations/{location}/jobs/everything/playground")
            page.get_by_role("button", name=re.compile(r"Launch run$", re.IGNORECASE)).click()
            page.wait_for_url(re.compile(r"/runs/"))
            page.screenshot(path=tmp_path / "launched.png")

            runs = wait_for_runs(dev)
            main = next(r for r in runs if r["jobName"] == "everything")
            # Once the lists exist the sensors look again: the inbox sensor finds the files
            # the job screened and starts nothing; the others may start runs, which succeed.
            deadline = time.monotonic() + 2 * SENSOR_INTERVAL
            while any(
                sensor_ticks(dev, location)[name][0]["timestamp"] == first_ticks[name]
                for name in waiting
            ):
                assert time.monotonic() < deadline, f"sensors did not tick again\n{dev.log_tail()}"
                time.sleep(3)
            runs = wait_for_runs(dev)
            page.goto(f"{dev.base}/runs/{main['runId']}")
            expect(page.get_by_text(main["runId"][:8]).first).to_be_visible()
            if main["status"] == "SUCCESS":
                expect(page.get_by_text("RUN_SUCCESS").first).to_be_visible()
            page.screenshot(path=screenshot)
            print(f"\nrun page screenshot: {screenshot}")

            statuses = [(r["runId"], r["jobName"], r["status"]) for r in runs]
            assert all(r["status"] == "SUCCESS" for r in runs), (
                f"runs did not all succeed: {statuses}\n{dev.log_tail(80)}"
            )
            jobs = {r["jobName"] for r in runs}
            assert {"everything", "refresh_lists", "screen_batch", "publish_outputs"} <= jobs
        except Exception:
            with contextlib.suppress(Exception):
                page.screenshot(path=tmp_path / "failure.png")
            print(f"\nscreenshot at the failure: {tmp_path / 'failure.png'}")
            raise
        finally:
            browser.close()

    assert screenshot.stat().st_size > 10_000
    with duckdb.connect(workspace.env["SANCTIONS_WAREHOUSE"], read_only=True) as con:
        hits = con.execute("select count(*) from outputs.screening_hits").fetchone()
        batches = con.execute("select count(distinct batch_id) from articles.articles").fetchone()
    assert hits is not None and hits[0] > 0, "outputs.screening_hits is empty"
    assert batches == (1,), "the inbox was screened more than once"
    print(f"screening hits: {hits[0]}; took {time.monotonic() - started:.0f} s")
