"""The benchmark suite run by ``make bench`` (see README.md here and docs/benchmarks.md)."""
