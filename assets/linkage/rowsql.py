"""DuckDB SQL expressions evaluated on a single row in Python.

Scoring a handful of pairs in DuckDB costs what planning Splink's 38 KB of scoring SQL costs
(parsing, binding and optimising it: about 70 ms), however few the pairs. A single query to the
matching API has some twenty pairs. This module compiles the same SQL the model is made of (its
comparison levels, Splink's match-weight formulas, the explanation of a match) into Python
closures once, and evaluates them row by row, so that a few pairs cost microseconds each and the
model has still one definition: the SQL Splink runs.

Only the part of DuckDB's SQL that the models and the explanation use is compiled: scalar
expressions with SQL's three-valued logic (None is NULL), the list functions with lambdas, and
the string distances (rapidfuzz implements the same algorithms DuckDB does). Anything else
raises `UnsupportedSql` when compiled, never a wrong value when evaluated: callers then score in
DuckDB. tests/linkage/test_rowsql.py holds each function equal to DuckDB's on edge cases, and
tests/linkage/test_row_scoring.py whole screenings equal to DuckDB's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlglot
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB

Row = Mapping[str, Any]
Locals = Mapping[str, Any]
# A compiled expression: its value on a row (column name -> value; a qualified column `l.x` is
# row["l"]["x"]), given the values of the lambda variables in scope.
Compiled = Callable[[Row, Locals], Any]

_NO_LOCALS: Locals = {}
_MASK64 = (1 << 64) - 1


class UnsupportedSql(ValueError):
    """SQL this module does not evaluate: the caller runs it in DuckDB instead."""


class _DuckDBAsWritten(DuckDB):
    """DuckDB's dialect with list indexes left as written (1-based): sqlglot's DuckDB dialect
    shifts literal indexes to 0-based but not computed ones (`labels[gamma + 2]`)."""

    INDEX_OFFSET = 0


def parse(sql: str) -> exp.Expression:
    """`sql` (an expression or a query) as sqlglot reads it in DuckDB's dialect."""
    parsed = sqlglot.parse_one(sql, read=_DuckDBAsWritten)
    if not isinstance(parsed, exp.Expression):
        raise UnsupportedSql(f"not an expression: {sql[:200]}")
    return parsed


def compile_expression(
    sql: str | exp.Expression, params: Mapping[str, Any] | None = None
) -> Callable[[Row], Any]:
    """`sql` as a function of a row. `$name` parameters take their values from `params`."""
    node = parse(sql) if isinstance(sql, str) else sql
    compiled = _Compiler(params or {}).compile(node, frozenset())

    def evaluate(row: Row) -> Any:
        return compiled(row, _NO_LOCALS)

    return evaluate


# --- SQL's values ---------------------------------------------------------------------------------


def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


def _index(value: Any, position: Any) -> Any:
    """DuckDB's `value[position]`: 1-based, negative from the end, NULL out of range."""
    if value is None or position is None:
        return None
    size = len(value)
    if position > 0 and position <= size:
        return value[position - 1]
    if position < 0 and -position <= size:
        return value[position]
    return None


def _substring(text: Any, start: Any, length: Any = _MASK64) -> Any:
    if text is None or start is None or length is None:
        return None
    if start < 1:
        raise UnsupportedSql(f"substring from position {start}")
    return text[start - 1 : start - 1 + length]


def _split_part(text: Any, delimiter: Any, index: Any) -> Any:
    if text is None or delimiter is None or index is None:
        return None
    parts = text.split(delimiter) if delimiter else list(text)
    found = _index(parts, index)
    return "" if found is None else found


def _intersect(left: Any, right: Any) -> Any:
    """DuckDB's list_intersect: the distinct values in both (its order is unspecified; every
    use here counts, filters or sorts them)."""
    if left is None or right is None:
        return None
    other = set(right)
    return [v for v in dict.fromkeys(left) if v is not None and v in other]


