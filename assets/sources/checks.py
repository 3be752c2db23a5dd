"""The expectations every list publication must meet before it replaces the last good one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import dagster as dg
import duckdb

from assets.common.model import ParsedList
from assets.common.tables import SOURCE_TABLES, first_row
from assets.sources.fetch import FetchedList
from assets.sources.spec import ListSpec
from assets.sources.store import AcceptedSnapshot

CHECK_DESCRIPTIONS = {
    "entity_count_in_bounds": "Entity count within the list spec's bounds (or exactly the count "
    "a bundled excerpt declares).",
    "no_large_drop": "Not more than the allowed fraction (20 % by default) below the previous "
    "accepted publication.",
    "unique_entity_ids": "Every entity id occurs once.",
    "every_entity_named": "Every entity has at least one non-empty name.",
    "table_contract": "sources.* tables have exactly the contracted columns and types.",
}


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    passed: bool
    description: str
    metadata: dict[str, int | float | str] = field(default_factory=dict)


def check_result(
    outcome: CheckOutcome, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> dg.AssetCheckResult:
    """A pure check's outcome as the Dagster check result of the asset being materialized."""
    return dg.AssetCheckResult(
        check_name=outcome.name,
        passed=outcome.passed,
        description=outcome.description,
        metadata=dict(outcome.metadata),
        severity=severity,
    )


def evaluate_publication(
    spec: ListSpec, parsed: ParsedList, fetched: FetchedList, previous: AcceptedSnapshot | None
) -> list[CheckOutcome]:
    """Data-quality checks on a parsed publication, before anything is written."""
    count = len(parsed.entities)
    if fetched.expected_count is not None:
        in_bounds = count == fetched.expected_count
        bounds = f"exactly {fetched.expected_count} (bundled excerpt)"
    else:
        in_bounds = spec.min_entities <= count <= spec.max_entities
        bounds = f"{spec.min_entities}..{spec.max_entities}"
    outcomes = [
        CheckOutcome(
            "entity_count_in_bounds",
            in_bounds,
            f"{count} entities; expected {bounds}",
            {"entities": count},
        )
    ]
    if previous is None:
        outcomes.append(CheckOutcome("no_large_drop", True, "first accepted publication"))
    else:
        floor = previous.entity_count * (1 - spec.max_drop_fraction)
        outcomes.append(
            CheckOutcome(
                "no_large_drop",
                count >= floor,
                f"{count} entities vs {previous.entity_count} in the previous publication "
                f"(floor {floor:.0f}, max drop {spec.max_drop_fraction:.0%})",
                {"entities": count, "previous": previous.entity_count},
            )
        )
    duplicates = [i for i, n in Counter(e.official_id for e in parsed.entities).items() if n > 1]
    outcomes.append(
        CheckOutcome(
            "unique_entity_ids",
            not duplicates,
            f"{len(duplicates)} duplicated ids"
            + (f", e.g. {duplicates[:5]}" if duplicates else ""),
            {"duplicates": len(duplicates)},
        )
    )
    unnamed = [e.official_id for e in parsed.entities if not any(n.name.strip() for n in e.names)]
    outcomes.append(
        CheckOutcome(
            "every_entity_named",
            not unnamed,
            f"{len(unnamed)} entities without a name"
            + (f", e.g. {unnamed[:5]}" if unnamed else ""),
            {"unnamed": len(unnamed)},
        )
    )
    return outcomes


def table_contract(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Compare the warehouse's `sources.*` columns with the contract in `assets.common.tables`."""
    problems: list[str] = []
    for table, columns in SOURCE_TABLES.items():
        schema, name = table.split(".")
        actual = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, name],
            ).fetchall()
        )
        expected = {c: _canonical_type(con, t) for c, t in columns.items()}
        if list(actual) != list(expected):
            problems.append(f"{table}: columns {list(actual)} != {list(expected)}")
            continue
        for column, ctype in expected.items():
            if actual[column] != ctype:
                problems.append(f"{table}.{column}: {actual[column]} != {ctype}")
    return CheckOutcome(
        "table_contract",
        not problems,
        "; ".join(problems) or "all sources.* tables match their contract",
        {"problems": len(problems)},
    )


def _canonical_type(con: duckdb.DuckDBPyConnection, ctype: str) -> str:
    """DuckDB's own spelling of a declared type, as information_schema reports it."""
    row = first_row(con.execute(f"SELECT typeof(NULL::{ctype})"))
    assert row is not None
    return str(row[0])
