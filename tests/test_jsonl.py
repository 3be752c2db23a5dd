"""assets.common.jsonl: objects with their line numbers; bad lines named."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.common.jsonl import json_objects


def test_objects_with_line_numbers_blank_lines_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n\n  \n{"b": "é"}\n', encoding="utf-8")
    assert list(json_objects(path)) == [(1, {"a": 1}), (4, {"b": "é"})]


def test_a_byte_order_mark_is_read_with_utf_8_sig(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"name": "x"}\n')
    assert list(json_objects(path, encoding="utf-8-sig")) == [(1, {"name": "x"})]


@pytest.mark.parametrize(
    ("line", "message"), [("{nope", "line 2: invalid JSON"), ("[1, 2]", "line 2: expected")]
)
def test_a_bad_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"ok": true}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        list(json_objects(path))
    assert str(path) in str(error.value)
