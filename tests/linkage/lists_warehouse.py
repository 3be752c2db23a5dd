"""A temporary warehouse holding list excerpts: the real fixture files in tests/fixtures, parsed
by the list modules and stored as the list assets store them, with linkage records built."""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.common.tables import utc_now
from assets.linkage.store import rebuild_list_records
from assets.sources import eu_fsf, ofac_sdn, uk_fcdo, uk_ofsi, un_sc
from assets.sources.fetch import FetchedList
from assets.sources.store import accept_snapshot, ensure_source_tables
from tests.conftest import FIXTURES

FIXTURE_FILES = {
    "un_sc": (un_sc.parse, ["consolidated.xml"]),
    "uk_ofsi": (uk_ofsi.parse, ["conlist.csv"]),
    "eu_fsf": (eu_fsf.parse, ["eu_fsf.xml"]),
    "uk_fcdo": (uk_fcdo.parse, ["uk_sanctions_list.xml"]),
    "ofac_sdn": (ofac_sdn.parse, ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]),
}


def fixture_warehouse(path: Path) -> Path:
    """Every list fixture stored in a new DuckDB file at `path`, with `linkage.list_records`."""
    with duckdb.connect(str(path)) as con:
        ensure_source_tables(con)
        for source, (parse, names) in FIXTURE_FILES.items():
            files = {name: (FIXTURES / source / name).read_bytes() for name in names}
            fetched = FetchedList(
                source=source,
                files=files,
                origin="bundled",
                location=str(FIXTURES / source),
                fetched_at=utc_now(),
            )
            accept_snapshot(con, fetched, parse(files), None)
        rebuild_list_records(con)
    return path
