"""The context rules of `assets.articles.context`, each on small literal sentences."""

from __future__ import annotations

import datetime as dt

import pytest

from assets.articles.context import (
    CorefItem,
    IdentifierHit,
    acronym_definitions,
    attach_identifiers,
    attributed_countries,
    birth_years,
    birth_years_from_age,
    bracket_acronyms,
    country_of,
    find_identifiers,
    find_words,
    follows_vessel_word,
    imo_is_valid,
    initials,
    is_acronym,
    is_title,
    leading_country,
    name_words,
    resolve_coreference,
    role_after,
    role_before,
    role_of,
    short_form_words,
    split_title,
    vessel_name_before,
)
from assets.articles.model import MentionIdentifier

PUBLISHED = dt.date(2024, 4, 26)


def _span(sentence: str, name: str) -> tuple[int, int]:
    start = sentence.index(name)
    return start, start + len(name)


# --- countries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("US", "US"),
        ("U.S.", "US"),
        ("the United States", "US"),
        ("UK", "GB"),
        ("Britain", "GB"),
        ("Chinese", "CN"),
        ("Russian", "RU"),
        ("Russians", "RU"),
        ("Iranian", "IR"),
        ("North Korean", "KP"),
        ("American", "US"),
        ("British", "GB"),
        ("Syrian", "SY"),
        ("Venezuelan", "VE"),
        ("Emirati", "AE"),
        ("Turkish", "TR"),
        ("Ukrainian", "UA"),
        ("Belarusian", "BY"),
        ("Cuban", "CU"),
        ("Beijing", "CN"),
        ("Beijing's", "CN"),
        ("Moscow", "RU"),
        ("Tehran", "IR"),
        ("Pyongyang", "KP"),
        ("Washington", "US"),
        ("London", "GB"),
        ("Damascus", "SY"),
        ("Caracas", "VE"),
        ("Dubai", "AE"),
        ("Abu Dhabi", "AE"),
        ("Kyiv", "UA"),
        ("Kiev", "UA"),
        ("Minsk", "BY"),
        ("Havana", "CU"),
        ("Ankara", "TR"),
        ("Istanbul", "TR"),
        ("Brussels", "BE"),
        ("Beirut", "LB"),
        ("Baghdad", "IQ"),
        ("Kabul", "AF"),
        ("Hong Kong", "HK"),
        ("Ukraine", "UA"),
        ("Germany", "DE"),
        ("Iran", "IR"),
        ("North Korea", "KP"),
        ("Syria", "SY"),
        ("Venezuela", "VE"),
        ("Turkey", "TR"),
        ("UAE", "AE"),
        ("Liberian", "LR"),
        ("Liberian-flagged", "LR"),
        ("Marshall Islands-flagged", "MH"),
        ("Panama-flagged", "PA"),
        ("Dubai-based", "AE"),
    ],
)
def test_country_of(place: str, code: str) -> None:
    assert country_of(place) == code


@pytest.mark.parametrize("place", ["Europe", "Europeans", "NATO", "EU", "it", "us", "Friday", ""])
def test_country_of_unknown(place: str) -> None:
    assert country_of(place) is None


