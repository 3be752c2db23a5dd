"""Scoring a few mentions in Python, with the SQL the screening session runs in DuckDB.

A screening session (`assets.linkage.splink_run.ScreeningSession`) scores a batch in DuckDB: its
blocking joins and Splink's scoring SQL cost DuckDB some 70 ms each to plan whatever the batch's
size, which is nothing beside scoring 10,000 mentions and nearly all of scoring one. A
`RowScorer` scores the same pairs in Python for small batches (a query to the matching API, one
article): the blocking rules' keys of the list side are indexed once (`_KeyIndex`), and Splink's
scoring SQL, generated for the session, is compiled stage by stage (`assets.linkage.rowsql`) and
evaluated on each blocked pair. The predictions are the session's, row for row
(tests/linkage/test_row_scoring.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from assets.linkage.rowsql import Row, UnsupportedSql, compile_expression, parse

# Blocked pairs up to which Python scores faster than DuckDB: about 0.2 ms a pair here, against
# some 250 ms of planning and a few milliseconds a thousand pairs there.
MAX_ROW_PAIRS = 1_000
# The tables of the first stage of Splink's scoring SQL: the blocked pair, the list record on
# the left, the mention on the right.
PAIR, LEFT, RIGHT = "b", "l", "r"


@dataclass(frozen=True)
class PreparedRule:
    """One of a model's blocking rules, as the screening session's blocking
    (`assets.linkage.splink_run.ListSideBlocking`) and the row scorer run it."""

    match_key: str
    condition: str  # the rule's SQL over `l` (a list record) and `r` (a mention)
    columns: tuple[str, ...]  # the input columns it reads
    exploded: tuple[str, ...]  # the array columns it explodes first


@dataclass(frozen=True)
class _Stage:
    """One SELECT: the columns it copies (alias, table or "", column) and computes."""

    copied: tuple[tuple[str, str, str], ...]
    computed: tuple[tuple[str, Callable[[Row], Any]], ...]
    where: Callable[[Row], Any] | None

    def run(self, rows: Iterable[dict[str, Any]], first: bool) -> Iterator[dict[str, Any]]:
        """The stage's rows. Each later stage of Splink's pipeline selects the columns of the
        one before under their names and adds its own: its rows are the input's dicts, the new
        columns written in (each computed from the input row before any is written)."""
        for row in rows:
            if self.where is not None and self.where(row) is not True:
                continue
            if first:
                out = {alias: row[table][name] for alias, table, name in self.copied}
            else:
                out = row
                for alias, _, name in self.copied:
                    if alias != name:
                        out[alias] = row[name]
            values = [(alias, value(row)) for alias, value in self.computed]
            out.update(values)
            yield out


class CompiledQuery:
    """A query that is a chain of SELECTs, each from the one before (Splink's CTE pipeline),
    compiled to Python: `run` takes the rows the first SELECT reads (a mapping of its tables'
    aliases to their rows) and gives the last SELECT's rows."""

    def __init__(self, sql: str) -> None:
        query = parse(sql)
        if not isinstance(query, exp.Select):
            raise UnsupportedSql("not a SELECT")
        with_ = query.args.get("with_")
        ctes = list(with_.expressions) if with_ is not None else []
        selects = [cte.this for cte in ctes] + [query.copy()]
        selects[-1].set("with_", None)
        self.first_tables = _tables(selects[0])
        self.stages = [
            self._stage(select, None if i == 0 else ctes[i - 1].alias)
            for i, select in enumerate(selects)
        ]

    @staticmethod
    def _stage(select: exp.Expression, source: str | None) -> _Stage:
        if not isinstance(select, exp.Select):
            raise UnsupportedSql("a stage that is not a SELECT")
        for clause in ("group", "having", "qualify", "order", "limit", "distinct", "windows"):
            if select.args.get(clause):
                raise UnsupportedSql(f"a stage with {clause.upper()}")
        if source is not None and (_tables(select) != {source: source} or select.args.get("joins")):
            raise UnsupportedSql(f"a stage that does not read only {source}")
        copied, computed = [], []
        for projection in select.expressions:
            if isinstance(projection, exp.Star):
                raise UnsupportedSql("SELECT *")
            name = projection.alias_or_name
            inner = projection.this if isinstance(projection, exp.Alias) else projection
            if isinstance(inner, exp.Column) and bool(inner.table) == (source is None):
                copied.append((name, inner.table, inner.name))
            elif source is None:
                raise UnsupportedSql(f"a first stage computing {name}")
            else:
                computed.append((name, compile_expression(inner)))
        where = select.args.get("where")
        return _Stage(
            tuple(copied), tuple(computed), compile_expression(where.this) if where else None
        )

    def run(self, rows: Iterable[Mapping[str, Row]]) -> list[dict[str, Any]]:
        current: Iterable[Any] = rows
        for i, stage in enumerate(self.stages):
            current = stage.run(current, first=i == 0)
        return list(current)


def _tables(select: exp.Expression) -> dict[str, str]:
    """The tables a SELECT reads: alias -> table name."""
    found = {}
    from_ = select.args.get("from_")
    for source in [from_.this if from_ is not None else None] + [
        j.this for j in select.args.get("joins") or []
    ]:
        if not isinstance(source, exp.Table):
            raise UnsupportedSql("a stage reading a subquery")
        found[source.alias_or_name] = source.name
    return found


@dataclass(frozen=True)
class _RuleKeys:
    """One blocking rule as an equality of keys: the list side's computed from `l`, the
    mention's from `r`, each with the rule's array columns exploded first."""

    match_key: str
    left: tuple[Callable[[Row], Any], ...]
    right: tuple[Callable[[Row], Any], ...]
    exploded: tuple[str, ...]
    # The column, when the rule is that one column's equality (`l.x = r.x`): read directly.
    plain: str | None = None

    @classmethod
    def of(cls, rule: PreparedRule) -> _RuleKeys:
        match_key, exploded = rule.match_key, rule.exploded
        if len(exploded) > 1:
            raise UnsupportedSql(f"blocking rule {match_key} explodes more than one array")
        left: list[Callable[[Row], Any]] = []
        right: list[Callable[[Row], Any]] = []
        plain: list[str] = []
        for part in _conjuncts(parse(rule.condition)):
            if not isinstance(part, exp.EQ):
                raise UnsupportedSql(f"blocking rule {match_key}: {part.sql()} is no equality")
            sides = {
                _only_table(part.this): part.this,
                _only_table(part.expression): part.expression,
            }
            if set(sides) != {LEFT, RIGHT}:
                raise UnsupportedSql(f"blocking rule {match_key}: {part.sql()} mixes its sides")
            left.append(compile_expression(sides[LEFT]))
            right.append(compile_expression(sides[RIGHT]))
            if all(isinstance(side, exp.Column) for side in sides.values()):
                plain.extend({side.name for side in sides.values()})
        single = plain[0] if len(left) == 1 and len(plain) == 1 else None
        return cls(match_key, tuple(left), tuple(right), tuple(exploded), single)

    def keys(self, record: Mapping[str, Any], side: str) -> set[tuple[Any, ...]]:
        """The record's keys (none with a NULL part: NULL equals nothing)."""
        if self.plain is not None:
            value = record.get(self.plain)
            if not self.exploded:
                return set() if value is None else {(value,)}
            return {(v,) for v in value or () if v is not None}
        functions = self.left if side == LEFT else self.right
        found = set()
        for exploded in self._exploded(record):
            key = tuple(f({side: exploded}) for f in functions)
            if all(part is not None for part in key):
                found.add(key)
        return found

    def _exploded(self, record: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        if not self.exploded:
            yield record
            return
        (column,) = self.exploded
        for value in record.get(column) or ():
            yield {**record, column: value}


class _KeyIndex:
    """One rule's keys of every list record: a key's hash -> the records' positions, in
    sorted arrays (some 16 bytes a key: dictionaries of the keys took 250 MB for the bundled
    lists). A hash may be shared by another key: the records found are checked."""

    def __init__(self, hashes: Sequence[int], positions: Sequence[int]) -> None:
        order = np.argsort(np.array(hashes, dtype=np.int64), kind="stable")
        self.hashes = np.array(hashes, dtype=np.int64)[order]
        self.rows = np.array(positions, dtype=np.int64)[order]

    @classmethod
    def of_rules(
        cls, rules: Sequence[_RuleKeys], records: pa.Table, chunk: int = 5_000
    ) -> list[_KeyIndex]:
        """The index of each rule over `records`, read into Python `chunk` rows at a time."""
        hashes: list[list[int]] = [[] for _ in rules]
        positions: list[list[int]] = [[] for _ in rules]
        for start in range(0, records.num_rows, chunk):
            for position, record in enumerate(records.slice(start, chunk).to_pylist(), start):
                for rule, rule_hashes, rule_positions in zip(rules, hashes, positions, strict=True):
                    for key in rule.keys(record, LEFT):
                        rule_hashes.append(hash(key))
                        rule_positions.append(position)
        return [cls(h, p) for h, p in zip(hashes, positions, strict=True)]

    def positions(self, key: tuple[Any, ...]) -> list[int]:
        """The positions of the records with a key of `key`'s hash."""
        found = hash(key)
        start = int(np.searchsorted(self.hashes, found, side="left"))
        stop = int(np.searchsorted(self.hashes, found, side="right"))
        found_rows: list[int] = self.rows[start:stop].tolist()
        return found_rows


def _conjuncts(node: exp.Expression) -> Iterator[exp.Expression]:
    if isinstance(node, exp.Paren):
        yield from _conjuncts(node.this)
    elif isinstance(node, exp.And):
        yield from _conjuncts(node.this)
        yield from _conjuncts(node.expression)
    else:
        yield node


def _only_table(node: exp.Expression) -> str | None:
    tables = {c.table for c in node.find_all(exp.Column)}
    return tables.pop() if len(tables) == 1 else None


class RowScorer:
    """A screening session's blocking and scoring, in Python (see the module's docstring).

    `list_side` holds the session's list records as its scoring SQL reads them (each profile's
    representative, term frequencies joined, `source_dataset` first), `members` each list
    record's profile (`unique_id`, `profile_id` and the columns the predictions carry but no
    comparison reads). Mentions come as mention records; their term frequencies are looked up
    as the session looks them up (`assets.linkage.splink_run.NameFrequencyLookup`)."""

    def __init__(
        self,
        list_side: pa.Table,
        members: pa.Table,
        rules: Sequence[PreparedRule],
        predict_sql: Callable[[float], str],
        name_frequency: Callable[[str | None], float | None],
        mention_source: str,
    ) -> None:
        self.list_side = list_side
        self.max_pairs = MAX_ROW_PAIRS
        self._predict_sql = predict_sql
        self._queries: dict[float, CompiledQuery] = {}
        self._name_frequency = name_frequency
        self._mention_source = mention_source
        self.rules = [_RuleKeys.of(rule) for rule in rules]
        read = sorted({column for rule in rules for column in rule.columns})
        self._index = _KeyIndex.of_rules(self.rules, list_side.select(read))
        # Each profile's records, together: profile id -> (first row, rows) in `_members`.
        members = members.sort_by([("profile_id", "ascending"), ("unique_id", "ascending")])
        self._member_rows: dict[str, tuple[int, int]] = {}
        for row, profile_id in enumerate(members.column("profile_id").to_pylist()):
            first, count = self._member_rows.get(profile_id, (row, 0))
            self._member_rows[profile_id] = (first, count + 1)
        self._members = members.drop_columns(["profile_id"])

    def query(self, threshold: float) -> CompiledQuery:
        """Splink's scoring SQL at `threshold`, compiled on first use."""
        compiled = self._queries.get(threshold)
        if compiled is None:
            compiled = self._queries[threshold] = CompiledQuery(self._predict_sql(threshold))
            if set(compiled.first_tables) != {PAIR, LEFT, RIGHT}:
                raise UnsupportedSql(f"scoring SQL reading {sorted(compiled.first_tables)}")
        return compiled

    def blocked_pairs(
        self, mentions: Sequence[Mapping[str, Any]]
    ) -> tuple[list[tuple[str, int, int]], dict[int, dict[str, Any]]] | None:
        """(match key, list position, mention position) of each blocked pair, under the first
        rule that finds it (Splink's `min(match_key)`), and the list records of the pairs by
        position; None when the mentions block with more than `max_pairs` list records."""
        candidates = [
            (rule, key, m, index.positions(key))
            for rule, index in zip(self.rules, self._index, strict=True)
            for m, mention in enumerate(mentions)
            for key in rule.keys(mention, RIGHT)
        ]
        wanted = sorted({p for *_, positions in candidates for p in positions})
        if len(wanted) > self.max_pairs:  # at least as many pairs: not read into Python
            return None
        rows = dict(
            zip(wanted, self.list_side.take(pa.array(wanted, pa.int64())).to_pylist(), strict=True)
        )
        first: dict[tuple[int, int], str] = {}
        for rule, key, m, positions in candidates:
            for position in positions:
                # The index holds keys' hashes: a record whose key only shares the hash is none.
                if key not in rule.keys(rows[position], LEFT):
                    continue
                pair = (position, m)
                if pair not in first or rule.match_key < first[pair]:
                    first[pair] = rule.match_key
        return [(key, position, m) for (position, m), key in first.items()], rows

    def mention_rows(self, mentions: pa.Table) -> list[dict[str, Any]]:
        """Mention records as the scoring SQL reads them: `source_dataset` and the term
        frequency of the core name joined."""
        rows = []
        for record in mentions.to_pylist():
            frequency = self._name_frequency(record.get("core"))
            rows.append({"source_dataset": self._mention_source, **record, "tf_core": frequency})
        return rows

    def predict(
        self, mentions: pa.Table, threshold: float, columns: Sequence[str]
    ) -> list[dict[str, Any]] | None:
        """The session's `predict` of `mentions`: the predictions at or above `threshold`,
        with `columns`, one per list record of each blocked profile. None when the mentions
        have more than `max_pairs` blocked pairs: DuckDB scores them faster."""
        mention_rows = self.mention_rows(mentions)
        blocked = self.blocked_pairs(mention_rows)
        if blocked is None or len(blocked[0]) > self.max_pairs:
            return None
        pairs, list_rows = blocked
        scored = self.query(threshold).run(
            {PAIR: {"match_key": key}, LEFT: list_rows[position], RIGHT: mention_rows[m]}
            for key, position, m in pairs
        )
        predictions = []
        for row in scored:
            first, count = self._member_rows[row["unique_id_l"]]
            for member in self._members.slice(first, count).to_pylist():
                copied = {**row, **{f"{c}_l": v for c, v in member.items()}}
                predictions.append({c: copied[c] for c in columns})
        return predictions
