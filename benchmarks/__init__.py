"""Load benchmarks: commands that measure a real crawl, not tests (see ``benchmarks.load``)."""
