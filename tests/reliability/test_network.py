"""Network faults against the real list asset and the real articles asset, served by a local
HTTP server: every fault ends in a bounded number of attempts, an error naming the source and
the URL, the last good snapshot still current and nothing lost or let in."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from assets.articles.batches import make_batch, write_manifest
from assets.sources import un_sc
from tests.conftest import FIXTURES, Reply, ScriptedServer, fixture_bytes
from tests.reliability.harness import (
    Ledger,
    census,
    closed_port,
    copy_workspace,
    current_snapshot,
    failure_message,
    metadata,
    query,
    records_admitted,
    records_lost,
    run_articles,
    run_list,
)

UN_XML = fixture_bytes("un_sc", "consolidated.xml")
SPEC = dataclasses.replace(un_sc.SPEC, min_entities=1)  # bounds that admit the fixture excerpt
NODE = "sources__un_sc"
NOW = dt.datetime(2026, 11, 26, 9, 0)
MAX_BYTES = 200_000
HTML_ERROR = b"<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>"
GZIP_BOMB = gzip.compress(b"<" + b" " * 20_000_000)  # 20 MB of markup from ~20 kB on the wire


@dataclasses.dataclass(frozen=True)
class Fault:
    """A misbehaving server (or none), `attempts` requests expected, `recovers` when the last
    scripted reply is a good one."""

    name: str
    injected: str
    replies: Callable[[bytes], list[Reply]]
    attempts: int | None  # None: no server to count at (connection refused)
    message: str
    recovers: bool = False
    page_message: str | None = None  # when an article page fails differently from a file


FAULTS = [
    Fault("refused", "connection refused", lambda body: [], None, "after 3 attempts"),
    Fault(
        "read-timeout",
        "answer delayed past the 0.5 s read timeout",
        lambda body: [Reply(body=body, delay=1.0)],
        3,
        "ReadTimeout",
    ),
    Fault(
        "http-500-then-ok",
        "HTTP 500, 500, then the file",
        lambda body: [Reply(status=500), Reply(status=500), Reply(body=body)],
        3,
        "",
        recovers=True,
    ),
    Fault(
        "http-503-then-ok",
        "HTTP 503 twice, then the file",
        lambda body: [Reply(status=503), Reply(status=503), Reply(body=body)],
        3,
        "",
        recovers=True,
    ),
    Fault(
        "http-503-persistent",
        "HTTP 503 on every attempt",
        lambda body: [Reply(status=503)],
        3,
        "HTTP 503",
    ),
    Fault(
        "reset-mid-body",
        "connection closed half-way through the body",
        lambda body: [Reply(body=body, behaviour="reset")],
        3,
        "after 3 attempts",
    ),
    Fault(
        "short-body",
        "body 1000 bytes shorter than its Content-Length",
        lambda body: [Reply(body=body, behaviour="short")],
        3,
        "after 3 attempts",
    ),
    Fault(
        "html-error-page",
        "HTTP 200 with an HTML error page instead of the file",
        lambda body: [Reply(body=HTML_ERROR, headers={"Content-Type": "text/html"})],
        1,
        "HTML page",
        page_message="no extractable article text",  # a page is HTML: its text is what counts
    ),
    Fault(
        "redirect-loop",
        "302 redirecting to itself forever",
        lambda body: [Reply(status=302, headers={"Location": "/file"})],
        6,  # the first request and max_redirects (5) more
        "too many redirects",
    ),
    Fault(
        "too-large",
        f"a response larger than the {MAX_BYTES:,} byte limit",
        lambda body: [Reply(body=body + b"<!--" + b"x" * (MAX_BYTES + 1) + b"-->")],
        1,
        "limit",
    ),
    Fault(
        "gzip-bomb",
        "gzip body of 20 kB inflating to 20 MB (limit 200 kB)",
        lambda body: [Reply(body=GZIP_BOMB, headers={"Content-Encoding": "gzip"})],
        1,
        "limit",
    ),
]


def serve(server: ScriptedServer, fault: Fault, body: bytes) -> str:
    if fault.attempts is None:
        return f"http://127.0.0.1:{closed_port()}/file"
    return server.route("/file", *fault.replies(body))


# --- list downloads -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_list(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding one accepted UN publication downloaded live, and its raw cache."""
    folder = tmp_path_factory.mktemp("seeded-list")
    server = ScriptedServer()
    server.thread.start()
    try:
        url = server.route("/un.xml", Reply(body=UN_XML))
        result = run_list(SPEC, folder, overrides={"consolidated.xml": url})
        assert result.success, failure_message(result)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    return folder


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_list_download_fault(
    fault: Fault,
    seeded_list: Path,
    tmp_path: Path,
    http_server: ScriptedServer,
    ledger: Ledger,
) -> None:
    workspace = copy_workspace(seeded_list, tmp_path)
    warehouse = workspace / "w.duckdb"
    before, good = census(warehouse), current_snapshot(warehouse, "un_sc")
    url = serve(http_server, fault, UN_XML)
    result = run_list(SPEC, workspace, overrides={"consolidated.xml": url}, max_bytes=MAX_BYTES)
    after = census(warehouse)
    if fault.attempts is not None:
        assert http_server.hits("/file") == fault.attempts  # bounded
    if fault.recovers:
        assert result.success
        status = metadata(result, NODE)["status"]
        assert status == "unchanged"  # the same publication, recovered
        behaviour = (
            f"retried, then succeeded after {http_server.hits('/file')} requests; "
            f"publication {status}"
        )
    else:
        assert not result.success
        said = failure_message(result)
        assert "un_sc" in said and url in said and fault.message in said, said
        behaviour = f"run failed ({fault.attempts or 3} requests): {said}"
        # The failure is recorded before anything is written: no rejected row even.
        assert after == before
    assert current_snapshot(warehouse, "un_sc") == good
    assert records_admitted(before, after) == 0
    lost = records_lost(before, after)
    assert lost == 0
    behaviour += "; last good snapshot still current"
    ledger.record(
        f"list-{fault.name}", "network", f"list download: {fault.injected}", behaviour, lost
    )


