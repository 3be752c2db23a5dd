"""Linkage speed and memory: 10,000 mentions against every bundled list name (target: under
60 s wall and 4 GB peak RSS), and one ad-hoc `screen` of a name (target: under 1 s).

Mentions are synthetic but realistic: half are list names perturbed (typo, dropped or swapped
word, another list name's spelling), half are names that are on no list, each with countries
and sometimes a birth year. Each measurement runs in a fresh child process so that its peak RSS
is its own."""

from __future__ import annotations

import json
import multiprocessing as mp
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import table, write_section

MENTIONS = 10_000
SEED = 7
GIVEN = ["John", "Maria", "Wei", "Olga", "Ahmed", "Fatima", "Carlos", "Aiko", "Pierre", "Anna"]
FAMILY = ["Smith", "Garcia", "Chen", "Ivanova", "Haddad", "Okafor", "Rossi", "Tanaka", "Novak"]


def build_warehouse(folder: Path) -> Path:
    import dagster as dg

    from assets.common.warehouse import WarehouseResource
    from assets.linkage.store import rebuild_list_records
    from assets.sources.factory import build_list_asset
    from assets.sources.registry import LIST_SPECS
    from assets.sources.resources import ListFetcherResource

    database = folder / "w.duckdb"
    result = dg.materialize(
        [build_list_asset(s) for s in LIST_SPECS],
        resources={
            "warehouse": WarehouseResource(database=str(database)),
            "list_fetcher": ListFetcherResource(mode="snapshot", raw_dir=str(folder / "raw")),
        },
    )
    assert result.success
    import duckdb

    with duckdb.connect(str(database)) as con:
        rebuild_list_records(con)
    return database


def synthetic_mentions(database: Path, count: int) -> list[Any]:
    import duckdb

    from assets.articles.model import Mention

    rng = random.Random(SEED)  # noqa: S311 - reproducible synthetic data, not security
    with duckdb.connect(str(database), read_only=True) as con:
        names = con.execute(
            "SELECT name, schema, countries FROM linkage.list_records "
            "WHERE name_kind <> 'weak_alias' ORDER BY unique_id"
        ).fetchall()
    mentions = []
    for i in range(count):
        if i % 2 == 0:
            name, schema, countries = rng.choice(names)
            words = name.split()
            roll = rng.random()
            if roll < 0.3 and len(words) > 2:
                words.pop(rng.randrange(len(words)))
            elif roll < 0.5 and len(words) > 1:
                words.reverse()
            elif roll < 0.7:
                w = rng.randrange(len(words))
                if len(words[w]) > 3:
                    p = rng.randrange(1, len(words[w]) - 1)
                    words[w] = words[w][:p] + words[w][p + 1 :]
            text = " ".join(words)
            ctx = list(countries or [])[:1]
        else:
            text = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
            schema, ctx = "Person", [rng.choice(["US", "GB", "FR", "DE", "CN", "RU"])]
        year = rng.randint(1940, 1995) if rng.random() < 0.2 else None
        mentions.append(
            Mention(
                mention_id=f"m{i:06d}",
                article_id=f"a{i // 20:05d}",
                text=text,
                label="PERSON" if schema == "Person" else "ORG",
                schema_guess=schema
                if schema in ("Person", "Organization", "Vessel")
                else "Unknown",
                start=0,
                end=len(text),
                sentence=text,
                detector="ner",
                canonical_id=f"m{i:06d}",
                canonical_text=text,
                sentence_countries=ctx,
                article_countries=ctx,
                birth_year_min=year,
                birth_year_max=year + 1 if year else None,
            )
        )
    return mentions


def _linkage_child(database: str, model_dir: str, count: int, queue: Any) -> None:
    import duckdb

    from assets.linkage.screen import Screener, name_query
    from assets.linkage.store import load_model

    mentions = synthetic_mentions(Path(database), count)
    with duckdb.connect(database, read_only=True) as con:
        screener = Screener.from_warehouse(con, Path(model_dir), load_model(Path(model_dir)).bands)
    screener.session()  # the lists' side, prepared once: loading, not scoring
    started = time.perf_counter()
    matches = screener.screen(mentions)
    seconds = time.perf_counter() - started
    single = []
    for name in ["Mahan Air", "Ayman al-Zawahiri", "Promsvyazbank", "Jane Doe", "Kim Jong Un"]:
        t0 = time.perf_counter()
        screener.screen([name_query(name)])
        single.append(time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(
        {
            "seconds": seconds,
            "peak_mb": peak_mb,
            "matches": matches.num_rows,
            "list_names": screener.list_records.num_rows,
            "single_name_s": max(single),
        }
    )


def measure(database: Path, model_dir: Path, count: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_linkage_child, args=(str(database), str(model_dir), count, queue))
    child.start()
    result: dict[str, Any] = queue.get(timeout=1800)
    child.join()
    return result


def main() -> None:
    model_dir = Path(__file__).resolve().parents[1] / "data" / "models"
    with tempfile.TemporaryDirectory() as tmp:
        database = build_warehouse(Path(tmp))
        got = measure(database, model_dir, MENTIONS)
    print(json.dumps(got, indent=2))
    write_section(
        "linkage",
        "## Linkage: 10,000 mentions against every bundled list name\n\n"
        + table(
            [
                "mentions",
                "list names",
                "wall (s)",
                "mentions/s",
                "peak RSS (MB)",
                "hits",
                "one `screen` (s)",
            ],
            [
                [
                    MENTIONS,
                    got["list_names"],
                    f"{got['seconds']:.1f}",
                    f"{MENTIONS / got['seconds']:.0f}",
                    f"{got['peak_mb']:.0f}",
                    got["matches"],
                    f"{got['single_name_s']:.2f}",
                ]
            ],
        )
        + "\n\nTargets: under 60 s and 4 GB for the 10,000; under 1 s for one name once the "
        "lists and model are loaded. Synthetic mentions: half perturbed list names, half "
        "names on no list (see `benchmarks/linkage.py`).",
    )


if __name__ == "__main__":
    main()