def test_countries_of_keeps_order_and_drops_unknowns() -> None:
    found = [country_of(p) for p in ["Moscow", "Europe", "Chinese", "Russia", "Beijing"]]
    assert found == ["RU", None, "CN", "RU", "CN"]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Chinese Foreign Ministry", "CN"),
        ("Russian Defence Ministry", "RU"),
        ("North Korean Ministry of Foreign Trade", "KP"),
        ("Iran Air", "IR"),
        ("Foreign Ministry", None),
        ("Wall Street Journal", None),
        ("Russia", None),  # a country alone is no organisation "opening" with one
    ],
)
def test_leading_country(name: str, code: str | None) -> None:
    assert leading_country(name) == code


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name", "role"),
    [
        (
            "US Secretary of State Antony Blinken said on Friday.",
            "Antony Blinken",
            "Secretary of State",
        ),
        (
            "Chinese Foreign Ministry spokesman Wang Wenbin told reporters.",
            "Wang Wenbin",
            "Foreign Ministry spokesman",
        ),
        (
            "accused by NATO Secretary-General Jens Stoltenberg of it",
            "Jens Stoltenberg",
            "Secretary-General",
        ),
        ("a meeting with Chinese President Xi Jinping, the", "Xi Jinping", "President"),
        ("Russian Foreign Minister Sergei Lavrov said", "Sergei Lavrov", "Foreign Minister"),
        ("US Treasury Secretary Janet Yellen warned", "Janet Yellen", "Treasury Secretary"),
        ("Deputy Prime Minister Alexander Novak said", "Alexander Novak", "Deputy Prime Minister"),
        ("Rosneft chief executive Igor Sechin said", "Igor Sechin", "chief executive"),
        (
            "the chief executive of Rosneft Igor Sechin said",
            "Igor Sechin",
            "chief executive of Rosneft",
        ),
        ("Hezbollah leader Hassan Nasrallah said", "Hassan Nasrallah", "leader"),
        ("Iranian businessman Babak Zanjani was", "Babak Zanjani", "businessman"),
        ("Kremlin spokesman Dmitry Peskov said", "Dmitry Peskov", "spokesman"),
        ("Moscow Mayor Sergei Sobyanin said", "Sergei Sobyanin", "Mayor"),
        (
            "State Department spokesman Matthew Miller said",
            "Matthew Miller",
            "State Department spokesman",
        ),
        ("Mr Smith said", "Smith", None),  # an honorific is no role
        ("he said on Friday Smith", "Smith", None),
        ("Russia's Foreign Minister Sergei Lavrov said", "Sergei Lavrov", "Foreign Minister"),
        ("talks between Foreign Minister Wang Yi and Antony Blinken", "Antony Blinken", None),
        ("On Friday, John Smith said", "John Smith", None),
    ],
)
def test_role_before(sentence: str, name: str, role: str | None) -> None:
    start, _ = _span(sentence, name)
    assert role_before(sentence, start) == role


def test_role_before_stops_at_floor() -> None:
    text = "He is chief executive. Igor Sechin said"
    start = text.index("Igor")
    assert role_before(text, start, floor=text.index("Igor")) is None


@pytest.mark.parametrize(
    ("sentence", "name", "role"),
    [
        (
            "John Smith, the chief executive of Acme Corp, said",
            "John Smith",
            "chief executive of Acme Corp",
        ),
        ("John Smith, CEO of Acme, said", "John Smith", "CEO of Acme"),
        (
            "John Smith, 52, a businessman from Dubai, was arrested",
            "John Smith",
            "businessman from Dubai",
        ),
        ("Ali Khan (born 1970), a Pakistani banker, said", "Ali Khan", "banker"),
        ("Igor Sechin, who is the head of Rosneft, said", "Igor Sechin", "head of Rosneft"),
        ("Xi Jinping, the US official said", "Xi Jinping", None),  # a new clause
        ("John Smith, 52, said", "John Smith", None),
        ("John Smith said", "John Smith", None),
        ("John Smith, who met Blinken, said", "John Smith", None),
    ],
)
def test_role_after(sentence: str, name: str, role: str | None) -> None:
    _, end = _span(sentence, name)
    assert role_after(sentence, end) == role


def test_role_of_prefers_the_title_before() -> None:
    sentence = "Chinese President Xi Jinping, the leader of the party, said"
    start, end = _span(sentence, "Xi Jinping")
    assert role_of(sentence, start, end) == "President"
    sentence = "Xi Jinping, the leader of the party, said"
    start, end = _span(sentence, "Xi Jinping")
    assert role_of(sentence, start, end) == "leader of the party"


# --- attributed countries ----------------------------------------------------------------------

