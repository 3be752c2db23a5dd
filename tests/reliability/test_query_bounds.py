"""`sanctions query` against queries that would run for ever, print millions of rows or take the
machine's memory: bounded in time (--timeout, Ctrl-C), rows (--limit) and memory."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assets.common.tables import WarehouseBusy, connect_waiting
from pipelines import cli
from tests.conftest import bundled_warehouse
from tests.reliability.harness import UN, Ledger

ROOT = Path(__file__).resolve().parents[2]
FOREVER = "SELECT count(*) FROM range(100000000) a, range(100000000) b"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_warehouse(tmp_path_factory.mktemp("query"), [UN], list_records=False)


def _command(warehouse: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "--warehouse", str(warehouse), *args]


def test_a_query_is_stopped_by_its_timeout(
    warehouse: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    code = cli.main(["--warehouse", str(warehouse), "query", FOREVER, "--timeout", "1"])
    seconds = time.monotonic() - started
    said = capsys.readouterr().err.strip()
    assert code == 1 and "stopped after 1 s" in said and seconds < 15
    ledger.record(
        "query-timeout",
        "files",
        "`sanctions query` of a cross join of two 10^8-row ranges, --timeout 1",
        f"exit 1 after {seconds:.0f} s: {said}",
        None,
    )


def test_ctrl_c_stops_a_running_query(warehouse: Path, ledger: Ledger) -> None:
    with subprocess.Popen(  # the default timeout (60 s) would stop it too, far later
        _command(warehouse, "query", FOREVER),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        time.sleep(4)  # start-up, then the query running
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = process.communicate(timeout=60)
        seconds = time.monotonic() - started
    said = err.decode().strip()
    assert process.returncode in (1, 130) and "interrupted" in said and "Traceback" not in said
    assert seconds < 10
    ledger.record(
        "query-ctrl-c",
        "files",
        "SIGINT (Ctrl-C) to `sanctions query` running the same cross join",
        f"exit {process.returncode} {seconds:.1f} s later: {said}",
        None,
    )


# The command run with its own peak memory written last on stderr: VmHWM of /proc/self/status
# is the high-water mark of this process's memory since its exec (getrusage's maximum would
# include the pages it shared with the forking test process).
_MEASURED = (
    "import atexit, runpy, sys\n"
    "def peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('peak ' + line.split()[1] + ' kB\\n')\n"
    "atexit.register(peak)\n"
    "sys.argv = ['sanctions', *sys.argv[1:]]\n"
    "runpy.run_module('pipelines.cli', run_name='__main__')\n"
)


def _peak_mb(stderr: str) -> float:
    return int(stderr.strip().splitlines()[-1].split()[1]) / 1024


def test_rows_are_limited_and_memory_bounded(warehouse: Path, ledger: Ledger) -> None:
    args = ["--warehouse", str(warehouse), "query", "SELECT * FROM range(10000000)", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    peak_mb = _peak_mb(done.stderr)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 1000
    assert "output cut at 1000 rows (--limit)" in done.stderr
    assert peak_mb < 1024
    greedy = subprocess.run(
        _command(warehouse, "query", "SELECT list(range) FROM range(1000000000)"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert greedy.returncode == 1 and "Out of Memory" in greedy.stderr
    assert "Traceback" not in greedy.stderr
    ledger.record(
        "query-rows-and-memory",
        "files",
        "`sanctions query 'SELECT * FROM range(10000000)' --json`, then a list of 10^9 numbers",
        f"1,000 rows and a note ({done.stderr.splitlines()[0]}), peak {peak_mb:.0f} MB; the list: "
        "exit 1, "
        f"{greedy.stderr.strip()[:120]}",
        None,
    )


def _holds_lock(warehouse: Path) -> bool:
    """Whether another process holds the warehouse (a writer cannot open it at once)."""
    try:
        connect_waiting(str(warehouse), read_only=False, wait_seconds=0).close()
    except WarehouseBusy:
        return True
    return False


def test_a_long_read_does_not_hold_a_run_past_its_lock_wait(
    warehouse: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    # A query may not run longer than a run waits for the lock.
    with pytest.raises(SystemExit) as too_long:
        cli.main(["--warehouse", str(warehouse), "query", "SELECT 1", "--timeout", "3600"])
    refused = capsys.readouterr().err.strip().splitlines()[-1]
    assert too_long.value.code == 2 and f"to {cli.QUERY_TIMEOUT_MAX:g}" in refused
    with subprocess.Popen(
        _command(warehouse, "query", FOREVER, "--timeout", "4"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as reader:
        deadline = time.monotonic() + 30
        while not _holds_lock(warehouse):  # start-up, then the query holding the file
            assert reader.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        # A writer that may not wait is told who holds the warehouse: the query, not a run.
        with pytest.raises(WarehouseBusy) as busy:
            connect_waiting(str(warehouse), read_only=False, wait_seconds=0.2)
        # A writer with a run's patience gets the warehouse once the query's time is up.
        started = time.monotonic()
        connect_waiting(str(warehouse), read_only=False, wait_seconds=60).close()
        waited = time.monotonic() - started
        _, err = reader.communicate(timeout=60)
    said = str(busy.value)
    assert f"process {reader.pid}" in said and "query" in said and "a run" not in said
    assert reader.returncode == 1 and b"stopped after 4 s" in err
    assert waited < 10
    ledger.record(
        "query-holds-writers",
        "crash",
        "a writer while `sanctions query` runs a cross join of two 10^8-row ranges (--timeout "
        "4); then `--timeout 3600`",
        f"the impatient writer is told it is locked by {said.split('locked by ')[1][:110]}...; a "
        f"writer with a run's wait got the warehouse {waited:.1f} s later, when the query "
        f"stopped; --timeout above {cli.QUERY_TIMEOUT_MAX:g} s exits 2: {refused[-80:]}",
        None,
    )
