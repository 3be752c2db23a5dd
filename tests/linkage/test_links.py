"""Links between listed entities (OFAC's "Linked To", the UN's reference numbers) read from the
real list excerpts, the names a mention's article gives that stand on them, and how they and the
mention's role decide between listed namesakes on the bundled lists with the committed model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.compute as pc
import pytest

from assets.articles.model import Mention
from assets.linkage.links import article_related_names, ofac_linked_names, un_references
from assets.linkage.records import mentions_related_names
from assets.linkage.scoring import Bands
from assets.linkage.screen import Screener, name_query
from assets.sources import ofac_sdn, uk_ofsi
from tests.conftest import bundled_warehouse
from tests.linkage.lists_warehouse import fixture_warehouse

MODEL_DIR = Path(__file__).resolve().parents[2] / "data" / "models"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_warehouse(tmp_path_factory.mktemp("links") / "w.duckdb")


def related_of(warehouse: Path, entity_id: str) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT unnest(related_names) FROM linkage.list_records WHERE entity_id = ?",
            [entity_id],
        ).fetchall()
    return {key for (key,) in rows}


def test_ofac_linked_names_are_read_whole() -> None:
    remarks = (
        "Additional Sanctions Information - Subject to Secondary Sanctions; Linked To: "
        "ISLAMIC REVOLUTIONARY GUARD CORPS (IRGC)-QODS FORCE; Linked To: C.I. DISERCOM S.A.S."
    )
    assert ofac_linked_names(remarks) == [
        "ISLAMIC REVOLUTIONARY GUARD CORPS (IRGC)-QODS FORCE",
        "C.I. DISERCOM S.A.S",
    ]
    assert ofac_linked_names("DOB 1970; nationality Iran.") == []
    assert ofac_linked_names(None) == []


def test_un_references_are_those_cited_not_the_entitys_own() -> None:
    remarks = (
        "(UK Sanctions List Ref):AQD0260. (UN Ref):QDi.318. Trained with Al-Qaida (QDe.004). "
        "Linked to Aiman al-Zawahiri (QDi.006) and Al-Qaida (QDe.004)."
    )
    assert un_references(remarks) == ["QDe.004", "QDi.006"]


def test_an_ofac_link_goes_both_ways(warehouse: Path) -> None:
    # sdn.csv: Yinyin TIAN and Jiadong LI are "Linked To: LAZARUS GROUP"
    assert "group lazarus" in related_of(warehouse, "ofac_sdn:28263")
    assert {"tian yinyin", "jiadong li"} <= related_of(warehouse, "ofac_sdn:27307")


def test_a_un_reference_links_the_entities(warehouse: Path) -> None:
    # consolidated.xml: Abdul Basir Noorzai (TAi.173) owns the hawala TAe.014, which cites him
    assert "basir noorzai" in related_of(warehouse, "un_sc:TAe.014")
    assert "basir haji hawala" in related_of(warehouse, "un_sc:TAi.173")


def test_an_entity_without_links_has_no_related_names(warehouse: Path) -> None:
    assert related_of(warehouse, "ofac_sdn:2676") == set()  # Ayman AL ZAWAHIRI


def mention(mention_id: str, text: str, article_id: str = "a1", canonical: str = "") -> Mention:
    return Mention(
        mention_id=mention_id,
        article_id=article_id,
        text=text,
        label="PERSON",
        schema_guess="Person",
        start=0,
        end=len(text),
        sentence=text,
        detector="ner",
        canonical_id=canonical or mention_id,
        canonical_text=text,
    )


# related name -> the words of the listed entities linked to it (`ListContext.related_words`)
LAZARUS = {
    "group lazarus": frozenset({"yinyin", "tian", "jiadong", "li"}),
    "tian yinyin": frozenset({"group", "lazarus"}),
}


def test_a_mention_keeps_the_linked_names_of_its_own_article() -> None:
    found = mentions_related_names(
        [
            mention("m1", "Tian Yinyin"),
            mention("m2", "Lazarus Group"),
            mention("m3", "Antony Blinken"),
            mention("m4", "Tian Yinyin", article_id="a2"),
            mention("m5", "Yinyin"),
        ],
        LAZARUS,
    )
    assert found["m1"] == found["m5"] == ("group lazarus",)
    assert found["m2"] == ("tian yinyin",)
    # no entity linked to Lazarus Group shares a word with "Antony Blinken": nothing to decide
    assert found["m3"] == ()
    assert "m4" not in found  # another article names nothing else


def test_the_names_of_the_mentions_own_cluster_are_not_around_it() -> None:
    # "Isil" and "Islamic State of Iraq and the Levant" are one entity: not linked to itself
    cluster = ["isil", "iraq islamic levant state"]
    related = {
        "iraq islamic levant state": frozenset({"isil", "khorasan"}),
        "hanifa exchange": frozenset({"isil", "iraq", "levant", "state"}),
    }
    article = [*cluster, "hanifa exchange"]
    assert article_related_names(cluster, {"isil"}, article, related) == ("hanifa exchange",)


@pytest.fixture(scope="module")
def screener(tmp_path_factory: pytest.TempPathFactory) -> Screener:
    folder = tmp_path_factory.mktemp("bundled")
    database = bundled_warehouse(folder, [ofac_sdn.SPEC, uk_ofsi.SPEC])
    with duckdb.connect(str(database), read_only=True) as con:
        return Screener.from_warehouse(con, MODEL_DIR, Bands())


def bands_of(screener: Screener, mentions: list[Mention]) -> dict[str, tuple[str, str]]:
    """entity id -> (band, explanation) of the first mention's hits."""
    return {
        h["entity_id"]: (h["band"], h["explanation"])
        for h in screener.screen(mentions).to_pylist()
        if h["mention_id"] == mentions[0].mention_id
    }


