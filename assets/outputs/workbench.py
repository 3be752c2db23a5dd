"""What the analyst's workbench shows (#20): the review queue, one hit in full, the dashboard
and the decisions export, read from the warehouse by small pure queries.

The web application (`pipelines.workbench`) only renders these; decisions are written by
`assets.outputs.views.record_decision`, the same function `sanctions review` calls.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from assets.common.tables import DECISIONS, dict_rows
from assets.common.text import csv_cell
from assets.linkage.scoring import NAME_FREQUENCY

BANDS = ("match", "review")
# "open": hits with no decision yet; the decisions themselves filter to their hits.
DECISION_FILTERS = ("open", *DECISIONS, "any")
QUEUE_PAGE = 50


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows: each field narrows it, None (or "any") leaves it open."""

    band: str | None = None
    list: str | None = None
    program: str | None = None
    schema: str | None = None
    article_id: str | None = None
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    decision: str = "open"

    def __post_init__(self) -> None:
        if self.band is not None and self.band not in BANDS:
            raise ValueError(f"band must be one of {', '.join(BANDS)}, not {self.band!r}")
        if self.decision not in DECISION_FILTERS:
            raise ValueError(
                f"decision must be one of {', '.join(DECISION_FILTERS)}, not {self.decision!r}"
            )


