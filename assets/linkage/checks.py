"""What the stored matches of one ingestion batch must satisfy once the batch is scored: the
checks of the `linkage/matches` asset, as pure functions over the warehouse (the asset reports
them as Dagster asset checks, one evaluation per batch)."""

from __future__ import annotations

import duckdb

from assets.common.tables import count_of, table_exists
from assets.common.text import counted
from assets.sources.checks import CheckOutcome

MATCHES_FOR_MENTIONS = "matches_for_mentions"
ONE_MODEL_VERSION = "one_model_version"

MATCH_CHECK_DESCRIPTIONS = {
    MATCHES_FOR_MENTIONS: "A batch with mentions has matches: at least one of the batch's "
    "mentions reaches the review band in `linkage.matches`. A batch naming no listed entity "
    "rightly has none, so this warns (with the batch and its counts) and does not block; news "
    "about sanctions without a single match usually means the lists or the model were missing.",
    ONE_MODEL_VERSION: "Every match the batch's screening wrote (`trigger = 'batch'`) was "
    "scored by one model, the version this run loaded: scores of two models are not "
    "comparable. Fails the run (blocking) when the batch's matches carry another or a second "
    "version, naming the versions and their row counts.",
}


def batch_has_matches(con: duckdb.DuckDBPyConnection, batch_id: str) -> CheckOutcome:
    """Passes when the batch has no mention, or at least one match (of any trigger)."""
    if not table_exists(con, "articles", "mentions"):
        return CheckOutcome(MATCHES_FOR_MENTIONS, True, f"batch {batch_id}: no mentions stored")
    mentions = count_of(
        con, "SELECT count(*) FROM articles.mentions WHERE batch_id = ?", [batch_id]
    )
    articles = count_of(
        con,
        "SELECT count(DISTINCT article_id) FROM articles.mentions WHERE batch_id = ?",
        [batch_id],
    )
    found = (
        count_of(con, "SELECT count(*) FROM linkage.matches WHERE batch_id = ?", [batch_id])
        if table_exists(con, "linkage", "matches")
        else 0
    )
    passed = mentions == 0 or found > 0
    description = (
        f"batch {batch_id}: {counted(mentions, 'mention', 'mentions')} in "
        f"{counted(articles, 'article', 'articles')}, {counted(found, 'match', 'matches')}"
    )
    if not passed:
        description += (
            "; no mention reaches the review band (right for news naming no listed entity; "
            "otherwise look at linkage/list_records and linkage/mention_model)"
        )
    return CheckOutcome(
        MATCHES_FOR_MENTIONS,
        passed,
        description,
        {"batch": batch_id, "mentions": mentions, "articles": articles, "matches": found},
    )


def batch_model_versions(
    con: duckdb.DuckDBPyConnection, batch_id: str, expected: str | None = None
) -> CheckOutcome:
    """Passes when the batch's own matches (`trigger = 'batch'`) carry one model version, and
    that version is `expected` when given (the model the run scored with). Matches a list
    change re-screen wrote keep the version they were scored with and are not compared."""
    versions: dict[str, int] = {}
    if table_exists(con, "linkage", "matches"):
        rows = con.execute(
            "SELECT coalesce(model_version, '(none)'), count(*) FROM linkage.matches "
            "WHERE batch_id = ? AND trigger = 'batch' GROUP BY 1 ORDER BY 2 DESC, 1",
            [batch_id],
        ).fetchall()
        versions = {str(version): int(n) for version, n in rows}
    allowed = {expected} if expected is not None else set(list(versions)[:1])
    passed = set(versions) <= allowed
    total = sum(versions.values())
    listed = ", ".join(
        f"{version} ({counted(n, 'match', 'matches')})" for version, n in versions.items()
    )
    if not versions:
        description = f"batch {batch_id}: no matches to compare"
    elif passed:
        (version,) = versions
        description = (
            f"batch {batch_id}: {counted(total, 'match', 'matches')}, all scored by model {version}"
        )
    else:
        description = (
            f"batch {batch_id}: {counted(total, 'match', 'matches')} scored by "
            f"{counted(len(versions), 'model version', 'model versions')}: {listed}"
        )
        if expected is not None:
            description += f"; this run scored with model {expected}"
    return CheckOutcome(
        ONE_MODEL_VERSION,
        passed,
        description,
        {
            "batch": batch_id,
            "matches": total,
            "model_versions": ", ".join(versions) or "none",
            **({"expected_version": expected} if expected is not None else {}),
        },
    )
