"""One name in several romanisations: keys that agree when two spellings are the same name.

A Russian, Ukrainian or Belarusian name reaches a French newspaper as "Evgueni Prigojine", a
German payment file as "Jewgeni Prigoschin", a Czech one as "Sergej Šojgu", a Latvian one as
"Dmitrijs Medvedevs" and a Polish one as "Siergiej Ławrow". The lists spell these people the
English way ("Yevgeniy PRIGOZHIN", "Sergei SHOIGU", "Dmitry MEDVEDEV", "Sergey LAVROV"), and
the English-spelling tables of `assets.linkage.names` (``SPELLING_VARIANTS``, the suffix rules)
cannot know every word of every such name.

`romanised_keys` reads a name under each convention below *back into English spelling* and
keys each reading by its sound: the metaphone of each word (after folding what English
spellings of Cyrillic themselves disagree on), patronymics and particles dropped, sorted. Two
names that share a key are one name in two romanisations. The conventions are the usual
national romanisations of Cyrillic, inverted:

- French: ``ou`` for у, ``tch`` for ч, ``ch`` for ш, ``j`` for ж, ``gu`` before e/i for a hard
  г, a mute final ``e`` (Poutine, Prigojine);
- German: ``sch`` for ш and ж, ``tsch`` for ч, ``ch`` for х, ``w`` for в, ``j`` for й, ``z`` for
  ц;
- Czech, Slovak, Latvian, Lithuanian: ``š ž č`` (kept apart from ``s z c`` before
  transliteration to ASCII erases the difference), ``j`` for й, ``c`` for ц, ``ch`` or ``h``
  for х, and the Baltic nominative ending (Medvedevs, Putinas);
- Polish: ``sz cz rz ż`` for ш ч ж ж, ``w`` for в, ``j`` for й, ``ie`` after a consonant for е.

Every name gets the key of every convention (a reading that changes nothing adds no key), on
the list side as on the query side, so that a list name spelt the French way meets an English
mention too. Names of one word get no key: one word's sound is shared by too many others
("Hamas" and "Homs"). Only people's names are compared by these keys
(`assets.linkage.records`): read the German or Polish way, "Light Infantry Division" and
"Revolutionary Guard Corps" become noise that blocks pairs of unrelated organisations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import jellyfish

from assets.common.name_words import is_patronymic, without_patronymic
from assets.linkage.frequency import SYLLABLES

# Letters whose difference transliteration to ASCII erases (``š`` and ``s``), spelled as the
# English digraph they stand for. ``č`` becomes ``tsh`` (no Slavic romanisation writes "tsh")
# so that Czech ``ch`` (х) stays apart from it; the readings and `_english` turn it back into
# ``ch``.
_BEFORE_ASCII = str.maketrans(
    {"š": "sh", "Š": "Sh", "ž": "zh", "Ž": "Zh", "ż": "zh", "Ż": "Zh", "č": "tsh", "Č": "Tsh",
     "ł": "l", "Ł": "L"}
)  # fmt: skip


def with_digraphs(name: str) -> str:
    """`name` with ``š ž ż č ł`` spelled as ASCII digraphs (``"Šojgu"`` -> ``"Shojgu"``), so that
    normalisation to ASCII keeps what they say."""
    return name.translate(_BEFORE_ASCII) if not name.isascii() else name


def _rewriter(rules: dict[str, str]) -> Callable[[str], str]:
    """A word rewriter replacing each key of `rules` by its value, longest match first, in one
    pass from left to right (so "tch" is read before "ch")."""
    pattern = re.compile("|".join(sorted(map(re.escape, rules), key=len, reverse=True)))
    return lambda word: pattern.sub(lambda m: rules[m.group()], word)


_CONSONANT = "bcdfghjklmnpqrstvwxz"

_french = _rewriter(
    {"chtch": "shch", "tch": "ch", "ch": "sh", "ou": "u", "gue": "ge", "gui": "gi", "j": "zh",
     "ss": "s"}
)  # fmt: skip
_FRENCH_MUTE_E = re.compile(f"(?<=[{_CONSONANT}])e$")


def _french_reading(word: str) -> str:
    """ "prigojine" -> "prigozhin", "poutine" -> "putin", "timtchenko" -> "timchenko"."""
    return _french(_FRENCH_MUTE_E.sub("", word)) if len(word) > 3 else _french(word)


_german_reading = _rewriter(
    {"schtsch": "shch", "tsch": "ch", "sch": "sh", "ch": "kh", "w": "v", "j": "y", "z": "ts",
     "ss": "s"}
)  # fmt: skip

_czech = _rewriter({"tsh": "ch", "ch": "kh", "j": "y", "c": "ts"})
# The Latvian (-s) and Lithuanian (-as, -is, -us) nominative endings of a man's name.
_BALTIC_ENDING = re.compile(f"(?:(?<=[{_CONSONANT}y])s|(?<=[{_CONSONANT}])[aiu]s)$")


def _czech_baltic_reading(word: str) -> str:
    """ "shojgu" -> "shoygu", "dmitrijs" -> "dmitriy", "putinas" -> "putin"."""
    word = _czech(word)
    return _BALTIC_ENDING.sub("", word) if len(word) >= 6 else word


_polish = _rewriter(
    {"szcz": "shch", "sz": "sh", "cz": "ch", "rz": "zh", "ch": "kh", "w": "v", "j": "y",
     "c": "ts", "tsh": "ch"}
)  # fmt: skip
_POLISH_SOFT_E = re.compile(f"(?<=[{_CONSONANT}])ie")


def _polish_reading(word: str) -> str:
    """ "siergiej" -> "sergey", "lawrow" -> "lavrov"."""
    return _polish(_POLISH_SOFT_E.sub("e", word))


CONVENTIONS: dict[str, Callable[[str], str]] = {
    "French": _french_reading,
    "German": _german_reading,
    "Czech/Baltic": _czech_baltic_reading,
    "Polish": _polish_reading,
}
"""Each convention's reading of one normalised word into English spelling."""


