"""Rare and distinctive words: blocking pairs names on rare words; the name comparison's "a
shared rare word" level reads only the distinctive ones (rare, and not a given name)."""

from __future__ import annotations

import duckdb

from assets.linkage.names import analyse
from assets.linkage.records import (
    GIVEN_NAME_MIN_ENTITIES,
    attach_rare_tokens,
    build_token_frequencies,
)

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
            [f"r{i}", entity, schema, name, list(analyse(name).tokens)],
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
