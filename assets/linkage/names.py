"""Name analysis for record linkage: the comparison and blocking keys of one name.

Every list name (`sources.names.name`) and every news mention goes through the *same* function,
`analyse`, so that the keys of the two sides are comparable by construction. The steps are:

1. `normalise`: NFKC, transliteration of any script to Latin with ``anyascii`` (Cyrillic, Arabic,
   Han, Greek, ...; Hangul the North Korean way), diacritics removed, dotted abbreviations
   joined (``S.A.`` -> ``sa``), apostrophes and quotes dropped, every other punctuation mark
   folded to a space, lower case, single spaces. Pure lower-case ASCII letters, digits and
   single spaces come out, and ``normalise(normalise(x)) == normalise(x)``.
2. `split_legal_form`: an organisation's legal form (``ooo``, ``pjsc``, ``ltd``, ...) is cut from
   the *start or the end* of the name, never from the middle, and only when a real name is left.
3. `canonical_words`: spellings of one name word in different romanisations map to one
   canonical spelling (`SPELLING_VARIANTS`: ``Muhammad``, ``Mohamed``, ``Mohammad`` ->
   ``mohammed``; ``Sergey``, ``Serguei`` -> ``sergei``), a few cheap suffix rules do the same for
   open families (``-ollah``/``-allah`` -> ``-ullah``, ``-skiy``/``-skii`` -> ``-sky``,
   ``-yevich``/``-ievich`` -> ``-evich``, ``-ovych``/``-ovitch`` -> ``-ovich``), and
   ``Abd al-Rahman``, ``Abdul Rahman``, ``Abdel-Rahman`` and ``Abdulrahman`` all become the one word
   ``abdulrahman``. `normalise` itself keeps the written spelling; every key below is made of
   the canonical words.
4. `without_titles`: titles that open a person's name (``Sheikh``, ``Mullah``, ``Ayatollah``,
   ``General``, ``Dr``: `TITLES`) are dropped from the core, when two name words are left and
   the rest does not look like an organisation (``Imam Khomeini Relief Foundation`` keeps its
   ``imam``).
5. Keys: `words_of`, `sorted_key` (order-free), `core_tokens` (without particles such as ``al``,
   ``bin``, ``de``, ``the``), `initials`, `phonetic_key` (metaphone).

Transliteration is a *romanisation*, not the spelling the news uses. Cyrillic and Greek come out
close to the usual English spelling (``Владимир Путин`` -> ``vladimir putin``). Arabic script is
written without short vowels and anyascii drops alif, so ``أيمن الظواهري`` becomes ``ymn
ldhwhry``, the article glued to the noun: such names will not match a Latin spelling and serve
only for exact matches between lists. Han characters give one pinyin syllable each, which are
kept as separate words (``金正恩`` -> ``jin zheng en``, ``習近平`` -> ``xi jin ping``); a mention
written ``Xi Jinping`` has the words ``xi jinping``, so for such names only the space-free
natural-order form (``normalised.replace(" ", "")``) agrees. Korean Hangul syllables are words
of their own too, romanised the way North Korea and the lists write Korean names rather than
anyascii's South Korean way (``김영복`` -> ``kim yong pok``, listed as "KIM Yong Bok", not ``gim
yeong bog``: `assets.linkage.romanisations.korean_syllable`). NFKC runs before anyascii as it
makes Arabic presentation forms agree with the ordinary letters; it costs Thai ``ำ`` its
anyascii spelling.

Legal forms are cut whatever the entity type, on both sides alike: the list has person names
starting or ending with a form-like word (surname ``PAO``, ``KHUN SA``), 15 of 32,505, and the
same name in a mention loses the same word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import product

import jellyfish
import pyarrow as pa
from anyascii import anyascii

from assets.common.legal_forms import LEGAL_FORMS, LegalForm
from assets.common.name_words import SPELLING_VARIANTS, without_patronymic
from assets.linkage.romanisations import (
    korean_syllable,
    patronymic_sounds,
    romanised_keys,
    with_digraphs,
)

__all__ = [
    "LEGAL_FORMS",
    "LEGAL_FORM_FAMILIES",
    "NAME_ARROW_SCHEMA",
    "ORGANISATION_WORDS",
    "PARTICLES",
    "SPELLING_VARIANTS",
    "TITLES",
    "AnalysedName",
    "LegalForm",
    "analyse",
    "analyse_frame",
    "canonical_words",
    "core_tokens",
    "initials",
    "legal_form_family",
    "normalise",
    "patronymics",
    "phonetic_key",
    "romanised",
    "sorted_key",
    "split_legal_form",
    "typo_keys",
    "without_patronymic",
    "without_titles",
    "words_of",
]

# --- normalisation -----------------------------------------------------------------------------

# Single letters each followed by a dot, at least two of them: "S.A.", "L.L.C", "S.p.A.",
# "d.o.o.", "U.S." are joined into one token ("sa", "llc", "spa", "doo", "us") before the dots are
# folded to spaces; "J.Smith" and "M. Khan" are left alone.
_DOTTED = re.compile(r"\b[A-Za-z](?:\.[A-Za-z])+\b\.?")

# ASCII folding after transliteration: letters to lower case, digits kept, apostrophes, quotes
# and backticks (anyascii's rendering of Arabic hamza and ayn) dropped, everything else a space.
_DROPPED = "'`\""
_ASCII_FOLD: dict[int, str | None] = {}
for _code in range(128):
    _char = chr(_code)
    if _char.isalnum():
        _ASCII_FOLD[_code] = _char.lower()
    elif _char in _DROPPED:
        _ASCII_FOLD[_code] = None
    else:
        _ASCII_FOLD[_code] = " "


@lru_cache(maxsize=16384)
def _glued_syllable(char: str) -> bool:
    """Whether anyascii renders `char` as a capitalised syllable that it glues to its neighbours.

    That is the case of uncased syllabic characters, Han and Hangul above all: ``金正恩`` ->
    ``JinZhengEn``. Cased letters (``É``, ``Д``) and uncased letters that transliterate to lower
    case (Arabic, Hebrew, Thai, kana) are not, so words in those scripts stay whole."""
    if char.isascii() or char.isupper() or char.islower():
        return False
    return any(c.isupper() for c in anyascii(char))


def _transliterate(text: str) -> str:
    """`text` in ASCII, each Han or Hangul syllable a word of its own, Hangul in North Korea's
    romanisation (`korean_syllable`). anyascii runs on the whole text rather than character by
    character because some scripts (Thai) need the context."""
    if any(_glued_syllable(char) for char in text):
        text = "".join(
            f" {korean_syllable(char) or char} " if _glued_syllable(char) else char for char in text
        )
    return anyascii(text)


# A name's analysis (`_analysed_values`) and its sound keys (`_core_words`) both start here.
@lru_cache(maxsize=1 << 16)
def normalise(name: str) -> str:
    """The comparison form of a name: lower-case ASCII words separated by single spaces.

    ``"Ayman AL-ZAWAHIRI"`` -> ``"ayman al zawahiri"``, ``"ANGLO-CARIBBEAN CO., LTD."`` ->
    ``"anglo caribbean co ltd"``, ``"Ma'mun"`` -> ``"mamun"``, ``"Ñáñez"`` -> ``"nanez"``,
    ``"Владимир Путин"`` -> ``"vladimir putin"``, ``"金正恩"`` -> ``"jin zheng en"``,
    ``"S.A. de C.V."`` -> ``"sa de cv"``. Idempotent."""
    if not name.isascii():
        name = _transliterate(unicodedata.normalize("NFKC", name))
    if "." in name:
        name = _DOTTED.sub(lambda m: m.group().replace(".", ""), name)
    return " ".join(name.translate(_ASCII_FOLD).split())


def words_of(normalised: str) -> list[str]:
    """The words of a normalised name in their canonical spelling (`canonical_words`), in
    order."""
    return canonical_words(normalised.split())


def sorted_key(normalised: str) -> str:
    """The canonical words sorted and joined by a space, so ``"zawahiri ayman"`` and ``"ayman
    zawahri"`` agree. Duplicates are kept."""
    return " ".join(sorted(canonical_words(normalised.split())))