# (sentence, name, organisation, countries): each kind of attribution, then what is none.
ATTRIBUTED = [
    # a nationality before the name, maybe with a role or descriptor between
    ("The Chinese businessman Zhang Hao was detained.", "Zhang Hao", False, ["CN"]),
    ("Police said Russian oligarch Pavel Orlov owned it.", "Pavel Orlov", False, ["RU"]),
    ("Iranian Foreign Minister Reza Tavakoli spoke.", "Reza Tavakoli", False, ["IR"]),
    ("North Korean leader Ri Song Chol toured a plant.", "Ri Song Chol", False, ["KP"]),
    ("The Iranian airline Qeshm Fars flew to Damascus.", "Qeshm Fars", True, ["IR"]),
    ("Iranian-born trader Amir Sadeghi pleaded guilty.", "Amir Sadeghi", False, ["IR"]),
    ("US Treasury Secretary Ellen Hart warned banks.", "Ellen Hart", False, ["US"]),
    ("Kremlin spokesman Yuri Sokolov declined to comment.", "Yuri Sokolov", False, ["RU"]),
    ("Russian tycoon Mr. Gennady Volkov sold the yacht.", "Gennady Volkov", False, ["RU"]),
    # a possessive country
    ("Sanctions hit Russia's Volga Credit Bank on Monday.", "Volga Credit Bank", True, ["RU"]),
    ("Iran's Quds Logistics moved the cargo.", "Quds Logistics", True, ["IR"]),
    # registration or base
    ("Hong Kong-registered Bright Dragon Ltd shipped chips.", "Bright Dragon Ltd", True, ["HK"]),
    ("Desert Falcon FZE, a UAE-based company, paid.", "Desert Falcon FZE", True, ["AE"]),
    ("Desert Falcon FZE, based in Dubai, paid.", "Desert Falcon FZE", True, ["AE"]),
    ("Blue Anchor, a firm registered in the Marshall Islands, paid.", "Blue Anchor", True, ["MH"]),
    ("Anadolu Makina, a Turkish firm, sold the parts.", "Anadolu Makina", True, ["TR"]),
    ("Treasury also named Parsian Trading of Iran.", "Parsian Trading", True, ["IR"]),
    ("Treasury also named Parsian Trading (Iran) on Friday.", "Parsian Trading", True, ["IR"]),
    # a flag
    ("Officers boarded the Panama-flagged tanker Sea Lotus.", "Sea Lotus", False, ["PA"]),
    ("The Sea Lotus, a Liberian-flagged vessel, anchored.", "Sea Lotus", False, ["LR"]),
    ("The Sea Lotus, which sails under the flag of Togo, anchored.", "Sea Lotus", False, ["TG"]),
    ("The Sea Lotus, flying the Cameroonian flag, anchored.", "Sea Lotus", False, ["CM"]),
    ("Navy ships tracked a Gabonese-flagged tanker, the Sea Lotus.", "Sea Lotus", False, ["GA"]),
    # an apposition after the name
    ("Hafez Makhlouf, the Syrian president, fled to Moscow.", "Hafez Makhlouf", False, ["SY"]),
    ("Ivan Belov, a Russian national, was charged in Ohio.", "Ivan Belov", False, ["RU"]),
    ("Jorge Salas, a Venezuelan general, was indicted.", "Jorge Salas", False, ["VE"]),
    ("Nour Haddad, the president of Syria, spoke.", "Nour Haddad", False, ["SY"]),
    ("It named Volga Bank, Russia's third-biggest lender.", "Volga Bank", True, ["RU"]),
    ("It named Volga Bank, Russia's largest lender.", "Volga Bank", True, ["RU"]),
    # an organisation named after its country
    ("Iran Air resumed flights to Europe.", "Iran Air", True, ["IR"]),
    ("Russian Railways carried the shells to Belarus.", "Russian Railways", True, ["RU"]),
    ("The Central Bank of Iran denied the report.", "Central Bank of Iran", True, ["IR"]),
    # several, in text order
    ("Russian-Israeli tycoon Lev Adler, a Cypriot resident, sold.", "Lev Adler", False,
     ["RU", "IL", "CY"]),
]  # fmt: skip

