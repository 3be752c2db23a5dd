"""Operations: schedules, sensors, and re-screening the archive when a list changes, proven on
two real OFAC SDN publications (2023-12-28, then 2024-05-03)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.articles.assets import article_batches, articles, mentions
from assets.articles.batches import scan_inbox
from assets.articles.resources import ArticleSourcesResource, NlpResource
from assets.common.tables import ARTICLE_TABLES, ensure_tables
from assets.common.warehouse import WarehouseResource
from assets.counterparties.resources import CounterpartySourcesResource
from assets.linkage.assets import list_change_matches, list_records, matches
from assets.linkage.resources import LinkageResource
from assets.outputs.assets import screening_hits
from assets.sources import ofac_sdn, uk_ofsi, un_sc
from assets.sources.factory import build_list_asset
from assets.sources.resources import ListFetcherResource
from pipelines.schedules import crons, poll_feeds_schedule
from pipelines.sensors import (
    article_inbox_sensor,
    counterparty_folder_sensor,
    list_change_sensor,
    plan_inbox_batch,
    refresh_outputs_after_screening,
)
from tests.conftest import FIXTURES, MODELS, Reply, ScriptedServer, bundled_warehouse, fixture_bytes

ROOT = Path(__file__).resolve().parents[1]


def test_crons_default_and_configured(tmp_path: Path) -> None:
    assert crons(tmp_path / "none.toml") == {
        "refresh_lists": "0 6 * * *",
        "poll_feeds": "0 * * * *",
    }
    custom = tmp_path / "s.toml"
    custom.write_text('[schedules]\nrefresh_lists = "0 */6 * * *"\n')
    assert crons(custom)["refresh_lists"] == "0 */6 * * *"
    custom.write_text('[schedules]\nrefresh_list = "0 1 * * *"\n')
    with pytest.raises(ValueError, match="unknown schedules"):
        crons(custom)


def test_feed_schedule_plans_a_batch(tmp_path: Path) -> None:
    none = ArticleSourcesResource(batches_dir=str(tmp_path / "b"))
    feeds = ArticleSourcesResource(
        batches_dir=str(tmp_path / "b"), feeds=["http://127.0.0.1:9/rss"]
    )
    with dg.instance_for_test() as instance:
        with dg.build_schedule_context(
            instance=instance, resources={"article_sources": none}
        ) as context:
            skipped = poll_feeds_schedule(context)
        assert isinstance(skipped, dg.SkipReason)
        with dg.build_schedule_context(
            instance=instance, resources={"article_sources": feeds}
        ) as context:
            request = poll_feeds_schedule(context)
        assert isinstance(request, dg.RunRequest) and request.partition_key
        assert request.partition_key in instance.get_dynamic_partitions(article_batches.name)
    manifest = json.loads((tmp_path / "b" / f"{request.partition_key}.json").read_text())
    assert manifest["kind"] == "feeds" and manifest["feeds"] == ["http://127.0.0.1:9/rss"]


@pytest.fixture(scope="module")
def ready(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The resources a screening sensor reads: a warehouse with the UN list's linkage records,
    and the committed model."""
    database = bundled_warehouse(tmp_path_factory.mktemp("ready"), [un_sc.SPEC])
    return {
        "warehouse": WarehouseResource(database=str(database)),
        "linkage": LinkageResource(model_dir=str(MODELS)),
    }


def test_inbox_sensor_runs_only_new_or_changed_files(
    tmp_path: Path, ready: dict[str, object]
) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(FIXTURES / "articles" / "inbox", inbox)
    sources = ArticleSourcesResource(inbox_dirs=str(inbox), batches_dir=str(tmp_path / "b"))
    instance = dg.DagsterInstance.ephemeral()

    def evaluate(cursor: str | None) -> tuple[dg.SensorResult, str | None]:
        with dg.build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources={"article_sources": sources, **ready},
        ) as context:
            result = article_inbox_sensor(context)
            assert isinstance(result, dg.SensorResult)
            return result, context.cursor

    first, cursor = evaluate(None)
    assert len(first.run_requests or []) == 1
    second, cursor = evaluate(cursor)
    assert not second.run_requests
    (inbox / "late.txt").write_text("Late report\n\nA new story arrived after the first batch.\n")
    third, _ = evaluate(cursor)
    assert len(third.run_requests or []) == 1
    key = third.run_requests[0].partition_key  # type: ignore[index]
    manifest = json.loads((tmp_path / "b" / f"{key}.json").read_text())
    assert [f["path"] for f in manifest["files"]] == ["late.txt"]


