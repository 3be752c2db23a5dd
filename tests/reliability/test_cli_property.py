"""A property of every `sanctions` command (#17): driven with generated arguments and generated
files (random bytes, CSV and JSON lines of random shapes, Parquet, random Unicode, numbers from
NaN to thirty digits, missing files, folders, links), each command ends with exit code 0, 1 or
2 (a failure with a message), no traceback on stderr and no exception escaping `cli.main`, and
no failure to print or write what it read; the read commands leave the warehouse's tables as
they were, `review` loses no record, and no command changes a file it reads, the models (but
`train`) or a warehouse it was not given.

The CLI runs in this process (`cli.main` with an argv list; stdout a strict UTF-8 stream, as in
a UTF-8 terminal, stderr as Python's own), on copies of a warehouse holding the UN list and two
stored matches (harness.warehouse_with_a_match's bare one and one with its scores), with the
committed models copied. Every path a command may write (--out, train's --facts and model
folder, review's warehouse, run's folders) is in a temporary folder, and so is the working
directory, so a relative path lands there. The arguments are built from the argparse parser
itself: a new command or option has no generator until one is written here, and
`test_every_command_and_option_is_driven` fails until then. A third of the examples give usable
values only (so the commands do their work on the generated files), a third one hostile value,
a third hostile values anywhere. The examples are derandomized: the same on every run, so a
failure reproduces; what the property found is kept as explicit examples (`FOUND`).

Not driven, for time: `run` on a usable warehouse (a full materialization; see
tests/test_end_to_end.py) and `train` on facts that link a loaded entity (a training of half a
minute); both commands are driven on every other input.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import uvicorn
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assets.linkage.store import MODEL_FILE
from pipelines import cli
from pipelines.workbench import hash_password
from tests.conftest import MODELS, bundled_warehouse
from tests.reliability.harness import UN, Ledger, census, records_lost, warehouse_with_a_match

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
FACTS = ROOT / "data" / "training" / "news_mentions.jsonl"
RECORD_FACTS = ROOT / "data" / "training" / "counterparty_records.jsonl"

# Commands that must leave their warehouse as it was (`train` reads it and writes the model
# folder and the facts file), and those that write it.
# `serve` writes the views its pages read (and decisions); `add-reviewer` writes its accounts
# file only.
READ_COMMANDS = frozenset(
    {"lists", "screen", "screen-articles", "screen-file", "explain", "eval", "query", "train"}
    | {"add-reviewer"}
)
WRITE_COMMANDS = frozenset({"review", "review-record", "run", "serve"})

# Examples per command: about a minute for all of them on two cores.
EXAMPLES = {
    "lists": 40,
    "run": 20,
    "screen": 60,
    "screen-articles": 100,
    "screen-file": 150,
    "explain": 80,
    "review": 60,
    "review-record": 40,
    "eval": 60,
    "train": 120,
    "query": 150,
    "serve": 40,
    "add-reviewer": 40,
}

TRACEBACK = "Traceback (most recent call last)"
FRAME = re.compile(r'^\s*File "[^"\n]+", line \d+', re.MULTILINE)


# --- what an example makes before the command runs --------------------------------------------


@dataclass(frozen=True)
class Made:
    """A path the example makes in its folder and passes in place of this token.

    kind: "file" (`data`), "folder" (`members`, each made inside with its own name), "link" (a
    symbolic link to a file holding `data`), "absent" (nothing there), "absent-deep" (inside a
    folder that does not exist), "input" (the command's positional path again), "inside-input"
    (a new file inside it), or the fixture's "warehouse" (the command's warehouse), "models"
    (the committed models, copied; train gets a copy of its own)."""

    kind: str
    name: str = "f"
    data: bytes = b""
    members: tuple[Made, ...] = ()


Token = str | Made


@dataclass(frozen=True)
class Case:
    """One command line: its tokens, the indices of those the command writes (--out...) and
    of its input (the positional path), if any."""

    tokens: list[Token]
    outputs: frozenset[int]
    input: int | None


@dataclass
class Example:
    """One example's folder, its warehouse and the files it made (path -> bytes written)."""

    folder: Path
    warehouse: Path
    models: Path
    made: dict[Path, bytes] = field(default_factory=dict)
    outputs: set[Path] = field(default_factory=set)
    input: Path | None = None

    def path(self, token: Made, index: int, *, inside: Path | None = None) -> Path:
        folder = inside or self.folder
        path = folder / (token.name if inside else f"{index}-{token.name}")
        if token.kind == "warehouse":
            return self.warehouse
        if token.kind == "models":
            return self.models
        if token.kind in ("input", "inside-input"):
            given = self.input or self.folder / "no-input"
            return given if token.kind == "input" else given / token.name
        if token.kind == "file":
            path.write_bytes(token.data)
            self.made[path] = token.data
        elif token.kind == "folder":
            path.mkdir()
            for number, member in enumerate(token.members):
                self.path(member, number, inside=path)
        elif token.kind == "link":
            target = path.with_name(path.name + ".target")
            target.write_bytes(token.data)
            self.made[target] = token.data
            path.symlink_to(target)
        elif token.kind == "absent-deep":
            path = path / "missing" / token.name
        else:
            assert token.kind == "absent", token
        return path


def materialize(case: Case, example: Example) -> list[str]:
    """The argv of `case`, its paths made in the example's folder."""
    argv = []
    for index, token in enumerate(case.tokens):
        if isinstance(token, str):
            argv.append(token)
            continue
        path = example.path(token, index)
        if index in case.outputs:
            example.outputs.add(path)
        if index == case.input:
            example.input = path
        argv.append(str(path))
    return argv


# --- generators -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Values:
    """What an option or positional may be given: `usable` values (the command should do its
    work with them, or refuse them for their content) and `hostile` ones (out of range, the
    wrong type, a path to the wrong kind of thing)."""

    usable: st.SearchStrategy[Token]
    hostile: st.SearchStrategy[Token]


