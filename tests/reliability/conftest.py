"""The ledger fixture, and the hook that writes docs/reliability.md at the end of a session.

The report is rewritten only when asked (``--reliability-report``: `make reliability`; `make
test` never writes a tracked file, and the fuzz tallies shift with what ran before them), and
only when the whole fault-injection suite was collected (no module
left out, nothing deselected by -k or -m), every one of its tests ran and passed, and each
recorded its trials: a partial or failing run never overwrites the table with fewer rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import REPORT, Ledger

HERE = Path(__file__).resolve().parent
_LEDGER = pytest.StashKey[Ledger]()
_STATE = pytest.StashKey[dict[str, set[str]]]()
# Test reports carry no config: the session's, once collected.
_CONFIG: pytest.Config | None = None


def _ours(nodeid_or_path: str | Path, config: pytest.Config) -> bool:
    path = Path(str(nodeid_or_path).split("::", 1)[0])
    if not path.is_absolute():
        path = Path(config.rootpath) / path
    return path.resolve().is_relative_to(HERE)


def _state(config: pytest.Config) -> dict[str, set[str]]:
    if _STATE not in config.stash:
        config.stash[_STATE] = {
            "collected": set(),
            "deselected": set(),
            "passed": set(),
            "failed": set(),
        }
    return config.stash[_STATE]


@pytest.fixture(scope="session")
def ledger(request: pytest.FixtureRequest) -> Ledger:
    config = request.config
    if _LEDGER not in config.stash:
        config.stash[_LEDGER] = Ledger()
    return config.stash[_LEDGER]


@pytest.fixture(autouse=True)
def _every_test_records_a_trial(ledger: Ledger) -> Iterator[None]:
    """A reliability test that records nothing would vanish from the report silently."""
    before = len(ledger.trials)
    yield
    assert len(ledger.trials) > before, "a reliability test must record its trial(s)"


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        if _ours(item.nodeid, item.config):
            _state(item.config)["deselected"].add(item.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    global _CONFIG
    _CONFIG = session.config
    state = _state(session.config)
    state["collected"] = {i.nodeid for i in session.items if _ours(i.nodeid, session.config)}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _CONFIG is None or not _ours(report.nodeid, _CONFIG):
        return
    state = _state(_CONFIG)
    if report.failed or (report.skipped and report.when == "call"):
        state["failed"].add(report.nodeid)
    elif report.when == "call" and report.passed:
        state["passed"].add(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = _state(config)
    modules = {p.resolve() for p in HERE.glob("test_*.py")}
    collected_modules = {
        (Path(config.rootpath) / n.split("::", 1)[0]).resolve() for n in state["collected"]
    }
    complete = (
        modules
        and modules <= collected_modules
        and not state["deselected"]
        and not state["failed"]
        and state["passed"] == state["collected"]
    )
    ledger = config.stash.get(_LEDGER, None)
    wanted = bool(config.getoption("--reliability-report"))
    if wanted and complete and ledger is not None and ledger.trials:
        text = ledger.markdown()
        if not REPORT.exists() or REPORT.read_text() != text:
            REPORT.parent.mkdir(parents=True, exist_ok=True)
            REPORT.write_text(text)
