"""Knowledge of name words that both the list-aware matcher (`assets.articles.listmatch`) and
the linkage keys (`assets.linkage.names`) use: the spellings of one name word in different
romanisations, and patronymics. Words here are normalised: lower-case ASCII letters."""

from __future__ import annotations

import re
from collections.abc import Sequence

# One name word written in different romanisations -> the spelling every key uses. The lists and
# the news romanise Arabic, Persian, Urdu and Russian names each their own way ("Muhammad"
# 1,018 times on the lists, "Mohammad" 765, "Mohammed" 537, "Mohamed" 500; "Sergey" 365 and
# "Sergei" 143; "Hizballah" and "Hezbollah"), and metaphone does not make them agree
# ("qaddafi" KTF, "gadhafi" KTHF; "osama" and "usama"). The canonical spelling is the usual
# English news spelling, else the lists' most frequent one. Only spellings of the *same* name
# are listed: "Hassan" and "Hussein", "Salim" and "Salem", "Amir" and "Amer", "Yang" and "Yong"
# are different names; a spelling that is also another name or word stays out ("Sayid" is also
# Sa'id, "Omer" a Hebrew name, "Fatah" the movement, "Ben" the English name, "Golani" the
# brigade). Ukrainian and Belarusian forms of a Russian name are listed with it (the lists give
# them as aliases of each other: "Oleksandr", "Aliaksandr"). The families were found by counting
# word spellings in `sources.names`.
SPELLING_VARIANTS: dict[str, tuple[str, ...]] = {
    # Arabic, Persian, Turkic and South Asian given names
    "mohammed": ("muhammad", "mohammad", "mohamed", "mohamad", "muhammed", "muhamad", "muhamed",
                 "mohamud", "mohamoud", "muhammet", "muhamet", "mouhamad", "mouhamed",
                 "mouhammad", "mouhammed", "mukhammad", "mukhammed", "mokhammad", "mokhammed",
                 "mohmad", "mohmed", "mohammod", "mohd"),
    "ahmed": ("ahmad", "akhmed", "akhmad", "ahmet", "achmad"),
    "mahmoud": ("mahmud", "mahmood", "mahmod", "makhmud", "makhmoud", "mehmood", "mahmut",
                "mahamud", "mahamoud"),
    "hussein": ("husayn", "hussain", "husain", "husein", "hussayn", "huseyn", "husseyn",
                "hossein", "hosein", "hoseyn", "hossain", "hosain", "huseyin"),
    "hosseini": ("husseini", "husayni", "hoseini", "hosseyni", "husaini"),
    "hassan": ("hasan", "hassaan", "hasaan"),
    "osama": ("usama", "usamah", "osamah", "oussama", "ousama"),
    "othman": ("uthman", "osman", "usman"),
    "omar": ("umar", "oumar"),
    "ali": ("aly",),
    "yusuf": ("yousef", "youssef", "yousuf", "yusef", "yussef", "yousif", "yusif", "yousaf",
              "yussuf", "youssouf", "yoosuf", "yoosef", "yosuf", "youssuf"),
    "younis": ("yunus", "yunis", "younes", "younous", "yunes", "younus"),
    "ibrahim": ("ebrahim", "ibraheem", "ebraheem", "ibragim", "ibrohim"),
    "ismail": ("esmail", "ismael", "ismayil", "ismoil", "ismaeel"),
    "yahya": ("yahia", "yehya", "yahiya", "yihya", "yihia", "yehia", "yahyah"),
    "mustafa": ("mostafa", "mustapha", "moustafa", "moustapha", "mostapha", "mustafo",
                "mostefa"),
    "khalid": ("khaled",),
    "said": ("saeed", "saied", "saeid", "sayeed", "saiid"),
    "saleh": ("salih", "salleh"),
    "salim": ("saleem", "selim"),
    "hamid": ("hameed", "hamed"),
    "karim": ("kareem",),
    "rahman": ("rehman", "rakhman"),
    "rahim": ("raheem", "rakhim"),
    "aziz": ("azeez",),
    "qadir": ("qader", "kadir", "kader", "qadeer", "kadeer"),
    "rashid": ("rasheed", "rachid"),
    "nasser": ("nasir", "naser", "nassir", "nacer"),
    "jamal": ("gamal", "djamel", "jamel"),
    "jamil": ("jameel", "gamil"),
    "mansour": ("mansur", "mansoor", "mansor"),
    "mahdi": ("mehdi",),
    "musa": ("moussa", "mousa", "mussa", "moosa"),
    "isa": ("issa", "eisa"),
    "qasim": ("qassim", "qasem", "qassem", "kassem", "kasim", "kassim", "ghasem", "ghassem"),
    "suleiman": ("sulayman", "sulaiman", "solaiman", "suliman", "suleyman", "souleymane",
                 "soleiman", "souleiman", "soliman", "sulejman", "soleyman"),
    "soleimani": ("sulaimani", "sulaymani", "soleymani", "suleimani", "solaimani"),
    "ayman": ("aiman", "aymen"),
    "yasin": ("yassin", "yaseen", "yassine", "yasiin"),
    "ayoub": ("ayub", "ayyub", "ayyoub", "ayoob", "eyup"),
    "yaqub": ("yaqoob", "yakub", "yaqoub", "yacoub", "yakoub", "yacub", "yaakub"),
    "ishaq": ("ishak", "ishaaq"),
    "idris": ("idriss", "edris"),
    "zakaria": ("zakariya", "zakariyya", "zakariah", "zakariyah"),
    "hamza": ("hamzah",),
    "tariq": ("tarek", "tarik", "tareq", "tarique"),
    "adel": ("adil", "aadil"),
    "nabil": ("nabeel",),
    "khalil": ("khaleel",),
    "fuad": ("fouad", "foad"),
    "fawaz": ("fawwaz",),
    "faisal": ("faysal", "feisal"),
    "fahd": ("fahad",),
    "bashir": ("basheer", "bachir"),
    "habib": ("habeeb",),
    "hafiz": ("hafez", "hafeez"),
    "hakim": ("hakeem",),
    "latif": ("lateef",),
    "majid": ("majeed", "madjid"),
    "walid": ("waleed",),
    "zaid": ("zayd", "zeid"),
    "saif": ("sayf", "seif"),
    "hisham": ("hesham",),
    "jafar": ("jaafar", "jaffar"),
    "amin": ("ameen",),
    "amir": ("ameer",),
    "tahir": ("taher",),
    "samir": ("sameer",),
    "jihad": ("jehad",),
    "reza": ("rida", "ridha", "raza"),
    "nur": ("noor", "nour"),
    "ramadan": ("ramadhan",),
    "asad": ("assad", "asaad"),
    # Arabic, Persian and Afghan family names and the names of groups
    "laden": ("ladin",),
    "zawahiri": ("zawahri", "zawahry", "zawaheri", "zawahari"),
    "khamenei": ("khamenehi",),
    "khomeini": ("khomeiny", "khomeyni"),
    "gaddafi": ("qadhafi", "qaddafi", "kadhafi", "gadhafi", "qathafi", "kadafi", "gadafi",
                "qadafi", "kaddafi", "gheddafi", "khadafi", "khaddafi"),
    "haqqani": ("haqani",),
    "mousavi": ("musavi", "musawi", "moussawi", "mosavi", "mousawi"),
    "houthi": ("huthi", "hothi"),
    "jolani": ("julani", "jawlani"),
    "qaeda": ("qaida", "qaidah", "qaedah"),
    "hezbollah": ("hizballah", "hizbollah", "hizbullah", "hezballah", "hezbullah", "hizbolla",
                  "hezbolla", "hisbollah"),
    "hizb": ("hezb",),
    "taliban": ("taleban",),
    "shabaab": ("shabab",),
    "nusra": ("nusrah",),
    "jamaat": ("jamaah", "jemaah", "jamaa", "jamaatu"),
    "islamiyah": ("islamiya", "islamiyya", "islamiyyah", "islamiah"),
    "mujahideen": ("mujahidin", "mujahedin", "mujahedeen", "mojahedin", "mujaahidiin",
                   "mojahedeen", "mujahidiin"),
    "tawhid": ("tawheed", "tauhid", "towhid", "tauheed"),
    "dawa": ("dawah", "daawa", "dawaa"),
    "taiba": ("tayyiba", "toiba", "tayiba", "tayyaba", "tayyibah", "taibah"),
    "jaish": ("jaysh",),
    "kataib": ("kataeb",),
    "harakat": ("harakah", "haraka"),
    # "servant of" before one of God's names: `canonical_words` joins it to the name
    "abdul": ("abdel", "abdal", "abdol", "abdoul"),
    "abdullah": ("abdallah", "abdellah", "abdollah", "abdulla", "abdalla", "abdella", "abdoullah",
                 "abdillah", "abdilah", "abdolah"),
    "abdullahi": ("abdillahi", "abdulahi", "abdilahi", "abdallahi"),
    "abu": ("abou",),
    # titles (dropped from a person's core when they open it: `TITLES`)
    "sheikh": ("shaikh", "shaykh", "sheik", "shiekh", "sheykh", "cheikh"),
    "sheikha": ("shaikha", "shaykha", "sheikhah"),
    "sayyid": ("sayyed", "seyed", "seyyed", "sayed", "syed", "seyyid", "saiyid"),
    "mullah": ("mulla", "molla", "mollah"),
    "haji": ("hajji", "hajj", "haj", "hadji", "hadj", "alhaj", "alhaji", "alhajj"),
    "imam": ("emam",),
    "ayatollah": ("ayatullah", "ayatolah", "ayatolla"),
    "hojatoleslam": ("hojjatoleslam", "hojatolislam", "hojjatolislam"),
    "maulana": ("mawlana", "moulana", "mowlana", "molana"),
    "mawlawi": ("maulawi", "maulvi", "mawlavi", "maulavi", "molvi", "moulvi", "molavi", "molawi",
                "moulavi", "mawlvi"),
    "ustad": ("ustadh", "ustaz", "ostad"),
    # Russian given names, with their Ukrainian and Belarusian forms
    "alexander": ("aleksandr", "aleksander", "alexandr", "aleksandar", "alexandre", "oleksandr",
                  "aliaksandr", "alyaksandr", "alaksandr"),
    "alexei": ("aleksei", "alexey", "aleksey", "aleksej", "alexej", "oleksiy", "oleksii",
               "aliaksei", "aliaksey", "alyaksey"),
    "sergei": ("sergey", "serguei", "sergej", "sergiy", "sergii", "serhiy", "serhii", "siarhei",
               "syarhey", "syargey"),
    "dmitry": ("dmitri", "dmitriy", "dmitrii", "dmitrij", "dimitri", "dimitry", "dmytro",
               "dzmitry"),
    "yuri": ("yury", "yuriy", "yurii", "yurij", "jurij", "iouri", "iuri", "iurii", "youri"),
    "andrei": ("andrey", "andrej", "andriy", "andrii"),
    "nikolai": ("nikolay", "nikolaj", "mykola", "mikalai"),
    "yevgeny": ("evgeny", "evgeniy", "yevgeniy", "evgenii", "yevgenii", "evgeni", "yevgeni",
                "evgenij", "yevhen", "ievgen", "ievgenii"),
    "gennady": ("gennadiy", "gennadi", "gennadii", "gennadij", "guennadi", "hennadiy"),
    "arkady": ("arkadiy", "arkadii", "arkadij", "arkadi"),
    "vyacheslav": ("viacheslav", "vjacheslav", "viachaslau", "vyachaslau"),
    "vitaly": ("vitaliy", "vitali", "vitalii", "vitalij"),
    "anatoly": ("anatoliy", "anatoli", "anatolii", "anatolij"),
    "valery": ("valeriy", "valeri", "valerii", "valerij"),
    "vasily": ("vasiliy", "vasili", "vasilii", "vasilij", "vassily", "vasyl"),
    "grigory": ("grigoriy", "grigori", "grigorii", "grigorij", "hryhoriy"),
    "georgy": ("georgiy", "georgii"),
    "mikhail": ("mykhailo", "mykhaylo", "mihail", "mikhayl"),
    "pyotr": ("petr",),
    "fyodor": ("fedor", "fiodor", "feodor"),
    "ilya": ("ilia", "ilja"),
    "maxim": ("maksim", "maksym"),
    "artyom": ("artem", "artiom"),
    "semyon": ("semen", "semion"),
    "matvei": ("matvey",),
    "timofei": ("timofey",),
    "vladimir": ("volodymyr", "uladzimir"),
    "viktor": ("victor", "viktar"),
    "denis": ("denys",),
    "leonid": ("leanid",),
    "igor": ("ihor", "ihar"),
    "oleg": ("oleh", "aleh"),
    "yakov": ("iakov",),
    "natalya": ("natalia", "nataliya", "natallia", "natallya"),
    "tatyana": ("tatiana", "tetyana", "tetiana"),
    "yelena": ("elena", "olena"),
    "yulia": ("yuliya", "iuliia", "yuliia"),
    "svetlana": ("sviatlana",),
    "irina": ("iryna",),
    "yekaterina": ("ekaterina",),
    "olga": ("olha", "volha"),
    "yevgeniya": ("evgeniya", "evgenia", "yevgenia"),
    # patronymics the suffix rules below leave apart
    "aleksandrovich": ("alexandrovich",),
    "aleksandrovna": ("alexandrovna",),
    "alekseevich": ("alexeevich",),
    "mikhailovich": ("mikhaylovich",),
    "mikhailovna": ("mikhaylovna",),
}  # fmt: skip
"""Canonical spelling -> its other spellings, in normalised words (see the comment above)."""


