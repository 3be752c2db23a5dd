"""Long articles (#17, item 7): an article longer than the chunk size goes through spaCy in
chunks of bounded length, cut at paragraph, line, sentence or word boundaries, and joined back
into one doc of the whole text, so that memory is bounded whatever the article's size while
the mentions stay the article's: offsets, list matches across a join, coreference and context
read the whole text. Real spaCy pipeline and list matcher throughout; the only thing watched
is spaCy's own ``Language.pipe`` (what it is given) and the memory of a child process."""

from __future__ import annotations

import dataclasses
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from assets.articles.context import SpanIndex, first_disjoint, trie_pattern
from assets.articles.listmatch import ListNameMatcher
from assets.articles.model import Mention
from assets.articles.nlp import (
    BATCH_CHARS,
    CHUNK_CHARS,
    chunk_bounds,
    extract_mentions,
    load_pipeline,
)
from benchmarks.extraction import long_article
from tests.conftest import text_article
from tests.reliability.harness import Ledger

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_pipeline()


@pytest.fixture(scope="module")
def matcher(nlp: Language) -> ListNameMatcher:
    return ListNameMatcher.from_pairs(
        nlp,
        [
            ("MAHAN AIR", "Organization"),
            ("PROMSVYAZBANK", "Organization"),
            ("Arkady Rotenberg", "Person"),
            ("Oleg Deripaska", "Person"),
        ],
    )


def _pieces(text: str, limit: int) -> list[str]:
    return [text[start:end] for start, end in chunk_bounds(text, limit)]


# (text, limit, the chunks expected)
CUTS: list[tuple[str, int, list[str]]] = [
    ("", 10, [""]),
    ("short text", 10, ["short text"]),
    # a blank line beats a later line break and sentence end; whitespace stays before the cut
    ("One para.\n\nTwo here.\nand on. End", 24, ["One para.\n\n", "Two here.\nand on. End"]),
    # a line break beats a later sentence end
    ("Line one\nLine two ends. More words", 22, ["Line one\n", "Line two ends. ", "More words"]),
    # a sentence end after a lower-case word; not after "Mr." in a name
    ("He left. Then Mr. Smith spoke", 21, ["He left. ", "Then Mr. Smith spoke"]),
    # no sentence end: a space before a word without a capital, not inside "Antony Blinken"
    ("met Antony Blinken in Beijing", 20, ["met Antony Blinken ", "in Beijing"]),
    # only capitalised words: the last space
    ("ALPHA BRAVO CHARLIE DELTA", 14, ["ALPHA BRAVO ", "CHARLIE DELTA"]),
    # a whitespace run crossing the limit is not cut inside
    ("aaaa bbbb\n\n\n\ncccc", 11, ["aaaa ", "bbbb\n\n\n\n", "cccc"]),
    # no whitespace at all: cut at the limit
    ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
]


def test_long_texts_are_cut_at_the_best_boundary_never_inside_a_word(ledger: Ledger) -> None:
    for text, limit, expected in CUTS:
        assert _pieces(text, limit) == expected, (text, limit)
    # on real prose: whole text back, every chunk within the bound, every cut after whitespace
    text = long_article(60_000).replace("\n\n", " ")  # one paragraph: sentence cuts
    for limit in (500, 2_000, CHUNK_CHARS):
        pieces = _pieces(text, limit)
        assert "".join(pieces) == text
        assert all(0 < len(piece) <= limit for piece in pieces)
        assert all(piece[-1].isspace() for piece in pieces[:-1])
        if limit >= 2_000:  # sentences of this text are shorter: each cut ends one
            assert all(piece.rstrip()[-1] in ".!?\"'”’)]" for piece in pieces[:-1])
    with pytest.raises(ValueError, match="positive"):
        chunk_bounds("text", 0)
    ledger.record(
        "long-article-cuts",
        "files",
        f"{len(CUTS)} literal texts and a 60 kB paragraph cut at 500, 2,000 and "
        f"{CHUNK_CHARS:,} characters",
        "every chunk within its bound and the text rebuilt exactly; cuts after a blank line, "
        "else a line break, else a sentence end, else a space before a lower-case word, never "
        "inside a word (only a run without whitespace is cut at the bound)",
        None,
    )


