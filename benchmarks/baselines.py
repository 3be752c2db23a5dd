"""Baselines the linkage is measured against, on the same mentions in the same run:

(a) exact match of normalised names (`assets.linkage.names.normalise`) against every list name,
    weak aliases included (they are meant to match exactly);
(b) brute-force fuzzy matching: rapidfuzz ``token_set_ratio`` of the normalised mention name
    against every strong list name (weak aliases excluded: they are too short and generic for a
    fuzzy match, which is why OFAC calls them weak), threshold tuned on the team's samples;
(c) OpenSanctions' matcher: nomenklatura's ``logic-v2`` (and ``logic-v1``) scoring each
    mention against the candidates our blocking proposes, at its default threshold 0.7. It runs
    in its own venv (nomenklatura pins an older duckdb than ours), as a child process speaking
    JSON lines (`benchmarks/nomenklatura_matcher.py`). `run_nomenklatura_matcher` runs it as
    its users do instead: its own blocker index over every list entity proposes the candidates.

Each scorer returns scored pairs ``(mention_id, entity_id, score in [0, 1])``, the best score
per (mention, entity). `benchmarks.quality` times each one on the same mentions and measures
every result with the model's scorecard (`assets.outputs.evaluation.scorecard`).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from assets.articles.model import Mention
from assets.linkage.gold import LabelledArticle, expected_pairs, known_entity_ids
from assets.linkage.names import normalise
from assets.outputs.evaluation import ScoredPair, article_scores, pairs_at

ROOT = Path(__file__).resolve().parents[1]

# nomenklatura's own default: yente and OpenSanctions' screening API flag a match at 0.7.
NOMENKLATURA_THRESHOLD = 0.7
NOMENKLATURA_ALGORITHMS = ("logic-v2", "logic-v1")
NOMENKLATURA_VENV = ROOT / ".venv-nomenklatura"
MATCHER_SCRIPT = Path(__file__).resolve().parent / "nomenklatura_matcher.py"

# token_set_ratio thresholds tried when tuning the fuzzy baseline; scores below the lowest are
# never kept (rapidfuzz's score_cutoff skips them early).
FUZZY_THRESHOLDS = tuple(round(0.70 + 0.02 * i, 2) for i in range(16))
FUZZY_CUTOFF = FUZZY_THRESHOLDS[0]
# token_set_ratio is the baseline. It scores 100 whenever one name's words are a subset
# of the other's ("china" against "bank of china"), so token_sort_ratio (all words, any order)
# runs beside it as the stronger brute-force baseline.
FUZZY_SCORERS = ("token_set_ratio", "token_sort_ratio")
# Mentions per rapidfuzz.cdist call: the score matrix is queries x list names bytes.
FUZZY_CHUNK = 512


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB. VmHWM rather than ru_maxrss: Linux carries
    ru_maxrss over an exec, so a child spawned from a big parent would report the parent's."""
    from benchmarks.nomenklatura_matcher import peak_rss_mb as own_peak

    return own_peak()


def mention_name(mention: Mention) -> str:
    """The name linkage compares: the in-document full form when coreference found one."""
    return mention.canonical_text or mention.text


def _best(pairs: Iterable[ScoredPair]) -> list[ScoredPair]:
    best: dict[tuple[str, str], float] = {}
    for mention_id, entity_id, value in pairs:
        key = (mention_id, entity_id)
        if value > best.get(key, -1.0):
            best[key] = value
    return sorted((m, e, s) for (m, e), s in best.items())


def _entities_by_name(con: duckdb.DuckDBPyConnection, include_weak: bool) -> dict[str, list[str]]:
    """normalised list name -> the entity ids carrying it."""
    rows = con.execute(
        "SELECT normalised, list(DISTINCT entity_id ORDER BY entity_id) "
        "FROM linkage.list_records WHERE normalised <> '' AND ($weak OR name_kind <> 'weak_alias') "
        "GROUP BY normalised ORDER BY normalised",
        {"weak": include_weak},
    ).fetchall()
    return {str(name): [str(e) for e in ids] for name, ids in rows}


# --- (a) exact ---------------------------------------------------------------------------------


def exact_scores(mentions: Sequence[Mention], con: duckdb.DuckDBPyConnection) -> list[ScoredPair]:
    """1.0 for every entity with a list name whose normalised form equals the mention's."""
    by_name = _entities_by_name(con, include_weak=True)
    return _best(
        (m.mention_id, entity_id, 1.0)
        for m in mentions
        for entity_id in by_name.get(normalise(mention_name(m)), ())
    )


