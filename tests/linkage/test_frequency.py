"""How common a name is: world name-word floors, the lists' word shares, patronymics, listed
namesakes; and the exact-name weight it gives a full name in the model."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from assets.linkage.frequency import (
    COMMON_NAME_SHARE,
    MIN_NAME,
    MIN_WORD,
    SYLLABLE_SHARE,
    NameFrequency,
    glued_syllables,
    short_word_share,
)
from assets.linkage.names import analyse
from assets.linkage.splink_run import NameFrequencyLookup, list_word_frequency, term_frequencies


def frequency(counts: dict[str, int], names: int = 100_000) -> NameFrequency:
    return NameFrequency(pa.table({"token": list(counts), "names": list(counts.values())}), names)


def test_a_word_is_as_common_as_its_most_common_reading() -> None:
    words = frequency({"mohammed": 2_000, "zawahiri": 3, "jong": 40})
    assert words.word("mohammed") == pytest.approx(0.02)  # the lists' share
    assert words.word("zawahiri") == pytest.approx(3e-5)
    assert words.word("smith") == COMMON_NAME_SHARE  # on no list, but a common family name
    assert words.word("jong") == SYLLABLE_SHARE  # one of a few hundred Korean syllables
    assert words.word("qwzxv") == MIN_WORD  # never seen anywhere


def test_common_names_are_common_and_unique_full_names_rare() -> None:
    words = frequency({"kim": 300, "un": 30, "chol": 150, "sechin": 2, "igor": 400})
    three_part = words.name(["kim", "jong", "un"])
    assert words.name(["li", "wei"]) >= COMMON_NAME_SHARE * SYLLABLE_SHARE
    assert words.name(["mohammed", "ali"]) >= COMMON_NAME_SHARE**2
    assert words.name(["john", "smith"]) >= COMMON_NAME_SHARE**2
    # Rarer than the cap: the cap (an exact name's weight stays overturnable).
    assert three_part == MIN_NAME < words.name(["kim", "chol"])
    assert words.name(["igor", "sechin"]) == MIN_NAME
    assert words.name(["igor", "petrov"]) > MIN_NAME


def test_a_patronymic_after_a_given_name_adds_no_rarity() -> None:
    words = frequency({"igor": 400, "sechin": 200, "ivanovich": 50, "roman": 300, "abramovich": 40})
    assert words.name(["igor", "ivanovich", "sechin"]) == words.name(["igor", "sechin"])
    assert words.name(["igor", "sechin"]) > MIN_NAME
    # A family name that looks like a patronymic stays (two-word names keep every word).
    assert words.name(["roman", "abramovich"]) == pytest.approx(
        words.word("roman") * words.word("abramovich")
    )


def test_a_one_word_name_is_as_common_as_the_names_that_are_exactly_it() -> None:
    # Every alias of a group carries its word; only the group is called by it alone.
    words = frequency({"hamas": 40, "mohammed": 2_000})
    assert words.name(["hamas"], listed_share=1e-5) == pytest.approx(1e-5)
    assert words.name(["mohammed"], listed_share=1e-5) == COMMON_NAME_SHARE


def records(names: list[tuple[str, str, str]], schemas: list[str] | None = None) -> pa.Table:
    """(entity_id, source, name) as the columns `term_frequencies` reads; people unless
    `schemas` says otherwise."""
    analysed = [analyse(name) for _, _, name in names]
    return pa.table(
        {
            "unique_id": [f"{e}#{i}" for i, (e, _, _) in enumerate(names)],
            "entity_id": [e for e, _, _ in names],
            "source": [s for _, s, _ in names],
            "schema": schemas or ["Person"] * len(names),
            "core": [a.core for a in analysed],
            "tokens": [a.sorted_core_key.split() for a in analysed],
        }
    )


def test_a_one_word_organisation_name_counts_only_other_organisations_so_called() -> None:
    table = records(
        [
            ("a:1", "a", "HIZBALLAH"),
            ("a:2", "a", "Hizbullah"),  # a person's alias: another comparison level
            ("a:3", "a", "OTKRITIE"),
            ("a:4", "a", "OTKRITIE LTD"),  # two organisations called so (the form is cut)
            ("a:5", "a", "VSK"),
            ("a:6", "a", "Some Other Name"),
        ],
        ["Organization", "Person", "Organization", "Organization", "Organization", "Person"],
    )
    found = term_frequencies(table)
    tf = dict(
        zip(found.column("core").to_pylist(), found.column("tf_core").to_pylist(), strict=True)
    )
    assert tf["hezbollah"] == MIN_NAME  # the entity itself is no namesake of itself
    assert tf["otkritie"] == pytest.approx(1 / table.num_rows)  # one other is
    assert tf["vsk"] == pytest.approx(26**-3)  # three letters: one of 17,576 strings


def test_a_short_word_is_as_common_as_strings_of_its_length() -> None:
    assert short_word_share("vsk") == pytest.approx(1 / 17_576)
    assert short_word_share("isis") == pytest.approx(1 / 456_976)
    assert short_word_share("hamas") == 0.0
    assert short_word_share("a1") == 0.0
    words = frequency({})
    assert words.word("vsk") == pytest.approx(1 / 17_576)
    assert words.word("jong") == SYLLABLE_SHARE  # the larger floor wins


def test_listed_namesakes_set_the_floor_and_other_lists_do_not_count() -> None:
    table = records(
        [
            ("a:1", "a", "Hamid Ravan Kashani"),
            ("a:2", "a", "Hamid Ravan Kashani"),  # two listed people of one name
            ("a:3", "a", "Tural Bekzat Omarov"),
            ("b:3", "b", "Tural Bekzat Omarov"),  # one person on two lists
            ("a:4", "a", "Other Person Here"),
        ]
    )
    found = term_frequencies(table)
    tf = dict(
        zip(found.column("core").to_pylist(), found.column("tf_core").to_pylist(), strict=True)
    )
    assert tf["hamid ravan kashani"] >= 1 / table.num_rows
    assert tf["tural bekzat omarov"] < 1 / table.num_rows
    assert math.isclose(
        tf["tural bekzat omarov"],
        NameFrequency(
            pa.table({"token": ["tural", "bekzat", "omarov"], "names": [2, 2, 2]}),
            table.num_rows,
        ).name(["tural", "bekzat", "omarov"]),
    )


@pytest.mark.parametrize(
    ("word", "count"),
    [("xinghua", 2), ("huawei", 2), ("jong", 1), ("taliban", 3), ("hezbollah", 0), ("", 0)],
)
def test_glued_syllables(word: str, count: int) -> None:
    assert glued_syllables(word) == count


def test_two_glued_syllables_are_as_common_as_two_syllables() -> None:
    # "Xinghua" names a city and thousands of Chinese companies: one word, two syllables.
    words = frequency({})
    assert words.word("xinghua") == pytest.approx(SYLLABLE_SHARE**2)
    assert words.name(["xinghua"]) == pytest.approx(SYLLABLE_SHARE**2)
    assert words.word("hezbollah") == MIN_WORD


def test_a_mention_name_no_list_has_gets_the_frequency_of_its_words() -> None:
    """A partial name ("Nicolas Maduro" of "Nicolas MADURO MOROS") is weighed by its own
    frequency, not the full list name's: the lookup gains the mention names no list has."""
    table = records(
        [
            ("a:1", "a", "Nicolas MADURO MOROS"),
            ("a:2", "a", "Nicolas Ernesto MADURO GUERRA"),
            ("a:3", "a", "Mohammed Ali HASSAN"),
            # other list names, so that the words above are as rare as on real lists
            *((f"b:{i}", "b", f"COMPANY NUMBER {i}") for i in range(10_000)),
        ]
    )
    listed = term_frequencies(table)
    mentions = pa.table(
        {"core": ["nicolas maduro", "mohammed ali", "nicolas maduro moros", None, "maduro"]}
    )
    words = list_word_frequency(table)
    lookup = NameFrequencyLookup(listed, table)
    found = lookup.with_mentions(mentions)
    tf = dict(
        zip(found.column("core").to_pylist(), found.column("tf_core").to_pylist(), strict=True)
    )
    assert found.num_rows == listed.num_rows + 3  # each new name once; listed names unchanged
    assert found.slice(0, listed.num_rows).equals(listed)
    assert tf["nicolas maduro"] == words.name(["nicolas", "maduro"])
    # Two of the world's most common given names are far more common than a rare family name.
    assert tf["mohammed ali"] == pytest.approx(COMMON_NAME_SHARE**2)
    assert tf["maduro"] == MIN_NAME  # a one-word name: as common as the names that are it
    assert tf["mohammed ali"] > 10 * tf["nicolas maduro"]
    assert lookup.with_mentions(mentions.slice(2, 2)).equals(listed)
