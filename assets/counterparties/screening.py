"""Screening counterparty records with the mention model, and writing the hits.

A record becomes the same input a news mention is: its name goes through the same name analysis
and blocking, its country is "named in the sentence" (the strongest country evidence a mention
can carry), its birth year is the mention's birth-year range, its identifiers are compared like
an IMO number found in an article (`assets.linkage.screen.name_query`).

One thing a record has that a mention never has is a full date of birth. The model compares
years; a record born 1962-05-14 against an entity listed as born 1962-01-01 would count as
"birth year agrees". Here such a pair takes the model's own "birth year disagrees" level instead
(its learned weight, read from the model file): dates that disagree at the precision both give
are a disagreement, whatever the years say.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from assets.articles.model import Mention
from assets.counterparties.records import CounterpartyRecord
from assets.linkage.records import mention_records
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener, name_query
from assets.linkage.settings import BIRTH_YEAR

# The stable output of `sanctions screen-file`: evaluations read these columns.
HIT_COLUMNS = (
    "record_id",
    "query",
    "entity_id",
    "matched_name",
    "probability",
    "band",
    "explanation",
)
# Records scored per Splink run: bounds memory on large files at no cost in speed.
CHUNK_RECORDS = 25_000


def mention_id(row: int) -> str:
    return f"r{row:09d}"


def record_mention(record: CounterpartyRecord) -> Mention:
    """The record as the model's input: the same shape a news mention has."""
    return name_query(
        record.name,
        kind=record.kind,
        country=record.country,
        birth_year=record.birth_year,
        identifiers=record.identifiers,
        query_id=mention_id(record.row),
    )


def listed_birth_dates(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """entity_id -> its listed dates of birth (ISO at the precision listed)."""
    rows = con.execute(
        "SELECT entity_id, birth_dates FROM sources.entities WHERE len(birth_dates) > 0"
    ).fetchall()
    return {str(e): [str(d) for d in dates] for e, dates in rows}


def _compatible(a: str, b: str) -> bool:
    """Two ISO dates agree at the precision both give: 1962 vs 1962-05-14 agree."""
    return a.startswith(b) or b.startswith(a)


def birth_date_disagrees(record_date: str | None, listed: Sequence[str]) -> bool:
    """Whether a record's date of birth (at least year and month) agrees with none of the
    listed ones. Without a listed date, or a year-only record date, there is nothing to say."""
    if record_date is None or len(record_date) < 7 or not listed:
        return False
    return not any(_compatible(record_date, d) for d in listed)


def _disagree_weight(settings: Mapping[str, Any]) -> tuple[float, str]:
    """The learned weight and label of the birth-year comparison's "disagrees" level (the else
    level, the last one)."""
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] == BIRTH_YEAR:
            level = comparison["comparison_levels"][-1]
            weight = math.log2(level["m_probability"] / level["u_probability"])
            return weight, str(level.get("label_for_charts", "birth year disagrees"))
    raise ValueError(f"the model has no {BIRTH_YEAR!r} comparison")


