"""The analyst's workbench in a real browser (#20): `create_app` served by uvicorn on a free
loopback port over a copy of the session's `sanctions run` warehouse, driven by Playwright in
Debian's Chromium as an analyst works: open the queue, filter it by band, open a hit, see the
marked sentence and the entity card, decide with one key, and find the decision in
`outputs.review_decisions` and in the queue.

Screenshots of the queue and of the hit are saved in the test's folder, or in the folder
`SANCTIONS_SCREENSHOTS` names (how README's are made: `SANCTIONS_SCREENSHOTS=docs pytest
tests/test_workbench_browser.py`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import duckdb
import pytest
import uvicorn

from pipelines.workbench import WorkbenchConfig, add_account, create_app, read_accounts
from tests.e2e_helpers import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip

UI_TIMEOUT = 30_000  # milliseconds, for each browser action and expectation


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _serving(config: WorkbenchConfig) -> Iterator[str]:
    """The workbench of `config` served by uvicorn on a free loopback port: its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the workbench did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served(ran: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, warehouse) of a workbench served from a copy of the session's warehouse."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(ran / "w.duckdb", warehouse)
    config = WorkbenchConfig(warehouse=warehouse, local_reviewer="browser-analyst")
    with _serving(config) as base:
        yield base, warehouse


@pytest.mark.slow
def test_an_analyst_clears_a_hit_in_the_browser(served: tuple[str, Path], tmp_path: Path) -> None:
    sync_playwright = playwright_or_skip()
    from playwright.sync_api import expect

    base, warehouse = served
    shots = Path(os.environ.get("SANCTIONS_SCREENSHOTS") or tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
        page.set_default_timeout(UI_TIMEOUT)
        expect.set_options(timeout=UI_TIMEOUT)
        try:
            page.goto(f"{base}/queue")
            page.select_option("select[name=band]", "match")
            page.click("button:has-text('Filter')")
            page.wait_for_url("**band=match**")
            bands = page.locator("#queue tbody td.band-match")
            assert bands.count() > 0
            assert page.locator("#queue tbody td.band-review").count() == 0
            page.screenshot(path=shots / "workbench_queue.png")
            # The keyboard: the first row is selected, j moves down, k back, Enter opens.
            page.keyboard.press("j")
            page.keyboard.press("k")
            expect(page.locator("#queue tbody tr.selected")).to_have_count(1)
            mention = page.locator("#queue tbody tr.selected td:nth-child(3)").inner_text()
            page.keyboard.press("Enter")
            expect(page.locator("#sentence mark")).to_have_text(mention)
            expect(page.locator("#entity h2")).not_to_be_empty()
            expect(page.locator("#waterfall")).to_contain_text("prior")
            page.screenshot(path=shots / "workbench_hit.png", full_page=True)
            hit_path = page.url.removeprefix(base).split("?")[0]
            mention_id, entity_id = map(unquote, hit_path.split("/")[2:])
            page.keyboard.press("m")
            expect(page.locator("p.flash")).to_contain_text("recorded match")
            # Back in the filtered queue, without the decided hit.
            assert "band=match" in page.url
            expect(page.locator(f"#queue a[href^='{hit_path}?']")).to_have_count(0)
        finally:
            browser.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute(
            "SELECT decision, reviewer FROM outputs.review_decisions "
            "WHERE mention_id = ? AND entity_id = ?",
            [mention_id, entity_id],
        ).fetchall()
    assert stored == [("match", "browser-analyst")]


@pytest.mark.slow
def test_two_reviewers_deciding_at_once_lose_nothing(ran: Path, tmp_path: Path) -> None:
    """Two browser contexts, two reviewer accounts: each opens hit pages, then both send their
    decisions without waiting for each other (one hit decided by both). Every decision is
    stored once with its own reviewer; the one both decided has both, in the audit trail."""
    sync_playwright = playwright_or_skip()
    from playwright.sync_api import expect

    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(ran / "w.duckdb", warehouse)
    accounts = tmp_path / "reviewers"
    add_account(accounts, "ana", "ana-password")
    add_account(accounts, "ben", "ben-password")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        hits = con.execute(
            "SELECT mention_id, any_value(entity_id ORDER BY entity_id) FROM "
            "outputs.screening_hits WHERE decision IS NULL GROUP BY mention_id, canonical_id "
            "ORDER BY mention_id LIMIT 7"
        ).fetchall()
    shared = hits[0]
    mine = {"ana": [shared, *hits[1:4]], "ben": [shared, *hits[4:7]]}
    config = WorkbenchConfig(warehouse=warehouse, accounts=read_accounts(accounts))
    with _serving(config) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        expect.set_options(timeout=UI_TIMEOUT)
        try:
            pages = []
            for name, own in mine.items():
                context = browser.new_context(
                    http_credentials={"username": name, "password": f"{name}-password"}
                )
                for mention_id, entity_id in own:
                    page = context.new_page()
                    page.set_default_timeout(UI_TIMEOUT)
                    page.goto(f"{base}/hit/{quote(mention_id)}/{quote(entity_id, safe='')}")
                    expect(page.locator("#sentence")).to_be_visible()
                    pages.append(page)
            # Interleaved: ana's first, ben's first, ana's second... each a form post that
            # the browser sends at once, none waiting for the one before.
            order = [p for pair in zip(pages[:4], pages[4:], strict=True) for p in pair]
            for page in order:
                page.keyboard.press("n")
            for page in order:
                expect(page.locator("p.flash")).to_contain_text("recorded not_match")
        finally:
            browser.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute(
            "SELECT mention_id, reviewer, count(*) FROM outputs.review_decisions "
            "WHERE decision = 'not_match' AND reviewer IN ('ana', 'ben') GROUP BY ALL"
        ).fetchall()
    decided = {(m, r): n for m, r, n in stored}
    for name, own in mine.items():
        for mention_id, _ in own:
            assert decided.get((mention_id, name), 0) >= 1, (mention_id, name)
    assert {r for (m, r) in decided if m == shared[0]} == {"ana", "ben"}
    assert {m for (m, _) in decided} == {m for m, _ in hits}
