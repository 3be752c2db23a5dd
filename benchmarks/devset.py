"""A development set for counterparty screening built from the lists themselves, without
hand-labelling (deterministic for a given seed and warehouse).

Positives: listed entities as a counterparty file would carry them, each under one slice:
- `alias`: one of the entity's aliases as listed (its primary name when it has none),
- `typo`: one letter deleted, doubled, swapped with the next or replaced, in one word,
- `reordered`: the words rotated ("Family Given Middle"),
- `dropped_middle`: a middle word of a person's name of three or more words dropped,
- `transliteration`: another romanisation of one word (kh/h, ou/u, y/i, ev/yev, mohammed/...),
- `cyrillic`: a person's Latin name written in Cyrillic (the way a Russian-language register
  would), which the name analysis transliterates back,
- `birth_year_pm1`: a person's name with a listed birth year off by one,
and, drawn after everything else with a generator of their own (so the records above stay the
same), the query styles of a screening desk (#19):
- `glued`: a name of two or three words run together ("GennadyTimchenko", "viktorvekselberg"),
- `digits`: one or two letters typed as the digits they look like ("Rams4n Kadyr0v"),
- `glued_legal_form`: an organisation's opening legal form run into its name ("OOOROSTEKH"),
- `other_legal_form`: a company under another legal form than its listed one ("ROSTEKH LLC"
  for "JSC ROSTEKH"),
- `cut_last_name`: a person's family name cut short by two to four letters ("Viktor
  Feliksovich VEKSEL" for "... VEKSELBERG"),
- `other_language`: a person of a Cyrillic-script country written as a French, German, Czech,
  Latvian or Polish register would romanise the Cyrillic name ("Evguenii Viktorovitch
  Prigojine", "Jewgeni Prigoschin", "Sergej Šojgu", "Dmitrijs Medvedevs"): the list's own
  Cyrillic alias where it has one, else the Latin name written in Cyrillic (`to_cyrillic`),
  through the tables of `FOREIGN_ROMANISATIONS`, written for this benchmark from each
  language's usual romanisation of Russian.
Each positive carries the entity's type (90 %), one of its countries (80 % when it has one) and,
for a person with a listed year, that year (60 %; always, off by one, in `birth_year_pm1`).

Negatives: people, companies and vessels that are on no list, generated from common given and
family names of 24 countries (the lists below were written for this benchmark), each with its
country and, for 60 % of the people, a birth year. A generated name whose order-free key is the
key of a list name is a namesake, not a non-listed name: it is dropped (and counted).

Namesakes: listed people's names with a country the entity does not have and a birth year at
least ten years from every listed one: the same name, another person.

Dates of birth, drawn last with a generator of their own (the records above keep their names,
countries and years): three in ten positives of a person listed with a full date of birth in
the record's year carry that date; half the namesakes carry a date in their year; and the
`other_birth_date` namesakes are listed people's names with the listed year of birth but
another day of it (1962-05-14 listed, 1962-09-03 queried): the same name, another person.

Native scripts (#19), drawn after the dates of birth with a generator of their own: a listed
person of a Korean or Chinese nationality whose name is syllables of North Korea's
romanisation or of pinyin, written as a Korean or Chinese register would, family name first and
the syllables run together:
- `hangul`: in Hangul ("김여정" for "KIM Yo Jong"),
- `han`: a Chinese name in Han characters ("李方伟" for "Fangwei LI"), one common character of
  each syllable's reading chosen (the first of GB 2312's level 1 read so): a spelling, not the
  person's own characters.
Korean names in Hanja are not generated: their Korean readings (金 is "Kim" as a family name)
need a dictionary no maintained library offers (`README`, counterparty screening).

Near-misses (#19): a listed name changed so that it names someone else, with the entity's type
and (80 %) one of its countries, drawn last with a generator of their own; a near-miss that hits
its listed entity at the match band is a false alarm:
- `extra_part`: a listed person's name with a given or family part the record lacks ("Omar
  Yusuf" listed, "Omar Yusuf Al-Harbi" queried),
- `other_patronymic`: a listed person's patronymic replaced by another ("Ivan Petrovich Y"
  queried, "Ivan Sergeyevich Y" listed),
- `other_distinctive_word`: a listed organisation's rarest word replaced by another,
- `given_name_alone`: a listed person's given name alone ("Mohammed", "Kim"); a false alarm is
  any match-band hit.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import duckdb
from anyascii import anyascii

from assets.common.name_words import is_patronymic
from assets.counterparties.records import CounterpartyRecord, RecordType
from assets.counterparties.training import fact_row
from assets.linkage.facts import write_facts
from assets.linkage.names import (
    analyse,
    core_tokens,
    given_name_words,
    normalise,
    split_legal_form,
    words_of,
)
from assets.linkage.romanisations import korean_syllable

SEED = 20261126

SLICES = (
    "alias",
    "typo",
    "reordered",
    "dropped_middle",
    "transliteration",
    "cyrillic",
    "birth_year_pm1",
)
STYLE_SLICES = (
    "glued",
    "digits",
    "glued_legal_form",
    "other_language",
    "other_legal_form",
    "cut_last_name",
)
# Names in the scripts of Korean and Chinese registers, drawn last (`_native_script`).
SCRIPT_SLICES = ("hangul", "han")
# The nationalities whose listed people `SCRIPT_SLICES` draws from.
SCRIPT_COUNTRIES = {"hangul": frozenset({"KP", "KR"}), "han": frozenset({"CN", "HK", "TW"})}
# The slices of `STYLE_SLICES` drawn from listed people only.
PEOPLE_STYLES = ("other_language", "cut_last_name")
# Legal forms a register may give a listed company instead of its own (`other_legal_form`).
OTHER_LEGAL_FORMS = ("LLC", "JSC", "Ltd", "GmbH", "SA", "OOO", "PJSC", "Co Ltd", "FZE", "Inc")
ALL_SLICES = SLICES + STYLE_SLICES + SCRIPT_SLICES
NEAR_MISS_SLICES = ("extra_part", "other_patronymic", "other_distinctive_word", "given_name_alone")
# Letters typed as the digits they look like (the `digits` slice).
LETTER_DIGITS = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5"}
# One-word legal forms that open organisation names on the lists (the `glued_legal_form` slice).
OPENING_FORMS = ("ooo", "oao", "zao", "pao", "ao", "tov", "jsc", "pjsc", "ojsc", "cjsc", "llc")

# Common given names (mixed genders) and family names by country, written for this benchmark.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "US": (
        ("James", "Emily", "Michael", "Ashley", "Robert", "Jessica", "David", "Sarah", "Tyler"),
        ("Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson", "Anderson", "Taylor"),
    ),
    "GB": (
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Sophie", "Jack", "Charlotte", "Alfie"),
        ("Smith", "Jones", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Green"),
    ),
    "DE": (
        ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Julia", "Tobias"),
        ("Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hoffmann"),
    ),
    "FR": (
        ("Louis", "Camille", "Hugo", "Chloe", "Jules", "Manon", "Lucas", "Ines", "Antoine"),
        ("Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Girard"),
    ),
    "ES": (
        ("Javier", "Lucia", "Alejandro", "Carmen", "Pablo", "Marta", "Sergio", "Elena", "Diego"),
        ("Garcia", "Fernandez", "Lopez", "Martinez", "Sanchez", "Gomez", "Ruiz", "Jimenez"),
    ),
    "IT": (
        ("Francesco", "Giulia", "Alessandro", "Chiara", "Lorenzo", "Sara", "Matteo", "Marco"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"),
    ),
    "PT": (
        ("Joao", "Beatriz", "Tiago", "Mariana", "Rui", "Ines", "Goncalo", "Catarina"),
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Sousa"),
    ),
    "BR": (
        ("Gabriel", "Larissa", "Rafael", "Juliana", "Thiago", "Fernanda", "Bruno", "Camila"),
        ("Souza", "Lima", "Carvalho", "Almeida", "Ribeiro", "Barbosa", "Araujo", "Cardoso"),
    ),
    "MX": (
        ("Jose", "Guadalupe", "Luis", "Ximena", "Miguel", "Valeria", "Jorge", "Daniela"),
        ("Hernandez", "Ramirez", "Flores", "Torres", "Rivera", "Mendoza", "Vargas", "Castillo"),
    ),
    "PL": (
        ("Jakub", "Zofia", "Kacper", "Maja", "Szymon", "Wiktoria", "Piotr", "Agnieszka"),
        ("Nowak", "Kowalski", "Wisniewski", "Wojcik", "Kaminski", "Lewandowski", "Zielinski"),
    ),
    "NL": (
        ("Daan", "Emma", "Sem", "Tess", "Bram", "Sanne", "Ruben", "Fleur"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer"),
    ),
    "SE": (
        ("Erik", "Elsa", "Oskar", "Astrid", "Nils", "Ingrid", "Gustav", "Linnea"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson"),
    ),
    "RU": (
        ("Dmitry", "Yelena", "Sergey", "Natalya", "Andrey", "Olga", "Pavel", "Tatyana"),
        ("Smirnov", "Kuznetsov", "Popov", "Vasilyev", "Sokolov", "Morozov", "Volkov", "Lebedev"),
    ),
    "UA": (
        ("Oleksandr", "Oksana", "Taras", "Iryna", "Bohdan", "Kateryna", "Mykola", "Yulia"),
        ("Shevchenko", "Bondarenko", "Kovalenko", "Tkachenko", "Kravchenko", "Oliynyk"),
    ),
    "TR": (
        ("Mehmet", "Ayse", "Mustafa", "Fatma", "Emre", "Zeynep", "Burak", "Elif"),
        ("Yilmaz", "Kaya", "Demir", "Sahin", "Celik", "Yildiz", "Aydin", "Ozturk"),
    ),
    "EG": (
        ("Ahmed", "Mariam", "Mostafa", "Nour", "Karim", "Yasmin", "Tarek", "Salma"),
        ("Abdelrahman", "Soliman", "Mansour", "Fawzy", "Shehata", "Ghoneim", "Ezzat"),
    ),
    "MA": (
        ("Youssef", "Imane", "Hamza", "Khadija", "Anas", "Zineb", "Mehdi", "Salma"),
        ("Alaoui", "Benali", "Idrissi", "Tazi", "Bennani", "Chraibi", "Berrada", "Lahlou"),
    ),
    "IN": (
        ("Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Kavya", "Arjun", "Sneha"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Menon", "Desai"),
    ),
    "CN": (
        ("Wei", "Fang", "Lei", "Jing", "Hao", "Min", "Yong", "Xiu"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhou"),
    ),
    "JP": (
        ("Haruto", "Yui", "Sota", "Hina", "Ren", "Sakura", "Takumi", "Aoi"),
        ("Sato", "Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi"),
    ),
    "KR": (
        ("Minjun", "Seoyeon", "Jiho", "Jiwoo", "Hyunwoo", "Soyeon", "Donghyun", "Eunji"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"),
    ),
    "NG": (
        ("Chinedu", "Ngozi", "Emeka", "Funmilayo", "Tunde", "Amaka", "Oluwaseun", "Kemi"),
        ("Okafor", "Adeyemi", "Eze", "Okonkwo", "Balogun", "Nwosu", "Adebayo", "Obi"),
    ),
    "KE": (
        ("Wanjiru", "Otieno", "Akinyi", "Kipchoge", "Njeri", "Mwangi", "Achieng", "Kamau"),
        ("Odhiambo", "Kariuki", "Wafula", "Cheruiyot", "Mutua", "Onyango", "Githinji"),
    ),
    "VN": (
        ("Minh", "Lan", "Tuan", "Huong", "Duc", "Thao", "Quang", "Linh"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui"),
    ),
}
BUSINESS_WORDS = (
    "Logistics",
    "Trading",
    "Consulting",
    "Foods",
    "Textiles",
    "Engineering",
    "Software",
    "Construction",
    "Pharma",
    "Agro",
    "Packaging",
    "Freight",
    "Imports",
    "Medical Supplies",
    "Solar",
    "Furniture",
)
PLACE_WORDS = (
    "Northern",
    "Blue Ridge",
    "Harbour",
    "Golden Field",
    "Riverside",
    "Summit",
    "Evergreen",
    "Coastal",
    "Silverline",
    "Meadow",
    "Crescent",
    "Pioneer",
)
LEGAL_FORMS = {
    "US": "Inc",
    "GB": "Ltd",
    "DE": "GmbH",
    "FR": "SARL",
    "ES": "SL",
    "IT": "SRL",
    "PT": "Lda",
    "BR": "Ltda",
    "MX": "SA de CV",
    "PL": "sp. z o.o.",
    "NL": "BV",
    "SE": "AB",
    "RU": "OOO",
    "UA": "TOV",
    "TR": "AS",
    "EG": "SAE",
    "MA": "SARL",
    "IN": "Pvt Ltd",
    "CN": "Co Ltd",
    "JP": "KK",
    "KR": "Co Ltd",
    "NG": "Ltd",
    "KE": "Ltd",
    "VN": "JSC",
}
VESSEL_WORDS = ("Star", "Wave", "Spirit", "Pride", "Horizon", "Breeze", "Glory", "Dawn")
# Family and tribal names a near-miss adds to a listed person's name (with the family names of
# `NAMES`), and patronymics it puts in place of the listed one.
EXTRA_FAMILY_NAMES = ("Al-Harbi", "Al-Qahtani", "Al-Mutairi", "Al-Dosari", "Al-Zahrani",
                      "Al-Ghamdi", "Al-Shehri", "Al-Anazi", "Haddad", "Khoury")  # fmt: skip
PATRONYMICS = ("Ivanovich", "Petrovich", "Sergeyevich", "Nikolayevich", "Alexandrovich",
               "Vladimirovich", "Mikhailovich", "Andreyevich", "Yuryevich", "Olegovich",
               "Dmitriyevich", "Viktorovich")  # fmt: skip

# Romanisation variants: one occurrence of the left side becomes the right side.
TRANSLITERATIONS = (
    ("kh", "h"),
    ("ou", "u"),
    ("yev", "ev"),
    ("ev", "yev"),
    ("iy", "y"),
    ("y", "i"),
    ("sh", "ch"),
    ("j", "dj"),
    ("dzh", "j"),
    ("ts", "tz"),
    ("mohammed", "muhammad"),
    ("mohammad", "muhammad"),
    ("muhammad", "mohamed"),
    ("ee", "i"),
    ("ai", "ay"),
    ("q", "k"),
    ("w", "v"),
    ("ph", "f"),
    ("oo", "u"),
    ("ie", "ye"),
)
_LATIN_TO_CYRILLIC = (
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    ("yo", "ё"),
    ("iy", "ий"),
    ("j", "дж"),
    ("x", "кс"),
    *zip("abvgdezklmnoprstufhcwqy", "абвгдезклмнопрстуфхквкй", strict=True),
    ("i", "и"),
)
_CYRILLIC_LETTERS = dict(zip("abvgdezijklmnoprstufhcwqy", "абвгдезийклмнопрстуфхцвкы", strict=True))
CYRILLIC_COUNTRIES = {"RU", "UA", "BY", "KZ", "KG", "TJ", "UZ", "MD", "AM", "AZ", "GE", "TM"}

# Each language's romanisation of Russian Cyrillic (the `other_language` slice): one spelling per
# letter, "ий" at the end of a word as one, and "е" at the start of a word or after a vowel as
# the language writes an iotated e.
_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_ROMANISATION_TABLES: dict[str, tuple[tuple[str, ...], str, str]] = {
    # language: (spelling of each letter of _CYRILLIC, final "ий", iotated "е")
    "French": (
        ("a", "b", "v", "g", "d", "e", "io", "j", "z", "i", "ï", "k", "l", "m", "n", "o", "p",
         "r", "s", "t", "ou", "f", "kh", "ts", "tch", "ch", "chtch", "", "y", "", "e", "iou",
         "ia"),
        "i", "ie",
    ),
    "German": (
        ("a", "b", "w", "g", "d", "e", "jo", "sch", "s", "i", "i", "k", "l", "m", "n", "o", "p",
         "r", "s", "t", "u", "f", "ch", "z", "tsch", "sch", "schtsch", "", "y", "", "e", "ju",
         "ja"),
        "i", "je",
    ),
    "Czech": (
        ("a", "b", "v", "g", "d", "e", "jo", "ž", "z", "i", "j", "k", "l", "m", "n", "o", "p",
         "r", "s", "t", "u", "f", "ch", "c", "č", "š", "šč", "", "y", "", "e", "ju", "ja"),
        "ij", "je",
    ),
    "Latvian": (
        ("a", "b", "v", "g", "d", "e", "jo", "ž", "z", "i", "j", "k", "l", "m", "n", "o", "p",
         "r", "s", "t", "u", "f", "h", "c", "č", "š", "šč", "", "i", "", "e", "ju", "ja"),
        "ijs", "je",
    ),
    "Polish": (
        ("a", "b", "w", "g", "d", "e", "io", "ż", "z", "i", "j", "k", "ł", "m", "n", "o", "p",
         "r", "s", "t", "u", "f", "ch", "c", "cz", "sz", "szcz", "", "y", "", "e", "ju", "ja"),
        "ij", "je",
    ),
}  # fmt: skip
FOREIGN_ROMANISATIONS = tuple(_ROMANISATION_TABLES)
_CYRILLIC_WORD = re.compile(f"[{_CYRILLIC}]+")
# Only names in these letters are romanised (Ukrainian and Belarusian letters have tables of
# their own): a listed Cyrillic alias with others is replaced by `to_cyrillic` of the name.
_RUSSIAN_NAME = re.compile(f"[{_CYRILLIC} -]+", re.IGNORECASE)
# Polish writes a soft l as "l" and the vowel after it without its "j": "ле" is "le", "лю" "lu".
_POLISH_AFTER_SOFT_L = {"е": "e", "ё": "o", "ю": "u", "я": "a"}
_POLISH_SOFTENING = set("еёиюяь")
_VOWELS = set("аеёиоуыэюя")


def romanise_foreign(cyrillic: str, language: str) -> str:
    """A Cyrillic name as `language` (one of `FOREIGN_ROMANISATIONS`) romanises it, each word
    capitalised; a Latvian man's name ending in a consonant takes the nominative "-s"."""
    letters, final_ii, iotated_e = _ROMANISATION_TABLES[language]
    table = dict(zip(_CYRILLIC, letters, strict=True))
    words = []
    for word in _CYRILLIC_WORD.findall(cyrillic.lower()):
        if word.endswith("ий"):
            stem, ending = word[:-2], final_ii
        else:
            stem, ending = word, ""
        out = []
        for i, letter in enumerate(stem):
            before = stem[i - 1] if i else ""
            after = stem[i + 1 : i + 2]
            if letter == "е" and (not before or before in _VOWELS | {"ь", "ъ"}):
                out.append(iotated_e)
            elif language == "French" and letter == "г" and after in ("е", "и", "ы", "ё"):
                out.append("gu")  # "Sergueï", "Evgueni": a hard g before e and i
            elif language == "Polish" and before == "л" and letter in _POLISH_AFTER_SOFT_L:
                out.append(_POLISH_AFTER_SOFT_L[letter])  # "Leonid", "Lubow": soft l
            elif language == "Polish" and letter == "л" and after in _POLISH_SOFTENING:
                out.append("l")
            elif language == "Polish" and letter == "е" and before not in "жцчшщ":
                out.append("ie")  # "Siergiej": e softens the consonant before it
            else:
                out.append(table[letter])
        text = "".join(out) + ending
        if language == "French" and text.endswith("in") and not ending:
            text += "e"  # "Poutine", "Prigojine": the final -in said as in Russian
        if language == "Latvian" and not ending and text[-1:] not in "aeiouy":
            text += "s"
        words.append(text[:1].upper() + text[1:])
    return " ".join(words)


