"""Counterparty screening: quality on the development set built from the lists
(`benchmarks/devset.py`: recall of the expected entity, false-alarm rate on non-listed names,
per slice; targets recall >= 0.97 and false alarms <= 2 % at the match band) and speed of
`sanctions screen-file` on 100,000 records against every bundled list (targets: under 2 minutes
wall and 4 GB peak RSS on 2 cores)."""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import duckdb

from assets.counterparties.screening import CounterpartyScreener
from assets.linkage.scoring import Bands
from assets.linkage.store import load_record_model
from benchmarks import devset
from benchmarks.linkage import build_warehouse
from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "data" / "models"
SPEED_RECORDS = 100_000
THRESHOLDS = (0.02, 0.03, 0.05, 0.08, 0.1, 0.2, 0.35, 0.6, 0.9)
# A second development set, built the same way, used only to check the record model and bands
# chosen on the first (`devset.SEED`).
HELD_OUT_SEED = 7


def _rate(hit: int, total: int) -> str:
    return f"{hit / total:.3f}" if total else "-"


def quality(database: Path, bands: Bands, seed: int = devset.SEED) -> dict[str, Any]:
    with duckdb.connect(str(database), read_only=True) as con:
        dev = devset.build(con, seed=seed)
        screener = CounterpartyScreener.from_warehouse(con, MODEL_DIR, bands)
        probe = CounterpartyScreener.from_warehouse(
            con, MODEL_DIR, Bands(match=bands.match, review=1e-6)
        )
        # Every pair from the lowest threshold up in the match band, but those the bands keep
        # for review however high they score.
        floor = CounterpartyScreener.from_warehouse(
            con, MODEL_DIR, Bands(match=min(THRESHOLDS), review=min(THRESHOLDS))
        )
    records = devset.records(dev)
    started = time.perf_counter()
    hits = screener.screen(records)
    seconds = time.perf_counter() - started
    by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for hit in hits:
        by_row[hit["row"]].append(hit)

    slices: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    misses = []
    for item in dev.records:
        found = by_row.get(item.record.row, [])
        counts = slices[(item.kind, item.slice)]
        counts["records"] += 1
        if item.kind == "positive":
            bands_of_expected = {h["band"] for h in found if h["entity_id"] == item.expected}
            counts["match"] += "match" in bands_of_expected
            counts["review"] += bool(bands_of_expected)
            if "match" not in bands_of_expected:
                misses.append(item)
        elif item.kind in ("namesake", "near_miss"):
            # the listed entity it is not; a near-miss without one (a given name alone): any
            counts["match"] += any(
                h["band"] == "match" and item.expected in (None, h["entity_id"]) for h in found
            )
            counts["review"] += any(item.expected in (None, h["entity_id"]) for h in found)
        else:
            counts["match"] += any(h["band"] == "match" for h in found)
            counts["review"] += bool(found)

    # Recall, false alarms, near-miss and namesake hits by threshold, from one pass with a low
    # floor. A pair the bands keep for review however high it scores (a weak alias, one word of
    # a person's name) is in review at the floor's match band already: it never counts.
    low = {
        (h["row"], h["entity_id"]): 0.0 if h["band"] == "review" else h["match_probability"]
        for h in floor.screen(records)
    }
    sweep = []
    for threshold in THRESHOLDS:
        rates = rates_at(dev, low, threshold)
        sweep.append(
            [
                threshold,
                *(
                    f"{rates[kind]:.3f}" if kind in rates else "-"
                    for kind in ("positive", "negative", "near_miss", "namesake")
                ),
            ]
        )

    # What the false alarms (negatives' hits at the review band or above) look like.
    alarms: Counter[str] = Counter()
    alarm_examples: dict[str, list[str]] = defaultdict(list)
    negative_rows = {d.record.row for d in dev.records if d.kind == "negative"}
    for hit in hits:
        if hit["row"] not in negative_rows:
            continue
        levels = dict(hit["levels"])
        pattern = (
            f"name: {levels['name']}; country: {levels['country']}; birth: {levels['birth_year']}"
        )
        alarms[pattern] += 1
        if len(alarm_examples[pattern]) < 3:
            alarm_examples[pattern].append(
                f"{hit['query']!r} vs {hit['matched_name']!r} p={hit['match_probability']:.2f}"
            )

    # Why the misses missed: the expected entity's best pair with no probability floor.
    probed = probe.screen([m.record for m in misses])
    best: dict[int, dict[str, Any]] = {}
    for hit in probed:
        expected = next(m for m in misses if m.record.row == hit["row"]).expected
        if hit["entity_id"] == expected and hit["row"] not in best:
            best[hit["row"]] = hit
    patterns: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for miss in misses:
        pair = best.get(miss.record.row)
        if pair is None:
            level = "no candidate pair (blocking)"
        else:
            levels = dict(pair["levels"])
            context = [
                c
                for c in ("country", "birth_year", "schema")
                if levels.get(c) not in (None, "no data")
            ]
            level = f"name: {levels['name']}; context: {', '.join(context) or 'none'}"
        key = (miss.slice, level)
        patterns[key] += 1
        if len(examples[key]) < 2:
            shown = (
                f"{miss.record.name!r} vs {pair['matched_name']!r} "
                f"p={pair['match_probability']:.2f}"
                if pair
                else repr(miss.record.name)
            )
            examples[key].append(shown)
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for (kind, _), counts in slices.items():
        totals[kind].update(counts)
    return {
        "rates": {kind: c["match"] / c["records"] for kind, c in totals.items()},
        "slices": slices,
        "patterns": patterns,
        "examples": examples,
        "sweep": sweep,
        "alarms": alarms,
        "alarm_examples": alarm_examples,
        "seconds": seconds,
        "match_band": bands.match,
        "records": len(records),
        "namesakes_dropped": dev.namesakes_dropped,
    }


