"""Hostile and broken list files and feeds: entity expansion and external entities refused
unexpanded, schema drift and bad encodings failing the parse by name, a shrunken list blocked,
and nothing already stored lost or replaced."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
from pathlib import Path

import pytest

from assets.articles.batches import make_batch, write_manifest
from assets.common.model import ParseError
from assets.sources import eu_fsf, ofac_cons, ofac_sdn, uk_fcdo, uk_ofsi, un_sc
from assets.sources.bundled import newest_bundled
from assets.sources.spec import ListSpec
from tests.conftest import FIXTURES, Reply, ScriptedServer, fixture_bytes
from tests.reliability.harness import (
    Ledger,
    census,
    copy_workspace,
    current_snapshot,
    failure_message,
    metadata,
    query,
    records_admitted,
    records_lost,
    run_articles,
    run_list,
)

UN_XML = fixture_bytes("un_sc", "consolidated.xml")
NOW = dt.datetime(2026, 11, 26, 9, 0)
CANARY = "canary-7f3a9c-not-for-the-warehouse"


def small(spec: ListSpec, *files: str) -> ListSpec:
    """The spec with bounds that admit a fixture excerpt (and only the named live files)."""
    live = tuple(f for f in spec.live_files if not files or f.name in files)
    return dataclasses.replace(spec, min_entities=1, live_files=live)


UN = small(un_sc.SPEC)
SDN = small(ofac_sdn.SPEC, "sdn.csv")
OFSI = small(uk_ofsi.SPEC)
SDN_CSV = fixture_bytes("ofac_sdn", "changes", "2023-12-28", "sdn.csv")
OFSI_CSV = fixture_bytes("uk_ofsi", "conlist.csv")
# Its ASCII lines: a file that decodes as Windows-1252 once UTF-8 fails.
OFSI_ASCII = b"\n".join(line for line in OFSI_CSV.split(b"\n") if line.isascii())


def billion_laughs(root: str) -> bytes:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE {root} [{"".join(levels)}]><{root}>&lol9;</{root}>'
    ).encode()


def with_prolog(xml: bytes, prolog: bytes) -> bytes:
    """`xml` with `prolog` (a DOCTYPE) inserted after its XML declaration."""
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        return xml[:end] + prolog + xml[end:]
    return prolog + xml


def hostile_payloads(xml: bytes, root: str, dtd_url: str, secret: Path) -> dict[str, bytes]:
    return {
        "billion-laughs": billion_laughs(root),
        "xxe-file": with_prolog(
            xml.replace(b"<" + root.encode() + b" ", b"<" + root.encode() + b" x='&xxe;' ", 1),
            f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode(),
        ),
        "xxe-network-dtd": with_prolog(xml, f'<!DOCTYPE {root} SYSTEM "{dtd_url}">'.encode()),
        "dtd-after-70kB-comment": with_prolog(
            xml,
            b"<!--"
            + b"x" * 70_000
            + b"-->"
            + f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode(),
        ),
    }


# --- seeded warehouses ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with accepted UN, OFAC SDN and OFSI publications, downloaded live."""
    folder = tmp_path_factory.mktemp("seeded-files")
    server = ScriptedServer()
    server.thread.start()
    try:
        for spec, name, body in (
            (UN, "consolidated.xml", UN_XML),
            (SDN, "sdn.csv", SDN_CSV),
            (OFSI, "conlist.csv", OFSI_CSV),
        ):
            url = server.route(f"/{name}", Reply(body=body))
            result = run_list(spec, folder, overrides={name: url})
            assert result.success, failure_message(result)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    return folder


def serve_bad_file(
    spec: ListSpec,
    name: str,
    body: bytes,
    seeded: Path,
    tmp_path: Path,
    server: ScriptedServer,
) -> tuple[str, int, str]:
    """Serve `body` as the list's file on a copy of the seeded warehouse; the run must reject it
    and keep the last good publication. Returns (what the run said, records lost, status)."""
    workspace = copy_workspace(seeded, tmp_path)
    warehouse = workspace / "w.duckdb"
    before, good = census(warehouse), current_snapshot(warehouse, spec.source_id)
    url = server.route(f"/{name}", Reply(body=body))
    result = run_list(spec, workspace, overrides={name: url})
    assert not result.success
    said = failure_message(result) or str(metadata(result, f"sources__{spec.source_id}"))
    after = census(warehouse)
    assert current_snapshot(warehouse, spec.source_id) == good
    assert records_admitted(before, after) == 0
    last = query(
        warehouse,
        "select status, reason from sources.snapshots where source = ? order by seen_at desc "
        "limit 1",
        [spec.source_id],
    )
    status = str(last[0][0])
    return said, records_lost(before, after), status


# --- entity expansion and external entities ------------------------------------------------------


