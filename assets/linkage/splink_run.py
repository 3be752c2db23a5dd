"""Running Splink: inputs arrive as Arrow tables, results leave as Arrow.

By default Splink runs on a private in-memory DuckDB: Splink creates many intermediate
`__splink__*` tables, and keeping them there means the warehouse file only ever receives
finished results, written in one transaction by the caller. A `LinkageEngine` for Spark
(`assets.linkage.backend`) runs the same settings through Splink's SparkAPI instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from splink import DuckDBAPI, Linker
from splink.internals.comparison_vector_values import (
    compute_comparison_vector_values_from_id_pairs_sqls,
)
from splink.internals.pipeline import CTEPipeline
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
from splink.internals.splink_dataframe import SplinkDataFrame
from splink.internals.term_frequencies import (
    _join_tf_to_input_table_sql,
    ensure_term_frequencies_for_linker,
)
from sqlglot import exp

from assets.linkage.backend import DUCKDB_ENGINE, DuckDBBackend, LinkageEngine, SplinkBackend
from assets.linkage.frequency import NameFrequency
from assets.linkage.names import core_tokens
from assets.linkage.row_scoring import PreparedRule, RowScorer
from assets.linkage.rowsql import UnsupportedSql

MENTIONS = "mentions"
LIST_RECORDS = "list_records"


@dataclass
class SplinkSession:
    backend: SplinkBackend
    linker: Linker

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The session's DuckDB connection (DuckDB backend only)."""
        if not isinstance(self.backend, DuckDBBackend):
            raise RuntimeError(f"a {self.backend.dialect} Splink session has no DuckDB connection")
        return self.backend.con

    def register(self, table: pa.Table, name: str) -> SplinkDataFrame:
        """`table` as a Splink table of this session's backend, named `name`."""
        return self.backend.register(table, name)

    def read(self, result: SplinkDataFrame) -> pa.Table:
        """A Splink result (predictions, clusters...) as an Arrow table."""
        return self.backend.read(result)


def _arrow(result: Any) -> pa.Table:
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


@contextmanager
def splink_session(
    mentions: pa.Table,
    list_records: pa.Table,
    settings: dict[str, Any] | Any,
    tf_core: pa.Table | None = None,
    threads: int | None = None,
    engine: LinkageEngine | None = None,
) -> Iterator[SplinkSession]:
    """A Linker over (mentions, list_records): in a private in-memory DuckDB, or on the
    backend of `engine` (a model's DuckDB SQL is translated for Spark)."""
    if engine is None:
        engine = LinkageEngine(replace(DUCKDB_ENGINE.config, threads=threads))
    with engine.session() as backend:
        left = backend.register(mentions, MENTIONS)
        right = backend.register(list_records, LIST_RECORDS)
        if isinstance(settings, dict):
            # A copy in the backend's dialect (Splink mutates the dict it is given).
            settings = backend.settings(json.loads(json.dumps(settings)))
        linker = Linker([left, right], settings, log_level=logging.WARNING)
        if tf_core is not None:
            linker.table_management.register_term_frequency_lookup(
                backend.register(tf_core, "tf_core_lookup"), "core"
            )
        yield SplinkSession(backend, linker)


def copy_u(u_settings: Mapping[str, Any], linker: Any, description: str) -> None:
    """Put the u probabilities estimated in one session into another linker's comparisons."""
    by_name = {c["output_column_name"]: c for c in u_settings["comparisons"]}
    for comparison in linker._settings_obj.comparisons:
        levels = by_name[comparison.output_column_name]["comparison_levels"]
        for level, source in zip(comparison.comparison_levels, levels, strict=True):
            if level.is_null_level:
                continue
            value = source.get("u_probability")
            if value is not None:
                level._add_trained_u_probability(value, description)
    linker._populate_m_u_from_trained_values()


# Splink's composite record key: "<source dataset>-__-<unique id>".
_KEY_SEPARATOR = "-__-"


