"""The matching API under `/api/` of the workbench's application (#21): yente's match, search,
entities, catalog and healthz routes and the reconciliation service, over an `ApiSession`
(`assets.outputs.api`) kept in memory.

The session is read from the warehouse in one short read-only open, on the first request. A
request at most every `RECHECK_SECONDS` looks at the warehouse file: when it has changed, a
background thread opens it (a writer holding it is waited for by nobody: the check is skipped
and tried again) and, when other publications or another cross-list resolution are loaded,
reads a new session and swaps it in. A list refresh is served without a restart, and requests
are answered by the old session until the new one is ready.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from assets.common.warehouse import WarehouseUnavailable, open_warehouse
from assets.outputs.api import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ApiSession,
    MatchOptions,
    QueryError,
    parse_batch,
    preview_html,
    reconcile_limits,
    reconcile_manifest,
    reconcile_queries,
    reconcile_results,
    warehouse_version,
)
from pipelines.web import small_body, small_form

LOG = logging.getLogger("sanctions.api")
RECHECK_SECONDS = 2.0
# A match request of 100 queries is a few kilobytes; anything near this is not one.
MAX_BODY_BYTES = 1_000_000


@dataclass
class SessionHolder:
    """The current `ApiSession` of a warehouse, loaded on first use and reloaded in the
    background when the warehouse holds other lists."""

    warehouse: Path
    model_dir: Path
    lock_wait: float = 10.0
    _session: ApiSession | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checked: float = 0.0
    _stamp: tuple[int, int] | None = None
    _reloading: bool = False

    def get(self) -> ApiSession:
        """The session (503 when the warehouse cannot be read for the first one)."""
        with self._lock:
            if self._session is None:
                self._session = self._load(self.lock_wait)
                self._stamp = self._file_stamp()
                self._checked = time.monotonic()
            elif time.monotonic() - self._checked > RECHECK_SECONDS and not self._reloading:
                self._checked = time.monotonic()
                stamp = self._file_stamp()
                if stamp != self._stamp:
                    self._reloading = True
                    threading.Thread(target=self._reload, args=(stamp,), daemon=True).start()
            return self._session

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.warehouse.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _load(self, lock_wait: float, unless_version: str | None = None) -> ApiSession:
        try:
            con = open_warehouse(str(self.warehouse), read_only=True, lock_wait=lock_wait)
        except WarehouseUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        try:
            if unless_version is not None and warehouse_version(con) == unless_version:
                raise _Unchanged
            session = ApiSession.load(con, self.model_dir)
        finally:
            con.close()  # before the session is prepared: a run may write meanwhile
        return session.prepare()

    def _reload(self, stamp: tuple[int, int] | None) -> None:
        current = self._session
        try:
            fresh = self._load(0.0, current.version if current is not None else None)
        except _Unchanged:
            with self._lock:
                self._stamp = stamp
        except HTTPException:
            pass  # a run holds the warehouse: the next request looks again
        except Exception:  # the old session keeps serving; the reason goes to the log
            LOG.exception("reloading the API session from %s failed", self.warehouse)
        else:
            with self._lock:
                self._session, self._stamp = fresh, stamp
            LOG.info("API session reloaded: %s", fresh.version)
        finally:
            self._reloading = False


class _Unchanged(Exception):
    """The warehouse file changed but not what a session reads (a review decision, a batch)."""


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise HTTPException(400, f"malformed JSON: {exc}") from None


def _options(
    limit: int,
    threshold: float | None,
    algorithm: str,
    include_dataset: list[str],
    exclude_dataset: list[str],
    exclude_schema: list[str],
    changed_since: str | None,
) -> MatchOptions:
    since = None
    if changed_since:
        try:
            since = dt.datetime.fromisoformat(changed_since)
        except ValueError:
            raise HTTPException(
                400, f"changed_since must be an ISO date or time, not {changed_since!r}"
            ) from None
    try:
        return MatchOptions(
            limit=limit,
            threshold=threshold,
            algorithm=algorithm,
            include_dataset=tuple(include_dataset),
            exclude_dataset=tuple(exclude_dataset),
            exclude_schema=tuple(exclude_schema),
            changed_since=since,
        )
    except QueryError as exc:
        raise HTTPException(400, str(exc)) from exc


def api_router(holder: SessionHolder, authorize: Callable[[Request], str]) -> APIRouter:
    """The `/api` routes over `holder`'s session; `authorize` is the workbench's rule of who
    may ask (this machine, or a reviewer's login)."""
    router = APIRouter(prefix="/api", dependencies=[Depends(authorize)])

    def session() -> ApiSession:
        return holder.get()

    def run(work: Callable[[], Any]) -> Any:
        try:
            return work()
        except QueryError as exc:
            raise HTTPException(400, str(exc)) from exc
        except KeyError as exc:
            raise HTTPException(404, str(exc.args[0])) from exc

    @router.get("/healthz", tags=["System"])
    def healthz() -> dict[str, str]:
        """Up, with a session loaded (503 when the warehouse cannot be read)."""
        session()
        return {"status": "ok"}

    @router.get("/catalog", tags=["System"])
    def catalog() -> dict[str, Any]:
        """The lists (datasets) served, their publication dates and versions, and the model."""
        return session().catalog()

    @router.post("/match/{dataset}", tags=["Matching"])
    async def match(
        request: Request,
        dataset: str,
        limit: int = DEFAULT_LIMIT,
        threshold: float | None = None,
        algorithm: str = "best",
        include_dataset: Annotated[list[str] | None, Query()] = None,
        exclude_dataset: Annotated[list[str] | None, Query()] = None,
        exclude_schema: Annotated[list[str] | None, Query()] = None,
        changed_since: str | None = None,
    ) -> JSONResponse:
        """yente's match: `{"queries": {key: {"schema": ..., "properties": {...}}}}`, up to
        100 queries scored together; each result is a canonical entity with `score` (our
        match probability), `match` (at the threshold, by default our match band),
        `features` and `explanations` (each comparison's contribution in bits)."""
        options = _options(
            limit,
            threshold,
            algorithm,
            include_dataset or [],
            exclude_dataset or [],
            exclude_schema or [],
            changed_since,
        )
        body = _json_body(await small_body(request, MAX_BODY_BYTES))
        # Screening blocks: it runs in the thread pool, so the event loop goes on taking
        # requests (those that arrive meanwhile are screened together, `CoalescingScreener`).
        current = await run_in_threadpool(session)
        result = await run_in_threadpool(
            run, lambda: current.match(parse_batch(body), dataset, options)
        )
        return JSONResponse(result)

    @router.get("/search/{dataset}", tags=["Matching"])
    def search(
        dataset: str,
        q: str = Query(..., min_length=1, max_length=500),
        limit: int = Query(10, ge=1, le=MAX_LIMIT),
    ) -> dict[str, Any]:
        """A name search: `q` screened as a name of any type."""
        current = session()
        return run(lambda: current.search(q, dataset, limit))  # type: ignore[no-any-return]

    @router.get("/entities/{entity_id:path}", tags=["Data access"])
    def entity(entity_id: str) -> dict[str, Any]:
        """The canonical entity (by its id or a listing's id) with all its names and listings,
        FollowTheMoney-style, as `canonical_entities.ftm.jsonl` exports it."""
        found = session().entity(entity_id)
        if found is None:
            raise HTTPException(404, f"no entity {entity_id!r}")
        return found

    @router.get("/reconcile/{dataset}", tags=["Reconciliation"], response_model=None)
    def reconcile_get(request: Request, dataset: str, queries: str | None = None) -> dict[str, Any]:
        """The reconciliation service: its manifest, or with `queries` their candidates."""
        current = session()
        run(lambda: current.datasets(dataset))
        if queries is None:
            return reconcile_manifest(str(request.base_url).rstrip("/"), dataset)
        return _reconcile(current, dataset, queries)

    @router.post("/reconcile/{dataset}", tags=["Reconciliation"])
    async def reconcile_post(request: Request, dataset: str) -> dict[str, Any]:
        """Reconciliation queries as OpenRefine posts them: a form field `queries` holding
        `{"q0": {"query": ..., "type": ..., "limit": ..., "properties": [...]}}`."""
        form = await small_form(request, MAX_BODY_BYTES, "the queries as a form field")
        if "queries" not in form:
            raise HTTPException(400, "no queries: post them as the form field `queries`")
        current = await run_in_threadpool(session)
        return await run_in_threadpool(_reconcile, current, dataset, form["queries"])  # type: ignore[no-any-return]

    def _reconcile(current: ApiSession, dataset: str, queries: str) -> dict[str, Any]:
        body = _json_body(queries.encode())

        def work() -> dict[str, Any]:
            parsed = reconcile_queries(body)
            limits = reconcile_limits(body)
            options = MatchOptions(limit=max(limits.values()))
            return reconcile_results(current.match(parsed, dataset, options), limits)

        return run(work)  # type: ignore[no-any-return]

    @router.get("/reconcile/{dataset}/preview", tags=["Reconciliation"])
    def preview(id: str) -> HTMLResponse:
        found = session().entity(id)
        if found is None:
            raise HTTPException(404, f"no entity {id!r}")
        return HTMLResponse(preview_html(found))

    @router.get("/reconcile/{dataset}/suggest/entity", tags=["Reconciliation"])
    def suggest(
        dataset: str, prefix: str = Query(..., min_length=1, max_length=500)
    ) -> dict[str, Any]:
        current = session()
        return {"result": run(lambda: current.suggest(prefix, dataset))}

    return router