@lru_cache(maxsize=1 << 16)
def _read(word: str) -> tuple[str, ...]:
    """`word` as each convention of `CONVENTIONS` reads it, in their order."""
    return tuple(read(word) for read in CONVENTIONS.values())


# What English spellings of Cyrillic disagree on among themselves, and what the readings above
# cannot tell apart: ж and ш (German writes both "sch"), "kh" and "h" for х, "ye"/"ie" and "e"
# for an opening е, "iu"/"ia" for ю/я, and "iye"/"ie", "iya"/"ia" for е, я after и ("Makiyev"
# and "Makiev", "Dmitriyev" and "Dmitriev"; after another vowel the "y" stays, as German and
# Czech readings write it for a "j": "Tabaja"), except in the endings -ев, -ёв of family
# names and patronymics, which English spellings write "-yev", "-yov" or "-ev" after a vowel
# or a soft sign alike ("Nechayev" and "Nechaev", "Arefyev" and "Arefev", "Kushnaryov" and
# "Kushnarev"; Polish and German "Nieczajew", "Kuschnarjow" read back into the first).
# Metaphone does the rest (vowels, "y" endings).
_english = _rewriter({"zh": "sh", "kh": "h", "tsh": "ch"})
_OPENING = re.compile(r"^(?:ye|ie|je)|^i(?=[aeou])")
_Y_AFTER_I = re.compile(r"(?<=i)y(?=[aeou])|(?<=[a-z])y(?=[eo]v)")


@lru_cache(maxsize=1 << 16)
def _sound(word: str) -> str:
    """The metaphone of `word` after the folds above; a word with digits as it is."""
    if not word.isalpha():
        return word
    folded = _OPENING.sub(lambda m: "y" if m.group() == "i" else "e", _english(word))
    return jellyfish.metaphone(_Y_AFTER_I.sub("", folded))


def sound_key(words: Sequence[str]) -> str:
    """The sound of a name's words (`_sound` of each, sorted, joined by a space)."""
    return " ".join(sorted(code for code in map(_sound, words) if code))


