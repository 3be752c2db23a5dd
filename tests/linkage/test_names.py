"""Name analysis for linkage: normalisation, legal forms, particles and the comparison keys.

Expected values are what the pinned anyascii 0.3.3 and jellyfish 1.3.0 really give; where a
romanisation or a phonetic code does *not* make two spellings agree, the test says so.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import jellyfish
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assets.linkage.names import (
    LEGAL_FORMS,
    NAME_ARROW_SCHEMA,
    PARTICLES,
    SPELLING_VARIANTS,
    TITLES,
    AnalysedName,
    analyse,
    analyse_frame,
    canonical_words,
    core_tokens,
    given_name_words,
    initials,
    legal_form_family,
    normalise,
    phonetic_key,
    sorted_key,
    split_legal_form,
    typo_keys,
    without_patronymic,
    without_titles,
    words_of,
)

# --- normalise ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # punctuation: hyphens, dots, commas, slashes, ampersands fold to spaces
        ("Ayman AL-ZAWAHIRI", "ayman al zawahiri"),
        ("AL-ZAWAHIRI, Ayman", "al zawahiri ayman"),
        ("ANGLO-CARIBBEAN CO., LTD.", "anglo caribbean co ltd"),
        ("Sarkis Ghazaryan, LLC", "sarkis ghazaryan llc"),
        ("BANCO NACIONAL DE CUBA", "banco nacional de cuba"),
        ("AL-NUSRAH FRONT", "al nusrah front"),
        ("MARANGE RESOURCES (PRIVATE) LIMITED", "marange resources private limited"),
        ("IMPORT/EXPORT", "import export"),
        ("AT&T", "at t"),
        ("  Mahan   Air\t", "mahan air"),
        # apostrophes and quotes are dropped, not spaced
        ("Ma'mun", "mamun"),
        ("Ma\u2019mun", "mamun"),
        ("O'Brien", "obrien"),
        ("AL QA'IDA", "al qaida"),
        ("\u201cPromsvyazbank\u201d", "promsvyazbank"),
        ('"ROSNEFT"', "rosneft"),
        # dotted single letters join into one word; other dots are spaces
        ("GRUPO X, S.A. DE C.V.", "grupo x sa de cv"),
        ("NAFTA S.p.A.", "nafta spa"),
        ("J.P. Morgan", "jp morgan"),
        ("Ayman M. al-Zawahiri", "ayman m al zawahiri"),
        ("J.Smith", "j smith"),
        # diacritics and special Latin letters
        ("Müller", "muller"),
        ("Ñáñez", "nanez"),
        ("Nguyễn Tấn Dũng", "nguyen tan dung"),
        ("Erdoğan", "erdogan"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("ÆON", "aeon"),
        ("Mu\u0308ller", "muller"),  # decomposed umlaut
        # NFKC: full-width letters and ideographic space
        ("Ｍａｈａｎ\u3000Ａｉｒ", "mahan air"),
        # Cyrillic, Greek: readable romanisation
        ("Владимир Путин", "vladimir putin"),
        (
            "Общество с ограниченной ответственностью",
            "obshchestvo s ogranichennoy otvetstvennostyu",
        ),
        ("Наталья", "natalya"),
        ("Δημήτρης Ιωαννίδης", "dimitris ioannidis"),
        # Arabic script: no short vowels, alif dropped, the article glued to its noun
        ("حاجی خيرالله صرافی", "hjy khyrllh srfy"),
        ("أيمن الظواهري", "ymn ldhwhry"),
        ("صدام حسين التكريتي", "sdm hsyn ltkryty"),
        ("محمد", "mhmd"),
        # Han and Hangul: one syllable a word, not anyascii's glued "JinZhengEn"
        ("金正恩", "jin zheng en"),
        ("習近平", "xi jin ping"),
        ("阿不都·哈克", "a bu dou ha ke"),
        # Hangul as North Korea and the lists write Korean names (listed as "KIM Yong Bok",
        # "CHOE Ryong Hae", "PAK Pong Ju", "RI Pyong Chol", "THAE Yong Ho")
        ("김영복", "kim yong pok"),
        ("최룡해", "choe ryong hae"),
        ("박봉주", "pak pong ju"),
        ("리병철", "ri pyong chol"),
        ("태영호", "thae yong ho"),
        ("東京Tower", "dong jing tower"),
        # case changes inside Latin words are not split
        ("McDonald", "mcdonald"),
        ("MacArthur", "macarthur"),
        # nothing left
        ("", ""),
        ("  ", ""),
        ("---", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


IDEMPOTENCE_CASES = [
    "Ayman AL-ZAWAHIRI",
    "ANGLO-CARIBBEAN CO., LTD.",
    "GRUPO X, S.A. DE C.V.",
    "金正恩",
    "حاجی خيرالله صرافی",
    "Владимир Путин",
    "Ñáñez",
    "Ｍａｈａｎ\u3000Ａｉｒ",
    "บริษัท เอ็กโซร่า จำกัด",
    "A.B.C.D",
    "x.y. z",
]


@pytest.mark.parametrize("raw", IDEMPOTENCE_CASES)
def test_normalise_idempotent(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once


@given(st.text(max_size=40))
def test_normalise_idempotent_any_text(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once
    assert once.isascii()
    assert once == " ".join(once.split())
    assert all(c.isalnum() and not c.isupper() for c in once.replace(" ", ""))


# --- legal forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "core", "form"),
    [
        # the brief's cases
        ("PUBLIC JOINT STOCK COMPANY PROMSVYAZBANK", "promsvyazbank", "pjsc"),
        ("Promsvyazbank PJSC", "promsvyazbank", "pjsc"),
        ("PAO PROMSVYAZBANK", "promsvyazbank", "pao"),
        ("OOO TEKHNOLOGII", "tekhnologii", "ooo"),
        ("OsOO Cargoline", "cargoline", "osoo"),
        ("Uzbek Trade MChJ", "uzbek trade", "mchj"),
        ("ANGLO-CARIBBEAN CO., LTD.", "anglo caribbean", "ltd"),
        ("Sarkis Ghazaryan, LLC", "sarkis ghazaryan", "llc"),
        # spelled-out forms map to the abbreviation; longest spelling wins
        ("LIMITED LIABILITY COMPANY VNESHPROMBANK", "vneshprombank", "llc"),
        ("OPEN JOINT-STOCK COMPANY ROSNEFT", "rosneft", "ojsc"),
        ("CLOSED JOINT STOCK COMPANY KOMBINAT", "kombinat", "cjsc"),
        ("JOINT STOCK COMPANY SOVCOMFLOT", "sovcomflot", "jsc"),
        ("ROSTEC JOINT STOCK COMPANY", "rostec", "jsc"),
        ("ABC COMPANY LIMITED", "abc", "ltd"),
        ("ABC CO. LIMITED", "abc", "ltd"),
        ("SHIPPING COMPANY", "shipping", "co"),
        ("NATIONAL IRANIAN OIL CORPORATION", "national iranian oil", "corp"),
        ("ACME INC.", "acme", "inc"),
        ("ACME INCORPORATED", "acme", "inc"),
        ("ACME PLC", "acme", "plc"),
        ("ACME L.L.C.", "acme", "llc"),
        ("ACME LLP", "acme", "llp"),
        ("ACME LP", "acme", "lp"),
        ("SINGAPORE TRADERS PTE. LTD.", "singapore traders", "pte ltd"),
        ("MARANGE RESOURCES (PRIVATE) LIMITED", "marange resources", "pvt ltd"),
        ("ACME PTY LTD", "acme", "pty ltd"),
        ("NINTH OCEAN GMBH AND CO. KG", "ninth ocean", "gmbh co kg"),
        ("ACME GMBH", "acme", "gmbh"),
        ("ACME AG", "acme", "ag"),
        ("CIMEX, S.A.", "cimex", "sa"),
        ("SOCIEDAD ANONIMA CUBANA", "cubana", "sa"),
        ("ACME SOCIETE ANONYME", "acme", "sa"),
        ("ACME SAS", "acme", "sas"),
        ("ACME S.A.R.L.", "acme", "sarl"),
        ("ACME S.A.L.", "acme", "sal"),
        ("ACME SpA", "acme", "spa"),
        ("ACME S.R.L.", "acme", "srl"),
        ("ACME LTDA", "acme", "ltda"),
        ("GRUPO X, S.A. DE C.V.", "grupo x", "sa de cv"),
        ("ACME, S. DE R.L. DE C.V.", "acme", "s de rl de cv"),
        ("ACME S. DE R.L.", "acme", "s de rl"),
        ("ACME B.V.", "acme", "bv"),
        ("ACME N.V.", "acme", "nv"),
        ("AB VOLVO", "volvo", "ab"),
        ("VOLVO AB", "volvo", "ab"),
        ("ACME AS", "acme", "as"),
        ("ACME OY", "acme", "oy"),
        ("KABUSHIKI KAISHA ACME", "acme", "kk"),
        ("ACME KK", "acme", "kk"),
        ("ACME ANONIM SIRKETI", "acme", "as"),
        ("ACME TICARET LIMITED SIRKETI", "acme ticaret", "ltd sti"),
        ("ACME SP. Z O.O.", "acme", "sp z oo"),
        ("ACME D.O.O.", "acme", "doo"),
        ("ACME EOOD", "acme", "eood"),
        ("ZAO ACME", "acme", "zao"),
        ("OAO ACME", "acme", "oao"),
        ("AO TMKB SOYUZ", "tmkb soyuz", "ao"),
        ("KIROVSKI ZAVOD PAO", "kirovski zavod", "pao"),
        ("OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU TEKHNOLOGII", "tekhnologii", "ooo"),
        ("OBSCHESTVO S OGRANICHENNOY OTVETSTVENNOSTYU ACME", "acme", "ooo"),
        ("Общество с ограниченной ответственностью Технологии", "tekhnologii", "ooo"),
        ("АО Концерн", "kontsern", "ao"),
        ("AKTSIONERNOE OBSHCHESTVO SHVABE", "shvabe", "ao"),
        ("PUBLICHNOE AKTSIONERNOE OBSHCHESTVO MIKRON", "mikron", "pao"),
        ("OTKRYTOE AKTSIONERNOE OBSHCHESTVO SBERBANK ROSSII", "sberbank rossii", "oao"),
        ("ZAKRYTOE AKTSIONERNOE OBSHCHESTVO ACME", "acme", "zao"),
        ("TOVARYSTVO Z OBMEZHENOYU VIDPOVIDALNISTYU ACME", "acme", "tov"),
        ("TOV ACME", "acme", "tov"),
        ("PP ACME", "acme", "pp"),
        ("ACME FZE", "acme", "fze"),
        ("ACME FZCO", "acme", "fzco"),
        ("ACME FZC", "acme", "fzc"),
        ("ACME FZ-LLC", "acme", "fz llc"),
        ("ACME LLC FZ", "acme", "fz llc"),
        ("ACME DMCC", "acme", "dmcc"),
        ("ACME SDN. BHD.", "acme", "sdn bhd"),
        ("PT BANK ACME", "bank acme", "pt"),
        ("華信船務(香港)有限公司", "hua xin chuan wu xiang gang", "ltd"),
        ("朝鲜联合机械贸易会社", "chao xian lian he ji xie mao yi", "co"),
        # one form cut at each end; the opening form is reported
        ("OOO ACME LLC", "acme", "ooo"),
        # a form alone is a name, not a form
        ("COMPANY", "company", None),
        ("AO", "ao", None),
        ("LIMITED", "limited", None),
        ("PJSC", "pjsc", None),
        # ... and so is a form with only particles left
        ("THE COMPANY", "the company", None),
        # never cut from the middle
        ("INTERNATIONAL LIMITED LIABILITY COMPANY INTERROS CAPITAL",
         "international limited liability company interros capital", None),
        ("ACME LLC MOSCOW BRANCH", "acme llc moscow branch", None),
        # only where the form may stand: "limited", "co", "sa" do not open a name
        ("LIMITED EDITIONS", "limited editions", None),
        # a few forms written after a name also in front of it (registers, payment files)
        ("LTD HIGHTRAIL", "hightrail", "ltd"),
        ("SARL YAMEN BENIN", "yamen benin", "sarl"),
        ("SAS INSTITUTE", "sas institute", None),
        # a one-letter slip in a long form word
        ("LIMITED LIABILITI COMPANY AVISTO", "avisto", "llc"),
        ("HANLEY LIMITD", "hanley", "ltd"),
        ("JOINT STOCK COMPANI POLIMER", "polimer", "jsc"),
        ("OPEN JOINT STOCK COPMANY KHIMPROM", "khimprom", "ojsc"),
        ("CO OPERATIVE BANK", "co operative bank", None),
        ("SA LEADING", "sa leading", None),
        # a private military company, in English and in Russian
        ("PRIVATE MILITARY COMPANY 'WAGNER'", "wagner", "pmc"),
        ("CHVK WAGNER", "wagner", "pmc"),
        ("PMC Redut", "redut", "pmc"),
        # names without a form
        ("MAHAN AIR", "mahan air", None),
        ("BANCO NACIONAL DE CUBA", "banco nacional de cuba", None),
        ("HAJI KHAIRULLAH MONEY EXCHANGE", "haji khairullah money exchange", None),
        ("Ayman AL-ZAWAHIRI", "ayman al zawahiri", None),
    ],
)  # fmt: skip
def test_split_legal_form(raw: str, core: str, form: str | None) -> None:
    assert split_legal_form(normalise(raw)) == (core, form)
    analysed = analyse(raw)
    assert (analysed.core, analysed.legal_form) == (core, form)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("public joint stock company", "pjsc"),
        ("joint stock company", "jsc"),
        ("closed joint stock company", "cjsc"),
        ("open joint stock company", "ojsc"),
        ("limited liability company", "llc"),
        ("obshchestvo s ogranichennoy otvetstvennostyu", "ooo"),
        ("sociedad anonima", "sa"),
        ("societe anonyme", "sa"),
        ("company limited", "ltd"),
        ("co ltd", "ltd"),
        ("pte ltd", "pte ltd"),
        ("sdn bhd", "sdn bhd"),
        ("llc fz", "fz llc"),
        ("sa de cv", "sa de cv"),
        ("s de rl", "s de rl"),
        ("incorporated", "inc"),
        ("corporation", "corp"),
    ],
)
def test_legal_form_table(spelling: str, canonical: str) -> None:
    assert LEGAL_FORMS[spelling].canonical == canonical


def test_legal_form_table_is_normalised() -> None:
    for spelling, form in LEGAL_FORMS.items():
        assert normalise(spelling) == spelling
        assert form.prefix or form.suffix


@pytest.mark.parametrize(
    ("form", "family"),
    [("ooo", "llc"), ("llc", "llc"), ("pao", "pjsc"), ("pjsc", "pjsc"), ("ao", "jsc"),
     ("zao", "cjsc"), ("oao", "ojsc"), ("tov", "llc"), ("ltd", "ltd"), (None, None)],
)  # fmt: skip
def test_legal_form_family(form: str | None, family: str | None) -> None:
    assert legal_form_family(form) == family


# --- tokens, particles, keys -------------------------------------------------------------------


def test_tokens_and_sorted_key() -> None:
    assert words_of("ayman al zawahiri") == ["ayman", "al", "zawahiri"]
    assert words_of("") == []
    assert sorted_key("zawahiri ayman") == sorted_key("ayman zawahiri") == "ayman zawahiri"
    assert sorted_key("mohammed mohammed ali") == "ali mohammed mohammed"


@pytest.mark.parametrize(
    ("normalised", "core"),
    [
        ("ayman al zawahiri", ["ayman", "zawahiri"]),
        ("abu bakr al baghdadi", ["bakr", "baghdadi"]),
        ("osama bin laden", ["osama", "laden"]),
        ("ursula von der leyen", ["ursula", "leyen"]),
        ("the wall street journal", ["wall", "street", "journal"]),
        ("islamic state of iraq and the levant", ["islamic", "state", "iraq", "levant"]),
        ("ansar e hezbollah", ["ansar", "hezbollah"]),
        ("mr xi", ["xi"]),
        # only particles: nothing is dropped
        ("al", ["al"]),
        ("the the", ["the", "the"]),
        ("", []),
    ],
)
def test_core_tokens(normalised: str, core: list[str]) -> None:
    assert core_tokens(normalised) == core


def test_particles_cover_the_brief() -> None:
    brief = "al el ad ar as at az bin ibn bint abu abd de del della der van von da dos das la le"
    assert set((brief + " the of and").split()) <= PARTICLES


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # name order, commas, case, hyphens
        ("AL-ZAWAHIRI, Ayman", "Ayman al-Zawahiri"),
        ("ZAWAHIRI AYMAN", "Ayman AL-ZAWAHIRI"),
        # the article is optional
        ("al-Baghdadi", "Baghdadi"),
        ("Abu Bakr AL-BAGHDADI", "BAGHDADI, Abu Bakr"),
        ("Ansar-e Hezbollah", "ANSAR HEZBOLLAH"),
        # legal form on either end, or none
        ("PUBLIC JOINT STOCK COMPANY PROMSVYAZBANK", "Promsvyazbank"),
        ("PAO PROMSVYAZBANK", "Promsvyazbank PJSC"),
        ("Sarkis Ghazaryan, LLC", "Ghazaryan Sarkis"),
        # script and diacritics
        ("Владимир Путин", "PUTIN, Vladimir"),
        ("Müller", "MULLER"),
        ("the Wall Street Journal", "Wall Street Journal"),
    ],
)
def test_sorted_core_key_agrees(first: str, second: str) -> None:
    assert analyse(first).sorted_core_key == analyse(second).sorted_core_key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # a different person
        ("Ayman al-Zawahiri", "Muhammad al-Zawahiri"),
        # pinyin syllables vs a news spelling: tokens differ ("jin ping" vs "jinping")
        ("習近平", "Xi Jinping"),
        # Arabic script lacks vowels
        ("أيمن الظواهري", "Ayman al-Zawahiri"),
        # an article glued to the noun is not recognised
        ("ALZAWAHIRI", "al-Zawahiri"),
    ],
)
def test_sorted_core_key_differs(first: str, second: str) -> None:
    assert analyse(first).sorted_core_key != analyse(second).sorted_core_key


def test_pinyin_glued_form_agrees() -> None:
    # What does agree for Han names: the space-free natural-order form.
    assert normalise("習近平").replace(" ", "") == normalise("Xi Jinping").replace(" ", "")


@pytest.mark.parametrize(
    ("normalised", "expected"),
    [
        ("ayman al zawahiri", "az"),
        ("ayman zawahiri", "az"),
        ("the wall street journal", "wsj"),
        ("islamic state of iraq and the levant", "isil"),
        ("psb", "p"),
        ("", ""),
    ],
)
def test_initials(normalised: str, expected: str) -> None:
    assert initials(normalised) == expected


@pytest.mark.parametrize(
    ("spellings", "code"),
    [
        (("Mohammed", "Muhammad", "Mohamed", "Mohammad", "Muhammed"), "MHMT"),
        # metaphone alone gives "gadhafi" and "kadhafi" KTHF; their canonical spelling agrees
        (("Qaddafi", "Gaddafi", "Gadhafi", "Kadhafi", "Qadhafi"), "KTF"),
        (("Hussein", "Husayn", "Husain"), "HSN"),
        (("Putin", "Poutine"), "PTN"),
        (("Nasrallah", "Nasrollah"), "NSRL"),
        (("Tchaikovsky", "Chaikovsky"), "XKFSK"),
        (("Yanukovych", "Yanukovich"), "YNKFX"),
    ],
)
def test_phonetic_key_agrees(spellings: tuple[str, ...], code: str) -> None:
    assert {phonetic_key(normalise(s)) for s in spellings} == {code}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # metaphone keeps the vowel-initial letter; no canonical spelling joins these
        ("Yanukovych", "Ianukovich"),
        ("Ali", "Alim"),
    ],
)
def test_phonetic_key_differs(first: str, second: str) -> None:
    assert phonetic_key(normalise(first)) != phonetic_key(normalise(second))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # metaphone keeps the "h" of "dh" and the vowel-initial letter, and the canonical
        # spelling (`SPELLING_VARIANTS`) makes the keys agree all the same
        ("Qaddafi", "Gadhafi"),
        ("Osama", "Usama"),
        ("Zawahiri", "Zawahri"),
        ("Khamenei", "Khamenehi"),
        ("Yuri", "Iouri"),
    ],
)
def test_phonetic_key_agrees_by_canonical_spelling(first: str, second: str) -> None:
    assert jellyfish.metaphone(first.lower()) != jellyfish.metaphone(second.lower())
    assert phonetic_key(normalise(first)) == phonetic_key(normalise(second))


def test_phonetic_key_sorted_without_particles_and_empty_codes() -> None:
    assert phonetic_key("muhammad jafar zadeh") == "JFR MHMT ST"
    assert phonetic_key("zadeh muhammad jafar") == "JFR MHMT ST"
    assert phonetic_key("ayman al zawahiri") == phonetic_key("zawahiri ayman") == "AMN SWHR"
    assert phonetic_key("unit 8200") == "UNT"  # digits give no code
    assert phonetic_key("") == ""


# --- spelling variants and titles --------------------------------------------------------------


def _keys(name: str) -> tuple[str, str]:
    analysed = analyse(name)
    return analysed.core, analysed.sorted_core_key


@pytest.mark.parametrize(
    "spellings",
    [
        # Arabic given names (in a made-up full name, so the rest of it agrees)
        ["Mohammed Karimi", "Muhammad Karimi", "Muhammed Karimi", "Mohammad Karimi",
         "Mohamed Karimi", "Mohamad Karimi", "Muhammet Karimi", "Mohamud Karimi",
         "Mohd Karimi"],
        ["Hussein Tahiri", "Husayn Tahiri", "Hussain Tahiri", "Husain Tahiri", "Husein Tahiri",
         "Hossein Tahiri"],
        ["Osama Farouk", "Usama Farouk"],
        ["Yusuf Darwish", "Yousef Darwish", "Youssef Darwish", "Yousuf Darwish"],
        ["Ahmed Nouri", "Ahmad Nouri"],
        ["Mahmoud Nouri", "Mahmud Nouri", "Mahmood Nouri"],
        ["Omar Haddad", "Umar Haddad"],
        ["Qasim Haddad", "Qassem Haddad", "Qasem Haddad", "Ghasem Haddad"],
        ["Suleiman Haddad", "Sulayman Haddad", "Sulaiman Haddad"],
        # "Abd al-" + a name of God, spaced, hyphenated, assimilated or glued
        ["Abdul Rahman Haddad", "Abdel Rahman Haddad", "Abd al-Rahman Haddad",
         "Abd ar-Rahman Haddad", "Abdal Rahman Haddad", "Abdulrahman Haddad",
         "Abdurrahman Haddad", "Abderrahmane Haddad", "ABD-AL-RAHMAN HADDAD",
         "Abdirahman Haddad"],
        ["Abdul Qadir Haddad", "Abdelkader Haddad", "Abd al-Qadir Haddad", "Abdulqader Haddad"],
        ["Abdullah Haddad", "Abdallah Haddad", "Abd Allah Haddad", "Abdellah Haddad",
         "Abdulla Haddad"],
        ["Abdel Hafez Haddad", "Abdul Hafiz Haddad", "Abdelhafez Haddad"],
        ["Abu Bakr Haddad", "Abubakar Haddad", "Abu Bakar Haddad", "Abubakr Haddad"],
        ["Khair Ullah Haddad", "Khairullah Haddad", "Khairallah Haddad"],
        # family names and organisations
        ["Muammar Gaddafi", "Muammar Qadhafi", "Muammar Qaddafi", "Muammar Kadhafi",
         "Muammar Gadhafi", "Muammar Qathafi"],
        ["Ayman al-Zawahiri", "Ayman al-Zawahri"],
        ["Ali Khamenei", "Ali Khamene'i", "Ali Khamenehi"],
        ["Hassan Nasrallah", "Hassan Nasrollah", "Hassan Nasrullah", "Hassan Nasr Allah"],
        ["al-Qaeda", "al-Qaida", "Al Qa'ida", "AL-QAIDAH"],
        ["Hezbollah", "Hizballah", "Hizbollah", "Hizbullah", "Hizb Allah"],
        ["Ansar Allah", "Ansarullah", "Ansarallah"],
        # Russian given names, Ukrainian and Belarusian forms, patronymics, suffixes
        ["Sergei Lavrov", "Sergey Lavrov", "Serguei Lavrov", "Сергей Лавров"],
        ["Yuri Orlov", "Yury Orlov", "Yuriy Orlov", "Iouri Orlov", "Yurii Orlov"],
        ["Aleksandr Orlov", "Alexander Orlov", "Aleksander Orlov", "Alexandr Orlov",
         "Oleksandr Orlov", "Aliaksandr Orlov"],
        ["Alexei Orlov", "Aleksei Orlov", "Alexey Orlov", "Aleksey Orlov"],
        ["Dmitry Orlov", "Dmitri Orlov", "Dmitriy Orlov", "Dmitrii Orlov"],
        ["Andrei Orlov", "Andrey Orlov"],
        ["Nikolai Orlov", "Nikolay Orlov"],
        ["Evgeny Orlov", "Yevgeny Orlov", "Evgeniy Orlov", "Yevgeniy Orlov"],
        ["Gennady Orlov", "Gennadiy Orlov", "Guennadi Orlov"],
        ["Arkady Orlov", "Arkadiy Orlov", "Arkadij Orlov"],
        ["Vyacheslav Orlov", "Viacheslav Orlov"],
        ["Pavel Nikolayevich ORLOV", "Pavel Nikolaevich ORLOV"],
        ["Pavel Yuryevich ORLOV", "Pavel Yurievich ORLOV", "Pavel Yurevich ORLOV"],
        ["Viktor Yanukovych", "Viktor Yanukovich", "Victor Yanukovych"],
        ["Volodymyr Zelenskyy", "Volodymyr Zelensky", "Volodymyr Zelenskiy"],
        # titles in their different spellings, when they stay
        ["Sheikh Hassan", "Shaykh Hassan", "Shaikh Hassan"],
    ],
)  # fmt: skip
def test_spelling_variants_agree(spellings: list[str]) -> None:
    assert len({_keys(name) for name in spellings}) == 1, [_keys(n) for n in spellings]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # different names, however alike
        ("Hassan Tahiri", "Hussein Tahiri"),
        ("Yang Chen", "Yong Chen"),
        ("Ali Haddad", "Alim Haddad"),
        ("Salim Haddad", "Salem Haddad"),
        ("Amir Haddad", "Amer Haddad"),
        ("Qasim Haddad", "Qassam Haddad"),
        ("Suleiman Haddad", "Salman Haddad"),
        ("Hamid Haddad", "Hamad Haddad"),
        ("Mahmoud Haddad", "Mohammed Haddad"),
        ("Abdullah Haddad", "Abdullahi Haddad"),
        ("Andrei Orlov", "Andrew Orlov"),
        ("Dmitry Orlov", "Dimitris Orlov"),
        ("Aleksandr Orlov", "Aleksandra Orlov"),
        # "Fatah" the movement is not "Fattah"; "Abdali" is not "Abd Ali"
        ("Fatah", "Fattah"),
        ("Abdali", "Abd Ali"),
        # "Abdul" before a word that is no name of God stays a word of its own
        ("ABDUL, Mohammed", "Abdulmohammed"),
    ],
)
def test_distinct_names_stay_distinct(first: str, second: str) -> None:
    assert analyse(first).sorted_core_key != analyse(second).sorted_core_key


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("mohammed muhammad mohamed", "mohammed mohammed mohammed"),
        ("abd al rahman", "abdulrahman"),
        ("abd el illah", "abdulilah"),
        ("abdurrahman", "abdulrahman"),
        ("abdul", "abdul"),
        ("abd al", "abd al"),
        ("abubakar al baghdadi", "abu bakr al baghdadi"),
        ("abou bakr", "abu bakr"),
        ("najib ullah", "najibullah"),
        ("hizb allah", "hezbollah"),
        # "Allah" joins only words that make such names: "Hossein Allahkaram"
        ("hossein allah karam", "hussein allah karam"),
        ("hamdullah allah noor", "hamdullah allah nur"),
        ("nikolayevich yurievich valeriyevich", "nikolaevich yurevich valerevich"),
        ("ivanovych yanukovych", "ivanovich yanukovich"),
        ("viktorovitch andreevitch", "viktorovich andreevich"),
        # the Arabic final "-ah" / "-a", but not in a name of God, nor in short words
        ("hanifah hamzah fatimah", "hanifa hamza fatima"),
        ("nasrallah sarah shah", "nasrullah sarah shah"),
        ("zelenskiy issledovatelskii vysotskyi", "zelensky issledovatelsky vysotsky"),
        ("asadollah", "asadullah"),
        # no general rule for "ou", final "i"/"y" or "ai": only the listed spellings change
        ("house group rossii dubai young louis", "house group rossii dubai young louis"),
        ("", ""),
    ],
)  # fmt: skip
def test_canonical_words(words: str, expected: str) -> None:
    assert canonical_words(words.split()) == expected.split()


@given(st.text(alphabet="abdeilmnorsuy ", max_size=40))
def test_canonical_words_idempotent(text: str) -> None:
    once = canonical_words(normalise(text).split())
    assert canonical_words(once) == once


def test_canonical_words_of_every_spelling_variant_is_idempotent() -> None:
    for canonical, variants in SPELLING_VARIANTS.items():
        assert canonical_words([canonical]) == [canonical]
        for variant in variants:
            assert canonical_words([variant]) == [canonical], variant


def test_spelling_variants_table_is_clean() -> None:
    legal_words = {word for form in LEGAL_FORMS for word in form.split()}
    seen: set[str] = set()
    for canonical, variants in SPELLING_VARIANTS.items():
        for spelling in (canonical, *variants):
            assert normalise(spelling) == spelling and spelling.isalpha()
            assert spelling not in seen, spelling
            assert spelling not in legal_words, spelling
            seen.add(spelling)
        # only "abou" -> "abu" makes a particle of a word
        assert not set(variants) & PARTICLES
    assert "abou" in SPELLING_VARIANTS["abu"]


@pytest.mark.parametrize(
    ("with_title", "without"),
    [
        ("Sheikh Hasina Wajed", "Hasina WAJED"),
        ("Ayatollah Ali Khamenei", "Ali KHAMENEI"),
        ("Mullah Mohammad Omar", "Mohammed OMAR"),
        ("Grand Ayatollah Ali al-Sistani", "Ali AL-SISTANI"),
        ("Ayatollah Sayyed Ali Khamenei", "Ali Khamenei"),
        ("Major General Qassem Soleimani", "Qasem SOLEIMANI"),
        ("Brigadier General Esmail Qaani", "Ismail QAANI"),
        ("Lt. Col. (Rtd.) Abd Manaf Kasmuri", "Abdul Manaf KASMURI"),
        ("Dr. Ayman al-Zawahiri", "Ayman AL-ZAWAHIRI"),
        ("Mr Xi Jinping", "Xi Jinping"),
        ("President Vladimir Putin", "Vladimir PUTIN"),
        ("Crown Prince Mohammed bin Salman", "Mohammed BIN SALMAN"),
        ("Haji Bashir Noorzai", "Bashir NOORZAI"),
        ("Hajji Bashir Noorzai", "Bashir NOORZAI"),
        ("Al-Hajj Bashir Noorzai", "Bashir NOORZAI"),
        ("Seyed Hamid Reza Shahcheraghi", "Hamid Reza SHAHCHERAGHI"),
        ("Maulawi Adam Khan", "Adam KHAN"),
        ("Qari Muhammad Yaqub", "Mohammed YAQOOB"),
    ],
)
def test_leading_titles_dropped(with_title: str, without: str) -> None:
    assert _keys(with_title) == _keys(without)
    assert analyse(with_title).given_family_key == analyse(without).given_family_key


@pytest.mark.parametrize(
    ("name", "core"),
    [
        # one name word would be left: "Sheikh Hassan" is not "Hassan"
        ("Sheikh Hassan", "sheikh hassan"),
        ("Mullah Krekar", "mullah krekar"),
        ("General Nkunda", "general nkunda"),
        ("Mr Xi", "mr xi"),
        ("Sayyid al-Shuhada", "sayyid al shuhada"),
        # organisations keep their words
        ("Imam Khomeini Relief Foundation", "imam khomeini relief foundation"),
        ("Imam Hussein University", "imam hussein university"),
        ("HAJI KHAIRULLAH MONEY EXCHANGE", "haji khairullah money exchange"),
        ("Mullah Nazir Group", "mullah nazir group"),
        ("Imam Bukhari Jamaat", "imam bukhari jamaat"),
        ("General Bureau of Atomic Energy", "general bureau of atomic energy"),
        ("Sayyid al-Shuhada Brigades", "sayyid al shuhada brigades"),
        ("General Motors", "general motors"),
        ("MS CONSULT 216", "ms consult 216"),
        ("GENERAL NICKEL SA", "general nickel"),
        # a title inside a name is a name word
        ("Kata'ib Sayyid al-Shuhada", "kataib sayyid al shuhada"),
        ("Hasina SHEIKH Wajed", "hasina sheikh wajed"),
        # Arabic script romanises without vowels: "عمر" (Umar) is "mr", not the title
        ("عمر محمد قدير", "mr mhmd qdyr"),
    ],
)
def test_titles_kept(name: str, core: str) -> None:
    assert analyse(name).core == core


def test_titles_are_canonical_spellings() -> None:
    assert canonical_words(sorted(TITLES)) == sorted(TITLES)
    assert without_titles(["sheikh", "hasina", "wajed"]) == ["hasina", "wajed"]
    assert without_titles(["sheikh", "hasina"]) == ["sheikh", "hasina"]
    assert core_tokens("shaykh hasina wajed") == ["hasina", "wajed"]
    assert core_tokens("haji khairullah money exchange ltd") == [
        "haji", "khairullah", "money", "exchange", "ltd",
    ]  # fmt: skip


def test_analyse_keeps_the_written_spelling_in_normalised_only() -> None:
    assert analyse("Shaykh Abd al-Rahman Yusuf AL-QARADAWI") == AnalysedName(
        normalised="shaykh abd al rahman yusuf al qaradawi",
        core="abdulrahman yusuf al qaradawi",
        legal_form=None,
        words=("sheikh", "abdulrahman", "yusuf", "al", "qaradawi"),
        sorted_key="abdulrahman al qaradawi sheikh yusuf",
        sorted_core_key="abdulrahman qaradawi yusuf",
        given_family_key="abdulrahman qaradawi yusuf",
        phonetic="ABTLRMN KRTW YSF",
        initials="ayq",
        token_count=5,
    )


# --- analyse and analyse_frame -----------------------------------------------------------------


def test_analyse_all_fields() -> None:
    assert analyse("ANGLO-CARIBBEAN CO., LTD.") == AnalysedName(
        normalised="anglo caribbean co ltd",
        core="anglo caribbean",
        legal_form="ltd",
        words=("anglo", "caribbean", "co", "ltd"),
        sorted_key="anglo caribbean co ltd",
        sorted_core_key="anglo caribbean",
        given_family_key="anglo caribbean",
        phonetic="ANKL KRBN",
        initials="ac",
        token_count=4,
    )
    assert analyse("Abu Bakr AL-BAGHDADI") == AnalysedName(
        normalised="abu bakr al baghdadi",
        core="abu bakr al baghdadi",
        legal_form=None,
        words=("abu", "bakr", "al", "baghdadi"),
        sorted_key="abu al baghdadi bakr",
        sorted_core_key="baghdadi bakr",
        given_family_key="baghdadi bakr",
        phonetic="BKR BTT",
        initials="bb",
        token_count=4,
    )


def test_analyse_is_idempotent_on_keys() -> None:
    for raw in IDEMPOTENCE_CASES:
        once = analyse(raw)
        assert analyse(once.normalised) == once


def test_analyse_frame() -> None:
    names = ["Ayman AL-ZAWAHIRI", "PROMSVYAZBANK PJSC", None, "Ayman AL-ZAWAHIRI", ""]
    table = analyse_frame(names)
    assert table.schema == NAME_ARROW_SCHEMA
    assert table.column_names == [
        "normalised",
        "core",
        "legal_form",
        "words",
        "sorted_key",
        "sorted_core_key",
        "given_family_key",
        "phonetic",
        "initials",
        "token_count",
    ]
    assert table.schema.field("words").type == pa.list_(pa.string())
    rows = table.to_pylist()
    assert rows[0] == rows[3]
    assert rows[0]["words"] == ["ayman", "al", "zawahiri"]
    assert rows[1]["core"] == "promsvyazbank"
    assert rows[1]["legal_form"] == "pjsc"
    assert rows[2] == dict.fromkeys(table.column_names)
    assert rows[4]["normalised"] == "" and rows[4]["words"] == []
    for row, name in zip(rows, names, strict=True):
        if name is not None:
            expected = asdict(analyse(name))
            assert row == {**expected, "words": list(expected["words"])}


def test_analyse_frame_empty() -> None:
    table = analyse_frame([])
    assert table.num_rows == 0
    assert table.schema == NAME_ARROW_SCHEMA


_VARIED = [
    "Ayman AL-ZAWAHIRI",
    "PUBLIC JOINT STOCK COMPANY PROMSVYAZBANK",
    "ANGLO-CARIBBEAN CO., LTD.",
    "OOO TEKHNOLOGII",
    "حاجی خيرالله صرافی",
    "Владимир Путин",
    "金正恩",
    "HAJI KHAIRULLAH MONEY EXCHANGE",
    "Sarkis Ghazaryan, LLC",
    "Muhammad Jafar ZADEH",
]


def test_analyse_frame_is_fast() -> None:
    # 5,000 distinct names (each varied by a number) plus 5,000 repeats.
    names = [f"{name} {i}" for i in range(500) for name in _VARIED] * 2
    started = time.perf_counter()
    table = analyse_frame(names)
    elapsed = time.perf_counter() - started
    assert table.num_rows == 10_000
    assert elapsed < 3.0, f"{elapsed:.2f}s for 10,000 names"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("mikhail yefimovich fradkov", "mikhail fradkov"),
        ("fradkov mikhail yefimovich", "fradkov mikhail"),
        ("yulia volodymyrivna tymoshenko", "yulia tymoshenko"),
        ("ali ahmad oglu mammadov", "ali ahmad mammadov"),
        ("vitalii viktorovitch perfilev", "vitalii perfilev"),
        # a surname that looks like a patronymic stays; so do two-word names
        ("roman arkadyevich abramovich", "roman abramovich"),
        ("abramovich roman arkadyevich", "abramovich roman"),
        ("roman abramovich", "roman abramovich"),
        ("ivan petrovich", "ivan petrovich"),
    ],
)
def test_without_patronymic(words: str, expected: str) -> None:
    assert without_patronymic(words.split()) == expected.split()


def test_given_family_key_agrees_across_name_order_and_patronymic() -> None:
    keys = {
        analyse(name).given_family_key
        for name in ("Mikhail Yefimovich FRADKOV", "FRADKOV, Mikhail Yefimovich", "Mikhail Fradkov")
    }
    assert keys == {"fradkov mikhail"}


@pytest.mark.parametrize(
    ("name", "given"),
    [
        ("Miguel Angel TREVINO MORALES", ["miguel", "angel"]),
        ("Ayman AL-ZAWAHIRI", ["ayman"]),
        # in canonical spelling, as the tokens they are counted against
        ("Sergey Ivanovich MOROZOV", ["sergei", "ivanovich"]),
        ("Abd al-Rahman AL-QADULI", ["abdulrahman"]),
        # no case pattern, nothing to say
        ("AYMAN AL-ZAWAHIRI", []),
        ("Ayman Al-Zawahiri", []),
        ("Владимир ПУТИН", ["vladimir"]),
        ("金正恩", []),
    ],
)
def test_given_name_words(name: str, given: list[str]) -> None:
    assert given_name_words(name) == given


def test_two_names_a_letter_apart_in_one_word_share_a_typo_key() -> None:
    listed = set(typo_keys(analyse("Alexander Alexandrovich IVANOV").given_family_key))
    assert set(typo_keys(analyse("Alexander Uvanov").given_family_key)) & listed  # replaced
    assert set(typo_keys(analyse("Aleksander Ivanov").given_family_key)) & listed  # added
    assert set(typo_keys(analyse("Alexander Ivanv").given_family_key)) & listed  # dropped
    assert "alexander ivanov" in listed  # the name itself
    # two letters off, or a short word off, is another name: no key in common
    assert not set(typo_keys(analyse("Alexander Ivanenko").given_family_key)) & listed
    assert not set(typo_keys("li wei")) & set(typo_keys("li wan"))
    # only names of two words (the given and the family name) have keys
    assert typo_keys("ali hassan mohammed") == ()
    assert typo_keys("hamas") == ()
    assert typo_keys(None) == ()
