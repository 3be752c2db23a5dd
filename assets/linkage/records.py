"""The two record sets Splink links: one row per list name, one row per news mention.

Both sides carry the same columns (Splink's link_only needs that), filled from their own facts:
a list name has `countries` and `birth_years` from its entity; a mention has
`sentence_countries`, `article_countries` and a birth-year range from its article. The
comparisons in `assets.linkage.settings` read them symmetrically.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from assets.articles.model import Mention, MentionName
from assets.common.tables import first_row
from assets.common.text import RELATED_JURISDICTIONS
from assets.linkage.links import article_related_names, entity_links, related_names
from assets.linkage.names import (
    analyse_frame,
    given_name_words,
    patronymics,
    romanised,
    typo_keys,
)
from assets.linkage.roles import position_names, position_titles, role_names, role_titles

# Tokens carried by at most this many list names are "rare": blocking on a shared rare token
# finds partial names ("Promsvyazbank" vs "Promsvyazbank Capital") without comparing every
# mention with every "Bank" or "Mohammed".
RARE_TOKEN_MAX_NAMES = 60
# A word that at least this many listed people carry as a given name is a given name: however
# few list names carry it, it is not distinctive ("Miguel" is on 48 list names but on millions
# of people, and sharing it says nothing about identity). Blocking still uses it.
GIVEN_NAME_MIN_ENTITIES = 3
# Columns `attach_rare_tokens` adds to both record sets.
TOKEN_COLUMNS = ("rare_tokens", "distinctive_tokens")

RECORD_COLUMNS: dict[str, str] = {
    "unique_id": "VARCHAR",
    "entity_id": "VARCHAR",  # list side only
    "article_id": "VARCHAR",  # mention side only
    "source": "VARCHAR",
    "name": "VARCHAR",  # the name as written (list name, or the mention's canonical text)
    "name_kind": "VARCHAR",  # primary | alias | weak_alias | former | mention
    "schema": "VARCHAR",  # Person | Organization | Vessel | Aircraft | NULL (unknown)
    "normalised": "VARCHAR",
    "core": "VARCHAR",
    "legal_form": "VARCHAR",
    "tokens": "VARCHAR[]",  # the core words: no legal form, no particles ("al", "bin")
    "token_bits": "BIGINT",  # the core words' signature (`token_bits`)
    # list side: a listed person's given-name words, where the list's case says which they
    # are ("Jeffrey John James ASHFIELD": jeffrey, john, james); `given_name_words`
    "given_tokens": "VARCHAR[]",
    "sorted_core_key": "VARCHAR",
    "given_family_key": "VARCHAR",
    "phonetic": "VARCHAR",
    # the sound keys of the name in its own and other languages' romanisations of Cyrillic
    "romanised": "VARCHAR[]",
    # people: keys of the given and family name with a letter of one word dropped (`typo_keys`)
    "typo_keys": "VARCHAR[]",
    # the sounds of the patronymics: a mention's own; every name's of a listed entity
    "patronymics": "VARCHAR[]",
    # list side: the words of every name of the entity, legal forms and titles included; a
    # mention has none
    "entity_tokens": "VARCHAR[]",
    "initials": "VARCHAR",
    "token_count": "INTEGER",
    "countries": "VARCHAR[]",  # list side: the entity's countries
    "sentence_countries": "VARCHAR[]",  # mention side
    "article_countries": "VARCHAR[]",  # mention side
    "attributed_countries": "VARCHAR[]",  # mention side: its nationality, base or flag
    "birth_years": "INTEGER[]",  # list side
    "birth_year_min": "INTEGER",  # mention side
    "birth_year_max": "INTEGER",  # mention side
    # list side: the entity's dates of birth as listed (ISO, at the list's precision); mention
    # side: a counterparty record's date of birth, at least year and month (news gives none)
    "birth_dates": "VARCHAR[]",
    "identifiers": "VARCHAR[]",  # "imo:9216298"
    "identifier_kinds": "VARCHAR[]",
    # the titles (`role_titles`) and the organisation words (`role_names`) of a mention's
    # role; of every position of a listed entity
    "roles": "VARCHAR[]",
    "role_names": "VARCHAR[]",
    # list side: the name keys of the entities the lists link it to; mention side: those of
    # them its article gives (`assets.linkage.links`)
    "related_names": "VARCHAR[]",
    # list side: the entity itself; mention side: the listed entities whose position's
    # organisation the mention's role names, or linked to a name of its article (`ListContext`):
    # the pairs in which these meet are the role-or-link comparison's agreement
    "context_entities": "VARCHAR[]",
}

# Identifier kinds that a news article can state and that identify one entity.
COMPARABLE_IDENTIFIERS = ("imo", "passport", "national_id", "tax_id", "registration", "swift_bic")


def identifier_key(kind: str, value: str) -> str:
    """``imo:9216298``: kind plus the value without spaces and punctuation, upper-cased."""
    return f"{kind}:{''.join(ch for ch in value.upper() if ch.isalnum())}"


def with_related_jurisdictions(column: str) -> str:
    """SQL for `column` (a country list) plus the jurisdictions related to its countries."""
    cases = " ".join(
        f"WHEN '{code}' THEN {list(related)}" for code, related in RELATED_JURISDICTIONS.items()
    )
    return (
        f"list_sort(list_distinct({column} || flatten(list_transform({column}, "
        f"lambda c: CASE c {cases} ELSE []::VARCHAR[] END))))"
    )


# A listed entity's countries as linkage sees them: with related jurisdictions (HK with CN).
RELATED_SQL = with_related_jurisdictions("e.countries")


# A name that ends in a bracketed part: an acronym, a branch, a code ("ISLAMIC REVOLUTIONARY
# GUARD CORPS (IRGC)", "HANIFA MONEY EXCHANGE OFFICE (BRANCH LOCATED IN ALBU KAMAL...)",
# "AL-HARAMAIN (ALBANIA BRANCH)"). The news writes the name without it.
_BRACKETED_TAIL = r"^(.*[[:alpha:]].*?)\s*\([^()]*\)\s*$"
# ...except a UN reference number: "SECOND ACADEMY OF NATURAL SCIENCES (KPe.018)", an alias of
# the Academy of National Defense Science, points at another listed entity by its number.
_REFERENCE_TAIL = r"\(\s*[A-Za-z]{2}[EeIi]\.[0-9]+\s*\)\s*$"


def record_given_tokens(name: str, schema: str | None) -> list[str]:
    """A list record's `given_tokens`: a listed person's given-name words where the list's case
    marks them (`given_name_words`), else none."""
    return given_name_words(name) if schema == "Person" else []


def token_bits(sorted_core_key: str | None) -> int:
    """The signature of a name's core words (its `tokens`, the words of `sorted_core_key`): the
    bit of each word's CRC-32 modulo 63 set. Where all the words of one name are among
    another's, so are its bits; the name comparison tests the bits before it compares the words
    (`assets.linkage.settings`). 0 for a name without words."""
    bits = 0
    for word in (sorted_core_key or "").split():
        bits |= 1 << (zlib.crc32(word.encode()) % 63)
    return bits


def token_bits_array(sorted_core_keys: Iterable[str | None]) -> pa.Array:
    """`token_bits` of each key, as the `token_bits` column."""
    return pa.array([token_bits(key) for key in sorted_core_keys], pa.int64())


def build_list_records(con: duckdb.DuckDBPyConnection, table: str = "linkage.list_records") -> int:
    """(Re)build `table` from `sources.names` and `sources.entities`; returns the row count.
    A name ending in a bracketed part is also a record without it (`_BRACKETED_TAIL`), of
    the same kind, unless the lists give that name already or the part is a UN reference."""
    base = con.sql(
        f"""
        WITH names AS (
            SELECT entity_id, source, name, kind FROM sources.names
            UNION
            SELECT entity_id, source, regexp_extract(name, $bracketed, 1) AS name, kind
            FROM sources.names
            WHERE regexp_matches(name, $bracketed) AND NOT regexp_matches(name, $reference)
        )
        SELECT n.entity_id || '#' || row_number() OVER (
                   PARTITION BY n.entity_id ORDER BY n.kind, n.name) AS unique_id,
               n.entity_id, NULL::VARCHAR AS article_id, n.source, n.name,
               n.kind AS name_kind, e.schema, {RELATED_SQL} AS countries,
               []::VARCHAR[] AS sentence_countries, []::VARCHAR[] AS article_countries,
               []::VARCHAR[] AS attributed_countries,
               NULL::INTEGER AS birth_year_min, NULL::INTEGER AS birth_year_max,
               list_distinct(list_filter(
                   list_transform(e.birth_dates, lambda d: TRY_CAST(substr(d, 1, 4) AS INTEGER)),
                   lambda y: y IS NOT NULL)) AS birth_years,
               list_sort(list_distinct(e.birth_dates)) AS birth_dates,
               list_transform(
                   list_filter(e.identifiers, lambda i: list_contains($kinds, i.kind)),
                   lambda i: i.kind || ':'
                             || upper(regexp_replace(i.value, '[^0-9A-Za-z]', '', 'g')))
                   AS identifiers,
               e.positions
        FROM names n JOIN sources.entities e USING (entity_id)
        ORDER BY unique_id
        """,
        params={
            "kinds": list(COMPARABLE_IDENTIFIERS),
            "bracketed": _BRACKETED_TAIL,
            "reference": _REFERENCE_TAIL,
        },
    ).to_arrow_table()
    names = base.column("name").to_pylist()
    analysed = analyse_frame(names)
    schemas = base.column("schema").to_pylist()
    analysed = (
        analysed.append_column("romanised", keys_of_people(romanised, names, schemas))
        .append_column(
            "typo_keys",
            keys_of_people(typo_keys, analysed.column("given_family_key").to_pylist(), schemas),
        )
        .append_column(
            "patronymics", pa.array([patronymics(name) for name in names], pa.list_(pa.string()))
        )
        .append_column(
            "token_bits", token_bits_array(analysed.column("sorted_core_key").to_pylist())
        )
    )
    given = pa.array(
        [record_given_tokens(name, schema) for name, schema in zip(names, schemas, strict=True)],
        pa.list_(pa.string()),
    )
    positions = base.column("positions").to_pylist()
    roles = pa.array([position_titles(p) for p in positions], pa.list_(pa.string()))
    organisations = pa.array([position_names(p) for p in positions], pa.list_(pa.string()))
    related = _related_names(con, base, analysed)
    combined = pa.Table.from_arrays(
        [*base.columns, *analysed.columns, given, roles, organisations, related],
        names=[
            *base.column_names,
            *analysed.column_names,
            "given_tokens",
            "roles",
            "role_names",
            "related_names",
        ],
    )
    return write_records(con, combined, table)


def _related_names(con: duckdb.DuckDBPyConnection, names: pa.Table, analysed: pa.Table) -> pa.Array:
    """Each list name's `related_names`: the keys of the names (weak aliases aside: "ABU ALI"
    says nothing) of the entities its entity is linked to (`assets.linkage.links`)."""
    entity_ids = names.column("entity_id").to_pylist()
    keys = [
        (entity_id, source, key if kind != "weak_alias" else None)
        for entity_id, source, kind, key in zip(
            entity_ids,
            names.column("source").to_pylist(),
            names.column("name_kind").to_pylist(),
            analysed.column("sorted_core_key").to_pylist(),
            strict=True,
        )
    ]
    remarks = con.execute(
        "SELECT entity_id, source, remarks FROM sources.entities WHERE remarks IS NOT NULL"
    ).fetchall()
    links = entity_links(remarks, keys)
    keys_of: dict[str, set[str]] = defaultdict(set)
    for entity_id, _, key in keys:
        if key:
            keys_of[entity_id].add(key)
    related = related_names(links, {e: sorted(k) for e, k in keys_of.items()})
    return pa.array([related.get(e, ()) for e in entity_ids], pa.list_(pa.string()))


def build_token_frequencies(
    con: duckdb.DuckDBPyConnection,
    records: str = "linkage.list_records",
    table: str = "linkage.token_frequencies",
) -> None:
    """How many list names carry each token (the rarity that blocking and explanations use),
    and how many listed people carry it as a given name (`given_name_entities`)."""
    people = con.execute(
        f"SELECT DISTINCT entity_id, name FROM {records} WHERE schema = 'Person' ORDER BY ALL"
    ).fetchall()
    given: dict[str, set[str]] = {}
    for entity_id, name in people:
        for token in given_name_words(name):
            given.setdefault(token, set()).add(entity_id)
    given_counts = pa.table(
        {
            "token": pa.array(list(given), pa.string()),
            "entities": pa.array([len(e) for e in given.values()], pa.int64()),
        }
    )
    con.register("given_name_counts", given_counts)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {table} AS
            SELECT f.token, f.names, coalesce(g.entities, 0) AS given_name_entities
            FROM (
                SELECT token, count(DISTINCT unique_id) AS names
                FROM (SELECT unique_id, unnest(tokens) AS token FROM {records})
                GROUP BY token
            ) f LEFT JOIN given_name_counts g USING (token)
            """
        )
    finally:
        con.unregister("given_name_counts")


