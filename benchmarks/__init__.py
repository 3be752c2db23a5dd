"""Benchmarks run by `make bench`; they print figures and rewrite docs/benchmarks.md."""
