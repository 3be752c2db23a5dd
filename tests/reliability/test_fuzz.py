"""Fuzzing the parsers that read untrusted bytes (hypothesis, a bounded and reproducible number
of examples): feeds, article pages, inbox files and JSON articles, list files. Each may accept
its input or raise its documented error; nothing else may escape."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.articles.feeds import FeedError, html_to_text, parse_feed
from assets.articles.ingest import (
    Reject,
    article_from_object,
    canonical_url,
    extract_html,
    read_inbox,
    redact_url,
)
from assets.common.model import ParseError
from assets.sources import ofac_sdn, un_sc
from tests.conftest import FIXTURES, fixture_bytes
from tests.reliability.harness import Ledger

NOW = dt.datetime(2026, 11, 26, 9, 0)
FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure reproduces, the report is stable
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def mutations(base: bytes) -> st.SearchStrategy[bytes]:
    """`base` with up to 6 random byte edits (flip, delete a run, insert, duplicate a run)."""
    edit = st.tuples(
        st.integers(0, len(base) - 1),
        st.sampled_from(["replace", "delete", "insert", "duplicate"]),
        st.binary(min_size=1, max_size=12),
    )

    def apply(edits: list[tuple[int, str, bytes]]) -> bytes:
        data = bytearray(base)
        for at, kind, chunk in edits:
            at = min(at, max(len(data) - 1, 0))
            if kind == "replace":
                data[at : at + len(chunk)] = chunk
            elif kind == "delete":
                del data[at : at + len(chunk) * 20]
            elif kind == "insert":
                data[at:at] = chunk
            else:
                data[at:at] = data[at : at + len(chunk) * 20]
        return bytes(data)

    return st.lists(edit, min_size=1, max_size=6).map(apply)


def run_fuzz(
    strategy: st.SearchStrategy[object],
    target: Callable[[object], str],
) -> Counter[str]:
    """Run `target` on every example; it returns an outcome label (or raises to fail)."""
    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(strategy)
    def check(example: object) -> None:
        outcomes[target(example)] += 1

    check()
    return outcomes


def summary(outcomes: Counter[str]) -> str:
    parts = ", ".join(f"{n} {label}" for label, n in sorted(outcomes.items()))
    return f"{sum(outcomes.values())} examples: {parts}; no other exception"


FEED = (FIXTURES / "articles" / "feeds" / "rss_teasers.xml").read_bytes()
ATOM = (FIXTURES / "articles" / "feeds" / "atom_full.xml").read_bytes()
text_fields = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


def generated_feed(items: list[tuple[str, str, str]]) -> bytes:
    from xml.sax.saxutils import escape

    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<description>{escape(d)}</description></item>"
        for t, link, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{body}</channel></rss>'.encode()


def test_fuzz_feed_parser(ledger: Ledger) -> None:
    def target(raw: object) -> str:
        assert isinstance(raw, bytes)
        try:
            entries = parse_feed(raw, "http://news.test/feed?token=s3cr3t")
        except FeedError as exc:
            assert "s3cr3t" not in str(exc)
            return "FeedError"
        for entry in entries:
            assert entry.link is None or entry.link.startswith(("http://", "https://"))
        return "parsed"

    strategy = st.one_of(
        mutations(FEED),
        mutations(ATOM),
        st.binary(max_size=300),
        st.lists(st.tuples(text_fields, text_fields, text_fields), max_size=4).map(generated_feed),
    )
    outcomes = run_fuzz(strategy, target)
    assert outcomes["parsed"] and outcomes["FeedError"]
    ledger.record(
        "fuzz-feed-parser",
        "files",
        "parse_feed on mutated RSS/Atom fixtures, random bytes and generated feeds",
        summary(outcomes),
        None,
    )


PAGE = (FIXTURES / "articles" / "pages" / "customs-raid.html").read_bytes()


def test_fuzz_page_extraction(ledger: Ledger) -> None:
    def target(example: object) -> str:
        if isinstance(example, bytes):
            page = extract_html(example, "http://news.test/a")
            return "article" if page is not None else "no article text"
        assert isinstance(example, str)
        html_to_text(example)
        return "feed HTML flattened"

    strategy = st.one_of(
        mutations(PAGE),
        st.text(max_size=200),
        mutations(PAGE).map(lambda b: b.decode("utf-8", "replace")),
    )
    outcomes = run_fuzz(strategy, target)
    ledger.record(
        "fuzz-page-extraction",
        "files",
        "article page extraction and feed HTML flattening on mutated pages and random text",
        summary(outcomes),
        None,
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text_fields,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["text", "title", "url", "published", "x"]), children)
    ),
    max_leaves=8,
)


def test_fuzz_json_articles(ledger: Ledger) -> None:
    def target(example: object) -> str:
        assert isinstance(example, dict)
        try:
            article = article_from_object(example, ref="fuzz.json", now=NOW)
        except Reject:
            return "Reject"
        assert article.text.strip()
        return "article"

    keys = st.sampled_from(["text", "title", "url", "published", "source", "other"])
    strategy = st.dictionaries(keys, json_values | text_fields, max_size=5)
    outcomes = run_fuzz(strategy, target)
    assert outcomes["Reject"] and outcomes["article"]
    ledger.record(
        "fuzz-json-articles",
        "files",
        "article_from_object on generated JSON objects (any types, any fields)",
        summary(outcomes),
        None,
    )


def test_fuzz_inbox_files(tmp_path_factory: pytest.TempPathFactory, ledger: Ledger) -> None:
    suffixes = st.sampled_from([".txt", ".md", ".html", ".json", ".jsonl"])
    contents = st.one_of(
        st.binary(max_size=400),
        text_fields.map(lambda t: t.encode("utf-8")),
        mutations(PAGE),
        mutations(fixture_bytes("articles", "inbox", "briefs", "wire.jsonl")),
    )

    def target(example: object) -> str:
        files = example
        assert isinstance(files, list)
        folder = Path(tmp_path_factory.mktemp("inbox"))
        for index, (suffix, content) in enumerate(files):
            (folder / f"f{index}{suffix}").write_bytes(content)
        result = read_inbox(folder, max_bytes=2_000, now=NOW)
        return f"{'skipped' if result.skipped else 'read'}"

    strategy = st.lists(st.tuples(suffixes, contents), min_size=1, max_size=3)
    outcomes = run_fuzz(strategy, target)
    ledger.record(
        "fuzz-inbox-files",
        "files",
        "read_inbox on folders of 1-3 random .txt/.md/.html/.json/.jsonl files",
        summary(outcomes)
        .replace("skipped", "batches with skipped inputs")
        .replace(" read", " batches read whole"),
        None,
    )


def test_fuzz_urls(ledger: Ledger) -> None:
    def target(example: object) -> str:
        assert isinstance(example, str)
        canonical_url(example)
        redacted = redact_url(example)
        assert "s3cr3t" not in redacted or "token" not in example
        return "handled"

    strategy = st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda host, path, user: f"https://{user}@{host}/{path}?id=1&token=s3cr3t",
            text_fields,
            text_fields,
            st.just("u:s3cr3t"),
        ),
    )
    outcomes = run_fuzz(strategy, target)
    ledger.record(
        "fuzz-urls",
        "files",
        "canonical_url and redact_url on random strings and URLs carrying credentials",
        summary(outcomes) + "; no credential survived redaction",
        None,
    )


@pytest.mark.parametrize(
    ("source", "parse", "name", "base"),
    [
        ("un_sc", un_sc.parse, "consolidated.xml", fixture_bytes("un_sc", "consolidated.xml")),
        ("ofac_sdn", ofac_sdn.parse, "sdn.csv", fixture_bytes("ofac_sdn", "sdn.csv")),
    ],
    ids=["un_sc", "ofac_sdn"],
)
def test_fuzz_list_parsers(
    source: str, parse: Callable[..., object], name: str, base: bytes, ledger: Ledger
) -> None:
    def target(raw: object) -> str:
        assert isinstance(raw, bytes)
        try:
            parse({name: raw})
        except ParseError as exc:
            assert source in str(exc)
            return "ParseError"
        return "parsed"

    outcomes = run_fuzz(mutations(base), target)
    ledger.record(
        f"fuzz-list-{source}",
        "files",
        f"{source} parser on its fixture with up to 6 random byte edits",
        summary(outcomes),
        None,
    )