_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "VARCHAR[]": pa.list_(pa.string()),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "INTEGER[]": pa.list_(pa.int32()),
}
RECORD_SCHEMA = pa.schema(
    [(name, _ARROW_TYPES[kind]) for name, kind in RECORD_COLUMNS.items()]
    + [(name, pa.list_(pa.string())) for name in TOKEN_COLUMNS]
)
"""Arrow schema of linkage records with their rare tokens (`mention_records`)."""


class RareTokens:
    """The token frequencies (`build_token_frequencies`) as the two word sets records carry:
    rare words (three letters or more, on at most `max_names` list names; blocking pairs names
    on them) and distinctive words (rare, and not a given name: `GIVEN_NAME_MIN_ENTITIES`; the
    name comparison's "a shared rare word" level reads them). A word on no list name is neither."""

    def __init__(self, frequencies: pa.Table, max_names: int = RARE_TOKEN_MAX_NAMES) -> None:
        tokens = frequencies.column("token").to_pylist()
        names = frequencies.column("names").to_pylist()
        given = frequencies.column("given_name_entities").to_pylist()
        self.rare = frozenset(
            token
            for token, count in zip(tokens, names, strict=True)
            if count <= max_names and len(token) >= 3
        )
        self.distinctive = frozenset(
            token
            for token, entities in zip(tokens, given, strict=True)
            if token in self.rare and entities < GIVEN_NAME_MIN_ENTITIES
        )

    def columns(self, tokens: Iterable[Sequence[str] | None]) -> tuple[pa.Array, pa.Array]:
        """`rare_tokens` and `distinctive_tokens` of records with these tokens: each record's
        distinct rare (distinctive) words, sorted."""
        rare: list[Sequence[str]] = []
        distinctive: list[Sequence[str]] = []
        for words in tokens:
            found = sorted({word for word in words or () if word in self.rare})
            if not found:  # most records: one shared empty value, not a list each
                rare.append(())
                distinctive.append(())
                continue
            rare.append(found)
            distinctive.append([word for word in found if word in self.distinctive])
        kind = pa.list_(pa.string())
        return pa.array(rare, kind), pa.array(distinctive, kind)