# Text as a command line can carry it: any character but NUL, and bytes that are no UTF-8 as
# Python decodes them (surrogate escapes).
ARG_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
    st.binary(max_size=16).filter(lambda b: b"\0" not in b).map(os.fsdecode),
)
NUMBER_WORDS = [
    "nan", "NaN", "inf", "-inf", "Infinity", "-1", "0", "-0", "1", "0.5", "1e-320", "1e308",
    "1e309", "9" * 30, "-" + "9" * 30, "9" * 5000, "1_000", "0x10", " 7 ", "", "½", "٣", "1951",
    "1880", "1879", "2026", "10000", "10001", "86400", "86401", "240", "241",
]  # fmt: skip
NUMBERS = st.one_of(
    st.sampled_from(NUMBER_WORDS),
    st.integers(-(10**12), 10**12).map(str),
    st.floats().map(repr),
    ARG_TEXT,
)
NAMES = [
    "Ayman al-Zawahiri", "AL-QAIDA", "Mahan Air", "Usama bin Laden", "Kim Jong Un",
    "أيمن الظواهري", "Айман аз-Завахири", "金正恩", "Ayman\u202eal-Zawahiri", "a", " ", "x" * 300,
]  # fmt: skip
COUNTRIES = ["IR", "ir", "Iran", "Egypt", "EG", "XX", "ZZ", "", "Côte d'Ivoire", "EU", "Q"]
IDS = ["m_1", "m_2", "un_sc:QDi.001", "un_sc:QDi.006", "ofac_sdn:36", "", "%", "m_1' OR '1'='1"]
SQL = [
    "SELECT 1", "select count(*) from sources.entities", "select * from sources.names limit 3",
    "select * from linkage.matches", "FROM sources.snapshots",
    "select 'nan'::double a, '-inf'::double b, '\\xAA'::blob c, 1.5::decimal(4,2) d",
    "select [1, 2] a, {'k': 1} b, map {'k': 1.5} c, '\u202e\x1b[31m' d",
    "select chr(55296)", "explain select 1", "select 1; select 2", "select * from range(5000)",
    "select 1/0", "select 'a'::int", "select ?", "select $1",
]  # fmt: skip
HOSTILE_SQL = [
    "", ";", "  ", "-- only", "drop table sources.entities", "delete from sources.entities",
    "checkpoint", "vacuum", "insert into outputs.review_decisions values (1)",
    "update sources.entities set caption=''", "create table t (a int)",
    "attach 'x.duckdb' as x", "copy sources.entities to 'out.csv'",
    "select * from read_csv('/etc/passwd')", "select * from 'data.csv'", "pragma database_list",
    "set memory_limit = '100GB'", "install httpfs", "load httpfs", "export database 'x'",
    "call pragma_version()", "begin; drop table sources.names; commit", "use linkage",
    "select * from glob('*')", "select getenv('HOME')", "select 1; drop table sources.entities",
]  # fmt: skip
MODEL_TEXT = (MODELS / "mention_linkage.json").read_text()

# File names: any text, and now and then bytes that are no UTF-8.
NAME_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"),
    min_size=1,
    max_size=12,
)
FILE_NAMES = st.one_of(
    NAME_TEXT,
    NAME_TEXT,
    NAME_TEXT,
    st.binary(min_size=1, max_size=12).filter(lambda b: not {0, 47} & set(b)).map(os.fsdecode),
)
SUFFIXES = ["", ".csv", ".CSV", ".jsonl", ".json", ".parquet", ".txt", ".html", ".md", ".duckdb"]


def named(suffixes: list[str] = SUFFIXES) -> st.SearchStrategy[str]:
    return st.builds(lambda stem, suffix: stem[:40] + suffix, FILE_NAMES, st.sampled_from(suffixes))


def made(kind: str, suffixes: list[str] = SUFFIXES, data: Any = None) -> st.SearchStrategy[Made]:
    return st.builds(Made, st.just(kind), named(suffixes), st.just(b"") if data is None else data)


def _encode(text: str, encoding: str) -> bytes:
    """`text` in `encoding`; a lone surrogate as its bytes in UTF-8 (what a broken writer
    leaves), a character the encoding lacks as "?"."""
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


def _json_bytes(value: Any) -> bytes:
    return _encode(json.dumps(value), "utf-8")