@pytest.mark.parametrize(
    "attack", ["billion-laughs", "xxe-file", "xxe-network-dtd", "dtd-after-70kB-comment"]
)
def test_hostile_xml_list_is_refused_unexpanded(
    attack: str, seeded: Path, tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY)
    dtd_url = http_server.route("/evil.dtd", Reply(body=f'<!ENTITY x "{CANARY}">'.encode()))
    body = hostile_payloads(UN_XML, "CONSOLIDATED_LIST", dtd_url, secret)[attack]
    said, lost, status = serve_bad_file(
        UN, "consolidated.xml", body, seeded, tmp_path / "w", http_server
    )
    assert "declares a DTD or entities; refused" in said, said
    assert status == "rejected"
    assert http_server.hits("/evil.dtd") == 0  # no network access from the parser
    dump = str(census(tmp_path / "w" / "w.duckdb"))
    assert CANARY not in dump and "lollol" not in dump
    assert lost == 0
    ledger.record(
        f"xml-{attack}",
        "files",
        {
            "billion-laughs": "UN list with a 10⁹-fold nested entity expansion",
            "xxe-file": "UN list with an external entity reading a local file",
            "xxe-network-dtd": "UN list with an external DTD on a (local) server",
            "dtd-after-70kB-comment": "UN list whose DOCTYPE hides behind 70 kB of comment",
        }[attack],
        f"publication rejected before expansion (0 requests for the DTD, the local file's "
        f"text nowhere in the warehouse): {said}",
        lost,
    )


XML_PARSERS = {
    "un_sc": (un_sc.SPEC, "consolidated.xml", ("un_sc", "consolidated.xml"), "CONSOLIDATED_LIST"),
    "eu_fsf": (eu_fsf.SPEC, "eu_fsf.xml", ("eu_fsf", "eu_fsf.xml"), "export"),
    "uk_fcdo": (
        uk_fcdo.SPEC,
        "uk_sanctions_list.xml",
        ("uk_fcdo", "uk_sanctions_list.xml"),
        "Designations",
    ),
    "ofac_cons": (
        ofac_cons.SPEC,
        "consolidated.xml",
        ("ofac_cons", "consolidated.xml"),
        "sdnList",
    ),
}


@pytest.mark.parametrize("source", sorted(XML_PARSERS))
def test_every_xml_list_parser_refuses_entities(
    source: str, tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    spec, name, fixture, root = XML_PARSERS[source]
    xml = fixture_bytes(*fixture)
    assert spec.parse({name: xml}).entities  # the fixture itself parses
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY)
    dtd_url = http_server.route("/evil.dtd", Reply(body=b"<!ENTITY x 'y'>"))
    refused = []
    for attack, body in hostile_payloads(xml, root, dtd_url, secret).items():
        with pytest.raises(ParseError, match="declares a DTD or entities") as err:
            spec.parse({name: body})
        assert source in str(err.value)
        refused.append(attack)
    assert http_server.hits("/evil.dtd") == 0
    ledger.record(
        f"xml-parser-{source}",
        "files",
        f"{source} parser fed billion laughs, XXE file, XXE network DTD, hidden DOCTYPE",
        f"all {len(refused)} refused with ParseError naming {source}, nothing expanded or fetched",
        None,
    )


