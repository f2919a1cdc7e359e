"""Where ``zkdx ca approve`` looks up the L2 key registered for an account.

Two implementations of one small interface: the rollup contract on L1 (the key an account
registered with, ``Rollup.keyOfAccount``) and the operator node's account endpoint
(``GET /v1/accounts/{index}``).  Both answer None for an account that does not exist.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Protocol

from circuits.native.babyjubjub import Point
from rollup.rfq.errors import RegistryError
from verifier import jsonsafe

NO_KEY = (0, 0)


class KeyRegistry(Protocol):
    def key_of(self, account: int) -> Point | None:
        """The L2 (Baby Jubjub) key registered for account, None if there is none."""


class L1KeyRegistry:
    """Reads ``keyOfAccount`` from a deployed rollup (``rollup.l1.client.L1Client``)."""

    def __init__(self, client: object) -> None:
        self.client = client

    def key_of(self, account: int) -> Point | None:
        from rollup.l1.client import L1Error

        try:
            key = self.client.account_key(account)
        except (L1Error, ValueError, OSError) as exc:
            raise RegistryError(f"L1 did not answer for account {account}: {exc}") from exc
        except Exception as exc:  # web3 raises many types for a bad address or a dead node
            raise RegistryError(f"L1 did not answer for account {account}: {type(exc).__name__}: {exc}") from exc
        return None if tuple(key) == NO_KEY else (int(key[0]), int(key[1]))


def parse_account(obj: object, index: int) -> tuple[Point, int] | None:
    """(pubkey, nonce) from the node's account JSON; None for an account that does not exist."""
    if not isinstance(obj, dict):
        raise RegistryError("account answer is not a JSON object")
    if obj.get("exists") is False:
        return None
    pk, nonce = obj.get("pubkey"), obj.get("nonce")
    ok_pk = isinstance(pk, list) and len(pk) == 2 and all(_is_uint(c) for c in pk)
    if obj.get("index") != index or not ok_pk or not _is_uint(nonce):
        raise RegistryError(f"account answer for {index} lacks index, pubkey [x, y] or nonce")
    return (int(pk[0]), int(pk[1])), int(nonce)


def _is_uint(v: object) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return v >= 0
    return isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= 78


class NodeKeyRegistry:
    """Reads ``GET {url}/v1/accounts/{index}`` from the operator node (404: no such account)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout

    def key_of(self, account: int) -> Point | None:
        try:
            with urllib.request.urlopen(f"{self.url}/v1/accounts/{int(account)}", timeout=self.timeout) as r:
                body = r.read(1 << 16)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise RegistryError(f"node answered {exc.code} for account {account}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise RegistryError(f"node at {self.url} did not answer: {exc}") from exc
        found = parse_account(jsonsafe.loads(body, RegistryError, max_bytes=1 << 16, max_depth=8), account)
        return None if found is None else found[0]