def _comparable_identifiers(mention: Mention) -> Sequence[str]:
    """The mention's identifiers as `identifier_key`s, those of `COMPARABLE_IDENTIFIERS`."""
    if not mention.identifiers:
        return ()  # most mentions: one shared empty value, not a list each
    return [
        identifier_key(i.kind, i.value)
        for i in mention.identifiers
        if i.kind in COMPARABLE_IDENTIFIERS
    ]


def _full_birth_date(mention: Mention) -> Sequence[str]:
    """The mention's date of birth when it gives at least year and month (a counterparty
    record's); a year alone is its birth-year range."""
    date = mention.birth_date
    return [date] if date is not None and len(date) >= 7 else ()


def mention_facts(mention: Mention, related: Sequence[str] = ()) -> tuple[object, ...]:
    """Everything of `mention` that its record (`mention_records`) is made of, but its ids:
    two mentions with the same facts have the same record apart from the ids. `related`: its
    related names (`mentions_related_names`), facts of its article."""
    return (
        tuple(related),
        mention.canonical_text or mention.text,
        mention.schema_guess,
        tuple(mention.sentence_countries),
        tuple(mention.article_countries),
        tuple(mention.attributed_countries),
        mention.birth_year_min,
        mention.birth_year_max,
        mention.birth_date,
        tuple(_comparable_identifiers(mention)),
        role_titles(mention.role),
        role_names(mention.role),
    )