def _where(filters: QueueFilters) -> tuple[str, list[Any]]:
    """The WHERE clause of `filters` over `outputs.screening_hits`, with its parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("band", filters.band),
        ("list", filters.list),
        ("schema", filters.schema),
        ("article_id", filters.article_id),
    ):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if filters.program:
        clauses.append("list_contains(programs, ?)")
        params.append(filters.program)
    if filters.published_from:
        clauses.append("CAST(published_at AS DATE) >= ?")
        params.append(filters.published_from)
    if filters.published_to:
        clauses.append("CAST(published_at AS DATE) <= ?")
        params.append(filters.published_to)
    if filters.decision == "open":
        clauses.append("decision IS NULL")
    elif filters.decision != "any":
        clauses.append("decision = ?")
        params.append(filters.decision)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


QUEUE_COLUMNS = (
    "mention_id", "entity_id", "article_id", "title", "published_at", "mention", "caption",
    "list", "schema", "lists", "band", "probability", "decision", "reviewer", "records",
)  # fmt: skip


_QUEUE_SELECT = ", ".join(QUEUE_COLUMNS)


def _grouped(where: str) -> str:
    """SQL: the hits `where` selects (`_where`), ranked within each mention and canonical
    entity (``rank`` 1 the likeliest; ``records`` how many there are)."""
    return (
        f"WITH selected AS (SELECT * FROM outputs.screening_hits{where}), "
        "ranked AS (SELECT *, row_number() OVER (PARTITION BY mention_id, canonical_id "
        "ORDER BY probability DESC, entity_id) AS rank, "
        "count(*) OVER (PARTITION BY mention_id, canonical_id) AS records FROM selected)"
    )


def queue(
    con: duckdb.DuckDBPyConnection,
    filters: QueueFilters,
    *,
    limit: int = QUEUE_PAGE,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The hits `filters` select, one row per mention and canonical entity (its likeliest list
    record; `records`: how many of the entity's list records the mention hit), newest article
    first, then the likelier hit; one page of `limit` from `offset`, and how many rows there
    are in all."""
    where, params = _where(filters)
    total = con.execute(
        f"{_grouped(where)} SELECT count(*) FROM ranked WHERE rank = 1", params
    ).fetchone()
    rows = con.execute(
        f"{_grouped(where)} SELECT {_QUEUE_SELECT} FROM ranked WHERE rank = 1 "
        "ORDER BY published_at DESC NULLS LAST, scored_at DESC, probability DESC, mention_id, "
        "entity_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    found = [dict(zip(QUEUE_COLUMNS, row, strict=True)) for row in rows]
    return found, int(total[0] if total else 0)


TOP_HIT_COLUMNS = (
    "title", "mention", "sentence", "caption", "lists", "records", "probability", "band",
    "explanation",
)  # fmt: skip


def top_hits(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
    """The `limit` likeliest hits, one per mention and canonical entity (its likeliest list
    record; `records`: how many of the entity's list records the mention hit), with the
    sentence the mention is in: what the screening hits asset shows in the Dagster UI."""
    rows = con.execute(
        f"{_grouped('')} SELECT {', '.join(TOP_HIT_COLUMNS)} FROM ranked WHERE rank = 1 "
        "ORDER BY probability DESC, mention_id, entity_id LIMIT ?",
        [limit],
    ).fetchall()
    return [dict(zip(TOP_HIT_COLUMNS, row, strict=True)) for row in rows]


def top_hits_markdown(hits: Sequence[dict[str, Any]]) -> str:
    """The top hits as a Markdown table: one row per mention and canonical entity, the
    mention in bold in its sentence, every list the entity is on."""

    def cell(value: object) -> str:
        # A table cell is one line, and a pipe or an asterisk of the text is not Markdown.
        text = re.sub(r"\s+", " ", str(value if value is not None else ""))
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")

    lines = [
        "| article | sentence | entity | lists | probability | band | explanation |",
        "|---|---|---|---|---|---|---|",
    ]
    for hit in hits:
        part = highlight(hit["sentence"] or "", hit["mention"] or "", None)
        sentence = (
            f"{cell(part.before)}**{cell(part.mention)}**{cell(part.after)}"
            if part.mention
            else f"**{cell(hit['mention'])}**: {cell(part.before)}"
        )
        records = f" ({hit['records']} list records)" if hit["records"] > 1 else ""
        lines.append(
            "| "
            + " | ".join(
                [
                    cell(hit["title"]),
                    sentence.strip(),
                    cell(hit["caption"]) + records,
                    cell(hit["lists"]),
                    f"{hit['probability']:.4f}",
                    cell(hit["band"]),
                    cell(hit["explanation"]),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def entity_records_hit(
    con: duckdb.DuckDBPyConnection, mention_id: str, entity_id: str
) -> list[str]:
    """The list records of `entity_id`'s canonical entity that the mention hit, `entity_id`
    first: a decision on the hit is a decision on each (the mention names that entity or not,
    whichever list it is read from). Empty when the mention did not hit `entity_id`."""
    found = con.execute(
        "SELECT h.entity_id FROM outputs.screening_hits h, "
        "(SELECT canonical_id FROM outputs.screening_hits WHERE mention_id = ? AND entity_id = ? "
        "LIMIT 1) c WHERE h.mention_id = ? AND h.canonical_id = c.canonical_id "
        "ORDER BY h.entity_id <> ?, h.entity_id",
        [mention_id, entity_id, mention_id, entity_id],
    ).fetchall()
    return [str(row[0]) for row in found]


def filter_choices(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The values the queue's filters offer: the lists, programs and schemas of stored hits."""
    choices: dict[str, list[str]] = {}
    for name, sql in (
        ("list", "SELECT DISTINCT list FROM outputs.screening_hits WHERE list IS NOT NULL"),
        ("schema", "SELECT DISTINCT schema FROM outputs.screening_hits WHERE schema IS NOT NULL"),
        ("program", "SELECT DISTINCT unnest(programs) FROM outputs.screening_hits"),
    ):
        choices[name] = sorted(str(value) for (value,) in con.execute(sql).fetchall() if value)
    return choices


@dataclass(frozen=True)
class Highlighted:
    """A sentence cut around the mention: `before`, `mention`, `after` (the page marks the
    middle part)."""

    before: str
    mention: str
    after: str


def highlight(sentence: str, mention: str, start_in_sentence: int | None) -> Highlighted:
    """`sentence` split around `mention`: at `start_in_sentence` when the mention is there (a
    name said twice in a sentence is marked where it was found), else its first occurrence,
    else not marked."""
    if sentence is None:
        return Highlighted("", "", "")
    at = start_in_sentence
    if at is None or sentence[at : at + len(mention)] != mention:
        at = sentence.find(mention)
    if at < 0 or not mention:
        return Highlighted(sentence, "", "")
    return Highlighted(sentence[:at], mention, sentence[at + len(mention) :])


@dataclass(frozen=True)
class WaterfallStep:
    """One bar of Splink's waterfall: a comparison, the level it reached, its weight in bits
    and the running total after it."""

    comparison: str
    level: str
    bits: float
    total: float


def waterfall(
    match_weight: float,
    contributions: dict[str, float],
    levels: dict[str, str],
    prior: float | None = None,
) -> list[WaterfallStep]:
    """The waterfall of a scored pair: the prior first (`prior`, in bits; unset, the match
    weight less the comparisons' contributions, which is how Splink adds them up), then each
    comparison in the stored order."""
    if prior is None:
        prior = match_weight - sum(contributions.values())
    steps = [WaterfallStep("prior", "a random mention and list name are one entity", prior, prior)]
    running = prior
    for name, bits in contributions.items():
        running += bits
        level = (
            "how common the exact name is"
            if name == NAME_FREQUENCY
            else levels.get(name, "term frequency of the name")
        )
        steps.append(WaterfallStep(name, level, bits, running))
    return steps


@dataclass(frozen=True)
class HitDetail:
    hit: dict[str, Any]
    sentence: Highlighted
    waterfall: list[WaterfallStep]
    entity: dict[str, Any]
    names: list[dict[str, Any]]
    listings: list[dict[str, Any]]
    other_mentions: list[dict[str, Any]]
    earlier_decisions: list[dict[str, Any]]


def hit_detail(con: duckdb.DuckDBPyConnection, mention_id: str, entity_id: str) -> HitDetail:
    """Everything the hit page shows; ValueError naming the ids when there is no such hit."""
    hits = dict_rows(
        con.execute(
            "SELECT h.*, x.contributions, x.levels, m.start, "
            "strpos(a.text, h.sentence) - 1 AS sentence_at "
            "FROM outputs.screening_hits h "
            "JOIN linkage.matches x ON x.mention_id = h.mention_id AND x.entity_id = h.entity_id "
            "JOIN articles.mentions m ON m.mention_id = h.mention_id "
            "JOIN articles.articles a ON a.article_id = h.article_id "
            "WHERE h.mention_id = ? AND h.entity_id = ? ORDER BY x.scored_at DESC LIMIT 1",
            [mention_id, entity_id],
        )
    )
    if not hits:
        raise ValueError(f"no hit of mention {mention_id!r} on entity {entity_id!r}")
    hit = hits[0]
    start_in_sentence = (
        hit["start"] - hit["sentence_at"]
        if hit["start"] is not None and hit["sentence_at"] is not None and hit["sentence_at"] >= 0
        else None
    )
    canonical = hit["canonical_id"]
    # Every list record of the canonical entity (or the entity alone before resolution ran).
    listings = dict_rows(
        con.execute(
            "SELECT e.entity_id, e.source, e.official_id, e.schema, e.caption, e.programs, "
            "e.countries, e.birth_dates, e.birth_places, e.positions, e.identifiers, "
            "e.addresses, e.remarks, e.listed_on "
            "FROM sources.entities e LEFT JOIN linkage.canonical_entities c "
            "ON c.entity_id = e.entity_id "
            "WHERE coalesce(c.canonical_id, e.entity_id) = ? OR e.entity_id = ? "
            "ORDER BY e.entity_id = ? DESC, e.source, e.entity_id",
            [canonical, entity_id, entity_id],
        )
    )
    names = dict_rows(
        con.execute(
            "SELECT n.name, n.kind, any_value(n.script) AS script, "
            "string_agg(DISTINCT n.source, ', ' ORDER BY n.source) AS sources "
            "FROM sources.names n WHERE n.entity_id IN (SELECT unnest(?::VARCHAR[])) "
            "GROUP BY n.name, n.kind ORDER BY n.kind <> 'primary', n.kind, n.name",
            [[listing["entity_id"] for listing in listings]],
        )
    )
    other_mentions = dict_rows(
        con.execute(
            "SELECT mention_id, arg_max(entity_id, probability) AS entity_id, "
            "any_value(mention) AS mention, any_value(sentence) AS sentence, "
            "arg_max(band, probability) AS band, max(probability) AS probability "
            "FROM outputs.screening_hits WHERE article_id = ? AND canonical_id = ? "
            "AND mention_id <> ? GROUP BY mention_id ORDER BY mention_id",
            [hit["article_id"], canonical, mention_id],
        )
    )
    earlier = dict_rows(
        con.execute(
            "SELECT d.mention_id, d.entity_id, d.decision, d.reviewer, d.note, d.decided_at, "
            "m.text AS mention "
            "FROM outputs.review_decisions d LEFT JOIN articles.mentions m "
            "ON m.mention_id = d.mention_id "
            "LEFT JOIN linkage.canonical_entities c ON c.entity_id = d.entity_id "
            "WHERE coalesce(c.canonical_id, d.entity_id) = ? OR lower(m.text) = lower(?) "
            "ORDER BY d.decided_at DESC LIMIT 100",
            [canonical, hit["mention"]],
        )
    )
    return HitDetail(
        hit=hit,
        sentence=highlight(hit["sentence"], hit["mention"], start_in_sentence),
        waterfall=waterfall(
            float(hit["match_weight"] or 0.0),
            dict(hit["contributions"] or {}),
            dict(hit["levels"] or {}),
        ),
        entity=listings[0] if listings else {"entity_id": entity_id},
        names=names,
        listings=listings,
        other_mentions=other_mentions,
        earlier_decisions=earlier,
    )


@dataclass(frozen=True)
class Dashboard:
    """Counts the dashboard draws: hits per publication day, per list and per band, and how
    many of them carry a decision."""

    per_day: list[tuple[str, int, int]]  # (day, hits, reviewed)
    per_list: list[tuple[str, int, int]]
    per_band: list[tuple[str, int, int]]
    hits: int
    reviewed: int

    @property
    def reviewed_share(self) -> float:
        return self.reviewed / self.hits if self.hits else 0.0


_PER_DAY_SQL = (
    "SELECT CAST(CAST(published_at AS DATE) AS VARCHAR) AS k, count(*), count(decision) "
    "FROM outputs.screening_hits GROUP BY k ORDER BY k DESC NULLS LAST LIMIT ?"
)
_PER_LIST_SQL = (
    "SELECT list AS k, count(*), count(decision) FROM outputs.screening_hits "
    "GROUP BY k ORDER BY 2 DESC, k"
)
_PER_BAND_SQL = (
    "SELECT band AS k, count(*), count(decision) FROM outputs.screening_hits GROUP BY k ORDER BY k"
)


def _counts(rows: list[tuple[Any, ...]]) -> list[tuple[str, int, int]]:
    return [(str(k if k is not None else "unknown"), int(n), int(r)) for k, n, r in rows]


def dashboard(con: duckdb.DuckDBPyConnection, days: int = 60) -> Dashboard:
    """The dashboard's counts; per day for the `days` latest publication days."""
    total = con.execute("SELECT count(*), count(decision) FROM outputs.screening_hits").fetchone()
    hits, reviewed = (int(total[0]), int(total[1])) if total else (0, 0)
    per_day = _counts(con.execute(_PER_DAY_SQL, [days]).fetchall())
    return Dashboard(
        per_day=list(reversed(per_day)),
        per_list=_counts(con.execute(_PER_LIST_SQL).fetchall()),
        per_band=_counts(con.execute(_PER_BAND_SQL).fetchall()),
        hits=hits,
        reviewed=reviewed,
    )


# The columns of the decisions export, in order.
DECISION_CSV_COLUMNS = (
    "decided_at", "reviewer", "decision", "note", "mention_id", "entity_id", "mention",
    "caption", "article_id", "title",
)  # fmt: skip


def decisions_csv(con: duckdb.DuckDBPyConnection) -> str:
    """Every decision ever recorded (the audit trail, oldest first) as CSV, with the mention,
    the listed entity's caption and the article it was made on."""
    rows = con.execute(
        "SELECT CAST(d.decided_at AS VARCHAR), d.reviewer, d.decision, d.note, d.mention_id, "
        "d.entity_id, m.text, e.caption, m.article_id, a.title "
        "FROM outputs.review_decisions d "
        "LEFT JOIN articles.mentions m ON m.mention_id = d.mention_id "
        "LEFT JOIN sources.entities e ON e.entity_id = d.entity_id "
        "LEFT JOIN articles.articles a ON a.article_id = m.article_id "
        "ORDER BY d.decided_at, d.mention_id, d.entity_id"
    ).fetchall()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(DECISION_CSV_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


# --- counterparty hits ---------------------------------------------------------------------------

# "held back": the hits a standing not_match keeps out of `outputs.counterparty_hits`.
COUNTERPARTY_DECISION_FILTERS = ("open", "match", "unsure", "held back", "any")
COUNTERPARTY_COLUMNS = (
    "file", "row", "record_id", "query", "type", "country", "birth_date", "entity_id",
    "caption", "list", "programs", "band", "probability", "explanation", "decision",
    "reviewer", "review_note", "decided_at",
)  # fmt: skip
_COUNTERPARTY_SELECT = ", ".join(COUNTERPARTY_COLUMNS)
_COUNTERPARTY_SOURCES = {
    "open": "SELECT * FROM outputs.counterparty_hits WHERE decision IS NULL",
    "match": "SELECT * FROM outputs.counterparty_hits WHERE decision = 'match'",
    "unsure": "SELECT * FROM outputs.counterparty_hits WHERE decision = 'unsure'",
    "held back": "SELECT * FROM outputs.counterparty_suppressed",
    "any": "SELECT * FROM outputs.counterparty_hits "
    "UNION ALL BY NAME SELECT * FROM outputs.counterparty_suppressed",
}


def counterparty_queue(
    con: duckdb.DuckDBPyConnection,
    decision: str = "open",
    band: str | None = None,
    *,
    limit: int = QUEUE_PAGE,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Counterparty hits by their standing decision (`COUNTERPARTY_DECISION_FILTERS`; "held
    back" the good-guy list) and band, the likeliest first; one page, and how many in all."""
    if decision not in _COUNTERPARTY_SOURCES:
        raise ValueError(
            f"decision must be one of {', '.join(COUNTERPARTY_DECISION_FILTERS)}, not {decision!r}"
        )
    if band is not None and band not in BANDS:
        raise ValueError(f"band must be one of {', '.join(BANDS)}, not {band!r}")
    source = _COUNTERPARTY_SOURCES[decision]
    where, params = (" WHERE band = ?", [band]) if band else ("", [])
    total = con.execute(f"SELECT count(*) FROM ({source}){where}", params).fetchone()
    rows = con.execute(
        f"SELECT {_COUNTERPARTY_SELECT} FROM ({source}){where} "
        "ORDER BY probability DESC, file, row, entity_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    found = [dict(zip(COUNTERPARTY_COLUMNS, row, strict=True)) for row in rows]
    return found, int(total[0] if total else 0)
