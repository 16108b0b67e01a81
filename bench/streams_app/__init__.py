"""The server side of bench/streams.py: a view holding a 1000-item stream (not a benchmark)."""
