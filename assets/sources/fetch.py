"""Getting a list publication: live from the publisher, from the raw cache, or from the bundle.

Modes:
- ``live``: download every file of the spec; any failure raises `FetchError`.
- ``snapshot``: no network; the newest accepted raw cache, else the bundled snapshot.
- ``auto`` (default): ``live``, and when the network or the publisher fails, ``snapshot`` with
  a warning that says what failed and which file is used instead.

Downloads use connect/read timeouts, bounded retries with backoff on connection errors, 429 and
5xx, conditional GET (ETag / Last-Modified) against the last accepted download, a size limit
that also bounds decompression, and a content sniff that rejects HTML error pages, empty bodies
and files of the wrong kind before any parser sees them. With `HttpSettings.public_hosts_only`
(links found inside feeds), a URL whose host is or resolves to a private, loopback, link-local
or otherwise non-public address is refused before connecting, and so is every redirect to one.
URLs in messages, logs and metadata are redacted (`assets.common.redact`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import logging
import shutil
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit

import requests

from assets.common.redact import redact_library_logs, redact_url, scrub
from assets.common.tables import utc_now
from assets.sources.bundled import newest_bundled, read_directory
from assets.sources.spec import FileKind, ListFile, ListSpec

log = logging.getLogger(__name__)
# urllib3 logs every request line, query string included, at DEBUG.
redact_library_logs("urllib3.connectionpool")

FetchMode = Literal["live", "snapshot", "auto"]
Origin = Literal["live", "cache", "bundled"]
FETCH_MODES: tuple[str, ...] = ("live", "snapshot", "auto")


class FetchError(RuntimeError):
    """A publication could not be obtained. Names the source and, for downloads, the URL
    (redacted: no user info, no credential-like query values, in `url` or the message)."""

    def __init__(
        self, source: str, problem: str, url: str | None = None, *, transient: bool = False
    ) -> None:
        self.source = source
        self.url = redact_url(url) if url else None
        problem = scrub(problem, url or "")
        url = self.url
        # True when retrying later may succeed (network down, 5xx, timeouts); False when the
        # publisher answered with something wrong (404, an HTML page, too large).
        self.transient = transient
        super().__init__(f"{source}: {problem}" + (f" ({url})" if url else ""))


@dataclass(frozen=True)
class FetchedList:
    """One publication of one list, with where it came from."""

    source: str
    files: Mapping[str, bytes]
    origin: Origin
    location: str  # URL(s) for live, folder for cache and bundled
    fetched_at: dt.datetime
    published_on: dt.date | None = None
    expected_count: int | None = None  # declared by a bundled excerpt's manifest
    warning: str | None = None  # why a fallback was used
    validators: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # etag etc.

    @property
    def sha256(self) -> str:
        return files_sha256(self.files)

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.files.values())


def files_sha256(files: Mapping[str, bytes]) -> str:
    """One digest for a set of files: sha256 over each name and its content digest."""
    outer = hashlib.sha256()
    for name in sorted(files):
        outer.update(name.encode() + b"\0" + hashlib.sha256(files[name]).hexdigest().encode())
    return outer.hexdigest()


# --- content sniffing --------------------------------------------------------------------------


def sniff(source: str, name: str, kind: FileKind, body: bytes, url: str | None = None) -> None:
    """Reject a body that cannot be the expected kind of file, before it reaches a parser."""
    if not body.strip():
        raise FetchError(source, f"{name} is empty", url)
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]:
        raise FetchError(source, f"{name} is an HTML page, not the expected {kind} file", url)
    if kind == "xml" and not head.startswith(b"<"):
        raise FetchError(source, f"{name} is not XML (starts with {body[:30]!r})", url)
    if kind == "xlsx" and not body.startswith(b"PK\x03\x04"):
        raise FetchError(source, f"{name} is not an XLSX workbook", url)
    if kind in ("csv", "txt") and head.startswith(b"<"):
        raise FetchError(source, f"{name} looks like markup, not {kind}", url)


# --- HTTP --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 2  # extra attempts after the first
    backoff_seconds: float = 0.5  # doubled after each failed attempt
    max_bytes: int = 200 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "sanctions-linker/0.1 (+https://github.com/; sanctions screening)"
    # Refuse hosts that are or resolve to non-public addresses (cloud metadata 169.254.169.254,
    # 10/8, 127/8...), redirects included: for URLs found inside downloaded content (feed
    # entries), which must not make the pipeline probe the internal network (SSRF).
    public_hosts_only: bool = False


@dataclass(frozen=True)
class Download:
    body: bytes | None  # None on 304 Not Modified
    etag: str | None
    last_modified: str | None


_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class _Transient(Exception):
    pass


def http_get(
    source: str,
    url: str,
    settings: HttpSettings,
    conditional: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> Download:
    """GET `url` with timeouts, bounded retries, size limit and conditional headers."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:
        raise FetchError(source, f"invalid URL: {exc}", url) from exc
    if scheme not in ("http", "https"):
        raise FetchError(source, f"refusing URL scheme {scheme!r}; only http and https", url)
    if settings.public_hosts_only:
        refuse_non_public_host(source, url)
    own = session is None
    sess = session or requests.Session()
    sess.max_redirects = settings.max_redirects
    headers = {"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"}
    if conditional:
        if conditional.get("etag"):
            headers["If-None-Match"] = conditional["etag"]
        if conditional.get("last_modified"):
            headers["If-Modified-Since"] = conditional["last_modified"]
    delay = settings.backoff_seconds
    last_problem = ""
    try:
        for attempt in range(settings.retries + 1):
            try:
                return _get_once(source, url, sess, headers, settings)
            except _Transient as exc:
                last_problem = str(exc)
            except requests.TooManyRedirects as exc:
                raise FetchError(source, f"too many redirects: {exc}", url) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                if _unresolvable(exc):
                    # No DNS answer: offline, or a wrong host. Retrying only delays the fallback.
                    raise FetchError(
                        source, f"cannot resolve the host (offline?): {_short(exc)}", url
                    ) from exc
                last_problem = f"{type(exc).__name__}: {_short(exc)}"
            except (requests.RequestException, ValueError) as exc:
                # An invalid URL, a redirect to another scheme, a malformed answer: retrying
                # would get the same, and the caller must see a FetchError, not a crash.
                raise FetchError(source, f"{type(exc).__name__}: {_short(exc)}", url) from exc
            if attempt < settings.retries:
                log.warning(
                    "%s: attempt %d of %d failed (%s); retrying",
                    source,
                    attempt + 1,
                    settings.retries + 1,
                    scrub(last_problem, url),
                )
                time.sleep(delay)
                delay *= 2
        raise FetchError(
            source,
            f"download failed after {settings.retries + 1} attempts: {last_problem}",
            url,
            transient=True,
        )
    finally:
        if own:
            sess.close()


