"""The matching API in the ecosystem's shapes (#21): yente's `/match`, `/search`, `/entities`
and `/catalog`, and the W3C reconciliation service OpenRefine speaks, over our lists, our record
model and our canonical entities. The web layer (`pipelines.api`) only routes to this module.

An `ApiSession` is everything a request needs, in memory: the record screener (the lists'
names and the record model: a query is a counterparty record), every canonical entity as a
FollowTheMoney-style entity (the export's shape, `assets.outputs.exports.ftm_entity`), and the
catalog. It is read from the warehouse in one short read, so the server never holds the
warehouse while it answers, and a pipeline run can write it at any time.

A query's `properties` are FtM's: `name` (one value or several: each is screened, the better
hit of each entity kept), `birthDate`, `country` / `nationality` / `jurisdiction` / ...,
and identifiers (`imoNumber`, `idNumber`, `passportNumber`, `taxNumber`, `innCode`,
`registrationNumber`, `ogrnCode`, `swiftBic`). They are read as a counterparty file's columns
are (`assets.counterparties.records`): a name of more than 500 characters or with nothing to
compare is an error, an unknown country or a malformed date a warning, and the value ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from assets.common.tables import dict_rows, first_row, table_exists
from assets.counterparties.records import CounterpartyRecord, records_from_rows
from assets.counterparties.screening import CounterpartyScreener
from assets.linkage.crosslist import list_label, list_label_sql
from assets.linkage.store import load_record_model
from assets.outputs.exports import CANONICAL_EXPORT_SQL, ftm_entity
from assets.sources.store import LOADED_LISTS_SQL

ALGORITHM = "sanctions-linker"  # our Splink record model; `best` names it too
ALGORITHMS = ("best", ALGORITHM)
ALL_LISTS = ("default", "sanctions")  # dataset names for every list
MAX_BATCH = 100  # queries in one request, as yente
MAX_LIMIT = 500
DEFAULT_LIMIT = 5
MAX_VALUES = 20  # values of one property in one query
# FtM schema -> the record type our model screens as.
SCHEMA_TYPES = {
    "Person": "person",
    "Company": "org",
    "Organization": "org",
    "LegalEntity": "any",
    "Vessel": "vessel",
    "Thing": "any",
}
COUNTRY_PROPERTIES = ("country", "nationality", "citizenship", "jurisdiction", "flag")
IDENTIFIER_PROPERTIES = {
    "imoNumber": "imo",
    "passportNumber": "passport",
    "idNumber": "national_id",
    "taxNumber": "tax_id",
    "innCode": "tax_id",
    "registrationNumber": "registration",
    "ogrnCode": "registration",
    "swiftBic": "swift_bic",
}
KNOWN_PROPERTIES = frozenset(
    {"name", "alias", "birthDate", *COUNTRY_PROPERTIES, *IDENTIFIER_PROPERTIES}
)


class QueryError(ValueError):
    """A query the API cannot screen: the message names the query and what is wrong."""


# --- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchQuery:
    """One query of a batch: its key, its schema, the properties as given (echoed back) and
    the records it is screened as (one per name)."""

    key: str
    schema: str
    properties: dict[str, list[str]]
    records: list[CounterpartyRecord]
    warnings: list[str] = field(default_factory=list)


def _values(key: str, prop: str, value: Any) -> list[str]:
    """A property's values: a string or a list of strings (yente takes both)."""
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise QueryError(f"query {key!r}: property {prop!r} must be a string or a list of strings")
    if len(values) > MAX_VALUES:
        raise QueryError(f"query {key!r}: property {prop!r} has {len(values)} values; at most "
                         f"{MAX_VALUES}")  # fmt: skip
    return [v for v in values if v.strip()]


