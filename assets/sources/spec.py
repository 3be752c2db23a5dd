"""The declarative description every list module gives of itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from assets.common.model import ParsedList, RawFiles

FileKind = Literal["csv", "xml", "xlsx", "txt"]


@dataclass(frozen=True)
class ListFile:
    """One file of a live publication. `name` is the lower-case key the parser looks up."""

    name: str
    url: str
    kind: FileKind
    required: bool = True


@dataclass(frozen=True)
class ListSpec:
    """Publisher facts, where to download, what a sane publication looks like, how to parse."""

    source_id: str
    title: str
    publisher: str
    homepage: str
    licence: str
    formats: str  # the official formats `parse` accepts, in words
    live_files: tuple[ListFile, ...]
    # Bounds for a complete publication. Bundled excerpts are checked against the count their
    # manifest declares instead (see assets.sources.snapshots).
    min_entities: int
    max_entities: int
    parse: Callable[[RawFiles], ParsedList]
    # A new publication may not shrink by more than this fraction of the last accepted one.
    max_drop_fraction: float = 0.2
    # A list the publisher has retired still loads from its last snapshot, with a warning.
    retired_note: str = ""
