"""Each comparison of the model on literal (mention, list name) pairs: which level it lands in."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest

from assets.articles.model import Mention, MentionIdentifier
from assets.linkage.names import analyse, patronymics
from assets.linkage.records import (
    mention_records,
    record_given_tokens,
    with_related_jurisdictions,
)
from assets.linkage.settings import settings_creator
from assets.linkage.splink_run import splink_session, term_frequencies, to_arrow

EMPTY_FREQUENCIES = pa.table(
    {
        "token": pa.array([], pa.string()),
        "names": pa.array([], pa.int64()),
        "given_name_entities": pa.array([], pa.int64()),
    }
)


def mention(
    name: str,
    schema: str = "Unknown",
    sentence: tuple[str, ...] = (),
    article: tuple[str, ...] = (),
    years: tuple[int, int] | None = None,
    imo: str | None = None,
    attributed: tuple[str, ...] = (),
) -> Mention:
    return Mention(
        mention_id="m1",
        article_id="a1",
        text=name,
        label="OTHER",
        schema_guess=schema,  # type: ignore[arg-type]
        start=0,
        end=len(name),
        sentence=name,
        detector="ner",
        canonical_id="m1",
        canonical_text=name,
        sentence_countries=list(sentence),
        article_countries=list(article or sentence),
        attributed_countries=list(attributed),
        birth_year_min=years[0] if years else None,
        birth_year_max=years[1] if years else None,
        identifiers=[MentionIdentifier("imo", imo)] if imo else [],
    )


def record(
    name: str,
    schema: str = "Person",
    countries: tuple[str, ...] = (),
    years: tuple[int, ...] = (),
    imo: str | None = None,
    frequencies: pa.Table = EMPTY_FREQUENCIES,
) -> pa.Table:
    """A list name as linkage.list_records would hold it, built with the same code path."""
    as_mention = mention_records([mention(name)], frequencies)
    con = duckdb.connect(":memory:")
    con.register("m", as_mention)
    table = to_arrow(
        con.sql(
            """
            SELECT 'r1' AS unique_id, 'test:1' AS entity_id,
                   * EXCLUDE (unique_id, entity_id, source, schema, name_kind, countries,
                              birth_years, identifiers, identifier_kinds, given_tokens),
                   'test' AS source, 'primary' AS name_kind, $schema AS schema,
                   $given::VARCHAR[] AS given_tokens,
                   $countries::VARCHAR[] AS countries,
                   $years::INTEGER[] AS birth_years, $ids::VARCHAR[] AS identifiers,
                   $kinds::VARCHAR[] AS identifier_kinds
            FROM m
            """,
            params={
                "schema": schema,
                "given": record_given_tokens(name, schema),
                "countries": list(countries),
                "years": list(years),
                "ids": [f"imo:{imo}"] if imo else [],
                "kinds": ["imo"] if imo else [],
            },
        ).to_arrow_table()
    )
    con.close()
    return table.select(as_mention.column_names)


ROMANISATION = "the same name in another romanisation"


def levels(m: Mention, r: pa.Table, frequencies: pa.Table = EMPTY_FREQUENCIES) -> dict[str, str]:
    """comparison -> label of the level the pair lands in (`frequencies`: the lists' token
    frequencies, which make words rare or not)."""
    mentions = mention_records([m], frequencies)
    settings = settings_creator()
    with splink_session(mentions, r, settings, term_frequencies(r)) as session:
        left = session.linker._db_api.register(mentions, table_name="left_records")
        right = session.linker._db_api.register(r, table_name="right_records")
        scored = session.linker.inference.score_pairs(left, right)
        row: dict[str, Any] = to_arrow(
            session.con.sql(f"SELECT * FROM {scored.physical_name}").to_arrow_table()
        ).to_pylist()[0]
        labels: dict[str, str] = {}
        for comparison in session.linker._settings_obj.comparisons:
            gamma = row[f"gamma_{comparison.output_column_name}"]
            level = next(
                lv for lv in comparison.comparison_levels if lv.comparison_vector_value == gamma
            )
            labels[comparison.output_column_name] = level.label_for_charts
    return labels


@pytest.mark.parametrize(
    ("mention_name", "list_name", "expected"),
    [
        (
            "Promsvyazbank",
            ("PUBLIC JOINT STOCK COMPANY PROMSVYAZBANK", "Organization"),
            "Exact match on core",
        ),
        ("Promsvyazbank PJSC", ("PROMSVYAZBANK", "Organization"), "Exact match on core"),
        # A one-word name of a person (an alias, a surname) is a level of its own: it names
        # many people.
        ("Asad", "ASAD", "the same one-word name of a person"),
        ("Zawahiri Ayman", "Ayman AL-ZAWAHIRI", "same words"),
        (
            "Jens Stoltenburg",
            "Jens STOLTENBERG",
            "the same words but one spelled nearly",
        ),
        (
            "Sulaiman Jarsem Abo Ghaith",
            "Sulaiman Jassem ABO GHAITH",
            "the same words but one spelled nearly",
        ),
        (
            "Mihrab Hamidi",
            "Mikhrab Sukhrab HAMIDI",
            "Jaro-Winkler >= 0.88, every word with a counterpart",
        ),
        # "yong" / "yang": words under five letters must be spelled alike.
        ("Yong Chen", "Yang Fu CHEN", "Jaro-Winkler >= 0.88, every word with a counterpart"),
        # The same given name in two spellings (one canonical word) and a nearly spelled
        # family name.
        (
            "Mohamed Abreni",
            "Mohammad ABRINI",
            "the same words but one spelled nearly",
        ),
        # the article glued to the family name on the list, a particle in the news
        (
            "Khalid Kadhim Jasim al-Skeni",
            "Khalid Kadhim Jasim ALSKENI",
            "the same words but one spelled nearly",
        ),
        # an ordinal number written with its suffix or without
        (
            "33rd Light Infantry Division",
            ("33 LIGHT INFANTRY DIVISION", "Organization"),
            "Exact match on core",
        ),
        ("Jafar Mahdavi", "Djafar MAHDAVY", "Jaro-Winkler >= 0.88, every word with a counterpart"),
        # Jaro-Winkler 0.88 on "logistics smirnov" / "logistics pit", but "smirnov" has no
        # counterpart.
        ("Smirnov Logistics", "PIT LOGISTICS", "All other comparisons"),
        ("LTD Hightrail", ("HIGHTRAIL LTD", "Organization"), "Exact match on core"),
        (
            "Limited Liabiliti Company Avisto",
            ("AVISTO LLC", "Organization"),
            "Exact match on core",
        ),
        ("Ayman Zawahiri", "Ayman Muhammad Rabi AL-ZAWAHIRI", "all words of the shorter name"),
        # French "ch" for "sh"
        ("Hachem Beydoun", "Hashim BAYDUN", ROMANISATION),
        (
            "Antony Blinken",
            "Anthony BLINKEN",
            "the same words but one spelled nearly",
        ),
        ("NATO", "NAFTOGAZ", "All other comparisons"),
        ("Zawahiri", "Ayman AL-ZAWAHIRI", "a one-word name inside the other"),
        ("Mikhail Fradkov", "Mikhail Yefimovich FRADKOV", "same words apart from a patronymic"),
        # a name run together, a legal form glued to the name
        ("viktorvekselberg", "Viktor VEKSELBERG", "the same letters run together"),
        ("OOOROSTEKH", ("OOO ROSTEKH", "Organization"), "the same letters run together"),
        # ... and with a letter of the family name wrong
        (
            "Alexander Uvanov",
            "Alexander Alexandrovich IVANOV",
            "the same given and family name, one spelled nearly",
        ),
        (
            "Mikhail Fradko",
            "Mikhail Yefimovich FRADKOV",
            "the same given and family name, one spelled nearly",
        ),
        # two letters off in a six-letter word is another name
        ("Mikhail Frodkin", "Mikhail Yefimovich FRADKOV", "All other comparisons"),
        ("Fradkov Mikhail", "FRADKOV, Mikhail Yefimovich", "same words apart from a patronymic"),
        (
            "Roman Abramovich",
            "Roman Arkadyevich ABRAMOVICH",
            "same words apart from a patronymic",
        ),
        # a given name alone names many people, however the listed person is called
        ("Boris", "Boris Romanovich ROTENBERG", "a given name alone"),
        # a one-word name alone on one side: "Abu" (father of) is a particle of the kunya
        ("Osama", "Abu USAMA", "the same one-word name of a person"),
        ("Abu Abbas", "Abu ABBAS", "Exact match on core"),
        # Russian names as French, German, Czech and Polish romanise them
        ("Evgueni Prigojine", "Evgeny PRIGOZHIN", ROMANISATION),
        ("Jewgeni Prigoschin", "Yevgeniy Viktorovich PRIGOZHIN", ROMANISATION),
        ("Ievgueni Viktorovitch Prigojine", "Yevgeniy Viktorovich PRIGOZHIN", ROMANISATION),
        ("Sergej Šojgu", "Sergei Kuzhugetovich SHOIGU", ROMANISATION),
        ("Siergiej Ławrow", "Sergey Viktorovich LAVROV", ROMANISATION),
    ],
)
def test_name_levels(mention_name: str, list_name: str | tuple[str, str], expected: str) -> None:
    listed = record(list_name) if isinstance(list_name, str) else record(*list_name)
    assert levels(mention(mention_name), listed)["name"] == expected


def test_a_patronymic_none_of_the_entitys_names_has_is_another_patronymic() -> None:
    # The listed alias has no patronymic, but its entity's other names say "Leonidovich":
    # a list name carries every patronymic of its entity.
    listed = record("Vladimir BOGDANOV")
    listed = listed.set_column(
        listed.schema.get_field_index("patronymics"),
        "patronymics",
        pa.array([list(patronymics("Vladimir Leonidovich BOGDANOV"))], pa.list_(pa.string())),
    )
    assert levels(mention("Vladimir Mikhailovich Bogdanov"), listed)["name"] == (
        "another patronymic"
    )
    # the same patronymic spelt otherwise, or with a typo, is no other patronymic
    for spelling in ("Vladimir Leonidowitsch Bogdanov", "Vladimir Leonidovih Bogdanov"):
        assert levels(mention(spelling), listed)["name"] != "another patronymic", spelling


def with_entity_words(listed: pa.Table, *entity_names: str) -> pa.Table:
    """`listed` (one list name) as a list record whose entity also has `entity_names`."""
    words = sorted({w for n in entity_names for w in analyse(n).words})
    return listed.set_column(
        listed.schema.get_field_index("entity_tokens"),
        "entity_tokens",
        pa.array([words], pa.list_(pa.string())),
    )


def test_a_name_part_the_listed_entity_lacks() -> None:
    listed = with_entity_words(record("Omar YUSUF"), "Omar YUSUF")
    assert levels(mention("Omar Yusuf Al-Harbi"), listed)["name"] == (
        "a name part the listed entity lacks"
    )
    # The entity's full name has the middle name the mention gives, spelled nearly.
    listed = with_entity_words(
        record("Ayman AL-ZAWAHIRI"), "Ayman AL-ZAWAHIRI", "Ayman Muhammad Rabi AL-ZAWAHIRI"
    )
    for name in ("Ayman Mohammed al-Zawahiri", "Ayman Rabie al-Zawahiri"):
        assert levels(mention(name), listed)["name"] != "a name part the listed entity lacks"


def test_another_patronymic_is_not_the_same_name_in_another_romanisation() -> None:
    # Without their patronymics the two share a key; with them they name two fathers' sons.
    label = levels(
        mention("Ievgueni Ivanovitch Prigojine"), record("Yevgeniy Viktorovich PRIGOZHIN")
    )["name"]
    assert label != ROMANISATION


@pytest.mark.parametrize(
    ("m", "r", "comparison", "expected"),
    [
        (mention("X Y", "Person"), record("X Y", "Person"), "schema", "Exact match on schema"),
        (
            mention("X Y", "Person"),
            record("X Y", "Organization"),
            "schema",
            "named as a person, listed as an organisation",
        ),
        (
            mention("X Y", "Organization"),
            record("X Y", "Person"),
            "schema",
            "person vs organisation",
        ),
        (
            mention("X Y", "Organization"),
            record("X Y", "Vessel"),
            "schema",
            "organisation and vessel/aircraft",
        ),
        (mention("X Y"), record("X Y", "Organization"), "schema", "type unknown"),
        (
            mention("X Y", sentence=("RU",)),
            record("X Y", countries=("RU",)),
            "country",
            "country in the sentence",
        ),
        (
            mention("X Y", sentence=("US",), article=("US", "RU")),
            record("X Y", countries=("RU",)),
            "country",
            "country in the article",
        ),
        (
            mention("X Y", "Person", sentence=("RU", "CN"), attributed=("RU",)),
            record("X Y", countries=("RU",)),
            "country",
            "country attributed to it",
        ),
        # Where the mention is ("arrived in Beijing") says nothing against the entity.
        (
            mention("X Y", "Person", sentence=("CN",)),
            record("X Y", countries=("RU",)),
            "country",
            "no country to compare",
        ),
        (
            mention("X Y", "Person", sentence=("CN",), attributed=("CN",)),
            record("X Y", countries=("IR",)),
            "country",
            "countries disagree (person)",
        ),
        (
            mention("X Y", "Organization", sentence=("CN",), attributed=("CN",)),
            record("X Y", "Organization", countries=("IR",)),
            "country",
            "countries disagree (organisation)",
        ),
        (
            mention("X Y", "Organization", sentence=("RU",), attributed=("RU",)),
            record("X Y", "Vessel", countries=("LR",)),
            "country",
            "countries disagree (ship flag or offshore registry)",
        ),
        (
            mention("X Y", "Organization", sentence=("AE",), attributed=("AE",)),
            record("X Y", "Organization", countries=("TR", "MH")),
            "country",
            "countries disagree (ship flag or offshore registry)",
        ),
        (
            mention("Progress Lider LLC", "Person"),
            record("Progress Lider LLC", "Organization"),
            "schema",
            "Exact match on schema",
        ),
        (
            mention("X Y", years=(1971, 1972)),
            record("X Y", years=(1972,)),
            "birth_year",
            "birth year agrees",
        ),
        (
            mention("X Y", years=(1971, 1972)),
            record("X Y", years=(1969,)),
            "birth_year",
            "birth year within 3 years",
        ),
        (
            mention("X Y", years=(1990, 1991)),
            record("X Y", years=(1962,)),
            "birth_year",
            "birth year disagrees",
        ),
        (
            mention("X Y", imo="9216298"),
            record("X Y", "Vessel", imo="9216298"),
            "identifier",
            "same identifier",
        ),
        (
            mention("X Y", imo="9216298"),
            record("X Y", "Vessel", imo="9074729"),
            "identifier",
            "identifier of the same kind differs",
        ),
    ],
)
def test_context_levels(m: Mention, r: pa.Table, comparison: str, expected: str) -> None:
    assert levels(m, r)[comparison] == expected


def test_missing_context_is_neutral() -> None:
    got = levels(mention("X Y"), record("X Y", countries=("RU",), years=(1960,)))
    assert got == {
        "name": "Exact match on core",
        "schema": "type unknown",
        "country": "no country to compare",
        "birth_year": "no birth year to compare",
        "identifier": "no identifier to compare",
        "role_or_link": "no role or link to compare",
    }


@pytest.mark.parametrize(
    ("countries", "expected"),
    [
        (["HK"], ["CN", "HK"]),
        (["CN", "RU"], ["CN", "HK", "MO", "RU"]),
        (["MO"], ["CN", "MO"]),
        (["IR"], ["IR"]),
        ([], []),
    ],
)
def test_list_countries_gain_related_jurisdictions(
    countries: list[str], expected: list[str]
) -> None:
    with duckdb.connect(":memory:") as con:
        row = con.execute(
            f"SELECT {with_related_jurisdictions('c')} FROM (SELECT $1::VARCHAR[] AS c)",
            [countries],
        ).fetchall()[0]
    assert row[0] == expected


# Token frequencies as the lists give them: (word, list names carrying it, listed people
# carrying it as a given name). Family names and "hannibal" are rare; "vladimir", "muammar" and
# "muhammad" are given names of many listed people.
FREQUENCIES = pa.table(
    {
        "token": ["putin", "qadhafi", "hannibal", "zawahiri", "ayman", "vladimir", "muammar",
                  "jeffrey", "james", "ashfield", "jose", "jesus", "mendez", "vargas", "nicolas",
                  "maduro", "moros"],
        "names": [3, 12, 2, 9, 20, 400, 15, 1, 26, 1, 300, 80, 12, 30, 90, 2, 2],
        "given_name_entities": [0, 0, 1, 0, 12, 300, 4, 1, 8, 0, 250, 60, 0, 1, 70, 0, 0],
    }
)  # fmt: skip
PERSON_SHORTER = "all words of the shorter name, a rare one among them (person)"


@pytest.mark.parametrize(
    ("mention_name", "list_name", "expected", "schema"),
    [
        ("Putin", "Vladimir Vladimirovich PUTIN", "a rare family name alone", "Person"),
        # A given name alone is no family name; nor is a common word.
        ("Vladimir", "Vladimir Vladimirovich PUTIN", "a given name alone", "Person"),
        ("Ayman", "Ayman AL-ZAWAHIRI", "a given name alone", "Person"),
        # The longer name opens with a word of the shorter: a dropped middle name.
        (
            "Ayman al-Zawahiri",
            "Ayman Muhammad Rabi AL-ZAWAHIRI",
            "all words of the shorter name, a rare one among them (person)",
            "Person",
        ),
        (
            "Ayman al-Zawahiri",
            "AL-ZAWAHIRI Ayman Muhammad",
            "all words of the shorter name, a rare one among them (person)",
            "Person",
        ),
        (
            "Hannibal Gaddafi",
            "Hannibal Muammar GADDAFI",
            "all words of the shorter name, a rare one among them (person)",
            "Person",
        ),
        # Only given names of the listed person, however rare on the lists: without the family
        # name it names someone else.
        ("James Jeffrey", "Jeffrey John James ASHFIELD", "all words of the shorter name", "Person"),
        ("Jeffrey Ashfield", "Jeffrey John James ASHFIELD", PERSON_SHORTER, "Person"),
        # A family name of two words (Spanish paternal and maternal surnames): a person is
        # called by the first; the second alone with a given name names someone else.
        ("Jose Mendez", "Jose de Jesus MENDEZ VARGAS", PERSON_SHORTER, "Person"),
        ("Jose Vargas", "Jose de Jesus MENDEZ VARGAS", "all words of the shorter name", "Person"),
        ("Nicolas Maduro", "Nicolas MADURO MOROS", PERSON_SHORTER, "Person"),
        # The son's name holds the father's: the word before it is missing.
        ("Muammar Gaddafi", "Hannibal Muammar GADDAFI", "all words of the shorter name", "Person"),
        # An organisation's shortened name has a level of its own: it names the listed
        # organisation far less often than a person's does (a parent for its branch).
        (
            "Ayman Zawahiri Trading",
            "AYMAN ZAWAHIRI TRADING HANNIBAL BRANCH",
            "all words of the shorter name, a rare one among them",
            "Organization",
        ),
    ],
)
def test_partial_name_levels(mention_name: str, list_name: str, expected: str, schema: str) -> None:
    listed = record(list_name, schema, frequencies=FREQUENCIES)
    found = levels(mention(mention_name, schema), listed, FREQUENCIES)
    assert found["name"] == expected
