"""The server side of bench/fanout.py: one LiveView subscribed to a topic (not a benchmark)."""
