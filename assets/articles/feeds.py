"""RSS 2.0 and Atom feeds as articles.

`parse_feed` turns feed bytes into `FeedEntry` values (with feedparser, after refusing DTDs and
entity declarations, HTML pages and non-XML bodies); `fetch_feed_articles` downloads a feed with
`http_get` and makes one article per entry, from the entry's own content when it carries the
full text, else from the linked page.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import feedparser
import requests
from lxml import etree
from lxml import html as lxml_html

from assets.articles.ingest import (
    Collector,
    Reject,
    canonical_url,
    clean_text,
    fetch_page,
    fetch_problem,
    is_http_url,
    make_article,
    safe_http_get,
)
from assets.articles.model import IngestResult
from assets.common.redact import redact_url
from assets.sources.fetch import FetchError, HttpSettings

log = logging.getLogger(__name__)

FULL_TEXT_MIN_CHARS = 600  # entry text at least this long is the article; shorter is a teaser
FEED_SOURCE = "feed"
_BREAK = "\ue000"  # private-use character marking a block break while flattening HTML
_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "hr",
        "dd",
        "dt",
    }
)


class FeedError(FetchError):
    """A feed body that cannot be used: not XML, an HTML page, a DTD, not RSS/Atom.

    A `FetchError` (source ``feed``), so a caller catching download failures catches this too;
    the message names the (redacted) feed URL."""

    def __init__(self, feed_url: str, problem: str) -> None:
        self.feed_url = redact_url(feed_url)
        self.problem = problem
        super().__init__(FEED_SOURCE, problem, self.feed_url)


@dataclass(frozen=True)
class FeedEntry:
    """One feed item. Text fields are plain text (HTML reduced to paragraphs), or None."""

    link: str | None  # absolute http(s) link, resolved against the feed URL
    title: str | None
    published: dt.datetime | None  # naive UTC; the updated date when there is no published
    summary: str | None
    content: str | None  # the longest content element (content:encoded, atom:content)

    @property
    def best_text(self) -> str:
        """The longer of content and summary ("" when neither)."""
        return max((self.content or "", self.summary or ""), key=len)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: block elements (p, li, br, h1...) become line breaks,
    other whitespace (source line breaks included) collapses to one space, blank lines go.
    Text without markup keeps its own line breaks."""
    if not fragment.strip():
        return ""
    if "<" not in fragment and "&" not in fragment:
        pieces = fragment.split("\n")
    else:
        try:
            # lxml refuses to set text holding control characters (which the HTML parser
            # reads): drop them first, as no article text needs them.
            usable = _XML_INCOMPATIBLE.sub(" ", fragment.replace(_BREAK, " "))
            root = lxml_html.fragment_fromstring(usable, create_parent="div")
        except (etree.ParserError, ValueError):
            return clean_text(fragment)
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
                element.tail = _BREAK + (element.tail or "")
                element.text = _BREAK + (element.text or "")
        pieces = root.text_content().split(_BREAK)
    return "\n".join(joined for piece in pieces if (joined := " ".join(piece.split())))


def _detail_text(detail: Mapping[str, Any] | None, fallback: object) -> str | None:
    value = detail.get("value") if detail else fallback
    if not isinstance(value, str) or not value.strip():
        return None
    kind = str(detail.get("type", "")) if detail else ""
    text = clean_text(value) if kind == "text/plain" else html_to_text(value)
    return text or None


def _entry_date(entry: Mapping[str, Any]) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return dt.datetime(*parsed[:6])  # feedparser gives UTC struct_time
            except (TypeError, ValueError):
                continue
    return None


def _prolog_declares_dtd(text: str) -> bool:
    """True when a ``<!...>`` declaration (DOCTYPE) comes before the root element."""
    rest = text.lstrip("\ufeff \t\r\n")
    while rest.startswith(("<?", "<!--")):
        closing = "?>" if rest.startswith("<?") else "-->"
        end = rest.find(closing)
        if end < 0:
            return False
        rest = rest[end + len(closing) :].lstrip(" \t\r\n")
    return rest.startswith("<!")


def _text_view(raw: bytes) -> str:
    """The feed as text, good enough for sniffing (UTF-16/32 with or without BOM, else latin-1,
    which maps every ASCII markup byte to itself)."""
    head = raw[:4]
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return raw[len(bom) :].decode(codec, errors="replace")
    if head.startswith(b"<\x00\x00\x00"):
        return raw.decode("utf-32-le", errors="replace")
    if head.startswith(b"\x00\x00\x00<"):
        return raw.decode("utf-32-be", errors="replace")
    if head.startswith(b"<\x00"):
        return raw.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return raw.decode("utf-16-be", errors="replace")
    return raw.decode("latin-1")


_ENTITY_DECL = re.compile(r"<!\s*ENTITY", re.IGNORECASE)