def parse_query(key: str, body: Any, first_row_number: int) -> MatchQuery:
    """A yente entity example (`{"schema": ..., "properties": {...}}`) as records to screen,
    numbered from `first_row_number`; QueryError naming the query when it cannot be one."""
    if not isinstance(body, dict):
        raise QueryError(f"query {key!r}: must be an object with schema and properties")
    schema = body.get("schema")
    if schema not in SCHEMA_TYPES:
        raise QueryError(
            f"query {key!r}: schema {schema!r} is not one this API matches "
            f"({', '.join(SCHEMA_TYPES)})"
        )
    raw = body.get("properties")
    if not isinstance(raw, dict):
        raise QueryError(f"query {key!r}: properties must be an object of lists of strings")
    properties = {str(p): _values(key, str(p), v) for p, v in raw.items()}
    properties = {p: v for p, v in properties.items() if v}
    names = properties.get("name", []) + properties.get("alias", [])
    if not names:
        raise QueryError(f"query {key!r}: no name; a query needs properties.name")
    row: dict[str, Any] = {"type": SCHEMA_TYPES[str(schema)]}
    country = next((properties[p][0] for p in COUNTRY_PROPERTIES if p in properties), None)
    if country is not None:
        row["country"] = country
    if "birthDate" in properties:
        row["birth_date"] = properties["birthDate"][0]
    for prop, kind in IDENTIFIER_PROPERTIES.items():
        if prop in properties and kind not in row:
            row[kind] = properties[prop][0]
    rows = [
        (first_row_number + i, {**row, "record_id": key, "name": name})
        for i, name in enumerate(dict.fromkeys(names))
    ]
    read = records_from_rows(
        ["record_id", "name", *row], rows, source=f"query {key!r}", today=dt.date.today()
    )
    errors = [p.message for p in read.problems if p.severity == "error"]
    if errors:
        raise QueryError(f"query {key!r}: {errors[0]}")
    warnings = [p.message for p in read.problems if "also on row" not in p.message]
    ignored = sorted(set(properties) - KNOWN_PROPERTIES)
    if ignored:
        warnings.append(f"properties not compared: {', '.join(ignored)}")
    return MatchQuery(str(key), str(schema), properties, read.records, warnings)


def parse_batch(body: Any) -> list[MatchQuery]:
    """yente's match request body: `{"queries": {key: entity example}}`, at most `MAX_BATCH`."""
    if not isinstance(body, dict) or not isinstance(body.get("queries"), dict):
        raise QueryError('the body must be {"queries": {key: {"schema": ..., "properties": ...}}}')
    queries = body["queries"]
    if not queries:
        raise QueryError("no queries")
    if len(queries) > MAX_BATCH:
        raise QueryError(f"{len(queries)} queries in one request; at most {MAX_BATCH}")
    parsed: list[MatchQuery] = []
    row = 1
    for key, query in queries.items():
        parsed.append(parse_query(str(key), query, row))
        row += len(parsed[-1].records)
    return parsed


@dataclass(frozen=True)
class MatchOptions:
    """The query parameters of a match (yente's names)."""

    limit: int = DEFAULT_LIMIT
    threshold: float | None = None  # None: the model's match band
    algorithm: str = "best"
    include_dataset: tuple[str, ...] = ()
    exclude_dataset: tuple[str, ...] = ()
    exclude_schema: tuple[str, ...] = ()
    changed_since: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise QueryError(f"limit must be from 1 to {MAX_LIMIT}, not {self.limit}")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise QueryError(f"threshold must be from 0 to 1, not {self.threshold}")
        if self.algorithm not in ALGORITHMS:
            raise QueryError(
                f"algorithm {self.algorithm!r} is not served here; this server scores with "
                f"{ALGORITHM} (also called best)"
            )


# --- the session -------------------------------------------------------------------------------