@dataclass(frozen=True)
class ListContext:
    """What the list records say around their entities, for the mentions' records: every
    related name (`related_names`) with the words of the entities linked to it (the names of an
    article a mention's record may keep: `assets.linkage.links.article_related_names`), the
    listed people linked to each related name, and the entities with a position in each
    organisation word (`role_names`).

    Only people's links count as agreement: a person's listed companies and groups named
    around them say who they are ("Boris Rotenberg" beside his SMP Bank), while an
    organisation's links are mostly to its parent or subsidiaries, whose names it shares, so
    the parent named in an article lifts every subsidiary ("PSB Lizing" for "PSB" beside
    Promsvyazbank)."""

    related_words: Mapping[str, frozenset[str]]
    linked_entities: Mapping[str, frozenset[str]]
    position_entities: Mapping[str, frozenset[str]]

    def agreeing(self, role_words: Sequence[str], related: Sequence[str]) -> tuple[str, ...]:
        """The listed entities (sorted ids) a position of which is in an organisation the role
        names (`role_words`), and the listed people linked to a name its article gives
        (`related`)."""
        found: set[str] = set()
        for word in role_words:
            found |= self.position_entities.get(word, frozenset())
        for key in related:
            found |= self.linked_entities.get(key, frozenset())
        return tuple(sorted(found))