def test_the_role_decides_between_listed_namesakes(screener: Screener) -> None:
    # The UK lists two Vladimir BOGDANOVs of one weight for "Vladimir Bogdanov": the CEO of
    # Surgutneftegaz and an FSB general ("Major General", "former Director of ...").
    alone = mention("m1", "Vladimir Bogdanov")
    assert bands_of(screener, [alone])["uk_ofsi:15285"][0] == "review"
    found = bands_of(
        screener, [replace(alone, role="Director General and Vice Chairman of Surgutneftegaz")]
    )
    band, explanation = found["uk_ofsi:15285"]
    assert band == "match"
    assert "role in surgutneftegaz as a listed position" in explanation
    assert "match over 1 other listed entity of this list as high" in explanation
    # a title in common ("director", "general") is weaker than the organisation of the post
    assert found["uk_ofsi:14135"][0] == "review"
    # OFAC gives neither Bogdanov a position: they stay for review
    assert found["ofac_sdn:24317"][0] == found["ofac_sdn:32754"][0] == "review"


def test_a_linked_entity_named_decides_between_listed_namesakes(screener: Screener) -> None:
    # OFAC lists Boris Romanovich ROTENBERG (linked to SMP Bank) and his son Boris Borisovich
    boris = mention("m1", "Boris Rotenberg")
    assert bands_of(screener, [boris])["ofac_sdn:16671"][0] == "review"
    found = bands_of(screener, [boris, mention("m2", "SMP Bank")])
    band, explanation = found["ofac_sdn:16671"]
    assert band == "match"
    assert "the article names bank smp, linked to it on the list" in explanation
    assert found["ofac_sdn:35314"][0] == "review"
    # the same names in another article say nothing of this one
    elsewhere = bands_of(screener, [boris, mention("m2", "SMP Bank", article_id="a2")])
    assert elsewhere["ofac_sdn:16671"][0] == "review"
    # nor do the rows of one counterparty file
    queries = [name_query("Boris Rotenberg", query_id="q1"), name_query("SMP Bank", query_id="q2")]
    assert bands_of(screener, queries)["ofac_sdn:16671"][0] == "review"


def hits_of(screener: Screener, mentions: list[Mention]) -> dict[str, dict[str, Any]]:
    """entity id -> hit of the first mention, every candidate pair (no review band)."""
    return {
        h["entity_id"]: h
        for h in screener.screen(mentions, Bands(review=0.0)).to_pylist()
        if h["mention_id"] == mentions[0].mention_id
    }


AGREES = "the article names its position's organisation or a linked entity"


def test_the_role_is_weighed_by_the_model(screener: Screener) -> None:
    bogdanov = mention("m1", "Vladimir Bogdanov")
    ceo = hits_of(screener, [replace(bogdanov, role="Director General of Surgutneftegaz")])
    elsewhere = hits_of(screener, [replace(bogdanov, role="Director General of Rosneft")])
    unsaid = hits_of(screener, [bogdanov])
    surgut = "uk_ofsi:15285"
    assert dict(ceo[surgut]["levels"])["role_or_link"] == AGREES
    assert dict(ceo[surgut]["contributions"])["role_or_link"] > 0
    assert "role in surgutneftegaz as a listed position (+" in ceo[surgut]["explanation"]
    # a post in another organisation counts against
    levels = dict(elsewhere[surgut]["levels"])
    assert levels["role_or_link"] == "role in an organisation none of its positions is in"
    assert dict(elsewhere[surgut]["contributions"])["role_or_link"] < 0
    weights = [h[surgut]["match_weight"] for h in (elsewhere, unsaid, ceo)]
    assert weights[0] < weights[1] < weights[2]
    # no role: nothing to compare, no weight either way
    assert dict(unsaid[surgut]["contributions"])["role_or_link"] == 0


def test_a_title_of_a_listed_position_is_its_own_level(screener: Screener) -> None:
    found = hits_of(screener, [mention("m1", "Vladimir Putin", canonical="Vladimir Putin")])
    titled = hits_of(screener, [replace(mention("m1", "Vladimir Putin"), role="President")])
    putin = "uk_ofsi:14196"
    assert dict(titled[putin]["levels"])["role_or_link"] == "a title of a listed position"
    assert dict(found[putin]["levels"])["role_or_link"] == "no data"


def test_a_linked_entity_named_is_weighed_for_listed_people_only(screener: Screener) -> None:
    found = hits_of(screener, [mention("m1", "Boris Rotenberg"), mention("m2", "SMP Bank")])
    assert dict(found["ofac_sdn:16671"]["levels"])["role_or_link"] == AGREES
    assert dict(found["ofac_sdn:16671"]["contributions"])["role_or_link"] > 0
    # an organisation's links (its parent, its subsidiaries, which share its name) are not:
    # the parent named beside its acronym lifts no subsidiary
    context = screener.list_context()
    people = set(
        screener.list_records.filter(pc.equal(screener.list_records.column("schema"), "Person"))
        .column("entity_id")
        .to_pylist()
    )
    linked = {e for entities in context.linked_entities.values() for e in entities}
    assert linked and linked <= people
    bank = hits_of(screener, [mention("m1", "PSB"), mention("m2", "Promsvyazbank")])
    subsidiaries = [h for h in bank.values() if "PSB" in h["matched_name"]]
    assert subsidiaries
    assert all(dict(h["levels"])["role_or_link"] == "no data" for h in subsidiaries)