# --- particles ---------------------------------------------------------------------------------

PARTICLES: frozenset[str] = frozenset(
    {
        # Arabic article with its assimilated forms and Urdu/Persian spellings, "son/daughter
        # of", "father of", "servant of", Persian ezafe ("Ansar-e Hezbollah")
        "al", "el", "ad", "an", "ar", "as", "ash", "at", "az", "ul", "ud", "ur",
        "bin", "bn", "ibn", "bint", "abu", "abd", "e",
        # European nobiliary particles and articles
        "de", "del", "della", "der", "des", "di", "du", "van", "von", "da", "dos", "das",
        "la", "le", "y",
        # English function words of organisation names
        "the", "of", "and", "for", "in",
        # honorifics of news mentions ("Mr Xi")
        "mr", "mrs", "ms", "dr",
    }
)  # fmt: skip
"""Words that are kept in `normalise` output but dropped from the blocking and order-free core
keys: ``"Abu Bakr al-Baghdadi"`` and ``"BAGHDADI, Abu Bakr"`` share the core ``bakr baghdadi``;
``"al-Baghdadi"`` and ``"Baghdadi"`` share ``baghdadi``."""


def _without_particles(words: list[str]) -> list[str]:
    core = [word for word in words if word not in PARTICLES]
    return core or words


# --- spelling variants and titles --------------------------------------------------------------

# `SPELLING_VARIANTS` (the spellings of one name word) lives in `assets.common.name_words`: the
# list-aware matcher reads it too.

