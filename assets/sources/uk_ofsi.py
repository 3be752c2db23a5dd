"""HM Treasury OFSI Consolidated List of Financial Sanctions Targets ("ConList").

- Publisher: HM Treasury, Office of Financial Sanctions Implementation (OFSI).
- URL: https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv (the .xlsx
  and .xml siblings follow the same pattern).
- Formats: the 2022-format ConList as XLSX (sheet "Data") or CSV (UTF-8), and the pre-2022 CSV
  ``sanctionsconlist.csv`` (Windows-1252; ``Prime Alias``, ``Passport Details``, ``NI Number``).
  All share one layout: line 1 ``Last Updated,<dd/mm/yyyy>``, line 2 the header, then one row
  per *name*. Rows sharing a ``Group ID`` are one designation; their other columns (DOB,
  address, ...) repeat as a cross product, so every per-designation field is a de-duplicated
  union over the group's rows.
- Licence: Crown copyright, Open Government Licence v3.0.

NOTE: OFSI retired the Consolidated List on 28 Jan 2026; the FCDO UK Sanctions List
(`assets.sources.uk_fcdo`) replaces it. The parser keeps the last snapshots loadable.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from assets.common.model import (
    Entity,
    EntitySchema,
    Identifier,
    IdentifierKind,
    ListedName,
    NameKind,
    ParsedList,
    ParseError,
    RawFiles,
    SkippedRecord,
)
from assets.common.text import clean, country_code, join_name, partial_date, script_of, unique
from assets.common.xmlsafe import decode_text
from assets.sources.spec import ListFile, ListSpec

SOURCE = "uk_ofsi"

_SCHEMAS: dict[str, EntitySchema] = {
    "Individual": "Person",
    "Entity": "Organization",
    "Ship": "Vessel",
}
# Every Alias Type in the 2018 and 2025 files; "Primary name variation" is a spelling variant.
_ALIAS_KINDS: dict[str, NameKind] = {
    "Primary name": "primary",
    "Prime Alias": "primary",
    "Primary name variation": "alias",
    "AKA": "alias",
    "FKA": "former",
}
_QUALITIES = {None, "Good quality", "Low quality"}
_RANK: dict[NameKind, int] = {"primary": 0, "alias": 1, "former": 2, "weak_alias": 3}
_REQUIRED = ("Group ID", "Name 6", "Group Type", "Alias Type")
_NAME_COLUMNS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")
_ADDRESS_COLUMNS = (*(f"Address {i}" for i in range(1, 7)), "Post/Zip Code", "Country")
# Per-designation fields: key -> one slot per value, each slot the header spellings to try
# (2022 first, then 2018). In 2018 "Passport Details" holds the number and its description.
_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "title": (("Title",),),
    "position": (("Position",),),
    "dob": (("DOB",),),
    "birth": (("Town of Birth",), ("Country of Birth",)),
    "nationality": (("Nationality",),),
    "passport": (("Passport Number", "Passport Details"), ("Passport Details",)),
    "national_id": (
        ("National Identification Number", "NI Number"),
        ("National Identification Details", "NI Number"),
    ),
    "address": tuple((column,) for column in _ADDRESS_COLUMNS),
    "other": (("Other Information",),),
    "regime": (("Regime",),),
    "listed": (("Listed On",),),
    "gender": (("Gender",),),
}

# --- free-text helpers (also used by uk_fcdo) ---------------------------------------------------

_ENUM_START = re.compile(r"^\(?(1|a)(?:\s*-\s*\d{1,2})?\)")
_NUMBER_MARK = re.compile(r"\(?\b\d{1,2}(?:\s*-\s*\d{1,2})?\)(?:\s*to\s*\(?\d{1,2}\))?")
_LETTER_MARK = re.compile(r"(?:^|(?<=\s))\(?[a-j]\)")


def cell_text(value: object) -> str | None:
    """A spreadsheet or CSV cell as clean text: dates as dd/mm/yyyy, whole floats without .0."""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(value)


def _pieces(value: object) -> list[str]:
    text = cell_text(value)
    if text is None:
        return []
    start = _ENUM_START.match(text)
    pieces = (
        [text] if not start else (_LETTER_MARK if start[1] == "a" else _NUMBER_MARK).split(text)
    )
    return [p for p in (clean(piece.strip(" .,;-")) for piece in pieces) if p]


def split_items(value: object) -> list[str]:
    """The items of an enumerated cell: ``"(1) Syria. (2) Palestine"``, ``"1) Saudi Arabia 2)
    Qatar"``, ``"a) French, b) Tunisian"``, ``"(1-3) Libya (4) Morocco"``; else the cell."""
    return unique(_pieces(value))


