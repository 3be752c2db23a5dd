"""`make bench`: every benchmark, each rewriting its own section of docs/benchmarks.md."""

from __future__ import annotations

from benchmarks import (
    api,
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
    scaling.main()  # last: about 25 minutes (throughput, then the scaling grid)


if __name__ == "__main__":
    main()
