"""Screening counterparty records with the record model, and writing the hits.

A record becomes the same input a news mention is: its name goes through the same name analysis
and blocking, its country is the party's own ("attributed to it", the strongest country evidence
a mention can carry), its birth year is the mention's birth-year range widened by a tolerance
(`BIRTH_YEAR_TOLERANCE`: registers and lists disagree by a year often), its date of birth and
identifiers are compared with the listed ones (`assets.linkage.screen.name_query`).

It is scored by the record model (`assets.counterparties.training`), not the news model: the
same comparisons, with levels of their own for what a record says and a sentence does not (a
person named in full, a full date of birth) and parameters and bands learned from record-like
pairs. A record of one word of a listed person's name goes to review at most, and two listed
entities of one name both stay matches (`record_bands`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import duckdb

from assets.articles.model import Mention
from assets.common.jsonl import json_line
from assets.common.text import csv_cell
from assets.counterparties.queries import query_readings
from assets.counterparties.records import CounterpartyRecord
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener, name_query
from assets.linkage.settings import (
    EXACT_NAME_LEVELS,
    ONE_WORD_OF_THE_OTHER_LEVELS,
    PEOPLE_IN_FULL_SHARING_A_RARE_WORD_LEVEL,
)
from assets.linkage.store import load_record_model

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
# Years a record's year of birth may be off and still agree with a listed one.
BIRTH_YEAR_TOLERANCE = 1


def mention_id(row: int) -> str:
    return f"r{row:09d}"


def record_mention(
    record: CounterpartyRecord, birth_year_tolerance: int = BIRTH_YEAR_TOLERANCE
) -> Mention:
    """The record as the model's input: the same shape a news mention has."""
    return name_query(
        record.name,
        kind=record.kind,
        country=record.country,
        birth_year=record.birth_year,
        birth_year_tolerance=birth_year_tolerance,
        birth_date=record.birth_date,
        identifiers=record.identifiers,
        query_id=mention_id(record.row),
    )


def record_bands(bands: Bands) -> Bands:
    """`bands` as record screening applies them:
    - the pairs where one name is a single word of the other (`ONE_WORD_OF_THE_OTHER_LEVELS`)
      or the same one-word name of a person go to review at most: a record of a bare given name
      ("Mohammed", "Ali", "Kim") or family name names no one person, even where a list carries
      the word as a one-word alias; so do two people each named in full who share only a
      rare word (a family name: "Hao HUANG" and "Man Chi HUANG"): their other names differ;
    - two listed entities of one list matching a record equally stay in the match band: the
      record names a listed party either way (news screening sends them to review, as which of
      two people an article means is what its link says)."""
    levels = (
        EXACT_NAME_LEVELS[0],
        *ONE_WORD_OF_THE_OTHER_LEVELS,
        PEOPLE_IN_FULL_SHARING_A_RARE_WORD_LEVEL,
    )
    return replace(
        bands,
        review_only=tuple(dict.fromkeys((*bands.review_only, *levels))),
        rivals_to_review=False,
    )