_DEMONYMS = {
    "afghan": "AF", "afgan": "AF", "algerian": "DZ", "american": "US", "australian": "AU",
    "bahraini": "BH", "belarusian": "BY", "belgian": "BE", "british": "GB", "burundian": "BI",
    "chadian": "TD", "chinese": "CN", "congolese": "CD", "egyptian": "EG", "emirati": "AE",
    "eritrean": "ER", "ethiopian": "ET", "filipino": "PH", "french": "FR", "georgian": "GE",
    "german": "DE", "indian": "IN", "indonesian": "ID", "iranian": "IR", "iraqi": "IQ",
    "italian": "IT", "jordanian": "JO", "kenyan": "KE", "kuwaiti": "KW", "lebanese": "LB",
    "libyan": "LY", "malaysian": "MY", "malian": "ML", "mauritanian": "MR", "moroccan": "MA",
    "nigerian": "NG", "north korean": "KP", "norwegian": "NO", "pakistani": "PK",
    "qatari": "QA", "qatarian": "QA", "russian": "RU", "rwandan": "RW", "saudi": "SA",
    "saudi arabian": "SA", "senegalese": "SN", "somali": "SO", "sudanese": "SD",
    "swedish": "SE", "syrian": "SY", "tunisian": "TN", "turkish": "TR", "ugandan": "UG",
    "ukrainian": "UA", "uzbek": "UZ", "yemeni": "YE",
    # UK spellings of places that pycountry and the shared overrides do not resolve
    "dprk": "KP", "drc": "CD", "occupied palestinian territories": "PS",
    "palestinian territories": "PS", "libyan arab jamahiriya": "LY", "guinea bissau": "GW",
    "bosnia-herzegovina": "BA", "the netherlands": "NL",
}  # fmt: skip
_NOW = re.compile(r"\b(?:now|currently)\s+([^()]+)", re.IGNORECASE)
_QUALIFIERS = re.compile(
    r"\([^()]*\)|\b(?:possibly|citizenship|nationality|national|by birth)\b", re.IGNORECASE
)


@lru_cache(maxsize=4096)
def uk_country(text: str) -> str | None:
    """ISO alpha-2 for the UK lists' country and nationality wording: plain names, demonyms
    (``"Afghan"``), qualified ones (``"Iraq (previous address)"``, ``"Kuwaiti citizenship"``)
    and historical ones (``"Ukrainian SSR (now Ukraine)"``, ``"Former USSR Currently Belarus"``)."""
    value = text.replace("’", "'")
    if now := _NOW.search(value):
        value = now[1]
    for candidate in (
        value,
        _QUALIFIERS.sub(" ", value),
        value.split(",")[-1],
        value.split(".")[0],
    ):
        name = clean(candidate.strip(" .,;"))
        if name and (code := country_code(name) or _DEMONYMS.get(name.lower())):
            return code
    return None


def country_in(text: str | None) -> str | None:
    """The issuing country named in a document description such as ``"Libya number"``,
    ``"British passport number"`` or ``"592667 (Qatari passport issued on 3 May 2007)"``."""
    if not text:
        return None
    inner = re.findall(r"\(([^()]+)\)", text)
    lead = re.split(r"\.|\b(?:number|passport|national|issued)\b", text, flags=re.IGNORECASE)[0]
    firsts = [part.split()[0] for part in (*inner, lead) if part.split()]
    for candidate in (*inner, lead, *firsts, text):
        if code := uk_country(candidate):
            return code
    return None


# --- Other Information -------------------------------------------------------------------------

_UN_REF = re.compile(
    r"(?:^|[-.(\]]\s*)(?i:UN\s+Ref(?:erence)?)\)?[\s.:]*"
    r"([A-Z]{1,3}[a-z]?\.\s?(?:[A-Z]\.)?\d+(?:\.\d+)?)"
)
_UK_REF = re.compile(r"\(UK Sanctions List Ref\):\s*([A-Za-z]{2,4}\.?\d{3,5})")
_LABEL = re.compile(
    r"\((UK Sanctions List Ref|UN Ref|UK Statement of Reasons|Gender|Phone number|Tel|Fax|"
    r"Website|Email address|Type of entity|Business Reg No|Parent company|Subsidiaries|"
    r"IMO number|Current owners|Flag of ship|Previous flags|Type of ship|Tonnage of ship|"
    r"Length of ship|Year built|non-Latin script)\):"
)
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_WEBSITE = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.IGNORECASE)


