"""Parsing shared by the two OFAC lists (SDN and Consolidated non-SDN).

OFAC publishes both lists in the same two classic formats, and this module reads both:

* the legacy CSV set: a main file (``sdn.csv`` / ``cons_prim.csv``, 12 columns) with addresses
  (6 columns), alternate names (5 columns) and the overflow of the 1,000-character Remarks field
  (2 columns) beside it. None has a header; ``-0-`` is the null marker; each file ends with a DOS
  EOF byte (0x1A) on its own line. Dates of birth, nationalities, ids and the *weak* aliases
  exist only as ``;``-separated facts inside Remarks, so that field is parsed here.
* the classic XML (``sdnList``; ``sdn.xml`` / ``consolidated.xml``), whose namespace has changed
  over the years and is therefore matched with ``{*}`` wildcards.

Both give the same `ParsedList`: ``official_id`` is the OFAC ent_num / uid. The list modules
(`assets.sources.ofac_sdn`, `assets.sources.ofac_cons`) only name their files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

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
from assets.common.text import (
    clean,
    country_code,
    join_name,
    natural_order,
    partial_dates,
    to_date,
    unique,
)
from assets.common.xmlsafe import decode_text, local_name, parse_xml, text_of

__all__ = [
    "CONS_CSV",
    "SDN_CSV",
    "CsvSet",
    "make_identifier",
    "parse_csv_set",
    "parse_publication",
    "parse_remarks",
    "parse_xml_list",
]


@dataclass(frozen=True)
class CsvSet:
    """The lower-case file names of one legacy CSV set."""

    main: str
    addresses: str
    aliases: str
    comments: str

    def describe(self) -> str:
        """``"sdn.csv (+add/alt/sdn_comments)"``, for error messages."""
        extra = "/".join(
            n.removesuffix(".csv") for n in (self.addresses, self.aliases, self.comments)
        )
        return f"{self.main} (+{extra})"


SDN_CSV = CsvSet("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv")
CONS_CSV = CsvSet("cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv")

# Column counts of the legacy files.
_MAIN_WIDTH, _ADD_WIDTH, _ALT_WIDTH, _COMMENTS_WIDTH = 12, 6, 5, 2

# SDN_Type in the CSV (`-0-`, i.e. null, is an entity) and sdnType in the XML.
_CSV_TYPES: dict[str | None, EntitySchema] = {
    "individual": "Person",
    "vessel": "Vessel",
    "aircraft": "Aircraft",
    None: "Organization",
}
_XML_TYPES: dict[str, EntitySchema] = {
    "Individual": "Person",
    "Entity": "Organization",
    "Vessel": "Vessel",
    "Aircraft": "Aircraft",
}
_ALT_TYPES: dict[str, NameKind] = {"aka": "alias", "fka": "former", "nka": "alias"}
# XML akaList/aka: (type, category) -> kind; a weak a.k.a. matches only exactly downstream.
_AKA_KINDS: dict[tuple[str, str], NameKind] = {
    ("a.k.a.", "strong"): "alias",
    ("n.k.a.", "strong"): "alias",
    ("f.k.a.", "strong"): "former",
    ("a.k.a.", "weak"): "weak_alias",
    ("n.k.a.", "weak"): "weak_alias",
    ("f.k.a.", "weak"): "weak_alias",
}
# Aliases quoted in CSV Remarks are the XML's weak ones (strong ones are in alt.csv).
_REMARK_ALIAS_KINDS: dict[str, NameKind] = {"a": "weak_alias", "n": "weak_alias", "f": "former"}

# --- identifiers -------------------------------------------------------------------------------

# OFAC's identifier labels (XML idType; the same words open the fact in CSV Remarks) -> kind.
_ID_LABELS: dict[str, IdentifierKind] = {
    "Passport": "passport",
    "Diplomatic Passport": "passport",
    "National ID No.": "national_id",
    "Personal ID Card": "national_id",
    "Cedula No.": "national_id",
    "C.U.R.P.": "national_id",
    "C.U.R.P. #": "national_id",
    "D.N.I.": "national_id",
    "Turkish Identification Number": "national_id",
    "Kenyan ID No.": "national_id",
    "Citizen's Card Number": "national_id",
    "National Foreign ID Number": "national_id",
    "Numero de Identidad": "national_id",
    "SSN": "national_id",
    "Tax ID No.": "tax_id",
    "R.F.C.": "tax_id",
    "R.F.C. #": "tax_id",
    "RFC": "tax_id",
    "NIT #": "tax_id",
    "RUC #": "tax_id",
    "RIF #": "tax_id",
    "V.A.T. Number": "tax_id",
    "US FEIN": "tax_id",
    "C.U.I.T.": "tax_id",
    "Italian Fiscal Code": "tax_id",
    "Registration ID": "registration",
    "Registration Number": "registration",
    "Business Registration Number": "registration",
    "Business Registration Document #": "registration",
    "Public Registration Number": "registration",
    "Unified Social Credit Code (USCC)": "registration",
    "United Social Credit Code Certificate (USCCC)": "registration",
    "Legal Entity Number": "registration",
    "Company Number": "registration",
    "UK Company Number": "registration",
    "Commercial Registry Number": "registration",
    "Government Gazette Number": "registration",
    "Chamber of Commerce Number": "registration",
    "Istanbul Chamber of Comm. No.": "registration",
    "Dubai Chamber of Commerce Membership No.": "registration",
    "Folio Mercantil No.": "registration",
    "Matricula Mercantil No": "registration",
    "C.R. No.": "registration",
    "Trade License No.": "registration",
    "Certificate of Incorporation Number": "registration",
    "Business Number": "registration",
    "Enterprise Number": "registration",
    "Economic Register Number (CBLS)": "registration",
    "Central Registration System Number": "registration",
    "Registered Charity No.": "registration",
    "D-U-N-S Number": "registration",
    "Aircraft Tail Number": "registration",
    "SWIFT/BIC": "swift_bic",
    "Website": "website",
    "Email Address": "email",
    "Email": "email",
    "Phone Number": "phone",
    "Vessel Registration Identification": "imo",
    "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_serial",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "aircraft_serial",
    "Other Vessel Call Sign": "call_sign",
    "UN Ref": "un_reference",
    # kept under their own label
    "Identification Number": "other",
    "MMSI": "other",
    "ISIN": "other",
    "Equity Ticker": "other",
    "BIK (RU)": "other",
    "License": "other",
    "Driver's License No.": "other",
    "Birth Certificate Number": "other",
    "Electoral Registry No.": "other",
    "Credencial electoral": "other",
    "I.F.E.": "other",
    "C.U.I.": "other",
    "C.U.I.P.": "other",
    "Residency Number": "other",
    "Travel Document Number": "other",
    "Cartilla de Servicio Militar Nacional": "other",
    "Branch Unit Number": "other",
    "LE Number": "other",
    "RTN": "other",
    "VisaNumberID": "other",
}
_CRYPTO = "Digital Currency Address - "
# XML idTypes that are program notes, not identifiers: kept as remarks.
_NOTE_PREFIXES = (
    "Secondary sanctions risk",
    "Transactions Prohibited",
    "Executive Order",
    "CAATSA",
    "Additional Sanctions Information",
    "Target Type",
    "Listing Date",
    "Effective Date",
    "Purchase/Sales For Divestment Date",
    "Issuer Name",
    "Organization",
    "Aircraft Model",
    "Aircraft Operator",
    "Aircraft Manufacture Date",
    "Vessel Year of Build",
    "Other Vessel Type",
    "Other Vessel Flag",
    "Former Vessel Flag",
    "IFCA",
    "PEESA",
)
_COUNTRY_LABELS = frozenset(
    {"Nationality of Registration", "Nationality Country", "Citizenship Country"}
)

_IMO_VALUE = re.compile(r"^IMO\s*(\d{7})$")
_ID_TAIL = re.compile(
    r"^(?P<value>.+?)(?:\s*\((?P<country>[^()]+)\))?(?:\s+(?:issued|expires)\b.*)?$",
    re.IGNORECASE,
)


def make_identifier(label: str, value: str, country: str | None = None) -> Identifier:
    """One identifier from OFAC's own label (``"Tax ID No."``), its value and the issuing
    country's ISO code. ``IMO 1234567`` values become kind ``imo`` with the bare number, whatever
    the label (vessels, and the IMO company numbers of ship managers)."""
    if m := _IMO_VALUE.match(value):
        return Identifier("imo", m[1], country, label)
    if label.startswith(_CRYPTO):
        return Identifier("crypto_address", value, country, label)
    return Identifier(_ID_LABELS.get(label, "other"), value, country, label)


def _is_note(label: str) -> bool:
    return label.endswith((":", "-")) or label.startswith(_NOTE_PREFIXES)


# --- Remarks facts -----------------------------------------------------------------------------

_ALT = r"(?:alt\.\s+)?"
_FACT = re.compile(
    rf"^{_ALT}(?P<key>DOB|POB|nationality|citizen|Nationality of Registration|Gender|Title)"
    r"\s+(?P<value>.+)$"
)
_REMARK_ALIAS = re.compile(rf"^{_ALT}(?P<type>[afn])\.k\.a\.,?\s+'(?P<name>.+)'$")
_ID_FACT = re.compile(
    rf"^{_ALT}(?P<label>"
    + "|".join(re.escape(label) for label in sorted(_ID_LABELS, key=len, reverse=True))
    + rf"|{re.escape(_CRYPTO)}[A-Za-z0-9]+)\s+(?P<value>.+)$"
)
_CIRCA = re.compile(r"\b(?:circa|approximately|approx\.)\s*", re.IGNORECASE)


def _birth_dates(text: str) -> list[str]:
    return partial_dates(_CIRCA.sub("", text))


def _split_country(rest: str) -> tuple[str, str | None]:
    """``"A123 (Iran) issued 2010"`` -> ``("A123", "IR")``; text in parentheses that is not a
    country stays in the value."""
    m = _ID_TAIL.match(rest)
    if m is None:  # pragma: no cover - the pattern matches any non-empty text
        return rest, None
    value, paren = m["value"].strip(), m["country"]
    if paren is None:
        return value, None
    code = country_code(paren)
    return (value, code) if code else (f"{value} ({paren})", None)


def parse_remarks(entity: Entity, remarks: str) -> None:
    """Add the facts of an OFAC Remarks text to `entity`: birth dates and places, nationality and
    citizenship countries, gender, titles, identifiers, and the weak (``a.k.a. '...'``) and former
    (``f.k.a. '...'``) names. Facts it does not know stay only in the remarks text."""
    person = entity.schema == "Person"
    for piece in remarks.split(";"):
        fact = piece.strip().rstrip(".").strip()
        if not fact:
            continue
        if m := _REMARK_ALIAS.match(fact):
            name = m["name"]
            if len(name) > 2 and name[0] == name[-1] == "'":  # a.k.a. ''FUPI''
                name = name[1:-1]
            entity.names.append(_listed(name, _REMARK_ALIAS_KINDS[m["type"]], person))
        elif m := _FACT.match(fact):
            key, value = m["key"], m["value"].strip()
            if key == "DOB":
                entity.birth_dates.extend(_birth_dates(value))
            elif key == "POB":
                entity.birth_places.append(value)
            elif key == "Gender":
                entity.gender = value.capitalize()
            elif key == "Title":
                entity.positions.append(value)
            elif code := country_code(value):
                entity.countries.append(code)
        elif m := _ID_FACT.match(fact):
            value, country = _split_country(m["value"])
            entity.identifiers.append(make_identifier(m["label"], value, country))


# --- names -------------------------------------------------------------------------------------


def _listed(raw: str, kind: NameKind, person: bool) -> ListedName:
    """A name as listed; individuals' ``LAST, First`` is turned into natural order."""
    raw = _field(raw) or raw.strip()
    name = natural_order(raw) if person else raw
    return ListedName(name=name, kind=kind, raw=raw if raw != name else "")