def test_inbox_sensor_starts_from_the_files_the_warehouse_covers(
    tmp_path: Path, ready: dict[str, object]
) -> None:
    """`make run` (or the `everything` job) screened the inbox before the UI's sensor first
    looked: its first tick finds nothing new, then sees a file added later."""
    inbox = tmp_path / "inbox"
    shutil.copytree(FIXTURES / "articles" / "inbox", inbox)
    database = tmp_path / "w.duckdb"
    shutil.copy(str(ready["warehouse"].database), database)  # type: ignore[attr-defined]
    with duckdb.connect(str(database)) as con:
        ensure_tables(con, ARTICLE_TABLES)
        con.executemany(
            "INSERT INTO articles.inbox_files VALUES (?, ?, 'inbox-1', now())",
            [[f.absolute, f.sha256] for f in scan_inbox(inbox)],
        )
    resources = {
        "article_sources": ArticleSourcesResource(
            inbox_dirs=str(inbox), batches_dir=str(tmp_path / "b")
        ),
        "warehouse": WarehouseResource(database=str(database)),
        "linkage": ready["linkage"],
    }
    with dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(), cursor=None, resources=resources
    ) as context:
        first = article_inbox_sensor(context)
        cursor = context.cursor
    assert isinstance(first, dg.SensorResult) and not first.run_requests
    (inbox / "late.txt").write_text("Late report\n\nA new story arrived after the run.\n")
    with dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(), cursor=cursor, resources=resources
    ) as context:
        second = article_inbox_sensor(context)
    assert isinstance(second, dg.SensorResult) and len(second.run_requests or []) == 1


def test_screening_sensors_wait_for_the_lists_and_the_model(
    tmp_path: Path, ready: dict[str, object]
) -> None:
    """A first start: no model, then no warehouse, then a warehouse without linkage records.
    Each time the sensors skip saying what they wait for and keep their cursor, so the files
    are screened once everything is there."""
    inbox, folder = tmp_path / "inbox", tmp_path / "counterparties"
    shutil.copytree(FIXTURES / "articles" / "inbox", inbox)
    folder.mkdir()
    (folder / "a.csv").write_text("name\nAlpha Trading\n", encoding="utf-8")
    sources = {
        "article_sources": ArticleSourcesResource(
            inbox_dirs=str(inbox), batches_dir=str(tmp_path / "b")
        ),
        "counterparty_sources": CounterpartySourcesResource(folder=str(folder)),
    }
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()  # a warehouse file the lists have not reached yet
    models = str(MODELS)
    stages = {
        "no model": {
            "warehouse": ready["warehouse"],
            "linkage": LinkageResource(model_dir=str(tmp_path / "none")),
        },
        "no warehouse": {
            "warehouse": WarehouseResource(database=str(tmp_path / "none.duckdb")),
            "linkage": LinkageResource(model_dir=models),
        },
        "no linkage records": {
            "warehouse": WarehouseResource(database=str(bare)),
            "linkage": LinkageResource(model_dir=models),
        },
        "ready": ready,
    }
    instance = dg.DagsterInstance.ephemeral()
    for stage, resources in stages.items():
        for sensor in (article_inbox_sensor, counterparty_folder_sensor):
            with dg.build_sensor_context(
                instance=instance, cursor=None, resources={**sources, **resources}
            ) as context:
                result = sensor(context)
                assert isinstance(result, dg.SensorResult)
                if stage == "ready":
                    assert len(result.run_requests or []) == 1, sensor.name
                else:
                    assert not result.run_requests and context.cursor is None, (stage, sensor)
                    assert "waiting for" in str(result.skip_reason), (stage, sensor)


def test_a_screened_batch_refreshes_the_outputs() -> None:
    """`screen_batch` is partitioned and cannot include the unpartitioned outputs: after each
    successful batch the run-status sensor asks for `publish_outputs`, once per batch run."""
    assert refresh_outputs_after_screening.job_name == "publish_outputs"

    @dg.op
    def screened() -> None:
        """Stands for a finished batch run: the sensor reads only the run that succeeded."""

    @dg.job
    def batch() -> None:
        screened()

    instance = dg.DagsterInstance.ephemeral()
    result = batch.execute_in_process(instance=instance)
    requests = []
    for _ in range(2):
        context = dg.build_run_status_sensor_context(
            sensor_name=refresh_outputs_after_screening.name,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_success_event(),
        )
        requests.append(refresh_outputs_after_screening(context))
    assert all(isinstance(r, dg.RunRequest) for r in requests)
    assert {r.run_key for r in requests} == {f"outputs-after:{result.run_id}"}  # type: ignore[union-attr]


