"""Shared test fixtures: a scriptable HTTP server on 127.0.0.1, fixture files, temp warehouses."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import shutil
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assets.articles.model import Article
from assets.sources.spec import ListSpec

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]
# The committed models (data/models), which tests read and never write.
MODELS = REPO / "data" / "models"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reliability-report",
        action="store_true",
        help="rewrite docs/reliability.md from a complete, passing fault-injection suite "
        "(make reliability); a plain run never writes a tracked file",
    )


@dataclass
class Reply:
    """One scripted HTTP answer. `behaviour` breaks the protocol on purpose:
    'reset' closes the socket mid-body, 'short' sends less than Content-Length,
    'slow' sleeps `delay` seconds before answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = ""
    delay: float = 0.0


class ScriptedServer:
    """Routes map a path to a list of replies, served in order (the last one repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                replies = server.routes.get(self.path)
                if not replies:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                length = len(reply.body)
                if reply.behaviour in ("short", "reset"):
                    self.send_header("Content-Length", str(length + 1000))
                elif "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                if reply.behaviour == "reset":
                    self.wfile.write(reply.body[: length // 2])
                    self.wfile.flush()
                    # a real reset: the client sees the connection end now, not at its timeout
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.connection.close()
                    self.close_connection = True
                    return
                self.wfile.write(reply.body)
                self.wfile.flush()
                if reply.behaviour == "short":
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def text_article(
    text: str, article_id: str = "a_test", published: dt.date | None = None
) -> Article:
    """An inbox article of `text` (fetched 2024-05-01 12:00, published on `published`)."""
    return Article(
        article_id=article_id,
        text=text,
        title=None,
        url=None,
        published_at=dt.datetime.combine(published, dt.time()) if published else None,
        origin="inbox",
        source_ref="test",
        fetched_at=dt.datetime(2024, 5, 1, 12, 0),
    )


def fixture_bytes(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


def bundled_warehouse(
    folder: Path, specs: Sequence[ListSpec], *, list_records: bool = True
) -> Path:
    """`specs`' bundled publications materialized into `folder/w.duckdb` (snapshot mode, no
    network), with the linkage records built from them unless `list_records` is False."""
    import dagster as dg
    import duckdb

    from assets.common.warehouse import WarehouseResource
    from assets.linkage.store import rebuild_list_records
    from assets.sources.factory import build_list_asset
    from assets.sources.resources import ListFetcherResource

    database = folder / "w.duckdb"
    result = dg.materialize(
        [build_list_asset(spec) for spec in specs],
        resources={
            "warehouse": WarehouseResource(database=str(database)),
            "list_fetcher": ListFetcherResource(mode="snapshot", raw_dir=str(folder / "raw")),
        },
    )
    assert result.success
    if list_records:
        with duckdb.connect(str(database)) as con:
            rebuild_list_records(con)
    return database


@pytest.fixture(scope="session")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sanctions run` twice on a fresh folder (bundled lists, the sample articles and
    counterparties, the committed models): the folder, with the warehouse at `w.duckdb`.
    Shared by the session: a test that writes to the warehouse copies it first."""
    from pipelines import cli

    folder = tmp_path_factory.mktemp("e2e")
    inbox = folder / "inbox"
    shutil.copytree(REPO / "data" / "articles" / "samples", inbox)
    mp = pytest.MonkeyPatch()
    mp.setenv("SANCTIONS_WAREHOUSE", str(folder / "w.duckdb"))
    mp.setenv("SANCTIONS_RAW_DIR", str(folder / "raw"))
    mp.setenv("SANCTIONS_BATCHES_DIR", str(folder / "batches"))
    mp.setenv("SANCTIONS_FETCH_MODE", "snapshot")
    mp.setenv("SANCTIONS_INBOX_DIRS", str(inbox))
    # The committed models: a run uses them and never retrains (`sanctions train` does).
    shutil.copytree(REPO / "data" / "models", folder / "models")
    mp.setenv("SANCTIONS_MODEL_DIR", str(folder / "models"))
    mp.setenv("SANCTIONS_CHARTS_DIR", str(folder / "charts"))
    counterparties = folder / "counterparties"
    shutil.copytree(REPO / "data" / "counterparties" / "inbox", counterparties)
    mp.setenv("SANCTIONS_COUNTERPARTY_DIR", str(counterparties))
    mp.delenv("DAGSTER_HOME", raising=False)
    said = io.StringIO()
    try:
        with contextlib.redirect_stdout(said):
            assert cli.main(["run"]) == 0
        # A second run finds no new file: no new batch, nothing changes.
        assert cli.main(["run"]) == 0
    finally:
        mp.undo()
    # What the first run printed: its progress report (tests/test_end_to_end.py reads it).
    (folder / "run_output.txt").write_text(said.getvalue(), encoding="utf-8")
    return folder
