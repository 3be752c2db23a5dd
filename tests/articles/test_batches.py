"""Ingestion batches: planning from an inbox, manifests, and storing a batch idempotently."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from assets.articles.batches import (
    changed_files,
    ingest_batch,
    make_batch,
    read_manifest,
    scan_inbox,
    write_manifest,
)
from assets.articles.store import known_inbox_files, store_articles
from assets.common.tables import ARTICLE_TABLES, ensure_tables
from assets.sources.fetch import HttpSettings
from tests.conftest import FIXTURES

NOW = dt.datetime(2026, 11, 26, 12, 0, 0)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    shutil.copytree(FIXTURES / "articles" / "inbox", folder)
    return folder


def test_only_new_or_changed_files_make_a_batch(inbox: Path) -> None:
    first = scan_inbox(inbox)
    assert first and all(len(f.sha256) == 64 for f in first)
    known = {f.absolute: f.sha256 for f in first}
    assert changed_files(scan_inbox(inbox), known) == []
    (inbox / "new.txt").write_text("Fresh report\n\nA new story about a harbour.\n")
    (inbox / "field-notes.txt").write_text("Changed content of an existing file.\n")
    changed = {f.path for f in changed_files(scan_inbox(inbox), known)}
    assert changed == {"new.txt", "field-notes.txt"}


def test_symlinks_are_listed_not_followed(inbox: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not for the inbox")
    (inbox / "link.txt").symlink_to(outside)
    files = {f.path: f for f in scan_inbox(inbox)}
    assert files["link.txt"].sha256.startswith("symlink:")
    manifest = make_batch("inbox", NOW, files=[files["link.txt"]])
    result = ingest_batch(manifest, HttpSettings(), max_bytes=1_000_000, now=NOW)
    assert result.articles == []
    assert [(s.ref, s.reason) for s in result.skipped] == [("link.txt", "symlink refused")]


def test_manifest_round_trip_and_ids(inbox: Path, tmp_path: Path) -> None:
    manifest = make_batch("inbox", NOW, files=scan_inbox(inbox))
    assert manifest.batch_id.startswith("inbox-20261126T120000-")
    path = write_manifest(manifest, tmp_path / "batches")
    assert path.name == f"{manifest.batch_id}.json"
    assert read_manifest(manifest.batch_id, tmp_path / "batches") == manifest
    with pytest.raises(FileNotFoundError, match="no manifest"):
        read_manifest("inbox-missing", tmp_path / "batches")


def test_storing_a_batch_twice_changes_nothing(inbox: Path, tmp_path: Path) -> None:
    manifest = make_batch("inbox", NOW, files=scan_inbox(inbox))
    result = ingest_batch(manifest, HttpSettings(), max_bytes=1_000_000, now=NOW)
    assert result.articles
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_tables(con, ARTICLE_TABLES)
    first = store_articles(con, manifest, result)
    assert first.new_articles == len({a.article_id for a in result.articles})
    snapshot = con.execute("SELECT * FROM articles.articles ORDER BY article_id").fetchall()
    again = store_articles(con, manifest, result)
    assert again.new_articles == 0 and again.already_stored == first.new_articles
    assert con.execute("SELECT * FROM articles.articles ORDER BY article_id").fetchall() == snapshot

    # The same articles in a later batch are not stored again.
    later = make_batch("inbox", NOW + dt.timedelta(hours=1), files=scan_inbox(inbox))
    third = store_articles(con, later, result)
    assert third.new_articles == 0 and third.already_stored == first.new_articles
    assert known_inbox_files(con) == {f.absolute: f.sha256 for f in scan_inbox(inbox)}
    con.close()
