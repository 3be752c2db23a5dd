"""Article ingestion from the inbox and from URL lists: ids, bad inputs, symlinks, downloads."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
from pathlib import Path

import pytest

from assets.articles.ingest import (
    article_id,
    canonical_url,
    decode_text,
    fetch_url_articles,
    guess_title,
    parse_published,
    read_inbox,
    read_url_list,
    redact_url,
)
from assets.articles.model import Article, IngestResult
from assets.sources.fetch import HttpSettings
from tests.conftest import FIXTURES, Reply, ScriptedServer

INBOX = FIXTURES / "articles" / "inbox"
PAGES = FIXTURES / "articles" / "pages"
NOW = dt.datetime(2024, 5, 20, 12, 0, 0)
FAST = HttpSettings(connect_timeout=1, read_timeout=1, retries=1, backoff_seconds=0.01)
MAX = 64 * 1024


def skipped_of(result: IngestResult) -> dict[str, str]:
    return {s.ref: s.reason for s in result.skipped}


def by_ref(result: IngestResult) -> dict[str, Article]:
    return {a.source_ref: a for a in result.articles}


# --- ids and URLs ------------------------------------------------------------------------------


def test_article_id_is_prefixed_short_sha256_and_stable() -> None:
    first = article_id("https://news.example/a/story", "text")
    assert re.fullmatch(r"a_[0-9a-f]{16}", first)
    assert first == article_id("https://news.example/a/story", "other text entirely")
    assert first != article_id("https://news.example/a/other-story", "text")


@pytest.mark.parametrize(
    "variant",
    [
        "https://news.example/a/story",
        "HTTPS://News.Example/a/story",
        "https://news.example:443/a/story",
        "https://news.example/a/story/",
        "https://news.example/a/story#comments",
        "https://news.example/a/story?utm_source=rss&utm_medium=feed&UTM_Campaign=x",
        "https://news.example/a/story?fbclid=abc123&gclid=zzz",
        "  https://user:pw@news.example/a/story  ",
    ],
)
def test_canonical_url_ignores_tracking_fragment_case_port_and_slash(variant: str) -> None:
    assert canonical_url(variant) == "https://news.example/a/story"
    assert article_id(variant, "a") == article_id("https://news.example/a/story", "b")


def test_canonical_url_keeps_what_identifies_the_article() -> None:
    assert canonical_url("http://news.example:8080/x?id=2&page=1#top") == (
        "http://news.example:8080/x?id=2&page=1"
    )
    assert canonical_url("http://news.example/x?page=1&id=2") == canonical_url(
        "http://news.example/x?id=2&page=1&utm_term=y"
    )
    assert canonical_url("http://news.example/x?id=2") != canonical_url(
        "http://news.example/x?id=3"
    )
    assert canonical_url("http://news.example/x") != canonical_url("https://news.example/x")
    assert canonical_url("not a url#frag") == "not a url"


def test_article_id_without_url_hashes_the_normalised_text() -> None:
    text = "Castellan Shipping \ufb01nes\n\n  in Marrenport "  # "ﬁ" ligature, ragged spaces
    assert article_id(None, text) == article_id(None, "Castellan Shipping fines in Marrenport")
    assert article_id("", text) == article_id(None, text)
    assert article_id(None, text) != article_id(None, "Castellan Shipping fines in Lowmere")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://bob:s3cret@news.example/a?id=7", "https://news.example/a?id=7"),
        (
            "https://news.example/a?id=7&token=abc&apiKey=k1&X-Amz-Signature=f00#access_token=x",
            "https://news.example/a?id=7&token=REDACTED&apiKey=REDACTED&X-Amz-Signature=REDACTED",
        ),
        (
            "https://news.example/a?author=kim&design=new",
            "https://news.example/a?author=kim&design=new",
        ),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-03", dt.datetime(2024, 5, 3)),
        ("2024-05-03T09:15:00", dt.datetime(2024, 5, 3, 9, 15)),
        ("2024-05-03T09:15:00+02:00", dt.datetime(2024, 5, 3, 7, 15)),
        ("2024-05-03T09:15:00Z", dt.datetime(2024, 5, 3, 9, 15)),
        ("Fri, 03 May 2024 09:15:00 +0200", dt.datetime(2024, 5, 3, 7, 15)),
        ("Fri, 03 May 2024 09:15:00 GMT", dt.datetime(2024, 5, 3, 9, 15)),
        ("last Tuesday", None),
        ("", None),
    ],
)
def test_parse_published(value: str, expected: dt.datetime | None) -> None:
    assert parse_published(value) == expected


@pytest.mark.parametrize(
    ("text", "markdown", "expected"),
    [
        ("Tanker detained\n\nThe tanker was detained.", False, "Tanker detained"),
        ("Is the ban working?\nExperts disagree.", False, "Is the ban working?"),
        ("The tanker was detained on Monday.\nMore text.", False, None),
        ("Only one line", False, None),
        ("# Accounts frozen #\n\nBody.", True, "Accounts frozen"),
        ("\n\n# Heading\nBody text.", True, "Heading"),
        ("word " * 40 + "\nbody", False, None),
    ],
)
def test_guess_title(text: str, markdown: bool, expected: str | None) -> None:
    assert guess_title(text, markdown=markdown) == expected


# --- the inbox ---------------------------------------------------------------------------------


def test_fixture_inbox_is_read_completely() -> None:
    result = read_inbox(INBOX, max_bytes=MAX, now=NOW)
    assert result.skipped == []
    articles = by_ref(result)
    assert sorted(articles) == [
        "2024-05-02-marrenport-tanker.txt",
        "batch.json[0]",
        "batch.json[1]",
        "briefs/finance-ministry.md",
        "briefs/wire.jsonl:1",
        "briefs/wire.jsonl:2",
        "briefs/wire.jsonl:3",
        "field-notes.txt",
        "saved/harbour-times-bank-fine.html",
    ]
    assert [a.source_ref for a in result.articles] == sorted(articles)  # sorted path order
    for article in result.articles:
        assert article.origin == "inbox"
        assert article.fetched_at == NOW
        assert article.text == article.text.strip() and "\r" not in article.text

    txt = result.articles[0]
    assert txt.title == "Marrenport harbour detains tanker over cargo papers"
    assert txt.text.startswith("Marrenport harbour detains tanker") and txt.url is None
    assert txt.article_id == article_id(None, txt.text)
    assert articles["field-notes.txt"].title is None  # first line is a sentence
    md = articles["briefs/finance-ministry.md"]
    assert md.title == "Keldoria freezes accounts of grain trading house"
    assert "**Brightwater Commodities FZE**" in md.text

    wire = articles["briefs/wire.jsonl:1"]
    assert wire.title == "Customs seize drone parts at Lowmere airport"
    assert wire.published_at == dt.datetime(2024, 5, 3, 7, 15)
    assert wire.article_id == article_id(
        "https://wire.example.org/2024/05/03/lowmere-drone-parts", ""
    )
    assert articles["briefs/wire.jsonl:2"].published_at == dt.datetime(2024, 5, 4, 11, 0)
    assert articles["briefs/wire.jsonl:3"].published_at == dt.datetime(2024, 5, 5)
    assert articles["briefs/wire.jsonl:3"].url is None
    assert articles["batch.json[0]"].article_id == article_id(
        "https://www.marine-insight.example/news/insurer-withdraws-cover", ""
    )

    html = articles["saved/harbour-times-bank-fine.html"]
    assert html.title == "Regulator fines Marrenport bank over screening failures"
    assert html.published_at == dt.datetime(2024, 5, 7, 10, 30)
    assert html.url == "https://harbourtimes.example/business/bank-fined-screening"
    assert "Coastal Merchant Bank" in html.text
    assert "Most read" not in html.text and "Subscribe" not in html.text


def test_rereading_an_inbox_gives_the_same_ids(tmp_path: Path) -> None:
    shutil.copytree(INBOX, tmp_path / "inbox")
    first = read_inbox(tmp_path / "inbox", max_bytes=MAX, now=NOW)
    later = NOW + dt.timedelta(days=3)
    second = read_inbox(tmp_path / "inbox", max_bytes=MAX, now=later)
    ids = [a.article_id for a in first.articles]
    assert ids == [a.article_id for a in second.articles]
    assert len(set(ids)) == len(ids)
    assert ids == [a.article_id for a in read_inbox(INBOX, max_bytes=MAX, now=NOW).articles]
    assert {a.fetched_at for a in second.articles} == {later}


def _write_bad_inbox(inbox: Path) -> None:
    shutil.copytree(INBOX, inbox)
    (inbox / "bad").mkdir()
    bad = inbox / "bad"
    (bad / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (bad / "controls.txt").write_bytes(bytes(range(1, 9)) * 20)
    (bad / "empty.txt").write_bytes(b"")
    (bad / "blank.md").write_bytes(b"  \r\n\t\n   ")
    (bad / "huge.txt").write_bytes(b"Tanker story. " * (MAX // 10))
    (bad / "latin.txt").write_bytes(b"Caf\xe9 owner \x81 detained in L\xf6wmere.")
    (bad / "latin-controls.txt").write_bytes(b"Caf\xe9 \x01\x02 owner detained.")
    (bad / "latin.json").write_bytes(b'{"text": "Caf\xe9 owner detained"}')
    (bad / "broken.json").write_text('{"text": "unterminated', encoding="utf-8")
    (bad / "scalar.json").write_text("42", encoding="utf-8")
    (bad / "no-text.json").write_text('{"title": "Headline only"}', encoding="utf-8")
    (bad / "blank-text.json").write_text('{"text": "   "}', encoding="utf-8")
    (bad / "number-text.json").write_text('{"text": 12}', encoding="utf-8")
    (bad / "bad-url.json").write_text(
        '{"text": "Story.", "url": "ftp://files.example/x?token=s3cr3t"}', encoding="utf-8"
    )
    (bad / "bad-date.json").write_text(
        '{"text": "Story.", "published": "sometime in May"}', encoding="utf-8"
    )
    (bad / "list.json").write_text(
        json.dumps([{"text": "A good item in a list."}, "just a string", {"title": "no text"}]),
        encoding="utf-8",
    )
    lines = [
        json.dumps({"text": "First good line about a tanker."}),
        "",
        '{"text": "cut off',
        "[1, 2]",
        json.dumps({"url": "https://wire.example.org/x"}),
        json.dumps({"text": "Last good line: a bank \u2028 and a separator."}, ensure_ascii=False),
        "{}",
    ]
    (bad / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (bad / "cookie-wall.html").write_bytes((PAGES / "cookie-wall.html").read_bytes())
    (bad / "binary.htm").write_bytes(b"<html>\x00\x00\x00</html>")
    # a copy of a fixture text under another name: same text, no URL -> same id
    shutil.copy(inbox / "field-notes.txt", inbox / "zz-copy-of-notes.txt")
    # accepted: Windows-1252 text, and a deeply nested file
    (bad / "cp1252.txt").write_bytes(
        "Zürich court fines “Castellan” – €2m\n\nThe court said so.".encode("cp1252")
    )
    deep = inbox / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "deep.md").write_text("Deep story\n\nFound three folders down.", encoding="utf-8")
    # ignored silently: dotfiles, dot-folders, other extensions
    (inbox / ".DS_Store").write_bytes(b"\x00\x01")
    (inbox / ".hidden.txt").write_text("hidden story", encoding="utf-8")
    (inbox / ".git").mkdir()
    (inbox / ".git" / "notes.txt").write_text("not an article", encoding="utf-8")
    (inbox / "photo.jpg").write_bytes(b"\xff\xd8\xff\x00")
    (inbox / "report.pdf").write_bytes(b"%PDF-1.7")
    (inbox / "notes.TXT").write_text("Upper case suffix\n\nStill a text file.", encoding="utf-8")


def test_bad_inputs_are_skipped_with_reasons_and_good_ones_kept(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _write_bad_inbox(inbox)
    result = read_inbox(inbox, max_bytes=MAX, now=NOW)
    skipped = skipped_of(result)
    expected = {
        "bad/scan.txt": "binary file (contains NUL bytes)",
        "bad/controls.txt": "control characters",
        "bad/empty.txt": "empty file",
        "bad/blank.md": "empty file",
        "bad/huge.txt": f"exceeds the {MAX} byte limit",
        "bad/latin.txt": "not UTF-8 or Windows-1252 text (invalid byte 0xe9 at offset 3)",
        "bad/latin-controls.txt": "not clean Windows-1252",
        "bad/latin.json": "not UTF-8 text",
        "bad/broken.json": "invalid JSON",
        "bad/scalar.json": "neither an object nor a list",
        "bad/no-text.json": 'no non-empty "text" string',
        "bad/blank-text.json": 'no non-empty "text" string',
        "bad/number-text.json": 'no non-empty "text" string',
        "bad/bad-url.json": 'field "url" is not an absolute http(s) URL',
        "bad/bad-date.json": 'field "published" is not an ISO 8601 or RFC 2822 date',
        "bad/list.json[1]": "not a JSON object",
        "bad/list.json[2]": 'no non-empty "text" string',
        "bad/mixed.jsonl:3": "invalid JSON",
        "bad/mixed.jsonl:4": "not a JSON object",
        "bad/mixed.jsonl:5": 'no non-empty "text" string',
        "bad/mixed.jsonl:7": 'no non-empty "text" string',
        "bad/cookie-wall.html": "no extractable article text",
        "bad/binary.htm": "binary file",
        "zz-copy-of-notes.txt": "duplicate of field-notes.txt",
    }
    assert sorted(skipped) == sorted(expected)
    for ref, reason in expected.items():
        assert reason in skipped[ref], (ref, skipped[ref])
    assert "s3cr3t" not in skipped["bad/bad-url.json"]

    articles = by_ref(result)
    good = {
        "bad/cp1252.txt",
        "bad/list.json[0]",
        "bad/mixed.jsonl:1",
        "bad/mixed.jsonl:6",
        "a/b/c/deep.md",
        "notes.TXT",
    }
    assert good <= set(articles)
    assert set(articles) - good == set(by_ref(read_inbox(INBOX, max_bytes=MAX, now=NOW)))
    cp = articles["bad/cp1252.txt"]
    assert cp.text.startswith("Zürich court fines “Castellan” – €2m")
    assert "\u2028" in articles["bad/mixed.jsonl:6"].text
    assert articles["a/b/c/deep.md"].title == "Deep story"
    assert not any("hidden" in ref or ".git" in ref for ref in {*articles, *skipped})


def test_file_size_is_checked_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * 200)
    opened: list[object] = []
    real_open = os.open

    def spy_open(path: object, flags: int, *args: object) -> int:
        opened.append(path)
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", spy_open)
    result = read_inbox(tmp_path, max_bytes=100, now=NOW)
    assert skipped_of(result) == {"big.txt": "file of 200 bytes exceeds the 100 byte limit"}
    assert opened == []


def test_symlinks_inside_the_inbox_are_refused_and_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret memo\n\nNot for the inbox.", encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "real.txt").write_text("Real story\n\nA port was closed.", encoding="utf-8")
    (inbox / "escape.txt").symlink_to(outside / "secret.txt")
    (inbox / "folder-link").symlink_to(outside, target_is_directory=True)
    (inbox / "alias.txt").symlink_to(inbox / "real.txt")  # even inside the inbox
    (inbox / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    result = read_inbox(inbox, max_bytes=MAX, now=NOW)
    assert skipped_of(result) == {
        "alias.txt": "symlink refused",
        "dangling.md": "symlink refused",
        "escape.txt": "symlink refused",
        "folder-link": "symlink refused",
    }
    assert [a.source_ref for a in result.articles] == ["real.txt"]
    assert all("Secret memo" not in a.text for a in result.articles)


def test_a_path_resolving_outside_is_refused_even_if_the_symlink_check_misses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth (think of a Windows junction, which is not a symlink)."""
    (tmp_path / "secret.txt").write_text("Secret memo\n\nNot for the inbox.", encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "escape.txt").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setattr(Path, "is_symlink", lambda self: False)
    result = read_inbox(inbox, max_bytes=MAX, now=NOW)
    assert result.articles == []
    assert skipped_of(result) == {"escape.txt": "path resolves outside the inbox; refused"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_skipped_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    result = read_inbox(tmp_path, max_bytes=MAX, now=NOW)
    assert skipped_of(result) == {"pipe.txt": "not a regular file"}


def test_missing_or_non_directory_inbox_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        read_inbox(tmp_path / "nope", max_bytes=MAX, now=NOW)
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="not a directory"):
        read_inbox(tmp_path / "file.txt", max_bytes=MAX, now=NOW)