# --- (b) brute-force fuzzy ---------------------------------------------------------------------


def fuzzy_scores(
    mentions: Sequence[Mention],
    con: duckdb.DuckDBPyConnection,
    cutoff: float = FUZZY_CUTOFF,
    *,
    scorer: str = "token_set_ratio",
    workers: int = -1,
) -> list[ScoredPair]:
    """rapidfuzz `scorer` (``token_set_ratio`` by default, or another `rapidfuzz.fuzz`
    function) / 100 of the normalised mention name against every strong list name; pairs at
    or above `cutoff`. Every (distinct mention name, list name) pair is compared: no
    blocking."""
    import numpy as np
    from rapidfuzz import fuzz, process

    by_name = _entities_by_name(con, include_weak=False)
    choices = list(by_name)
    entity_lists = [by_name[c] for c in choices]
    mentions_of: dict[str, list[str]] = {}
    for m in mentions:
        key = normalise(mention_name(m))
        if key:
            mentions_of.setdefault(key, []).append(m.mention_id)
    queries = list(mentions_of)
    found: list[ScoredPair] = []
    for start in range(0, len(queries), FUZZY_CHUNK):
        chunk = queries[start : start + FUZZY_CHUNK]
        matrix = process.cdist(
            chunk,
            choices,
            scorer=getattr(fuzz, scorer),
            score_cutoff=cutoff * 100,
            workers=workers,
            dtype=np.uint8,
        )
        rows, cols = np.nonzero(matrix)
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            value = int(matrix[row, col]) / 100
            for mention_id in mentions_of[chunk[row]]:
                found.extend((mention_id, e, value) for e in entity_lists[col])
    return _best(found)


def score_pairs_at(
    labelled: Sequence[LabelledArticle],
    mentions: Sequence[Mention],
    scored: Iterable[ScoredPair],
    known: set[str],
    threshold: float,
) -> dict[str, float]:
    """Precision / recall / F1 of (article, entity) pairs flagged at `threshold`, as the
    scorecard counts them."""
    best = article_scores(mentions, list(scored))
    return pairs_at(best, expected_pairs(labelled, known), threshold)


def tune_fuzzy_threshold(
    labelled: Sequence[LabelledArticle],
    mentions: Sequence[Mention],
    scored: Sequence[ScoredPair],
    known: set[str],
    thresholds: Sequence[float] = FUZZY_THRESHOLDS,
) -> tuple[float, dict[str, float]]:
    """The threshold of `thresholds` with the best F1 on `labelled` (the higher one on a tie:
    fewer false positives for the same F1), and its metrics. `scored` must have been computed
    with a cutoff at or below the lowest threshold."""
    best: tuple[float, dict[str, float]] | None = None
    for threshold in thresholds:
        metrics = score_pairs_at(labelled, mentions, scored, known, threshold)
        if best is None or metrics["f1"] >= best[1]["f1"]:
            best = (threshold, metrics)
    if best is None:
        raise ValueError("no threshold to try")
    return best


# --- (c) nomenklatura --------------------------------------------------------------------------

_SCHEMA = {"Person": "Person", "Organization": "Organization", "Vessel": "Vessel"}
_LIST_SCHEMA = {**_SCHEMA, "Aircraft": "Airplane"}
_NAME_PROPERTY = {
    "primary": "name",
    "alias": "alias",
    "former": "previousName",
    "weak_alias": "weakAlias",
}
# Our identifier kinds -> FtM properties (properties a schema lacks are ignored by the matcher).
_IDENTIFIER_PROPERTY = {
    "imo": "imoNumber",
    "passport": "passportNumber",
    "swift_bic": "swiftBic",
    "tax_id": "taxNumber",
    "registration": "registrationNumber",
    "national_id": "idNumber",
}
# A mention's birth-year range becomes that many candidate years at most.
MAX_BIRTH_YEARS = 10


def nomenklatura_python() -> Path:
    """The Python of the nomenklatura venv: ``NOMENKLATURA_PYTHON`` when set (read at call
    time), else ``.venv-nomenklatura/bin/python`` at the project root."""
    override = os.environ.get("NOMENKLATURA_PYTHON")
    return Path(override) if override else NOMENKLATURA_VENV / "bin" / "python"


