"""The counterparty assets on a temporary warehouse: a folder's file screened once, re-screened
when a real OFAC SDN publication (2024-05-03) designates one of its counterparties, and the
folder mirrored when files change or go."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.common.warehouse import WarehouseResource
from assets.counterparties.assets import (
    counterparty_hits,
    counterparty_list_change_matches,
    counterparty_matches,
    counterparty_records,
)
from assets.counterparties.resources import CounterpartySourcesResource
from assets.linkage.assets import list_records
from assets.linkage.resources import LinkageResource
from assets.sources import ofac_sdn, uk_ofsi, un_sc
from assets.sources.factory import build_list_asset
from assets.sources.resources import ListFetcherResource
from pipelines import cli
from pipelines.sensors import counterparty_folder_sensor
from tests.conftest import MODELS, Reply, ScriptedServer, bundled_warehouse, fixture_bytes

ROOT = Path(__file__).resolve().parents[2]
SCREEN = [counterparty_records, counterparty_matches, counterparty_hits]
FILE = (
    "record_id,name,type,country,tax_id,desk\n"
    "S-1,Sprut Technology LLC,org,RU,1650301536,industrial\n"
    "S-2,Minsk Wheel Tractor Plant,org,Belarus,,industrial\n"
    "S-3,Maria Lindqvist,person,SE,,retail\n"
    "S-4,,org,FR,,retail\n"
)


@pytest.mark.slow
def test_counterparty_files_are_screened_and_rescreened_on_list_changes(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    shutil.copytree(ROOT / "data" / "models", tmp_path / "models")
    inbox = tmp_path / "counterparties"
    inbox.mkdir()
    (inbox / "suppliers.csv").write_text(FILE, encoding="utf-8")
    spec = dataclasses.replace(
        ofac_sdn.SPEC,
        min_entities=1,
        live_files=tuple(f for f in ofac_sdn.SPEC.live_files if f.name == "sdn.csv"),
    )
    http_server.route(
        "/sdn.csv", Reply(body=fixture_bytes("ofac_sdn", "changes", "2023-12-28", "sdn.csv"))
    )
    database = tmp_path / "w.duckdb"
    resources = {
        "warehouse": WarehouseResource(database=str(database)),
        "list_fetcher": ListFetcherResource(
            mode="live",
            raw_dir=str(tmp_path / "raw"),
            url_overrides={"sdn.csv": http_server.url("/sdn.csv")},
            retries=0,
            step_retries=0,
        ),
        "counterparty_sources": CounterpartySourcesResource(folder=str(inbox)),
        "linkage": LinkageResource(
            model_dir=str(tmp_path / "models"), charts_dir=str(tmp_path / "charts")
        ),
    }
    offline = {
        **resources,
        "list_fetcher": ListFetcherResource(mode="snapshot", raw_dir=str(tmp_path / "raw")),
    }
    list_asset = build_list_asset(spec)
    with dg.instance_for_test() as instance:
        others = [build_list_asset(s) for s in (un_sc.SPEC, uk_ofsi.SPEC)]
        assert dg.materialize(others, instance=instance, resources=offline).success
        assert dg.materialize(
            [list_asset, list_records], instance=instance, resources=resources
        ).success
        assert dg.materialize(SCREEN, instance=instance, resources=resources).success

        def hits() -> dict[tuple[object, object], tuple[object, ...]]:
            with duckdb.connect(str(database), read_only=True) as con:
                rows = con.execute(
                    "SELECT record_id, entity_id, band, trigger, record_fields, explanation "
                    "FROM outputs.counterparty_hits"
                ).fetchall()
            return {(r[0], r[1]): r[2:] for r in rows}

        first = hits()
        assert first[("S-2", "ofac_sdn:34769")][0] == "match"  # MINSK WHEEL TRACTOR PLANT
        assert '"desk": "industrial"' in str(first[("S-2", "ofac_sdn:34769")][2])
        assert not any(k[0] in ("S-1", "S-3") for k in first)
        with duckdb.connect(str(database), read_only=True) as con:
            problems = con.execute(
                "SELECT row, severity, message FROM counterparties.problems"
            ).fetchall()
        assert problems == [(4, "error", "no name: the row is not screened")]

        def held_back() -> set[tuple[object, object]]:
            with duckdb.connect(str(database), read_only=True) as con:
                rows = con.execute(
                    "SELECT record_id, entity_id FROM outputs.counterparty_suppressed"
                ).fetchall()
            return {(r[0], r[1]) for r in rows}

        def decide(record_id: str, entity_id: str, decision: str = "not_match") -> None:
            argv = ["--warehouse", str(database), "review-record", "suppliers.csv", record_id]
            argv += [entity_id, "--decision", decision, "--reviewer", "ana", "--note", "namesake"]
            assert cli.main(argv) == 0

        def screened_hits() -> dg.ExecuteInProcessResult:
            result = dg.materialize([counterparty_hits], instance=instance, resources=resources)
            assert result.success
            return result

        # The good-guy list: a hit decided not_match is held back from the analysts' view,
        # counted by the view's check, and listed in outputs.counterparty_suppressed.
        decide("S-2", "ofac_sdn:34769")
        result = screened_hits()
        assert ("S-2", "ofac_sdn:34769") not in hits()
        assert held_back() == {("S-2", "ofac_sdn:34769")}
        (check,) = result.get_asset_check_evaluations()
        assert check.passed and "1 hit held back by a standing not_match" in str(check.description)
        assert check.metadata["left_out_held_back"].value == 1
        # No such hit (record S-3 hit nothing): refused, nothing stored.
        unknown = ["--warehouse", str(database), "review-record", "suppliers.csv", "S-3"]
        assert cli.main([*unknown, "ofac_sdn:34769", "--decision", "not_match"]) == 2

        # 2024-05-03 designates LIMITED LIABILITY COMPANY SPRUT TECHNOLOGY (tax id 1650301536).
        http_server.route(
            "/sdn.csv", Reply(body=fixture_bytes("ofac_sdn", "changes", "2024-05-03", "sdn.csv"))
        )
        assert dg.materialize([list_asset], instance=instance, resources=resources).success
        rescreen = [list_records, counterparty_list_change_matches, counterparty_hits]
        assert dg.materialize(rescreen, instance=instance, resources=resources).success
        second = hits()
        band, trigger, _, explanation = second[("S-1", "ofac_sdn:47949")]
        assert band == "match" and trigger == "list_change"
        assert "identifier tax_id:1650301536 agrees" in str(explanation)
        # The publication changed MINSK WHEEL TRACTOR PLANT's programs: the listing is not the
        # one decided on, so the hit is raised again.
        assert second[("S-2", "ofac_sdn:34769")][1] in ("file", "list_change")
        assert held_back() == set()
        again = dg.materialize(
            [counterparty_list_change_matches], instance=instance, resources=resources
        )
        node = "counterparties__list_change_matches"
        assert again.asset_materializations_for_node(node)[0].metadata["publications"].value == 0

        # A changed file replaces its records and hits; a removed one takes them away.
        (inbox / "suppliers.csv").write_text(
            FILE.replace("S-2,Minsk Wheel Tractor Plant", "S-2,Nordlys Timber"), "utf-8"
        )
        assert dg.materialize(SCREEN, instance=instance, resources=resources).success
        third = hits()
        assert ("S-2", "ofac_sdn:34769") not in third and ("S-1", "ofac_sdn:47949") in third
        # Decided not_match, S-1 stays held back when its file is screened again with the
        # record unchanged, and is raised again once the record's data changes.
        decide("S-1", "ofac_sdn:47949")
        (inbox / "suppliers.csv").write_text(
            FILE.replace("S-2,Minsk Wheel Tractor Plant", "S-2,Nordlys Timber")
            + "S-5,Nordlys Fisk AS,org,NO,,retail\n",
            "utf-8",
        )
        assert dg.materialize(SCREEN, instance=instance, resources=resources).success
        assert ("S-1", "ofac_sdn:47949") not in hits()
        assert held_back() == {("S-1", "ofac_sdn:47949")}
        (inbox / "suppliers.csv").write_text(
            FILE.replace("S-2,Minsk Wheel Tractor Plant", "S-2,Nordlys Timber").replace(
                "org,RU,1650301536", "org,RU,1650301537"
            ),
            "utf-8",
        )
        assert dg.materialize(SCREEN, instance=instance, resources=resources).success
        assert ("S-1", "ofac_sdn:47949") in hits() and held_back() == set()
        (inbox / "broken.csv").write_text("id,country\n1,FR\n", encoding="utf-8")
        (inbox / "suppliers.csv").unlink()
        result = dg.materialize(SCREEN, instance=instance, resources=resources)
        assert result.success
        metadata = result.asset_materializations_for_node("counterparties__records")[0].metadata
        assert metadata["files_removed"].value == 1
        assert metadata["files_rejected"].value == "broken.csv"
        assert hits() == {}
        with duckdb.connect(str(database), read_only=True) as con:
            files = con.execute("SELECT path, status, reason FROM counterparties.files").fetchall()
        assert files == [
            (
                "broken.csv",
                "rejected",
                "broken.csv: no 'name' column among its 2 columns; "
                "every counterparty file needs one",
            )
        ]


def test_folder_sensor_runs_on_new_changed_or_removed_files(tmp_path: Path) -> None:
    warehouse = bundled_warehouse(tmp_path, [un_sc.SPEC])
    folder = tmp_path / "counterparties"
    folder.mkdir()
    resources = {
        "counterparty_sources": CounterpartySourcesResource(folder=str(folder)),
        "warehouse": WarehouseResource(database=str(warehouse)),
        "linkage": LinkageResource(model_dir=str(MODELS)),
    }
    instance = dg.DagsterInstance.ephemeral()

    def evaluate(cursor: str | None) -> tuple[int, str | None]:
        with dg.build_sensor_context(
            instance=instance, cursor=cursor, resources=resources
        ) as context:
            result = counterparty_folder_sensor(context)
            assert isinstance(result, dg.SensorResult)
            return len(result.run_requests or []), context.cursor

    runs, cursor = evaluate(None)
    assert runs == 0  # an empty folder
    (folder / "a.csv").write_text("name\nAlpha Trading\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a counterparty file", encoding="utf-8")
    runs, cursor = evaluate(cursor)
    assert runs == 1
    assert evaluate(cursor)[0] == 0
    (folder / "a.csv").write_text("name\nBeta Foods\n", encoding="utf-8")
    runs, cursor = evaluate(cursor)
    assert runs == 1
    (folder / "a.csv").unlink()
    assert evaluate(cursor)[0] == 1
