"""`sanctions`: the command line over the warehouse.

sanctions lists                 per-list entity counts, snapshot dates and origins
sanctions query "SQL" [--json]  read-only SQL over the warehouse
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

DEFAULT_WAREHOUSE = "data/warehouse/sanctions.duckdb"


class WarehouseUnavailable(RuntimeError):
    pass


def open_read_only(path: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection with file access outside the warehouse disabled."""
    if not Path(path).exists():
        raise WarehouseUnavailable(f"no warehouse at {path}; run `make run` first")
    try:
        return duckdb.connect(
            path,
            read_only=True,
            config={"enable_external_access": False, "lock_configuration": True},
        )
    except duckdb.IOException as exc:
        raise WarehouseUnavailable(
            f"warehouse busy (a run is writing it), retry shortly: {exc}"
        ) from exc


def format_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


LISTS_SQL = """
WITH current AS (
    SELECT source, sha256, published_on, origin, seen_at,
           row_number() OVER (PARTITION BY source ORDER BY seen_at DESC) AS rn
    FROM sources.snapshots WHERE status = 'accepted'
), counts AS (
    SELECT source, count(*) AS entities,
           count(*) FILTER (schema = 'Person') AS persons,
           count(*) FILTER (schema = 'Organization') AS organizations,
           count(*) FILTER (schema = 'Vessel') AS vessels,
           count(*) FILTER (schema = 'Aircraft') AS aircraft
    FROM sources.entities GROUP BY source
), names AS (SELECT source, count(*) AS names FROM sources.names GROUP BY source)
SELECT c.source, k.entities, k.persons, k.organizations, k.vessels, k.aircraft, n.names,
       c.published_on, c.origin, strftime(c.seen_at, '%Y-%m-%d %H:%M') AS loaded_at,
       left(c.sha256, 12) AS sha256
FROM current c JOIN counts k USING (source) LEFT JOIN names n USING (source)
WHERE c.rn = 1 ORDER BY c.source
"""


def cmd_lists(con: duckdb.DuckDBPyConnection, as_json: bool) -> int:
    result = con.execute(LISTS_SQL)
    columns = [d[0] for d in result.description or []]
    rows = result.fetchall()
    if as_json:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=2))
    elif rows:
        print(format_table(columns, rows))
    else:
        print("no list loaded yet; run `make run`")
    return 0


def cmd_query(con: duckdb.DuckDBPyConnection, sql: str, as_json: bool) -> int:
    result = con.execute(sql)
    columns = [d[0] for d in result.description or []]
    rows = result.fetchall()
    if as_json:
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), default=str))
    else:
        print(format_table(columns, rows))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanctions", description=__doc__.split("\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--warehouse",
        help=f"DuckDB file (default: $SANCTIONS_WAREHOUSE or {DEFAULT_WAREHOUSE})",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    lists = sub.add_parser("lists", help="per-list counts and snapshot dates")
    lists.add_argument("--json", action="store_true")
    query = sub.add_parser("query", help="read-only SQL over the warehouse")
    query.add_argument("sql")
    query.add_argument("--json", action="store_true", help="one JSON object per row")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    path = args.warehouse or os.environ.get("SANCTIONS_WAREHOUSE") or DEFAULT_WAREHOUSE
    try:
        con = open_read_only(path)
    except WarehouseUnavailable as exc:
        print(f"sanctions: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "lists":
            return cmd_lists(con, args.json)
        return cmd_query(con, args.sql, args.json)
    except duckdb.Error as exc:
        print(f"sanctions: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
