"""Which listed entities the lists link to each other, and the names that link stands on.

A news story about a listed entity names the people and organisations it is tied to: "Gorica
Dodik" beside her father Milorad Dodik, a Hizballah financier beside Hizballah, a front company
beside the Quds Force. The lists say who is tied to whom:

- OFAC's remarks: ``Linked To: DODIK, Milorad.``, ``Linked To: ISLAMIC REVOLUTIONARY GUARD CORPS
  (IRGC)-QODS FORCE`` (the linked entity's name as OFAC lists it);
- the UN's narratives, and lists quoting them, cite UN reference numbers: ``a leader of FDLR
  (CDe.005)``, ``Linked to Aiman al-Zawahiri (QDi.006)``.

A link goes both ways (the father is as much tied to the daughter). An entity's `related_names`
are the name keys (`sorted_core_key`) of every entity it is linked to; a mention's are the keys
of the other names its article gives that are some listed entity's related names
(`article_related_names`). Where they meet, the listed entity outranks its namesakes of the
same list (`assets.linkage.scoring.matches_of_predictions`), and, for a listed person, the model
weighs the link (`assets.linkage.settings.role_or_link_comparison`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

from assets.linkage.names import analyse

# "Linked To: NAME" is one "; "-separated part of OFAC's remarks; the part's final full stop
# ends the remarks, not the name.
_OFAC_LINK = "Linked To: "
# A UN reference number: two letters of the regime, e (entity) or i (individual), a number.
_UN_REFERENCE = re.compile(r"\b([A-Z]{2}[ei]\.\d{3})\b")
# A list quoting the UN gives the entity's own reference ("(UN Ref):QDi.318"): not a link.
_OWN_UN_REFERENCE = re.compile(r"UN Ref\)?:\s*[A-Z]{2}[ei]\.\d{3}")
UN_SOURCE = "un_sc"
OFAC_SOURCES = frozenset({"ofac_sdn", "ofac_cons"})


def ofac_linked_names(remarks: str | None) -> list[str]:
    """The names in OFAC ``Linked To:`` remarks, as written: ``"...; Linked To: ISLAMIC
    REVOLUTIONARY GUARD CORPS; Linked To: HIZBALLAH."`` gives ``["ISLAMIC REVOLUTIONARY GUARD
    CORPS", "HIZBALLAH"]``."""
    names = []
    for part in (remarks or "").split("; "):
        if part.startswith(_OFAC_LINK):
            name = part[len(_OFAC_LINK) :].strip()
            names.append(name[:-1] if name.endswith(".") else name)
    return [name for name in names if name]


def un_references(remarks: str | None) -> list[str]:
    """The UN reference numbers cited in remarks, but the entity's own (``(UN Ref):QDi.318``):
    ``"a leader of FDLR (CDe.005)"`` gives ``["CDe.005"]``."""
    text = _OWN_UN_REFERENCE.sub("", remarks or "")
    return list(dict.fromkeys(_UN_REFERENCE.findall(text)))


def entity_links(
    remarks: Iterable[tuple[str, str, str | None]],
    name_keys: Iterable[tuple[str, str, str | None]],
) -> dict[str, frozenset[str]]:
    """Each listed entity's linked entities, both ways: from its remarks (entity id, source,
    remarks) and every listed name's key (entity id, source, `sorted_core_key`). An OFAC
    ``Linked To:`` name is the entity of the same list with a name of that key (none when no
    name has it); a UN reference is that UN entity. An entity is not linked to itself."""
    entities_of_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    known: set[str] = set()
    for entity_id, source, key in name_keys:
        known.add(entity_id)
        if key:
            entities_of_key[(source, key)].add(entity_id)
    links: dict[str, set[str]] = defaultdict(set)

    def link(a: str, b: str) -> None:
        if a != b and b in known:
            links[a].add(b)
            links[b].add(a)

    for entity_id, source, text in remarks:
        if source in OFAC_SOURCES:
            for name in ofac_linked_names(text):
                for other in entities_of_key.get((source, analyse(name).sorted_core_key), ()):
                    link(entity_id, other)
        for reference in un_references(text):
            link(entity_id, f"{UN_SOURCE}:{reference}")
    return {entity_id: frozenset(others) for entity_id, others in links.items()}


def related_names(
    links: Mapping[str, frozenset[str]], keys_of: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """Each linked entity's `related_names`: the name keys of the entities it is linked to
    (`keys_of`: an entity's name keys), sorted."""
    return {
        entity_id: tuple(sorted({key for other in others for key in keys_of.get(other, ())}))
        for entity_id, others in links.items()
    }


def article_related_names(
    own: Iterable[str | None],
    words: Collection[str],
    article_keys: Iterable[str | None],
    related: Mapping[str, frozenset[str]],
) -> tuple[str, ...]:
    """A mention's `related_names`: the name keys its article gives (`article_keys`, every
    mention's) that are some listed entity's related names, but the mention's own (`own`: the
    keys of its names and its cluster's), sorted. `related` maps each related name to the words
    of the names of the listed entities linked to it: a key is kept only when one of them
    shares a word with the mention's name (`words`), since only such an entity is a candidate
    the link can speak for (a misspelt name sharing no word goes without). So the same name in
    articles that name nothing linked to a namesake of it stays one profile."""
    mine = {key for key in own if key}
    return tuple(
        sorted(
            {
                key
                for key in article_keys
                if key and key not in mine and not related.get(key, frozenset()).isdisjoint(words)
            }
        )
    )
