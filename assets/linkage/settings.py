"""The mention-to-list-name linkage models, declared once: the news mention model and the
counterparty record model, which has the same comparisons with record levels of its own
(`settings_creator`).

Fellegi-Sunter with Splink 5: every candidate pair (mention, list name) gets one comparison
level per comparison below; the match weight is the sum of the levels' log2(m/u). The m and u
probabilities are learned (see `assets.linkage.training`), never hand-set here.

All custom SQL is symmetric in `_l` / `_r`: a list name carries `countries` and `birth_years`,
a mention carries `sentence_countries`, `article_countries` and a birth-year range, and a
comparison looks at "the mention's context against the record's facts" whichever side each is.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

from assets.common.text import OPEN_REGISTRIES
from assets.linkage.romanisations import FULL_KEY

NAME = "name"
SCHEMA = "schema"
COUNTRY = "country"
BIRTH_YEAR = "birth_year"
IDENTIFIER = "identifier"
ROLE_OR_LINK = "role_or_link"
COMPARISON_NAMES = (NAME, SCHEMA, COUNTRY, BIRTH_YEAR, IDENTIFIER, ROLE_OR_LINK)


def _both(expr: str) -> str:
    """`expr` written for (l = mention, r = record) OR'ed with its mirror image."""
    mirrored = expr.replace("_l", "_TMP").replace("_r", "_l").replace("_TMP", "_r")
    return f"(({expr}) OR ({mirrored}))"


# Each name's words as a 63-bit signature (`assets.linkage.records.token_bits`). Where all the
# words of one name are among the other's, so are its bits; where all but one are, at most one
# bit of either name is not the other's. The levels that ask for either test the bits first:
# most candidate pairs share a rare word and little more, and list functions cost about a
# microsecond a pair where two bit operations cost nearly nothing (a quarter of the name
# comparison's time at 150,000 pairs). The bits only rule pairs out; the words decide.
WORDS_OF_ONE_AMONG_THE_OTHERS = (
    "((token_bits_l & ~token_bits_r) = 0 OR (token_bits_r & ~token_bits_l) = 0)"
)
ALL_BUT_ONE_WORD_SHARED = (
    "(bit_count(token_bits_l & ~token_bits_r) <= 1 "
    "AND bit_count(token_bits_r & ~token_bits_l) <= 1)"
)


def _if_bits(bits: str, condition: str) -> str:
    """SQL: `condition`, asked only of the pairs whose token bits pass `bits`."""
    return f"CASE WHEN {bits} THEN {condition} ELSE false END"


# The word-by-word levels below run lambdas over the words of a candidate pair, which costs
# more than the rest of the comparison; each is written as CASE WHEN <cheap test> THEN <lambdas>
# so that only the pairs passing the cheap test pay (DuckDB evaluates both sides of an AND, but
# a THEN only for the rows its WHEN selects), and the lambdas look only at the words the other
# name does not have exactly.


def _allowed_edits(word: str) -> str:
    """SQL: edits a word may be off by and still be "the same word": one, two from eight letters,
    none under five ("yong" and "yang" are two names). LIKE for the length: the Spark
    translation turns `length` of a list expression into `size`."""
    return (
        f"CASE WHEN {word} LIKE '{'_' * 8}%' THEN 2 WHEN {word} LIKE '{'_' * 5}%' THEN 1 ELSE 0 END"
    )


def _others(words: str, other: str) -> str:
    """SQL: the words of the list `words` that the list `other` does not have."""
    return f"list_filter({words}, lambda x: NOT list_contains({other}, x))"


def _no_stranger(words: str, other: str) -> str:
    """SQL: the name `words` is the shorter and each of its words has a word of `other` within
    half its length in edits."""
    kin = f"len(list_filter({other}, lambda v: levenshtein(w, v) * 2 <= length(w))) > 0"
    return (
        f"CASE WHEN len({words}) <= len({other}) THEN "
        f"len(list_filter({_others(words, other)}, lambda w: NOT ({kin}))) = 0 ELSE false END"
    )


# No word of the shorter name is a stranger to the other: each has a word within half its
# length in edits there. Jaro-Winkler over the order-free key scores "logistics smirnov" and
# "logistics pit" 0.88 for their shared first word; this says "smirnov" has no counterpart.
JARO_WINKLER_NO_STRANGER = (
    "CASE WHEN jaro_winkler_similarity(sorted_core_key_l, sorted_core_key_r) >= 0.88 THEN "
    f"({_no_stranger('tokens_l', 'tokens_r')} OR {_no_stranger('tokens_r', 'tokens_l')}) "
    "ELSE false END"
)


def _glued_article(word: str, other: str) -> str:
    """SQL: `other` is `word` with the Arabic article glued to it ("alskeni" for "al-Skeni",
    whose "al" is a particle the words leave out)."""
    return f"({other} = ('al' || {word}) OR {other} = ('el' || {word}))"


_ONE_LEFT = _others("tokens_l", "tokens_r") + "[1]"
_ONE_RIGHT = _others("tokens_r", "tokens_l") + "[1]"


def _all_words_but_one(differing: str, enough_words: str = "len(tokens_l) >= 2") -> str:
    """SQL: the same number of words (`enough_words` of them), all but one shared, and the one
    of each side that differs (`_ONE_LEFT`, `_ONE_RIGHT`) passes `differing`."""
    return (
        f"CASE WHEN len(tokens_l) = len(tokens_r) AND {enough_words} THEN "
        "CASE WHEN len(list_intersect(tokens_l, tokens_r)) = len(tokens_l) - 1 THEN "
        f"{differing} ELSE false END ELSE false END"
    )