class CoalescingScreener:
    """The record screener shared by concurrent requests. The screening session is one DuckDB
    connection, so one screening runs at a time; requests that arrive meanwhile wait and are
    screened together in the next run, whose fixed cost (DuckDB preparing Splink's scoring
    SQL) they then share. A request alone is screened at once."""

    def __init__(self, screener: CounterpartyScreener, max_records: int = 5_000) -> None:
        self.screener = screener
        self.max_records = max_records
        self._lock = threading.Lock()
        self._pending: list[_Waiting] = []
        self._running = False

    def screen(self, records: Sequence[CounterpartyRecord]) -> list[dict[str, Any]]:
        """`screener.screen(records)`, possibly in one run with other requests' records."""
        mine = _Waiting(list(records))
        with self._lock:
            self._pending.append(mine)
            lead = not self._running
            self._running = True
        if lead:
            self._run()
        mine.done.wait()
        if mine.error is not None:
            raise mine.error
        return mine.hits

    def _run(self) -> None:
        """Screen what is pending, run after run, until nothing is."""
        while True:
            with self._lock:
                if not self._pending:
                    self._running = False
                    return
                taken: list[_Waiting] = []
                size = 0
                while self._pending and (not taken or size < self.max_records):
                    taken.append(self._pending.pop(0))
                    size += len(taken[-1].records)
            # Rows numbered apart across the requests, each hit given back to its own.
            numbered: list[CounterpartyRecord] = []
            owner: dict[int, tuple[_Waiting, int]] = {}
            for waiting in taken:
                for record in waiting.records:
                    row = len(numbered) + 1
                    owner[row] = (waiting, record.row)
                    numbered.append(dataclasses.replace(record, row=row))
            try:
                hits = self.screener.screen(numbered)
            except Exception as exc:  # each request of the run fails with the reason
                for waiting in taken:
                    waiting.error = exc
                    waiting.done.set()
                continue
            for hit in hits:
                waiting, row = owner[hit["row"]]
                waiting.hits.append({**hit, "row": row})
            for waiting in taken:
                waiting.done.set()


@dataclass
class _Waiting:
    records: list[CounterpartyRecord]
    hits: list[dict[str, Any]] = field(default_factory=list)
    error: Exception | None = None
    done: threading.Event = field(default_factory=threading.Event)


CHANGED_SQL = """
SELECT coalesce(c.canonical_id, e.entity_id), min(e.first_seen), max(e.last_seen),
       max(greatest(e.first_seen, ch.changed_at))
FROM sources.entities e
LEFT JOIN {canonical} c ON c.entity_id = e.entity_id
LEFT JOIN (SELECT entity_id, max(detected_at) AS changed_at FROM sources.changes
           GROUP BY entity_id) ch ON ch.entity_id = e.entity_id
GROUP BY 1
"""
# Before cross-list resolution has run, each listed entity is its own canonical entity.
_OWN_CANONICAL = (
    "(SELECT entity_id AS canonical_id, entity_id, source, 1 AS cluster_size, "
    f"[{list_label_sql('source')}] AS lists FROM sources.entities)"
)


def warehouse_version(con: duckdb.DuckDBPyConnection) -> str:
    """What a session was read from: the loaded publications and the last cross-list
    resolution. A session of another version is stale."""
    lists = first_row(
        con.execute(
            "SELECT coalesce(string_agg(DISTINCT snapshot_sha, ',' ORDER BY snapshot_sha), '') "
            "FROM sources.entities"
        )
    )
    resolved = (
        first_row(con.execute("SELECT max(resolved_at) FROM linkage.canonical_entities"))
        if table_exists(con, "linkage", "canonical_entities")
        else None
    )
    return f"{lists[0] if lists else ''}|{resolved[0] if resolved else ''}"


