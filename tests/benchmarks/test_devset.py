"""The other-language slice of the counterparty development set spells names as each language
romanises Russian."""

from __future__ import annotations

import pytest

from benchmarks.devset import romanise_foreign


@pytest.mark.parametrize(
    ("cyrillic", "language", "expected"),
    [
        ("Владимир Путин", "French", "Vladimir Poutine"),
        ("Евгений Пригожин", "French", "Ievgueni Prigojine"),
        ("Владимир Путин", "German", "Wladimir Putin"),
        ("Евгений Пригожин", "German", "Jewgeni Prigoschin"),
        ("Сергей Шойгу", "Czech", "Sergej Šojgu"),
        ("Дмитрий Медведев", "Latvian", "Dmitrijs Medvedevs"),
        ("Сергей Лавров", "Polish", "Siergiej Ławrow"),
        ("Алексей Леонидович Кудрин", "Polish", "Aleksiej Leonidowicz Kudrin"),
    ],
)
def test_romanise_foreign(cyrillic: str, language: str, expected: str) -> None:
    assert romanise_foreign(cyrillic, language) == expected
