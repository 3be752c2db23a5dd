"""Reading articles in: a local inbox folder, lists of URLs, and (in `assets.articles.feeds`)
RSS/Atom feeds. Everything here is a pure function over files, bytes or HTTP replies, and every
bad input becomes a `SkippedInput` with a reason instead of an exception.

Identity: `article_id` hashes the canonical URL when there is one, else the normalised text, so
the same story read twice (or from a feed and from the inbox) gets the same id.

Security rules:
- the inbox walk never follows a symlink (file or folder) and refuses any path that resolves
  outside the inbox; files are opened with ``O_NOFOLLOW`` and re-checked after opening;
- sizes are checked with ``stat`` before anything is read, and reads are bounded anyway;
- downloads go through `assets.sources.fetch.http_get` (timeouts, retries, size limit);
- credentials in URLs (user:password@, ``token=``/``key=``/``sig=``... query values) never
  reach a message, a ``SkippedInput`` or a stored article: see `redact_url`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import stat
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import trafilatura
from trafilatura.settings import Document

from assets.articles.model import Article, IngestResult, Origin, SkippedInput
from assets.common.redact import redact_url
from assets.common.redact import scrub as _scrub
from assets.sources.fetch import FetchError, HttpSettings, http_get

log = logging.getLogger(__name__)

INBOX_SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
}
TITLE_MAX_CHARS = 150  # a first line longer than this is a paragraph, not a heading
TITLE_MAX_WORDS = 25
MIN_HTML_TEXT_CHARS = 60  # less extracted text than this is navigation crumbs, not an article

# --- URLs: canonical form, ids, redaction ------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that only say how a reader arrived; they never change which article it is.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "cmpid",
        "cmp",
        "ocid",
        "ncid",
        "sr_share",
        "at_medium",
        "at_campaign",
        "smid",
        "spm",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_custom")


def _is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The form of `url` that identifies the article.

    Lower-case scheme and host, no user info, no default port, no fragment, no tracking
    parameters (``utm_*``, ``fbclid``, ``gclid``...), remaining parameters sorted, trailing
    slashes stripped from the path. A string that is not an absolute http(s) URL is returned
    stripped and without its fragment."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # e.g. a bad IPv6 literal or port
        return text.split("#", 1)[0]
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return text.split("#", 1)[0]
    host = host.rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    params = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking_param(key)
    ]
    query = urlencode(sorted(params))
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), query, ""))


def normalise_text(text: str) -> str:
    """NFKC, whitespace runs collapsed to one space, stripped: the text an id is made of."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def article_id(url: str | None, text: str) -> str:
    """Stable article id: ``a_`` + 16 hex chars of the sha256 of the canonical URL when there is
    a URL, else of the normalised text."""
    key = canonical_url(url) if url and url.strip() else normalise_text(text)
    return "a_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def fetch_problem(exc: FetchError, url: str) -> str:
    """The problem a `FetchError` reports, without its source prefix and with URLs redacted."""
    message = str(exc)
    prefix = f"{exc.source}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    if exc.url and message.endswith(f" ({exc.url})"):
        message = message[: -len(exc.url) - 3]
    return _scrub(message, url, exc.url or "")


def redacted_fetch_error(exc: FetchError, source: str, url: str) -> FetchError:
    """The same failure as `exc`, with every URL in it redacted (for errors that propagate)."""
    return FetchError(source, fetch_problem(exc, url), redact_url(url))


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)
    except ValueError:
        return False


# --- dates and text ----------------------------------------------------------------------------


def naive_utc(value: dt.datetime) -> dt.datetime:
    """`value` as a naive UTC datetime (naive input is taken to be UTC already)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def parse_published(value: str) -> dt.datetime | None:
    """An ISO 8601 date or datetime, or an RFC 2822 date, as naive UTC; None when unparseable.

    A bare date is midnight; a datetime without offset is taken to be UTC."""
    text = value.strip()
    if not text:
        return None
    try:
        return naive_utc(dt.datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        return naive_utc(email.utils.parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def clean_text(text: str) -> str:
    """Article text as stored: BOM dropped, line ends unified to ``\\n``, outer blanks stripped."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip()


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" and char not in "\t\n\r\f\v"


