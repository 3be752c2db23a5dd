"""UN Security Council Consolidated List.

Publisher: United Nations Security Council (sanctions committees' consolidated list).
URL: https://scsanctions.un.org/resources/xml/en/consolidated.xml (HTML view at
https://scsanctions.un.org/consolidated).
Format: XML, root ``CONSOLIDATED_LIST@dateGenerated`` holding ``INDIVIDUALS/INDIVIDUAL`` and
``ENTITIES/ENTITY``; the 2018 ``sc-sanctions.xsd`` lacks newer elements such as NOTE and STREET,
so unknown child elements are ignored and only the fields read here are checked.
Licence: UN public information; no open-data licence is stated (UN website terms of use).
"""

from __future__ import annotations

import datetime as dt

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
)
from assets.common.text import (
    clean,
    country_code,
    country_codes,
    join_name,
    join_parts,
    partial_date,
    script_of,
    to_date,
    unique,
)
from assets.common.xmlsafe import parse_xml, text_of, texts_of
from assets.sources.spec import ListFile, ListSpec

SOURCE = "un_sc"
URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"

_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
# Every QUALITY value of the 2026 file; anything else is schema drift.
_QUALITY: dict[str, NameKind] = {
    "good": "alias",
    "a.k.a.": "alias",
    "": "alias",
    "low": "weak_alias",
    "f.k.a.": "former",
}
_DOCUMENT_KINDS: dict[str, IdentifierKind] = {
    "passport": "passport",
    "numéro de passeport": "passport",
    "número de pasaporte": "passport",
    "national identification number": "national_id",
    "national identification": "national_id",
}
_DOCUMENT_KINDS_EN = frozenset({"Passport", "National Identification Number"})
_KIND_RANK = {"primary": 0, "alias": 1, "former": 2, "weak_alias": 3}


def parse(files: RawFiles) -> ParsedList:
    """Parse the UN consolidated XML into one `Entity` per INDIVIDUAL or ENTITY."""
    raw = files.get("consolidated.xml")
    if raw is None:
        raise ParseError(SOURCE, f"no consolidated.xml among the files {sorted(files)}")
    root = parse_xml(raw, SOURCE, "consolidated.xml")
    if root.tag != "CONSOLIDATED_LIST":
        raise ParseError(SOURCE, f"root element is <{root.tag}>, expected <CONSOLIDATED_LIST>")
    published = to_date((root.get("dateGenerated") or "")[:10])
    if published is None:
        found = root.get("dateGenerated")
        raise ParseError(SOURCE, f"CONSOLIDATED_LIST has no valid dateGenerated (found {found!r})")
    records: list[tuple[etree._Element, EntitySchema]] = [
        *((r, "Person") for r in root.iterfind("INDIVIDUALS/INDIVIDUAL")),
        *((r, "Organization") for r in root.iterfind("ENTITIES/ENTITY")),
    ]
    entities: dict[str, Entity] = {}
    for record, schema in records:
        entity = _entity(record, schema)
        if entity.official_id in entities:
            raise ParseError(SOURCE, "REFERENCE_NUMBER appears twice", entity.official_id)
        entities[entity.official_id] = entity
    return ParsedList(SOURCE, list(entities.values()), published_on=published)


def _entity(record: etree._Element, schema: EntitySchema) -> Entity:
    ref = text_of(record, "REFERENCE_NUMBER")
    if not ref:
        dataid = text_of(record, "DATAID") or "?"
        raise ParseError(SOURCE, f"{record.tag} has no REFERENCE_NUMBER", f"DATAID {dataid}")
    name = join_name(*(text_of(record, part) for part in _NAME_PARTS))
    if not name:
        raise ParseError(SOURCE, f"{record.tag} has no name (FIRST_NAME..FOURTH_NAME)", ref)
    names = [ListedName(name, "primary")]
    if original := clean(text_of(record, "NAME_ORIGINAL_SCRIPT")):
        names.append(ListedName(original, "alias", script=script_of(original)))
    names += _aliases(record, ref)
    addresses = record.findall(f"{record.tag}_ADDRESS")
    return Entity(
        official_id=ref,
        schema=schema,
        names=_dedupe(names),
        programs=unique(clean(v) for v in texts_of(record, "UN_LIST_TYPE")),
        countries=country_codes(
            texts_of(record, "NATIONALITY/VALUE") + [text_of(a, "COUNTRY") for a in addresses]
        ),
        birth_dates=_birth_dates(record, ref),
        birth_places=unique(
            _join(p, "STREET", "CITY", "STATE_PROVINCE", "COUNTRY")
            for p in record.iterfind("INDIVIDUAL_PLACE_OF_BIRTH")
        ),
        gender=clean(text_of(record, "GENDER")),
        positions=unique(
            clean(v)
            for v in texts_of(record, "TITLE/VALUE") + texts_of(record, "DESIGNATION/VALUE")
        ),
        identifiers=[*_documents(record), Identifier("un_reference", ref)],
        addresses=unique(
            _join(a, "STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY") for a in addresses
        ),
        remarks=clean(text_of(record, "COMMENTS1")) or "",
        listed_on=_listed_on(text_of(record, "LISTED_ON"), ref),
    )