def _parts_name(last: str, first: str | None, kind: NameKind, person: bool) -> ListedName:
    """A name from the XML's lastName/firstName; `raw` keeps OFAC's ``LAST, First`` spelling."""
    if first:
        return ListedName(name=join_name(first, last), kind=kind, raw=f"{last}, {first}")
    return _listed(last, kind, person)


def _programs(value: str | None) -> list[str]:
    """``"SDGT] [IRAN"`` -> ``["SDGT", "IRAN"]``."""
    if value is None:
        return []
    return unique(_field(p.strip("[] ")) for p in re.split(r"\]\s*\[", value))


def _address(*parts: str | None) -> str:
    """Address parts joined with ``", "``, null parts skipped."""
    return ", ".join(p for p in (_field(part) for part in parts if part) if p)


def _finish(entity: Entity) -> Entity:
    """Drop duplicate names, identifiers and list values, keeping first-seen order."""
    entity.names = list(dict.fromkeys(entity.names))
    entity.identifiers = list(dict.fromkeys(entity.identifiers))
    entity.countries = unique(entity.countries)
    entity.birth_dates = unique(entity.birth_dates)
    entity.birth_places = unique(entity.birth_places)
    entity.positions = unique(entity.positions)
    entity.addresses = unique(entity.addresses)
    return entity