@dataclass(frozen=True)
class DevRecord:
    record: CounterpartyRecord
    kind: str  # positive | negative | namesake | near_miss
    slice: str  # the positives' slice; person / org / vessel for the others
    expected: str | None = None  # the entity a positive comes from


@dataclass
class DevSet:
    records: list[DevRecord] = field(default_factory=list)
    namesakes_dropped: int = 0  # generated negatives whose name is a list name


def to_cyrillic(name: str) -> str:
    """A Latin name as a Russian-language register might write it (an approximation: the point
    is a realistic script change, not a standard)."""
    out = []
    for word in name.lower().split():
        i, letters = 0, []
        while i < len(word):
            for latin, cyr in _LATIN_TO_CYRILLIC:
                if word.startswith(latin, i):
                    letters.append(cyr)
                    i += len(latin)
                    break
            else:
                letters.append(_CYRILLIC_LETTERS.get(word[i], word[i]))
                i += 1
        text = "".join(letters)
        out.append(text[:1].upper() + text[1:])
    return " ".join(out)


def _typo(rng: random.Random, name: str) -> str | None:
    words = name.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return None
    i = rng.choice(candidates)
    word = words[i]
    p = rng.randrange(1, len(word) - 1)
    op = rng.randrange(4)
    if op == 0:
        word = word[:p] + word[p + 1 :]
    elif op == 1:
        word = word[:p] + word[p] + word[p:]
    elif op == 2:
        word = word[:p] + word[p + 1] + word[p] + word[p + 2 :]
    else:
        vowels = "aeiou"
        letter = word[p].lower()
        pool = vowels if letter in vowels else "bcdfghklmnprstvz"
        swap = rng.choice([c for c in pool if c != letter])
        word = word[:p] + (swap.upper() if word[p].isupper() else swap) + word[p + 1 :]
    words[i] = word
    return " ".join(words)


