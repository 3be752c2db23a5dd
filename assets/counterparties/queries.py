"""Query styles a screening desk meets, read back to the name they stand for (#19).

Counterparty files are typed by people and exported by systems that lose spaces or swap
letters for digits. A record's name is screened as written and, when it looks like one of these
styles, also as the name it stands for; the better hit of each listed entity is kept
(`assets.counterparties.screening`). Written as it is, nothing is lost: a reading only adds
candidates.

- Words run together: "GennadyTimchenko" (a capital inside a word), "viktorvekselberg" or
  "OOOROSTEKH" (one word that the lists' own words, or a legal form and a list word, spell).
- Digits typed for letters: "Rams4n Kadyr0v".
- A legal form written in front of a name that the lists write after it: "S.A. GRUPO FALCON",
  "OY ACEX" (a register that puts the form first, or a file sorted on it), read with the form
  moved to the end. Only here, not in the name analysis that keys the lists too: the lists' own
  names open with such words as names ("S.A. LAVOCHKIN", "AG MOSSA").
- A Chinese person's name in Han characters, two to four of them: "李方伟" is read as the
  lists write it in pinyin, the family name and the given name run together ("Li Fangwei"); the
  name analysis reads each character as a word of its own ("li fang wei"), which is how
  Korean names are listed but not Chinese ones.
- A Korean person's name in Han characters (Hanja), two to four of them: "金與正" is read in
  Hangul ("김여정"), which the name analysis reads the lists' way ("Kim Yo Jong"). A character
  may have more than one Korean reading (金 is 금 in words, 김 as the family name; 李 is 리 in
  the North, 이 in the South): each combination is a reading, up to `MAX_HANJA_READINGS`. The
  readings come from libhangul's Hanja table (`hanja_readings.txt`).
"""

from __future__ import annotations

import re
from collections.abc import Set
from functools import cache
from itertools import islice, product
from pathlib import Path

from anyascii import anyascii

from assets.linkage.names import (
    LEGAL_FORMS,
    PARTICLES,
    canonical_words,
    normalise,
    split_legal_form,
)

# Digits that stand for the letters they look like.
DIGIT_LETTERS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
# A glued word is read as at most this many words, each of at least `MIN_PART` letters.
MAX_PARTS = 3
MIN_PART = 3
# Only a word this long is read as words run together (shorter ones are names of their own).
MIN_GLUED = 8
_INNER_CAPITAL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# One-word legal forms that may open a name ("ooo", "oao", "jsc", ...), lower case.
_OPENING_FORMS = frozenset(
    variant for variant, form in LEGAL_FORMS.items() if form.prefix and " " not in variant
)
# Legal forms the lists write only after a name ("sa", "oy", "sro", "pty ltd"), as normalised,
# and the most words one has. English words among them open names as words ("AS IS", "CO
# OPERATIVE BANK", "COMPANY OF ..."), not as forms.
_CLOSING_FORMS = frozenset(
    variant
    for variant, form in LEGAL_FORMS.items()
    if form.suffix
    and not form.prefix
    and variant.split()[0] not in {"as", "co", "company"}
    and variant not in {"limited", "corporation", "incorporated"}
)
_MAX_CLOSING_FORM_WORDS = max(len(variant.split()) for variant in _CLOSING_FORMS)


def digits_read_as_letters(name: str) -> str | None:
    """`name` with each digit that follows two letters of its word read as the letter it looks
    like ("Rams4n Kadyr0v" -> "Ramsan Kadyrov"); None when no digit is so read. A word that
    opens with a digit ("99th", "3G") keeps its digits: it is a number."""
    changed = False
    words = []
    for word in name.split():
        letters = list(word)
        for i, char in enumerate(word):
            if char in DIGIT_LETTERS and i >= 2 and word[i - 1].isalpha() and word[i - 2].isalpha():
                letters[i] = DIGIT_LETTERS[char]
                changed = True
        words.append("".join(letters))
    return " ".join(words) if changed else None


def _known(part: str, known: Set[str]) -> bool:
    found = canonical_words(normalise(part).split())
    return len(found) == 1 and found[0] in known


def _splits(word: str, known: Set[str], parts: int) -> list[list[str]]:
    """The ways `word` is `parts` words or fewer, each a list word (`known`) of `MIN_PART`
    letters or more or a particle ("al", "bin"); the first may be a legal form that opens
    names."""
    found: list[list[str]] = [[word]] if _known(word, known) else []
    if parts == 1:
        return found
    for cut in range(2, len(word) - MIN_PART + 1):
        head, rest = word[:cut], word[cut:]
        lower = head.lower()
        if (
            lower in PARTICLES
            or lower in _OPENING_FORMS
            or (len(head) >= MIN_PART and _known(head, known))
        ):
            found.extend([head, *tail] for tail in _splits(rest, known, parts - 1))
    return found


