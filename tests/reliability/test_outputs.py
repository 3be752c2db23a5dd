"""Hostile paths on the command line: an `--out` that names a device, a pipe, a folder, a link or
the input itself; an input that is a link to a secret; an empty reviewer name. Each is refused
with a message that names the path and never quotes a file's content, and nothing on disk or
in the warehouse changes."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from assets.articles.ingest import MAX_INBOX_DEPTH, read_inbox
from pipelines import cli
from tests.conftest import MODELS, bundled_warehouse
from tests.reliability.harness import (
    UN,
    Ledger,
    census,
    query,
    records_lost,
    warehouse_with_a_match,
)

SECRET = "root:$6$SECRETHASH:19000:0:99999:7:::"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_warehouse(tmp_path_factory.mktemp("outputs"), [UN])


def _counterparties(folder: Path) -> Path:
    source = folder / "counterparties.csv"
    source.write_text("record_id,name\nc1,Ayman al-Zawahiri\nc2,Jane Placeholder\n")
    return source


def _screen_file(warehouse: Path, *args: str) -> int:
    return cli.main(["--warehouse", str(warehouse), "screen-file", *args])


def test_out_never_replaces_a_device_pipe_folder_link_or_the_input(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _counterparties(tmp_path)
    kept = tmp_path / "kept.txt"
    kept.write_text("an analyst's notes\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(kept)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    folder = tmp_path / "folder"
    folder.mkdir()
    refused = {
        "the input file": str(source),
        "a symbolic link": str(link),
        "a named pipe": str(pipe),
        "a directory": str(folder),
        "a device": os.devnull,
        "an existing file, no --force": str(kept),
    }
    said = {}
    for case, out in refused.items():
        assert _screen_file(warehouse, str(source), "--out", out) == 2, case
        said[case] = capsys.readouterr().err.strip()
        assert out in said[case] and "Traceback" not in said[case]
    # nothing was replaced or written through
    assert source.read_text().startswith("record_id,name\n")
    assert kept.read_text() == "an analyst's notes\n" and link.is_symlink()
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and folder.is_dir() and not any(folder.iterdir())
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)
    assert not list(tmp_path.glob("*.partial"))
    # what is allowed: a new file, an existing one with --force, stdout
    assert _screen_file(warehouse, str(source), "--out", str(kept), "--force") == 0
    assert '"record_id": "c1"' in kept.read_text()
    capsys.readouterr()
    assert _screen_file(warehouse, str(source), "--out", "-") == 0
    streamed = capsys.readouterr()
    assert '"record_id": "c1"' in streamed.out and "-> stdout" in streamed.err
    ledger.record(
        "out-refuses-what-it-must-not-replace",
        "files",
        "`screen-file --out` naming the input, a symlink, a FIFO, a directory, /dev/null, an "
        "existing file without --force",
        "; ".join(f"{case}: {message}" for case, message in said.items())
        + "; each left as it was, --force replaces a regular file atomically, - writes stdout",
        0,
    )


def test_screen_articles_out_never_lands_in_its_input_folder(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    article = docs / "a.txt"
    article.write_text("Ayman al-Zawahiri was named.\n")
    base = ["--warehouse", str(warehouse), "screen-articles", str(docs)]
    code = cli.main([*base, "--out", str(article), "--force"])
    message = capsys.readouterr().err.strip()
    assert code == 2 and "inside the input folder" in message
    assert article.read_text() == "Ayman al-Zawahiri was named.\n"
    ledger.record(
        "out-inside-the-input-folder",
        "files",
        "`screen-articles FOLDER --out FOLDER/a.txt --force` (a document it reads)",
        message,
        0,
    )


def test_an_input_link_is_refused_and_no_message_quotes_a_file(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(SECRET + "\n")
    link = tmp_path / "counterparties.csv"
    link.symlink_to(secret)
    out = tmp_path / "hits.jsonl"
    assert _screen_file(warehouse, str(link), "--out", str(out)) == 2
    refused = capsys.readouterr().err.strip()
    # the same bytes as a regular file: read, and its header is no counterparty header
    copy = tmp_path / "copy.csv"
    copy.write_text(SECRET + "\n")
    assert _screen_file(warehouse, str(copy), "--out", str(out)) == 2
    unreadable = capsys.readouterr().err.strip()
    for message in (refused, unreadable):
        assert "SECRETHASH" not in message and "99999" not in message
    assert "symbolic link" in refused and "no 'name' column" in unreadable
    assert not out.exists()
    ledger.record(
        "input-link-and-quoted-content",
        "security",
        "`screen-file` on a symlink to a file like /etc/shadow, then on a copy of it",
        f"link: {refused}; copy: {unreadable}; no message quotes the file",
        None,
    )


@pytest.mark.parametrize("reviewer", ["", "   "])
def test_an_empty_reviewer_is_refused(
    warehouse: Path,
    tmp_path: Path,
    ledger: Ledger,
    capsys: pytest.CaptureFixture[str],
    reviewer: str,
) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    before = census(copy)
    base = ["--warehouse", str(copy), "review", "m_1", "un_sc:QDi.001", "--decision", "match"]
    assert cli.main([*base, "--reviewer", reviewer]) == 2
    message = capsys.readouterr().err.strip()
    assert "--reviewer is empty" in message
    after = census(copy)
    assert (
        not query(
            copy,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'review_decisions'",
        )[0][0]
        or not query(copy, "SELECT count(*) FROM outputs.review_decisions")[0][0]
    )
    ledger.record(
        f"empty-reviewer-{len(reviewer)}",
        "security",
        f"`sanctions review --reviewer {reviewer!r}`",
        f"{message}; no decision recorded",
        records_lost(before, after),
    )


def test_a_pipe_as_input_is_refused_not_read_forever(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = tmp_path / "articles.jsonl"
    os.mkfifo(pipe)  # nobody writes to it: a read would block forever
    out = str(tmp_path / "hits.jsonl")
    said = []
    for command in ("screen-articles", "screen-file"):
        code = cli.main(["--warehouse", str(warehouse), command, str(pipe), "--out", out])
        said.append(capsys.readouterr().err.strip())
        assert code == 2 and "named pipe" in said[-1]
    ledger.record(
        "input-fifo",
        "files",
        "`screen-articles` and `screen-file` on a FIFO nobody writes to",
        "; ".join(said),
        None,
    )


ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\nsecond line"


def test_terminal_escapes_are_shown_not_obeyed(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = warehouse_with_a_match(warehouse, tmp_path)
    base = ["--warehouse", str(copy)]
    review = ["review", "m_1", "un_sc:QDi.001", "--decision", "unsure", "--note", ESCAPES]
    assert cli.main([*base, *review, "--reviewer", "eve" + ESCAPES]) == 0
    said = capsys.readouterr().out
    assert cli.main([*base, "query", "SELECT reviewer, note FROM outputs.review_decisions"]) == 0
    table = capsys.readouterr().out
    assert cli.main([*base, "query", "SELECT note FROM outputs.review_decisions", "--json"]) == 0
    as_json = capsys.readouterr().out
    for shown in (said, table, as_json):
        assert not any(ch in shown for ch in "\x1b\x07\x9b\u202e"), shown
    assert "\\x1b]0;pwned" in table and "\\n" in table and len(table.splitlines()) == 3
    stored = query(copy, "SELECT reviewer, note FROM outputs.review_decisions")
    assert stored == [("eve" + ESCAPES, ESCAPES)]  # kept as given
    assert json.loads(as_json)["note"] == ESCAPES
    ledger.record(
        "terminal-escapes",
        "security",
        "a note and reviewer name with OSC/CSI escapes, a C1 CSI, a bidi override and a newline; "
        "then `review`, `query` and `query --json`",
        f"shown escaped ({table.splitlines()[-1].strip()[:60]}...), stored as given",
        0,
    )


def test_a_folder_1200_levels_deep_is_walked_without_recursion(
    tmp_path: Path, ledger: Ledger
) -> None:
    root = deep = tmp_path / "inbox"
    root.mkdir()
    for _ in range(1200):  # one level at a time: pathlib's own mkdir(parents=True) recurses
        deep = deep / "d"
        deep.mkdir()
    (deep / "bottom.txt").write_text("Ayman al-Zawahiri was named.\n")
    (root / "top.txt").write_text("Ayman al-Zawahiri was named again.\n")
    try:
        result = read_inbox(root, max_bytes=1_000_000, now=dt.datetime(2026, 12, 6))
    finally:
        # Removed bottom-up here: pytest's own clean-up of old temporary folders recurses
        # and cannot remove a tree this deep.
        (deep / "bottom.txt").unlink()
        while deep != root:
            deep.rmdir()
            deep = deep.parent
    assert [a.source_ref for a in result.articles] == ["top.txt"]
    (skipped,) = result.skipped
    assert skipped.ref == "/".join(["d"] * MAX_INBOX_DEPTH) and "deeper" in skipped.reason
    ledger.record(
        "inbox-1200-levels-deep",
        "files",
        "an article folder nested 1,200 levels deep, one file at the top",
        f"the top file read; the folder {MAX_INBOX_DEPTH} levels down reported: {skipped.reason}",
        None,
    )


def test_one_bad_file_does_not_stop_screen_articles(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Ayman al-Zawahiri was named on Monday.\n")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (docs / "link.txt").symlink_to(docs / "good.txt")
    out = tmp_path / "hits.jsonl"
    base = ["--warehouse", str(warehouse), "--model-dir", str(MODELS)]
    assert cli.main([*base, "screen-articles", str(docs), "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "binary.txt" in said.err and "link.txt" in said.err and "2 files skipped" in said.out
    hits = [json.loads(line) for line in out.read_text().splitlines()]
    assert hits and {hit["doc_id"] for hit in hits} == {"good.txt"}
    ledger.record(
        "screen-articles-bad-file",
        "files",
        "`screen-articles` on a folder with a good article, a binary .txt and a symlink",
        f"{said.out.strip().split(' -> ')[0]}; on stderr: "
        + "; ".join(line for line in said.err.strip().splitlines()),
        None,
    )
