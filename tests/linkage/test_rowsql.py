"""The SQL compiled to Python (`assets.linkage.rowsql`) gives what DuckDB gives: each
expression is evaluated by both on the same rows, NULLs, empty lists and non-Latin text among
them."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.linkage.rowsql import UnsupportedSql, compile_expression

SCHEMA = pa.schema(
    [
        ("a", pa.string()),
        ("b", pa.string()),
        ("xs", pa.list_(pa.string())),
        ("ys", pa.list_(pa.string())),
        ("n", pa.int32()),
        ("m", pa.int32()),
        ("f", pa.float64()),
        ("bits", pa.int64()),
        ("years", pa.list_(pa.int32())),
    ]
)
ROWS: list[dict[str, Any]] = [
    dict(a="ali hassan", b="hassan ali", xs=["ali", "hassan"], ys=["hassan", "ali"], n=1, m=2,
         f=0.5, bits=5, years=[1960, 1961]),
    dict(a="", b=" ", xs=[], ys=[""], n=0, m=0, f=0.0, bits=0, years=[]),
    dict(a=None, b="x", xs=None, ys=["x", None], n=None, m=3, f=None, bits=None, years=None),
    dict(a="müller", b="muller", xs=["müller", "müller"], ys=["muller"], n=-1, m=7, f=-2.25,
         bits=-1, years=[1975]),
    dict(a="ким чен ын", b="김정은", xs=["ким", "чен", "ын"], ys=["김정은"], n=3, m=3, f=1e-9,
         bits=(1 << 62) | 3, years=[1984, None]),
    dict(a="1967", b="1967-05-01", xs=["1967", "x1967"], ys=["1967-05"], n=1967, m=1968,
         f=12.0, bits=6, years=[1966, 1967, 1968]),
    dict(a="al-qaida", b="al qaida", xs=["al", "qaida"], ys=["qaeda", "al"], n=5, m=None,
         f=3.75, bits=12, years=[2000]),
]  # fmt: skip
EXPRESSIONS = [
    # logic, comparison and NULL
    "a = b", "a <> b", "n < m", "n >= m", "a IS NULL", "a IS NOT NULL",
    "a IS DISTINCT FROM b", "n = 1 AND m = 2", "n = 1 OR m = 2", "NOT (n > m)",
    "n BETWEEN 0 AND 5", "a IN ('x', 'ali hassan', b)", "'x' IN (a, b)",
    "coalesce(a, b, 'none')", "least(n, m)", "greatest(n, m, 4)", "nullif(a, '')",
    "CASE WHEN n > m THEN 'n' WHEN n = m THEN 'same' ELSE 'm' END",
    "CASE WHEN n > m THEN 'n' END",
    # arithmetic
    "n + m", "n - m * 2", "f / 2", "n / m", "-f", "log2(greatest(f, 0.0))",
    "POWER(cast(2 as float8), f)", "cast(n as float8)", "try_cast(a AS INTEGER)",
    "bit_count(bits)", "bit_count(bits & ~cast(m as BIGINT))", "bits & 3", "isnan(f)",
    "isfinite(f)",
    # text
    "len(a)", "lower(a)", "a || '/' || b", "a || n", "concat_ws('; ', a, b, n)",
    "concat_ws(', ', NULL, b)", "replace(a, ' ', '')", "substring(a, 1, 4)", "substr(a, 3)",
    "starts_with(b, a)", "contains(a, ' ')", "a LIKE '% %'", "a LIKE '_____%'",
    "b LIKE 'a_%'", "regexp_full_match(a, '[a-z]+')", "split_part(b, ' ', 1)",
    "split_part(b, '-', 2)", "string_split(a, ' ')", "printf('%+.1f', f)",
    "printf('%.2f', f)",
    # lists
    "len(xs)", "xs = ys", "xs[1]", "xs[-1]", "xs[5]", "list_contains(xs, a)",
    "list_contains(ys, 'x')", "list_has_any(xs, ys)", "len(list_intersect(xs, ys))",
    "list_sort(list_distinct(coalesce(list_intersect(xs, ys), [])))",
    "list_sort(list_distinct(list_concat(coalesce(xs, []), coalesce(ys, []))))",
    "list_concat(xs, ys)", "array_to_string(ys, ', ')",
    "list_filter(xs, lambda x: len(x) > 3)",
    "list_filter(xs, lambda x: NOT list_contains(ys, x))",
    "len(list_filter(xs, lambda x: len(list_filter(ys, lambda y: starts_with(y, x))) > 0))",
    "list_has_any(years, generate_series(n, m))", "generate_series(m, m + 2)",
    "['a', b]", "len(string_split(b, ' ')) = len(xs)",
    # string distances
    "levenshtein(a, b)", "damerau_levenshtein(a, b)", "jaro_winkler_similarity(a, b)",
    "jaro_winkler_similarity(xs[1], ys[1]) >= 0.88",
]  # fmt: skip


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.register("t", pa.Table.from_pylist(ROWS, schema=SCHEMA))
    return connection


def _same(ours: Any, duckdbs: Any) -> bool:
    if isinstance(ours, float) and isinstance(duckdbs, float):
        return math.isclose(ours, duckdbs, rel_tol=1e-12) or (
            math.isnan(ours) and math.isnan(duckdbs)
        )
    if isinstance(ours, list) and isinstance(duckdbs, list):
        return len(ours) == len(duckdbs) and all(map(_same, ours, duckdbs))
    return type(ours) is type(duckdbs) and ours == duckdbs


@pytest.mark.parametrize("sql", EXPRESSIONS)
def test_expression_gives_duckdbs_value(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    theirs = [row[0] for row in con.execute(f"SELECT {sql} FROM t").fetchall()]
    compiled = compile_expression(sql)
    ours = [compiled(row) for row in ROWS]
    for row, mine, duckdbs in zip(ROWS, ours, theirs, strict=True):
        assert _same(mine, duckdbs), (sql, row, mine, duckdbs)


def test_parameters_and_list_indexes_count_from_one() -> None:
    labels = compile_expression("lower($labels[gamma + 2])", {"labels": ["NULL", "ELSE", "Exact"]})
    assert labels({"gamma": 1}) == "exact"
    assert labels({"gamma": -1}) == "null"
    assert compile_expression("list_contains($ids::INTEGER[], g)", {"ids": [3, 4]})({"g": 4})


def test_qualified_columns_read_their_table() -> None:
    same = compile_expression('l."core" = r."core"')
    assert same({"l": {"core": "x"}, "r": {"core": "x"}}) is True
    assert same({"l": {"core": "x"}, "r": {"core": None}}) is None


@pytest.mark.parametrize(
    "sql",
    [
        "a IN (SELECT 1)",  # subqueries
        "md5(a)",  # a function not compiled
        "a ILIKE 'x%'",
        "list_transform(xs, lambda x: upper(x))",
        "a LIKE b",  # a pattern that is no literal
        "cast(a as DATE)",
        "$missing",  # a parameter without a value
    ],
)
def test_what_is_not_compiled_is_refused_when_compiled(sql: str) -> None:
    with pytest.raises(UnsupportedSql):
        compile_expression(sql)


def test_a_float_as_text_is_refused_when_evaluated() -> None:
    """DuckDB and Python write some floats differently: refused, never a wrong text."""
    with pytest.raises(UnsupportedSql, match="float as text"):
        compile_expression("'w' || f")({"f": 0.1})


_TEXT = st.text(alphabet=st.sampled_from("aabeilmnorsuüéёжк김 -"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(left=_TEXT, right=_TEXT)
def test_string_distances_are_duckdbs(left: str, right: str) -> None:
    with duckdb.connect(":memory:") as db:
        theirs = db.execute(
            "SELECT levenshtein($1, $2), damerau_levenshtein($1, $2), "
            "jaro_winkler_similarity($1, $2)",
            [left, right],
        ).fetchone()
    assert theirs is not None
    row = {"a": left, "b": right}
    assert compile_expression("levenshtein(a, b)")(row) == theirs[0]
    assert compile_expression("damerau_levenshtein(a, b)")(row) == theirs[1]
    assert math.isclose(
        compile_expression("jaro_winkler_similarity(a, b)")(row), theirs[2], abs_tol=1e-12
    )
