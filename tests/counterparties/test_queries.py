"""Query styles a screening desk meets (#19): the readings of `assets.counterparties.queries`,
and records written so screened against the real UN and UK lists."""

from __future__ import annotations

import duckdb
import pytest

from assets.counterparties.queries import (
    digits_read_as_letters,
    han_name_in_pinyin,
    query_readings,
    words_run_together,
)
from assets.counterparties.records import CounterpartyRecord
from assets.counterparties.screening import CounterpartyScreener
from tests.counterparties.test_screen_file import MODELS, warehouse  # noqa: F401 - a fixture

# List words as `linkage.token_frequencies` holds them (canonical spellings).
KNOWN = frozenset(
    {"viktor", "vekselberg", "gennadiy", "timchenko", "rostekh", "mahan", "air", "sberbank",
     "ayman", "zawahiri", "international", "trading", "mohammed"}
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
