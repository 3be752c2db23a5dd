"""The EU FSF XML v1.1 parser, on the real 5-entity excerpt of the 2026-08-05 file."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from assets.common.model import Entity, Identifier, ListedName, ParsedList, ParseError
from assets.sources.bundled import bundled_files
from assets.sources.eu_fsf import SPEC, URL, parse

FIXTURE = Path(__file__).parents[1] / "fixtures" / "eu_fsf" / "eu_fsf.xml"
RAW = FIXTURE.read_bytes()


def _parse(raw: bytes = RAW) -> ParsedList:
    return parse({"eu_fsf.xml": raw})


@pytest.fixture(scope="module")
def by_id() -> dict[str, Entity]:
    return {e.official_id: e for e in _parse().entities}


def _replace(old: str, new: str, count: int = 1) -> bytes:
    text = RAW.decode()
    assert old in text, old
    return text.replace(old, new, count).encode()


def test_spec() -> None:
    assert SPEC.source_id == "eu_fsf"
    assert [(f.name, f.url, f.kind) for f in SPEC.live_files] == [("eu_fsf.xml", URL, "xml")]
    assert URL.endswith("xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw")
    assert (SPEC.min_entities, SPEC.max_entities) == (3_000, 20_000)


def test_fixture_publication() -> None:
    parsed = _parse()
    assert parsed.source == "eu_fsf"
    assert parsed.published_on == dt.date(2026, 8, 5)
    assert [e.official_id for e in parsed.entities] == ["191", "521", "3822", "6106", "6177"]
    assert Counter(e.schema for e in parsed.entities) == {"Person": 4, "Organization": 1}


def test_person_field_by_field(by_id: dict[str, Entity]) -> None:
    e = by_id["6177"]
    assert e.schema == "Person"
    assert e.caption == "Ibrahim al-'Asiri"  # first strong Latin-script alias
    assert e.names[:6] == [
        ListedName("Ibrahim al-'Asiri", "primary"),
        ListedName("إبراهيم حسن طالع عسيري", "alias", script="Arabic"),
        ListedName("إبراهيم حسن طالع العسيري", "alias", script="Arabic"),
        ListedName("Abu-Salaah", "weak_alias"),  # remark "low quality alias"
        ListedName("Abosslah", "weak_alias"),
        ListedName("Abu Saleh", "weak_alias"),  # remark "low quality aliias" (sic)
    ]
    assert len(e.names) == 15
    assert e.programs == ["TAQA"]
    assert e.countries == ["SA", "YE"]  # citizenship, then the address country
    # Gregorian 18 and 19 April 1982; the Hijri entry carries the converted 1982-04-19.
    assert e.birth_dates == ["1982-04-18", "1982-04-19"]
    assert e.birth_places == ["Riyadh, SAUDI ARABIA"]
    assert e.gender is None
    assert e.positions == [
        "Operative and principal bomb maker of Al-Qaida in the Arabian Peninsula (AQAP)"
    ]
    assert e.identifiers == [
        Identifier("national_id", "1028745097", "SA", "National identification card"),
        Identifier("passport", "F654645", "SA", "National passport"),
        Identifier("other", "EU.3092.36", None, "EU reference number"),
    ]
    assert e.addresses == ["YEMEN"]
    assert e.remarks == ""
    assert e.listed_on == dt.date(2011, 3, 24)


def test_organization_field_by_field(by_id: dict[str, Entity]) -> None:
    e = by_id["3822"]
    assert e.schema == "Organization"
    assert e.caption == "Parchin Chemical Industries (PCI)"  # EN preferred over GA, HU
    names = {n.name: n for n in e.names}
    assert names["Tionscail Ceimiceán Parchin"].kind == "alias"  # whitespace collapsed
    assert names["صنایع شیمیایی پارچین"].script == "Arabic"  # nameLanguage FA
    assert e.programs == ["IRN"]
    assert e.countries == ["IR"]
    assert e.addresses[0] == "Pasdaran Square, 16765/358, Tehran, IRAN (ISLAMIC REPUBLIC OF)"
    assert len(e.addresses) == 6
    assert Identifier("registration", "892", None, "Registration Number") in e.identifiers
    assert Identifier("website", "http://icig.ir/") in e.identifiers
    assert Identifier("phone", "+98 21 35243153") in e.identifiers
    assert e.listed_on == dt.date(2008, 6, 23)


@pytest.mark.parametrize(
    ("logical_id", "field", "expected"),
    [
        ("191", "caption", "Henin Ashraf Refaat Nabith"),  # FR translations listed first
        ("191", "gender", "Male"),
        ("191", "listed_on", None),  # no designationDate
        ("191", "birth_dates", ["1965-04-14", "1964-03-01"]),
        ("191", "birth_places", ["PAKISTAN"]),  # city="-"
        ("191", "countries", []),
        (
            "191",
            "identifiers",
            [
                Identifier("passport", "488555", None, "National passport"),  # country "00"
                Identifier("other", "EU.3579.2", None, "EU reference number"),
            ],
        ),
        ("521", "birth_dates", ["1953", "1958"]),  # yearRangeFrom/yearRangeTo
        (
            "521",
            "birth_places",
            ["Tirin Kot District, Uruzgan Province, AFGHANISTAN", "Kandahar province, AFGHANISTAN"],
        ),
        ("521", "countries", ["AF"]),
        (
            "521",
            "positions",
            ["Maulavi", "Minister of Water and Electricity under the Taliban regime"],
        ),
        ("521", "listed_on", dt.date(2001, 1, 25)),
        ("6106", "caption", "Abu Zayd Umar DORDA"),
        ("6106", "birth_places", ["Alrhaybat"]),
        ("6106", "programs", ["LBY"]),
        (
            "6106",
            "remarks",
            "Listed pursuant to paragraph 15 of resolution 1970 (Travel Ban). "
            "Listed on 17 March 2011 pursuant to paragraph 17 of resolution 1970 (Asset Freeze).",
        ),
    ],
)
def test_fields(by_id: dict[str, Entity], logical_id: str, field: str, expected: object) -> None:
    assert getattr(by_id[logical_id], field) == expected


def test_un_reference(by_id: dict[str, Entity]) -> None:
    assert Identifier("un_reference", "LYi.006") in by_id["6106"].identifiers
    assert (
        Identifier("passport", "FK117RK0", "LY", "National passport") in by_id["6106"].identifiers
    )
    assert not [
        i for i in by_id["191"].identifiers if i.kind == "un_reference"
    ]  # unitedNationId=""


def test_every_entity_has_one_primary_first(by_id: dict[str, Entity]) -> None:
    for e in by_id.values():
        assert [n.kind for n in e.names].count("primary") == 1
        assert e.names[0].kind == "primary"
        assert len({n.name for n in e.names}) == len(e.names)


@pytest.mark.parametrize(
    ("old", "new", "logical_id", "name", "kind"),
    [
        pytest.param(
            'wholeName="Ali Salem" function="" gender="M" title="" nameLanguage="" strong="true"',
            'wholeName="Ali Salem" function="" gender="M" title="" nameLanguage="" strong="false"',
            "191",
            "Ali Salem",
            "weak_alias",
            id="strong-false",
        ),
        pytest.param(
            'wholeName="Khalid Sheikh MOHAMMED"',
            'wholeName=""',
            "191",
            "Khalid Sheikh MOHAMMED",  # firstName + middleName + lastName
            "alias",
            id="parts-when-whole-name-empty",
        ),
        pytest.param(
            'wholeName="Wadood Khalid Abdul"',
            'wholeName="Henin Ashraf Refaat Nabith"',
            "191",
            "Henin Ashraf Refaat Nabith",  # now twice: kept once, as the primary
            "primary",
            id="duplicate-name",
        ),
    ],
)
def test_name_variants(old: str, new: str, logical_id: str, name: str, kind: str) -> None:
    entity = next(e for e in _parse(_replace(old, new)).entities if e.official_id == logical_id)
    assert [n.kind for n in entity.names if n.name == name] == [kind]


@pytest.mark.slow
def test_full_bundled_file() -> None:
    parsed = parse(bundled_files("eu_fsf"))
    assert len(parsed.entities) == 5
    assert len({e.official_id for e in parsed.entities}) == 5
    assert all(e.names[0].kind == "primary" for e in parsed.entities)
    assert parsed.published_on == dt.date(2026, 8, 5)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE export [
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
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-08-05T16:47:04.449+02:00">
<sanctionEntity logicalId="1"><subjectType code="person" classificationCode="P"/>
<nameAlias wholeName="&lol9;" strong="true"/></sanctionEntity></export>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE export [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-08-05T16:47:04.449+02:00">
<sanctionEntity logicalId="1"><subjectType code="person" classificationCode="P"/>
<nameAlias wholeName="x" strong="true"><remark>&xxe;</remark></nameAlias>
</sanctionEntity></export>"""