def _transliterate(rng: random.Random, name: str) -> str | None:
    lowered = name.lower()
    options = [(a, b) for a, b in TRANSLITERATIONS if a in lowered]
    if not options:
        return None
    a, b = rng.choice(options)
    spots = [m.start() for m in re.finditer(re.escape(a), lowered)]
    at = rng.choice(spots)
    return name[:at] + (b.upper() if name[at : at + len(a)].isupper() else b) + name[at + len(a) :]


def _other_language(
    rng: random.Random, primary: str, aliases: list[str], countries: list[str]
) -> str | None:
    """A person of a Cyrillic-script country as another language romanises the Cyrillic name
    (its listed Cyrillic alias, else `to_cyrillic` of the primary name); None for the others."""
    if not set(countries) & CYRILLIC_COUNTRIES:
        return None
    cyrillic = [a for a in aliases if _RUSSIAN_NAME.fullmatch(a)]
    source = rng.choice(cyrillic) if cyrillic else to_cyrillic(primary)
    if len(_CYRILLIC_WORD.findall(source.lower())) < 2:
        return None
    return romanise_foreign(source, rng.choice(FOREIGN_ROMANISATIONS))


def _styled(rng: random.Random, style: str, name: str) -> str | None:
    """`name` in a query style of `STYLE_SLICES` but `other_language`; None when the style does
    not apply to it."""
    words = name.split()
    if style == "other_legal_form":
        core, form = split_legal_form(normalise(name))
        if form is None or not script_latin(name):
            return None
        others = [f for f in OTHER_LEGAL_FORMS if split_legal_form(normalise(f"X {f}"))[1] != form]
        return f"{core.upper()} {rng.choice(others)}"
    if not script_latin(name) or not all(w.isalpha() for w in words):
        return None
    if style == "cut_last_name":
        family = [i for i, w in enumerate(words) if w.isupper() and len(w) >= 7]
        if not family or len(words) < 2:
            return None
        i = family[-1]
        words[i] = words[i][: -rng.randint(2, min(4, len(words[i]) - 5))]
        return " ".join(words)
    if style == "glued":
        if not 2 <= len(words) <= 3:
            return None
        if rng.random() < 0.5:
            return "".join(w.capitalize() for w in words)
        return "".join(words).lower()
    if style == "digits":
        spots = [
            (i, j)
            for i, w in enumerate(words)
            for j in range(2, len(w))
            if w[j].lower() in LETTER_DIGITS
        ]
        if not spots:
            return None
        typed = [list(w) for w in words]
        for i, j in rng.sample(spots, min(len(spots), rng.choice((1, 2)))):
            typed[i][j] = LETTER_DIGITS[typed[i][j].lower()]
        return " ".join("".join(w) for w in typed)
    if style == "glued_legal_form":
        if len(words) < 2 or words[0].lower() not in OPENING_FORMS:
            return None
        return " ".join([words[0] + words[1], *words[2:]])
    raise ValueError(f"unknown style {style!r}")