def _labelled(text: str) -> Iterator[tuple[str, str]]:
    """The ``(Label):value`` segments of a 2022-format Other Information cell."""
    marks = list(_LABEL.finditer(text))
    for mark, after in zip(marks, [*marks[1:], None], strict=False):
        end = after.start() if after else len(text)
        yield mark[1], text[mark.end() : end].strip()


def contacts(value: str) -> list[Identifier]:
    """Emails and websites among the tokens of a contact field (the two are often mixed up)."""
    found: list[Identifier] = []
    for item in split_items(value):
        for token in (t.strip(".,;()") for t in item.split()):
            if _EMAIL.match(token):
                found.append(Identifier("email", token))
            elif _WEBSITE.match(token) and not token.replace(".", "").isdigit():
                found.append(Identifier("website", token))
    return found


def _apply_other_information(entity: Entity, text: str) -> None:
    for ref in _UN_REF.findall(text):
        entity.identifiers.append(Identifier("un_reference", ref.replace(" ", ""), label="UN Ref"))
    if ref := _UK_REF.search(text):
        entity.identifiers.append(Identifier("other", ref[1], label="UK Sanctions List Ref"))
    for label, value in _labelled(text):
        if label == "Gender" and value:
            entity.gender = entity.gender or value.split()[0].capitalize()
        elif label in {"Phone number", "Tel", "Fax"}:
            entity.identifiers += [Identifier("phone", v, label=label) for v in split_items(value)]
        elif label in {"Website", "Email address"}:
            entity.identifiers += contacts(value)
        elif label == "Business Reg No":
            entity.identifiers += [
                Identifier("registration", v, label=label) for v in split_items(value)
            ]
        elif label == "IMO number" and (imo := re.search(r"\b\d{7}\b", value)):
            entity.identifiers.append(Identifier("imo", imo[0], label=label))
        elif label == "Flag of ship" and (flag := uk_country(value)):
            entity.countries.append(flag)
        elif label == "non-Latin script" and value:
            entity.names.append(ListedName(value, "alias", script=script_of(value)))


# --- rows to entities --------------------------------------------------------------------------

_DOC_NUMBER = re.compile(r"\b[A-Z]{0,3}-?\d[0-9A-Z/-]{4,}")
_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{4})$")


def _documents(
    kind: IdentifierKind, label: str, rows: Iterable[tuple[object, ...]], free_text: bool
) -> list[Identifier]:
    """Identifiers from (numbers, details) cell pairs; enumerated items are paired by position.
    In the 2018 layout the number is inside free text (`free_text`) and is picked out."""
    found: list[Identifier] = []
    for numbers_cell, details_cell in rows:
        numbers, details = _pieces(numbers_cell), _pieces(details_cell)
        if len(details) != len(numbers):
            details = details[:1] * len(numbers)
        for number, detail in zip(numbers, details or [""] * len(numbers), strict=True):
            if free_text:
                match = _DOC_NUMBER.search(number)
                number = match[0] if match else ""
            if number:
                found.append(Identifier(kind, number, country_in(detail), label))
    return found


def _birth_date(value: object) -> str | None:
    text = cell_text(value)
    if text and (month_year := _MONTH_YEAR.match(text)):
        text = f"00/{month_year[1]}/{month_year[2]}"
    return partial_date(text)


@dataclass
class _Group:
    """The rows of one Group ID, reduced to distinct names and distinct raw field values."""

    schema: EntitySchema
    names: dict[tuple[str, str], NameKind] = field(default_factory=dict)
    values: dict[str, dict[tuple[object, ...], None]] = field(default_factory=dict)

    def add_name(self, name: str, kind: NameKind, script: str = "Latin") -> None:
        known = self.names.get((name, script))
        if known is None or _RANK[kind] < _RANK[known]:
            self.names[(name, script)] = kind

    def rows(self, key: str) -> list[tuple[object, ...]]:
        return list(self.values.get(key, {}))

    def texts(self, key: str) -> list[str]:
        return [text for (value,) in self.rows(key) for text in split_items(value)]


