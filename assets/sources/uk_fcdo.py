"""FCDO UK Sanctions List, the only UK list since OFSI retired its Consolidated List (28 Jan 2026).

- Publisher: Foreign, Commonwealth & Development Office (FCDO).
- URL: https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml
- Format: XML, root ``Designations`` (``DateGenerated`` dd/mm/yyyy), one ``Designation`` per
  person, entity or ship, keyed by ``UniqueID`` (the UK Sanctions List reference, e.g.
  RUS0001), with ``OFSIGroupID`` linking back to the retired OFSI list.
- Licence: Crown copyright, Open Government Licence v3.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
from assets.common.text import join_name, join_parts, partial_date, script_of, to_date, unique
from assets.common.xmlsafe import local_name, parse_xml, text_of, texts_of
from assets.sources.spec import ListFile, ListSpec
from assets.sources.uk_ofsi import country_in, uk_country

SOURCE = "uk_fcdo"
FILE = "uk_sanctions_list.xml"

_SCHEMAS: dict[str, EntitySchema] = {
    "Individual": "Person",
    "Entity": "Organization",
    "Ship": "Vessel",
}
_NAME_KINDS: dict[str, NameKind] = {
    "Primary Name": "primary",
    "Primary Name Variation": "alias",
    "Alias": "alias",
}
_STRENGTHS = {None, "Good quality a.k.a", "Low quality a.k.a"}
_RANK: dict[NameKind, int] = {"primary": 0, "alias": 1, "former": 2, "weak_alias": 3}
_PERSON = "IndividualDetails/Individual/"


def _names(designation: etree._Element, uid: str) -> list[ListedName]:
    """Names/Name and NonLatinNames/NonLatinName, de-duplicated, primary names first."""
    best: dict[tuple[str, str], NameKind] = {}

    def add(name: str, kind: NameKind, script: str = "Latin") -> None:
        known = best.get((name, script))
        if known is None or _RANK[kind] < _RANK[known]:
            best[(name, script)] = kind

    for element in designation.iterfind("Names/Name"):
        name_type, strength = text_of(element, "NameType"), text_of(element, "AliasStrength")
        if name_type not in _NAME_KINDS:
            raise ParseError(SOURCE, f"unknown NameType {name_type!r}", uid)
        if strength not in _STRENGTHS:
            raise ParseError(SOURCE, f"unknown AliasStrength {strength!r}", uid)
        kind = _NAME_KINDS[name_type]
        if name_type == "Alias" and strength == "Low quality a.k.a":
            kind = "weak_alias"
        if name := join_name(*(text_of(element, f"Name{i}") for i in range(1, 7))):
            add(name, kind)
    for element in designation.iterfind("NonLatinNames/NonLatinName"):
        if text := text_of(element, "NameNonLatinScript"):
            script = script_of(text)
            if script == "Latin":
                script = text_of(element, "NonLatinScriptType") or script
            add(text, "alias", script)
    names = [ListedName(name, kind, script=script) for (name, script), kind in best.items()]
    if not names:
        raise ParseError(SOURCE, "designation has no names", uid)
    names.sort(key=lambda listed: listed.kind != "primary")
    if names[0].kind != "primary":
        names[0] = ListedName(names[0].name, "primary", script=names[0].script)
    return names


def _joined(element: etree._Element, tags: Iterable[str]) -> str:
    return join_parts(text_of(element, tag) for tag in tags)


def _documents(
    designation: etree._Element, path: str, number: str, info: str, kind: IdentifierKind
) -> list[Identifier]:
    label = "Passport" if kind == "passport" else "National ID"
    return [
        Identifier(kind, value, country_in(text_of(element, info)), label)
        for element in designation.iterfind(path)
        if (value := text_of(element, number))
    ]


def _identifiers(designation: etree._Element) -> list[Identifier]:
    found = [
        Identifier("other", value, label="OFSI Group ID")
        for value in texts_of(designation, "OFSIGroupID")
    ]
    found += [Identifier("un_reference", v) for v in texts_of(designation, "UNReferenceNumber")]
    found += _documents(
        designation, f"{_PERSON}PassportDetails/Passport", "PassportNumber",
        "PassportAdditionalInformation", "passport",
    )  # fmt: skip
    found += _documents(
        designation, f"{_PERSON}NationalIdentifierDetails/NationalIdentifier",
        "NationalIdentifierNumber", "NationalIdentifierAdditionalInformation", "national_id",
    )  # fmt: skip
    simple: tuple[tuple[IdentifierKind, str], ...] = (
        ("phone", "PhoneNumbers/PhoneNumber"),
        ("email", "EmailAddresses/EmailAddress"),
        ("website", "Websites/Website"),
        (
            "registration",
            "EntityDetails/Entity/BusinessRegistrationNumbers/BusinessRegistrationNumber",
        ),
    )
    for kind, path in simple:
        found += [Identifier(kind, value) for value in texts_of(designation, path)]
    for imo in texts_of(designation, "ShipDetails/Ship/IMONumbers/IMONumber"):
        found.append(Identifier("imo", re.sub(r"^IMO\s*", "", imo, flags=re.IGNORECASE)))
    return list(dict.fromkeys(found))


def _entity(designation: etree._Element, position: int) -> Entity:
    uid = text_of(designation, "UniqueID")
    if uid is None:
        raise ParseError(SOURCE, f"Designation number {position} has no UniqueID")
    category = text_of(designation, "IndividualEntityShip")
    if category not in _SCHEMAS:
        raise ParseError(SOURCE, f"unknown IndividualEntityShip {category!r}", uid)
    entity = Entity(uid, _SCHEMAS[category], _names(designation, uid))
    entity.programs = texts_of(designation, "RegimeName")
    entity.listed_on = to_date(text_of(designation, "DateDesignated"))
    entity.positions = unique(
        texts_of(designation, "Titles/Title")
        + texts_of(designation, f"{_PERSON}Positions/Position")
    )
    entity.birth_dates = unique(
        partial_date(v) for v in texts_of(designation, f"{_PERSON}DOBs/DOB")
    )
    genders = texts_of(designation, f"{_PERSON}Genders/Gender")
    entity.gender = genders[0].capitalize() if genders else None
    births = list(designation.iterfind(f"{_PERSON}BirthDetails/Location"))
    entity.birth_places = unique(_joined(b, ("TownOfBirth", "CountryOfBirth")) for b in births)
    address_tags = [f"AddressLine{i}" for i in range(1, 7)] + ["AddressPostalCode"]
    addresses = list(designation.iterfind("Addresses/Address"))
    entity.addresses = unique(
        _joined(a, [*address_tags, "AddressCountry"]) for a in addresses if _joined(a, address_tags)
    )
    countries = texts_of(designation, f"{_PERSON}Nationalities/Nationality")
    countries += [text for b in births if (text := text_of(b, "CountryOfBirth"))]
    countries += [text for a in addresses if (text := text_of(a, "AddressCountry"))]
    countries += texts_of(
        designation, "ShipDetails/Ship/CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip"
    )
    entity.countries = unique(uk_country(text) for text in countries)
    entity.identifiers = _identifiers(designation)
    entity.remarks = "\n".join(
        unique(text_of(designation, tag) for tag in ("OtherInformation", "UKStatementofReasons"))
    )
    return entity


def parse(files: RawFiles) -> ParsedList:
    """Parse ``uk_sanctions_list.xml`` into one entity per Designation."""
    if FILE not in files:
        raise ParseError(SOURCE, f"{FILE} not among the files {sorted(files)}")
    root = parse_xml(files[FILE], SOURCE, FILE)
    if local_name(root) != "Designations":
        raise ParseError(SOURCE, f"root element is {local_name(root)!r}, not 'Designations'")
    entities = [_entity(d, i) for i, d in enumerate(root.iterfind("Designation"), start=1)]
    return ParsedList(SOURCE, entities, published_on=to_date(text_of(root, "DateGenerated")))


SPEC = ListSpec(
    source_id=SOURCE,
    title="UK Sanctions List",
    publisher="Foreign, Commonwealth & Development Office (FCDO)",
    homepage="https://www.gov.uk/government/publications/the-uk-sanctions-list",
    licence="Open Government Licence v3.0",
    formats="UK Sanctions List XML (root Designations)",
    live_files=(
        ListFile(
            "uk_sanctions_list.xml",
            "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
            "xml",
        ),
    ),
    min_entities=3_000,
    max_entities=15_000,
    parse=parse,
)
