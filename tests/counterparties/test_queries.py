"""Query styles a screening desk meets (#19): the readings of `assets.counterparties.queries`,
and records written so screened against the real UN and UK lists."""

from __future__ import annotations

import duckdb
import pytest

from assets.counterparties.queries import (
    HANJA_READINGS,
    MAX_HANJA_READINGS,
    digits_read_as_letters,
    han_name_in_pinyin,
    hanja_name_in_hangul,
    legal_form_moved_to_end,
    query_readings,
    words_run_together,
)
from assets.counterparties.records import CounterpartyRecord
from assets.counterparties.screening import CounterpartyScreener
from tests.counterparties.test_screen_file import MODELS, warehouse  # noqa: F401 - a fixture

# List words as `linkage.token_frequencies` holds them (canonical spellings).
KNOWN = frozenset(
    {"viktor", "vekselberg", "gennadiy", "timchenko", "rostekh", "mahan", "air", "sberbank",
     "ayman", "zawahiri", "international", "trading", "mohammed", "vu", "dikson"}
)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("Rams4n Kadyr0v", "Ramsan Kadyrov"),
        ("Ayman al-Zaw4hiri", "Ayman al-Zawahiri"),
        # A number stays a number: a word that opens with a digit, or a digit after one letter.
        ("99TH LIGHT INFANTRY DIVISION", None),
        ("3G LOJISTIK", None),
        ("A1 TRADING", None),
        ("Ayman al-Zawahiri", None),
    ],
)
def test_digits_read_as_letters(name: str, reading: str | None) -> None:
    assert digits_read_as_letters(name) == reading


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("GennadyTimchenko", "Gennady Timchenko"),
        ("viktorvekselberg", "viktor vekselberg"),
        ("VIKTORVEKSELBERG", "VIKTOR VEKSELBERG"),
        ("MAHANAIR", "MAHAN AIR"),
        ("OOOROSTEKH", "OOO ROSTEKH"),
        ("OOOROSTEKH TRADING", "OOO ROSTEKH TRADING"),
        # Words after it say it is a name: a short first word may follow the form.
        ("LLCVU DIKSON", "LLC VU DIKSON"),
        # A list word as it is stays whole; so do short words and words the lists do not spell.
        ("Sberbank", None),
        ("Mohammed", None),
        ("Rostekh", None),
        ("qwertyuiopasdf", None),
        ("Mahan Air", None),
    ],
)
def test_words_run_together(name: str, reading: str | None) -> None:
    assert words_run_together(name, KNOWN) == reading


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("李方伟", "Li Fangwei"),  # family name first, the given name run together
        ("習近平", "Xi Jinping"),
        (" 张世龙 ", "Zhang Shilong"),
        # A company, a Korean name in Hangul (the name analysis reads it the lists' way), a
        # Latin name, one character: no reading.
        ("道通机器人有限公司", None),
        ("김여정", None),
        ("Li Fangwei", None),
        ("李", None),
    ],
)
def test_a_chinese_name_in_han_characters_is_read_in_pinyin(name: str, reading: str | None) -> None:
    assert han_name_in_pinyin(name) == reading
    readings = query_readings(name, KNOWN)
    assert readings[:1] == ([reading] if reading else [])
    assert readings[1:] == (hanja_name_in_hangul(name) if reading else [])


@pytest.mark.parametrize(
    ("name", "readings"),
    [
        # 金 is 금 in words and 김 as the family name: both readings, in the table's order.
        ("金與正", ["금여정", "김여정"]),
        ("金正恩", ["금정은", "김정은"]),
        # 李 is 리 in the North and 이 in the South; 龍 is 룡 and 용.
        ("李炳哲", ["리병철", "이병철"]),
        ("崔龍海", ["최룡해", "최용해"]),
        # One character, a company's name of more than four, Hangul, Latin: none.
        ("金", []),
        ("道通机器人有限公司", []),
        ("김여정", []),
        ("Kim Yo Jong", []),
    ],
)
def test_a_korean_name_in_hanja_is_read_in_hangul(name: str, readings: list[str]) -> None:
    assert hanja_name_in_hangul(name) == readings


