"""RSS/Atom feeds: parsing, refusing what is not a feed, and articles from feed entries."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest

from assets.articles import feeds
from assets.articles.feeds import (
    FULL_TEXT_MIN_CHARS,
    FeedError,
    fetch_feed_articles,
    html_to_text,
    parse_feed,
)
from assets.articles.ingest import article_id
from assets.sources.fetch import FetchError, HttpSettings
from tests.conftest import FIXTURES, Reply, ScriptedServer

FEEDS = FIXTURES / "articles" / "feeds"
PAGES = FIXTURES / "articles" / "pages"
NOW = dt.datetime(2024, 5, 20, 12, 0, 0)
FAST = HttpSettings(connect_timeout=1, read_timeout=1, retries=1, backoff_seconds=0.01)
FEED_URL = "http://news.test/rss.xml"


def feed_bytes(name: str, base: str = "http://news.test") -> bytes:
    return (FEEDS / name).read_bytes().replace(b"http://NEWS.TEST", base.encode())


# --- parsing -----------------------------------------------------------------------------------


def test_parse_rss_with_teasers() -> None:
    entries = parse_feed(feed_bytes("rss_teasers.xml"), FEED_URL)
    assert [e.link for e in entries] == [
        "http://news.test/news/customs-raid?utm_source=rss&utm_campaign=morning",
        "http://news.test/news/registry-review",  # relative link resolved against the feed
        "http://news.test/news/ferry-strike",
    ]
    first = entries[0]
    assert first.title == "Customs raid freight forwarder in Lowmere"
    assert first.published == dt.datetime(2024, 5, 8, 6, 45)  # +0200 -> UTC
    assert (
        first.summary
        == "Investigators searched the offices of Northgate Logistics. Read more on our site."
    )
    assert first.content is None
    assert entries[1].published == dt.datetime(2024, 5, 9, 12, 0)
    assert all(len(e.best_text) < FULL_TEXT_MIN_CHARS for e in entries)


def test_parse_atom_with_full_content() -> None:
    entries = parse_feed(feed_bytes("atom_full.xml"), "http://news.test/atom.xml")
    assert len(entries) == 2
    sale, inquiry = entries
    assert sale.link == "http://news.test/monitor/tanker-sale#comments"
    assert sale.published == dt.datetime(2024, 5, 11, 6, 30)
    assert sale.summary == "A court ordered the sale of the Morning Lark."
    assert sale.content is not None and len(sale.content) >= FULL_TEXT_MIN_CHARS
    assert sale.content.startswith("A commercial court in Marrenport")
    assert "<p>" not in sale.content and sale.content.count("\n") == 3  # one line per paragraph
    assert inquiry.title == "Bank & insurer named in payments inquiry"
    assert inquiry.published == dt.datetime(2024, 5, 12, 16, 20)  # from <updated>


def test_a_feed_without_items_is_empty_not_an_error() -> None:
    raw = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert parse_feed(raw, FEED_URL) == []


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ((FEEDS / "not_a_feed.html").read_bytes(), "an HTML page, not an RSS or Atom feed"),
        (b"<html><body><a href='/rss'>RSS</a></body></html>", "an HTML page"),
        (b'{"items": []}', "not XML"),
        (b"/etc/hostname", "not XML"),  # never opened as a path
        (b"   \n", "empty response"),
        (b"<?xml version='1.0'?><catalog><book>Moby</book></catalog>", "not a readable RSS"),
        (b"<rss version='2.0'><channel><title>cut", "not a readable RSS"),
    ],
)
def test_what_is_not_a_feed_raises_feed_error(raw: bytes, problem: str) -> None:
    with pytest.raises(FeedError, match=problem) as info:
        parse_feed(raw, "http://news.test/feed?token=s3cr3t")
    assert "http://news.test/feed?token=REDACTED" in str(info.value)
    assert "s3cr3t" not in str(info.value)
    assert isinstance(info.value, FetchError)


@pytest.mark.parametrize(
    "raw",
    [
        (FEEDS / "entity_bomb.xml").read_bytes(),
        b'<?xml version="1.0"?>\n<!-- a comment -->\n<!DOCTYPE rss SYSTEM "http://evil.test/rss.dtd">'
        b'\n<rss version="2.0"><channel><title>t</title></channel></rss>',
        b'<rss version="2.0"><channel><title>t</title></channel></rss><!ENTITY x "y">',
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r [<!ENTITY a "b">]><rss/>'.encode(
            "utf-16"
        ),
        '<?xml version="1.0" encoding="utf-16"?><!doctype r><rss/>'.encode("utf-16-le"),
    ],
)
def test_dtd_and_entity_declarations_are_refused_before_parsing(
    raw: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("feedparser must not see this document")

    monkeypatch.setattr(feedparser, "parse", no_parse)
    with pytest.raises(FeedError, match=r"declares a DTD or entities; refused"):
        parse_feed(raw, FEED_URL)


def test_a_truncated_feed_still_gives_its_entries() -> None:
    raw = feed_bytes("rss_teasers.xml")
    entries = parse_feed(raw[: raw.index(b"<item>", raw.index(b"ledger-1002"))], FEED_URL)
    assert [e.title for e in entries] == [
        "Customs raid freight forwarder in Lowmere",
        "Shipping registry to review flag transfers",
    ]


def test_html_to_text() -> None:
    assert html_to_text("<p>One <b>bold</b>\n word.</p><p>Two<br>lines</p><ul><li>a</li></ul>") == (
        "One bold word.\nTwo\nlines\na"
    )
    assert html_to_text("Plain  text,\nno markup") == "Plain text,\nno markup"
    assert html_to_text("  ") == ""


# --- fetching ----------------------------------------------------------------------------------


def test_teaser_entries_are_fetched_and_a_failing_page_is_skipped(
    http_server: ScriptedServer,
) -> None:
    feed_url = http_server.route(
        "/rss.xml", Reply(body=feed_bytes("rss_teasers.xml", http_server.base))
    )
    raid = "/news/customs-raid?utm_source=rss&utm_campaign=morning"
    http_server.route(raid, Reply(body=(PAGES / "customs-raid.html").read_bytes()))
    http_server.route(
        "/news/registry-review", Reply(body=(PAGES / "registry-review.html").read_bytes())
    )
    http_server.route("/news/ferry-strike", Reply(status=500))

    result = fetch_feed_articles(feed_url, FAST, now=NOW, private_links=True)

    assert [a.url for a in result.articles] == [
        http_server.url(raid),
        http_server.url("/news/registry-review"),
    ]
    first = result.articles[0]
    assert first.origin == "feed" and first.source_ref == feed_url and first.fetched_at == NOW
    assert first.article_id == article_id(http_server.url("/news/customs-raid"), "")
    assert first.title == "Customs raid freight forwarder in Lowmere"  # the entry's
    assert first.published_at == dt.datetime(2024, 5, 8, 6, 45)  # the entry's
    assert "Officers carried away computers" in first.text  # the page's full text
    assert "Log in" not in first.text and "cookies" not in first.text
    assert "eighteen months" in result.articles[1].text

    assert len(result.skipped) == 1
    skip = result.skipped[0]
    assert skip.ref == http_server.url("/news/ferry-strike")
    assert "page fetch failed" in skip.reason and "HTTP 500" in skip.reason
    assert http_server.hits("/news/ferry-strike") == 2  # retried once, then given up
    assert http_server.hits(raid) == http_server.hits("/news/registry-review") == 1


def test_entries_with_full_content_need_no_page(http_server: ScriptedServer) -> None:
    feed_url = http_server.route(
        "/atom.xml", Reply(body=feed_bytes("atom_full.xml", http_server.base))
    )
    result = fetch_feed_articles(feed_url, FAST, now=NOW, private_links=True)
    assert result.skipped == []
    assert [a.title for a in result.articles] == [
        "Court orders sale of detained tanker",
        "Bank & insurer named in payments inquiry",
    ]
    sale = result.articles[0]
    assert sale.text.startswith("A commercial court in Marrenport on Saturday")
    assert sale.url == http_server.url("/monitor/tanker-sale")  # fragment not stored
    assert sale.article_id == article_id(http_server.url("/monitor/tanker-sale"), "")
    assert sale.published_at == dt.datetime(2024, 5, 11, 6, 30)
    assert [path for path, _ in http_server.requests] == ["/atom.xml"]


def test_page_problems_are_skipped_per_entry(http_server: ScriptedServer) -> None:
    items = "".join(
        f"<item><title>Story {n}</title><link>{http_server.url(path)}</link>"
        f"<description>Teaser {n}.</description></item>"
        for n, path in enumerate(
            ["/loop", "/huge", "/empty", "/ok", "/ok", "/private?sig=s3cr3t&id=4"], start=1
        )
    )
    rss = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    )
    feed_url = http_server.route("/feed", Reply(body=rss.encode()))
    http_server.route("/loop", Reply(status=302, headers={"Location": "/loop"}))
    http_server.route(
        "/huge", Reply(body=b"<html><body>" + b"<p>word word</p>" * 2000 + b"</body></html>")
    )
    http_server.route("/empty", Reply(body=(PAGES / "cookie-wall.html").read_bytes()))
    http_server.route("/ok", Reply(body=(PAGES / "ferry-strike.html").read_bytes()))
    http_server.route("/private?sig=s3cr3t&id=4", Reply(status=403))

    result = fetch_feed_articles(feed_url, FAST, now=NOW, max_bytes=8_000, private_links=True)

    assert [a.title for a in result.articles] == ["Story 4"]
    assert result.articles[0].text.startswith("Ferry crews call off strike")
    reasons = {s.ref.removeprefix(http_server.base): s.reason for s in result.skipped}
    assert "too many redirects" in reasons["/loop"]
    assert "exceeds the 8000" in reasons["/huge"]
    assert "no extractable article text" in reasons["/empty"]
    assert "duplicate entry" in reasons["/ok"]
    assert "HTTP 403" in reasons["/private?sig=REDACTED&id=4"]
    assert http_server.hits("/ok") == 1
    assert all("s3cr3t" not in s.ref + s.reason for s in result.skipped)


def test_a_feed_that_fails_raises(http_server: ScriptedServer) -> None:
    html = http_server.route("/news", Reply(body=(FEEDS / "not_a_feed.html").read_bytes()))
    with pytest.raises(FeedError, match="an HTML page") as info:
        fetch_feed_articles(html, FAST, now=NOW)
    assert html in str(info.value)

    bomb = http_server.route("/bomb.xml", Reply(body=feed_bytes("entity_bomb.xml")))
    with pytest.raises(FeedError, match="refused"):
        fetch_feed_articles(bomb, FAST, now=NOW)
    assert http_server.hits("/x") == 0

    missing = http_server.url("/gone.xml?key=s3cr3t")
    with pytest.raises(FetchError, match="HTTP 404") as failed:
        fetch_feed_articles(missing, FAST, now=NOW)
    assert not isinstance(failed.value, FeedError)
    assert "s3cr3t" not in str(failed.value) and "key=REDACTED" in str(failed.value)

    big = http_server.route("/big.xml", Reply(body=feed_bytes("atom_full.xml")))
    with pytest.raises(FetchError, match="exceeds the 500"):
        fetch_feed_articles(big, FAST, now=NOW, max_bytes=500)


def test_feed_source_name_is_feed() -> None:
    assert feeds.FEED_SOURCE == "feed"
    assert str(FeedError("http://u:p@news.test/f", "boom")) == "feed: boom (http://news.test/f)"
