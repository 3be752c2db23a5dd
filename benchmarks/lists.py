"""List loading: parse + write of every bundled list into a fresh warehouse (target < 30 s),
and the changes between the two real OFAC SDN publications when ../shared is present."""

from __future__ import annotations

import dataclasses
import resource
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb

from assets.common.warehouse import WarehouseResource
from assets.sources import ofac_sdn
from assets.sources.bundled import newest_bundled
from assets.sources.factory import build_list_asset
from assets.sources.registry import LIST_SPECS
from assets.sources.resources import ListFetcherResource
from assets.sources.spec import ListSpec
from benchmarks.report import table, write_section

SHARED_SDN = Path(__file__).resolve().parents[2] / "shared" / "data" / "sanctions" / "ofac_sdn"


def _materialize(
    specs: list[ListSpec],
    folder: Path,
    mode: str = "snapshot",
    overrides: dict[str, str] | None = None,
) -> float:
    started = time.perf_counter()
    result = dg.materialize(
        [build_list_asset(s) for s in specs],
        resources={
            "warehouse": WarehouseResource(database=str(folder / "w.duckdb")),
            "list_fetcher": ListFetcherResource(
                mode=mode, raw_dir=str(folder / "raw"), url_overrides=overrides or {}, retries=0
            ),
        },
    )
    assert result.success
    return time.perf_counter() - started


def bench_list_load() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        total = _materialize(list(LIST_SPECS), folder)
        with duckdb.connect(str(folder / "w.duckdb"), read_only=True) as con:
            counts = dict(
                con.execute("select source, count(*) from sources.entities group by 1").fetchall()
            )
            names = dict(
                con.execute("select source, count(*) from sources.names group by 1").fetchall()
            )
    for spec in LIST_SPECS:
        started = time.perf_counter()
        bundled = newest_bundled(spec.source_id)
        assert bundled is not None
        spec.parse(bundled.read_files())
        parse_s = time.perf_counter() - started
        rows.append(
            [
                spec.source_id,
                str(bundled.published_on),
                counts[spec.source_id],
                names[spec.source_id],
                f"{parse_s:.2f}",
            ]
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"all bundled lists: {total:.1f} s wall (target < 30 s), peak RSS {peak:.0f} MB")
    return (
        "## List load (parse + checks + write, all bundled lists)\n\n"
        f"**{total:.1f} s wall** for all {len(LIST_SPECS)} lists into a fresh warehouse, "
        "one Dagster run, in-process executor (target: under 30 s). "
        f"Peak RSS of the benchmark process: {peak:.0f} MB.\n\n"
        + table(["list", "publication", "entities", "names", "parse alone (s)"], rows)
    )


def sdn_main_file_spec() -> ListSpec:
    """OFAC SDN read from its main file alone (`sdn.csv`), so that two publications compare
    on the same file set (the shared folder keeps only `sdn.csv` of the later one)."""
    return dataclasses.replace(
        ofac_sdn.SPEC, live_files=tuple(f for f in ofac_sdn.SPEC.live_files if f.name == "sdn.csv")
    )


def bench_ofac_changes() -> str | None:
    """Load the 2023-12-28 SDN set, then the 2024-05-03 sdn.csv, and count the changes."""
    newer = SHARED_SDN / "2024-05-03" / "sdn.csv"
    if not newer.exists():
        print("../shared not present: skipping the real OFAC change report")
        return None
    from tests.conftest import Reply, ScriptedServer

    spec = sdn_main_file_spec()
    server = ScriptedServer()
    server.thread.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            url = server.route("/sdn.csv", Reply(body=(SHARED_SDN / "sdn.csv").read_bytes()))
            _materialize([spec], folder, "live", {"sdn.csv": url})
            server.route("/sdn.csv", Reply(body=newer.read_bytes()))
            seconds = _materialize([spec], folder, "live", {"sdn.csv": url})
            with duckdb.connect(str(folder / "w.duckdb"), read_only=True) as con:
                counts = dict(
                    con.execute(
                        "select change, count(*) from sources.changes group by 1"
                    ).fetchall()
                )
                fields = con.execute(
                    "select f, count(*) from (select unnest(fields) f from sources.changes "
                    "where change='modified') group by 1 order by 2 desc"
                ).fetchall()
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    print(f"OFAC SDN 2023-12-28 -> 2024-05-03: {counts}")
    return (
        "## Changes between two real OFAC SDN publications\n\n"
        "`sdn.csv` of 2023-12-28 loaded, then `sdn.csv` of 2024-05-03 (main file only, so "
        "that both sides have the same file set), through the live path against a local "
        "server.\n\n"
        + table(
            ["added", "removed", "modified", "second load (s)"],
            [
                [
                    counts.get("added", 0),
                    counts.get("removed", 0),
                    counts.get("modified", 0),
                    f"{seconds:.1f}",
                ]
            ],
        )
        + "\n\nModified entities by facet: "
        + ", ".join(f"{f} {n}" for f, n in fields)
    )


def main() -> None:
    write_section("lists", bench_list_load())
    changes = bench_ofac_changes()
    if changes:
        write_section("ofac-changes", changes)


if __name__ == "__main__":
    main()
