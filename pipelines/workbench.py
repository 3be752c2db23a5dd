"""The analyst's workbench (#20): a small FastAPI application over the warehouse, served by
`sanctions serve` (`make review`).

Pages: the review queue, one hit in full (the sentence with the mention marked, the listed
entity's card, Splink's waterfall, earlier decisions) with its decision form, a dashboard and
the decisions as CSV. What they show comes from `assets.outputs.workbench`; decisions are
written by `assets.outputs.views.record_decision`, as `sanctions review` writes them.

Who may decide: on a loopback address the reviewer is the local login (`local_reviewer`).
Anywhere else every request must log in as one of the reviewer accounts (HTTP Basic; the
accounts file holds scrypt hashes, `hash_password`), and the reviewer is that login; no form
field names the reviewer. Decision posts carry a CSRF token (an HMAC of the reviewer under a
key made when the application starts) and must come from the workbench's own origin.

The warehouse is opened per request and closed before the response, one request at a time,
so that Dagster runs can write between requests and two decisions never race.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import duckdb
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.templating import Jinja2Templates

from assets.common.atomic import write_text_atomically
from assets.common.tables import DECISIONS, transaction
from assets.common.warehouse import WarehouseUnavailable, open_warehouse
from assets.counterparties.store import create_counterparty_view, record_counterparty_decision
from assets.outputs.views import create_output_views, record_decision
from assets.outputs.workbench import (
    BANDS,
    COUNTERPARTY_DECISION_FILTERS,
    DECISION_FILTERS,
    QUEUE_PAGE,
    QueueFilters,
    counterparty_queue,
    dashboard,
    decisions_csv,
    entity_records_hit,
    filter_choices,
    hit_detail,
    queue,
)
from pipelines.api import SessionHolder, api_router
from pipelines.web import small_form

TEMPLATES = Path(__file__).with_name("templates")
# A note is a sentence or a paragraph; anything longer is refused, not cut.
MAX_NOTE = 4000
# A decision post is a few fields; a larger body is refused before it is parsed.
MAX_FORM_BYTES = 64 * 1024
# Checked logins kept in memory (only the right password for a name gets in: a wrong one is
# checked every time, so the bound is the number of reviewers' sessions, not an attacker's).
MAX_VERIFIED_LOGINS = 1024
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


# --- accounts ----------------------------------------------------------------------------------


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$<salt hex>$<hash hex>``: what an accounts file stores for a password."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), dklen=len(expected), **_SCRYPT
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed, expected)


def read_accounts(path: Path) -> dict[str, str]:
    """Reviewer name -> stored hash, one ``name:scrypt$...`` a line (# comments). Raises
    ValueError naming the file and line of a bad one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the reviewer accounts {path}: {exc}") from exc
    accounts: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, stored = line.partition(":")
        if not sep or not name.strip() or not stored.startswith("scrypt$"):
            raise ValueError(f"{path}:{number}: expected 'name:scrypt$salt$hash'")
        accounts[name.strip()] = stored
    if not accounts:
        raise ValueError(f"{path}: no reviewer accounts")
    return accounts


def add_account(path: Path, name: str, password: str) -> None:
    """Add or replace `name` in the accounts file at `path` (created when missing)."""
    if not name or ":" in name or name != name.strip() or len(name) > 100:
        raise ValueError(f"{name!r} is not a reviewer name (no ':', no outer spaces, 1-100)")
    if len(password) < 8:
        raise ValueError("a password has 8 characters or more")
    accounts = read_accounts(path) if path.exists() else {}
    accounts[name] = hash_password(password)
    try:
        write_text_atomically(path, "".join(f"{n}:{h}\n" for n, h in accounts.items()))
        path.chmod(0o600)  # hashes, but nobody else's to read
    except OSError as exc:
        raise ValueError(f"cannot write the reviewer accounts {path}: {exc}") from exc


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- the application ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkbenchConfig:
    warehouse: Path
    # Reviewer accounts (name -> hash); None: loopback only, the reviewer is `local_reviewer`.
    accounts: dict[str, str] | None = None
    local_reviewer: str = "analyst"
    # Splink's charts (`linkage.charts_dir`), served under /charts/ for the assets' metadata.
    charts_dir: Path | None = None
    lock_wait: float = 10.0
    # The record model the matching API (`/api/`, `pipelines.api`) scores with; None: no API.
    model_dir: Path | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))