# The second word of "Abd al-<name of God>" ("servant of the Merciful"), whatever the article's
# spelling: "Abd al-Rahman", "Abdul Rahman", "Abdel Rahman", "Abd ar-Rahman", "Abdurrahman",
# "Abderrahmane" and "Abdirahman" are one name, the word `canonical_words` makes of them
# ("abdulrahman"). Only God's names (and the Shia "Abd al-Hussein", "Abdul Reza") are listed, so
# that "ABDUL, Mohammed" (a surname before a given name) keeps its two words.
_ABD_SECOND_WORDS: dict[str, tuple[str, ...]] = {
    "allah": ("ullah", "ollah", "ellah", "lah"),
    "rahman": ("rehman", "rahmane", "rakhman", "rachman", "rohman", "rhman", "rahmman", "rahaman"),
    "rahim": ("raheem", "rahem", "rakhim", "rachim", "rochim", "rheem"),
    "aziz": ("azeez", "azziz"),
    "salam": ("salaam", "slam"),
    "karim": ("kareem", "kerim", "krim"),
    "qadir": ("qader", "kadir", "kader", "khader", "ghader", "qadeer", "kadeer", "gader", "kadyr"),
    "latif": ("lateef", "latef"),
    "hamid": ("hameed", "hamed", "khamid"),
    "majid": ("majeed", "madjid", "mejid", "meguid", "magid", "maguid"),
    "hadi": (),
    "malik": ("malek", "malick"),
    "ghani": ("ghany", "gani"),
    "hakim": ("hakeem", "khakim"),
    "halim": ("haleem",),
    "jalil": ("jaleel", "jelil", "djalil"),
    "basit": ("baset", "bassit", "bassed"),
    "basir": ("baseer", "bassir"),
    "baqi": ("baki", "baqui"),
    "wahab": ("wahhab", "vahab", "vahap", "wahap"),
    "razzaq": ("razaq", "razak", "razzak", "rasak", "rezak", "rezzak", "razik", "razag", "razek",
               "razzag", "razeq"),
    "sattar": ("satar",),
    "fattah": ("fatah", "fetah"),
    "khaliq": ("khaleq", "khalik", "khaleeq"),
    "ghafur": ("ghaffur", "ghafoor", "gafur"),
    "ghaffar": ("ghafar", "gaffar"),
    "muhsin": ("mohsen", "mohsin", "muhsen"),
    "samad": ("somad", "samed"),
    "mannan": ("manan",),
    "rauf": ("raouf", "raoof"),
    "rashid": ("rasheed", "rachid"),
    "quddus": ("qudus", "kudus"),
    "qayyum": ("qayum", "qayoum", "qayyoum", "kayum"),
    "nasser": ("nasir", "naser", "nassir", "nacer"),
    "wadud": ("wadoud", "ouadoud", "wadood"),
    "haq": ("haqq", "hak", "heq", "haque"),
    "hai": ("hay", "hayy"),
    "ilah": ("illah", "elah"),
    "munim": ("monem", "moneim", "menhem", "monim"),
    "jabbar": ("jabar",),
    "kabir": ("kabeer",),
    "mujib": ("mujeeb",),
    "ahad": (),
    "bari": (),
    "nur": ("noor", "nour"),
    "amir": ("ameer",),
    "hussein": ("husayn", "hussain", "husain", "husein", "hossein", "hosein"),
    "reza": ("rida", "ridha"),
    "nabi": (),
    "sami": ("samie", "samee", "samea"),
    "tawwab": ("tawab",),
    "muttalib": ("mutalib", "muttaleb", "motaleb"),
    "hafiz": ("hafid", "hafidh", "hafeez"),
    "jawad": ("javad", "jawwad", "gawad", "gawwad"),
    "wahid": ("wahed", "waheed"),
    "wali": (),
    "raqib": (),
    "rabbuh": ("rabbo", "rabbah", "rabba", "rabbu", "rabu", "rabbih", "rabbou"),
    "muhaymin": ("muhayman", "muhaimin"),
    "kafi": (),
    "wakil": ("wakeel",),
    "manaf": (),
    "sabur": ("saboor", "sabour"),
    "zahir": ("zaher",),
}  # fmt: skip
# "Abd" as a word of its own, with its spellings that take an article ("Abd al-", "Abdul").
_ABD_WORDS = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdoul", "abdur", "abdus",
                        "abder", "abdar", "abdil"})  # fmt: skip
_ABD_ARTICLES = frozenset({"al", "el", "ul", "il", "ol", "ar", "ur", "er", "as", "us", "es",
                           "an", "un", "en", "ad", "ud", "ed", "at", "ut", "az", "uz", "ash",
                           "ush"})  # fmt: skip
# "Abd" glued to the name of God, longest first: "abdurrahman" is "abdur" + "rahman".
_ABD_PREFIXES = ("abdoul", "abdul", "abdel", "abdal", "abdol", "abdil", "abdur", "abdus",
                 "abder", "abdar", "abdor", "abdir", "abdes", "abdi", "abdu", "abde", "abdo",
                 "abda", "abd")  # fmt: skip
# "Abu Bakr", glued or with "bakr" spelled otherwise, is "abu bakr" ("abu" a particle).
_ABU_WORDS = frozenset({"abu", "abou"})
_BAKR = frozenset({"bakr", "bakar", "baker", "bakir", "bekir"})
_GLUED_ABU_BAKR = frozenset({"abubakr", "abubakar", "abubaker", "abubakir", "aboubakar",
                             "aboubacar", "aboubakr", "abubakari", "abubakary"})  # fmt: skip
# "<word> ullah" is one name written in two ("Khair Ullah", "Najib Ullah"); "<word> Allah" only
# after the words that make such names ("Hizb Allah", "Ansar Allah", "Nasr Allah"), since
# "Hossein Allah Karam" is "Hossein Allahkaram".
_ULLAH_WORDS = frozenset({"ullah", "ollah"})
_ALLAH_OPENERS = frozenset({
    "hizb", "hezb", "ansar", "nasr", "fadl", "fazl", "sayf", "saif", "seif", "khair", "khayr",
    "kheir", "jund", "hamd", "ata", "atta", "obaid", "ubaid", "ubayd", "aman", "najib", "ehsan",
    "ihsan", "hayat", "hidayat", "inayat", "rahmat", "ismat", "esmat", "asad", "habib", "faiz",
    "sana", "jad", "awad", "barak", "kalimat", "hojat", "hojjat", "zabih", "zebih", "amin", "naim",
    "naeem", "shafiq", "atiq", "wali",
})  # fmt: skip
_PHRASE_WORDS = _ABD_WORDS | _ABU_WORDS | _GLUED_ABU_BAKR | _ULLAH_WORDS | {"allah"}


def _variant_table(spec: dict[str, tuple[str, ...]], what: str) -> dict[str, str]:
    """``{spelling: canonical}`` for every spelling of `spec`, canonical spellings included;
    raises when a spelling is not one normalised word or belongs to two canonical spellings."""
    table: dict[str, str] = {}
    for canonical, variants in spec.items():
        for spelling in (canonical, *variants):
            if normalise(spelling) != spelling or " " in spelling or not spelling.isalpha():
                raise ValueError(f"{what} {spelling!r} is not a normalised word")
            if table.setdefault(spelling, canonical) != canonical:
                raise ValueError(f"{what} {spelling!r}: {table[spelling]} or {canonical}")
    return table