def test_auto_mode_serves_the_last_good_download_when_the_publisher_fails(
    seeded_list: Path, tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    workspace = copy_workspace(seeded_list, tmp_path)
    warehouse = workspace / "w.duckdb"
    before, good = census(warehouse), current_snapshot(warehouse, "un_sc")
    url = http_server.route("/file", Reply(status=503))
    result = run_list(SPEC, workspace, mode="auto", overrides={"consolidated.xml": url})
    assert result.success
    meta = metadata(result, NODE)
    assert meta["origin"] == "cache" and meta["status"] == "unchanged"
    warning = str(meta["warning"])
    assert "live download failed" in warning and "HTTP 503" in warning and url in warning
    after = census(warehouse)
    assert current_snapshot(warehouse, "un_sc") == good
    lost = records_lost(before, after)
    assert lost == 0 and records_admitted(before, after) == 0
    ledger.record(
        "list-auto-fallback",
        "network",
        "list download in `auto` mode: HTTP 503 on every attempt",
        f"run succeeded on the last good download (origin cache, unchanged), warning: {warning}",
        lost,
    )


def test_credentials_in_list_urls_never_reach_logs_metadata_or_the_warehouse(
    tmp_path: Path,
    http_server: ScriptedServer,
    ledger: Ledger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    http_server.route("/un.xml?token=s3cr3t-token&id=7", Reply(body=UN_XML))
    secret_url = http_server.url("/un.xml?token=s3cr3t-token&id=7").replace(
        "http://", "http://mirror-user:s3cr3t-password@"
    )
    overrides = {"consolidated.xml": secret_url}
    caplog.set_level(logging.DEBUG)
    first = run_list(SPEC, tmp_path, overrides=overrides)
    assert first.success, failure_message(first)
    before = census(tmp_path / "w.duckdb")
    http_server.route("/un.xml?token=s3cr3t-token&id=7", Reply(status=503))
    failed = run_list(SPEC, tmp_path, overrides=overrides)
    lost = records_lost(before, census(tmp_path / "w.duckdb"))
    assert lost == 0
    assert not failed.success
    said = failure_message(failed)
    assert "token=REDACTED" in said and "id=7" in said
    stored = " ".join(
        str(r) for r in query(tmp_path / "w.duckdb", "select * from sources.snapshots")
    )
    cached = " ".join(p.read_text() for p in (tmp_path / "raw").rglob("fetch.json"))
    places = {
        "failure": said,
        "logs": caplog.text,
        "events": " ".join(str(e) for e in [*first.all_events, *failed.all_events]),
        "metadata": str(metadata(first, NODE)),
        "sources.snapshots": stored,
        "raw cache": cached,
    }
    leaks = [where for where, text in places.items() if "s3cr3t" in text]
    assert not leaks, leaks
    assert "attempt 1 of 3 failed" in caplog.text  # the retry warnings were there, redacted
    ledger.record(
        "list-credentials-in-url",
        "security",
        "list URL with user:password@ and `?token=`, then HTTP 503 (retry warnings logged)",
        f"no secret in the failure, logs, events, metadata, sources.snapshots or raw cache; "
        f"failure said: {said}",
        lost,
    )


# --- article feeds and pages --------------------------------------------------------------------


def feed_body(server: ScriptedServer) -> bytes:
    feed = (FIXTURES / "articles" / "feeds" / "atom_full.xml").read_bytes()
    return feed.replace(b"http://NEWS.TEST", server.base.encode())


def page_body() -> bytes:
    return (FIXTURES / "articles" / "pages" / "customs-raid.html").read_bytes()


@pytest.fixture(scope="module")
def seeded_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding one stored feed batch."""
    folder = tmp_path_factory.mktemp("seeded-articles")
    server = ScriptedServer()
    server.thread.start()
    try:
        server.route("/seed.xml", Reply(body=feed_body(server)))
        seed = make_batch("feeds", NOW, feeds=[server.url("/seed.xml")])
        write_manifest(seed, folder / "batches")
        result = run_articles(folder, seed.batch_id)
        assert result.success, failure_message(result)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    assert query(folder / "w.duckdb", "select count(*) from articles.articles")[0][0] == 2
    return folder


# Feeds meet every fault; article pages go through the same download code, so they meet the
# faults whose handling differs for a page (how it is recorded, what an HTML answer means).
ARTICLE_CASES = [(f, "feed") for f in FAULTS] + [
    (f, "page")
    for f in FAULTS
    if f.name in ("refused", "http-503-then-ok", "html-error-page", "short-body", "gzip-bomb")
]


@pytest.mark.parametrize(
    ("fault", "kind"), ARTICLE_CASES, ids=[f"{k}-{f.name}" for f, k in ARTICLE_CASES]
)
def test_article_fetch_fault(
    fault: Fault,
    kind: str,
    seeded_articles: Path,
    tmp_path: Path,
    http_server: ScriptedServer,
    ledger: Ledger,
) -> None:
    """A batch whose feed (or one of whose URLs) fails stores everything else, records the
    failing input with the reason and the URL, and loses nothing already stored."""
    copy_workspace(seeded_articles, tmp_path)
    warehouse = tmp_path / "w.duckdb"
    before = census(warehouse)
    body = feed_body(http_server) if kind == "feed" else page_body()
    url = serve(http_server, fault, body)
    good = http_server.route(
        "/news/good",
        Reply(body=(FIXTURES / "articles" / "pages" / "ferry-strike.html").read_bytes()),
    )
    if kind == "feed":
        batch = make_batch("feeds", NOW + dt.timedelta(hours=1), feeds=[url])
    else:
        batch = make_batch("urls", NOW + dt.timedelta(hours=1), urls=[url, good])
    write_manifest(batch, tmp_path / "batches")
    result = run_articles(tmp_path, batch.batch_id, max_article_bytes=MAX_BYTES)
    assert result.success  # one bad input never stops the batch
    after = census(warehouse)
    if fault.attempts is not None:
        assert http_server.hits("/file") == fault.attempts
    skipped = query(
        warehouse,
        "select ref, reason from articles.skipped_inputs where batch_id = ?",
        [batch.batch_id],
    )
    new = query(warehouse, "select url from articles.articles where batch_id = ?", [batch.batch_id])
    if fault.recovers:
        assert not skipped
        meta = metadata(result, "articles__articles")
        read = int(str(meta["new_articles"])) + int(str(meta["already_stored"]))
        assert read >= 1  # the recovered feed's (already stored) or page's articles
        behaviour = f"retried, then read after {http_server.hits('/file')} requests"
    else:
        assert len(skipped) == 1, skipped
        ref, reason = skipped[0]
        expected = fault.page_message if kind == "page" and fault.page_message else fault.message
        assert ref == url and expected in str(reason), (ref, reason)
        behaviour = f"batch stored; the {kind} recorded in articles.skipped_inputs: {reason}"
        if kind == "page":
            assert [u for (u,) in new] == [good]  # the other URL of the batch still came in
        else:
            assert new == [] and records_admitted(before, after) == 0
    lost = records_lost(before, after)
    assert lost == 0
    ledger.record(
        f"{kind}-{fault.name}",
        "network",
        f"{'feed' if kind == 'feed' else 'article URL'}: {fault.injected}",
        behaviour,
        lost,
    )


def test_feed_links_to_internal_addresses_are_refused_before_connecting(
    tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    internal = [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::1]:9/x",
        http_server.url("/internal/secret"),  # loopback: the test server itself
    ]
    items = "".join(
        f"<item><title>Teaser {i}</title><link>{link}</link><description>short</description></item>"
        for i, link in enumerate(internal)
    )
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )
    http_server.route("/feed.xml", Reply(body=feed.encode()))
    http_server.route("/internal/secret", Reply(body=page_body()))
    batch = make_batch("feeds", NOW, feeds=[http_server.url("/feed.xml")])
    write_manifest(batch, tmp_path / "batches")
    before = census(tmp_path / "w.duckdb")
    result = run_articles(tmp_path, batch.batch_id, allow_private_links=False, retries=0)
    assert result.success
    lost = records_lost(before, census(tmp_path / "w.duckdb"))
    assert lost == 0
    skipped = dict(query(tmp_path / "w.duckdb", "select ref, reason from articles.skipped_inputs"))
    assert set(skipped) == set(internal), skipped
    assert all("non-public address" in r for r in skipped.values()), skipped
    assert http_server.hits("/internal/secret") == 0  # never connected
    assert query(tmp_path / "w.duckdb", "select count(*) from articles.articles") == [(0,)]
    ledger.record(
        "feed-ssrf-internal-links",
        "security",
        "feed entries linking to 169.254.169.254, 10.0.0.1, [::1] and 127.0.0.1",
        f"each refused before connecting (0 requests reached the local server), e.g. "
        f"{skipped[internal[0]]}",
        lost,
    )
