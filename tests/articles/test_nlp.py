"""Mention extraction end to end: the pipeline, the user's acceptance article, identifier
patterns, overlaps and coreference on small articles."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from assets.articles.context import UNDATED_ARTICLE_YEARS
from assets.articles.listmatch import ListNameMatcher, listed_given_names
from assets.articles.model import Mention, MentionIdentifier
from assets.articles.nlp import (
    DEFAULT_MODEL,
    MIN_CHARS_PER_PROCESS,
    clean_span,
    extract_mentions,
    extraction_processes,
    load_pipeline,
    mention_id,
    sentence_bounds,
)
from benchmarks.extraction import words_per_second
from tests.conftest import REPO, text_article

SAMPLES = REPO / "data" / "articles" / "samples" / "articles.jsonl"

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
BLINKEN = (FIXTURES / "blinken.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_pipeline()


@pytest.fixture(scope="module")
def matcher(nlp: Language) -> ListNameMatcher:
    return ListNameMatcher.from_pairs(
        nlp,
        [
            ("MAHAN AIR", "Organization"),
            ("PROMSVYAZBANK", "Organization"),
            ("MAR AZUL", "Vessel"),
            ("NOVA", "Vessel"),
        ],
    )


@pytest.fixture(scope="module")
def blinken(nlp: Language) -> list[Mention]:
    return extract_mentions(nlp, [text_article(BLINKEN, "a_blinken", dt.date(2024, 4, 26))], None)


def _by_text(mentions: list[Mention], text: str) -> list[Mention]:
    return [m for m in mentions if m.text == text]


def _one(mentions: list[Mention], text: str) -> Mention:
    found = _by_text(mentions, text)
    assert found, f"no mention {text!r} in {[m.text for m in mentions]}"
    return found[0]


# --- pipeline ----------------------------------------------------------------------------------


def test_pipeline_keeps_only_senter_and_ner(nlp: Language) -> None:
    assert nlp.pipe_names == ["senter", "ner"]
    assert load_pipeline() is nlp
    assert load_pipeline(DEFAULT_MODEL) is nlp


def test_reduced_pipeline_finds_the_same_entities_as_the_full_model(nlp: Language) -> None:
    full = spacy.load(DEFAULT_MODEL)
    expected = [(e.start_char, e.end_char, e.label_) for e in full(BLINKEN).ents]
    assert [(e.start_char, e.end_char, e.label_) for e in nlp(BLINKEN).ents] == expected


def test_sentence_bounds(nlp: Language) -> None:
    text = "  Sanctions were imposed. Mr Xi met Antony Blinken on Friday.  "
    bounds = sentence_bounds(nlp(text))
    assert [text[s:e] for s, e in bounds] == [
        "Sanctions were imposed.",
        "Mr Xi met Antony Blinken on Friday.",
    ]


# --- the acceptance article ------------------------------------------------------------------


def test_fixture_is_the_verbatim_article() -> None:
    assert BLINKEN.startswith("Washington is ready to introduce more sanctions against China")
    assert BLINKEN.endswith(
        'not to "smear or attack the normal relations between China and Russia."'
    )
    assert "\n" not in BLINKEN
    assert len(BLINKEN) == 2679


@pytest.mark.parametrize(
    "name", ["Antony Blinken", "Xi Jinping", "Wang Wenbin", "Jens Stoltenberg", "Mao Ning"]
)
def test_blinken_people(blinken: list[Mention], name: str) -> None:
    mention = _one(blinken, name)
    assert mention.label == "PERSON"
    assert mention.schema_guess == "Person"
    assert mention.detector == "ner"
    assert mention.canonical_id == mention.mention_id
    assert mention.canonical_text == name


@pytest.mark.parametrize("name", ["NATO", "Wall Street Journal"])
def test_blinken_organisations(blinken: list[Mention], name: str) -> None:
    mention = _one(blinken, name)
    assert mention.label == "ORG"
    assert mention.schema_guess == "Organization"


def test_blinken_the_is_stripped_from_the_journal(blinken: list[Mention]) -> None:
    journal = _one(blinken, "Wall Street Journal")
    assert BLINKEN[journal.start - 4 : journal.start] == "the "


@pytest.mark.parametrize(("short", "full"), [("Blinken", "Antony Blinken"), ("Xi", "Xi Jinping")])
def test_blinken_short_forms_resolve(blinken: list[Mention], short: str, full: str) -> None:
    shorts = _by_text(blinken, short)
    assert shorts
    full_mention = _one(blinken, full)
    for mention in shorts:
        assert mention.label == "PERSON"
        assert mention.canonical_text == full
        assert mention.canonical_id == full_mention.mention_id


def test_blinken_every_bare_surname_is_a_mention(blinken: list[Mention]) -> None:
    # NER takes two of the three "Blinken" for places; all three are people.
    starts = [m.start for m in _by_text(blinken, "Blinken")]
    assert starts == [match.start() for match in re.finditer(r"(?<!Antony )Blinken", BLINKEN)]


def test_blinken_possessive_is_stripped(blinken: list[Mention]) -> None:
    position = BLINKEN.index("Blinken's")
    mention = next(m for m in blinken if m.start == position)
    assert mention.text == "Blinken"
    assert mention.canonical_text == "Antony Blinken"


def test_blinken_wang_wenbin_context(blinken: list[Mention]) -> None:
    wang = _one(blinken, "Wang Wenbin")
    assert "CN" in wang.sentence_countries
    assert wang.role == "Foreign Ministry spokesman"
    assert "Wang Wenbin told reporters" in wang.sentence


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Antony Blinken", "Secretary of State"),
        ("Xi Jinping", "President"),
        ("Jens Stoltenberg", "Secretary-General"),
        ("Mao Ning", "Foreign Ministry spokesman"),
    ],
)
def test_blinken_roles(blinken: list[Mention], name: str, role: str) -> None:
    assert _one(blinken, name).role == role


def test_blinken_countries(blinken: list[Mention]) -> None:
    xi = _one(blinken, "Xi Jinping")
    assert {"CN", "US"} <= set(xi.sentence_countries)
    assert {"US", "CN", "RU", "UA"} <= set(xi.article_countries)
    mao = _one(blinken, "Mao Ning")
    assert "CN" in mao.sentence_countries


def test_blinken_short_forms_carry_the_full_context(blinken: list[Mention]) -> None:
    full = _one(blinken, "Xi Jinping")
    short = _one(blinken, "Xi")
    assert short.role == full.role == "President"
    assert set(full.sentence_countries) <= set(short.sentence_countries)


def test_blinken_no_titles_or_places_as_mentions(blinken: list[Mention]) -> None:
    surfaces = {m.text for m in blinken}
    assert not surfaces & {"State", "Secretary of State", "US", "China", "Beijing", "Chinese"}
    assert all(not m.text.lower().startswith("the ") for m in blinken)
    assert all(not m.text.endswith("'s") for m in blinken)


def test_blinken_offsets_ids_and_sentences(blinken: list[Mention]) -> None:
    assert [m.start for m in blinken] == sorted(m.start for m in blinken)
    for mention in blinken:
        assert BLINKEN[mention.start : mention.end] == mention.text
        assert mention.text in mention.sentence
        assert mention.sentence in BLINKEN
        assert re.fullmatch(r"m_[0-9a-f]{16}", mention.mention_id)
        assert mention.mention_id == mention_id("a_blinken", mention.start, mention.end)
        assert mention.article_id == "a_blinken"
    assert len({m.mention_id for m in blinken}) == len(blinken)


def test_extraction_is_deterministic(nlp: Language, blinken: list[Mention]) -> None:
    again = extract_mentions(nlp, [text_article(BLINKEN, "a_blinken", dt.date(2024, 4, 26))], None)
    assert again == blinken


def test_batch_size_does_not_change_the_result(nlp: Language) -> None:
    articles = [text_article(BLINKEN, "a_1"), text_article("Mr Xi met Antony Blinken.", "a_2")]
    assert extract_mentions(nlp, articles, None, batch_size=1) == extract_mentions(
        nlp, articles, None, batch_size=64
    )


# --- identifiers and vessels ---------------------------------------------------------------------


def test_imo_with_a_name_gives_a_vessel(nlp: Language) -> None:
    text = "Iran seized the tanker Nova (IMO 9216298) in the Gulf of Oman on Friday."
    (vessel,) = [
        m for m in extract_mentions(nlp, [text_article(text)], None) if m.label == "VESSEL"
    ]
    assert vessel.text == "Nova"
    assert vessel.schema_guess == "Vessel"
    assert vessel.detector == "pattern"
    assert vessel.identifiers == [MentionIdentifier("imo", "9216298")]


@pytest.mark.parametrize(("imo", "vessel"), [("9216298", True), ("9216297", False)])
def test_only_a_valid_imo_makes_a_vessel(nlp: Language, imo: str, vessel: bool) -> None:
    text = f"Officials said Nova Spirit (IMO {imo}) was seized in the Gulf of Oman on Friday."
    mentions = extract_mentions(nlp, [text_article(text)], None)
    vessels = [(m.text, m.detector) for m in mentions if m.label == "VESSEL"]
    assert vessels == ([("Nova Spirit", "pattern")] if vessel else [])
    assert any(m.identifiers for m in mentions) is vessel


def test_imo_attaches_to_the_nearest_vessel_in_the_sentence(
    nlp: Language, matcher: ListNameMatcher
) -> None:
    text = "The vessel MAR AZUL, whose IMO number is 9074729, was loading oil in Havana."
    mentions = extract_mentions(nlp, [text_article(text)], matcher)
    vessel = _one(mentions, "MAR AZUL")
    assert vessel.label == "VESSEL"
    assert vessel.detector == "list"
    assert vessel.identifiers == [MentionIdentifier("imo", "9074729")]


def test_swift_and_passport_attach_to_bank_and_person(nlp: Language) -> None:
    text = (
        "Ali Khan, a Pakistani banker, holds passport number AB1234567. "
        "Bank of China, SWIFT code BKCHCNBJ, denied it."
    )
    mentions = extract_mentions(nlp, [text_article(text)], None)
    assert _one(mentions, "Ali Khan").identifiers == [MentionIdentifier("passport", "AB1234567")]
    assert _one(mentions, "Bank of China").identifiers == [
        MentionIdentifier("swift_bic", "BKCHCNBJ")
    ]
    assert not _by_text(mentions, "BKCHCNBJ")  # an identifier is no name


def test_ner_name_right_after_a_vessel_word_is_a_vessel(nlp: Language) -> None:
    text = (
        "Finland said a Russian oil tanker, the Eagle S, damaged an undersea cable. "
        "Tanker operator Sovcomflot declined to comment."
    )
    mentions = extract_mentions(nlp, [text_article(text)], None)
    eagle = _one(mentions, "Eagle S")
    assert (eagle.label, eagle.schema_guess, eagle.detector) == ("VESSEL", "Vessel", "ner")
    assert all(m.label != "VESSEL" for m in mentions if m.text != "Eagle S")


def test_surname_ner_took_for_an_organisation_is_a_person(nlp: Language) -> None:
    text = (
        "Sanctions were imposed on Hezbollah financier Mohammad Qasir. "
        "The Treasury said Qasir used Syrian companies."
    )
    mentions = extract_mentions(nlp, [text_article(text)], None)
    qasir = _one(mentions, "Qasir")
    assert qasir.label == "PERSON"
    assert qasir.canonical_text == "Mohammad Qasir"
    assert qasir.role == "financier"


# --- overlaps, cleaning ------------------------------------------------------------------------


def test_list_match_equal_to_a_ner_span_takes_the_list_detector(
    nlp: Language, matcher: ListNameMatcher
) -> None:
    text = "Flights by MAHAN AIR and PROMSVYAZBANK payments were blocked, officials said."
    mentions = extract_mentions(nlp, [text_article(text)], matcher)
    assert [(m.text, m.detector, m.label) for m in mentions] == [
        ("MAHAN AIR", "list", "ORG"),
        ("PROMSVYAZBANK", "list", "ORG"),
    ]


def test_list_match_inside_a_ner_span_merges_into_it(nlp: Language) -> None:
    matcher = ListNameMatcher.from_pairs(nlp, [("Acme Logistics", "Organization")])
    text = "Shares of Acme Logistics Holdings Ltd fell in London on Monday."
    doc = nlp(text)
    ner = [e.text for e in doc.ents if e.label_ == "ORG"]
    assert ner == ["Acme Logistics Holdings Ltd"]
    (mention,) = [
        m for m in extract_mentions(nlp, [text_article(text)], matcher) if m.label == "ORG"
    ]
    assert (mention.text, mention.detector) == ("Acme Logistics Holdings Ltd", "ner")


@pytest.mark.parametrize(
    ("text", "label", "surface", "role"),
    [
        ("said the Wall Street Journal today", "ORG", "Wall Street Journal", None),
        ("in response to Blinken's concerns", "PERSON", "Blinken", None),
        ("in response to Blinken’s concerns", "PERSON", "Blinken", None),
        ('the "Acme" company', "ORG", "Acme", None),
        ("met President Xi yesterday", "PERSON", "Xi", "President"),
        ("met Mr. Smith yesterday", "PERSON", "Smith", None),
        ("the State Department", "ORG", "State Department", None),
        ("Secretary of State", "ORG", None, None),
        ("President", "PERSON", None, None),
        ("X", "ORG", None, None),
        ("42", "ORG", None, None),
    ],
)
def test_clean_span(text: str, label: str, surface: str | None, role: str | None) -> None:
    if surface is None:
        start, end = 0, len(text)
        assert clean_span(text, start, end, label) is None
        return
    # the candidate is the surface with its decorations, as NER or a pattern may give it
    match = re.search(r"(the )?[\"“]?" + re.escape(surface.split()[-1]) + r"[\"”]?(['’]s)?", text)
    assert match
    start = text.index(surface.split()[0]) if role is None else text.index(role)
    start = min(start, match.start())
    cleaned = clean_span(text, start, match.end(), label)
    assert cleaned is not None
    assert text[cleaned[0] : cleaned[1]] == surface
    assert cleaned[2] == role


# --- acronyms, ages, coreference on small articles -----------------------------------------------


def test_acronym_in_brackets(nlp: Language) -> None:
    text = (
        "The Public Security Bureau (PSB) detained three men on Monday. "
        "A PSB spokesman later said the PSB had released them."
    )
    mentions = extract_mentions(nlp, [text_article(text)], None)
    full = _one(mentions, "Public Security Bureau")
    acronyms = _by_text(mentions, "PSB")
    assert len(acronyms) == 3
    assert all(m.canonical_id == full.mention_id for m in acronyms)
    assert all(m.canonical_text == "Public Security Bureau" for m in acronyms)


def test_acronym_of_initials(nlp: Language) -> None:
    text = (
        "The Islamic Revolutionary Guard Corps seized a tanker on Friday. "
        "The IRGC said the ship was smuggling fuel."
    )
    mentions = extract_mentions(nlp, [text_article(text)], None)
    assert _one(mentions, "IRGC").canonical_text == "Islamic Revolutionary Guard Corps"


def test_age_gives_birth_years_from_the_published_date(nlp: Language) -> None:
    text = "The 52-year-old businessman Ivan Petrov was arrested in Moscow. Petrov denied it."
    (article,) = [text_article(text, published=dt.date(2024, 4, 26))]
    mentions = extract_mentions(nlp, [article], None)
    petrov = _one(mentions, "Ivan Petrov")
    assert (petrov.birth_year_min, petrov.birth_year_max) == (1971, 1972)
    assert petrov.role == "businessman"
    assert petrov.sentence_countries == ["RU"]
    short = _one(mentions, "Petrov")
    assert short.canonical_id == petrov.mention_id
    assert (short.birth_year_min, short.birth_year_max) == (1971, 1972)
    assert short.role == "businessman"
    assert short.sentence_countries == ["RU"]


def test_age_in_an_undated_article_reaches_back_years_before_the_fetch(nlp: Language) -> None:
    """Without a publication date the article may be years older than its fetch: 52 on
    2024-05-01 or on any date in the five years before."""
    text = "Ivan Petrov, 52, was arrested."
    mentions = extract_mentions(nlp, [text_article(text)], None)  # fetched 2024-05-01
    petrov = _one(mentions, "Ivan Petrov")
    assert (petrov.birth_year_min, petrov.birth_year_max) == (1971 - UNDATED_ARTICLE_YEARS, 1972)


def test_full_mention_takes_the_role_its_short_form_has(nlp: Language) -> None:
    text = "Antony Blinken arrived in Beijing. Secretary of State Blinken met officials."
    mentions = extract_mentions(nlp, [text_article(text)], None)
    assert _one(mentions, "Antony Blinken").role == "Secretary of State"


def test_attributed_countries_of_mentions(nlp: Language) -> None:
    text = (
        "Vladimir Putin arrived in Beijing on Tuesday. "
        "Russian oligarch Oleg Deripaska met Chinese officials there. "
        "Deripaska denied any wrongdoing."
    )
    mentions = extract_mentions(nlp, [text_article(text)], None)
    putin = _one(mentions, "Vladimir Putin")
    assert putin.sentence_countries == ["CN"]
    assert putin.attributed_countries == []  # where he went says nothing about him
    full = _one(mentions, "Oleg Deripaska")
    assert set(full.sentence_countries) == {"RU", "CN"}
    assert full.attributed_countries == ["RU"]
    assert _one(mentions, "Deripaska").attributed_countries == ["RU"]  # from its full form


def test_empty_inputs(nlp: Language) -> None:
    assert extract_mentions(nlp, [], None) == []
    assert extract_mentions(nlp, [text_article("")], None) == []
    assert extract_mentions(nlp, [text_article("nothing to see here.")], None) == []


def test_words_per_second_runs(nlp: Language, matcher: ListNameMatcher) -> None:
    assert words_per_second(nlp, [BLINKEN, "Mr Xi met Antony Blinken."], matcher) > 0


# --- extraction misses: vessel prefixes, organisation words, list schemas, longest spans -------


def _vessels(mentions: list[Mention]) -> list[tuple[str, str, str]]:
    return [(m.text, m.label, m.schema_guess) for m in mentions if m.label == "VESSEL"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # NER finds nothing
        ("Greek authorities detained the MV Sealark off Crete on Tuesday.", "Sealark"),
        ("Greek authorities detained M/V Sealark off Crete on Tuesday.", "Sealark"),
        ("The MT Orvieto Star was boarded by commandos near Hormuz.", "Orvieto Star"),
        # NER takes the prefix into the name ("MV Karadeniz" ORG, "the M/V ..." PRODUCT)
        ("Turkish officials inspected MV Karadeniz Yildizi before it left Istanbul.",
         "Karadeniz Yildizi"),
        ("US forces boarded the M/V Calypso Trader in the Arabian Sea.", "Calypso Trader"),
        # NER finds the name as a person, a facility, an organisation, a place
        ("Satellite images showed the tanker Kalinda Rose loading fuel at Bandar Abbas.",
         "Kalinda Rose"),
        ("Port officials said the vessel Tolomea Bay had switched off its transponder.",
         "Tolomea Bay"),
        ("The ship Brevik Sun sailed from Nakhodka last week.", "Brevik Sun"),
        # a name before an IMO number, in brackets or after a comma
        ("Officials said Sealark Voyager (IMO 9216298) carried Iranian crude.", "Sealark Voyager"),
        ("Washington sanctioned the tanker Ural Breeze, IMO 9216298, and its Dubai manager.",
         "Ural Breeze"),
    ],
)  # fmt: skip
def test_vessel_prefixes_give_a_vessel_without_the_prefix(
    nlp: Language, text: str, name: str
) -> None:
    mentions = extract_mentions(nlp, [text_article(text)], None)
    assert _vessels(mentions) == [(name, "VESSEL", "Vessel")]
    prefixes = ("MV ", "M/V ", "MT ", "the ", "tanker", "vessel", "ship")
    assert all(not m.text.startswith(prefixes) for m in mentions)


@pytest.mark.parametrize(
    ("text", "name", "label"),
    [
        ("Companies ship Huawei equipment to Russia.", "Huawei", "ORG"),  # "ship" as a verb
        ("Iran's flag carrier Iran Air was sanctioned.", "Iran Air", "ORG"),  # an airline
        ("Marta Kowal is an analyst at Baltic Tanker Research in Gdansk.", None, None),
    ],
)
def test_words_that_are_no_vessel_prefix(
    nlp: Language, text: str, name: str | None, label: str | None
) -> None:
    mentions = extract_mentions(nlp, [text_article(text)], None)
    assert _vessels(mentions) == []
    if name is not None:
        assert _one(mentions, name).label == label


def test_vessel_after_a_prefix_takes_the_list_schema_and_imo(nlp: Language) -> None:
    matcher = ListNameMatcher.from_pairs(nlp, [("SEALARK", "Vessel")])
    text = "Greek authorities detained M/V Sealark, IMO 9216298, off Crete on Tuesday."
    (vessel,) = [m for m in extract_mentions(nlp, [text_article(text)], matcher) if "Sea" in m.text]
    assert (vessel.text, vessel.label, vessel.detector) == ("Sealark", "VESSEL", "pattern")
    assert vessel.identifiers == [MentionIdentifier("imo", "9216298")]


@pytest.mark.parametrize(
    "text",
    [
        "Regulators fined Kadrimo Lojistik and Orsenko Petroleum for moving drone parts.",
        "Officials said Kadrimo Lojistik and Orsenko Petroleum moved drone parts.",
    ],
)
def test_person_spans_with_an_organisation_word_are_organisations(nlp: Language, text: str) -> None:
    mentions = extract_mentions(nlp, [text_article(text)], None)
    for name in ("Kadrimo Lojistik", "Orsenko Petroleum"):
        mention = _one(mentions, name)
        assert (mention.label, mention.schema_guess) == ("ORG", "Organization")


def test_organisation_words_leave_people_alone(nlp: Language) -> None:
    text = "Prosecutors say Arvid Lunden moved the money abroad for Selvane Bank."
    mentions = extract_mentions(nlp, [text_article(text)], None)
    assert _one(mentions, "Arvid Lunden").schema_guess == "Person"
    assert _one(mentions, "Selvane Bank").schema_guess == "Organization"


def test_an_unambiguous_list_name_overrides_the_ner_label(nlp: Language) -> None:
    matcher = ListNameMatcher.from_pairs(nlp, [("SORVINA DALGAARD", "Organization")])
    text = "The payments were routed via Sorvina Dalgaard in Cyprus."
    assert [(e.text, e.label_) for e in nlp(text).ents if e.label_ == "PERSON"] == [
        ("Sorvina Dalgaard", "PERSON")
    ]
    mention = _one(extract_mentions(nlp, [text_article(text)], matcher), "Sorvina Dalgaard")
    assert (mention.label, mention.schema_guess, mention.detector) == (
        "ORG",
        "Organization",
        "list",
    )


@pytest.mark.parametrize(
    ("text", "name", "label", "schema"),
    [
        ("The payments were routed via Sorvina Dalgaard in Cyprus.", "Sorvina Dalgaard",
         "PERSON", "Person"),
        # NER says organisation, but the name is shaped like a person's: the type stays open.
        ("Officials accused Kessler Varga of hiding assets.", "Kessler Varga", "ORG",
         "Unknown"),
    ],
)  # fmt: skip
def test_an_ambiguous_list_name_takes_the_ner_reading(
    nlp: Language, text: str, name: str, label: str, schema: str
) -> None:
    pairs = [(name.upper(), "Person"), (name.upper(), "Organization")]
    matcher = ListNameMatcher.from_pairs(nlp, pairs)
    mention = _one(extract_mentions(nlp, [text_article(text)], matcher), name)
    assert (mention.label, mention.schema_guess, mention.detector) == (label, schema, "list")


@pytest.mark.parametrize(
    "text",
    [
        "Washington targeted the IRGC’s Quds Force on Monday.",  # one NER span
        "Commanders of the IRGC's Quds Force were killed in the strike.",
    ],
)
def test_a_possessive_organisation_does_not_swallow_the_next_name(nlp: Language, text: str) -> None:
    for matcher in (None, ListNameMatcher.from_pairs(nlp, [("QUDS FORCE", "Organization")])):
        mentions = extract_mentions(nlp, [text_article(text)], matcher)
        assert _one(mentions, "Quds Force").label == "ORG"
        assert all("Quds" not in m.text or m.text == "Quds Force" for m in mentions)


def test_a_possessive_is_split_after_an_organisation_name(nlp: Language) -> None:
    text = "Analysts said the Islamic Revolutionary Guard Corps' Quds Force armed the group."
    mentions = extract_mentions(nlp, [text_article(text)], None)
    assert [(m.text, m.label) for m in mentions] == [
        ("Islamic Revolutionary Guard Corps", "ORG"),
        ("Quds Force", "ORG"),
    ]


@pytest.mark.parametrize(
    "name",
    ["People's Bank of China", "McDonald's Corp", "Moody's Investors Service"],
)
def test_possessives_inside_a_name_are_kept(nlp: Language, name: str) -> None:
    text = f"Analysts at {name} were asked about it."
    doc = nlp(text)
    assert [e.text for e in doc.ents if e.label_ == "ORG"] == [name]
    assert [m.text for m in extract_mentions(nlp, [text_article(text)], None)] == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Halvar Shipping's tanker Halvar was seized near Singapore.",
        "The tanker Halvar, managed by Halvar Shipping, was seized near Singapore.",
        "Halvar Shipping's Halvar (IMO 9216298) was seized near Singapore.",
    ],
)
def test_a_company_next_to_its_namesake_vessel_stays_apart(nlp: Language, text: str) -> None:
    pairs = [("HALVAR", "Vessel"), ("HALVAR SHIPPING", "Organization")]
    for matcher in (None, ListNameMatcher.from_pairs(nlp, pairs)):
        mentions = extract_mentions(nlp, [text_article(text)], matcher)
        found = sorted((m.text, m.label) for m in mentions)
        assert found == [("Halvar", "VESSEL"), ("Halvar Shipping", "ORG")]


def test_exact_list_names_ner_misses_become_mentions(nlp: Language) -> None:
    matcher = ListNameMatcher.from_pairs(
        nlp,
        [("Grant HUNTER", "Person"), ("BISHOP Miles", "Person"), ("Abu NASRIQ", "Person")],
    )
    text = (
        "Court papers say Grant HUNTER and BISHOP Miles paid Abu Nasriq through a charity. "
        "The charity was closed in 2021."
    )
    mentions = extract_mentions(nlp, [text_article(text)], matcher)
    for name in ("Grant HUNTER", "BISHOP Miles", "Abu Nasriq"):
        mention = _one(mentions, name)
        assert (mention.label, mention.schema_guess, mention.detector) == (
            "PERSON",
            "Person",
            "list",
        )


# --- names NER misreads -------------------------------------------------------------------------


def test_a_list_of_names_one_per_line_gives_each_name(nlp: Language) -> None:
    # NER joins the end of one line to the name on the next ("Uzbekistan\n  • Ramzan Kadyrov").
    text = (
        "The designations announced on Friday include:\n"
        "  • Gulnara Karimova, of Uzbekistan\n"
        "  • Ramzan Kadyrov, the head of Chechnya\n"
        "  • Maung Maung Soe, a Burmese general.\n"
    )
    names = {m.text for m in extract_mentions(nlp, [text_article(text)], None)}
    assert {"Ramzan Kadyrov", "Maung Maung Soe"} <= names
    assert not any("\n" in name for name in names)


def test_an_organisation_shaped_like_a_person_has_an_unknown_type(nlp: Language) -> None:
    # The small English model takes both names for organisations in this sentence; a company
    # name of English or organisation words keeps its type.
    text = "The Treasury sanctioned Maksim Yakubets, leader of Evil Corp, and Agro Voice."
    schemas = {m.text: m.schema_guess for m in extract_mentions(nlp, [text_article(text)], None)}
    assert schemas["Maksim Yakubets"] == "Unknown"
    assert schemas["Evil Corp"] == "Organization"
    assert schemas["Agro Voice"] == "Organization"

    # When the lists write its first word as a given name, it is a person; the list names are
    # of other people (the mention is NER's, not the matcher's).
    matcher = ListNameMatcher.from_pairs(
        nlp,
        [("Maksim Olegovich PETROV", "Person"), ("Maksim IVANOV", "Person")],
    )
    assert matcher.given_names == {"maksim"}  # "Olegovich" in one name only: no habit
    found = extract_mentions(nlp, [text_article(text)], matcher)
    mention = _one(found, "Maksim Yakubets")
    assert (mention.label, mention.schema_guess) == ("PERSON", "Person")
    assert {m.text: m.schema_guess for m in found}["Agro Voice"] == "Organization"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        # title-case words before the family name in capitals, in two names at least
        (["Adham Husayn TABAJA", "Adham KHALIL", "Husayn ALI"], {"adham", "husayn"}),
        (["Adham Husayn TABAJA"], set()),
        # no word in capitals: which is the family name is unknown
        (["Adham Tabaja", "Adham Khalil"], set()),
        # "FAMILY Given": nothing before the capitals
        (["TABAJA Adham", "KHALIL Adham"], set()),
    ],
)
def test_listed_given_names(names: list[str], expected: set[str]) -> None:
    assert listed_given_names(names) == expected


def test_a_relative_named_by_given_name_takes_the_family_name_of_a_listed_person(
    nlp: Language,
) -> None:
    # "his wife Selma" in an article about Tariq Varnell is Selma Varnell when the lists
    # name her so; "Omar" is a listed given name but no "Omar Varnell" is listed.
    matcher = ListNameMatcher.from_pairs(
        nlp,
        [
            ("Tariq VARNELL", "Person"),
            ("Selma VARNELL", "Person"),
            ("Selma KORVAN", "Person"),
            ("Omar HADDAD", "Person"),
            ("Omar BEKRI", "Person"),
        ],
    )
    text = (
        "President Tariq Varnell left the capital on Monday. His wife Selma stayed behind "
        "with their driver Omar, officials said."
    )
    found = {m.text: m.canonical_text for m in extract_mentions(nlp, [text_article(text)], matcher)}
    assert found["Selma"] == "Selma Varnell"
    assert found["Omar"] == "Omar"
    # Two listed families the given name completes: no guess.
    both = text + " Later Rami Korvan, a banker, joined them."
    found = {m.text: m.canonical_text for m in extract_mentions(nlp, [text_article(both)], matcher)}
    assert found["Selma"] == "Selma"


def test_the_process_count_follows_cores_memory_and_size() -> None:
    big = 10 * MIN_CHARS_PER_PROCESS
    assert extraction_processes(3, 10) == 3  # asked for: given
    assert extraction_processes(0, big, cores=2, free_bytes=8 << 30) == 2
    assert extraction_processes(0, big, cores=8, free_bytes=3 << 30) == 3  # memory caps it
    assert extraction_processes(0, 1_000, cores=8, free_bytes=8 << 30) == 1  # a small batch
    assert extraction_processes(0, big, cores=2, free_bytes=100) == 1
    with pytest.raises(ValueError, match="0 \\(auto\\) or more"):
        extraction_processes(-1, big)


def test_mentions_are_the_same_on_two_processes(nlp: Language) -> None:
    """spaCy on two processes (`nlp.pipe`'s `n_process`): the same mentions, in the same
    order, as on one, for the team's sample articles, one of them longer than a chunk."""
    from assets.linkage.gold import read_labelled

    articles = [item.article for item in read_labelled(SAMPLES)]
    assert max(len(a.text) for a in articles) > 2_000  # some go through spaCy in chunks
    one = extract_mentions(nlp, articles, n_process=1, chunk_chars=2_000)
    two = extract_mentions(nlp, articles, n_process=2, chunk_chars=2_000)
    assert len(one) > 300 and one == two