HTML = b"""<html><head><title>EU Login</title></head>
<body><form action="/cas/login">Please sign in</form></body></html>"""


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        pytest.param(
            _replace(
                'code="enterprise" classificationCode="E"', 'code="vessel" classificationCode="V"'
            ),
            "record 3822: unknown subjectType",
            id="unknown-subject-type",
        ),
        pytest.param(
            _replace(
                'code="person" classificationCode="P"', 'code="person" classificationCode="E"'
            ),
            "record 191: unknown subjectType",
            id="inconsistent-classification-code",
        ),
        pytest.param(
            _replace(
                'euReferenceNumber="EU.502.12" logicalId="521"', 'euReferenceNumber="EU.502.12"'
            ),
            "sanctionEntity without logicalId (euReferenceNumber 'EU.502.12')",
            id="missing-logical-id",
        ),
        pytest.param(
            _replace('logicalId="521"', 'logicalId="191"'),
            "record 191: logicalId appears twice",
            id="duplicate-logical-id",
        ),
        pytest.param(
            _replace("<export ", "<exportList ").replace(b"</export>", b"</exportList>"),
            "root element is <exportList>",
            id="renamed-root",
        ),
        pytest.param(
            _replace('generationDate="2026-08-05T16:47:04.449+02:00"', ""),
            "no valid generationDate",
            id="no-generation-date",
        ),
        pytest.param(
            _replace('designationDate="2001-01-25"', 'designationDate="soon"'),
            "record 521: unreadable designationDate 'soon'",
            id="bad-designation-date",
        ),
        pytest.param(RAW[: len(RAW) // 2], "not well-formed", id="truncated"),
        pytest.param(HTML, "HTML page", id="html-page"),
        pytest.param(BILLION_LAUGHS, "refused", id="billion-laughs"),
        pytest.param(XXE, "refused", id="xxe"),
    ],
)
def test_bad_input_raises(raw: bytes, problem: str) -> None:
    with pytest.raises(ParseError) as caught:
        _parse(raw)
    message = str(caught.value)
    assert message.startswith("eu_fsf: ")
    assert problem in message
    assert "lollol" not in message and "root:" not in message  # nothing was expanded


def test_missing_file_raises() -> None:
    with pytest.raises(ParseError, match=r"^eu_fsf: no eu_fsf.xml"):
        parse({"eu_fsf.csv": RAW})
