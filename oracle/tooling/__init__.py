"""Tooling around the oracle's execution (not semantics): ``coverage``, what a run executed."""