# The same number of words (two or more), all but one shared, and that one nearly spelled, or
# written with the article glued on one side only.
ONE_WORD_SPELLED_DIFFERENTLY = _all_words_but_one(
    f"levenshtein({_ONE_LEFT}, {_ONE_RIGHT}) <= {_allowed_edits(_ONE_LEFT)} "
    f"OR {_glued_article(_ONE_LEFT, _ONE_RIGHT)} OR {_glued_article(_ONE_RIGHT, _ONE_LEFT)}"
)
# The same letters with the spaces left out on one side: a name run together
# ("GennadyTimchenko", "kangcholsu"), a legal form glued to the name ("OOOROSTEKH"). Blocking
# finds such pairs by the same key (`blocking_rules`).
RUN_TOGETHER = "replace(normalised_l, ' ', '') = replace(normalised_r, ' ', '')"
# All words of the shorter name (two or more) in the longer one: a dropped middle name.
ALL_WORDS_OF_THE_SHORTER = (
    "CASE WHEN least(len(tokens_l), len(tokens_r)) >= 2 "
    "THEN len(list_intersect(tokens_l, tokens_r)) = least(len(tokens_l), len(tokens_r)) "
    "ELSE false END"
)
# One name has no patronymic (the news drops it): two different patronymics are two fathers,
# so "Vladimir Mikhailovich" is not "Vladimir Leonidovich" of the same family name.
ONE_SIDE_WITHOUT_PATRONYMIC = (
    "(len(tokens_l) = len(string_split(given_family_key_l, ' ')) "
    "OR len(tokens_r) = len(string_split(given_family_key_r, ' ')))"
)
_GIVEN_FAMILY_LEFT = "string_split(given_family_key_l, ' ')"
_GIVEN_FAMILY_RIGHT = "string_split(given_family_key_r, ' ')"
_OFF_LEFT = _others(_GIVEN_FAMILY_LEFT, _GIVEN_FAMILY_RIGHT) + "[1]"
_OFF_RIGHT = _others(_GIVEN_FAMILY_RIGHT, _GIVEN_FAMILY_LEFT) + "[1]"
# The same given and family name, a patronymic on one side only, one of the two words nearly
# spelled ("Alexander Uvanov" for "Alexander Alexandrovich IVANOV"): what
# ONE_WORD_SPELLED_DIFFERENTLY is for names of as many words. Blocking finds such pairs by
# `typo_keys`.
GIVEN_FAMILY_ONE_WORD_SPELLED_DIFFERENTLY = (
    "CASE WHEN len(tokens_l) <> len(tokens_r) AND given_family_key_l LIKE '% %' "
    f"AND given_family_key_r LIKE '% %' AND {ONE_SIDE_WITHOUT_PATRONYMIC} THEN "
    f"CASE WHEN len({_GIVEN_FAMILY_LEFT}) = 2 AND len({_GIVEN_FAMILY_RIGHT}) = 2 "
    f"AND len(list_intersect({_GIVEN_FAMILY_LEFT}, {_GIVEN_FAMILY_RIGHT})) = 1 THEN "
    f"levenshtein({_OFF_LEFT}, {_OFF_RIGHT}) <= {_allowed_edits(_OFF_LEFT)} "
    "ELSE false END ELSE false END"
)
# Nor is "Vladimir Mikhailovich Bogdanov" the listed "Vladimir BOGDANOV" whose other names say
# "Leonidovich": a list name carries the patronymics of every name of its entity
# (`assets.linkage.records`), and a mention's patronymic that none of them sounds like names
# another person, however the rest of the name agrees.
# Sounds one edit apart agree: a typo ("Vladimirovih") is the same patronymic.
ANOTHER_PATRONYMIC = (
    "CASE WHEN len(patronymics_l) > 0 AND len(patronymics_r) > 0 THEN "
    "len(list_filter(patronymics_l, lambda p: len(list_filter(patronymics_r, "
    "lambda q: levenshtein(p, q) <= 1)) > 0)) = 0 ELSE false END"
)
# A listed person whose family name has two words or more (the list's case marks it: "Jose de
# Jesus MENDEZ VARGAS", Spanish paternal and maternal surnames) is called by the first of them:
# "Jose Mendez", "Nicolas Maduro"; "Jose Vargas" names someone else.


def _family_words(side: str) -> str:
    """SQL: the core words of the name on `side` that the list's case does not mark given, in
    name order. Only a list name has `given_tokens`; where they are empty (a mention, a list
    name in one case) every word would count, so `_keeps_first_family_word` asks nothing."""
    return (
        f"list_filter(string_split(core_{side}, ' '), lambda w: list_contains(tokens_{side}, w) "
        f"AND NOT list_contains(given_tokens_{side}, w))"
    )


def _keeps_first_family_word(short: str, listed: str) -> str:
    """SQL: the name on `short` has the first family word of the name on `listed`, when the
    list marks two family words or more there."""
    return (
        f"(len(given_tokens_{listed}) = 0 OR len({_family_words(listed)}) < 2 "
        f"OR list_contains(tokens_{short}, {_family_words(listed)}[1]))"
    )


