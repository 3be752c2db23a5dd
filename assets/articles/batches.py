"""Ingestion batches: the unit of incremental article processing.

Every time new material arrives (new or changed inbox files, a feed poll, a URL list) it becomes
one batch, which is one partition of Dagster's dynamic partitions `article_batches`. The
articles, mentions and matches assets are partitioned by batch, so a new article is processed
once, in its own batch, and the archive is never reprocessed.

A batch is described by a small JSON manifest written before its run starts (by the inbox
sensor, the feed schedule or `sanctions run`); the assets read it. Manifests live on disk, not
in the warehouse, because sensors must never take the warehouse's write lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from assets.articles.feeds import fetch_feed_articles
from assets.articles.ingest import fetch_url_articles, read_inbox
from assets.articles.model import IngestResult, SkippedInput
from assets.common.atomic import write_text_atomically
from assets.sources.fetch import FetchError, HttpSettings

BatchKind = Literal["inbox", "feeds", "urls"]
INBOX_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl"})


@dataclass(frozen=True)
class InboxFile:
    root: str  # the inbox folder (absolute)
    path: str  # path relative to the root
    sha256: str

    @property
    def absolute(self) -> str:
        return str(Path(self.root) / self.path)


@dataclass(frozen=True)
class BatchManifest:
    batch_id: str
    kind: BatchKind
    created_at: str  # ISO UTC
    files: list[InboxFile] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> BatchManifest:
        data = json.loads(text)
        return BatchManifest(
            batch_id=data["batch_id"],
            kind=data["kind"],
            created_at=data["created_at"],
            files=[InboxFile(**f) for f in data.get("files", [])],
            feeds=list(data.get("feeds", [])),
            urls=list(data.get("urls", [])),
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_inbox(root: Path) -> list[InboxFile]:
    """Article files under `root` (recursively), with their content digests. A symlink is
    listed (digest of its target path) but never followed: the ingester refuses and reports
    it, once, in the batch that first sees it."""
    if not root.is_dir():
        return []
    found = []
    base = root.resolve()
    for folder, dirs, names in os.walk(base, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names) + [d for d in dirs if (Path(folder) / d).is_symlink()]:
            path = Path(folder) / name
            relative = path.relative_to(base)
            if name.startswith("."):
                continue
            if path.is_symlink():
                target = hashlib.sha256(str(path.readlink()).encode()).hexdigest()
                found.append(InboxFile(str(base), str(relative), f"symlink:{target}"))
            elif path.is_file() and path.suffix.lower() in INBOX_SUFFIXES:
                found.append(InboxFile(str(base), str(relative), file_sha256(path)))
    return found


def changed_files(current: Iterable[InboxFile], known: Mapping[str, str]) -> list[InboxFile]:
    """Files that are new, or whose content changed, compared with `known` (absolute path ->
    sha256, e.g. a sensor cursor or `articles.inbox_files`)."""
    return [f for f in current if known.get(f.absolute) != f.sha256]


def make_batch(
    kind: BatchKind,
    now: dt.datetime,
    *,
    files: Iterable[InboxFile] = (),
    feeds: Iterable[str] = (),
    urls: Iterable[str] = (),
) -> BatchManifest:
    """A manifest whose id is readable and unique: ``inbox-20261126T1623-1a2b3c4d``."""
    files, feeds, urls = list(files), list(feeds), list(urls)
    content = json.dumps(
        [[asdict(f) for f in files], feeds, urls, now.isoformat()], sort_keys=True
    ).encode()
    digest = hashlib.sha256(content).hexdigest()[:8]
    return BatchManifest(
        batch_id=f"{kind}-{now:%Y%m%dT%H%M%S}-{digest}",
        kind=kind,
        created_at=now.isoformat(),
        files=files,
        feeds=feeds,
        urls=urls,
    )


def write_manifest(manifest: BatchManifest, folder: Path) -> Path:
    """Write atomically (a reader never sees half a manifest)."""
    target = folder / f"{manifest.batch_id}.json"
    write_text_atomically(target, manifest.to_json())
    return target


def read_manifest(batch_id: str, folder: Path) -> BatchManifest:
    path = folder / f"{batch_id}.json"
    if not path.exists():
        raise FileNotFoundError(f"batch {batch_id}: no manifest at {path}")
    return BatchManifest.from_json(path.read_text())


def ingest_batch(
    manifest: BatchManifest,
    http: HttpSettings,
    *,
    max_bytes: int,
    now: dt.datetime,
    private_links: bool = False,
) -> IngestResult:
    """Read or download what the batch names. One failing feed or page is a skipped input;
    the rest of the batch is still ingested. Links found inside feeds may point at private
    addresses only with `private_links` (see `fetch_feed_articles`)."""
    result = IngestResult()
    if manifest.kind == "inbox":
        by_root: dict[str, list[str]] = {}
        for file in manifest.files:
            by_root.setdefault(file.root, []).append(file.path)
        for root, paths in sorted(by_root.items()):
            if not Path(root).is_dir():
                result.skipped.append(SkippedInput(root, "inbox folder no longer exists"))
                continue
            part = read_inbox(Path(root), max_bytes=max_bytes, now=now, only=paths)
            result.articles.extend(part.articles)
            result.skipped.extend(part.skipped)
    elif manifest.kind == "feeds":
        for feed in manifest.feeds:
            try:
                part = fetch_feed_articles(
                    feed, http, now=now, max_bytes=max_bytes, private_links=private_links
                )
            except FetchError as exc:
                result.skipped.append(SkippedInput(exc.url or feed, str(exc)))
                continue
            result.articles.extend(part.articles)
            result.skipped.extend(part.skipped)
    else:
        part = fetch_url_articles(manifest.urls, http, now=now, max_bytes=max_bytes)
        result.articles.extend(part.articles)
        result.skipped.extend(part.skipped)
    return result
