"""Off-by-one (relaxed) mutants: a comparison that accepts one more value."""

from __future__ import annotations


def run(only: list[str], jobs: int) -> list[dict]:
    return []