# --- legacy CSV --------------------------------------------------------------------------------


def _field(value: str) -> str | None:
    """A CSV field: None for OFAC's ``-0-`` null and empties, else the text with whitespace
    collapsed (a fast path of `clean`, which is too slow for every field of 50,000 rows)."""
    value = value.strip()
    if not value or value == "-0-":
        return None
    if "  " in value or "\t" in value or "\n" in value or "\r" in value:
        return clean(value)
    return value


def _decode(source: str, name: str, raw: bytes) -> str:
    try:
        return decode_text(raw, source, ("utf-8-sig",))
    except ParseError as exc:
        raise ParseError(source, f"{name}: {exc.problem}; OFAC files are ASCII/UTF-8") from exc


def _rows(source: str, files: RawFiles, name: str, width: int) -> Iterator[tuple[int, list[str]]]:
    """(line number, row) of one headerless OFAC CSV, skipping blank lines and the final DOS EOF
    (0x1A) line. A first row of the wrong width is schema drift; a later one is a bad record. A
    file that is not there yields nothing."""
    raw = files.get(name)
    if raw is None:
        return
    reader = csv.reader(io.StringIO(_decode(source, name, raw)))
    first = True
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip("\x1a \t")):
                continue
            if len(row) != width:
                problem = f"{name}: expected {width} columns, found {len(row)}"
                if first:
                    raise ParseError(source, problem)
                record = _field(row[0]) or f"{name} line {reader.line_num}"
                raise ParseError(source, f"{problem} (line {reader.line_num})", record)
            first = False
            yield reader.line_num, row
    except csv.Error as exc:
        raise ParseError(source, f"{name} line {reader.line_num}: unreadable CSV: {exc}") from exc


