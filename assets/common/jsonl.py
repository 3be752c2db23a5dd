"""JSON lines files: reading one JSON object per non-blank line, and writing strict JSON."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from assets.common.text import TERMINAL_CONTROLS, is_utf8


def json_objects(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line number, object) for every non-blank line of `path`; a line that is not
    text in `encoding`, valid JSON, or a JSON object raises ValueError naming the file and the
    line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"{path}: line {number}: not {encoding} text ({exc.reason} at byte "
                    f"{exc.start} of the line)"
                ) from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {number}: invalid JSON ({exc.msg})") from exc
            except (ValueError, RecursionError) as exc:  # a number too long, nesting too deep
                raise ValueError(f"{path}: line {number}: unreadable JSON ({exc})") from None
            if "\\u" in line and not _text(obj):
                raise ValueError(
                    f"{path}: line {number}: a \\u escape of half a surrogate pair, which is "
                    "no character"
                )
            if not isinstance(obj, dict):
                raise ValueError(f"{path}: line {number}: expected a JSON object")
            yield number, obj


def _text(obj: Any) -> bool:
    """Whether every string in `obj` is text UTF-8 can hold: JSON's \\u escapes can spell half
    a surrogate pair (\\ud800), which Python reads as a lone surrogate that no file, database
    or terminal takes."""
    stack = [obj]
    while stack:  # no recursion: json.loads reads nesting as deep as the stack allows
        item = stack.pop()
        if isinstance(item, str):
            if not is_utf8(item):
                return False
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return True


def json_safe(value: Any) -> Any:
    """`value` as strict JSON can hold it: a NaN or an infinity becomes null (strict parsers
    reject ``NaN``), a decimal a number, bytes their base64 text, containers element by
    element; anything else that is no JSON type its ``str``."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    return str(value)


def json_line(obj: Any) -> str:
    """`obj` as one line of strict JSON (`json_safe`), without the trailing newline."""
    text = json.dumps(json_safe(obj), ensure_ascii=False, allow_nan=False)
    # JSON escapes C0 controls itself; DEL, C1 controls and bidirectional overrides are escaped
    # too, so that the line is safe on a terminal (still the same JSON value).
    return TERMINAL_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