FIRST_FAMILY_WORD_KEPT = (
    f"{_keeps_first_family_word('l', 'r')} AND {_keeps_first_family_word('r', 'l')}"
)
# The shorter name is only given names of the listed person ("James Jeffrey" of "Jeffrey John
# James ASHFIELD"): without the family name it names someone else, however rare the words are
# on the lists. Known where the list's case marks the family name (`given_tokens`).
ONLY_GIVEN_NAMES = _both(
    "len(given_tokens_r) > 0 AND len(list_filter(tokens_l, "
    "lambda w: NOT list_contains(given_tokens_r, w))) = 0"
)
# A sound key in common (`assets.linkage.romanisations`: the name as French, German, Czech,
# Baltic or Polish romanisations of Cyrillic write it), patronymics aside only when one name
# has none: otherwise the keys with the patronymic (`FULL_KEY`) must agree too.
_FULL_KEYS = f"list_filter(romanised_{{side}}, lambda k: starts_with(k, '{FULL_KEY}'))"
SAME_NAME_IN_ANOTHER_ROMANISATION = (
    "CASE WHEN list_has_any(romanised_l, romanised_r) THEN "
    f"{ONE_SIDE_WITHOUT_PATRONYMIC} OR "
    f"list_has_any({_FULL_KEYS.format(side='l')}, {_FULL_KEYS.format(side='r')}) "
    "ELSE false END"
)
# A sound key has no vowels: two short names sound alike more often than they are one name
# ("Javier Ruiz" and "Reza JA'FARI" are both "JFR RS", "Marco Rossi" and "Mortaza Rezai" both
# "MRTS RS"). A record names a person in full: the record model asks a shared key of this many
# letters or more ("Sergei LAVROV" is "SRJ LFRF"; "Pavel POPOV", "PFL PPF", falls to the levels
# after). LIKE for the length, as `_allowed_edits`.
ROMANISATION_KEY_LETTERS = 7
_LONG_SHARED_KEY = (
    "len(list_filter(list_intersect(romanised_l, romanised_r), "
    f"lambda k: replace(k, ' ', '') LIKE '{'_' * ROMANISATION_KEY_LETTERS}%')) > 0"
)
SAME_LONG_NAME_IN_ANOTHER_ROMANISATION = (
    f"CASE WHEN {_LONG_SHARED_KEY} THEN {SAME_NAME_IN_ANOTHER_ROMANISATION} ELSE false END"
)
# All words of the listed name in the mention, and a word of the mention that no name of the
# listed entity has (`entity_tokens`, its names' words): "Omar Yusuf Al-Harbi" is not the
# listed "Omar Yusuf", but "Ayman Mohammed al-Zawahiri" is the listed "Ayman AL-ZAWAHIRI" whose
# full name has the "Mohammed".
# A word of the mention spelled nearly like one of the entity's ("Sezyed" for "Seyyed") or
# that is one of its legal-form words ("Joint Stock Company" inside the name) is no new part.
NAME_PART_THE_ENTITY_LACKS = _both(
    "CASE WHEN len(entity_tokens_r) > 0 AND len(tokens_l) > len(tokens_r) "
    "AND len(list_intersect(tokens_l, tokens_r)) = len(tokens_r) "
    f"THEN len(list_filter({_others('tokens_l', 'entity_tokens_r')}, "
    "lambda w: len(list_filter(entity_tokens_r, "
    f"lambda v: levenshtein(w, v) <= {_allowed_edits('w')})) = 0)) > 0 ELSE false END"
)
# A word both names carry that few list names carry ("Rangel", "Vedyakhin"; not "Party",
# "State", "Ministry"): "all words of the shorter name" says much more with one than without.
RARE_WORD_IN_BOTH = "list_has_any(rare_tokens_l, rare_tokens_r)"


def _first_word(side: str) -> str:
    """SQL: the first core word of the name on `side` that is no particle ("al")."""
    return (
        f"list_filter(string_split(core_{side}, ' '), lambda w: list_contains(tokens_{side}, w))[1]"
    )


# A person's shorter name leaves out no word before its own: the longer name's first word is
# one of the shorter's ("Ayman al-Zawahiri" in "Ayman Muhammad Rabi AL-ZAWAHIRI" and in
# "AL-ZAWAHIRI Ayman"). "Muammar Gaddafi" is not "Hannibal Muammar GADDAFI": Arabic names carry
# the father's given name second, and a son's full name holds his father's.
LONGER_STARTS_WITH_A_SHARED_WORD = (
    "CASE WHEN coalesce(schema_l, '') <> 'Person' AND coalesce(schema_r, '') <> 'Person' "
    "THEN true WHEN len(tokens_l) <= len(tokens_r) "
    f"THEN list_contains(tokens_l, {_first_word('r')}) "
    f"ELSE list_contains(tokens_r, {_first_word('l')}) END"
)
# The listed side of the pair is a person (the record, whichever side the mention is on; a pair
# of two list names has one type).
LISTED_PERSON = "(CASE WHEN source_l = 'mention' THEN schema_r ELSE schema_l END) = 'Person'"
# A rare family name alone ("Putin", "Lukashenko"): a one-word name that is a distinctive word
# (`assets.linkage.records.RareTokens`) of a listed person's name, not its first (a given name
# alone, "Asma", "Maher", says far less).
FAMILY_NAME_ALONE = _both(
    "len(tokens_l) = 1 AND len(tokens_r) >= 2 AND schema_r = 'Person' "
    "AND list_contains(distinctive_tokens_l, tokens_l[1]) "
    "AND list_contains(tokens_r, tokens_l[1]) AND tokens_l[1] <> " + _first_word("r")
)
# The same one-word name of a person, written alone on one side at least: "Osama" and "OSAMA",
# and "Osama" and the alias "Abu USAMA" ("Abu", father of, is a particle), but not "Abu Abbas"
# and "Abu ABBAS", the same name in full.
ONE_WORD_NAME_OF_A_PERSON = (
    "len(tokens_l) = 1 AND tokens_l = tokens_r AND 'Person' IN (schema_l, schema_r) "
    "AND (NOT contains(core_l, ' ') OR NOT contains(core_r, ' '))"
)
# A listed person's given name alone ("Boris", "Mohammed", "Anna"): the first word of the
# person's name or a given name the list's case marks (`given_tokens`). It names many people.
GIVEN_NAME_ALONE = _both(
    "len(tokens_l) = 1 AND len(tokens_r) >= 2 AND schema_r = 'Person' "
    f"AND (tokens_l[1] = {_first_word('r')} OR list_contains(given_tokens_r, tokens_l[1]))"
)
# A one-word name (a surname, an acronym) that is a word of the other.
ONE_WORD_INSIDE = (
    "CASE WHEN least(len(tokens_l), len(tokens_r)) = 1 "
    "THEN len(list_intersect(tokens_l, tokens_r)) = 1 ELSE false END"
)


