"""Linkage records built from real list excerpts (tests/fixtures)."""

from __future__ import annotations

import zlib
from pathlib import Path

import duckdb

from assets.linkage.records import mention_records, token_bits
from assets.linkage.screen import name_query
from assets.linkage.settings import (
    ALL_BUT_ONE_WORD_SHARED,
    ALL_WORDS_OF_THE_SHORTER,
    FAMILY_NAME_ALONE,
    NAME_PART_THE_ENTITY_LACKS,
    ONE_WORD_INSIDE,
    ONE_WORD_SPELLED_DIFFERENTLY,
    WORDS_OF_ONE_AMONG_THE_OTHERS,
)
from assets.linkage.store import rebuild_list_records
from tests.linkage.lists_warehouse import fixture_warehouse


def test_a_name_with_a_bracketed_tail_is_also_a_record_without_it(tmp_path: Path) -> None:
    """The news writes "Daedong Credit Bank" for the UN's "DAEDONG CREDIT BANK (DCB)": the
    name without the bracketed acronym, branch or code is a record of the same kind too."""
    database = fixture_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(database), read_only=True) as con:
        names = con.execute(
            "SELECT entity_id, name, name_kind FROM linkage.list_records "
            "WHERE entity_id IN ('un_sc:KPe.023', 'uk_ofsi:13189', 'eu_fsf:3822') "
            "ORDER BY entity_id, name"
        ).fetchall()
        listed = con.execute("SELECT count(*) FROM sources.names").fetchall()[0][0]
        records = con.execute("SELECT count(*) FROM linkage.list_records").fetchall()[0][0]
        unique = con.execute(
            "SELECT count(*) = count(DISTINCT unique_id) FROM linkage.list_records"
        ).fetchall()[0][0]
    assert ("un_sc:KPe.023", "DAEDONG CREDIT BANK", "primary") in names
    assert ("un_sc:KPe.023", "DAEDONG CREDIT BANK (DCB)", "primary") in names
    assert ("uk_ofsi:13189", "ADF", "primary") in names
    assert ("eu_fsf:3822", "Parchin Chemical Industries", "primary") in names
    assert ("eu_fsf:3822", "Parchin Chemical Ind", "alias") in names
    # every listed name stays; the extra records are few, and unique ids stay unique
    assert listed < records < listed * 1.05
    assert unique


def test_a_bracketed_un_reference_is_kept(tmp_path: Path) -> None:
    """The UN gives the Academy of National Defense Science the alias "SECOND ACADEMY OF
    NATURAL SCIENCES (KPe.018)": a pointer to another listed entity by its reference number,
    not a name of its own. Without the bracket it would be the other entity's exact name."""
    database = fixture_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(database)) as con:
        con.execute(
            "INSERT INTO sources.names (entity_id, source, name, kind) VALUES "
            "('un_sc:KPe.023', 'un_sc', 'SECOND ACADEMY OF NATURAL SCIENCES (KPe.018)', 'alias'),"
            "('un_sc:KPe.023', 'un_sc', 'DAEDONG BANK (QDi.123 )', 'alias')"
        )
        rebuild_list_records(con)
        names = {
            name
            for (name,) in con.execute(
                "SELECT name FROM linkage.list_records WHERE entity_id = 'un_sc:KPe.023'"
            ).fetchall()
        }
    assert "SECOND ACADEMY OF NATURAL SCIENCES (KPe.018)" in names
    assert "SECOND ACADEMY OF NATURAL SCIENCES" not in names
    assert "DAEDONG BANK" not in names
    assert "DAEDONG CREDIT BANK" in names


def test_people_have_typo_keys_and_organisations_none(tmp_path: Path) -> None:
    """A listed person's given and family name meets a mention one letter off in either
    (`typo_keys`); an organisation's two words do not: a company is as often two other words
    one letter apart."""
    database = fixture_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(database), read_only=True) as con:
        by_schema = dict(
            con.execute(
                "SELECT schema, count(*) FILTER (WHERE len(typo_keys) > 0) "
                "FROM linkage.list_records GROUP BY schema"
            ).fetchall()
        )
        person = con.execute(
            "SELECT given_family_key, typo_keys FROM linkage.list_records "
            "WHERE schema = 'Person' AND len(typo_keys) > 0 ORDER BY unique_id LIMIT 1"
        ).fetchall()[0]
    assert by_schema["Person"] > 0
    assert by_schema.get("Organization", 0) == 0 and by_schema.get("Vessel", 0) == 0
    key, keys = person
    assert key in keys and len(keys) > 1


def test_token_bits_rule_out_only_pairs_whose_words_rule_them_out(tmp_path: Path) -> None:
    """The name comparison asks a pair's word signatures (`token_bits`) before its words: where
    the bits say no, each level they guard must say no as well. Checked on every fixture list
    name against the fixture list names sharing a word with it, written in full and as the news
    shortens or garbles names: a word dropped at either end, one word alone, a word repeated,
    a letter dropped."""
    database = fixture_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(database), read_only=True) as con:
        listed = con.sql("SELECT * FROM linkage.list_records ORDER BY unique_id").to_arrow_table()
        frequencies = con.sql("SELECT * FROM linkage.token_frequencies").to_arrow_table()
    variants: dict[str, str] = {}
    for name in listed.column("name").to_pylist():
        words = name.split()
        for variant in (
            name,
            " ".join(words[1:]),
            " ".join(words[:-1]),
            words[0],
            words[-1],
            f"{words[0]} {name}",
            name[:1] + name[2:],
        ):
            if variant:
                variants.setdefault(variant, f"m{len(variants):06d}")
    mentions = mention_records(
        [name_query(text, query_id=query_id) for text, query_id in variants.items()],
        frequencies,
    )
    assert mentions.column("token_bits").to_pylist() == [
        token_bits(key) for key in mentions.column("sorted_core_key").to_pylist()
    ]
    con = duckdb.connect(":memory:")
    con.register("listed", listed)
    con.register("mentions", mentions)
    columns = [c for c in mentions.column_names if c in listed.column_names]
    side = ", ".join(
        [f'l."{c}" AS "{c}_l"' for c in columns] + [f'r."{c}" AS "{c}_r"' for c in columns]
    )
    con.execute(
        f"CREATE TABLE pairs AS SELECT {side} FROM mentions l JOIN listed r "
        "ON list_has_any(l.tokens, r.tokens)"
    )
    checks = {
        "one word spelled differently": (ALL_BUT_ONE_WORD_SHARED, ONE_WORD_SPELLED_DIFFERENTLY),
        "a name part the entity lacks": (
            WORDS_OF_ONE_AMONG_THE_OTHERS,
            NAME_PART_THE_ENTITY_LACKS,
        ),
        "all words of the shorter": (WORDS_OF_ONE_AMONG_THE_OTHERS, ALL_WORDS_OF_THE_SHORTER),
        "a family name alone": (WORDS_OF_ONE_AMONG_THE_OTHERS, FAMILY_NAME_ALONE),
        "one word inside": (WORDS_OF_ONE_AMONG_THE_OTHERS, ONE_WORD_INSIDE),
    }
    pairs = con.execute("SELECT count(*) FROM pairs").fetchall()[0][0]
    assert pairs > 10_000
    for check, (bits, condition) in checks.items():
        found, ruled_out = con.execute(
            f"SELECT count(*) FILTER (WHERE {condition}), "
            f"count(*) FILTER (WHERE ({condition}) AND NOT {bits}) FROM pairs"
        ).fetchall()[0]
        assert found > 20, check  # the level is met by pairs of these names
        assert ruled_out == 0, check
    # The bits do rule most pairs out.
    passing = con.execute(
        f"SELECT count(*) FILTER (WHERE {WORDS_OF_ONE_AMONG_THE_OTHERS}) FROM pairs"
    ).fetchall()[0][0]
    con.close()
    assert passing < pairs / 2


def test_token_bits_of_a_name_hold_the_bits_of_its_words() -> None:
    """The words of a name are among another's; so are its bits. The signature does not
    depend on Python's per-process string hashing: a name has the same bits in every run."""
    assert token_bits(None) == 0 and token_bits("") == 0
    assert token_bits("putin vladimir") == token_bits("putin") | token_bits("vladimir")
    assert token_bits("putin") & ~token_bits("putin vladimir vladimirovich") == 0
    assert token_bits("putin") == 1 << (zlib.crc32(b"putin") % 63)
    assert 0 < token_bits("a b c d e f g h") < 1 << 63