NOT_ATTRIBUTED = [
    # places of events and travel
    ("Pavel Orlov arrived in Beijing on Tuesday.", "Pavel Orlov", False),
    ("Ri Song Chol visited Russia last week.", "Ri Song Chol", False),
    ("Hafez Makhlouf fled to Moscow in December.", "Hafez Makhlouf", False),
    ("Qeshm Fars flew to Damascus twice a week.", "Qeshm Fars", True),
    ("After talks in Geneva, Yuri Sokolov left.", "Yuri Sokolov", False),
    ("Zhang Hao and Ellen Hart met in Tehran.", "Ellen Hart", False),
    ("Yuri Sokolov, in Beijing for talks, said little.", "Yuri Sokolov", False),
    ("Yuri Sokolov, who flew to Ankara, said little.", "Yuri Sokolov", False),
    ("In Moscow businessman Ivan Belov was arrested.", "Ivan Belov", False),
    # sanctioning authorities
    ("The US Treasury sanctioned Sovfracht on Friday.", "Sovfracht", True),
    ("Washington imposed sanctions on Volga Credit Bank.", "Volga Credit Bank", True),
    ("The EU listed Quds Logistics in March.", "Quds Logistics", True),
    ("Quds Logistics opposed sanctions against China.", "Quds Logistics", True),
    ("Quds Logistics, sanctioned by the US in 2019, denied it.", "Quds Logistics", True),
    ("Britain froze the assets of Pavel Orlov.", "Pavel Orlov", False),
    ("Russia jailed Ellen Hart last year.", "Ellen Hart", False),
    # other countries in the sentence, not tied to the name
    ("China and Russia praised Nour Haddad.", "Nour Haddad", False),
    ("Pavel Orlov, Chinese officials said, was absent.", "Pavel Orlov", False),
    ("Treasury named Pavel Orlov, Russia's Volga Credit Bank and others.", "Pavel Orlov", False),
    ("Anna Lind of Russia Today reported it.", "Anna Lind", False),
    ("Ivan Belov, a critic of Russia, spoke.", "Ivan Belov", False),
    ("Zhang Hao met Russian officials in Minsk.", "Zhang Hao", False),
    ("The US-sanctioned Sea Lotus sailed on.", "Sea Lotus", False),
    ("Lev Adler of Iran-backed Hezbollah spoke.", "Lev Adler", False),
    # a person's name that opens like a country
    ("Jordan Mills, 52, was charged.", "Jordan Mills", False),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "name", "organisation", "countries"), ATTRIBUTED)
def test_attributed_countries(
    sentence: str, name: str, organisation: bool, countries: list[str]
) -> None:
    start, end = _span(sentence, name)
    assert attributed_countries(sentence, start, end, organisation=organisation) == countries


@pytest.mark.parametrize(("sentence", "name", "organisation"), NOT_ATTRIBUTED)
def test_not_attributed_countries(sentence: str, name: str, organisation: bool) -> None:
    start, end = _span(sentence, name)
    assert attributed_countries(sentence, start, end, organisation=organisation) == []


def test_attributed_countries_stay_in_the_sentence() -> None:
    text = "Officials are Russian. Pavel Orlov left. Pavel Orlov, a Russian national, stayed."
    start = text.index("Pavel")
    floor, ceiling = start, text.index(".", start) + 1
    assert attributed_countries(text, start, start + 11, floor, ceiling) == []
    assert attributed_countries(text, start, start + 11) == []
    second = text.index("Pavel", ceiling)
    assert attributed_countries(text, second, second + 11, ceiling + 1, len(text)) == ["RU"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("President", True),
        ("State", True),
        ("Secretary of State", True),
        ("Mr.", True),
        ("Secretary-General", True),
        ("Foreign Ministry", False),
        ("Treasury", False),
        ("Xi", False),
        ("NATO", False),
    ],
)
def test_is_title(text: str, expected: bool) -> None:
    assert is_title(text) is expected


@pytest.mark.parametrize(
    ("name", "cut", "role"),
    [
        ("President Xi", len("President "), "President"),
        ("Mr. Smith", len("Mr. "), None),
        ("Mr Xi", len("Mr "), None),
        ("Foreign Minister Sergei Lavrov", len("Foreign Minister "), "Foreign Minister"),
        ("Xi Jinping", 0, None),
        ("President", 0, None),  # the last word is never cut
    ],
)
def test_split_title(name: str, cut: int, role: str | None) -> None:
    assert split_title(name) == (cut, role)