# East Slavic patronymics (Yefimovich, Olegovna, Petrovych, Ivanivna; in French, Viktorovitch)
# and the Turkic patronymic words (oglu, kyzy, uly): lists carry them, news usually drops them.
_PATRONYMIC_ENDINGS = (
    "ovich", "evich", "ovych", "evych", "ovitch", "evitch", "ovna", "evna", "ivna", "ichna"
)  # fmt: skip
_PATRONYMIC = re.compile(rf"^[a-z]{{2,}}({'|'.join(_PATRONYMIC_ENDINGS)})$")
_PATRONYMIC_WORDS = frozenset({"oglu", "ogly", "ogli", "kyzy", "kizi", "qizi", "uly", "uulu"})


def is_patronymic(word: str) -> bool:
    """Whether a normalised word is a patronymic (``"yefimovich"``) or a patronymic particle."""
    if word in _PATRONYMIC_WORDS:
        return True
    # Most words end otherwise: no regular expression for them (a name asks for every word).
    return word.endswith(_PATRONYMIC_ENDINGS) and bool(_PATRONYMIC.match(word))


def without_patronymic(words: Sequence[str]) -> list[str]:
    """`words` (in name order) without the patronymics that follow a given name: ``Mikhail
    Yefimovich Fradkov`` and ``FRADKOV Mikhail Yefimovich`` lose ``yefimovich``; a surname that
    looks like one (``Roman Arkadyevich ABRAMOVICH``) stays, and so do two-word names."""
    if len(words) < 3:
        return list(words)
    return [
        word
        for i, word in enumerate(words)
        if not (i > 0 and is_patronymic(word) and not is_patronymic(words[i - 1]))
    ]


def _families() -> dict[str, tuple[str, ...]]:
    families: dict[str, tuple[str, ...]] = {}
    for canonical, variants in SPELLING_VARIANTS.items():
        family = (canonical, *variants)
        for spelling in family:
            families[spelling] = family
    return families


_FAMILIES = _families()


def spelling_family(word: str) -> tuple[str, ...]:
    """Every spelling of the name word `word` (`SPELLING_VARIANTS`), the canonical one first;
    ``(word,)`` when the table does not know it."""
    return _FAMILIES.get(word, (word,))
