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
    fold_apostrophes,
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
        # "mahan" and "air" are both in WordNet: such names need capitals, or NER to see a
        # name there too (it does here)
        ("Flights by Mahan Air were grounded.", [("Mahan Air", "Organization")]),
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
        # A generic tail after a one-word name goes; after two words it stays.
        (
            "INGOSSTRAKH INSURANCE COMPANY",
            "Organization",
            [["ingosstrakh", "insurance", "company"], ["ingosstrakh"]],
        ),
        ("TASNIM NEWS AGENCY", "Organization", [["tasnim", "news", "agency"], ["tasnim"]]),
        ("BELARUSIAN CEMENT COMPANY", "Organization", [["belarusian", "cement", "company"]]),
        ("WAGNER GROUP", "Person", [["wagner", "group"]]),  # organisations only
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


def test_person_variants_drop_the_patronymic_and_respell_the_first_name(nlp: Language) -> None:
    (words,) = _tokenise(nlp, ["Yuriy Alekseyevich SOLOVIEV"])
    found = name_variants(words, "Person")
    assert found[:2] == [["yuriy", "alekseyevich", "soloviev"], ["yuriy", "soloviev"]]
    assert ["yury", "soloviev"] in found and ["yuri", "alekseyevich", "soloviev"] in found
    # every variant is a name the lists or the news write: the first name in one spelling
    assert all(v[1:] in (["alekseyevich", "soloviev"], ["soloviev"]) for v in found)
    assert len(found) == len({tuple(v) for v in found})
    # no patronymic, no known spelling: the name alone
    (words,) = _tokenise(nlp, ["Adham Husayn TABAJA"])
    assert name_variants(words, "Person") == [["adham", "husayn", "tabaja"]]
    # a surname that looks like a patronymic stays ("Roman Arkadyevich ABRAMOVICH")
    (words,) = _tokenise(nlp, ["Roman Arkadyevich ABRAMOVICH"])
    assert ["roman", "abramovich"] in name_variants(words, "Person")
    assert ["roman", "arkadyevich"] not in name_variants(words, "Person")
    # organisations are never respelled
    (words,) = _tokenise(nlp, ["SERGEY TRADING"])
    assert name_variants(words, "Organization") == [["sergey", "trading"]]


def test_a_person_is_found_as_the_news_writes_the_name(nlp: Language) -> None:
    """NER misses many people in running text; the matcher finds a listed person written
    without the patronymic and with another spelling of the first name, capitalised."""
    matcher = ListNameMatcher.from_pairs(
        nlp, [("Yuriy Alekseyevich SOLOVIEV", "Person"), ("Ramzan Akhmatovich KADYROV", "Person")]
    )
    text = (
        "VTB executives Andrey Puchkov and Yury Soloviev resigned.\n"
        "  • Ramzan Kadyrov, the Chechen leader, was named."
    )
    assert _found(nlp, matcher, text) == [
        ("Yury Soloviev", "Person"),
        ("Ramzan Kadyrov", "Person"),
    ]
    (match,) = matcher(nlp("Yuri Soloviev spoke."))
    assert match.names == ("Yuriy Alekseyevich SOLOVIEV",)  # the list's spelling, for the reader
    assert _found(nlp, matcher, "yury soloviev spoke") == []  # capitals, as for every name
    assert _found(nlp, matcher, "Soloviev spoke") == []  # a surname alone is NER's to find


def test_typographic_apostrophes_match_the_lists_straight_ones(nlp: Language) -> None:
    """The news writes "’" where the lists write "'", and the other way round; the surface and
    offsets are the article's own."""
    matcher = ListNameMatcher.from_pairs(
        nlp, [("KATA'IB SAYYID AL-SHUHADA", "Organization"), ("Nabil AL-’UMARI", "Person")]
    )
    text = (
        "Kata’ib Sayyid al-Shuhada and Nabil al-'Umari were named; Kata'ib Sayyid al-Shuhada too."
    )
    found = matcher(nlp(text))
    assert [(m.text, m.schema) for m in found] == [
        ("Kata’ib Sayyid al-Shuhada", "Organization"),
        ("Nabil al-'Umari", "Person"),
        ("Kata'ib Sayyid al-Shuhada", "Organization"),
    ]
    assert all(text[m.start : m.end] == m.text for m in found)
    assert found[1].names == ("Nabil AL-’UMARI",)  # the list's own spelling, for the reader
    assert fold_apostrophes("Shafi’i ‘x’") == "Shafi'i 'x'"


