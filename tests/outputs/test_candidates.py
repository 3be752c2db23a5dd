"""Models trained on demand (#18): `sanctions train` writes a candidate beside the warehouse with
its evaluation against the committed models and leaves the committed models alone;
`--promote` copies a candidate into the model folder; the `train_models` job does what the
command does, from the UI. On the UN list and the team's samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from assets.common.tables import ARTICLE_TABLES, LINKAGE_TABLES, ensure_tables
from assets.linkage.store import (
    CROSSLIST_MODEL_FILE,
    MODEL_FILE,
    MODEL_META_FILE,
    load_model,
)
from assets.outputs.candidates import (
    EVALUATION_FILE,
    WITHOUT_DECISIONS,
    candidate_folder,
    candidates_folder,
)
from assets.outputs.views import record_decision
from assets.sources import un_sc
from pipelines import cli
from tests.conftest import bundled_warehouse

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "data" / "models"
FACTS = ROOT / "data" / "training" / "news_mentions.jsonl"
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"


def digest(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_warehouse(tmp_path_factory.mktemp("candidates"), [un_sc.SPEC])


def decide_sample_hits(database: Path, ran: Path) -> dict[str, int]:
    """Bring the sample articles' mentions and their hits on UN-listed entities from the
    session's `sanctions run` into `database`, and decide some as an analyst would: three
    labelled mentions not_match (against their labels), two match, one unsure. Returns the
    counts `reviewed_facts` should report."""
    with duckdb.connect(str(database)) as con:
        ensure_tables(con, {**ARTICLE_TABLES, **LINKAGE_TABLES})
        con.execute(f"ATTACH '{ran / 'w.duckdb'}' AS ran (READ_ONLY)")
        con.execute("INSERT INTO articles.mentions SELECT * FROM ran.articles.mentions")
        con.execute(
            "INSERT INTO linkage.matches SELECT * FROM ran.linkage.matches "
            "WHERE entity_id LIKE 'un_sc:%'"
        )
        con.execute("DETACH ran")
        hits = con.execute(
            "SELECT mention_id, entity_id FROM linkage.matches ORDER BY mention_id"
        ).fetchall()
        for (mention, entity), decision in zip(
            hits, ["not_match"] * 3 + ["match"] * 2 + ["unsure"], strict=False
        ):
            record_decision(con, mention, entity, decision, "ana", "")
    return {"reviewed_mentions": 5, "reviewed_match_links": 2, "reviewed_no_match_mentions": 3}


def test_train_writes_a_candidate_and_promote_copies_it(
    warehouse: Path, ran: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = tmp_path / "models"
    shutil.copytree(COMMITTED, models)
    before = digest(models)
    database = tmp_path / "warehouse" / "w.duckdb"
    database.parent.mkdir()
    shutil.copyfile(warehouse, database)
    expected = decide_sample_hits(database, ran)
    base = ["--warehouse", str(database), "--model-dir", str(models), "train"]
    # A labelled file the models are measured on and never trained on (`--held-out`).
    held_out = tmp_path / "held_out.jsonl"
    held_out.write_text("".join(SAMPLES.read_text(encoding="utf-8").splitlines(True)[:6]))

    # Nothing trained yet: promote says so.
    assert cli.main([*base, "--promote"]) == 2

    assert cli.main([*base, "--facts", str(FACTS), "--held-out", str(held_out)]) == 0
    said = capsys.readouterr().out
    assert "analysts' decisions: 5 mentions trained on (2 match links" in said
    assert "1 left out" in said
    assert digest(models) == before  # training never writes the committed models
    folder = candidate_folder(candidates_folder(database), None)
    assert folder.parent == database.parent / "models"
    candidate = load_model(folder)
    assert folder.name == candidate.version
    # One list has no cross-references to learn from: the cross-list model is not retrained,
    # and promoting keeps the committed one.
    assert not (folder / CROSSLIST_MODEL_FILE).exists()
    evaluation = json.loads((folder / EVALUATION_FILE).read_text())
    assert set(evaluation) == {str(Path("data/articles/samples/articles.jsonl")), str(held_out)}
    cards = evaluation[str(Path("data/articles/samples/articles.jsonl"))]
    # The decisions were trained on: the same training without them is scored beside.
    assert set(cards) == {"candidate", "committed", WITHOUT_DECISIONS}
    stats = json.loads((folder / MODEL_META_FILE).read_text())["stats"]
    assert {k: stats[k] for k in expected} == expected
    assert stats["corpora"]["outputs.review_decisions"] == 5
    without = json.loads((folder / WITHOUT_DECISIONS / MODEL_META_FILE).read_text())["stats"]
    assert "outputs.review_decisions" not in without["corpora"]
    # The three mentions decided not_match lost the UN link their labels gave them.
    assert stats["gold_links"] == without["gold_links"] - 3
    assert candidate.version != load_model(folder / WITHOUT_DECISIONS).version
    for card in cards.values():
        assert card["gold_pairs"] > 10  # the samples' pairs with a UN-listed entity
        assert 0.0 <= card["match"]["recall"] <= 1.0
    assert not list(folder.parent.glob("*.partial"))

    assert cli.main([*base, "--promote", "no-such-version"]) == 2
    assert digest(models) == before
    assert cli.main([*base, "--promote", candidate.version]) == 0
    assert load_model(models).version == candidate.version
    for name in (MODEL_FILE, MODEL_META_FILE):
        assert (models / name).read_bytes() == (folder / name).read_bytes()
    assert (models / CROSSLIST_MODEL_FILE).read_bytes() == before[CROSSLIST_MODEL_FILE]
    assert not (models / WITHOUT_DECISIONS).exists()  # the baseline is not a model to promote


def test_the_train_models_job_trains_a_candidate(warehouse: Path, tmp_path: Path) -> None:
    from pipelines.definitions import defs

    job = defs.resolve_job_def("train_models")
    assert job.description and "promote" in job.description
    # Not part of a full run or of any schedule.
    everything = defs.resolve_job_def("everything")
    assert "train_candidate_models" not in {n.name for n in everything.nodes}
    assert all(s.job_name != "train_models" for s in defs.schedules or [])

    import dagster as dg

    from assets.articles.resources import NlpResource
    from assets.common.warehouse import WarehouseResource
    from assets.linkage.resources import LinkageResource
    from pipelines.training import train_models

    copy = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse, copy)
    before = digest(COMMITTED)
    result = train_models.execute_in_process(
        resources={
            "warehouse": WarehouseResource(database=str(copy)),
            "linkage": LinkageResource(model_dir=str(COMMITTED)),
            "nlp": NlpResource(),
        },
        run_config={
            "ops": {
                "train_candidate_models": {
                    "config": {"facts": str(FACTS), "labelled": str(SAMPLES)}
                }
            }
        },
    )
    assert result.success
    version = result.output_for_node("train_candidate_models")
    assert (tmp_path / "models" / version / MODEL_FILE).is_file()
    assert digest(COMMITTED) == before
    assert isinstance(result, dg.ExecuteInProcessResult)
