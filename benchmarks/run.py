"""`make bench`: every benchmark, each rewriting its own section of docs/benchmarks.md."""

from __future__ import annotations

from benchmarks import (
    api,
    archive,
    counterparties,
    crosslist,
    decisions,
    extraction,
    linkage,
    lists,
    quality,
    scaling,
)


def main() -> None:
    lists.main()
    extraction.main()
    linkage.main()
    quality.main()
    decisions.main()
    counterparties.main()
    crosslist.main()
    api.main()
    archive.main([])  # about 25 minutes: a 100,000-article archive ingested and re-screened
    scaling.main()  # last: about 25 minutes (throughput, then the scaling grid)


if __name__ == "__main__":
    main()
