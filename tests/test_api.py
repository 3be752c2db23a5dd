"""The matching API (#21) served by uvicorn on a free loopback port over a copy of the session's
`sanctions run` warehouse, asked with a real HTTP client (requests) as yente's clients and
OpenRefine ask: yente's match request and response shapes, a batch of 100 queries, search,
entities, the catalog, a reconciliation round trip, bad input (each a clear 4xx, the server up
after), and a list refresh served without a restart."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import requests

from assets.common.warehouse import WarehouseResource
from assets.sources import ofac_sdn
from assets.sources.factory import build_list_asset
from assets.sources.resources import ListFetcherResource
from pipelines.workbench import WorkbenchConfig
from tests.conftest import MODELS, Reply, ScriptedServer, fixture_bytes
from tests.test_workbench_browser import _serving

pytestmark = pytest.mark.slow

# yente's documented example of a match request (its README and API docs): a person by name,
# birth date and nationality.
YENTE_EXAMPLE = {
    "queries": {
        "q1": {
            "schema": "Person",
            "properties": {
                "name": ["Vladimir Putin"],
                "birthDate": ["1952-10-07"],
                "nationality": ["ru"],
            },
        }
    }
}
RESULT_KEYS = {
    "id", "caption", "schema", "properties", "datasets", "referents", "target", "first_seen",
    "last_seen", "last_change", "score", "match", "features", "explanations",
}  # fmt: skip


@pytest.fixture(scope="module")
def api(ran: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, warehouse) of the workbench with the API, over a copy of the warehouse."""
    warehouse = tmp_path_factory.mktemp("api") / "w.duckdb"
    shutil.copyfile(ran / "w.duckdb", warehouse)
    config = WorkbenchConfig(warehouse=warehouse, model_dir=MODELS)
    with _serving(config) as base:
        yield base, warehouse


def post(base: str, path: str, body: Any, **params: Any) -> requests.Response:
    return requests.post(f"{base}{path}", json=body, params=params, timeout=120)


