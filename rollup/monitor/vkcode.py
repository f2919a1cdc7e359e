"""The verifying key behind a deployed verifier, read back from its code and proven by recompiling.

A verifier rendered by ``verifier.solidity`` embeds its key as constants, which the compiled
runtime code pushes in template order: IC_0 .. IC_n (x, y), α (x, y), then β, γ, δ as
(x1, x0, y1, y0), with r and q in between.  ``read_vk`` collects the large PUSH operands,
drops r and q, takes the longest run of G1 points (the last is α) and the three G2 points
after it.  That reading is only a guess: the key is accepted only if the verifier rendered
and compiled (pinned solc) from it is byte for byte the deployed runtime code, so a wrong
guess can refuse a verifier but never vouch for one.  ``check_vk`` does the same for a key
that was given.
"""

from __future__ import annotations

import functools
import json

from py_ecc.optimized_bn128 import curve_order, field_modulus

from rollup.errors import VerifierCodeError
from rollup.l1.contracts import demo_verifying_key, verifier_artifact
from verifier.errors import MalformedError
from verifier.formats import vk_from_json, vk_to_json
from verifier.points import g1_from_xy, g2_from_xy
from verifier.types import VerifyingKey

PUSH1, PUSH32 = 0x60, 0x7F
SMALL = 1 << 64  # constants below this are offsets and masks, not coordinates


def push_operands(code: bytes) -> list[int]:
    """The operands of every PUSH instruction, in code order (data after the code included)."""
    out, i = [], 0
    while i < len(code):
        op = code[i]
        if PUSH1 <= op <= PUSH32:
            n = op - PUSH1 + 1
            out.append(int.from_bytes(code[i + 1 : i + 1 + n], "big"))
            i += n
        i += 1
    return out


def _on_g1(x: int, y: int) -> bool:
    return (y * y - x * x * x - 3) % field_modulus == 0


def _g2_points(words: list[int]) -> list:
    """Three G2 points from 12 words in (x1, x0, y1, y0) order."""
    if len(words) < 12:
        raise VerifierCodeError("the code holds fewer than three G2 points after the G1 constants")
    return [g2_from_xy((w[1], w[0]), (w[3], w[2]), "G2 constant") for w in (words[k : k + 4] for k in (0, 4, 8))]


def guess_vk(code: bytes) -> VerifyingKey:
    """The key a verifier's code seems to embed (unchecked: see ``read_vk``)."""
    words = [v for v in push_operands(code) if SMALL <= v < field_modulus and v != curve_order]
    for start in range(len(words) - 1):
        g1, i = [], start
        while i + 1 < len(words) and _on_g1(words[i], words[i + 1]):
            g1.append((words[i], words[i + 1]))
            i += 2
        if len(g1) >= 3:  # IC_0, IC_1 (at least one public input) and α
            try:
                beta, gamma, delta = _g2_points(words[i : i + 12])
                ic = tuple(g1_from_xy(x, y, "IC constant") for x, y in g1[:-1])
                return VerifyingKey(g1_from_xy(*g1[-1], "alpha constant"), beta, gamma, delta, ic)
            except MalformedError as exc:
                raise VerifierCodeError(f"the verifier's constants are not a verifying key: {exc}") from exc
    raise VerifierCodeError("no run of G1 points in the verifier's code: not a zkdx Groth16 verifier")


@functools.lru_cache(maxsize=8)
def _runtime(vk_json: str) -> bytes:
    """The runtime code of the verifier for a key (compiling takes seconds: once per key and process)."""
    return bytes.fromhex(verifier_artifact(vk_from_json(vk_json))["deployed"])


def check_vk(vk: VerifyingKey, code: bytes) -> None:
    """VerifierCodeError unless code is exactly the runtime code of the verifier rendered for vk."""
    expected = _runtime(json.dumps(vk_to_json(vk), sort_keys=True))
    if expected != code:
        raise VerifierCodeError(
            f"the deployed verifier ({len(code)} bytes) is not the verifier of this key "
            f"({len(expected)} bytes compiled with the pinned solc)"
        )


def read_vk(code: bytes) -> VerifyingKey:
    """The verifying key of a deployed zkdx verifier, read back and confirmed by recompiling."""
    if not code:
        raise VerifierCodeError("no code at the verifier address")
    vk = guess_vk(code)
    check_vk(vk, code)
    return vk


def is_demo_key(vk: VerifyingKey) -> bool:
    """The committed demo key (public trapdoor: anyone can forge proofs for it)."""
    return vk_to_json(vk) == vk_to_json(demo_verifying_key())