def guess_title(text: str, *, markdown: bool = False) -> str | None:
    """The title of a plain-text article: a markdown ``# `` heading on the first non-blank line,
    or that line itself when it looks like a heading (short, not ending like a sentence, with
    more text after it); else None."""
    lines = [line.strip() for line in text.split("\n")]
    nonblank = [line for line in lines if line]
    if not nonblank:
        return None
    first = nonblank[0]
    if markdown and first.startswith("# "):
        return first[2:].strip().rstrip("#").strip() or None
    if first.startswith("#"):
        first = first.lstrip("#").strip()
    if (
        len(nonblank) > 1
        and 0 < len(first) <= TITLE_MAX_CHARS
        and len(first.split()) <= TITLE_MAX_WORDS
        and not first.endswith((".", ",", ";", ":"))
    ):
        return first
    return None


# --- HTML --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractedPage:
    """The main text of an HTML page, with what its metadata says."""

    text: str
    title: str | None
    published: dt.datetime | None
    url: str | None  # canonical link / og:url of the page, when an http(s) URL with a path


def extract_html(raw: bytes | str, url: str | None = None) -> ExtractedPage | None:
    """Reduce an HTML page to its main text with trafilatura; None when there is no article
    text (boilerplate only, or under `MIN_HTML_TEXT_CHARS` characters)."""
    try:
        doc = trafilatura.bare_extraction(
            raw,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            # metadata dates only; no guessing from dates mentioned in the text
            date_extraction_params={
                "extensive_search": False,
                "original_date": True,
                "outputformat": "%Y-%m-%dT%H:%M:%S%z",
            },
        )
    except Exception as exc:  # a third-party parser on untrusted input: never let it escape
        log.warning("trafilatura failed on %s: %s", redact_url(url) if url else "a page", exc)
        return None
    if not isinstance(doc, Document) or not doc.text:
        return None
    text = clean_text(doc.text)
    if len(normalise_text(text)) < MIN_HTML_TEXT_CHARS:
        return None
    meta_url = doc.url if doc.url and is_http_url(doc.url) else None
    if meta_url and urlsplit(meta_url).path.strip("/") == "":
        meta_url = None  # a canonical pointing at the home page would merge every page
    return ExtractedPage(
        text=text,
        title=(doc.title or "").strip() or None,
        published=parse_published(doc.date) if doc.date else None,
        url=meta_url,
    )


# --- collecting results ------------------------------------------------------------------------


class Reject(Exception):
    """An input that cannot be ingested; the message is the `SkippedInput` reason."""


class Collector:
    """Builds an `IngestResult`, keeping the first article of each id and recording the rest
    as skipped duplicates."""

    def __init__(self) -> None:
        self.result = IngestResult()
        self._first_ref: dict[str, str] = {}

    def add(self, article: Article) -> None:
        first = self._first_ref.get(article.article_id)
        if first is not None:
            self.skip(article.source_ref, f"duplicate of {first} ({article.article_id})")
            return
        self._first_ref[article.article_id] = article.source_ref
        self.result.articles.append(article)

    def skip(self, ref: str, reason: str) -> None:
        self.result.skipped.append(SkippedInput(ref=ref, reason=reason))


def make_article(
    *,
    text: str,
    title: str | None,
    url: str | None,
    published: dt.datetime | None,
    origin: Origin,
    source_ref: str,
    now: dt.datetime,
) -> Article:
    """An `Article` with its id; the stored URL is redacted (the id uses the URL as given)."""
    return Article(
        article_id=article_id(url, text),
        text=text,
        title=title,
        url=redact_url(url) if url else None,
        published_at=published,
        origin=origin,
        source_ref=source_ref,
        fetched_at=naive_utc(now),
    )


# --- the inbox ---------------------------------------------------------------------------------