_SPELLINGS = _variant_table(SPELLING_VARIANTS, "spelling")
_ABD_SECOND = _variant_table(_ABD_SECOND_WORDS, "abd name")
# A second word is also known by the spellings `SPELLING_VARIANTS` gives its canonical form
# ("Abdel Hafez" as "Abdul Hafiz"), or "abdul hafiz" would not be what "abdul hafez" became.
for _spelling, _canonical in _SPELLINGS.items():
    if _canonical in _ABD_SECOND and _ABD_SECOND.setdefault(_spelling, _canonical) != _canonical:
        raise ValueError(f"abd name {_spelling!r}: {_ABD_SECOND[_spelling]} or {_canonical}")


def _abd_name(second: str) -> str:
    """The one word of "Abd" + a canonical second word: ``"abdulrahman"``, ``"abdullah"``."""
    return "abdullah" if second == "allah" else "abdul" + second


def _suffix_rule(word: str) -> str:
    """The spelling rules for open families of suffixes (every one a transliteration of one
    ending): Persian/Urdu "-ollah"/"-allah" -> "-ullah" ("nasrallah", "asadollah"); Russian
    "-skiy"/"-skii"/"-skij" and Ukrainian "-skyi"/"-skyy" -> "-sky"; Ukrainian "-ovych"/"-evych"
    and French "-ovitch"/"-evitch" -> "-ovich"/"-evich"; the patronymic
    "-yevich"/"-ievich"/"-iyevich" -> "-evich" (and "-evna"): "nikolayevich" is "nikolaevich",
    "yuryevich" and "yurievich" "yurevich"; the Arabic ending "-ah" of six letters or more
    (not "-llah") -> "-a": "hanifah" is "hanifa"."""
    if len(word) >= 8 and word.endswith(("allah", "ollah", "ellah")):
        return word[:-5] + "ullah"
    if len(word) >= 7 and word.endswith(("skiy", "skii", "skij", "skyi", "skyy")):
        return word[:-4] + "sky"
    if len(word) >= 7 and word.endswith(("ovych", "evych")):
        word = word[:-3] + "ich"
    elif len(word) >= 8 and word.endswith(("ovitch", "evitch")):  # French: "Viktorovitch"
        word = word[:-4] + "ich"
    if len(word) >= 8 and word.endswith(("evich", "evna")):
        stem, ending = (word[:-5], "evich") if word.endswith("evich") else (word[:-4], "evna")
        return stem.rstrip("iy") + ending
    if len(word) >= 6 and word.endswith("ah") and not word.endswith("llah"):
        return word[:-1]  # Arabic final ta marbuta: "Hanifah" / "Hanifa", "Hamzah" / "Hamza"
    return word


_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")


@lru_cache(maxsize=1 << 17)
def _canonical_word(word: str) -> str:
    """The canonical spelling of one normalised word: an ordinal number without its suffix
    (``"33rd"`` -> ``"33"``: "33rd Light Infantry Division" is the lists' "33 LIGHT INFANTRY
    DIVISION"), `SPELLING_VARIANTS`, "Abd" glued to a name of God (``"abderrahmane"`` ->
    ``"abdulrahman"``), then the suffix rules."""
    if word[:1].isdigit() and (ordinal := _ORDINAL.fullmatch(word)):
        return ordinal.group(1)
    found = _SPELLINGS.get(word)
    if found is not None:
        return found
    if word.startswith("abd"):
        for prefix in _ABD_PREFIXES:
            if word.startswith(prefix):
                second = _ABD_SECOND.get(word[len(prefix) :])
                if second is not None:
                    return _abd_name(second)
    ruled = _suffix_rule(word)
    return _SPELLINGS.get(ruled, ruled)


def _canonical_phrase(words: Sequence[str]) -> list[str]:
    """`canonical_words` of a name with a word that may be joined to its neighbour or split."""
    out: list[str] = []
    joinable: str | None = None  # the word out[-1] was spelled from, if "ullah" may join it
    i, count = 0, len(words)
    while i < count:
        word = words[i]
        if word in _ABD_WORDS:
            after = i + 2 if i + 2 < count and words[i + 1] in _ABD_ARTICLES else i + 1
            second = _ABD_SECOND.get(words[after]) if after < count else None
            if second is not None:
                out.append(_abd_name(second))
                i, joinable = after + 1, None
                continue
        elif word in _GLUED_ABU_BAKR or (
            word in _ABU_WORDS and i + 1 < count and words[i + 1] in _BAKR
        ):
            out += ("abu", "bakr")
            i, joinable = i + (1 if word in _GLUED_ABU_BAKR else 2), None
            continue
        elif joinable is not None and (
            word in _ULLAH_WORDS or (word == "allah" and joinable in _ALLAH_OPENERS)
        ):
            out[-1] = _canonical_word(joinable + "ullah")
            i, joinable = i + 1, None
            continue
        out.append(_canonical_word(word))
        joinable = None if word in PARTICLES or word.endswith("llah") else word
        i += 1
    return out


def canonical_words(words: Sequence[str]) -> list[str]:
    """Normalised words in their canonical spelling (`SPELLING_VARIANTS`, the suffix rules), in
    order. "Abd" and the name of God that follows it become one word (``["abd", "al",
    "rahman"]``, ``["abdul", "rahman"]``, ``["abdurrahman"]`` -> ``["abdulrahman"]``); "Abu Bakr"
    is two (``["abubakar"]`` -> ``["abu", "bakr"]``); "<word> ullah" is one (``["khair",
    "ullah"]`` -> ``["khairullah"]``, ``["hizb", "allah"]`` -> ``["hezbollah"]``). Idempotent."""
    if _PHRASE_WORDS.isdisjoint(words):
        return list(map(_canonical_word, words))
    return _canonical_phrase(words)


