"""The other-language slice of the counterparty development set spells names as each language
romanises Russian."""

from __future__ import annotations

import pytest

from assets.counterparties.records import CounterpartyRecord
from benchmarks import devset
from benchmarks.counterparties import rates_at
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


def testrates_at_count_each_kind_as_the_report_does() -> None:
    def item(row: int, kind: str, expected: str | None) -> devset.DevRecord:
        record = CounterpartyRecord(row=row, record_id=f"r{row}", name="X Y", kind="person")
        return devset.DevRecord(record, kind, "slice", expected)

    dev = devset.DevSet(
        [
            item(1, "positive", "e1"),  # found
            item(2, "positive", "e2"),  # only another entity above the threshold
            item(3, "negative", None),  # any hit is a false alarm
            item(4, "near_miss", "e4"),  # hits the entity it is not
            item(5, "near_miss", None),  # a given name alone: any hit
        ]
    )
    best = {(1, "e1"): 0.9, (2, "e9"): 0.9, (2, "e2"): 0.5, (3, "e3"): 0.8, (4, "e4"): 0.95}
    rates = rates_at(dev, best, 0.7)
    assert rates == {"positive": 0.5, "negative": 1.0, "near_miss": 0.5}
    assert rates_at(dev, best, 0.99) == {"positive": 0.0, "negative": 0.0, "near_miss": 0.0}