@dataclass
class CounterpartyScreener:
    """The lists and the record model, loaded once."""

    screener: Screener
    birth_year_tolerance: int = BIRTH_YEAR_TOLERANCE
    # The lists' words, which words run together are read back into (`query_readings`).
    known_words: frozenset[str] = frozenset()

    @classmethod
    def from_warehouse(
        cls,
        con: duckdb.DuckDBPyConnection,
        model_dir: Path,
        bands: Bands | None = None,
        birth_year_tolerance: int = BIRTH_YEAR_TOLERANCE,
    ) -> CounterpartyScreener:
        """The warehouse's lists and the record model of `model_dir`, screening in `bands`
        (the model's fitted bands when None) under the record bands' rules."""
        if birth_year_tolerance < 0:
            raise ValueError(f"birth year tolerance must be 0 or more, not {birth_year_tolerance}")
        model = load_record_model(model_dir)
        screener = Screener.from_warehouse(
            con, model_dir, record_bands(bands or model.bands), model=model
        )
        return cls(
            screener,
            birth_year_tolerance,
            frozenset(screener.token_frequencies.column("token").to_pylist()),
        )

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
        entity, ordered by row then falling probability. A record whose name looks like a query
        style (`assets.counterparties.queries`) is also screened as the name it stands for, and
        each entity keeps its better hit, saying how the name was read. Each dict has the
        columns of `assets.linkage.scoring.MATCH_ARROW` plus `row`, `record_id` (the record's)
        and `query` (the name screened)."""
        hits: dict[tuple[int, str], dict[str, Any]] = {}
        for start in range(0, len(records), chunk_records):
            chunk = records[start : start + chunk_records]
            by_mention: dict[str, tuple[CounterpartyRecord, str | None]] = {}
            mentions = []
            for record in chunk:
                by_mention[mention_id(record.row)] = (record, None)
                mentions.append(record_mention(record, self.birth_year_tolerance))
                for k, spelling in enumerate(query_readings(record.name, self.known_words)):
                    read = replace(record, name=spelling)
                    mention = record_mention(read, self.birth_year_tolerance)
                    alias = f"{mention.mention_id}~{k}"
                    mention = replace(mention, mention_id=alias, canonical_id=alias)
                    by_mention[mention.mention_id] = (record, spelling)
                    mentions.append(mention)
            table = self.screener.mention_records(mentions)
            scored = self.screener.score(table, entity_filter=entity_filter)
            for row in scored.to_pylist():
                record, reading = by_mention[row["mention_id"]]
                hit = {
                    **row,
                    "row": record.row,
                    "record_id": record.record_id,
                    "query": record.name,
                }
                if reading is not None:
                    hit["explanation"] = f"query read as '{reading}'; {hit['explanation']}"
                key = (record.row, str(hit["entity_id"]))
                kept = hits.get(key)
                if kept is None or hit["match_probability"] > kept["match_probability"]:
                    hits[key] = hit
        return sorted(
            hits.values(), key=lambda h: (h["row"], -h["match_probability"], h["entity_id"])
        )


# --- output ------------------------------------------------------------------------------------


def output_columns(extra_columns: Sequence[str]) -> list[str]:
    """The stable columns, then the input's other columns (`extra_names`)."""
    names = extra_names(extra_columns)
    return [*HIT_COLUMNS, *(names[c] for c in extra_columns)]


def extra_names(extra_columns: Sequence[str]) -> dict[str, str]:
    """The output name of each of the input's other columns: its own, or `input_<name>` when
    that is a stable column's ("query"), prefixed again until no other column has it (a file
    with both "query" and "input_query" keeps both values)."""
    taken = set(HIT_COLUMNS) | {c for c in extra_columns if c not in HIT_COLUMNS}
    names: dict[str, str] = {}
    for column in extra_columns:
        name = column
        if column in HIT_COLUMNS:
            name = f"input_{column}"
            while name in taken:
                name = f"input_{name}"
            taken.add(name)
        names[column] = name
    return names


def hit_lines(
    hits: Iterable[Mapping[str, Any]],
    records: Sequence[CounterpartyRecord],
    band: str = "review",
) -> Iterator[dict[str, Any]]:
    """One dict per hit in the stable `screen-file` format; `band="match"` keeps only the match
    band."""
    by_row = {r.row: r for r in records}
    # Every record of a file carries the same other columns (`records_from_rows`).
    names = extra_names([column for column, _ in records[0].extra] if records else [])
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
            line[names[column]] = value
        yield line


def write_hits(
    lines: Iterable[Mapping[str, Any]], columns: Sequence[str], handle: TextIO, fmt: str
) -> int:
    """Write the hit lines to `handle` (`assets.common.outfile.output_handle`: a file replaced
    atomically, or stdout); returns the number written."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"output format must be jsonl or csv, not {fmt!r}")
    count = 0
    if fmt == "csv":
        writer = csv.writer(handle)
        writer.writerow(columns)
        for line in lines:
            writer.writerow([csv_cell(line.get(c)) for c in columns])
            count += 1
    else:
        for line in lines:
            handle.write(json_line({c: line.get(c) for c in columns}) + "\n")
            count += 1
    return count
