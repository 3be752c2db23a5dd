"""What the analysts' views must satisfy: one row for every stored hit they can explain, no
more and no fewer. Pure functions over the warehouse; the output assets report them as Dagster
asset checks.

A view joins its hits table with the rows that explain each hit (the mention and its article,
or the counterparty record; the listed entity). A join that repeats an id shows a hit twice; a
hit whose mention or record is gone vanishes from the view without a word. Both are failures.
A hit of an entity no longer on its list is left out on purpose and only counted."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from assets.common.tables import first_row, table_exists
from assets.common.text import counted
from assets.sources.checks import CheckOutcome

SCREENING_HITS_CHECK = "one_row_per_match"
COUNTERPARTY_HITS_CHECK = "one_row_per_hit"

OUTPUT_CHECK_DESCRIPTIONS = {
    SCREENING_HITS_CHECK: "`outputs.screening_hits` shows every match of `linkage.matches` "
    "exactly once, band by band: no match shown twice (a joined table repeating an id), none "
    "missing because its mention or article is gone. Matches of entities no longer listed are "
    "left out on purpose and counted. On failure (an error; it does not block, the view being "
    "the last asset) it names the bands, the counts and the matches that differ.",
    COUNTERPARTY_HITS_CHECK: "`outputs.counterparty_hits` shows every hit of "
    "`counterparties.hits` exactly once, band by band: no hit shown twice, none missing "
    "because its counterparty record is gone. Hits of entities no longer listed, and hits a "
    "standing not_match decision holds back (the good-guy list, "
    "`outputs.counterparty_suppressed`), are left out on purpose and counted. On failure (an "
    "error; it does not block, the view being the last asset) it names the bands, the counts "
    "and the hits that differ.",
}

EXAMPLES = 5


@dataclass(frozen=True)
class HitsView:
    """A view over a hits table: the columns naming one hit in each (same order), and the SQL
    conditions, on the table's row `t`, of a hit the view cannot show."""

    check_name: str
    view: str
    table: str
    view_keys: tuple[str, ...]
    table_keys: tuple[str, ...]
    orphaned: str  # the rows that explain the hit are gone: a failure
    orphaned_what: str
    delisted: str  # the entity left its list: left out on purpose
    one: str  # what a row of the table is called
    noun: str  # and more than one
    held_back: str = "false"  # an analyst's decision keeps the hit out: left out on purpose
    held_back_what: str = ""
    held_back_view: str | None = None  # the view `held_back` reads, made with `view`

    def counted(self, count: int) -> str:
        """``"1 match"``, ``"3 matches"``: `count` rows of the table."""
        return counted(count, self.one, self.noun)


_ENTITY_GONE = "NOT EXISTS (SELECT 1 FROM sources.entities e WHERE e.entity_id = t.entity_id)"

SCREENING_HITS = HitsView(
    check_name=SCREENING_HITS_CHECK,
    view="outputs.screening_hits",
    table="linkage.matches",
    view_keys=("mention_id", "entity_id", "trigger"),
    table_keys=("mention_id", "entity_id", "trigger"),
    orphaned="NOT EXISTS (SELECT 1 FROM articles.mentions m JOIN articles.articles a "
    "ON a.article_id = m.article_id WHERE m.mention_id = t.mention_id)",
    orphaned_what="the mention or article is no longer stored",
    delisted=_ENTITY_GONE,
    one="match",
    noun="matches",
)

COUNTERPARTY_HITS = HitsView(
    check_name=COUNTERPARTY_HITS_CHECK,
    view="outputs.counterparty_hits",
    table="counterparties.hits",
    view_keys=("file", "record_id", "entity_id", "trigger"),
    table_keys=("path", "record_id", "entity_id", "trigger"),
    orphaned="NOT EXISTS (SELECT 1 FROM counterparties.records r "
    "WHERE r.path = t.path AND r.row = t.row)",
    orphaned_what="the counterparty record is no longer stored",
    delisted=_ENTITY_GONE,
    one="hit",
    noun="hits",
    held_back="EXISTS (SELECT 1 FROM outputs.counterparty_suppressed s "
    "WHERE s.file = t.path AND s.row = t.row AND s.entity_id = t.entity_id)",
    held_back_what="held back by a standing not_match decision (the good-guy list)",
    held_back_view="outputs.counterparty_suppressed",
)


def _exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return table_exists(con, schema, name)  # information_schema.tables lists views too


def _hit(keys: tuple[str, ...], values: tuple[object, ...]) -> str:
    return " ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))