TITLES: frozenset[str] = frozenset(
    {
        # religious and honorific titles (canonical spellings: "shaykh" is "sheikh")
        "sheikh", "sheikha", "sayyid", "mullah", "haji", "imam", "ayatollah", "hojatoleslam",
        "maulana", "mawlawi", "qari", "ustad",
        # military ranks
        "general", "gen", "major", "colonel", "col", "lieutenant", "lt", "brigadier", "brig",
        "captain", "capt", "commander", "admiral", "marshal", "sergeant", "sgt",
        # offices, nobility, courtesy and academic titles
        "president", "prince", "princess", "emir", "dr", "doctor", "mr", "mrs", "ms", "miss",
        "prof", "professor", "sir", "engineer", "eng", "retired", "retd", "rtd",
    }
)  # fmt: skip
"""Titles that `without_titles` drops when they open a person's name. Words that are as often a
given name are left out: "Amir" ("Amir KUBURA"), "Sultan", "Hafiz" ("Hafez al-Assad"),
"Sharif", "Said"."""

# Two-word titles whose first word alone is not one ("grand ayatollah", "crown prince").
_TITLE_PAIRS = frozenset({
    ("grand", "ayatollah"), ("crown", "prince"), ("prime", "minister"), ("vice", "president"),
    ("supreme", "leader"), ("his", "excellency"), ("her", "excellency"), ("al", "haji"),
    ("el", "haji"), ("field", "marshal"), ("rear", "admiral"), ("vice", "admiral"),
})  # fmt: skip
_TITLE_OPENERS = TITLES | {first for first, _ in _TITLE_PAIRS}
# Words that make the rest of a name an organisation's ("Imam Khomeini Relief Foundation",
# "Haji Khairullah Money Exchange", "Mullah Nazir Group"): a title opening it stays.
ORGANISATION_WORDS = frozenset({
    "of", "and", "the", "for", "company", "group", "groupe", "grupo", "exchange", "money",
    "hawala", "sarafi", "currency", "service", "services", "organization", "organisation",
    "committee", "relief", "aid", "emdad", "imdad", "support", "foundation", "bonyad", "trust",
    "fund", "charity", "charitable", "welfare", "humanitarian", "society", "association",
    "union", "federation", "council", "university", "institute", "institut", "academy",
    "school", "college", "madrassa", "seminary", "mosque", "hospital", "clinic", "center",
    "centre", "bureau", "office", "department", "directorate", "administration", "ministry",
    "agency", "authority", "commission", "corporation", "industries", "industry", "industrial",
    "complex", "factory", "plant", "works", "enterprise", "enterprises", "establishment",
    "holding", "holdings", "trading", "trade", "import", "export", "shipping", "lines", "line",
    "marine", "maritime", "airlines", "airways", "aviation", "aerospace", "transport",
    "logistics", "travel", "tours", "hotel", "petroleum", "petrochemical", "oil", "gas",
    "energy", "refinery", "mining", "steel", "gold", "jewellery", "motors", "electric",
    "electronics", "engineering", "construction", "technology", "technologies", "technical",
    "systems", "solutions", "research", "science", "sciences", "scientific", "development",
    "investment", "investments", "capital", "finance", "financial", "bank", "insurance",
    "credit", "partners", "brothers", "bros", "sons", "media", "radio", "television", "press",
    "news", "network", "party", "movement", "front", "army", "forces", "force", "corps",
    "guard", "guards", "brigade", "brigades", "battalion", "battalions", "division",
    "regiment", "unit", "command", "staff", "militia", "martyrs", "league", "club", "team",
    "market", "store", "shop", "farm", "estate", "properties", "project", "projects",
    "international", "global", "national", "republic", "state", "government",
    # group words of the movements on the lists ("Imam Bukhari Jamaat")
    "jamaat", "jamiat", "harakat", "hizb", "jaish", "kataib", "lashkar", "tehrik", "jabhat",
    "tanzim", "majlis", "shura", "mujahideen", "islamiyah", "taliban",
})  # fmt: skip


def _may_drop_title(rest: Sequence[str]) -> bool:
    """Whether the words after a title are a person's name: two name words (not particles) or
    more, all of letters, none an organisation's word, and some written with a vowel (Arabic
    script romanises without short vowels or alif: "عمر محمد قدير", Umar Muhammad Qadir, comes
    out "mr mhmd qdyr", and its "mr" is no title)."""
    if not any(vowel in word for word in rest for vowel in "aeiou"):
        return False
    names = 0
    for word in rest:
        if word in ORGANISATION_WORDS or not word.isalpha():
            return False
        if word not in PARTICLES:
            names += 1
    return names >= 2


def without_titles(words: list[str]) -> list[str]:
    """Canonical words (name order) without the titles (`TITLES`, "grand ayatollah") that open
    them, each dropped only when what follows is a person's name of two words or more:
    ``"ayatollah sayyid ali khamenei"`` -> ``["ali", "khamenei"]``, but ``"sheikh hassan"``,
    ``"general motors"`` and ``"imam khomeini relief foundation"`` keep their words. A title
    later in the name (``"kataib sayyid al shuhada"``) is a name word."""
    start, count = 0, len(words)
    while start < count:
        if words[start] in TITLES:
            step = 1
        elif start + 1 < count and (words[start], words[start + 1]) in _TITLE_PAIRS:
            step = 2
        else:
            break
        if not _may_drop_title(words[start + step :]):
            break
        start += step
    return words[start:] if start else words


def core_tokens(normalised: str) -> list[str]:
    """The canonical words (`canonical_words`) without an opening title (`without_titles`) and
    without `PARTICLES`, in order. A name made only of particles (``"the the"``, ``"al"``) keeps
    all its words, so no name has an empty core."""
    words = canonical_words(normalised.split())
    if words and words[0] in _TITLE_OPENERS and split_legal_form(normalised)[1] is None:
        words = without_titles(words)
    return _without_particles(words)


