"""Child process of the crash tests: runs one real materialization on a warehouse and kills
itself with SIGKILL at a chosen SQL statement on that warehouse.

    python -m tests.reliability.crash_child '<json>'

The JSON names the job ("list" or "matches"), its inputs, and `kill_at`: [when, pattern, n],
i.e. kill "before" or "after" the n-th statement matching the regular expression `pattern`.
Only the third-party library is instrumented (`duckdb.connect` returns a thin proxy counting
statements); the pipeline's own code runs unchanged.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import duckdb

_real_connect = duckdb.connect


class _Counting:
    """A DuckDB connection that SIGKILLs the process around the n-th matching statement."""

    def __init__(self, con: duckdb.DuckDBPyConnection, when: str, pattern: str, n: int) -> None:
        self._con = con
        self._when = when
        self._pattern = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        self._n = n

    def _run(self, method: str, sql: object, *args: Any, **kwargs: Any) -> Any:
        hit = isinstance(sql, str) and self._pattern.search(sql) is not None
        if hit:
            _SEEN[0] += 1
        due = hit and _SEEN[0] == self._n
        if due and self._when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = getattr(self._con, method)(sql, *args, **kwargs)
        if due and self._when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
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


def instrument(warehouse: Path, kill_at: list[object] | None) -> None:
    if not kill_at:
        return
    when, pattern, n = str(kill_at[0]), str(kill_at[1]), int(str(kill_at[2]))
    target = str(warehouse.resolve())

    def connect(database: object = ":memory:", *args: Any, **kwargs: Any) -> Any:
        con = _real_connect(database, *args, **kwargs)  # type: ignore[arg-type]
        if isinstance(database, str) and str(Path(database).resolve()) == target:
            return _Counting(con, when, pattern, n)
        return con

    duckdb.connect = connect  # type: ignore[assignment]


def main(config: dict[str, Any]) -> int:
    workspace = Path(config["workspace"])
    instrument(workspace / "w.duckdb", config.get("kill_at"))
    if config["job"] == "list":
        from tests.reliability.harness import SDN, run_list

        result = run_list(SDN, workspace, overrides={"sdn.csv": config["url"]})
    else:
        from tests.reliability.test_crash import run_matches

        result = run_matches(workspace, config["batch"])
    print("success" if result.success else "failure", flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