def _has_any(left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    other = {v for v in right if v is not None}
    return any(v in other for v in left if v is not None)


def _contains(values: Any, value: Any) -> Any:
    if values is None or value is None:
        return None
    return value in values


def _concat_lists(*values: Any) -> Any:
    present = [v for v in values if v is not None]
    return None if not present else [item for v in present for item in v]


def _to_string(values: Any, separator: Any) -> Any:
    if values is None or separator is None:
        return None
    return separator.join(_text(v) for v in values if v is not None)


def _text(value: Any) -> str:
    """A value cast to text as DuckDB casts it (booleans, integers and strings only: a float's
    text differs between DuckDB and Python)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    raise UnsupportedSql(f"a {type(value).__name__} as text")


def _concat(left: Any, right: Any) -> Any:
    """DuckDB's `||`: lists joined, anything else as text."""
    if isinstance(left, list) and isinstance(right, list):
        return left + right
    return _text(left) + _text(right)


def _series(start: Any, end: Any) -> Any:
    if start is None or end is None:
        return None
    return list(range(start, end + 1))


def _log2(value: Any) -> Any:
    if value is None:
        return None
    if value == 0:
        return -math.inf
    return math.log2(value) if value > 0 else math.nan


def _power(base: Any, exponent: Any) -> Any:
    if base is None or exponent is None:
        return None
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf


def _divide(left: Any, right: Any) -> Any:
    """DuckDB's `/`: a float, by zero NaN or an infinity."""
    if left is None or right is None:
        return None
    if right == 0:
        return math.nan if left == 0 else math.copysign(math.inf, left)
    return left / right


def _try_integer(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _printf(form: str, *values: Any) -> Any:
    return None if any(v is None for v in values) else form % values


def _strict(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` returning NULL when any argument is NULL, as most SQL functions do."""

    def call(*values: Any) -> Any:
        return None if any(v is None for v in values) else function(*values)

    return call


# Functions by sqlglot's expression type (their `this` then `expression`/`expressions`).
_STRICT_FUNCTIONS: dict[type[exp.Expression], Callable[..., Any]] = {
    exp.Length: _strict(len),
    exp.Lower: _strict(str.lower),
    exp.Upper: _strict(str.upper),
    exp.StartsWith: _strict(str.startswith),
    exp.Contains: _strict(lambda text, part: part in text),
    exp.Replace: _strict(str.replace),
    exp.Split: _strict(lambda text, sep: text.split(sep) if sep else list(text)),
    exp.Levenshtein: _strict(Levenshtein.distance),
    # DuckDB's two empty strings are 0.0 alike, rapidfuzz's 1.0.
    exp.JarowinklerSimilarity: _strict(
        lambda a, b: JaroWinkler.similarity(a, b) if a and b else 0.0
    ),
    exp.IsNan: _strict(math.isnan),
    exp.Abs: _strict(abs),
    exp.ArraySort: _strict(sorted),
    exp.ArrayDistinct: _strict(lambda values: [v for v in dict.fromkeys(values) if v is not None]),
}
_ANONYMOUS: dict[str, Callable[..., Any]] = {
    "bit_count": _strict(lambda value: (value & _MASK64).bit_count()),
    "damerau_levenshtein": _strict(DamerauLevenshtein.distance),
    "list_intersect": _intersect,
    "isfinite": _strict(math.isfinite),
    "printf": _printf,
}
_COMPARISONS: dict[type[exp.Expression], Callable[[Any, Any], bool]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
}
_ARITHMETIC: dict[type[exp.Expression], Callable[[Any, Any], Any]] = {
    exp.Add: lambda a, b: a + b,
    exp.Sub: lambda a, b: a - b,
    exp.Mul: lambda a, b: a * b,
    exp.BitwiseAnd: lambda a, b: a & b,
    exp.BitwiseOr: lambda a, b: a | b,
}


class _Compiler:
    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params

    def compile(self, node: exp.Expression, scope: frozenset[str]) -> Compiled:
        """`node` as a closure; `scope` holds the names of the lambda variables in scope."""
        kind = type(node)
        if isinstance(node, (exp.Column, exp.Identifier)):
            return self._column(node, scope)
        if isinstance(node, exp.Literal):
            value = _literal(node)
            return lambda row, local: value
        if kind is exp.Boolean:
            truth = bool(node.this)
            return lambda row, local: truth
        if kind is exp.Null:
            return lambda row, local: None
        if kind is exp.Paren:
            return self.compile(node.this, scope)
        if kind is exp.Placeholder:
            if node.name not in self.params:
                raise UnsupportedSql(f"no value for the parameter ${node.name}")
            constant = self.params[node.name]
            return lambda row, local: constant
        if isinstance(node, exp.Cast):  # and TryCast
            return self._cast(node, scope)
        if kind is exp.And or kind is exp.Or:
            return self._logic(node, scope)
        if kind is exp.Not:
            inner = self.compile(node.this, scope)

            def negate(row: Row, local: Locals) -> Any:
                value = inner(row, local)
                return None if value is None else not value

            return negate
        if kind in _COMPARISONS:
            return self._binary(node, scope, _COMPARISONS[kind])
        if kind in _ARITHMETIC:
            return self._binary(node, scope, _ARITHMETIC[kind])
        if kind is exp.Div:
            return self._call(_divide, [node.this, node.expression], scope)
        if kind is exp.Neg:
            return self._call(_strict(lambda v: -v), [node.this], scope)
        if kind is exp.BitwiseNot:
            return self._call(_strict(lambda v: ~v), [node.this], scope)
        if kind in (exp.NullSafeEQ, exp.NullSafeNEQ):
            same = kind is exp.NullSafeEQ
            return self._call(lambda a, b: (a == b) is same, [node.this, node.expression], scope)
        if kind is exp.Is:
            if not isinstance(node.expression, exp.Null):
                raise UnsupportedSql(f"IS {node.expression.sql()}")
            return self._call(lambda value: value is None, [node.this], scope)
        if isinstance(node, exp.In):
            return self._in(node, scope)
        if kind is exp.Between:
            return self._call(
                _strict(lambda v, low, high: low <= v <= high),
                [node.this, node.args["low"], node.args["high"]],
                scope,
            )
        if isinstance(node, exp.Case):
            return self._case(node, scope)
        if kind is exp.Coalesce:
            return self._coalesce([node.this, *node.expressions], scope)
        if kind in (exp.Least, exp.Greatest):
            pick = min if kind is exp.Least else max

            def extreme(*values: Any) -> Any:
                present = [v for v in values if v is not None]
                return pick(present) if present else None

            return self._call(extreme, [node.this, *node.expressions], scope)
        if kind is exp.Nullif:
            return self._call(
                lambda a, b: None if a is not None and a == b else a,
                [node.this, node.expression],
                scope,
            )
        if kind in (exp.Like, exp.RegexpFullMatch):
            return self._match(node, scope)
        if kind is exp.Substring:
            args = [node.this, node.args["start"]]
            if node.args.get("length") is not None:
                args.append(node.args["length"])
            return self._call(_substring, args, scope)
        if kind is exp.SplitPart:
            return self._call(
                _split_part,
                [node.this, node.args["delimiter"], node.args["part_index"]],
                scope,
            )
        if kind is exp.DPipe:
            return self._call(_strict(_concat), [node.this, node.expression], scope)
        if kind is exp.ConcatWs:
            separator, *parts = node.expressions
            return self._call(
                lambda sep, *values: (
                    None if sep is None else sep.join(_text(v) for v in values if v is not None)
                ),
                [separator, *parts],
                scope,
            )
        if kind is exp.Array:
            return self._call(lambda *values: list(values), list(node.expressions), scope)
        if kind is exp.ArrayConcat:
            return self._call(_concat_lists, [node.this, *node.expressions], scope)
        if kind is exp.ArrayToString:
            return self._call(_to_string, [node.this, node.expression], scope)
        if kind is exp.ArrayContains:
            return self._call(_contains, [node.this, node.expression], scope)
        if kind is exp.ArrayOverlaps:
            return self._call(_has_any, [node.this, node.expression], scope)
        if isinstance(node, exp.ArrayFilter):
            return self._filter(node, scope)
        if kind is exp.GenerateSeries:
            if node.args.get("is_end_exclusive") or node.args.get("step") is not None:
                raise UnsupportedSql(node.sql())
            return self._call(_series, [node.args["start"], node.args["end"]], scope)
        if kind is exp.Log:
            if not (isinstance(node.this, exp.Literal) and _literal(node.this) == 2):
                raise UnsupportedSql(node.sql())
            return self._call(_log2, [node.expression], scope)
        if kind is exp.Pow:
            return self._call(_power, [node.this, node.expression], scope)
        if kind is exp.Bracket:
            if len(node.expressions) != 1 or isinstance(node.expressions[0], exp.Slice):
                raise UnsupportedSql(node.sql())
            return self._call(_index, [node.this, node.expressions[0]], scope)
        if kind in _STRICT_FUNCTIONS:
            args = [node.this, *([node.expression] if node.args.get("expression") else [])]
            if kind is exp.Replace:
                args.append(node.args["replacement"])
            if kind is exp.ArraySort and node.args.get("expression") is not None:
                raise UnsupportedSql(node.sql())
            return self._call(_STRICT_FUNCTIONS[kind], args, scope)
        if kind is exp.Anonymous and str(node.name).lower() in _ANONYMOUS:
            return self._call(_ANONYMOUS[str(node.name).lower()], list(node.expressions), scope)
        raise UnsupportedSql(f"{node.sql(dialect='duckdb')[:200]} is not evaluated in Python")

    # --- the node kinds with logic of their own --------------------------------------------------

    def _column(self, node: exp.Column | exp.Identifier, scope: frozenset[str]) -> Compiled:
        name = node.name
        table = node.table if isinstance(node, exp.Column) else ""
        if table:
            return lambda row, local: row[table][name]
        if name in scope:
            return lambda row, local: local[name]
        return lambda row, local: row[name]

    def _cast(self, node: exp.Cast, scope: frozenset[str]) -> Compiled:
        target = node.to
        inner = self.compile(node.this, scope)
        strict = isinstance(node, exp.TryCast)
        if target.is_type(*exp.DataType.REAL_TYPES):
            return lambda row, local: _strict(float)(inner(row, local))
        if target.is_type(*exp.DataType.INTEGER_TYPES):
            if strict:
                return lambda row, local: _try_integer(inner(row, local))
            return lambda row, local: _strict(int)(inner(row, local))
        if target.is_type(exp.DataType.Type.ARRAY) and target.expressions:
            element = target.expressions[0]
            if element.is_type(*exp.DataType.INTEGER_TYPES):
                return lambda row, local: _strict(
                    lambda vs: [None if v is None else int(v) for v in vs]
                )(inner(row, local))
        if target.is_type(*exp.DataType.TEXT_TYPES):
            return lambda row, local: _strict(str)(inner(row, local))
        raise UnsupportedSql(f"cast to {target.sql(dialect='duckdb')}")

    def _logic(self, node: exp.Expression, scope: frozenset[str]) -> Compiled:
        """AND and OR in SQL's three-valued logic: the operator's deciding value (False for
        AND, True for OR) on either side decides; else NULL on either side is NULL."""
        left = self.compile(node.this, scope)
        right = self.compile(node.expression, scope)
        deciding = not isinstance(node, exp.And)

        def combined(row: Row, local: Locals) -> Any:
            first = left(row, local)
            if first is deciding:
                return deciding
            second = right(row, local)
            if second is deciding:
                return deciding
            return None if first is None or second is None else not deciding

        return combined

    def _binary(
        self, node: exp.Expression, scope: frozenset[str], operation: Callable[[Any, Any], Any]
    ) -> Compiled:
        left = self.compile(node.this, scope)
        right = self.compile(node.expression, scope)

        def apply(row: Row, local: Locals) -> Any:
            a = left(row, local)
            if a is None:
                return None
            b = right(row, local)
            return None if b is None else operation(a, b)

        return apply

    def _call(
        self, function: Callable[..., Any], args: Sequence[exp.Expression], scope: frozenset[str]
    ) -> Compiled:
        compiled = [self.compile(a, scope) for a in args]
        if len(compiled) == 1:
            (only,) = compiled
            return lambda row, local: function(only(row, local))
        if len(compiled) == 2:
            first, second = compiled
            return lambda row, local: function(first(row, local), second(row, local))
        return lambda row, local: function(*(c(row, local) for c in compiled))

    def _in(self, node: exp.In, scope: frozenset[str]) -> Compiled:
        if node.args.get("query") is not None or node.args.get("unnest") is not None:
            raise UnsupportedSql(node.sql())
        value = self.compile(node.this, scope)
        options = [self.compile(o, scope) for o in node.expressions]

        def member(row: Row, local: Locals) -> Any:
            found = value(row, local)
            if found is None:
                return None
            unknown = False
            for option in options:
                candidate = option(row, local)
                if candidate is None:
                    unknown = True
                elif candidate == found:
                    return True
            return None if unknown else False

        return member

    def _case(self, node: exp.Case, scope: frozenset[str]) -> Compiled:
        if node.this is not None:  # CASE x WHEN ... (not used by the SQL compiled here)
            raise UnsupportedSql(node.sql())
        branches = [
            (self.compile(branch.this, scope), self.compile(branch.args["true"], scope))
            for branch in node.args["ifs"]
        ]
        default_node = node.args.get("default")
        default = self.compile(default_node, scope) if default_node is not None else None

        def choose(row: Row, local: Locals) -> Any:
            for condition, value in branches:
                if condition(row, local) is True:
                    return value(row, local)
            return None if default is None else default(row, local)

        return choose

    def _coalesce(self, args: Sequence[exp.Expression], scope: frozenset[str]) -> Compiled:
        compiled = [self.compile(a, scope) for a in args]

        def first_present(row: Row, local: Locals) -> Any:
            for candidate in compiled:
                value = candidate(row, local)
                if value is not None:
                    return value
            return None

        return first_present

    def _match(self, node: exp.Expression, scope: frozenset[str]) -> Compiled:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string) or node.args.get("escape"):
            raise UnsupportedSql(f"a pattern that is not a plain literal: {node.sql()}")
        regex = (
            _like_regex(pattern.this) if isinstance(node, exp.Like) else re.compile(pattern.this)
        )
        text = self.compile(node.this, scope)

        def matches(row: Row, local: Locals) -> Any:
            value = text(row, local)
            return None if value is None else regex.fullmatch(value) is not None

        return matches

    def _filter(self, node: exp.ArrayFilter, scope: frozenset[str]) -> Compiled:
        function = node.expression
        if not isinstance(function, exp.Lambda) or len(function.expressions) != 1:
            raise UnsupportedSql(f"list_filter without a one-variable lambda: {node.sql()}")
        variable = function.expressions[0].name
        values = self.compile(node.this, scope)
        body = self.compile(function.this, scope | {variable})

        def kept(row: Row, local: Locals) -> Any:
            items = values(row, local)
            if items is None:
                return None
            inner = dict(local)
            out = []
            for item in items:
                inner[variable] = item
                if body(row, inner) is True:
                    out.append(item)
            return out

        return kept


def _literal(node: exp.Literal) -> Any:
    if node.is_string:
        return node.this
    text = str(node.this)
    return float(text) if any(c in text for c in ".eE") else int(text)