def _initials(core: list[str]) -> str:
    return "".join(word[0] for word in core)


def initials(normalised: str) -> str:
    """First letters of the core words (particles dropped), in name order: ``"ayman al
    zawahiri"`` -> ``"az"``, ``"islamic state of iraq and the levant"`` -> ``"isil"``."""
    return _initials(core_tokens(normalised))


def _phonetic(core: list[str]) -> str:
    return " ".join(sorted(code for code in map(_metaphone, core) if code))


def phonetic_key(normalised: str) -> str:
    """Metaphone of each core word (`core_tokens`: canonical spelling, particles dropped), sorted,
    joined by a space; words without a code (digits, ``"w"``, ``"y"``) are skipped. Metaphone
    alone makes ``"qaddafi"`` ``KTF`` but ``"gadhafi"`` ``KTHF``, and ``"osama"`` and ``"usama"``
    differ; their canonical spellings (``"gaddafi"``, ``"osama"``) make them agree."""
    return _phonetic(core_tokens(normalised))


@lru_cache(maxsize=65536)
def _metaphone(word: str) -> str:
    return jellyfish.metaphone(word)


# --- legal forms -------------------------------------------------------------------------------


# The legal-form table lives in `assets.common.legal_forms` (extraction reads it too); its
# spellings must be what `normalise` makes of them.
for _variant in LEGAL_FORMS:
    assert normalise(_variant) == _variant, _variant

_PREFIX_FORMS = {variant: form.canonical for variant, form in LEGAL_FORMS.items() if form.prefix}
# Forms that are written after the name but that a register or payment file also puts in front
# ("LTD HIGHTRAIL", "LLC SMILE TECHNOLOGIES" already is a prefix form): abbreviations that never
# open a company's own name, unlike "SAS", "SPA", "ASA" or the words "Limited" ("LIMITED
# EDITIONS") and "Company".
_FRONTED_SUFFIX_VARIANTS = frozenset(
    {"ltd", "inc", "corp", "co ltd", "gmbh", "sarl", "srl", "ltda", "doo", "d o o", "fze"}
    | {"fzco", "bhd", "sdn bhd"}
)
_SUFFIX_FORMS = {variant: form.canonical for variant, form in LEGAL_FORMS.items() if form.suffix}
_FRONTED_SUFFIX_FORMS = {variant: _SUFFIX_FORMS[variant] for variant in _FRONTED_SUFFIX_VARIANTS}
_MAX_FORM_WORDS = max(len(variant.split()) for variant in LEGAL_FORMS)
# The words a form written after a name ends with, and those a form in front of it opens with.
_SUFFIX_LAST_WORDS = frozenset(variant.split()[-1] for variant in _SUFFIX_FORMS)
_PREFIX_FIRST_WORDS = frozenset(
    variant.split()[0] for variant in (*_PREFIX_FORMS, *_FRONTED_SUFFIX_FORMS)
)

LEGAL_FORM_FAMILIES: dict[str, str] = {
    "ooo": "llc",
    "tov": "llc",
    "osoo": "llc",
    "mchj": "llc",
    "ao": "jsc",
    "at": "jsc",
    "pao": "pjsc",
    "pat": "pjsc",
    "oao": "ojsc",
    "zao": "cjsc",
    "prat": "cjsc",
    "pte ltd": "ltd",
    "pvt ltd": "ltd",
    "pty ltd": "ltd",
}
"""Canonical forms that are the same form in another language: Russian ``ooo`` is an ``llc``,
``pao`` a ``pjsc``. Used by `legal_form_family` for comparing forms across spellings."""


def legal_form_family(form: str | None) -> str | None:
    """The English family of a canonical legal form: ``"pao"`` -> ``"pjsc"``, ``"ooo"`` ->
    ``"llc"``; other forms are their own family."""
    if form is None:
        return None
    return LEGAL_FORM_FAMILIES.get(form, form)


# Legal-form words long enough that a one-letter slip ("LIABILITI", "COMPANI", "LIMITD") still
# names them unambiguously; shorter ones ("ltd", "ooo") must be spelled exactly.
_FORM_WORD_MIN_LENGTH = 6


def _one_deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


# A word this long may be off by a letter and still be the same word (the comparison's
# `_allowed_edits`: none under five letters, "yong" and "yang" are two names).
TYPO_MIN_LENGTH = 5


def typo_keys(given_family_key: str | None) -> tuple[str, ...]:
    """Keys under which two names of a given and a family name (`given_family_key`: sorted,
    patronymic aside) meet when one word is one letter off in the other ("alexander uvanov"
    and "alexander ivanov"; a letter replaced, added or dropped): the key itself and, for each
    word of `TYPO_MIN_LENGTH` letters or more, the words with one letter of it deleted, sorted.
    Two such words share a one-letter deletion, or one is a deletion of the other. Names of
    other lengths have none: a longer name's typo finds it through its other words."""
    words = (given_family_key or "").split()
    if len(words) != 2 or not all(word.isalpha() for word in words):
        return ()
    keys = {" ".join(words)}
    for index, word in enumerate(words):
        if len(word) >= TYPO_MIN_LENGTH:
            other = words[1 - index]
            keys.update(" ".join(sorted((other, deleted))) for deleted in _one_deletions(word))
    return tuple(sorted(keys))


def _build_form_word_index() -> dict[str, frozenset[str]]:
    """Every long legal-form word, and each of its one-letter deletions, -> the word(s)."""
    words = {
        w for variant in LEGAL_FORMS for w in variant.split() if len(w) >= _FORM_WORD_MIN_LENGTH
    }
    index: dict[str, set[str]] = {}
    for word in words:
        for key in {word} | _one_deletions(word):
            index.setdefault(key, set()).add(word)
    return {key: frozenset(found) for key, found in index.items()}