# --- age and birth years -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name", "years"),
    [
        ("The 52-year-old Ivan Petrov was arrested.", "Ivan Petrov", (1971, 1972)),
        ("The 52-year-old former Russian businessman Ivan Petrov was", "Ivan Petrov", (1971, 1972)),
        ("Ivan Petrov, 52, was arrested.", "Ivan Petrov", (1971, 1972)),
        ("Ivan Petrov (52) was arrested.", "Ivan Petrov", (1971, 1972)),
        ("Ivan Petrov, aged 52, was arrested.", "Ivan Petrov", (1971, 1972)),
        ("Ivan Petrov aged 52 was arrested.", "Ivan Petrov", (1971, 1972)),
        ("Ivan Petrov, a 52-year-old banker, was arrested.", "Ivan Petrov", (1971, 1972)),
        ("Ivan Petrov, born in 1962, was arrested.", "Ivan Petrov", (1962, 1962)),
        ("Ivan Petrov (born 1962) was arrested.", "Ivan Petrov", (1962, 1962)),
        ("Ivan Petrov, born on 5 May 1962 in Moscow, was", "Ivan Petrov", (1962, 1962)),
        ("Ivan Petrov was born in Moscow in 1962.", "Ivan Petrov", (1962, 1962)),
        ("Ivan Petrov, the head of Acme, was born in 1962.", "Ivan Petrov", (1962, 1962)),
        ("The 52-year-old businessman Ivan Petrov met Mr Smith.", "Smith", None),
        ("Ivan Petrov said 52 people died.", "Ivan Petrov", None),
        ("Ivan Petrov, 3, was", "Ivan Petrov", None),  # not a plausible adult age
        ("Ivan Petrov was arrested in 2020.", "Ivan Petrov", None),
    ],
)
def test_birth_years(sentence: str, name: str, years: tuple[int, int] | None) -> None:
    start, end = _span(sentence, name)
    assert birth_years(sentence, start, end, PUBLISHED) == years


@pytest.mark.parametrize(
    ("age", "reference", "years"),
    [
        (52, dt.date(2024, 4, 26), (1971, 1972)),
        (52, dt.date(2024, 1, 1), (1971, 1972)),
        (30, dt.date(2000, 12, 31), (1969, 1970)),
    ],
)
def test_birth_years_from_age(age: int, reference: dt.date, years: tuple[int, int]) -> None:
    assert birth_years_from_age(age, reference) == years


# --- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("9074729", True),
        ("9074728", False),
        ("9216298", True),
        ("9216297", False),
        ("123456", False),
        ("abcdefg", False),
        ("90747290", False),
    ],
)
def test_imo_check_digit(number: str, valid: bool) -> None:
    assert imo_is_valid(number) is valid


@pytest.mark.parametrize(
    "phrase",
    ["IMO 9216298", "IMO number 9216298", "IMO: 9216298", "IMO No. 9216298", "IMO9216298"],
)
def test_find_imo_spellings(phrase: str) -> None:
    text = f"The tanker Nova ({phrase}) was seized."
    hits = find_identifiers(text)
    assert hits == [IdentifierHit("imo", "9216298", text.index("IMO"), text.index(")"))]


def test_find_identifiers_skips_invalid_imo_and_bad_bic() -> None:
    text = "IMO 9074728 and SWIFT code ABCDXX12 were cited."
    assert find_identifiers(text) == []


