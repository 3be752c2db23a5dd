"""The OFSI ConList parser, on real cuts of the 2025 XLSX (as CSV and XLSX) and the 2018 CSV."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from assets.common.model import Entity, Identifier, ListedName, ParsedList, ParseError
from assets.sources.bundled import bundled_files
from assets.sources.uk_ofsi import SPEC, parse, split_items, uk_country

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uk_ofsi"
CSV = (FIXTURES / "conlist.csv").read_bytes()
XLSX = (FIXTURES / "conlist.xlsx").read_bytes()
LEGACY = (FIXTURES / "sanctionsconlist.csv").read_bytes()


def _csv(raw: bytes = CSV) -> ParsedList:
    return parse({"conlist.csv": raw})


def _replace(old: str, new: str, raw: bytes = CSV) -> bytes:
    text = raw.decode()
    assert old in text, old
    return text.replace(old, new, 1).encode()


def _edit_line(number: int, edit: Callable[[str], str]) -> bytes:
    """The CSV fixture with its line `number` (1-based) passed through `edit`."""
    lines = CSV.decode().split("\n")
    lines[number - 1] = edit(lines[number - 1])
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def by_id() -> dict[str, Entity]:
    return {e.official_id: e for e in _csv().entities}


@pytest.fixture(scope="module")
def legacy() -> dict[str, Entity]:
    return {e.official_id: e for e in parse({"sanctionsconlist.csv": LEGACY}).entities}


def test_spec() -> None:
    assert SPEC.source_id == "uk_ofsi"
    assert [(f.name, f.kind) for f in SPEC.live_files] == [("conlist.csv", "csv")]
    assert SPEC.live_files[0].url == (
        "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv"
    )
    assert (SPEC.min_entities, SPEC.max_entities) == (2_000, 10_000)
    assert "28 Jan 2026" in SPEC.retired_note and "uk_fcdo" in SPEC.retired_note


@pytest.mark.parametrize("files", [{"conlist.csv": CSV}, {"conlist.xlsx": XLSX}], ids=str)
def test_fixture_publication(files: dict[str, bytes]) -> None:
    parsed = parse(files)
    assert parsed.source == "uk_ofsi"
    assert parsed.published_on == dt.date(2025, 4, 10)
    assert Counter(e.schema for e in parsed.entities) == {
        "Person": 12,
        "Organization": 6,
        "Vessel": 2,
    }
    assert parsed.skipped == []
    assert len({e.official_id for e in parsed.entities}) == 20


def test_csv_and_xlsx_agree() -> None:
    assert parse({"conlist.xlsx": XLSX}) == _csv()


def test_individual_field_by_field(by_id: dict[str, Entity]) -> None:
    e = by_id["7059"]
    assert e.schema == "Person"
    assert e.names == [
        ListedName("Said BAHAJI", "primary"),
        ListedName("Mohamed ABBATTAY", "weak_alias"),
        ListedName("Abderrahmane AL MAGHRIBI", "weak_alias"),
        ListedName("Zouheir AL MAGHRIBI", "alias"),
        ListedName("سعيد باهاجى", "alias", script="Arabic"),
    ]
    assert e.caption == "Said BAHAJI"
    assert e.programs == ["ISIL (Da'esh) and Al-Qaida"]
    assert e.countries == ["DE", "MA"]  # "(1) Germany. (2) Morocco"
    assert e.birth_dates == ["1975-07-15"]
    assert e.birth_places == ["Haselünne, Lower Saxony, Germany"]
    assert e.identifiers == [
        Identifier("passport", "28642163", "DE", "Passport"),  # "(1) German provisional. ..."
        Identifier("passport", "954242", "MA", "Passport"),  # "(2) Moroccan. Issued on ..."
        Identifier("national_id", "1336597587", "DE", "National ID"),
        Identifier("un_reference", "QDi.080", label="UN Ref"),
        Identifier("other", "AQD0300", label="UK Sanctions List Ref"),
    ]
    assert e.addresses == ["Bunatwiete 23, Hamburg, 21073, Germany"]
    assert e.remarks.startswith("(UK Sanctions List Ref):AQD0300. (UN Ref):QDi.080. Deputy head")
    assert e.listed_on == dt.date(2002, 10, 1)
    assert e.gender is None


@pytest.mark.parametrize(
    ("group_id", "field", "expected"),
    [
        ("11639", "birth_dates", ["1976", "1974-02-05"]),
        ("11639", "identifiers", [
            Identifier("passport", "B/001897", "LY", "Passport"),
            Identifier("un_reference", "LYi.014", label="UN Ref"),
            Identifier("other", "LIB0059", label="UK Sanctions List Ref"),
        ]),
        ("13129", "names", [
            ListedName("IBRAHIM SULEIMAN HAMAD AL-HABLAIN", "primary"),
            ListedName("ABU JABAL", "weak_alias"),
            ListedName("ABU-JABAL", "weak_alias"),
            ListedName("Barahim Suliman H. AL HBLIAN", "alias"),
        ]),
        ("13129", "countries", ["SA"]),
        ("7219", "positions", [
            "Maulavi", "Mullah", "Consul General, Taliban Consulate General, Karachi, Pakistan",
        ]),
        ("7219", "identifiers", [
            Identifier("passport", "D 000952", None, "Passport"),  # the number column, kept as is
            Identifier("un_reference", "TAi.137", label="UN Ref"),
            Identifier("other", "AFG0105", label="UK Sanctions List Ref"),
        ]),
        ("10752", "addresses", ["Südliche Ringstrasse 133, Langen, 63225, Germany"]),
        ("12507", "birth_places", ["al-Bukamal, Syria", "Dier Ezzor, Syria"]),
        ("12507", "gender", "Male"),
        ("12791", "gender", "Female"),
        ("13682", "birth_dates", ["1964-03"]),  # "03/1964"
        ("13682", "positions", [
            "Major General", "Former Commander of the Myanmar Army’s Western Command",
        ]),
        ("13070", "birth_places", ["Dzerzhynsk (Donetsk Oblast), Ukraine"]),
        ("13070", "countries", ["RU", "UA"]),
        ("14760", "names", [
            ListedName("Evgeny Igorevich SHUVALOV", "primary"),
            ListedName("ШУВАЛОВ Евгений Игоревич", "alias", script="Cyrillic"),
            ListedName("Yevgeny Igorovich Zhenya SHUVALOV", "alias"),  # Primary name variation
        ]),
        ("16603", "names", [
            ListedName("Mohammad Hossein DADRAS", "primary"),
            ListedName("محمدحسین دادرس", "alias", script="Arabic"),
            ListedName("Mohammad-Hossein DADRAS", "alias"),
        ]),
        ("16460", "names", [
            ListedName("WUHAN XIAORUIZHI SCIENCE AND TECHNOLOGY COMPANY LIMITED", "primary"),
            ListedName("武汉晓睿智科技有限责任公司", "alias", script="Han"),
        ]),
        ("12431", "addresses", [
            "PO Box 21120, Baramkeh, Damascus, Syria",
            "PO Box 5966, Abou Bakr Al Seddeq St., Damascus, Syria",
            "PO Box 2849, Al Moutanabi Street, Damascus, Syria",
        ]),
        ("12431", "identifiers", [
            Identifier("other", "SYR0306", label="UK Sanctions List Ref"),
            *(Identifier("phone", f"+9631{n}", label="Phone number")
              for n in ("12121816", "12121834", "12212743", "12214650", "15110117")),
        ]),
        ("13189", "names", [
            ListedName("ADF (ALLIED DEMOCRATIC FORCES)", "primary"),
            ListedName("ADF/NALU", "former"),
            ListedName("ALLIED DEMOCRATIC FORCES", "alias"),
            ListedName("FORCES DEMOCRATIQUES ALLIEES-ARMEE NATIONALE DE LIBERATION DE L'OUGANDA",
                       "former"),
            # the "Name Non-Latin Script" cell holds accented Latin text
            ListedName("Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda",
                       "alias"),
            ListedName("NALU", "former"),
        ]),
        ("13189", "countries", ["CD"]),  # "Congo (Democratic Republic)"
        ("8283", "names", [
            ListedName("LOGARCHEO S.A.", "primary"), ListedName("LOGARCHEO AG", "former"),
        ]),
        ("13704", "identifiers", [
            Identifier("other", "RUS0204", label="UK Sanctions List Ref"),
            Identifier("website", "http://kerch-most.ru/tag/sgm-most"),
            Identifier("email", "kerch-most@yandex.ru"),
            Identifier("registration", "1157746088170. Tax ID 7730018980", label="Business Reg No"),
        ]),
        ("13656", "identifiers", [
            Identifier("other", "DPR0105", label="UK Sanctions List Ref"),
            Identifier("imo", "8660313", label="IMO number"),
        ]),
    ],
)  # fmt: skip
def test_fields(by_id: dict[str, Entity], group_id: str, field: str, expected: object) -> None:
    assert getattr(by_id[group_id], field) == expected


def test_ship(by_id: dict[str, Entity]) -> None:
    e = by_id["13651"]
    assert e.schema == "Vessel"
    assert e.caption == "SAM JONG 2"
    assert [n.kind for n in e.names] == ["primary"] + ["alias"] * 8
    assert e.countries == ["KP"]  # (Flag of ship):North Korea
    # the owner's "UN Ref KPe.064" inside the text is not the ship's reference
    assert e.identifiers == [
        Identifier("other", "DPR0100", label="UK Sanctions List Ref"),
        Identifier("imo", "7408873", label="IMO number"),
    ]
    assert e.listed_on == dt.date(2018, 4, 3)


def test_group_without_primary_name_gets_its_first_name_as_primary(
    by_id: dict[str, Entity],
) -> None:
    e = by_id["16601"]  # only "Primary name variation" rows
    assert [(n.name, n.kind) for n in e.names] == [
        ("33RD SCIENTIFIC RESEARCH AND TESTING INSTITUTE", "primary"),
        ("33RD TSNIII", "alias"),
        (
            "FEDERAL STATE BUDGETARY ESTABLISHMENT 27 SCIENTIFIC CENTRE OF THE MINISTRY OF "
            "DEFENCE OF THE RUSSIAN FEDERATION",
            "alias",
        ),
    ]
    assert Identifier("email", "33cnii-zakupki@mil.ru") in e.identifiers


# --- the 2018 layout ---------------------------------------------------------------------------


def test_legacy_publication() -> None:
    parsed = parse({"sanctionsconlist.csv": LEGACY})
    assert parsed.published_on == dt.date(2018, 4, 13)
    assert Counter(e.schema for e in parsed.entities) == {"Person": 40, "Organization": 8}
    assert parsed.skipped == []
    assert all(e.names[0].kind == "primary" for e in parsed.entities)


def test_legacy_non_ascii_text(legacy: dict[str, Entity]) -> None:
    e = legacy["13458"]
    assert "in particular in the ‘PK5’ (3rd district) neighbourhood." in e.remarks
    assert e.identifiers == [
        Identifier("passport", "D00000897", None, "Passport"),
        Identifier("un_reference", "CFi.012", label="UN Ref"),  # "listing  - UN Ref CFi.012."
    ]
    assert e.birth_dates == ["1967"]  # "00/00/1967"
    assert e.caption == "Hissene ABDOULAYE"  # "Prime Alias"


def test_legacy_individual(legacy: dict[str, Entity]) -> None:
    e = legacy["13349"]
    # the cut holds only two AKA rows of this group: their one name is promoted to primary
    assert e.names == [ListedName("Sheikh Farooq AL-QAHTANI", "primary")]
    assert e.countries == [
        "SA",
        "QA",
        "AF",
    ]  # "1) Saudi Arabia 2) Qatar"; "Afghanistan (since 2009)"
    assert e.birth_dates == ["1980", "1981"]
    # "Passport No: 592667 (Qatari passport issued on 3 May 2007)."
    assert e.identifiers == [
        Identifier("passport", "592667", "QA", "Passport"),
        Identifier("un_reference", "QDe.004", label="UN Ref"),
    ]


def test_legacy_layout_under_the_2022_name_is_told_apart_by_its_header() -> None:
    assert parse({"conlist.csv": LEGACY}) == parse({"sanctionsconlist.csv": LEGACY})


def test_cp1252_bytes_in_a_2022_csv_fall_back_to_windows_1252() -> None:
    lines = CSV.decode().splitlines(keepends=True)
    rows = [line for line in lines[2:] if line.rstrip().endswith(",10752")]
    raw = "".join(lines[:2] + rows).encode("cp1252")  # "Südliche": 0xFC, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    (e,) = _csv(raw).entities
    assert e.addresses == ["Südliche Ringstrasse 133, Langen, 63225, Germany"]
    assert "Deported from Germany to Türkiye" in e.remarks


# --- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("(1) Germany. (2) Morocco", ["Germany", "Morocco"]),
        ("1) Saudi Arabia 2) Qatar", ["Saudi Arabia", "Qatar"]),
        ("a) French, b) Tunisian", ["French", "Tunisian"]),
        ("(1-3) Libya (4) Morocco", ["Libya", "Morocco"]),
        ("(1) to (6) Algeria (7) Morocco", ["Algeria", "Morocco"]),
        ("(1) 20645897 (2) -", ["20645897"]),
        ("00375(17)7762032", ["00375(17)7762032"]),
        ("Congo (Democratic Republic)", ["Congo (Democratic Republic)"]),
        (None, []),
    ],
)
def test_split_items(text: str | None, items: list[str]) -> None:
    assert split_items(text) == items


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Afghan", "AF"),
        ("Iraq (previous address)", "IQ"),
        ("Kuwaiti citizenship", "KW"),
        ("Ukrainian SSR (now Ukraine)", "UA"),
        ("Former USSR Currently Belarus", "BY"),
        ("Latakia Province, Syria", "SY"),
        ("Democratic People’s Republic of Korea", "KP"),
        ("DRC", "CD"),
        ("USSR", None),
        ("Moscow", None),
    ],
)
def test_uk_country(text: str, code: str | None) -> None:
    assert uk_country(text) == code


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["Group ID", "Name 6", "Group Type", "Alias Type"])
def test_renamed_column_is_schema_drift(column: str) -> None:
    raw = _edit_line(2, lambda header: header.replace(column, f"{column} (renamed)"))
    with pytest.raises(ParseError, match=f"uk_ofsi: header lacks column '{column}'"):
        _csv(raw)


def test_renamed_column_in_xlsx_is_schema_drift() -> None:
    book = openpyxl.load_workbook(io.BytesIO(XLSX))
    book["Data"].cell(row=2, column=36).value = "Group Id"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ParseError, match="header lacks column 'Group ID'"):
        parse({"conlist.xlsx": out.getvalue()})


def test_unknown_group_type_names_the_group() -> None:
    raw = _replace(",Ship,AKA,", ",Aircraft,AKA,")
    with pytest.raises(ParseError, match=r"uk_ofsi: record 13651: unknown Group Type 'Aircraft'"):
        _csv(raw)


def test_unknown_alias_type_names_the_group() -> None:
    raw = _replace(",Entity,FKA,", ",Entity,NKA,")  # ADF/NALU
    with pytest.raises(ParseError, match=r"record 13189: unknown Alias Type 'NKA'"):
        _csv(raw)


def test_unknown_alias_quality() -> None:
    raw = _replace(",AKA,Low quality,", ",AKA,Medium quality,")
    with pytest.raises(ParseError, match=r"unknown Alias Quality 'Medium quality'"):
        _csv(raw)


def test_group_type_changing_within_a_group() -> None:
    raw = _replace(",Ship,AKA,", ",Entity,AKA,")  # the first row of ship 13651 only
    with pytest.raises(ParseError, match="record 13651: rows disagree on Group Type"):
        _csv(raw)


def test_row_with_too_many_fields_is_skipped_and_counted() -> None:
    raw = _edit_line(13, lambda line: line + ",extra")  # the AKTIVA row of ship 13651
    assert b"AKTIVA" in raw.split(b"\n")[12]
    parsed = _csv(raw)
    assert len(parsed.skipped) == 1
    assert parsed.skipped[0].record_id == "line 13"
    assert parsed.skipped[0].reason == "37 fields, the header has 36"
    ship = next(e for e in parsed.entities if e.official_id == "13651")
    assert "AKTIVA" not in [n.name for n in ship.names]
    assert len(parsed.entities) == 20


def test_row_without_group_id_is_skipped_and_counted() -> None:
    raw = _edit_line(13, lambda line: line.removesuffix("13651"))
    parsed = _csv(raw)
    assert [s.record_id for s in parsed.skipped] == ["line 13"]
    assert parsed.skipped[0].reason == "row has no Group ID"


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"conlist.csv": b""}, "file is empty"),
        ({"conlist.csv": b"\n\n"}, "file is empty"),
        ({"conlist.csv": b"<!DOCTYPE html><html><body>Maintenance</body></html>"}, "HTML"),
        ({"conlist.csv": b"\x81\x8d\x90 not text"}, "not valid utf-8-sig or cp1252"),
        ({"conlist.csv": b"Name 6,Group ID\nX,1\n"}, "line 1 is not 'Last Updated,<date>'"),
        ({"conlist.csv": b"Last Updated,10/04/2025\n"}, "header lacks column 'Group ID'"),
        ({"conlist.csv": b'Last Updated,1\n"' + b"x" * 200_000 + b'"\n'}, "not valid CSV"),
        ({"conlist.xlsx": b""}, "not a readable XLSX workbook"),
        ({"conlist.xlsx": b"PK\x03\x04 truncated"}, "not a readable XLSX workbook"),
        ({"conlist.xlsx": CSV}, "not a readable XLSX workbook"),
        ({"other.csv": CSV}, "no conlist.xlsx, conlist.csv or sanctionsconlist.csv"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_bad_files(files: dict[str, bytes], problem: str) -> None:
    with pytest.raises(ParseError, match="uk_ofsi: ") as caught:
        parse(files)
    assert problem in str(caught.value)


# --- the complete bundled publication ------------------------------------------------------------


@pytest.mark.slow
def test_full_bundled_xlsx() -> None:
    start = time.perf_counter()
    parsed = parse(bundled_files("uk_ofsi"))
    elapsed = time.perf_counter() - start
    assert parsed.published_on == dt.date(2025, 4, 10)
    assert len(parsed.entities) == 4_686
    assert Counter(e.schema for e in parsed.entities) == {
        "Person": 3_662,
        "Organization": 1_009,
        "Vessel": 15,
    }
    assert len({e.official_id for e in parsed.entities}) == 4_686
    assert all(e.names and e.names[0].kind == "primary" for e in parsed.entities)
    assert parsed.skipped == []
    assert SPEC.min_entities <= len(parsed.entities) <= SPEC.max_entities
    kinds = Counter(i.kind for e in parsed.entities for i in e.identifiers)
    assert kinds["imo"] == 15
    assert kinds["un_reference"] == 866
    assert kinds["other"] == 4_685  # every designation but one has its UK Sanctions List Ref
    assert elapsed < 30, f"{elapsed:.1f}s"  # about 5-7 s on the development machine
