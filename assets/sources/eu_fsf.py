"""EU Financial Sanctions Files (FSF): the consolidated list of persons, groups and entities
subject to EU financial sanctions.

Publisher: European Commission, DG FISMA.
URL: https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw
(the token is public and static).
Format: FSF XML v1.1, root ``export@generationDate`` in the namespace
http://eu.europa.ec/fpi/fsd/export, one ``sanctionEntity`` per listing.
Licence: Commission reuse decision 2011/833/EU: reuse allowed with attribution.
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
    join_name,
    join_parts,
    partial_date,
    script_of,
    to_date,
    unique,
)
from assets.common.xmlsafe import local_name, parse_xml, texts_of
from assets.sources.spec import ListFile, ListSpec

SOURCE = "eu_fsf"
URL = (
    "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
    "?token=dG9rZW4tMjAxNw"
)

# (subjectType@code, @classificationCode) -> schema. The EU has no vessel type.
_SCHEMAS: dict[tuple[str, str], EntitySchema] = {
    ("person", "P"): "Person",
    ("enterprise", "E"): "Organization",
}
_ID_KINDS: dict[str, IdentifierKind] = {
    "passport": "passport",
    "id": "national_id",
    "regnumber": "registration",
    "tin": "tax_id",
    "taxid": "tax_id",
    "fiscalcode": "tax_id",
    "swiftbic": "swift_bic",
    "imo": "imo",
}
_CONTACT_KINDS: dict[str, IdentifierKind] = {"WEB": "website", "EMAIL": "email", "PHONE": "phone"}
_GENDERS = {"M": "Male", "F": "Female"}
_KIND_RANK = {"primary": 0, "alias": 1, "former": 2, "weak_alias": 3}


def parse(files: RawFiles) -> ParsedList:
    """Parse the FSF XML v1.1 into one `Entity` per sanctionEntity."""
    raw = files.get("eu_fsf.xml")
    if raw is None:
        raise ParseError(SOURCE, f"no eu_fsf.xml among the files {sorted(files)}")
    root = parse_xml(raw, SOURCE, "eu_fsf.xml")
    if local_name(root) != "export":
        raise ParseError(SOURCE, f"root element is <{local_name(root)}>, expected <export>")
    published = to_date(root.get("generationDate"))
    if published is None:
        found = root.get("generationDate")
        raise ParseError(SOURCE, f"export has no valid generationDate (found {found!r})")
    entities: dict[str, Entity] = {}
    for node in root.iterfind("{*}sanctionEntity"):
        entity = _entity(node)
        if entity.official_id in entities:
            raise ParseError(SOURCE, "logicalId appears twice", entity.official_id)
        entities[entity.official_id] = entity
    return ParsedList(SOURCE, list(entities.values()), published_on=published)


def _entity(node: etree._Element) -> Entity:
    logical_id = _attr(node, "logicalId")
    if not logical_id:
        ref = node.get("euReferenceNumber")
        raise ParseError(SOURCE, f"sanctionEntity without logicalId (euReferenceNumber {ref!r})")
    subject = node.find("{*}subjectType")
    code = (
        ("", "")
        if subject is None
        else (subject.get("code", ""), subject.get("classificationCode", ""))
    )
    schema = _SCHEMAS.get(code)
    if schema is None:
        raise ParseError(
            SOURCE, f"unknown subjectType (code, classificationCode) {code}", logical_id
        )
    aliases = node.findall("{*}nameAlias")
    names = _names(aliases)
    if not names:
        raise ParseError(SOURCE, "no nameAlias with a name", logical_id)
    addresses = node.findall("{*}address")
    identifiers = [
        _identification(i, number)
        for i in node.iterfind("{*}identification")
        if (number := _attr(i, "number") or _attr(i, "latinNumber"))
    ]
    identifiers += [
        Identifier(_CONTACT_KINDS[key], value)
        for address in addresses
        for info in address.iterfind("{*}contactInfo")
        if (key := (info.get("key") or "").upper()) in _CONTACT_KINDS
        for value in (clean(v) for v in (info.get("value") or "").split(";"))
        if value
    ]
    if eu_ref := _attr(node, "euReferenceNumber"):
        identifiers.append(Identifier("other", eu_ref, label="EU reference number"))
    if un_ref := _attr(node, "unitedNationId"):
        identifiers.append(Identifier("un_reference", un_ref))
    return Entity(
        official_id=logical_id,
        schema=schema,
        names=names,
        programs=unique(_attr(r, "programme") for r in node.iterfind("{*}regulation")),
        countries=unique(_country(c) for c in [*node.iterfind("{*}citizenship"), *addresses]),
        birth_dates=unique(
            iso for b in node.iterfind("{*}birthdate") for iso in _birth_dates(b, logical_id)
        ),
        birth_places=unique(
            _join(b, "city", "place", "region", "countryDescription")
            for b in node.iterfind("{*}birthdate")
        ),
        gender=next((_GENDERS[g] for a in aliases if (g := a.get("gender")) in _GENDERS), None),
        positions=unique(_attr(a, key) for a in aliases for key in ("title", "function")),
        identifiers=list(dict.fromkeys(identifiers)),
        addresses=unique(
            _join(a, "street", "poBox", "city", "zipCode", "region", "place", "countryDescription")
            for a in addresses
        ),
        remarks="; ".join(unique(clean(t) for t in texts_of(node, "{*}remark"))),
        listed_on=_date(node, "designationDate", logical_id),
    )


def _names(aliases: list[etree._Element]) -> list[ListedName]:
    """Names in file order, the primary first. The EU marks no main name, so the primary is
    the first strong alias, preferring Latin script and then an untranslated one (nameLanguage
    empty or EN) over the translations into other EU languages."""
    found: list[tuple[ListedName, str]] = []
    for alias in aliases:
        name = _attr(alias, "wholeName") or join_name(
            *(alias.get(part) for part in ("firstName", "middleName", "lastName"))
        )
        if not name:
            continue
        notes = " ".join(texts_of(alias, "{*}remark")).lower()
        weak = alias.get("strong") == "false" or "low quality" in notes
        kind: NameKind = "weak_alias" if weak else "alias"
        found.append(
            (ListedName(name, kind, script=script_of(name)), alias.get("nameLanguage", ""))
        )
    if not found:
        return []
    chosen, _ = min(
        found,
        key=lambda f: (f[0].kind != "alias", f[0].script != "Latin", f[1] not in ("", "EN")),
    )
    names = [ListedName(chosen.name, "primary", script=chosen.script), *(f[0] for f in found)]
    best: dict[str, ListedName] = {}
    for listed in names:  # one entry per distinct name, with its strongest kind
        seen = best.get(listed.name)
        if seen is None or _KIND_RANK[listed.kind] < _KIND_RANK[seen.kind]:
            best[listed.name] = listed
    return list(best.values())


def _birth_dates(node: etree._Element, logical_id: str) -> list[str | None]:
    """The birthdate attribute, else year[-month[-day]], else both ends of yearRangeFrom/To."""
    if value := _attr(node, "birthdate"):
        iso = partial_date(value)
        if iso is None:
            raise ParseError(SOURCE, f"unreadable birthdate {value!r}", logical_id)
        return [iso]
    if node.get("calendarType", "GREGORIAN") != "GREGORIAN":
        return []  # year/month/day in another calendar, with no Gregorian conversion given
    parts: list[str] = []
    for key in ("year", "monthOfYear", "dayOfMonth"):
        value = _attr(node, key)
        if not (value and value.isdigit()):
            break
        parts.append(value.zfill(2))
    if parts:
        return [partial_date("-".join(parts))]
    return [partial_date(_attr(node, key)) for key in ("yearRangeFrom", "yearRangeTo")]


def _identification(node: etree._Element, number: str) -> Identifier:
    code = (node.get("identificationTypeCode") or "").lower()
    return Identifier(
        kind=_ID_KINDS.get(code, "other"),
        value=number,
        country=_country(node),
        label=_attr(node, "identificationTypeDescription") or code,
    )


def _country(node: etree._Element) -> str | None:
    return country_code(node.get("countryIso2Code")) or country_code(node.get("countryDescription"))


def _date(node: etree._Element, key: str, logical_id: str) -> dt.date | None:
    value = _attr(node, key)
    if value is None:
        return None
    date = to_date(value)
    if date is None:
        raise ParseError(SOURCE, f"unreadable {key} {value!r}", logical_id)
    return date


def _attr(node: etree._Element, key: str) -> str | None:
    """A cleaned attribute; the EU writes "-" for an unknown city."""
    value = clean(node.get(key))
    return None if value in (None, "-") else value


def _join(node: etree._Element, *keys: str) -> str:
    return join_parts(_attr(node, key) for key in keys)


SPEC = ListSpec(
    source_id=SOURCE,
    title="EU Financial Sanctions Files (consolidated list)",
    publisher="European Commission, DG FISMA",
    homepage="https://webgate.ec.europa.eu/fsd/fsf",
    licence="Commission reuse decision 2011/833/EU: reuse allowed with attribution",
    formats="FSF XML v1.1 (export / sanctionEntity)",
    live_files=(ListFile("eu_fsf.xml", URL, "xml"),),
    min_entities=3_000,
    max_entities=20_000,
    parse=parse,
)