def view_matches_hits(con: duckdb.DuckDBPyConnection, spec: HitsView) -> CheckOutcome:
    """Compare the view with its hits table, hit by hit (as multisets of key and band)."""
    for needed in (spec.table, spec.view, spec.held_back_view or spec.view):
        if not _exists(con, needed):
            return CheckOutcome(spec.check_name, False, f"{needed} does not exist", {})
    stored_keys = ", ".join(f"t.{k} AS k{i}" for i, k in enumerate(spec.table_keys))
    shown_keys = ", ".join(f"{k} AS k{i}" for i, k in enumerate(spec.view_keys))
    key_names = [f"k{i}" for i in range(len(spec.table_keys))]
    same = " AND ".join(f"e.{k} IS NOT DISTINCT FROM s.{k}" for k in [*key_names, "band"])
    pick = ", ".join(f"coalesce(e.{k}, s.{k})" for k in [*key_names, "band"])
    hits = f"""
        h AS (
            SELECT {stored_keys}, t.band,
                   ({spec.orphaned}) AS orphaned,
                   NOT ({spec.orphaned}) AND ({spec.delisted}) AS delisted,
                   NOT ({spec.orphaned}) AND NOT ({spec.delisted}) AND ({spec.held_back})
                       AS held_back
            FROM {spec.table} t
        )"""
    bands = con.execute(
        f"""
        WITH {hits},
        stored AS (
            SELECT band, count(*) AS stored,
                   count(*) FILTER (WHERE orphaned) AS orphaned,
                   count(*) FILTER (WHERE delisted) AS delisted,
                   count(*) FILTER (WHERE held_back) AS held_back
            FROM h GROUP BY band
        ),
        shown AS (SELECT band, count(*) AS shown FROM {spec.view} GROUP BY band)
        SELECT coalesce(stored.band, shown.band), coalesce(stored, 0), coalesce(orphaned, 0),
               coalesce(delisted, 0), coalesce(shown, 0), coalesce(held_back, 0)
        FROM stored FULL JOIN shown ON stored.band IS NOT DISTINCT FROM shown.band
        ORDER BY 1
        """
    ).fetchall()
    differing = f"""
        WITH {hits},
        e AS (
            SELECT {", ".join(key_names)}, band, count(*) AS n FROM h
            WHERE NOT orphaned AND NOT delisted AND NOT held_back GROUP BY ALL
        ),
        s AS (SELECT {shown_keys}, band, count(*) AS n FROM {spec.view} GROUP BY ALL)
        SELECT {pick}, coalesce(e.n, 0) AS stored, coalesce(s.n, 0) AS shown
        FROM e FULL JOIN s ON {same}
        WHERE e.n IS DISTINCT FROM s.n
        """
    row = first_row(con.execute(f"SELECT count(*) FROM ({differing})"))
    differ = int(row[0]) if row else 0
    examples = con.execute(f"{differing} ORDER BY ALL LIMIT {EXAMPLES}").fetchall()
    orphans = con.execute(
        f"WITH {hits} SELECT {', '.join(key_names)}, band FROM h WHERE orphaned "
        f"ORDER BY ALL LIMIT {EXAMPLES}"
    ).fetchall()

    stored_total = sum(int(r[1]) for r in bands)
    orphaned = sum(int(r[2]) for r in bands)
    delisted = sum(int(r[3]) for r in bands)
    shown_total = sum(int(r[4]) for r in bands)
    held_back = sum(int(r[5]) for r in bands)
    noun = spec.noun
    problems: list[str] = []
    for band, stored, orph, gone, shown, held in bands:
        expected = int(stored) - int(orph) - int(gone) - int(held)
        if int(shown) != expected:
            problems.append(
                f"band {band}: {shown} rows shown for {spec.counted(expected)} to show "
                f"({stored} stored, {orph + gone + held} left out)"
            )
    if orphaned:
        problems.append(
            f"{spec.counted(orphaned)} missing because {spec.orphaned_what}, e.g. "
            + "; ".join(_hit(spec.table_keys, tuple(o[:-1])) for o in orphans)
        )
    if differ:
        problems.append(
            f"{spec.counted(differ)} shown a different number of times than stored, e.g. "
            + "; ".join(
                f"{_hit(spec.table_keys, tuple(d[:-3]))} ({d[-3]} band): "
                f"{d[-2]} stored, {d[-1]} shown"
                for d in examples
            )
        )
    by_band = ", ".join(f"{band} {shown}" for band, _, _, _, shown, _ in bands) or "none"
    rows = f"{shown_total} row{'' if shown_total == 1 else 's'}"
    summary = f"{spec.view}: {rows} ({by_band}) for {spec.counted(stored_total)} stored"
    if delisted:
        summary += f"; {spec.counted(delisted)} of entities no longer listed left out"
    if held_back:
        summary += f"; {spec.counted(held_back)} {spec.held_back_what}"
    return CheckOutcome(
        spec.check_name,
        not problems,
        "; ".join([summary, *problems]) if problems else summary,
        {
            "rows": shown_total,
            f"{noun}_stored": stored_total,
            "left_out_delisted": delisted,
            "left_out_held_back": held_back,
            "missing_orphaned": orphaned,
            f"{noun}_differing": differ,
        },
    )


def screening_hits_consistent(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """`outputs.screening_hits` against `linkage.matches`."""
    return view_matches_hits(con, SCREENING_HITS)


def counterparty_hits_consistent(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """`outputs.counterparty_hits` against `counterparties.hits`."""
    return view_matches_hits(con, COUNTERPARTY_HITS)
