"""The server side of the change-tracking benchmarks: a counter beside a 1000-row table."""
