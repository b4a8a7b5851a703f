"""A bench-only app: the floors the benchmarks compare against (one-row insert view, bare broadcast consumer)."""
