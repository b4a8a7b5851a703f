"""Benchmarks (run by hand or `make bench`), not tests: each bench_*.py measures Gongyi against its stack's floor."""
