"""The list-aware matcher: filters at build time, conditions at match time, real bundled lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from spacy.language import Language

from assets.articles.listmatch import (
    ListMatch,
    ListNameMatcher,
    _tokenise,
    english_words,
    name_variants,
)
from assets.articles.model import Article
from assets.articles.nlp import extract_mentions, load_pipeline
from assets.common.text import clean
from assets.sources import ofac_cons, un_sc
from assets.sources.bundled import bundled_files

LITERAL = [
    ("MAHAN AIR", "Organization"),
    ("MAHAN AIR CO.", "Organization"),
    ("PROMSVYAZBANK PJSC", "Organization"),
    ("GAZPROM SVYAZ, OOO", "Organization"),
    ("SOUTH SHIPPING LINE IRAN (SSL)", "Organization"),
    ("DAY COMPANY", "Organization"),
    ("MAR AZUL", "Vessel"),
    ("HOPE", "Vessel"),
    ("SEA DRAGON", "Vessel"),
    ("Ayman AL-ZAWAHIRI", "Person"),
    ("Usama BIN LADEN", "Person"),
    ("Viktor Fyodorovich YANUKOVYCH", "Person"),
    ("Viktor YANUKOVYCH", "Person"),
    ("Türkiye Halk Bankası", "Organization"),
    # filtered out
    ("HAMID", "Person"),
    ("IRAN", "Organization"),
    ("ABC", "Organization"),
    ("Hope", "Organization"),
    ("THE", "Organization"),
    ("أيمن الظواهري", "Person"),
    ("12345", "Organization"),
    ("  ", "Organization"),
    ("WIDGET", "Planet"),
]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_pipeline()


@pytest.fixture(scope="module")
def matcher(nlp: Language) -> ListNameMatcher:
    return ListNameMatcher.from_pairs(nlp, LITERAL)


def _found(nlp: Language, matcher: ListNameMatcher, text: str) -> list[tuple[str, str]]:
    return [(m.text, m.schema) for m in matcher(nlp(text))]


def test_build_filters(matcher: ListNameMatcher) -> None:
    assert dict(matcher.skipped) == {
        "person_single_word": 1,
        "place_name": 1,
        "short": 2,  # ABC, THE
        "common_word": 1,  # Hope as an organisation
        "script": 1,
        "no_letters": 1,
        "empty": 1,
        "schema": 1,
    }
    assert len(matcher) > 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # all-capital and title-case company names, never lower case
        ("Flights by MAHAN AIR were grounded.", [("MAHAN AIR", "Organization")]),
        ("Payments via Promsvyazbank stopped.", [("Promsvyazbank", "Organization")]),
        # "mahan" and "air" are both in WordNet: such names need capitals
        ("Flights by Mahan Air were grounded.", []),
        ("the mahan air flights", []),
        # the longest of overlapping names wins
        ("Flights by MAHAN AIR CO. were grounded.", [("MAHAN AIR CO.", "Organization")]),
        # legal forms cut for a second pattern
        ("Payments via PROMSVYAZBANK stopped.", [("PROMSVYAZBANK", "Organization")]),
        ("Payments via Promsvyazbank PJSC stopped.", [("Promsvyazbank PJSC", "Organization")]),
        ("Gazprom Svyaz denied it.", [("Gazprom Svyaz", "Organization")]),
        # a trailing bracketed acronym cut for a second pattern
        ("South Shipping Line Iran was named.", [("South Shipping Line Iran", "Organization")]),
        # dictionary-only names only in capitals
        ("He joined DAY COMPANY in May.", [("DAY COMPANY", "Organization")]),
        ("The Day Company picnic was fun.", []),
        # vessels: a vessel word near, capitals or quotes
        ("The vessel Mar Azul docked in Havana.", [("Mar Azul", "Vessel")]),
        ("MAR AZUL docked in Havana.", [("MAR AZUL", "Vessel")]),
        ('The "Mar Azul" docked in Havana.', [("Mar Azul", "Vessel")]),
        ("We ate at Mar Azul in Havana.", []),
        # one-word common vessel names only next to a vessel word
        ("The tanker HOPE left port.", [("HOPE", "Vessel")]),
        ("The Hope tanker left port.", [("Hope", "Vessel")]),
        ("HOPE remains for peace talks.", []),
        ("There is Hope.", []),
        ("The SEA DRAGON sailed.", [("SEA DRAGON", "Vessel")]),
        ("The Sea Dragon festival opened.", []),
        # people: particles may be lower case, the rest capitalised
        ("Ayman al-Zawahiri was killed.", [("Ayman al-Zawahiri", "Person")]),
        ("Usama bin Laden was killed.", [("Usama bin Laden", "Person")]),
        ("Viktor Yanukovych fled.", [("Viktor Yanukovych", "Person")]),
        # diacritics folded on the list side too
        ("Turkiye Halk Bankasi was fined.", [("Turkiye Halk Bankasi", "Organization")]),
        ("Türkiye Halk Bankası was fined.", [("Türkiye Halk Bankası", "Organization")]),
        # filtered names never match
        ("HAMID and IRAN and Hope.", []),
    ],
)
def test_matches(
    nlp: Language, matcher: ListNameMatcher, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(nlp, matcher, text) == expected


def test_match_offsets_and_names(nlp: Language, matcher: ListNameMatcher) -> None:
    text = "Officials said MAHAN AIR CO. flew."
    (match,) = matcher(nlp(text))
    assert match == ListMatch(
        start=15, end=28, text="MAHAN AIR CO.", schema="Organization", names=("MAHAN AIR CO.",)
    )
    assert text[match.start : match.end] == match.text


def test_list_matcher_adds_an_all_caps_company_ner_misses(
    nlp: Language, matcher: ListNameMatcher
) -> None:
    text = "Flights by MAHAN AIR and PROMSVYAZBANK payments were blocked, officials said."
    article = Article(
        article_id="a_caps",
        text=text,
        title=None,
        url=None,
        published_at=dt.datetime(2024, 4, 26),
        origin="inbox",
        source_ref="test",
        fetched_at=dt.datetime(2024, 4, 26),
    )
    ner_only = {m.text for m in extract_mentions(nlp, [article], None)}
    assert "PROMSVYAZBANK" not in ner_only
    mentions = {m.text: m for m in extract_mentions(nlp, [article], matcher)}
    assert mentions["PROMSVYAZBANK"].detector == "list"
    assert mentions["PROMSVYAZBANK"].schema_guess == "Organization"
    assert mentions["MAHAN AIR"].label == "ORG"


@pytest.mark.parametrize(
    ("name", "schema", "variants"),
    [
        ('"KOMID"', "Organization", [["komid"]]),
        (
            "GAZPROM SVYAZ, OOO",
            "Organization",
            [["gazprom", "svyaz", ",", "ooo"], ["gazprom", "svyaz"]],
        ),
        (
            "PUBLIC JOINT STOCK COMPANY PROMSVYAZBANK",
            "Organization",
            [["public", "joint", "stock", "company", "promsvyazbank"], ["promsvyazbank"]],
        ),
        ("CHONG CHON GANG SHIPPING CO. LTD.", "Organization", None),
        ("OOO", "Organization", [["ooo"]]),
        ("SEA STAR LTD", "Vessel", [["sea", "star", "ltd"]]),  # legal forms: organisations only
    ],
)
def test_name_variants(
    nlp: Language, name: str, schema: str, variants: list[list[str]] | None
) -> None:
    (words,) = _tokenise(nlp, [name])
    found = name_variants(words, schema)
    if variants is None:
        assert found[-1] == ["chong", "chon", "gang", "shipping"]
    else:
        assert found == variants


def test_english_words_come_from_the_model(nlp: Language) -> None:
    words = english_words(nlp)
    assert {"hope", "company", "the"} <= words
    assert "promsvyazbank" not in words
    assert len(words) > 50_000


@pytest.fixture(scope="module")
def bundled_pairs() -> Iterator[list[tuple[str, str]]]:
    pairs: list[tuple[str, str]] = []
    for module, source in ((un_sc, "un_sc"), (ofac_cons, "ofac_cons")):
        parsed = module.parse(bundled_files(source))
        pairs.extend(
            (listed.name, entity.schema)
            for entity in parsed.entities
            for listed in entity.names
            if listed.kind != "weak_alias"
        )
    yield pairs


def test_tokenise_agrees_with_the_tokenizer(
    nlp: Language, bundled_pairs: list[tuple[str, str]]
) -> None:
    names = [name for name in (clean(n) for n, _ in bundled_pairs) if name]
    expected = [[token.lower_ for token in nlp.make_doc(name)] for name in names]
    assert _tokenise(nlp, names) == expected


def test_built_from_bundled_lists(nlp: Language, bundled_pairs: list[tuple[str, str]]) -> None:
    matcher = ListNameMatcher.from_pairs(nlp, bundled_pairs)
    assert len(matcher) > 3000
    text = (
        "Funds moved through TANCHON COMMERCIAL BANK and Korea Kwangson Banking Corporation, "
        "while ROSSELKHOZBANK and the Russian Agricultural Bank denied any link. "
        "Ismail Haniya was quoted. The bank said the company had no ties."
    )
    found = _found(nlp, matcher, text)
    assert ("TANCHON COMMERCIAL BANK", "Organization") in found
    assert ("Korea Kwangson Banking Corporation", "Organization") in found
    assert ("ROSSELKHOZBANK", "Organization") in found
    assert ("Russian Agricultural Bank", "Organization") in found
    assert ("Ismail Haniya", "Person") in found
    assert all(surface not in {"The bank", "company"} for surface, _ in found)