def read_inbox(
    folder: Path, *, max_bytes: int, now: dt.datetime, only: Collection[str] | None = None
) -> IngestResult:
    """Read every .txt, .md, .html/.htm, .json and .jsonl file in `folder` and its subfolders.

    Files are read in sorted order of their inbox-relative path; dotfiles, dot-folders and other
    extensions are ignored silently. Each unusable input (binary, empty, too large, not UTF-8,
    invalid JSON line, JSON without text, HTML without article text, symlink, path outside the
    inbox, duplicate id) becomes a `SkippedInput`; nothing about one file stops the others.
    With `only`, just those inbox-relative paths are read (an ingestion batch's files).
    Raises `ValueError` only when `folder` is missing or not a directory."""
    if not folder.exists():
        raise ValueError(f"article inbox {folder} does not exist")
    if not folder.is_dir():
        raise ValueError(f"article inbox {folder} is not a directory")
    root = folder.resolve()
    out = Collector()
    files: list[tuple[str, Path]] = []
    _walk(root, PurePosixPath(), out, files)
    if only is not None:
        wanted = set(only)
        files = [(rel, path) for rel, path in files if rel in wanted]
        out.result.skipped[:] = [s for s in out.result.skipped if s.ref in wanted]
    for rel, path in sorted(files):
        try:
            raw = _read_inbox_file(root, path, max_bytes)
            _inbox_articles(rel, path.suffix.lower(), raw, now, out)
        except Reject as exc:
            out.skip(rel, str(exc))
    return out.result


# Folders nested deeper than this below the inbox are not read (each is reported): a real inbox
# is a few levels deep, and a walk without a bound can be made to run out of stack or time.
MAX_INBOX_DEPTH = 32


def _walk(root: Path, rel: PurePosixPath, out: Collector, files: list[tuple[str, Path]]) -> None:
    """The files under `root` (iteratively, `MAX_INBOX_DEPTH` folders deep at most)."""
    pending = [(root, rel)]
    while pending:
        folder, rel = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            out.skip(str(rel) if rel.parts else ".", f"cannot list folder: {exc.strerror}")
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = folder / entry.name
            ref = str(rel / entry.name)
            if path.is_symlink():
                out.skip(ref, "symlink refused")
            elif entry.is_dir(follow_symlinks=False):
                if len(rel.parts) + 1 >= MAX_INBOX_DEPTH:
                    out.skip(ref, f"folder nested deeper than {MAX_INBOX_DEPTH} levels; not read")
                else:
                    pending.append((path, rel / entry.name))
            elif path.suffix.lower() in INBOX_SUFFIXES:
                files.append((ref, path))