# The name comparison's levels that are exact agreements of the two names (the one-word name
# of a person, any other name): a weak alias counts only at these (`scoring`).
EXACT_NAME_LEVELS = ("the same one-word name of a person", "Exact match on core")
# The levels where one name is a single word of the other: a family name alone, a given name
# alone, any other one word inside the other.
ONE_WORD_OF_THE_OTHER_LEVELS = (
    "a rare family name alone",
    "a given name alone",
    "a one-word name inside the other",
)


# A record names a person in full: where the listed person is also named with two words or
# more and the two names share nothing but a rare word (a family name: "Hao HUANG" and "Man Chi
# HUANG"), the other names differ. A news mention often names a person by a part of their name,
# a counterparty record seldom does; the record model learns this level apart from "a shared
# rare word".
_MENTION_SCHEMA = "(CASE WHEN source_l = 'mention' THEN schema_l ELSE schema_r END)"
PEOPLE_IN_FULL_SHARING_A_RARE_WORD = (
    f"list_has_any(distinctive_tokens_l, distinctive_tokens_r) AND {LISTED_PERSON} "
    f"AND coalesce({_MENTION_SCHEMA}, 'Person') = 'Person' "
    "AND len(tokens_l) >= 2 AND len(tokens_r) >= 2"
)
SHARED_RARE_WORD = "a shared rare word"
PEOPLE_IN_FULL_SHARING_A_RARE_WORD_LEVEL = "a shared rare word, people named in full"

# A record cuts a word short where a form's field ran out ("Eduardo Ramon ARELL FELIX" for
# "ARELLANO FELIX"): the same number of words, all but one shared, and that one the first
# four letters or more of the other's (three are often a name of their own: "Min" is not
# "Mingfu").
ONE_WORD_CUT_SHORT = _all_words_but_one(
    f"{_ONE_LEFT} LIKE '____%' AND {_ONE_RIGHT} LIKE '____%' "
    f"AND (starts_with({_ONE_LEFT}, {_ONE_RIGHT}) OR starts_with({_ONE_RIGHT}, {_ONE_LEFT}))"
)
ONE_WORD_CUT_SHORT_LEVEL = "the same words but one cut short"
# A slip of one letter in any word, a short one ("VU XIAN" for "WU XIAN") or a name of one
# word ("BAILTA" for "BALITA") too, or two letters swapped ("Yqain WU"): the same number of
# words, all but one shared, that one a Damerau-Levenshtein edit from the other's. A record's
# name is typed; "the same words but one spelled nearly" allows no edit under five letters,
# as a news mention's short word that differs is another name more often than a slip.
# (DuckDB's function: the record model is scored on DuckDB only.)
_A_LETTER_OFF = f"damerau_levenshtein({_ONE_LEFT}, {_ONE_RIGHT}) <= 1"
ONE_LETTER_OFF = _all_words_but_one(
    _A_LETTER_OFF,
    f"(len(tokens_l) >= 2 OR tokens_l[1] LIKE '{'_' * 5}%')",
)
ONE_LETTER_OFF_LEVEL = "the same words but one a letter off"
# The slip says more where more of the name is shared or the word is long: a word of five
# letters or more ("Yqain WU": two letters swapped, which "the same words but one spelled
# nearly" counts as two edits), or ten letters or more in the words both names share
# ("Migeul Angel VALDEZ RUIZ", "GOMEI AYR SERVICES"). Short names one short word apart ("Yong
# Chen", "Dong CHEN"; "Ri Min Chol", "Ri Mun Chol") are as often two people, and a number
# one digit apart ("FU YUAN YU 8682", "... 7601"; "IRAN HORMUZ 25", "... 26") is another ship:
# they stay at `ONE_LETTER_OFF`.
SHARED_LETTERS = 10
ONE_LETTER_OFF_IN_A_LONGER_NAME = _all_words_but_one(
    f"{_A_LETTER_OFF} "
    f"AND regexp_full_match({_ONE_LEFT}, '[a-z]+') "
    f"AND regexp_full_match({_ONE_RIGHT}, '[a-z]+') "
    f"AND ({_ONE_LEFT} LIKE '{'_' * 5}%' OR {_ONE_RIGHT} LIKE '{'_' * 5}%' "
    "OR array_to_string(list_intersect(tokens_l, tokens_r), '') "
    f"LIKE '{'_' * SHARED_LETTERS}%')"
)
ONE_LETTER_OFF_IN_A_LONGER_NAME_LEVEL = (
    f"the same words but one a letter off, a long word or {SHARED_LETTERS} letters shared"
)
# Jaro-Winkler >= 0.95 over the order-free key says more of a long name than of a short one:
# an edit or two among twelve letters or more is a typo of the name ("Ali WAEKD HATUM"); among
# fewer it can be another name ("Yong Chen", "Dong CHEN"). As many words on both sides, each
# with a counterpart: the score favours a shared start, and a word added or changed at the end
# of the sorted words ("Igor PLOTNITSKY Volkov" for "Igor PLOTNITSKIY", "STAR OIL AND GAS
# DEVELOPMENT" for "PARSIAN OIL AND GAS DEVELOPMENT") leaves it high. LIKE for the length, as
# `_allowed_edits`.
LONG_NAME_LETTERS = 12
JARO_WINKLER_LONG_NAME = (
    f"len(tokens_l) = len(tokens_r) AND {_no_stranger('tokens_l', 'tokens_r')} "
    f"AND sorted_core_key_l LIKE '{'_' * LONG_NAME_LETTERS}%' "
    f"AND sorted_core_key_r LIKE '{'_' * LONG_NAME_LETTERS}%' "
    "AND jaro_winkler_similarity(sorted_core_key_l, sorted_core_key_r) >= 0.95"
)
JARO_WINKLER_LONG_NAME_LEVEL = (
    "Jaro-Winkler >= 0.95 on the order-free key, as many words, "
    f"{LONG_NAME_LETTERS} letters or more"
)


