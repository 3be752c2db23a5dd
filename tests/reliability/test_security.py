"""Attacks: SQL through `sanctions query`, injection strings in list names, article titles and
command-line arguments, URL schemes, and inbox paths that leave the inbox."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.articles.batches import make_batch, scan_inbox, write_manifest
from assets.articles.ingest import fetch_url_articles
from assets.common.warehouse import WarehouseResource
from assets.sources.factory import build_list_asset
from assets.sources.fetch import FetchError, HttpSettings, http_get
from assets.sources.resources import ListFetcherResource
from pipelines import cli
from tests.conftest import Reply, ScriptedServer, fixture_bytes
from tests.reliability.harness import (
    SDN,
    UN,
    Ledger,
    census,
    failure_message,
    query,
    records_admitted,
    records_lost,
    run_articles,
    run_list,
    warehouse_with_a_match,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 26, 9, 0)
INJECTION = "O'Brien'); DROP TABLE sources.entities; --"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("security")
    result = dg.materialize(
        [build_list_asset(UN)],
        resources={
            "warehouse": WarehouseResource(database=str(folder / "w.duckdb")),
            "list_fetcher": ListFetcherResource(mode="snapshot", raw_dir=str(folder / "raw")),
        },
    )
    assert result.success
    return folder / "w.duckdb"


# --- sanctions query ----------------------------------------------------------------------------

REFUSED = {
    "ddl": [
        "DROP TABLE sources.entities",
        "CREATE TABLE main.x AS SELECT 1",
        "ALTER TABLE sources.entities RENAME TO e",
        "CREATE MACRO m() AS 1",
    ],
    "dml": [
        "DELETE FROM sources.entities",
        "INSERT INTO sources.names VALUES ('x','x','x','x','x','x','x')",
        "UPDATE sources.entities SET caption = 'x'",
        "WITH doomed AS (SELECT 1) DELETE FROM sources.names",
    ],
    "attach": ["ATTACH '/tmp/other.duckdb' AS other", "DETACH other", "USE other"],
    "copy-export": [
        "COPY sources.entities TO '/tmp/stolen.csv'",
        "COPY sources.names FROM '/etc/hostname'",
        "EXPORT DATABASE '/tmp/stolen-db'",
    ],
    "install-load": ["INSTALL httpfs", "LOAD httpfs", "FORCE INSTALL httpfs"],
    "pragma-set": [
        "PRAGMA enable_profiling",
        "SET enable_external_access = true",
        "RESET lock_configuration",
        "CHECKPOINT",
        "CALL pragma_version()",
    ],
    "file-reading": [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_blob('/etc/hostname')",
        "SELECT * FROM read_json_auto('/etc/hostname')",
        "SELECT * FROM read_parquet('/tmp/x.parquet')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM sniff_csv('/etc/passwd')",
    ],
    "stacked": ["SELECT 1; DROP TABLE sources.entities", "SELECT 1; ATTACH ':memory:' AS m"],
}


@pytest.mark.parametrize("category", sorted(REFUSED))
def test_query_refuses_anything_but_reading(
    category: str,
    warehouse: Path,
    tmp_path: Path,
    ledger: Ledger,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before, rows_before = warehouse.read_bytes(), census(warehouse)
    answers = []
    for sql in REFUSED[category]:  # one by one
        code = cli.main(["--warehouse", str(warehouse), "query", sql])
        err = capsys.readouterr().err
        assert code != 0, sql
        assert err.startswith("sanctions:") and "Traceback" not in err, err
        answers.append(err.strip())
        assert warehouse.read_bytes() == before, sql
    for leaked in ("/tmp/stolen.csv", "/tmp/stolen-db", "/tmp/other.duckdb"):
        assert not Path(leaked).exists()
    lost = records_lost(rows_before, census(warehouse))
    assert lost == 0
    ledger.record(
        f"query-{category}",
        "security",
        "`sanctions query` with " + "; ".join(f"`{s}`" for s in REFUSED[category]),
        f"each refused (exit ≠ 0), warehouse file byte for byte unchanged; e.g. {answers[0]}",
        lost,
    )


def test_the_read_only_connection_refuses_even_without_the_statement_check(
    warehouse: Path, ledger: Ledger
) -> None:
    """Defence in depth: were `check_read_only` bypassed, the connection itself refuses."""
    before = census(warehouse)
    con = cli.open_warehouse(str(warehouse))
    refused = []
    try:
        for sql in (
            "COPY sources.entities TO '/tmp/stolen.csv'",
            "SELECT * FROM read_text('/etc/hostname')",
            "DELETE FROM sources.entities",
            "SET enable_external_access = true",
            "ATTACH '/tmp/other.duckdb' AS other",
        ):
            with pytest.raises(duckdb.Error) as err:
                con.execute(sql)
            refused.append(type(err.value).__name__)
    finally:
        con.close()
    assert not Path("/tmp/stolen.csv").exists()
    lost = records_lost(before, census(warehouse))
    assert lost == 0
    ledger.record(
        "query-connection-level",
        "security",
        "COPY, read_text, DELETE, SET, ATTACH sent straight to the CLI's connection",
        f"refused by DuckDB itself (read-only, external access off, configuration locked): "
        f"{', '.join(sorted(set(refused)))}",
        lost,
    )


# --- injection strings ----------------------------------------------------------------------------

# f-string parts of SQL that the project formats, and why each is not user input. A new
# f-string in SQL fails this test until it is shown to be safe (or uses parameters).
FORMATTED_SQL = {
    ("assets/linkage/records.py", "table"): "a table name chosen by the code",
    ("assets/linkage/records.py", "records"): "a table name chosen by the code",
    ("assets/linkage/records.py", "frequencies"): "a table name chosen by the code",
    ("assets/linkage/splink_run.py", "' UNION ALL '.join(per_rule)"): "the model's blocking rules",
    ("assets/linkage/splink_run.py", "', '.join(columns)"): "column names from constants",
    ("assets/linkage/splink_run.py", "all_list_records"): "a table name chosen by the code",
    ("assets/linkage/splink_run.py", "self._all_list_records"): "a table name chosen by the code",
    ("assets/linkage/splink_run.py", "kind"): "TABLE or VIEW",
    ("assets/linkage/splink_run.py", "pipeline.generate_cte_pipeline_sql()"): "Splink's own SQL",
    ("assets/linkage/splink_run.py", "self.PREDICTIONS"): "a constant",
    ("assets/linkage/splink_run.py", "self._LIST_SIDE"): "a constant",
    ("assets/linkage/splink_run.py", "self._PAIRS"): "a constant",
    ("assets/linkage/splink_run.py", "self._keys_sql(rule, list_records)"): ("the model's rules"),
    ("assets/linkage/splink_run.py", "', '.join(members)"): "the list records' column names",
    ("assets/linkage/splink_run.py", "LIST_RECORDS"): "a constant",
    ("assets/linkage/splink_run.py", "MENTIONS"): "a constant",
    ("assets/linkage/splink_run.py", "_KEY_SEPARATOR"): "a constant",
    ("assets/linkage/splink_run.py", "replaced"): "column names from constants",
    ("assets/linkage/splink_run.py", "representatives"): "a view name chosen by the code",
    ("assets/linkage/splink_run.py", "rows"): "a table name chosen by the code",
    ("assets/linkage/splink_run.py", "self._MEMBERS"): "a constant",
    ("assets/linkage/splink_run.py", "self._list_keys(rule)"): "a table name chosen by the code",
    ("assets/linkage/splink_run.py", "self.predict_sql(threshold_match_probability)"): (
        "Splink's own SQL (the threshold is a float)"
    ),
    ("assets/linkage/splink_run.py", "side"): "a table name chosen by the code",
    ("assets/linkage/splink_run.py", "source"): "a constant",
    ("assets/linkage/splink_run.py", "self._SUBSET"): "a constant",
    ("assets/linkage/splink_run.py", "predictions"): "the predictions table's name, a constant",
    ("assets/linkage/backend.py", "int(self.config.threads)"): "an int",
    ("assets/linkage/backend.py", "result.physical_name"): "Splink's own table name",
    ("assets/linkage/store.py", "link_columns"): "the contracted column names",
    ("assets/linkage/training.py", "scored.physical_name"): "Splink's own table name",
    ("assets/linkage/training.py", "MENTIONS"): "a constant",
    ("assets/linkage/training.py", "_GAMMAS"): "a constant: the comparisons' gamma columns",
    ("assets/linkage/training.py", "LIST_RECORDS"): "a constant",
    ("assets/linkage/training.py", "SEED"): "a constant",
    ("assets/linkage/training.py", "ALIAS_PAIR_SAMPLE"): "a constant",
    ("assets/linkage/scoring.py", "EXPLAINED_SETS_SQL"): "SQL from constants",
    ("assets/linkage/scoring.py", "CONTEXT_SETS_SQL"): "SQL from constants",
    ("assets/linkage/scoring.py", "CONTEXT_TIE_SQL"): "SQL from constants",
    ("assets/linkage/scoring.py", "NOT_WEAK"): "SQL from constants",
    ("assets/linkage/scoring.py", "MAY_MATCH"): "SQL from constants (levels: parameters)",
    ("assets/linkage/scoring.py", "NOTHING_AGAINST"): "SQL from constants",
    ("assets/linkage/scoring.py", "IN_MATCH_BAND"): "SQL from constants (bands: parameters)",
    ("assets/linkage/scoring.py", "SCORED_PAIR"): "SQL from constants (bands: parameters)",
    ("assets/linkage/scoring.py", "NAMESAKE"): "SQL from constants",
    ("assets/linkage/scoring.py", "LIFTED_AS_NAMESAKE"): "SQL from constants",
    ("assets/linkage/scoring.py", "LIFTED_AS_EXACT"): "SQL from constants",
    ("assets/linkage/scoring.py", "BAND"): "SQL from constants",
    ("assets/linkage/scoring.py", "FINITE_PROBABILITY"): "SQL from constants",
    ("assets/linkage/scoring.py", "MATCH_EXPLANATION"): "SQL from constants (labels: parameters)",
    ("assets/linkage/scoring.py", "EXPLANATION_SQL"): "SQL from constants (labels: parameters)",
    ("assets/linkage/scoring.py", "MAP_COLUMNS_SQL"): "SQL from constants (labels: parameters)",
    ("assets/linkage/scoring.py", "table"): "Splink's own table name or a constant",
    ("assets/linkage/scoring.py", "MENTION_LEFT_COLUMNS"): "column names from constants",
    ("assets/linkage/scoring.py", "MENTION_RIGHT_COLUMNS"): "column names from constants",
    ("assets/linkage/scoring.py", "PROFILE_COLUMNS"): "column names from constants",
    ("assets/linkage/store.py", "replace_where"): "fixed fragments with ? parameters",
    ("assets/linkage/store.py", "rescreens"): "a table name chosen by the code",
    ("assets/linkage/records.py", "RELATED_SQL"): "SQL built from a mapping in the code",
    ("assets/linkage/store.py", "columns"): "the contracted column names",
    ("assets/articles/store.py", "where"): "fixed fragments with ? parameters",
    ("assets/articles/store.py", "staging"): "a table name made of a hex digest",
    ("assets/common/tables.py", "schema"): "the stage schema names",
    ("assets/sources/store.py", "', '.join(columns)"): "the contracted column names",
    ("assets/sources/store.py", "placeholders"): "one ? per column",
    ("assets/sources/store.py", "columns"): "the contracted column names",
    ("assets/sources/checks.py", "ctype"): "the contracted column types",
    ("assets/counterparties/store.py", "table"): "the counterparty table names, a constant tuple",
    ("assets/linkage/store.py", "table"): "the linkage table names, a constant tuple",
    ("assets/outputs/checks.py", "', '.join(key_names)"): "k0, k1...: made by the code",
    ("assets/outputs/checks.py", "EXAMPLES"): "an integer constant",
    ("assets/outputs/checks.py", "differing"): "SQL the check builds from its specs",
    ("assets/outputs/checks.py", "hits"): "SQL the check builds from its specs",
    ("assets/outputs/checks.py", "spec.view"): "the view names of the two specs",
    ("assets/outputs/workbench.py", "_grouped(where)"): "the queue's filters: column names from "
    "the code, each value a parameter (`_where`)",
    ("assets/outputs/workbench.py", "_QUEUE_SELECT"): "column names from a constant",
    ("assets/outputs/workbench.py", "_grouped('')"): "the ranked hits, no filter",
    ("assets/outputs/workbench.py", "', '.join(TOP_HIT_COLUMNS)"): "column names, a constant",
    ("assets/counterparties/store.py", "RECORD_DIGEST_SQL"): "a constant",
    ("assets/outputs/workbench.py", "_COUNTERPARTY_SELECT"): "column names, a constant",
    ("assets/outputs/workbench.py", "source"): "one of the constant `_COUNTERPARTY_SOURCES`, "
    "chosen by a checked decision filter",
    ("assets/outputs/workbench.py", "where"): "a constant band clause, its value a parameter",
    ("assets/counterparties/store.py", "LISTING_DIGEST_SQL"): "a constant",
}
SQL_VARIABLES = {
    ("assets/linkage/row_scoring.py", "threshold"): "a probability: compiles Splink's SQL to "
    "Python (RowScorer.query), nothing executed",
    ("assets/linkage/screen.py", "self.bands.scored_from"): "a probability: compiles Splink's "
    "SQL to Python (RowScorer.query), nothing executed",
    ("assets/common/tables.py", "sql"): "count_of's callers pass constants + params",
    ("assets/common/tables.py", "create_table_sql(table, columns)"): "the contracts",
    ("assets/outputs/views.py", "SCREENING_HITS_SQL"): "a constant",
    ("assets/counterparties/store.py", "COUNTERPARTY_HITS_SQL"): "a constant",
    ("assets/counterparties/store.py", "COUNTERPARTY_SUPPRESSED_SQL"): "a constant",
    ("assets/outputs/reviewed.py", "_REVIEWED_MENTIONS_SQL"): "a constant",
    ("assets/linkage/crosslist/records.py", "CROSS_REFERENCE_SQL"): "a constant",
    ("assets/linkage/crosslist/records.py", "ENTITY_RECORDS_SQL"): "a constant",
    ("assets/linkage/crosslist/model.py", "_PRIOR_RULE_SQL"): "a constant",
    ("assets/outputs/exports.py", "CANONICAL_EXPORT_SQL"): "a constant",
    ("pipelines/cli.py", "LOADED_LISTS_SQL"): "a constant",
    ("assets/outputs/api.py", "LOADED_LISTS_SQL"): "a constant",
    ("assets/outputs/api.py", "CHANGED_SQL.replace('{canonical}', canonical)"): "a constant with "
    "the canonical table's name or the constant `_OWN_CANONICAL`",
    ("assets/outputs/api.py", "export_sql"): "the constant export SQL over the same choice",
    ("assets/outputs/workbench.py", "_PER_DAY_SQL"): "a constant",
    ("assets/outputs/workbench.py", "sql"): "the three constant queries of `filter_choices`",
    ("assets/outputs/workbench.py", "_PER_LIST_SQL"): "a constant",
    ("assets/outputs/workbench.py", "_PER_BAND_SQL"): "a constant",
    ("pipelines/cli.py", "sql"): "`sanctions query`: refused unless read-only, see above",
}


def test_no_sql_is_formatted_from_user_input(ledger: Ledger) -> None:
    formatted, variables = set(), set()
    for path in sorted([*ROOT.glob("assets/**/*.py"), *ROOT.glob("pipelines/**/*.py")]):
        relative = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "sql", "query")
                and node.args
            ):
                continue
            first = node.args[0]
            if isinstance(first, ast.JoinedStr):
                for part in first.values:
                    if isinstance(part, ast.FormattedValue):
                        formatted.add((relative, ast.unparse(part.value)))
            elif not isinstance(first, ast.Constant):
                variables.add((relative, ast.unparse(first)))
    assert formatted <= set(FORMATTED_SQL), sorted(formatted - set(FORMATTED_SQL))
    assert variables <= set(SQL_VARIABLES), sorted(variables - set(SQL_VARIABLES))
    ledger.record(
        "sql-built-with-parameters",
        "security",
        "every SQL statement in assets/ and pipelines/ inspected (AST) for formatted values",
        f"{len(formatted)} formatted parts, all code-chosen names or constants (listed in the "
        "test); every value from a list, an article or the command line goes in as a parameter",
        None,
    )


def test_injection_strings_in_list_names_are_stored_verbatim(
    tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    sdn = fixture_bytes("ofac_sdn", "changes", "2023-12-28", "sdn.csv")
    first = sdn.split(b"\r\n", 1)[0]
    name = first.split(b'"')[1]  # the quoted second field: an organisation name
    hostile = first.replace(name, INJECTION.encode(), 1)
    url = http_server.route("/sdn.csv", Reply(body=sdn.replace(first, hostile, 1)))
    result = run_list(SDN, tmp_path, overrides={"sdn.csv": url})
    assert result.success, failure_message(result)
    names = [n for (n,) in query(tmp_path / "w.duckdb", "select name from sources.names")]
    assert any(INJECTION in n for n in names)
    count = query(tmp_path / "w.duckdb", "select count(*) from sources.entities")[0][0]
    lost = len(SDN.parse({"sdn.csv": sdn}).entities) - int(str(count))  # entities not stored
    assert lost == 0
    ledger.record(
        "injection-list-name",
        "security",
        f"an OFAC entity named `{INJECTION}`",
        f"stored verbatim as a name; all {count} entities and every table intact",
        lost,
    )


def test_injection_strings_in_articles_are_stored_verbatim(tmp_path: Path, ledger: Ledger) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    title = "Robert'); DROP TABLE articles.articles; --"
    text = "Story\n\n" + INJECTION + " said ' OR '1'='1 on Monday; \\x00 \"; DELETE FROM x; --"
    (inbox / "hostile.json").write_text(json.dumps({"title": title, "text": text}))
    batch = make_batch("inbox", NOW, files=scan_inbox(inbox))
    write_manifest(batch, tmp_path / "batches")
    result = run_articles(tmp_path, batch.batch_id, inbox_dirs=str(inbox))
    assert result.success, failure_message(result)
    stored = query(tmp_path / "w.duckdb", "select title, text from articles.articles")
    assert stored == [(title, text)]
    lost = 1 - len(stored)  # the one article given
    ledger.record(
        "injection-article-title",
        "security",
        f"an inbox article titled `{title}` with quotes and SQL in its text",
        "stored verbatim, title and text, in articles.articles; no table touched",
        lost,
    )


def test_injection_strings_in_cli_arguments(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = warehouse_with_a_match(warehouse, tmp_path)
    before = census(copy)
    base = ["--warehouse", str(copy)]
    assert cli.main([*base, "explain", "' OR '1'='1", "x'); DROP TABLE sources.entities; --"]) == 2
    said = capsys.readouterr().err
    assert "no match of mention" in said
    note = "'); DELETE FROM outputs.review_decisions; --"
    reviewer = "eve'; DROP TABLE linkage.matches; --"
    args = ["review", "m_1", "un_sc:QDi.001", "--decision", "not_match", "--note", note]
    assert cli.main([*base, *args, "--reviewer", reviewer]) == 0
    assert cli.main([*base, *args, "--reviewer", reviewer]) == 0
    capsys.readouterr()
    stored = query(copy, "select reviewer, note from outputs.review_decisions")
    assert stored == [(reviewer, note), (reviewer, note)]
    after = census(copy)
    lost = records_lost(before, after)
    assert lost == 0 and records_admitted(before, after) == 0
    ledger.record(
        "injection-cli-arguments",
        "security",
        "`sanctions explain` and `sanctions review` with quotes and SQL in ids, note, reviewer",
        f"explain: {said.strip()}; review: note and reviewer stored verbatim (twice: an "
        "audit trail), nothing else changed",
        lost,
    )


# --- URLs ----------------------------------------------------------------------------------------


def test_only_http_and_https_are_fetched(http_server: ScriptedServer, ledger: Ledger) -> None:
    settings = HttpSettings(retries=0)
    refused = {}
    for url in (
        "file:///etc/passwd",
        "ftp://example.test/list.xml",
        "gopher://127.0.0.1:70/x",
        "data:text/plain,hello",
        http_server.route(
            "/to-file", Reply(status=302, headers={"Location": "file:///etc/passwd"})
        ),
    ):
        with pytest.raises(FetchError) as err:
            http_get("un_sc", url, settings)
        refused[url] = str(err.value)
    pages = fetch_url_articles(["file:///etc/passwd"], settings, now=NOW)
    assert pages.articles == [] and len(pages.skipped) == 1
    assert all("passwd" not in str(a.text) for a in pages.articles)
    ledger.record(
        "url-schemes",
        "security",
        "file://, ftp://, gopher://, data: URLs and an http redirect to file://",
        f"every one refused before any read; e.g. {refused['file:///etc/passwd']}",
        None,
    )


# --- the inbox -----------------------------------------------------------------------------------


def test_inbox_paths_that_leave_the_inbox_are_refused(tmp_path: Path, ledger: Ledger) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Secret memo\n\ncanary-0b1d not for the inbox")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "real.txt").write_text("Real story\n\nA port was closed on Monday.")
    (inbox / "escape.txt").symlink_to(secret)
    (inbox / "folder-link").symlink_to(secret.parent, target_is_directory=True)
    (inbox / "dotdot.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    files = scan_inbox(inbox)
    # A manifest naming paths outside the inbox (tampered, or hand-written).
    forged = [
        *files,
        dataclasses.replace(files[0], path="../outside/secret.txt"),
        dataclasses.replace(files[0], path=str(secret)),
    ]
    batch = make_batch("inbox", NOW, files=forged)
    write_manifest(batch, tmp_path / "batches")
    result = run_articles(tmp_path, batch.batch_id, inbox_dirs=str(inbox))
    assert result.success, failure_message(result)
    texts = " ".join(
        str(t) for (t,) in query(tmp_path / "w.duckdb", "select text from articles.articles")
    )
    assert "canary-0b1d" not in texts and "A port was closed" in texts
    lost = 1 - len(query(tmp_path / "w.duckdb", "select 1 from articles.articles"))
    skipped = dict(query(tmp_path / "w.duckdb", "select ref, reason from articles.skipped_inputs"))
    assert {k: v for k, v in skipped.items() if v == "symlink refused"}.keys() == {
        "escape.txt",
        "folder-link",
        "dotdot.txt",
    }
    ledger.record(
        "inbox-escape",
        "security",
        "inbox symlinks to a file and a folder outside it, a relative `..` symlink, and a "
        "batch manifest naming `../outside/secret.txt` and an absolute path",
        "symlinks refused and recorded as skipped; the forged manifest paths never read; the "
        "secret's text nowhere in the warehouse, the real article stored",
        lost,
    )