def _entity(group_id: str, group: _Group, legacy: bool) -> Entity:
    names = [ListedName(name, kind, script=script) for (name, script), kind in group.names.items()]
    names.sort(key=lambda listed: listed.kind != "primary")
    if names and names[0].kind != "primary":  # two 2025 groups list only name variations
        names[0] = replace(names[0], kind="primary")
    entity = Entity(group_id, group.schema, names, programs=group.texts("regime"))
    entity.positions = unique(group.texts("title") + group.texts("position"))
    entity.birth_dates = unique(_birth_date(value) for (value,) in group.rows("dob"))
    countries = [uk_country(text) for text in group.texts("nationality")]
    for town_cell, country_cell in group.rows("birth"):
        towns, births = _pieces(town_cell), _pieces(country_cell)
        if len(births) == 1 or not towns:
            births = births[:1] * len(towns) or births
        pairs = zip(towns, births, strict=True) if len(towns) == len(births) else []
        entity.birth_places += [", ".join(pair) for pair in pairs] or towns or births
        countries += [uk_country(text) for text in births]
    for cells in group.rows("address"):
        parts = [cell_text(value) for value in cells]
        if any(parts[:-1]):
            entity.addresses.append(", ".join(p for p in parts if p))
        countries.append(uk_country(parts[-1]) if parts[-1] else None)
    entity.birth_places = unique(entity.birth_places)
    entity.addresses = unique(entity.addresses)
    entity.identifiers = _documents("passport", "Passport", group.rows("passport"), legacy)
    entity.identifiers += _documents(
        "national_id", "National ID", group.rows("national_id"), legacy
    )
    genders = group.texts("gender")
    entity.gender = genders[0].capitalize() if genders else None
    entity.countries = unique(countries)
    remarks = unique(cell_text(value) for (value,) in group.rows("other"))
    entity.remarks = "\n".join(remarks)
    for text in remarks:
        _apply_other_information(entity, text)
    entity.countries = unique(entity.countries)
    entity.identifiers = list(dict.fromkeys(entity.identifiers))
    listed = [d for d in (_date(value) for (value,) in group.rows("listed")) if d]
    entity.listed_on = min(listed, default=None)
    return entity


def _date(value: object) -> dt.date | None:
    iso = partial_date(cell_text(value))
    return dt.date.fromisoformat(iso) if iso and len(iso) == 10 else None