def test_a_dictionary_word_organisation_in_title_case_needs_ner_to_agree(nlp: Language) -> None:
    """ "Islamic State" and "Day Company" are both made of English words; NER sees a name in the
    first sentence (it calls "State" an organisation) and none in the second."""
    matcher = ListNameMatcher.from_pairs(
        nlp, [("ISLAMIC STATE", "Organization"), ("DAY COMPANY", "Organization")]
    )
    doc = nlp("Fighters of the Islamic State group attacked the town.")
    assert any(ent.text in "Islamic State" for ent in doc.ents)  # the model's reading
    assert [m.text for m in matcher(doc)] == ["Islamic State"]
    doc = nlp("The Day Company picnic was fun.")
    assert not doc.ents and matcher(doc) == []
    assert [m.text for m in matcher(nlp("He joined DAY COMPANY in May."))] == ["DAY COMPANY"]


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


# --- extraction misses: exact spellings, particles, hyphens, sentence ends, vessel prefixes ----

GAPS = [
    ("Grant HUNTER", "Person"),  # "Given FAMILY", both words in WordNet
    ("BISHOP Miles", "Person"),  # "FAMILY Given", both words in WordNet
    ("Abu NASRIQ", "Person"),  # a particle and one distinctive word
    ("Abu ALI", "Person"),  # a particle and one common word: only as listed
    ("THE HARVEST", "Organization"),  # a stop word and one common word: only as listed
    ("Tarek ag WADDI", "Person"),  # a lower-case particle the matcher does not know
    ("Jong-sik RYANG", "Person"),  # lower case after a hyphen
    ("Nabil AL-’UMARI", "Person"),  # a glued particle, one token
    ("Sable Ridge", "Organization"),  # title case, dictionary words
    ("Kestrel 9", "Vessel"),  # a vessel name as listed, in title case
    ("BRAVA I", "Vessel"),
    ("Reza SHAFI'I", "Person"),
    ("ORION TRADE L.L.C", "Organization"),
    ("SEALARK", "Vessel"),
    ("ALKUNDI", "Person"),  # one word: still dropped
]


@pytest.fixture(scope="module")
def gaps(nlp: Language) -> ListNameMatcher:
    return ListNameMatcher.from_pairs(nlp, GAPS)