# JSON values, text included with lone surrogates (JSON's "\ud800" escapes read back as one).
JSON_TEXT = st.one_of(
    st.text(max_size=20), st.sampled_from(["\ud800", "x\udcff", *NAMES, *COUNTRIES, *IDS])
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(),  # NaN and infinities included: Python writes and reads them
        JSON_TEXT,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(JSON_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)
KEYS = [
    "text", "title", "doc_id", "url", "published", "source", "entities", "surface", "type",
    "links", "name", "record_id", "country", "birth_date", "birth_year", "imo", "passport",
    "tax_id", "mention_id", "article_id", "start", "end", "label", "corpus", "identifiers",
]  # fmt: skip
JSON_OBJECTS = st.dictionaries(st.one_of(st.sampled_from(KEYS), JSON_TEXT), JSON_VALUES, max_size=6)
BROKEN_LINES = st.one_of(
    JSON_VALUES.map(json.dumps),
    st.integers(1, 100_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(1, 100_000).map(lambda depth: '{"text": ' * depth),
    st.just("9" * 5000),
    ARG_TEXT,
    st.just(""),
)


def jsonl(objects: st.SearchStrategy[Any], *, broken: bool) -> st.SearchStrategy[bytes]:
    """JSON lines of `objects`; `broken`: with lines that are no object (deep nesting, huge
    numbers, text), CRLF line ends and other encodings too."""
    line = st.one_of(objects.map(json.dumps), BROKEN_LINES) if broken else objects.map(json.dumps)
    return st.builds(
        lambda chosen, newline, encoding: _encode(newline.join(chosen), encoding),
        st.lists(line, max_size=5),
        st.sampled_from(["\n", "\r\n"] if broken else ["\n"]),
        st.sampled_from(["utf-8", "utf-16", "latin-1"] if broken else ["utf-8"]),
    )


@st.composite
def csv_bytes(draw: st.DrawFn, columns: list[str], *, broken: bool) -> bytes:
    """CSV of random headers (`columns` and any text; the first of `columns` mostly among
    them) and ragged rows of random cells; `broken`: other delimiters and encodings too."""
    header = draw(st.lists(st.one_of(st.sampled_from(columns), ARG_TEXT), max_size=6))
    if draw(st.integers(0, 3)):
        header.insert(draw(st.integers(0, len(header))), columns[0])
    cell = st.one_of(
        st.sampled_from(NAMES + COUNTRIES + ["person", "org", "vessel", "1951", "1951-13-40"]),
        NUMBERS,
        ARG_TEXT,
    )
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=5))
    text = io.StringIO()
    writer = csv.writer(text, delimiter=draw(st.sampled_from([",", ";", "\t"])) if broken else ",")
    for row in [header, *rows]:
        writer.writerow(row)
    encodings = ["utf-8", "utf-8-sig", "utf-16", "latin-1"] if broken else ["utf-8"]
    return _encode(text.getvalue(), draw(st.sampled_from(encodings)))


@st.composite
def parquet_bytes(draw: st.DrawFn, columns: list[str]) -> bytes:
    """A Parquet file of random columns, each of one random type (text, numbers, lists...)."""
    names = draw(st.lists(st.one_of(st.sampled_from(columns), JSON_TEXT), max_size=5, unique=True))
    if draw(st.integers(0, 3)) and columns[0] not in names:
        names.append(columns[0])
    rows = draw(st.integers(0, 4))
    kinds: dict[str, st.SearchStrategy[Any]] = {
        "text": st.one_of(st.none(), st.sampled_from(NAMES + COUNTRIES), st.text(max_size=10)),
        "int": st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
        "float": st.one_of(st.none(), st.floats()),
        "bool": st.one_of(st.none(), st.booleans()),
        "bytes": st.one_of(st.none(), st.binary(max_size=8)),
        "list": st.one_of(st.none(), st.lists(st.text(max_size=5), max_size=3)),
    }
    data = {}
    for name in names:
        kind = draw(st.sampled_from(sorted(kinds)))
        data[name.encode("utf-8", "replace").decode()] = pa.array(
            draw(st.lists(kinds[kind], min_size=rows, max_size=rows))
        )
    buffer = io.BytesIO()
    pq.write_table(pa.table(data), buffer)
    return buffer.getvalue()


def files(usable: st.SearchStrategy[Made], broken: st.SearchStrategy[bytes]) -> Values:
    """Files: `usable` ones; hostile, a file of `broken` content or random bytes, or something
    else where a file belongs (a folder, a link, nothing there)."""
    return Values(
        usable,
        st.one_of(
            made("file", data=broken),
            made("file", data=st.binary(max_size=400)),
            made("folder"),
            made("link", data=broken),
            made("absent"),
            made("absent-deep"),
        ),
    )


COUNTERPARTY_COLUMNS = ["name", "record_id", "type", "country", "birth_date", "birth_year"]
COUNTERPARTY_COLUMNS += ["imo", "passport", "national_id", "tax_id", "registration", "swift_bic"]
COUNTERPARTY_OBJECTS = st.dictionaries(
    st.one_of(st.sampled_from(COUNTERPARTY_COLUMNS), JSON_TEXT), JSON_VALUES, max_size=6
)
COUNTERPARTIES = files(
    st.one_of(
        made("file", [".csv", ".CSV"], csv_bytes(COUNTERPARTY_COLUMNS, broken=False)),
        made("file", [".jsonl"], jsonl(COUNTERPARTY_OBJECTS, broken=False)),
        made("file", [".parquet"], parquet_bytes(COUNTERPARTY_COLUMNS)),
    ),
    st.one_of(
        csv_bytes(COUNTERPARTY_COLUMNS, broken=True), jsonl(COUNTERPARTY_OBJECTS, broken=True)
    ),
)

ARTICLE_TEXT = st.builds(
    lambda before, name, after: f"{before} {name} {after}",
    st.text(max_size=40),
    st.sampled_from(NAMES),
    st.sampled_from(["said on Friday.", "was listed by the UN in Egypt.", "", "\x00\ufeff"]),
)
ARTICLE_OBJECTS = st.fixed_dictionaries(
    {"text": st.one_of(ARTICLE_TEXT, ARTICLE_TEXT, JSON_VALUES)},
    optional={
        k: st.one_of(JSON_TEXT, JSON_VALUES) for k in ("doc_id", "title", "url", "published")
    },
)
ARTICLE_FILES = st.one_of(
    ARTICLE_TEXT.map(lambda text: _encode(text, "utf-8")),
    ARTICLE_TEXT.map(lambda text: _encode(f"<html><body><p>{text}</p></body></html>", "utf-8")),
    jsonl(ARTICLE_OBJECTS, broken=False),
    ARTICLE_OBJECTS.map(_json_bytes),
    st.binary(max_size=300),
)
ARTICLE_NAMES = named([".txt", ".html", ".json", ".jsonl", ".md", ""])
ARTICLE_FOLDERS = st.builds(
    lambda members: Made("folder", "articles", members=tuple(members)),
    st.lists(
        st.one_of(
            made("file", [".txt", ".html", ".json", ".jsonl", ".md", ""], ARTICLE_FILES),
            st.builds(
                Made,
                st.just("folder"),
                named([""]),
                st.just(b""),
                st.lists(made("file", data=ARTICLE_FILES), max_size=2).map(tuple),
            ),
        ),
        max_size=4,
        unique_by=lambda m: m.name,
    ),
)
ARTICLES = files(
    st.one_of(ARTICLE_FOLDERS, made("file", [".jsonl"], jsonl(ARTICLE_OBJECTS, broken=False))),
    jsonl(ARTICLE_OBJECTS, broken=True),
)


