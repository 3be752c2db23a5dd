"""kill -9 in the middle of a list load and in the middle of writing matches: after restart
the warehouse opens, every table holds either the old or the new version (never half of one,
never a mix of versions across tables), and a rerun ends exactly where an uninterrupted run
does."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.articles.assets import article_batches, articles, mentions
from assets.articles.batches import make_batch, scan_inbox, write_manifest
from assets.articles.resources import ArticleSourcesResource, NlpResource
from assets.common.warehouse import WarehouseResource
from assets.linkage.assets import list_records, matches
from assets.linkage.resources import LinkageResource
from tests.conftest import FIXTURES, Reply, ScriptedServer, fixture_bytes
from tests.reliability.harness import SDN, Ledger, copy_workspace, failure_message, run_list

ROOT = Path(__file__).resolve().parents[2]
OLD_SDN = fixture_bytes("ofac_sdn", "changes", "2023-12-28", "sdn.csv")
NEW_SDN = fixture_bytes("ofac_sdn", "changes", "2024-05-03", "sdn.csv")
NOW = dt.datetime(2026, 11, 26, 9, 0)

# What each table holds, without the columns that differ between two runs (times).
LIST_STATE = {
    "sources.entities": "SELECT entity_id, caption, fingerprint, snapshot_sha "
    "FROM sources.entities",
    "sources.names": "SELECT * FROM sources.names",
    "sources.changes": "SELECT source, snapshot_sha, previous_sha, entity_id, change, fields, "
    "caption FROM sources.changes",
    "sources.snapshots (accepted)": "SELECT source, sha256, entity_count, name_count "
    "FROM sources.snapshots WHERE status = 'accepted'",
}
MATCH_STATE = {
    "linkage.matches": "SELECT mention_id, entity_id, batch_id, matched_name, band, "
    "round(match_probability, 6), model_version, snapshot_sha, trigger FROM linkage.matches",
}

State = dict[str, Counter[str]]


def state(path: Path, tables: dict[str, str]) -> State:
    """Opening read-write replays the write-ahead log, as any restart would."""
    with duckdb.connect(str(path)) as con:
        existing = {
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
            ).fetchall()
        }
        out: State = {}
        for name, sql in tables.items():
            table = name.split(" ", 1)[0]
            rows = con.execute(sql).fetchall() if table in existing else []
            out[name] = Counter(repr(r) for r in rows)
        return out


def version_of(got: State, old: State, new: State) -> str:
    """'old' or 'new' when every table matches that version; fails on a half or mixed state."""
    versions = {
        table: "old" if got[table] == old[table] else "new" if got[table] == new[table] else "half"
        for table in got
    }
    assert "half" not in versions.values(), versions
    assert len(set(versions.values())) == 1 or old == new, f"tables of mixed versions: {versions}"
    return next(iter(versions.values()))


def lost_against(reference: State, got: State) -> int:
    return sum(sum((reference[t] - got[t]).values()) for t in reference)


def run_child(config: dict[str, object]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.reliability.child", json.dumps(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# --- list loads ---------------------------------------------------------------------------------

LIST_KILLS = {
    "after-delete-entities": ("after", r"DELETE FROM sources\.entities", 1),
    "before-commit": ("before", r"^\s*COMMIT", 1),
    "after-commit": ("after", r"^\s*COMMIT", 1),
}


@pytest.fixture(scope="module")
def list_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, State, State]:
    """A warehouse holding the 2023-12-28 SDN publication; the old and the new state."""
    folder = tmp_path_factory.mktemp("crash-list")
    server = ScriptedServer()
    server.thread.start()
    try:
        url = server.route("/sdn.csv", Reply(body=OLD_SDN))
        assert run_list(SDN, folder / "template", overrides={"sdn.csv": url}).success
        old = state(folder / "template" / "w.duckdb", LIST_STATE)
        reference = copy_workspace(folder / "template", folder / "reference")
        server.route("/sdn.csv", Reply(body=NEW_SDN))
        assert run_list(SDN, reference, overrides={"sdn.csv": url}).success
        new = state(reference / "w.duckdb", LIST_STATE)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    assert old != new and all(new[t] for t in new)
    return folder / "template", old, new


@pytest.mark.parametrize("point", sorted(LIST_KILLS))
def test_kill_9_during_a_list_load(
    point: str,
    list_case: tuple[Path, State, State],
    tmp_path: Path,
    http_server: ScriptedServer,
    ledger: Ledger,
) -> None:
    template, old, new = list_case
    workspace = copy_workspace(template, tmp_path / "w")
    url = http_server.route("/sdn.csv", Reply(body=NEW_SDN))
    config = {"job": "list", "source": "ofac_sdn", "workspace": str(workspace), "url": url}
    killed = run_child({**config, "kill_at": list(LIST_KILLS[point])})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    after_crash = state(workspace / "w.duckdb", LIST_STATE)  # the warehouse opens
    version = version_of(after_crash, old, new)
    rerun = run_list(SDN, workspace, overrides={"sdn.csv": url})  # a new process: the restart
    assert rerun.success, failure_message(rerun)
    final = state(workspace / "w.duckdb", LIST_STATE)
    assert final == new
    lost = lost_against(new, final)
    ledger.record(
        f"kill-9-list-load-{point}",
        "crash",
        f"SIGKILL of a process loading a new OFAC SDN publication, {point.replace('-', ' ')}",
        f"warehouse reopened holding the {version} publication in every table (no half "
        f"state); the rerun ended identical to an uninterrupted load",
        lost,
    )
    assert lost == 0


# --- writing matches ----------------------------------------------------------------------------

MATCH_KILLS = {
    "after-insert": ("after", r"INSERT INTO linkage\.matches", 1),
    "after-commit": ("after", r"^\s*COMMIT", 1),
}


def _linkage_resources(workspace: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database=str(workspace / "w.duckdb")),
        # A low review band, so the batch has many rows to write (quality is not the point).
        "linkage": LinkageResource(
            model_dir=str(workspace / "models"),
            charts_dir=str(workspace / "charts"),
            review_threshold=0.001,
        ),
    }


def run_matches(workspace: Path, batch: str) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(article_batches.name, [batch])
    return dg.materialize(
        [matches],
        partition_key=batch,
        instance=instance,
        resources=_linkage_resources(workspace),
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def matches_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, State, State]:
    """A warehouse with the SDN list, analysed list records and one batch of articles with
    their mentions, not yet scored; the state before and after scoring."""
    folder = tmp_path_factory.mktemp("crash-matches")
    template = folder / "template"
    shutil.copytree(ROOT / "data" / "models", template / "models")
    inbox = template / "inbox"
    shutil.copytree(FIXTURES / "articles" / "inbox", inbox)
    shutil.copy(FIXTURES / "articles" / "rescreen" / "sprut.json", inbox)
    server = ScriptedServer()
    server.thread.start()
    try:
        url = server.route("/sdn.csv", Reply(body=NEW_SDN))
        assert run_list(SDN, template, overrides={"sdn.csv": url}).success
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    batch = make_batch("inbox", NOW, files=scan_inbox(inbox))
    write_manifest(batch, template / "batches")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(article_batches.name, [batch.batch_id])
    resources = {
        **_linkage_resources(template),
        "article_sources": ArticleSourcesResource(
            inbox_dirs=str(inbox), batches_dir=str(template / "batches")
        ),
        "nlp": NlpResource(),
    }
    assert dg.materialize([list_records], resources=resources).success
    assert dg.materialize(
        [articles, mentions], partition_key=batch.batch_id, instance=instance, resources=resources
    ).success
    old = state(template / "w.duckdb", MATCH_STATE)
    reference = copy_workspace(template, folder / "reference")
    assert run_matches(reference, batch.batch_id).success
    new = state(reference / "w.duckdb", MATCH_STATE)
    assert sum(new["linkage.matches"].values()) >= 1 and old != new
    return template, batch.batch_id, old, new


@pytest.mark.parametrize("point", sorted(MATCH_KILLS))
def test_kill_9_while_writing_matches(
    point: str,
    matches_case: tuple[Path, str, State, State],
    tmp_path: Path,
    ledger: Ledger,
) -> None:
    template, batch, old, new = matches_case
    workspace = copy_workspace(template, tmp_path / "w")
    killed = run_child(
        {
            "job": "matches",
            "workspace": str(workspace),
            "batch": batch,
            "kill_at": list(MATCH_KILLS[point]),
        }
    )
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    version = version_of(state(workspace / "w.duckdb", MATCH_STATE), old, new)
    rerun = run_matches(workspace, batch)
    assert rerun.success, failure_message(rerun)
    final = state(workspace / "w.duckdb", MATCH_STATE)
    assert final == new
    lost = lost_against(new, final)
    ledger.record(
        f"kill-9-matches-{point}",
        "crash",
        f"SIGKILL of a process writing a batch's matches, {point.replace('-', ' ')}",
        f"warehouse reopened with the {version} matches ({sum(new['linkage.matches'].values())}"
        f" rows when new, none when old; never part); the rerun ended identical to an "
        f"uninterrupted run",
        lost,
    )
    assert lost == 0