def name_comparison(records: bool = False) -> cl.CustomComparison:
    """A patronymic none of the listed entity's names has (another person, first), the same
    one-word name of a person, exact core name (term-frequency adjusted: common names weigh
    less), the same words in another order, the same given and family names with a patronymic
    dropped, the same words but one spelled nearly, Jaro-Winkler >= 0.95 on the order-free key,
    the same person's name in another romanisation, the same letters run together, the same
    given and family name with one spelled nearly and a patronymic on one side only, the listed
    name with a part none of the entity's names has, all words of the shorter name present in
    the longer one (a dropped middle name; a rare word among them and, for a person, no word
    left out before the shorter one's and not only given names, or not), Jaro-Winkler >= 0.88
    when every word has a counterpart, a rare family name alone, a given name alone, a one-word
    name (a surname, an acronym) inside the other, same sound, a shared rare word that is not a
    given name, else. The record model (`records`) has levels of its own: a word a letter off
    in a long word or a name of many shared letters (`ONE_LETTER_OFF_IN_A_LONGER_NAME`), in
    any other name (`ONE_LETTER_OFF`), a word cut short (`ONE_WORD_CUT_SHORT`) and a typo in a
    long name (`JARO_WINKLER_LONG_NAME`) before the order-free Jaro-Winkler, and two people each
    named in full who share only a rare word (`PEOPLE_IN_FULL_SHARING_A_RARE_WORD`) before the
    shared rare word; its romanisation level asks a long shared sound key
    (`SAME_LONG_NAME_IN_ANOTHER_ROMANISATION`); and its levels that say "the name written
    otherwise" are all weighted by how common the names are (`by_frequency`).
    Each level's weight is learned separately.

    The levels that say "this is the person's name, written in full, shortened or misspelt"
    (exact, same words, without patronymic, one spelled nearly, another romanisation, a
    person's shorter name) are weighted by how common the shorter name is
    (`assets.linkage.frequency`; a mention's own name frequency, `NameFrequencyLookup`):
    "Nicolas Maduro" and "Putin" weigh more than "Mohammed Ali" and "Ivanov".

    The word-by-word tests exist because Jaro-Winkler over the order-free key is blind to
    which word differs: a typo in a first letter re-sorts the words, and a shared first word
    lifts the score of two different names ("logistics smirnov" / "logistics pit")."""

    def by_frequency(level: Any) -> Any:
        """`level`, in the record model weighted by how common the names are too: a record
        names a person in full, and "Jose Torres" in "Jose Luis RUELAS TORRES" or "Jing
        Zhang" near "Jing SONG" is far more often someone else than "Mario Trevino" is."""
        return level.configure(tf_adjustment_column="core") if records else level

    return cl.CustomComparison(
        output_column_name=NAME,
        comparison_levels=[
            cll.CustomLevel("core_l IS NULL OR core_r IS NULL").configure(
                is_null_level=True, label_for_charts="no name"
            ),
            cll.CustomLevel(ANOTHER_PATRONYMIC, label_for_charts="another patronymic"),
            cll.CustomLevel(ONE_WORD_NAME_OF_A_PERSON, label_for_charts=EXACT_NAME_LEVELS[0]),
            cll.ExactMatchLevel("core").configure(
                label_for_charts=EXACT_NAME_LEVELS[1], tf_adjustment_column="core"
            ),
            cll.ExactMatchLevel("sorted_core_key").configure(
                label_for_charts="same words", tf_adjustment_column="core"
            ),
            cll.CustomLevel(
                f"given_family_key_l = given_family_key_r AND given_family_key_l LIKE '% %' "
                f"AND {ONE_SIDE_WITHOUT_PATRONYMIC}",
                label_for_charts="same words apart from a patronymic",
            ).configure(tf_adjustment_column="core"),
            cll.CustomLevel(
                _if_bits(ALL_BUT_ONE_WORD_SHARED, ONE_WORD_SPELLED_DIFFERENTLY),
                label_for_charts="the same words but one spelled nearly",
            ).configure(tf_adjustment_column="core"),
            *(
                [
                    cll.CustomLevel(
                        _if_bits(ALL_BUT_ONE_WORD_SHARED, ONE_LETTER_OFF_IN_A_LONGER_NAME),
                        label_for_charts=ONE_LETTER_OFF_IN_A_LONGER_NAME_LEVEL,
                    ).configure(tf_adjustment_column="core"),
                    cll.CustomLevel(
                        _if_bits(ALL_BUT_ONE_WORD_SHARED, ONE_LETTER_OFF),
                        label_for_charts=ONE_LETTER_OFF_LEVEL,
                    ).configure(tf_adjustment_column="core"),
                    cll.CustomLevel(
                        ONE_WORD_CUT_SHORT, label_for_charts=ONE_WORD_CUT_SHORT_LEVEL
                    ).configure(tf_adjustment_column="core"),
                    cll.CustomLevel(
                        JARO_WINKLER_LONG_NAME, label_for_charts=JARO_WINKLER_LONG_NAME_LEVEL
                    ).configure(tf_adjustment_column="core"),
                ]
                if records
                else []
            ),
            by_frequency(cll.JaroWinklerLevel("sorted_core_key", 0.95)),
            cll.CustomLevel(
                SAME_LONG_NAME_IN_ANOTHER_ROMANISATION
                if records
                else SAME_NAME_IN_ANOTHER_ROMANISATION,
                label_for_charts="the same name in another romanisation",
            ).configure(tf_adjustment_column="core"),
            cll.CustomLevel(RUN_TOGETHER, label_for_charts="the same letters run together"),
            # After the romanisations: a spelling they explain is no typo.
            cll.CustomLevel(
                GIVEN_FAMILY_ONE_WORD_SPELLED_DIFFERENTLY,
                label_for_charts="the same given and family name, one spelled nearly",
            ),
            cll.CustomLevel(
                _if_bits(WORDS_OF_ONE_AMONG_THE_OTHERS, NAME_PART_THE_ENTITY_LACKS),
                label_for_charts="a name part the listed entity lacks",
            ),
            # Split by type: a person's name shortened by a middle name or two ("Nicolas
            # Maduro") is far more often the listed person than an organisation's shortened
            # by some words ("Workers' Party" of "Central Military Commission of the Workers'
            # Party of Korea") is the listed organisation.
            cll.CustomLevel(
                _if_bits(
                    WORDS_OF_ONE_AMONG_THE_OTHERS,
                    f"{ALL_WORDS_OF_THE_SHORTER} AND {RARE_WORD_IN_BOTH} "
                    f"AND {LONGER_STARTS_WITH_A_SHARED_WORD} AND NOT {ONLY_GIVEN_NAMES} "
                    f"AND {FIRST_FAMILY_WORD_KEPT} AND {LISTED_PERSON}",
                ),
                label_for_charts="all words of the shorter name, a rare one among them (person)",
            ).configure(tf_adjustment_column="core"),
            by_frequency(
                cll.CustomLevel(
                    _if_bits(
                        WORDS_OF_ONE_AMONG_THE_OTHERS,
                        f"{ALL_WORDS_OF_THE_SHORTER} AND {RARE_WORD_IN_BOTH} "
                        f"AND {LONGER_STARTS_WITH_A_SHARED_WORD} AND NOT {ONLY_GIVEN_NAMES} "
                        f"AND {FIRST_FAMILY_WORD_KEPT}",
                    ),
                    label_for_charts="all words of the shorter name, a rare one among them",
                )
            ),
            by_frequency(
                cll.CustomLevel(
                    _if_bits(WORDS_OF_ONE_AMONG_THE_OTHERS, ALL_WORDS_OF_THE_SHORTER),
                    label_for_charts="all words of the shorter name",
                )
            ),
            by_frequency(
                cll.CustomLevel(
                    JARO_WINKLER_NO_STRANGER,
                    label_for_charts="Jaro-Winkler >= 0.88, every word with a counterpart",
                )
            ),
            cll.CustomLevel(
                _if_bits(WORDS_OF_ONE_AMONG_THE_OTHERS, FAMILY_NAME_ALONE),
                label_for_charts=ONE_WORD_OF_THE_OTHER_LEVELS[0],
            ),
            cll.CustomLevel(GIVEN_NAME_ALONE, label_for_charts=ONE_WORD_OF_THE_OTHER_LEVELS[1]),
            cll.CustomLevel(
                _if_bits(WORDS_OF_ONE_AMONG_THE_OTHERS, ONE_WORD_INSIDE),
                label_for_charts=ONE_WORD_OF_THE_OTHER_LEVELS[2],
            ),
            cll.CustomLevel(
                "phonetic_l = phonetic_r AND phonetic_l <> ''", label_for_charts="same sound"
            ),
            *(
                [
                    cll.CustomLevel(
                        PEOPLE_IN_FULL_SHARING_A_RARE_WORD,
                        label_for_charts=PEOPLE_IN_FULL_SHARING_A_RARE_WORD_LEVEL,
                    )
                ]
                if records
                else []
            ),
            cll.CustomLevel(
                "list_has_any(distinctive_tokens_l, distinctive_tokens_r)",
                label_for_charts=SHARED_RARE_WORD,
            ),
            cll.ElseLevel(),
        ],
    )