_FORM_WORD_INDEX = _build_form_word_index()
_FORM_WORDS = frozenset(word for found in _FORM_WORD_INDEX.values() for word in found)


@lru_cache(maxsize=1 << 16)
def _form_words(word: str) -> tuple[str, ...]:
    """The legal-form words `word` may be: itself, or the long legal-form words one edit away
    (a letter dropped, added, replaced, or two swapped); usually one, "compani" two."""
    if word in _FORM_WORDS or len(word) < _FORM_WORD_MIN_LENGTH - 1:
        return (word,)
    near = set(_FORM_WORD_INDEX.get(word, ()))
    for i in range(len(word)):
        found = _FORM_WORD_INDEX.get(word[:i] + word[i + 1 :])
        if found:
            near.update(w for w in found if len(w) >= len(word) - 1)
    return (word, *sorted(near))


def _find_form(forms: dict[str, str], spellings: list[tuple[str, ...]]) -> str | None:
    """The canonical form of the first reading of a span of words that is a form in `forms`."""
    for reading in product(*spellings):
        found = forms.get(" ".join(reading))
        if found is not None:
            return found
    return None


def _has_name_word(words: list[str]) -> bool:
    return any(word not in PARTICLES for word in words)


@lru_cache(maxsize=1 << 16)
def split_legal_form(normalised: str) -> tuple[str, str | None]:
    """``(name without its legal form, canonical legal form or None)``.

    A legal form is recognised only as the first or last words of the name (a few forms written
    after a name also in front of it: ``"ltd hightrail"``), the longest spelling first, its long
    words also with a one-letter slip (``"limited liabiliti company"``), and only when a word that
    is not a particle remains: ``"promsvyazbank pjsc"`` and
    ``"public joint stock company promsvyazbank"`` -> ``("promsvyazbank", "pjsc")``, but
    ``"company"``, ``"ao"`` and ``"the company"`` are names and come back unchanged. At most one
    form is cut from each end; when both ends carry one the opening form is reported."""
    words = normalised.split()
    if len(words) < 2:
        return normalised, None
    # Most names neither end nor open with a form's word: nothing to look up.
    may_end = any(word in _SUFFIX_LAST_WORDS for word in _form_words(words[-1]))
    may_open = any(word in _PREFIX_FIRST_WORDS for word in _form_words(words[0]))
    if not (may_end or may_open):
        return normalised, None
    # Forms are looked up with their long words' slips mended ("limited liabiliti company"); only
    # the words a form could cover (at either end) are looked at.
    edge = _MAX_FORM_WORDS
    spelled = [
        _form_words(word) if i < edge or i >= len(words) - edge else (word,)
        for i, word in enumerate(words)
    ]
    suffix_form = prefix_form = None
    for size in range(min(edge, len(words) - 1) if may_end else 0, 0, -1):
        found = _find_form(_SUFFIX_FORMS, spelled[-size:])
        if found is not None and _has_name_word(words[:-size]):
            suffix_form, words, spelled = found, words[:-size], spelled[:-size]
            break
    for size in range(min(edge, len(words) - 1) if may_open else 0, 0, -1):
        found = _find_form(_PREFIX_FORMS, spelled[:size])
        if found is None and size <= 2:
            found = _find_form(_FRONTED_SUFFIX_FORMS, spelled[:size])
        if found is not None and _has_name_word(words[size:]):
            prefix_form, words = found, words[size:]
            break
    form = prefix_form or suffix_form
    return (" ".join(words), form) if form else (normalised, None)


# --- the analysed name -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnalysedName:
    """The comparison and blocking keys of one name.

    - ``normalised``: `normalise` of the name, legal form and particles included, in its written
      spelling (the one field that is not in canonical spelling).
    - ``core``: the canonical words (`canonical_words`) of ``normalised`` without its legal form
      and without the titles that open a person's name (`without_titles`); particles kept.
      ``"Ayatollah Sayyed Ali KHAMENEI"`` and ``"Ali Khamene'i"`` give ``"ali khamenei"``.
    - ``legal_form``: canonical legal form cut from ``core``, or None.
    - ``words``: the canonical words of ``normalised``, in order (titles and form included;
      a record's ``tokens`` are its core words instead: `assets.linkage.records`).
    - ``sorted_key``: ``words`` sorted (order-free exact key).
    - ``sorted_core_key``: the words of ``core`` without particles, sorted: the order-free key
      that ignores legal form and particles (``"AL-ZAWAHIRI, Ayman"``, ``"Ayman al-Zawahiri"``
      and ``"zawahiri ayman"`` all give ``"ayman zawahiri"``).
    - ``given_family_key``: ``sorted_core_key`` without patronymics (``"Mikhail Yefimovich
      FRADKOV"`` gives ``"fradkov mikhail"``, as news writes him).
    - ``phonetic``: `phonetic_key` of ``core`` (particles dropped, sorted).
    - ``initials``: `initials` of ``core`` (particles dropped, name order).
    - ``token_count``: ``len(words)``.
    """

    normalised: str
    core: str
    legal_form: str | None
    words: tuple[str, ...]
    sorted_key: str
    sorted_core_key: str
    given_family_key: str
    phonetic: str
    initials: str
    token_count: int


def given_name_words(name: str) -> list[str]:
    """The given-name words of a listed person's name, normalised: the lists write a person as
    "Given Names FAMILY NAME" (``"Miguel Angel TREVINO MORALES"`` -> ``["miguel", "angel"]``).
    A name without that case pattern (all upper case, all capitalised, a script without case)
    says nothing: ``[]``."""
    words = name.split()
    upper = [w.isupper() for w in words]
    if not any(upper) or all(upper):
        return []
    return canonical_words(
        [
            token
            for word, is_upper in zip(words, upper, strict=True)
            if not is_upper and any(c.islower() for c in word)
            for token in normalise(word).split()
        ]
    )


