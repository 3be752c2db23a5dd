"""What counterparty screening must guarantee: every row of every stored counterparty file is
either screened or reported. A pure function over the warehouse; `counterparties/matches`
reports it as a Dagster asset check.

A row read from a file becomes a record (`counterparties.records`, screened with its file:
`counterparties.files.screened_at`) or, when it cannot be screened (no name...), an error in
`counterparties.problems`. So a row is unaccounted for when its record belongs to a file not
screened since it last changed, when fewer records or problems are stored than the file's
reading counted, or, in a CSV or Parquet file (rows numbered without gaps), when a row number
is neither a record nor an error."""

from __future__ import annotations

from pathlib import PurePosixPath

import duckdb

from assets.common.tables import table_exists
from assets.common.text import counted
from assets.counterparties.records import FORMATS
from assets.sources.checks import CheckOutcome

EVERY_ROW_CHECK = "every_row_screened_or_reported"

COUNTERPARTY_CHECK_DESCRIPTIONS = {
    EVERY_ROW_CHECK: "Every row of every stored counterparty file is screened or reported: "
    "its record was screened against the lists since the file last changed, or it is listed "
    "in `counterparties.problems` as an error (a row without a name...). A row neither "
    "screened nor reported is a counterparty nobody looked at: fails the run (blocking), "
    "naming the file and the unscreened record ids or row numbers.",
}

# Formats whose rows are numbered 1, 2, 3... without gaps (JSON lines keep line numbers).
DENSE_FORMATS = ("csv", "parquet")
EXAMPLES = 10


def _some(values: list[object], total: int) -> str:
    shown = ", ".join(str(v) for v in values[:EXAMPLES])
    return shown + (f" and {total - EXAMPLES} more" if total > EXAMPLES else "")


def _dense(path: str) -> bool:
    return FORMATS.get(PurePosixPath(path).suffix.lower()) in DENSE_FORMATS


def every_row_screened_or_reported(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Passes when no row of a stored counterparty file is left unscreened and unreported."""
    if not table_exists(con, "counterparties", "files"):
        return CheckOutcome(EVERY_ROW_CHECK, True, "no counterparty file stored", {"files": 0})
    files = con.execute(
        """
        WITH rec AS (
            SELECT path, count(*) AS n,
                   list(coalesce(record_id, '#' || row) ORDER BY row) AS ids
            FROM counterparties.records GROUP BY path
        ),
        prob AS (
            SELECT path, count(*) AS n, count(*) FILTER (WHERE severity = 'error') AS errors
            FROM counterparties.problems GROUP BY path
        )
        SELECT coalesce(f.path, rec.path), f.path IS NOT NULL, f.status, f.records, f.problems,
               f.screened_at IS NOT NULL, coalesce(rec.n, 0), coalesce(rec.ids, []),
               coalesce(prob.n, 0), coalesce(prob.errors, 0)
        FROM counterparties.files f
        FULL JOIN rec ON rec.path = f.path
        LEFT JOIN prob ON prob.path = coalesce(f.path, rec.path)
        ORDER BY 1
        """
    ).fetchall()
    gaps = dict(
        con.execute(
            """
            WITH numbered AS (
                SELECT path, row FROM counterparties.records
                UNION ALL
                SELECT path, row FROM counterparties.problems WHERE row > 0
            ),
            covered AS (
                SELECT path, row FROM counterparties.records
                UNION
                SELECT path, row FROM counterparties.problems
                WHERE severity = 'error' AND row > 0
            ),
            expected AS (
                SELECT path, unnest(range(1, max(row) + 1)) AS row FROM numbered GROUP BY path
            ),
            missing AS (SELECT path, row FROM expected EXCEPT SELECT path, row FROM covered)
            SELECT path, list(row ORDER BY row) FROM missing GROUP BY path
            """
        ).fetchall()
    )
    problems: list[str] = []
    unscreened_total = 0
    screened_records = 0
    reported = 0
    for row in files:
        path, known, status, read, read_problems, screened = row[:6]
        stored, ids, stored_problems, errors = row[6:]
        path = str(path)
        said: list[str] = []
        if not known:
            said.append(
                f"{stored} records of a file unknown to counterparties.files, never screened: "
                f"record ids {_some(list(ids), int(stored))}"
            )
            unscreened_total += int(stored)
        elif stored and not screened:
            rejected = (
                " (its latest version was rejected, so the stored one waits: make the file "
                "readable or remove it)"
                if status == "rejected"
                else ""
            )
            said.append(
                f"{stored} records not screened since the file last changed{rejected}: "
                f"record ids {_some(list(ids), int(stored))}"
            )
            unscreened_total += int(stored)
        else:
            screened_records += int(stored)
        if known and read is not None and int(read) != int(stored):
            said.append(f"{read} records read from the file, {stored} stored")
        if known and read_problems is not None and int(read_problems) != int(stored_problems):
            said.append(
                f"{counted(int(read_problems), 'row problem')} reported, {stored_problems} stored"
            )
        missing = [int(r) for r in gaps.get(path, [])]
        if missing and _dense(path):
            said.append(
                f"row{'s' if len(missing) > 1 else ''} {_some(list(missing), len(missing))} "
                "neither screened nor reported"
            )
        reported += int(errors)
        if said:
            problems.append(f"{path}: " + "; ".join(said))
    summary = (
        f"{counted(len(files), 'counterparty file')}: "
        f"{counted(screened_records, 'record')} screened, "
        f"{counted(reported, 'row')} reported as not screenable"
    )
    return CheckOutcome(
        EVERY_ROW_CHECK,
        not problems,
        "; ".join(problems) if problems else summary,
        {
            "files": len(files),
            "records_screened": screened_records,
            "rows_reported": reported,
            "records_unscreened": unscreened_total,
            "files_with_problems": len(problems),
        },
    )