# Named-entity recognition calls many companies, banks and ships people ("Parthia Cargo",
# "Sovcom"), far more often than it calls a person an organisation: the two disagreements are
# learned apart.
MENTION_PERSON_RECORD_ORGANISATION = (
    "(source_l = 'mention' AND schema_l = 'Person' AND schema_r <> 'Person') OR "
    "(source_r = 'mention' AND schema_r = 'Person' AND schema_l <> 'Person')"
)


def schema_comparison() -> cl.CustomComparison:
    """A person mention against an organisation record (or the reverse) is evidence against;
    how much is learned separately for each direction."""
    return cl.CustomComparison(
        output_column_name=SCHEMA,
        comparison_levels=[
            cll.NullLevel("schema").configure(label_for_charts="type unknown"),
            cll.ExactMatchLevel("schema"),
            cll.CustomLevel(
                "schema_l IN ('Organization', 'Vessel', 'Aircraft') "
                "AND schema_r IN ('Organization', 'Vessel', 'Aircraft')",
                label_for_charts="organisation and vessel/aircraft",
            ),
            cll.CustomLevel(
                MENTION_PERSON_RECORD_ORGANISATION,
                label_for_charts="named as a person, listed as an organisation",
            ),
            cll.ElseLevel().configure(label_for_charts="person vs organisation"),
        ],
    )


