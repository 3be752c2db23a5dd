"""The matching API (#21) under load: `sanctions serve` in its own process over the warehouse
`make run` filled (made in a temporary folder when there is none), asked over HTTP.

- single-query latency p50 / p95 / p99 after a warm-up (one client, one query a request);
- queries per second at 1, 4 and 16 concurrent clients, single queries and batches of 100;
- the server's memory (resident set after loading, and its peak).

Targets (issue 21): p95 under 50 ms for a single query on a 2-core machine; batches at least
1,000 queries/s.

    python -m benchmarks.api        # rewrites its section of docs/benchmarks.md
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import requests

from assets.linkage.screen import SMALL_BATCH
from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parents[1]
WAREHOUSE = ROOT / "data" / "warehouse" / "sanctions.duckdb"
WARM_UP = 20
SINGLE_REQUESTS = 300
CONCURRENCY = (1, 4, 16)
BATCH = 100


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _warehouse(folder: Path) -> Path:
    """A copy of `make run`'s warehouse, or one `sanctions run` makes in `folder`."""
    target = folder / "w.duckdb"
    if WAREHOUSE.exists():
        shutil.copyfile(WAREHOUSE, target)
        return target
    env = {
        **os.environ,
        "SANCTIONS_WAREHOUSE": str(target),
        "SANCTIONS_FETCH_MODE": "snapshot",
        "SANCTIONS_RAW_DIR": str(folder / "raw"),
        "SANCTIONS_BATCHES_DIR": str(folder / "batches"),
    }
    subprocess.run([sys.executable, "-m", "pipelines.cli", "run"], env=env, check=True, cwd=ROOT)
    return target


@contextlib.contextmanager
def served(warehouse: Path) -> Iterator[tuple[str, int]]:
    """`sanctions serve` on a free port: (base URL, process id)."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own CLI, our own arguments
        [sys.executable, "-m", "pipelines.cli", "--warehouse", str(warehouse), "serve",
         "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{base}/api/healthz", timeout=120).status_code == 200:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _memory_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) of process `pid`, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.split()
    return int(fields["VmRSS"][0]) / 1024, int(fields["VmHWM"][0]) / 1024


def _queries(warehouse: Path) -> list[dict[str, Any]]:
    """Queries as a screening desk sends them: listed names (half) and names of nobody
    listed (the team's sample counterparties and article people), person or company."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        listed = con.execute(
            "SELECT caption, schema FROM sources.entities WHERE schema IN "
            "('Person', 'Organization') ORDER BY hash(entity_id) LIMIT 150"
        ).fetchall()
    unlisted = [
        ("Antony Blinken", "Person"), ("Xi Jinping", "Person"), ("Maria Lindqvist", "Person"),
        ("Nordlys Timber AS", "Organization"), ("Jean Dupont", "Person"),
        ("Acme Shipping Ltd", "Organization"), ("Olena Kovalenko", "Person"),
        ("Sunrise Trading LLC", "Organization"), ("Ahmed Hassan", "Person"),
        ("Global Logistics GmbH", "Organization"),
    ]  # fmt: skip
    names = [*listed, *(unlisted * 15)]
    return [
        {"schema": schema if schema == "Person" else "Company", "properties": {"name": [name]}}
        for name, schema in names
    ]


def _ask(session: requests.Session, base: str, queries: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    answer = session.post(
        f"{base}/api/match/default",
        json={"queries": {str(i): q for i, q in enumerate(queries)}},
        timeout=300,
    )
    answer.raise_for_status()
    return time.perf_counter() - started


def _rate(base: str, queries: list[dict[str, Any]], clients: int, batch: int) -> float:
    """Queries per second with `clients` clients each sending requests of `batch` queries."""
    requests_per_client = max(2, (len(queries) // batch) * 2 // clients) if batch > 1 else 40
    chunks = [queries[i : i + batch] for i in range(0, len(queries), batch)] or [queries]

    def client(number: int) -> int:
        session = requests.Session()
        sent = 0
        for k in range(requests_per_client):
            chunk = chunks[(number + k) % len(chunks)]
            _ask(session, base, chunk)
            sent += len(chunk)
        return sent

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(client, range(clients)))
    return total / (time.perf_counter() - started)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = _warehouse(Path(tmp))
        queries = _queries(warehouse)
        with served(warehouse) as (base, pid):
            loaded_mb, _ = _memory_mb(pid)
            session = requests.Session()
            for query in queries[:WARM_UP]:
                _ask(session, base, [query])
            latencies = sorted(
                _ask(session, base, [queries[i % len(queries)]]) * 1000
                for i in range(SINGLE_REQUESTS)
            )
            quantiles = statistics.quantiles(latencies, n=100)
            rates = {
                (clients, batch): _rate(base, queries, clients, batch)
                for batch in (1, BATCH)
                for clients in CONCURRENCY
            }
            resident_mb, peak_mb = _memory_mb(pid)
    rows: list[list[object]] = [
        ["single query latency p50 / p95 / p99 (ms)",
         f"{quantiles[49]:.0f} / {quantiles[94]:.0f} / {quantiles[98]:.0f}", "p95 < 50 ms"],
    ]  # fmt: skip
    for (clients, batch), rate in rates.items():
        what = "single queries" if batch == 1 else f"batches of {batch}"
        target = ">= 1,000" if batch > 1 else ""
        rows.append([f"queries/s, {what}, {clients} concurrent clients", f"{rate:,.0f}", target])
    rows.append(
        ["server memory: after loading / at the end / peak (MB)",
         f"{loaded_mb:,.0f} / {resident_mb:,.0f} / {peak_mb:,.0f}", ""]
    )  # fmt: skip
    body = (
        "## Matching API (`sanctions serve`, `/api/match`)\n\n"
        f"`sanctions serve` in its own process over the `make run` warehouse (every bundled "
        f"list), asked over HTTP on the loopback: {len(queries)} queries, half listed names, "
        f"half names of nobody listed; {WARM_UP} requests of warm-up, then {SINGLE_REQUESTS} "
        "single-query requests one after another, then each concurrency level. Runs of up to "
        f"{SMALL_BATCH} queries (a single query, or concurrent ones screened together) are "
        "scored in Python (`Screener.score_in_python`: the model's SQL compiled, no DuckDB "
        "planning), larger ones in DuckDB, as the server does.\n\n"
        + table(["measure", "figure", "target"], rows)
    )
    print(body)
    write_section("api", body)


if __name__ == "__main__":
    main()
