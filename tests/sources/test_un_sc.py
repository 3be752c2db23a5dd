"""The UN Security Council consolidated-list parser, on a real cut of the 2026-02-27 file."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from pathlib import Path

import pytest

from assets.common.model import Entity, Identifier, ListedName, ParsedList, ParseError
from assets.sources.bundled import bundled_files
from assets.sources.un_sc import SPEC, parse

FIXTURE = Path(__file__).parents[1] / "fixtures" / "un_sc" / "consolidated.xml"
RAW = FIXTURE.read_bytes()


def _parse(raw: bytes = RAW) -> ParsedList:
    return parse({"consolidated.xml": raw})


@pytest.fixture(scope="module")
def by_id() -> dict[str, Entity]:
    return {e.official_id: e for e in _parse().entities}


def _replace(old: str, new: str, count: int = 1) -> bytes:
    text = RAW.decode()
    assert old in text, old
    return text.replace(old, new, count).encode()


def test_spec() -> None:
    assert SPEC.source_id == "un_sc"
    assert [(f.name, f.kind) for f in SPEC.live_files] == [("consolidated.xml", "xml")]
    assert SPEC.live_files[0].url == "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    assert (SPEC.min_entities, SPEC.max_entities) == (700, 3_000)


def test_fixture_publication() -> None:
    parsed = _parse()
    assert parsed.source == "un_sc"
    assert parsed.published_on == dt.date(2026, 2, 27)
    assert Counter(e.schema for e in parsed.entities) == {"Person": 11, "Organization": 5}
    assert parsed.skipped == []


def test_individual_field_by_field(by_id: dict[str, Entity]) -> None:
    e = by_id["QDi.001"]
    assert e.schema == "Person"
    assert e.names == [
        ListedName("MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE", "primary"),
        ListedName("محمد صلاح الدين عبدالحليم زيدان", "alias", script="Arabic"),
        ListedName("Sayf-Al Adl", "alias"),
        ListedName("Muhamad Ibrahim Makkawi", "alias"),
        ListedName("Ibrahim al-Madani", "weak_alias"),
        ListedName("Saif Al-'Adil", "weak_alias"),
        ListedName("Seif al Adel", "weak_alias"),
    ]
    assert e.caption == "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE"
    assert e.programs == ["Al-Qaida"]
    assert e.countries == ["EG"]
    assert e.birth_dates == ["1963-04-11", "1960-04-11"]
    assert e.birth_places == ["Monufia Governate, Egypt"]
    assert e.gender is None
    assert e.positions == []
    assert e.identifiers == [Identifier("un_reference", "QDi.001")]
    assert e.addresses == []
    assert e.remarks.startswith("Responsible for Usama bin Laden’s (deceased) security.")
    assert e.listed_on == dt.date(2001, 1, 25)


def test_individual_with_gender_year_and_empty_alias(by_id: dict[str, Entity]) -> None:
    e = by_id["CDi.001"]
    assert [n.name for n in e.names] == ["ERIC BADEGE"]  # <INDIVIDUAL_ALIAS><QUALITY/>... dropped
    assert e.gender == "Male"
    assert e.countries == ["CD", "RW"]  # nationality, then the address country
    assert e.birth_dates == ["1971"]
    assert e.addresses == ["Rwanda"]  # the address NOTE ("as of early 2016") is not an address
    assert e.listed_on == dt.date(2012, 12, 31)


def test_entity_field_by_field(by_id: dict[str, Entity]) -> None:
    e = by_id["KPe.023"]  # the file writes "KPe.023 " with a trailing space
    assert e.schema == "Organization"
    assert e.caption == "DAEDONG CREDIT BANK (DCB)"
    assert [(n.name, n.kind) for n in e.names[1:]] == [
        ("DCB", "alias"),
        ("Taedong Credit Bank", "alias"),
        ("Dae-Dong Credit Bank", "alias"),
    ]
    assert e.programs == ["DPRK"]
    assert e.countries == ["KP"]
    assert e.addresses == [
        "Suite 401, Potonggang Hotel, Ansan-Dong, Pyongchon District, Pyongyang, "
        "Democratic People's Republic of Korea",
        "Ansan-dong, Botonggang Hotel, Pongchon, Pyongyang, Democratic People's Republic of Korea",
    ]
    assert e.birth_dates == [] and e.birth_places == [] and e.gender is None
    assert e.identifiers == [Identifier("un_reference", "KPe.023")]
    assert e.listed_on == dt.date(2016, 3, 2)


@pytest.mark.parametrize(
    ("ref", "name", "kind", "script", "raw"),
    [
        ("QDi.001", "Sayf-Al Adl", "alias", "Latin", ""),  # QUALITY Good
        ("QDi.001", "Seif al Adel", "weak_alias", "Latin", ""),  # QUALITY Low
        ("CDi.004", "India Queen", "weak_alias", "Latin", ""),
        ("CDe.001", "Allied Democratic Forces", "alias", "Latin", ""),  # QUALITY a.k.a.
        ("CDe.001", "NALU", "former", "Latin", ""),  # QUALITY f.k.a.
        ("QDe.014", "Salafist Group For Call and Combat", "former", "Latin", ""),
        ("TAi.023", "فضل محمد مظلوم", "alias", "Arabic", ""),  # NAME_ORIGINAL_SCRIPT
        ("QDe.014", "تنظيم القا عدة ببلاد المغرب الاسلامي", "alias", "Arabic", ""),
        # One ALIAS_NAME holding spelling variants is split, the field kept as raw.
        ("IRi.003", "Azim Agha-Jani", "alias", "Latin", "Azim Adhajani; Azim Agha-Jani"),
    ],
)
def test_alias_kinds(
    by_id: dict[str, Entity], ref: str, name: str, kind: str, script: str, raw: str
) -> None:
    found = [n for n in by_id[ref].names if n.name == name]
    assert found == [ListedName(name, kind, raw=raw, script=script)]  # type: ignore[arg-type]


def test_every_entity_has_one_primary_first(by_id: dict[str, Entity]) -> None:
    for e in by_id.values():
        assert [n.kind for n in e.names].count("primary") == 1
        assert e.names[0].kind == "primary"
        assert len({n.name for n in e.names}) == len(e.names)


@pytest.mark.parametrize(
    ("ref", "dates"),
    [
        ("CDi.001", ["1971"]),  # EXACT, YEAR
        ("QDi.001", ["1963-04-11", "1960-04-11"]),  # EXACT, DATE twice
        ("TAi.023", ["1963", "1968"]),  # BETWEEN, FROM_YEAR/TO_YEAR: both ends
        ("CDi.004", ["1973-11"]),  # EXACT with only a NOTE "Nov. 1973"
        ("TAi.154", ["1957", "1960", "1963-01-01"]),  # APPROXIMATELY years and a DATE
        ("YEi.007", []),
    ],
)
def test_birth_dates(by_id: dict[str, Entity], ref: str, dates: list[str]) -> None:
    assert by_id[ref].birth_dates == dates


@pytest.mark.parametrize(
    ("ref", "identifier"),
    [
        ("CDi.021", Identifier("passport", "OB 0243318", "CD", "Passport")),  # ISSUING_COUNTRY
        ("KPi.008", Identifier("passport", "645120196", "KP", "Passport")),  # COUNTRY_OF_ISSUE
        ("CDi.019", Identifier("national_id", "1-78-09-44621-80", None, "FARDC ID")),
        (
            "TAi.154",
            Identifier("national_id", "54201-247561-5", "PK", "National Identification Number"),
        ),
        ("TAi.154", Identifier("un_reference", "TAi.154")),
    ],
)
def test_identifiers(by_id: dict[str, Entity], ref: str, identifier: Identifier) -> None:
    assert identifier in by_id[ref].identifiers


def test_passport_repeated_in_three_languages_is_one_identifier(by_id: dict[str, Entity]) -> None:
    passports = [i for i in by_id["KPi.008"].identifiers if i.kind == "passport"]
    assert passports == [Identifier("passport", "645120196", "KP", "Passport")]


@pytest.mark.parametrize(
    ("ref", "field", "expected"),
    [
        ("TAi.023", "positions", ["Mullah", "Deputy Chief of Army Staff of the Taliban regime"]),
        ("TAi.023", "countries", ["AF", "QA"]),
        ("TAi.023", "birth_places", ["Uruzgan, Afghanistan"]),
        (
            "CDi.004",
            "birth_places",
            ["Bunagana, Rutshuru territory, Democratic Republic of the Congo"],
        ),
        ("TAi.173", "listed_on", dt.date(2015, 3, 27)),  # LISTED_ON 2015-03-27-04:00
        ("CDe.001", "addresses", ["North Kivu, Democratic Republic of the Congo"]),
        ("QDe.014", "countries", ["DZ", "ML", "MR", "MA", "NE", "TN"]),
        (
            "IRe.003",
            "addresses",
            [
                "P.O. Box 91735-549, Mashad, Iran (Islamic Republic of)",
                "Amin Industrial Estate, Khalage Rd., Seyedi District, Mashad, "
                "Iran (Islamic Republic of)",
                "Kaveh Complex, Khalaj Rd., Seyedi St., Mashad, Iran (Islamic Republic of)",
            ],
        ),
    ],
)
def test_fields(by_id: dict[str, Entity], ref: str, field: str, expected: object) -> None:
    assert getattr(by_id[ref], field) == expected


def test_unknown_elements_are_ignored() -> None:
    raw = _replace("<GENDER>Male</GENDER>", "<GENDER>Male</GENDER><NEW_FIELD><X>1</X></NEW_FIELD>")
    assert len(_parse(raw).entities) == 16


@pytest.mark.slow
def test_full_bundled_file() -> None:
    files = bundled_files("un_sc")
    start = time.perf_counter()
    parsed = parse(files)
    elapsed = time.perf_counter() - start
    assert len(parsed.entities) == 1_003
    assert Counter(e.schema for e in parsed.entities) == {"Person": 730, "Organization": 273}
    assert len({e.official_id for e in parsed.entities}) == 1_003
    assert all(e.names[0].kind == "primary" and e.names[0].name for e in parsed.entities)
    assert all(Identifier("un_reference", e.official_id) in e.identifiers for e in parsed.entities)
    assert parsed.published_on == dt.date(2026, 2, 27)
    assert elapsed < 2.0


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z"><INDIVIDUALS><INDIVIDUAL>
<DATAID>1</DATAID><FIRST_NAME>&lol9;</FIRST_NAME><REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER>
</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z"><INDIVIDUALS><INDIVIDUAL>
<DATAID>1</DATAID><FIRST_NAME>&xxe;</FIRST_NAME><REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER>
</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"""