NO_LIST_CONTEXT = ListContext({}, {}, {})


def list_context(list_records: pa.Table) -> ListContext:
    """The `ListContext` of `list_records` (their `related_names`, `role_names`, `tokens`)."""
    con = duckdb.connect(":memory:")
    try:
        con.register(
            "records",
            list_records.select(["entity_id", "schema", "related_names", "role_names", "tokens"]),
        )
        related = con.sql(
            """
            SELECT key, list_distinct(flatten(list(tokens))) AS words,
                   coalesce(list_distinct(list(entity_id) FILTER (schema = 'Person')), [])
                       AS people
            FROM (SELECT unnest(related_names) AS key, tokens, entity_id, schema FROM records
                  WHERE len(related_names) > 0)
            GROUP BY key
            """
        ).fetchall()
        positions = con.sql(
            """
            SELECT word, list_distinct(list(entity_id))
            FROM (SELECT unnest(role_names) AS word, entity_id FROM records
                  WHERE len(role_names) > 0)
            GROUP BY word
            """
        ).fetchall()
    finally:
        con.close()
    return ListContext(
        related_words={key: frozenset(words) for key, words, _ in related},
        linked_entities={key: frozenset(people) for key, _, people in related if people},
        position_entities={word: frozenset(entities) for word, entities in positions},
    )


