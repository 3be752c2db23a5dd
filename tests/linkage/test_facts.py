"""Training facts: derived from labelled articles without their text, written and read back
exactly, parsed strictly; the committed facts file is what `sanctions train` reads."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from assets.articles.model import Mention, MentionIdentifier
from assets.linkage.facts import derive_facts, read_facts, write_facts
from assets.linkage.gold import read_labelled

ROOT = Path(__file__).resolve().parents[2]
COMMITTED_FACTS = ROOT / "data" / "training" / "news_mentions.jsonl"

TEXT = (
    "The Treasury named Tural Bekzat Omarov, a Kazakh trader, and his firm Omarov Grain. "
    "A spokesman, Peter Novak, declined to comment."
)


def labelled_file(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    record = {
        "doc_id": "d1",
        "title": "A designation",
        "text": TEXT,
        "entities": [
            {"surface": ["Tural Bekzat Omarov"], "type": "PERSON", "links": ["a:1", "b:7"]},
            {"surface": ["Peter Novak"], "type": "PERSON", "links": []},
        ],
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def mention(article_id: str, surface: str, **facts: object) -> Mention:
    start = TEXT.index(surface)
    return Mention(
        mention_id=f"m_{start}",
        article_id=article_id,
        text=surface,
        label="PERSON",
        schema_guess="Person",
        start=start,
        end=start + len(surface),
        sentence=TEXT.split(". ")[0],
        detector="ner",
        canonical_id=f"m_{start}",
        canonical_text=surface,
        **facts,  # type: ignore[arg-type]
    )


def test_facts_carry_what_the_model_reads_and_no_text(tmp_path: Path) -> None:
    labelled = read_labelled(labelled_file(tmp_path))
    article_id = labelled[0].article.article_id
    found = [
        mention(
            article_id,
            "Tural Bekzat Omarov",
            attributed_countries=["KZ"],
            sentence_countries=["KZ", "US"],
            identifiers=[MentionIdentifier("passport", "N123")],
            role="trader",
        ),
        mention(article_id, "Peter Novak"),
    ]
    rows = derive_facts(labelled, found, {"a:1", "b:7"}, "test/labelled.jsonl")
    assert [r["links"] for r in rows] == [["a:1", "b:7"], []]
    assert all("sentence" not in r and r["corpus"] == "test/labelled.jsonl" for r in rows)
    assert TEXT.split(". ")[0] not in json.dumps(rows)

    path = tmp_path / "facts.jsonl"
    assert write_facts(path, rows) == 2
    facts = read_facts(path)
    assert facts.corpora == {"test/labelled.jsonl": 2}
    assert [(g.mention_id, g.entity_id) for g in facts.gold] == [
        ("m_19", "a:1"),
        ("m_19", "b:7"),
    ]
    assert facts.mentions == [dataclasses.replace(m, sentence="") for m in found]


def test_links_to_entities_not_loaded_are_left_out(tmp_path: Path) -> None:
    labelled = read_labelled(labelled_file(tmp_path))
    found = [mention(labelled[0].article.article_id, "Tural Bekzat Omarov")]
    rows = derive_facts(labelled, found, {"b:7"}, "test")
    assert rows[0]["links"] == ["b:7"]


def test_a_malformed_line_names_the_file_line_and_mention(tmp_path: Path) -> None:
    labelled = read_labelled(labelled_file(tmp_path))
    rows = derive_facts(labelled, [mention(labelled[0].article.article_id, "Peter Novak")], (), "t")
    del rows[0]["schema_guess"]
    path = tmp_path / "facts.jsonl"
    path.write_text("\n" + json.dumps(rows[0]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"facts.jsonl: line 2 \(mention m_\d+\).*schema_guess"):
        read_facts(path)


def test_the_committed_facts_hold_real_news_and_the_samples() -> None:
    facts = read_facts(COMMITTED_FACTS)
    assert set(facts.corpora) == {"eval/train.jsonl", "samples/articles.jsonl"}
    assert len(facts.gold) > 500
    linked = {g.mention_id for g in facts.gold}
    # Labelled namesakes and other people are there too: the prior needs them.
    assert len(facts.mentions) > 2 * len(linked)
    assert all(m.sentence == "" for m in facts.mentions)