HTML = b"""<html><head><title>Service unavailable</title></head>
<body><h1>The consolidated list is being updated</h1></body></html>"""


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        pytest.param(
            _replace("<REFERENCE_NUMBER>QDi.001</REFERENCE_NUMBER>", ""),
            "DATAID 113219",
            id="missing-reference-number",
        ),
        pytest.param(
            _replace("<QUALITY>Low</QUALITY>", "<QUALITY>Medium</QUALITY>"),
            "CDi.004: unknown alias QUALITY 'Medium'",
            id="unknown-alias-quality",
        ),
        pytest.param(
            _replace("CONSOLIDATED_LIST", "SANCTIONS_LIST", 2),
            "root element is <SANCTIONS_LIST>",
            id="renamed-root",
        ),
        pytest.param(
            _replace('dateGenerated="2026-02-27T00:00:09.554Z"', ""),
            "no valid dateGenerated",
            id="no-date-generated",
        ),
        pytest.param(
            _replace("<FIRST_NAME>ERIC</FIRST_NAME>\n      <SECOND_NAME>BADEGE</SECOND_NAME>", ""),
            "CDi.001: INDIVIDUAL has no name",
            id="no-name",
        ),
        pytest.param(
            _replace(
                "<REFERENCE_NUMBER>CDi.004</REFERENCE_NUMBER>",
                "<REFERENCE_NUMBER>CDi.001</REFERENCE_NUMBER>",
            ),
            "CDi.001: REFERENCE_NUMBER appears twice",
            id="duplicate-reference-number",
        ),
        pytest.param(
            _replace("<DATE>1963-04-11</DATE>", "<DATE>unknown date</DATE>"),
            "QDi.001: unreadable date of birth",
            id="bad-birth-date",
        ),
        pytest.param(RAW[: len(RAW) // 2], "not well-formed", id="truncated"),
        pytest.param(HTML, "HTML page", id="html-page"),
        pytest.param(b"<!DOCTYPE html>\n" + HTML, "refused", id="html-page-with-doctype"),
        pytest.param(BILLION_LAUGHS, "refused", id="billion-laughs"),
        pytest.param(XXE, "refused", id="xxe"),
        pytest.param(b"", "empty", id="empty"),
    ],
)
def test_bad_input_raises(raw: bytes, problem: str) -> None:
    with pytest.raises(ParseError) as caught:
        _parse(raw)
    message = str(caught.value)
    assert message.startswith("un_sc: ")
    assert problem in message
    assert "lollol" not in message and "root:" not in message  # nothing was expanded


def test_missing_file_raises() -> None:
    with pytest.raises(ParseError, match=r"^un_sc: no consolidated.xml"):
        parse({"other.xml": RAW})