def _ent_num(source: str, name: str, line: int, value: str) -> str:
    ent_num = _field(value)
    if ent_num is None:
        raise ParseError(source, f"{name} line {line}: missing ent_num")
    if not ent_num.isdigit():
        raise ParseError(source, f"{name} line {line}: ent_num '{ent_num}' is not a number")
    return ent_num


def _comments(source: str, files: RawFiles, names: CsvSet) -> dict[str, str]:
    """ent_num -> the Remarks overflow, rows of one ent_num joined in file order."""
    overflow: dict[str, str] = {}
    for line, row in _rows(source, files, names.comments, _COMMENTS_WIDTH):
        ent_num = _ent_num(source, names.comments, line, row[0])
        if row[1].strip() != "-0-":
            overflow[ent_num] = overflow.get(ent_num, "") + row[1]
    return overflow


def _csv_entity(source: str, name: str, line: int, row: list[str], overflow: str) -> Entity:
    ent_num = _ent_num(source, name, line, row[0])
    sdn_type = _field(row[2])
    schema = _CSV_TYPES.get(sdn_type.lower() if sdn_type else None)
    if schema is None:
        raise ParseError(source, f"unknown SDN type '{sdn_type}'", ent_num)
    listed = _field(row[1])
    if listed is None:
        raise ParseError(source, f"{name} line {line}: missing primary name (SDN_Name)", ent_num)
    remarks_text = row[11] if row[11].strip() != "-0-" else ""
    remarks = clean(remarks_text + overflow) or ""
    entity = Entity(
        official_id=ent_num,
        schema=schema,
        names=[_listed(listed, "primary", schema == "Person")],
        programs=_programs(_field(row[3])),
        positions=unique(t.strip() for t in (_field(row[4]) or "").split(";")),
        countries=[code] if (code := country_code(row[9])) else [],
        remarks=remarks,
    )
    if call_sign := _field(row[5]):
        entity.identifiers.append(Identifier("call_sign", call_sign, label="Call Sign"))
    parse_remarks(entity, remarks)
    return entity