def _aliases(record: etree._Element, ref: str) -> list[ListedName]:
    names = []
    for alias in record.iterfind(f"{record.tag}_ALIAS"):
        text = clean(text_of(alias, "ALIAS_NAME"))
        if not text:
            continue  # the file carries empty <..._ALIAS><QUALITY/><ALIAS_NAME/></..._ALIAS>
        quality = clean(text_of(alias, "QUALITY")) or ""
        kind = _QUALITY.get(quality.lower())
        if kind is None:
            raise ParseError(SOURCE, f"unknown alias QUALITY {quality!r}", ref)
        # Some aliases list spelling variants in one field ("Azim Adhajani; Azim Agha-Jani");
        # ones with brackets ("حسن غول (Hassan Ghul; Hassan Gul)") are too irregular to split.
        parts = [text] if "(" in text or ")" in text else [p.strip() for p in text.split(";")]
        for part in filter(None, parts):
            raw = text if part != text else ""
            names.append(ListedName(part, kind, raw=raw, script=script_of(part)))
    return names


def _dedupe(names: list[ListedName]) -> list[ListedName]:
    """One entry per distinct name, keeping its strongest kind and first position."""
    best: dict[str, ListedName] = {}
    for listed in names:
        seen = best.get(listed.name)
        if seen is None or _KIND_RANK[listed.kind] < _KIND_RANK[seen.kind]:
            best[listed.name] = listed
    return list(best.values())


def _birth_dates(record: etree._Element, ref: str) -> list[str]:
    dates: list[str | None] = []
    for dob in record.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        # EXACT/APPROXIMATELY give DATE or YEAR; BETWEEN gives FROM_YEAR and TO_YEAR (both kept).
        values = [text_of(dob, tag) for tag in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR")]
        given = [v for v in values if v]
        for value in given:
            iso = partial_date(value)
            if iso is None:
                raise ParseError(SOURCE, f"unreadable date of birth {value!r}", ref)
            dates.append(iso)
        if not given:  # some give the date only as a NOTE ("Nov. 1973"); others are prose
            dates.append(partial_date(text_of(dob, "NOTE")))
    return unique(dates)


def _documents(record: etree._Element) -> list[Identifier]:
    identifiers: dict[tuple[str, str, str | None], Identifier] = {}
    for doc in record.iterfind("INDIVIDUAL_DOCUMENT"):
        number = clean(text_of(doc, "NUMBER"))
        if not number:
            continue  # a few documents have only a free-text NOTE
        doc_type = clean(text_of(doc, "TYPE_OF_DOCUMENT")) or ""
        country = text_of(doc, "ISSUING_COUNTRY") or text_of(doc, "COUNTRY_OF_ISSUE")
        found = Identifier(
            kind=_DOCUMENT_KINDS.get(doc_type.lower(), "other"),
            value=number,
            country=country_code(country),
            label=clean(text_of(doc, "TYPE_OF_DOCUMENT2")) or doc_type,
        )
        # DPRK entries repeat a passport as "Numéro de passeport" and "Número de pasaporte".
        key = (found.kind, found.value, found.country)
        if key not in identifiers or doc_type in _DOCUMENT_KINDS_EN:
            identifiers[key] = found
    return list(identifiers.values())


def _listed_on(value: str | None, ref: str) -> dt.date | None:
    if not value:
        return None
    # Usually 2001-01-25; a few carry a zone offset: 2015-04-07-04:00.
    date = to_date(value[:10])
    if date is None:
        raise ParseError(SOURCE, f"unreadable LISTED_ON {value!r}", ref)
    return date


def _join(element: etree._Element, *tags: str) -> str:
    return join_parts(clean(text_of(element, tag)) for tag in tags)


SPEC = ListSpec(
    source_id=SOURCE,
    title="UN Security Council Consolidated List",
    publisher="United Nations Security Council",
    homepage="https://scsanctions.un.org/consolidated",
    licence="UN public information; no open-data licence stated (UN website terms of use)",
    formats="UN consolidated XML (CONSOLIDATED_LIST, sc-sanctions.xsd and newer elements)",
    live_files=(ListFile("consolidated.xml", URL, "xml"),),
    min_entities=700,
    max_entities=3_000,
    parse=parse,
)