@dataclass
class CounterpartyScreener:
    """The lists, the model and the listed dates of birth, loaded once."""

    screener: Screener
    birth_dates: dict[str, list[str]]

    @classmethod
    def from_warehouse(
        cls, con: duckdb.DuckDBPyConnection, model_dir: Path, bands: Bands
    ) -> CounterpartyScreener:
        return cls(Screener.from_warehouse(con, model_dir, bands), listed_birth_dates(con))

    @property
    def bands(self) -> Bands:
        return self.screener.bands

    def screen(
        self,
        records: Sequence[CounterpartyRecord],
        *,
        entity_filter: Sequence[str] | None = None,
        chunk_records: int = CHUNK_RECORDS,
    ) -> list[dict[str, Any]]:
        """Every (record, listed entity) pair at or above the review band, best list name per
        entity, ordered by row then falling probability. Each dict has the columns of
        `assets.linkage.scoring.MATCH_ARROW` plus `row`, `record_id` (the record's) and
        `query` (the name screened)."""
        hits: list[dict[str, Any]] = []
        for start in range(0, len(records), chunk_records):
            chunk = records[start : start + chunk_records]
            by_mention = {mention_id(r.row): r for r in chunk}
            mentions = [record_mention(r) for r in chunk]
            table = mention_records(mentions, self.screener.token_frequencies)
            scored = self.screener.score(table, entity_filter=entity_filter)
            for row in scored.to_pylist():
                record = by_mention[row["mention_id"]]
                refined = self._refine(row, record)
                if refined is not None:
                    hits.append(refined)
        hits.sort(key=lambda h: (h["row"], -h["match_probability"], h["entity_id"]))
        return hits

    def _refine(self, hit: dict[str, Any], record: CounterpartyRecord) -> dict[str, Any] | None:
        listed = self.birth_dates.get(hit["entity_id"], [])
        hit = {**hit, "row": record.row, "record_id": record.record_id, "query": record.name}
        if not birth_date_disagrees(record.birth_date, listed):
            return hit
        contributions = dict(hit["contributions"])
        levels = dict(hit["levels"])
        before = contributions.get(BIRTH_YEAR, 0.0)
        weight, label = _disagree_weight(self.screener.model.settings)
        if levels.get(BIRTH_YEAR) == label:
            return hit  # the years already disagree
        match_weight = float(hit["match_weight"]) - before + weight
        probability = 1.0 / (1.0 + 2.0 ** (-match_weight))
        band = self.bands.band(probability)
        if band is None:
            return None
        old_part = f"{str(levels.get(BIRTH_YEAR, '')).lower()} ({before:+.1f})"
        new_part = (
            f"date of birth {record.birth_date} disagrees with listed "
            f"{', '.join(sorted(listed))} ({weight:+.1f})"
        )
        explanation = str(hit["explanation"])
        explanation = (
            explanation.replace(old_part, new_part)
            if old_part in explanation
            else f"{explanation}; {new_part}"
        )
        contributions[BIRTH_YEAR] = weight
        levels[BIRTH_YEAR] = label
        return {
            **hit,
            "match_weight": match_weight,
            "match_probability": probability,
            "band": band,
            "contributions": list(contributions.items()),
            "levels": list(levels.items()),
            "explanation": explanation,
        }


# --- output ------------------------------------------------------------------------------------


def output_columns(extra_columns: Sequence[str]) -> list[str]:
    """The stable columns, then the input's other columns (renamed `input_<name>` when the name
    is one of the stable columns)."""
    return [*HIT_COLUMNS, *(_extra_name(c) for c in extra_columns)]


def _extra_name(column: str) -> str:
    return f"input_{column}" if column in HIT_COLUMNS else column


def hit_lines(
    hits: Iterable[Mapping[str, Any]],
    records: Sequence[CounterpartyRecord],
    band: str = "review",
) -> Iterator[dict[str, Any]]:
    """One dict per hit in the stable `screen-file` format; `band="match"` keeps only the match
    band."""
    by_row = {r.row: r for r in records}
    for hit in hits:
        if band == "match" and hit["band"] != "match":
            continue
        record = by_row[hit["row"]]
        line: dict[str, Any] = {
            "record_id": record.record_id,
            "query": record.name,
            "entity_id": hit["entity_id"],
            "matched_name": hit["matched_name"],
            "probability": round(float(hit["match_probability"]), 6),
            "band": hit["band"],
            "explanation": hit["explanation"],
        }
        for column, value in record.extra:
            line[_extra_name(column)] = value
        yield line


# Cells starting with these are formulas to a spreadsheet (CSV injection): written with a
# leading apostrophe, which spreadsheets show as text and do not evaluate.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_hits(
    lines: Iterable[Mapping[str, Any]], columns: Sequence[str], out: Path, fmt: str
) -> int:
    """Write the hit lines atomically (a partial file is never left under `out`); returns the
    number written."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"output format must be jsonl or csv, not {fmt!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            if fmt == "csv":
                writer = csv.writer(handle)
                writer.writerow(columns)
                for line in lines:
                    writer.writerow([csv_cell(line.get(c)) for c in columns])
                    count += 1
            else:
                for line in lines:
                    ordered = {c: line.get(c) for c in columns}
                    handle.write(json.dumps(ordered, ensure_ascii=False, default=str) + "\n")
                    count += 1
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return count
