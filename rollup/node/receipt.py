"""Soft confirmations: the operator's signed promise to include a transaction in a batch.

A receipt is an EIP-191 ("\\x19Ethereum Signed Message:\\n32") signature by the operator's
L1 key over

    digest = keccak256(abi.encode(address rollup, uint256 seq, bytes32 txHash, uint256 batch))

so anyone can check it offline, and a contract can check it with ``ecrecover`` (for
example to penalise an operator whose accepted batches leave out a receipted
transaction).  The rollup address binds a receipt to one deployment (and its chain).
Signatures are canonical (s ≤ n/2, as EIP-2 requires of transactions): ``sign_receipt``
produces only those and ``verify_receipt`` accepts only those, so a receipt has one valid
encoding and its high-s twin (s -> n - s, v flipped) is not a receipt.

    {"rollup": "0x…", "seq": 7, "tx_hash": "0x…", "batch": 2, "operator": "0x…", "signature": "0x…"}
"""

from __future__ import annotations

import re

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_keys.exceptions import BadSignature
from eth_utils import ValidationError, is_address, keccak, to_checksum_address

HEX = re.compile(r"0x[0-9a-fA-F]+")
FIELDS = ("rollup", "seq", "tx_hash", "batch", "operator", "signature")
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def digest(rollup: str, seq: int, tx_hash: str, batch: int) -> bytes:
    """The 32 bytes the operator signs (before the EIP-191 prefix)."""
    raw_hash = bytes.fromhex(tx_hash.removeprefix("0x"))
    if len(raw_hash) != 32:
        raise ValueError("tx_hash must be 32 bytes")
    return keccak(abi_encode(["address", "uint256", "bytes32", "uint256"], [rollup, seq, raw_hash, batch]))


def sign_receipt(operator: LocalAccount, rollup: str, seq: int, tx_hash: str, batch: int) -> dict:
    sig = operator.sign_message(encode_defunct(primitive=digest(rollup, seq, tx_hash, batch)))
    return {
        "rollup": to_checksum_address(rollup),
        "seq": seq,
        "tx_hash": tx_hash,
        "batch": batch,
        "operator": operator.address,
        "signature": "0x" + low_s(sig.r, sig.s, sig.v).hex(),
    }


def low_s(r: int, s: int, v: int) -> bytes:
    """r ‖ s ‖ v (65 bytes) with s replaced by n - s (and v flipped) if s > n/2: the same signer."""
    if s > SECP256K1_N // 2:
        s, v = SECP256K1_N - s, 55 - v  # 27 <-> 28
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def is_canonical(signature: bytes) -> bool:
    """65 bytes with 0 < s ≤ n/2 and v in {27, 28}."""
    s = int.from_bytes(signature[32:64], "big")
    return len(signature) == 65 and 0 < s <= SECP256K1_N // 2 and signature[64] in (27, 28)


def _well_formed(r: dict) -> bool:
    ints = all(type(r[k]) is int and 0 <= r[k] < 2**256 for k in ("seq", "batch"))
    addresses = all(isinstance(r[k], str) and is_address(r[k]) for k in ("rollup", "operator"))
    hexes = all(isinstance(r[k], str) and HEX.fullmatch(r[k]) for k in ("tx_hash", "signature"))
    return ints and addresses and hexes and len(r["tx_hash"]) == 66 and len(r["signature"]) == 132


def verify_receipt(receipt: object, operator: str, rollup: str | None = None) -> bool:
    """True iff receipt is well formed and signed by ``operator`` (for ``rollup``, if given).

    Never raises on a bad receipt: anything malformed is simply not a valid receipt.
    """
    if not isinstance(receipt, dict) or set(receipt) != set(FIELDS) or not _well_formed(receipt):
        return False
    r = receipt
    if not is_address(operator) or (rollup is not None and not is_address(rollup)):
        return False
    if rollup is not None and to_checksum_address(rollup) != to_checksum_address(r["rollup"]):
        return False
    msg = encode_defunct(primitive=digest(r["rollup"], r["seq"], r["tx_hash"], r["batch"]))
    signature = bytes.fromhex(r["signature"][2:])
    if not is_canonical(signature):
        return False
    try:
        signer = Account.recover_message(msg, signature=signature)
    except (ValueError, ValidationError, BadSignature):  # r, s or v out of range
        return False
    return signer == to_checksum_address(operator) == to_checksum_address(r["operator"])
