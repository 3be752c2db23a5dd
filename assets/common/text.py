"""Small pure helpers every list parser shares: null markers, whitespace, name order, partial
dates and country names to ISO 3166 alpha-2."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pycountry

# Values the publishers use for "no value".
_NULL_MARKERS = frozenset({"", "-0-", "n/a", "na", "none", "null", "unknown"})
_SPACES = re.compile(r"\s+")


def clean(value: object) -> str | None:
    """Collapse whitespace; return None for empty values and null markers such as OFAC's ``-0-``."""
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value)).strip()
    if text.lower() in _NULL_MARKERS:
        return None
    return text


def unique(values: Iterable[str | None]) -> list[str]:
    """Drop empties and duplicates, keep first-seen order."""
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def join_name(*parts: str | None) -> str:
    """Join name parts with single spaces, skipping empty and null parts."""
    return " ".join(p for p in (clean(part) for part in parts) if p)


def join_parts(parts: Iterable[str | None], separator: str = ", ") -> str:
    """Address-like parts joined, each trimmed of stray separators, empty ones skipped."""
    trimmed = (part.strip(" ,;") for part in parts if part)
    return separator.join(part for part in trimmed if part)


def natural_order(name: str) -> str:
    """``"AL-ZAWAHIRI, Ayman"`` -> ``"Ayman AL-ZAWAHIRI"``; names without exactly one comma
    (entity names like ``"CIMEX, S.A."`` are never passed here) are returned unchanged."""
    if name.count(",") != 1:
        return name
    last, first = (part.strip() for part in name.split(","))
    return f"{first} {last}".strip() if first else last


# --- dates -------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_DAY_MON_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})$")
_MON_YEAR = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{4})$")
_DMY_SLASH = re.compile(r"^(\d{1,2}|dd|DD)[/.-](\d{1,2}|mm|MM)[/.-](\d{4})$")
_MDY_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$")
_YEAR = re.compile(r"^(?:circa|c\.|approximately|approx\.?|about)?\s*(\d{4})$", re.IGNORECASE)


def _partial(year: int, month: int | None = None, day: int | None = None) -> str | None:
    if not 1800 <= year <= 2100:
        return None
    if not month:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return f"{year:04d}"
    if not day:
        return f"{year:04d}-{month:02d}"
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}"