def non_public_address(host: str, port: int | None = None) -> str | None:
    """The first address `host` is or resolves to that is not globally routable (private,
    loopback, link-local, shared, reserved, multicast, unspecified), or None when all are
    public. Raises `OSError` when the name does not resolve."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        checked = mapped or address
        if not checked.is_global or checked.is_multicast:
            return str(checked)
    return None


def refuse_non_public_host(source: str, url: str) -> None:
    """Raise `FetchError` unless every address of `url`'s host is public. (Checked before
    connecting; a DNS answer that changes between this check and the connection is not
    caught here: a network egress policy is the complete answer to that.)"""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise FetchError(source, f"invalid URL: {exc}", url) from exc
    if not host:
        raise FetchError(source, "URL without a host", url)
    try:
        bad = non_public_address(host, port)
    except (OSError, UnicodeError, ValueError) as exc:
        raise FetchError(source, f"cannot resolve the host: {_short(exc)}", url) from exc
    if bad is not None:
        raise FetchError(
            source, f"refusing a non-public address ({host} is {bad}); only public hosts", url
        )


def _unresolvable(exc: BaseException) -> bool:
    """Whether a connection error comes from a failed host name lookup."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ == "NameResolutionError" or "Name or service not known" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return "NameResolutionError" in str(exc)


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + "..."


def _get_once(
    source: str, url: str, sess: requests.Session, headers: dict[str, str], settings: HttpSettings
) -> Download:
    hooks = {}
    if settings.public_hosts_only:

        def refuse_private_redirect(resp: requests.Response, **_: object) -> None:
            if resp.is_redirect:
                target = urljoin(resp.url, resp.headers.get("location", ""))
                refuse_non_public_host(source, target)

        hooks["response"] = [refuse_private_redirect]
    with sess.get(
        url,
        headers=headers,
        stream=True,
        timeout=(settings.connect_timeout, settings.read_timeout),
        hooks=hooks,
    ) as resp:
        if resp.status_code == 304:
            return Download(None, resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
        if resp.status_code in _RETRY_STATUS:
            raise _Transient(f"HTTP {resp.status_code}")
        if resp.status_code != 200:
            raise FetchError(source, f"HTTP {resp.status_code}", url)
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > settings.max_bytes:
            raise FetchError(
                source, f"response of {declared} bytes exceeds the {settings.max_bytes} limit", url
            )
        chunks: list[bytes] = []
        total = 0
        try:
            # iter_content decodes gzip/deflate; counting decoded bytes bounds a gzip bomb too.
            for chunk in resp.iter_content(chunk_size=65536):
                total += len(chunk)
                if total > settings.max_bytes:
                    raise FetchError(
                        source, f"response exceeds the {settings.max_bytes} byte limit", url
                    )
                chunks.append(chunk)
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise _Transient(f"body cut short or corrupt: {_short(exc)}") from exc
        body = b"".join(chunks)
        encoding = resp.headers.get("Content-Encoding", "identity")
        if declared and declared.isdigit() and encoding == "identity" and len(body) < int(declared):
            raise _Transient(f"body shorter than Content-Length ({len(body)} < {declared})")
        return Download(body, resp.headers.get("ETag"), resp.headers.get("Last-Modified"))


# --- raw cache ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawCache:
    """``<root>/<source>/<stamp>_<sha12>/`` folders holding each download and a ``fetch.json``."""

    root: Path

    def keep(self, fetched: FetchedList, status: str) -> Path:
        """Store the files of a publication seen live, marked accepted or rejected."""
        stamp = fetched.fetched_at.strftime("%Y%m%dT%H%M%S")
        folder = self.root / fetched.source / f"{stamp}_{fetched.sha256[:12]}"
        tmp = folder.with_name(folder.name + ".partial")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        for name, body in fetched.files.items():
            (tmp / name).write_bytes(body)
        meta = {
            "source": fetched.source,
            "status": status,
            "sha256": fetched.sha256,
            "fetched_at": fetched.fetched_at.isoformat(),
            "location": fetched.location,
            "validators": dict(fetched.validators),
        }
        (tmp / "fetch.json").write_text(json.dumps(meta, indent=2))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)  # atomic: a reader sees the whole folder or none of it
        return folder

    def newest_accepted(self, source: str) -> tuple[Path, dict[str, object]] | None:
        folder = self.root / source
        if not folder.is_dir():
            return None
        for candidate in sorted(folder.iterdir(), reverse=True):
            meta_path = candidate / "fetch.json"
            if candidate.name.endswith(".partial") or not meta_path.exists():
                continue
            meta = json.loads(meta_path.read_text())
            if meta.get("status") == "accepted":
                return candidate, meta
        return None


