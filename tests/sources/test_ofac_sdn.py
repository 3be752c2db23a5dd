"""The OFAC SDN parser on real excerpts (tests/fixtures/ofac_sdn) and the full bundled list."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from assets.common.model import Entity, Identifier, ListedName, ParsedList, ParseError
from assets.sources import ofac_sdn
from assets.sources.bundled import bundled_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ofac_sdn"
EOF_LINE = b"\r\n\x1a"


def read_set(directory: Path = FIXTURES) -> dict[str, bytes]:
    """The CSV files of one fixture directory, by lower-case name."""
    return {p.name.lower(): p.read_bytes() for p in directory.glob("*.csv")}


@pytest.fixture(scope="module")
def parsed() -> ParsedList:
    return ofac_sdn.parse(read_set())


@pytest.fixture(scope="module")
def by_id(parsed: ParsedList) -> dict[str, Entity]:
    return {e.official_id: e for e in parsed.entities}


def names_of(entity: Entity, kind: str) -> list[str]:
    return [n.name for n in entity.names if n.kind == kind]


# --- the fixture set ---------------------------------------------------------------------------


def test_fixture_files_keep_the_published_shape() -> None:
    for name in ("sdn.csv", "add.csv", "alt.csv"):
        raw = (FIXTURES / name).read_bytes()
        assert raw.endswith(EOF_LINE), name
        assert raw.count(b"\r\n") == raw.count(b"\n"), f"{name} is CRLF throughout"
    assert (FIXTURES / "sdn_comments.csv").read_bytes().endswith(b'"\n\x1a')


def test_fixture_counts(parsed: ParsedList) -> None:
    assert parsed.source == "ofac_sdn"
    assert len(parsed.entities) == 40
    assert Counter(e.schema for e in parsed.entities) == {
        "Person": 18,
        "Organization": 15,
        "Vessel": 5,
        "Aircraft": 2,
    }
    assert parsed.published_on is None  # the CSV set carries no date
    # the stale sdn_comments.csv row of ent_num 12300 (not in sdn.csv) is skipped and counted
    assert [s.record_id for s in parsed.skipped] == ["12300"]
    assert "sdn_comments.csv" in parsed.skipped[0].reason


def test_every_entity_has_one_primary_name(parsed: ParsedList) -> None:
    ids = [e.official_id for e in parsed.entities]
    assert len(ids) == len(set(ids))
    for entity in parsed.entities:
        assert [n.kind for n in entity.names].count("primary") == 1, entity.official_id
        assert entity.listed_on is None


@pytest.mark.parametrize(
    ("ent_num", "schema", "caption", "raw"),
    [
        ("36", "Organization", "AEROCARIBBEAN AIRLINES", ""),
        ("6905", "Person", "Zayn al-Abidin Muhammad HUSAYN", "HUSAYN, Zayn al-Abidin Muhammad"),
        ("2676", "Person", "Dr. Ayman AL ZAWAHIRI", "AL ZAWAHIRI, Dr. Ayman"),
        ("4249", "Vessel", "TIFON", ""),
        ("15431", "Aircraft", "EP-GOM", ""),
        ("17018", "Organization", "PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA", ""),
    ],
)
def test_types_and_primary_names(
    by_id: dict[str, Entity], ent_num: str, schema: str, caption: str, raw: str
) -> None:
    entity = by_id[ent_num]
    assert entity.schema == schema
    assert entity.caption == caption
    assert entity.names[0] == ListedName(caption, "primary", raw=raw)


def test_individual_dob_nationality_passport(by_id: dict[str, Entity]) -> None:
    e = by_id["6939"]  # AL-AHDAL, Mohammad Hamdi Mohammad Sadiq
    assert e.birth_dates == ["1971-11-19"]
    assert e.birth_places == ["Medina, Saudi Arabia"]
    assert e.countries == ["YE"]
    assert e.gender == "Male"
    assert e.programs == ["SDGT"]
    assert e.identifiers == [
        Identifier("passport", "541939", "YE", "Passport"),
        Identifier("national_id", "216040", "YE", "National ID No."),
    ]
    assert e.addresses == ["Jamal street, Al-Dahima alley, Al-Hudaydah, Yemen"]
    # the weak alias in Remarks, turned into natural order
    assert ListedName("Abu Asim AL-MAKKI", "weak_alias", raw="AL-MAKKI, Abu Asim") in e.names
    assert ListedName("Muhammad AL-HAMATI", "alias", raw="AL-HAMATI, Muhammad") in e.names
    assert e.remarks.startswith("DOB 19 Nov 1971; POB Medina, Saudi Arabia; nationality Yemen;")


def test_individual_details(by_id: dict[str, Entity]) -> None:
    e = by_id["35315"]  # SHUVALOV, Igor Ivanovich
    assert e.caption == "Igor Ivanovich SHUVALOV"
    assert e.birth_dates == ["1967-01-04"]
    assert e.birth_places == ["Bilibino, Chukotka Autonomous Region, Russia"]
    assert e.countries == ["RU"]
    assert e.identifiers == [Identifier("tax_id", "772615073145", "RU", "Tax ID No.")]
    assert by_id["6905"].countries[0] == "PS"  # "nationality Palestinian"
    assert by_id["6905"].identifiers == [Identifier("passport", "484824", "EG", "Passport")]


@pytest.mark.parametrize(
    ("ent_num", "birth_dates"),
    [
        ("6925", ["1974-03-14", "1974-04-13", "1974-04-14", "1970-08-01"]),  # alt. DOBs
        ("7782", ["1951"]),  # DOB circa 1951
        ("12057", ["1951", "1953", "1960", "1962", "1961-04"]),  # ranges and a month
    ],
)
def test_birth_date_spellings(
    by_id: dict[str, Entity], ent_num: str, birth_dates: list[str]
) -> None:
    assert by_id[ent_num].birth_dates == birth_dates


def test_vessels(by_id: dict[str, Entity]) -> None:
    tifon = by_id["4249"]
    assert tifon.identifiers == [
        Identifier("call_sign", "CL2059", None, "Call Sign"),
        Identifier("imo", "7206512", None, "Vessel Registration Identification"),
    ]
    assert tifon.countries == ["CU"]  # Vess_flag
    ebano = by_id["4243"]
    assert names_of(ebano, "former") == ["ANA I", "SAND SWAN"]  # f.k.a. in Remarks
    assert Identifier("imo", "7406784", None, "Vessel Registration Identification") in (
        ebano.identifiers
    )
    artavil = by_id["15036"]
    assert artavil.programs == ["IRAN"]
    assert [i.value for i in artavil.identifiers if i.kind == "imo"] == ["9187629"]
    assert Identifier("other", "572469210", None, "MMSI") in artavil.identifiers


def test_aircraft(by_id: dict[str, Entity]) -> None:
    e = by_id["15431"]
    assert [(i.kind, i.value) for i in e.identifiers] == [
        ("aircraft_serial", "8401"),
        ("aircraft_serial", "1023409321"),
    ]
    assert by_id["43160"].identifiers == [
        Identifier(
            "aircraft_serial", "9773052055082", None, "Aircraft Manufacturer's Serial Number (MSN)"
        ),
        Identifier("registration", "RA-82039", None, "Aircraft Tail Number"),
    ]


def test_weak_alias_of_an_entity_and_addresses(by_id: dict[str, Entity]) -> None:
    bank = by_id["306"]  # BANCO NACIONAL DE CUBA; Remarks "a.k.a. 'BNC'."
    assert bank.names == [
        ListedName("BANCO NACIONAL DE CUBA", "primary"),
        ListedName("BNC", "weak_alias"),
        ListedName("NATIONAL BANK OF CUBA", "alias"),
    ]
    assert bank.remarks == "a.k.a. 'BNC'."
    assert bank.addresses[0] == "Zweierstrasse 35, Zurich CH-8022, Switzerland"
    assert len(bank.addresses) == 4
    assert bank.countries == ["CH", "ES", "JP", "PA"]


def test_doubly_quoted_weak_aliases(by_id: dict[str, Entity]) -> None:
    # Remarks: a.k.a. 'AHMED, A.'; ... a.k.a. ''FOOPIE''; a.k.a. ''AHMED THE TANZANIAN''
    weak = names_of(by_id["6925"], "weak_alias")
    assert weak == ["A. AHMED", "Abu KHABAR", "Abu BAKR", "FOOPIE", "FUPI", "AHMED THE TANZANIAN"]


def test_alt_types(by_id: dict[str, Entity]) -> None:
    e = by_id["8244"]  # alt.csv rows of type aka and nka
    assert "NUEVO CONTINENTE S.A." in names_of(e, "alias")  # nka
    assert "AEROCONTINENTE S.A." in names_of(e, "alias")  # aka
    assert {i.label for i in e.identifiers} == {
        "NIT #",
        "US FEIN",
        "RUC #",
        "Business Registration Document #",
    }
    assert by_id["17018"].names.count(ListedName("SBERBANK OF RSFSR", "former")) == 1  # fka


def test_comments_continuation_is_joined(by_id: dict[str, Entity]) -> None:
    lazarus = by_id["27307"]  # Remarks cut inside "a.k.a. 'WHOIS HACKIN" + "G TEAM'; ..."
    assert "WHOIS HACKING TEAM" in names_of(lazarus, "weak_alias")
    assert names_of(lazarus, "weak_alias")[-1] == "APPLEWORM"
    assert lazarus.remarks.endswith("a.k.a. 'APT-C-26'; a.k.a. 'APPLEWORM'.")
    sber = by_id["17018"]  # cut inside "Listing Date (EO 14024 Directive 2" + ": 24 Feb 2022"
    assert "Listing Date (EO 14024 Directive 2): 24 Feb 2022;" in sber.remarks
    assert Identifier("tax_id", "7707083893", "RU", "Tax ID No.") in sber.identifiers
    assert Identifier("registration", "1027700132195", "RU", "Registration Number") in (
        sber.identifiers
    )
    # 28264: the continuation starts inside "Phone Number" and ends the weak-alias list
    li = by_id["28264"]
    assert Identifier("phone", "8618004121000", None, "Phone Number") in li.identifiers
    assert names_of(li, "weak_alias") == ["blackjack1987", "khaleesi"]


def test_programs_titles_and_program_notes(by_id: dict[str, Entity]) -> None:
    naqdi = by_id["12057"]
    assert naqdi.programs == ["SDGT", "NPWMD", "IRGC", "IFSR", "IRAN-HR", "IRAN-EO13876"]
    assert naqdi.positions == [
        "Brigadier General and Commander of the IRGC Basij Resistance Force",
        "President of the Organization of the Basij of the Oppressed",
        "Chief of the Mobilization of the Oppressed Organization",
    ]
    assert by_id["2676"].positions == ["Operational and Military Leader of JIHAD GROUP"]
    sber = by_id["17018"]
    assert sber.programs == ["UKRAINE-EO13662", "RUSSIA-EO14024"]
    # program notes stay in remarks and never become identifiers
    assert "Secondary sanctions risk" in sber.remarks
    assert all("sanctions" not in i.label.lower() for i in sber.identifiers)


def test_contact_and_crypto_identifiers(by_id: dict[str, Entity]) -> None:
    rossiya = by_id["16681"]
    kinds = {(i.kind, i.value) for i in rossiya.identifiers}
    assert {("swift_bic", "ROSYRU2P"), ("website", "www.abr.ru"), ("email", "bank@abr.ru")} <= kinds
    chatex = by_id["33854"]
    crypto = [i for i in chatex.identifiers if i.kind == "crypto_address"]
    assert crypto[0] == Identifier(
        "crypto_address",
        "3E7YbpXuhh3CWFks1jmvWoV8y5DvsfzE6n",
        None,
        "Digital Currency Address - XBT",
    )
    assert any(i.label == "Digital Currency Address - ETH" for i in crypto)


# --- change-detection fixture pair -------------------------------------------------------------


def test_change_fixture_pair() -> None:
    old = {
        e.official_id: e for e in ofac_sdn.parse(read_set(FIXTURES / "changes/2023-12-28")).entities
    }
    new = {
        e.official_id: e for e in ofac_sdn.parse(read_set(FIXTURES / "changes/2024-05-03")).entities
    }
    assert len(old) == len(new) == 49
    added = set(new) - set(old)
    removed = set(old) - set(new)
    modified = {k for k in set(old) & set(new) if old[k] != new[k]}
    assert len(added) == 15 and "48709" in added
    assert len(removed) == 15 and "7504" in removed
    assert modified == {
        "7489", "7513", "7522", "10392", "12191", "13109", "16713",
        "23475", "26785", "32431", "34769", "39693", "39839", "46498",
    }  # fmt: skip
    assert old["7489"].programs == ["ZIMBABWE"] and new["7489"].programs == ["GLOMAG"]
    assert (old["39693"].caption, new["39693"].caption) == ("YOUNG YONG", "SAINT LIGHT")
    assert (old["39693"].countries[0], new["39693"].countries[0]) == ("DJ", "GY")


# --- bad inputs --------------------------------------------------------------------------------


def with_file(name: str, data: bytes) -> dict[str, bytes]:
    files = read_set()
    files[name] = data
    return files


SDN = (FIXTURES / "sdn.csv").read_bytes()
TIFON_ROW = next(line for line in SDN.split(b"\r\n") if line.startswith(b"4249,"))
HTML = b"<!DOCTYPE html>\r\n<html><head><title>Maintenance</title></head><body>Down</body></html>"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param({}, "no recognised file; expected sdn.csv", id="no-files"),
        pytest.param({"sdn.csv": b""}, "sdn.csv is missing or empty", id="empty"),
        pytest.param(
            with_file("sdn.csv", b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA"\r\n' + SDN),
            "sdn.csv: expected 12 columns, found 4",
            id="schema-drift",
        ),
        pytest.param({"sdn.csv": HTML}, "sdn.csv: expected 12 columns, found 1", id="html-as-csv"),
        pytest.param(
            with_file("sdn.csv", SDN.replace(TIFON_ROW, TIFON_ROW.rsplit(b",", 1)[0])),
            "record 4249: sdn.csv: expected 12 columns, found 11",
            id="short-row",
        ),
        pytest.param(
            with_file("sdn.csv", SDN.replace(TIFON_ROW, TIFON_ROW.replace(b'"vessel"', b'"ship"'))),
            "record 4249: unknown SDN type 'ship'",
            id="unknown-type",
        ),
        pytest.param(
            with_file("sdn.csv", SDN.replace(TIFON_ROW, TIFON_ROW.replace(b'"TIFON"', b"-0- "))),
            "record 4249: sdn.csv line",
            id="no-name",
        ),
        pytest.param(
            with_file("sdn.csv", SDN.replace(TIFON_ROW, TIFON_ROW.replace(b"4249,", b"-0- ,"))),
            "missing ent_num",
            id="no-ent-num",
        ),
        pytest.param(
            with_file(
                "sdn.csv",
                SDN.replace(EOF_LINE, b'\r\n36,"AGAIN",-0- ,"CUBA"' + b",-0- " * 8 + EOF_LINE),
            ),
            "record 36: sdn.csv: duplicate ent_num",
            id="duplicate",
        ),
        pytest.param(
            with_file("sdn.csv", SDN.replace(b'"TIFON"', b'"TIF\xd3N"')),
            "sdn.csv: text is not valid utf-8",
            id="not-utf8",
        ),
        pytest.param(
            with_file("alt.csv", b'306,220,"xyz","NATIONAL BANK OF CUBA",-0- \r\n'),
            "record 306: alt.csv: unknown alt_type 'xyz'",
            id="alt-type",
        ),
        pytest.param(
            with_file("add.csv", b"306,199,-0- \r\n"),
            "add.csv: expected 6 columns, found 3",
            id="add-drift",
        ),
        pytest.param({"sdn.xml": HTML}, "sdn.xml", id="html-as-xml"),
        pytest.param(
            {"sdn.xml": b"<html><body>Service unavailable</body></html>"},
            "sdn.xml is an HTML page",
            id="html-page-xml",
        ),
        pytest.param(
            {"sdn.xml": b'<?xml version="1.0"?><sdnList><publshInformation/></sdnList>'},
            "sdn.xml holds no sdnEntry",
            id="empty-xml",
        ),
    ],
)
def test_bad_inputs_raise(files: dict[str, bytes], message: str) -> None:
    with pytest.raises(ParseError) as caught:
        ofac_sdn.parse(files)
    assert caught.value.source == "ofac_sdn"
    assert str(caught.value).startswith("ofac_sdn: ")
    assert message in str(caught.value)


def test_side_rows_for_unknown_ent_num_are_skipped_and_counted() -> None:
    files = read_set()
    files["add.csv"] = files["add.csv"].replace(
        EOF_LINE, b'\r\n999999,1,"Nowhere 1","Atlantis",-0- ,-0- ' + EOF_LINE
    )
    files["alt.csv"] = files["alt.csv"].replace(
        EOF_LINE, b'\r\n999998,2,"aka","GHOST",-0- ' + EOF_LINE
    )
    result = ofac_sdn.parse(files)
    assert len(result.entities) == 40
    assert [s.record_id for s in result.skipped] == ["12300", "999999", "999998"]
    assert "add.csv" in result.skipped[1].reason
    assert "alt.csv" in result.skipped[2].reason


def test_main_file_alone_is_enough() -> None:
    result = ofac_sdn.parse({"sdn.csv": SDN})
    assert len(result.entities) == 40
    assert result.skipped == []
    assert all(not e.addresses for e in result.entities)


def test_xml_is_preferred_and_unknown_xml_type_names_the_record() -> None:
    xml = (
        b'<?xml version="1.0" standalone="yes"?>\n'
        b'<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">'
        b"<publshInformation><Publish_Date>12/28/2023</Publish_Date></publshInformation>"
        b"<sdnEntry><uid>4249</uid><lastName>TIFON</lastName><sdnType>Vessel</sdnType>"
        b"<programList><program>CUBA</program></programList>"
        b"<idList><id><uid>1</uid><idType>Vessel Registration Identification</idType>"
        b"<idNumber>IMO 7206512</idNumber></id></idList>"
        b"<vesselInfo><callSign>CL2059</callSign><vesselFlag>Cuba</vesselFlag></vesselInfo>"
        b"</sdnEntry></sdnList>"
    )
    result = ofac_sdn.parse({"sdn.xml": xml, "sdn.csv": b"ignored"})
    assert str(result.published_on) == "2023-12-28"
    [tifon] = result.entities
    assert tifon.schema == "Vessel"
    assert tifon.countries == ["CU"]
    assert {(i.kind, i.value) for i in tifon.identifiers} == {
        ("imo", "7206512"),
        ("call_sign", "CL2059"),
    }
    with pytest.raises(ParseError, match=r"ofac_sdn: record 4249: unknown SDN type 'Boat'"):
        ofac_sdn.parse({"sdn.xml": xml.replace(b">Vessel<", b">Boat<")})


def test_spec() -> None:
    spec = ofac_sdn.SPEC
    assert spec.source_id == "ofac_sdn"
    assert [f.name for f in spec.live_files] == [
        "sdn.csv",
        "add.csv",
        "alt.csv",
        "sdn_comments.csv",
    ]
    assert [f.required for f in spec.live_files] == [True, True, True, False]
    assert spec.live_files[0].url == "https://www.treasury.gov/ofac/downloads/sdn.csv"
    assert (spec.min_entities, spec.max_entities) == (10_000, 30_000)
    assert "public domain" in spec.licence


# --- the full bundled publication --------------------------------------------------------------


@pytest.mark.slow
def test_full_bundled_sdn() -> None:
    files = bundled_files("ofac_sdn")
    started = time.perf_counter()
    result = ofac_sdn.parse(files)
    elapsed = time.perf_counter() - started
    assert len(result.entities) == 13_821
    assert Counter(e.schema for e in result.entities) == {
        "Person": 6_646,
        "Organization": 6_033,
        "Vessel": 764,
        "Aircraft": 378,
    }
    ids = [e.official_id for e in result.entities]
    assert len(set(ids)) == len(ids)
    for entity in result.entities:
        assert [n.kind for n in entity.names].count("primary") == 1, entity.official_id
        assert all(n.name for n in entity.names), entity.official_id
    # the 3 stale sdn_comments.csv rows
    assert sorted(s.record_id for s in result.skipped) == ["12300", "15599", "15600"]
    kinds = Counter(n.kind for e in result.entities for n in e.names)
    assert kinds["alias"] == 16_524  # 16,507 aka + 17 nka rows of alt.csv
    assert kinds["weak_alias"] > 3_000
    vessels_with_imo = [
        e
        for e in result.entities
        if e.schema == "Vessel" and any(i.kind == "imo" for i in e.identifiers)
    ]
    assert len(vessels_with_imo) > 700
    assert elapsed < 8, f"parse took {elapsed:.1f} s"