def _resources(tmp_path: Path, overrides: dict[str, str]) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database=str(tmp_path / "w.duckdb")),
        "list_fetcher": ListFetcherResource(
            mode="live",
            raw_dir=str(tmp_path / "raw"),
            url_overrides=overrides,
            retries=0,
            step_retries=0,
        ),
        "article_sources": ArticleSourcesResource(
            inbox_dirs=str(tmp_path / "inbox"), batches_dir=str(tmp_path / "batches")
        ),
        "nlp": NlpResource(),
        "linkage": LinkageResource(
            model_dir=str(tmp_path / "models"), charts_dir=str(tmp_path / "charts")
        ),
    }


@pytest.mark.slow
def test_a_new_designation_is_found_in_last_months_news(
    tmp_path: Path, http_server: ScriptedServer
) -> None:
    shutil.copytree(ROOT / "data" / "models", tmp_path / "models")
    (tmp_path / "inbox").mkdir()
    shutil.copy(FIXTURES / "articles" / "rescreen" / "sprut.json", tmp_path / "inbox")
    spec = dataclasses.replace(
        ofac_sdn.SPEC,
        min_entities=1,
        live_files=tuple(f for f in ofac_sdn.SPEC.live_files if f.name == "sdn.csv"),
    )
    url = http_server.route(
        "/sdn.csv", Reply(body=fixture_bytes("ofac_sdn", "changes", "2023-12-28", "sdn.csv"))
    )
    resources = _resources(tmp_path, {"sdn.csv": url})
    (tmp_path / "dagster_home").mkdir()
    with dg.DagsterInstance.local_temp(tempdir=str(tmp_path / "dagster_home")) as instance:
        list_asset = build_list_asset(spec)
        # The other lists from the bundle, so that names are as rare as in real use.
        offline = {
            **resources,
            "list_fetcher": ListFetcherResource(mode="snapshot", raw_dir=str(tmp_path / "raw")),
        }
        others = [build_list_asset(s) for s in (un_sc.SPEC, uk_ofsi.SPEC)]
        assert dg.materialize(others, instance=instance, resources=offline).success
        assert dg.materialize(
            [list_asset, list_records], instance=instance, resources=resources
        ).success

        # The article (February 2024) is screened against the December 2023 list: no hit.
        planned, _ = plan_inbox_batch(resources["article_sources"], {})  # type: ignore[arg-type]
        batch = planned.run_requests[0].partition_key  # type: ignore[index]
        instance.add_dynamic_partitions(article_batches.name, [batch])  # type: ignore[list-item]
        screened = dg.materialize(
            [articles, mentions, matches],
            partition_key=batch,
            instance=instance,
            resources=resources,
        )
        assert screened.success

        def hits() -> list[tuple[object, ...]]:
            with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
                return con.execute(
                    "SELECT entity_id, trigger, snapshot_sha FROM linkage.matches "
                    "WHERE entity_id = 'ofac_sdn:47949'"
                ).fetchall()

        assert hits() == []
        with dg.build_sensor_context(instance=instance) as quiet:
            first_look = list_change_sensor(quiet)
        assert isinstance(first_look, dg.SensorResult) and not first_look.run_requests

        # The 2024-05-03 publication designates SPRUT TECHNOLOGY; the sensor asks for a re-screen.
        http_server.route(
            "/sdn.csv", Reply(body=fixture_bytes("ofac_sdn", "changes", "2024-05-03", "sdn.csv"))
        )
        assert dg.materialize([list_asset], instance=instance, resources=resources).success
        with dg.build_sensor_context(instance=instance, cursor=quiet.cursor) as context:
            sensed = list_change_sensor(context)
        assert isinstance(sensed, dg.SensorResult) and len(sensed.run_requests or []) == 1
        rescreened = dg.materialize(
            [list_records, list_change_matches, screening_hits],
            instance=instance,
            resources=resources,
        )
        assert rescreened.success
        with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
            sha = con.execute(
                "SELECT sha256 FROM sources.snapshots WHERE status = 'accepted' "
                "ORDER BY seen_at DESC LIMIT 1"
            ).fetchall()[0][0]
            shown = con.execute(
                "SELECT mention, trigger, snapshot_sha FROM outputs.screening_hits "
                "WHERE entity_id = 'ofac_sdn:47949'"
            ).fetchall()
        assert hits() and all(h[1] == "list_change" and h[2] == sha for h in hits())
        assert shown and "Sprut" in str(shown[0][0])
        # Re-screening the same publication again finds nothing new to do.
        again = dg.materialize([list_change_matches], instance=instance, resources=resources)
        assert (
            again.asset_materializations_for_node("linkage__list_change_matches")[0]
            .metadata["publications"]
            .value
            == 0
        )