def labelled(links: list[str]) -> Values:
    """Labelled articles: articles whose entities are listed names they contain, linked to
    `links`; hostile, with values of any type in their fields, and objects of random shape."""

    def articles(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        entity = st.fixed_dictionaries(
            {
                "surface": st.one_of(st.lists(st.sampled_from(NAMES), max_size=2), values),
                "type": st.one_of(st.sampled_from(["PERSON", "ORG", "VESSEL"]), values),
            },
            optional={"links": st.one_of(st.lists(st.sampled_from(links), max_size=2), values)},
        )
        return st.fixed_dictionaries(
            {"text": ARTICLE_TEXT, "entities": st.lists(entity, max_size=3)},
            optional={"doc_id": JSON_TEXT, "title": JSON_TEXT, "published": values},
        )

    return files(
        made("file", [".jsonl", ""], jsonl(articles(st.nothing()), broken=False)),
        jsonl(st.one_of(articles(JSON_VALUES), JSON_OBJECTS), broken=True),
    )


SAMPLE_LINES = b"".join(SAMPLES.read_bytes().splitlines(keepends=True)[:2])
EVAL_LABELLED = labelled(["un_sc:QDi.006", "un_sc:QDi.001", "ofac_sdn:36"])
EVAL_LABELLED = Values(
    st.one_of(EVAL_LABELLED.usable, made("file", [".jsonl"], st.just(SAMPLE_LINES))),
    EVAL_LABELLED.hostile,
)
# Links to no loaded entity: train stops before the half-minute training itself.
TRAIN_LABELLED = labelled(["ofac_sdn:36", "nobody"])
FACT_LINES = [json.loads(line) for line in FACTS.read_text().splitlines()[:5]]


@st.composite
def facts_bytes(draw: st.DrawFn) -> bytes:
    """Real fact lines, one field replaced by a random value or removed, links to no entity
    the test warehouse holds."""
    lines = []
    for fact in draw(st.lists(st.sampled_from(FACT_LINES), min_size=1, max_size=3)):
        fact = {**fact, "links": draw(st.lists(st.sampled_from(["ofac_sdn:36", "x"]), max_size=2))}
        key = draw(st.sampled_from(sorted(fact)))
        if draw(st.booleans()):
            fact[key] = draw(JSON_VALUES)
        else:
            del fact[key]
        lines.append(json.dumps(fact))
    return _encode("\n".join(lines), "utf-8")


FACT_FILES = files(
    st.one_of(made("file", [".jsonl"], facts_bytes()), made("absent", [".jsonl"])),
    jsonl(JSON_OBJECTS, broken=True),
)
RECORD_FACT_LINES = RECORD_FACTS.read_bytes().splitlines(keepends=True)[:3]
RECORD_FACT_FILES = files(
    made("file", [".jsonl"], st.just(b"".join(RECORD_FACT_LINES))),
    jsonl(JSON_OBJECTS, broken=True),
)


@st.composite
def model_json(draw: st.DrawFn) -> bytes:
    """The committed model with one value (at the top or one level down) replaced."""
    model = json.loads(MODEL_TEXT)
    key = draw(st.sampled_from(sorted(model)))
    if isinstance(model[key], list) and model[key] and draw(st.booleans()):
        model[key][draw(st.integers(0, len(model[key]) - 1))] = draw(JSON_VALUES)
    elif isinstance(model[key], dict) and model[key] and draw(st.booleans()):
        model[key][draw(st.sampled_from(sorted(model[key])))] = draw(JSON_VALUES)
    else:
        model[key] = draw(JSON_VALUES)
    return _json_bytes(model)


BROKEN_MODELS = st.builds(
    lambda data, meta: Made(
        "folder",
        "models",
        members=(
            Made("file", "mention_linkage.json", data),
            *([Made("file", "mention_linkage.meta.json", meta)] if meta is not None else []),
        ),
    ),
    st.one_of(model_json(), st.binary(max_size=100), JSON_VALUES.map(_json_bytes)),
    st.one_of(st.none(), st.binary(max_size=40), JSON_VALUES.map(_json_bytes)),
)
# Warehouses no command can use; `run` is given only those it cannot create (it would make
# and fill a new one: a full materialization).
UNUSABLE_WAREHOUSES = st.one_of(
    made("file", [".duckdb", ""], st.binary(max_size=3000)),
    made("file", [".duckdb"], csv_bytes(["a"], broken=True)),
    made("folder", [".duckdb"]),
)
BAD_WAREHOUSES = st.one_of(UNUSABLE_WAREHOUSES, made("absent-deep", [".duckdb"]))
DEFAULT_NLP_MODEL = cli.build_parser().parse_args(["eval"]).nlp_model


def number(usable: st.SearchStrategy[Any]) -> Values:
    return Values(usable.map(str), NUMBERS)


def text(usable: list[str]) -> Values:
    return Values(st.one_of(st.sampled_from(usable), ARG_TEXT), ARG_TEXT)


def choice(usable: list[str]) -> Values:
    return Values(st.sampled_from(usable), ARG_TEXT)


PROBABILITY = number(st.floats(0, 1))
SECONDS = number(st.floats(0, 30))

# What each option (by dest) is given, for every command or for one (command, dest).
VALUES: dict[str, Values] = {
    "warehouse": Values(st.just(Made("warehouse")), BAD_WAREHOUSES),
    "model_dir": Values(
        st.just(Made("models")),
        st.one_of(BROKEN_MODELS, made("absent", [""]), made("folder", [""]), made("file")),
    ),
    "lock_wait": SECONDS,
    "match_threshold": PROBABILITY,
    "review_threshold": PROBABILITY,
    "name": text(NAMES),
    "type": choice(["person", "org", "vessel", "any"]),
    "country": text(COUNTRIES),
    "birth_year": number(st.integers(1880, 2026)),
    "top": number(st.integers(1, 30)),
    "min_probability": PROBABILITY,
    "out": Values(
        st.one_of(st.just("-"), made("absent", [".jsonl", ".csv", "", ".CSV"])),
        st.one_of(
            made("absent-deep", [".jsonl", ".csv"]),
            made("file", [".jsonl", ".csv"], st.binary(max_size=40)),
            made("folder"),
            made("link", [".jsonl"], st.just(b"kept")),
            st.builds(Made, st.sampled_from(["input", "inside-input"]), named([".jsonl"])),
        ),
    ),
    "nlp_model": Values(
        st.just(DEFAULT_NLP_MODEL),
        st.one_of(
            st.sampled_from(["numpy", "spacy", "blank:en", "blank:zz", "en_core_web_sm", "/", "."]),
            ARG_TEXT,
            made("folder", [""]),
            made("absent", [""]),
            made("file", data=st.binary(max_size=50)),
        ),
    ),
    "format": choice(["jsonl", "csv"]),
    "band": choice(["review", "match"]),
    "birth_year_tolerance": number(st.integers(0, 100)),
    "mention_id": text(IDS),
    "entity_id": text(IDS),
    "decision": choice(["match", "not_match", "unsure"]),
    "note": text(["\x1b[31mred\x1b[0m", "a\nb", "\u202eevil", "namesake"]),
    "reviewer": Values(st.one_of(ARG_TEXT, st.just("analyst")), st.sampled_from(["", " "])),
    "min_precision": PROBABILITY,
    "min_recall": PROBABILITY,
    "min_review_recall": PROBABILITY,
    "min_candidate_recall": PROBABILITY,
    "max_ece": PROBABILITY,
    "facts": FACT_FILES,
    "record_facts": RECORD_FACT_FILES,
    "sql": Values(
        st.one_of(st.sampled_from(SQL), ARG_TEXT.map("select ".__add__)),
        st.one_of(st.sampled_from(HOSTILE_SQL), ARG_TEXT),
    ),
    "limit": number(st.integers(1, 10_000)),
    "timeout": SECONDS,
}
COMMAND_VALUES: dict[tuple[str, str], Values] = {
    ("screen-articles", "path"): ARTICLES,
    ("screen-file", "path"): COUNTERPARTIES,
    ("eval", "labelled"): EVAL_LABELLED,
    ("train", "labelled"): TRAIN_LABELLED,
    ("train", "held_out"): TRAIN_LABELLED,
    # 0 or 1: two processes on a tiny input only cost their start (tests/articles test them).
    ("screen-articles", "processes"): number(st.integers(0, 1)),
    ("train", "model_dir"): Values(
        st.just(Made("models")), st.one_of(made("folder", [""]), BAD_WAREHOUSES)
    ),
    ("train", "candidates"): Values(
        st.one_of(made("absent", [""]), made("folder", [""])),
        st.one_of(made("file", [""]), made("link", [""]), BAD_WAREHOUSES),
    ),
    ("train", "promote"): Values(st.sampled_from(["", "0123456789ab"]), ARG_TEXT),
    ("run", "warehouse"): Values(UNUSABLE_WAREHOUSES, UNUSABLE_WAREHOUSES),
    # A counterparty hit: the example warehouse has none, so a decision is refused by name.
    ("review-record", "file"): Values(st.sampled_from(["customers.csv", "a/b.jsonl"]), ARG_TEXT),
    ("review-record", "record_id"): Values(st.sampled_from(["1", "C-0001"]), ARG_TEXT),
    ("review-record", "entity_id"): Values(st.sampled_from(["un_sc:QDi.001"]), ARG_TEXT),
    # The stored matches, half the time a pair that is stored.
    **{
        (command, dest): Values(st.sampled_from(ids), ARG_TEXT)
        for command in ("explain", "review")
        for dest, ids in (
            ("mention_id", ["m_1", "m_2"]),
            ("entity_id", ["un_sc:QDi.001", "un_sc:QDi.006"]),
        )
    },
}
# A reviewer accounts file as `sanctions add-reviewer` writes it.
ACCOUNT_LINE = f"ana:{hash_password('correct horse')}\n".encode()
COMMAND_VALUES.update(
    {
        ("serve", "host"): Values(
            st.sampled_from(["127.0.0.1", "localhost", "::1"]),
            st.one_of(st.sampled_from(["0.0.0.0", "10.1.2.3", "example.org", ""]), ARG_TEXT),
        ),
        ("serve", "port"): number(st.integers(1, 65535)),
        ("serve", "accounts"): Values(
            made("file", [""], st.just(ACCOUNT_LINE)),
            st.one_of(
                made("file", data=st.binary(max_size=60)),
                made("folder", [""]),
                made("absent", [""]),
            ),
        ),
        ("add-reviewer", "name"): text(["ana", "Ben Okafor", "reviewer-2"]),
        ("add-reviewer", "accounts"): Values(
            st.one_of(made("absent", [""]), made("file", [""], st.just(ACCOUNT_LINE))),
            st.one_of(
                made("folder", [""]),
                made("absent-deep", [""]),
                made("file", data=st.binary(max_size=60)),
            ),
        ),
    }
)
# Never left out where the default would read or write the project's own files.
ALWAYS = {("train", "model_dir"), ("train", "facts"), ("train", "candidates"), ("run", "warehouse")}
# Paths the command writes.
OUTPUT_DESTS = {
    ("*", "out"),
    ("train", "facts"),
    ("train", "model_dir"),
    ("train", "candidates"),
    ("add-reviewer", "accounts"),
}
# Options given one time in four (each is one more chance for argparse to stop the command).
SELDOM = {"lock_wait", "match_threshold", "review_threshold", "promote"}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
    ]