def mention_facts(mention: Mention) -> dict[str, Any]:
    """A mention as an FtM entity: its name, schema guess (LegalEntity when unknown), the
    countries of its sentence and article, its birth-year range and identifiers."""
    properties: dict[str, list[str]] = {"name": [mention_name(mention)]}
    countries = sorted(set(mention.sentence_countries) | set(mention.article_countries))
    if countries:
        properties["country"] = countries
    low, high = mention.birth_year_min, mention.birth_year_max
    if low is not None or high is not None:
        low = low if low is not None else high
        high = high if high is not None else low
        assert low is not None and high is not None
        if high - low < MAX_BIRTH_YEARS:
            properties["birthDate"] = [str(y) for y in range(low, high + 1)]
    for identifier in mention.identifiers:
        prop = _IDENTIFIER_PROPERTY.get(identifier.kind)
        if prop:
            properties.setdefault(prop, []).append(identifier.value)
    return {
        "id": mention.mention_id,
        "schema": _SCHEMA.get(mention.schema_guess, "LegalEntity"),
        "properties": properties,
    }


def entity_facts(
    con: duckdb.DuckDBPyConnection, entity_ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Listed entities as FtM entities: every name by kind, schema, countries, birth dates
    and identifiers, from `sources.entities` and `sources.names`."""
    import pyarrow as pa

    wanted = pa.table({"entity_id": sorted(set(entity_ids))})
    con.register("wanted_entities", wanted)
    try:
        entities = con.execute(
            "SELECT e.entity_id, e.schema, e.countries, e.birth_dates, e.identifiers "
            "FROM sources.entities e JOIN wanted_entities USING (entity_id) ORDER BY 1"
        ).fetchall()
        names = con.execute(
            "SELECT n.entity_id, n.kind, n.name FROM sources.names n "
            "JOIN wanted_entities USING (entity_id) ORDER BY 1, 2, 3"
        ).fetchall()
    finally:
        con.unregister("wanted_entities")
    facts: dict[str, dict[str, Any]] = {}
    for entity_id, schema, countries, birth_dates, identifiers in entities:
        properties: dict[str, list[str]] = {}
        if countries:
            properties["country"] = list(countries)
        if birth_dates:
            properties["birthDate"] = list(birth_dates)
        for identifier in identifiers or []:
            prop = _IDENTIFIER_PROPERTY.get(identifier["kind"])
            if prop:
                properties.setdefault(prop, []).append(identifier["value"])
        facts[entity_id] = {
            "id": entity_id,
            "schema": _LIST_SCHEMA.get(schema, "LegalEntity"),
            "properties": properties,
        }
    for entity_id, kind, name in names:
        properties = facts[entity_id]["properties"]
        properties.setdefault(_NAME_PROPERTY.get(kind, "alias"), []).append(name)
    return facts


@dataclass
class NomenklaturaRun:
    scored: list[ScoredPair]
    pairs: int
    compare_seconds: float  # time inside nomenklatura's compare calls only
    peak_rss_mb: float  # of the matcher process


@dataclass
class NomenklaturaMatcherRun:
    """nomenklatura's own matcher: its blocker Index proposes, `algorithm` scores."""

    scored: list[ScoredPair]
    pairs: int  # pairs scored: every candidate the index proposed
    store_seconds: float  # list entities into nomenklatura's MemoryStore
    index_seconds: float  # blocker index build over the list entities
    match_seconds: float  # candidate generation for all the queries
    compare_seconds: float  # time inside nomenklatura's compare calls only
    peak_rss_mb: float  # of the matcher process

    @property
    def query_seconds(self) -> float:
        """Time the queries cost once the index is built: candidates plus scoring."""
        return self.match_seconds + self.compare_seconds


def _require(python: Path | None) -> Path:
    """The nomenklatura venv's Python; FileNotFoundError when that venv is missing."""
    python = python or nomenklatura_python()
    if not python.exists():
        raise FileNotFoundError(
            f"{python}: no nomenklatura venv (make .venv-nomenklatura, or set NOMENKLATURA_PYTHON)"
        )
    return python


def _run_matcher(
    python: Path, lines: Sequence[str], timeout: float | None
) -> tuple[list[ScoredPair], dict[str, Any]]:
    """Run benchmarks/nomenklatura_matcher.py on `lines`; its scored pairs (best per pair) and
    its summary line. subprocess.TimeoutExpired past `timeout` seconds, RuntimeError when the
    matcher fails."""
    with tempfile.TemporaryFile("w+") as stdin:
        # A file rather than a pipe: the input can be tens of MB and the child answers as it
        # reads, so writing it all to a pipe first could deadlock.
        stdin.write("\n".join(lines) + "\n")
        stdin.seek(0)
        done = subprocess.run(  # noqa: S603 - our own script, run by the bench venv's Python
            [str(python), str(MATCHER_SCRIPT)],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"nomenklatura matcher failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    scored: list[ScoredPair] = []
    summary: dict[str, Any] = {}
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message.get("done"):
            summary = message
            continue
        scored.extend((message["query"], e, float(s)) for e, s in message["scores"])
    if not summary:
        raise RuntimeError(f"nomenklatura matcher ended without a summary: {done.stderr[-2000:]}")
    return _best(scored), summary


def run_nomenklatura(
    mentions: Sequence[Mention],
    candidates: Iterable[tuple[str, str]],
    con: duckdb.DuckDBPyConnection,
    algorithm: str = "logic-v2",
    *,
    python: Path | None = None,
    timeout: float | None = None,
) -> NomenklaturaRun:
    """Score each (mention_id, entity_id) candidate with nomenklatura's `algorithm` in a child
    process of the nomenklatura venv. Raises FileNotFoundError when that venv is missing,
    subprocess.TimeoutExpired past `timeout` seconds, RuntimeError when the matcher fails."""
    python = _require(python)
    by_mention: dict[str, list[str]] = {}
    for mention_id, entity_id in candidates:
        by_mention.setdefault(mention_id, []).append(entity_id)
    facts = entity_facts(con, {e for ids in by_mention.values() for e in ids})
    lines = [json.dumps({"algorithm": algorithm})]
    lines += [json.dumps({"entity": f}) for f in facts.values()]
    lines += [
        json.dumps(
            {
                "query": mention_facts(m),
                "candidates": sorted({e for e in by_mention[m.mention_id] if e in facts}),
            }
        )
        for m in mentions
        if m.mention_id in by_mention
    ]
    scored, summary = _run_matcher(python, lines, timeout)
    return NomenklaturaRun(
        scored,
        int(summary["pairs"]),
        float(summary["compare_seconds"]),
        float(summary["peak_rss_mb"]),
    )


def run_nomenklatura_matcher(
    mentions: Sequence[Mention],
    con: duckdb.DuckDBPyConnection,
    algorithm: str = "logic-v2",
    *,
    python: Path | None = None,
    timeout: float | None = None,
    options: dict[str, Any] | None = None,
    entity_ids: Iterable[str] | None = None,
) -> NomenklaturaMatcherRun:
    """nomenklatura's own matcher, as `nomenklatura xref` runs it: every list entity (or only
    `entity_ids`, for tests) goes to the child, which builds nomenklatura's blocker Index over
    them (`options`, default its own), lets it propose each mention's candidates and scores
    those with `algorithm`. Same errors as `run_nomenklatura`."""
    python = _require(python)
    if entity_ids is None:
        entity_ids = sorted(known_entity_ids(con))
    header: dict[str, Any] = {"algorithm": algorithm, "mode": "index"}
    if options:
        header["options"] = options
    lines = [json.dumps(header)]
    lines += [json.dumps({"entity": f}) for f in entity_facts(con, entity_ids).values()]
    lines += [json.dumps({"query": mention_facts(m)}) for m in mentions]
    scored, summary = _run_matcher(python, lines, timeout)
    return NomenklaturaMatcherRun(
        scored,
        pairs=int(summary["pairs"]),
        store_seconds=float(summary["store_seconds"]),
        index_seconds=float(summary["index_seconds"]),
        match_seconds=float(summary["match_seconds"]),
        compare_seconds=float(summary["compare_seconds"]),
        peak_rss_mb=float(summary["peak_rss_mb"]),
    )


def nomenklatura_scores(
    mentions: Sequence[Mention],
    candidates: Iterable[tuple[str, str]],
    con: duckdb.DuckDBPyConnection,
    algorithm: str = "logic-v2",
) -> list[ScoredPair]:
    """nomenklatura's `algorithm` score of each (mention_id, entity_id) candidate."""
    return run_nomenklatura(mentions, candidates, con, algorithm).scored
