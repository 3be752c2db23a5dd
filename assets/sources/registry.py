"""Every official list the pipeline loads. Adding a list = one module + one line here."""

from __future__ import annotations

from assets.sources import eu_fsf, ofac_cons, ofac_sdn, uk_fcdo, uk_ofsi, un_sc
from assets.sources.spec import ListSpec

LIST_SPECS: tuple[ListSpec, ...] = (
    ofac_sdn.SPEC,
    ofac_cons.SPEC,
    un_sc.SPEC,
    uk_ofsi.SPEC,
    uk_fcdo.SPEC,
    eu_fsf.SPEC,
)

SPECS_BY_ID: dict[str, ListSpec] = {spec.source_id: spec for spec in LIST_SPECS}
