"""The asset checks past the sources, on a real warehouse: the UN list, a batch of news scored
with the committed model, a counterparty file screened, the analysts' views. Each check passes
on the healthy warehouse and fails, naming what is wrong, on a copy broken with SQL (or, for
the counterparty rows, by the real sequence of events that leaves rows unscreened):

- `linkage/matches`: matches_for_mentions (warns), one_model_version (blocks);
- `outputs/screening_hits`: one_row_per_match; `outputs/counterparty_hits`: one_row_per_hit;
- `counterparties/matches`: every_row_screened_or_reported (blocks)."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.articles.assets import article_batches, articles, mentions
from assets.articles.batches import make_batch, scan_inbox, write_manifest
from assets.articles.resources import ArticleSourcesResource, NlpResource
from assets.common.warehouse import WarehouseResource
from assets.counterparties.assets import (
    counterparty_hits,
    counterparty_matches,
    counterparty_records,
)
from assets.counterparties.checks import EVERY_ROW_CHECK, every_row_screened_or_reported
from assets.counterparties.resources import CounterpartySourcesResource
from assets.linkage.assets import matches
from assets.linkage.checks import (
    MATCHES_FOR_MENTIONS,
    ONE_MODEL_VERSION,
    batch_has_matches,
    batch_model_versions,
)
from assets.linkage.resources import LinkageResource
from assets.linkage.store import load_model
from assets.outputs.assets import screening_hits
from assets.outputs.checks import (
    COUNTERPARTY_HITS_CHECK,
    SCREENING_HITS_CHECK,
    counterparty_hits_consistent,
    screening_hits_consistent,
)
from pipelines.definitions import defs
from tests.conftest import MODELS, bundled_warehouse
from tests.reliability.harness import UN, Ledger, failure_message

NOW = dt.datetime(2026, 12, 6, 9, 0)
LISTED_NEWS = (
    "Kabul, 1 August 2022. Ayman al-Zawahiri, the leader of Al-Qaida, was killed in a drone "
    "strike, United States officials said. The Security Council had listed Ayman al-Zawahiri "
    "under its ISIL (Da'esh) and Al-Qaida sanctions regime since 2001.\n"
)
UNLISTED_NEWS = (
    "Uppsala, 3 May 2024. Maria Lindqvist opened a bakery on the main square on Saturday. "
    "Her partner Jonas Berg said the shop would bake rye bread every morning.\n"
)
# Row 3 has no name: not screened, reported as an error.
COUNTERPARTIES = (
    "record_id,name,country\n"
    "C-1,Ayman al-Zawahiri,EG\n"
    "C-2,Jane Placeholder,GB\n"
    "C-3,,FR\n"
    "C-4,Maria Lindqvist,SE\n"
)
CHECKS = {
    ("linkage/matches", MATCHES_FOR_MENTIONS),
    ("linkage/matches", ONE_MODEL_VERSION),
    ("outputs/screening_hits", SCREENING_HITS_CHECK),
    ("outputs/counterparty_hits", COUNTERPARTY_HITS_CHECK),
    ("counterparties/matches", EVERY_ROW_CHECK),
}


@dataclass(frozen=True)
class Screened:
    folder: Path
    database: Path
    batch: str
    evaluations: dict[tuple[str, str], dg.AssetCheckEvaluation]


def resources(folder: Path, database: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database=str(database)),
        "article_sources": ArticleSourcesResource(
            inbox_dirs=str(folder / "inbox"), batches_dir=str(folder / "batches")
        ),
        "nlp": NlpResource(),
        # The committed models, read and never written (the charts go to the test's folder).
        "linkage": LinkageResource(model_dir=str(MODELS), charts_dir=str(folder / "charts")),
        "counterparty_sources": CounterpartySourcesResource(folder=str(folder / "counterparties")),
    }


def evaluations(
    result: dg.ExecuteInProcessResult,
) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def screen_batch(
    folder: Path, database: Path, inbox: Path
) -> tuple[str, dg.ExecuteInProcessResult]:
    """One batch of the files in `inbox`: articles, mentions and matches, materialized."""
    batch = make_batch("inbox", NOW, files=scan_inbox(inbox))
    write_manifest(batch, folder / "batches")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(article_batches.name, [batch.batch_id])
    result = dg.materialize(
        [articles, mentions, matches],
        partition_key=batch.batch_id,
        instance=instance,
        resources=resources(folder, database),
        raise_on_error=False,
    )
    return batch.batch_id, result


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Screened:
    folder = tmp_path_factory.mktemp("asset-checks")
    database = bundled_warehouse(folder, [UN])
    inbox = folder / "inbox"
    inbox.mkdir()
    (inbox / "zawahiri.txt").write_text(LISTED_NEWS, encoding="utf-8")
    batch, news = screen_batch(folder, database, inbox)
    assert news.success, failure_message(news)
    (folder / "counterparties").mkdir()
    (folder / "counterparties" / "clients.csv").write_text(COUNTERPARTIES, encoding="utf-8")
    views = dg.materialize(
        [counterparty_records, counterparty_matches, counterparty_hits, screening_hits],
        resources=resources(folder, database),
        raise_on_error=False,
    )
    assert views.success, failure_message(views)
    return Screened(folder, database, batch, {**evaluations(news), **evaluations(views)})


def broken_copy(screened: Screened, folder: Path, *statements: str) -> Path:
    """A copy of the healthy warehouse with `statements` run on it."""
    copy = folder / "w.duckdb"
    shutil.copy(screened.database, copy)
    with duckdb.connect(str(copy)) as con:
        for sql in statements:
            con.execute(sql)
    return copy


def read(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def test_every_check_passes_on_a_healthy_warehouse_and_runs_with_its_jobs(
    screened: Screened, ledger: Ledger
) -> None:
    assert set(screened.evaluations) == CHECKS
    for key, evaluation in screened.evaluations.items():
        assert evaluation.passed, (key, evaluation.description)
    said = screened.evaluations[("linkage/matches", ONE_MODEL_VERSION)].description or ""
    assert screened.batch in said and load_model(MODELS).version in said
    with read(screened.database) as con:
        mentions_found, matches_found = con.execute(
            "SELECT (SELECT count(*) FROM articles.mentions), (SELECT count(*) FROM "
            "linkage.matches WHERE entity_id = 'un_sc:QDi.006')"
        ).fetchall()[0]
        assert mentions_found and matches_found  # the news names Ayman al-Zawahiri
        outcomes = [
            batch_has_matches(con, screened.batch),
            batch_model_versions(con, screened.batch, load_model(MODELS).version),
            screening_hits_consistent(con),
            counterparty_hits_consistent(con),
            every_row_screened_or_reported(con),
        ]
    assert all(o.passed for o in outcomes), [o.description for o in outcomes if not o.passed]
    rows = next(o for o in outcomes if o.name == EVERY_ROW_CHECK).metadata
    assert rows["records_screened"] == 3 and rows["rows_reported"] == 1
    # The jobs the sensors and `sanctions run` launch carry the checks of their assets.
    in_jobs = {
        name: {
            (c.asset_key.to_user_string(), c.name)
            for c in defs.resolve_job_def(name).asset_layer.asset_graph.asset_check_keys
        }
        for name in ("screen_batch", "publish_outputs", "screen_counterparties")
    }
    assert in_jobs["screen_batch"] >= {k for k in CHECKS if k[0] == "linkage/matches"}
    assert ("outputs/screening_hits", SCREENING_HITS_CHECK) in in_jobs["publish_outputs"]
    assert in_jobs["screen_counterparties"] >= {
        ("counterparties/matches", EVERY_ROW_CHECK),
        ("outputs/counterparty_hits", COUNTERPARTY_HITS_CHECK),
    }
    ledger.record(
        "checks-healthy-warehouse",
        "crash",
        "the asset checks of matches, outputs and counterparties on a healthy warehouse (UN "
        "list, one batch of news, one counterparty file)",
        "; ".join(e.description or "" for _, e in sorted(screened.evaluations.items())),
        0,
    )


def test_mentions_without_matches_warn_naming_the_batch(
    screened: Screened, tmp_path: Path, ledger: Ledger
) -> None:
    copy = broken_copy(screened, tmp_path, "DELETE FROM linkage.matches")
    with read(copy) as con:
        outcome = batch_has_matches(con, screened.batch)
    assert not outcome.passed
    assert screened.batch in outcome.description and ", 0 matches" in outcome.description
    assert outcome.metadata["mentions"] > 0
    # Through Dagster: a batch of news naming nobody listed warns, and the run still succeeds.
    inbox = tmp_path / "inbox-unlisted"
    inbox.mkdir()
    (inbox / "bakery.txt").write_text(UNLISTED_NEWS, encoding="utf-8")
    batch, result = screen_batch(tmp_path, copy, inbox)
    assert result.success, failure_message(result)
    warned = evaluations(result)[("linkage/matches", MATCHES_FOR_MENTIONS)]
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    assert batch in (warned.description or "") and "0 matches" in (warned.description or "")
    ledger.record(
        "check-mentions-without-matches",
        "crash",
        "a batch's matches deleted; a batch of news naming nobody listed",
        f"matches_for_mentions: {outcome.description}; through Dagster it warns, the run "
        f"succeeds: {warned.description}",
        0,
    )


def test_two_model_versions_in_a_batch_fail_naming_them(
    screened: Screened, tmp_path: Path, ledger: Ledger
) -> None:
    copy = broken_copy(
        screened,
        tmp_path,
        "UPDATE linkage.matches SET model_version = 'f00dfeedbeef' WHERE rowid IN "
        "(SELECT rowid FROM linkage.matches ORDER BY mention_id, entity_id LIMIT 1)",
    )
    current = load_model(MODELS).version
    with read(copy) as con:
        total = con.execute("SELECT count(*) FROM linkage.matches").fetchall()[0][0]
        outcome = batch_model_versions(con, screened.batch, current)
        alone = batch_model_versions(con, screened.batch)  # no expected version: still two
    assert not outcome.passed and not alone.passed
    said = outcome.description
    assert screened.batch in said and "2 model versions" in said
    assert f"{current} ({total - 1} match" in said and "f00dfeedbeef (1 match" in said
    assert f"this run scored with model {current}" in said
    # The check blocks: its failure fails the step, so the outputs refresh does not follow.
    spec = next(s for s in matches.check_specs if s.name == ONE_MODEL_VERSION)
    assert spec.blocking
    ledger.record(
        "check-two-model-versions",
        "crash",
        "one of a batch's matches rewritten with another model version",
        f"one_model_version fails (blocking): {said}",
        0,
    )


def test_output_counts_off_from_the_matches_fail_naming_the_hits(
    screened: Screened, tmp_path: Path, ledger: Ledger
) -> None:
    with read(screened.database) as con:
        gone, shown_twice = con.execute(
            "SELECT min(mention_id), max(mention_id) FROM linkage.matches"
        ).fetchall()[0]
        twice_entity = con.execute(
            "SELECT entity_id FROM linkage.matches WHERE mention_id = ?", [shown_twice]
        ).fetchall()[0][0]
    assert gone != shown_twice
    copy = broken_copy(
        screened,
        tmp_path,
        # A mention gone from under its match: the view hides the hit.
        f"DELETE FROM articles.mentions WHERE mention_id = '{gone}'",
        # An entity repeated in a table the view joins: a hit shown twice.
        "INSERT INTO sources.entities SELECT * FROM sources.entities "
        f"WHERE entity_id = '{twice_entity}'",
        # A counterparty record gone from under its hit.
        "DELETE FROM counterparties.records WHERE record_id = 'C-1'",
    )
    with read(copy) as con:
        hits = screening_hits_consistent(con)
        counterparty = counterparty_hits_consistent(con)
    assert not hits.passed
    assert f"mention_id={gone}" in hits.description and "no longer stored" in hits.description
    assert f"mention_id={shown_twice}" in hits.description
    assert "1 stored, 2 shown" in hits.description and "rows shown for" in hits.description
    assert not counterparty.passed
    assert "record_id=C-1" in counterparty.description
    assert "counterparty record is no longer stored" in counterparty.description
    # Through Dagster: an error, not blocking (the views are the last assets of their jobs).
    result = dg.materialize(
        [screening_hits], resources=resources(screened.folder, copy), raise_on_error=False
    )
    assert result.success, failure_message(result)
    failed = evaluations(result)[("outputs/screening_hits", SCREENING_HITS_CHECK)]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert f"mention_id={gone}" in (failed.description or "")
    ledger.record(
        "check-output-counts-off",
        "crash",
        "a mention deleted under its match, a listed entity stored twice, a counterparty record "
        "deleted under its hit",
        f"one_row_per_match fails: {hits.description}; one_row_per_hit fails: "
        f"{counterparty.description}",
        0,
    )


def test_counterparty_rows_neither_screened_nor_reported_fail_naming_them(
    screened: Screened, tmp_path: Path, ledger: Ledger
) -> None:
    copy = broken_copy(
        screened,
        tmp_path,
        # The error reported for row 3 (no name) lost: row 3 neither screened nor reported.
        "DELETE FROM counterparties.problems WHERE row = 3",
        # A record lost after its file was read.
        "DELETE FROM counterparties.records WHERE record_id = 'C-2'",
    )
    with read(copy) as con:
        lost = every_row_screened_or_reported(con)
    assert not lost.passed
    assert lost.description.startswith("clients.csv: ")
    assert "3 records read from the file, 2 stored" in lost.description
    assert "1 row problem reported, 0 stored" in lost.description
    assert "rows 2, 3 neither screened nor reported" in lost.description
    (tmp_path / "unscreened").mkdir()
    unscreened_copy = broken_copy(
        screened, tmp_path / "unscreened", "UPDATE counterparties.files SET screened_at = NULL"
    )
    with read(unscreened_copy) as con:
        unscreened = every_row_screened_or_reported(con)
    assert not unscreened.passed
    assert "3 records not screened since the file last changed" in unscreened.description
    assert "record ids C-1, C-2, C-4" in unscreened.description  # row 3 was reported
    ledger.record(
        "check-counterparty-rows-unaccounted",
        "crash",
        "a counterparty row's error report deleted, a record deleted; a file marked unscreened",
        f"every_row_screened_or_reported fails: {lost.description}; {unscreened.description}",
        0,
    )


def test_a_file_rejected_before_its_records_were_screened_gets_them_screened(
    screened: Screened, tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real sequence: a file is read but its screening never runs (the run failed there),
    then a broken version replaces it. The broken version is rejected and the last readable
    records stay, as the file's; the next `screen_counterparties` (as the folder sensor
    launches it) screens them, and every row is accounted for."""
    folder = tmp_path / "counterparties"
    folder.mkdir()
    copy = tmp_path / "w.duckdb"
    shutil.copy(screened.database, copy)
    (folder / "suppliers.csv").write_text(
        "record_id,name\nS-1,Ayman al-Zawahiri\nS-2,Nordlys Timber\n", encoding="utf-8"
    )
    assert dg.materialize([counterparty_records], resources=resources(tmp_path, copy)).success
    (folder / "suppliers.csv").write_text("id,country\n1,FR\n", encoding="utf-8")
    for name, value in {
        "SANCTIONS_WAREHOUSE": copy,
        "SANCTIONS_COUNTERPARTY_DIR": folder,
        "SANCTIONS_MODEL_DIR": MODELS,
        "SANCTIONS_CHARTS_DIR": tmp_path / "charts",
        "SANCTIONS_FETCH_MODE": "snapshot",
        "SANCTIONS_RAW_DIR": tmp_path / "raw",
        "SANCTIONS_INBOX_DIRS": tmp_path / "inbox",
        "SANCTIONS_BATCHES_DIR": tmp_path / "batches",
    }.items():
        monkeypatch.setenv(name, str(value))
    result = defs.resolve_job_def("screen_counterparties").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert result.success, failure_message(result)
    passed = evaluations(result)[("counterparties/matches", EVERY_ROW_CHECK)]
    assert passed.passed, passed.description
    with read(copy) as con:
        status = con.execute(
            "SELECT status, screened_at IS NOT NULL FROM counterparties.files "
            "WHERE path = 'suppliers.csv'"
        ).fetchall()
        hits = con.execute(
            "SELECT DISTINCT record_id FROM counterparties.hits WHERE path = 'suppliers.csv'"
        ).fetchall()
    assert status == [("rejected", True)] and hits == [("S-1",)]
    ledger.record(
        "counterparty-file-rejected-before-screening",
        "crash",
        "a counterparty file read, its screening not run, then replaced by an unreadable "
        "version (rejected; the last readable records kept)",
        f"the next screen_counterparties screened the kept records (S-1 a hit), the check "
        f"passed: {passed.description}",
        0,
    )