def test_hostile_feeds_are_refused_unexpanded(
    tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    bomb = (FIXTURES / "articles" / "feeds" / "entity_bomb.xml").read_bytes()
    hidden = bomb.replace(b"<!DOCTYPE", b"<!--" + b"x" * 70_000 + b"--><!DOCTYPE", 1)
    feeds = [
        http_server.route("/bomb.xml", Reply(body=bomb)),
        http_server.route("/hidden.xml", Reply(body=hidden)),
        http_server.route("/laughs.xml", Reply(body=billion_laughs("rss"))),
    ]
    batch = make_batch("feeds", NOW, feeds=feeds)
    write_manifest(batch, tmp_path / "batches")
    before = census(tmp_path / "w.duckdb")
    result = run_articles(tmp_path, batch.batch_id)
    assert result.success
    after = census(tmp_path / "w.duckdb")
    lost = records_lost(before, after)
    assert lost == 0 and records_admitted(before, after) == 0
    skipped = dict(query(tmp_path / "w.duckdb", "select ref, reason from articles.skipped_inputs"))
    assert set(skipped) == set(feeds)
    assert all("declares a DTD or entities" in r for r in skipped.values()), skipped
    assert query(tmp_path / "w.duckdb", "select count(*) from articles.articles") == [(0,)]
    ledger.record(
        "feed-entity-expansion",
        "files",
        "feeds with billion laughs, XXE (file:///etc/hostname), and a DOCTYPE after 70 kB",
        f"each feed refused before parsing, recorded as skipped: {next(iter(skipped.values()))}",
        lost,
    )


# --- schema drift, encodings, malformed rows ---------------------------------------------

BAD_FILES = {
    # id: (spec, file name, body, what the message must name, injected)
    "drift-xml-element": (
        UN,
        "consolidated.xml",
        UN_XML.replace(b"REFERENCE_NUMBER", b"REF_NUMBER"),
        "REFERENCE_NUMBER",
        "UN list whose mandatory REFERENCE_NUMBER element is renamed",
    ),
    "drift-csv-column": (
        OFSI,
        "conlist.csv",
        OFSI_CSV.replace(b",Group Type,", b",Entity Type,", 1),
        "Group Type",
        "OFSI CSV whose mandatory 'Group Type' column is renamed",
    ),
    "drift-csv-width": (
        SDN,
        "sdn.csv",
        b"\r\n".join(line + b',"-0-"' for line in SDN_CSV.split(b"\r\n")[:3])
        + b"\r\n"
        + b"\r\n".join(SDN_CSV.split(b"\r\n")[3:]),
        "expected 12 columns, found 13",
        "OFAC SDN CSV that gained a 13th column",
    ),
    "csv-row-too-many-fields": (
        SDN,
        "sdn.csv",
        SDN_CSV.replace(b"\r\n", b',"extra"\r\n', 5).replace(b',"extra"\r\n', b"\r\n", 4),
        "expected 12 columns, found 13 (line 5)",
        "OFAC SDN CSV with one row of 13 fields",
    ),
    "xml-not-utf8": (
        UN,
        "consolidated.xml",
        UN_XML.replace(b"<FIRST_NAME>", b"<FIRST_NAME>\xe9\xe8", 1),
        "not well-formed",
        "UN XML declared UTF-8 holding Latin-1 bytes",
    ),
    "csv-not-utf8": (
        SDN,
        "sdn.csv",
        SDN_CSV.replace(b'"', b'"\xe9', 1),
        "not valid utf-8",
        "OFAC SDN CSV with a Latin-1 byte",
    ),
    "csv-mixed-encodings": (
        OFSI,
        "conlist.csv",
        OFSI_ASCII.replace(b"Syria", "Syrié".encode(), 1).replace(b"Syria,", b"Syri\xe9,", 1),
        "mixed encodings",
        "OFSI CSV mixing UTF-8 and Windows-1252 bytes",
    ),
    "xml-truncated": (
        UN,
        "consolidated.xml",
        UN_XML[: len(UN_XML) // 2],
        "not well-formed",
        "UN XML cut off half-way",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_broken_list_file_is_rejected_naming_the_problem(
    case: str, seeded: Path, tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    spec, name, body, expected, injected = BAD_FILES[case]
    said, lost, status = serve_bad_file(spec, name, body, seeded, tmp_path, http_server)
    assert spec.source_id in said and expected.lower() in said.lower(), said
    assert status == "rejected"
    assert lost == 0
    ledger.record(
        case,
        "files",
        injected,
        f"publication rejected, last good one kept: {said}",
        lost,
    )


def test_a_list_that_shrinks_too_much_is_rejected_by_the_blocking_check(
    tmp_path: Path, http_server: ScriptedServer, ledger: Ledger
) -> None:
    bundled = newest_bundled("un_sc")
    assert bundled is not None
    full = gzip.decompress((bundled.directory / "consolidated.xml.gz").read_bytes())
    url = http_server.route("/un.xml", Reply(body=full))
    assert run_list(UN, tmp_path, overrides={"consolidated.xml": url}).success
    before = census(tmp_path / "w.duckdb")
    excerpt = len(UN.parse({"consolidated.xml": UN_XML}).entities)
    http_server.route("/un.xml", Reply(body=UN_XML))  # the fixture excerpt
    shrunk = run_list(UN, tmp_path, overrides={"consolidated.xml": url})
    assert not shrunk.success
    checks = {e.check_name: e for e in shrunk.get_asset_check_evaluations()}
    assert checks["no_large_drop"].passed is False
    after = census(tmp_path / "w.duckdb")
    assert query(tmp_path / "w.duckdb", "select count(*) from sources.entities") == [(1003,)]
    last = query(
        tmp_path / "w.duckdb",
        "select status, reason from sources.snapshots order by seen_at desc limit 1",
    )
    assert last[0][0] == "rejected" and "no_large_drop" in str(last[0][1])
    lost = records_lost(before, after)
    assert lost == 0 and records_admitted(before, after) == 0
    ledger.record(
        "list-shrinks",
        "files",
        f"UN list shrinking from 1003 to {excerpt} entities (more than the allowed 20 %)",
        f"blocking check no_large_drop failed, publication rejected, 1003 entities kept: "
        f"{checks['no_large_drop'].description}",
        lost,
    )