def test_find_identifiers_passport_and_swift() -> None:
    text = "His passport number X1234567 and the bank's SWIFT/BIC code BKCHCNBJ were cited."
    hits = find_identifiers(text)
    assert [(h.kind, h.value) for h in hits] == [
        ("passport", "X1234567"),
        ("swift_bic", "BKCHCNBJ"),
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("the tanker Nova (IMO 9216298)", "Nova"),
        ("The tanker Nova (IMO 9216298)", "Nova"),
        ("Iranian tanker Nova (IMO 9216298)", "Nova"),
        ("the vessel MAR AZUL, IMO 9216298", "MAR AZUL"),
        ('the tanker "Ocean Star" (IMO 9216298)', "Ocean Star"),
        ("the Panama-flagged Nova Spirit, with IMO number 9216298", "Nova Spirit"),
        ("the vessel with IMO 9216298", None),
    ],
)
def test_vessel_name_before(text: str, name: str | None) -> None:
    span = vessel_name_before(text, text.index("IMO"))
    if name is None:
        assert span is None
    else:
        assert span is not None
        assert text[span[0] : span[1]] == name


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("the tanker Eagle S damaged a cable", "Eagle S", True),
        ("an oil tanker, the Eagle S, damaged", "Eagle S", True),
        ("the vessel named 'Hope' sailed", "Hope", True),
        ("the M/T Nova sailed", "Nova", True),
        ("tanker operator Sovcomflot said", "Sovcomflot", False),
        ("the ship's owner Acme said", "Acme", False),
    ],
)
def test_follows_vessel_word(text: str, name: str, expected: bool) -> None:
    assert follows_vessel_word(text, text.index(name)) is expected


def test_attach_identifiers_to_nearest_mention_of_the_right_kind() -> None:
    spans = [(0, 4), (10, 14), (30, 34), (60, 64)]
    labels = ["VESSEL", "PERSON", "VESSEL", "VESSEL"]
    sentences = [0, 0, 0, 1]
    hits = [IdentifierHit("imo", "9216298", 36, 47), IdentifierHit("passport", "X12345", 70, 80)]
    attached = attach_identifiers(hits, spans, labels, sentences, [0, 1])
    assert attached == {2: [MentionIdentifier("imo", "9216298")]}


# --- coreference -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("President Xi Jinping", ["Xi", "Jinping"]),
        ("Mr. Smith", ["Smith"]),
        ("Antony Blinken", ["Antony", "Blinken"]),
    ],
)
def test_name_words(name: str, words: list[str]) -> None:
    assert name_words(name) == words


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("Islamic Revolutionary Guard Corps", "IRGC"),
        ("North Atlantic Treaty Organization", "NATO"),
        ("the Public Security Bureau", "PSB"),
        ("Bank of China", "BC"),
    ],
)
def test_initials(name: str, letters: str) -> None:
    assert initials(name) == letters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PSB", True),
        ("IRGC", True),
        ("PdVSA", True),
        ("Xi", False),
        ("A", False),
        ("Blinken", False),
    ],
)
def test_is_acronym(text: str, expected: bool) -> None:
    assert is_acronym(text) is expected


def test_bracket_acronyms() -> None:
    text = "The Public Security Bureau (PSB) said the PSB would act. Acme (Ltd) too."
    spans = [_span(text, "Public Security Bureau"), _span(text, "Acme")]
    assert bracket_acronyms(text, spans) == {"PSB": 0}
    text = "the Islamic Revolutionary Guard Corps-Qods Force (IRGC-QF) said"
    spans = [_span(text, "Islamic Revolutionary Guard Corps-Qods Force")]
    assert bracket_acronyms(text, spans) == {"IRGC-QF": 0}


@pytest.mark.parametrize(
    ("text", "defined"),
    [
        ("the Public Security Bureau (PSB) said", ("Public Security Bureau", "PSB")),
        (
            "officials of the Islamic Revolutionary Guard Corps (IRGC) said",
            ("Islamic Revolutionary Guard Corps", "IRGC"),
        ),
        ("the Bank of China (BOC) said", ("Bank of China", "BOC")),
        ("the Quds Force (QF-IRGC) said", None),
        ("the Qods Force (QF) said", ("Qods Force", "QF")),
        ("the company (LLC) said", None),
        ("the Public Security Bureau (XYZ) said", None),
    ],
)
def test_acronym_definitions(text: str, defined: tuple[str, str] | None) -> None:
    found = [(text[s:e], acronym) for s, e, acronym in acronym_definitions(text)]
    assert found == ([defined] if defined else [])


def _items(*pairs: tuple[str, str]) -> list[CorefItem]:
    return [
        CorefItem(text, label, i * 100, i * 100 + len(text))
        for i, (text, label) in enumerate(pairs)
    ]


