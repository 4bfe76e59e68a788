# Benchmarks (make bench): placeholder, filled in by the bench work.
.PHONY: bench
bench:
	@echo "make bench: not written yet" >&2; exit 1
