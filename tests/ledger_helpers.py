"""Test access to the demo world (``rollup.demo``)."""

from rollup.demo import FAR, ORACLE, World, funded_world, trades

__all__ = ["FAR", "ORACLE", "World", "funded_world", "trades"]
