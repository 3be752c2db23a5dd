"""Command-line inputs that gave a wrong result without an error, or a traceback where a clear
message belongs: nonsensical numbers, files without a field or in another encoding, broken model
files, duplicate columns, values strict JSON cannot hold, a reader that goes away."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import cli
from tests.conftest import MODELS, bundled_warehouse
from tests.reliability.harness import UN, Ledger

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled_warehouse(tmp_path_factory.mktemp("cli-inputs"), [UN])


def _run(warehouse: Path, *args: str) -> int:
    return cli.main(["--warehouse", str(warehouse), "--model-dir", str(MODELS), *args])


ARGUMENTS = {
    "top-negative": ["screen", "Ayman al-Zawahiri", "--top", "-1"],
    "top-zero": ["screen", "Ayman al-Zawahiri", "--top", "0"],
    "min-probability-nan": ["screen", "Ayman al-Zawahiri", "--min-probability", "nan"],
    "min-probability-negative": ["screen", "Ayman al-Zawahiri", "--min-probability", "-1"],
    "birth-year-negative": ["screen", "Ayman al-Zawahiri", "--birth-year", "-5"],
    "birth-year-future": ["screen", "Ayman al-Zawahiri", "--birth-year", "3000"],
    "review-threshold-nan": ["--review-threshold", "nan", "screen", "Ayman al-Zawahiri"],
    "huge-tolerance": ["screen-file", "x.csv", "--out", "-", "--birth-year-tolerance", "9" * 30],
    "min-precision-above-one": ["eval", "--min-precision", "2"],
}


def test_nonsensical_numbers_are_refused_by_name(
    warehouse: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    said = {}
    for case, args in ARGUMENTS.items():
        with pytest.raises(SystemExit) as stopped:
            _run(warehouse, *args)
        assert stopped.value.code == 2, case
        said[case] = capsys.readouterr().err.strip().splitlines()[-1]
        assert "error: argument" in said[case] and "Traceback" not in said[case], case
    # a match band below the review band
    code = _run(warehouse, "--match-threshold", "0.2", "--review-threshold", "0.5", "screen", "x")
    below = capsys.readouterr().err.strip()
    assert code == 2 and "is below --review-threshold" in below
    ledger.record(
        "cli-nonsensical-numbers",
        "files",
        "--top -1 and 0, --min-probability nan and -1, --birth-year -5 and 3000, "
        "--review-threshold nan, a 30-digit --birth-year-tolerance, --min-precision 2, "
        "--match-threshold below --review-threshold",
        f"each refused before any work, exit 2: {said['top-negative']}; "
        f"{said['min-probability-nan']}; {said['birth-year-future']}; {below}",
        None,
    )


def test_a_floor_fails_when_nothing_is_measured(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert _run(warehouse, "eval", "--labelled", str(empty), "--min-precision", "0.9") == 1
    said = capsys.readouterr().err.strip()
    assert "nothing measured" in said
    ledger.record(
        "eval-floor-on-nothing",
        "files",
        "`sanctions eval --labelled EMPTY --min-precision 0.9`",
        f"exit 1: {said}",
        None,
    )


def test_broken_files_get_a_message_naming_file_and_line(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    no_text = tmp_path / "no-text.jsonl"
    no_text.write_text('{"text": "Fine."}\n{"doc_id": "b", "title": "no text"}\n')
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes('{"text": "ok"}\n{"text": "caf\xe9"}\n'.encode("latin-1"))
    empty_model, cut_model = tmp_path / "empty-model", tmp_path / "cut-model"
    for folder, body in ((empty_model, "{}"), (cut_model, (MODELS / "mention_linkage.json"))):
        folder.mkdir()
        text = body if isinstance(body, str) else body.read_text()[:300]
        (folder / "mention_linkage.json").write_text(text)
    out = str(tmp_path / "hits.jsonl")
    cases = {
        "screen-articles, a line without text": (
            ["screen-articles", str(no_text), "--out", out],
            f"{no_text}: line 2",
        ),
        "eval, a line without text": (["eval", "--labelled", str(no_text)], f"{no_text}: line 2"),
        "screen-articles, Latin-1 bytes": (
            ["screen-articles", str(latin), "--out", out],
            f"{latin}: line 2: not utf-8",
        ),
        "an empty model file": (
            ["--model-dir", str(empty_model), "screen", "x"],
            "not a linkage model",
        ),
        "a truncated model file": (
            ["--model-dir", str(cut_model), "screen", "x"],
            "not a readable model file",
        ),
    }
    said = {}
    for case, (args, expected) in cases.items():
        assert cli.main(["--warehouse", str(warehouse), *args]) == 2, case
        said[case] = capsys.readouterr().err.strip()
        assert expected in said[case] and "Traceback" not in said[case], (case, said[case])
    assert not Path(out).exists()
    ledger.record(
        "cli-broken-files",
        "files",
        "a JSONL article line without text (screen-articles, eval), Latin-1 bytes in a JSONL "
        "file, a model file that is {} or cut off",
        "; ".join(f"{case}: exit 2, {message}" for case, message in said.items()),
        None,
    )


def test_duplicate_and_colliding_columns(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    duplicate = tmp_path / "duplicate.csv"
    duplicate.write_text("name,note,Note\nAyman al-Zawahiri,1,2\n")
    assert _run(warehouse, "screen-file", str(duplicate), "--out", "-") == 2
    refused = capsys.readouterr().err.strip()
    assert "column 'note' appears twice" in refused
    colliding = tmp_path / "colliding.csv"
    colliding.write_text("name,query,input_query\nAyman al-Zawahiri,first,second\n")
    assert _run(warehouse, "screen-file", str(colliding), "--out", "-") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and all(
        (line["input_input_query"], line["input_query"]) == ("first", "second") for line in lines
    )
    ledger.record(
        "screen-file-duplicate-columns",
        "files",
        "`screen-file` with columns name,note,Note and with name,query,input_query",
        f"duplicate: exit 2, {refused}; query and input_query: both values kept "
        "(input_input_query, input_query)",
        None,
    )


def test_json_output_is_strict_json(
    warehouse: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = (
        "SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, '\\xAA\\xBB'::BLOB AS c, "
        "1.5::DECIMAL(4, 2) AS d, ['-inf'::DOUBLE, 2.0] AS e"
    )
    assert _run(warehouse, "query", sql, "--json") == 0
    printed = capsys.readouterr().out.strip()

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    row = json.loads(printed, parse_constant=refuse)
    assert row == {"a": None, "b": None, "c": "qrs=", "d": 1.5, "e": [None, 2.0]}
    ledger.record(
        "json-non-finite-and-blobs",
        "files",
        "`sanctions query --json` over NaN, infinities, a blob and a decimal",
        f"strict JSON: {printed}",
        None,
    )


def test_a_reader_that_goes_away_ends_the_command_quietly(warehouse: Path, ledger: Ledger) -> None:
    command = [sys.executable, "-m", "pipelines.cli", "--warehouse", str(warehouse)]
    command += ["query", "SELECT * FROM range(200000)"]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # `| head -1`
        err = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err and code in (0, 1)
    ledger.record(
        "cli-closed-pipe",
        "files",
        "`sanctions query 'SELECT * FROM range(200000)' | head -1`",
        f"exit {code}, nothing on stderr{': ' + err.strip() if err.strip() else ''}",
        None,
    )