def _side_rows(
    source: str,
    files: RawFiles,
    name: str,
    width: int,
    entities: dict[str, Entity],
    skipped: list[SkippedRecord],
) -> Iterator[tuple[Entity, list[str]]]:
    """(entity, row) of an add/alt file; a row for an ent_num the main file lacks is skipped and
    counted."""
    for line, row in _rows(source, files, name, width):
        ent_num = _ent_num(source, name, line, row[0])
        if (entity := entities.get(ent_num)) is None:
            skipped.append(SkippedRecord(ent_num, f"{name}: row {_field(row[1])}: unknown ent_num"))
            continue
        yield entity, row


def parse_csv_set(source: str, files: RawFiles, names: CsvSet) -> ParsedList:
    """Parse OFAC's legacy CSV set: the main file is required, the address, alias and comments
    files are optional. Rows of the side files for an ent_num the main file lacks are skipped
    and counted. ``published_on`` is None: the CSV set carries no date."""
    raw = files.get(names.main)
    if raw is None or not raw.strip(b"\x1a \t\r\n"):
        raise ParseError(source, f"{names.main} is missing or empty")
    overflow = _comments(source, files, names)
    entities: dict[str, Entity] = {}
    for line, row in _rows(source, files, names.main, _MAIN_WIDTH):
        entity = _csv_entity(source, names.main, line, row, overflow.pop(_field(row[0]) or "", ""))
        if entity.official_id in entities:
            raise ParseError(source, f"{names.main}: duplicate ent_num", entity.official_id)
        entities[entity.official_id] = entity
    if not entities:
        raise ParseError(source, f"{names.main} holds no records")
    skipped = [
        SkippedRecord(ent_num, f"{names.comments}: ent_num not in {names.main}")
        for ent_num in overflow
    ]
    for entity, row in _side_rows(source, files, names.addresses, _ADD_WIDTH, entities, skipped):
        if address := _address(row[2], row[3], row[4]):
            entity.addresses.append(address)
        entity.countries.append(country_code(row[4]) or "")
    for entity, row in _side_rows(source, files, names.aliases, _ALT_WIDTH, entities, skipped):
        alt_type = row[2].strip()
        if (kind := _ALT_TYPES.get(alt_type.lower())) is None:
            problem = f"{names.aliases}: unknown alt_type '{alt_type}'"
            raise ParseError(source, problem, entity.official_id)
        if alt_name := _field(row[3]):
            entity.names.append(_listed(alt_name, kind, entity.schema == "Person"))
    return ParsedList(
        source=source,
        entities=[_finish(e) for e in entities.values()],
        published_on=None,
        skipped=skipped,
    )


# --- classic XML -------------------------------------------------------------------------------


def _text(element: etree._Element, path: str) -> str | None:
    return clean(text_of(element, path))


def _texts(element: etree._Element, path: str) -> list[str]:
    return unique(clean(found.text) for found in element.iterfind(path))


def _xml_ids(entity: Entity, entry: etree._Element) -> list[str]:
    """Add the identifiers of `entry`'s idList to `entity` (and its gender and registration
    country, which OFAC files there too); return the program notes, which are not identifiers."""
    notes: list[str] = []
    for id_item in entry.iterfind("{*}idList/{*}id"):
        label, number = _text(id_item, "{*}idType"), _text(id_item, "{*}idNumber")
        if label is None or number is None:
            continue
        if label == "Gender":
            entity.gender = number.capitalize()
        elif label in _COUNTRY_LABELS:
            entity.countries.append(country_code(number) or "")
        elif _is_note(label):
            notes.append(f"{label} {number}")
        else:
            country = country_code(_text(id_item, "{*}idCountry"))
            if country is None:  # some give the country in the number: "33556474 (Russia)"
                number, country = _split_country(number)
            entity.identifiers.append(make_identifier(label, number, country))
    return notes


