"""The analyst's workbench (#20): its pure parts, and the application over a real warehouse
(a copy of the session's `sanctions run` on the bundled lists and sample articles), driven
through FastAPI's test client: the queue and its filters, a hit in full, decisions and what
bad input gets, who may decide, the CSV export and the dashboard."""

from __future__ import annotations

import csv
import io
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import duckdb
import pytest
from fastapi.testclient import TestClient

from assets.linkage.store import store_matches
from assets.outputs.workbench import (
    QUEUE_PAGE,
    QueueFilters,
    entity_records_hit,
    highlight,
    waterfall,
)
from pipelines.workbench import (
    MAX_FORM_BYTES,
    WorkbenchConfig,
    add_account,
    create_app,
    hash_password,
    password_matches,
    read_accounts,
)
from tests.conftest import MODELS

LOCAL = ("127.0.0.1", 50000)


# --- pure parts --------------------------------------------------------------------------------


def test_a_password_is_stored_hashed_and_checked() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert password_matches("correct horse", stored)
    assert not password_matches("wrong horse", stored)
    assert not password_matches("correct horse", "scrypt$zz$zz")
    assert not password_matches("correct horse", "plain")
    # Salted: the same password hashes differently twice.
    assert hash_password("correct horse") != stored


def test_the_accounts_file_is_read_strictly(tmp_path: Path) -> None:
    path = tmp_path / "reviewers"
    add_account(path, "ana", "s3cret-pass")
    add_account(path, "ben", "another-pass")
    add_account(path, "ana", "changed-pass")  # replaced, not added twice
    accounts = read_accounts(path)
    assert sorted(accounts) == ["ana", "ben"]
    assert password_matches("changed-pass", accounts["ana"])
    path.write_text("# reviewers\nana:plaintext\n")
    with pytest.raises(ValueError, match=r"reviewers:2: expected"):
        read_accounts(path)
    with pytest.raises(ValueError, match="8 characters"):
        add_account(tmp_path / "other", "cy", "short")
    with pytest.raises(ValueError, match="not a reviewer name"):
        add_account(tmp_path / "other", "a:b", "long enough")


@pytest.mark.parametrize(
    ("sentence", "mention", "at", "parts"),
    [
        ("Rosneft and Rosneft Oil.", "Rosneft", 12, ("Rosneft and ", "Rosneft", " Oil.")),
        # The stored offset no longer points at the mention: its first occurrence.
        ("Sanctions hit Rosneft.", "Rosneft", 3, ("Sanctions hit ", "Rosneft", ".")),
        ("Sanctions hit Rosneft.", "Rosneft", None, ("Sanctions hit ", "Rosneft", ".")),
        ("No such name here.", "Rosneft", None, ("No such name here.", "", "")),
    ],
)  # fmt: skip
def test_the_mention_is_marked_in_its_sentence(
    sentence: str, mention: str, at: int | None, parts: tuple[str, str, str]
) -> None:
    found = highlight(sentence, mention, at)
    assert (found.before, found.mention, found.after) == parts


def test_the_waterfall_adds_up_to_the_match_weight() -> None:
    steps = waterfall(
        3.9,
        {"name": 14.3, "schema": 1.0, "country": 0.0, "name_frequency": 5.0},
        {"name": "Exact match on core", "schema": "Exact match on schema", "country": "no data"},
    )
    assert [s.comparison for s in steps] == ["prior", "name", "schema", "country", "name_frequency"]
    assert steps[0].bits == pytest.approx(3.9 - 20.3)
    assert steps[-1].total == pytest.approx(3.9)
    assert steps[1].level == "Exact match on core"
    assert steps[-1].level == "how common the exact name is"


def test_queue_filters_refuse_unknown_values() -> None:
    with pytest.raises(ValueError, match="band must be one of"):
        QueueFilters(band="maybe")
    with pytest.raises(ValueError, match="decision must be one of"):
        QueueFilters(decision="yes")


# --- the application over a real warehouse -----------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(ran: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("workbench") / "w.duckdb"
    shutil.copyfile(ran / "w.duckdb", copy)
    return copy


@pytest.fixture(scope="module")
def client(warehouse: Path) -> Iterator[TestClient]:
    app = create_app(WorkbenchConfig(warehouse=warehouse, local_reviewer="local-analyst"))
    with TestClient(app, client=LOCAL, follow_redirects=False) as test_client:
        yield test_client