def partial_date(text: str | None, *, day_first: bool = True) -> str | None:
    """Parse the date spellings the lists use into ISO 8601, keeping only the known precision:
    ``"10 Dec 1948"`` -> ``1948-12-10``, ``"Dec 1948"`` -> ``1948-12``, ``"circa 1960"`` ->
    ``1960``, ``"00/00/1962"`` -> ``1962``, ``"1962-05-14"`` -> itself. Returns None for text
    that is not a date (callers decide whether that is an error)."""
    value = clean(text)
    if value is None:
        return None
    value = value.strip(" .;")
    if m := _ISO.match(value):
        return _partial(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
    if (m := _DAY_MON_YEAR.match(value)) and (month := _MONTHS.get(m[2].lower())):
        return _partial(int(m[3]), month, int(m[1]))
    if (m := _MON_YEAR.match(value)) and (month := _MONTHS.get(m[1].lower())):
        return _partial(int(m[2]), month)
    if day_first and (m := _DMY_SLASH.match(value)):
        day = int(m[1]) if m[1].isdigit() else 0
        month = int(m[2]) if m[2].isdigit() else 0
        return _partial(int(m[3]), month or None, day or None)
    if not day_first and (m := _MDY_SLASH.match(value)):
        return _partial(int(m[3]), int(m[1]) or None, int(m[2]) or None)
    if m := _YEAR.match(value):
        return _partial(int(m[1]))
    return None


def partial_dates(text: str | None) -> list[str]:
    """Dates in a free-text DOB field, which may hold several: ``"1960 to 1962"``,
    ``"10 Dec 1948; alt. 12 Dec 1948"``. Ranges give both ends."""
    value = clean(text)
    if value is None:
        return []
    pieces = re.split(r"\s*(?:;|,\s*alt\.|\balt\.|\bto\b|\bor\b|-(?=\s*\d{4}\b)|–)\s*", value)
    return unique(partial_date(piece) for piece in pieces)


def to_date(text: str | None, *, day_first: bool = True) -> dt.date | None:
    """A full calendar date, or None when the text has less precision or is not a date."""
    iso = partial_date(text, day_first=day_first)
    if iso is None or len(iso) != 10:
        return None
    return dt.date.fromisoformat(iso)


# --- countries ---------------------------------------------------------------------------------

# Spellings in official lists that pycountry does not resolve, or resolves wrongly.
_COUNTRY_OVERRIDES = {
    "burma": "MM",
    "korea, north": "KP",
    "north korea": "KP",
    "democratic people's republic of korea": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "russia": "RU",
    "russian federation": "RU",
    "iran": "IR",
    "iran (islamic republic of)": "IR",
    "syria": "SY",
    "syrian arab republic": "SY",
    "laos": "LA",
    "vietnam": "VN",
    "viet nam": "VN",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "moldova": "MD",
    "taiwan": "TW",
    "turkey": "TR",
    "turkiye": "TR",
    "türkiye": "TR",
    "the gambia": "GM",
    "gambia": "GM",
    "cabo verde": "CV",
    "cape verde": "CV",
    "czech republic": "CZ",
    "czechia": "CZ",
    "kosovo": "XK",
    "xk": "XK",  # user-assigned code the lists use; not in ISO 3166 itself
    "palestinian": "PS",
    "possibly palestinian": "PS",
    "palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "region: gaza": "PS",
    "region: west bank": "PS",
    "state of palestine": "PS",
    "occupied palestinian territory": "PS",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo (democratic republic)": "CD",
    "congo, republic of the": "CG",
    "republic of the congo": "CG",
    "republic of congo": "CG",
    # "Congo" alone is the Democratic Republic to the news and on nearly every listing (184
    # listed entities against 5 of the Republic); one reading serves both sides.
    "congo": "CD",
    "drc": "CD",
    "democratic republic of congo": "CD",
    "north macedonia, the republic of": "MK",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "united states": "US",
    "usa": "US",
    "united states of america": "US",
    "brunei": "BN",
    "cote d'ivoire": "CI",
    "côte d'ivoire": "CI",
    "ivory coast": "CI",
    "micronesia": "FM",
    "sint maarten": "SX",
    "curacao": "CW",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "swaziland": "SZ",
    "eswatini": "SZ",
    "east timor": "TL",
    "holy see": "VA",
    "vatican": "VA",
    # as the news writes them
    "korea": "KR",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "u.k.": "GB",
    "u.s.": "US",
    "u.s": "US",
    "america": "US",
    "myanmar": "MM",
    "netherlands": "NL",
    "the netherlands": "NL",
    "holland": "NL",
    "gaza strip": "PS",
    "uae": "AE",
    "emirates": "AE",
    "north macedonia": "MK",
    "bahamas": "BS",
    "the bahamas": "BS",
    "philippines": "PH",
    "the philippines": "PH",
    "kyrgyzstan": "KG",
}


@lru_cache(maxsize=1)
def _pycountry_names() -> dict[str, str]:
    """Every pycountry name, official name and common name, lower case -> alpha-2."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(str(value).lower(), str(country.alpha_2))
    return names


def country_by_name(name: str) -> str | None:
    """ISO 3166 alpha-2 for a country's name as the lists or the news write it (lower case,
    stripped: "russia", "congo, democratic republic of the", "the netherlands"); None for a
    code or anything else. The one name table of both sides: a name means the same country on
    a listing and in an article."""
    return _COUNTRY_OVERRIDES.get(name) or _pycountry_names().get(name)


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """ISO 3166 alpha-2 for a country name, code or common list spelling; None when unknown.

    Free-text country fields are not a closed category, so an unknown spelling is not an error;
    callers keep the raw text elsewhere (addresses, remarks). "NA" in capitals is Namibia's code
    (the warehouse stores it, and a query repeats it); "n/a" and "na" say "no value"."""
    if name is not None and name.strip() == "NA":
        return "NA"
    value = clean(name)
    if value is None:
        return None
    written = value.strip().lower()
    key = written.strip(" .")  # "Iran." as "iran", but "U.K." as written first
    if found := country_by_name(written) or country_by_name(key):
        return found
    if len(key) == 2 and key.isalpha():
        coded = pycountry.countries.get(alpha_2=key.upper())
    elif len(key) == 3 and key.isalpha():
        coded = pycountry.countries.get(alpha_3=key.upper())
    else:
        return None
    return str(coded.alpha_2) if coded else None


# Jurisdictions that are part of another for screening purposes: news about a Hong Kong
# front company often says "China", and the lists record either.
RELATED_JURISDICTIONS: dict[str, tuple[str, ...]] = {
    "CN": ("HK", "MO"),
    "HK": ("CN",),
    "MO": ("CN",),
}

# Open ship registries (the ITF's flags of convenience) and offshore company registries. A
# ship's flag or a front company's place of registration is rarely what news about it names,
# so a country disagreement there is weak evidence against a match.
OPEN_REGISTRIES: frozenset[str] = frozenset(
    {
        "AG", "BB", "BS", "BZ", "BM", "BO", "CK", "CM", "CY", "FO", "GA", "GE", "GI", "GQ",
        "HN", "JM", "KH", "KM", "KY", "LB", "LK", "LR", "MD", "MH", "MN", "MT", "MU", "PA",
        "PW", "SC", "SL", "ST", "SZ", "TG", "TO", "VC", "VG", "VU",
    }
)  # fmt: skip


def country_codes(names: Iterable[str | None]) -> list[str]:
    """Resolve several country names, dropping unknowns and duplicates."""
    return unique(country_code(name) for name in names)


# --- scripts -----------------------------------------------------------------------------------

# First word of the Unicode character name -> script name (ISO 15924 English names).
_SCRIPTS = {
    "LATIN": "Latin",
    "ARABIC": "Arabic",
    "CYRILLIC": "Cyrillic",
    "GREEK": "Greek",
    "HEBREW": "Hebrew",
    "CJK": "Han",
    "HANGUL": "Hangul",
    "HIRAGANA": "Hiragana",
    "KATAKANA": "Katakana",
    "GEORGIAN": "Georgian",
    "ARMENIAN": "Armenian",
    "DEVANAGARI": "Devanagari",
    "BENGALI": "Bengali",
    "GURMUKHI": "Gurmukhi",
    "THAI": "Thai",
    "LAO": "Lao",
    "KHMER": "Khmer",
    "MYANMAR": "Myanmar",
    "ETHIOPIC": "Ethiopic",
    "SYRIAC": "Syriac",
    "THAANA": "Thaana",
    "TIBETAN": "Tibetan",
    "MONGOLIAN": "Mongolian",
}


def script_of(text: str) -> str:
    """The writing system most of the letters of `text` are in: ``"Latin"`` (also for text
    without letters) or e.g. ``"Arabic"``, ``"Cyrillic"``, ``"Han"``, ``"Hangul"``."""
    if text.isascii():
        return "Latin"
    counts: dict[str, int] = {}
    for char in text:
        if script := _char_script(char):
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else "Latin"


@lru_cache(maxsize=8192)
def _char_script(char: str) -> str | None:
    if not char.isalpha():
        return None
    return _SCRIPTS.get(unicodedata.name(char, "").split(" ", 1)[0])


# Given names and surnames so frequent that one of them alone names nobody in particular.
COMMON_NAMES: frozenset[str] = frozenset(
    {
        "john", "james", "robert", "michael", "william", "david", "richard", "joseph",
        "thomas", "charles", "daniel", "mark", "paul", "peter", "george", "maria", "mary",
        "anna", "elena", "olga", "irina", "natalia", "tatiana", "svetlana", "sergei", "sergey",
        "alexander", "alexandr", "aleksandr", "andrei", "andrey", "dmitry", "dmitri", "igor",
        "ivan", "vladimir", "nikolai", "oleg", "yuri", "mikhail", "viktor", "pavel", "alexei",
        "aleksei", "mohammed", "muhammad", "mohammad", "mohamed", "ahmed", "ahmad", "ali",
        "hassan", "hussein", "husein", "omar", "umar", "abdullah", "ibrahim", "mahmoud",
        "mustafa", "khalid", "yusuf", "youssef", "hamid", "karim", "reza", "hossein", "mehdi",
        "smith", "johnson", "williams", "brown", "jones", "miller", "davis", "wilson", "taylor",
        "ivanov", "petrov", "smirnov", "kuznetsov", "popov", "sokolov", "wang", "li", "lee",
        "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "kim", "park", "choi",
        "nguyen", "tran", "khan", "singh", "kumar", "patel", "garcia", "rodriguez", "martinez",
        "lopez", "gonzalez", "hernandez", "perez", "sanchez", "silva", "santos", "rossi",
        "muller", "mueller", "schmidt", "schneider", "fischer", "weber", "martin", "bernard",
        "dubois", "rahman", "hamza", "bakr", "aziz", "said", "saeed", "nasser", "salem",
        "saleh", "rashid", "jamal", "tariq", "farid", "abdul", "abu", "abd", "mohamad",
        "muhammed", "jose", "juan", "luis", "carlos", "antonio", "francisco", "manuel",
    }
)  # fmt: skip


# Characters a terminal acts on rather than shows: C0 and C1 controls (ESC starts the sequences
# that move the cursor, recolour or retitle the window), DEL, and the bidirectional overrides
# that reorder what is shown.
def counted(count: int, one: str, many: str | None = None) -> str:
    """``"1 match"``, ``"3 matches"``: `count` and the noun in its number (`many` defaults to
    `one` + "s")."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def is_utf8(text: str) -> bool:
    """Whether `text` can be written as UTF-8: it holds no lone surrogate, which is what Python
    makes of undecodable bytes in a file name or an argument, and of a JSON escape of half a
    surrogate pair; no file, database or terminal takes one."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` safe to print to a terminal: each control character written as an escape
    (``"\\x1b"``, ``"\\n"``, ``"\\u202e"``); what is stored stays as given."""
    return TERMINAL_CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


# Cells starting with these are formulas to a spreadsheet (CSV injection): written with a
# leading apostrophe, which spreadsheets show as text and do not evaluate.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """`value` as a CSV cell a spreadsheet shows and does not run: None empty, numbers as
    written, other values as JSON, text opening a formula behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return "'" + text if text.startswith(_FORMULA_START) else text
