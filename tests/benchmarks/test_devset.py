"""The other-language slice of the counterparty development set spells names as each language
romanises Russian; the native-script slices write Korean and Chinese names as their registers
do."""

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


@pytest.mark.parametrize(
    ("script", "listed", "written"),
    [
        ("hangul", "KIM Yo Jong", "김여정"),  # family name first, syllables run together
        ("hangul", "Yong Chol KIM", "김영철"),  # the list's case marks the family name
        ("hangul", "RI JAE IL", "리재일"),  # no case to go by: as written
        # The first common character of each reading: a spelling, not Li Fangwei's own 李方伟.
        ("han", "Fangwei LI", "厘坊威"),
        ("hangul", "Vladimir PUTIN", None),  # no Korean syllables
        ("han", "Kim", None),  # one word
    ],
)
def test_native_script(script: str, listed: str, written: str | None) -> None:
    assert devset._native_script(script, listed) == written
    if written:  # and the name analysis reads it back to the listed syllables
        from assets.linkage.names import normalise

        assert normalise(written).replace(" ", "") == normalise(
            " ".join(sorted(listed.split(), key=lambda w: not w.isupper()))
        ).replace(" ", "")


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
