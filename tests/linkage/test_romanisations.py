"""A Russian name as other languages romanise it shares a sound key with the English spelling
the lists use; unrelated names, one-word names and Chinese names do not."""

from __future__ import annotations

import pytest

from assets.linkage.names import romanised
from assets.linkage.romanisations import FULL_KEY


def shares_a_key(one: str, other: str) -> bool:
    return bool(set(romanised(one)) & set(romanised(other)))


@pytest.mark.parametrize(
    ("written", "listed"),
    [
        ("Evgueni Prigojine", "Evgeny PRIGOZHIN"),  # French
        ("Vladimir Poutine", "Vladimir Vladimirovich PUTIN"),
        ("Guennadi Timtchenko", "Gennady Nikolayevich TIMCHENKO"),
        ("Igor Setchine", "Igor Ivanovich SECHIN"),
        ("Jewgeni Prigoschin", "Yevgeniy Viktorovich PRIGOZHIN"),  # German
        ("Wladimir Putin", "Vladimir Vladimirovich PUTIN"),
        ("Michail Chodorkowski", "Mikhail Borisovich KHODORKOVSKY"),
        ("Viktor Wekselberg", "Viktor Feliksovich VEKSELBERG"),
        ("Sergej Šojgu", "Sergei Kuzhugetovich SHOIGU"),  # Czech
        ("Arkadij Rotenberg", "Arkady Romanovich ROTENBERG"),
        ("Dmitrijs Medvedevs", "Dmitry Anatolyevich MEDVEDEV"),  # Latvian
        ("Siergiej Ławrow", "Sergey Viktorovich LAVROV"),  # Polish
        ("Surab Makijew", "Zurab Gayozovich MAKIEV"),  # German: "-ijew" is "-iyev", or "-iev"
        ("Andrei Grigoriyev", "Andrey Vladimirovich GRIGORIEV"),
        ("Władimir Nieczajew", "Vladimir Dmitrievich NECHAEV"),  # Polish "-ajew": "-ayev"
        ("Witali Kuschnarjow", "Vitaly Vasilievich KUSHNAREV"),  # German "-jow": "-yov", ё
        ("Nikolai Arefew", "Nikolay Vasilyevich AREFYEV"),  # English "-yev" and "-ev"
        ("Евгений Пригожин", "Yevgeniy PRIGOZHIN"),  # Cyrillic
    ],
)
def test_another_romanisation_shares_a_key(written: str, listed: str) -> None:
    assert shares_a_key(written, listed)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Vladimir Putin", "Vladimir Potanin"),
        ("Sergei Lavrov", "Sergei Lebedev"),
        ("Alexander Uvanov", "Alexander Alexandrovich IVANOV"),  # a typo is not a romanisation
        ("Hassan Tabaja", "Hossein TAEB"),  # a "j" read as "y" keeps its sound between vowels
    ],
)
def test_other_names_do_not(one: str, other: str) -> None:
    assert not shares_a_key(one, other)


@pytest.mark.parametrize("name", ["Putin", "Poutine", "Xi Jinping", "Chunpeng SU", "Kim Jong Un"])
def test_one_word_and_chinese_or_korean_names_have_no_key(name: str) -> None:
    # Without vowels one word, or a name of romanised syllables, sounds like too many others:
    # "Xi Jinping" and "Su Chunpeng" would share a key.
    assert romanised(name) == ()


def test_a_name_with_a_patronymic_has_a_key_without_it_and_a_full_key() -> None:
    # The model compares the keys without patronymics only when one name has none
    # (`SAME_NAME_IN_ANOTHER_ROMANISATION`): two patronymics are two fathers.
    with_patronymic = romanised("Yevgeniy Viktorovich PRIGOZHIN")
    without = romanised("Yevgeniy PRIGOZHIN")
    assert set(without) < set(with_patronymic)
    full = [key for key in with_patronymic if key.startswith(FULL_KEY)]
    assert full and all(key not in without for key in full)
    french = romanised("Ievgueni Viktorovitch Prigojine")
    assert set(full) & set(french)
    other_father = romanised("Ievgueni Ivanovitch Prigojine")
    assert not set(full) & set(other_father)