def _read_inbox_file(root: Path, path: Path, max_bytes: int) -> bytes:
    try:
        if not path.resolve(strict=True).is_relative_to(root):
            raise Reject("path resolves outside the inbox; refused")
        info = path.lstat()
    except OSError as exc:
        raise Reject(f"cannot read: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise Reject("symlink refused")
    if not stat.S_ISREG(info.st_mode):
        raise Reject("not a regular file")
    if info.st_size > max_bytes:
        raise Reject(f"file of {info.st_size} bytes exceeds the {max_bytes} byte limit")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Reject(f"cannot open: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise Reject("file changed while being read; refused")
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise Reject(f"file exceeds the {max_bytes} byte limit")
    return raw


def decode_text(raw: bytes, *, allow_cp1252: bool) -> str:
    """Decode a text file: UTF-8 (with or without BOM) or UTF-16 with a BOM; when
    `allow_cp1252`, Windows-1252 as a last resort if the result has no control characters.
    Raises `Reject` for binary content and undecodable text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise Reject("not valid UTF-16 text despite its byte order mark") from None
    elif b"\x00" in raw:
        raise Reject("binary file (contains NUL bytes)")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            where = f"invalid byte 0x{raw[exc.start]:02x} at offset {exc.start}"
            if not allow_cp1252:
                raise Reject(f"not UTF-8 text ({where})") from None
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                raise Reject(f"not UTF-8 or Windows-1252 text ({where})") from None
            if any(_is_control(c) for c in text):
                raise Reject(f"not UTF-8 text ({where}), and not clean Windows-1252") from None
    controls = sum(1 for c in text if _is_control(c))
    if controls and controls > len(text) // 100:
        raise Reject(f"binary file ({controls} control characters)")
    return text


def _inbox_articles(rel: str, suffix: str, raw: bytes, now: dt.datetime, out: Collector) -> None:
    kind = INBOX_SUFFIXES[suffix]
    if not raw.strip():
        raise Reject("empty file")
    if kind in ("text", "markdown"):
        text = clean_text(decode_text(raw, allow_cp1252=True))
        if not text:
            raise Reject("empty file")
        title = guess_title(text, markdown=kind == "markdown")
        out.add(_inbox_article(text, title, None, None, rel, now))
    elif kind == "html":
        page = _inbox_html(raw)
        out.add(_inbox_article(page.text, page.title, page.url, page.published, rel, now))
    elif kind == "json":
        _inbox_json(rel, clean_text(decode_text(raw, allow_cp1252=False)), now, out)
    else:
        _inbox_jsonl(rel, decode_text(raw, allow_cp1252=False), now, out)


def _inbox_article(
    text: str,
    title: str | None,
    url: str | None,
    published: dt.datetime | None,
    ref: str,
    now: dt.datetime,
) -> Article:
    return make_article(
        text=text,
        title=title,
        url=url,
        published=published,
        origin="inbox",
        source_ref=ref,
        now=now,
    )


def _inbox_html(raw: bytes) -> ExtractedPage:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        content: bytes | str = decode_text(raw, allow_cp1252=False)
    elif b"\x00" in raw:
        raise Reject("binary file (contains NUL bytes)")
    else:
        content = raw
    page = extract_html(content)
    if page is None:
        raise Reject("no extractable article text in the HTML page")
    return page


def _inbox_json(rel: str, text: str, now: dt.datetime, out: Collector) -> None:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise Reject(f"invalid JSON: {exc}") from None
    if isinstance(data, dict):
        out.add(article_from_object(data, ref=rel, now=now))
    elif isinstance(data, list):
        if not data:
            raise Reject("empty JSON list")
        for index, item in enumerate(data):
            ref = f"{rel}[{index}]"
            try:
                if not isinstance(item, dict):
                    raise Reject("not a JSON object")
                out.add(article_from_object(item, ref=ref, now=now))
            except Reject as exc:
                out.skip(ref, str(exc))
    else:
        raise Reject("JSON is neither an object nor a list of objects")


def _inbox_jsonl(rel: str, text: str, now: dt.datetime, out: Collector) -> None:
    # split on \n only: JSON strings may hold a raw U+2028, which str.splitlines would cut
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if not line.strip():
            continue
        ref = f"{rel}:{number}"
        try:
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise Reject(f"invalid JSON: {exc}") from None
            if not isinstance(data, dict):
                raise Reject("not a JSON object")
            out.add(article_from_object(data, ref=ref, now=now))
        except Reject as exc:
            out.skip(ref, str(exc))


def _optional_str(obj: dict[str, object], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Reject(f'field "{name}" must be a string, not {type(value).__name__}')
    return value.strip() or None


def article_from_object(obj: dict[str, object], *, ref: str, now: dt.datetime) -> Article:
    """An inbox article from a JSON object: ``text`` (required, non-empty string), optional
    ``title``, ``url`` (absolute http/https), ``published`` (ISO 8601 or RFC 2822) and
    ``source`` strings. A present but invalid optional field rejects the object too, so a typo
    is reported rather than silently dropped. (``source`` is validated but `Article` has no
    field for it yet.)"""
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Reject('no non-empty "text" string')
    title = _optional_str(obj, "title")
    url = _optional_str(obj, "url")
    if url is not None and not is_http_url(url):
        raise Reject(f'field "url" is not an absolute http(s) URL: {redact_url(url)!r}')
    published_raw = _optional_str(obj, "published")
    published = parse_published(published_raw) if published_raw else None
    if published_raw and published is None:
        raise Reject(f'field "published" is not an ISO 8601 or RFC 2822 date: {published_raw!r}')
    _optional_str(obj, "source")
    return _inbox_article(clean_text(text), title, url, published, ref, now)


# --- pages and URL lists -----------------------------------------------------------------------


def safe_http_get(
    source: str, url: str, settings: HttpSettings, session: requests.Session | None
) -> bytes | None:
    """`http_get`, with every failure a `FetchError` whose message has its URLs redacted.

    `http_get` lets some request errors through as they are (a redirect to an ``ftp:`` URL,
    a bad host or port in a link); here they become `FetchError` too."""
    try:
        return http_get(source, url, settings, session=session).body
    except FetchError as exc:
        raise redacted_fetch_error(exc, source, url) from None
    except (requests.RequestException, ValueError) as exc:
        problem = _scrub(f"{type(exc).__name__}: {exc}", url)
        raise FetchError(source, problem, redact_url(url)) from None


def fetch_page(
    url: str, settings: HttpSettings, session: requests.Session | None, source: str = "url"
) -> ExtractedPage:
    """Download `url` with `http_get` and extract its main text.

    Raises `FetchError` when the download fails and `Reject` when the page has no article text;
    neither message carries an unredacted URL."""
    body = safe_http_get(source, url, settings, session) or b""
    if not body.strip():
        raise Reject("empty response")
    if b"\x00" in body[:2048] or body.startswith(b"%PDF"):
        raise Reject("not an HTML page (binary content)")
    page = extract_html(body, url)
    if page is None:
        raise Reject("no extractable article text in the page")
    return page


def read_url_list(path: Path) -> tuple[list[str], list[SkippedInput]]:
    """The http(s) URLs of a URL-list file, one per line, in order.

    Blank lines and lines starting with ``#`` are ignored; any other line that is not an
    absolute http(s) URL comes back as a `SkippedInput` (ref ``<file name>:<line>``, URL
    redacted). Raises `ValueError` when the file cannot be read as UTF-8 text."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"URL list {path} cannot be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"URL list {path} is not UTF-8 text") from None
    urls: list[str] = []
    skipped: list[SkippedInput] = []
    for number, line in enumerate(text.splitlines(), start=1):
        candidate = line.strip()
        if not candidate or candidate.startswith("#"):
            continue
        if is_http_url(candidate) and not any(c.isspace() for c in candidate):
            urls.append(candidate)
        else:
            skipped.append(
                SkippedInput(
                    f"{path.name}:{number}",
                    f"not an absolute http(s) URL: {_scrub(redact_url(candidate), candidate)!r}",
                )
            )
    return urls, skipped


def fetch_url_articles(
    urls: Iterable[str],
    settings: HttpSettings,
    *,
    now: dt.datetime,
    session: requests.Session | None = None,
    max_bytes: int | None = None,
    source_ref: str = "urls",
) -> IngestResult:
    """Fetch each page and extract its article (origin ``url``, source_ref `source_ref`: the
    URL-list file name, or ``urls``). A URL that fails (HTTP error, timeout, redirect loop,
    too large, no article text) is a `SkippedInput` whose ref is the redacted URL; a URL whose
    canonical form was already fetched is skipped as a duplicate without a download.
    `max_bytes`, when given, replaces ``settings.max_bytes`` for each page."""
    if max_bytes is not None:
        settings = replace(settings, max_bytes=max_bytes)
    out = Collector()
    seen: dict[str, str] = {}
    own = session is None
    sess = session or requests.Session()
    try:
        for url in urls:
            ref = redact_url(url)
            key = canonical_url(url)
            if key in seen:
                out.skip(ref, f"duplicate of {seen[key]}")
                continue
            seen[key] = ref
            try:
                page = fetch_page(url, settings, sess, "url")
            except FetchError as exc:
                out.skip(ref, fetch_problem(exc, url))
                continue
            except Reject as exc:
                out.skip(ref, str(exc))
                continue
            out.add(
                make_article(
                    text=page.text,
                    title=page.title,
                    url=url,
                    published=page.published,
                    origin="url",
                    source_ref=source_ref,
                    now=now,
                )
            )
    finally:
        if own:
            sess.close()
    return out.result