def test_names_of_two_words_with_one_content_word_are_kept(gaps: ListNameMatcher) -> None:
    assert dict(gaps.skipped) == {"person_single_word": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a person name written exactly as listed, "Given FAMILY" or "FAMILY Given"
        ("Prosecutors say Grant HUNTER wired the funds.", [("Grant HUNTER", "Person")]),
        ("Prosecutors say BISHOP Miles wired the funds.", [("BISHOP Miles", "Person")]),
        ("Prosecutors say GRANT HUNTER wired the funds.", [("GRANT HUNTER", "Person")]),
        ("Prosecutors say Grant Hunter wired the funds.", []),  # dictionary words, not as listed
        # a particle and one word
        ("Police hunted Abu Nasriq for years.", [("Abu Nasriq", "Person")]),
        ("Police hunted Abu NASRIQ for years.", [("Abu NASRIQ", "Person")]),
        ("Police hunted Abu ALI for years.", [("Abu ALI", "Person")]),
        ("Police hunted Abu Ali for years.", []),
        ("Donors gave to THE HARVEST in March.", [("THE HARVEST", "Organization")]),
        ("Farmers brought in the harvest in March.", []),
        # lower-case words of the list spelling, hyphens, glued particles
        ("Mali named Tarek ag WADDI as a suspect.", [("Tarek ag WADDI", "Person")]),
        ("Seoul named Jong-sik Ryang as a suspect.", [("Jong-sik Ryang", "Person")]),
        ("Riyadh named Nabil al-’Umari as a suspect.", [("Nabil al-’Umari", "Person")]),
        # a multi-word name of dictionary words, exactly as listed
        ("Auditors flagged Sable Ridge on Friday.", [("Sable Ridge", "Organization")]),
        ("Auditors flagged SABLE RIDGE on Friday.", [("SABLE RIDGE", "Organization")]),
        ("Hikers crossed the sable ridge on Friday.", []),
        ("Hikers crossed the Sable Ridge Trail on Friday.", [("Sable Ridge", "Organization")]),
        # a vessel spelled as listed needs no vessel word
        ("Analysts tracked Kestrel 9 near Nakhodka.", [("Kestrel 9", "Vessel")]),
        # a name that ends a sentence, its last token glued to the full stop
        ("The cargo went onto BRAVA I. Nobody was arrested.", [("BRAVA I", "Vessel")]),
        ("Officials also named Reza SHAFI'I.", [("Reza SHAFI'I", "Person")]),
        (
            "The buyer was ORION TRADE L.L.C. It paid in cash.",
            [("ORION TRADE L.L.C", "Organization")],
        ),
        ("The buyer was ORION TRADE L.L.C, a Dubai firm.", [("ORION TRADE L.L.C", "Organization")]),
        # vessel prefixes the tokenizer splits ("M/V" is three tokens)
        ("Divers inspected M/V Sealark off Crete.", [("Sealark", "Vessel")]),
        ("Divers inspected MV Sealark off Crete.", [("Sealark", "Vessel")]),
        ("Divers inspected the M.V. Sealark off Crete.", [("Sealark", "Vessel")]),
        ("Divers met Sealark off Crete.", []),
        ("ALKUNDI was arrested.", []),
    ],
)
def test_gap_matches(
    nlp: Language, gaps: ListNameMatcher, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(nlp, gaps, text) == expected


def test_sentence_end_match_offsets_leave_the_full_stop_out(
    nlp: Language, gaps: ListNameMatcher
) -> None:
    text = "Officials also named Reza SHAFI'I."
    (match,) = gaps(nlp(text))
    assert text[match.start : match.end] == "Reza SHAFI'I"
    assert match.end == len(text) - 1


def test_a_list_match_carries_every_schema_of_its_name(nlp: Language) -> None:
    matcher = ListNameMatcher.from_pairs(
        nlp,
        [("ZARNITSA", "Vessel"), ("ZARNITSA", "Organization"), ("VELMORA", "Organization")],
    )
    ambiguous, unambiguous = matcher(nlp("ZARNITSA and VELMORA were listed."))
    assert (ambiguous.schema, ambiguous.schemas) == ("Organization", ("Organization", "Vessel"))
    assert (unambiguous.schema, unambiguous.schemas) == ("Organization", ("Organization",))


def test_every_exact_list_name_of_two_words_or_more_is_found(
    nlp: Language, bundled_pairs: list[tuple[str, str]]
) -> None:
    """Each name of two words or more the matcher keeps, written as listed in running text, is
    found whole (the quotes around a name aside)."""
    matcher = ListNameMatcher.from_pairs(nlp, bundled_pairs)
    quotes = "\"'“”‘’"
    missed: list[str] = []
    checked = 0
    for raw, schema in bundled_pairs[::3]:
        name = clean(raw)
        if not name or schema == "Aircraft" or not name.isascii() or len(name.split()) < 2:
            continue
        if any(mark in name[1:-1] for mark in quotes) or "(" in name:
            continue  # inner quotes and brackets: variants cut them off
        doc = nlp.make_doc(f"Officials said {name} was sanctioned on Monday.")
        found = [m.text for m in matcher(doc)]
        if not found:
            if not _dropped(nlp, name, schema):
                missed.append(name)
            continue
        checked += 1
        if name.strip(quotes) not in found:
            missed.append(name)
    assert checked > 1000
    assert missed == []


def _dropped(nlp: Language, name: str, schema: str) -> bool:
    """Whether the matcher drops `name` when it is built (a place, a stop word, ...)."""
    return len(ListNameMatcher.from_pairs(nlp, [(name, schema)])) == 0
