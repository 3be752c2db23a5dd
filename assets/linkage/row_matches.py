"""`matches_of_predictions` in Python, for the predictions of a few mentions
(`assets.linkage.row_scoring`): the same matches, bands and explanations, without DuckDB planning
its SQL (some 90 ms, however few the rows).

Every expression on a row is the SQL `matches_of_predictions` runs (`assets.linkage.scoring`:
`SCORED_PAIR`, `NAMESAKE`, `BAND`, the explanation...), compiled by `assets.linkage.rowsql`. What
is written twice, here and in that SQL, is only how rows are grouped and joined: the best list
name per (mention, entity), the namesakes per (mention, list), the rivals in the match band.
tests/linkage/test_row_scoring.py holds the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from assets.linkage.rowsql import Row, compile_expression, parse
from assets.linkage.scoring import (
    BAND,
    CONTEXT_SCHEMA,
    CONTEXT_SETS_SQL,
    CONTEXT_TIE_SQL,
    EXPLAINED_SETS_SQL,
    FINITE_PROBABILITY,
    IN_MATCH_BAND,
    LIFTED_AS_EXACT,
    LIFTED_AS_NAMESAKE,
    MAP_COLUMNS_SQL,
    MATCH_ARROW,
    MATCH_EXPLANATION,
    NAMESAKE,
    ORIENTED_COLUMNS,
    RIVAL_MARGIN,
    SCORED_PAIR,
    SYMMETRIC_COLUMNS,
    Bands,
    match_parameters,
    match_table,
    mirrored,
)
from assets.linkage.splink_run import MENTIONS

Evaluate = Callable[[Row], Any]
_NO_CONTEXT = dict.fromkeys(CONTEXT_SCHEMA.names)


def _select_list(sql: str, params: Mapping[str, Any]) -> list[tuple[str, Evaluate]]:
    """Each `expression AS name` of a SELECT list, compiled."""
    return [
        (projection.alias_or_name, compile_expression(projection.this, params))
        for projection in parse(f"SELECT {sql}").expressions
    ]


class RowMatches:
    """`matches_of_predictions` for one set of labels and bands, compiled once."""

    def __init__(self, labels: Mapping[str, Mapping[int, str]], bands: Bands) -> None:
        params = match_parameters(labels, bands)
        self.review = bands.review

        def compiled(sql: str) -> Evaluate:
            return compile_expression(sql, params)

        self.scored = compiled(SCORED_PAIR)
        self.in_match_band = compiled(IN_MATCH_BAND)
        self.namesake = compiled(NAMESAKE)
        self.lifted_as_namesake = compiled(LIFTED_AS_NAMESAKE)
        self.lifted_as_exact = compiled(LIFTED_AS_EXACT)
        self.tie = compiled(CONTEXT_TIE_SQL)
        self.context_sets = _select_list(CONTEXT_SETS_SQL, params)
        self.explained_sets = _select_list(EXPLAINED_SETS_SQL, params)
        self.outputs = [
            ("match_probability", compiled(FINITE_PROBABILITY)),
            ("band", compiled(BAND)),
            ("explanation", compiled(MATCH_EXPLANATION)),
            *_select_list(MAP_COLUMNS_SQL, params),
        ]

    def __call__(
        self,
        predictions: Sequence[Mapping[str, Any]],
        mention_context: Mapping[str, Mapping[str, Any]],
        record_context: Callable[[str], Mapping[str, Any] | None],
    ) -> pa.Table:
        """The matches (`MATCH_ARROW`) of `predictions` (rows of Splink's predictions with the
        `PREDICTION_COLUMNS`), given the context of each mention by id and of each list record
        (`CONTEXT_COLUMNS`; None or missing: none)."""
        ranked = self._ranked(predictions)
        for row in ranked:
            row["mention"] = mention_context.get(row["mention_id"]) or _NO_CONTEXT
            row["record"] = record_context(row["record_id"]) or _NO_CONTEXT
            row.update([(name, value(row)) for name, value in self.context_sets])
        best = self._best(ranked)
        rivals = self._rivals(best)
        rows = []
        for row in best:
            row["rivals"], row["outranked"] = rivals.get(
                (row["mention_id"], row["entity_id"]), (0, 0)
            )
            row.update([(name, value(row)) for name, value in self.explained_sets])
            out = {name: row[name] for name in MATCH_ARROW.names[:7]}
            out.update((name, value(row)) for name, value in self.outputs)
            rows.append(out)
        rows.sort(key=lambda r: (r["mention_id"], -r["match_weight"], r["entity_id"]))
        return match_table(pa.Table.from_pylist(rows, schema=_FOUND_SCHEMA))

    def _ranked(self, predictions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The predictions the SQL reads (`SCORED_PAIR`), mention first, and of them the best
        list name per (mention, entity): one that may reach the match band first, then the
        highest weight, then the lowest record id."""
        kept: dict[tuple[str, str], tuple[tuple[Any, ...], dict[str, Any]]] = {}
        for prediction in predictions:
            left = prediction["source_dataset_l"] == MENTIONS
            row = {
                name: prediction[column if left else mirrored(column)]
                for name, column in ORIENTED_COLUMNS.items()
            }
            row.update((column, prediction[column]) for column in SYMMETRIC_COLUMNS)
            if self.scored(row) is not True:
                continue
            row["list"] = row["entity_id"].split(":", 1)[0]
            order = (self.in_match_band(row) is not True, -row["match_weight"], row["record_id"])
            key = (row["mention_id"], row["entity_id"])
            if key not in kept or order < kept[key][0]:
                kept[key] = (order, row)
        return [row for _, row in kept.values()]

    def _best(self, ranked: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows in the review band, or lifted into it as one of several namesakes or as
        an exact list name with nothing against it."""
        per_list: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in ranked:
            per_list.setdefault((row["mention_id"], row["list"]), []).append(row)
        for rows in per_list.values():
            best_weight = max(row["match_weight"] for row in rows)
            for row in rows:
                row["list_best_weight"] = best_weight
                row["namesake"] = self.namesake(row)
            namesakes = [row for row in rows if row["namesake"] is True]
            together = sum(row["match_probability"] for row in namesakes) if namesakes else None
            for row in rows:
                row["namesakes_together"] = together
                row["namesakes"] = len(namesakes)
        best = []
        for row in ranked:
            row["lifted_as_namesake"] = self.lifted_as_namesake(row)
            row["lifted_as_exact"] = self.lifted_as_exact(row)
            if (
                row["match_probability"] >= self.review
                or row["lifted_as_namesake"] is True
                or row["lifted_as_exact"] is True
            ):
                best.append(row)
        return best

    def _rivals(self, best: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, int]]:
        """(rivals, outranked) of each match-band row that has rivals: the other listed
        entities of its list in the match band at nearly its weight or more, and how many of
        them its role or links outrank."""
        listed: dict[tuple[str, str], list[tuple[str, float, int]]] = {}
        for row in best:
            if self.in_match_band(row) is True:
                listed.setdefault((row["mention_id"], row["list"]), []).append(
                    (row["entity_id"], row["match_weight"], self.tie(row))
                )
        found = {}
        for (mention_id, _), rows in listed.items():
            for entity_id, weight, tie in rows:
                rivals = outranked = 0
                for other_id, other_weight, other_tie in rows:
                    if other_id == entity_id or other_weight < weight - RIVAL_MARGIN:
                        continue
                    if tie > other_tie and weight >= other_weight - RIVAL_MARGIN:
                        outranked += 1
                    else:
                        rivals += 1
                if rivals or outranked:
                    found[(mention_id, entity_id)] = (rivals, outranked)
        return found


# The rows `matches_of_predictions`'s SQL selects, before `match_table` builds the maps.
_FOUND_SCHEMA = pa.schema(
    [
        *(MATCH_ARROW.field(i) for i in range(9)),
        pa.field("explanation", pa.string()),
        *(
            pa.field(name, pa.float64() if name.startswith("contribution_") else pa.string())
            for name in (p.alias_or_name for p in parse(f"SELECT {MAP_COLUMNS_SQL}").expressions)
        ),
    ]
)
