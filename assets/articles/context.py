"""The context around a mention that tells a listed entity from a namesake: the countries named
near it, the role or title next to it, an age or birth year, identifiers (IMO, passport, SWIFT)
and in-document coreference ("Blinken" -> "Antony Blinken", "PSB" -> "Public Security Bureau").

Everything here is a pure function over plain strings and character offsets, so each rule can be
tested on a literal sentence without loading spaCy. `assets.articles.nlp` feeds them the spans
the pipeline found.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import TypeAlias

import pycountry

from assets.articles.model import MentionIdentifier
from assets.common.text import country_by_name, country_code, unique

# --- countries ---------------------------------------------------------------------------------

# Demonyms and adjectives of nationality (lower case) -> ISO 3166 alpha-2. Plurals ("Russians")
# are handled by `country_of`.
DEMONYMS: Mapping[str, str] = {
    "afghan": "AF", "albanian": "AL", "algerian": "DZ", "american": "US", "angolan": "AO",
    "argentine": "AR", "argentinian": "AR", "armenian": "AM", "australian": "AU",
    "austrian": "AT", "azerbaijani": "AZ", "azeri": "AZ", "bahraini": "BH",
    "bangladeshi": "BD", "belarusian": "BY", "belarussian": "BY", "belgian": "BE",
    "bolivian": "BO", "bosnian": "BA", "brazilian": "BR", "british": "GB", "briton": "GB",
    "bulgarian": "BG", "burmese": "MM", "cambodian": "KH", "cameroonian": "CM",
    "canadian": "CA", "chadian": "TD", "chilean": "CL", "chinese": "CN", "colombian": "CO",
    "congolese": "CD", "croatian": "HR", "cuban": "CU", "cypriot": "CY", "czech": "CZ",
    "danish": "DK", "dutch": "NL", "ecuadorian": "EC", "egyptian": "EG", "emirati": "AE",
    "eritrean": "ER", "estonian": "EE", "ethiopian": "ET", "filipino": "PH", "finnish": "FI",
    "french": "FR", "georgian": "GE", "german": "DE", "ghanaian": "GH", "greek": "GR",
    "guatemalan": "GT", "haitian": "HT", "honduran": "HN", "hungarian": "HU",
    "indian": "IN", "indonesian": "ID", "iranian": "IR", "iraqi": "IQ", "irish": "IE",
    "israeli": "IL", "italian": "IT", "ivorian": "CI", "jamaican": "JM", "japanese": "JP",
    "jordanian": "JO", "kazakh": "KZ", "kazakhstani": "KZ", "kenyan": "KE", "kosovar": "XK",
    "kuwaiti": "KW", "kyrgyz": "KG", "lao": "LA", "laotian": "LA", "latvian": "LV",
    "lebanese": "LB", "libyan": "LY", "lithuanian": "LT", "malaysian": "MY", "malian": "ML",
    "maltese": "MT", "mexican": "MX", "moldovan": "MD", "mongolian": "MN",
    "montenegrin": "ME", "moroccan": "MA", "mozambican": "MZ", "nepalese": "NP",
    "nepali": "NP", "nicaraguan": "NI", "nigerian": "NG", "nigerien": "NE",
    "north korean": "KP", "norwegian": "NO", "omani": "OM", "pakistani": "PK",
    "palestinian": "PS", "panamanian": "PA", "paraguayan": "PY", "peruvian": "PE",
    "polish": "PL", "portuguese": "PT", "qatari": "QA", "romanian": "RO", "russian": "RU",
    "rwandan": "RW", "saudi": "SA", "saudi arabian": "SA", "senegalese": "SN",
    "serbian": "RS", "singaporean": "SG", "slovak": "SK", "slovenian": "SI", "somali": "SO",
    "south african": "ZA", "south korean": "KR", "south sudanese": "SS", "spanish": "ES",
    "sri lankan": "LK", "sudanese": "SD", "swedish": "SE", "swiss": "CH", "syrian": "SY",
    "taiwanese": "TW", "tajik": "TJ", "tanzanian": "TZ", "thai": "TH", "tunisian": "TN",
    "turkish": "TR", "turkmen": "TM", "ugandan": "UG", "ukrainian": "UA", "uruguayan": "UY",
    "uzbek": "UZ", "venezuelan": "VE", "vietnamese": "VN", "yemeni": "YE", "zambian": "ZM",
    "zimbabwean": "ZW", "hong konger": "HK", "macanese": "MO", "new zealander": "NZ",
    "kiwi": "NZ", "scottish": "GB", "welsh": "GB", "english": "GB",
    # flag states of open registries, as shipping news writes them ("a Liberian-flagged tanker")
    "liberian": "LR", "marshallese": "MH", "bahamian": "BS", "belizean": "BZ",
    "barbadian": "BB", "comoran": "KM", "comorian": "KM", "gabonese": "GA", "togolese": "TG",
    "sierra leonean": "SL", "palauan": "PW", "vanuatuan": "VU", "tongan": "TO",
    "mauritian": "MU", "seychellois": "SC", "equatoguinean": "GQ", "antiguan": "AG",
    "vincentian": "VC", "emirian": "AE",
}  # fmt: skip

# Capitals and other cities the news names in place of a country ("Moscow said").
CITIES: Mapping[str, str] = {
    "beijing": "CN", "shanghai": "CN", "shenzhen": "CN", "guangzhou": "CN",
    "hong kong": "HK", "macau": "MO", "macao": "MO", "taipei": "TW",
    "moscow": "RU", "st petersburg": "RU", "st. petersburg": "RU",
    "saint petersburg": "RU", "vladivostok": "RU", "kremlin": "RU",
    "tehran": "IR", "pyongyang": "KP", "seoul": "KR", "tokyo": "JP",
    "washington": "US", "washington dc": "US", "washington, d.c.": "US", "new york": "US",
    "white house": "US", "london": "GB", "paris": "FR", "berlin": "DE", "rome": "IT",
    "madrid": "ES", "lisbon": "PT", "vienna": "AT", "bern": "CH", "geneva": "CH",
    "zurich": "CH", "amsterdam": "NL", "the hague": "NL", "brussels": "BE",
    "luxembourg": "LU", "dublin": "IE", "warsaw": "PL", "prague": "CZ", "budapest": "HU",
    "bucharest": "RO", "belgrade": "RS", "athens": "GR", "nicosia": "CY", "valletta": "MT",
    "vilnius": "LT", "riga": "LV", "tallinn": "EE", "helsinki": "FI", "stockholm": "SE",
    "oslo": "NO", "copenhagen": "DK", "damascus": "SY", "aleppo": "SY", "idlib": "SY",
    "caracas": "VE", "dubai": "AE", "abu dhabi": "AE", "sharjah": "AE", "kyiv": "UA",
    "kiev": "UA", "kharkiv": "UA", "odesa": "UA", "odessa": "UA", "donetsk": "UA",
    "luhansk": "UA", "mariupol": "UA", "crimea": "UA", "sevastopol": "UA", "minsk": "BY",
    "havana": "CU", "ankara": "TR", "istanbul": "TR", "beirut": "LB", "baghdad": "IQ",
    "mosul": "IQ", "basra": "IQ", "erbil": "IQ", "kabul": "AF", "kandahar": "AF",
    "riyadh": "SA", "jeddah": "SA", "doha": "QA", "muscat": "OM", "manama": "BH",
    "kuwait city": "KW", "amman": "JO", "sanaa": "YE", "aden": "YE", "cairo": "EG",
    "tripoli": "LY", "benghazi": "LY", "tunis": "TN", "algiers": "DZ", "rabat": "MA",
    "khartoum": "SD", "juba": "SS", "addis ababa": "ET", "nairobi": "KE", "mogadishu": "SO",
    "bamako": "ML", "abuja": "NG", "lagos": "NG", "harare": "ZW", "pretoria": "ZA",
    "johannesburg": "ZA", "kinshasa": "CD", "bangui": "CF", "tel aviv": "IL",
    "islamabad": "PK", "karachi": "PK", "lahore": "PK", "new delhi": "IN", "delhi": "IN",
    "mumbai": "IN", "dhaka": "BD", "kathmandu": "NP", "colombo": "LK", "bangkok": "TH",
    "hanoi": "VN", "ho chi minh city": "VN", "phnom penh": "KH", "vientiane": "LA",
    "naypyidaw": "MM", "yangon": "MM", "manila": "PH", "jakarta": "ID",
    "kuala lumpur": "MY", "ulaanbaatar": "MN", "tashkent": "UZ", "astana": "KZ",
    "almaty": "KZ", "bishkek": "KG", "dushanbe": "TJ", "ashgabat": "TM", "baku": "AZ",
    "yerevan": "AM", "tbilisi": "GE", "chisinau": "MD", "ottawa": "CA", "toronto": "CA",
    "mexico city": "MX", "managua": "NI", "bogota": "CO", "bogotá": "CO", "lima": "PE",
    "buenos aires": "AR", "brasilia": "BR", "brasília": "BR", "sao paulo": "BR",
    "são paulo": "BR", "canberra": "AU", "sydney": "AU", "wellington": "NZ",
}  # fmt: skip

# Country names pycountry spells otherwise ("Russian Federation"), or does not have.

_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def country_of(place: str, codes: bool = True) -> str | None:
    """ISO 3166 alpha-2 for a country name, code, demonym or well-known city as NER finds them:
    ``"Russia"``, ``"US"``, ``"Chinese"``, ``"Russians"``, ``"North Korean"``, ``"Tehran"``,
    ``"the United States"``, ``"Beijing's"``. None when unknown. ISO codes count only when
    written in capitals, and only with `codes` (off for arbitrary words, where "MAR" or "AND"
    are no countries). Constant time (a few dict look-ups), so it can run on every list name."""
    return _country_of(place.strip(), codes)


_ATTRIBUTIVE = re.compile(r"-(flagged|registered|based|owned|controlled)$")


@lru_cache(maxsize=16384)
def _country_of(place: str, codes: bool) -> str | None:
    key = _POSSESSIVE.sub("", _THE.sub("", place)).strip(" ,").lower()
    key = " ".join(_ATTRIBUTIVE.sub("", key).split())  # "Liberian-flagged" -> "liberian"
    if not key:
        return None
    found = DEMONYMS.get(key) or CITIES.get(key) or country_by_name(key)
    if found:
        return found
    if key.endswith("s") and (found := DEMONYMS.get(key[:-1])):
        return found  # "Russians", "Iranians"
    stripped = place.strip(" .,")
    if codes and len(key) in (2, 3) and stripped.isupper() and stripped.isalpha():
        return country_code(key)  # codes only when written in capitals: "US", "UAE"
    return None


def leading_country(name: str) -> str | None:
    """The country an organisation name opens with: ``"Chinese Foreign Ministry"`` -> CN,
    ``"Russian Defence Ministry"`` -> RU, ``"Iran Air"`` -> IR; None otherwise."""
    words = name.split()
    for size in (2, 1):
        if len(words) > size and words[0][:1].isupper():
            code = country_of(" ".join(words[:size]))
            if code:
                return code
    return None


# --- roles -------------------------------------------------------------------------------------

# Words that make a phrase a role ("the head word").
ROLE_HEADS: frozenset[str] = frozenset(
    {
        "president", "vice-president", "premier", "minister", "chancellor", "secretary",
        "spokesman", "spokeswoman", "spokesperson", "chairman", "chairwoman", "chairperson",
        "chair", "ceo", "cfo", "coo", "cto", "executive", "director", "governor", "general",
        "commander", "ambassador", "envoy", "senator", "congressman", "congresswoman",
        "lawmaker", "legislator", "deputy", "mp", "mep", "founder", "co-founder", "owner",
        "co-owner", "head", "leader", "chief", "official", "officer", "banker", "businessman",
        "businesswoman", "tycoon", "oligarch", "magnate", "billionaire", "entrepreneur",
        "investor", "financier", "captain", "admiral", "colonel", "major", "lieutenant",
        "sergeant", "marshal", "brigadier", "mayor", "king", "queen", "prince", "princess",
        "emir", "sheikh", "sultan", "ayatollah", "cleric", "imam", "judge", "prosecutor",
        "attorney", "lawyer", "adviser", "advisor", "aide", "diplomat", "consul", "partner",
        "manager", "shareholder", "trader", "broker", "dealer", "smuggler", "warlord",
        "militant", "operative", "agent", "spy", "representative", "negotiator", "ruler",
        "dictator", "strongman", "monarch", "speaker", "treasurer", "administrator",
        "commissioner", "inspector", "superintendent", "president-elect", "member",
        "economist", "analyst", "journalist", "editor", "pilot", "facilitator", "associate",
        "chairman-designate", "officials", "executives", "pm",
    }
)  # fmt: skip

# Words that may stand in a role phrase around the head: "Foreign Ministry spokesman",
# "Secretary of State", "Deputy Prime Minister", "central bank governor".
ROLE_MODIFIERS: frozenset[str] = frozenset(
    {
        "foreign", "defence", "defense", "finance", "interior", "justice", "economy",
        "economic", "trade", "energy", "industry", "health", "education", "security",
        "national", "state", "federal", "deputy", "vice", "former", "acting", "senior", "top",
        "prime", "first", "managing", "supreme", "assistant", "principal", "special",
        "permanent", "press", "military", "intelligence", "political", "regional",
        "presidential", "affairs", "majority", "minority", "commerce", "agriculture",
        "transport", "infrastructure", "culture", "labour", "labor", "environment",
        "technology", "development", "staff", "joint", "chiefs", "co", "general", "chief",
        "executive", "interim", "ex", "elect", "designate", "high", "lord", "grand",
        "international", "public", "foreign-affairs", "oil", "armed", "forces", "force",
        "naval", "air", "nuclear", "finance-ministry", "revolutionary", "guard", "guards",
        "emergency", "emergencies", "digital", "investment", "sovereign", "wealth", "fund",
    }
)  # fmt: skip

# Institutions a role is held in: "Foreign Ministry spokesman", "Treasury Secretary".
ROLE_INSTITUTIONS: frozenset[str] = frozenset(
    {
        "ministry", "department", "office", "council", "bureau", "committee", "commission",
        "agency", "service", "treasury", "parliament", "senate", "congress", "assembly",
        "government", "administration", "cabinet", "bank", "court", "army", "navy", "police",
        "company", "group", "board", "house", "party", "central", "directorate", "embassy",
        "mission", "authority", "authorities", "corporation", "firm", "fund", "staff",
    }
)  # fmt: skip

HONORIFICS: frozenset[str] = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lord", "lady", "madam", "prof",
        "professor", "rev", "reverend", "hon", "honourable", "honorable", "herr", "frau",
        "monsieur", "madame", "mme", "m", "messrs", "gen", "col", "lt", "capt", "sgt", "adm",
        "maj", "sen", "rep", "gov", "pres", "st",
    }
)  # fmt: skip

_CONNECTORS = frozenset({"of", "for", "the", "and", "on", "at"})
_ROLE_WORDS = ROLE_HEADS | ROLE_MODIFIERS | ROLE_INSTITUTIONS
_WORD = re.compile(r"[^\W\d_][\w.'’&-]*|\d[\w-]*|[^\w\s]")


def _is_role_word(word: str) -> bool:
    lower = word.lower().rstrip(".")
    if lower in _ROLE_WORDS:
        return True
    return "-" in lower and all(part in _ROLE_WORDS for part in lower.split("-") if part)


def _has_head(words: Sequence[str]) -> bool:
    for word in words:
        lower = word.lower().rstrip(".")
        if lower in ROLE_HEADS or any(part in ROLE_HEADS for part in lower.split("-")):
            return True
    return False


def is_title(text: str) -> bool:
    """True when `text` is nothing but honorifics and role words (``"President"``, ``"State"``,
    ``"Secretary of State"``, ``"Mr."``): a span NER sometimes takes for a name. Institutions
    ("Foreign Ministry", "Treasury") are names, not titles."""
    words = [w for w in _WORD.findall(text) if w[0].isalnum()]
    if not words:
        return True
    titles = ROLE_HEADS | ROLE_MODIFIERS | HONORIFICS | _CONNECTORS
    for word in words:
        lower = word.lower().rstrip(".")
        if lower not in titles and not all(part in titles for part in lower.split("-") if part):
            return False
    return True


def split_title(name: str) -> tuple[int, str | None]:
    """Where the name proper starts in a person span that opens with titles, and the title:
    ``"President Xi"`` -> ``(10, "President")``, ``"Mr. Smith"`` -> ``(4, None)`` (honorifics
    are not roles), ``"Xi Jinping"`` -> ``(0, None)``. Never strips the last word."""
    matches = list(re.finditer(r"\S+", name))
    cut = 0
    role_words: list[str] = []
    for match in matches[:-1]:
        word = match.group()
        if not word[:1].isupper():
            break
        lower = word.lower().rstrip(".")
        if lower in HONORIFICS:
            role_words = []
        elif _is_role_word(word) and lower not in ROLE_INSTITUTIONS:
            role_words.append(word)
        else:
            break
        cut = matches[matches.index(match) + 1].start()
    role = " ".join(role_words) if role_words and _has_head(role_words) else None
    return cut, role


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def role_before(text: str, start: int, floor: int = 0) -> str | None:
    """The role or title written right before a name that starts at `start`, not looking before
    `floor` (the sentence start): ``"US Secretary of State Antony Blinken"`` -> ``"Secretary of
    State"``, ``"Chinese Foreign Ministry spokesman Wang Wenbin"`` -> ``"Foreign Ministry
    spokesman"``, ``"NATO Secretary-General Jens Stoltenberg"`` -> ``"Secretary-General"``.

    Walks back over capitalised words, role words and connectors ("of", "the") up to any
    punctuation, possessive or other lower-case word, then drops the words before the first
    role word (countries, nationalities, organisation names). None without a head word."""
    window = text[max(floor, start - 160) : start]
    words = _WORD.findall(window)
    chain: list[str] = []
    for word in reversed(words):
        if len(chain) >= 8:
            break
        if not word[0].isalnum() or word.endswith(("'s", "’s")):
            break
        lower = word.lower()
        if _is_role_word(word) or _capitalised(word) or lower in _CONNECTORS:
            chain.append(word)
            continue
        break
    chain.reverse()
    return _role_phrase(chain)


def _valid_role(phrase: Sequence[str]) -> bool:
    """A role phrase: role words and connectors, plus capitalised names only after a connector
    ("chief executive of Rosneft"), never a name straight after a role word ("Foreign Minister
    Wang Yi")."""
    after_connector = False
    for word in phrase:
        lower = word.lower()
        if lower in _CONNECTORS:
            after_connector = True
        elif _is_role_word(word):
            after_connector = False
        elif not after_connector:
            return False
    return True


def _role_phrase(chain: Sequence[str]) -> str | None:
    for first, word in enumerate(chain):
        if not _is_role_word(word):
            continue
        phrase = list(chain[first:])
        while phrase and phrase[-1].lower() in _CONNECTORS:
            phrase.pop()
        if _valid_role(phrase) and _has_head(phrase):
            return " ".join(phrase)
    return None


_APPOSITION = re.compile(
    r"^\s*(?:\([^()]{0,40}\)\s*)?,\s*(?:(?:aged\s+)?\d{1,3}\s*,\s*)?(?:who\s+is\s+|who\s+was\s+)?"
    r"(?:(?:the|a|an|his|her|its|their)\s+)?(?P<phrase>[^,;:()\"“”]{2,100}?)\s*(?:[,;:()\"“”]|\.(?:\s|$)|$)"
)


# Words that show the text after a comma is a new clause ("X, the US official said"), not an
# apposition.
_CLAUSE_WORDS = frozenset(
    {
        "said", "says", "told", "recalled", "added", "stated", "claimed", "noted", "warned",
        "announced", "insisted", "explained", "wrote", "argued", "is", "was", "are", "were",
        "has", "had", "have", "will", "would", "can", "could", "who", "which", "that",
        "met", "visited", "suggested", "reported", "urged", "accused", "denied",
    }
)  # fmt: skip


def role_after(text: str, end: int) -> str | None:
    """An apposition right after a name: ``"X, the chief executive of Y, said"`` -> ``"chief
    executive of Y"``, ``"X, CEO of Y"`` -> ``"CEO of Y"``, ``"X, 52, a businessman,"`` ->
    ``"businessman"``. The phrase must have a role head word among its first words (before any
    "of"/"at"/"for"); a leading nationality or country is dropped."""
    match = _APPOSITION.match(text[end : end + 200])
    if not match:
        return None
    words = match.group("phrase").split()
    if not words or len(words) > 10 or any(w in _CLAUSE_WORDS for w in words):
        return None
    head_zone: list[str] = []
    for word in words[:5]:
        if word.lower() in {"of", "at", "for", "in", "with", "to"}:
            break
        head_zone.append(word)
    if not _has_head(head_zone):
        return None
    while len(words) > 1 and (
        country_of(words[0], codes=False)
        or (words[0][:1].isupper() and not _is_role_word(words[0]))
    ):
        if _is_role_word(words[0]):
            break
        words = words[1:]
    return " ".join(words) if _has_head(words[:5]) else None


def role_of(text: str, start: int, end: int, floor: int = 0) -> str | None:
    """The role before the name, else the apposition after it."""
    return role_before(text, start, floor) or role_after(text, end)


# --- attributed countries ----------------------------------------------------------------------

# Words that may stand between a nationality and the name it describes, beside the role words
# (`ROLE_HEADS`, `ROLE_MODIFIERS`, `ROLE_INSTITUTIONS`) and `VESSEL_WORDS`: "the Iranian
# airline Mahan Air", "Russia's largest lender Sberbank", "a Russian state-owned arms exporter".
# No participles ("sanctioned", "jailed"): "Russia jailed X" is something a state does.
_DESCRIPTORS: frozenset[str] = frozenset(
    {
        "airline", "airlines", "lender", "insurer", "conglomerate", "giant", "exporter",
        "importer", "producer", "manufacturer", "maker", "refiner", "shipper", "shipowner",
        "operator", "supplier", "contractor", "subsidiary", "unit", "affiliate", "entity",
        "enterprise", "business", "citizen", "resident", "man", "woman", "state-owned",
        "state-run", "state-controlled", "government-owned", "privately-owned", "private",
        "shipping", "trading", "gas", "petroleum", "petrochemical", "petrochemicals", "steel",
        "mining", "metals", "aluminium", "aluminum", "arms", "weapons", "drone", "missile",
        "aerospace", "aviation", "telecom", "telecoms", "tech", "chemical", "chemicals",
        "logistics", "construction", "engineering", "financial", "holding", "network",
        "organisation", "organization", "outfit", "hacker", "hackers", "hacking", "cyber",
        "paramilitary", "mercenary", "terrorist", "rebel", "militia", "largest", "biggest",
        "second-largest", "leading", "main", "wealthy", "rich", "richest", "powerful",
        "prominent", "influential", "fugitive", "late", "veteran", "notorious", "exchange",
        "crypto", "cryptocurrency", "commodities", "commodity", "grain", "fertiliser",
        "fertilizer", "coal", "gold", "media", "broadcaster", "dissident", "activist",
        "scientist", "engineer", "shipyard", "refinery",
    }
)  # fmt: skip

# Country abbreviations news writes in capitals that `country_of` (without codes, where "AI" or
# "IT" would be countries) does not know.
_PROSE_CODES: Mapping[str, str] = {"US": "US", "DPRK": "KP", "PRC": "CN", "ROK": "KR", "KSA": "SA"}
# A place right after these is where something happens ("in Moscow businessman X was ...").
_LOCATIVE = frozenset({"in", "at", "near", "inside", "across", "via", "through"})
_BORN = re.compile(r"-born$", re.IGNORECASE)
_PLACE = r"[A-Z][\w.'’-]*(?:\s+(?:of\s+(?:the\s+)?|and\s+)?[A-Z][\w.'’-]*){0,4}"
_BRACKETED_PLACE = re.compile(r"^\s*\(\s*(?P<place>[^()]{2,40}?)\s*\)")
_OF_PLACE = re.compile(r"^\s+of\s+(?:the\s+)?(?P<place>" + _PLACE + ")")
_OF_PLACE_INSIDE = re.compile(r"\bof\s+(?:the\s+)?(?P<place>" + _PLACE + ")")
_BASED_IN = re.compile(
    r"^\s*(?:\([^()]{0,40}\)\s*)?(?:,\s*(?:(?:which|that|who)\s+(?:is|was|are|were|has\s+been)\s+"
    r"|(?:(?:an?|the)\s+)?(?P<lead>(?:[\w'’-]+\s+){1,3}?))?|\s+(?:is|was|has\s+been)\s+|\s+)"
    r"(?:based|registered|headquartered|incorporated|domiciled|flagged)\s+in\s+(?:the\s+)?"
    r"(?P<place>" + _PLACE + ")"
)


def _flag(country_of_flag: str, flag_adjective: str) -> str:
    """The pattern of "the flag of <place>" or "the <adjective> flag", in the named groups."""
    return (
        rf"(?:the\s+|an?\s+)?(?:flag\s+of\s+(?:the\s+)?(?P<{country_of_flag}>{_PLACE})"
        rf"|(?P<{flag_adjective}>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)\s+flag\b)"
    )


_FLAG_AFTER = re.compile(
    r"^\s*(?:,\s*)?(?:(?:which|that)\s+(?:is\s+|was\s+|has\s+been\s+)?)?"
    r"(?:(?:sails|sailed|sailing|sail|operates|operated|operating)\s+under\s+"
    + _flag("p1", "p2")
    + r"|(?:flies|flew|flying|fly)\s+"
    + _flag("p3", "p4")
    + ")"
)


def _country_term(phrase: str) -> tuple[list[str], str] | None:
    """The countries a capitalised word or phrase names, and how it names them: "possessive"
    (``"Russia's"``), "attributive" (``"Panama-flagged"``, ``"UAE-based"``,
    ``"Iranian-born"``), "demonym" (``"Chinese"``, ``"North Korean"``, ``"Russian-Israeli"``)
    or "place" (``"Russia"``, ``"Dubai"``, ``"US"``). None when it names none."""
    phrase = phrase.strip()
    if not phrase[:1].isupper():
        return None
    bare = _POSSESSIVE.sub("", phrase)
    if bare.endswith(".") and country_by_name(bare.lower()) is None:
        bare = bare[:-1]  # the full stop of "... of Iran."
    core = _BORN.sub("", _ATTRIBUTIVE.sub("", bare))
    if bare != phrase:
        kind = "possessive"
    elif core != bare:
        kind = "attributive"
    elif core.lower() in DEMONYMS or (core.lower().endswith("s") and core.lower()[:-1] in DEMONYMS):
        kind = "demonym"
    else:
        kind = "place"
    code = country_of(core, codes=False) or _PROSE_CODES.get(core)
    if code:
        return [code], kind
    parts = core.split("-")
    if len(parts) > 1 and all(part[:1].isupper() and part.lower() in DEMONYMS for part in parts):
        # "Russian-Israeli", "Iranian-American"
        return unique(DEMONYMS[part.lower()] for part in parts), (
            "demonym" if kind == "place" else kind
        )
    return None


def _describes_name(word: str) -> bool:
    """A role, descriptor or vessel word that may stand between a nationality and a name."""
    lower = word.lower().rstrip(".")
    return (
        _is_role_word(word)
        or lower in VESSEL_WORDS
        or lower in _DESCRIPTORS
        or ("-" in lower and all(part in _DESCRIPTORS for part in lower.split("-") if part))
    )


def _term_at(words: Sequence[str], first: int, last: int) -> tuple[list[str], str] | None:
    """The country term made of ``words[first:last + 1]``; None unless it is one and every word
    is a word (no punctuation)."""
    if first < 0 or last >= len(words) or not all(w[0].isalnum() for w in words[first : last + 1]):
        return None
    return _country_term(" ".join(words[first : last + 1]))


def _place_countries(place: str, follow_on: bool = False) -> tuple[list[str], str] | None:
    """The country named by the longest leading run of the capitalised words of `place` (``"Dubai
    Sunday"`` -> AE). With `follow_on` false the whole of `place` must be that run: ``"of Russia
    Today"`` names a channel, not Russia; a possessive may be followed (``"of Russia's
    Gazprom"``)."""
    words = place.split()
    for size in range(len(words), 0, -1):
        term = _country_term(" ".join(words[:size]))
        if term:
            follows = words[size][:1].isupper() if size < len(words) else False
            if follows and not follow_on and term[1] != "possessive":
                return None
            return term
    return None


def _countries_before(text: str, start: int, floor: int) -> list[str]:
    """A nationality, a possessive or attributive country (or a country or city used as one)
    right before a name, with only role, descriptor and vessel words between: ``"the Chinese
    businessman"``, ``"North Korean leader"``, ``"Russia's"``, ``"the Panama-flagged tanker"``,
    ``"US Secretary of State"``, ``"a Liberian-flagged tanker, the"``. A bare country or city
    counts only with such a word between (``"Kremlin spokesman"``, not ``"Russia Putin"``) and
    not after a locative preposition ("in", "to")."""
    window_start = max(floor, start - 160)
    window = text[window_start:start]
    if vessel := _AFTER_VESSEL_WORD.search(window):  # "tanker, the Eagle S", "M.V. Eagle S"
        window = window[: vessel.start()] + "vessel"
    words = _WORD.findall(window)
    while words and words[-1] in {'"', "“", "‘", "'", "«"}:
        words.pop()
    described = False
    index = len(words) - 1
    while index >= 0 and len(words) - index <= 10:
        if words[index].lower().rstrip(".") in HONORIFICS:  # "Russian tycoon Mr. X"
            index -= 1
            continue
        if words[index].endswith(".") and country_by_name(words[index].lower()) is None:
            return []  # "Russian." ends a sentence ("U.S." does not)
        for size in (3, 2, 1):
            term = _term_at(words, index - size + 1, index)
            if term:
                codes, kind = term
                preceding = words[index - size].lower() if index - size >= 0 else ""
                if kind == "place" and (not described or preceding in _LOCATIVE):
                    return []
                return codes
        word = words[index]
        if _describes_name(word):
            described = True
        elif not (described and word.lower() == "of"):  # "Secretary of State"
            return []
        index -= 1
    return []


def _apposition_countries(after: str) -> list[str]:
    """A nationality in an apposition right after a name: ``", the Syrian president,"``, ``", a
    Russian national"``, ``", a UAE-based company"``, ``", Russia's largest lender"``, ``", the
    president of Syria"``, ``", a businessman from Dubai"``. A new clause (``", the US official
    said"``) or a list of names (``", Russia's Sberbank and ..."``) is none."""
    match = _APPOSITION.match(after[:200])
    if not match:
        return []
    words = match.group("phrase").split()
    if not words or len(words) > 10 or any(w in _CLAUSE_WORDS for w in words):
        return []
    described = after_of = False
    index = 0
    while index < len(words):
        for size in (3, 2, 1):
            term = _term_at(words, index, index + size - 1)
            if term:
                rest = words[index + size :]
                if term[1] == "place" and not after_of and not (rest and _describes_name(rest[0])):
                    return []
                for word in rest:
                    if _describes_name(word):
                        continue
                    if word[:1].isupper():
                        return []  # a name follows: "X, Iranian airline Mahan Air and ..."
                    break
                return term[0]
        word = words[index]
        if described and word.lower() in {"of", "from"}:
            after_of = True
        elif _describes_name(word):
            described, after_of = True, False
        else:
            return []
        index += 1
    return []


def _countries_after(after: str) -> list[str]:
    """Countries attributed right after a name: ``" (Iran)"``, ``" of Iran"``, ``", based in
    Dubai"``, ``", a company registered in Panama"``, ``", which sails under the flag of
    Togo"``, ``", flying the Panamanian flag"``, and appositions (`_apposition_countries`)."""
    found: list[str] = []
    if (match := _BRACKETED_PLACE.match(after)) and (term := _country_term(match["place"])):
        found.extend(term[0])
    if (match := _OF_PLACE.match(after)) and (term := _place_countries(match["place"])):
        found.extend(term[0])
    match = _BASED_IN.match(after)
    lead = (match["lead"] or "").split() if match else []
    if (
        match
        and all(_describes_name(w) or _country_term(w) for w in lead)
        and (term := _place_countries(match["place"], follow_on=True))
    ):
        found.extend(term[0])
    if match := _FLAG_AFTER.match(after):
        place = next(p for p in match.group("p1", "p2", "p3", "p4") if p)
        if term := _place_countries(place, follow_on=True):
            found.extend(term[0])
    found.extend(_apposition_countries(after))
    return unique(found)


def _countries_in_name(name: str) -> list[str]:
    """Countries an organisation's own name gives: the one it opens with (``"Iran Air"``,
    ``"Russian Railways"``) and any after "of" (``"Central Bank of Iran"``, ``"Islamic Republic
    of Iran Shipping Lines"``)."""
    found = [leading_country(name)]
    for match in _OF_PLACE_INSIDE.finditer(name):
        if term := _place_countries(match["place"], follow_on=True):
            found.extend(term[0])
    return unique(found)


def attributed_countries(
    text: str,
    start: int,
    end: int,
    floor: int = 0,
    ceiling: int | None = None,
    *,
    organisation: bool = False,
) -> list[str]:
    """The countries the text attributes to the name at ``text[start:end]`` (ISO alpha-2,
    first-seen order), looking no further than `floor` and `ceiling` (the sentence bounds):

    - before it, a nationality or a possessive, flag or base country, with only role,
      descriptor and vessel words between: ``"the Chinese businessman X"``, ``"Iranian Foreign
      Minister X"``, ``"Russia's X"``, ``"Hong Kong-registered X"``, ``"the Panama-flagged
      tanker X"``, ``"Kremlin spokesman X"``;
    - after it, ``"X (Iran)"``, ``"X of Iran"``, ``"X, based in Dubai"``, ``"X, which sails
      under the flag of Togo"`` and appositions: ``"X, the Syrian president"``, ``"X, a
      Turkish firm"``, ``"X, a Liberian-flagged vessel"``;
    - with `organisation`, its own name: ``"Iran Air"``, ``"Central Bank of Iran"`` (a person
      called "Jordan" is no Jordanian).

    Where something happens ("arrived in Beijing", "talks in Geneva"), who imposes sanctions
    ("the US Treasury sanctioned X", "sanctions against China") and other countries in the
    sentence are no attribution."""
    ceiling = len(text) if ceiling is None else ceiling
    found = _countries_before(text, start, floor)
    if organisation:
        found.extend(_countries_in_name(text[start:end]))
    found.extend(_countries_after(text[end:ceiling]))
    return unique(found)


# --- age and birth year ------------------------------------------------------------------------

_AGE_BEFORE = re.compile(
    r"\b(?:the|a|an)\s+(?P<age>\d{1,3})[- ]year[- ]old(?P<between>(?:\s+[A-Za-z][\w.'’-]*){0,5})"
    r"\s*,?\s*$",
    re.IGNORECASE,
)
_AGE_AFTER = re.compile(
    r"^\s*(?:"
    r",\s*(?:aged\s+)?(?P<a1>\d{1,3})\s*(?:,|\.(?:\s|$)|;|\)|$|\s+(?:and|who|said|was|is|has)\b)"
    r"|\(\s*(?:aged\s+)?(?P<a2>\d{1,3})\s*\)"
    r"|,?\s*aged\s+(?P<a3>\d{1,3})\b"
    r"|,\s*(?:a|an|the)\s+(?P<a4>\d{1,3})[- ]year[- ]old\b"
    r")",
    re.IGNORECASE,
)
_BORN_AFTER = re.compile(
    r"^\s*(?:,|\(|\s)\s*(?:who\s+was\s+|was\s+)?(?:born|b\.)\s+(?:on\s+|in\s+)?"
    r"(?:[A-Za-z0-9]+\s+){0,3}?(?:\d{1,2}\s+[A-Za-z]+\s+|[A-Za-z]+\s+\d{1,2},?\s+)?"
    r"(?P<year>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)


_SKIP_APPOSITION = re.compile(r"^\s*,[^,;()\"“”]{1,80},")


def _describes(words: Sequence[str]) -> bool:
    """Words between "the 52-year-old" and a name that describe the person ("former Russian
    businessman") rather than name someone else ("businessman Ivan Petrov met")."""
    for word in words:
        lower = word.lower()
        if lower in _CLAUSE_WORDS:
            return False
        if word[:1].isupper() and not (_is_role_word(word) or country_of(word, codes=False)):
            return False
    return True


# An article without a publication date may have been written years before it was fetched: its
# ages are read as of any date in the this many years before the fetch. (Reading them as of the
# fetch put a person of 39 in an article of 2022 three years too young.)
UNDATED_ARTICLE_YEARS = 5


def birth_years_from_age(age: int, reference: dt.date, years_before: int = 0) -> tuple[int, int]:
    """Someone aged `age` on `reference` was born in one of two years: 52 in 2024 -> 1971..1972
    (1972 if the birthday has passed); aged so on a date up to `years_before` years before
    `reference`, as many years earlier at most."""
    return reference.year - age - 1 - years_before, reference.year - age


def birth_years(
    text: str, start: int, end: int, reference: dt.date, years_before: int = 0
) -> tuple[int, int] | None:
    """The birth-year range for the person named at ``text[start:end]`` from an age or birth
    year written next to it: ``"the 52-year-old X"``, ``"X, 52,"``, ``"X (52)"``, ``"X, aged
    52"``, ``"X, a 52-year-old ..."``, ``"X, born in 1962"``, ``"X (born 1962)"``. Ages are
    relative to `reference`, the article's publication date, or to any date up to
    `years_before` years before it (an undated article: `UNDATED_ARTICLE_YEARS`). None when
    nothing is written."""
    after = text[end : end + 80]
    born = _BORN_AFTER.match(after)
    if born is None and (apposition := _SKIP_APPOSITION.match(text[end : end + 160])):
        born = _BORN_AFTER.match(text[end + apposition.end() : end + apposition.end() + 80])
    if born:
        year = int(born.group("year"))
        if 1900 <= year <= reference.year:
            return year, year
    age: int | None = None
    if match := _AGE_AFTER.match(after):
        age = int(next(g for g in match.group("a1", "a2", "a3", "a4") if g))
    elif (match := _AGE_BEFORE.search(text[max(0, start - 120) : start])) and _describes(
        match.group("between").split()
    ):
        age = int(match.group("age"))
    if age is None or not 10 <= age <= 110:
        return None
    return birth_years_from_age(age, reference, years_before)


# --- identifiers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifierHit:
    """An identifier found in the text, with the offsets of the whole phrase ("IMO 9216298")."""

    kind: str  # imo, passport, swift_bic
    value: str
    start: int
    end: int


_IMO = re.compile(r"\bIMO(?:\s+(?i:number|no\.?|nr\.?|#))?(?:\s+is)?\s*[:#.]?\s*(?P<value>\d{7})\b")
_PASSPORT = re.compile(
    r"\bpassport\s+(?:(?:number|no\.?|num\.?|#)\s*)?:?\s*"
    r"(?P<value>(?=[A-Z0-9 ]*\d)[A-Z]{0,3}\s?[0-9][0-9A-Z]{3,11}|[A-Z]{1,3}[0-9][0-9A-Z]{3,11})\b",
    re.IGNORECASE,
)
_SWIFT = re.compile(
    r"\b(?:SWIFT|BIC)(?:\s*/\s*BIC)?(?:\s+code)?\s*[:#]?\s*"
    r"(?P<value>[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b"
)


def imo_is_valid(number: str) -> bool:
    """IMO ship numbers have seven digits, the last a check digit: the sum of the first six
    times 7, 6, 5, 4, 3, 2, modulo 10. ``"9074729"`` is valid, ``"9074728"`` is not."""
    if len(number) != 7 or not number.isdigit():
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(number[:6], range(7, 1, -1), strict=True)
    )
    return total % 10 == int(number[6])


def find_identifiers(text: str) -> list[IdentifierHit]:
    """IMO numbers (check digit valid), passport numbers and SWIFT/BIC codes (with a valid
    country in letters 5-6) written in `text`, in text order."""
    hits = [
        IdentifierHit("imo", m["value"], m.start(), m.end())
        for m in _IMO.finditer(text)
        if imo_is_valid(m["value"])
    ]
    hits.extend(
        IdentifierHit("passport", " ".join(m["value"].upper().split()), m.start(), m.end())
        for m in _PASSPORT.finditer(text)
    )
    hits.extend(
        IdentifierHit("swift_bic", m["value"], m.start(), m.end())
        for m in _SWIFT.finditer(text)
        if pycountry.countries.get(alpha_2=m["value"][4:6]) is not None
    )
    return sorted(hits, key=lambda hit: hit.start)


_VESSEL_NAME = re.compile(
    r"(?P<name>[\"“‘']?[A-Z0-9][\w'’.&/-]*(?:\s+(?:[A-Z0-9][\w'’.&/-]*|of|de|del|la))*[\"”’']?)"
    r"\s*(?:\(\s*|,\s*(?:with\s+)?(?:(?:an?|the)\s+)?|\s+)$"
)
VESSEL_WORDS: frozenset[str] = frozenset(
    {
        "vessel", "vessels", "tanker", "tankers", "ship", "ships", "boat", "freighter",
        "carrier", "supertanker", "trawler", "yacht", "superyacht", "dhow", "barge", "tug",
        "m/v", "mv", "m/t", "mt", "ss", "container", "cargo", "bulk", "lng", "lpg", "oil",
    }
)  # fmt: skip


# Words that introduce a ship's name ("the tanker Eagle S", "MV Sealark"): nouns in lower case
# ("Baltic Tanker Research" is a firm) and prefixes in capitals. "ship" and "boat" are verbs too
# ("firms ship Huawei kit"), and "carrier" is also an airline ("flag carrier Iran Air"): those
# count only right after one of their qualifiers.
_VESSEL_NOUNS = (
    r"vessel|tanker|supertanker|freighter|trawler|yacht|superyacht|dhow|bulker|warship|"
    r"containership|M/V|M/T|MV|MT|M\.V\.|M\.T\.|m/v|m/t"
)
_SHIP_QUALIFIERS = (
    "the", "The", "a", "A", "an", "An", "cargo", "container", "research", "naval", "spy",
    "supply", "merchant", "fishing",
)  # fmt: skip
_QUALIFIED_NOUNS: Mapping[str, tuple[str, ...]] = {
    "ship": _SHIP_QUALIFIERS,
    "boat": _SHIP_QUALIFIERS,
    "carrier": ("bulk", "ore", "gas", "LNG", "LPG", "car", "crude", "oil", "chemical", "aircraft"),
}
_QUALIFIER_BEFORE = {
    noun: re.compile(r"\b(?:" + "|".join(words) + r") $")
    for noun, words in _QUALIFIED_NOUNS.items()
}
# A match starts at the vessel word itself.
_VESSEL_WORD = (
    r"(?:\b(?:"
    + _VESSEL_NOUNS
    + r")|"
    + "|".join(
        "(?:" + "|".join(rf"(?<=\b{word} )" for word in words) + f"){noun}"
        for noun, words in _QUALIFIED_NOUNS.items()
    )
    + ")"
)
_AFTER_VESSEL_WORD = re.compile(_VESSEL_WORD + r"\s*,?\s*(?:(?:the|named|called)\s+)?[\"“‘']?$")
# A vessel word and the capitalised words after it: "the tanker Kalinda Rose loading ...",
# "MV Sealark", "an oil tanker, the Eagle S,". The qualifiers of "ship", "boat" and "carrier"
# are checked after the match (lookbehinds would slow the scan of the whole text tenfold).
_VESSEL_WORD_NAME = re.compile(
    r"\b(?P<word>" + _VESSEL_NOUNS + "|" + "|".join(_QUALIFIED_NOUNS) + r")"
    r"(?:\s*,\s*|\s+)(?:(?:the|named|called)\s+)?[\"“‘']?"
    r"(?P<name>[A-Z0-9][\w'’.&/-]*(?:[ ]+(?:[A-Z0-9][\w'’.&/-]*|of|de|del|la))*)"
)
# Capitalised words that open a clause rather than a ship's name.
_NOT_A_SHIP_NAME = frozenset(
    {
        "the", "a", "an", "in", "on", "at", "it", "he", "she", "they", "we", "i", "this",
        "that", "its", "his", "her", "their", "and", "but", "or", "from", "to", "for", "with",
        "by", "as", "was", "is", "has", "had", "which", "who", "if", "when", "while",
    }
)  # fmt: skip
_NAME_PARTICLES = frozenset({"of", "de", "del", "la"})
_POSSESSIVE_WORD = re.compile(r"^(?P<stem>.+?)(?:['’]s|(?<=s)['’])$")
_MAX_SHIP_NAME_WORDS = 6


def follows_vessel_word(text: str, start: int, floor: int = 0) -> bool:
    """True when a name at `start` comes right after a vessel word: ``"the tanker Eagle S"``,
    ``"an oil tanker, the Eagle S"``, ``"the vessel named 'Hope'"``, ``"MV Sealark"`` (not
    ``"tanker operator Sovcomflot"``, ``"firms ship Huawei kit"``, ``"flag carrier Iran
    Air"``)."""
    return _AFTER_VESSEL_WORD.search(text[max(floor, start - 40) : start]) is not None


def vessel_names_after_words(text: str) -> list[tuple[int, int, int]]:
    """Ship names written right after a vessel word, whatever NER made of them:
    ``"the tanker Kalinda Rose loading"`` -> ``Kalinda Rose``, ``"M/V Sealark off Crete"`` ->
    ``Sealark``, ``"an oil tanker, the Eagle S,"`` -> ``Eagle S``. Returns ``(vessel word
    start, name start, name end)`` in text order. The name is the run of capitalised words
    (and "of", "de", "la" inside it), at most six, ending at a possessive (``"the tanker Nova's
    crew"`` -> ``Nova``) or a full stop; a run that is only a country or nationality (``"the
    ship Iran seized"``) or opens with a clause word (``"the tanker It"``) is none."""
    out: list[tuple[int, int, int]] = []
    for match in _VESSEL_WORD_NAME.finditer(text):
        qualifier = _QUALIFIER_BEFORE.get(match["word"])
        if qualifier and not qualifier.search(text, max(0, match.start() - 12), match.start()):
            continue  # "firms ship Huawei kit", "flag carrier Iran Air"
        span = _ship_name(text, match.start("name"), match.end("name"))
        if span is not None:
            out.append((match.start(), span[0], span[1]))
    return out


def _ship_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The ship name in the run of capitalised words ``text[start:end]``, or None."""
    words = list(re.finditer(r"\S+", text[start:end]))[:_MAX_SHIP_NAME_WORDS]
    stop = start
    for index, word in enumerate(words):
        token = word.group()
        if index == 0 and token.lower() in _NOT_A_SHIP_NAME:
            return None
        if possessive := _POSSESSIVE_WORD.match(token):  # "the tanker Nova's crew"
            stop = start + word.start() + len(possessive.group("stem"))
            break
        if token.endswith(".") and token.lower() != "no.":  # "... the tanker Nova. The ..."
            stop = start + word.end() - 1
            break
        stop = start + word.end()
    while stop > start and text[stop - 1] in "\"”’'":
        stop -= 1
    name = text[start:stop].split()
    while name and name[-1] in _NAME_PARTICLES:
        stop -= len(name.pop()) + 1
    if stop - start < 2 or not any(char.isalpha() for char in text[start:stop]):
        return None
    if country_of(text[start:stop], codes=False):  # "the ship Iran seized"
        return None
    return start, stop


def vessel_name_before(text: str, pos: int, floor: int = 0) -> tuple[int, int] | None:
    """The span of a ship name written right before an IMO number that starts at `pos`:
    ``"the tanker Nova (IMO 9216298)"`` -> the offsets of ``Nova``; ``"MAR AZUL, IMO ..."`` ->
    ``MAR AZUL``. Leading determiners, vessel-type words, flags and nationalities are dropped,
    and an owner in the possessive before the name (``"Halvar Shipping's Halvar (IMO ...)"`` ->
    ``Halvar``); None when no capitalised name precedes the number."""
    window_start = max(floor, pos - 100)
    match = _VESSEL_NAME.search(text[window_start:pos])
    if not match:
        return None
    start = window_start + match.start("name")
    end = window_start + match.end("name")
    while start < end and text[start] in "\"“‘'":
        start += 1
    while end > start and text[end - 1] in "\"”’'":
        end -= 1
    for word in re.finditer(r"\S+", text[start:end]):
        token = word.group()
        lower = token.lower()
        if (
            lower in {"the", "a", "an"}
            or lower in VESSEL_WORDS
            or lower.replace(".", "") in VESSEL_WORDS  # "M.V."
            or lower.endswith("-flagged")
            or country_of(token, codes=False)
            or lower in {"sanctioned", "iranian-owned", "russian-owned"}
        ):
            continue
        start += word.start()
        break
    else:
        return None
    words = list(re.finditer(r"\S+", text[start:end]))
    owner = [i for i, word in enumerate(words[:-1]) if _POSSESSIVE_WORD.match(word.group())]
    if owner:  # the owner is not the ship: "Halvar Shipping's Halvar"
        start += words[owner[-1] + 1].start()
    if end - start < 2 or not any(char.isalpha() for char in text[start:end]):
        return None
    return start, end


def nearest(
    spans: Sequence[tuple[int, int]], start: int, end: int, candidates: Iterable[int]
) -> int | None:
    """Index (into `spans`) of the candidate span closest to ``[start, end)``; None if none."""
    best: int | None = None
    best_distance = 0
    for index in candidates:
        span_start, span_end = spans[index]
        distance = max(span_start - end, start - span_end, 0)
        if best is None or distance < best_distance:
            best, best_distance = index, distance
    return best


def attach_identifiers(
    hits: Sequence[IdentifierHit],
    spans: Sequence[tuple[int, int]],
    labels: Sequence[str],
    sentences: Sequence[int],
    hit_sentences: Sequence[int],
) -> dict[int, list[MentionIdentifier]]:
    """Give each identifier to the nearest mention of the right kind in its sentence: IMO
    numbers to vessels, passport numbers to people, SWIFT/BIC codes to organisations.
    `sentences[i]` is the sentence index of mention i, `hit_sentences[j]` that of hit j.
    Returns mention index -> identifiers; identifiers with no such mention are dropped."""
    wanted = {"imo": "VESSEL", "passport": "PERSON", "swift_bic": "ORG"}
    by_sentence: dict[tuple[str, int], list[int]] = {}  # not every mention for every hit
    for mention in range(len(spans)):
        by_sentence.setdefault((labels[mention], sentences[mention]), []).append(mention)
    attached: dict[int, list[MentionIdentifier]] = {}
    for hit, sentence in zip(hits, hit_sentences, strict=True):
        label = wanted.get(hit.kind)
        candidates = by_sentence.get((label, sentence), []) if label else []
        index = nearest(spans, hit.start, hit.end, candidates)
        if index is not None:
            identifier = MentionIdentifier(kind=hit.kind, value=hit.value)
            found = attached.setdefault(index, [])
            if identifier not in found:
                found.append(identifier)
    return attached


# --- coreference -------------------------------------------------------------------------------

_PARTICLES = frozenset(
    {"al", "el", "bin", "ibn", "bint", "abu", "de", "del", "da", "di", "van", "von", "der", "la"}
)
_INITIAL_SKIP = frozenset({"of", "the", "and", "for", "&", "de", "la", "in", "on"})
_ACRONYM = re.compile(r"^\s*\(\s*(?:the\s+)?(?P<acronym>[A-Z][A-Za-z0-9&-]{1,11})\s*\)")


def name_words(name: str) -> list[str]:
    """The words of a person name without honorifics and leading titles: ``"President Xi
    Jinping"`` -> ``["Xi", "Jinping"]``."""
    cut, _ = split_title(name)
    return [w for w in re.split(r"[\s]+", name[cut:].strip()) if w]


def initials(name: str) -> str:
    """Upper-case initials of the capitalised words of an organisation name, skipping "of",
    "the", "and": ``"Islamic Revolutionary Guard Corps"`` -> ``"IRGC"``, ``"North Atlantic
    Treaty Organization"`` -> ``"NATO"``."""
    letters = []
    for word in re.split(r"[\s-]+", _THE.sub("", name)):
        if word and word.lower() not in _INITIAL_SKIP and word[0].isalpha():
            letters.append(word[0].upper())
    return "".join(letters)


def initials_variants(name: str) -> set[str]:
    """The initials with and without function words: ``"Bank of China"`` -> ``{"BC", "BOC"}``."""
    every = "".join(
        word[0].upper() for word in re.split(r"[\s-]+", _THE.sub("", name)) if word[:1].isalpha()
    )
    return {initials(name), every}


def is_acronym(text: str) -> bool:
    """Two to twelve characters, starting with a letter, at least two capitals, no lower-case
    run longer than one letter (``"PSB"``, ``"IRGC"``, ``"PdVSA"``, ``"IRGC-QF"``)."""
    return (
        2 <= len(text) <= 12
        and text[0].isalpha()
        and sum(ch.isupper() for ch in text) >= 2
        and " " not in text
        and not re.search(r"[a-z]{2}", text)
    )


def bracket_acronyms(text: str, spans: Sequence[tuple[int, int]]) -> dict[str, int]:
    """Acronyms introduced in brackets right after a mention: ``"Public Security Bureau (PSB)"``
    -> ``{"PSB": index of that mention}``. The first introduction wins."""
    found: dict[str, int] = {}
    for index, (_, end) in enumerate(spans):
        match = _ACRONYM.match(text[end : end + 20])
        if match and is_acronym(acronym := match.group("acronym")):
            found.setdefault(acronym, index)
    return found


_BRACKETED = re.compile(r"\(\s*(?P<acronym>[A-Z][A-Z0-9&-]{1,11})\s*\)")
_CAP_WORD = re.compile(r"[A-Z][\w'’&.-]*|of|the|and|for|de|la|&")


def acronym_definitions(text: str) -> list[tuple[int, int, str]]:
    """Spelled-out names introduced with their acronym in brackets, whether NER found them or
    not: ``"the Public Security Bureau (PSB)"`` -> ``[(start, end, "PSB")]`` for ``Public
    Security Bureau``. The capitalised words right before the bracket must give the acronym's
    initials (function words skipped)."""
    out: list[tuple[int, int, str]] = []
    for match in _BRACKETED.finditer(text):
        acronym = match.group("acronym")
        if not is_acronym(acronym):
            continue
        words = list(_CAP_WORD.finditer(text, max(0, match.start() - 150), match.start()))
        # keep only the run of words adjacent to the bracket
        run: list[re.Match[str]] = []
        boundary = match.start()
        for word in reversed(words):
            if text[word.end() : boundary].strip():
                break
            run.append(word)
            boundary = word.start()
        run.reverse()
        while run and not run[0].group()[0].isupper():
            run.pop(0)
        for first in range(len(run)):
            if run[first].group().lower() in _INITIAL_SKIP:
                continue
            candidate = text[run[first].start() : run[-1].end()]
            if acronym.upper() in initials_variants(candidate):
                out.append((run[first].start(), run[-1].end(), acronym))
                break
    return out


@dataclass(frozen=True)
class CorefItem:
    """What coreference needs to know of a mention."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class _CorefIndex:
    """Lookups over an article's mentions that coreference would otherwise find by scanning
    every earlier mention for each one (quadratic: minutes for the 40,000 mentions of a 5 MB
    text). Each maps a key to the indices of the mentions that have it, in document order."""

    person_keys: dict[str, int]  # a person's name words, lower case, joined -> first index
    full_persons: dict[str, list[int]]  # a word of a person name of 2+ words -> indices
    names: dict[tuple[str, str], int]  # (label, lower-case text) -> first index
    initials: dict[str, int]  # initials of a multi-word organisation name -> first index

    @classmethod
    def of(cls, items: Sequence[CorefItem]) -> _CorefIndex:
        person_keys: dict[str, int] = {}
        full_persons: dict[str, list[int]] = {}
        names: dict[tuple[str, str], int] = {}
        found_initials: dict[str, int] = {}
        for index, item in enumerate(items):
            names.setdefault((item.label, item.text.lower()), index)
            if item.label == "PERSON":
                parts = [w.lower() for w in name_words(item.text)]
                person_keys.setdefault(" ".join(parts), index)
                if len(parts) >= 2:
                    for part in dict.fromkeys(parts):
                        full_persons.setdefault(part, []).append(index)
            elif item.label == "ORG" and " " in item.text.strip():
                for variant in initials_variants(item.text):
                    found_initials.setdefault(variant, index)
        return cls(person_keys, full_persons, names, found_initials)


def _canonical_person(items: Sequence[CorefItem], index: int, lookup: _CorefIndex) -> int:
    words = name_words(items[index].text)
    if len(words) != 1:
        first = lookup.person_keys.get(" ".join(w.lower() for w in words), index)
        return min(first, index)
    # the nearest earlier person of two or more words containing the word, else the first later
    full = lookup.full_persons.get(words[0].lower(), [])
    position = bisect_left(full, index)
    if position > 0:
        return full[position - 1]
    return full[position] if position < len(full) else index


def _canonical_org(
    items: Sequence[CorefItem], index: int, acronyms: Mapping[str, int], lookup: _CorefIndex
) -> int:
    text = items[index].text
    if text in acronyms and acronyms[text] != index:
        return acronyms[text]
    first = lookup.names.get((items[index].label, text.lower()), index)
    if first < index:
        return first
    if items[index].label == "ORG" and is_acronym(text) and len(text) >= 3:
        first = lookup.initials.get(text, index)
        if first < index:
            return first
    return index


def resolve_coreference(
    items: Sequence[CorefItem], acronyms: Mapping[str, int] | None = None
) -> list[int]:
    """For each mention (in document order), the index of the full mention it refers to, itself
    when it is the full form:

    - a person named by one word (surname or given name, after titles: ``"Blinken"``, ``"Mr
      Xi"``, ``"President Xi"``; possessives are stripped before) -> the nearest earlier person
      mention of two or more words containing that word (else the first later one);
    - a repeated full name or organisation name -> its first occurrence;
    - an acronym introduced in brackets (`acronyms`, from `bracket_acronyms`) -> the full form;
    - an all-capital organisation acronym of three letters or more -> the earlier organisation
      whose initials it is (``"IRGC"`` -> ``"Islamic Revolutionary Guard Corps"``).

    The result is transitive: a canonical mention is always its own canonical. Time is linear
    in the number of mentions (`_CorefIndex`)."""
    acronyms = acronyms or {}
    lookup = _CorefIndex.of(items)
    canonical: list[int] = []
    for index, item in enumerate(items):
        if item.label == "PERSON":
            target = _canonical_person(items, index, lookup)
        else:
            target = _canonical_org(items, index, acronyms, lookup)
        canonical.append(target)
    for index in range(len(canonical)):
        seen = {index}
        target = canonical[index]
        while canonical[target] != target and canonical[target] not in seen:
            seen.add(target)
            target = canonical[target]
        canonical[index] = target
    return canonical


def short_form_words(full_names: Iterable[str]) -> set[str]:
    """The single words a person may be referred to by later in the text: each name word of a
    two-word-or-longer name, without particles, honorifics, role words, one-letter initials and
    place names (``"Antony Blinken"`` -> ``{"Antony", "Blinken"}``)."""
    words: set[str] = set()
    for name in full_names:
        parts = name_words(name)
        if len(parts) < 2:
            continue
        expanded: list[str] = []
        for part in parts:
            expanded.append(part)
            pieces = part.split("-")
            if len(pieces) > 1 and pieces[0].lower() in _PARTICLES:
                expanded.append("-".join(pieces[1:]))  # "al-Zawahiri" -> also "Zawahiri"
        for part in expanded:
            clean = part.strip(".,")
            lower = clean.lower()
            if (
                len(clean) < 2
                or not (clean[0].isupper() or ("-" in clean and clean.split("-")[0] in _PARTICLES))
                or not clean.replace("-", "").isalpha()
                or lower in _PARTICLES
                or lower in HONORIFICS
                or _is_role_word(clean)
                or country_of(clean, codes=False)
                or lower in _COMMON_CAPITALISED
            ):
                continue
            words.add(clean)
    return words


# Capitalised words too ambiguous to be taken for a person by themselves.
_COMMON_CAPITALISED = frozenset(
    {
        "the", "a", "an", "i", "he", "she", "it", "we", "they", "in", "on", "at", "but", "and",
        "will", "may", "mark", "bill", "rose", "grace", "hope", "faith", "april", "june",
        "august", "summer", "young", "long", "king", "white", "black", "brown", "green",
        "friday", "monday", "sunday", "new", "north", "south", "east", "west", "said",
    }
)  # fmt: skip


def find_words(
    text: str, words: Iterable[str], taken: Sequence[tuple[int, int]]
) -> list[tuple[int, int, str]]:
    """Whole-word, case-sensitive occurrences of `words` in `text` (with an optional possessive
    after them, not part of the span) that overlap none of the `taken` spans."""
    vocabulary = set(words)
    if not vocabulary:
        return []
    pattern = re.compile(r"(?<![\w-])(" + trie_pattern(vocabulary) + r")(?![\w-]|['’][a-rt-z])")
    index = SpanIndex(taken)
    out: list[tuple[int, int, str]] = []
    for match in pattern.finditer(text):
        start, end = match.span()
        if not index.overlaps(start, end):
            out.append((start, end, match.group()))
    return out


_Trie: TypeAlias = dict[str, "_Trie"]  # a character -> the rest; "" where a word ends


def trie_pattern(words: Iterable[str]) -> str:
    """A regular expression for any of `words`, written as their trie ("Al", "Ali", "Alma" ->
    ``Al(?:i|ma)?``). It matches what the alternation of the words sorted longest first
    matches, longer words tried first, but at each position tries only the words that begin
    with the text's next characters, not every word in turn: thousands of names over a long
    article take time in proportion to the text, not to the text times the names."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def branch(node: _Trie) -> str:
        paths = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not paths:
            return ""
        body = paths[0] if len(paths) == 1 else "(?:" + "|".join(paths) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer word first

    return branch(trie)


def first_disjoint(spans: Sequence[tuple[int, int]]) -> list[int]:
    """The indices of the spans kept when each, in the given order, is kept unless it overlaps
    one kept before (an empty span is never kept). Kept spans are marked character by
    character, so each span costs its own length, not a look at every span kept before it."""
    covered = bytearray(max((end for _, end in spans), default=0))
    kept: list[int] = []
    for index, (start, end) in enumerate(spans):
        if start < end and 1 not in covered[start:end]:
            covered[start:end] = b"\x01" * (end - start)
            kept.append(index)
    return kept


class SpanIndex:
    """Spans (start, end), overlapping or not, sorted once so that whether a span overlaps
    one of them, or lies inside one, takes a binary search instead of a scan of them all (a
    5 MB article has tens of thousands of spans)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        # the furthest end among the spans up to each one (in order of start)
        self._reach = list(accumulate((end for _, end in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps a span: one that starts before `end` reaches past
        `start`."""
        before = bisect_left(self._starts, end)
        return before > 0 and self._reach[before - 1] > start

    def contains(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` lies inside a span: one that starts at or before `start`
        reaches `end`."""
        before = bisect_right(self._starts, start)
        return before > 0 and self._reach[before - 1] >= end
