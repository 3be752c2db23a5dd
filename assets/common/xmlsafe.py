"""Hardened XML and text decoding for list files from the network.

Official lists never carry a DTD, so any document type declaration is refused outright: that
closes entity-expansion ("billion laughs") and external-entity (XXE) attacks before anything is
expanded or fetched.
"""

from __future__ import annotations

import re

from lxml import etree

from assets.common.model import ParseError


def parse_xml(raw: bytes, source: str, what: str = "XML file") -> etree._Element:
    """Parse `raw` safely and return the root element, or raise `ParseError` naming `source`."""
    if not raw.strip():
        raise ParseError(source, f"{what} is empty")
    head = raw[:4096].lstrip()
    if head[:1] != b"<":
        raise ParseError(source, f"{what} is not XML (starts with {head[:40]!r})")
    if b"<!DOCTYPE" in raw[:65536].upper() or b"<!ENTITY" in raw[:65536].upper():
        raise ParseError(
            source, f"{what} declares a DTD or entities; refused (XXE/entity expansion)"
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
    )
    try:
        root = etree.fromstring(raw, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(source, f"{what} is not well-formed XML: {exc}") from exc
    if root is None:
        raise ParseError(source, f"{what} has no root element")
    # A DOCTYPE may follow any amount of comments, past the quick scan above; nothing was
    # expanded or fetched (entities off, no DTD loading, no network), but refuse it all the same.
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise ParseError(
            source, f"{what} declares a DTD or entities; refused (XXE/entity expansion)"
        )
    if root.tag in {"html", "HTML"} or str(root.tag).endswith("}html"):
        raise ParseError(source, f"{what} is an HTML page, not the list")
    return root


def local_name(element: etree._Element) -> str:
    """The tag without its namespace."""
    return etree.QName(element).localname


def text_of(element: etree._Element | None, path: str) -> str | None:
    """Stripped text of the first match of `path` (namespace wildcards allowed), or None."""
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def texts_of(element: etree._Element, path: str) -> list[str]:
    """Stripped, non-empty texts of every match of `path`."""
    values = []
    for found in element.iterfind(path):
        if found.text and found.text.strip():
            values.append(found.text.strip())
    return values


# A byte sequence that is valid multi-byte UTF-8 (a lead byte and its continuation bytes).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def decode_text(raw: bytes, source: str, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """Decode a text file, trying each encoding in turn; raise `ParseError` when none fits.

    Older UK files are Windows-1252: list it after UTF-8 for those sources, never before, since
    cp1252 decodes almost any byte string into mojibake. For the same reason a file that fails
    UTF-8 yet holds valid UTF-8 multi-byte sequences is refused as mixed encodings: decoding it
    as cp1252 would silently turn every UTF-8 name in it into mojibake."""
    utf8_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            if utf8_error is None and encoding.replace("_", "-").startswith("utf-8"):
                utf8_error = exc
            continue
        if utf8_error is not None:
            mixed = _UTF8_MULTIBYTE.search(raw)
            if mixed is not None:
                raise ParseError(
                    source,
                    f"mixed encodings: UTF-8 text (e.g. at byte {mixed.start()}) and a byte "
                    f"invalid in UTF-8 (0x{raw[utf8_error.start]:02x} at byte "
                    f"{utf8_error.start}); refused rather than decoded as {encoding}",
                )
        return text
    where = (
        f" (byte 0x{raw[utf8_error.start]:02x} at offset {utf8_error.start} is not UTF-8)"
        if utf8_error is not None
        else ""
    )
    raise ParseError(source, f"text is not valid {' or '.join(encodings)}{where}")