@dataclass
class ApiSession:
    """The lists, the record model and the canonical entities, in memory."""

    screener: CounterpartyScreener
    entities: dict[str, dict[str, Any]]  # canonical id -> FtM-style entity
    canonical_of: dict[str, str]  # listed entity id -> canonical id
    lists: list[dict[str, Any]]  # the catalog's datasets
    version: str  # `warehouse_version` when read
    model_version: str
    loaded_at: dt.datetime
    coalescing: CoalescingScreener = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.coalescing = CoalescingScreener(self.screener)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, model_dir: Path) -> ApiSession:
        """Read everything from the warehouse (`con`, read-only is enough); the screening
        session over the list names is prepared after, without the warehouse (`prepare`)."""
        version = warehouse_version(con)
        screener = CounterpartyScreener.from_warehouse(con, model_dir)
        canonical = (
            "linkage.canonical_entities"
            if table_exists(con, "linkage", "canonical_entities")
            else _OWN_CANONICAL
        )
        export_sql = CANONICAL_EXPORT_SQL.replace("linkage.canonical_entities", canonical)
        rows = con.sql(export_sql).to_arrow_table().to_pylist()
        changed = {
            str(cid): (first, last, change)
            for cid, first, last, change in con.execute(
                CHANGED_SQL.replace("{canonical}", canonical)
            ).fetchall()
        }
        lists = dict_rows(con.execute(LOADED_LISTS_SQL))
        entities: dict[str, dict[str, Any]] = {}
        canonical_of: dict[str, str] = {}
        for row in rows:
            entity = ftm_entity(row)
            first, last, change = changed.get(entity["id"], (None, None, None))
            entity.update(
                target=True,
                first_seen=_iso(first),
                last_seen=_iso(last),
                last_change=_iso(change or first),
            )
            entities[entity["id"]] = entity
            for referent in entity["referents"]:
                canonical_of[referent] = entity["id"]
        return cls(
            screener=screener,
            entities=entities,
            canonical_of=canonical_of,
            lists=lists,
            version=version,
            model_version=load_record_model(model_dir).version,
            loaded_at=dt.datetime.now(dt.UTC),
        )

    def prepare(self) -> ApiSession:
        """Prepare the screening session over the list names now, not on the first request,
        with the scoring of small batches in Python (a single query: some 10 ms rather than
        250 ms in DuckDB; 3-4 s to prepare); nothing of the warehouse is read."""
        self.screener.screener.score_small_batches_in_python()
        return self

    # --- datasets --------------------------------------------------------------------------

    @property
    def sources(self) -> list[str]:
        return [str(item["source"]) for item in self.lists]

    def datasets(self, dataset: str, options: MatchOptions = MatchOptions()) -> set[str]:
        """The lists `dataset` names (`default`/`sanctions`: all), narrowed by the options'
        include and exclude lists; KeyError naming the known datasets when unknown."""
        known = set(self.sources)
        for name in (dataset, *options.include_dataset, *options.exclude_dataset):
            if name not in known and name not in ALL_LISTS:
                raise KeyError(
                    f"no dataset {name!r}; there are: {', '.join([*ALL_LISTS, *sorted(known)])}"
                )
        chosen = known if dataset in ALL_LISTS else {dataset}
        if options.include_dataset and not set(options.include_dataset) & set(ALL_LISTS):
            chosen &= set(options.include_dataset)
        return chosen - set(options.exclude_dataset)

    # --- matching --------------------------------------------------------------------------

    def match(
        self, queries: Sequence[MatchQuery], dataset: str, options: MatchOptions
    ) -> dict[str, Any]:
        """yente's match response for `queries`, screened together in one batch."""
        lists = self.datasets(dataset, options)
        records = [r for q in queries for r in q.records]
        hits = self.coalescing.screen(records)
        key_of = {r.row: q.key for q in queries for r in q.records}
        by_query: dict[str, list[dict[str, Any]]] = {q.key: [] for q in queries}
        for hit in hits:
            by_query[key_of[hit["row"]]].append(hit)
        threshold = self.screener.bands.match if options.threshold is None else options.threshold
        responses = {}
        for query in queries:
            results = self._results(by_query[query.key], lists, options, threshold)
            responses[query.key] = {
                "status": 200,
                "results": results[: options.limit],
                "total": {"value": len(results), "relation": "eq"},
                "query": {"schema": query.schema, "properties": query.properties},
                "warnings": query.warnings,
            }
        return {
            "responses": responses,
            "matcher": self.matcher(threshold),
            "limit": options.limit,
        }

    def matcher(self, threshold: float) -> dict[str, Any]:
        bands = self.screener.bands
        return {
            "name": ALGORITHM,
            "version": self.model_version,
            "match_threshold": threshold,
            "review_threshold": bands.review,
            "description": "Splink record model on DuckDB; score is the match probability, "
            "features and explanations each comparison's contribution in bits",
        }

    def _results(
        self,
        hits: Sequence[Mapping[str, Any]],
        lists: set[str],
        options: MatchOptions,
        threshold: float,
    ) -> list[dict[str, Any]]:
        """One result per canonical entity, its best hit on the chosen lists, best first."""
        best: dict[str, Mapping[str, Any]] = {}
        for hit in hits:
            entity_id = str(hit["entity_id"])
            if entity_id.split(":", 1)[0] not in lists:
                continue
            cid = self.canonical_of.get(entity_id)
            if cid is None:
                continue
            kept = best.get(cid)
            if kept is None or hit["match_probability"] > kept["match_probability"]:
                best[cid] = hit
        results = []
        for cid, hit in sorted(best.items(), key=lambda kv: (-kv[1]["match_probability"], kv[0])):
            entity = self.entities[cid]
            if entity["schema"] in options.exclude_schema:
                continue
            if options.changed_since is not None and not _changed_since(
                entity, options.changed_since
            ):
                continue
            results.append(scored_entity(entity, hit, threshold))
        return results

    # --- search, entities, reconciliation, catalog -------------------------------------------

    def search(self, text: str, dataset: str, limit: int) -> dict[str, Any]:
        """yente's search response: `text` screened as a name of any type."""
        options = MatchOptions(limit=limit)
        query = parse_query("q", {"schema": "LegalEntity", "properties": {"name": [text]}}, 1)
        found = self.match([query], dataset, options)["responses"]["q"]
        return {
            "results": found["results"],
            "total": found["total"],
            "limit": limit,
            "offset": 0,
            "facets": {},
        }

    def suggest(self, prefix: str, dataset: str, limit: int = 10) -> list[dict[str, Any]]:
        """Entities with a name that a word of starts with `prefix` (case-insensitive), the
        shortest names first: OpenRefine's entity suggestions as a user types."""
        lists = self.datasets(dataset)
        wanted = prefix.casefold().strip()
        found: dict[str, str] = {}
        for entity in self.entities.values():
            if not lists & set(entity["datasets"]):
                continue
            props = entity["properties"]
            for name in (*props.get("name", []), *props.get("alias", [])):
                folded = name.casefold()
                named = folded.startswith(wanted) or f" {wanted}" in folded
                if named and len(name) < len(found.get(entity["id"], name + " ")):
                    found[entity["id"]] = name
        ranked = sorted(found.items(), key=lambda item: (len(item[1]), item[1], item[0]))
        return [
            {
                "id": cid,
                "name": self.entities[cid]["caption"],
                "description": ", ".join(self.entities[cid].get("lists") or []),
            }
            for cid, _ in ranked[:limit]
        ]

    def entity(self, entity_id: str) -> dict[str, Any] | None:
        """The canonical entity `entity_id` names (its own id or one of its listings')."""
        cid = self.canonical_of.get(entity_id, entity_id)
        return self.entities.get(cid)

    def catalog(self) -> dict[str, Any]:
        return {
            "datasets": [
                {
                    "name": item["source"],
                    "title": list_label(str(item["source"])),
                    "entity_count": item["entities"],
                    "published_on": _iso(item["published_on"]),
                    "version": item["sha256"],
                    "loaded_at": item["loaded_at"],
                    "origin": item["origin"],
                }
                for item in self.lists
            ],
            "collections": [{"name": name, "children": self.sources} for name in ALL_LISTS],
            "model": self.matcher(self.screener.bands.match),
            "entities": len(self.entities),
            "loaded_at": self.loaded_at.isoformat(timespec="seconds"),
        }


