"""What the articles stage produces: articles (one per distinct story) and mentions (one per
named person, organisation or vessel in a story, with the context that tells a listed entity
from a namesake)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Origin = Literal["inbox", "feed", "url"]
MentionLabel = Literal["PERSON", "ORG", "VESSEL", "OTHER"]
SchemaGuess = Literal["Person", "Organization", "Vessel", "Unknown"]
Detector = Literal["ner", "list", "pattern"]


@dataclass(frozen=True)
class Article:
    article_id: str  # stable: hash of the canonical URL, or of the normalised text without URL
    text: str
    title: str | None
    url: str | None
    published_at: dt.datetime | None  # naive UTC
    origin: Origin
    source_ref: str  # inbox-relative path, feed URL, or URL-list file the article came from
    fetched_at: dt.datetime  # naive UTC


@dataclass(frozen=True)
class SkippedInput:
    """An input that was not ingested, and why (binary, empty, too large, invalid JSON...)."""

    ref: str
    reason: str


@dataclass
class IngestResult:
    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedInput] = field(default_factory=list)


@dataclass(frozen=True)
class MentionIdentifier:
    kind: str  # imo, passport, tax_id, registration, swift_bic, other (as in sources.entities)
    value: str


@dataclass(frozen=True)
class Mention:
    mention_id: str  # stable: hash of article_id, start, end
    article_id: str
    text: str  # the surface form, exactly text[start:end] of the article
    label: MentionLabel
    schema_guess: SchemaGuess
    start: int
    end: int
    sentence: str
    detector: Detector  # ner (spaCy), list (list-aware matcher), pattern (identifier regex)
    # In-document coreference: the mention this one refers to ("Blinken" -> "Antony Blinken",
    # "PSB" -> "Public Security Bureau"); itself when it is the full form.
    canonical_id: str
    canonical_text: str
    sentence_countries: list[str] = field(default_factory=list)  # ISO alpha-2
    # The countries the text ties to the mention itself ("the Iranian airline X", "X, a
    # UAE-based company", "the Panama-flagged tanker X"), not where events happen or who
    # sanctions; ISO alpha-2, first-seen order (`assets.articles.context.attributed_countries`).
    attributed_countries: list[str] = field(default_factory=list)
    article_countries: list[str] = field(default_factory=list)  # ISO alpha-2
    role: str | None = None  # "Foreign Ministry spokesman", "CEO of ...", "Secretary of State"
    birth_year_min: int | None = None
    birth_year_max: int | None = None
    # A counterparty record's date of birth (ISO, year and month at least); news gives an age or
    # a year, its range above, never this.
    birth_date: str | None = None
    identifiers: list[MentionIdentifier] = field(default_factory=list)


@dataclass(frozen=True)
class MentionName:
    """A stored mention by its name and its place in its article, without its context: what
    finds the mentions a list change may concern, and the names of their articles, without
    reading every mention whole (`assets.articles.store.mention_name_chunks`)."""

    mention_id: str
    article_id: str
    text: str
    canonical_id: str
    canonical_text: str
    identified: bool  # the mention carries identifiers (IMO numbers...)

    @staticmethod
    def of(mention: Mention) -> MentionName:
        return MentionName(
            mention.mention_id,
            mention.article_id,
            mention.text,
            mention.canonical_id,
            mention.canonical_text,
            bool(mention.identifiers),
        )
