"""Counterparty files: customer, supplier or payment-counterparty records to screen against the
lists. One record per row of a CSV, JSON-lines or Parquet file.

Columns (matched case-insensitively): `name` (required), and optionally `record_id`, `type`
(person / org / vessel / any), `country` (ISO 3166 alpha-2 or alpha-3, or a country name),
`birth_date` or `birth_year`, and identifiers (`imo`, `passport`, `national_id`, `tax_id`,
`registration`, `swift_bic`). Any other column is kept, in file order, and passed through.

A file that cannot be read, or has no `name` column, is an error naming the file. A row is never
dropped silently: a row without a name cannot be screened and is reported as an error; a value
that cannot be used (a malformed date, an unknown country or type) is reported and the row is
screened without it, because not screening a counterparty at all is the worse failure.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assets.articles.model import MentionIdentifier
from assets.common.jsonl import json_objects
from assets.common.text import clean, country_code, partial_date
from assets.linkage.names import normalise
from assets.linkage.records import COMPARABLE_IDENTIFIERS

RecordType = Literal["person", "org", "vessel", "any"]
Severity = Literal["error", "warning"]

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
KNOWN_COLUMNS = (
    "record_id",
    "name",
    "type",
    "country",
    "birth_date",
    "birth_year",
    *COMPARABLE_IDENTIFIERS,
)
# What compliance exports call the types, beyond the four canonical words.
TYPE_SYNONYMS: dict[str, RecordType] = {
    "person": "person",
    "individual": "person",
    "natural person": "person",
    "org": "org",
    "organization": "org",
    "organisation": "org",
    "company": "org",
    "entity": "org",
    "legal entity": "org",
    "vessel": "vessel",
    "ship": "vessel",
    "any": "any",
}
MAX_NAME_CHARS = 500
# Key under which a reader passes a row it could not split into the file's columns.
UNREADABLE_ROW = "\x00unreadable"
FIRST_PLAUSIBLE_BIRTH_YEAR = 1880  # and nobody is born after the screening date


@dataclass(frozen=True)
class RowProblem:
    """Something wrong with one row: `error` rows are not screened, `warning` rows are screened
    without the value named."""

    row: int
    record_id: str
    severity: Severity
    message: str

    def describe(self, source: str) -> str:
        return (
            f"{source}: row {self.row} (record {self.record_id}): {self.severity}: {self.message}"
        )


@dataclass(frozen=True)
class CounterpartyRecord:
    row: int  # 1-based position of the record in the file (JSON lines: the line number)
    record_id: str  # as given, else the row number
    name: str
    kind: RecordType = "any"
    country: str | None = None  # ISO 3166 alpha-2
    birth_date: str | None = None  # ISO 8601 at the precision given: 1962, 1962-05, 1962-05-14
    birth_year: int | None = None
    identifiers: tuple[MentionIdentifier, ...] = ()
    extra: tuple[tuple[str, Any], ...] = ()  # the other columns, in file order


@dataclass
class ReadResult:
    records: list[CounterpartyRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the file's columns, as written

    @property
    def extra_columns(self) -> list[str]:
        known = set(KNOWN_COLUMNS)
        return [c for c in self.columns if c.strip().lower() not in known]


def file_format(path: Path, declared: str | None = None) -> str:
    if declared:
        if declared not in set(FORMATS.values()):
            raise ValueError(f"{path}: unknown format {declared!r} (csv, jsonl or parquet)")
        return declared
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ValueError(
            f"{path}: cannot tell the format from the suffix {path.suffix!r}; "
            "use .csv, .jsonl or .parquet"
        )
    return found


def read_counterparties(path: Path, *, today: dt.date | None = None) -> ReadResult:
    """Every row of the file as a typed record, with the problems of each row."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    kind = file_format(path)
    try:
        if kind == "csv":
            columns, rows = _csv_rows(path)
        elif kind == "jsonl":
            columns, rows = _jsonl_rows(path)
        else:
            columns, rows = _parquet_rows(path)
        return records_from_rows(columns, rows, source=str(path), today=today)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def records_from_rows(
    columns: list[str],
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    source: str,
    today: dt.date | None = None,
) -> ReadResult:
    """Validate (row number, {column: value}) pairs into records; `columns` as in the file."""
    lowered: dict[str, str] = {}
    for column in columns:
        key = column.strip().lower()
        if key in lowered:  # a second value under one name would silently replace the first
            raise ValueError(f"{source}: column {key[:40]!r} appears twice")
        lowered[key] = column
    if "name" not in lowered:
        # The header's words are not repeated: the file may be anything the user pointed at.
        raise ValueError(
            f"{source}: no 'name' column among its {len(columns)} columns; "
            "every counterparty file needs one"
        )
    known = {key: lowered[key] for key in KNOWN_COLUMNS if key in lowered}
    extra = [c for c in columns if c.strip().lower() not in KNOWN_COLUMNS]
    year_now = (today or dt.date.today()).year
    result = ReadResult(columns=list(columns))
    seen_ids: dict[str, int] = {}
    for row, values in rows:
        record, problems = _record(row, values, known, extra, year_now)
        if record is not None:
            first = seen_ids.setdefault(record.record_id, row)
            if first != row:
                problems.append(
                    RowProblem(
                        row,
                        record.record_id,
                        "warning",
                        f"record_id {record.record_id!r} also on row {first}",
                    )
                )
            result.records.append(record)
        result.problems.extend(problems)
    return result


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # NaN from Parquet/pandas
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return clean(value)


