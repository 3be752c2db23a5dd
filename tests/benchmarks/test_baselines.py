"""The baselines of benchmarks/baselines.py and the list growth of benchmarks/scaling.py, on a
warehouse holding the bundled UN list."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import pytest

from assets.articles.model import Article, Mention
from assets.common.tables import utc_now
from assets.linkage.gold import GoldEntity, LabelledArticle
from assets.linkage.screen import name_query
from assets.sources import un_sc
from benchmarks.baselines import (
    NOMENKLATURA_THRESHOLD,
    entity_facts,
    exact_scores,
    fuzzy_scores,
    mention_facts,
    nomenklatura_python,
    nomenklatura_scores,
    run_nomenklatura_matcher,
    score_pairs_at,
    tune_fuzzy_threshold,
)
from benchmarks.scaling import (
    Point,
    _detail,
    _median_run,
    _projection,
    _ratio_rows,
    _slope,
    grow_lists,
    perturb_name,
)
from tests.conftest import bundled_warehouse

DORDA = "un_sc:LYi.006"  # ABU ZAYD UMAR DORDA, Libya, born 1944


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_warehouse(tmp_path_factory.mktemp("baselines"), [un_sc.SPEC])


@pytest.fixture
def con(warehouse: Path) -> duckdb.DuckDBPyConnection:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def query(name: str, query_id: str, **facts: object) -> Mention:
    return name_query(name, query_id=query_id, **facts)  # type: ignore[arg-type]


def test_exact_finds_a_listed_name_in_any_case_and_not_a_namesake(
    con: duckdb.DuckDBPyConnection,
) -> None:
    found = exact_scores(
        [
            query("Abu Zayd Umar Dorda", "listed"),
            query("Abu Zayd Umar Dorta", "typo"),
            query("Jane Doe", "absent"),
        ],
        con,
    )
    assert ("listed", DORDA, 1.0) in found
    assert {m for m, _, _ in found} == {"listed"}


def test_fuzzy_finds_a_typo_above_the_cutoff_and_not_an_unrelated_name(
    con: duckdb.DuckDBPyConnection,
) -> None:
    found = fuzzy_scores(
        [query("Abu Zayd Umar Dorta", "typo"), query("Jane Doe", "absent")], con, cutoff=0.9
    )
    typo = [s for m, e, s in found if m == "typo" and e == DORDA]
    assert typo and 0.9 <= typo[0] < 1.0
    assert not [p for p in found if p[0] == "absent"]
    assert all(s >= 0.9 for _, _, s in found)


def test_the_tuned_threshold_keeps_the_true_pair_and_drops_the_false_one() -> None:
    article = Article(
        "a1", "Abu Zayd Umar Dorda met John Smith.", None, None, None, "inbox", "a1.txt", utc_now()
    )
    labelled = [
        LabelledArticle("a1", article, [GoldEntity(("Abu Zayd Umar Dorda",), "person", (DORDA,))])
    ]
    mentions = [
        Mention(
            "m1",
            "a1",
            "Abu Zayd Umar Dorda",
            "PERSON",
            "Person",
            0,
            19,
            article.text,
            "ner",
            "m1",
            "Abu Zayd Umar Dorda",
        ),
        Mention(
            "m2",
            "a1",
            "John Smith",
            "PERSON",
            "Person",
            24,
            34,
            article.text,
            "ner",
            "m2",
            "John Smith",
        ),
    ]
    scored = [("m1", DORDA, 0.95), ("m2", "un_sc:QDi.999", 0.8)]
    threshold, metrics = tune_fuzzy_threshold(labelled, mentions, scored, {DORDA, "un_sc:QDi.999"})
    assert 0.8 < threshold <= 0.95
    assert metrics["f1"] == 1.0
    loose = score_pairs_at(labelled, mentions, scored, {DORDA, "un_sc:QDi.999"}, 0.7)
    assert (loose["tp"], loose["fp"]) == (1, 1)


def test_facts_for_the_matcher_carry_names_countries_and_birth_dates(
    con: duckdb.DuckDBPyConnection,
) -> None:
    facts = entity_facts(con, [DORDA])[DORDA]
    assert facts["schema"] == "Person"
    assert facts["properties"]["name"] == ["ABU ZAYD UMAR DORDA"]
    assert "Abu Zayd Umar Hmeid Dorda" in facts["properties"]["alias"]
    assert facts["properties"]["country"] == ["LY"]
    assert facts["properties"]["birthDate"] == ["1944-04-04"]
    mention = mention_facts(query("Dorda", "q", kind="person", country="LY", birth_year=1944))
    assert mention == {
        "id": "q",
        "schema": "Person",
        "properties": {"name": ["Dorda"], "country": ["LY"], "birthDate": ["1944"]},
    }
    assert mention_facts(query("Dorda", "q"))["schema"] == "LegalEntity"


def test_nomenklatura_scores_a_listed_person_above_its_threshold(
    con: duckdb.DuckDBPyConnection,
) -> None:
    if not nomenklatura_python().exists():
        pytest.skip("no nomenklatura venv (make .venv-nomenklatura, or set NOMENKLATURA_PYTHON)")
    mentions = [
        query("Abu Zayd Umar Dorda", "listed", kind="person", country="LY", birth_year=1944),
        query("Jane Doe", "other", kind="person", country="CA"),
    ]
    scores = nomenklatura_scores(mentions, [("listed", DORDA), ("other", DORDA)], con)
    by_mention = {m: s for m, e, s in scores if e == DORDA}
    assert by_mention["listed"] >= NOMENKLATURA_THRESHOLD
    assert by_mention["other"] < NOMENKLATURA_THRESHOLD


def test_grown_lists_hold_perturbed_copies_under_new_ids(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute("SELECT count(*) FROM linkage.list_records").fetchone()
    assert before
    source = tmp_path / "x1.duckdb"
    shutil.copyfile(warehouse, source)
    grown = grow_lists(source, tmp_path / "x2.duckdb", 2)
    assert before[0] * 1.9 < grown <= before[0] * 2
    with duckdb.connect(str(tmp_path / "x2.duckdb"), read_only=True) as con:
        copies = con.execute(
            "SELECT name FROM sources.names WHERE entity_id = $id", {"id": f"{DORDA}~1"}
        ).fetchall()
        entity = con.execute(
            "SELECT schema FROM sources.entities WHERE entity_id = $id", {"id": f"{DORDA}~1"}
        ).fetchall()
    assert len(copies) == 3 and entity == [("Person",)]
    assert "ABU ZAYD UMAR DORDA" not in {c for (c,) in copies}


def test_perturbation_is_deterministic_and_changes_the_name() -> None:
    names = ["Abu Zayd Umar Dorda", "Islamic Revolutionary Guard Corps", "Mahan Air"]
    first = [perturb_name(n, random.Random(3)) for n in names]
    again = [perturb_name(n, random.Random(3)) for n in names]
    assert first == again
    assert all(a != b for a, b in zip(first, names, strict=True))


def test_growth_exponent_is_the_log_log_slope() -> None:
    assert _slope([1_000, 10_000, 100_000], [1.0, 100.0, 10_000.0]) == pytest.approx(2.0)
    assert _slope([1_000], [1.0]) is None


def test_nomenklatura_own_index_finds_a_listed_person_among_its_candidates(
    con: duckdb.DuckDBPyConnection,
) -> None:
    if not nomenklatura_python().exists():
        pytest.skip("no nomenklatura venv (make .venv-nomenklatura, or set NOMENKLATURA_PYTHON)")
    others = [
        str(e)
        for (e,) in con.execute(
            "SELECT entity_id FROM sources.entities WHERE entity_id != ? ORDER BY 1 LIMIT 19",
            [DORDA],
        ).fetchall()
    ]
    mentions = [
        query("Abu Zayd Umar Dorda", "listed", kind="person", country="LY", birth_year=1944),
        query("Abu Zayd Dorda", "shorter", kind="person"),
        query("Jane Doe", "other", kind="person", country="CA"),
    ]
    run = run_nomenklatura_matcher(mentions, con, entity_ids=[DORDA, *others])
    by_mention = {m: s for m, e, s in run.scored if e == DORDA}
    assert by_mention["listed"] >= NOMENKLATURA_THRESHOLD
    assert "shorter" in by_mention
    assert all(s < NOMENKLATURA_THRESHOLD for m, _, s in run.scored if m == "other")
    assert run.pairs == len(run.scored)
    assert run.index_seconds > 0 and run.match_seconds > 0


def test_nomenklatura_own_index_is_rated_and_projected_on_its_queries_alone() -> None:
    ours = Point("ours", 1, 100, 1000, {"seconds": 2.0, "peak_mb": 1.0})
    scorer = Point(
        "nomenklatura", 1, 100, 1000, {"seconds": 20.0, "compare_s": 10.0, "peak_mb": 1.0}
    )
    own = Point(
        "nomenklatura_index",
        1,
        100,
        1000,
        {"seconds": 50.0, "query_s": 30.0, "fixed_s": 20.0, "index_s": 15.0, "peak_mb": 1.0},
    )
    assert _ratio_rows([ours, scorer, own]) == [["x1", "1,000", "10.0x", "5.0x", "15.0x"]]
    # Ten times the mentions: ten times the queries, not ten times the index build.
    assert _projection([own], "nomenklatura_index", 1, 10_000) == 300.0


def test_ours_is_reported_by_its_median_run_with_every_run_shown() -> None:
    runs = [
        {"seconds": 1.4, "peak_mb": 400.0, "hits": 7, "candidates": 90},
        {"seconds": 1.1, "peak_mb": 410.0, "hits": 7},
        {"seconds": 2.9, "peak_mb": 420.0, "hits": 7},
    ]
    median = _median_run(runs)
    assert median["seconds"] == 1.4
    assert median["runs_s"] == [1.4, 1.1, 2.9]
    assert median["candidates"] == 90  # measured by the first run only
    assert "median of 3 runs (1.40, 1.10, 2.90 s)" in _detail(Point("ours", 1, 10, 100, median))
    # A run that did not finish is the point's result: no median hides it.
    assert _median_run([runs[0], {"did_not_finish": True}]) == {"did_not_finish": True}
