"""Analysts' decisions as training data (#20): the mentions whose hits an analyst has decided
become labelled mentions next to the committed training facts, so `sanctions train` learns
from the workbench.

A mention is used only when each of its hits has a latest decision of `match` or `not_match`:
training reads every candidate pair of a mention it is not told is a match as a non-match, so
a mention with a hit still open or decided `unsure` would teach that hit is not one. Its links
are the entities decided `match` (the workbench decides every list record of the canonical
entity at once); a mention with none is a labelled mention of nobody listed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import duckdb

from assets.articles.store import load_mentions
from assets.common.tables import table_exists
from assets.linkage.facts import TrainingFacts
from assets.linkage.training import GoldLink

REVIEWED_CORPUS = "outputs.review_decisions"

# Per reviewed mention: its hits (the pairs in `linkage.matches` and those decided), how many
# have a latest decision of match or not_match, and the entities decided match.
_REVIEWED_MENTIONS_SQL = """
WITH latest AS (
    SELECT mention_id, entity_id, arg_max(decision, decided_at) AS decision
    FROM outputs.review_decisions GROUP BY mention_id, entity_id
),
pairs AS (
    SELECT mention_id, entity_id FROM latest
    UNION
    SELECT mention_id, entity_id FROM linkage.matches
    WHERE mention_id IN (SELECT mention_id FROM latest)
)
SELECT p.mention_id, count(*) AS hits,
       count(*) FILTER (WHERE l.decision IN ('match', 'not_match')) AS decided,
       coalesce(list(p.entity_id ORDER BY p.entity_id)
                FILTER (WHERE l.decision = 'match'), []) AS links
FROM pairs p LEFT JOIN latest l USING (mention_id, entity_id)
GROUP BY p.mention_id ORDER BY p.mention_id
"""


@dataclass(frozen=True)
class ReviewedFacts:
    """The fully decided mentions as training facts, and what was counted on the way."""

    facts: TrainingFacts
    mentions: int  # fully decided mentions used
    match_links: int  # (mention, entity) pairs decided match
    no_match_mentions: int  # mentions every hit of which was decided not_match
    left_out: int  # mentions with a hit still open or decided unsure
    gone: int  # decided mentions no longer in the warehouse (their article was removed)

    def counts(self) -> dict[str, int]:
        return {
            "reviewed_mentions": self.mentions,
            "reviewed_match_links": self.match_links,
            "reviewed_no_match_mentions": self.no_match_mentions,
            "reviewed_left_out": self.left_out,
            "reviewed_gone": self.gone,
        }


def reviewed_facts(con: duckdb.DuckDBPyConnection) -> ReviewedFacts:
    """The mentions of the warehouse whose every hit an analyst decided match or not_match,
    with their decided links, as training facts (sentences left out, like the committed
    facts: training reads facts about the name, not article text)."""
    if not (
        table_exists(con, "outputs", "review_decisions")
        and table_exists(con, "linkage", "matches")
        and table_exists(con, "articles", "mentions")
    ):
        return ReviewedFacts(TrainingFacts([], [], {}), 0, 0, 0, 0, 0)
    rows = con.execute(_REVIEWED_MENTIONS_SQL).fetchall()
    decided = {str(m): [str(e) for e in links] for m, hits, done, links in rows if hits == done}
    found = load_mentions(con, "list_contains(?, mention_id)", [sorted(decided)])
    mentions = [dataclasses.replace(m, sentence="") for m in found]
    gold = [GoldLink(m.mention_id, e) for m in mentions for e in decided[m.mention_id]]
    corpora = {REVIEWED_CORPUS: len(mentions)} if mentions else {}
    return ReviewedFacts(
        facts=TrainingFacts(mentions, gold, corpora),
        mentions=len(mentions),
        match_links=len(gold),
        no_match_mentions=sum(1 for m in mentions if not decided[m.mention_id]),
        left_out=len(rows) - len(decided),
        gone=len(decided) - len(mentions),
    )