def analyse(name: str) -> AnalysedName:
    """Every key of `name`; the same function serves list names and news mentions."""
    return AnalysedName(*_analysed_values(name))


# The fields of an `AnalysedName`, in field order.
_AnalysedValues = tuple[str, str, str | None, tuple[str, ...], str, str, str, str, str, int]


def _key_words(words: Sequence[str]) -> tuple[str, ...]:
    """The comparable words of a name's core words: canonical spelling, no opening title, no
    particles (what `_analysed_values` makes of them)."""
    if len(words) == 1:  # most calls: one word as each romanisation reads it
        return _word_key_words(words[0])
    canonical = canonical_words(words)
    if canonical and canonical[0] in _TITLE_OPENERS:
        canonical = without_titles(canonical)
    return tuple(_without_particles(canonical))


@lru_cache(maxsize=1 << 16)
def _word_key_words(word: str) -> tuple[str, ...]:
    """`_key_words` of one word: the words of a name recur across names and readings."""
    canonical = canonical_words([word])
    if canonical and canonical[0] in _TITLE_OPENERS:
        canonical = without_titles(canonical)
    return tuple(_without_particles(canonical))


@lru_cache(maxsize=1 << 16)
def patronymics(name: str) -> tuple[str, ...]:
    """The sounds of the patronymics in `name` (`assets.linkage.romanisations.patronymic_sounds`):
    ``"Vladimir Mikhaylovich BOGDANOV"`` -> ``("MHLFX",)``; ``()`` for a name without one."""
    words = _core_words(name)
    if len(words) < 3:  # a patronymic follows a given name and comes before or after a family
        return ()  # name: two words are a given and a family name (`without_patronymic`)
    return tuple(sorted({sound for word in words[1:] for sound in _word_patronymics(word)}))


@lru_cache(maxsize=1 << 16)
def _word_patronymics(word: str) -> tuple[str, ...]:
    """`patronymic_sounds` of one normalised word (a name's are the union of its words')."""
    return patronymic_sounds([word], _key_words)


@lru_cache(maxsize=1 << 16)
def _core_words(name: str) -> tuple[str, ...]:
    """The normalised words of `name` without its legal form (`split_legal_form`)."""
    return tuple(split_legal_form(normalise(name))[0].split())


@lru_cache(maxsize=1 << 16)
def romanised(name: str) -> tuple[str, ...]:
    """The sound keys of `name` as written and as other languages' romanisations of Cyrillic
    read back into English (`assets.linkage.romanisations.romanised_keys`): ``"Evgueni
    Prigojine"`` and ``"Evgeny PRIGOZHIN"`` share one. The same function serves list names and
    news mentions; the record builders ask it for people's names only."""
    words = _core_words(name)
    if len(words) < 2:
        return ()
    digraphs = with_digraphs(name)
    digraph_words = None if digraphs == name else _core_words(digraphs)
    return romanised_keys(words, _key_words, digraph_words)


# A batch asks for its mentions' names twice (their article's names, `mentions_related_names`;
# their records, `analyse_frame`): the second time from here.
@lru_cache(maxsize=1 << 15)
def _analysed_values(name: str) -> _AnalysedValues:
    """The fields of `analyse(name)`, in field order."""
    normalised = normalise(name)
    core, legal_form = split_legal_form(normalised)
    words = canonical_words(normalised.split())
    core_words = words if legal_form is None else canonical_words(core.split())
    if legal_form is None and core_words and core_words[0] in _TITLE_OPENERS:
        core_words = without_titles(core_words)
    key_words = _without_particles(core_words)
    return (
        normalised,
        " ".join(core_words),
        legal_form,
        tuple(words),
        " ".join(sorted(words)),
        " ".join(sorted(key_words)),
        " ".join(sorted(without_patronymic(key_words))),
        _phonetic(key_words),
        _initials(key_words),
        len(words),
    )


NAME_ARROW_SCHEMA = pa.schema(
    [
        ("normalised", pa.string()),
        ("core", pa.string()),
        ("legal_form", pa.string()),
        ("words", pa.list_(pa.string())),
        ("sorted_key", pa.string()),
        ("sorted_core_key", pa.string()),
        ("given_family_key", pa.string()),
        ("phonetic", pa.string()),
        ("initials", pa.string()),
        ("token_count", pa.int32()),
    ]
)
"""Arrow schema of `analyse_frame`: one column per `AnalysedName` field, in field order."""

assert NAME_ARROW_SCHEMA.names == [f.name for f in fields(AnalysedName)]


def analyse_frame(names: Iterable[str | None]) -> pa.Table:
    """`analyse` every name into an Arrow table with one row per input name, in input order
    (columns `NAME_ARROW_SCHEMA`). Each distinct name is analysed once. A None name gives a row of
    nulls."""
    # Each distinct name (None included) is a row of `distinct`; `order` picks the rows.
    position: dict[str | None, int] = {}
    order = [position.setdefault(name, len(position)) for name in names]
    nulls = (None,) * len(NAME_ARROW_SCHEMA)
    distinct = [nulls if name is None else _analysed_values(name) for name in position]
    columns = zip(*distinct, strict=True) if distinct else [()] * len(nulls)
    table = pa.Table.from_arrays(
        [
            pa.array(values, type=field.type)
            for field, values in zip(NAME_ARROW_SCHEMA, columns, strict=True)
        ],
        schema=NAME_ARROW_SCHEMA,
    )
    if len(order) == len(position):  # every name distinct: the rows are in input order
        return table
    return table.take(pa.array(order, pa.int64()))
