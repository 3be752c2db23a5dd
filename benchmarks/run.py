"""`make bench`: every benchmark, each rewriting its own section of docs/benchmarks.md."""

from __future__ import annotations

from benchmarks import counterparties, crosslist, extraction, linkage, lists, quality


def main() -> None:
    lists.main()
    extraction.main()
    linkage.main()
    quality.main()
    counterparties.main()
    crosslist.main()


if __name__ == "__main__":
    main()