def scored_entity(
    entity: Mapping[str, Any], hit: Mapping[str, Any], threshold: float
) -> dict[str, Any]:
    """A yente scored entity: the canonical entity with our score, match flag, each
    comparison's contribution in bits (`features`) and what it was (`explanations`)."""
    contributions = dict(hit.get("contributions") or {})
    levels = dict(hit.get("levels") or {})
    probability = float(hit["match_probability"])
    return {
        **entity,
        "score": probability,
        "match": probability >= threshold,
        "features": {name: round(float(bits), 3) for name, bits in contributions.items()},
        "explanations": {
            "summary": {"score": probability, "explanation": hit.get("explanation")},
            **{
                name: {
                    "score": round(float(bits), 3),
                    "explanation": levels.get(name, "term frequency of the name"),
                }
                for name, bits in contributions.items()
            },
        },
        "matched_name": hit.get("matched_name"),
        "matched_listing": hit.get("entity_id"),
        "match_weight": round(float(hit.get("match_weight") or 0.0), 3),
    }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _changed_since(entity: Mapping[str, Any], since: dt.datetime) -> bool:
    changed = entity.get("last_change")
    if changed is None:
        return False
    moment = dt.datetime.fromisoformat(str(changed))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return moment >= since


# --- reconciliation (W3C spec 0.2, what OpenRefine sends) ---------------------------------------