def write_speed_file(database: Path, path: Path, count: int) -> None:
    """`count` records: one in ten from the lists (perturbed), the rest generated names."""
    slices = len(devset.ALL_SLICES) + len(devset.NEAR_MISS_SLICES)
    per_slice = count // 10 // slices
    with duckdb.connect(str(database), read_only=True) as con:
        dev = devset.build(
            con, positives_per_slice=per_slice, negatives=count - per_slice * slices, namesakes=0
        )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "name", "type", "country", "birth_year", "segment"])
        for item in dev.records:
            r = item.record
            writer.writerow(
                [r.record_id, r.name, r.kind, r.country or "", r.birth_year or "", item.slice]
            )


def speed(database: Path, folder: Path) -> dict[str, Any]:
    source = folder / "counterparties.csv"
    write_speed_file(database, source, SPEED_RECORDS)
    out = folder / "hits.jsonl"
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "--warehouse",
        str(database),
        "--model-dir",
        str(MODEL_DIR),
        "screen-file",
        str(source),
        "--out",
        str(out),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"screen-file failed: {done.stderr[-2000:]}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = out.read_text(encoding="utf-8").splitlines()
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "hits": len(lines),
        "match_hits": sum(1 for line in lines if json.loads(line)["band"] == "match"),
        "summary": done.stdout.strip(),
    }


def rates_at(
    dev: devset.DevSet, best: dict[tuple[int, str], float], threshold: float
) -> dict[str, float]:
    """Recall, false-alarm, near-miss and namesake rates of a scorer whose best score per
    (record row, entity) is `best`, flagging at `threshold`."""
    by_row: dict[int, dict[str, float]] = defaultdict(dict)
    for (row, entity_id), score in best.items():
        if score >= threshold:
            by_row[row][entity_id] = score
    hit: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for item in dev.records:
        flagged = by_row.get(item.record.row, {})
        total[item.kind] += 1
        if item.kind == "negative" or item.expected is None:
            hit[item.kind] += bool(flagged)
        else:
            hit[item.kind] += item.expected in flagged
    return {kind: hit[kind] / total[kind] for kind in total}