def prepared_rules(linker: Linker) -> list[PreparedRule]:
    """The Linker's blocking rules for predictions, in order (their match keys)."""
    rules = []
    for rule in linker._settings_obj._blocking_rules_to_generate_predictions:
        columns = sqlglot.parse_one(rule.blocking_rule_sql, read=rule.sqlglot_dialect).find_all(
            exp.Column
        )
        rules.append(
            PreparedRule(
                match_key=str(rule.match_key),
                condition=rule.blocking_rule_sql,
                columns=tuple(dict.fromkeys(c.name for c in columns)),
                exploded=tuple(getattr(rule, "array_columns_to_explode", ())),
            )
        )
    return rules


class ListSideBlocking:
    """Splink's blocking of (list record, mention) pairs with the list side done once.

    Splink computes blocked pairs from both inputs on every `predict`: each batch of mentions
    would explode and hash all list records again (560,000 at ten times the bundled lists).
    Here each rule's list-side keys (its columns, arrays exploded, the record's id) are a table
    made when the session starts; a batch only computes its mentions' keys and joins. The pairs
    are Splink's: the same rules and conditions, each pair once under the first rule that finds
    it (Splink's `min(match_key)`), the list record on the left as Splink puts it in a two-table
    link (its inputs ordered by name)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        linker: Linker,
        rules: Sequence[PreparedRule],
        list_records: str = LIST_RECORDS,
        name: str = "list",
    ) -> None:
        """Keys for `rules` (the Linker's, `prepared_rules`) of the list records in
        `list_records` (a table or view of the Linker's list input, or of some of its rows),
        keyed as the Linker's list input, in tables named after `name` (made again if they
        exist: one blocking of each name at a time)."""
        self.con = con
        self.rules = list(rules)
        self.dialect = linker._db_api.sql_dialect
        self.name = name
        for rule in self.rules:
            con.execute(
                f"CREATE OR REPLACE TABLE {self._list_keys(rule)} AS "
                f"{self._keys_sql(rule, list_records)}"
            )

    def _list_keys(self, rule: PreparedRule) -> str:
        return f"__{self.name}_blocking_keys_{rule.match_key}"

    def _keys_sql(self, rule: PreparedRule, table: str) -> str:
        """The keys for `rule` of the rows of `table`: the rule's columns (arrays exploded) and
        the row's unique id."""
        plain = [f'"{c}"' for c in rule.columns if c not in rule.exploded]
        return self.dialect.explode_arrays_sql(
            table, [f'"{c}"' for c in rule.exploded], ["unique_id", *plain]
        )

    def pairs(self) -> pa.Table:
        """The blocked pairs of the registered mentions: the match key of the first rule that
        finds each (Splink's), and the unique ids of the list record (`join_key_l`) and the
        mention (`join_key_r`). Splink keys a pair by composite keys (`source_dataset-__-id`); the
        plain ids join without building a string per row."""
        per_rule = [
            f"SELECT '{rule.match_key}' AS match_key, l.unique_id AS join_key_l, "
            f"r.unique_id AS join_key_r FROM {self._list_keys(rule)} AS l "
            f"JOIN ({self._keys_sql(rule, MENTIONS)}) AS r ON ({rule.condition})"
            for rule in self.rules
        ]
        return _arrow(
            self.con.sql(
                "SELECT min(match_key) AS match_key, join_key_l, join_key_r "
                f"FROM ({' UNION ALL '.join(per_rule)}) GROUP BY join_key_l, join_key_r"
            ).to_arrow_table()
        )


_PAIRS_SCHEMA = pa.schema([(c, pa.string()) for c in ("match_key", "join_key_l", "join_key_r")])
# Blocked pairs per parallel scoring task.
_PAIRS_BATCH = 8192


class ScreeningSession:
    """Scoring batch after batch of mentions against a fixed list side, with the model's Splink
    SQL generated once.

    Splink's `predict` rebuilds everything from both inputs on every call: blocking, the
    concatenated records with their term frequencies, and the SQL itself (generating it parses
    the model's comparisons, ~0.2 s). Screening keeps the list side fixed, so this session does
    that work once, when it is made, in its own in-memory DuckDB: the list records with their
    term frequencies joined, the list side of blocking (`ListSideBlocking`), and the SQL that
    Splink's `predict` runs from blocked pairs to predictions (comparison vectors, match
    weights, the threshold), generated by Splink from the model for this session's tables.
    List records alike in every column Splink reads are blocked and scored once. A batch
    registers its mentions, computes their blocked pairs and runs that SQL, reading only the
    list records in some pair: the predictions of `linker.inference.predict()` on the same
    inputs (tests/linkage/test_screening_session.py holds the two equal). Not thread-safe: one
    batch at a time."""

    _PAIRS = "__screening_blocked_pairs"
    _LIST_SIDE = "__screening_list_records"
    _MENTION_SIDE = "__screening_mentions"
    PREDICTIONS = "__screening_predictions"
    _MEMBERS = "__screening_list_profiles"
    _TF_LOOKUP = "tf_core_lookup"
    _SUBSET = "__screening_subset_representatives"

    def __init__(
        self,
        list_records: pa.Table,
        settings: dict[str, Any],
        tf_core: pa.Table,
        empty_mentions: pa.Table,
    ) -> None:
        self.con = con = duckdb.connect(":memory:")
        # No automatic checkpoints: in memory they only compress the tables made below, and the
        # first would fall on a batch (0.5 s at 560,000 list records).
        con.execute("SET checkpoint_threshold = '1TB'")
        # Every result read from here is ordered by its query (or is a set): DuckDB may write
        # in parallel without keeping rows in input order.
        con.execute("SET preserve_insertion_order = false")
        backend = DuckDBBackend(con)
        # The Arrow inputs are read here, to make the tables below, and by each batch's views.
        con.register(LIST_RECORDS, list_records)
        con.register(MENTIONS, empty_mentions)
        self.linker = linker = Linker(
            [
                backend.db_api.register(MENTIONS, dataset_display_name=MENTIONS),
                backend.db_api.register(LIST_RECORDS, dataset_display_name=LIST_RECORDS),
            ],
            # A copy (Splink mutates the dict it is given).
            backend.settings(json.loads(json.dumps(settings))),
            log_level=logging.WARNING,
        )
        linker.table_management.register_term_frequency_lookup(
            backend.register(tf_core, self._TF_LOOKUP), "core"
        )
        # Each batch's mention names are added to the lookup.
        self.name_frequencies = NameFrequencyLookup(tf_core, list_records)
        # List records that differ only in columns Splink carries but never compares (the name
        # as written, its kind...) score alike against any mention: only one of them, the
        # profile's representative, is blocked and scored, and the predictions are copied to
        # the others (`_MEMBERS`). The role-or-link comparison reads each record's own entity
        # (`context_entities`), so only names of one entity that analyse alike share a profile:
        # 1.5 % fewer records at the bundled lists' size (56,425 records, 55,561 profiles).
        rules = prepared_rules(linker)
        self._carried = self._carried_columns(list_records.column_names, linker, rules)
        profiled = [
            c for c in list_records.column_names if c != "unique_id" and c not in self._carried
        ]
        members = [
            "unique_id",
            f"min(unique_id) OVER (PARTITION BY {', '.join(profiled)}) AS profile_id",
            *self._carried,
        ]
        con.execute(
            f"CREATE TABLE {self._MEMBERS} AS SELECT {', '.join(members)} FROM {LIST_RECORDS}"
        )
        representatives = f"{self._LIST_SIDE}_representatives"
        con.execute(
            f"CREATE VIEW {representatives} AS SELECT * FROM {LIST_RECORDS} WHERE unique_id IN "
            f"(SELECT profile_id FROM {self._MEMBERS})"
        )
        self._blocking = ListSideBlocking(con, linker, rules, representatives)
        # Each side as Splink's concatenation of the inputs gives it (a `source_dataset` column
        # first) with the term frequencies joined, by Splink's SQL: the list side once, the
        # mentions' as a view.
        all_list_records = f"{self._LIST_SIDE}_all"
        for side, source, rows, kind in (
            (all_list_records, LIST_RECORDS, representatives, "TABLE"),
            (self._MENTION_SIDE, MENTIONS, MENTIONS, "VIEW"),
        ):
            con.execute(
                f"CREATE VIEW {side}_concat AS SELECT '{source}' AS source_dataset, * FROM {rows}"
            )
            pipeline = CTEPipeline(ensure_term_frequencies_for_linker(linker))
            pipeline.enqueue_sql(_join_tf_to_input_table_sql(linker, f"{side}_concat"), side)
            con.execute(f"CREATE {kind} {side} AS {pipeline.generate_cte_pipeline_sql()}")
        # Splink's SQL joins the pairs to each side on the record's id: the list side it reads
        # is only the records in some pair (as Splink's "source pruning" does).
        con.register(self._PAIRS, _PAIRS_SCHEMA.empty_table())
        con.execute(
            f"CREATE VIEW {self._LIST_SIDE} AS SELECT * FROM {all_list_records} "
            f"WHERE unique_id IN (SELECT join_key_l FROM {self._PAIRS})"
        )
        self._sql: dict[float, str] = {}
        self._all_list_records = all_list_records
        self._row_scorer: RowScorer | None = None
        self._subset: tuple[tuple[str, ...], ListSideBlocking] | None = None

    @staticmethod
    def _carried_columns(
        columns: Sequence[str], linker: Linker, rules: Sequence[PreparedRule]
    ) -> list[str]:
        """The list records' columns that Splink's predictions carry (`_l`) but no comparison
        or blocking rule (`rules`) reads."""
        settings = linker._settings_obj
        read = {c.unquote().name for c in settings._columns_used_by_comparisons}
        read |= {c for rule in rules for c in rule.columns}
        carried = set(settings._additional_col_names_to_retain) - read
        return [c for c in columns if c in carried]

    def predict_sql(self, threshold_match_probability: float) -> str:
        """Splink's SQL from blocked pairs to predictions, for this session's tables: generated
        on the first call for a threshold (~0.15 s), then kept."""
        sql = self._sql.get(threshold_match_probability)
        if sql is None:
            settings = self.linker._settings_obj
            pipeline = CTEPipeline(
                [
                    self.linker._db_api.table_to_splink_dataframe(
                        "__splink__blocked_id_pairs", self._PAIRS
                    )
                ]
            )
            pipeline.enqueue_list_of_sqls(
                compute_comparison_vector_values_from_id_pairs_sqls(
                    settings._columns_to_select_for_blocking,
                    settings._columns_to_select_for_comparison_vector_values,
                    input_tablename_l=self._LIST_SIDE,
                    input_tablename_r=self._MENTION_SIDE,
                    # Pairs carry plain unique ids (each side's are unique): no composite key.
                    source_dataset_input_column=None,
                    unique_id_input_column=settings.column_info_settings.unique_id_input_column,
                    link_type=settings._link_type,
                    sql_dialect_str=self.linker._sql_dialect_str,
                )
            )
            pipeline.enqueue_list_of_sqls(
                predict_from_comparison_vectors_sqls_using_settings(
                    settings, threshold_match_probability
                )
            )
            sql = self._sql[threshold_match_probability] = pipeline.generate_cte_pipeline_sql()
        return sql

    def row_scorer(self) -> RowScorer:
        """This session's blocking and scoring in Python, for batches too small to pay for
        DuckDB planning the scoring SQL (`assets.linkage.row_scoring`): made on first use
        (about 1 s for the bundled lists). `UnsupportedSql` when the model uses SQL it does
        not evaluate."""
        if self._row_scorer is None:
            settings = self.linker._settings_obj
            frequencies = [c.unquote().name for c in settings._term_frequency_columns]
            if frequencies not in ([], ["core"]):
                raise UnsupportedSql(f"term frequencies of {frequencies}")
            self._row_scorer = RowScorer(
                self.con.sql(f"SELECT * FROM {self._all_list_records}").to_arrow_table(),
                self.con.sql(f"SELECT * FROM {self._MEMBERS}").to_arrow_table(),
                self._blocking.rules,
                self.predict_sql,
                self.name_frequencies.frequency,
                MENTIONS,
            )
        return self._row_scorer

    def blocked_pairs(self, mentions: pa.Table) -> pa.Table:
        """Register `mentions` as the session's mentions; their blocked pairs with the list
        profiles' representatives (`ListSideBlocking.pairs`)."""
        self._register_mentions(mentions)
        return self._blocking.pairs()

    def _register_mentions(self, mentions: pa.Table) -> None:
        # The views over the mentions read them (and the lookup of their names' frequencies)
        # through these names; re-registering swaps the rows. The list side was made from the
        # lookup of the list names alone, which is all it looks up.
        self.con.register(MENTIONS, mentions)
        self.con.register(self._TF_LOOKUP, self.name_frequencies.with_mentions(mentions))

    def mentions_blocked_with(self, mentions: pa.Table, entity_ids: Sequence[str]) -> pa.Table:
        """The mention records of `mentions` that block with some list record of the entities
        `entity_ids` (`_subset_blocking`): the only ones that can score against them."""
        self.con.register(MENTIONS, mentions)
        blocked = self._subset_blocking(entity_ids).pairs().column("join_key_r").unique()
        return mentions.filter(pc.is_in(mentions.column("unique_id"), blocked))

    def mentions_scored_with(
        self, mentions: pa.Table, entity_ids: Sequence[str], threshold_match_probability: float
    ) -> pa.Table:
        """The mention records of `mentions` with a prediction at or above the threshold
        against some list record of the entities `entity_ids`: the only ones that can match
        those entities. Re-screening an archive for a list change scores just these against
        every list, so rivals band as in a full screening. Only the pairs with those entities'
        names (`_subset_blocking`) are scored here."""
        self._register_mentions(mentions)
        predictions = self._predict_pairs(
            self._subset_blocking(entity_ids).pairs(),
            threshold_match_probability,
            ["unique_id_l", "unique_id_r"],
        )
        scored = self.con.sql(f"SELECT DISTINCT unique_id_r FROM {predictions}").to_arrow_table()
        return mentions.filter(pc.is_in(mentions.column("unique_id"), scored.column(0)))

    def _subset_blocking(self, entity_ids: Sequence[str]) -> ListSideBlocking:
        """The blocking of mentions with the names of the entities `entity_ids` alone: made on
        the first call for a set of entities, kept for the next calls with it."""
        wanted = tuple(sorted(set(entity_ids)))
        if self._subset is None or self._subset[0] != wanted:
            self.con.register(
                "__subset_entities", pa.table({"entity_id": pa.array(wanted, pa.string())})
            )
            try:
                self.con.execute(
                    f"CREATE OR REPLACE TABLE {self._SUBSET} AS SELECT * FROM {LIST_RECORDS} "
                    f"WHERE unique_id IN (SELECT profile_id FROM {self._MEMBERS}) "
                    "AND entity_id IN (SELECT entity_id FROM __subset_entities)"
                )
            finally:
                self.con.unregister("__subset_entities")
            blocking = ListSideBlocking(
                self.con, self.linker, self._blocking.rules, self._SUBSET, name="subset"
            )
            self._subset = (wanted, blocking)
        return self._subset[1]

    def blocked_record_pairs(self, mentions: pa.Table) -> pa.Table:
        """`blocked_pairs` with every list record of each representative's profile: the pairs
        Splink's blocking gives (Splink's columns, its composite keys)."""
        self.con.register("representative_pairs", self.blocked_pairs(mentions))
        try:
            return _arrow(
                self.con.sql(
                    f"SELECT p.match_key, '{LIST_RECORDS}{_KEY_SEPARATOR}' || m.unique_id "
                    f"AS join_key_l, '{MENTIONS}{_KEY_SEPARATOR}' || p.join_key_r AS join_key_r "
                    "FROM representative_pairs AS p "
                    f"JOIN {self._MEMBERS} AS m ON m.profile_id = p.join_key_l"
                ).to_arrow_table()
            )
        finally:
            self.con.unregister("representative_pairs")

    def predict(
        self, mentions: pa.Table, threshold_match_probability: float, columns: Sequence[str]
    ) -> str:
        """Score `mentions` (mention records) against the list records; the name of the table
        in `con` holding the predictions at or above the threshold (replaced by the next
        batch), with only `columns` of Splink's (a prediction carries every column of both
        records: writing them all costs more than scoring)."""
        return self._predict_pairs(
            self.blocked_pairs(mentions), threshold_match_probability, columns
        )

    def _predict_pairs(
        self, pairs: pa.Table, threshold_match_probability: float, columns: Sequence[str]
    ) -> str:
        """`predict` of the blocked `pairs` of the registered mentions."""
        pairs = pairs.combine_chunks()
        # Scoring runs in as many parallel tasks as the pairs have Arrow batches (a DuckDB
        # table would give one per 122,880 rows: one core busy at 10,000 mentions).
        self.con.register(
            self._PAIRS, pa.Table.from_batches(pairs.to_batches(_PAIRS_BATCH), pairs.schema)
        )
        # Each representative's predictions for every record of its profile (list on the left).
        copied = [c for c in ("unique_id", *self._carried) if f"{c}_l" in columns]
        replaced = ", ".join(f"m.{c} AS {c}_l" for c in copied)
        self.con.execute(
            f"CREATE OR REPLACE TABLE {self.PREDICTIONS} AS "
            f"SELECT p.* REPLACE ({replaced}) FROM ("
            f"SELECT {', '.join(columns)} FROM ({self.predict_sql(threshold_match_probability)})"
            f") AS p JOIN {self._MEMBERS} AS m ON m.profile_id = p.unique_id_l"
        )
        return self.PREDICTIONS

    def close(self) -> None:
        self.con.close()


def list_word_frequency(list_records: pa.Table) -> NameFrequency:
    """`NameFrequency` of the list records' words (how many list names carry each)."""
    con = duckdb.connect(":memory:")
    try:
        con.register("records", list_records)
        return NameFrequency(_list_words(con), list_records.num_rows)
    finally:
        con.close()


def _list_words(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """(token, names) of the list records registered as `records` in `con`."""
    return _arrow(
        con.sql(
            "SELECT token, count(DISTINCT unique_id) AS names "
            "FROM (SELECT unique_id, unnest(tokens) AS token FROM records) GROUP BY token"
        ).to_arrow_table()
    )


def term_frequencies(list_records: pa.Table) -> pa.Table:
    """How common each core name is (`tf_core`): the probability that a name in the news that
    is not this listed entity is this name, which an exact name's weight divides by. It does
    not depend on which mentions happen to be in the same batch.

    Estimated from the name's words (`assets.linkage.frequency.NameFrequency`), and never below
    the share of the other listed entities carrying the name. One entity listed by OFAC, the UN,
    the UK and the EU repeats its names on every list; that is not commonness, so the listed
    entities counted are those of the one list that has the name on the most distinct ones.
    For a one-word name only organisations, vessels and aircraft count: a person's one-word
    name ("Hizbullah", an alias of a Taliban commander) is another comparison level, so it is
    no namesake of the organisation "Hizballah"."""
    con = duckdb.connect(":memory:")
    try:
        con.register("records", list_records)
        total = max(1, con.execute("SELECT count(*) FROM records").fetchall()[0][0])
        words = _list_words(con)
        cores = con.execute(
            """
            SELECT core, max(entities)
            FROM (
                SELECT core, source,
                       count(DISTINCT entity_id) FILTER (
                           WHERE contains(core, ' ') OR schema IS DISTINCT FROM 'Person'
                       ) AS entities
                FROM records WHERE core IS NOT NULL GROUP BY core, source
            )
            GROUP BY core ORDER BY core
            """
        ).fetchall()
    finally:
        con.close()
    frequency = NameFrequency(words, total)
    return pa.table(
        {
            "core": pa.array([core for core, _ in cores], pa.string()),
            "tf_core": pa.array(
                [
                    max(frequency.name(core_tokens(core), (n - 1) / total), (n - 1) / total)
                    for core, n in cores
                ],
                pa.float64(),
            ),
        }
    )


class NameFrequencyLookup:
    """The term-frequency lookup of core names (`tf_core`, the list names' frequencies), and
    the same with the names of some mentions that no list name has, each as common as its
    words (`NameFrequency` of the list words; no listed entity carries it).

    A partial name ("Nicolas Maduro" of "Nicolas MADURO MOROS", "Putin" alone) weighs by how
    common the shorter name is; Splink takes the larger frequency of the pair's two names, so
    without the mention's own it would weigh the partial name by the full list name's rarity.
    A mention name's frequency depends on the name only, not on the batch. The list side is
    read once: batches add only their mention names."""

    def __init__(self, tf_core: pa.Table, list_records: pa.Table) -> None:
        self.listed = tf_core.select(["core", "tf_core"])
        self._known = frozenset(self.listed.column("core").to_pylist())
        self._words = list_word_frequency(list_records)
        self._by_name: dict[str, float | None] | None = None

    def frequency(self, core: str | None) -> float | None:
        """The frequency `with_mentions` joins to a mention record of core name `core`."""
        if core is None:
            return None
        if core in self._known:
            if self._by_name is None:
                self._by_name = dict(
                    zip(
                        self.listed.column("core").to_pylist(),
                        self.listed.column("tf_core").to_pylist(),
                        strict=True,
                    )
                )
            return self._by_name[core]
        return self._words.name(core_tokens(core)) if core else None

    def with_mentions(self, mentions: pa.Table) -> pa.Table:
        """The lookup with the core names of `mentions` (records) that no list name has."""
        cores = sorted(
            {c for c in mentions.column("core").to_pylist() if c and c not in self._known}
        )
        if not cores:
            return self.listed
        found = pa.table(
            {
                "core": pa.array(cores, pa.string()),
                "tf_core": pa.array([self.frequency(core) for core in cores], pa.float64()),
            }
        )
        return pa.concat_tables([self.listed, found.cast(self.listed.schema)])


def to_arrow(result: Any) -> pa.Table:
    return _arrow(result)


def match_weights_html(settings: dict[str, Any]) -> str:
    """Splink's match weights chart of a model, as standalone HTML."""
    empty = pa.table({"unique_id": pa.array([], pa.string())})
    con = duckdb.connect(":memory:")
    try:
        db_api = DuckDBAPI(connection=con)
        linker = Linker(
            [
                db_api.register(empty, dataset_display_name=MENTIONS),
                db_api.register(empty, dataset_display_name=LIST_RECORDS),
            ],
            json.loads(json.dumps(settings)),
            log_level=logging.WARNING,
            validate_settings=False,
        )
        return str(linker.visualisations.match_weights_chart().to_html(inline=True))
    finally:
        con.close()