RECONCILE_TYPES = ("Person", "Company", "Organization", "Vessel", "LegalEntity")


def reconcile_manifest(base_url: str, dataset: str) -> dict[str, Any]:
    """The service manifest: OpenRefine reads it when the service is added."""
    service = f"{base_url}/api/reconcile/{dataset}"
    return {
        "versions": ["0.2"],
        "name": f"sanctions-linker ({dataset})",
        "identifierSpace": f"{base_url}/api/entities/",
        "schemaSpace": "https://followthemoney.tech/explorer/schemata/",
        "defaultTypes": [{"id": t, "name": t} for t in RECONCILE_TYPES],
        "view": {"url": f"{base_url}/api/entities/{{{{id}}}}"},
        "preview": {"url": f"{service}/preview?id={{{{id}}}}", "width": 430, "height": 300},
        "suggest": {"entity": {"service_url": service, "service_path": "/suggest/entity"}},
        "batchSize": 10,
    }


def reconcile_queries(body: Any) -> list[MatchQuery]:
    """Reconciliation queries (`{"q0": {"query": ..., "type": ..., "limit": ...,
    "properties": [{"pid": ..., "v": ...}]}}`) as match queries."""
    if not isinstance(body, dict) or not body:
        raise QueryError('queries must be a JSON object {"q0": {"query": "a name", ...}}')
    if len(body) > MAX_BATCH:  # before any query is read
        raise QueryError(f"{len(body)} queries in one request; at most {MAX_BATCH}")
    examples = {}
    for key, query in body.items():
        if not isinstance(query, dict) or not isinstance(query.get("query"), str):
            raise QueryError(f"query {key!r}: needs a query string")
        kind = query.get("type") or "LegalEntity"
        if isinstance(kind, list):
            kind = kind[0] if kind else "LegalEntity"
        properties: dict[str, list[str]] = {"name": [query["query"]]}
        for item in query.get("properties") or []:
            if not isinstance(item, dict) or not isinstance(item.get("pid"), str):
                raise QueryError(f"query {key!r}: a property must be {{'pid': ..., 'v': ...}}")
            values = item.get("v")
            values = values if isinstance(values, list) else [values]
            texts = [v if isinstance(v, str) else v.get("id") for v in values if v]
            properties.setdefault(item["pid"], []).extend(t for t in texts if isinstance(t, str))
        examples[str(key)] = {"schema": kind, "properties": properties}
    return parse_batch({"queries": examples})


def reconcile_limits(body: Mapping[str, Any]) -> dict[str, int]:
    """Each query's `limit` (default 5, at most `MAX_LIMIT`)."""
    limits = {}
    for key, query in body.items():
        limit = query.get("limit", DEFAULT_LIMIT) if isinstance(query, dict) else DEFAULT_LIMIT
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"query {key!r}: limit must be from 1 to {MAX_LIMIT}")
        limits[str(key)] = limit
    return limits


def reconcile_results(
    matched: Mapping[str, Any], limits: Mapping[str, int]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """A match response as reconciliation candidates."""
    answer = {}
    for key, response in matched["responses"].items():
        answer[key] = {
            "result": [
                {
                    "id": r["id"],
                    "name": r["caption"],
                    "type": [{"id": r["schema"], "name": r["schema"]}],
                    "score": r["score"],
                    "match": r["match"],
                    "description": ", ".join(r.get("lists") or []),
                    "features": [{"id": k, "value": v} for k, v in r["features"].items()],
                }
                for r in response["results"][: limits[key]]
            ]
        }
    return answer


def preview_html(entity: Mapping[str, Any]) -> str:
    """A small card of the entity for OpenRefine's preview pane (every value escaped)."""
    props = entity.get("properties") or {}
    rows = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(', '.join(map(str, values)))}</td></tr>"
        for name, values in props.items()
        if name != "name"
    )
    lists = html.escape(", ".join(entity.get("lists") or []))
    return (
        '<!doctype html><html><head><meta charset="utf-8"></head><body>'
        f"<h3>{html.escape(str(entity.get('caption')))}</h3>"
        f"<p>{html.escape(str(entity.get('schema')))}; {lists}</p>"
        f"<table>{rows}</table></body></html>"
    )