# Hangul finals a name syllable has (none, ㄱ, ㄴ, ㄷ, ㄹ, ㅁ, ㅂ, ㅇ): "kim" is 김, not 긺.
_SIMPLE_FINALS = frozenset({0, 1, 4, 7, 8, 16, 17, 21})


def _hangul_syllables() -> Iterator[str]:
    """The Hangul syllables with a simple final (`_SIMPLE_FINALS`), by code point."""
    for code in range(0xAC00, 0xD7A4):
        if (code - 0xAC00) % 28 in _SIMPLE_FINALS:
            yield chr(code)


def _common_han() -> Iterator[str]:
    """The 3,755 most common Chinese characters (level 1 of GB 2312, in pinyin order)."""
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                yield bytes([high, low]).decode("gb2312")
            except UnicodeDecodeError:
                continue


@lru_cache(maxsize=2)
def _script_table(script: str) -> dict[str, str]:
    """The syllables of `script` ("hangul": North Korea's romanisation, as the name analysis
    reads Hangul; "han": pinyin without tones, as anyascii reads Han) -> the first character
    read so."""
    table: dict[str, str] = {}
    chars = _hangul_syllables() if script == "hangul" else _common_han()
    for char in chars:
        reading = korean_syllable(char) if script == "hangul" else anyascii(char)
        if reading and reading.isalpha():
            table.setdefault(reading.lower(), char)
    return table