def check_feed_bytes(raw: bytes, feed_url: str) -> None:
    """Refuse, before any XML parser sees it, a body that is empty, an HTML page, not XML, or
    that declares a DTD or entities (XXE, "billion laughs"). Raises `FeedError`."""
    if not raw.strip():
        raise FeedError(feed_url, "empty response")
    text = _text_view(raw)
    head = text[:2048].lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html")) or "<html" in head[:512]:
        raise FeedError(feed_url, "an HTML page, not an RSS or Atom feed")
    if not head.startswith("<"):
        raise FeedError(feed_url, f"not XML (starts with {raw[:30]!r})")
    if _prolog_declares_dtd(text) or _ENTITY_DECL.search(text):
        raise FeedError(feed_url, "declares a DTD or entities; refused (XXE/entity expansion)")


def parse_feed(raw: bytes, feed_url: str) -> list[FeedEntry]:
    """The entries of an RSS 2.0 or Atom feed (relative links resolved against `feed_url`).

    Raises `FeedError` for a body that is not a feed: see `check_feed_bytes`, plus a document
    feedparser cannot read as RSS/Atom and that yields no entries. A well-formed feed with no
    items gives an empty list; a slightly broken one that still yields entries is accepted."""
    check_feed_bytes(raw, feed_url)
    # A BytesIO, never bare bytes: feedparser tries to open() a bytes/str argument as a path.
    parsed = feedparser.parse(
        io.BytesIO(raw),
        response_headers={"content-location": feed_url, "content-type": "application/xml"},
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    raw_entries: list[Any] = list(parsed.get("entries") or [])
    if not raw_entries and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        detail = f": {problem}" if problem else ""
        raise FeedError(feed_url, f"not a readable RSS or Atom feed{detail}")
    if parsed.get("bozo"):
        log.warning(
            "feed %s is malformed (%s); using the %d entries read",
            redact_url(feed_url),
            parsed.get("bozo_exception"),
            len(raw_entries),
        )
    entries = []
    for item in raw_entries:
        link = item.get("link")
        contents = [
            text
            for detail in item.get("content") or []
            if (text := _detail_text(detail, None)) is not None
        ]
        entries.append(
            FeedEntry(
                link=link.strip() if isinstance(link, str) and is_http_url(link.strip()) else None,
                title=_detail_text(item.get("title_detail"), item.get("title")),
                published=_entry_date(item),
                summary=_detail_text(item.get("summary_detail"), item.get("summary")),
                content=max(contents, key=len) if contents else None,
            )
        )
    return entries


def fetch_feed_articles(
    feed_url: str,
    settings: HttpSettings,
    *,
    now: dt.datetime,
    session: requests.Session | None = None,
    max_bytes: int | None = None,
    private_links: bool = False,
) -> IngestResult:
    """Download the feed at `feed_url` and make one article per entry (origin ``feed``,
    source_ref the redacted feed URL, url the entry link).

    An entry whose content or summary has at least `FULL_TEXT_MIN_CHARS` characters of text is
    used as is; otherwise its linked page is downloaded and extracted. An entry whose page fails
    is a `SkippedInput` whose ref is the redacted page URL; the other entries are still read.
    An entry without a link keeps whatever text it has. The feed itself failing raises
    `FetchError` (download) or `FeedError` (body), with URLs redacted. `max_bytes`, when given,
    replaces ``settings.max_bytes`` for the feed and every page.

    The feed URL is configured, so trusted; the links inside it are not. Unless
    `private_links`, an entry link (or a redirect from it) to a private, loopback or link-local
    address (e.g. 169.254.169.254, 10.x) is refused before connecting and skipped."""
    if max_bytes is not None:
        settings = replace(settings, max_bytes=max_bytes)
    link_settings = replace(
        settings, public_hosts_only=settings.public_hosts_only or not private_links
    )
    ref = redact_url(feed_url)
    own = session is None
    sess = session or requests.Session()
    try:
        body = safe_http_get(FEED_SOURCE, feed_url, settings, sess)
        entries = parse_feed(body or b"", feed_url)
        out = Collector()
        fetched: set[str] = set()
        for index, entry in enumerate(entries):
            _entry_article(entry, f"{ref}[{index}]", ref, link_settings, sess, now, out, fetched)
        return out.result
    finally:
        if own:
            sess.close()


def _entry_article(
    entry: FeedEntry,
    entry_ref: str,
    feed_ref: str,
    settings: HttpSettings,
    session: requests.Session,
    now: dt.datetime,
    out: Collector,
    fetched: set[str],
) -> None:
    text = entry.best_text
    title, published = entry.title, entry.published
    if len(text) < FULL_TEXT_MIN_CHARS and entry.link:
        key = canonical_url(entry.link)
        if key in fetched:  # the same story twice in one feed: one download is enough
            out.skip(redact_url(entry.link), f"duplicate entry in {feed_ref}")
            return
        fetched.add(key)
        try:
            page = fetch_page(entry.link, settings, session, "page")
        except FetchError as exc:
            out.skip(redact_url(entry.link), f"page fetch failed: {fetch_problem(exc, entry.link)}")
            return
        except Reject as exc:
            out.skip(redact_url(entry.link), str(exc))
            return
        text = page.text
        title = title or page.title
        published = published or page.published
    if not text:
        out.skip(entry_ref, "entry has neither a link nor any text")
        return
    out.add(
        make_article(
            text=text,
            title=title,
            url=entry.link,
            published=published,
            origin="feed",
            source_ref=feed_ref,
            now=now,
        )
    )
