"""News at archive scale (`make bench`, docs/benchmarks.md "Archive" and docs/scaling.md):
a generated archive of 100,000 news articles of about 400 words, ingested and screened as the
pipeline does it, then re-screened after a real list change and in full.

The articles are assembled from the team's sample articles (`data/articles/samples`), sentence
after sentence until about 400 words, with the people and organisations they name swapped for
names drawn from the bundled lists (15 %) and from lists of common names: nothing is copied
from ../shared.

- **Ingest**: the first 10,000 articles go through the pipeline's own assets, batch after
  batch of 1,000 inbox articles (`articles/articles`, `articles/mentions` with spaCy on every
  core, `linkage/matches`), in a child process whose process tree's memory is sampled.
- **The other 90,000** are written directly: each is an ingested article's sentences with
  other names drawn, its mentions the ingested article's with those names put in (their
  offsets are the template's), so that `make bench` stays within the hour.
- **Re-screen for a list change**: the bundled lists are loaded with OFAC's `sdn.csv` of
  2023-12-28; then the publication of 2024-05-03 (../shared, when present) is accepted, and
  `linkage/list_change_matches` re-screens every stored mention for its added and modified
  entities.
- **Full re-screen**: every stored mention scored against every list name, chunk after chunk of
  whole articles.

`python -m benchmarks.archive --articles N --ingested M` runs a smaller archive."""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import multiprocessing as mp
import os
import random
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
SHARED_SDN = ROOT.parent / "shared" / "data" / "sanctions" / "ofac_sdn"
ARTICLES = 100_000
INGESTED = 10_000
BATCH = 1_000
WORDS = 400
LISTED_SHARE = 0.15
SEED = 23
# Stored mentions scored on Spark `local[*]` beside DuckDB.
SPARK_MENTIONS = 5_000
GIVEN = [
    "James",
    "Maria",
    "Wei",
    "Olga",
    "Ahmed",
    "Fatima",
    "Carlos",
    "Aiko",
    "Pierre",
    "Anna",
    "Daniel",
    "Sofia",
    "Mohamed",
    "Elena",
    "Hiroshi",
    "Grace",
    "Ivan",
    "Leila",
    "Tomasz",
    "Amara",
    "Lucas",
    "Nadia",
    "Rahul",
    "Ingrid",
    "Kwame",
    "Chloe",
    "Mateo",
    "Yusuf",
    "Hannah",
    "Dmitri",
    "Priya",
    "Omar",
    "Julia",
    "Kenji",
    "Zainab",
    "Pablo",
    "Marta",
    "Samuel",
    "Lina",
    "Viktor",
]
FAMILY = [
    "Smith",
    "Garcia",
    "Chen",
    "Ivanova",
    "Haddad",
    "Okafor",
    "Rossi",
    "Tanaka",
    "Novak",
    "Müller",
    "Kowalski",
    "Silva",
    "Nguyen",
    "Johansson",
    "Mensah",
    "Dubois",
    "Petrov",
    "Khan",
    "Fernández",
    "Yilmaz",
    "Andersen",
    "Costa",
    "Park",
    "Schmidt",
    "Moreau",
    "Jansen",
    "Popescu",
    "Horvat",
    "Adeyemi",
    "Lindqvist",
    "Sato",
    "Romero",
    "Kaplan",
    "Osei",
    "Varga",
    "Bauer",
    "Reyes",
    "Hughes",
    "Nakamura",
    "Walsh",
]
SECTORS = [
    "Shipping",
    "Trading",
    "Logistics",
    "Energy",
    "Capital",
    "Metals",
    "Holdings",
    "Industries",
    "Systems",
    "Partners",
    "Maritime",
    "Foods",
    "Minerals",
    "Engineering",
    "Textiles",
    "Finance",
    "Electronics",
    "Pharma",
    "Aviation",
    "Media",
]
FORMS = ["Ltd", "LLC", "GmbH", "S.A.", "Group", "Company", "Inc", "AG", "PLC", "JSC"]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