def test_aware_now_is_stored_as_naive_utc(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A story about a ship.", encoding="utf-8")
    aware = dt.datetime(2024, 5, 20, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert read_inbox(tmp_path, max_bytes=MAX, now=aware).articles[0].fetched_at == NOW


def test_decode_text_accepts_utf16_with_bom() -> None:
    assert decode_text("Köln story".encode("utf-16"), allow_cp1252=False) == "Köln story"


# --- URL lists ---------------------------------------------------------------------------------


def test_read_url_list(tmp_path: Path) -> None:
    listing = tmp_path / "watch.txt"
    listing.write_text(
        "# stories to watch\n"
        "\n"
        "https://news.example/a\n"
        "   http://news.example/b?id=2   \n"
        "ftp://files.example/c\n"
        "javascript:alert(1)\n"
        "news.example/no-scheme\n"
        "https://bob:hunter2@news.example/d?token=abc123\n"
        "mailto:desk@news.example\n",
        encoding="utf-8",
    )
    urls, skipped = read_url_list(listing)
    assert urls == [
        "https://news.example/a",
        "http://news.example/b?id=2",
        "https://bob:hunter2@news.example/d?token=abc123",
    ]
    assert [s.ref for s in skipped] == ["watch.txt:5", "watch.txt:6", "watch.txt:7", "watch.txt:9"]
    assert all("not an absolute http(s) URL" in s.reason for s in skipped)
    with pytest.raises(ValueError, match="cannot be read"):
        read_url_list(tmp_path / "missing.txt")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_fetch_url_articles(http_server: ScriptedServer) -> None:
    page = (PAGES / "customs-raid.html").read_bytes()
    ok = http_server.route("/news/customs-raid?utm_source=newsletter", Reply(body=page))
    http_server.route("/news/broken", Reply(status=500))
    http_server.route("/loop", Reply(status=302, headers={"Location": "/loop"}))
    http_server.route(
        "/big", Reply(body=b"<html><body><p>" + b"word " * 5000 + b"</p></body></html>")
    )
    http_server.route("/cookie", Reply(body=(PAGES / "cookie-wall.html").read_bytes()))
    http_server.route("/pdf", Reply(body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"))
    ftp = "ftp://files.example/x?token=s3cr3t"
    http_server.route("/to-ftp", Reply(status=302, headers={"Location": ftp}))
    gone = http_server.url("/gone?id=9&token=s3cr3t")
    closed = f"http://127.0.0.1:{_closed_port()}/x?api_key=s3cr3t"
    urls = [
        ok,
        http_server.url("/news/broken"),
        http_server.url("/loop"),
        http_server.url("/big"),
        http_server.url("/cookie"),
        http_server.url("/pdf"),
        gone,
        closed,
        http_server.url("/to-ftp"),
        "http://[::1/broken-ipv6",
        "http:///no-host",
        http_server.url("/news/customs-raid#comments"),  # same canonical URL: not fetched
    ]
    result = fetch_url_articles(urls, FAST, now=NOW, max_bytes=20_000, source_ref="watch.txt")

    assert len(result.articles) == 1
    article = result.articles[0]
    assert article.origin == "url" and article.source_ref == "watch.txt"
    assert article.url == ok
    assert article.article_id == article_id(http_server.url("/news/customs-raid"), "")
    assert article.title == "Customs raid freight forwarder in Lowmere"
    assert article.published_at == dt.datetime(2024, 5, 8, 6, 45)
    assert article.fetched_at == NOW
    assert "Northgate Logistics LLC" in article.text and "Log in" not in article.text

    skipped = skipped_of(result)
    assert "HTTP 500" in skipped[http_server.url("/news/broken")]
    assert "too many redirects" in skipped[http_server.url("/loop")]
    assert "exceeds the 20000" in skipped[http_server.url("/big")]
    assert "no extractable article text" in skipped[http_server.url("/cookie")]
    assert "not an HTML page" in skipped[http_server.url("/pdf")]
    assert "HTTP 404" in skipped[http_server.url("/gone?id=9&token=REDACTED")]
    closed_ref = closed.replace("s3cr3t", "REDACTED")
    assert "ConnectionError" in skipped[closed_ref]
    assert skipped[http_server.url("/news/customs-raid")] == f"duplicate of {ok}"
    assert "InvalidSchema" in skipped[http_server.url("/to-ftp")]
    assert "Invalid IPv6 URL" in skipped["http://[::1/broken-ipv6"]
    assert "No host supplied" in skipped["http:///no-host"]
    assert len(skipped) == 11
    assert http_server.hits("/news/customs-raid?utm_source=newsletter") == 1
    assert http_server.hits("/news/customs-raid") == 0
    assert http_server.hits("/news/broken") == 2  # one retry
    for skip in result.skipped:
        assert "s3cr3t" not in skip.ref and "s3cr3t" not in skip.reason


def test_fetch_url_articles_with_nothing_to_fetch() -> None:
    result = fetch_url_articles([], FAST, now=NOW)
    assert result.articles == [] and result.skipped == []
