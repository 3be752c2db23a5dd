"""OFAC Consolidated Sanctions List (the non-SDN lists: SSI, NS-MBS, CMIC, NS-PLC, ...).

Publisher: US Department of the Treasury, Office of Foreign Assets Control (OFAC).
Homepage: https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists (files served from
https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/).
Formats parsed: the classic XML (CONSOLIDATED.XML) and the legacy CSV set (CONS_PRIM.CSV,
CONS_ADD.CSV, CONS_ALT.CSV, CONS_COMMENTS.CSV). Licence: a US federal government work, public
domain in the US (17 U.S.C. §105); OFAC states no licence.
"""

from __future__ import annotations

from assets.common.model import ParsedList, RawFiles
from assets.sources.ofac import CONS_CSV, parse_publication
from assets.sources.spec import ListFile, ListSpec

SOURCE = "ofac_cons"
XML_FILE = "consolidated.xml"
_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports"


def parse(files: RawFiles) -> ParsedList:
    """Parse a Consolidated publication: ``consolidated.xml`` when given, else the CSV set
    ``cons_prim.csv`` with the optional ``cons_add.csv``, ``cons_alt.csv`` and
    ``cons_comments.csv``."""
    return parse_publication(SOURCE, files, CONS_CSV, XML_FILE)


SPEC = ListSpec(
    source_id=SOURCE,
    title="OFAC Consolidated Sanctions List (non-SDN)",
    publisher="US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
    homepage="https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists",
    licence="US federal government work: public domain in the US (17 U.S.C. §105)",
    formats="classic XML (consolidated.xml) or legacy CSV set (cons_prim.csv + cons_add.csv, "
    "cons_alt.csv, cons_comments.csv)",
    live_files=(ListFile(XML_FILE, f"{_EXPORTS}/CONSOLIDATED.XML", "xml"),),
    min_entities=200,
    max_entities=5_000,
    parse=parse,
)
