"""Helpers shared by tests that run real server processes (browser, multi-process)."""