# The gamma of "the types agree" (the levels above, counted from the last, else = 0).
SCHEMA_AGREES_GAMMA = 3

# A country the article attributes to the mention (a nationality, a base, a flag) counts for or
# against; one merely named in the same sentence or article (where an event happens, who
# imposes sanctions) only counts for, weakly: listed people and companies travel and trade.
_NAMED_COUNTRIES = (
    "len(attributed_countries_l) + len(attributed_countries_r) + len(article_countries_l) "
    "+ len(article_countries_r) + len(sentence_countries_l) + len(sentence_countries_r)"
)


def country_comparison() -> cl.CustomComparison:
    """The record's countries attributed to the mention by the article, named in its sentence,
    elsewhere in the article, or not at all although the article attributes other countries
    to it (evidence against). Disagreement is split by type: a person's nationality says more
    than a company's country, and that more than a ship's flag or an offshore place of
    registration, which news rarely names. Countries named near the mention but not attributed
    to it that are not the entity's say nothing."""
    no_attributed = "len(attributed_countries_l) + len(attributed_countries_r) = 0"
    return cl.CustomComparison(
        output_column_name=COUNTRY,
        comparison_levels=[
            cll.CustomLevel(
                f"(len(countries_l) + len(countries_r) = 0) OR ({_NAMED_COUNTRIES} = 0) OR "
                f"({no_attributed} AND NOT "
                + _both(
                    "list_has_any(list_concat(sentence_countries_l, article_countries_l), "
                    "countries_r)"
                )
                + ")"
            ).configure(is_null_level=True, label_for_charts="no country to compare"),
            cll.CustomLevel(
                _both("list_has_any(attributed_countries_l, countries_r)"),
                label_for_charts="country attributed to it",
            ),
            cll.CustomLevel(
                _both("list_has_any(sentence_countries_l, countries_r)"),
                label_for_charts="country in the sentence",
            ),
            cll.CustomLevel(
                _both("list_has_any(article_countries_l, countries_r)"),
                label_for_charts="country in the article",
            ),
            cll.CustomLevel(
                "coalesce(schema_l, schema_r) = 'Person' "
                "AND coalesce(schema_r, schema_l) = 'Person'",
                label_for_charts="countries disagree (person)",
            ),
            cll.CustomLevel(
                "'Vessel' IN (schema_l, schema_r) OR "
                + _both(f"list_has_any(countries_r, {sorted(OPEN_REGISTRIES)})"),
                label_for_charts="countries disagree (ship flag or offshore registry)",
            ),
            cll.ElseLevel().configure(label_for_charts="countries disagree (organisation)"),
        ],
    )


# A record's date of birth (at least year and month: `birth_dates` of the mention side) against
# the listed ones, at the precision both give: 1962-05 and 1962-05-14 agree; 1962-05-14 and a
# listed 1962-01-01 do not. Both dates give a month at least: a listed year alone is the year
# levels' to compare (inside the record's range, its year widened by the screening's
# tolerance), and says no more than "birth year agrees" does.
_DATES_AGREE = (
    "len(list_filter(birth_dates_l, lambda a: len(a) >= 7 AND len(list_filter(birth_dates_r, "
    "lambda b: len(b) >= 7 AND (starts_with(a, b) OR starts_with(b, a)))) > 0)) > 0"
)
DATES_OF_BIRTH_AGREE = _both(
    f"len(birth_dates_l) > 0 AND len(birth_dates_r) > 0 AND {_DATES_AGREE}"
)
# Asked of the side with a birth-year range only (the record's, as the year levels below): the
# listed side's years alone are no record's.
DATES_OF_BIRTH_DISAGREE = _both(
    "birth_year_min_l IS NOT NULL "
    "AND len(list_filter(birth_dates_l, lambda a: len(a) >= 7)) > 0 AND len(birth_dates_r) > 0 "
    "AND len(list_filter(birth_dates_r, lambda b: CASE WHEN len(b) = 4 "
    "THEN TRY_CAST(b AS INTEGER) BETWEEN birth_year_min_l AND birth_year_max_l "
    "ELSE len(list_filter(birth_dates_l, "
    "lambda a: starts_with(a, b) OR starts_with(b, a))) > 0 END)) = 0"
)