@pytest.mark.parametrize(
    ("items", "acronyms", "canonical"),
    [
        # surname alone
        (_items(("Antony Blinken", "PERSON"), ("Blinken", "PERSON")), {}, [0, 0]),
        # given-family order of Chinese names: the surname comes first
        (_items(("Xi Jinping", "PERSON"), ("Xi", "PERSON")), {}, [0, 0]),
        # with a title
        (
            _items(("Xi Jinping", "PERSON"), ("President Xi", "PERSON"), ("Mr Xi", "PERSON")),
            {},
            [0, 0, 0],
        ),
        # the nearest earlier full name wins among namesakes
        (
            _items(("Kim Jong Un", "PERSON"), ("Kim Yo Jong", "PERSON"), ("Kim", "PERSON")),
            {},
            [0, 1, 1],
        ),
        # a short form before its full form
        (_items(("Blinken", "PERSON"), ("Antony Blinken", "PERSON")), {}, [1, 1]),
        # a repeated full name
        (_items(("Antony Blinken", "PERSON"), ("Antony Blinken", "PERSON")), {}, [0, 0]),
        # no full form: itself
        (_items(("Blinken", "PERSON"), ("Xi", "PERSON")), {}, [0, 1]),
        # a person word is not an organisation
        (_items(("Antony Blinken", "PERSON"), ("Blinken", "ORG")), {}, [0, 1]),
        # acronym in brackets
        (
            _items(("Public Security Bureau", "ORG"), ("PSB", "ORG"), ("PSB", "ORG")),
            {"PSB": 0},
            [0, 0, 0],
        ),
        # acronym of initials
        (_items(("Islamic Revolutionary Guard Corps", "ORG"), ("IRGC", "ORG")), {}, [0, 0]),
        # repeated organisation name, case-insensitive
        (_items(("MAHAN AIR", "ORG"), ("Mahan Air", "ORG")), {}, [0, 0]),
        # two-letter acronyms are not guessed from initials
        (_items(("Bank China", "ORG"), ("BC", "ORG")), {}, [0, 1]),
    ],
)
def test_resolve_coreference(
    items: list[CorefItem], acronyms: dict[str, int], canonical: list[int]
) -> None:
    assert resolve_coreference(items, acronyms) == canonical


def test_short_form_words() -> None:
    words = short_form_words(
        [
            "Antony Blinken",
            "President Xi Jinping",
            "Ayman al-Zawahiri",
            "Mr Smith",
            "John Washington",
        ]
    )
    assert words == {
        "Antony",
        "Blinken",
        "Xi",
        "Jinping",
        "Ayman",
        "al-Zawahiri",
        "Zawahiri",
        "John",
    }


def test_find_words_skips_taken_spans_and_keeps_possessives_out() -> None:
    text = "Antony Blinken met Xi. Blinken's aides and Blinkenship."
    taken = [(0, 14)]
    found = find_words(text, {"Blinken", "Xi"}, taken)
    assert [(text[s:e], word) for s, e, word in found] == [("Xi", "Xi"), ("Blinken", "Blinken")]


def test_a_country_name_means_the_same_country_in_the_news_and_on_the_lists() -> None:
    from assets.common.text import _COUNTRY_OVERRIDES, _pycountry_names, country_code

    names = sorted({*_COUNTRY_OVERRIDES, *_pycountry_names()})
    differ = {
        name: (country_of(name.title()), country_code(name))
        for name in names
        if country_of(name.title()) not in (None, country_code(name))
    }
    assert not differ
    # "Congo" alone: the Democratic Republic on both sides; the Republic when said so.
    assert country_of("Congo") == country_code("Congo") == "CD"
    assert country_of("Republic of Congo") == country_code("Republic of the Congo") == "CG"


def test_namibias_code_is_a_country_and_n_a_is_no_value() -> None:
    # The warehouse stores Namibia as "NA", and a counterparty query repeats it.
    from assets.common.text import country_code

    assert country_code("NA") == country_code("Namibia") == "NA"
    assert country_code("n/a") is None
    assert country_code("na") is None