def side_by_side(database: Path, q: dict[str, Any]) -> list[list[Any]]:
    """Ours against rapidfuzz and nomenklatura on the same development-set records (each
    record as the mention `sanctions screen-file` makes of it): recall, false alarms,
    near-misses and namesakes at each scorer's match threshold, and records per second. The
    rapidfuzz threshold is the lowest at which its false alarms are no more than ours;
    nomenklatura runs at its default threshold with its own blocker index, when its venv
    exists (`make .venv-nomenklatura`)."""
    from assets.counterparties.screening import BIRTH_YEAR_TOLERANCE, record_mention
    from benchmarks import baselines

    with duckdb.connect(str(database), read_only=True) as con:
        dev = devset.build(con)
        mentions = [record_mention(d.record, BIRTH_YEAR_TOLERANCE) for d in dev.records]
        row_of = {m.mention_id: d.record.row for m, d in zip(mentions, dev.records, strict=True)}
        ours_rates = q["rates"]
        rows = [
            [
                "ours (Splink record model)",
                q["match_band"],
                *(f"{ours_rates[k]:.3f}" for k in ("positive", "negative", "near_miss")),
                f"{ours_rates['namesake']:.3f}",
                f"{q['records'] / q['seconds']:,.0f}",
            ]
        ]
        started = time.perf_counter()
        fuzzy = baselines.fuzzy_scores(
            mentions, con, baselines.FUZZY_CUTOFF, scorer="token_sort_ratio"
        )
        fuzzy_seconds = time.perf_counter() - started
        best = {(row_of[m], e): score for m, e, score in fuzzy}
        sweep = [(t, rates_at(dev, best, t)) for t in baselines.FUZZY_THRESHOLDS]
        threshold, rates = next(
            ((t, r) for t, r in sweep if r["negative"] <= ours_rates["negative"]), sweep[-1]
        )
        rows.append(
            [
                "rapidfuzz token_sort_ratio, every list name",
                threshold,
                *(f"{rates[k]:.3f}" for k in ("positive", "negative", "near_miss", "namesake")),
                f"{len(mentions) / fuzzy_seconds:,.0f}",
            ]
        )
        try:
            run = baselines.run_nomenklatura_matcher(mentions, con, "logic-v2")
        except FileNotFoundError as exc:
            print(f"nomenklatura skipped: {exc}", file=sys.stderr)
        else:
            best = {(row_of[m], e): score for m, e, score in run.scored}
            rates = rates_at(dev, best, baselines.NOMENKLATURA_THRESHOLD)
            rows.append(
                [
                    "nomenklatura logic-v2, its own blocker index",
                    baselines.NOMENKLATURA_THRESHOLD,
                    *(f"{rates[k]:.3f}" for k in ("positive", "negative", "near_miss", "namesake")),
                    f"{len(mentions) / run.query_seconds:,.0f}",
                ]
            )
    return rows


def _headline(q: dict[str, Any]) -> tuple[str, str, str]:
    """Recall of the expected entity, false-alarm rate and near-miss false-alarm rate at the
    match band."""
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for (kind, _), counts in q["slices"].items():
        totals[kind].update(counts)
    pos, neg, near = totals["positive"], totals["negative"], totals["near_miss"]
    return (
        _rate(pos["match"], pos["records"]),
        _rate(neg["match"], neg["records"]),
        _rate(near["match"], near["records"]),
    )