def mentions_related_names(
    mentions: Sequence[Mention | MentionName],
    related: Mapping[str, frozenset[str]],
    of: Collection[str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Each mention's `related_names` by mention id (`assets.linkage.links`): the names of
    its article are those of the mentions of `mentions` with its article id, so a batch holds
    whole articles; a mention alone in its article is left out. `related`: every listed
    entity's related names (`ListContext.related_words`). With `of`, only the related names of
    the mentions with those ids (their articles' names still all count)."""
    clusters: dict[str, set[str]] = defaultdict(set)
    for mention in mentions:
        clusters[mention.article_id].add(mention.canonical_id)
    # Only an article naming two things or more has names around a mention (a name query, a
    # counterparty record has none).
    mentions = [m for m in mentions if len(clusters[m.article_id]) > 1]
    if not related or not mentions:
        return {}
    # Every name a mention is written by: its surface form and its full form.
    texts = list({text for m in mentions for text in (m.text, m.canonical_text) if text})
    key_of = dict(
        zip(texts, analyse_frame(texts).column("sorted_core_key").to_pylist(), strict=True)
    )
    of_article: dict[str, set[str]] = defaultdict(set)
    # The names of one coreference cluster ("Isil", "Islamic State of Iraq and the Levant")
    # are the mention's own, not names around it.
    of_cluster: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mention in mentions:
        keys = {key_of[text] for text in (mention.text, mention.canonical_text) if text}
        # Only a listed entity's related name can be one (`article_related_names`).
        of_article[mention.article_id].update(key for key in keys if key in related)
        of_cluster[(mention.article_id, mention.canonical_id)].update(keys)
    found = {}
    for m in mentions:
        if of is not None and m.mention_id not in of:
            continue
        own = of_cluster[(m.article_id, m.canonical_id)]
        words = {word for key in own if key for word in key.split(" ")}
        found[m.mention_id] = article_related_names(own, words, of_article[m.article_id], related)
    return found


def mention_records(
    mentions: Iterable[Mention],
    token_frequencies: pa.Table | RareTokens,
    related_of: Mapping[str, Sequence[str]] | None = None,
    context: ListContext = NO_LIST_CONTEXT,
) -> pa.Table:
    """Mentions as linkage records (`RECORD_SCHEMA`), ordered by mention id; a mention whose
    name has no core (nothing but punctuation) has none. `token_frequencies` is the lists'
    `linkage.token_frequencies` (or its `RareTokens`); `related_of` the mentions' related names
    by mention id (`mentions_related_names`), none without; `context` the lists' (`list_context`),
    which gives each mention its `context_entities`."""
    rarity = (
        token_frequencies
        if isinstance(token_frequencies, RareTokens)
        else RareTokens(token_frequencies)
    )
    # Ordered by mention id; each distinct name analysed once (`distinct`), then picked.
    ordered = sorted(mentions, key=lambda m: m.mention_id)
    related_of = related_of or {}
    position: dict[str, int] = {}
    picks = [position.setdefault(m.canonical_text or m.text, len(position)) for m in ordered]
    distinct = analyse_frame(position)
    cores = distinct.column("core").to_pylist()
    kept = [m for m, pick in zip(ordered, picks, strict=True) if cores[pick]]
    count = len(kept)
    # The core words, sorted (the list side's `tokens` are made the same way by SQL).
    tokens = [
        key.split(" ") if key else None for key in distinct.column("sorted_core_key").to_pylist()
    ]
    rare, distinctive = rarity.columns(tokens)
    distinct = distinct.append_column(
        "token_bits", token_bits_array(distinct.column("sorted_core_key").to_pylist())
    )
    distinct = distinct.append_column("core_tokens", pa.array(tokens, pa.list_(pa.string())))
    distinct = distinct.append_column("rare_tokens", rare).append_column(
        "distinctive_tokens", distinctive
    )
    analysed = distinct.take(pa.array([pick for pick in picks if cores[pick]], pa.int64()))
    legal_forms = analysed.column("legal_form").to_pylist()
    identifiers = [_comparable_identifiers(m) for m in kept]
    schema_of = {"Person": "Person", "Organization": "Organization", "Vessel": "Vessel"}
    # A name with a legal form ("Progress Lider LLC") is an organisation, whatever NER took it
    # for.
    schemas = [
        "Organization" if form else schema_of.get(m.schema_guess)
        for m, form in zip(kept, legal_forms, strict=True)
    ]
    names = [m.canonical_text or m.text for m in kept]
    patronymics_of = {name: patronymics(name) for name in dict.fromkeys(names)}
    organisations = [role_names(m.role) for m in kept]
    related = [related_of.get(m.mention_id, ()) for m in kept]
    columns = {
        "unique_id": [m.mention_id for m in kept],
        "entity_id": [None] * count,
        "article_id": [m.article_id for m in kept],
        "source": ["mention"] * count,
        "name": names,
        "name_kind": ["mention"] * count,
        "schema": schemas,
        "normalised": analysed.column("normalised"),
        "core": analysed.column("core"),
        "legal_form": analysed.column("legal_form"),
        "tokens": analysed.column("core_tokens"),
        "token_bits": analysed.column("token_bits"),
        "given_tokens": [()] * count,
        "sorted_core_key": analysed.column("sorted_core_key"),
        "given_family_key": analysed.column("given_family_key"),
        "phonetic": analysed.column("phonetic"),
        "romanised": keys_of_people(romanised, names, schemas),
        "typo_keys": keys_of_people(
            typo_keys, analysed.column("given_family_key").to_pylist(), schemas
        ),
        "patronymics": [patronymics_of[name] for name in names],
        "entity_tokens": [()] * count,
        "initials": analysed.column("initials"),
        "token_count": analysed.column("token_count"),
        # A mention has no listed countries or birth years of its own.
        "countries": [[]] * count,
        "sentence_countries": [m.sentence_countries for m in kept],
        "article_countries": [m.article_countries for m in kept],
        "attributed_countries": [m.attributed_countries for m in kept],
        "birth_years": [[]] * count,
        "birth_year_min": [m.birth_year_min for m in kept],
        "birth_year_max": [m.birth_year_max for m in kept],
        "birth_dates": [_full_birth_date(m) for m in kept],
        "identifiers": identifiers,
        "identifier_kinds": [
            list(dict.fromkeys(key.split(":", 1)[0] for key in keys)) if keys else ()
            for keys in identifiers
        ],
        "roles": [role_titles(m.role) for m in kept],
        "role_names": organisations,
        "related_names": related,
        "context_entities": [
            context.agreeing(words, keys)
            for words, keys in zip(organisations, related, strict=True)
        ],
        "rare_tokens": analysed.column("rare_tokens"),
        "distinctive_tokens": analysed.column("distinctive_tokens"),
    }
    return pa.Table.from_arrays(
        [
            values
            if isinstance(values, (pa.Array, pa.ChunkedArray))
            else pa.array(values, field.type)
            for field, values in zip(RECORD_SCHEMA, columns.values(), strict=True)
        ],
        schema=RECORD_SCHEMA,
    )


def keys_of_people(
    key_of: Callable[[str], Sequence[str]],
    values: Sequence[str | None],
    schemas: Sequence[str | None],
) -> pa.Array:
    """`key_of` each value of a person's name or of a name of no known type; no keys for
    organisations, vessels and aircraft. The keys that only people get: the `romanised` sound
    keys (an organisation's English words read the German or Polish way make noise,
    `assets.linkage.romanisations`) and the `typo_keys` of a given and family name (a company
    named by two words is as often two other words one letter apart: "Sinno Electronics")."""
    # Each distinct name keyed once: an archive's mentions repeat their names.
    keyed: dict[str, Sequence[str]] = {}
    keys: list[Sequence[str]] = []
    for value, schema in zip(values, schemas, strict=True):
        if schema not in (None, "Person") or value is None:
            keys.append(())
            continue
        found = keyed.get(value)
        if found is None:
            found = keyed[value] = key_of(value)
        keys.append(found)
    return pa.array(keys, pa.list_(pa.string()))


def write_records(con: duckdb.DuckDBPyConnection, rows: pa.Table, table: str) -> int:
    """Write list records (with their analysed columns) into `table` in the column order of
    `RECORD_COLUMNS`; returns the row count."""
    con.register("records_arrow", rows)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {table} AS
            SELECT unique_id, entity_id, article_id, source, name, name_kind, schema, normalised,
                   core, legal_form, string_split(nullif(sorted_core_key, ''), ' ') AS tokens,
                   token_bits, given_tokens,
                   sorted_core_key, given_family_key, phonetic, romanised, typo_keys,
                   -- a list name speaks for its entity: the patronymics and the words of every
                   -- name of it (the alias "Vladimir BOGDANOV" of "Vladimir Leonidovich
                   -- BOGDANOV" says "Leonidovich" too)
                   list_sort(list_distinct(flatten(list(patronymics) OVER entity)))
                       AS patronymics,
                   list_sort(list_distinct(flatten(list(words) OVER entity))) AS entity_tokens,
                   initials, token_count,
                   countries, sentence_countries, article_countries, attributed_countries,
                   birth_years,
                   birth_year_min, birth_year_max, birth_dates, identifiers,
                   list_distinct(list_transform(identifiers, lambda i: split_part(i, ':', 1)))
                       AS identifier_kinds,
                   roles, role_names, related_names, [entity_id] AS context_entities
            FROM records_arrow
            WHERE core IS NOT NULL AND core <> ''
            WINDOW entity AS (PARTITION BY entity_id)
            """
        )
    finally:
        con.unregister("records_arrow")
    row = first_row(con.execute(f"SELECT count(*) FROM {table}"))
    return int(row[0]) if row else 0


def attach_rare_tokens(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frequencies: str = "linkage.token_frequencies",
    max_names: int = RARE_TOKEN_MAX_NAMES,
) -> None:
    """Add `RareTokens`' `rare_tokens` and `distinctive_tokens` to the records in `table`,
    by the token frequencies in `frequencies`."""
    rarity = RareTokens(con.sql(f"SELECT * FROM {frequencies}").to_arrow_table(), max_names)
    tokens = con.sql(f"SELECT unique_id, tokens FROM {table}").to_arrow_table()
    rare, distinctive = rarity.columns(tokens.column("tokens").to_pylist())
    found = pa.table(
        {
            "unique_id": tokens.column("unique_id"),
            "rare_tokens": rare,
            "distinctive_tokens": distinctive,
        }
    )
    con.register("records_with_rare_tokens", found)
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT t.*, r.rare_tokens, r.distinctive_tokens "
            f"FROM {table} t JOIN records_with_rare_tokens r USING (unique_id)"
        )
    finally:
        con.unregister("records_with_rare_tokens")
