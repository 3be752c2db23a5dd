"""Rare and distinctive words: blocking pairs names on rare words; the name comparison's "a
shared rare word" level reads only the distinctive ones (rare, and not a given name)."""

from __future__ import annotations

import duckdb

from assets.articles.model import Mention, MentionIdentifier
from assets.linkage.names import analyse
from assets.linkage.records import (
    GIVEN_NAME_MIN_ENTITIES,
    RECORD_SCHEMA,
    attach_rare_tokens,
    build_token_frequencies,
    mention_records,
)
from assets.linkage.screen import name_query

# (entity, schema, name as the lists write it)
NAMES = [
    *[(f"p{i}", "Person", f"Miguel {surname}") for i, surname in enumerate(["TREVINO", "ORTEGA"])],
    ("p2", "Person", "Miguel Angel MORFIN"),
    ("p3", "Person", "Jose MIGUELEZ"),
    ("o1", "Organization", "TREVINO MIGUEL TRADING"),
    ("p4", "Person", "SEVERO MENDOZA"),  # no case pattern: says nothing of given names
]


def _records(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE records (unique_id VARCHAR, entity_id VARCHAR, schema VARCHAR, "
        "name VARCHAR, tokens VARCHAR[])"
    )
    for i, (entity, schema, name) in enumerate(NAMES):
        con.execute(
            "INSERT INTO records VALUES (?, ?, ?, ?, ?)",
            [f"r{i}", entity, schema, name, analyse(name).sorted_core_key.split()],
        )


def test_a_given_name_is_rare_for_blocking_but_not_distinctive() -> None:
    assert GIVEN_NAME_MIN_ENTITIES == 3  # three listed people carry "Miguel" as a given name
    with duckdb.connect(":memory:") as con:
        _records(con)
        build_token_frequencies(con, "records", "frequencies")
        frequency = dict(
            con.execute("SELECT token, given_name_entities FROM frequencies").fetchall()
        )
        assert frequency["miguel"] == 3
        assert frequency["trevino"] == 0
        assert frequency["severo"] == 0  # "SEVERO MENDOZA" has no case pattern
        attach_rare_tokens(con, "records", "frequencies")
        rows = {
            name: (rare, distinctive)
            for name, rare, distinctive in con.execute(
                "SELECT name, rare_tokens, distinctive_tokens FROM records"
            ).fetchall()
        }
    assert rows["Miguel TREVINO"] == (["miguel", "trevino"], ["trevino"])
    assert rows["TREVINO MIGUEL TRADING"] == (
        ["miguel", "trading", "trevino"],
        ["trading", "trevino"],
    )
    assert rows["Jose MIGUELEZ"] == (["jose", "miguelez"], ["jose", "miguelez"])


def _mention(mention_id: str, name: str, imo: str | None = None) -> Mention:
    identifiers = [MentionIdentifier("imo", imo)] if imo else []
    return name_query(name, kind="person", identifiers=identifiers, query_id=mention_id)


def test_mention_records_carry_the_list_sides_rare_and_distinctive_words() -> None:
    with duckdb.connect(":memory:") as con:
        _records(con)
        build_token_frequencies(con, "records", "frequencies")
        frequencies = con.sql("SELECT * FROM frequencies").to_arrow_table()
    records = mention_records(
        [
            _mention("m3", "Miguel Trevino"),
            _mention("m1", "Trevino Miguel Trading LLC", imo="IMO 921 6298"),
            _mention("m2", "..."),  # no core: no record
            _mention("m0", "Miguel Trevino"),  # the same name again
            _mention("m4", "Bolivar"),  # on no list name: not rare
        ],
        frequencies,
    )
    assert records.schema == RECORD_SCHEMA
    rows = {row["unique_id"]: row for row in records.to_pylist()}
    assert list(rows) == ["m0", "m1", "m3", "m4"]  # by mention id
    assert rows["m0"]["rare_tokens"] == rows["m3"]["rare_tokens"] == ["miguel", "trevino"]
    assert rows["m0"]["distinctive_tokens"] == ["trevino"]
    assert rows["m1"]["tokens"] == ["miguel", "trading", "trevino"]  # no legal form
    assert rows["m1"]["distinctive_tokens"] == ["trading", "trevino"]
    assert rows["m1"]["schema"] == "Organization"  # a legal form makes it one
    assert (rows["m1"]["identifiers"], rows["m1"]["identifier_kinds"]) == (
        ["imo:IMO9216298"],
        ["imo"],
    )
    assert rows["m4"]["rare_tokens"] == rows["m4"]["distinctive_tokens"] == []
    assert mention_records([], frequencies).schema == RECORD_SCHEMA