def _flag(action: argparse.Action) -> bool:
    return isinstance(action, argparse._StoreTrueAction)


def _values(command: str, dest: str) -> Values | None:
    return COMMAND_VALUES.get((command, dest), VALUES.get(dest))


@st.composite
def arguments(draw: st.DrawFn, command: str) -> Case:
    """One command line for `command`: global options, the command, its positionals in order,
    its options. A third of the examples have usable values only, a third one hostile value,
    a third hostile values anywhere, left-out positionals and tokens argparse does not expect."""
    parser = cli.build_parser()
    mode = draw(st.sampled_from(["usable", "one", "any"]))
    hostile_at = draw(st.integers(0, 5))
    tokens: list[Token] = []
    outputs: set[int] = set()
    given = None
    drawn = 0

    def value(dest: str) -> Token:
        nonlocal drawn
        values = _values(command, dest)
        assert values is not None, dest
        hostile = {"usable": False, "one": drawn == hostile_at, "any": draw(st.booleans())}[mode]
        drawn += 1
        return draw(values.hostile if hostile else values.usable)

    def add(action: argparse.Action) -> None:
        key = (command, action.dest)
        if _flag(action):
            if draw(st.booleans()):
                tokens.append(action.option_strings[0])
            return
        if isinstance(action, argparse._AppendAction):
            count = draw(st.integers(0 if mode == "any" else 1, 2))
        elif key in ALWAYS or (action.required and mode != "any"):
            count = 1
        elif action.required:
            count = draw(st.sampled_from([1, 1, 1, 0]))
        else:
            count = draw(st.sampled_from([1, 0, 0, 0] if action.dest in SELDOM else [1, 0]))
        for _ in range(count):
            tokens.append(action.option_strings[-1])
            if key in OUTPUT_DESTS or ("*", action.dest) in OUTPUT_DESTS:
                outputs.add(len(tokens))
            tokens.append(value(action.dest))

    for action in _options(parser):
        add(action)
    tokens.append(command)
    sub = _subcommands(parser)[command]
    for action in _options(sub):
        if not action.option_strings and (mode != "any" or draw(st.integers(0, 9))):
            if action.dest == "path":
                given = len(tokens)
            tokens.append(value(action.dest))
    for action in _options(sub):
        if action.option_strings:
            add(action)
    if mode == "any" and not draw(st.integers(0, 4)):  # something argparse does not expect
        junk = draw(st.one_of(ARG_TEXT, st.sampled_from(["--bogus", "-h", "--", "-", "--json"])))
        at = draw(st.integers(0, len(tokens)))
        tokens.insert(at, junk)
        outputs = {i + (i >= at) for i in outputs}
        given = None if given is None else given + (given >= at)
    return Case(tokens, frozenset(outputs), given)