def rows(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def open_hits(warehouse: Path, band: str | None = None) -> list[tuple[str, str, str]]:
    """(mention_id, entity_id, mention) of the hits with no decision, likeliest first."""
    where = "decision IS NULL" + (f" AND band = '{band}'" if band else "")
    return rows(  # type: ignore[return-value]
        warehouse,
        f"SELECT mention_id, entity_id, mention FROM outputs.screening_hits WHERE {where} "
        "ORDER BY probability DESC, mention_id, entity_id",
    )


def decisions_of(warehouse: Path, mention_id: str, entity_id: str) -> list[tuple[Any, ...]]:
    return rows(
        warehouse,
        "SELECT decision, reviewer, note FROM outputs.review_decisions "
        "WHERE mention_id = ? AND entity_id = ? ORDER BY decided_at",
        [mention_id, entity_id],
    )


def csrf_of(client: TestClient, mention_id: str, entity_id: str) -> str:
    page = client.get(f"/hit/{mention_id}/{entity_id}")
    assert page.status_code == 200, page.text
    return page.text.split('name="csrf" value="')[1].split('"')[0]


def post_decision(client: TestClient, mention_id: str, entity_id: str, **form: str) -> Any:
    return client.post(f"/hit/{mention_id}/{entity_id}/decision", data=form)


@pytest.mark.slow
def test_the_queue_lists_open_hits_and_filters_by_band(client: TestClient, warehouse: Path) -> None:
    page = client.get("/queue")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    # One row per mention and listed entity (its list records grouped).
    waiting = rows(
        warehouse,
        "SELECT count(DISTINCT (mention_id, canonical_id)) FROM outputs.screening_hits "
        "WHERE decision IS NULL",
    )[0][0]
    assert f"{waiting} hits" in page.text
    assert page.text.count("<tr data-href=") == min(waiting, QUEUE_PAGE)
    matches = client.get("/queue", params={"band": "match"})
    reviews = client.get("/queue", params={"band": "review"})
    assert matches.status_code == reviews.status_code == 200
    assert 'class="band-match"' in matches.text and 'class="band-review"' not in matches.text
    assert 'class="band-review"' in reviews.text and 'class="band-match"' not in reviews.text
    for bad in ({"band": "maybe"}, {"published_from": "yesterday"}, {"page": "0"}):
        assert client.get("/queue", params=bad).status_code == 400


@pytest.mark.slow
def test_a_hit_shows_the_sentence_the_entity_and_the_waterfall(
    client: TestClient, warehouse: Path
) -> None:
    mention_id, entity_id, mention = open_hits(warehouse, "match")[0]
    page = client.get(f"/hit/{mention_id}/{entity_id}")
    assert page.status_code == 200
    assert f"<mark>{mention}</mark>" in page.text
    caption = rows(
        warehouse, "SELECT caption FROM sources.entities WHERE entity_id = ?", [entity_id]
    )
    assert caption[0][0] in page.text
    assert 'id="waterfall"' in page.text and "prior" in page.text and "match weight" in page.text
    assert client.get("/hit/m_nope/x:1").status_code == 404


@pytest.mark.slow
def test_a_decision_is_stored_with_the_login_and_leaves_the_open_queue(
    client: TestClient, warehouse: Path
) -> None:
    mention_id, entity_id, _ = open_hits(warehouse, "review")[0]
    token = csrf_of(client, mention_id, entity_id)
    answer = post_decision(
        client, mention_id, entity_id, csrf=token, decision="not_match", note="a namesake",
        next="/queue?band=review",
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/queue?band=review&flash=recorded")
    assert decisions_of(warehouse, mention_id, entity_id) == [
        ("not_match", "local-analyst", "a namesake")
    ]
    href = f"/hit/{mention_id}/{quote(entity_id, safe='')}?"
    assert href not in client.get("/queue", params={"band": "review"}).text
    decided = client.get("/queue", params={"decision": "not_match"}).text
    assert f"/hit/{mention_id}/" in decided and "local-analyst" in decided
    # The audit trail keeps both decisions when a hit is decided again.
    post_decision(client, mention_id, entity_id, csrf=token, decision="match", note="")
    assert [d[0] for d in decisions_of(warehouse, mention_id, entity_id)] == ["not_match", "match"]


@pytest.mark.slow
def test_a_pair_decided_not_match_stays_decided_when_its_mention_is_scored_again(
    client: TestClient, warehouse: Path
) -> None:
    """Re-screening writes the pair again (a list change's `trigger = 'list_change'` row beside
    the batch's): the decision is on the pair, not on a row, so the hit is not raised again."""
    mention_id, entity_id, _ = open_hits(warehouse, "match")[-1]
    token = csrf_of(client, mention_id, entity_id)
    post_decision(client, mention_id, entity_id, csrf=token, decision="not_match", note="")
    with duckdb.connect(str(warehouse)) as con:
        again = con.sql(
            "SELECT mention_id, entity_id, record_id, matched_name, name_kind, mention_name, "
            "match_weight, match_probability, band, contributions, levels, explanation "
            "FROM linkage.matches WHERE mention_id = $mention AND entity_id = $entity",
            params={"mention": mention_id, "entity": entity_id},
        ).to_arrow_table()
        store_matches(
            con,
            again,
            batch_id=None,
            model_version="rescored",
            trigger="list_change",
            replace_where="trigger = 'list_change' AND mention_id = ?",
            replace_params=[mention_id],
        )
    shown = rows(
        warehouse,
        "SELECT trigger, decision FROM outputs.screening_hits WHERE mention_id = ? "
        "AND entity_id = ? ORDER BY trigger",
        [mention_id, entity_id],
    )
    assert shown == [("batch", "not_match"), ("list_change", "not_match")]
    article = rows(
        warehouse, "SELECT article_id FROM articles.mentions WHERE mention_id = ?", [mention_id]
    )[0][0]
    href = f"/hit/{mention_id}/{quote(entity_id, safe='')}?"
    waiting = client.get("/queue", params={"article_id": article}).text
    assert href not in waiting
    assert href in client.get("/queue", params={"article_id": article, "decision": "any"}).text


@pytest.mark.slow
def test_bad_decisions_get_a_clear_4xx_and_store_nothing(
    client: TestClient, warehouse: Path
) -> None:
    mention_id, entity_id, _ = open_hits(warehouse)[0]
    token = csrf_of(client, mention_id, entity_id)
    cases = [
        (dict(csrf=token, decision="perhaps"), 400, "decision must be one of"),
        (dict(csrf=token, decision="match", note="x" * 5000), 400, "at most"),
        (dict(csrf=token, decision="match", note="x" * 1_000_000), 413, str(MAX_FORM_BYTES)),
        (dict(csrf="forged", decision="match"), 403, "stale"),
        (dict(decision="match"), 403, "stale"),
    ]
    for form, status, said in cases:
        answer = post_decision(client, mention_id, entity_id, **form)
        assert answer.status_code == status, (form.get("decision"), answer.text)
        assert said in answer.json()["detail"]
    unknown = post_decision(client, "m_nope", "x:1", csrf=token, decision="match")
    assert unknown.status_code == 404 and "m_nope" in unknown.json()["detail"]
    foreign = client.post(
        f"/hit/{mention_id}/{entity_id}/decision",
        data={"csrf": token, "decision": "match"},
        headers={"Origin": "http://evil.example"},
    )
    assert foreign.status_code == 403
    as_json = client.post(
        f"/hit/{mention_id}/{entity_id}/decision", json={"csrf": token, "decision": "match"}
    )
    assert as_json.status_code == 415
    assert decisions_of(warehouse, mention_id, entity_id) == []


@pytest.mark.slow
def test_a_note_with_markup_is_shown_escaped_and_exported_inert(
    client: TestClient, warehouse: Path
) -> None:
    mention_id, entity_id, _ = open_hits(warehouse)[0]
    note = '<script>alert(1)</script> =HYPERLINK("http://x")'
    token = csrf_of(client, mention_id, entity_id)
    assert (
        post_decision(
            client, mention_id, entity_id, csrf=token, decision="unsure", note=note
        ).status_code
        == 303
    )
    page = client.get(f"/hit/{mention_id}/{entity_id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    export = client.get("/decisions.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(export.text)))
    ours = [r for r in table if r["mention_id"] == mention_id and r["entity_id"] == entity_id]
    assert ours[-1]["decision"] == "unsure" and ours[-1]["reviewer"] == "local-analyst"
    assert ours[-1]["note"] == note  # it opens with '<', not a formula
    formula = "=cmd()"
    post_decision(client, mention_id, entity_id, csrf=token, decision="unsure", note=formula)
    table = list(csv.DictReader(io.StringIO(client.get("/decisions.csv").text)))
    assert table[-1]["note"] == "'" + formula


@pytest.mark.slow
def test_the_dashboard_counts_hits_and_reviews(client: TestClient, warehouse: Path) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200
    hits, reviewed = rows(
        warehouse, "SELECT count(*), count(decision) FROM outputs.screening_hits"
    )[0]
    assert f"{reviewed} of {hits} hits reviewed" in page.text
    assert 'id="per-band"' in page.text and 'id="per-list"' in page.text


@pytest.mark.slow
def test_concurrent_decisions_lose_nothing(client: TestClient, warehouse: Path) -> None:
    pairs = [(m, e) for m, e, _ in open_hits(warehouse)[:6]]
    token = csrf_of(client, *pairs[0])
    before = rows(warehouse, "SELECT count(*) FROM outputs.review_decisions")[0][0]
    failures: list[int] = []

    def decide(worker: int) -> None:
        for i in range(5):
            mention_id, entity_id = pairs[(worker + i) % len(pairs)]
            answer = post_decision(
                client, mention_id, entity_id, csrf=token, decision="unsure", note=f"w{worker}"
            )
            if answer.status_code != 303:
                failures.append(answer.status_code)

    threads = [threading.Thread(target=decide, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    # Each post records one decision per list record of the entity that the mention hit.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        records = {pair: len(entity_records_hit(con, *pair)) for pair in pairs}
    expected = sum(records[pairs[(w + i) % len(pairs)]] for w in range(4) for i in range(5))
    after = rows(warehouse, "SELECT count(*) FROM outputs.review_decisions")[0][0]
    assert after - before == expected


@pytest.mark.slow
def test_off_this_machine_only_reviewer_accounts_may_decide(
    warehouse: Path, tmp_path: Path
) -> None:
    # Without accounts, a request from another address is refused.
    local_only = create_app(WorkbenchConfig(warehouse=warehouse))
    with TestClient(local_only, client=("10.0.0.7", 50000)) as remote:
        assert remote.get("/queue").status_code == 403
    accounts = tmp_path / "reviewers"
    add_account(accounts, "ana", "s3cret-pass")
    config = WorkbenchConfig(
        warehouse=warehouse, accounts=read_accounts(accounts), model_dir=MODELS
    )
    app = create_app(config)
    with TestClient(app, client=("10.0.0.7", 50000), follow_redirects=False) as remote:
        assert remote.get("/queue").status_code == 401
        assert remote.get("/queue", auth=("ana", "wrong-pass")).status_code == 401
        assert remote.get("/queue", auth=("ana", "s3cret-pass")).status_code == 200
        # A login checked once is remembered; a wrong password after it is still refused.
        assert remote.get("/queue", auth=("ana", "s3cret-pass")).status_code == 200
        assert remote.get("/queue", auth=("ana", "s3cret-pasS")).status_code == 401
        # The matching API follows the same rule.
        assert remote.get("/api/healthz").status_code == 401
        assert remote.get("/api/healthz", auth=("ana", "s3cret-pass")).status_code == 200
        mention_id, entity_id, _ = open_hits(warehouse)[0]
        page = remote.get(f"/hit/{mention_id}/{entity_id}", auth=("ana", "s3cret-pass"))
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        # The reviewer is the login; a form field naming someone else changes nothing.
        answer = remote.post(
            f"/hit/{mention_id}/{entity_id}/decision",
            data={"csrf": token, "decision": "match", "reviewer": "mallory"},
            auth=("ana", "s3cret-pass"),
        )
        assert answer.status_code == 303
    assert decisions_of(warehouse, mention_id, entity_id)[-1][:2] == ("match", "ana")


@pytest.mark.slow
def test_the_charts_are_served_where_the_assets_metadata_links_them(
    warehouse: Path, tmp_path: Path
) -> None:
    """The linkage model asset writes its chart and links it at the workbench's address (not
    a file:// link, which a browser refuses from a web page); the workbench serves it, and
    nothing but a chart of its folder."""
    import dagster as dg

    from assets.common.defaults import CHARTS_URL
    from assets.common.warehouse import WarehouseResource
    from assets.linkage.assets import mention_model
    from assets.linkage.resources import LinkageResource

    database = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse, database)
    charts = tmp_path / "charts"
    result = dg.materialize(
        [mention_model],
        resources={
            "warehouse": WarehouseResource(database=str(database)),
            "linkage": LinkageResource(model_dir=str(MODELS), charts_dir=str(charts)),
        },
    )
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    url = str(metadata["match_weights_chart"].value)
    assert url == f"{CHARTS_URL}/match_weights.html"
    app = create_app(WorkbenchConfig(warehouse=database, charts_dir=charts))
    with TestClient(app, client=LOCAL) as served:
        chart = served.get(urlsplit(url).path)
        assert chart.status_code == 200 and chart.headers["content-type"].startswith("text/html")
        assert chart.text == (charts / "match_weights.html").read_text(encoding="utf-8")
        for elsewhere in ("/charts/..%2Fw.duckdb", "/charts/nope.html", "/charts/w.duckdb"):
            assert served.get(elsewhere).status_code == 404, elsewhere


@pytest.mark.slow
def test_the_screening_hits_metadata_groups_top_hits_by_entity_with_the_sentence(
    warehouse: Path, tmp_path: Path
) -> None:
    """The Dagster UI's table of top hits: one row per mention and canonical entity (a person
    on three lists is one row naming the three lists), the mention in bold in its sentence."""
    import dagster as dg

    from assets.common.warehouse import WarehouseResource
    from assets.outputs.assets import screening_hits

    database = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse, database)
    result = dg.materialize(
        [screening_hits], resources={"warehouse": WarehouseResource(database=str(database))}
    )
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    table = str(metadata["top_hits"].value).splitlines()
    assert table[0].startswith("| article | sentence | entity | lists |")
    body = table[2:]
    assert len(body) == 10
    expected = rows(
        database,
        "SELECT mention, sentence, lists, count(*) OVER (PARTITION BY mention_id, canonical_id) "
        "FROM outputs.screening_hits QUALIFY row_number() OVER (PARTITION BY mention_id, "
        "canonical_id ORDER BY probability DESC, entity_id) = 1 "
        "ORDER BY probability DESC, mention_id, entity_id LIMIT 10",
    )
    for line, (mention, sentence, lists, records) in zip(body, expected, strict=True):
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        assert f"**{mention}**" in cells[1]
        assert cells[1].replace("**", "") == " ".join(sentence.split())
        assert cells[3] == lists
        assert (f"({records} list records)" in cells[2]) == (records > 1)
    # Grouped: some mention hit an entity listed on several lists, and it is one row.
    assert any(", " in c.split(" | ")[3] for c in body)


@pytest.mark.slow
def test_counterparty_hits_are_decided_and_a_not_match_is_held_back(
    client: TestClient, warehouse: Path
) -> None:
    """The counterparty page lists the open hits of the sample counterparty file; a not_match
    recorded there (the login as reviewer) moves the hit to the good-guy list."""
    page = client.get("/counterparties")
    assert page.status_code == 200
    waiting = rows(
        warehouse, "SELECT count(*) FROM outputs.counterparty_hits WHERE decision IS NULL"
    )[0][0]
    assert waiting > 5 and f"{waiting} counterparty hits" in page.text
    file, record_id, entity_id, caption = rows(
        warehouse,
        "SELECT file, record_id, entity_id, caption FROM outputs.counterparty_hits "
        "ORDER BY probability DESC, file, row, entity_id LIMIT 1",
    )[0]
    assert caption in page.text
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    form = {"csrf": csrf, "file": file, "record_id": record_id, "entity_id": entity_id}
    posted = client.post(
        "/counterparties/decision",
        data={**form, "decision": "not_match", "note": "<b>our own client</b>",
              "next": "/counterparties?band=match"},
    )  # fmt: skip
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/counterparties?band=match&flash=recorded")
    assert rows(
        warehouse,
        "SELECT decision, reviewer, note FROM outputs.counterparty_decisions "
        "WHERE record_id = ? AND entity_id = ?",
        [record_id, entity_id],
    ) == [("not_match", "local-analyst", "<b>our own client</b>")]
    opened = client.get("/counterparties").text
    assert f"{waiting - 1} counterparty hits" in opened
    held = client.get("/counterparties", params={"decision": "held back"}).text
    assert f'value="{entity_id}"' in held and "&lt;b&gt;our own client&lt;/b&gt;" in held
    assert "<b>our own client</b>" not in held
    # Bad input: a clear 4xx, nothing stored.
    before = rows(warehouse, "SELECT count(*) FROM outputs.counterparty_decisions")
    for data, status in (
        ({**form, "record_id": "no-such-record", "decision": "match"}, 404),
        ({**form, "decision": "maybe"}, 400),
        ({**form, "csrf": "forged", "decision": "match"}, 403),
        ({**form, "decision": "match", "note": "x" * 5000}, 400),
    ):
        assert client.post("/counterparties/decision", data=data).status_code == status, data
    assert rows(warehouse, "SELECT count(*) FROM outputs.counterparty_decisions") == before
    assert client.get("/counterparties", params={"decision": "bogus"}).status_code == 400
    assert client.get("/counterparties", params={"band": "bogus"}).status_code == 400
