"""Legal forms of organisations ("LLC", "public joint stock company", "obshchestvo s
ogranichennoi otvetstvennostyu", "GmbH"...) as normalised words: which name analysis sets aside
(`assets.linkage.names`) and extraction reads as a sign of an organisation
(`assets.articles.nlp`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product


@dataclass(frozen=True)
class LegalForm:
    """One spelling of a legal form, in normalised words, and where it may stand."""

    canonical: str
    prefix: bool  # may open the name: "ooo tekhnologii"
    suffix: bool  # may close the name: "promsvyazbank pjsc"


# canonical, where ("both" | "prefix" | "suffix"), spellings. A spelling is normalised words in
# which "a|b" gives alternatives for one word, so "obshchestvo|obschestvo s ..." expands to every
# combination; the transliterations of Russian and Ukrainian forms in the lists vary that much.
_LEGAL_FORM_SPEC: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # English and common-law forms
    ("llc", "both", ("llc", "limited liability company|co|corporation")),
    ("llp", "both", ("llp", "limited liability partnership")),
    ("lp", "suffix", ("lp", "limited partnership")),
    ("ltd", "suffix", ("ltd", "limited", "co|company ltd|limited")),
    ("pte ltd", "suffix", ("pte ltd|limited", "private limited company")),
    ("pvt ltd", "suffix", ("pvt|private ltd|limited",)),
    ("pty ltd", "suffix", ("pty|proprietary ltd|limited",)),
    ("plc", "both", ("plc", "public limited company")),
    ("inc", "suffix", ("inc", "incorporated")),
    ("corp", "suffix", ("corp", "corporation")),
    ("co", "suffix", ("co", "company")),
    # German, Austrian, Swiss
    ("gmbh", "suffix", ("gmbh",)),
    ("gmbh co kg", "suffix", ("gmbh and|und|u co kg", "gmbh co kg")),
    ("kg", "suffix", ("kg",)),
    ("ag", "suffix", ("ag", "aktiengesellschaft")),
    # Romance languages
    ("sa", "suffix", ("sa", "sociedad anonima", "societe anonyme", "sociedade anonima")),
    ("sa", "prefix", ("sociedad anonima", "societe anonyme", "sociedade anonima")),
    ("sas", "suffix", ("sas",)),
    ("sarl", "suffix", ("sarl",)),
    ("sal", "suffix", ("sal",)),
    ("spa", "suffix", ("spa", "societa per azioni")),
    ("srl", "suffix", ("srl",)),
    ("sl", "suffix", ("sl",)),
    ("ltda", "suffix", ("ltda", "cia ltda")),
    ("sa de cv", "suffix", ("sa de cv", "s a de c v")),
    ("s de rl", "suffix", ("s de rl", "s de r l")),
    ("s de rl de cv", "suffix", ("s de rl de cv", "s de r l de c v")),
    ("ca", "suffix", ("ca", "compania anonima")),
    # Benelux, Nordic, Central and Eastern Europe, Turkey
    ("bv", "suffix", ("bv", "bvba")),
    ("nv", "suffix", ("nv",)),
    ("ab", "both", ("ab",)),
    ("as", "suffix", ("as", "asa", "anonim sirketi")),
    ("ltd sti", "suffix", ("ltd sti", "limited sirketi")),
    ("oy", "suffix", ("oy", "oyj")),
    ("aps", "suffix", ("aps",)),
    ("sro", "suffix", ("sro",)),
    ("sp z oo", "suffix", ("sp z oo", "sp z o o")),
    ("doo", "suffix", ("doo", "d o o")),
    ("eood", "suffix", ("eood",)),
    ("ood", "suffix", ("ood",)),
    # Russian and Belarusian forms, transliterated and in English
    ("ooo", "both", (
        "ooo",
        "obshchestvo|obschestvo|obshestvo s ogranichennoi|ogranichennoy|ogranichennoj|"
        "organichennoi|organichennoy otvetstvennostyu|otvetstvennostiu|otvetstvennostju|"
        "otvestvennostyu|otvetsvennostyu",
    )),
    ("ao", "both", ("ao", "aktsionernoe|aktsionernoye obshchestvo|obschestvo")),
    ("oao", "both", ("oao", "otkrytoe|otkrytoye aktsionernoe|aktsionernoye "
                     "obshchestvo|obschestvo|obschchestvo")),
    ("zao", "both", ("zao", "zakrytoe|zakrytoye aktsionernoe|aktsionernoye "
                     "obshchestvo|obschestvo")),
    ("pao", "both", ("pao", "publichnoe|publichnoye aktsionernoe|aktsionernoye "
                     "obshchestvo|obschestvo")),
    ("jsc", "both", ("jsc", "joint stock company|co")),
    ("pjsc", "both", ("pjsc", "public joint stock company|co")),
    ("ojsc", "both", ("ojsc", "open joint stock company|co")),
    ("cjsc", "both", ("cjsc", "closed joint stock company|co")),
    # a private military company (Russian "chastnaya voennaya kompaniya", ChVK): "PMC Wagner"
    ("pmc", "both", ("pmc", "private military company", "chvk",
                     "chastnaya voennaya|voyennaya kompaniya|kompania")),
    ("fgup", "prefix", ("fgup", "federal state unitary enterprise",
                        "federalnoe gosudarstvennoe unitarnoe predpriyatie|predpriyatiye")),
    # Central Asian LLCs: Kyrgyz OsOO, Uzbek MChJ (Kazakh TOO is left out: "too" is English)
    ("osoo", "both", ("osoo",)),
    ("mchj", "both", ("mchj",)),
    # Ukrainian
    ("tov", "both", ("tov", "tovarystvo|tovaristvo z obmezhenoyu vidpovidalnistyu|"
                     "vidpovidalnistiu")),
    ("pp", "prefix", ("pp",)),
    ("at", "prefix", ("aktsionerne tovarystvo|tovaristvo",)),
    ("prat", "both", ("prat", "pryvatne|privatne aktsionerne tovarystvo|tovaristvo")),
    ("pat", "both", ("pat", "publichne aktsionerne tovarystvo|tovaristvo")),
    # Gulf free zones and Gulf forms
    ("fze", "suffix", ("fze",)),
    ("fzco", "suffix", ("fzco", "fz co")),
    ("fzc", "suffix", ("fzc",)),
    ("fz llc", "suffix", ("fz llc", "llc fz")),
    ("dmcc", "suffix", ("dmcc",)),
    ("wll", "suffix", ("wll",)),
    # East and South-East Asia (Han forms as anyascii spells them, one syllable a word)
    ("kk", "both", ("kk", "kabushiki kaisha|gaisha", "zhu shi hui she")),
    ("ltd", "suffix", ("you xian gong si", "gu fen you xian gong si")),
    ("llc", "suffix", ("you xian ze ren gong si",)),
    ("co", "suffix", ("gong si", "hui she")),
    ("sdn bhd", "suffix", ("sdn bhd", "sendirian berhad")),
    ("bhd", "suffix", ("bhd", "berhad")),
    ("pt", "prefix", ("pt",)),
    ("tbk", "suffix", ("tbk",)),
)  # fmt: skip


def _expand(spelling: str) -> Iterator[str]:
    """``"co|company ltd"`` -> ``"co ltd"``, ``"company ltd"``."""
    for words in product(*(word.split("|") for word in spelling.split())):
        yield " ".join(words)


def _build_legal_forms() -> dict[str, LegalForm]:
    table: dict[str, LegalForm] = {}
    for canonical, where, spellings in _LEGAL_FORM_SPEC:
        for spelling in spellings:
            for variant in _expand(spelling):
                old = table.get(variant)
                if old is not None and old.canonical != canonical:
                    raise ValueError(f"legal form {variant!r}: {old.canonical} or {canonical}")
                table[variant] = LegalForm(
                    canonical,
                    prefix=where in {"both", "prefix"} or (old is not None and old.prefix),
                    suffix=where in {"both", "suffix"} or (old is not None and old.suffix),
                )
    return table


LEGAL_FORMS: dict[str, LegalForm] = _build_legal_forms()
"""Every recognised legal-form spelling (normalised words) -> its canonical abbreviation and the
end(s) of a name where it may stand. Spelled-out forms map to their abbreviation
(``"public joint stock company"`` -> ``pjsc``, ``"obshchestvo s ogranichennoi
otvetstvennostyu"`` -> ``ooo``); ``"co ltd"``, ``"company limited"`` -> ``ltd``."""