# --- running a command ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: object
    out: str
    err: str
    escaped: str  # the traceback of an exception that escaped `cli.main`, or ""


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """`values` in os.environ (DAGSTER_HOME removed) while the block runs, then as it was: a
    command may set variables (`run` does) that must not leak into the next example."""
    saved = dict(os.environ)
    os.environ.pop("DAGSTER_HOME", None)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _replaced(owner: Any, name: str, value: Any) -> Iterator[None]:
    saved = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, saved)


def invoke(argv: list[str]) -> Outcome:
    """`cli.main(argv)` with stdout a strict UTF-8 stream (a character it cannot encode fails,
    as in a UTF-8 terminal) and stderr as Python's own (backslash escapes)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    escaped = ""
    code: object = None
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        # `add-reviewer` reads the password from stdin when it is no terminal.
        _replaced(sys, "stdin", io.StringIO("correct horse battery\n")),
        # `serve` would serve until interrupted: uvicorn returns at once instead (the command's
        # own work, checking the accounts and building the application on the warehouse, ran).
        _replaced(uvicorn, "run", lambda *args, **kwargs: None),
    ):
        try:
            code = cli.main(argv)
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code
        except BaseException:  # the property's failure: reported with its traceback
            escaped = traceback.format_exc()
    texts = []
    for stream in (out, err):
        with contextlib.suppress(ValueError):  # a write that failed half-way
            stream.flush()
        buffer = stream.buffer
        assert isinstance(buffer, io.BytesIO)
        texts.append(buffer.getvalue().decode("utf-8", "replace"))
    return Outcome(code, texts[0], texts[1], escaped)


def digest(path: Path) -> str:
    """The bytes of `path` (a file, with its DuckDB write-ahead log; or a folder's files)."""
    sha = hashlib.sha256()
    paths = sorted(path.rglob("*")) if path.is_dir() else [path, path.with_name(path.name + ".wal")]
    for item in paths:
        if item.is_file():
            sha.update(str(item.relative_to(path.parent)).encode() + item.read_bytes())
    return sha.hexdigest()


@dataclass
class World:
    """The module's fixture: the read warehouse (and its census), a pristine copy to copy for
    writing commands, the committed models copied, the working directory."""

    root: Path
    warehouse: Path
    pristine: Path
    models: Path
    baseline: Counter[tuple[str, str]]
    fingerprint: str
    models_digest: str
    counter: int = 0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("cli-property")
    for name in ("built", "read", "cwd"):
        (root / name).mkdir()
    built = bundled_warehouse(root / "built", [UN])
    warehouse = warehouse_with_a_match(built, root / "read")
    with duckdb.connect(str(warehouse)) as con:
        # A hit as the pipeline stores it, with its scores, beside the harness's bare one.
        con.execute(
            "INSERT INTO linkage.matches (mention_id, entity_id, matched_name, mention_name, "
            "match_weight, match_probability, band, contributions, levels, explanation, "
            "model_version) VALUES ('m_2', 'un_sc:QDi.006', 'Ayman Al-Zawahari', "
            "'Ayman al-Zawahiri', 0.85, 0.64, 'match', MAP {'name': 14.31, 'name_frequency': "
            "2.04}, MAP {'name': 'Exact match on core'}, 'name ''Ayman Al-Zawahari'' exact', 'v1')"
        )
    pristine = root / "pristine.duckdb"
    shutil.copyfile(warehouse, pristine)
    models = root / "models"
    shutil.copytree(MODELS, models)
    return World(
        root, warehouse, pristine, models, census(warehouse), digest(warehouse), digest(models)
    )


def check(world: World, command: str, case: Case) -> Outcome:
    """Run one example and assert the property; returns what the command did."""
    world.counter += 1
    folder = world.root / f"{command}-{world.counter}"
    folder.mkdir()
    if command in WRITE_COMMANDS and command != "run":
        target = folder / "w.duckdb"
        shutil.copyfile(world.pristine, target)
    else:
        target = world.warehouse
    models = world.models
    if command == "train":
        models = folder / "models-copy"
        shutil.copytree(world.models, models)
    example = Example(folder, target, models)
    argv = materialize(case, example)
    before = world.baseline  # the copy a writing command gets is the pristine one
    env = {
        # `run` is given another warehouse: this one must stay as it is.
        "SANCTIONS_WAREHOUSE": str(target if command != "run" else world.warehouse),
        "SANCTIONS_MODEL_DIR": str(world.models),
        "SANCTIONS_FETCH_MODE": "snapshot",
        **{
            f"SANCTIONS_{name.upper()}": str(folder / name)
            for name in ("raw_dir", "batches_dir", "counterparty_dir", "charts_dir")
        },
        "SANCTIONS_INBOX_DIRS": str(folder / "inbox"),
    }
    with environment(env):
        outcome = invoke(argv)
    said = f"{command}: {argv!r} -> exit {outcome.code}\n{outcome.err[-3000:]}"
    assert not outcome.escaped, f"{said}\n{outcome.escaped}"
    assert TRACEBACK not in outcome.err and TRACEBACK not in outcome.out, said
    if command != "run":  # its log on stderr is Dagster's, which shows a failed step's stack
        assert not FRAME.search(outcome.err), said
    # Text a command read or was given (a file name's undecodable bytes, a lone surrogate in
    # JSON) is written escaped, never a failure to print or write it.
    assert "codec can't encode" not in outcome.err, said
    assert outcome.code in (0, 1, 2), said
    assert outcome.code == 0 or outcome.err.strip(), f"{said}: a failure without a message"
    # The read warehouse: unchanged by a read command, and by any command given another one.
    if digest(world.warehouse) != world.fingerprint:
        assert census(world.warehouse) == world.baseline, f"{said}: the warehouse changed"
    if command in ("review", "review-record", "serve"):
        assert records_lost(before, census(target)) == 0, f"{said}: records lost"
    if command != "train":
        assert digest(world.models) == world.models_digest, f"{said}: the models changed"
    for path, data in example.made.items():
        if path not in example.outputs:
            assert path.read_bytes() == data, f"{said}: {path} changed"
    shutil.rmtree(folder)
    return outcome


PROPERTY = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure reproduces
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


def _models(**replaced: Any) -> Made:
    """A model folder holding the committed model with `replaced` values."""
    return Made(
        "folder",
        "models",
        members=(Made("file", MODEL_FILE, _json_bytes({**json.loads(MODEL_TEXT), **replaced})),),
    )


def _case(*tokens: Token) -> Case:
    """A case whose positional path (if any) is the token after the command, and whose
    outputs are the values of --out and train's --facts and --model-dir."""
    command = next(t for t in tokens if isinstance(t, str) and t in EXAMPLES)
    at = tokens.index(command)
    given = at + 1 if command in ("screen-articles", "screen-file") else None
    outputs = {
        i + 1
        for i, t in enumerate(tokens)
        if t == "--out" or (command == "train" and t in ("--facts", "--model-dir", "--candidates"))
    }
    return Case(list(tokens), frozenset(outputs), given)


LABELLED = b'{"text": "Ayman al-Zawahiri was seen in Cairo.", "entities": []}\n'
DEEP = b"[" * 100_000 + b"]" * 100_000 + b"\n"
COUNTERPARTY_CSV = b"name,country\nAyman al-Zawahiri,EG\nMahan Air,IR\n"
_buffer = io.BytesIO()
pq.write_table(pa.table({"name": ["Ayman al-Zawahiri"]}), _buffer)
COUNTERPARTY_PARQUET = _buffer.getvalue()
FACT = json.loads(FACTS.read_text().splitlines()[0])

# What the property found, each a traceback, a wrong exit code or a changed warehouse before
# its fix, kept as explicit examples.
FOUND: dict[str, list[Case]] = {
    "lists": [
        # DuckDB failed with a bare "std::bad_cast" on a name that is no UTF-8.
        _case("--warehouse", Made("file", "\udc80.duckdb"), "lists"),
    ],
    "run": [
        # --warehouse (and --model-dir) lost to $SANCTIONS_WAREHOUSE: the run filled that one.
        _case("--warehouse", Made("file", "w.duckdb", b"no database"), "run"),
    ],
    "screen": [
        # Splink's TypeError on a model it cannot read.
        _case("--model-dir", _models(additional_columns_to_retain=None), "screen", "Mahan Air"),
    ],
    "screen-file": [
        # NotADirectoryError: --out inside the input file.
        _case(
            "screen-file",
            Made("file", "c.csv", COUNTERPARTY_CSV),
            "--out",
            Made("inside-input", "hits.jsonl"),
        ),
        # A name with half a surrogate pair (a JSON escape): "codec can't encode", no file named.
        _case(
            "screen-file", Made("file", "c.jsonl", b'{"name": "Mahan Air\\udcff"}\n'), "--out", "-"
        ),
        # pyarrow could not open a Parquet file whose name is no UTF-8.
        _case("screen-file", Made("file", "\udcff.parquet", COUNTERPARTY_PARQUET), "--out", "-"),
        _case(
            "--model-dir",
            _models(additional_columns_to_retain=[[]]),  # Splink: "unhashable type"
            "screen-file",
            Made("file", "c.csv", COUNTERPARTY_CSV),
            "--out",
            "-",
        ),
    ],
    "screen-articles": [
        # spaCy's OSError on an --nlp-model that is no pipeline.
        _case(
            "screen-articles", Made("file", "a.jsonl", LABELLED), "--out", "-", "--nlp-model", "."
        ),
        # A document named with bytes that are no UTF-8: the --out file could not be written.
        _case(
            "screen-articles",
            Made("folder", "in", members=(Made("file", "\udca4.txt", b"Ayman al-Zawahiri said."),)),
            "--out",
            Made("absent", "hits.jsonl"),
        ),
    ],
    "explain": [
        # A stored match without scores (the harness's bare one).
        _case("explain", "m_1", "un_sc:QDi.001"),
        # A model whose prior is no probability.
        _case(
            "--model-dir",
            _models(probability_two_random_records_match=[]),
            "explain",
            "m_2",
            "un_sc:QDi.006",
        ),
    ],
    "eval": [
        _case("eval", "--labelled", Made("folder", "labelled")),  # IsADirectoryError
        _case("eval", "--labelled", Made("file", "deep.jsonl", DEEP)),  # RecursionError
        _case("eval", "--labelled", Made("file", "a.jsonl", LABELLED), "--nlp-model", "spacy"),
        # Exit 2 after the scorecard: its title, the file's name, could not be printed.
        _case("eval", "--labelled", Made("file", "\udcff.jsonl", LABELLED)),
    ],
    "train": [
        _case("--model-dir", Made("models"), "train", "--facts", Made("folder", "facts")),
        _case("--model-dir", Made("models"), "train", "--facts", Made("file", "f.jsonl", DEEP)),
        # A mention id that is a list: a TypeError when the mentions were sorted.
        _case(
            "--model-dir",
            Made("models"),
            "train",
            "--facts",
            Made("file", "f.jsonl", _json_bytes({**FACT, "mention_id": [], "links": []})),
        ),
        # Links that are lists: "unhashable type".
        _case(
            "--model-dir",
            Made("models"),
            "train",
            "--facts",
            Made("absent", "f.jsonl"),
            "--labelled",
            Made(
                "file",
                "l.jsonl",
                _json_bytes(
                    {
                        "text": "Ayman al-Zawahiri said.",
                        "entities": [
                            {"surface": ["Ayman al-Zawahiri"], "type": "PERSON", "links": [[]]}
                        ],
                    }
                ),
            ),
        ),
        # Facts from a labelled file named with bytes that are no UTF-8 could not be written.
        _case(
            "--model-dir",
            Made("models"),
            "train",
            "--facts",
            Made("absent", "f.jsonl"),
            "--labelled",
            Made("file", "\udc94.jsonl", LABELLED),
        ),
        _case(
            "--model-dir",
            Made("models"),
            "train",
            "--facts",
            Made("absent", "f.jsonl"),
            "--labelled",
            Made("file", "l.jsonl", LABELLED),
            "--nlp-model",
            "numpy",
        ),
    ],
    "query": [
        # A TypeError from DuckDB's parser on text that is no UTF-8.
        _case("query", "\udcfc\udcb7"),
    ],
}


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_every_command_on_generated_input(
    command: str, world: World, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(world.root / "cwd")
    codes: Counter[str] = Counter()

    @settings(PROPERTY, max_examples=EXAMPLES[command])
    @given(arguments(command))
    def drive(case: Case) -> None:
        outcome = check(world, command, case)
        codes[f"exit {outcome.code}"] += 1

    for case in FOUND.get(command, []):
        drive = example(case)(drive)
    drive()
    summary = ", ".join(f"{n} {label}" for label, n in sorted(codes.items()))
    kept = {
        "review": "no record lost",
        "review-record": "no record lost",
        "run": "the warehouse it was not given unchanged",
        "serve": "no record lost",
    }.get(command, "the warehouse unchanged")
    ledger.record(
        f"cli-property-{command}",
        "files",
        f"`sanctions {command}` with generated arguments and files (random bytes, CSV, JSON "
        "lines, Parquet, Unicode, numbers, missing paths, folders, links)",
        f"{sum(codes.values())} examples: {summary}; no traceback, {kept}",
        None,
    )


def test_every_command_and_option_is_driven(ledger: Ledger) -> None:
    """A new command, or a new option of a command, fails here until it has a generator."""
    parser = cli.build_parser()
    commands = _subcommands(parser)
    assert set(commands) == set(EXAMPLES) == READ_COMMANDS | WRITE_COMMANDS
    undriven = [
        f"{name or 'sanctions'} {action.dest}"
        for name, sub in [("", parser), *commands.items()]
        for action in _options(sub)
        if not _flag(action) and _values(name, action.dest) is None
    ]
    assert not undriven, f"options without a generator: {undriven}"
    # The kinds of option `arguments` knows how to give (a value, a repeated value, a flag).
    kinds = {type(a) for sub in [parser, *commands.values()] for a in _options(sub)}
    assert kinds <= {argparse._StoreAction, argparse._StoreTrueAction, argparse._AppendAction}
    ledger.record(
        "cli-property-coverage",
        "files",
        "the parser's commands and options against the property test's generators",
        f"{len(commands)} commands ({', '.join(sorted(commands))}), every option driven",
        None,
    )