def report(
    q: dict[str, Any],
    held_out: dict[str, Any],
    s: dict[str, Any] | None,
    bands: Bands,
    side: list[list[Any]] | None = None,
) -> str:
    slices = q["slices"]
    rows = []
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for (kind, name), c in sorted(slices.items()):
        totals[kind].update(c)
        rows.append(
            [
                kind,
                name,
                c["records"],
                _rate(c["match"], c["records"]),
                _rate(c["review"], c["records"]),
            ]
        )
    for kind, c in sorted(totals.items()):
        rows.append(
            [
                f"**{kind}**",
                "**all**",
                c["records"],
                _rate(c["match"], c["records"]),
                _rate(c["review"], c["records"]),
            ]
        )
    pos, neg, near = totals["positive"], totals["negative"], totals["near_miss"]
    body = (
        "## Counterparty screening (`sanctions screen-file`)\n\n"
        "### Quality on the development set built from the lists\n\n"
        f"{q['records']:,} records from `benchmarks/devset.py` (seed {devset.SEED}): positives "
        "are listed entities as a counterparty file would carry them (an alias, or the primary "
        "name with one perturbation), with the entity's type, country and birth year most of "
        "the time; negatives are generated people, companies and vessels on no list "
        f"({q['namesakes_dropped']} generated names that are list names were dropped); "
        "namesakes are listed people's names with another country and a birth year ten or more "
        "years off, or with the listed year of birth and another day of it "
        "(`other_birth_date`); three in ten positives of a person carry the listed date of "
        "birth. The record model's fitted bands "
        f"(`data/models/record_linkage.meta.json`): match >= {bands.match}, review >= "
        f"{bands.review}.\n\n"
        "**Recall of the expected entity at the match band: "
        f"{_rate(pos['match'], pos['records'])}**"
        f" (target 0.99); at match + review: {_rate(pos['review'], pos['records'])}. "
        f"**False-alarm rate (negatives with any match-band hit): "
        f"{_rate(neg['match'], neg['records'])}** (target 0.002); with any hit at match + review: "
        f"{_rate(neg['review'], neg['records'])}. "
        f"**Near-misses hitting the listed entity at the match band: "
        f"{_rate(near['match'], near['records'])}** (target 0.10); at match + review: "
        f"{_rate(near['review'], near['records'])}.\n\n"
        f"On a second development set built the same way (seed {HELD_OUT_SEED}, "
        f"{held_out['records']:,} records), used only as a check: **recall {{}}, false-alarm "
        "rate {}, near-misses {}** at the match band.\n\n".format(*_headline(held_out))
        + "Records are scored by the record model (`data/models/record_linkage.json`, "
        "`assets/counterparties/training.py`): the news model's comparisons with record levels "
        "of their own (a word a letter off, a word cut short, a typo in a long name, people "
        "named in full who share only a rare word, dates of birth at the precision both give), "
        "trained on record facts built from the lists with a third seed "
        f"({devset.TRAINING_SEED}; neither development set is fitted), its level weights and "
        "prior refitted on the record facts' candidate pairs by penalised logistic regression "
        "(`assets/linkage/weights.py`) and its match band fitted at 0.5 or above: a match is a "
        "pair more likely the listed party than not.\n\n"
        "Near-misses are listed names changed to name someone else (a name part the record "
        "lacks, another patronymic, another distinctive word of a company, a given name "
        "alone).\n\n"
        "For positives the rates are recall of the expected entity; for negatives the share "
        "with any hit; for namesakes and near-misses the share hitting the listed entity they "
        "are not (for a given name alone, any).\n\n"
        + table(["set", "slice", "records", "rate (match)", "rate (match + review)"], rows)
        + (
            "\n\n### Side by side on the same records\n\n"
            "Each scorer at its match threshold on the first development set: recall of the "
            "expected entity, false alarms on names on no list, near-misses and namesakes "
            "hitting the listed entity they are not, and records screened per second (ours: "
            "`screen` of the whole set; rapidfuzz: every record against every strong list "
            "name, its threshold the lowest with no more false alarms than ours; nomenklatura: "
            "candidate generation and scoring, its index build left out).\n\n"
            + table(
                [
                    "scorer",
                    "match at",
                    "recall",
                    "false alarms",
                    "near-misses",
                    "namesakes",
                    "records/s",
                ],
                side,
            )
            if side
            else ""
        )
        + "\n\n### Why positives miss the match band\n\n"
        "The expected entity's best pair, re-scored with no probability floor: its name "
        "comparison level and the context comparisons that had data.\n\n"
        + table(
            ["slice", "pattern", "misses", "examples"],
            [
                [sl, pat, n, "; ".join(q["examples"][(sl, pat)]).replace("|", "/")]
                for (sl, pat), n in q["patterns"].most_common(15)
            ],
        )
    )
    body += (
        "\n\n### By threshold\n\n"
        "Recall of the expected entity, false-alarm rate, near-miss and namesake hit rates if "
        "the match band started at the threshold (pairs the bands keep for review never count).\n\n"
        + table(
            ["threshold", "recall", "false-alarm rate", "near-misses hit", "namesakes hit"],
            q["sweep"],
        )
        + "\n\n### What the false alarms look like\n\n"
        "Negatives' hits at the review band or above, by comparison levels.\n\n"
        + table(
            ["pattern", "hits", "examples"],
            [
                [k, n, "; ".join(q["alarm_examples"][k]).replace("|", "/")]
                for k, n in q["alarms"].most_common(8)
            ],
        )
    )
    if s is not None:
        body += (
            "\n\n### Speed: 100,000 records against every bundled list\n\n"
            + table(
                ["records", "wall (s)", "records/s", "peak RSS (MB)", "hits", "match-band hits"],
                [
                    [
                        f"{SPEED_RECORDS:,}",
                        f"{s['seconds']:.1f}",
                        f"{SPEED_RECORDS / s['seconds']:,.0f}",
                        f"{s['peak_mb']:.0f}",
                        s["hits"],
                        s["match_hits"],
                    ]
                ],
            )
            + "\n\nThe whole `sanctions screen-file` command in a fresh process (start-up, "
            "reading the CSV, loading lists and model, scoring in chunks of 25,000, writing "
            "JSON lines). Records: one in ten from the lists, the rest generated non-listed "
            "names. Targets: under 120 s and 4 GB."
        )
    return body


def main(with_speed: bool = True, with_baselines: bool = True) -> None:
    bands = load_record_model(MODEL_DIR).bands
    with tempfile.TemporaryDirectory() as tmp:
        database = build_warehouse(Path(tmp))
        q = quality(database, bands)
        held_out = quality(database, bands, HELD_OUT_SEED)
        side = side_by_side(database, q) if with_baselines else None
        s = speed(database, Path(tmp)) if with_speed else None
    write_section("counterparties", report(q, held_out, s, bands, side))
    print(json.dumps({k: v for k, v in (s or {}).items()}, indent=2))


if __name__ == "__main__":
    main(with_speed="--no-speed" not in sys.argv, with_baselines="--no-baselines" not in sys.argv)
