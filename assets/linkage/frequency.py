"""How common a name is in the world, not only on the lists.

An exact full name is strong evidence only when few other people carry it. The lists alone
cannot tell: "Kim Jong Un" and "Kim Chol" are each one list name, but one names a single
person and the other thousands. The probability that someone other than the listed entity
carries a name is estimated word by word (name words combine nearly independently), the
more common reading winning for each word:

- the lists' own share of the word among list names (Arabic, Russian, Korean and Chinese names
  are common there, as they are in the news the lists concern);
- floors for the world's most frequent given and family names (`COMMON_NAMES`) and for
  the words of small closed syllabaries (Chinese and Korean romanised syllables), which carry
  millions of people each whatever their share on the lists.

A patronymic ("Vladimirovich") adds no rarity: it follows from the father's given name and the
news drops it. The name's frequency is then the product of its words' (at least `MIN_NAME`),
and never below the share of other listed entities carrying the same name
(`assets.linkage.splink_run.term_frequencies`): several listed people under one name are
namesakes of one another.

English text frequencies (wordfreq) were measured as a third reading and left out: a word's
frequency in news text is as much its bearer's fame as its commonness ("putin", "hezbollah"
and "sberbank" are frequent because one entity is), and on the labelled real news the model
with them was no better (README, Measured).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyarrow as pa

from assets.common.name_words import without_patronymic
from assets.common.text import COMMON_NAMES

# A word of the world's most frequent given and family names is at least this share of name words.
COMMON_NAME_SHARE = 0.01
# A syllable of a small closed syllabary (about 400 romanised syllables) is at least this share.
SYLLABLE_SHARE = 1 / 400
# No word is rarer than one name word in ten million. No name is rarer than one in a million:
# the exact name's weight is capped (about 19 bits) so that what contradicts it (another
# nationality, a birth year decades off) can still outweigh it; without the cap, "same rare
# name, another person" records matched.
MIN_WORD = 1e-7
MIN_NAME = 1e-6


# A word of this many letters or fewer is one of few strings: an acronym ("VSK", "ISIS") is
# as common as the strings of its length are few.
SHORT_WORD_LETTERS = 4


def short_word_share(word: str) -> float:
    """The share of a word of at most `SHORT_WORD_LETTERS` letters among the strings of its
    length (26 ** -letters: "vsk" one in 17,576); 0 for longer words and words with digits."""
    if len(word) > SHORT_WORD_LETTERS or not word.isalpha():
        return 0.0
    return float(26 ** -len(word))


# Romanised Chinese (pinyin, and the Wade-Giles and Cantonese spellings Hong Kong and Taiwan
# write names in) and Korean syllables: given names there are made of them, so each is shared by
# millions of people.
# fmt: off
_PINYIN_INITIALS = ("b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "zh",
                    "ch", "sh", "r", "z", "c", "s", "y", "w")
_PINYIN_FINALS = ("a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "i",
                  "ia", "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong", "u", "ua", "uo",
                  "uai", "ui", "uan", "un", "uang", "ueng", "ue", "van")
_SYLLABLE_TEXT = """
    a ai an ang ao e ei en eng er o ou yi wu yu ya yan yang yao ye yin ying yong you yue yun
    wa wai wan wang wei wen weng wo chan cheung chiu chow chung fong hui kwok kwan lam lau
    leung lui mak ng poon siu tse tsang tsui wong yeung yip yiu hung hsu hsieh tsai chiang
    chao chou kuo kao
    jong un chol song il nam hyon ryong myong hyok chun sung gwang kwang ok sun yong chang
    chin dong gil gyong hak ho hwa hyang hye jae jin ju kyong kyu man mi min mun pyong ri rim
    ryol ryu sang se seong sok su tae u ung
"""
# fmt: on
SYLLABLES: frozenset[str] = frozenset(
    i + f for i in _PINYIN_INITIALS for f in _PINYIN_FINALS
) | frozenset(_SYLLABLE_TEXT.split())


def glued_syllables(word: str, most: int = 3) -> int:
    """The fewest `SYLLABLES` that `word` is written with, glued ("xinghua": xing + hua, 2);
    0 when it is no such word or needs more than `most`."""
    if not word:
        return 0
    best = [0] + [most + 1] * len(word)  # best[i]: fewest syllables spelling word[:i]
    # Forward from each prefix that syllables spell: most words fail at their first letters.
    for start in range(len(word)):
        if best[start] >= most:
            continue
        for end in range(start + 1, min(len(word), start + 6) + 1):  # six letters at most
            if word[start:end] in SYLLABLES:
                best[end] = min(best[end], best[start] + 1)
    return best[-1] if best[-1] <= most else 0


class NameFrequency:
    """Word and name frequencies among people and organisations, from the lists' token counts
    (token, names: how many list names carry it) over `list_names` list names, and the floors
    above."""

    def __init__(self, token_frequencies: pa.Table, list_names: int) -> None:
        total = max(1, list_names)
        self._list_share = dict(
            zip(
                token_frequencies.column("token").to_pylist(),
                (n / total for n in token_frequencies.column("names").to_pylist()),
                strict=True,
            )
        )
        self._words: dict[str, float] = {}

    def word(self, word: str) -> float:
        """How common `word` (normalised) is among name words, in (0, 1]."""
        found = self._words.get(word)
        if found is None:
            found = min(1.0, max(self._list_share.get(word, 0.0), self._floor(word)))
            self._words[word] = found
        return found

    @staticmethod
    def _floor(word: str) -> float:
        """The least share a word has whatever the lists say: a common given or family name,
        a syllable of a small syllabary, a short word (`short_word_share`), or `MIN_WORD`."""
        if word in COMMON_NAMES:
            return COMMON_NAME_SHARE
        if word in SYLLABLES:
            return SYLLABLE_SHARE
        if glued_syllables(word) == 2:  # "xinghua", "huawei": two syllables written as one
            return SYLLABLE_SHARE**2
        return max(MIN_WORD, short_word_share(word))

    def name(self, words: Sequence[str], listed_share: float = 0.0) -> float:
        """How common a name made of `words` (its core words, in name order) is, given the
        share of list names that are exactly this name (`listed_share`: the other listed
        entities called so).

        A name of several words: the product of its words' frequencies, a patronymic after a
        given name left out. A one-word name: its listed share, not its word's (every
        "HAMAS ..." alias carries the word "hamas", but only Hamas is called "Hamas"), unless
        the word is a common name, a syllable or short. Never below `MIN_NAME`."""
        kept = without_patronymic(words)
        if len(kept) == 1:
            return max(MIN_NAME, min(1.0, max(listed_share, self._floor(kept[0]))))
        log = sum(math.log(self.word(w)) for w in kept)
        return max(MIN_NAME, math.exp(log))
