"""The list snapshots shipped in `data/snapshots/`: the offline default and the last resort.

Layout: ``data/snapshots/<source>/<YYYY-MM-DD>/<file>[.gz]`` plus a ``manifest.json`` giving
the publication date, the entity count and whether the file is a real but partial excerpt.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from assets.common.model import RawFiles

BUNDLED_ROOT = Path(__file__).resolve().parents[2] / "data" / "snapshots"


@dataclass(frozen=True)
class BundledSnapshot:
    source: str
    directory: Path
    published_on: dt.date
    entity_count: int
    excerpt: bool
    origin_url: str

    def read_files(self) -> dict[str, bytes]:
        """The publication's files by lower-case name, gzip members decompressed."""
        return read_directory(self.directory)


def read_directory(directory: Path) -> dict[str, bytes]:
    """Every list file in `directory` (not the manifest), keyed by lower-case name without .gz."""
    files: dict[str, bytes] = {}
    for path in sorted(directory.iterdir()):
        if path.name in {"manifest.json", "fetch.json"} or not path.is_file():
            continue
        data = path.read_bytes()
        name = path.name.lower()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
            name = name[: -len(".gz")]
        files[name] = data
    return files


def newest_bundled(source: str, root: Path = BUNDLED_ROOT) -> BundledSnapshot | None:
    """The newest bundled publication of `source`, or None when the project ships none."""
    folder = root / source
    if not folder.is_dir():
        return None
    dated = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "manifest.json").exists())
    if not dated:
        return None
    directory = dated[-1]
    manifest = json.loads((directory / "manifest.json").read_text())
    return BundledSnapshot(
        source=source,
        directory=directory,
        published_on=dt.date.fromisoformat(manifest["published"]),
        entity_count=int(manifest["entities"]),
        excerpt=bool(manifest["excerpt"]),
        origin_url=str(manifest["origin_url"]),
    )


def bundled_files(source: str) -> RawFiles:
    """Files of the newest bundled publication; raises when the project ships none."""
    snapshot = newest_bundled(source)
    if snapshot is None:
        raise FileNotFoundError(f"{source}: no bundled snapshot under {BUNDLED_ROOT / source}")
    return snapshot.read_files()