def _syllables(word: str, table: dict[str, str]) -> list[str] | None:
    """`word` cut into the fewest syllables of `table` (the longest first where as few), or
    None when it is not made of them."""
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in table:
                found = [*head, word[start:end]]
                if best[end] is None or len(found) < len(best[end] or []):
                    best[end] = found
    return best[len(word)]


def _native_script(script: str, primary: str) -> str | None:
    """A listed person's Latin `primary` name in `script` ("hangul", "han"), family name first
    (the words the list's case marks as the family name; as written when it marks none), the
    syllables run together; None when a word is no syllables of the script."""
    words = primary.split()
    if not 2 <= len(words) <= 4 or not all(w.isalpha() for w in words):
        return None
    family = [w for w in words if w.isupper() and len(w) > 1]
    if 0 < len(family) < len(words):
        words = family + [w for w in words if w not in family]
    table = _script_table(script)
    syllables = [_syllables(w.lower(), table) for w in words]
    if any(s is None for s in syllables) or sum(len(s or []) for s in syllables) > 4:
        return None
    return "".join(table[s] for word in syllables for s in word or [])


def _kind(schema: str) -> RecordType:
    return {"Person": "person", "Organization": "org", "Vessel": "vessel"}.get(schema, "any")  # type: ignore[return-value]


