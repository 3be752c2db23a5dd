"""OpenSanctions' matcher as a child process: run by the Python of the nomenklatura venv
(`make bench` builds `.venv-nomenklatura` from requirements/bench-nomenklatura.txt), never by
the project's own venv, since nomenklatura pins an older duckdb than ours.

It imports only followthemoney and nomenklatura (not the project) and speaks JSON lines:

stdin
    ``{"algorithm": "logic-v2"}``                                   first line
    ``{"entity": {"id": ..., "schema": ..., "properties": {...}}}``  a list entity
    ``{"query": {...same shape...}, "candidates": [entity ids]}``    one mention to score
stdout
    ``{"query": id, "scores": [[entity_id, score], ...]}``           one line per query
    ``{"done": true, "pairs": n, "compare_seconds": s, "peak_rss_mb": m}`` at the end

Entities are sent before the queries that name them; unknown properties of a schema are
ignored (``quiet=True``), as FtM does for loose input.

Index mode (nomenklatura's own matcher, as `nomenklatura xref` runs it): the header is
``{"algorithm": "logic-v2", "mode": "index"}`` (optionally ``"options"``: the blocker's
options, default nomenklatura's), the entities are every list entity and the queries come
without ``"candidates"``. The child puts the entities in a MemoryStore, builds nomenklatura's
blocker `Index` over it in a temporary directory, asks ``Index.match_entities`` for each
query's candidates (at most ``max_candidates``, 75 by default) and scores them with the
algorithm. It writes one line per query (``"scores": []`` when the index proposed nothing),
and the summary adds ``store_seconds`` (entities into the store), ``index_seconds`` (index
build), ``match_seconds`` (candidate generation for all the queries) and ``candidates``
(pairs the index proposed; ``pairs`` counts those scored, the same).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB: VmHWM, since Linux carries ru_maxrss over
    an exec (a child would report its parent's peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm_up(model: Any, algorithm: Any, config: Any) -> None:
    """One comparison per schema family before timing: nomenklatura and rigour load their name
    data lazily on the first call, a one-off cost a running service does not pay per query."""
    for schema, one, other in (
        ("Person", "John Smith", "Jon Smith"),
        ("Organization", "Acme Trading LLC", "Acme Trading Limited"),
        ("Vessel", "Ocean Star", "Ocean Star II"),
    ):
        left, right = model.make_entity(schema), model.make_entity(schema)
        left.id, right.id = "warm-up-1", "warm-up-2"
        left.add("name", one)
        right.add("name", other)
        algorithm.compare(left, right, config)


def _summary(out: IO[str], **figures: Any) -> None:
    """The last line: ``done``, the run's figures and this process's peak RSS."""
    out.write(json.dumps({"done": True, **figures, "peak_rss_mb": peak_rss_mb()}) + "\n")
    out.flush()


def run_candidates(lines: IO[str], out: IO[str], algorithm: Any, config: Any) -> None:
    """Candidates mode: score each query against the entity ids it names."""
    from followthemoney import model

    def proxy(facts: dict[str, Any]) -> Any:
        entity = model.make_entity(facts["schema"])
        entity.id = facts["id"]
        for prop, values in facts["properties"].items():
            entity.add(prop, values, quiet=True)
        return entity

    entities: dict[str, Any] = {}
    pairs, compare_seconds = 0, 0.0
    for line in lines:
        if not line.strip():
            continue
        message = json.loads(line)
        if "entity" in message:
            entities[message["entity"]["id"]] = proxy(message["entity"])
            continue
        query = proxy(message["query"])
        started = time.perf_counter()
        scores = [
            [entity_id, float(algorithm.compare(query, entities[entity_id], config).score)]
            for entity_id in message["candidates"]
        ]
        compare_seconds += time.perf_counter() - started
        pairs += len(scores)
        out.write(json.dumps({"query": query.id, "scores": scores}) + "\n")
    _summary(out, pairs=pairs, compare_seconds=compare_seconds)


def _warm_up_tokenizer(dataset: Any) -> None:
    """Tokenize one entity before timing: the blocker's tokenizer loads rigour's name data on
    its first call (about 8 s), a one-off cost a running service does not pay per query."""
    from followthemoney import StatementEntity
    from nomenklatura.blocker.tokenizer import tokenize_entity

    entity = StatementEntity(dataset, {"schema": "Person", "id": "warm-up"})
    entity.add("name", "John Smith")
    list(tokenize_entity(entity))


def run_index(
    lines: IO[str], out: IO[str], algorithm: Any, config: Any, options: dict[str, Any]
) -> None:
    """Index mode: nomenklatura's blocker Index over every entity sent proposes each query's
    candidates, then the algorithm scores them (see the module docstring)."""
    from followthemoney import Dataset, StatementEntity
    from nomenklatura.blocker import Index
    from nomenklatura.resolver import Linker
    from nomenklatura.store import MemoryStore

    dataset = Dataset.make({"name": "lists", "title": "lists"})
    _warm_up_tokenizer(dataset)

    def proxy(facts: dict[str, Any]) -> Any:
        # The store holds statement entities (a plain proxy has no statements to index).
        entity = StatementEntity(dataset, {"schema": facts["schema"], "id": facts["id"]})
        for prop, values in facts["properties"].items():
            entity.add(prop, values, quiet=True)
        return entity

    store: Any = MemoryStore(dataset, Linker({}))
    entities: dict[str, Any] = {}
    queries: list[Any] = []
    started = time.perf_counter()
    with store.writer() as writer:
        for line in lines:
            if not line.strip():
                continue
            message = json.loads(line)
            if "entity" in message:
                entity = proxy(message["entity"])
                entities[entity.id] = entity
                writer.add_entity(entity)
            else:
                queries.append(proxy(message["query"]))
    store_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="nk-index-") as data_dir:
        started = time.perf_counter()
        index = Index(store.default_view(), Path(data_dir), options)
        index.build()
        index_seconds = time.perf_counter() - started

        started = time.perf_counter()
        # Drained before scoring, so the two times stay apart (the generator streams rows of
        # one DuckDB query; holding them costs memory, not time).
        found = {
            str(ident.id): [str(m.id) for m, _ in matches]
            for ident, matches in index.match_entities(queries)
        }
        match_seconds = time.perf_counter() - started
        index.close()

    pairs, compare_seconds = 0, 0.0
    for query in queries:
        candidates = found.get(query.id, [])
        started = time.perf_counter()
        # Candidates come from an in-memory dict rather than `view.get_entity` (which would
        # re-assemble each from its statements): only the comparisons are charged.
        scores = [
            [entity_id, float(algorithm.compare(query, entities[entity_id], config).score)]
            for entity_id in candidates
        ]
        compare_seconds += time.perf_counter() - started
        pairs += len(scores)
        out.write(json.dumps({"query": query.id, "scores": scores}) + "\n")
    _summary(
        out,
        pairs=pairs,
        candidates=sum(len(c) for c in found.values()),
        compare_seconds=compare_seconds,
        store_seconds=store_seconds,
        index_seconds=index_seconds,
        match_seconds=match_seconds,
    )


def main() -> None:
    from followthemoney import model
    from nomenklatura.matching import get_algorithm

    header = json.loads(sys.stdin.readline())
    algorithm = get_algorithm(header["algorithm"])
    if algorithm is None:
        raise SystemExit(f"unknown nomenklatura algorithm {header['algorithm']!r}")
    config = algorithm.default_config()
    _warm_up(model, algorithm, config)
    mode = header.get("mode", "candidates")
    if mode == "index":
        run_index(sys.stdin, sys.stdout, algorithm, config, header.get("options") or {})
    elif mode == "candidates":
        run_candidates(sys.stdin, sys.stdout, algorithm, config)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
