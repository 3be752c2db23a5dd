"""The FCDO UK Sanctions List parser, on the real 5-designation excerpt of 10/09/2026."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from assets.common.model import Entity, Identifier, ListedName, ParsedList, ParseError
from assets.sources.bundled import bundled_files
from assets.sources.uk_fcdo import SPEC, parse

FIXTURE = Path(__file__).parents[1] / "fixtures" / "uk_fcdo" / "uk_sanctions_list.xml"
RAW = FIXTURE.read_bytes()


def _parse(raw: bytes = RAW) -> ParsedList:
    return parse({"uk_sanctions_list.xml": raw})


def _replace(old: str, new: str, count: int = 1) -> bytes:
    text = RAW.decode()
    assert old in text, old
    return text.replace(old, new, count).encode()


@pytest.fixture(scope="module")
def by_id() -> dict[str, Entity]:
    return {e.official_id: e for e in _parse().entities}


def test_spec() -> None:
    assert SPEC.source_id == "uk_fcdo"
    assert [(f.name, f.kind) for f in SPEC.live_files] == [("uk_sanctions_list.xml", "xml")]
    assert SPEC.live_files[0].url == "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"
    assert (SPEC.min_entities, SPEC.max_entities) == (3_000, 15_000)
    assert SPEC.retired_note == ""


def test_fixture_publication() -> None:
    parsed = _parse()
    assert parsed.source == "uk_fcdo"
    assert parsed.published_on == dt.date(2026, 9, 10)
    assert [(e.official_id, e.schema) for e in parsed.entities] == [
        ("AFG0001", "Organization"),
        ("AFG0006", "Person"),
        ("BEL0107", "Organization"),
        ("DPR0075", "Vessel"),
        ("AQD0195", "Person"),
    ]
    assert Counter(e.schema for e in parsed.entities) == {
        "Organization": 2,
        "Person": 2,
        "Vessel": 1,
    }
    assert parsed.skipped == []


def test_bundled_snapshot_is_the_excerpt() -> None:
    assert parse(bundled_files("uk_fcdo")) == _parse()


def test_individual_field_by_field(by_id: dict[str, Entity]) -> None:
    e = by_id["AFG0006"]
    assert e.names == [
        ListedName("MOHAMMAD HASSAN AKHUND", "primary"),
        ListedName("Mohammad Akhwand", "alias"),  # Primary Name Variation
        ListedName("محمد حسن آخوند", "alias", script="Arabic"),
    ]
    assert e.caption == "MOHAMMAD HASSAN AKHUND"
    assert e.programs == ["The Afghanistan (Sanctions) (EU Exit) Regulations 2020"]
    assert e.countries == ["AF"]
    assert e.birth_dates == ["1958-05-12", "1945", "1946"]  # 12/05/1958, dd/mm/1945, 1946
    assert e.birth_places == ["Pashmul village, Panjwai District, Afghanistan"]
    assert e.gender == "Male"
    assert e.positions == [
        "Mullah",
        "Haji",
        "Deputy Minister of Agriculture under the Taliban regime",
    ]
    assert e.identifiers == [
        Identifier("other", "7172", label="OFSI Group ID"),
        Identifier("un_reference", "TAi.002"),
        Identifier("passport", "P04581926", "AF", "Passport"),  # listed twice in the file
        Identifier("national_id", "2132370", "AF", "National ID"),  # "Afghan ... (tazkira)"
    ]
    assert e.addresses == ["Kabul, Afghanistan"]
    assert e.remarks.startswith("A close associate of Mullah Mohammed Omar (TAi.004).")
    assert e.listed_on == dt.date(2001, 1, 25)


@pytest.mark.parametrize(
    ("uid", "field", "expected"),
    [
        ("AFG0001", "names", [
            ListedName("HAJI KHAIRULLAH MONEY EXCHANGE", "primary"),
            ListedName("Haji Alim Hawala", "alias"),
            ListedName("حاجی خيرالله صرافی", "alias", script="Arabic"),
        ]),
        ("AFG0001", "countries", ["AF", "AE"]),
        ("AFG0001", "addresses", [
            "Ansari Market, 2nd Floor, Nimroz Province, Afghanistan",
            "Branch Office 14, Dubai, United Arab Emirates",
        ]),
        ("AFG0001", "identifiers", [
            Identifier("other", "12703", label="OFSI Group ID"),
            Identifier("un_reference", "TAe.010"),
            Identifier("phone", "0202-104748"),
            Identifier("email", "helmand_exchange_msp@yahoo.com"),
        ]),
        ("AFG0001", "remarks", (
            "Afghan Money Service Provider License Number: 044. Associated with Abdul Sattar "
            "(TAi.162). INTERPOL-UN Security Council Special Notice web link:  "
            "https://www.interpol.int/en/How-we-work/Notices/View-UN-Notices-Individuals"
        )),  # the empty UKStatementofReasons adds nothing
        ("BEL0107", "names", [
            ListedName("BNK (UK) Ltd", "primary"),
            ListedName("BNK UK Limited", "alias"),  # Good quality a.k.a
            ListedName("BNK", "weak_alias"),  # Low quality a.k.a
        ]),
        ("BEL0107", "addresses", [
            "Salatin House, 19 Cedar Road, Sutton, Surrey, SM2 5DA, United Kingdom",
        ]),
        ("BEL0107", "identifiers", [
            Identifier("other", "14124", label="OFSI Group ID"),
            Identifier("website", "http://www.belnaft.co.uk/"),
            Identifier("registration", "UK Company no. 06527449"),
        ]),
        ("BEL0107", "remarks", (
            "The Director Disqualification Sanction was imposed on 09/04/2025.\n"
            "BNK (UK) Ltd is controlled by CJSC Belarusian Oil Company, the state exporter of oil "
            "products."
        )),
        ("BEL0107", "listed_on", dt.date(2021, 6, 21)),
        ("AQD0195", "names", [ListedName("Fadhil Harun", "primary")]),
        ("AQD0195", "birth_dates", ["1972"]),
        ("AQD0195", "birth_places", ["Moroni, Comoros"]),
        ("AQD0195", "countries", ["KM"]),
        ("AQD0195", "addresses", []),
    ],
)  # fmt: skip
def test_fields(by_id: dict[str, Entity], uid: str, field: str, expected: object) -> None:
    assert getattr(by_id[uid], field) == expected


def test_ship(by_id: dict[str, Entity]) -> None:
    e = by_id["DPR0075"]
    assert e.schema == "Vessel"
    assert e.names == [ListedName("Petrel 8", "primary"), ListedName("Tian Tai 36", "alias")]
    assert e.identifiers == [  # no OFSIGroupID; "IMO9562233" without its prefix
        Identifier("un_reference", "KPv.001"),
        Identifier("imo", "9562233"),
    ]
    assert e.countries == ["KM"]  # CurrentBelievedFlagOfShip Comoros
    assert e.gender is None and e.birth_dates == []


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "is empty"),
        (b"  \n", "is empty"),
        (RAW[: len(RAW) // 2], "not well-formed XML"),
        (b"<html><body>Service unavailable</body></html>", "HTML page"),
        (b"<!DOCTYPE html><html></html>", "DTD"),
        (b"Designations,DateGenerated\n", "not XML"),
        (b"<sdnList/>", "root element is 'sdnList', not 'Designations'"),
    ],
    ids=["empty", "blank", "truncated", "html", "doctype", "csv", "other-root"],
)
def test_bad_files(raw: bytes, problem: str) -> None:
    with pytest.raises(ParseError, match="uk_fcdo: ") as caught:
        _parse(raw)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "<IndividualEntityShip>Ship</IndividualEntityShip>",
            "<IndividualEntityShip>Aircraft</IndividualEntityShip>",
            "record DPR0075: unknown IndividualEntityShip 'Aircraft'",
        ),
        (
            "<UniqueID>BEL0107</UniqueID>",
            "",
            "Designation number 3 has no UniqueID",
        ),
        (
            "<NameType>Primary Name Variation</NameType>",
            "<NameType>Nickname</NameType>",
            "record AFG0006: unknown NameType 'Nickname'",
        ),
        (
            "<AliasStrength>Low quality a.k.a</AliasStrength>",
            "<AliasStrength>Weak</AliasStrength>",
            "record BEL0107: unknown AliasStrength 'Weak'",
        ),
        (
            "<Name>\n        <Name1>Fadhil</Name1>\n        <Name2>Harun</Name2>\n"
            "        <NameType>Primary Name</NameType>\n      </Name>",
            "",
            "record AQD0195: designation has no names",
        ),
    ],
    ids=["unknown-category", "no-uid", "unknown-name-type", "unknown-strength", "no-names"],
)
def test_bad_designations(old: str, new: str, message: str) -> None:
    raw = _replace(old, new)
    with pytest.raises(ParseError, match=re.escape(f"uk_fcdo: {message}")):
        _parse(raw)


def test_missing_file() -> None:
    with pytest.raises(ParseError, match=r"uk_fcdo: uk_sanctions_list\.xml not among the files"):
        parse({"uk_sanctions_list.csv": b"x"})