def _listed(
    con: duckdb.DuckDBPyConnection,
) -> list[tuple[str, str, list[str], list[int], str, list[str]]]:
    rows = con.execute(
        """
        SELECT e.entity_id, e.schema, e.countries,
               list_distinct(list_filter(list_transform(e.birth_dates,
                   lambda d: TRY_CAST(substr(d, 1, 4) AS INTEGER)), lambda y: y IS NOT NULL)),
               first(n.name ORDER BY n.name) FILTER (n.kind = 'primary'),
               list(n.name ORDER BY n.name) FILTER (n.kind = 'alias')
        FROM sources.entities e JOIN sources.names n USING (entity_id)
        WHERE e.schema IN ('Person', 'Organization', 'Vessel')
        GROUP BY ALL ORDER BY e.entity_id
        """
    ).fetchall()
    return [
        (str(e), str(s), list(c or []), list(y or []), str(p), list(a or []))
        for e, s, c, y, p, a in rows
        if p and script_latin(p)
    ]


def script_latin(name: str) -> bool:
    return anyascii(name) == name


def build(
    con: duckdb.DuckDBPyConnection,
    positives_per_slice: int = 500,
    negatives: int = 6000,
    namesakes: int = 500,
    seed: int = SEED,
) -> DevSet:
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    listed = _listed(con)
    list_keys = {
        str(k)
        for (k,) in con.execute(
            "SELECT DISTINCT sorted_core_key FROM linkage.list_records"
        ).fetchall()
    }
    dev = DevSet()
    row = 0

    def add(
        name: str, kind: RecordType, country: str | None, year: int | None, **tags: str
    ) -> None:
        nonlocal row
        row += 1
        record = CounterpartyRecord(
            row=row, record_id=f"d{row:06d}", name=name, kind=kind, country=country,
            birth_year=year,
        )  # fmt: skip
        dev.records.append(DevRecord(record, tags["set"], tags["slice"], tags.get("expected")))

    people = [e for e in listed if e[1] == "Person"]
    for slice_name in SLICES:
        made, tries = 0, 0
        while made < positives_per_slice and tries < positives_per_slice * 50:
            tries += 1
            pool = (
                people if slice_name in ("dropped_middle", "cyrillic", "birth_year_pm1") else listed
            )
            entity_id, schema, countries, years, primary, aliases = rng.choice(pool)
            name: str | None = primary
            year: int | None = rng.choice(years) if years and rng.random() < 0.6 else None
            if slice_name == "alias":
                latin = [a for a in aliases if script_latin(a)]
                name = rng.choice(latin) if latin else primary
            elif slice_name == "typo":
                name = _typo(rng, primary)
            elif slice_name == "reordered":
                words = primary.split()
                name = " ".join([words[-1], *words[:-1]]) if len(words) >= 2 else None
            elif slice_name == "dropped_middle":
                words = primary.split()
                if len(words) >= 3 and len(core_tokens(normalise(primary))) >= 3:
                    del words[rng.randrange(1, len(words) - 1)]
                    name = " ".join(words)
                else:
                    name = None
            elif slice_name == "transliteration":
                name = _transliterate(rng, primary)
            elif slice_name == "cyrillic":
                name = to_cyrillic(primary) if set(countries) & CYRILLIC_COUNTRIES else None
            elif slice_name == "birth_year_pm1":
                year = rng.choice(years) + rng.choice((-1, 1)) if years else None
                name = primary if year else None
            if not name or normalise(name) == "":
                continue
            country = rng.choice(countries) if countries and rng.random() < 0.8 else None
            kind = _kind(schema) if rng.random() < 0.9 else "any"
            if kind != "person" and schema != "Person":
                year = None
            add(name, kind, country, year, set="positive", slice=slice_name, expected=entity_id)
            made += 1

    countries = sorted(NAMES)
    made = 0
    while made < negatives:
        country = rng.choice(countries)
        given, family = NAMES[country]
        roll = rng.random()
        if roll < 0.7:
            parts = [rng.choice(given)]
            if rng.random() < 0.25:
                parts.append(rng.choice(given))
            parts.append(rng.choice(family))
            name, kind, slice_name = " ".join(parts), "person", "person"
            year = rng.randint(1940, 2003) if rng.random() < 0.6 else None
        elif roll < 0.95:
            stem = rng.choice([rng.choice(family), rng.choice(PLACE_WORDS)])
            name = f"{stem} {rng.choice(BUSINESS_WORDS)} {LEGAL_FORMS[country]}"
            kind, slice_name, year = "org", "org", None
        else:
            name = f"{rng.choice(PLACE_WORDS)} {rng.choice(VESSEL_WORDS)}"
            kind, slice_name, year = "vessel", "vessel", None
        if analyse(name).sorted_core_key in list_keys:
            dev.namesakes_dropped += 1
            continue
        add(name, kind, country, year, set="negative", slice=slice_name)  # type: ignore[arg-type]
        made += 1

    style_rng = random.Random(seed + 1)  # noqa: S311 - reproducible synthetic data
    for slice_name in STYLE_SLICES:
        made, tries = 0, 0
        while made < positives_per_slice and tries < positives_per_slice * 50:
            tries += 1
            entity_id, schema, entity_countries, years, primary, aliases = style_rng.choice(
                people if slice_name in PEOPLE_STYLES else listed
            )
            if slice_name == "other_language":
                name = _other_language(style_rng, primary, aliases, entity_countries)
            else:
                name = _styled(style_rng, slice_name, primary)
            if name is None:
                continue
            country = (
                style_rng.choice(entity_countries)
                if entity_countries and style_rng.random() < 0.8
                else None
            )
            kind = _kind(schema)
            year = style_rng.choice(years) if years and kind == "person" else None
            add(name, kind, country, year, set="positive", slice=slice_name, expected=entity_id)
            made += 1

    near_rng = random.Random(seed + 3)  # noqa: S311 - reproducible synthetic data
    _add_near_misses(dev, add, listed, list_keys, con, near_rng, positives_per_slice)
    before_dates = len(dev.records)

    dated = [e for e in people if e[3] and e[2]]
    made = 0
    while made < namesakes and dated:
        entity_id, _, listed_countries, years, primary, _ = rng.choice(dated)
        country = rng.choice([c for c in countries if c not in listed_countries])
        year = rng.choice([y for y in range(1930, 2004) if all(abs(y - x) >= 10 for x in years)])
        add(primary, "person", country, year, set="namesake", slice="person", expected=entity_id)
        made += 1
    _add_birth_dates(dev, add, con, people, random.Random(seed + 5), namesakes, before_dates)  # noqa: S311

    script_rng = random.Random(seed + 7)  # noqa: S311 - reproducible synthetic data
    for slice_name in SCRIPT_SLICES:
        pool = [e for e in people if SCRIPT_COUNTRIES[slice_name] & set(e[2])]
        written = [(e, _native_script(slice_name, e[4])) for e in pool]
        usable = [(e, name) for e, name in written if name]
        for _ in range(min(positives_per_slice, len(usable)) if usable else 0):
            (entity_id, _, entity_countries, years, _, _), name = script_rng.choice(usable)
            country = script_rng.choice(entity_countries) if script_rng.random() < 0.8 else None
            year = script_rng.choice(years) if years and script_rng.random() < 0.6 else None
            add(name, "person", country, year, set="positive", slice=slice_name, expected=entity_id)
    return dev


