"""Child process of the crash and concurrency tests: runs one real materialization on a
warehouse, optionally killing itself with SIGKILL, or pausing, at a chosen SQL statement.

    python -m tests.reliability.child '<json>'

The JSON names the job ("list" with a `source`, or "matches" with a `batch`), its inputs, and
optionally `kill_at`: [when, pattern, n], i.e. kill "before" or "after" the n-th statement
matching the regular expression `pattern`, or `pause_at`: [pattern, seconds], i.e. after the
first matching statement print "holding" and sleep, keeping the warehouse locked. Only the
third-party library is instrumented (`duckdb.connect` returns a thin proxy watching
statements); the pipeline's own code runs unchanged.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

_real_connect = duckdb.connect


class _Counting:
    """A DuckDB connection that SIGKILLs the process around the n-th matching statement."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, kill_at: list[Any] | None, pause_at: list[Any] | None
    ) -> None:
        self._con = con
        self._kill = kill_at
        self._pause = pause_at

    def _run(self, method: str, sql: object, *args: Any, **kwargs: Any) -> Any:
        text = sql if isinstance(sql, str) else ""
        due = False
        if self._kill and re.search(self._kill[1], text, re.IGNORECASE | re.DOTALL):
            _SEEN[0] += 1
            due = _SEEN[0] == int(self._kill[2])
        if due and self._kill and self._kill[0] == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = getattr(self._con, method)(sql, *args, **kwargs)
        if due:
            os.kill(os.getpid(), signal.SIGKILL)
        if self._pause and re.search(self._pause[0], text, re.IGNORECASE | re.DOTALL):
            print("holding", flush=True)
            time.sleep(float(self._pause[1]))
            self._pause = None
        return result

    def execute(self, sql: object, *args: Any, **kwargs: Any) -> Any:
        return self._run("execute", sql, *args, **kwargs)

    def sql(self, sql: object, *args: Any, **kwargs: Any) -> Any:
        return self._run("sql", sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()


_SEEN = [0]


def instrument(warehouse: Path, kill_at: list[Any] | None, pause_at: list[Any] | None) -> None:
    if not kill_at and not pause_at:
        return
    target = str(warehouse.resolve())

    def connect(database: object = ":memory:", *args: Any, **kwargs: Any) -> Any:
        con = _real_connect(database, *args, **kwargs)  # type: ignore[arg-type]
        if isinstance(database, str) and str(Path(database).resolve()) == target:
            return _Counting(con, kill_at, pause_at)
        return con

    duckdb.connect = connect  # type: ignore[assignment]


def main(config: dict[str, Any]) -> int:
    workspace = Path(config["workspace"])
    instrument(workspace / "w.duckdb", config.get("kill_at"), config.get("pause_at"))
    if config["job"] == "list":
        from tests.reliability.harness import LIVE_SPECS, run_list

        spec, name = LIVE_SPECS[config["source"]]
        result = run_list(spec, workspace, overrides={name: config["url"]})
    else:
        from tests.reliability.test_crash import run_matches

        result = run_matches(workspace, config["batch"])
    print("success" if result.success else "failure", flush=True)
    if not result.success:
        from tests.reliability.harness import failure_message

        print(failure_message(result), flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
