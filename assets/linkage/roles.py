"""What a mention's role and a listed entity's positions are compared by.

The article gives a role ("Vladimir Bogdanov, the Director General and Vice Chairman of
Surgutneftegaz", "Hamas leader Ismail Haniyeh": `assets.articles.context.role_before` and
after); the lists give positions ("Chief Executive Officer of Surgutneftegas/Surgutneftegaz",
"President of the Russian Federation"). Two things can agree: the organisation the post is in
(`role_names`: "surgutneftegaz", "hamas"), strong evidence, and the title (`role_titles`:
"president", "commander"), weak evidence, since the same post is titled many ways ("Director
General" and "Chief Executive Officer") and many people hold one title. The model weighs them
(`assets.linkage.settings.role_or_link_comparison`), and they decide between listed namesakes
of one list (`assets.linkage.scoring.matches_of_predictions`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from assets.articles.context import (
    HONORIFICS,
    ROLE_HEADS,
    ROLE_INSTITUTIONS,
    ROLE_MODIFIERS,
    country_of,
)
from assets.linkage.names import ORGANISATION_WORDS, TITLES

# Heads too general to say which post ("deputy" of what, "head" of what), and heads written
# several ways, as one title.
_UNSPECIFIC_HEADS = frozenset(
    {"deputy", "chief", "head", "official", "officials", "officer", "member", "associate"}
)
_SAME_TITLE = {
    **dict.fromkeys(("spokesman", "spokeswoman"), "spokesperson"),
    **dict.fromkeys(("chairman", "chairwoman", "chairperson", "chairman-designate"), "chair"),
    **dict.fromkeys(
        ("businesswoman", "tycoon", "oligarch", "magnate", "billionaire", "entrepreneur"),
        "businessman",
    ),
    **dict.fromkeys(("ceo", "executives"), "executive"),
    "advisor": "adviser",
    "pm": "minister",
    "premier": "minister",
    "president-elect": "president",
    **dict.fromkeys(("congressman", "congresswoman", "senator", "mp", "mep"), "lawmaker"),
    "legislator": "lawmaker",
    **dict.fromkeys(("dictator", "strongman", "ruler", "monarch"), "leader"),
}
_TITLE_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


@lru_cache(maxsize=1 << 14)
def role_titles(text: str | None) -> tuple[str, ...]:
    """The titles a role or a position names: its role head words, written one way, without
    those that name no post of their own, sorted. ``"Russian President"`` and ``"President of
    the Russian Federation"`` give ``("president",)``; ``"Foreign Ministry spokesman"`` gives
    ``("spokesperson",)``; ``"Deputy Head of Presidential Guard"`` gives ``()``."""
    titles = set()
    for word in _TITLE_WORD.findall((text or "").lower()):
        parts = [word] if word in ROLE_HEADS else word.split("-")
        for part in parts:
            if part in ROLE_HEADS and part not in _UNSPECIFIC_HEADS:
                titles.add(_SAME_TITLE.get(part, part))
    return tuple(sorted(titles))


# Words of a role or position that name no one organisation: role vocabulary, what
# organisations call themselves (`ORGANISATION_WORDS`: "institute", "council"), what every state
# calls itself ("Federation", "Republic", "People's"), connectors.
_ROLE_VOCABULARY = ROLE_HEADS | ROLE_MODIFIERS | ROLE_INSTITUTIONS | ORGANISATION_WORDS
_UNNAMING_WORDS = frozenset(
    {
        "federation", "republic", "democratic", "people", "peoples", "popular", "united",
        "states", "kingdom", "islamic", "arab", "socialist", "soviet", "north", "south", "east",
        "west", "northern", "southern", "eastern", "western", "in", "to", "a", "an", "with",
        "by", "from", "within", "its", "his", "her", "their", "who", "which", "that", "was",
        "is", "as", "level", "district", "province", "provincial", "city", "region", "oblast",
        "management", "board", "entity", "parent", "owned", "state-owned", "affiliated",
        "responsible", "related", "acting", "former",
    }
)  # fmt: skip
_NAME_WORD = re.compile(r"[^\W\d_][\w-]{2,}")
# Honorifics and the titles that open names ("Haji", "Mullah", "Maulavi", "Dr"): no organisation.
_TITLE_WORDS = HONORIFICS | TITLES


@lru_cache(maxsize=1 << 14)
def role_names(text: str | None) -> tuple[str, ...]:
    """The words of a role or a position that name the organisation, company or force the post
    is in, lower-cased and sorted: no role vocabulary, no country, city or nationality, nothing
    every organisation or state calls itself. ``"Director General and Vice Chairman of
    Surgutneftegaz"`` gives ``("surgutneftegaz",)``; ``"Hamas leader in Gaza"`` gives
    ``("hamas",)``; ``"President of the Russian Federation"`` gives ``()``. A name is
    capitalised: in mixed-case text a lower-case word ("produces", "under the regime") names
    nothing; text all in capitals says nothing either way."""
    names = set()
    text = text or ""
    any_case = text.upper() == text
    for word in _NAME_WORD.findall(text):
        lower = word.lower()
        if not (any_case or word[0].isupper()):
            continue
        if lower in _ROLE_VOCABULARY or lower in _UNNAMING_WORDS or lower in _TITLE_WORDS:
            continue
        if country_of(word) is not None:
            continue
        names.add(lower)
    return tuple(sorted(names))


def position_titles(positions: Sequence[str] | None) -> tuple[str, ...]:
    """The titles (`role_titles`) of every position of a listed entity, sorted."""
    return tuple(sorted({title for p in positions or () for title in role_titles(p)}))


def position_names(positions: Sequence[str] | None) -> tuple[str, ...]:
    """The organisation words (`role_names`) of every position of a listed entity, sorted."""
    return tuple(sorted({name for p in positions or () for name in role_names(p)}))
