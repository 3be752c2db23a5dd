"""The contract every list module keeps, checked on the publication the project ships for it:
the parse of the bundled snapshot names its source, counts what the manifest declares, gives
unique ids, names every entity, uses only the schema's types, and stays within the spec's
bounds unless it is a declared excerpt. A new list joins this test by joining the registry."""

from __future__ import annotations

from collections import Counter

import pytest

from assets.common.model import ENTITY_SCHEMAS, ParsedList
from assets.sources.bundled import newest_bundled
from assets.sources.registry import LIST_SPECS
from assets.sources.spec import ListSpec

_PARSED: dict[str, tuple[ParsedList, int, bool]] = {}


def _bundled(spec: ListSpec) -> tuple[ParsedList, int, bool]:
    """The spec's parse of its bundled publication, with the manifest's count and excerpt flag
    (parsed once per session: the OFAC files take seconds)."""
    if spec.source_id not in _PARSED:
        snapshot = newest_bundled(spec.source_id)
        assert snapshot is not None, f"{spec.source_id}: no bundled snapshot"
        parsed = spec.parse(snapshot.read_files())
        _PARSED[spec.source_id] = (parsed, snapshot.entity_count, snapshot.excerpt)
    return _PARSED[spec.source_id]


@pytest.mark.slow
@pytest.mark.parametrize("spec", LIST_SPECS, ids=lambda s: s.source_id)
def test_the_bundled_publication_keeps_the_list_contract(spec: ListSpec) -> None:
    parsed, declared, excerpt = _bundled(spec)
    assert parsed.source == spec.source_id
    ids = [e.official_id for e in parsed.entities]
    assert len(ids) == declared, "the manifest's entity count"
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    assert not repeated, f"ids given twice: {repeated[:5]}"
    assert all(i.strip() for i in ids)
    unnamed = [e.official_id for e in parsed.entities if not any(n.name.strip() for n in e.names)]
    assert not unnamed, f"entities without a name: {unnamed[:5]}"
    schemas = {e.schema for e in parsed.entities}
    assert schemas <= set(ENTITY_SCHEMAS), schemas - set(ENTITY_SCHEMAS)
    if not excerpt:
        assert spec.min_entities <= declared <= spec.max_entities


@pytest.mark.parametrize("spec", LIST_SPECS, ids=lambda s: s.source_id)
def test_the_spec_describes_a_live_publication(spec: ListSpec) -> None:
    assert spec.title and spec.publisher and spec.licence and spec.formats
    assert spec.homepage.startswith("https://")
    assert spec.live_files and all(f.url.startswith("https://") for f in spec.live_files)
    names = [f.name for f in spec.live_files]
    assert len(set(names)) == len(names) and all(n == n.lower() for n in names)
    assert 0 < spec.min_entities < spec.max_entities
    assert 0 < spec.max_drop_fraction < 1
