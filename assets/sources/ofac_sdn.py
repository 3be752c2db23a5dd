"""OFAC Specially Designated Nationals and Blocked Persons List (SDN).

Publisher: US Department of the Treasury, Office of Foreign Assets Control (OFAC).
Homepage: https://sanctionslist.ofac.treas.gov/Home/static/sdn.html (files served from
https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/; the old
www.treasury.gov/ofac/downloads/ URLs redirect there).
Formats parsed: the legacy CSV set (SDN.CSV, ADD.CSV, ALT.CSV, SDN_COMMENTS.CSV) and the classic
XML (SDN.XML). Licence: a US federal government work, public domain in the US (17 U.S.C. §105);
OFAC states no licence.
"""

from __future__ import annotations

from assets.common.model import ParsedList, RawFiles
from assets.sources.ofac import SDN_CSV, parse_publication
from assets.sources.spec import ListFile, ListSpec

SOURCE = "ofac_sdn"
XML_FILE = "sdn.xml"
_DOWNLOADS = "https://www.treasury.gov/ofac/downloads"


def parse(files: RawFiles) -> ParsedList:
    """Parse an SDN publication: ``sdn.xml`` when given, else the CSV set ``sdn.csv`` with the
    optional ``add.csv``, ``alt.csv`` and ``sdn_comments.csv``."""
    return parse_publication(SOURCE, files, SDN_CSV, XML_FILE)


SPEC = ListSpec(
    source_id=SOURCE,
    title="OFAC Specially Designated Nationals and Blocked Persons List",
    publisher="US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
    homepage="https://sanctionslist.ofac.treas.gov/Home/static/sdn.html",
    licence="US federal government work: public domain in the US (17 U.S.C. §105)",
    formats="legacy CSV set (sdn.csv + add.csv, alt.csv, sdn_comments.csv) "
    "or classic XML (sdn.xml)",
    live_files=(
        ListFile("sdn.csv", f"{_DOWNLOADS}/sdn.csv", "csv"),
        ListFile("add.csv", f"{_DOWNLOADS}/add.csv", "csv"),
        ListFile("alt.csv", f"{_DOWNLOADS}/alt.csv", "csv"),
        ListFile("sdn_comments.csv", f"{_DOWNLOADS}/sdn_comments.csv", "csv", required=False),
    ),
    min_entities=10_000,
    max_entities=30_000,
    parse=parse,
)
