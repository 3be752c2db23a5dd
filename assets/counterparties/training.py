"""The record model: counterparty screening's own Splink model, trained like the news model.

A counterparty record is not a news mention: it names a person in full, gives a date of birth
where news gives an age, and its country is the party's own. The record model has the news
model's comparisons by name (one scoring reads both) with record levels of its own: two people
each named in full who share only a rare word, and dates of birth that agree or disagree at the
precision both give (`assets.linkage.settings.settings_creator` with `records`). Its parameters
are learned from record-like pairs (`assets.linkage.training.train`):
- u from random pairs of list names, and of the training records and list names;
- m of the name from the lists' own pairs: aliases of one entity, and its names on other lists
  joined through the lists' cross-references;
- m of every comparison, the prior and the bands from labelled records: the training facts in
  `data/training/counterparty_records.jsonl`, generated from the bundled lists by
  `python -m benchmarks.devset --training` with a seed of their own (the development sets of
  `make bench` are built with two other seeds and never fitted). Listed entities under the
  query styles a screening desk meets, with their type, country and birth date as a register
  would carry them, and records that name no listed party: generated names on no list,
  namesakes (a listed name, another person by country and birth) and near-misses.

The bands are fitted with the record bands' rules (`record_bands`: a record of one word of a
listed person's name goes to review at most), the match band at 0.5 or above
(`RECORD_MIN_MATCH_BAND`): the probability is calibrated on the labelled records, so a match is
a pair more likely the listed party than not.

One JSON object per line of the facts file: the record's `name`, `kind`, `country`,
`birth_date`, `birth_year`, `identifiers` (kind -> value), `set` and `slice` (what the record
is, for the stats), and `links` (the listed entity ids it names; empty for a record naming no
listed party).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from assets.articles.model import MentionIdentifier
from assets.common.jsonl import json_objects
from assets.counterparties.records import CounterpartyRecord, RecordType
from assets.counterparties.screening import record_bands, record_mention
from assets.linkage import crosslist
from assets.linkage.gold import known_entity_ids
from assets.linkage.records import list_context, mention_records
from assets.linkage.store import list_records_table, token_frequency_table
from assets.linkage.training import GoldLink, TrainedModel, train

# The record model's match band is fitted at this probability or above: a "match" is a pair
# more likely the listed party than not.
RECORD_MIN_MATCH_BAND = 0.5
RECORD_KINDS: tuple[RecordType, ...] = ("person", "org", "vessel", "any")
_FIELDS = ("name", "kind", "country", "birth_date", "birth_year", "identifiers", "set", "slice")


@dataclass(frozen=True)
class RecordFacts:
    """Labelled counterparty records, ready for `train_record_model`."""

    records: list[CounterpartyRecord]
    gold: list[GoldLink]  # (record's mention id, listed entity id)
    sets: dict[str, int]  # set (positive, negative, namesake, near_miss) -> records


def fact_row(
    record: CounterpartyRecord, set_name: str, slice_name: str, links: Sequence[str]
) -> dict[str, Any]:
    """One line of a record facts file."""
    return {
        "name": record.name,
        "kind": record.kind,
        "country": record.country,
        "birth_date": record.birth_date,
        "birth_year": record.birth_year,
        "identifiers": {i.kind: i.value for i in record.identifiers},
        "set": set_name,
        "slice": slice_name,
        "links": sorted(links),
    }


def _optional(row: dict[str, Any], key: str, kind: type) -> Any:
    value = row[key]
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise TypeError(f"{key} is not {kind.__name__} or null: {value!r}")
    return value


def read_record_facts(path: Path) -> RecordFacts:
    """Parse a record facts file strictly: a line with a missing field or a malformed value
    raises ValueError naming the file and the line."""
    records: list[CounterpartyRecord] = []
    gold: list[GoldLink] = []
    sets: dict[str, int] = {}
    for number, row in json_objects(path):
        try:
            missing = [key for key in (*_FIELDS, "links") if key not in row]
            if missing:
                raise KeyError(", ".join(missing))
            name = row["name"]
            if not isinstance(name, str) or not name.strip():
                raise TypeError(f"name is not a name: {name!r}")
            if row["kind"] not in RECORD_KINDS:
                raise TypeError(f"kind is not one of {', '.join(RECORD_KINDS)}: {row['kind']!r}")
            identifiers = row["identifiers"]
            if not isinstance(identifiers, dict) or not all(
                isinstance(v, str) for v in identifiers.values()
            ):
                raise TypeError(f"identifiers is not an object of strings: {identifiers!r}")
            links = row["links"]
            if not isinstance(links, list) or not all(isinstance(e, str) for e in links):
                raise TypeError(f"links is not a list of entity ids: {links!r}")
            record = CounterpartyRecord(
                row=number,
                record_id=str(number),
                name=name,
                kind=row["kind"],
                country=_optional(row, "country", str),
                birth_date=_optional(row, "birth_date", str),
                birth_year=_optional(row, "birth_year", int),
                identifiers=tuple(
                    MentionIdentifier(kind=k, value=v) for k, v in sorted(identifiers.items())
                ),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: line {number}: {exc!r}") from exc
        records.append(record)
        query = record_mention(record)
        gold.extend(GoldLink(query.mention_id, entity_id) for entity_id in links)
        set_name = str(row["set"])
        sets[set_name] = sets.get(set_name, 0) + 1
    return RecordFacts(records, gold, sets)


def train_record_model(
    con: duckdb.DuckDBPyConnection, facts: RecordFacts
) -> tuple[TrainedModel, dict[str, Any]]:
    """Train the record model on the warehouse's lists and `facts`. Returns the model and its
    training counts: links to entities the loaded lists lack are dropped (a facts file made
    against other list publications still trains)."""
    known = known_entity_ids(con)
    same_entity = crosslist.same_entity_groups(crosslist.cross_references(con))
    groups = _entity_groups(con, same_entity)
    gold = sorted(
        {
            GoldLink(g.mention_id, member)
            for g in facts.gold
            if g.entity_id in known
            for member in groups.get(g.entity_id, (g.entity_id,))
            if member in known
        },
        key=lambda g: (g.mention_id, g.entity_id),
    )
    records = list_records_table(con)
    # Each record is a document of its own: no names around it, no related names.
    queries = [record_mention(record) for record in facts.records]
    table = mention_records(queries, token_frequency_table(con), {}, list_context(records))
    model = train(
        table,
        records,
        gold,
        same_entity,
        records=True,
        band_rules=record_bands,
        min_match_band=RECORD_MIN_MATCH_BAND,
    )
    labelled = sum(1 for g in facts.gold if g.entity_id in known)
    counts = {
        "gold_links": labelled,
        "gold_links_not_loaded": len(facts.gold) - labelled,
        "gold_links_of_the_same_entity": len(gold) - labelled,
        "records_by_set": dict(sorted(facts.sets.items())),
    }
    return model, counts


def _entity_groups(
    con: duckdb.DuckDBPyConnection, same_entity: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """entity id -> every listed entity that is the same entity: joined by the lists' own
    cross-references (`same_entity`) or by cross-list resolution (`linkage.canonical_entities`,
    when the warehouse has it), the two joined where they share an entity. A record naming one
    of them names them all: its pairs with the others are matches too, not false alarms the
    prior is calibrated on."""
    keys: dict[str, set[str]] = {}
    for entity, group in same_entity.items():
        keys.setdefault(entity, set()).add(f"cross-reference:{group}")
    try:
        rows = con.execute(
            "SELECT entity_id, canonical_id FROM linkage.canonical_entities"
        ).fetchall()
    except duckdb.CatalogException:
        rows = []
    for entity, canonical in rows:
        keys.setdefault(str(entity), set()).add(f"canonical:{canonical}")
    groups = crosslist.truth_groups({e: frozenset(k) for e, k in keys.items()})
    return {e: tuple(sorted(group)) for group in groups for e in group}
