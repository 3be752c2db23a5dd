"""Files written whole or not at all: a reader (a sensor, the UI, another process) sees the old
file or the new one, never half of one, and a failed write leaves no debris."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` (``<name>.partial``, same folder, so the move is atomic)
    for the block to write; moved onto `path` when the block ends, removed when it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    """`path` holds `text` (UTF-8), written through `atomic_path`."""
    with atomic_path(path) as partial:
        partial.write_text(text, encoding="utf-8")
