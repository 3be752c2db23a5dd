"""Where a command writes its results and what it reads: paths checked before anything is read
or written, so that an output never replaces a device, a pipe, a directory, a link or the
command's own input, and an input is a regular file, not a link to somewhere else.

`STDOUT` ("-") writes to standard output. An existing regular file is replaced only when the
caller says so (`--force`), and then atomically: the results go to a ``.partial`` file beside
it, renamed over it at the end, so a reader never sees half a file and a failed run leaves the
old file as it was.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

STDOUT = "-"


class UnsafePath(ValueError):
    """A path a command refuses, with the reason (the message names the path, never content)."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def checked_input(path: Path) -> Path:
    """`path` if it is a regular file or a directory, not a symbolic link: a link may lead out of
    the folder a user meant to share, and a device or pipe can block a read forever."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        raise UnsafePath(f"{path}: no such file") from None
    if stat.S_ISLNK(mode):
        raise UnsafePath(f"{path}: input is a symbolic link; give the file it points to")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise UnsafePath(f"{path}: input is {_kind(mode)}, not a regular file")
    return path


def checked_output(out: str, inputs: Sequence[Path], *, force: bool) -> Path | None:
    """The file `out` names, checked for writing; None for standard output (`STDOUT`).

    Refused: a directory, a device, a pipe or socket, a symbolic link, one of `inputs` or a
    file inside an input folder (a document the command reads), and an existing regular file
    unless `force`."""
    if out == STDOUT:
        return None
    path = Path(out)
    for source in inputs:
        if source.is_dir() and path.resolve().is_relative_to(source.resolve()):
            raise UnsafePath(f"--out {path} is inside the input folder {source}")
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return path
    except NotADirectoryError:
        raise UnsafePath(f"--out {path}: a folder on its path is a file") from None
    if stat.S_ISLNK(mode):
        raise UnsafePath(f"--out {path} is a symbolic link; give a plain file path")
    if not stat.S_ISREG(mode):
        raise UnsafePath(f"--out {path} is {_kind(mode)}; give a file path, or - for stdout")
    for source in inputs:
        if source.exists() and source.samefile(path):
            raise UnsafePath(f"--out {path} is the input file; give another path")
    if not force:
        raise UnsafePath(f"--out {path} exists; give --force to replace it")
    return path


@contextmanager
def output_handle(path: Path | None, *, newline: str | None = None) -> Iterator[TextIO]:
    """A text handle on `path` (from `checked_output`), replaced atomically when the block ends
    without an error; standard output when `path` is None."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.unlink(missing_ok=True)  # a stale one, or a link planted there: never written through
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        # A lone surrogate (from a file name's undecodable bytes, or a JSON escape) is written
        # as its escape rather than failing the whole output.
        with os.fdopen(
            descriptor, "w", encoding="utf-8", errors="backslashreplace", newline=newline
        ) as handle:
            yield handle
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
