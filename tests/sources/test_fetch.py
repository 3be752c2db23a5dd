"""The list fetcher against a scripted HTTP server on 127.0.0.1: live, 304, retries, fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from assets.sources import un_sc
from assets.sources.bundled import newest_bundled
from assets.sources.fetch import (
    FetchError,
    HttpSettings,
    ListFetcher,
    RawCache,
    files_sha256,
    http_get,
    sniff,
)
from tests.conftest import Reply, ScriptedServer, fixture_bytes, gzipped

UN_XML = fixture_bytes("un_sc", "consolidated.xml")
FAST = HttpSettings(connect_timeout=1, read_timeout=0.5, retries=2, backoff_seconds=0.01)


def fetcher(
    tmp_path: Path, server: ScriptedServer, mode: str = "live", **http: object
) -> ListFetcher:
    settings = HttpSettings(**{**FAST.__dict__, **http})  # type: ignore[arg-type]
    return ListFetcher(
        mode=mode,  # type: ignore[arg-type]
        cache=RawCache(tmp_path / "raw"),
        http=settings,
        url_overrides={"consolidated.xml": server.url("/un.xml")},
    )


def test_live_download_is_kept_with_its_validators(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    http_server.route("/un.xml", Reply(body=UN_XML, headers={"ETag": '"v1"'}))
    got = fetcher(tmp_path, http_server).fetch(un_sc.SPEC)
    assert got.origin == "live"
    assert got.files == {"consolidated.xml": UN_XML}
    assert got.sha256 == files_sha256({"consolidated.xml": UN_XML})
    assert got.validators["consolidated.xml"] == {"etag": '"v1"'}
    folder = RawCache(tmp_path / "raw").keep(got, "accepted")
    assert folder.parent == tmp_path / "raw" / "un_sc"
    assert (folder / "consolidated.xml").read_bytes() == UN_XML


def test_not_modified_reuses_the_cached_publication(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    http_server.route("/un.xml", Reply(body=UN_XML, headers={"ETag": '"v1"'}), Reply(status=304))
    first = fetcher(tmp_path, http_server).fetch(un_sc.SPEC)
    RawCache(tmp_path / "raw").keep(first, "accepted")
    second = fetcher(tmp_path, http_server).fetch(un_sc.SPEC)
    assert http_server.requests[-1][1].get("If-None-Match") == '"v1"'
    assert second.sha256 == first.sha256
    assert second.files == first.files


def test_server_error_then_success_is_retried(tmp_path: Path, http_server: ScriptedServer) -> None:
    http_server.route("/un.xml", Reply(status=500), Reply(status=503), Reply(body=UN_XML))
    got = fetcher(tmp_path, http_server).fetch(un_sc.SPEC)
    assert got.files["consolidated.xml"] == UN_XML
    assert http_server.hits("/un.xml") == 3


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(status=500), "HTTP 500"),
        (Reply(body=UN_XML, delay=2.0), "ReadTimeout"),
        (Reply(body=b"<!DOCTYPE html><html><body>Service unavailable</body></html>"), "HTML page"),
        (Reply(body=b""), "is empty"),
        (Reply(body=b"id,name\n1,x\n"), "not XML"),
        (Reply(status=404), "HTTP 404"),
        (Reply(body=UN_XML, behaviour="reset"), "attempts"),
        (Reply(body=UN_XML, behaviour="short"), "attempts"),
    ],
    ids=["500", "timeout", "html-200", "empty", "csv-for-xml", "404", "reset", "short-body"],
)
def test_live_failures_name_source_and_url(
    tmp_path: Path, http_server: ScriptedServer, reply: Reply, message: str
) -> None:
    http_server.route("/un.xml", reply)
    with pytest.raises(FetchError) as err:
        fetcher(tmp_path, http_server).fetch(un_sc.SPEC)
    assert "un_sc" in str(err.value)
    assert message in str(err.value)
    assert http_server.url("/un.xml") in str(err.value)
    retried = reply.status >= 500 or reply.behaviour or reply.delay
    assert http_server.hits("/un.xml") == (3 if retried else 1)


def test_auto_mode_falls_back_to_the_bundled_snapshot_with_a_warning(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    http_server.route("/un.xml", Reply(status=503))
    got = fetcher(tmp_path, http_server, mode="auto").fetch(un_sc.SPEC)
    bundled = newest_bundled("un_sc")
    assert bundled is not None
    assert got.origin == "bundled"
    assert got.files == bundled.read_files()
    assert got.warning is not None
    assert "live download failed" in got.warning and "HTTP 503" in got.warning


def test_auto_mode_prefers_the_last_accepted_download(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    http_server.route("/un.xml", Reply(body=UN_XML), Reply(status=500))
    first = fetcher(tmp_path, http_server).fetch(un_sc.SPEC)
    RawCache(tmp_path / "raw").keep(first, "accepted")
    got = fetcher(tmp_path, http_server, mode="auto").fetch(un_sc.SPEC)
    assert got.origin == "cache"
    assert got.files == first.files


def test_rejected_downloads_are_never_a_fallback(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    http_server.route("/un.xml", Reply(body=UN_XML), Reply(status=500))
    first = fetcher(tmp_path, http_server).fetch(un_sc.SPEC)
    RawCache(tmp_path / "raw").keep(first, "rejected")
    assert fetcher(tmp_path, http_server, mode="auto").fetch(un_sc.SPEC).origin == "bundled"


def test_connection_refused_falls_back(tmp_path: Path) -> None:
    closed = ListFetcher(
        mode="auto",
        cache=RawCache(tmp_path / "raw"),
        http=FAST,
        url_overrides={"consolidated.xml": "http://127.0.0.1:9/un.xml"},
    )
    got = closed.fetch(un_sc.SPEC)
    assert got.origin == "bundled"
    assert got.warning is not None and "ConnectionError" in got.warning


def test_snapshot_mode_never_touches_the_network(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    http_server.route("/un.xml", Reply(body=UN_XML))
    got = fetcher(tmp_path, http_server, mode="snapshot").fetch(un_sc.SPEC)
    assert got.origin == "bundled"
    assert http_server.hits("/un.xml") == 0


def test_size_limit_and_gzip_bomb(tmp_path: Path, http_server: ScriptedServer) -> None:
    http_server.route("/un.xml", Reply(body=UN_XML))
    with pytest.raises(FetchError, match="limit"):
        fetcher(tmp_path, http_server, max_bytes=1000).fetch(un_sc.SPEC)
    bomb = gzipped(b"<" + b" " * 5_000_000)
    http_server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError, match="limit"):
        http_get("un_sc", http_server.url("/bomb"), HttpSettings(max_bytes=1_000_000, retries=0))


def test_redirect_loop_and_bad_scheme(http_server: ScriptedServer) -> None:
    http_server.route("/loop", Reply(status=302, headers={"Location": "/loop"}))
    with pytest.raises(FetchError, match="too many redirects"):
        http_get("un_sc", http_server.url("/loop"), FAST)
    with pytest.raises(FetchError, match="only http and https"):
        http_get("un_sc", "file:///etc/passwd", FAST)


@pytest.mark.parametrize(
    ("kind", "body", "ok"),
    [
        ("xml", b"<?xml version='1.0'?><a/>", True),
        ("xml", b"\xef\xbb\xbf<a/>", True),
        ("csv", b"1,2,3\n", True),
        ("xlsx", b"PK\x03\x04rest", True),
        ("xlsx", b"<html>", False),
        ("csv", b"<html><body>Error</body></html>", False),
        ("xml", b"  <!doctype html><html></html>", False),
        ("txt", b"   \n", False),
    ],
)
def test_sniff(kind: str, body: bytes, ok: bool) -> None:
    if ok:
        sniff("x", "f", kind, body)  # type: ignore[arg-type]
    else:
        with pytest.raises(FetchError):
            sniff("x", "f", kind, body)  # type: ignore[arg-type]


def test_an_unresolvable_host_is_not_retried() -> None:
    from urllib3.exceptions import NameResolutionError

    from assets.sources.fetch import _unresolvable

    cause = NameResolutionError("lists.example", None, OSError("Name or service not known"))  # type: ignore[arg-type]
    wrapped = requests.ConnectionError("Max retries exceeded")
    wrapped.__cause__ = cause
    assert _unresolvable(wrapped)
    assert not _unresolvable(requests.ConnectionError("Connection refused"))


def test_a_redirect_to_another_scheme_is_a_fetch_error(http_server: ScriptedServer) -> None:
    http_server.route("/ftp", Reply(status=302, headers={"Location": "ftp://example.invalid/x"}))
    with pytest.raises(FetchError, match="un_sc"):
        http_get("un_sc", http_server.url("/ftp"), FAST)
    with pytest.raises(FetchError, match="un_sc"):
        http_get("un_sc", "http://[::1", FAST)


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("169.254.169.254", False),  # cloud metadata
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("127.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("fe80::1", False),
        ("fd00::1", False),
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_non_public_addresses_are_refused_before_connecting(host: str, public: bool) -> None:
    from assets.sources.fetch import refuse_non_public_host

    url = f"http://{'[' + host + ']' if ':' in host else host}/feed-entry"
    if public:
        refuse_non_public_host("feed", url)
    else:
        with pytest.raises(FetchError, match="non-public address"):
            refuse_non_public_host("feed", url)


def test_public_hosts_only_refuses_the_local_server(http_server: ScriptedServer) -> None:
    url = http_server.route("/page", Reply(body=b"<html></html>"))
    with pytest.raises(FetchError, match="non-public address"):
        http_get("feed", url, HttpSettings(retries=0, public_hosts_only=True))
    assert http_server.hits("/page") == 0
    assert http_get("feed", url, HttpSettings(retries=0)).body == b"<html></html>"


def test_credentials_never_reach_the_error(http_server: ScriptedServer) -> None:
    url = http_server.route("/x?token=s3cr3t&id=1", Reply(status=503))
    secret = url.replace("http://", "http://user:pa55w0rd@")
    with pytest.raises(FetchError) as err:
        http_get("un_sc", secret, FAST)
    assert "s3cr3t" not in str(err.value) and "pa55w0rd" not in str(err.value)
    assert err.value.url is not None and "token=REDACTED" in err.value.url