def birth_year_comparison(records: bool = False) -> cl.CustomComparison:
    """A listed year of birth inside the mention's range, within three years, or outside. The
    record model (`records`) compares full dates first: a record's date of birth that agrees
    with a listed one, or disagrees with every listed one at the precision both give, whatever
    the years say (`DATES_OF_BIRTH_AGREE`, `DATES_OF_BIRTH_DISAGREE`)."""
    inside = "list_has_any(birth_years_r, generate_series(birth_year_min_l, birth_year_max_l))"
    near = (
        "list_has_any(birth_years_r, generate_series(birth_year_min_l - 3, birth_year_max_l + 3))"
    )
    dates = [
        cll.CustomLevel(DATES_OF_BIRTH_AGREE, label_for_charts="date of birth agrees"),
        cll.CustomLevel(DATES_OF_BIRTH_DISAGREE, label_for_charts="dates of birth disagree"),
    ]
    return cl.CustomComparison(
        output_column_name=BIRTH_YEAR,
        comparison_levels=[
            cll.CustomLevel(
                "coalesce(birth_year_min_l, birth_year_min_r) IS NULL "
                "OR len(birth_years_l) + len(birth_years_r) = 0"
            ).configure(is_null_level=True, label_for_charts="no birth year to compare"),
            *(dates if records else []),
            cll.CustomLevel(
                _both(f"birth_year_min_l IS NOT NULL AND {inside}"),
                label_for_charts="birth year agrees",
            ),
            cll.CustomLevel(
                _both(f"birth_year_min_l IS NOT NULL AND {near}"),
                label_for_charts="birth year within 3 years",
            ),
            cll.ElseLevel().configure(label_for_charts="birth year disagrees"),
        ],
    )


def identifier_comparison() -> cl.CustomComparison:
    """A shared identifier (IMO, passport...), or one of the same kind that differs."""
    return cl.CustomComparison(
        output_column_name=IDENTIFIER,
        comparison_levels=[
            cll.CustomLevel("len(identifiers_l) = 0 OR len(identifiers_r) = 0").configure(
                is_null_level=True, label_for_charts="no identifier to compare"
            ),
            cll.CustomLevel(
                "list_has_any(identifiers_l, identifiers_r)", label_for_charts="same identifier"
            ),
            cll.CustomLevel(
                "list_has_any(identifier_kinds_l, identifier_kinds_r)",
                label_for_charts="identifier of the same kind differs",
            ),
            cll.ElseLevel().configure(label_for_charts="no comparable identifier"),
        ],
    )


# The mention's role or article names the listed entity's standing: the organisation of one of
# its positions ("Director General of Surgutneftegaz"), or, for a listed person, an entity the
# lists link them to (`assets.linkage.records.ListContext`: a mention's `context_entities` are
# the listed entities so named, a list record's its own entity).
ROLE_OR_LINK_AGREES = "list_has_any(context_entities_l, context_entities_r)"


def role_or_link_comparison() -> cl.CustomComparison:
    """The article names the organisation of a listed position of the entity or, for a listed
    person, an entity linked to them; or the mention's role has a title of the entity's
    positions ("president"); or the role names an organisation and the entity's positions name
    others. Nothing to compare otherwise: most articles name no role nor linked entity, and a
    title alone that is none of the positions' says little (news words a post many ways:
    "commander", "leader", "strongman" for a president), nor does a role against an entity the
    lists give no position."""
    title_in_common = "list_has_any(roles_l, roles_r)"
    return cl.CustomComparison(
        output_column_name=ROLE_OR_LINK,
        comparison_levels=[
            cll.CustomLevel(
                f"NOT {ROLE_OR_LINK_AGREES} AND NOT {title_in_common} "
                "AND (len(role_names_l) = 0 OR len(role_names_r) = 0)"
            ).configure(is_null_level=True, label_for_charts="no role or link to compare"),
            cll.CustomLevel(
                ROLE_OR_LINK_AGREES,
                label_for_charts="the article names its position's organisation or a linked entity",
            ),
            cll.CustomLevel(title_in_common, label_for_charts="a title of a listed position"),
            cll.ElseLevel().configure(
                label_for_charts="role in an organisation none of its positions is in"
            ),
        ],
    )


def blocking_rules() -> list[Any]:
    """Candidate pairs: any of these. Measured candidate recall is in docs/benchmarks.md."""
    return [
        block_on("core"),
        block_on("sorted_core_key"),
        block_on("phonetic"),
        block_on("romanised", arrays_to_explode=["romanised"]),
        block_on("typo_keys", arrays_to_explode=["typo_keys"]),
        block_on("replace(normalised, ' ', '')"),
        block_on("rare_tokens", arrays_to_explode=["rare_tokens"]),
        block_on("identifiers", arrays_to_explode=["identifiers"]),
        block_on("substr(sorted_core_key, 1, 4)", "initials"),
    ]


RETAINED_COLUMNS = ["entity_id", "article_id", "name", "name_kind", "source"]


def settings_creator(
    probability_two_random_records_match: float = 1e-6, records: bool = False
) -> SettingsCreator:
    """The one declaration of the models (comparisons, blocking, retained columns): the news
    mention model, or with `records` the counterparty record model, whose name and birth
    comparisons have the record levels (`name_comparison`, `birth_year_comparison`). Both
    have the same comparisons by name, so one scoring reads either."""
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        # Fixed, so that the same inputs give the same model file (and model version).
        linker_uid="record_linkage" if records else "mention_linkage",
        probability_two_random_records_match=probability_two_random_records_match,
        blocking_rules_to_generate_predictions=blocking_rules(),
        comparisons=[
            name_comparison(records),
            schema_comparison(),
            country_comparison(),
            birth_year_comparison(records),
            identifier_comparison(),
            role_or_link_comparison(),
        ],
        additional_columns_to_retain=RETAINED_COLUMNS,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )
