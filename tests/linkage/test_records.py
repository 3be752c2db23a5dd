"""Linkage records built from real list excerpts (tests/fixtures)."""

from __future__ import annotations

from pathlib import Path

import duckdb

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
