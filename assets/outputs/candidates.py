"""Models trained on demand: a candidate is trained into a folder of its own beside the
warehouse, evaluated against the committed model on labelled articles, and promoted (copied
into the committed model folder, to be committed) only when asked. `make run`, the UI and the
tests read the committed models and never write them.

A candidate folder, `<candidates>/<mention model version>/`, holds the model files of the
committed folder (the record model's when record facts were given, the cross-list model's only
when it could be retrained) and
`evaluation.json`: per labelled file, the scorecards (`assets.outputs.evaluation`) of the
candidate and of the committed model. When analysts' decisions were trained on
(`assets.outputs.reviewed`), the mention model is also trained without them, into
`without_decisions/`, and scored beside the candidate: what the decisions changed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from assets.common.atomic import write_text_atomically
from assets.counterparties.training import RecordFacts, train_record_model
from assets.linkage import crosslist
from assets.linkage.facts import TrainingFacts, train_news_model
from assets.linkage.gold import known_entity_ids
from assets.linkage.screen import Screener
from assets.linkage.store import (
    CROSSLIST_META_FILE,
    CROSSLIST_MODEL_FILE,
    MODEL_FILE,
    MODEL_META_FILE,
    RECORD_META_FILE,
    RECORD_MODEL_FILE,
    OtherDeclaration,
    load_model,
    save_crosslist_model,
    save_model,
)
from assets.linkage.training import TrainedModel
from assets.outputs.evaluation import EvaluationSet, entity_facts, evaluate
from assets.outputs.reviewed import ReviewedFacts

MODEL_FILES = (
    MODEL_FILE,
    MODEL_META_FILE,
    RECORD_MODEL_FILE,
    RECORD_META_FILE,
    CROSSLIST_MODEL_FILE,
    CROSSLIST_META_FILE,
)
EVALUATION_FILE = "evaluation.json"
WITHOUT_DECISIONS = "without_decisions"
# Candidates live beside the warehouse, in this folder (`data/warehouse/models` by default):
# generated files, never committed.
CANDIDATES_FOLDER = "models"


def candidates_folder(warehouse: str | Path) -> Path:
    """Where candidates of the warehouse `warehouse` are trained: `models/` beside it."""
    return Path(warehouse).resolve().parent / CANDIDATES_FOLDER


@dataclass(frozen=True)
class Candidate:
    folder: Path
    version: str
    crosslist_version: str | None  # None: the cross-list model could not be retrained
    crosslist_note: str | None
    evaluation: dict[str, dict[str, Any]]  # set -> {"candidate": card, "committed": card}
    stats: dict[str, Any]
    record_version: str | None = None  # None: no record facts were given


def train_candidate(
    con: duckdb.DuckDBPyConnection,
    facts: TrainingFacts,
    candidates: Path,
    committed: Path,
    sets: Sequence[EvaluationSet],
    record_facts: RecordFacts | None = None,
    reviewed: ReviewedFacts | None = None,
) -> Candidate:
    """Train the models on the warehouse's lists (the mention model on `facts` and the
    analysts' `reviewed` mentions, the record model on `record_facts` when given, the
    cross-list model on the lists' cross-references) into `candidates/<version>/`, evaluate
    the mention models, the candidate's and the committed one in `committed` (and, with
    reviewed mentions, the candidate trained without them), on `sets`, and write the
    evaluation beside them. The folder is written whole or not at all (a partial folder is
    renamed into place at the end)."""
    decided = reviewed is not None and reviewed.mentions > 0
    trained_on = facts.relabelled_by(reviewed.facts) if reviewed is not None and decided else facts
    model, counts = train_news_model(con, trained_on)
    stats = {**model.stats, **counts, "corpora": trained_on.corpora}
    if reviewed is not None:
        stats.update(reviewed.counts())
    final = candidates / model.version
    partial = candidates / f"{model.version}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    _save_trained(partial, model, stats, MODEL_FILE, MODEL_META_FILE)
    baselines: dict[str, Path] = {}
    if decided:
        # The same training without the decisions: the evaluation's measure of what they did.
        base, base_counts = train_news_model(con, facts)
        base_stats = {**base.stats, **base_counts, "corpora": facts.corpora}
        baselines[WITHOUT_DECISIONS] = partial / WITHOUT_DECISIONS
        baselines[WITHOUT_DECISIONS].mkdir()
        _save_trained(baselines[WITHOUT_DECISIONS], base, base_stats, MODEL_FILE, MODEL_META_FILE)
    record_version: str | None = None
    if record_facts is not None:
        record_model, record_counts = train_record_model(con, record_facts)
        record_stats = {**record_model.stats, **record_counts}
        _save_trained(partial, record_model, record_stats, RECORD_MODEL_FILE, RECORD_META_FILE)
        record_version = record_model.version
    cross_version: str | None = None
    cross_note: str | None = None
    try:
        cross = crosslist.train(crosslist.entity_records(con), crosslist.cross_references(con))
    except crosslist.NotEnoughCrossReferences as exc:
        cross_note = str(exc)
    else:
        cross_version = crosslist.model_version(cross.settings)
        save_crosslist_model(partial, cross.settings, cross_version, cross.stats)
    evaluation = _evaluation(con, partial, committed, sets, baselines)
    write_text_atomically(
        partial / EVALUATION_FILE, json.dumps(evaluation, indent=2, sort_keys=True) + "\n"
    )
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    return Candidate(
        final, model.version, cross_version, cross_note, evaluation, stats, record_version
    )


def _save_trained(
    folder: Path, model: TrainedModel, stats: dict[str, Any], model_file: str, meta_file: str
) -> None:
    """Write a trained model and its metadata (version, stats, fitted bands) into `folder`."""
    bands = {"match": model.bands.match, "review": model.bands.review}
    meta = {"version": model.version, "stats": stats, "bands": bands}
    save_model(folder, model.settings, meta, model_file, meta_file)


def _evaluation(
    con: duckdb.DuckDBPyConnection,
    candidate: Path,
    committed: Path,
    sets: Sequence[EvaluationSet],
    baselines: dict[str, Path],
) -> dict[str, dict[str, Any]]:
    """Per set, the scorecards of the candidate's, the `baselines`' (role -> folder) and the
    committed mention model (the committed one left out when its folder has no model, or one
    of another declaration of the comparisons, which this version cannot score:
    `load_model`)."""
    known = known_entity_ids(con)
    facts = entity_facts(con)
    models = {"candidate": candidate, **baselines}
    if (committed / MODEL_FILE).exists() and _same_declaration(committed):
        models["committed"] = committed
    found: dict[str, dict[str, Any]] = {s.name: {} for s in sets}
    for role, folder in models.items():
        screener = Screener.from_warehouse(con, folder, load_model(folder).bands)
        try:
            for item in sets:
                card = evaluate(item.labelled, item.mentions, screener, known, facts)
                found[item.name][role] = card.as_dict()
        finally:
            screener.close()
    return found


def _same_declaration(folder: Path) -> bool:
    """Whether the model in `folder` compares what this version's declaration does."""
    try:
        load_model(folder)
    except OtherDeclaration:
        return False
    return True


def promote(candidates: Path, version: str | None, committed: Path) -> Path:
    """Copy the model files of candidate `version` (the newest candidate when None) into
    `committed`; returns the candidate's folder. Each file is replaced atomically."""
    folder = candidate_folder(candidates, version)
    present = [name for name in MODEL_FILES if (folder / name).is_file()]
    if MODEL_FILE not in present:
        raise ValueError(f"{folder}: no {MODEL_FILE}; not a candidate")
    committed.mkdir(parents=True, exist_ok=True)
    for name in present:
        write_text_atomically(committed / name, (folder / name).read_text(encoding="utf-8"))
    return folder


def candidate_folder(candidates: Path, version: str | None) -> Path:
    """The folder of candidate `version`, or of the newest candidate when None; ValueError
    naming what there is when there is no such candidate."""
    found = sorted(
        (p for p in candidates.glob("*") if p.is_dir() and (p / MODEL_FILE).is_file()),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    if not found:
        raise ValueError(f"no candidate model in {candidates}; train one with `sanctions train`")
    if version is None:
        return found[-1]
    for folder in found:
        if folder.name == version:
            return folder
    names = ", ".join(p.name for p in found)
    raise ValueError(f"no candidate {version!r} in {candidates} (there are: {names})")
