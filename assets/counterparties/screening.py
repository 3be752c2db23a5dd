"""Screening counterparty records with the mention model, and writing the hits.

A record becomes the same input a news mention is: its name goes through the same name analysis
and blocking, its country is "named in the sentence" (the strongest country evidence a mention
can carry), its birth year is the mention's birth-year range, its identifiers are compared like
an IMO number found in an article (`assets.linkage.screen.name_query`).

A record is not a sentence, though, and three rules say how it differs; each gives a pair one of
the model's own levels (with its learned weight, read from the model file) and says so in the
explanation:
- A record's year of birth counts with a tolerance (`BIRTH_YEAR_TOLERANCE`, one year either
  way): registers and lists disagree by a year often (an age turned into a year, a date
  converted between calendars), which is why screening tools allow for it.
- A record has full dates of birth, a mention never does. Dates that disagree at the precision
  both give (1962-05-14 against a listed 1962-01-01) take the "birth year disagrees" level,
  whatever the years say.
- A record names a person in full. When the listed person is also named with two words or more
  and the two names share nothing but a rare word (a family name: "Hao HUANG" and "Man Chi
  HUANG"), the names do not agree: the pair takes the name comparison's "else" level.

The bands differ too (`RECORD_BANDS`): a counterparty missed is a breach, a false alarm costs an
analyst a look, so record screening flags at lower probabilities than news screening; the
thresholds were chosen on the development set of `benchmarks/devset.py` and measured on a second
one built with another seed (docs/benchmarks.md). A record of one word of a listed person's name
goes to review at most, and two listed entities of one name both stay matches (`record_bands`).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

import duckdb

from assets.articles.model import Mention
from assets.common.jsonl import json_line
from assets.counterparties.queries import query_readings
from assets.counterparties.records import CounterpartyRecord
from assets.linkage.names import core_tokens, normalise
from assets.linkage.scoring import NAME_FREQUENCY, RECORD_BANDS, Bands
from assets.linkage.screen import Screener, name_query
from assets.linkage.settings import (
    BIRTH_YEAR,
    EXACT_NAME_LEVELS,
    NAME,
    ONE_WORD_OF_THE_OTHER_LEVELS,
)

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
# The name comparison's level for names that share only a rare word.
SHARED_RARE_WORD = "a shared rare word"
# Where `assets.linkage.scoring.explain` writes each comparison the record rules change.
_EXPLANATION_PREFIX = {NAME: "name '", BIRTH_YEAR: "birth year"}


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
        identifiers=record.identifiers,
        query_id=mention_id(record.row),
    )


@dataclass(frozen=True)
class ListedFacts:
    """What the record rules need to know of the listed entities."""

    birth_dates: dict[str, list[str]] = field(default_factory=dict)  # ISO, at listed precision
    people: frozenset[str] = frozenset()  # entity ids of listed persons


def listed_facts(con: duckdb.DuckDBPyConnection) -> ListedFacts:
    rows = con.execute(
        "SELECT entity_id, schema, birth_dates FROM sources.entities "
        "WHERE schema = 'Person' OR len(birth_dates) > 0"
    ).fetchall()
    return ListedFacts(
        birth_dates={str(e): [str(d) for d in dates] for e, _, dates in rows if dates},
        people=frozenset(str(e) for e, schema, _ in rows if schema == "Person"),
    )


def _dates_agree(record_date: str, listed_date: str, tolerance: int) -> bool:
    """Two ISO dates agree at the precision both give (1962 and 1962-05-14 agree); when one of
    them is a year alone, years `tolerance` apart agree too."""
    if record_date.startswith(listed_date) or listed_date.startswith(record_date):
        return True
    if min(len(record_date), len(listed_date)) == 4:
        return abs(int(record_date[:4]) - int(listed_date[:4])) <= tolerance
    return False


def birth_date_disagrees(
    record_date: str | None, listed: Sequence[str], tolerance: int = BIRTH_YEAR_TOLERANCE
) -> bool:
    """Whether a record's date of birth (at least year and month) agrees with none of the
    listed ones. Without a listed date, or a year-only record date, there is nothing to say."""
    if record_date is None or len(record_date) < 7 or not listed:
        return False
    return not any(_dates_agree(record_date, d, tolerance) for d in listed)


def names_a_person_in_full(name: str) -> bool:
    """Two words or more once legal forms and particles are set aside."""
    return len(core_tokens(normalise(name))) >= 2


def else_level(settings: Mapping[str, Any], comparison: str) -> tuple[str, float]:
    """The label and learned weight of a comparison's else level (its last level): the
    "birth year disagrees" of the birth-year comparison, the "no agreement" of the name's."""
    for candidate in settings["comparisons"]:
        if candidate["output_column_name"] == comparison:
            level = candidate["comparison_levels"][-1]
            weight = math.log2(level["m_probability"] / level["u_probability"])
            return str(level.get("label_for_charts", "else")), weight
    raise ValueError(f"the model has no {comparison!r} comparison")


