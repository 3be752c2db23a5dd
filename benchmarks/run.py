"""`make bench`: every benchmark, each rewriting its own section of docs/benchmarks.md."""

from __future__ import annotations

from benchmarks import lists


def main() -> None:
    lists.main()


if __name__ == "__main__":
    main()