# --- the archive ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A person or organisation named in a sample article: its full name and its short
    forms (a surname, an acronym)."""

    kind: str  # PERSON or ORG
    full: str
    short: tuple[str, ...]


@dataclass(frozen=True)
class Sentence:
    """A sample sentence with its names as `\\x00<sample>.<slot>:<form>\\x00` placeholders
    (form F: the full name, S<i>: its i-th short form)."""

    sample: int
    template: str
    words: int


def placeholder(sample: int, slot: int, form: str) -> str:
    return f"\x00{sample}.{slot}:{form}\x00"


def sample_sentences(path: Path = SAMPLES) -> tuple[list[list[Sentence]], list[list[Slot]]]:
    """The team's sample articles as sentences, their people and organisations (by the
    samples' own labels) made placeholders; and each sample's slots."""
    articles, all_slots = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        item = json.loads(line)
        slots = []
        for entity in item["entities"]:
            if entity["type"] not in ("PERSON", "ORG"):
                continue
            surfaces = sorted(entity["surface"], key=len, reverse=True)
            slots.append(Slot(entity["type"], surfaces[0], tuple(surfaces[1:])))
        forms = sorted(
            (
                (form, placeholder(number, index, code))
                for index, slot in enumerate(slots)
                for code, form in (
                    ("F", slot.full),
                    *((f"S{i}", short) for i, short in enumerate(slot.short)),
                )
            ),
            key=lambda pair: -len(pair[0]),
        )
        marked = item["text"]
        for form, mark in forms:
            marked = re.sub(rf"(?<![\w\x00]){re.escape(form)}(?![\w\x00])", mark, marked)
        articles.append(
            [Sentence(number, s, len(s.split())) for s in _SENTENCE_END.split(marked) if s.strip()]
        )
        all_slots.append(slots)
    return articles, all_slots


class NameDraw:
    """Names for the placeholders: a listed name of the slot's kind (`LISTED_SHARE` of them)
    or a common one, with short forms made as the sample's were (the surname; the acronym)."""

    def __init__(self, people: list[str], organisations: list[str]) -> None:
        self.listed = {"PERSON": people, "ORG": organisations}

    def full(self, kind: str, rng: random.Random) -> str:
        if rng.random() < LISTED_SHARE:
            return rng.choice(self.listed[kind])
        if kind == "PERSON":
            return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        return f"{rng.choice(FAMILY)} {rng.choice(SECTORS)} {rng.choice(FORMS)}"

    @staticmethod
    def short(kind: str, full: str) -> str:
        words = full.split()
        if kind == "PERSON":
            return words[-1]
        return "".join(w[0] for w in words if w[0].isupper()) or words[0]


@dataclass(frozen=True)
class GeneratedArticle:
    number: int
    sentences: tuple[Sentence, ...]
    names: dict[str, str]  # placeholder -> name

    @property
    def article_id(self) -> str:
        return f"archive-{self.number:06d}"

    def text(self) -> str:
        rendered = " ".join(s.template for s in self.sentences)
        return re.sub("\x00[^\x00]*\x00", lambda m: self.names[m.group(0)], rendered)