# --- the fetcher -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFetcher:
    mode: FetchMode
    cache: RawCache
    http: HttpSettings = HttpSettings()
    url_overrides: Mapping[str, str] = field(
        default_factory=dict
    )  # file name -> URL (tests, mirrors)

    def fetch(self, spec: ListSpec) -> FetchedList:
        if self.mode not in FETCH_MODES:
            raise FetchError(spec.source_id, f"unknown fetch mode {self.mode!r}; use {FETCH_MODES}")
        if self.mode == "snapshot":
            return self.local(spec)
        try:
            return self.live(spec)
        except FetchError as exc:
            if self.mode == "live":
                raise
            fallback = self.local(spec)
            note = f" {spec.retired_note}." if spec.retired_note else ""
            warning = (
                f"{spec.source_id}: live download failed ({exc}); using the last good "
                f"{fallback.origin} snapshot from {fallback.location}.{note}"
            )
            log.warning(warning)
            return FetchedList(**{**fallback.__dict__, "warning": warning})

    def url_of(self, file: ListFile) -> str:
        return self.url_overrides.get(file.name, file.url)

    def live(self, spec: ListSpec) -> FetchedList:
        """Download every file of the publication; 304 on all files reuses the cached copy."""
        cached = self.cache.newest_accepted(spec.source_id)
        validators_before: Mapping[str, Mapping[str, str]] = {}
        if cached:
            raw_validators = cached[1].get("validators", {})
            validators_before = raw_validators if isinstance(raw_validators, dict) else {}
        files: dict[str, bytes] = {}
        validators: dict[str, dict[str, str]] = {}
        unchanged: list[str] = []
        with requests.Session() as session:
            for file in spec.live_files:
                url = self.url_of(file)
                try:
                    got = http_get(
                        spec.source_id, url, self.http, validators_before.get(file.name), session
                    )
                except FetchError:
                    if file.required:
                        raise
                    continue
                validators[file.name] = {
                    k: v for k, v in (("etag", got.etag), ("last_modified", got.last_modified)) if v
                }
                if got.body is None:
                    unchanged.append(file.name)
                    continue
                sniff(spec.source_id, file.name, file.kind, got.body, url)
                files[file.name] = got.body
        if unchanged:
            if cached is None:
                raise FetchError(spec.source_id, "server answered 304 but nothing is cached")
            cached_files = read_directory(cached[0])
            for name in unchanged:
                files[name] = cached_files[name]
        return FetchedList(
            source=spec.source_id,
            files=files,
            origin="live",
            location=" ".join(redact_url(self.url_of(f)) for f in spec.live_files),
            fetched_at=utc_now(),
            validators=validators,
        )

    def local(self, spec: ListSpec) -> FetchedList:
        """The newest accepted download in the raw cache, else the bundled snapshot."""
        cached = self.cache.newest_accepted(spec.source_id)
        if cached:
            folder, meta = cached
            return FetchedList(
                source=spec.source_id,
                files=read_directory(folder),
                origin="cache",
                location=str(folder),
                fetched_at=dt.datetime.fromisoformat(str(meta["fetched_at"])),
            )
        bundled = newest_bundled(spec.source_id)
        if bundled is None:
            raise FetchError(
                spec.source_id, "no live download, cached copy or bundled snapshot available"
            )
        return FetchedList(
            source=spec.source_id,
            files=bundled.read_files(),
            origin="bundled",
            location=str(bundled.directory),
            fetched_at=dt.datetime.combine(bundled.published_on, dt.time()),
            published_on=bundled.published_on,
            expected_count=bundled.entity_count if bundled.excerpt else None,
        )