def test_the_hanja_table_holds_han_characters_and_hangul_syllables() -> None:
    """Each line of the bundled table is one Han character and one to four Hangul syllables."""
    lines = [
        line
        for line in HANJA_READINGS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(lines) > 20_000
    for line in lines:
        char, readings = line[0], line[1:]
        assert "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff", line
        assert 1 <= len(readings) <= 4 and all("가" <= r <= "힣" for r in readings), line


def test_a_name_of_many_readings_keeps_the_first_few() -> None:
    # Four characters of two readings or more each: sixteen combinations, eight kept.
    assert len(hanja_name_in_hangul("金李龍柳")) == MAX_HANJA_READINGS


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("S.A. GRUPO FALCON", "GRUPO FALCON S.A."),
        ("OY ACEX", "ACEX OY"),
        ("S.R.O. UMATEX GROUP EUROPE", "UMATEX GROUP EUROPE S.R.O."),
        ("PTY LTD ACME TRADING", "ACME TRADING PTY LTD"),
        # Forms the name analysis reads in front of a name need no reading.
        ("OOO ROSTEKH", None),
        ("LTD HIGHTRAIL", None),
        # A form at the end already; a form alone; English words that open names as words.
        ("S.A. ACME LLC", None),
        ("S.A.", None),
        ("AS IS", None),
        ("CO OPERATIVE BANK", None),
        ("LIMITED EDITIONS", None),
        ("Jose Flores", None),
    ],
)
def test_a_legal_form_in_front_is_read_at_the_end(name: str, reading: str | None) -> None:
    assert legal_form_moved_to_end(name) == reading
    assert query_readings(name, KNOWN) == ([reading] if reading else [])


def test_most_names_have_no_other_reading() -> None:
    assert query_readings("Viktor Vekselberg", KNOWN) == []
    # Digits read first, then the words set apart in the name so read.
    assert query_readings("Aym4nZawahiri", KNOWN) == ["AymanZawahiri", "Ayman Zawahiri"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["AymanZawahiri", "aymanzawahiri", "Aym4n al-Z4wahiri", "AYMANALZAWAHIRI"],
)
def test_a_query_style_finds_the_listed_person(
    warehouse: str,  # noqa: F811 - the fixture
    name: str,
) -> None:
    """Ayman al-Zawahiri (UN QDi.006) typed as a screening desk meets him: found in the match
    band, the explanation saying how the name was read."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        screener = CounterpartyScreener.from_warehouse(con, MODELS)
    record = CounterpartyRecord(row=1, record_id="1", name=name, kind="person")
    found = {h["entity_id"]: h for h in screener.screen([record])}
    hit = found["un_sc:QDi.006"]
    assert hit["band"] == "match", hit
    assert hit["query"] == name
    assert str(hit["explanation"]).startswith("query read as '")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "country", "entity", "read"),
    [
        # The UK lists Shilong ZHANG in pinyin only; a Chinese register writes 张世龙.
        ("张世龙", "CN", "uk_ofsi:13904", True),
        # The UN lists RI JAE IL in North Korea's romanisation; a Korean register writes 리재일,
        # which the name analysis reads so.
        ("리재일", "KP", "un_sc:KPi.051", False),
        # The UN lists Ri Pyong Chol; a register that writes Korean names in Hanja writes 李炳哲,
        # read in Hangul as 리병철.
        ("李炳哲", "KP", "un_sc:KPi.076", True),
    ],
)
def test_a_name_in_a_native_script_finds_the_listed_person(
    warehouse: str,  # noqa: F811 - the fixture
    name: str,
    country: str,
    entity: str,
    read: bool,
) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        screener = CounterpartyScreener.from_warehouse(con, MODELS)
    record = CounterpartyRecord(row=1, record_id="1", name=name, kind="person", country=country)
    hit = {h["entity_id"]: h for h in screener.screen([record])}[entity]
    assert hit["band"] == "match", hit
    assert str(hit["explanation"]).startswith("query read as '") == read


@pytest.mark.slow
def test_a_legal_form_in_front_finds_the_listed_company(
    warehouse: str,  # noqa: F811 - the fixture
) -> None:
    """The UK lists CORAL ENERGY PTE LTD (group 16716); a register that writes the form first
    finds it in the match band, the explanation saying how the name was read."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        screener = CounterpartyScreener.from_warehouse(con, MODELS)
    record = CounterpartyRecord(row=1, record_id="1", name="PTE LTD CORAL ENERGY", kind="org")
    hit = {h["entity_id"]: h for h in screener.screen([record])}["uk_ofsi:16716"]
    assert hit["band"] == "match", hit
    assert str(hit["explanation"]).startswith("query read as 'CORAL ENERGY PTE LTD'")
