"""Models trained on demand (#18): `sanctions train` writes a candidate beside the warehouse with
its evaluation against the committed models and leaves the committed models alone;
`--promote` copies a candidate into the model folder; the `train_models` job does what the
command does, from the UI. On the UN list and the team's samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assets.linkage.store import (
    CROSSLIST_MODEL_FILE,
    MODEL_FILE,
    MODEL_META_FILE,
    load_model,
)
from assets.outputs.candidates import EVALUATION_FILE, candidate_folder, candidates_folder
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


def test_train_writes_a_candidate_and_promote_copies_it(warehouse: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(COMMITTED, models)
    before = digest(models)
    base = ["--warehouse", str(warehouse), "--model-dir", str(models), "train"]

    # Nothing trained yet: promote says so.
    assert cli.main([*base, "--promote"]) == 2

    assert cli.main([*base, "--facts", str(FACTS)]) == 0
    assert digest(models) == before  # training never writes the committed models
    folder = candidate_folder(candidates_folder(warehouse), None)
    assert folder.parent == warehouse.parent / "models"
    candidate = load_model(folder)
    assert folder.name == candidate.version
    # One list has no cross-references to learn from: the cross-list model is not retrained,
    # and promoting keeps the committed one.
    assert not (folder / CROSSLIST_MODEL_FILE).exists()
    evaluation = json.loads((folder / EVALUATION_FILE).read_text())
    cards = evaluation[str(Path("data/articles/samples/articles.jsonl"))]
    assert set(cards) == {"candidate", "committed"}
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
