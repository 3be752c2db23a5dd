"""Scoring mentions against list names with a trained model, and explaining each match.

The output has one row per (mention, listed entity): the best-scoring of that entity's names,
with the match weight and probability, each comparison's contribution, the band and a one-line
explanation an analyst can read ("name 'promsvyazbank' exact; country RU in the sentence;
type Organization agrees").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assets.articles.model import Mention
from assets.common.atomic import write_text_atomically
from assets.linkage.backend import DuckDBBackend, LinkageEngine
from assets.linkage.model_json import level_labels
from assets.linkage.records import (
    NO_LIST_CONTEXT,
    RECORD_COLUMNS,
    TOKEN_COLUMNS,
    ListContext,
    RareTokens,
    mention_facts,
    mention_records,
    mentions_related_names,
)
from assets.linkage.settings import COMPARISON_NAMES, EXACT_NAME_LEVELS, SCHEMA_AGREES_GAMMA
from assets.linkage.splink_run import MENTIONS, NameFrequencyLookup, SplinkSession, splink_session


@dataclass(frozen=True)
class Bands:
    """`match` at or above `match`; `review` at or above `review`; below is not stored. A pair
    whose name comparison is at one of the levels `review_only` (their labels) goes to review
    however high it scores; so do rival entities of one list (`RIVAL_MARGIN`) with
    `rivals_to_review`. A pair scoring at least `lift_from` but under `review` is lifted to
    review when it is one of several listed people sharing the mention's name whose
    probabilities add up to the review band, or an exact list name with nothing against it
    (`matches_of_predictions`)."""

    match: float = 0.6
    review: float = 0.35
    review_only: tuple[str, ...] = ()
    rivals_to_review: bool = True
    lift_from: float = 0.05

    @property
    def scored_from(self) -> float:
        """The lowest probability a pair is scored at: the review band, or `lift_from`."""
        return min(self.review, self.lift_from)

    def band(self, probability: float) -> str | None:
        if probability >= self.match:
            return "match"
        if probability >= self.review:
            return "review"
        return None


# Match weights (log2 odds) within which two listed entities of one list are rivals for one
# mention: a leader by more than this (odds 4:1) keeps the match band.
RIVAL_MARGIN = 2.0

# The key of the name's term-frequency adjustment in a match's `contributions`.
NAME_FREQUENCY = "name_frequency"

MATCH_ARROW = pa.schema(
    [
        ("mention_id", pa.string()),
        ("entity_id", pa.string()),
        ("record_id", pa.string()),
        ("matched_name", pa.string()),
        ("name_kind", pa.string()),
        ("mention_name", pa.string()),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        ("band", pa.string()),
        ("contributions", pa.map_(pa.string(), pa.float64())),
        ("levels", pa.map_(pa.string(), pa.string())),
        ("explanation", pa.string()),
    ]
)


def score(
    mentions: pa.Table,
    list_records: pa.Table,
    settings: Mapping[str, Any],
    tf_core: pa.Table,
    bands: Bands,
    *,
    num_chunks_right: int | None = None,
    waterfall_html: Path | None = None,
    engine: LinkageEngine | None = None,
) -> pa.Table:
    """Score every mention against every list name the blocking rules pair it with, with
    Splink's own `predict` on a fresh Linker; keep the best name per (mention, entity) at or
    above the review band (`matches_of_predictions`). With `waterfall_html`, Splink's
    waterfall chart of the ten best pairs is written there (standalone HTML). `engine` selects
    the backend (DuckDB in memory by default). The Spark path of the one scorer
    (`assets.linkage.screen.Screener`) and the prior's calibration in training; every other
    caller scores through a `Screener`."""
    (matches,) = score_at_bands(
        mentions,
        list_records,
        settings,
        tf_core,
        [bands],
        num_chunks_right=num_chunks_right,
        waterfall_html=waterfall_html,
        engine=engine,
    )
    return matches


def score_at_bands(
    mentions: pa.Table,
    list_records: pa.Table,
    settings: Mapping[str, Any],
    tf_core: pa.Table,
    bands: Sequence[Bands],
    *,
    num_chunks_right: int | None = None,
    waterfall_html: Path | None = None,
    engine: LinkageEngine | None = None,
) -> list[pa.Table]:
    """`score` under each of `bands`, Splink's predictions made once: what fitting the match
    band on labelled mentions needs (`assets.linkage.training`)."""
    if mentions.num_rows == 0 or list_records.num_rows == 0:
        return [MATCH_ARROW.empty_table() for _ in bands]
    tf_core = NameFrequencyLookup(tf_core, list_records).with_mentions(mentions)
    profiles = MentionProfiles.of(mentions)
    labels = level_labels(settings)
    context = (context_of(profiles.distinct), context_of(list_records))
    with splink_session(
        profiles.distinct, list_records, dict(settings), tf_core, engine=engine
    ) as session:
        predictions = session.linker.inference.predict(
            threshold_match_probability=min(b.scored_from for b in bands),
            num_chunks_right=num_chunks_right,
            warning_mode="never",
        )
        if waterfall_html is not None:
            _write_waterfall(session, session.read(predictions).to_pylist(), waterfall_html)
        if isinstance(session.backend, DuckDBBackend):
            found = [
                matches_of_predictions(session.con, predictions.physical_name, labels, b, *context)
                for b in bands
            ]
        else:
            read = session.read(predictions)
            found = [_matches_of_arrow(read, labels, b, *context) for b in bands]
    return [profiles.spread(matches) for matches in found]


# The pairs a waterfall chart shows: the best-weighted ones.
WATERFALL_PAIRS = 10


def _write_waterfall(session: SplinkSession, predictions: list[dict[str, Any]], path: Path) -> None:
    """Splink's waterfall chart of the `WATERFALL_PAIRS` best-weighted of Splink's
    `predictions` rows, as standalone HTML at `path`; nothing without a row."""
    if predictions:
        top = sorted(predictions, key=lambda r: -float(r["match_weight"]))[:WATERFALL_PAIRS]
        chart = session.linker.visualisations.waterfall_chart(top, filter_nulls=False)
        write_text_atomically(path, chart.to_html(inline=True))


def write_waterfall(
    mentions: pa.Table,
    list_records: pa.Table,
    settings: Mapping[str, Any],
    name_frequencies: NameFrequencyLookup,
    found: pa.Table,
    path: Path,
) -> None:
    """Splink's waterfall chart of the best-weighted matches in `found` (`MATCH_ARROW`, scored
    from `mentions` against `list_records` with `name_frequencies`): their pairs scored again
    by Splink's own `predict` in a session holding only their records (a few milliseconds),
    written to `path`."""
    rows = sorted(found.to_pylist(), key=lambda r: -float(r["match_weight"]))[:WATERFALL_PAIRS]
    pairs = {(r["mention_id"], r["record_id"]) for r in rows}
    if not pairs:
        return
    left = mentions.filter(pc.is_in(mentions.column("unique_id"), pa.array([m for m, _ in pairs])))
    right = list_records.filter(
        pc.is_in(list_records.column("unique_id"), pa.array([r for _, r in pairs]))
    )
    tf = name_frequencies.with_mentions(left)
    with splink_session(left, right, dict(settings), tf) as session:
        predictions = session.linker.inference.predict(warning_mode="never")
        chosen = [
            row
            for row in session.read(predictions).to_pylist()
            if (row["unique_id_l"], row["unique_id_r"]) in pairs
            or (row["unique_id_r"], row["unique_id_l"]) in pairs
        ]
        _write_waterfall(session, chosen, path)


@dataclass(frozen=True)
class MentionProfiles:
    """Mentions that Splink cannot tell apart, scored once. Two mentions with the same values in
    every column but their ids (the same name, type, countries, birth years and identifiers)
    get the same predictions against every list name: the model's term frequencies come from
    the lists, not from the batch. News repeats names ("Vladimir Putin" in article after
    article), so scoring one mention per profile and copying its matches to the others gives
    the same table for less work."""

    distinct: pa.Table  # one mention record per profile (the one with the lowest mention id)
    members: pa.Table  # (profile_id, mention_id): every mention under its profile's mention id

    @classmethod
    def of(
        cls, mentions: pa.Table, con: duckdb.DuckDBPyConnection | None = None
    ) -> MentionProfiles:
        """The profiles of `mentions`, grouped in `con` (a private connection without one)."""
        if not set(mentions.column_names) <= _PROFILED:
            # Columns this grouping does not know of might tell mentions apart: no grouping.
            return cls.each(mentions)
        with _connection(con) as db:
            db.register("profiled_mentions", mentions)
            try:
                members = db.sql(
                    f"""
                    SELECT min(unique_id) OVER (PARTITION BY {PROFILE_COLUMNS}) AS profile_id,
                           unique_id AS mention_id
                    FROM profiled_mentions
                    """
                ).to_arrow_table()
            finally:
                db.unregister("profiled_mentions")
        profile_ids = pc.unique(members.column("profile_id"))
        distinct = mentions.filter(pc.is_in(mentions.column("unique_id"), profile_ids))
        return cls(distinct, members)

    @classmethod
    def each(cls, mentions: pa.Table) -> MentionProfiles:
        """Each mention its own profile."""
        ids = mentions.column("unique_id")
        return cls(mentions, pa.table({"profile_id": ids, "mention_id": ids}))

    @classmethod
    def of_mentions(
        cls,
        mentions: Iterable[Mention],
        token_frequencies: pa.Table | RareTokens,
        context: ListContext = NO_LIST_CONTEXT,
    ) -> MentionProfiles:
        """The profiles of `mentions` grouped by their `mention_facts`, with records
        (`mention_records`) built only for the lowest mention id of each: without building
        and grouping a record per mention. Each profile is one of `of`'s on their records, or
        part of one (a mention of an organisation guessed a person whose name carries a legal
        form...): the same matches."""
        firsts: dict[tuple[object, ...], Mention] = {}
        profile_ids: list[str] = []
        mention_ids: list[str] = []
        ordered = sorted(mentions, key=lambda m: m.mention_id)
        related_of = mentions_related_names(ordered, context.related_words)
        for mention in ordered:
            facts = mention_facts(mention, related_of.get(mention.mention_id, ()))
            first = firsts.setdefault(facts, mention)
            profile_ids.append(first.mention_id)
            mention_ids.append(mention.mention_id)
        members = pa.table(
            {
                "profile_id": pa.array(profile_ids, pa.string()),
                "mention_id": pa.array(mention_ids, pa.string()),
            }
        )
        return cls(
            mention_records(firsts.values(), token_frequencies, related_of, context), members
        )

    def spread(self, matches: pa.Table, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
        """`matches_of_predictions` of the distinct mentions, copied to every mention of each
        profile, in its order (mention, falling weight, entity); ordered in `con` (a private
        connection without one)."""
        if matches.num_rows == 0 or self.distinct.num_rows == self.members.num_rows:
            return matches
        found = pa.table(
            {
                "row": pa.array(range(matches.num_rows), pa.int64()),
                "profile_id": matches.column("mention_id"),
                "entity_id": matches.column("entity_id"),
                "match_weight": matches.column("match_weight"),
            }
        )
        with _connection(con) as db:
            db.register("profile_members", self.members)
            db.register("profile_matches", found)
            try:
                order = db.sql(
                    """
                    SELECT f.row, m.mention_id
                    FROM profile_matches f JOIN profile_members m USING (profile_id)
                    ORDER BY m.mention_id, f.match_weight DESC, f.entity_id
                    """
                ).to_arrow_table()
            finally:
                db.unregister("profile_members")
                db.unregister("profile_matches")
        spread = matches.take(order.column("row"))
        return spread.set_column(
            spread.schema.get_field_index("mention_id"), "mention_id", order.column("mention_id")
        )


@contextmanager
def _connection(con: duckdb.DuckDBPyConnection | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """`con`, or a private in-memory connection closed afterwards."""
    if con is not None:
        yield con
        return
    private = duckdb.connect(":memory:")
    try:
        yield private
    finally:
        private.close()


# Every column of a mention record that Splink sees, but its ids (`RECORD_COLUMNS`, and the
# `TOKEN_COLUMNS` that `mention_records` adds).
_PROFILED = {*RECORD_COLUMNS, *TOKEN_COLUMNS}
PROFILE_COLUMNS = ", ".join(sorted(_PROFILED - {"unique_id", "article_id"}))


# The prediction columns that scoring reads, named for the mention's or the list record's side
# (Splink may put either input on the left); the values are the columns when the mention is on
# the left. Reading only these for the surviving rows is what keeps scoring out of Python.
ORIENTED_COLUMNS = {
    "mention_id": "unique_id_l",
    "entity_id": "entity_id_r",
    "record_id": "unique_id_r",
    "matched_name": "name_r",
    "name_kind": "name_kind_r",
    "mention_name": "name_l",
    "record_schema": "schema_r",
    "record_countries": "countries_r",
    "mention_sentence_countries": "sentence_countries_l",
    "mention_article_countries": "article_countries_l",
    "mention_attributed_countries": "attributed_countries_l",
    "mention_identifiers": "identifiers_l",
    "record_identifiers": "identifiers_r",
}
SYMMETRIC_COLUMNS = [
    "match_weight",
    "match_probability",
    "mw_tf_adj_name",
    *(f"gamma_{c}" for c in COMPARISON_NAMES),
    *(f"mw_{c}" for c in COMPARISON_NAMES),
]


def mirrored(column: str) -> str:
    return column[:-2] + ("_r" if column.endswith("_l") else "_l")


# Every column of Splink's predictions that `matches_of_predictions` reads.
PREDICTION_COLUMNS = sorted(
    {
        "source_dataset_l",
        *SYMMETRIC_COLUMNS,
        *ORIENTED_COLUMNS.values(),
        *map(mirrored, ORIENTED_COLUMNS.values()),
    }
)
MENTION_LEFT_COLUMNS = ", ".join(
    [*(f"{column} AS {name}" for name, column in ORIENTED_COLUMNS.items()), *SYMMETRIC_COLUMNS]
)
MENTION_RIGHT_COLUMNS = ", ".join(
    [
        *(f"{mirrored(column)} AS {name}" for name, column in ORIENTED_COLUMNS.items()),
        *SYMMETRIC_COLUMNS,
    ]
)


def _signed(weight: str) -> str:
    """SQL: a weight as the explanation writes it, ``(+2.6)``."""
    return f"' (' || printf('%+.1f', {weight}) || ')'"


def _label(comparison: str, gamma: str) -> str:
    """SQL: the label of a comparison level (`level_labels`, passed as a list parameter)."""
    return f"${comparison}_labels[{gamma} + 2]"


# The sets the explanation names, computed once per match (sorted, without repeats), and only
# for the comparisons it writes about (a level other than "no data").
_NAMED = (
    "list_concat(coalesce(mention_attributed_countries, []), "
    "coalesce(mention_sentence_countries, []), coalesce(mention_article_countries, []))"
)
_EXPLAINED_SETS = {
    "attributed_countries": ("gamma_country", "coalesce(mention_attributed_countries, [])"),
    "listed_countries": ("gamma_country", "coalesce(record_countries, [])"),
    "shared_countries": (
        "gamma_country",
        f"list_intersect(coalesce(record_countries, []), {_NAMED})",
    ),
    "shared_identifiers": (
        "gamma_identifier",
        "list_intersect(coalesce(mention_identifiers, []), coalesce(record_identifiers, []))",
    ),
}
# What the article says around a mention that a listed entity's record agrees with: the
# organisation of its role in a listed position, or a linked entity named in the article
# (`CONTEXT_TIE_SQL` 2: `assets.linkage.roles`, `assets.linkage.links`), a title in common (1).
# Here it decides between listed namesakes (`matches_of_predictions`) and the explanation names
# it; the model weighs it in its `role_or_link` comparison (`assets.linkage.settings`), which
# reads the mention's `context_entities` instead of these sets. The sets are joined to the
# predictions above the scoring floor only (kept in Splink's records, the listed entities' long
# lists of linked names rode along every blocked pair: counterparty screening 25 % slower).
CONTEXT_COLUMNS = ("roles", "role_names", "related_names")
CONTEXT_SCHEMA = pa.schema(
    [("unique_id", pa.string()), *((c, pa.list_(pa.string())) for c in CONTEXT_COLUMNS)]
)
_CONTEXT_SETS = {
    f"shared_{column}": f"list_intersect(mention.{column}, record.{column})"
    for column in CONTEXT_COLUMNS
}
CONTEXT_SETS_SQL = ", ".join(
    f"list_sort(list_distinct(coalesce({values}, []))) AS {name}"
    for name, values in _CONTEXT_SETS.items()
)


def context_of(records: pa.Table) -> pa.Table:
    """The `CONTEXT_COLUMNS` of linkage records (mention or list), by record id."""
    return records.select(CONTEXT_SCHEMA.names).cast(CONTEXT_SCHEMA)


CONTEXT_TIE_SQL = (
    "CASE WHEN len(shared_role_names) + len(shared_related_names) > 0 THEN 2 "
    "WHEN len(shared_roles) > 0 THEN 1 ELSE 0 END"
)
EXPLAINED_SETS_SQL = ", ".join(
    f"CASE WHEN {gamma} >= 0 THEN list_sort(list_distinct({values})) END AS {name}"
    for name, (gamma, values) in _EXPLAINED_SETS.items()
)
_COUNTRY_PLACE = _label("country", "gamma_country")
# One readable line per match, the parts of the comparisons that had data joined by "; ":
# "name 'promsvyazbank' exact match on core (+14.1); type Organization agrees (+1.1);
# country RU in the sentence (+2.6)". Counterparty screening reads the name and birth-year parts.
EXPLANATION_SQL = f"""concat_ws('; ',
    'name ''' || matched_name || ''' ' || lower({_label("name", "gamma_name")})
        || {_signed("mw_name + coalesce(mw_tf_adj_name, 0.0)")},
    CASE WHEN gamma_schema >= 0 THEN 'type ' || record_schema || ' '
        || CASE WHEN gamma_schema = {SCHEMA_AGREES_GAMMA} THEN 'agrees'
                ELSE lower({_label("schema", "gamma_schema")}) END || {_signed("mw_schema")} END,
    CASE WHEN gamma_country < 0 THEN NULL
        WHEN len(shared_countries) > 0 THEN 'country ' || array_to_string(shared_countries, ', ')
            || ' ' || CASE WHEN starts_with({_COUNTRY_PLACE}, 'country ')
                THEN substr({_COUNTRY_PLACE}, 9) ELSE {_COUNTRY_PLACE} END
            || {_signed("mw_country")}
        ELSE 'countries disagree: the article gives '
            || array_to_string(attributed_countries, ', ')
            || ', list ' || array_to_string(listed_countries, ', ') || {_signed("mw_country")}
        END,
    CASE WHEN gamma_birth_year >= 0 THEN lower({_label("birth_year", "gamma_birth_year")})
        || {_signed("mw_birth_year")} END,
    CASE WHEN gamma_identifier < 0 THEN NULL
        WHEN len(shared_identifiers) > 0
            THEN 'identifier ' || array_to_string(shared_identifiers, ', ') || ' agrees'
                || {_signed("mw_identifier")}
        ELSE lower({_label("identifier", "gamma_identifier")}) || {_signed("mw_identifier")} END,
    nullif(concat_ws('; ',
        CASE WHEN len(shared_role_names) > 0
                THEN 'role in ' || array_to_string(shared_role_names, ', ')
                    || ' as a listed position'
            WHEN len(shared_roles) > 0
                THEN 'role ' || array_to_string(shared_roles, ', ') || ' as a listed position'
            END,
        CASE WHEN len(shared_related_names) > 0
            THEN 'the article names ' || array_to_string(shared_related_names, ', ')
                || ', linked to it on the list' END,
        CASE WHEN gamma_role_or_link = 0
            THEN lower({_label("role_or_link", "gamma_role_or_link")}) END
    ), '') || CASE WHEN gamma_role_or_link >= 0 THEN {_signed("mw_role_or_link")} ELSE '' END
)"""
# The columns of the `contributions` and `levels` maps (built in Arrow: building a MAP per row
# in DuckDB costs more than all the rest of `matches_of_predictions`).
_CONTRIBUTIONS = {
    **{c: f"mw_{c}" for c in COMPARISON_NAMES},
    NAME_FREQUENCY: "coalesce(mw_tf_adj_name, 0.0)",
}
_LEVELS = {c: _label(c, f"gamma_{c}") for c in COMPARISON_NAMES}
MAP_COLUMNS_SQL = ", ".join(
    [
        *(f"{sql} AS contribution_{name}" for name, sql in _CONTRIBUTIONS.items()),
        *(f"{sql} AS level_{name}" for name, sql in _LEVELS.items()),
    ]
)


def _map_column(table: pa.Table, prefix: str, keys: Sequence[str]) -> pa.MapArray:
    """A map column whose every row has `keys` in order, key k's value from column
    `<prefix><k>` of `table`."""
    rows, width = table.num_rows, len(keys)
    # Key-major (key j of row r at j * rows + r), taken in row-major order.
    values = pa.concat_arrays([table.column(prefix + key).combine_chunks() for key in keys])
    order = np.arange(rows * width, dtype=np.int64).reshape(width, rows).T.ravel()
    offsets = pa.array(np.arange(0, rows * width + 1, width, dtype=np.int32))
    names = pa.array(keys, pa.string()).take(pa.array(np.tile(np.arange(width), rows)))
    return pa.MapArray.from_arrays(offsets, names, values.take(pa.array(order)))


# A list name that may reach the match band (SQL over a match row): no weak alias. OFAC and
# the UN mark their broad, low-quality a.k.a.s weak: an acronym ("FSB", "AO VSK"), a common
# name ("Ivan MARQUEZ" of a FARC commander), a description ("External Security Organization"
# of Hizballah). Matched exactly they are for an analyst to confirm;
# the entity's other names can still reach the match band ("Abu Bakr al-Baghdadi", weak on
# OFAC, is a shorter form of an alias there).
NOT_WEAK = "name_kind IS DISTINCT FROM 'weak_alias'"
# ... nor a name level the bands keep for review (`Bands.review_only`).
MAY_MATCH = f"{NOT_WEAK} AND NOT list_contains($review_only::INTEGER[], gamma_name)"
# No comparison but the name's counts against the pair (a disagreeing country, birth year,
# identifier or type): an exact list name with this is worth an analyst's look however common
# its words are on the lists ("Islamic State", an alias of ISIL).
NOTHING_AGAINST = " AND ".join(
    f"coalesce(mw_{comparison}, 0.0) >= 0" for comparison in COMPARISON_NAMES[1:]
)


# A pair whose list name may reach the match band, in the match band.
IN_MATCH_BAND = f"match_probability >= $match AND {MAY_MATCH}"
# A prediction `matches_of_predictions` reads at all: a weak alias only where it matches exactly.
SCORED_PAIR = (
    "match_probability >= $scored_from AND NOT isnan(match_probability) "
    f"AND ({NOT_WEAK} OR list_contains($exact_names, gamma_name))"
)
# A listed person of one list whom the mention's name fits nearly as well as the list's best
# (`list_best_weight`: the best weight among the mention's pairs with that list).
NAMESAKE = "record_schema = 'Person' AND match_weight >= list_best_weight - $rival_margin"
LIFTED_AS_NAMESAKE = (
    "match_probability < $review AND namesake AND namesakes >= 2 AND namesakes_together >= $review"
)
LIFTED_AS_EXACT = (
    f"match_probability < $review AND {NOT_WEAK} "
    f"AND list_contains($exact_full_names, gamma_name) AND {NOTHING_AGAINST}"
)
# A match of the listed entities of one list matching a mention as high (`rivals` of them,
# `outranked` of them outranked by its role or links, `matches_of_predictions`).
BAND = (
    f"CASE WHEN {IN_MATCH_BAND} AND (rivals = 0 OR NOT $rivals_to_review) "
    "THEN 'match' ELSE 'review' END"
)
REVIEW_NOTE = f"""CASE WHEN match_probability >= $match AND NOT {NOT_WEAK}
        THEN 'review: a weak alias of the list'
    WHEN match_probability >= $match AND list_contains($review_only::INTEGER[], gamma_name)
        THEN 'review: ' || lower($name_labels[gamma_name + 2])
    WHEN match_probability >= $match AND rivals > 0 AND $rivals_to_review
        THEN 'review: ' || rivals || ' other listed '
             || CASE WHEN rivals = 1 THEN 'entity' ELSE 'entities' END
             || ' of this list score as high'
    WHEN match_probability >= $match AND outranked > 0 AND $rivals_to_review
        THEN 'match over ' || outranked || ' other listed '
             || CASE WHEN outranked = 1 THEN 'entity' ELSE 'entities' END
             || ' of this list as high: its role or links agree'
    WHEN lifted_as_namesake
        THEN 'review: one of ' || namesakes || ' listed people of this list '
             || 'the name fits (together ' || printf('%.2f', namesakes_together) || ')'
    WHEN lifted_as_exact
        THEN 'review: an exact name of the list, nothing against it'
    END"""
MATCH_EXPLANATION = f"concat_ws('; ', {EXPLANATION_SQL}, {REVIEW_NOTE})"
FINITE_PROBABILITY = "CASE WHEN isfinite(match_probability) THEN match_probability ELSE 0.0 END"


def match_parameters(labels: Mapping[str, Mapping[int, str]], bands: Bands) -> dict[str, Any]:
    """The values of the `$` parameters of `matches_of_predictions`'s SQL."""
    return {
        "mentions": MENTIONS,
        "review": bands.review,
        "scored_from": bands.scored_from,
        "match": bands.match,
        "rival_margin": RIVAL_MARGIN,
        "rivals_to_review": bands.rivals_to_review,
        # Found by label, not position: a level added before them once shifted them, and
        # weak aliases ("FSB") silently stopped matching even exactly.
        "exact_names": [g for g, label in labels["name"].items() if label in EXACT_NAME_LEVELS],
        "exact_full_names": [
            g for g, label in labels["name"].items() if label == EXACT_NAME_LEVELS[1]
        ],
        "review_only": [g for g, label in labels["name"].items() if label in bands.review_only],
        **{
            f"{comparison}_labels": [levels[g] for g in range(-1, max(levels) + 1)]
            for comparison, levels in labels.items()
            if comparison in COMPARISON_NAMES
        },
    }


def match_table(found: pa.Table) -> pa.Table:
    """`MATCH_ARROW` of the final rows of `matches_of_predictions` (its maps built from the
    `contribution_*` and `level_*` columns)."""
    return pa.table(
        {
            **{name: found.column(name) for name in MATCH_ARROW.names[:9]},
            "contributions": _map_column(found, "contribution_", list(_CONTRIBUTIONS)),
            "levels": _map_column(found, "level_", list(_LEVELS)),
            "explanation": found.column("explanation"),
        }
    ).cast(MATCH_ARROW)


def matches_of_predictions(
    con: duckdb.DuckDBPyConnection,
    table: str,
    labels: Mapping[str, Mapping[int, str]],
    bands: Bands,
    mention_context: pa.Table | None = None,
    record_context: pa.Table | None = None,
) -> pa.Table:
    """From Splink's predictions `table`, the matches (`MATCH_ARROW`): the best-weighted list
    name per (mention, entity) in the review band or above, with its band, each comparison's
    contribution and level, and the explanation. Under the review band from `bands.lift_from`,
    listed people of one list sharing the mention's name whose probabilities add up to the
    review band, and exact list names with nothing against them, are lifted into review. Weak
    aliases (OFAC "weak", low-quality
    a.k.a.s: "FSB", "AO VSK") count only where the name matches exactly, and then for review
    at most (`NOT_WEAK`); a match-band row of another name of the entity is preferred. So do
    the pairs at a name level of `bands.review_only`. Two or more entities of one list in the
    match band for one mention within `RIVAL_MARGIN` of each other are sent to review, saying
    so, unless `bands.rivals_to_review` is off; but one whose listed position or linked entity
    the article names (`CONTEXT_TIE_SQL`) outranks those it does not, and keeps the match band,
    saying why. Ties in weight go to the lowest record id, so
    the same inputs always name the same list name; rows are ordered by mention, falling weight,
    entity. `mention_context` and `record_context` (`context_of` the mention and list records
    scored) give that context; without them there is none. In DuckDB SQL and Arrow: no Python
    loop over the rows."""
    # The context tables, by the names the SQL reads (registering again replaces them).
    empty = CONTEXT_SCHEMA.empty_table()
    con.register("__mention_context", empty if mention_context is None else mention_context)
    con.register("__record_context", empty if record_context is None else record_context)
    found = con.sql(
        f"""
            WITH oriented AS (
                SELECT {MENTION_LEFT_COLUMNS} FROM {table} WHERE source_dataset_l = $mentions
                UNION ALL
                SELECT {MENTION_RIGHT_COLUMNS} FROM {table} WHERE source_dataset_l <> $mentions
            ),
            ranked AS (
                SELECT *, split_part(entity_id, ':', 1) AS list FROM oriented
                WHERE {SCORED_PAIR}
                QUALIFY row_number() OVER (
                    PARTITION BY mention_id, entity_id
                    ORDER BY {IN_MATCH_BAND} DESC, match_weight DESC, record_id) = 1
            ),
            candidates AS (
                SELECT ranked.*, {CONTEXT_SETS_SQL}
                FROM ranked
                LEFT JOIN __mention_context AS mention ON mention.unique_id = ranked.mention_id
                LEFT JOIN __record_context AS record ON record.unique_id = ranked.record_id
            ),
            -- Listed people of one list whom the mention's name fits nearly as well as the
            -- list's best ("Putin" alone: four listed Putins). A person mention names one
            -- person, so the chance that it names a listed one is their probabilities' sum;
            -- when that reaches the review band an analyst picks, though none does alone.
            namesakes AS (
                SELECT *, sum(CASE WHEN namesake THEN match_probability END) OVER per_list
                              AS namesakes_together,
                          count(CASE WHEN namesake THEN 1 END) OVER per_list AS namesakes
                FROM (
                    SELECT *, {NAMESAKE} AS namesake FROM (
                        SELECT *, max(match_weight) OVER (PARTITION BY mention_id, list)
                                  AS list_best_weight
                        FROM candidates
                    )
                ) WINDOW per_list AS (PARTITION BY mention_id, list)
            ),
            best AS (
                SELECT * FROM (
                    SELECT *, {LIFTED_AS_NAMESAKE} AS lifted_as_namesake,
                           {LIFTED_AS_EXACT} AS lifted_as_exact
                    FROM namesakes
                )
                WHERE match_probability >= $review OR lifted_as_namesake OR lifted_as_exact
            ),
            listed AS (
                SELECT mention_id, entity_id, match_weight, list, {CONTEXT_TIE_SQL} AS tie
                FROM best WHERE {IN_MATCH_BAND}
            ),
            -- Listed entities of one list matching the mention in the match band at nearly the
            -- same weight or more: one list names a person once, so two are two people of one
            -- name (a father and his son, two officials), and an analyst picks. A clear leader
            -- keeps the match band. (Cross-list resolution's canonical entities were tried to
            -- spare a person a list carries twice, under two regimes: on the labelled news its
            -- same-list merges joined more namesakes than duplicates.) Of two at nearly the
            -- same weight, the one whose listed position or linked entity the article names
            -- (`tie`: "Vladimir Bogdanov, Director General of Surgutneftegaz") outranks the
            -- other, which goes to review.
            rivals AS (
                SELECT mention_id, entity_id, count(*) FILTER (NOT outranks) AS rivals,
                       count(*) FILTER (outranks) AS outranked
                FROM (
                    SELECT a.mention_id, a.entity_id,
                           a.tie > b.tie AND a.match_weight >= b.match_weight - $rival_margin
                               AS outranks
                    FROM listed a JOIN listed b
                      ON a.mention_id = b.mention_id AND a.list = b.list
                     AND a.entity_id <> b.entity_id
                     AND b.match_weight >= a.match_weight - $rival_margin
                )
                GROUP BY mention_id, entity_id
            )
            SELECT mention_id, entity_id, record_id, matched_name, name_kind, mention_name,
                   match_weight,
                   {FINITE_PROBABILITY} AS match_probability, {BAND} AS band,
                   {MATCH_EXPLANATION} AS explanation,
                   {MAP_COLUMNS_SQL}
            FROM (
                SELECT b.*, {EXPLAINED_SETS_SQL}, coalesce(r.rivals, 0) AS rivals,
                       coalesce(r.outranked, 0) AS outranked
                FROM best b LEFT JOIN rivals r USING (mention_id, entity_id)
            )
            ORDER BY mention_id, match_weight DESC, entity_id
            """,
        params=match_parameters(labels, bands),
    ).to_arrow_table()
    con.unregister("__mention_context")
    con.unregister("__record_context")
    return match_table(found)


def _matches_of_arrow(
    predictions: pa.Table,
    labels: Mapping[str, Mapping[int, str]],
    bands: Bands,
    mention_context: pa.Table | None,
    record_context: pa.Table | None,
) -> pa.Table:
    """`matches_of_predictions` of predictions read back from another backend (Spark)."""
    with _connection(None) as con:
        con.register("predictions", predictions)
        return matches_of_predictions(
            con, "predictions", labels, bands, mention_context, record_context
        )