class _PipeWatch:
    """spaCy's ``Language.pipe`` of one pipeline, unchanged, noting the texts it is given and
    the batch size it is asked for."""

    def __init__(self, nlp: Language) -> None:
        self._pipe = nlp.pipe
        self.lengths: list[int] = []
        self.texts: list[str] = []
        self.batch_sizes: list[int] = []

    def __call__(self, texts: Iterable[str], **kwargs: Any) -> Iterator[Doc]:
        self.batch_sizes.append(int(kwargs.get("batch_size", 0)))

        def noted() -> Iterator[str]:
            for text in texts:
                self.lengths.append(len(text))
                self.texts.append(text)
                yield text

        return iter(self._pipe(noted(), **kwargs))


def test_a_long_article_goes_through_spacy_in_bounded_chunks(
    nlp: Language, matcher: ListNameMatcher, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = long_article(250_000)
    watch = _PipeWatch(nlp)
    monkeypatch.setattr(nlp, "pipe", watch)
    mentions = extract_mentions(nlp, [text_article(text, "a_long")], matcher)
    monkeypatch.undo()
    assert max(watch.lengths) <= CHUNK_CHARS
    assert len(watch.lengths) >= len(text) / CHUNK_CHARS
    assert "".join(watch.texts) == text
    assert watch.batch_sizes == [BATCH_CHARS // CHUNK_CHARS]
    # the mentions are the whole article's: offsets into it, to its very end
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert len({m.mention_id for m in mentions}) == len(mentions)
    last_paragraph = text.rindex("\n\n")
    assert any(m.start > last_paragraph for m in mentions)
    # coreference across chunks: the short forms of the last chunk refer to full names that
    # only an earlier chunk holds
    by_id = {m.mention_id: m for m in mentions}
    last_chunk = len(text) - watch.lengths[-1]
    far = [
        m
        for m in mentions
        if m.start >= last_chunk and by_id[m.canonical_id].end <= last_chunk - CHUNK_CHARS
    ]
    assert far, "no mention of the last chunk refers to one two chunks before"
    listed = [m for m in mentions if m.detector == "list"]
    assert {"arkady rotenberg", "promsvyazbank"} <= {m.text.lower() for m in listed}
    ledger.record(
        "long-article-chunks",
        "files",
        f"one article of {len(text.encode()) / 1000:.0f} kB (the sample articles repeated, names "
        "varied)",
        f"spaCy given {len(watch.lengths)} chunks of at most {max(watch.lengths):,} characters "
        f"(bound {CHUNK_CHARS:,}), {len(mentions):,} mentions with offsets into the whole "
        f"text, coreference across chunks ({far[0].text!r} -> {by_id[far[0].canonical_id].text!r})",
        None,
    )


def _identity(mention: Mention) -> dict[str, Any]:
    """What a mention is, apart from what its sentence gives it."""
    fields = dataclasses.asdict(mention)
    for name in (
        "sentence",
        "sentence_countries",
        "attributed_countries",
        "role",
        "birth_year_min",
        "birth_year_max",
        "identifiers",
    ):
        fields.pop(name)
    return fields


def test_chunked_mentions_are_those_of_the_whole_article(
    nlp: Language, matcher: ListNameMatcher, ledger: Ledger
) -> None:
    text = long_article(25_000)
    article = text_article(text, "a_long")
    whole = extract_mentions(nlp, [article], matcher, chunk_chars=len(text))  # as before chunks
    limit = 2_000
    chunked = extract_mentions(nlp, [article], matcher, chunk_chars=limit)
    assert [_identity(m) for m in chunked] == [_identity(m) for m in whole]
    # a join only ever adds a sentence break: a mention is the same in every field unless
    # its sentence, or that of a mention coreferent with it, crosses a join (the sentence
    # recogniser had run two paragraphs together there)
    joins = [end for _, end in chunk_bounds(text, limit)][:-1]

    def crosses(mention: Mention) -> bool:
        start = text.index(mention.sentence, max(0, mention.start - len(mention.sentence)))
        return any(start < join < start + len(mention.sentence) for join in joins)

    clusters_crossing = {m.canonical_id for m in whole if crosses(m)}
    same = 0
    for before, after in zip(whole, chunked, strict=True):
        if before.canonical_id not in clusters_crossing:
            assert after == before
            same += 1
        else:
            assert after.sentence in before.sentence
    assert same >= len(whole) // 2  # not a vacuous check
    # an article no longer than the chunk size is read exactly as before: one doc of its text
    short = text_article(text[: text.index("\n\n", 5_000)], "a_short")
    assert extract_mentions(nlp, [short], matcher) == extract_mentions(
        nlp, [short], matcher, chunk_chars=len(text)
    )
    # a list name cut in two by a join (a run of capitalised words, no better cut) is found
    capitals = "SANCTIONS ON MAHAN AIR WERE EXTENDED"
    assert _pieces(capitals, 20)[:2] == ["SANCTIONS ON MAHAN ", "AIR WERE EXTENDED"]
    across = extract_mentions(nlp, [text_article(capitals, "a_caps")], matcher, chunk_chars=20)
    assert ("MAHAN AIR", "list") in {(m.text, m.detector) for m in across}
    ledger.record(
        "long-article-same-mentions",
        "files",
        f"a {len(text) / 1000:.0f} kB article read whole and in chunks of {limit:,} characters; "
        "a list name cut in two by a join",
        f"the same {len(whole)} mentions (ids, offsets, labels, coreference), {same} identical "
        "in every field, the others differing only in a sentence now ended at a paragraph join; "
        "the list name found across the join",
        None,
    )


# A child process extracting the mentions of one long article, printing its RSS before the
# extraction and its high-water mark after (VmHWM: this process's own, from its exec).
_CHILD = """
import datetime as dt, json, sys
from benchmarks.extraction import long_article
from assets.articles.model import Article
from assets.articles.nlp import extract_mentions, load_pipeline

def status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'):
            return int(line.split()[1]) / 1024

nlp = load_pipeline()
nlp('Warm up on a sentence about Antony Blinken in Beijing.')
text = long_article(int(sys.argv[1]))
loaded = status('VmRSS')
article = Article(
    article_id='a_long', text=text, title=None, url=None, published_at=None, origin='inbox',
    source_ref='test', fetched_at=dt.datetime(2024, 5, 1, 12, 0),
)
mentions = extract_mentions(nlp, [article], None)
print(json.dumps({'loaded': loaded, 'peak': status('VmHWM'), 'mentions': len(mentions)}))
"""


def test_memory_for_a_long_article_is_bounded(ledger: Ledger) -> None:
    size = 300_000
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    growth = got["peak"] - got["loaded"]
    # read whole, spaCy alone took about 3 MB per 1,000 characters (900 MB here)
    assert growth < 300, got
    ledger.record(
        "long-article-memory",
        "files",
        f"one article of {size / 1000:.0f} kB extracted in a child process (NER and context)",
        f"{got['mentions']:,} mentions; memory grew by {growth:.0f} MB over the loaded "
        f"pipeline ({got['loaded']:.0f} MB), bound 300 MB (read whole: about 900 MB)",
        None,
    )


def test_linear_helpers_agree_with_the_scans_they_replace(ledger: Ledger) -> None:
    """What a long article made quadratic (every mention against every other) is now an index;
    each index gives what the scan gave, on random spans and words (seeded)."""
    rng = random.Random(17)
    trials = 300
    for _ in range(trials):
        spans = [(s, s + rng.randint(0, 6)) for s in (rng.randint(0, 40) for _ in range(8))]
        index = SpanIndex(spans)
        for start in range(0, 45):
            end = start + rng.randint(1, 5)
            assert index.overlaps(start, end) == any(s < end and start < e for s, e in spans)
            assert index.contains(start, end) == any(s <= start and end <= e for s, e in spans)
        kept: list[tuple[int, int]] = []
        for s, e in spans:
            if s < e and all(e <= ks or ke <= s for ks, ke in kept):
                kept.append((s, e))
        assert [spans[i] for i in first_disjoint(spans)] == kept
        words = {"".join(rng.choice("abAB-&") for _ in range(rng.randint(1, 5))) for _ in range(9)}
        text = "".join(rng.choice("abAB-& '’s") for _ in range(200))
        alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        scan = re.compile(rf"(?<![\w-])({alternation})(?![\w-]|['’][a-rt-z])")
        trie = re.compile(rf"(?<![\w-])({trie_pattern(words)})(?![\w-]|['’][a-rt-z])")
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in scan.finditer(text)]
    ledger.record(
        "long-article-linear-helpers",
        "files",
        f"{trials} random sets of spans and of words (seeded)",
        "the span index, the longest-first overlap filter and the trie pattern for short forms "
        "give exactly what the scans over every span or word gave",
        None,
    )