def _record(
    row: int,
    values: Mapping[str, Any],
    known: Mapping[str, str],
    extra: list[str],
    year_now: int,
) -> tuple[CounterpartyRecord | None, list[RowProblem]]:
    def get(key: str) -> str | None:
        return _text(values.get(known[key])) if key in known else None

    record_id = get("record_id") or str(row)
    problems: list[RowProblem] = []

    def problem(severity: Severity, message: str) -> None:
        problems.append(RowProblem(row, record_id, severity, message))

    if UNREADABLE_ROW in values:
        problem("error", f"{values[UNREADABLE_ROW]}: not screened")
        return None, problems

    name = get("name")
    if name is None:
        problem("error", "no name: the row is not screened")
        return None, problems
    if len(name) > MAX_NAME_CHARS:
        problem("error", f"name longer than {MAX_NAME_CHARS} characters: not screened")
        return None, problems
    if not normalise(name):
        problem("error", f"name {name!r} has no letters or digits to compare: not screened")
        return None, problems

    kind: RecordType = "any"
    if (raw_type := get("type")) is not None:
        found = TYPE_SYNONYMS.get(raw_type.lower())
        if found is None:
            problem("warning", f"unknown type {raw_type!r} (person, org, vessel or any): ignored")
        else:
            kind = found

    country = None
    if (raw_country := get("country")) is not None:
        country = country_code(raw_country)
        if country is None:
            problem("warning", f"unknown country {raw_country!r}: ignored")

    birth_date = None
    if (raw_date := get("birth_date")) is not None:
        birth_date = strict_date(raw_date)
        if birth_date is None or not FIRST_PLAUSIBLE_BIRTH_YEAR <= int(birth_date[:4]) <= year_now:
            problem("warning", f"birth_date {raw_date!r} is not a plausible date: ignored")
            birth_date = None
    birth_year = int(birth_date[:4]) if birth_date else None
    if (raw_year := get("birth_year")) is not None:
        year = _year(raw_year)
        if year is None or not FIRST_PLAUSIBLE_BIRTH_YEAR <= year <= year_now:
            problem("warning", f"birth_year {raw_year!r} is not a plausible year: ignored")
        elif birth_year is not None and year != birth_year:
            problem(
                "warning",
                f"birth_year {year} disagrees with birth_date {birth_date}: the date is used",
            )
        else:
            birth_year = year

    identifiers = tuple(
        MentionIdentifier(kind=key, value=value)
        for key in COMPARABLE_IDENTIFIERS
        if (value := get(key)) is not None
    )
    carried = tuple((column, values.get(column)) for column in extra)
    if kind in ("org", "vessel") and birth_year is not None:
        problem("warning", f"a birth date on a record of type {kind}: ignored")
        birth_date, birth_year = None, None
    return (
        CounterpartyRecord(
            row=row,
            record_id=record_id,
            name=name,
            kind=kind,
            country=country,
            birth_date=birth_date,
            birth_year=birth_year,
            identifiers=identifiers,
            extra=carried,
        ),
        problems,
    )


def strict_date(text: str) -> str | None:
    """ISO date at the precision written (``14/05/1962``, ``1962-05``, ``1962``, ``00/00/1962``
    for a year only), or None when the text is not one. Unlike the lists' lenient reading, a
    day that does not exist (``31/02/1980``) is an error, not a month."""
    parsed = partial_date(text)
    if parsed is None:
        return None
    given = [g for g in re.findall(r"\d+", text) if int(g) != 0]
    written = {1: 4, 2: 7}.get(len(given), 10)  # year; month and year; day, month and year
    if len(parsed) < written and not re.search(r"[A-Za-z]", text):
        return None
    return parsed


def _year(text: str) -> int | None:
    value = text.strip()
    if value.endswith(".0"):  # a year read as a float by a spreadsheet
        value = value[:-2]
    return int(value) if value.isdigit() and len(value) == 4 else None


# --- file formats ------------------------------------------------------------------------------


def _csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    text = path.read_text(encoding="utf-8-sig")
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales export with semicolons; tabs are common too.
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError(f"{path}: empty file, no header row") from None
    except csv.Error as exc:
        raise ValueError(f"{path}: unreadable CSV header ({exc})") from exc
    columns = [c.strip() for c in header]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        try:
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                number += 1
                values: dict[str, Any] = dict(zip(columns, cells, strict=False))
                if len(cells) > len(columns):
                    values[UNREADABLE_ROW] = (
                        f"{len(cells)} cells where the header has {len(columns)} columns"
                    )
                yield number, values
        except csv.Error as exc:
            raise ValueError(f"{path}: row {number + 1}: unreadable CSV ({exc})") from exc

    return columns, rows()


def _jsonl_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    objects = list(json_objects(path, encoding="utf-8-sig"))
    columns: dict[str, None] = {}
    for _, obj in objects:
        for key in obj:
            columns.setdefault(str(key), None)
    return list(columns), iter(objects)


def _parquet_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    import pyarrow.parquet as pq

    try:
        with path.open("rb") as handle:  # pyarrow cannot open a name that is no UTF-8
            table = pq.read_table(handle)
    except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
        raise ValueError(f"{path}: not a readable Parquet file ({exc})") from exc

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        for batch in table.to_batches(max_chunksize=10_000):
            for values in batch.to_pylist():
                number += 1
                yield number, values

    return list(table.column_names), rows()