class Archive:
    """The generated archive: article `number` is made from the samples and a seed alone."""

    def __init__(self, draw: NameDraw, path: Path = SAMPLES) -> None:
        self.samples, self.slots = sample_sentences(path)
        self.draw = draw

    def article(self, number: int, template: GeneratedArticle | None = None) -> GeneratedArticle:
        """Article `number`: sentences of consecutive samples (from a random one) up to
        about `WORDS` words, or `template`'s sentences; its names drawn afresh."""
        rng = random.Random(SEED * 1_000_003 + number)  # noqa: S311 - reproducible, not security
        if template is None:
            picked: list[Sentence] = []
            sample = rng.randrange(len(self.samples))
            start = rng.randrange(len(self.samples[sample]))
            words = 0
            while words < WORDS:
                for sentence in self.samples[sample][start:]:
                    picked.append(sentence)
                    words += sentence.words
                    if words >= WORDS:
                        break
                sample, start = (sample + 1) % len(self.samples), 0
            chosen = tuple(picked)
        else:
            chosen = template.sentences
        names = {}
        for sample in dict.fromkeys(s.sample for s in chosen):
            for index, slot in enumerate(self.slots[sample]):
                full = self.draw.full(slot.kind, rng)
                names[placeholder(sample, index, "F")] = full
                for i in range(len(slot.short)):
                    names[placeholder(sample, index, f"S{i}")] = self.draw.short(slot.kind, full)
        return GeneratedArticle(number, chosen, names)


def article_url(number: int) -> str:
    return f"https://archive.example.org/news/{number:06d}"


# --- memory of a process tree --------------------------------------------------------------


def _tree_rss_mb(root: int) -> float:
    """Resident memory of process `root` and its descendants (spaCy's workers), in MB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, grown = {root}, True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return sum(rss.get(pid, 0) for pid in tree) / 1024


def run_measured(target: Callable[..., None], *args: Any) -> dict[str, Any]:
    """`target(*args, queue)` in a fresh child process; its result, with the peak memory of
    its process tree sampled every 0.2 s (`tree_peak_mb`)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=target, args=(*args, queue))
    child.start()
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            if child.pid is not None:
                peak = max(peak, _tree_rss_mb(child.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        while True:
            try:
                result: dict[str, Any] = queue.get(timeout=5)
                break
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"{target.__name__} died (exit code {child.exitcode})"
                    ) from None
    finally:
        done.set()
        sampler.join()
        child.join()
    result["tree_peak_mb"] = peak
    return result


# --- the phases ----------------------------------------------------------------------------


def _listed_names(database: Path) -> tuple[list[str], list[str]]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT schema, name FROM linkage.list_records "
            "WHERE name_kind = 'primary' AND schema IN ('Person', 'Organization') "
            "ORDER BY schema, name"
        ).fetchall()
    people = [str(n) for s, n in rows if s == "Person"]
    organisations = [str(n) for s, n in rows if s == "Organization"]
    return people, organisations


def _resources(folder: Path, overrides: dict[str, str]) -> dict[str, Any]:
    from assets.articles.resources import ArticleSourcesResource, NlpResource
    from assets.common.warehouse import WarehouseResource
    from assets.linkage.resources import LinkageResource
    from assets.sources.resources import ListFetcherResource

    return {
        "warehouse": WarehouseResource(database=str(folder / "w.duckdb")),
        "list_fetcher": ListFetcherResource(
            mode="live", raw_dir=str(folder / "raw"), url_overrides=overrides, retries=0
        ),
        "article_sources": ArticleSourcesResource(
            inbox_dirs=str(folder / "inbox"), batches_dir=str(folder / "batches")
        ),
        "nlp": NlpResource(),
        "linkage": LinkageResource(
            model_dir=str(ROOT / "data" / "models"), charts_dir=str(folder / "charts")
        ),
    }


