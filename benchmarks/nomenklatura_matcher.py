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
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


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


def main() -> None:
    from followthemoney import model
    from nomenklatura.matching import get_algorithm

    header = json.loads(sys.stdin.readline())
    algorithm = get_algorithm(header["algorithm"])
    if algorithm is None:
        raise SystemExit(f"unknown nomenklatura algorithm {header['algorithm']!r}")
    config = algorithm.default_config()
    _warm_up(model, algorithm, config)

    def proxy(facts: dict[str, Any]) -> Any:
        entity = model.make_entity(facts["schema"])
        entity.id = facts["id"]
        for prop, values in facts["properties"].items():
            entity.add(prop, values, quiet=True)
        return entity

    entities: dict[str, Any] = {}
    pairs, compare_seconds = 0, 0.0
    out = sys.stdout
    for line in sys.stdin:
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
    peak_mb = peak_rss_mb()
    out.write(
        json.dumps(
            {
                "done": True,
                "pairs": pairs,
                "compare_seconds": compare_seconds,
                "peak_rss_mb": peak_mb,
            }
        )
        + "\n"
    )
    out.flush()


if __name__ == "__main__":
    main()
