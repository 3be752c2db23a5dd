"""The list-aware matcher: finds the names of the official lists in article text, to add what
spaCy's NER misses (all-capital company names such as "MAHAN AIR" or "PROMSVYAZBANK", vessel
names, transliterated spellings the lists carry as aliases).

It is a spaCy `PhraseMatcher` on the ``LOWER`` attribute, built from ``(name, schema)`` pairs
(the caller reads them from ``sources.names`` joined to ``sources.entities``). Case is checked
afterwards on the matched surface, so one pattern serves "MAHAN AIR" and "Mahan Air".

Precision comes first, because a list name in the text is a strong signal downstream.
**Names dropped when the matcher is built** (counted by reason in `ListNameMatcher.skipped`):

- ``empty``: no text after whitespace clean-up;
- ``script``: not in Latin script (the articles are English);
- ``short``: fewer than 4 characters;
- ``no_letters``: no letter at all;
- ``person_single_word``: a person name of one word (a given name or surname alone);
- ``common_word``: one word that is an English stop word, an English dictionary word (the WordNet
  word index shipped with the model's lemmatizer; it also holds many proper nouns), a common given
  name or surname, or a place;
- ``stop_words_only``: every word a stop word;
- ``place_name``: the whole name is a country, city or nationality.

A vessel name of one common word ("HOPE") is not dropped but matched only next to a vessel word.
A name of two or more words with one content word is kept: a person's "Abu ZARQAWI" like any
name, and when that word is common ("Abu ALI", "AL QAEDA", "MARIA E") only as the list spells it
(or, for a vessel, next to a vessel word).

**Variants added for each name**: without surrounding quotes (``'"KOMID"'``), without a trailing
bracketed part ("SOUTH SHIPPING LINE IRAN (SSL)"), for organisations without a leading or
trailing legal form ("GAZPROM SVYAZ, OOO" -> "Gazprom Svyaz", "PUBLIC JOINT STOCK COMPANY
PROMSVYAZBANK" -> "Promsvyazbank") and then without a generic tail after a one-word name
("INGOSSTRAKH INSURANCE COMPANY" -> "Ingosstrakh": `GENERIC_TAILS`), and an ASCII-folded
spelling of names with diacritics ("Türkiye Halk Bankası" -> "Turkiye Halk Bankasi"). Each
variant passes the same filters.

**Conditions on each match in the text:**

- a name of two or more words written exactly as the list spells it, case included ("Given
  FAMILY" or "FAMILY Given" as listed, "Libyan Society", "Iyad ag GHALY", "PETREL 8"), is always
  a match when that spelling opens with a capital and has a capitalised word beside particles;
  otherwise:
- every word of the matched text starts with a capital or a digit (lower-case particles such as
  "of", "al", "bin", also glued as in "al-Asiri", and the parts after a hyphen, "Jong-chol",
  excepted): "Mahan Air" and "MAHAN AIR" match, "mahan air" does not;
- names made only of dictionary words with at most two content words ("DAY COMPANY",
  "OCEAN STAR") match only when written in capitals or in quotes, or, for an organisation,
  where NER sees a name too ("Islamic State", "Revolutionary Guards");
- vessel names match only with a vessel word ("vessel", "tanker", "ship", "IMO", ...) within
  four words before or two after, or written in capitals, or in quotes; one-word common vessel
  names only with a vessel word;
- overlapping matches: the longest wins.

A name that ends a sentence may end in a token glued to the full stop ("ARGO I.", "Ali NAWA'I.",
"TRADING L.L.C.": the tokenizer keeps abbreviations and initials whole), so tokens ending in a
full stop are also matched without it.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import cast

from anyascii import anyascii
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span, Token

from assets.articles.context import VESSEL_WORDS, SpanIndex, country_of, first_disjoint
from assets.common.model import ENTITY_SCHEMAS, EntitySchema
from assets.common.name_words import spelling_family, without_patronymic
from assets.common.text import COMMON_NAMES, clean, script_of

MIN_CHARS = 4
_KEY = "LIST_NAME"
_QUOTES = frozenset({'"', "'", "“", "”", "‘", "’", "«", "»"})
_VESSEL_CONTEXT = VESSEL_WORDS | {"imo", "flagged", "sailing"}
# Lower-case words a name may contain inside a capitalised surface.
_PARTICLES = frozenset(
    {
        "of", "the", "and", "for", "in", "on", "de", "del", "della", "des", "di", "du", "da",
        "dos", "das", "la", "le", "van", "von", "der", "al", "el", "bin", "ibn", "bint", "abu",
        "y", "e", "&", "und", "et", "ul", "ud", "ur", "ad", "an", "ar", "as", "ash", "at", "az",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ListMatch:
    """A list name found in a document: character offsets into ``doc.text``."""

    start: int
    end: int
    text: str
    schema: EntitySchema
    names: tuple[str, ...]  # the list spellings with this (lower-cased) token sequence
    # Every schema the lists give names with this token sequence: one when the name is
    # unambiguous (then `schema` is it), else the reader may choose among them.
    schemas: tuple[EntitySchema, ...] = field(default=(), compare=False)


@dataclass
class _Entry:
    names: list[str]
    schemas: set[str]
    dictionary_only: bool  # every content word an English word, and at most two of them
    context_only_vessel: bool  # a one-word common vessel name
    exact_only: bool = False  # several words, one of them content and common: "Abu ALI"
    # The list spellings of two or more words, token by token with their case: a text that
    # writes one of them is a match whatever the other conditions.
    spellings: set[tuple[str, ...]] = field(default_factory=set)


@lru_cache(maxsize=4)
def _wordnet_words(lookups_dir: str) -> frozenset[str]:
    path = Path(lookups_dir)
    if not (path / "lookups.bin").exists():
        return frozenset()
    lookups = Lookups().from_disk(path)
    if not lookups.has_table("lemma_index"):
        return frozenset()
    words: set[str] = set()
    for entries in lookups.get_table("lemma_index").values():
        words.update(word for word in entries if word.isalpha())
    return frozenset(words)


def english_words(nlp: Language) -> frozenset[str]:
    """Lower-case English dictionary words: WordNet's word index as the model's rule lemmatizer
    ships it (about 80,000 words, proper nouns such as "moscow" or "mao" included), plus the
    stop words. Only the stop words when the model has no lemmatizer tables on disk."""
    stop_words = frozenset(nlp.Defaults.stop_words)
    model_path = getattr(nlp, "_path", None)
    if model_path is None:
        return stop_words
    return _wordnet_words(str(Path(model_path) / "lemmatizer" / "lookups")) | stop_words


def _content(words: list[str]) -> list[str]:
    return [
        w for w in words if w not in _PARTICLES and (w.isalnum() or any(ch.isalnum() for ch in w))
    ]


class ListNameMatcher:
    """Finds list names in spaCy docs. Build with `from_pairs`; call with a `Doc`."""

    def __init__(
        self,
        matcher: PhraseMatcher,
        entries: dict[tuple[int, ...], _Entry],
        skipped: Counter[str],
        tokenizer: Tokenizer | None = None,
        last_words: frozenset[str] = frozenset(),
        given_names: frozenset[str] = frozenset(),
    ) -> None:
        self._matcher = matcher
        self._entries = entries
        self.skipped = skipped
        self._tokenizer = tokenizer  # to split "I." or "L.L.C." off their full stop
        self._last_words = last_words  # the last tokens of the names (lower case)
        self.given_names = given_names  # `listed_given_names` of the names it was built from

    def __len__(self) -> int:
        """The number of distinct (lower-cased, tokenised) names matched."""
        return len(self._entries)

    @classmethod
    def from_pairs(cls, nlp: Language, pairs: Iterable[tuple[str, str]]) -> ListNameMatcher:
        """Build from ``(name, schema)`` pairs, schema one of Person, Organization, Vessel,
        Aircraft (pairs with another schema are ignored). Applies the filters of the module
        docstring. Uses only the tokenizer: ~60,000 names take a couple of seconds."""
        dictionary = english_words(nlp)
        stop_words = frozenset(nlp.Defaults.stop_words)
        skipped: Counter[str] = Counter()
        texts: list[str] = []
        schemas: list[str] = []
        originals: list[str] = []
        for raw, schema in pairs:
            if schema not in ENTITY_SCHEMAS:
                skipped["schema"] += 1
                continue
            name = clean(raw)
            if name is None:
                skipped["empty"] += 1
                continue
            text = fold_apostrophes(name)  # matched as written with straight apostrophes
            if not text.isascii():
                if script_of(text) != "Latin":
                    skipped["script"] += 1
                    continue
                folded = anyascii(text)
                if folded != text:
                    texts.append(folded)
                    schemas.append(schema)
                    originals.append(name)
            texts.append(text)
            schemas.append(schema)
            originals.append(name)

        entries: dict[tuple[int, ...], _Entry] = {}
        patterns: list[tuple[int, ...]] = []
        last_words: set[str] = set()
        strings = nlp.vocab.strings
        last_counted: str | None = None
        tokenised = _tokenise_cased(nlp, texts)
        for (cased, opens), schema, original in zip(tokenised, schemas, originals, strict=True):
            tokens = [word.lower() for word in cased]
            for variant_number, words in enumerate(name_variants(tokens, schema)):
                at = _find(tokens, words)
                # A variant that is no part of the list's text (a respelling, a name without its
                # patronymic) has no list spelling to match exactly.
                spelling = tuple(cased[at : at + len(words)]) if at >= 0 else ()
                word_count = 1 + sum(opens[at + 1 : at + len(words)]) if at >= 0 else len(words)
                key = tuple(strings.add(word) for word in words)
                entry = entries.get(key)
                if entry is None or schema not in entry.schemas:
                    text = " ".join(words)
                    reason, context_only, exact_only = _reject(
                        text, words, schema, dictionary, stop_words, word_count
                    )
                    if reason:
                        if variant_number == 0 and last_counted is not original:
                            skipped[reason] += 1  # once per name, for its own spelling
                            last_counted = original
                        continue
                    if entry is None:
                        content = _content(words)
                        entry = _Entry(
                            names=[],
                            schemas=set(),
                            dictionary_only=len(content) <= 2
                            and all(w in dictionary for w in content),
                            context_only_vessel=False,
                            exact_only=exact_only,
                        )
                        entries[key] = entry
                        patterns.append(key)
                        last_words.add(words[-1])
                    entry.schemas.add(schema)
                    entry.context_only_vessel = entry.context_only_vessel or context_only
                    entry.exact_only = entry.exact_only and exact_only
                if word_count >= 2 and _spelled_as_name(spelling):
                    entry.spellings.add(spelling)
                if original not in entry.names:
                    entry.names.append(original)

        matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        # PhraseMatcher takes a pattern as a Doc or, as here, as the sequence of its token
        # attribute hashes (what it converts a Doc to): no Doc per name to build.
        matcher.add(_KEY, cast(list[Doc], patterns))
        tokenizer = cast(Tokenizer, nlp.tokenizer)
        given = listed_given_names(originals[i] for i, s in enumerate(schemas) if s == "Person")
        return cls(matcher, entries, skipped, tokenizer, frozenset(last_words), given)

    def names_a_listed_person(self, name: str) -> bool:
        """Whether `name`, written out whole, is the name (or a matched variant) of a listed
        person."""
        if self._tokenizer is None:
            return False
        entry = self._entries.get(tuple(token.lower for token in self._tokenizer(name)))
        return entry is not None and "Person" in entry.schemas

    def __call__(self, doc: Doc) -> list[ListMatch]:
        """The list names in `doc` that pass the match conditions, longest first among
        overlaps, in text order."""
        chosen: dict[tuple[int, int], tuple[str, str, _Entry]] = {}
        named = SpanIndex((ent.start_char, ent.end_char) for ent in doc.ents)
        views = [doc]
        text = doc.text  # built from every token on each read: once, not once per match
        folded = fold_apostrophes(text)
        if folded != text and self._tokenizer is not None:
            # the same text with straight apostrophes: "Kata’ib" as the lists' "KATA'IB"
            views.append(self._tokenizer(folded))
        for view in list(views):
            if (split := self._split_full_stops(view)) is not None:
                views.append(split)  # the same text, "ARGO I." as "ARGO I" + "."
        # Every view has the text of `doc` character for character (a folded apostrophe is
        # one character too): offsets and surfaces are read from `doc`.
        for view in views:
            for _, start, end in self._matcher(view):
                span = view[start:end]
                entry = self._entries.get(tuple(token.lower for token in span))
                if entry is None:
                    continue
                schema = self._accept(view, span, entry, named)
                if schema is None:
                    continue
                surface = text[span.start_char : span.end_char]
                chosen.setdefault((span.start_char, span.end_char), (schema, surface, entry))
        longest_first = sorted(chosen, key=lambda se: (se[0] - se[1], se[0]))
        kept = [longest_first[i] for i in first_disjoint(longest_first)]
        out: list[ListMatch] = []
        for start, end in sorted(kept):
            schema, surface, entry = chosen[(start, end)]
            out.append(
                ListMatch(
                    start=start,
                    end=end,
                    text=surface,
                    schema=schema,  # type: ignore[arg-type]
                    names=tuple(entry.names),
                    schemas=tuple(sorted(entry.schemas)),  # type: ignore[arg-type]
                )
            )
        return out

    def _split_full_stops(self, doc: Doc) -> Doc | None:
        """`doc` retokenised with each token that ends a sentence in a full stop and, without
        it, ends like a list name split in two ("I." -> "I", "."; "NAWA'I." -> "NAWA'I", ".");
        None when there is no such token. The text and character offsets are those of `doc`.
        A token ends a sentence where the sentence recogniser says so, which it seldom does
        after an abbreviation, or when it ends the text or a word in title case follows ("...
        ARGO I. The ...", not "S.A. DE C.V.")."""
        if self._tokenizer is None or not self._last_words:
            return None
        sentences = doc.has_annotation("SENT_START")
        split: dict[int, list[str]] = {}
        for stop in _GLUED_STOP.finditer(doc.text):  # a few per text: no loop over every token
            glued = doc.char_span(stop.start(), stop.end(), alignment_mode="expand")
            if glued is None or len(glued) != 1:
                continue
            token = glued[0]
            text = token.text
            if (
                len(text) > 1
                and text.endswith(".")
                and text[0].isalnum()
                and ((sentences and token.is_sent_end) or _ends_sentence(doc, token.i))
            ):
                pieces = [piece.text for piece in self._tokenizer(text[:-1])]
                if pieces and pieces[-1].lower() in self._last_words:
                    split[token.i] = pieces
        if not split:
            return None
        words: list[str] = []
        spaces: list[bool] = []
        for token in doc:
            pieces = split.get(token.i, [])
            words.extend([*pieces, "."] if pieces else [token.text])
            spaces.extend([False] * len(pieces) + [bool(token.whitespace_)])
        return Doc(doc.vocab, words=words, spaces=spaces)

    def _accept(
        self, doc: Doc, span: Span, entry: _Entry, named: SpanIndex | None = None
    ) -> str | None:
        """The schema `span` is matched as, or None. `named`: the character spans NER took for
        entities of any kind; an organisation name of dictionary words written in title case
        ("Islamic State", "Revolutionary Guards") is a match when NER sees a name there too."""
        words = [token.text for token in span]
        exact = tuple(words) in entry.spellings
        vessel_context = "Vessel" in entry.schemas and _vessel_context(doc, span)
        if not exact:
            if not _capitalised_span(doc, span):
                return None
            if entry.exact_only and not vessel_context:
                return None
        upper = all(not w.isalpha() or w.isupper() for w in words) and any(
            sum(ch.isalpha() for ch in w) > 1 for w in words
        )
        quoted = (
            span.start > 0
            and span.end < len(doc)
            and doc[span.start - 1].text in _QUOTES
            and doc[span.end].text in _QUOTES
        )
        if vessel_context:
            return "Vessel"
        if entry.dictionary_only and not (upper or quoted or exact):
            ner_agrees = (
                "Organization" in entry.schemas
                and named is not None
                and named.overlaps(span.start_char, span.end_char)
            )
            if not ner_agrees:
                return None
        for schema in ("Person", "Organization", "Aircraft"):
            if schema in entry.schemas:
                return schema
        if entry.context_only_vessel and not exact:
            return None
        return "Vessel" if upper or quoted or exact else None


# Typographic apostrophes and the modifier letter the news writes for the lists' straight one
# ("Kata’ib", "al-’Umari", "Shafiʼi"); each is one character, as "'" is.
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ`´", "'"))


def fold_apostrophes(text: str) -> str:
    """`text` with every apostrophe-like mark written "'" (the same length)."""
    return text.translate(_APOSTROPHES)


_QUOTE_TOKENS = frozenset({'"', "'", "“", "”", "‘", "’", "«", "»", "''", "``"})
# Legal forms cut from the start or end of an organisation name for a second pattern: the news
# writes "Gazprom Svyaz" for the list's "GAZPROM SVYAZ, OOO". Lower case, dots removed.
LEGAL_FORMS: frozenset[tuple[str, ...]] = frozenset(
    tuple(form.split())
    for form in (
        "ltd", "limited", "llc", "l l c", "inc", "incorporated", "co", "co ltd", "corp", "plc",
        "jsc", "pjsc", "ojsc", "cjsc", "ooo", "oao", "zao", "pao", "ao", "sa", "s a", "gmbh",
        "ag", "bv", "nv", "fze", "fzco", "fzc", "fz llc", "llp", "lp", "pte", "pte ltd", "pvt",
        "pvt ltd", "private limited", "sdn bhd", "sarl", "srl", "spa", "as", "tov", "dmcc",
        "joint stock company", "public joint stock company", "open joint stock company",
        "closed joint stock company", "limited liability company", "joint-stock company",
        "public joint-stock company", "open joint-stock company", "closed joint-stock company",
        "limited liability partnership", "aktsionernoe obshchestvo",
        "publichnoe aktsionernoe obshchestvo", "otkrytoe aktsionernoe obshchestvo",
        "zakrytoe aktsionernoe obshchestvo", "obshchestvo s ogranichennoi otvetstvennostyu",
        "obshchestvo s ogranichennoy otvetstvennostyu",
    )
)  # fmt: skip
_MAX_FORM = max(len(form) for form in LEGAL_FORMS)
_FORM_ENDS = frozenset(form[-1].split("-")[-1] for form in LEGAL_FORMS)
_FORM_STARTS = frozenset(form[0].split("-")[0] for form in LEGAL_FORMS)


def _strip_quotes(words: list[str]) -> list[str]:
    start, end = 0, len(words)
    while start < end and words[start] in _QUOTE_TOKENS:
        start += 1
    while end > start and words[end - 1] in _QUOTE_TOKENS:
        end -= 1
    return words[start:end]


def _form_key(words: Sequence[str]) -> tuple[str, ...]:
    """Words of a possible legal form, dots and hyphen tokens folded: "co.", "l.l.c." -> co, llc;
    "joint", "-", "stock" -> joint-stock."""
    out: list[str] = []
    for word in words:
        if word == "-" and out:
            out[-1] += "-"
            continue
        bare = word.replace(".", "")
        if out and out[-1].endswith("-"):
            out[-1] += bare
        elif bare:
            out.append(bare)
    return tuple(out)


def _cut_legal_forms(words: list[str]) -> list[str]:
    words = list(words)
    while words and words[-1] in {",", "."}:
        words.pop()
    if len(words) < 2 or (
        words[-1].replace(".", "") not in _FORM_ENDS and words[0] not in _FORM_STARTS
    ):
        return _strip_quotes(words)
    for size in range(min(_MAX_FORM * 2, len(words) - 1), 0, -1):
        if _form_key(words[-size:]) in LEGAL_FORMS:
            words = words[:-size]
            while words and words[-1] in {",", ".", "-"}:
                words.pop()
            break
    for size in range(min(_MAX_FORM * 2, len(words) - 1), 0, -1):
        if _form_key(words[:size]) in LEGAL_FORMS:
            words = words[size:]
            break
    return _strip_quotes(words)


# A word opens this many listed persons' names, at least, to count as a given name: one name
# may be written oddly, two are a habit.
MIN_GIVEN_NAME_USES = 2


def listed_given_names(person_names: Iterable[str]) -> frozenset[str]:
    """Lower-case words the lists write as given names: the title-case words before the family
    name in capitals of a "Given Middle FAMILY" name ("Adham Husayn TABAJA" -> adham, husayn),
    in at least `MIN_GIVEN_NAME_USES` names. Names without a word in capitals say nothing of
    which word is the family name and are not read."""
    uses: Counter[str] = Counter()
    for name in person_names:
        words = name.split()
        if len(words) < 2 or not any(len(w) > 1 and w.isalpha() and w.isupper() for w in words):
            continue
        for word in words:
            if word.isupper():
                break
            if word.isalpha() and word[:1].isupper() and word[1:].islower():
                uses[word.lower()] += 1
    return frozenset(word for word, count in uses.items() if count >= MIN_GIVEN_NAME_USES)


def name_variants(words: list[str], schema: str) -> list[list[str]]:
    """The token sequences a list name is matched as: itself without surrounding quotes, without
    a trailing bracketed part ("SOUTH SHIPPING LINE IRAN (SSL)"), and for organisations without
    a leading or trailing legal form ("GAZPROM SVYAZ, OOO" -> "gazprom svyaz",
    "PUBLIC JOINT STOCK COMPANY PROMSVYAZBANK" -> "promsvyazbank"), then without a generic tail
    after a one-word name ("ingosstrakh insurance company" -> "ingosstrakh"). The name itself
    first."""
    base = _strip_quotes(words)
    variants = [base]
    if len(base) > 2 and base[-1] == ")" and "(" in base[1:]:
        cut = len(base) - 1 - base[::-1].index("(")
        variants.append(_strip_quotes(base[:cut]))
    if schema == "Organization":
        variants.extend([_cut_legal_forms(v) for v in variants])
        variants.extend([v[: -len(t)] for v in variants if (t := _generic_tail(v))])
    if schema == "Person":
        variants.extend(_person_variants(variants))
    out: list[list[str]] = []
    for variant in variants:
        if variant and variant not in out:
            out.append(variant)
    return out


def _person_variants(variants: Sequence[list[str]]) -> list[list[str]]:
    """A person's name as the news writes it when the list gives more: without the patronymic
    ("Ramzan Akhmatovich KADYROV" -> "ramzan kadyrov"), and with the first name in each of its
    spellings ("Yuriy ... SOLOVIEV" -> "yury soloviev", "yuri soloviev": `spelling_family`).
    NER misses many such names in running text, and the lists do not carry these forms."""
    dropped = [without_patronymic(v) for v in variants]
    bases = [*variants, *(v for v in dropped if v not in variants)]
    out = bases[len(variants) :]
    for base in bases:
        if len(base) < 2:
            continue
        for spelling in spelling_family(base[0]):
            if spelling != base[0]:
                out.append([spelling, *base[1:]])
    return out


# What an organisation is, written after its one-word name: the news says "Ingosstrakh" and
# "Tasnim" for the lists' "INGOSSTRAKH INSURANCE COMPANY" and "TASNIM NEWS AGENCY".
GENERIC_TAILS: tuple[tuple[str, ...], ...] = (
    ("insurance", "company"),
    ("news", "agency"),
    ("company",),
    ("group",),
    ("holding",),
    ("corporation",),
    ("insurance",),
    ("airlines",),
)


def _generic_tail(words: Sequence[str]) -> tuple[str, ...] | None:
    """The `GENERIC_TAILS` ending `words` after exactly one other word, or None."""
    for tail in GENERIC_TAILS:
        if len(words) == len(tail) + 1 and tuple(words[1:]) == tail:
            return tail
    return None


def _tokenise(nlp: Language, texts: list[str]) -> list[list[str]]:
    """The lower-cased tokens spaCy's tokenizer gives each text, fast: the tokenizer splits on
    whitespace first, and a chunk of letters only that is no tokenizer special case is always
    one token, so only the other chunks ("AL-ZAWAHIRI", "LTD.", "(PVT)") go through spaCy,
    once per distinct chunk. Equivalent to ``[t.lower_ for t in nlp.tokenizer(text)]``."""
    return [[word.lower() for word in words] for words, _ in _tokenise_cased(nlp, texts)]


def _tokenise_cased(nlp: Language, texts: list[str]) -> list[tuple[list[str], list[bool]]]:
    """`_tokenise` with the case kept (``[t.text for t in nlp.tokenizer(text)]``), and for each
    token whether it opens a whitespace-separated word ("AL-ZAWAHIRI" is one word of three
    tokens)."""
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    rules = tokenizer.rules or {}
    split: dict[str, list[str]] = {}
    chunked: list[list[str]] = []
    for text in texts:
        chunks = text.split()
        chunked.append(chunks)
        for chunk in chunks:
            if chunk not in split and (not chunk.isalpha() or chunk in rules):
                split[chunk] = []
    hard = list(split)
    for chunk, doc in zip(hard, tokenizer.pipe(hard, batch_size=1000), strict=True):
        split[chunk] = [token.text for token in doc]
    out: list[tuple[list[str], list[bool]]] = []
    for chunks in chunked:
        words: list[str] = []
        opens: list[bool] = []
        for chunk in chunks:
            found = split.get(chunk)
            pieces = [chunk] if found is None else found
            words.extend(pieces)
            opens.extend(index == 0 for index in range(len(pieces)))
        out.append((words, opens))
    return out


# The end of a token that a full stop closes ("I.", "L.L.C.", "Ala.").
_GLUED_STOP = re.compile(r"\w\.(?=\s|$)")


def _ends_sentence(doc: Doc, index: int) -> bool:
    if index + 1 >= len(doc):
        return True
    following = doc[index + 1].text
    return following[:1].isupper() and not following.isupper()


def _find(words: Sequence[str], part: Sequence[str]) -> int:
    """Where the token sequence `part` (a variant of a name) starts in `words`; -1 if nowhere."""
    size = len(part)
    for start in range(len(words) - size + 1):
        if words[start] == part[0] and list(words[start : start + size]) == list(part):
            return start
    return -1


def _capitalised(word: str) -> bool:
    first = word[:1]
    if not first or not first.isalpha():
        return True  # digits, hyphens, punctuation inside a name
    if first.isupper() or word.lower() in _PARTICLES:
        return True
    head, hyphen, rest = word.partition("-")  # "al-Asiri", "al-’Asiri" as one token
    return bool(hyphen) and head.lower() in _PARTICLES and _capitalised(rest.lstrip("'’‘"))


def _capitalised_span(doc: Doc, span: Span) -> bool:
    """Every word of `span` capitalised (`_capitalised`); a token glued to a hyphen before it
    continues a word ("Jong-chol", "Yuet-ngor") and is not checked."""
    for token in span:
        if token.i > span.start:
            previous = doc[token.i - 1]
            if not previous.whitespace_ and previous.text.endswith("-"):
                continue
        if not _capitalised(token.text):
            return False
    return True


def _spelled_as_name(words: Sequence[str]) -> bool:
    """A list spelling good for an exact match: its first word capitalised (or a particle) and a
    capitalised word that is no particle ("al-Zarqawi network", not "the youth")."""
    alpha = [word for word in words if any(ch.isalpha() for ch in word)]
    return (
        bool(alpha)
        and _capitalised(alpha[0])
        and any(word[:1].isupper() and word.lower() not in _PARTICLES for word in alpha)
    )


def _context_words(tokens: Iterable[Token]) -> list[str]:
    """Lower-case words of `tokens`, tokens written without a space between joined ("M/V" is
    three tokens), dots and surrounding punctuation dropped."""
    words: list[str] = [""]
    for token in tokens:
        words[-1] += token.lower_
        if token.whitespace_:
            words.append("")
    return [word.replace(".", "").strip(",;:()\"'“”‘’") for word in words if word]


def _vessel_context(doc: Doc, span: Span) -> bool:
    before = _context_words(doc[max(0, span.start - 8) : span.start])[-4:]
    after = _context_words(doc[span.end : min(len(doc), span.end + 4)])[:2]
    return any(word in _VESSEL_CONTEXT for word in (*before, *after))


def _reject(
    text: str,
    words: list[str],
    schema: str,
    dictionary: frozenset[str],
    stop_words: frozenset[str],
    word_count: int = 1,
) -> tuple[str | None, bool, bool]:
    """Why a list name is not matched (None to keep it); whether it is a common vessel name
    (kept, matched only next to a vessel word); whether it is matched only as the list spells
    it (`word_count` words, one content word and that one common: "Abu ALI", "AL QAEDA")."""
    if len(text) < MIN_CHARS:
        return "short", False, False
    if not any(ch.isalpha() for ch in text):
        return "no_letters", False, False
    content = _content(words)
    if not content:
        return "stop_words_only", False, False
    if all(w in stop_words or w in string.punctuation for w in words):
        return "stop_words_only", False, False
    if schema == "Person" and len(content) < 2 and word_count < 2:
        return "person_single_word", False, False
    if len(content) <= 3 and country_of(text) is not None:
        return "place_name", False, False
    if len(content) == 1:
        word = content[0]
        common = (
            word in stop_words
            or word in dictionary
            or word in COMMON_NAMES
            or country_of(word) is not None
        )
        if common:
            if word_count >= 2:
                return None, schema == "Vessel", True
            if schema == "Vessel":
                return None, True, False
            return "common_word", False, False
    return None, False, False