def create_app(config: WorkbenchConfig) -> FastAPI:
    """The workbench over `config.warehouse`."""
    app = FastAPI(
        title="Sanctions workbench",
        description="Review screening hits and record decisions.",
        # The API's OpenAPI description and its interactive page (the workbench's pages are
        # not in it).
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    templates = Jinja2Templates(directory=str(TEMPLATES))
    warehouse_lock = threading.Lock()

    @contextmanager
    def warehouse(read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse_lock:
            try:
                con = open_warehouse(
                    str(config.warehouse), read_only=read_only, lock_wait=config.lock_wait
                )
            except WarehouseUnavailable as exc:
                raise HTTPException(503, str(exc)) from exc
            try:
                yield con
            finally:
                con.close()

    if not config.warehouse.exists():
        raise WarehouseUnavailable(f"no warehouse at {config.warehouse}; run `make run` first")
    # The views the pages read exist before the first request (an older warehouse may lack
    # them).
    with warehouse(read_only=False) as con:
        create_output_views(con)
        create_counterparty_view(con)

    # Logins already checked, by a digest of the header (keyed with the app's secret): scrypt
    # costs ~50 ms by design, which an API client would otherwise pay on every request.
    verified: dict[bytes, str] = {}

    def reviewer(request: Request) -> str:
        """The logged-in reviewer, or 401/403."""
        if config.accounts is None:
            client = request.client.host if request.client else ""
            if not is_loopback(client):
                raise HTTPException(403, "this workbench serves this machine only")
            return config.local_reviewer
        header = request.headers.get("authorization", "")
        seen = hmac.new(config.secret, header.encode(), hashlib.sha256).digest()
        if seen in verified:
            return verified[seen]
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                name, _, password = base64.b64decode(encoded).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                name = password = ""
            stored = config.accounts.get(name)
            if stored is not None and password_matches(password, stored):
                if len(verified) >= MAX_VERIFIED_LOGINS:
                    verified.clear()
                verified[seen] = name
                return name
        raise HTTPException(
            401, "log in as a reviewer", headers={"WWW-Authenticate": 'Basic realm="workbench"'}
        )

    def csrf_token(name: str) -> str:
        return hmac.new(config.secret, name.encode(), hashlib.sha256).hexdigest()

    def page(request: Request, template: str, name: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(
            request, template, {"reviewer": name, **context}, headers=_NO_STORE
        )

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/queue", response_class=HTMLResponse, include_in_schema=False)
    def queue_page(request: Request) -> HTMLResponse:
        name = reviewer(request)
        filters = _filters(request)
        page_number = _page_number(request)
        offset = (page_number - 1) * QUEUE_PAGE
        with warehouse() as con:
            rows, total = queue(con, filters, offset=offset)
            choices = filter_choices(con)
        for row in rows:
            row["href"] = _hit_href(row["mention_id"], row["entity_id"], request.url.query)
        return page(
            request,
            "queue.html",
            name,
            rows=rows,
            total=total,
            offset=offset,
            filters=filters,
            choices=choices,
            bands=BANDS,
            decision_filters=DECISION_FILTERS,
            flash=request.query_params.get("flash"),
            prev_href=_paged_href(request, "/queue", page_number - 1) if page_number > 1 else None,
            next_href=(
                _paged_href(request, "/queue", page_number + 1)
                if offset + len(rows) < total
                else None
            ),
        )

    @app.get("/hit/{mention_id}/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def hit_page(request: Request, mention_id: str, entity_id: str) -> HTMLResponse:
        name = reviewer(request)
        with warehouse() as con:
            try:
                detail = hit_detail(con, mention_id, entity_id)
            except ValueError as exc:
                raise HTTPException(404, str(exc)) from exc
            records = entity_records_hit(con, mention_id, entity_id)
        back = request.query_params.get("back", "")
        return page(
            request,
            "hit.html",
            name,
            **{f.name: getattr(detail, f.name) for f in fields(detail)},
            csrf=csrf_token(name),
            records=records,
            max_note=MAX_NOTE,
            back_href="/queue" + (f"?{back}" if back and _is_query(back) else ""),
            flash=request.query_params.get("flash"),
            error=None,
        )

    async def decision_form(request: Request) -> tuple[str, dict[str, str], str, str]:
        """A decision post checked: the reviewer, the form, the decision and the note (a 4xx
        for a stranger, a stale or foreign form, an unknown decision, a note too long)."""
        name = reviewer(request)
        _same_origin(request)
        form = await small_form(request, MAX_FORM_BYTES, "the decision form")
        if not hmac.compare_digest(form.get("csrf", ""), csrf_token(name)):
            raise HTTPException(403, "the form is stale or not from this workbench; reload it")
        decision = form.get("decision", "")
        if decision not in DECISIONS:
            raise HTTPException(400, f"decision must be one of {', '.join(DECISIONS)}")
        note = form.get("note", "")
        if len(note) > MAX_NOTE:
            raise HTTPException(400, f"the note is {len(note)} characters; at most {MAX_NOTE}")
        return name, form, decision, note

    @app.post("/hit/{mention_id}/{entity_id}/decision", include_in_schema=False)
    async def decide(request: Request, mention_id: str, entity_id: str) -> Response:
        name, form, decision, note = await decision_form(request)
        with warehouse(read_only=False) as con:
            records = entity_records_hit(con, mention_id, entity_id)
            if not records:
                raise HTTPException(404, f"no hit of mention {mention_id!r} on {entity_id!r}")
            # One decision on the entity: each of its list records the mention hit, together.
            with transaction(con):
                for record in records:
                    record_decision(con, mention_id, record, decision, name, note.strip())
        flash = f"recorded {decision} for {mention_id} / {entity_id}"
        return _back_to(form.get("next", ""), "/queue", flash)

    @app.get("/counterparties", response_class=HTMLResponse, include_in_schema=False)
    def counterparties_page(request: Request) -> HTMLResponse:
        name = reviewer(request)
        decision = request.query_params.get("decision") or "open"
        band = request.query_params.get("band") or None
        page_number = _page_number(request)
        offset = (page_number - 1) * QUEUE_PAGE
        with warehouse() as con:
            try:
                rows, total = counterparty_queue(con, decision, band, offset=offset)
            except ValueError as exc:
                raise HTTPException(400, str(exc)) from exc
        here = "/counterparties" + (f"?{request.url.query}" if request.url.query else "")
        return page(
            request,
            "counterparties.html",
            name,
            rows=rows,
            total=total,
            offset=offset,
            decision=decision,
            band=band,
            bands=BANDS,
            decision_filters=COUNTERPARTY_DECISION_FILTERS,
            csrf=csrf_token(name),
            max_note=MAX_NOTE,
            here=here,
            flash=request.query_params.get("flash"),
            prev_href=_paged_href(request, "/counterparties", page_number - 1)
            if page_number > 1
            else None,
            next_href=(
                _paged_href(request, "/counterparties", page_number + 1)
                if offset + len(rows) < total
                else None
            ),
        )

    @app.post("/counterparties/decision", include_in_schema=False)
    async def decide_counterparty(request: Request) -> Response:
        """A decision on a counterparty hit; a not_match puts it on the good-guy list."""
        name, form, decision, note = await decision_form(request)
        file, record_id, entity_id = (form.get(k, "") for k in ("file", "record_id", "entity_id"))
        with warehouse(read_only=False) as con:
            try:
                record_counterparty_decision(
                    con, file, record_id, entity_id, decision, name, note.strip()
                )
            except ValueError as exc:
                raise HTTPException(404, str(exc)) from exc
        flash = f"recorded {decision} for record {record_id} of {file} / {entity_id}"
        return _back_to(form.get("next", ""), "/counterparties", flash)

    @app.get("/charts/{name}", include_in_schema=False)
    def chart(request: Request, name: str) -> FileResponse:
        """A chart of the charts folder by its file name (no path: nothing else is served)."""
        reviewer(request)
        if config.charts_dir is None or not _CHART_NAME.fullmatch(name):
            raise HTTPException(404, f"no chart {name!r}")
        path = config.charts_dir / name
        if not path.is_file():
            raise HTTPException(404, f"no chart {name!r} in {config.charts_dir}")
        return FileResponse(path, media_type="text/html; charset=utf-8", headers=_NO_STORE)

    @app.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    def dashboard_page(request: Request) -> HTMLResponse:
        name = reviewer(request)
        with warehouse() as con:
            board = dashboard(con)
        return page(request, "dashboard.html", name, board=board)

    @app.get("/decisions.csv", include_in_schema=False)
    def decisions_export(request: Request) -> Response:
        reviewer(request)
        with warehouse() as con:
            text = decisions_csv(con)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        return PlainTextResponse(
            text,
            media_type="text/csv; charset=utf-8",
            headers={
                **_NO_STORE,
                "Content-Disposition": f'attachment; filename="review_decisions_{stamp}.csv"',
            },
        )

    if config.model_dir is not None:
        holder = SessionHolder(config.warehouse, config.model_dir, config.lock_wait)
        app.include_router(api_router(holder, reviewer))
    return app


_NO_STORE = {"Cache-Control": "no-store"}
# A chart's file name as the linkage assets write them (match_weights.html, waterfall_<batch>.html).
_CHART_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.html")


def _filters(request: Request) -> QueueFilters:
    params = request.query_params

    def text(key: str) -> str | None:
        value = params.get(key, "").strip()
        return value or None

    def date(key: str) -> dt.date | None:
        value = text(key)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise HTTPException(400, f"{key} must be a date (YYYY-MM-DD), not {value!r}") from None

    try:
        return QueueFilters(
            band=text("band"),
            list=text("list"),
            program=text("program"),
            schema=text("schema"),
            article_id=text("article_id"),
            published_from=date("published_from"),
            published_to=date("published_to"),
            decision=text("decision") or "open",
        )
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


def _back_to(back: str, listing: str, flash: str) -> RedirectResponse:
    """After a decision, back to the `listing` page the form came from (its filters kept; any
    other address the form names is ignored), saying `flash`."""
    query = parse_qs(urlsplit(back).query) if back.startswith(listing) else {}
    query["flash"] = [flash]
    return RedirectResponse(f"{listing}?{urlencode(query, doseq=True)}", status_code=303)


def _page_number(request: Request) -> int:
    value = request.query_params.get("page", "1")
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise HTTPException(400, f"page must be a whole number from 1, not {value!r}")
    return int(value)


def _paged_href(request: Request, path: str, page_number: int) -> str:
    """Page `page_number` of the listing at `path` with the request's filters."""
    query = {k: v for k, v in request.query_params.items() if k not in ("page", "flash")}
    return f"{path}?" + urlencode({**query, "page": page_number})


def _hit_href(mention_id: str, entity_id: str, queue_query: str) -> str:
    back = urlencode(
        {"back": "&".join(p for p in queue_query.split("&") if not p.startswith("flash="))}
    )
    return f"/hit/{quote(mention_id, safe='')}/{quote(entity_id, safe='')}?{back}"


def _is_query(text: str) -> bool:
    """`text` is a plain query string (no scheme, host or path to send the browser to)."""
    return "/" not in text and "\\" not in text and ":" not in text


def _same_origin(request: Request) -> None:
    """A post must come from a page of this workbench: its Origin (or Referer) host is ours."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return  # not a browser (curl, the test client): the CSRF token still guards the post
    if urlsplit(origin).netloc != request.headers.get("host", ""):
        raise HTTPException(403, "a decision must be posted from the workbench's own pages")
