"""The normalised schema every official list is parsed into.

One `ParsedList` per list file set; one `Entity` per designated person, organisation, vessel or
aircraft; one `ListedName` per name the list gives it. Parsers build these plain objects; the
warehouse code turns them into the `sources.entities` and `sources.names` tables, whose column
contracts live in `assets.common.tables`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

EntitySchema = Literal["Person", "Organization", "Vessel", "Aircraft"]
ENTITY_SCHEMAS: tuple[str, ...] = get_args(EntitySchema)

# primary: the name the list files the entity under (and its official variations);
# alias: a good-quality a.k.a.; weak_alias: OFAC "weak", UN/UK/EU "low quality" a.k.a.s, which
# the linkage matches only exactly; former: f.k.a. names.
NameKind = Literal["primary", "alias", "weak_alias", "former"]
NAME_KINDS: tuple[str, ...] = get_args(NameKind)

# Identifier kinds we normalise to. The list's own label is kept beside the kind.
IdentifierKind = Literal[
    "imo",
    "passport",
    "national_id",
    "tax_id",
    "registration",
    "swift_bic",
    "un_reference",
    "website",
    "email",
    "phone",
    "crypto_address",
    "aircraft_serial",
    "call_sign",
    "other",
]

RawFiles = Mapping[str, bytes]
"""The files of one list publication, by lower-case file name (e.g. ``{"sdn.csv": b"..."}``)."""


class ParseError(ValueError):
    """A list file that cannot be trusted: schema drift, a missing mandatory field, an unknown
    category. Always names the source, and the record when there is one."""

    def __init__(self, source: str, problem: str, record_id: str | None = None) -> None:
        self.source = source
        self.problem = problem
        self.record_id = record_id
        where = f"{source}: record {record_id}: " if record_id else f"{source}: "
        super().__init__(where + problem)


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str
    country: str | None = None  # ISO 3166 alpha-2 of the issuer, when known
    label: str = ""  # the list's own wording of the type, e.g. "Tax ID No."


@dataclass(frozen=True)
class ListedName:
    name: str  # natural order: "Ayman AL-ZAWAHIRI", not "AL-ZAWAHIRI, Ayman"
    kind: NameKind
    raw: str = ""  # as written in the file, when it differs from `name`
    script: str = "Latin"  # "Latin" or the script of a non-Latin original (Arabic, Cyrillic, ...)


@dataclass
class Entity:
    official_id: str
    schema: EntitySchema
    names: list[ListedName]
    programs: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO alpha-2, de-duplicated, list order
    birth_dates: list[str] = field(
        default_factory=list
    )  # ISO 8601, possibly partial: 1962, 1962-05
    birth_places: list[str] = field(default_factory=list)
    gender: str | None = None
    positions: list[str] = field(default_factory=list)  # titles, roles, designations
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    remarks: str = ""
    listed_on: dt.date | None = None

    @property
    def caption(self) -> str:
        """The display name: the first primary name, else the first name."""
        for listed in self.names:
            if listed.kind == "primary":
                return listed.name
        return self.names[0].name if self.names else ""


@dataclass(frozen=True)
class SkippedRecord:
    record_id: str
    reason: str


@dataclass
class ParsedList:
    source: str
    entities: list[Entity]
    published_on: dt.date | None = None
    skipped: list[SkippedRecord] = field(default_factory=list)

    @property
    def name_count(self) -> int:
        return sum(len(e.names) for e in self.entities)