def _full_birth_dates(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Listed people's dates of birth given to the day, by entity id."""
    rows = con.execute(
        "SELECT entity_id, list_sort(list_filter(birth_dates, lambda d: len(d) = 10)) "
        "FROM sources.entities WHERE schema = 'Person'"
    ).fetchall()
    return {str(e): list(d) for e, d in rows if d}


def _other_day(rng: random.Random, date: str) -> str:
    """Another day of `date`'s year, in another month."""
    month = rng.choice([m for m in range(1, 13) if m != int(date[5:7])])
    return f"{date[:4]}-{month:02d}-{rng.randint(1, 28):02d}"


def _add_birth_dates(
    dev: DevSet,
    add: Callable[..., None],
    con: duckdb.DuckDBPyConnection,
    people: list[tuple[str, str, list[str], list[int], str, list[str]]],
    rng: random.Random,
    count: int,
    namesakes_from: int,
) -> None:
    """The dates of birth of the module docstring: on positives and namesakes (those from
    `namesakes_from` on), and `count` `other_birth_date` namesakes."""
    full = _full_birth_dates(con)
    for i, item in enumerate(dev.records):
        record = item.record
        if record.kind != "person" or record.birth_year is None:
            continue
        if item.kind == "positive" and item.slice != "birth_year_pm1" and rng.random() < 0.3:
            same_year = [
                d for d in full.get(str(item.expected), []) if int(d[:4]) == record.birth_year
            ]
            date = rng.choice(same_year) if same_year else None
        elif item.kind == "namesake" and i >= namesakes_from and rng.random() < 0.5:
            date = _other_day(rng, f"{record.birth_year}-01-01")
        else:
            date = None
        if date is not None:
            dev.records[i] = replace(item, record=replace(record, birth_date=date))
    dated = [e for e in people if e[0] in full]
    for _ in range(count if dated else 0):
        entity_id, _, countries, _, primary, _ = rng.choice(dated)
        listed = rng.choice(full[entity_id])
        country = rng.choice(countries) if countries and rng.random() < 0.8 else None
        add(
            primary, "person", country, int(listed[:4]), set="namesake",
            slice="other_birth_date", expected=entity_id,
        )  # fmt: skip
        last = dev.records[-1]
        dev.records[-1] = replace(
            last, record=replace(last.record, birth_date=_other_day(rng, listed))
        )


def _near_miss(
    rng: random.Random, slice_name: str, primary: str, rarest: dict[str, str]
) -> str | None:
    """`primary` (a listed name) changed into someone else's per `slice_name`; None when the
    change does not apply to it."""
    words = primary.split()
    if slice_name == "extra_part":
        if len(words) < 2:
            return None
        if rng.random() < 0.5:
            family = [f for names in NAMES.values() for f in names[1]] + list(EXTRA_FAMILY_NAMES)
            return " ".join([*words, rng.choice(family)])
        added = rng.choice([g for names in NAMES.values() for g in names[0]])
        return " ".join([words[0], added, *words[1:]])
    if slice_name == "other_patronymic":
        spots = [i for i, w in enumerate(words) if i and is_patronymic(normalise(w))]
        if not spots:
            return None
        i = spots[0]
        own = words_of(normalise(words[i]))
        other = rng.choice([p for p in PATRONYMICS if words_of(normalise(p)) != own])
        words[i] = other.upper() if words[i].isupper() else other
        return " ".join(words)
    if slice_name == "other_distinctive_word":
        word = rarest.get(primary)
        spots = [i for i, w in enumerate(words) if normalise(w) == word]
        if not spots or len(core_tokens(normalise(primary))) < 2:
            return None
        other = rng.choice([w for w in BUSINESS_WORDS + VESSEL_WORDS if " " not in w])
        words[spots[0]] = other.upper() if words[spots[0]].isupper() else other
        return " ".join(words)
    if slice_name == "given_name_alone":
        given = given_name_words(primary)
        return words[0] if given and normalise(words[0]) == given[0] else None
    raise ValueError(f"unknown near-miss {slice_name!r}")


def _rarest_words(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, str]:
    """Each name's core word that the fewest list names carry."""
    counts = dict(con.execute("SELECT token, names FROM linkage.token_frequencies").fetchall())
    rarest = {}
    for name in names:
        core = [w for w in normalise(name).split() if w in set(core_tokens(normalise(name)))]
        if core:
            rarest[name] = min(core, key=lambda w: (counts.get(w, 0), w))
    return rarest


def _add_near_misses(
    dev: DevSet,
    add: Callable[..., None],
    listed: list[tuple[str, str, list[str], list[int], str, list[str]]],
    list_keys: set[str],
    con: duckdb.DuckDBPyConnection,
    rng: random.Random,
    per_slice: int,
) -> None:
    """The near-miss slices (`NEAR_MISS_SLICES`), `per_slice` records each at most."""
    people = [e for e in listed if e[1] == "Person"]
    organisations = [e for e in listed if e[1] == "Organization"]
    rarest = _rarest_words(con, [e[4] for e in organisations])
    for slice_name in NEAR_MISS_SLICES:
        pool = organisations if slice_name == "other_distinctive_word" else people
        made, tries = 0, 0
        while made < per_slice and tries < per_slice * 50:
            tries += 1
            entity_id, schema, countries, _, primary, _ = rng.choice(pool)
            name = _near_miss(rng, slice_name, primary, rarest)
            if name is None:
                continue
            if slice_name != "given_name_alone" and analyse(name).sorted_core_key in list_keys:
                continue  # the change made another list name
            country = rng.choice(countries) if countries and rng.random() < 0.8 else None
            tags = {"set": "near_miss", "slice": slice_name}
            if slice_name != "given_name_alone":  # any hit of a given name alone is false
                tags["expected"] = entity_id
            add(name, _kind(schema), country, None, **tags)
            made += 1


def records(dev: DevSet, kinds: Iterable[str] | None = None) -> list[CounterpartyRecord]:
    wanted = set(kinds) if kinds else None
    return [d.record for d in dev.records if wanted is None or d.kind in wanted]


# The seed of the record model's training facts (`assets.counterparties.training`): neither of
# the development sets' (`SEED`, and `benchmarks.counterparties.HELD_OUT_SEED`).
TRAINING_SEED = 101
TRAINING_FACTS = (
    Path(__file__).resolve().parents[1] / "data" / "training" / "counterparty_records.jsonl"
)


def training_rows(dev: DevSet) -> list[dict[str, object]]:
    """The record facts of `dev`: a positive links its entity; every other record none (a
    namesake or a near-miss names someone else)."""
    return [
        fact_row(
            d.record, d.kind, d.slice, [d.expected] if d.kind == "positive" and d.expected else []
        )
        for d in dev.records
    ]


def main() -> None:
    from benchmarks.linkage import build_warehouse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--training", action="store_true",
        help=f"write the record model's training facts (seed {TRAINING_SEED}) to --out",
    )  # fmt: skip
    parser.add_argument("--out", default=str(TRAINING_FACTS))
    args = parser.parse_args()
    if not args.training:
        parser.error("nothing to do: give --training")
    # From the bundled lists, in a warehouse of their own: the same facts on every machine.
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(build_warehouse(Path(tmp))), read_only=True)
        try:
            dev = build(con, seed=TRAINING_SEED)
        finally:
            con.close()
    written = write_facts(Path(args.out), training_rows(dev))
    print(f"{written} record facts (seed {TRAINING_SEED}) -> {args.out}")


if __name__ == "__main__":
    main()