def record_bands(bands: Bands) -> Bands:
    """`bands` as record screening applies them:
    - the pairs where one name is a single word of the other (`ONE_WORD_OF_THE_OTHER_LEVELS`)
      or the same one-word name of a person go to review at most: a record of a bare given name
      ("Mohammed", "Ali", "Kim") or family name names no one person, even where a list carries
      the word as a one-word alias;
    - two listed entities of one list matching a record equally stay in the match band: the
      record names a listed party either way (news screening sends them to review, as which of
      two people an article means is what its link says)."""
    levels = (EXACT_NAME_LEVELS[0], *ONE_WORD_OF_THE_OTHER_LEVELS)
    return replace(
        bands,
        review_only=tuple(dict.fromkeys((*bands.review_only, *levels))),
        rivals_to_review=False,
    )


@dataclass
class CounterpartyScreener:
    """The lists, the model and the listed facts the record rules read, loaded once."""

    screener: Screener
    listed: ListedFacts
    birth_year_tolerance: int = BIRTH_YEAR_TOLERANCE
    # The lists' words, which words run together are read back into (`query_readings`).
    known_words: frozenset[str] = frozenset()

    @classmethod
    def from_warehouse(
        cls,
        con: duckdb.DuckDBPyConnection,
        model_dir: Path,
        bands: Bands = RECORD_BANDS,
        birth_year_tolerance: int = BIRTH_YEAR_TOLERANCE,
    ) -> CounterpartyScreener:
        if birth_year_tolerance < 0:
            raise ValueError(f"birth year tolerance must be 0 or more, not {birth_year_tolerance}")
        screener = Screener.from_warehouse(con, model_dir, record_bands(bands))
        return cls(
            screener,
            listed_facts(con),
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
                refined = self._refine(row, record, reading)
                if refined is None:
                    continue
                key = (record.row, str(refined["entity_id"]))
                kept = hits.get(key)
                if kept is None or refined["match_probability"] > kept["match_probability"]:
                    hits[key] = refined
        return sorted(
            hits.values(), key=lambda h: (h["row"], -h["match_probability"], h["entity_id"])
        )

    def _refine(
        self, hit: dict[str, Any], record: CounterpartyRecord, reading: str | None = None
    ) -> dict[str, Any] | None:
        """The hit after the record rules of the module docstring, with the record's name read
        as `reading` when it was; None when it falls below the review band."""
        settings = self.screener.model.settings
        hit = {**hit, "row": record.row, "record_id": record.record_id, "query": record.name}
        if reading is not None:
            hit["explanation"] = f"query read as '{reading}'; {hit['explanation']}"
        levels = dict(hit["levels"])
        listed_dates = self.listed.birth_dates.get(hit["entity_id"], [])
        if birth_date_disagrees(record.birth_date, listed_dates, self.birth_year_tolerance):
            label, weight = else_level(settings, BIRTH_YEAR)
            if levels.get(BIRTH_YEAR) != label:  # the years may already disagree
                hit = _with_level(
                    hit,
                    BIRTH_YEAR,
                    label,
                    weight,
                    f"date of birth {record.birth_date} disagrees with listed "
                    f"{', '.join(sorted(listed_dates))}",
                )
        if (
            levels.get(NAME) == SHARED_RARE_WORD
            and record.kind in ("person", "any")
            and hit["entity_id"] in self.listed.people
            and names_a_person_in_full(record.name)
            and names_a_person_in_full(str(hit["matched_name"]))
        ):
            hit = _with_level(
                hit,
                NAME,
                *else_level(settings, NAME),
                f"name '{hit['matched_name']}' shares only a rare word with a person named "
                "in full: other names differ",
            )
        band = self.bands.band(float(hit["match_probability"]))
        # A rule may lower the probability, never lift a pair the scoring kept for review (a
        # weak alias, one word of a name, rival entities) into the match band.
        hit["band"] = "review" if band == "match" and hit["band"] == "review" else band
        return hit if hit["band"] is not None else None


def _with_level(
    hit: dict[str, Any], comparison: str, label: str, weight: float, reason: str
) -> dict[str, Any]:
    """`hit` with `comparison` at the level `label` (weight `weight`): the match weight,
    probability and explanation follow; `reason` replaces the comparison's part of the
    explanation."""
    contributions = dict(hit["contributions"])
    levels = dict(hit["levels"])
    before = contributions.get(comparison, 0.0)
    if comparison == NAME:  # the name's frequency adjustment goes with its level
        before += contributions.get(NAME_FREQUENCY, 0.0)
        contributions[NAME_FREQUENCY] = 0.0
    match_weight = float(hit["match_weight"]) - before + weight
    parts = str(hit["explanation"]).split("; ")
    new_part = f"{reason} ({weight:+.1f})"
    # The comparison's part of the explanation: its prefix and its printed weight.
    prefix, printed = _EXPLANATION_PREFIX[comparison], f"({before:+.1f})"
    at = next(
        (i for i, p in enumerate(parts) if p.startswith(prefix) and p.endswith(printed)), None
    )
    if at is None:
        parts.append(new_part)
    else:
        parts[at] = new_part
    explanation = "; ".join(parts)
    contributions[comparison] = weight
    levels[comparison] = label
    return {
        **hit,
        "match_weight": match_weight,
        "match_probability": 1.0 / (1.0 + 2.0 ** (-match_weight)),
        "contributions": list(contributions.items()),
        "levels": list(levels.items()),
        "explanation": explanation,
    }


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
