"""Where a deployment's contracts live (no web3 here: configs and the CLI read it cheaply)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Deployment:
    rollup: str  # the Rollup contract
    token: str  # its collateral token
    verifier: str  # its batch verifier
