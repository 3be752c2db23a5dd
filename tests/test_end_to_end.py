"""`sanctions run` on a fresh warehouse from the bundled snapshots and the sample articles:
lists -> articles -> mentions -> matches -> screening hits, recorded in a Dagster instance."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import cli

ROOT = Path(__file__).resolve().parents[1]

# `ran`: the session fixture of tests/conftest.py (one `sanctions run`, shared with the workbench
# tests, which copy its warehouse).


def query(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(folder / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_every_stage_is_materialized(ran: Path) -> None:
    assert query(ran, "select count(*) from articles.articles") == [(28,)]
    assert query(ran, "select count(distinct batch_id) from articles.articles") == [(1,)]
    mentions = query(ran, "select count(*) from articles.mentions")[0][0]
    assert isinstance(mentions, int) and mentions > 200
    hits = dict(query(ran, "select band, count(*) from outputs.screening_hits group by 1"))
    assert hits.get("match", 0) > 0 and hits.get("review", 0) > 0
    # The run used the committed models and wrote neither back.
    for name in ("mention_linkage.json", "crosslist_linkage.json"):
        assert (ran / "models" / name).read_bytes() == (
            ROOT / "data" / "models" / name
        ).read_bytes()
    charts = sorted(p.name for p in (ran / "charts").iterdir())
    assert "match_weights.html" in charts and any(c.startswith("waterfall_inbox-") for c in charts)
    row = query(
        ran,
        "select explanation, model_version, snapshot_sha from outputs.screening_hits "
        "order by probability desc limit 1",
    )[0]
    assert "name '" in str(row[0]) and row[1] and row[2]


@pytest.mark.slow
def test_the_run_reports_its_progress_and_logs_dagster_apart(ran: Path) -> None:
    """`sanctions run` prints a line per job with what it counted, and Dagster's event lines
    (DEBUG included) go to a log file beside the warehouse, not to the terminal."""
    said = (ran / "run_output.txt").read_text(encoding="utf-8")
    assert "DEBUG" not in said and "STEP_SUCCESS" not in said
    lines = said.splitlines()
    assert lines[0].startswith("sanctions run: Dagster's event log in ")
    jobs = [
        line.split(" (")[0] for line in lines if not line.startswith(("  ", "sanctions", "ran"))
    ]
    assert jobs[:2] == ["refresh_lists", "prepare_linkage"] and jobs[-1] == "publish_outputs"
    assert any(job.startswith("screen_batch [") for job in jobs)
    lists = next(line for line in lines if line.startswith("refresh_lists ("))
    assert "ofac_sdn " in lists and " entities" in lists and "checks " in lists
    batch = next(line for line in lines if line.startswith("screen_batch ["))
    assert re.search(r"articles 28 new articles, mentions \d+, matches \d+;", batch), batch
    assert lines[-1].startswith("ran 5 jobs; new article batches: inbox-")
    logs = sorted((ran / "logs").glob("run_*.log"))
    assert logs and "RUN_SUCCESS" in logs[0].read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_sample_counterparties_are_screened(ran: Path) -> None:
    hits = query(
        ran,
        "select record_id, entity_id, band, explanation from outputs.counterparty_hits "
        "where file = 'sample_counterparties.csv'",
    )
    found = {(r[0], r[1]): r[2] for r in hits}
    assert found[("C-0001", "ofac_sdn:12927")] == "match"  # Mahan Air
    assert found[("C-0006", "uk_ofsi:14270")] == "match"  # written in Cyrillic
    assert not any(r[0] in ("C-0008", "C-0014", "C-0018") for r in hits)  # namesake, non-listed
    assert all(str(r[3]).startswith("name '") for r in hits)
    problems = query(ran, "select row, severity from counterparties.problems order by row")
    assert (25, "error") in problems  # the row without a name


@pytest.mark.slow
def test_listed_entities_are_resolved_across_lists(ran: Path) -> None:
    entities = query(ran, "select count(*) from sources.entities")[0][0]
    resolved = query(
        ran,
        "select count(*), count(distinct canonical_id), count(*) filter (cluster_size > 1) "
        "from linkage.canonical_entities",
    )[0]
    assert resolved[0] == entities and 0 < resolved[1] < entities and resolved[2] > 1000  # type: ignore[operator]
    # The Libyan listed by the UN, the UK, the EU and OFAC is one canonical entity.
    lists = query(
        ran, "select lists from linkage.canonical_entities where entity_id = 'un_sc:LYi.006'"
    )
    assert lists == [(["EU", "OFAC SDN", "UK OFSI", "UN"],)]
    hits = query(ran, "select lists, canonical_id from outputs.screening_hits")
    assert hits and all(lists and canonical for lists, canonical in hits)
    assert any("," in str(lists) for lists, _ in hits)
    assert (ran / "models" / "crosslist_linkage.json").exists()
    exports = ran / "exports"
    assert (exports / "canonical_entities.parquet").stat().st_size > 0
    first = json.loads((exports / "canonical_entities.ftm.jsonl").read_text().splitlines()[0])
    assert {"id", "schema", "properties", "referents", "datasets"} <= set(first)


@pytest.mark.slow
def test_the_users_article_has_no_match_band_hit(ran: Path) -> None:
    hits = query(
        ran,
        "select mention, entity_id, band from outputs.screening_hits "
        "where title like 'US threatens more sanctions against China%' and band = 'match'",
    )
    assert hits == []
    people = {
        m
        for (m,) in query(
            ran,
            "select m.text from articles.mentions m join articles.articles a using (article_id) "
            "where a.title like 'US threatens more sanctions%' and m.label = 'PERSON'",
        )
    }
    assert {"Antony Blinken", "Xi Jinping", "Wang Wenbin", "Jens Stoltenberg", "Mao Ning"} <= people


@pytest.mark.slow
def test_cli_reads_the_results(
    ran: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--warehouse", str(ran / "w.duckdb"), "--model-dir", str(ran / "models")]
    assert cli.main([*base, "query", "select * from outputs.screening_hits", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["explanation"] for r in rows)
    top = max(rows, key=lambda r: r["probability"])
    assert cli.main([*base, "explain", top["mention_id"], top["entity_id"]]) == 0
    out = capsys.readouterr().out
    assert "prior" in out and "match weight" in out and top["entity_id"] in out
    assert (
        cli.main([*base, "screen", "Mahan Air", "--type", "org", "--country", "IR", "--json"]) == 0
    )
    screened = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert screened[0]["entity_id"] == "ofac_sdn:12927"
    # One row per canonical entity, with every list it is on.
    assert len({r["canonical_id"] for r in screened}) == len(screened)
    assert all(r["lists"] and r["entity_id"] in r["entity_ids"] for r in screened)
    # A decision is written to a copy: the session's warehouse is shared by other tests.
    shutil.copyfile(ran / "w.duckdb", tmp_path / "w.duckdb")
    base = ["--warehouse", str(tmp_path / "w.duckdb"), "--model-dir", str(ran / "models")]
    review = [*base, "review", top["mention_id"], top["entity_id"], "--decision", "not_match"]
    assert cli.main([*review, "--note", "namesake", "--reviewer", "tester"]) == 0
    capsys.readouterr()
    decided = query(
        tmp_path,
        f"select decision, reviewer from outputs.screening_hits where mention_id = "
        f"'{top['mention_id']}' and entity_id = '{top['entity_id']}'",
    )
    assert decided == [("not_match", "tester")]
    assert cli.main([*base, "review", "m_nope", "x:1", "--decision", "match"]) == 2


@pytest.mark.slow
def test_screen_articles_writes_the_stable_format(ran: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    lines = (ROOT / "data" / "articles" / "samples" / "articles.jsonl").read_text().splitlines()
    chosen = [json.loads(line) for line in lines if "dorda" in line.lower()][:1]
    chosen.append({"doc_id": "plain", "text": "The weather in Lisbon was mild on Tuesday."})
    docs.write_text("\n".join(json.dumps({k: d[k] for k in ("doc_id", "text")}) for d in chosen))
    out = tmp_path / "hits.jsonl"
    base = ["--warehouse", str(ran / "w.duckdb"), "--model-dir", str(ran / "models")]
    assert cli.main([*base, "screen-articles", str(docs), "--out", str(out)]) == 0
    hits = [json.loads(line) for line in out.read_text().splitlines()]
    assert hits, "the Dorda article must give hits"
    keys = {"doc_id", "mention", "start", "end", "entity_id", "matched_name", "probability", "band"}
    assert all(set(h) == keys for h in hits)
    assert {h["doc_id"] for h in hits} == {chosen[0]["doc_id"]}
    text = chosen[0]["text"]
    assert all(text[h["start"] : h["end"]] == h["mention"] for h in hits)
    assert any(h["entity_id"] == "un_sc:LYi.006" and h["band"] == "match" for h in hits)
    assert cli.main([*base, "screen-articles", str(tmp_path / "missing"), "--out", str(out)]) == 2


@pytest.mark.slow
def test_the_scorecard_on_the_samples_meets_its_floors(
    ran: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CI floors of the evaluation scorecard: a regression in extraction, blocking or the
    model fails here. The floors are the issue's bars: precision and recall at the match band
    at least 0.9, candidate recall at least 0.98."""
    base = ["--warehouse", str(ran / "w.duckdb"), "--model-dir", str(ran / "models")]
    floors = ["--min-precision", "0.9", "--min-recall", "0.9", "--min-candidate-recall", "0.98"]
    assert cli.main([*base, "eval", *floors, "--json"]) == 0
    card = json.loads(capsys.readouterr().out)["data/articles/samples/articles.jsonl"]
    assert card["articles"] == 28 and card["gold_pairs"] >= 70
    assert set(card["recall_at"]) == {"1", "3", "10"}
    assert {"source", "schema", "script"} <= set(card["slices"])
    assert card["calibration"] and card["curve"]
    # a floor above what is measured fails the command (recall is below 1: see card above)
    assert card["match"]["recall"] < 1.0
    assert cli.main([*base, "eval", "--min-recall", "1"]) == 1
    assert "below the floor" in capsys.readouterr().err
    assert card["match_or_review"]["recall"] < 1.0
    assert cli.main([*base, "eval", "--min-review-recall", "1"]) == 1
    assert "recall at match+review" in capsys.readouterr().err


SHARED_EVAL = ROOT.parent / "shared" / "data" / "eval" / "articles.jsonl"


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_EVAL.exists(), reason="the shared real-news evaluation is absent")
def test_the_scorecard_on_real_news_meets_its_floors(ran: Path) -> None:
    """The real-news development split (never fitted): floors just under the figures measured
    when the model was last trained (docs/benchmarks.md), so a regression fails CI."""
    base = ["--warehouse", str(ran / "w.duckdb"), "--model-dir", str(ran / "models")]
    floors = ["--min-precision", "0.95", "--min-recall", "0.91", "--max-ece", "0.05"]
    floors += ["--min-review-recall", "0.96"]
    assert cli.main([*base, "eval", "--labelled", str(SHARED_EVAL), *floors]) == 0