def test_health_and_catalog(api: tuple[str, Path]) -> None:
    base, warehouse = api
    assert requests.get(f"{base}/api/healthz", timeout=60).json() == {"status": "ok"}
    catalog = requests.get(f"{base}/api/catalog", timeout=60).json()
    names = {d["name"] for d in catalog["datasets"]}
    assert names == {"ofac_sdn", "ofac_cons", "un_sc", "uk_ofsi", "uk_fcdo", "eu_fsf"}
    un = next(d for d in catalog["datasets"] if d["name"] == "un_sc")
    assert un["published_on"] == "2026-02-27" and un["entity_count"] == 1003
    model = json.loads((MODELS / "record_linkage.meta.json").read_text())
    assert catalog["model"]["version"] == model["version"]
    assert catalog["model"]["match_threshold"] == model["bands"]["match"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        canonical = con.execute(
            "SELECT count(DISTINCT canonical_id) FROM linkage.canonical_entities"
        ).fetchone()
    assert canonical is not None and catalog["entities"] == canonical[0]
    openapi = requests.get(f"{base}/api/openapi.json", timeout=60).json()
    assert "/api/match/{dataset}" in openapi["paths"] and "/queue" not in openapi["paths"]


def test_a_yente_match_request_gets_a_yente_response(api: tuple[str, Path]) -> None:
    base, _ = api
    answer = post(base, "/api/match/default", YENTE_EXAMPLE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) >= {"responses", "limit"} and body["limit"] == 5
    response = body["responses"]["q1"]
    assert response["status"] == 200
    assert response["query"] == YENTE_EXAMPLE["queries"]["q1"]
    assert response["total"]["relation"] == "eq" and response["total"]["value"] >= 1
    top = response["results"][0]
    assert set(top) >= RESULT_KEYS
    assert top["caption"].upper().startswith("VLADIMIR") and "PUTIN" in top["caption"].upper()
    assert top["schema"] == "Person" and top["match"] is True and 0.9 <= top["score"] <= 1.0
    assert top["id"].startswith("canon:") and len(top["referents"]) >= 2  # OFAC and the UK
    assert {"ofac_sdn", "uk_ofsi"} <= set(top["datasets"])
    assert "1952-10-07" in top["properties"]["birthDate"]
    assert top["features"]["name"] > 0
    assert top["explanations"]["name"]["score"] == top["features"]["name"]
    assert "birth" in top["explanations"]["summary"]["explanation"]
    # One list: Putin is on OFAC's and the UK's lists, not the UN's.
    assert post(base, "/api/match/ofac_sdn", YENTE_EXAMPLE).json()["responses"]["q1"]["results"]
    assert not post(base, "/api/match/un_sc", YENTE_EXAMPLE).json()["responses"]["q1"]["results"]
    excluded = post(base, "/api/match/default", YENTE_EXAMPLE, exclude_dataset="ofac_sdn")
    assert excluded.json()["responses"]["q1"]["results"][0]["id"] == top["id"]  # via the UK
    # The threshold moves the match flag; exclude_schema drops a schema.
    strict = post(base, "/api/match/default", YENTE_EXAMPLE, threshold=1.0).json()
    assert strict["responses"]["q1"]["results"][0]["match"] is (top["score"] >= 1.0)
    people = post(base, "/api/match/default", YENTE_EXAMPLE, exclude_schema="Person").json()
    assert people["responses"]["q1"]["results"] == []


def test_the_article_s_people_are_not_flagged(api: tuple[str, Path]) -> None:
    base, _ = api
    queries = {
        name: {"schema": schema, "properties": {"name": [name]}}
        for name, schema in (
            ("Antony Blinken", "Person"),
            ("Xi Jinping", "Person"),
            ("NATO", "Organization"),
        )
    }
    body = post(base, "/api/match/default", {"queries": queries}).json()
    for name, response in body["responses"].items():
        assert not [r for r in response["results"] if r["match"]], name


def test_a_batch_of_100_queries_is_scored_together(api: tuple[str, Path]) -> None:
    base, warehouse = api
    with duckdb.connect(str(warehouse), read_only=True) as con:
        listed = con.execute(
            "SELECT e.entity_id, e.caption, e.schema FROM sources.entities e "
            "WHERE e.source = 'un_sc' ORDER BY e.entity_id LIMIT 100"
        ).fetchall()
    schemas = {"Person": "Person", "Organization": "Organization", "Vessel": "Vessel"}
    queries = {
        entity_id: {"schema": schemas.get(schema, "LegalEntity"), "properties": {"name": caption}}
        for entity_id, caption, schema in listed
    }
    answer = post(base, "/api/match/un_sc", {"queries": queries}, limit=3)
    assert answer.status_code == 200, answer.text
    responses = answer.json()["responses"]
    assert set(responses) == set(queries)
    found = sum(
        1
        for entity_id, response in responses.items()
        if any(entity_id in r["referents"] for r in response["results"])
    )
    assert found >= 95  # each listed name finds its own entity, bar the odd tie
    assert all(len(r["results"]) <= 3 for r in responses.values())


def test_search_and_entities(api: tuple[str, Path]) -> None:
    base, _ = api
    found = requests.get(f"{base}/api/search/default", params={"q": "Mahan Air"}, timeout=60)
    assert found.status_code == 200
    results = found.json()["results"]
    assert results and results[0]["caption"] == "MAHAN AIR"
    entity = requests.get(f"{base}/api/entities/{results[0]['id']}", timeout=60).json()
    assert entity["id"] == results[0]["id"] and "ofac_sdn" in entity["datasets"]
    assert "score" not in entity
    # A listing's own id finds its canonical entity.
    referent = entity["referents"][0]
    assert requests.get(f"{base}/api/entities/{referent}", timeout=60).json()["id"] == entity["id"]
    assert requests.get(f"{base}/api/entities/nobody:1", timeout=60).status_code == 404


def test_a_reconciliation_round_trip_as_openrefine_sends_it(api: tuple[str, Path]) -> None:
    base, _ = api
    manifest = requests.get(f"{base}/api/reconcile/default", timeout=60).json()
    assert "0.2" in manifest["versions"]
    assert {t["id"] for t in manifest["defaultTypes"]} >= {"Person", "Organization"}
    assert manifest["view"]["url"].endswith("/api/entities/{{id}}")
    queries = {
        "q0": {"query": "Mahan Air", "type": "Organization", "limit": 2},
        "q1": {
            "query": "Vladimir Putin",
            "type": "Person",
            "properties": [{"pid": "nationality", "v": "ru"}],
        },
        "q2": {"query": "Antony Blinken", "type": "Person"},
    }
    answer = requests.post(
        f"{base}/api/reconcile/default", data={"queries": json.dumps(queries)}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert set(result) == {"q0", "q1", "q2"}
    top = result["q0"]["result"][0]
    assert top["name"] == "MAHAN AIR" and top["match"] is True
    assert top["type"] == [{"id": "Organization", "name": "Organization"}]
    assert {f["id"] for f in top["features"]} >= {"name", "country"}
    assert len(result["q0"]["result"]) <= 2
    assert result["q1"]["result"][0]["match"] is True
    assert not [r for r in result["q2"]["result"] if r["match"]]
    preview = requests.get(
        f"{base}/api/reconcile/default/preview", params={"id": top["id"]}, timeout=60
    )
    assert preview.status_code == 200 and "MAHAN AIR" in preview.text
    suggest = requests.get(
        f"{base}/api/reconcile/default/suggest/entity", params={"prefix": "Mahan"}, timeout=60
    ).json()
    assert any(s["name"] == "MAHAN AIR" for s in suggest["result"])


@pytest.mark.parametrize(
    ("what", "send", "status"),
    [
        ("malformed JSON", lambda b: requests.post(
            f"{b}/api/match/default", data=b"{not json", timeout=60), 400),
        ("unknown schema", lambda b: post(b, "/api/match/default", {"queries": {"a": {
            "schema": "Spaceship", "properties": {"name": ["X"]}}}}), 400),
        ("unknown dataset", lambda b: post(b, "/api/match/nowhere", YENTE_EXAMPLE), 404),
        ("no name", lambda b: post(b, "/api/match/default", {"queries": {"a": {
            "schema": "Person", "properties": {"country": ["ru"]}}}}), 400),
        ("a 10 MB body", lambda b: requests.post(
            f"{b}/api/match/default", data=b"x" * 10_000_000, timeout=60), 413),
        ("10,000 queries", lambda b: post(b, "/api/match/default", {"queries": {
            str(i): {"schema": "Person", "properties": {"name": ["A B"]}}
            for i in range(10_000)}}), 400),
        ("a name of 100,000 characters", lambda b: post(b, "/api/match/default", {"queries": {
            "a": {"schema": "Person", "properties": {"name": ["x" * 100_000]}}}}), 400),
        ("a limit of 10,000", lambda b: post(b, "/api/match/default", YENTE_EXAMPLE,
                                             limit=10_000), 400),
        ("an algorithm we do not run", lambda b: post(b, "/api/match/default", YENTE_EXAMPLE,
                                                      algorithm="logic-v1"), 400),
        ("reconcile queries that are not JSON", lambda b: requests.post(
            f"{b}/api/reconcile/default", data={"queries": "{"}, timeout=60), 400),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_4xx_and_the_server_stays_up(
    api: tuple[str, Path], what: str, send: Any, status: int
) -> None:
    base, _ = api
    answer = send(base)
    assert answer.status_code == status, (what, answer.text[:300])
    assert answer.json()["detail"], what
    assert requests.get(f"{base}/api/healthz", timeout=60).status_code == 200


def test_a_list_refresh_is_served_without_a_restart(
    ran: Path, tmp_path: Path, http_server: ScriptedServer
) -> None:
    """A new OFAC SDN publication accepted into the warehouse while the server runs: the
    catalog shows it, and the server never held the warehouse (the run could write it)."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(ran / "w.duckdb", warehouse)
    with _serving(WorkbenchConfig(warehouse=warehouse, model_dir=MODELS)) as base:
        before = requests.get(f"{base}/api/catalog", timeout=60).json()
        sdn_before = next(d for d in before["datasets"] if d["name"] == "ofac_sdn")
        http_server.route(
            "/sdn.csv", Reply(body=fixture_bytes("ofac_sdn", "changes", "2024-05-03", "sdn.csv"))
        )
        spec = dataclasses.replace(
            ofac_sdn.SPEC,
            min_entities=1,
            max_drop_fraction=1.0,
            live_files=tuple(f for f in ofac_sdn.SPEC.live_files if f.name == "sdn.csv"),
        )
        fetcher = ListFetcherResource(
            mode="live",
            raw_dir=str(tmp_path / "raw"),
            url_overrides={"sdn.csv": http_server.url("/sdn.csv")},
            retries=0,
            step_retries=0,
        )
        result = dg.materialize(
            [build_list_asset(spec)],
            resources={
                "warehouse": WarehouseResource(database=str(warehouse)),
                "list_fetcher": fetcher,
            },
        )
        assert result.success
        deadline = time.monotonic() + 90
        while True:
            catalog = requests.get(f"{base}/api/catalog", timeout=60).json()
            sdn = next(d for d in catalog["datasets"] if d["name"] == "ofac_sdn")
            if sdn["version"] != sdn_before["version"]:
                break
            assert time.monotonic() < deadline, "the new publication was not served"
            time.sleep(0.5)
        assert sdn["entity_count"] == 49 and catalog["loaded_at"] > before["loaded_at"]


def test_concurrent_requests_each_get_their_own_results(api: tuple[str, Path]) -> None:
    """Requests that arrive while one is screened are screened together in the next run
    (`CoalescingScreener`): each still gets the results of its own queries."""
    from concurrent.futures import ThreadPoolExecutor

    base, warehouse = api
    with duckdb.connect(str(warehouse), read_only=True) as con:
        listed = con.execute(
            "SELECT entity_id, caption FROM sources.entities WHERE source = 'un_sc' "
            "AND schema = 'Organization' ORDER BY entity_id LIMIT 24"
        ).fetchall()

    def ask(item: tuple[str, str]) -> tuple[str, list[str]]:
        entity_id, caption = item
        body = {"queries": {"q": {"schema": "Organization", "properties": {"name": [caption]}}}}
        results = post(base, "/api/match/un_sc", body).json()["responses"]["q"]["results"]
        return entity_id, [referent for r in results for referent in r["referents"]]

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(ask, listed))
    found = sum(1 for entity_id, referents in answers if entity_id in referents)
    assert found >= len(listed) - 1, answers