def _form_and_word(word: str, known: Set[str], min_rest: int = MIN_PART) -> list[str] | None:
    """`word` as an opening legal form and a list word of `min_rest` letters or more
    ("OOOROSTEKH"), or None."""
    for form in sorted(_OPENING_FORMS, key=len, reverse=True):
        rest = word[len(form) :]
        if word.lower().startswith(form) and len(rest) >= min_rest and _known(rest, known):
            return [word[: len(form)], rest]
    return None


def words_run_together(name: str, known: Set[str]) -> str | None:
    """`name` with its words set apart, or None when it shows none run together:
    at a capital inside a word ("GennadyTimchenko"); for a name of one long word, where list
    words spell it ("viktorvekselberg", "OOOROSTEKH": a legal form and a list word); in a
    longer name, a legal form run into its first word ("OOOROSTEKH TRADING"). Of
    several ways to cut a word, the one with the fewest words wins, then the longest first
    word. A word the lists have as it is ("Sberbank") is left whole."""
    words = name.split()
    split = [_INNER_CAPITAL.sub(" ", w) if len(w) >= MIN_GLUED - 2 else w for w in words]
    if split != words:
        return " ".join(split)
    if len(words) > 1:  # a legal form run into the first word: "OOOROSTEKH TRADING"
        # The words after it say it is a name: its first word may be short ("LLCVU DIKSON").
        first = _form_and_word(words[0], known, min_rest=2)
        return " ".join([*first, *words[1:]]) if first else None
    if len(words[0]) < MIN_GLUED or not words[0].isalpha():
        return None
    if _known(words[0], known):  # a list word itself ("Sberbank")
        return None
    ways = [w for w in _splits(words[0], known, MAX_PARTS) if len(w) > 1]
    if not ways:
        return None
    best = min(ways, key=lambda w: (len(w), -len(w[0])))
    return " ".join(best)


# A personal name in Han characters: a family name of one character and one to three more.
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


def han_name_in_pinyin(name: str) -> str | None:
    """A Chinese personal name in Han characters as the lists write it in pinyin: the first
    character the family name, the others run together ("李方伟" -> "Li Fangwei"); None for any
    other name."""
    written = name.strip()
    if not _HAN_NAME.fullmatch(written):
        return None
    syllables = [anyascii(char).lower() for char in written]
    if not all(s.isalpha() for s in syllables):
        return None
    return f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"


def legal_form_moved_to_end(name: str) -> str | None:
    """`name` with the legal form that opens it moved to its end, where the lists write that
    form ("S.A. GRUPO FALCON" -> "GRUPO FALCON S.A.", "OY ACEX" -> "ACEX OY"); None when it
    opens with no such form, or nothing that names it would be left. Forms the name analysis
    reads in front of a name as well ("OOO", "LTD") need no reading."""
    if split_legal_form(normalise(name))[1] is not None:
        return None
    words = name.split()
    for size in range(min(_MAX_CLOSING_FORM_WORDS, len(words) - 1), 0, -1):
        if normalise(" ".join(words[:size])) not in _CLOSING_FORMS:
            continue
        moved = " ".join([*words[size:], *words[:size]])
        core, form = split_legal_form(normalise(moved))
        return moved if form is not None and core == normalise(" ".join(words[size:])) else None
    return None


HANJA_READINGS = Path(__file__).with_name("hanja_readings.txt")
# A name of four characters of two readings each has sixteen: the first few in the table's order
# cover the family names that have two (金, 李, 林, 柳, 羅, 盧) with the given names' first reading.
MAX_HANJA_READINGS = 8


@cache
def _hanja_table() -> dict[str, str]:
    """Han character -> its Korean readings, one Hangul syllable each (`HANJA_READINGS`)."""
    table: dict[str, str] = {}
    for line in HANJA_READINGS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            table[line[0]] = line[1:]
    return table


def hanja_name_in_hangul(name: str) -> list[str]:
    """A Korean personal name in Han characters read in Hangul, one string per combination of
    the characters' readings ("金與正" -> ["금여정", "김여정"]); empty for any other name or a
    character the table lacks."""
    written = name.strip()
    if not _HAN_NAME.fullmatch(written):
        return []
    table = _hanja_table()
    readings = [table.get(char, "") for char in written]
    if not all(readings):
        return []
    return ["".join(chars) for chars in islice(product(*readings), MAX_HANJA_READINGS)]


def query_readings(name: str, known: Set[str]) -> list[str]:
    """The names a record's `name` may stand for besides itself, in a fixed order (none for most
    names): a name in Han characters in pinyin (a Chinese name) and in Hangul (a Korean one),
    or its digits read as letters, then its words set apart (in the name so read), then a legal
    form that opens it moved to the end. `known`: the lists' words
    (`linkage.token_frequencies`)."""
    han = han_name_in_pinyin(name)
    if han is not None:
        return [han, *hanja_name_in_hangul(name)]
    digits = digits_read_as_letters(name)
    readings = [digits] if digits else []
    apart = words_run_together(digits or name, known)
    if apart is not None and apart not in readings:
        readings.append(apart)
    moved = legal_form_moved_to_end(readings[-1] if readings else name)
    if moved is not None and moved not in readings:
        readings.append(moved)
    return readings
