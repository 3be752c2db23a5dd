"""`sanctions screen-file` on real lists (the bundled UN and UK OFSI snapshots, so that names
are about as rare as with every list loaded) with the project's model."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.counterparties.records import CounterpartyRecord
from assets.counterparties.screening import HIT_COLUMNS, CounterpartyScreener, record_bands
from assets.linkage.scoring import Bands
from assets.linkage.settings import (
    DATES_OF_BIRTH_AGREE,
    DATES_OF_BIRTH_DISAGREE,
    JARO_WINKLER_LONG_NAME,
    JARO_WINKLER_LONG_NAME_LEVEL,
    ONE_LETTER_OFF,
    ONE_LETTER_OFF_IN_A_LONGER_NAME,
    ONE_WORD_CUT_SHORT,
    ONE_WORD_CUT_SHORT_LEVEL,
    SAME_LONG_NAME_IN_ANOTHER_ROMANISATION,
    SAME_NAME_IN_ANOTHER_ROMANISATION,
)
from assets.linkage.store import load_model, load_record_model
from assets.sources import uk_ofsi, un_sc
from pipelines import cli
from tests.conftest import bundled_warehouse

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
MODELS = ROOT / "data" / "models"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_warehouse(tmp_path_factory.mktemp("screen_file"), [un_sc.SPEC, uk_ofsi.SPEC])


@pytest.fixture(scope="module")
def screener(warehouse: Path) -> CounterpartyScreener:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return CounterpartyScreener.from_warehouse(con, MODELS)  # the record model's bands


def _record(row: int, name: str, **facts: object) -> CounterpartyRecord:
    return CounterpartyRecord(row=row, record_id=str(row), name=name, **facts)  # type: ignore[arg-type]


def _best(
    screener: CounterpartyScreener, record: CounterpartyRecord, entity: str
) -> dict[str, object]:
    """The pair (record, entity) scored with no probability floor."""
    unfloored = replace(screener, screener=replace(screener.screener, bands=Bands(review=1e-9)))
    return next(h for h in unfloored.screen([record]) if h["entity_id"] == entity)


def test_a_cyrillic_name_finds_its_listed_latin_record(screener: CounterpartyScreener) -> None:
    # Listed by the UN only in Latin script: RUSTAM MAGOMEDOVICH ASELDEROV (QDi.398).
    hits = screener.screen(
        [_record(1, "Рустам Магомедович Асельдеров", kind="person", country="RU")]
    )
    found = {h["entity_id"]: h for h in hits}
    assert found["un_sc:QDi.398"]["band"] == "match"
    assert found["un_sc:QDi.398"]["matched_name"] == "RUSTAM MAGOMEDOVICH ASELDEROV"


def test_a_namesake_with_another_birth_year_scores_far_below_the_listed_person(
    screener: CounterpartyScreener,
) -> None:
    """The same rare full name and nationality, a birth year 24 years off: far below the listed
    person, below the record match band."""
    listed = _record(1, "Zaurbek Salimovich Guchaev", kind="person", country="RU", birth_year=1975)
    namesake = _record(
        2, "Zaurbek Salimovich Guchaev", kind="person", country="RU", birth_year=1951
    )
    found = {h["row"]: h for h in screener.screen([listed, namesake])}
    assert found[1]["entity_id"] == "un_sc:QDi.367" and found[1]["band"] == "match"
    assert found[1]["match_probability"] >= screener.bands.match >= 0.5
    namesake_pair = _best(screener, namesake, "un_sc:QDi.367")
    assert namesake_pair["band"] != "match"
    assert namesake_pair["match_probability"] < found[1]["match_probability"] / 3  # type: ignore[operator]
    assert dict(namesake_pair["levels"])["birth_year"] == "birth year disagrees"  # type: ignore[call-overload]


def test_a_disagreeing_birth_date_scores_lower_than_none(screener: CounterpartyScreener) -> None:
    # Listed born 1975-09-07: the same year, another day, is a disagreement; the same day says
    # more than the year alone.
    base = {"kind": "person", "country": "RU"}
    guchaev = "un_sc:QDi.367"

    def best(**facts: object) -> dict[str, object]:
        return _best(screener, _record(1, "Zaurbek Guchaev", **base, **facts), guchaev)

    without = best()
    other_day = best(birth_date="1975-01-02", birth_year=1975)
    same_day = best(birth_date="1975-09-07", birth_year=1975)
    year_only = best(birth_year=1975)
    assert other_day["match_probability"] < without["match_probability"]  # type: ignore[operator]
    assert without["match_probability"] < year_only["match_probability"]  # type: ignore[operator]
    assert year_only["match_probability"] < same_day["match_probability"]  # type: ignore[operator]
    assert dict(other_day["levels"])["birth_year"] == "dates of birth disagree"  # type: ignore[call-overload]
    assert dict(same_day["levels"])["birth_year"] == "date of birth agrees"  # type: ignore[call-overload]
    assert "dates of birth disagree" in str(other_day["explanation"])


def test_a_birth_year_one_off_agrees_within_the_tolerance(warehouse: Path) -> None:
    # Listed born 1975: a register that says 1976 is within the default tolerance of one year.
    record = _record(1, "Zaurbek Guchaev", kind="person", country="RU", birth_year=1976)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tolerant = CounterpartyScreener.from_warehouse(con, MODELS)
        strict = CounterpartyScreener.from_warehouse(con, MODELS, birth_year_tolerance=0)
    one_off = _best(tolerant, record, "un_sc:QDi.367")
    exact_only = _best(strict, record, "un_sc:QDi.367")
    assert dict(one_off["levels"])["birth_year"] == "birth year agrees"  # type: ignore[call-overload]
    assert dict(exact_only["levels"])["birth_year"] == "birth year within 3 years"  # type: ignore[call-overload]
    assert one_off["band"] == "match"
    assert exact_only["match_probability"] < one_off["match_probability"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("record_date", "listed", "tolerance", "agrees", "disagrees"),
    [
        ("1963-05-14", ["1962"], 1, False, False),  # a listed year alone: within the tolerance
        ("1963-05-14", ["1962"], 0, False, True),
        ("1963-05-14", ["1962-01-01"], 1, False, True),  # full dates: the tolerance is for years
        ("1963-05-14", ["1962", "1970-01-01"], 1, False, False),  # one listed date agrees
        ("1962-05-14", ["1962-01-01"], 1, False, True),  # the same year, another day
        ("1962-05-14", ["1962-05"], 0, True, False),  # at the precision both give
        ("1962-05-14", ["1962"], 0, False, False),  # a listed year alone: the year levels'
        ("1962-05-14", ["1962", "1962-05-14"], 0, True, False),
        ("1962-05-14", ["1970-01-01", "1962-05-14"], 0, True, False),
        ("1962", ["1970-01-01"], 1, False, False),  # a year-only record: its birth-year range
        ("1962-05-14", [], 1, False, False),
    ],
)
def test_the_record_models_date_of_birth_levels(
    record_date: str, listed: list[str], tolerance: int, agrees: bool, disagrees: bool
) -> None:
    """The SQL of the record model's date levels, either side the record is on (Splink may put
    it left or right)."""
    record = CounterpartyRecord(
        row=1, record_id="1", name="x", birth_date=record_date, birth_year=int(record_date[:4])
    )
    from assets.counterparties.screening import record_mention
    from assets.linkage.records import mention_records

    table = mention_records(
        [record_mention(record, tolerance)],
        pa.table({"token": [], "names": [], "given_name_entities": []}),
    )
    row = table.select(["birth_dates", "birth_year_min", "birth_year_max"]).to_pylist()[0]
    con = duckdb.connect()
    for mine, theirs in (("l", "r"), ("r", "l")):
        values = {
            f"birth_dates_{mine}": row["birth_dates"],
            f"birth_year_min_{mine}": row["birth_year_min"],
            f"birth_year_max_{mine}": row["birth_year_max"],
            f"birth_dates_{theirs}": listed,
            f"birth_year_min_{theirs}": None,
            f"birth_year_max_{theirs}": None,
        }
        con.register("pair", pa.Table.from_pylist([values]))
        found = con.sql(f"SELECT {DATES_OF_BIRTH_AGREE}, {DATES_OF_BIRTH_DISAGREE} FROM pair")
        assert found.fetchall() == [(agrees, disagrees)]
        con.unregister("pair")


def _levels_either_way(
    record_name: str, listed_name: str, columns: list[str], levels: list[str]
) -> list[tuple[object, ...]]:
    """The values of the SQL `levels` over the pair of the two names' records (their `columns`),
    with the record on the left, then on the right (Splink may put it either side)."""
    from assets.linkage.records import mention_records
    from assets.linkage.screen import name_query

    table = mention_records(
        [name_query(record_name, query_id="a"), name_query(listed_name, query_id="b")],
        pa.table({"token": [], "names": [], "given_name_entities": []}),
    )
    record, listed = table.select(columns).to_pylist()
    con = duckdb.connect()
    found = []
    for left, right in ((record, listed), (listed, record)):
        pair = {f"{key}_l": value for key, value in left.items()}
        pair.update({f"{key}_r": value for key, value in right.items()})
        con.register("pair", pa.Table.from_pylist([pair]))
        (row,) = con.sql(f"SELECT {', '.join(levels)} FROM pair").fetchall()
        found.append(row)
        con.unregister("pair")
    return found


@pytest.mark.parametrize(
    ("record_name", "listed_name", "longer", "letter_off", "cut_short", "long_name_typo"),
    [
        ("Eduardo Ramon ARELL FELIX", "Eduardo Ramon ARELLANO FELIX", False, False, True, False),
        ("Valery FLYUST", "Valery FLYUSTIKOV", False, False, True, False),
        ("Min Chen", "Mingfu CHEN", False, False, False, False),  # three letters: a name
        ("Abbas Ali", "Abbas Ali MOHAMMADIAN", False, False, False, False),  # a word fewer
        ("Ali WAEKD HATUM", "Ali WAKED HATUM", True, True, False, True),  # two letters swapped
        ("Yqain WU", "Yaqin WU", True, True, False, False),  # ... in a word of five letters
        ("GOMEI AYR SERVICES", "GOMEI AIR SERVICES", True, True, False, False),  # 10+ shared
        ("VU XIAN", "WU XIAN", False, True, False, False),  # two short words
        ("Ri Min Chol", "Ri Mun Chol", False, True, False, False),  # three short words
        ("FU YUAN YU 8682", "FU YUAN YU 7682", False, True, False, False),  # another number
        ("BAILTA", "BALITA", False, True, False, False),  # one word of five letters or more
        ("NEGIN", "NEGEEN", False, False, False, False),  # two edits
        ("Yong Chen", "Dong CHEN", False, True, False, False),  # under twelve letters
        ("Jing Chen", "Dong CHEN", False, False, False, False),
        (
            "Igor Venediktovich PLOTNITSKY Volkov",
            "Igor Venediktovich PLOTNITSKIY",
            False,
            False,
            False,
            False,
        ),
        (
            "STAR OIL AND GAS DEVELOPMENT",
            "PARSIAN OIL AND GAS DEVELOPMENT",
            False,
            False,
            False,
            False,
        ),
    ],
)
def test_the_record_models_letter_off_cut_short_and_long_name_levels(
    record_name: str,
    listed_name: str,
    longer: bool,
    letter_off: bool,
    cut_short: bool,
    long_name_typo: bool,
) -> None:
    """The SQL of the record model's levels for a word a letter off (a long word or ten shared
    letters, in any name), a word cut short and a typo in a long name, either side the
    record is on."""
    levels = [
        ONE_LETTER_OFF_IN_A_LONGER_NAME,
        ONE_LETTER_OFF,
        ONE_WORD_CUT_SHORT,
        JARO_WINKLER_LONG_NAME,
    ]
    found = _levels_either_way(record_name, listed_name, ["tokens", "sorted_core_key"], levels)
    assert found == [(longer, letter_off, cut_short, long_name_typo)] * 2


@pytest.mark.parametrize(
    ("record_name", "listed_name", "news", "records"),
    [
        ("Guennadi Timtchenko", "Gennady Nikolayevich TIMCHENKO", True, True),
        ("Władimir Nieczajew", "Vladimir Dmitrievich NECHAEV", True, True),
        # Short names whose sounds without vowels agree: one name to the news model's level,
        # not to the record model's, which asks seven letters of the shared sound key.
        ("Javier Ruiz", "Reza JA'FARI", True, False),
        ("Marco Rossi", "Mortaza Rezai", True, False),
    ],
)
def test_the_record_models_romanisation_level_asks_a_long_sound_key(
    record_name: str, listed_name: str, news: bool, records: bool
) -> None:
    columns = ["romanised", "tokens", "given_family_key"]
    levels = [SAME_NAME_IN_ANOTHER_ROMANISATION, SAME_LONG_NAME_IN_ANOTHER_ROMANISATION]
    found = _levels_either_way(record_name, listed_name, columns, levels)
    assert found == [(news, records)] * 2


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("Rustam Magomedovich ASELD", ONE_WORD_CUT_SHORT_LEVEL),
        ("Rustan Magomedovih ASELDEROV", JARO_WINKLER_LONG_NAME_LEVEL),
    ],
)
def test_a_name_cut_short_or_with_typos_stays_a_match(
    screener: CounterpartyScreener, name: str, level: str
) -> None:
    # RUSTAM MAGOMEDOVICH ASELDEROV (UN QDi.398), his family name cut short by a form's field,
    # or typed with a slip in two of his names.
    hit = _best(screener, _record(1, name, kind="person", country="RU"), "un_sc:QDi.398")
    assert dict(hit["levels"])["name"] == level  # type: ignore[call-overload]
    assert hit["band"] == "match"


def test_a_shared_family_name_alone_is_no_name_agreement(screener: CounterpartyScreener) -> None:
    # "Ivan Guchaev" shares only the rare family name with the listed Zaurbek Salimovich
    # GUCHAEV: the record model's level of its own, kept from the match band. A bare "Guchaev"
    # is still the listed rare family name alone.
    other_person = _best(screener, _record(1, "Ivan Guchaev", kind="person"), "un_sc:QDi.367")
    level = dict(other_person["levels"])["name"]  # type: ignore[call-overload]
    assert level == "a shared rare word, people named in full"
    assert other_person["band"] != "match"
    surname = _best(screener, _record(2, "Guchaev", kind="person"), "un_sc:QDi.367")
    assert dict(surname["levels"])["name"] == "a rare family name alone"  # type: ignore[call-overload]


def test_a_bare_given_or_family_name_reaches_review_at_most(
    screener: CounterpartyScreener,
) -> None:
    # "Roza" is a word of the UK's Cyrillic name of Roza Basirovna CHEMERIS: a record of that
    # word alone names no one person, however rare the word is on the lists.
    assert all(h["band"] != "match" for h in screener.screen([_record(1, "Roza", kind="person")]))
    alone = _best(screener, _record(1, "Roza", kind="person"), "uk_ofsi:14469")
    assert dict(alone["levels"])["name"] == "a rare family name alone"  # type: ignore[call-overload]
    assert "a rare family name alone" in record_bands(screener.bands).review_only


def test_two_listed_entities_of_one_name_are_both_matches_of_a_record(
    screener: CounterpartyScreener,
) -> None:
    # The UN lists two Qasim Soleimanis (IRi.039 and IRi.040): a record of an Iranian person
    # so named is a listed party either way, so neither is sent to review for the other's sake
    # (news screening sends rival namesakes to review).
    record = _record(1, "Qasim Soleimani", kind="person", country="IR")
    hits = {h["entity_id"]: h for h in screener.screen([record])}
    assert "un_sc:IRi.039" in hits
    assert not any("other listed" in h["explanation"] for h in hits.values())
    assert screener.bands.rivals_to_review is False


FITTED = load_record_model(MODELS).bands


@pytest.mark.parametrize(
    ("argv", "match", "review"),
    [
        (["screen-file", "f.csv", "--out", "o.jsonl"], FITTED.match, FITTED.review),
        # news screening's: the news model's fitted bands, read with the model (`_screener`)
        (["screen", "Ivan Guchaev"], None, None),
        (
            ["--match-threshold", "0.9", "screen-file", "f.csv", "--out", "o"],
            0.9,
            FITTED.review,
        ),
    ],
)
def test_screen_file_uses_the_record_models_bands_unless_told(
    argv: list[str], match: float, review: float
) -> None:
    args = cli.build_parser().parse_args(["--model-dir", str(MODELS), *argv])
    cli._default_bands(args)
    assert (args.match_threshold, args.review_threshold) == (match, review)


def test_the_record_models_match_band_means_more_likely_than_not() -> None:
    record, news = load_record_model(MODELS), load_model(MODELS)
    assert record.bands.match >= 0.5 and record.bands.review < record.bands.match
    assert record.version != news.version
    assert record.settings["linker_uid"] == "record_linkage"


def test_news_screening_uses_the_models_fitted_bands_unless_told(warehouse: Path) -> None:
    fitted = load_model(MODELS).bands
    assert fitted != Bands()  # the committed model's match band is fitted, not the default
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for argv, expected in (
            ([], fitted),
            (["--match-threshold", "0.9"], Bands(match=0.9, review=fitted.review)),
        ):
            args = cli.build_parser().parse_args(
                ["--model-dir", str(MODELS), *argv, "screen", "Ivan Guchaev"]
            )
            cli._default_bands(args)
            assert cli._screener(con, args).bands == expected
            assert (args.match_threshold, args.review_threshold) == (
                expected.match,
                expected.review,
            )


def run(warehouse: Path, *args: str) -> int:
    return cli.main(["--warehouse", str(warehouse), "--model-dir", str(MODELS), *args])


ROWS = [
    {"record_id": "K1", "name": "Zaurbek Salimovich Guchaev", "type": "person", "country": "RU",
     "birth_year": "1975", "desk": "retail"},
    {"record_id": "", "name": "Malik Ruslanovich Barkhanoev", "type": "person",
     "country": "Russia", "birth_year": "", "desk": "=SUM(A1:A9)"},
    {"record_id": "K3", "name": "Maria Lindqvist", "type": "person", "country": "SE",
     "birth_year": "1984", "desk": "retail"},
    {"record_id": "K4", "name": "", "type": "org", "country": "FR", "birth_year": "",
     "desk": "suppliers"},
]  # fmt: skip


def _input(path: Path) -> Path:
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
            writer.writeheader()
            writer.writerows(ROWS)
    elif path.suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pylist(ROWS), path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_screen_file_writes_the_stable_format(
    warehouse: Path, tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _input(tmp_path / f"counterparties{suffix}")
    out = tmp_path / "hits.jsonl"
    assert run(warehouse, "screen-file", str(source), "--out", str(out)) == 0
    captured = capsys.readouterr()
    assert "row 4 (record K4): error: no name" in captured.err
    assert "3 records screened (1 rows not screened" in captured.out
    hits = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(list(h) == [*HIT_COLUMNS, "desk"] for h in hits)
    found = {(h["record_id"], h["entity_id"]): h for h in hits}
    assert found[("K1", "un_sc:QDi.367")]["band"] == "match"
    assert found[("2", "un_sc:QDi.405")]["query"] == "Malik Ruslanovich Barkhanoev"
    assert found[("2", "un_sc:QDi.405")]["desk"] == "=SUM(A1:A9)"  # JSON keeps values as given
    assert not any(h["record_id"] == "K3" for h in hits)
    assert all(0 < h["probability"] <= 1 and h["explanation"].startswith("name '") for h in hits)


def test_screen_file_csv_output_and_match_band(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _input(tmp_path / "c.csv")
    out = tmp_path / "hits.csv"
    assert run(warehouse, "screen-file", str(source), "--out", str(out), "--band", "match") == 0
    capsys.readouterr()
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader]
    assert header == [*HIT_COLUMNS, "desk"]
    assert rows and all(r["band"] == "match" for r in rows)
    # A spreadsheet must not evaluate a passed-through cell as a formula.
    assert {r["desk"] for r in rows if r["record_id"] == "2"} == {"'=SUM(A1:A9)"}


def test_injection_strings_are_screened_as_names(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "evil.csv"
    source.write_text(
        'name,country\n"Robert\'); DROP TABLE sources.entities;--",FR\n'
        '"=cmd|\' /C calc\'!A0",FR\n"<script>alert(1)</script>",FR\n',
        encoding="utf-8",
    )
    before = warehouse.read_bytes()
    out = tmp_path / "hits.csv"
    assert run(warehouse, "screen-file", str(source), "--out", str(out)) == 0
    assert "3 records screened" in capsys.readouterr().out
    assert warehouse.read_bytes() == before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM sources.entities").fetchall()[0][0] > 900
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(HIT_COLUMNS)


def test_screen_file_errors_are_clear(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hits.jsonl"
    assert run(warehouse, "screen-file", str(tmp_path / "none.csv"), "--out", str(out)) == 2
    assert "none.csv: no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("id,country\n1,FR\n", encoding="utf-8")
    assert run(warehouse, "screen-file", str(bad), "--out", str(out)) == 2
    assert "no 'name' column" in capsys.readouterr().err
    assert not out.exists()