def parse_rows(rows: Iterable[Sequence[object]], where: str = "line") -> ParsedList:
    """Parse ConList rows (line 1 ``Last Updated``, line 2 the header, then one row per name)."""
    lines = iter(rows)
    first = next(lines, None)
    if first is None or not any(cell_text(v) for v in first):
        raise ParseError(SOURCE, "file is empty")
    if cell_text(first[0]) != "Last Updated":
        raise ParseError(SOURCE, f"line 1 is not 'Last Updated,<date>': {list(first[:3])!r}")
    published_on = _date(first[1]) if len(first) > 1 else None
    header = [cell_text(v) or "" for v in next(lines, ())]
    for column in _REQUIRED:
        if column not in header:
            raise ParseError(SOURCE, f"header lacks column {column!r}")
    index = {name: i for i, name in reversed(list(enumerate(header)))}
    width = len(header)

    def slot(spellings: tuple[str, ...]) -> int:
        return next((index[s] for s in spellings if s in index), width)  # width: padding None

    names = [index.get(c, width) for c in _NAME_COLUMNS]
    group_at, type_at, alias_at = index["Group ID"], index["Group Type"], index["Alias Type"]
    quality_at, script_at = slot(("Alias Quality",)), slot(("Non-Latin Script Type",))
    non_latin_at = slot(("Name Non-Latin Script",))
    slots = {key: tuple(slot(s) for s in spellings) for key, spellings in _FIELDS.items()}

    groups: dict[str, _Group] = {}
    skipped: list[SkippedRecord] = []
    padding = (None,) * (width + 1)
    for number, raw in enumerate(lines, start=3):
        record = f"{where} {number}"
        if any(cell_text(v) for v in raw[width:]):
            skipped.append(SkippedRecord(record, f"{len(raw)} fields, the header has {width}"))
            continue
        row = (*raw[:width], *padding[len(raw[:width]) :])
        group_id = cell_text(row[group_at])
        if group_id is None:
            if any(cell_text(v) for v in row):
                skipped.append(SkippedRecord(record, "row has no Group ID"))
            continue
        group_type = cell_text(row[type_at]) or ""
        if group_type not in _SCHEMAS:
            raise ParseError(SOURCE, f"unknown Group Type {group_type!r}", group_id)
        group = groups.setdefault(group_id, _Group(_SCHEMAS[group_type]))
        if group.schema != _SCHEMAS[group_type]:
            raise ParseError(SOURCE, f"rows disagree on Group Type ({group_type!r})", group_id)
        alias_type, quality = cell_text(row[alias_at]) or "", cell_text(row[quality_at])
        if alias_type not in _ALIAS_KINDS:
            raise ParseError(SOURCE, f"unknown Alias Type {alias_type!r}", group_id)
        if quality not in _QUALITIES:
            raise ParseError(SOURCE, f"unknown Alias Quality {quality!r}", group_id)
        kind = _ALIAS_KINDS[alias_type]
        if kind == "alias" and alias_type == "AKA" and quality == "Low quality":
            kind = "weak_alias"
        if name := join_name(*(cell_text(row[i]) for i in names)):
            group.add_name(name, kind)
        if non_latin := cell_text(row[non_latin_at]):
            # the script is read from the text: the type column has typos ("Cryillic") and
            # languages ("Persian"); it is the fallback when the letters are Latin
            script = script_of(non_latin)
            if script == "Latin":
                script = cell_text(row[script_at]) or script
            group.add_name(non_latin, "alias", script)
        for key, at in slots.items():
            group.values.setdefault(key, {})[tuple(row[i] for i in at)] = None
    legacy = "Passport Number" not in index  # the 2018 layout
    entities = [_entity(group_id, group, legacy) for group_id, group in groups.items()]
    return ParsedList(SOURCE, entities, published_on=published_on, skipped=skipped)


# --- files -------------------------------------------------------------------------------------


def _xlsx_rows(raw: bytes) -> Iterator[tuple[object, ...]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ParseError(SOURCE, f"conlist.xlsx is not a readable XLSX workbook: {exc}") from exc
    try:
        sheet = book["Data"] if "Data" in book.sheetnames else book.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        book.close()


def _csv_rows(raw: bytes, name: str) -> Iterator[list[str]]:
    text = decode_text(raw, SOURCE, ("utf-8-sig", "cp1252"))
    if text.lstrip()[:1] == "<":
        raise ParseError(SOURCE, f"{name} is an HTML/XML page, not the CSV list")
    return csv.reader(io.StringIO(text, newline=""))


def parse(files: RawFiles) -> ParsedList:
    """Parse ``conlist.xlsx``, ``conlist.csv`` (2022 or 2018 layout, told apart by the header)
    or ``sanctionsconlist.csv`` (2018) into one entity per Group ID."""
    if "conlist.xlsx" in files:
        return parse_rows(_xlsx_rows(files["conlist.xlsx"]), where="row")
    for name in ("conlist.csv", "sanctionsconlist.csv"):
        if name in files:
            try:
                return parse_rows(_csv_rows(files[name], name))
            except csv.Error as exc:
                raise ParseError(SOURCE, f"{name} is not valid CSV: {exc}") from exc
    raise ParseError(
        SOURCE, f"no conlist.xlsx, conlist.csv or sanctionsconlist.csv in {sorted(files)}"
    )


SPEC = ListSpec(
    source_id=SOURCE,
    title="HM Treasury OFSI Consolidated List of Financial Sanctions Targets",
    publisher="HM Treasury, Office of Financial Sanctions Implementation (OFSI)",
    homepage="https://www.gov.uk/government/publications/financial-sanctions-consolidated-list-of-targets",
    licence="Open Government Licence v3.0",
    formats="ConList 2022 format as XLSX or CSV; pre-2022 CSV (Windows-1252)",
    live_files=(
        ListFile(
            "conlist.csv",
            "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv",
            "csv",
        ),
    ),
    min_entities=2_000,
    max_entities=10_000,
    parse=parse,
    retired_note=(
        "OFSI retired the Consolidated List on 28 Jan 2026; "
        "the FCDO UK Sanctions List (uk_fcdo) replaces it"
    ),
)