def _xml_entity(source: str, entry: etree._Element, name: str) -> Entity:
    uid = _text(entry, "{*}uid")
    if uid is None:
        raise ParseError(source, f"{name}: sdnEntry without uid")
    sdn_type = _text(entry, "{*}sdnType")
    schema = _XML_TYPES.get(sdn_type or "")
    if schema is None:
        raise ParseError(source, f"unknown SDN type '{sdn_type}'", uid)
    person = schema == "Person"
    last = _text(entry, "{*}lastName")
    if last is None:
        raise ParseError(source, f"{name}: missing primary name (lastName)", uid)
    entity = Entity(
        official_id=uid,
        schema=schema,
        names=[_parts_name(last, _text(entry, "{*}firstName"), "primary", person)],
        programs=_texts(entry, "{*}programList/{*}program"),
        positions=_texts(entry, "{*}title"),
    )
    for aka in entry.iterfind("{*}akaList/{*}aka"):
        key = (_text(aka, "{*}type") or "", _text(aka, "{*}category") or "")
        if (kind := _AKA_KINDS.get(key)) is None:
            raise ParseError(source, f"unknown aka type/category '{key[0]}'/'{key[1]}'", uid)
        if aka_last := _text(aka, "{*}lastName"):
            entity.names.append(_parts_name(aka_last, _text(aka, "{*}firstName"), kind, person))

    notes = _xml_ids(entity, entry)
    for dob in _texts(entry, "{*}dateOfBirthList/{*}dateOfBirthItem/{*}dateOfBirth"):
        entity.birth_dates.extend(_birth_dates(dob))
    entity.birth_places = _texts(entry, "{*}placeOfBirthList/{*}placeOfBirthItem/{*}placeOfBirth")
    for path in ("{*}nationalityList/{*}nationality", "{*}citizenshipList/{*}citizenship"):
        entity.countries.extend(
            country_code(c) or "" for c in _texts(entry, f"{path}/{{*}}country")
        )
    if (vessel := entry.find("{*}vesselInfo")) is not None:
        if call_sign := _text(vessel, "{*}callSign"):
            entity.identifiers.append(Identifier("call_sign", call_sign, label="Call Sign"))
        entity.countries.append(country_code(_text(vessel, "{*}vesselFlag")) or "")
    for item in entry.iterfind("{*}addressList/{*}address"):
        # composed as add.csv composes it: street lines, "City, State Postal", country
        street = (_text(item, f"{{*}}{tag}") for tag in ("address1", "address2", "address3"))
        city = _address(_text(item, "{*}city"), _text(item, "{*}stateOrProvince"))
        country = _text(item, "{*}country")
        place = join_name(city, _text(item, "{*}postalCode"))
        if address := _address(*street, place, country):
            entity.addresses.append(address)
        entity.countries.append(country_code(country) or "")

    entity.remarks = "; ".join(p for p in (_text(entry, "{*}remarks"), *notes) if p)
    return _finish(entity)


def parse_xml_list(source: str, raw: bytes, name: str) -> ParsedList:
    """Parse OFAC's classic XML (``sdnList``, any namespace). ``published_on`` is
    ``publshInformation/Publish_Date`` (MM/DD/YYYY)."""
    root = parse_xml(raw, source, name)
    if local_name(root) != "sdnList":
        raise ParseError(source, f"{name}: root element is <{local_name(root)}>, not <sdnList>")
    published_on: dt.date | None = None
    if published := _text(root, "{*}publshInformation/{*}Publish_Date"):
        published_on = to_date(published, day_first=False)
        if published_on is None:
            raise ParseError(source, f"{name}: unreadable Publish_Date '{published}'")
    entities: dict[str, Entity] = {}
    for entry in root.iterfind("{*}sdnEntry"):
        entity = _xml_entity(source, entry, name)
        if entity.official_id in entities:
            raise ParseError(source, f"{name}: duplicate uid", entity.official_id)
        entities[entity.official_id] = entity
    if not entities:
        raise ParseError(source, f"{name} holds no sdnEntry")
    return ParsedList(source=source, entities=list(entities.values()), published_on=published_on)


def parse_publication(source: str, files: RawFiles, csv_set: CsvSet, xml_name: str) -> ParsedList:
    """Parse whichever official format `files` holds: the classic XML when present, else the
    legacy CSV set."""
    if xml_name in files:
        return parse_xml_list(source, files[xml_name], xml_name)
    if csv_set.main in files:
        return parse_csv_set(source, files, csv_set)
    expected = f"expected {csv_set.describe()} or {xml_name}"
    raise ParseError(source, f"no recognised file; {expected}")