def _ingest_child(folder: str, overrides: dict[str, str], count: int, queue: Any) -> None:
    """Write `count` generated articles as inbox files of `BATCH` and run each batch through
    the pipeline's assets (articles, mentions, matches)."""
    import dagster as dg

    from assets.articles.assets import article_batches, articles, mentions
    from assets.articles.batches import make_batch, scan_inbox, write_manifest
    from assets.common.tables import utc_now
    from assets.linkage.assets import matches

    root = Path(folder)
    archive = Archive(NameDraw(*_listed_names(root / "w.duckdb")))
    resources = _resources(root, overrides)
    instance = dg.DagsterInstance.ephemeral()
    inbox = root / "inbox"
    inbox.mkdir(exist_ok=True)
    words = 0
    seconds = {"articles": 0.0, "mentions": 0.0, "matches": 0.0}
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        lines = []
        for number in range(first, min(first + BATCH, count)):
            text = archive.article(number).text()
            words += len(text.split())
            item = {"title": f"Archive {number}", "url": article_url(number), "text": text}
            lines.append(json.dumps(item))
        path = inbox / f"archive-{first:06d}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        known = {str(p) for p in inbox.iterdir()} - {str(path)}
        files = [f for f in scan_inbox(inbox) if f.absolute not in known]
        manifest = make_batch("inbox", utc_now(), files=files)
        write_manifest(manifest, Path(resources["article_sources"].batches_dir))
        instance.add_dynamic_partitions(article_batches.name, [manifest.batch_id])
        for asset in (articles, mentions, matches):
            t0 = time.perf_counter()
            result = dg.materialize(
                [asset],
                partition_key=manifest.batch_id,
                instance=instance,
                resources=resources,
            )
            assert result.success
            seconds[asset.key.path[-1]] += time.perf_counter() - t0
    import resource

    queue.put(
        {
            "seconds": time.perf_counter() - started,
            "phase_seconds": seconds,
            "words": words,
            "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def write_generated(folder: Path, count: int, ingested: int) -> dict[str, Any]:
    """Articles `ingested`..`count` written directly: each clones ingested article
    `number % ingested` (its sentences, its stored mentions) with names drawn afresh."""
    import duckdb
    import pyarrow as pa

    from assets.articles.model import Mention
    from assets.articles.store import load_mentions, mentions_table, store_mentions
    from assets.common.tables import utc_now

    database = folder / "w.duckdb"
    archive = Archive(NameDraw(*_listed_names(database)))
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        ids = dict(
            con.execute(
                "SELECT url, article_id FROM articles.articles WHERE url LIKE "
                "'https://archive.example.org/%'"
            ).fetchall()
        )
        by_article: dict[str, list[Mention]] = {}
        for mention in load_mentions(con, "true", []):
            by_article.setdefault(mention.article_id, []).append(mention)
        model = con.execute("SELECT any_value(nlp_model) FROM articles.mentions").fetchall()[0][0]
        templates = [archive.article(number) for number in range(ingested)]
        for first in range(ingested, count, ingested):
            batch = f"archive-generated-{first:06d}"
            rows, made = [], []
            for number in range(first, min(first + ingested, count)):
                template = templates[number % ingested]
                article = archive.article(number, template)
                swap = {
                    template.names[key]: article.names[key]
                    for key in template.names
                    if template.names[key] != article.names[key]
                }
                text = article.text()
                article_id = article.article_id
                rows.append(
                    {
                        "article_id": article_id,
                        "batch_id": batch,
                        "url": article_url(number),
                        "title": f"Archive {number}",
                        "text": text,
                        "origin": "inbox",
                        "source_ref": "generated",
                    }
                )
                stored = by_article.get(ids.get(article_url(template.number), ""), [])
                # Mention ids of the clone, in the template's order (coreference points there).
                clone_ids = {m.mention_id: f"{article_id}-{k:03d}" for k, m in enumerate(stored)}
                for m in stored:
                    sentence = m.sentence
                    for old, new in swap.items():
                        sentence = sentence.replace(old, new)
                    made.append(
                        dataclasses.replace(
                            m,
                            mention_id=clone_ids[m.mention_id],
                            article_id=article_id,
                            text=swap.get(m.text, m.text),
                            sentence=sentence,
                            canonical_id=clone_ids.get(m.canonical_id, clone_ids[m.mention_id]),
                            canonical_text=swap.get(m.canonical_text, m.canonical_text),
                        )
                    )
            now = utc_now()
            con.register(
                "generated_articles",
                pa.Table.from_pylist(
                    [
                        {**r, "published_at": None, "fetched_at": now, "ingested_at": now}
                        for r in rows
                    ]
                ),
            )
            con.execute("INSERT INTO articles.articles BY NAME SELECT * FROM generated_articles")
            con.unregister("generated_articles")
            store_mentions(con, batch, [mentions_table(made, batch, str(model))])
        con.execute("CHECKPOINT")
    return {"seconds": time.perf_counter() - started}


def _rescreen_child(folder: str, overrides: dict[str, str], queue: Any) -> None:
    """`linkage/list_change_matches` on the archive, for the publications not re-screened."""
    import dagster as dg

    from assets.linkage.assets import list_change_matches

    started = time.perf_counter()
    result = dg.materialize([list_change_matches], resources=_resources(Path(folder), overrides))
    assert result.success
    metadata = result.asset_materializations_for_node("linkage__list_change_matches")[0].metadata
    import resource

    queue.put(
        {
            "seconds": time.perf_counter() - started,
            "mentions": metadata["mentions"].value,
            "hits": metadata["hits"].value,
            "publications": metadata["publications"].value,
            "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def _full_rescreen_child(folder: str, queue: Any) -> None:
    """Every stored mention scored against every list name, chunk after chunk of whole
    articles (`mention_chunks`), the screener loaded once."""
    import duckdb

    from assets.articles.store import mention_chunks
    from assets.linkage.screen import Screener
    from assets.linkage.store import load_model

    model_dir = ROOT / "data" / "models"
    started = time.perf_counter()
    with duckdb.connect(str(Path(folder) / "w.duckdb"), read_only=True) as con:
        screener = Screener.from_warehouse(con, model_dir, load_model(model_dir).bands)
        screener.session()
        loaded = time.perf_counter() - started
        mentions = hits = matched = 0
        for chunk in mention_chunks(con):
            found = screener.score(screener.mention_records(chunk))
            mentions += len(chunk)
            hits += found.num_rows
            matched += found.column("band").to_pylist().count("match")
    import resource

    queue.put(
        {
            "seconds": time.perf_counter() - started,
            "load_seconds": loaded,
            "mentions": mentions,
            "hits": hits,
            "match_band": matched,
            "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def _spark_child(folder: str, mentions: int, queue: Any) -> None:
    """The first `mentions` stored mentions (whole articles) scored against every list name
    in DuckDB, then on Spark (`local[*]`, Splink's `predict`, the list side in one chunk):
    what one machine's Spark costs against DuckDB's session."""
    import duckdb

    from assets.articles.store import mention_chunks
    from assets.linkage.backend import BackendConfig, linkage_engine
    from assets.linkage.screen import Screener
    from assets.linkage.store import load_model

    model_dir = ROOT / "data" / "models"
    bands = load_model(model_dir).bands
    with duckdb.connect(str(Path(folder) / "w.duckdb"), read_only=True) as con:
        chunk = next(mention_chunks(con, max_mentions=mentions))
        local = Screener.from_warehouse(con, model_dir, bands)
        local.session()
        started = time.perf_counter()
        in_duckdb = local.score(local.mention_records(chunk))
        duckdb_s = time.perf_counter() - started
        config = BackendConfig(
            kind="spark", spark_master="local[*]", work_dir=Path(folder) / "spark"
        )
        started = time.perf_counter()
        with linkage_engine(config) as engine:
            engine_s = time.perf_counter() - started
            remote = Screener.from_warehouse(con, model_dir, bands, engine=engine)
            started = time.perf_counter()
            on_spark = remote.score(remote.mention_records(chunk))
            spark_s = time.perf_counter() - started
    queue.put(
        {
            "mentions": len(chunk),
            "duckdb_seconds": duckdb_s,
            "spark_start_seconds": engine_s,
            "spark_seconds": spark_s,
            "duckdb_hits": in_duckdb.num_rows,
            "spark_hits": on_spark.num_rows,
        }
    )


def _load_lists(folder: Path, server: Any, sdn: Path) -> dict[str, str]:
    """Every bundled list (snapshot mode), OFAC SDN from `sdn` (its main file only, served
    by `server` to the live path), and the linkage records; the URL overrides used."""
    import dagster as dg

    from assets.linkage.assets import list_records
    from assets.sources.factory import build_list_asset
    from assets.sources.registry import LIST_SPECS
    from assets.sources.resources import ListFetcherResource
    from benchmarks.lists import sdn_main_file_spec
    from tests.conftest import Reply

    body = gzip.decompress(sdn.read_bytes()) if sdn.suffix == ".gz" else sdn.read_bytes()
    url = server.route("/sdn.csv", Reply(body=body))
    overrides = {"sdn.csv": url}
    resources = _resources(folder, overrides)
    spec = sdn_main_file_spec()
    others = [build_list_asset(s) for s in LIST_SPECS if s.source_id != spec.source_id]
    offline = {
        **resources,
        "list_fetcher": ListFetcherResource(mode="snapshot", raw_dir=str(folder / "raw")),
    }
    if not (folder / "w.duckdb").exists():
        assert dg.materialize(others, resources=offline).success
    assert dg.materialize([build_list_asset(spec), list_records], resources=resources).success
    return overrides


def _archive_figures(folder: Path) -> dict[str, Any]:
    import duckdb

    with duckdb.connect(str(folder / "w.duckdb"), read_only=True) as con:
        articles, words = con.execute(
            "SELECT count(*), sum(len(string_split(text, ' '))) FROM articles.articles"
        ).fetchall()[0]
        mentions = con.execute("SELECT count(*) FROM articles.mentions").fetchall()[0][0]
    return {
        "articles": int(articles),
        "words": int(words),
        "mentions": int(mentions),
        "warehouse_mb": (folder / "w.duckdb").stat().st_size / 1024 / 1024,
    }


def measure(
    count: int = ARTICLES, ingested: int = INGESTED, keep: Path | None = None
) -> dict[str, Any]:
    """Every phase on a fresh archive of `count` articles, `ingested` of them ingested; in
    `keep` (left there, for a closer look) rather than a temporary folder."""
    from tests.conftest import ScriptedServer

    older = ROOT / "data" / "snapshots" / "ofac_sdn" / "2023-12-28" / "sdn.csv.gz"
    newer = SHARED_SDN / "2024-05-03" / "sdn.csv"
    server = ScriptedServer()
    server.thread.start()
    figures: dict[str, Any] = {"cores": os.cpu_count()}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            overrides = _load_lists(folder, server, older)
            figures["ingest"] = run_measured(_ingest_child, str(folder), overrides, ingested)
            print("ingest:", figures["ingest"], flush=True)
            figures["generated"] = write_generated(folder, count, ingested)
            figures["archive"] = _archive_figures(folder)
            print("archive:", figures["archive"], flush=True)
            if newer.exists():
                _load_lists(folder, server, newer)
                figures["rescreen"] = run_measured(_rescreen_child, str(folder), overrides)
                print("re-screen after the OFAC change:", figures["rescreen"], flush=True)
            else:
                print("../shared not present: no re-screen for the real OFAC change")
            figures["full"] = run_measured(_full_rescreen_child, str(folder))
            print("full re-screen:", figures["full"], flush=True)
            figures["spark"] = run_measured(_spark_child, str(folder), SPARK_MENTIONS)
            print("one chunk on Spark:", figures["spark"], flush=True)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    return figures


def section(f: dict[str, Any]) -> str:
    """The "Archive" section of docs/benchmarks.md."""
    ingest, archive, full = f["ingest"], f["archive"], f["full"]
    rows = [
        [
            f"ingest {ingest['articles']:,} articles (articles, mentions, matches assets; "
            f"batches of {BATCH:,})",
            f"{ingest['seconds']:.0f}",
            f"{ingest['words'] / ingest['seconds']:,.0f} words/s",
            f"{ingest['tree_peak_mb']:,.0f}",
            "extraction "
            + f"{ingest['phase_seconds']['mentions']:.0f} s "
            + f"({ingest['words'] / ingest['phase_seconds']['mentions']:,.0f} words/s), "
            + f"storing {ingest['phase_seconds']['articles']:.0f} s, "
            + f"batch screening {ingest['phase_seconds']['matches']:.0f} s",
        ]
    ]
    rescreen = f.get("rescreen")
    if rescreen:
        rows.append(
            [
                "re-screen for the OFAC change (`linkage/list_change_matches`)",
                f"{rescreen['seconds']:.0f}",
                f"{rescreen['mentions'] / rescreen['seconds']:,.0f} mentions/s",
                f"{rescreen['tree_peak_mb']:,.0f}",
                f"{rescreen['mentions']:,} mentions, {rescreen['hits']:,} hits",
            ]
        )
    rows.append(
        [
            "full re-screen, every mention against every list",
            f"{full['seconds']:.0f}",
            f"{full['mentions'] / (full['seconds'] - full['load_seconds']):,.0f} mentions/s",
            f"{full['tree_peak_mb']:,.0f}",
            f"{full['mentions']:,} mentions, {full['hits']:,} hits "
            f"({full['match_band']:,} in the match band); lists and model loaded in "
            f"{full['load_seconds']:.0f} s",
        ]
    )
    return (
        "## Archive: 100,000 generated news articles\n\n"
        f"{archive['articles']:,} articles, {archive['words']:,} words, assembled from the "
        "team's sample articles with the people and organisations swapped for names of the "
        f"bundled lists ({LISTED_SHARE:.0%}) and common names (`benchmarks/archive.py`). "
        f"Stored: **{archive['mentions']:,} mentions**, a warehouse of "
        f"**{archive['warehouse_mb']:,.0f} MB** (with the lists and the articles' text). "
        f"The first {ingest['articles']:,} articles are ingested by the pipeline's assets; "
        "the others are written directly, each an ingested article's sentences and mentions "
        "with other names drawn. Lists: every bundled list, OFAC SDN from its `sdn.csv` of "
        "2023-12-28; the re-screen follows the acceptance of its publication of 2024-05-03 "
        "(1,256 entities added, 48 modified). *Peak*: the resident memory of the process "
        "and its workers, sampled every 0.2 s. "
        f"{f['cores']} cores.\n\n"
        + table(["phase", "wall (s)", "throughput", "peak (MB)", "detail"], rows)
        + "\n\nTargets: ingesting 100,000 articles under 4 GB throughout; re-screening 2 "
        "million stored mentions after a list change in under 3 minutes and 4 GB."
        + _spark_note(f.get("spark"))
    )


def _spark_note(spark: dict[str, Any] | None) -> str:
    if not spark:
        return ""
    return (
        f"\n\nThe first {spark['mentions']:,} stored mentions scored against every list on "
        f"Spark `local[*]` (Splink's `predict`, `linkage.backend = spark`) on this machine: "
        f"**{spark['spark_seconds']:.0f} s**, plus {spark['spark_start_seconds']:.0f} s to "
        f"start Spark, against **{spark['duckdb_seconds']:.1f} s** in DuckDB's screening "
        f"session ({spark['spark_hits']:,} and {spark['duckdb_hits']:,} hits)."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--ingested", type=int, default=INGESTED)
    parser.add_argument("--keep", type=Path, help="build the archive in this (new) folder")
    args = parser.parse_args(argv)
    figures = measure(args.articles, args.ingested, args.keep)
    figures["ingest"]["articles"] = args.ingested
    print(json.dumps(figures, indent=2))
    if (args.articles, args.ingested) == (ARTICLES, INGESTED):
        write_section("archive", section(figures))


if __name__ == "__main__":
    main()
