"""The `train_models` job: `sanctions train` in the UI. It trains candidate models beside the
warehouse on the committed training facts and evaluates them against the committed models on
the team's samples (`assets.outputs.candidates`). It is in no schedule and not in the
`everything` job: a run never changes the models, and a candidate reaches `data/models/` only
by `sanctions train --promote`.

No `from __future__ import annotations` here: Dagster reads the op's config class from its
annotation when the op is defined."""

from pathlib import Path

import dagster as dg

from assets.articles.resources import NlpResource
from assets.common import defaults
from assets.common.warehouse import WarehouseResource
from assets.counterparties.training import read_record_facts
from assets.linkage.facts import read_facts
from assets.linkage.resources import LinkageResource
from assets.outputs.candidates import candidates_folder, train_candidate
from assets.outputs.evaluation import EvaluationSet
from assets.outputs.reviewed import reviewed_facts


class TrainingConfig(dg.Config):
    facts: str = defaults.FACTS
    record_facts: str = defaults.RECORD_FACTS
    labelled: str = defaults.LABELLED
    # The analysts' decided mentions (`outputs.review_decisions`) are trained on too.
    use_decisions: bool = True


@dg.op
def train_candidate_models(
    context: dg.OpExecutionContext,
    config: TrainingConfig,
    warehouse: WarehouseResource,
    linkage: LinkageResource,
    nlp: NlpResource,
) -> dg.Output[str]:
    """Train the mention model on the training facts and the analysts' decided mentions, the
    record model on the record facts and the cross-list model on the lists' cross-references
    into `models/<version>/` beside the warehouse, and evaluate them and the committed models
    (and, with decisions, the mention model trained without them) on the labelled samples."""
    facts = read_facts(Path(config.facts))
    record_facts = read_record_facts(Path(config.record_facts))
    with warehouse.get_connection() as con:
        samples = EvaluationSet.read(con, Path(config.labelled), nlp.model)
        reviewed = reviewed_facts(con) if config.use_decisions else None
        candidate = train_candidate(
            con,
            facts,
            candidates_folder(warehouse.database),
            Path(linkage.model_dir),
            [samples],
            record_facts,
            reviewed,
        )
    metadata: dict[str, dg.RawMetadataValue] = {
        "folder": str(candidate.folder),
        "record_version": str(candidate.record_version),
        "crosslist_version": candidate.crosslist_version
        or f"not retrained: {candidate.crosslist_note}",
        "promote": f"sanctions train --promote {candidate.version}",
        **{
            name: count
            for name, count in candidate.stats.items()
            if name.startswith("reviewed_") and isinstance(count, int)
        },
    }
    for role, card in candidate.evaluation[samples.name].items():
        metadata[f"{role}_precision"] = card["match"]["precision"]
        metadata[f"{role}_recall"] = card["match"]["recall"]
    context.log.info(f"candidate {candidate.version} -> {candidate.folder}")
    return dg.Output(candidate.version, metadata=metadata)


@dg.job(
    description="Train candidate models beside the warehouse and evaluate them against the "
    "committed ones (`sanctions train`); promote one with `sanctions train --promote`."
)
def train_models() -> None:
    train_candidate_models()