def patronymic_sounds(
    words: Sequence[str], key_words: Callable[[Sequence[str]], Sequence[str]]
) -> tuple[str, ...]:
    """The sounds (`_sound`) of the patronymics among a name's normalised core words, as written
    and as each convention reads them back into English: ``"Sergueievitch"`` (French) sounds
    like ``"Sergeyevich"``, and the spellings "Mikhailovich" and "Mikhaylovich" alike.
    `key_words` is `romanised_keys`'."""
    sounds: set[str] = set()
    for word in words:
        for reading in (word, *_read(word)):
            canonical = key_words([reading])
            if len(canonical) == 1 and is_patronymic(canonical[0]):
                sounds.add(_sound(canonical[0]))
    return tuple(sorted(sounds))


FULL_KEY = "="
"""Marks the key of a name with its patronymic (`romanised_keys`)."""


def romanised_keys(
    words: Sequence[str],
    key_words: Callable[[Sequence[str]], Sequence[str]],
    digraph_words: Sequence[str] | None = None,
) -> tuple[str, ...]:
    """The sound keys of a name as written and as each convention reads it back into English.

    `words` are the normalised words of the name's core (legal form cut); `key_words` makes the
    comparable words of any such list (canonical spelling, no title, no particles);
    `digraph_words` are the same words normalised after `with_digraphs`, when that differs.
    Each key leaves the patronymics out; a name with a patronymic also has the key of all its
    words, marked `FULL_KEY` ("Sergei Viktorovich LAVROV" is not "Sergei Ivanovich LAVROV":
    two patronymics are two fathers). A name of fewer than two key words has no key, nor has a
    Chinese or Korean name (a word that is a romanised syllable, `SYLLABLES`): without their
    vowels, "Xi Jinping" and "Su Chunpeng" sound alike."""
    written = key_words(words)
    if len(written) < 2 or not SYLLABLES.isdisjoint(written):
        return ()
    readings = [written]
    base = digraph_words or words
    # A patronymic stays as written: a reading of its ending ("-ovich" read the French way)
    # would hide what it is.
    per_word = [
        (word,) * len(CONVENTIONS) if any(map(is_patronymic, key_words([word]))) else _read(word)
        for word in base
    ]
    for read in zip(*per_word, strict=True):
        if list(read) != list(words):
            readings.append(key_words(read))
    keys: list[str] = []
    for reading in readings:
        shorter = without_patronymic(reading)
        keys.append(sound_key(shorter))
        if len(shorter) < len(reading):
            keys.append(FULL_KEY + sound_key(reading))
    return tuple(dict.fromkeys(key for key in keys if " " in key))


# --- Korean ------------------------------------------------------------------------------------

# The letters of a Hangul syllable as North Korea's romanisation (McCune-Reischauer without its
# breves and apostrophes) writes them, the spelling the lists use for Korean names: 김여정 is
# "Kim Yo Jong", 최룡해 "Choe Ryong Hae", 박봉주 "Pak Pong Ju". anyascii writes South Korea's
# Revised Romanisation ("gim yeo jeong"), which no list name is spelt in.
_KOREAN_INITIALS = ("k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj",
                    "ch", "kh", "th", "ph", "h")  # fmt: skip
_KOREAN_MEDIALS = ("a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo",
                   "u", "wo", "we", "wi", "yu", "u", "ui", "i")  # fmt: skip
_KOREAN_FINALS = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l",
                  "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t")  # fmt: skip
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


def korean_syllable(char: str) -> str | None:
    """A Hangul syllable in North Korea's romanisation (``"김"`` -> ``"kim"``); None for any
    other character."""
    code = ord(char) - _HANGUL_FIRST
    if not 0 <= code <= _HANGUL_LAST - _HANGUL_FIRST:
        return None
    initial, rest = divmod(code, 21 * 28)
    medial, final = divmod(rest, 28)
    return _KOREAN_INITIALS[initial] + _KOREAN_MEDIALS[medial] + _KOREAN_FINALS[final]
