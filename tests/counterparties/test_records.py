"""Reading counterparty files: every format, and every bad row reported, never dropped."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.counterparties.records import read_counterparties, strict_date

TODAY = dt.date(2026, 11, 26)
ROWS = [
    {"record_id": "A1", "name": "Mahan Air", "type": "org", "country": "Iran", "segment": "x"},
    {"record_id": "A2", "name": "Вадим Булавинов", "type": "individual", "country": "RU",
     "birth_date": "20/03/1963", "passport": "12 34", "segment": "y"},
]  # fmt: skip


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    if path.suffix == ".csv":
        lines = [",".join(columns)]
        lines += [",".join(str(r.get(c, "")) for c in columns) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif path.suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    else:
        pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows]), path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_every_format_reads_the_same_records(tmp_path: Path, suffix: str) -> None:
    read = read_counterparties(_write(tmp_path / f"c{suffix}", ROWS), today=TODAY)
    assert read.problems == []
    first, second = read.records
    assert (first.record_id, first.name, first.kind, first.country) == (
        "A1",
        "Mahan Air",
        "org",
        "IR",
    )
    assert (second.kind, second.country, second.birth_date, second.birth_year) == (
        "person", "RU", "1963-03-20", 1963,
    )  # fmt: skip
    assert [(i.kind, i.value) for i in second.identifiers] == [("passport", "12 34")]
    assert dict(first.extra) == {"segment": "x"} and read.extra_columns == ["segment"]


def test_row_numbers_stand_in_for_missing_record_ids(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Name;Country\nAlpha Trading;DE\n\nBeta Foods;FR\n", encoding="utf-8")
    read = read_counterparties(path, today=TODAY)
    assert [(r.row, r.record_id, r.name) for r in read.records] == [
        (1, "1", "Alpha Trading"),
        (2, "2", "Beta Foods"),
    ]


def test_bad_rows_are_reported_with_their_row_and_screened_when_possible(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "record_id,name,type,country,birth_date,birth_year\n"
        "r1,,person,GB,,\n"  # no name: not screened
        "r2,Jane Roe,person,Atlantis,31/02/1980,\n"  # unknown country, impossible day
        "r3,John Roe,alien,FR,,19x5\n"  # unknown type, malformed year
        "r4,!!!,org,FR,,\n"  # nothing to compare
        "r5,Ann Roe,person,FR,1970-05-01,1971\n"  # year and date disagree: the date wins
        "r6,Future Kid,person,FR,2091-01-01,\n"  # a birth in the future
        "r5,Bob Roe,person,FR,,\n"  # a repeated record_id
        "r8,Roe, Carl,person,FR,,\n",  # an unquoted comma: the columns cannot be trusted
        encoding="utf-8",
    )
    read = read_counterparties(path, today=TODAY)
    assert [r.record_id for r in read.records] == ["r2", "r3", "r5", "r6", "r5"]
    problems = {(p.row, p.severity): p.message for p in read.problems}
    assert "no name" in problems[(1, "error")]
    assert "no letters or digits" in problems[(4, "error")]
    messages = " | ".join(p.describe(str(path)) for p in read.problems)
    for expected in (
        "unknown country 'Atlantis'",
        "birth_date '31/02/1980' is not a plausible date",
        "unknown type 'alien'",
        "birth_year '19x5' is not a plausible year",
        "birth_year 1971 disagrees with birth_date 1970-05-01",
        "birth_date '2091-01-01'",
        "record_id 'r5' also on row 5",
        f"{path}: row 2 (record r2): warning:",
        "row 8 (record r8): error: 7 cells where the header has 6 columns: not screened",
    ):
        assert expected in messages
    jane = read.records[0]
    assert (jane.country, jane.birth_date, jane.birth_year) == (None, None, None)
    assert read.records[2].birth_year == 1970


def test_injection_strings_are_only_names(tmp_path: Path) -> None:
    names = [
        '=HYPERLINK("http://x")',
        "Robert'); DROP TABLE sources.entities;--",
        "<script>x</script>",
    ]
    read = read_counterparties(
        _write(tmp_path / "i.jsonl", [{"name": n} for n in names]), today=TODAY
    )
    assert [r.name for r in read.records] == names and read.problems == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,country\n1,FR\n", "no 'name' column"),
        ("", "empty file"),
        ("name,Name\nx,y\n", "column 'name' appears twice"),
        ('name\n"unclosed\n', "unreadable CSV"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        read_counterparties(path, today=TODAY)
    assert str(path) in str(info.value)


def test_other_unreadable_inputs(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text('{"name": "a"}\n[1, 2]\n')
    with pytest.raises(ValueError, match="line 2: expected a JSON object"):
        read_counterparties(tmp_path / "x.jsonl")
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="not a readable Parquet file"):
        read_counterparties(tmp_path / "x.parquet")
    (tmp_path / "x.xlsx").write_bytes(b"")
    with pytest.raises(ValueError, match=r"use \.csv, \.jsonl or \.parquet"):
        read_counterparties(tmp_path / "x.xlsx")
    (tmp_path / "latin1.csv").write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8"):
        read_counterparties(tmp_path / "latin1.csv")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("14/05/1962", "1962-05-14"),
        ("1962-05-14", "1962-05-14"),
        ("14 May 1962", "1962-05-14"),
        ("May 1962", "1962-05"),
        ("1962", "1962"),
        ("00/00/1962", "1962"),
        ("31/02/1980", None),
        ("1962-13-01", None),
        ("yesterday", None),
    ],
)
def test_strict_dates(text: str, iso: str | None) -> None:
    assert strict_date(text) == iso
