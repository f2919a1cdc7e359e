"""SHA-256 (FIPS 180-4) over message bits, for binding public data to one public input.

A 32-bit word is a list of 32 boolean linear combinations, most significant bit
first; constants are constant combinations, so operations on them are free.
Costs: XOR 1 constraint a bit (0 with a constant), Ch 1, Maj 2, and an addition
of k words 32 + ceil(log2 k) bit checks + 1.  One 64-byte block is about 26,000
constraints.  The native twin is ``hashlib.sha256``.
"""

from __future__ import annotations

from circuits.gadgets.basic import alloc_bit, lc, mul
from circuits.r1cs import ConstraintSystem, LinearCombination

Bit = LinearCombination
Word = list[Bit]

K = [
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
]  # fmt: skip
H0 = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19]


def const_word(v: int) -> Word:
    return [LinearCombination.constant((v >> (31 - i)) & 1) for i in range(32)]


def _xor(cs: ConstraintSystem, a: Bit, b: Bit, name: str) -> Bit:
    """a + b - 2ab: free when either side is constant."""
    ka, kb = a.constant_value(), b.constant_value()
    if ka is not None or kb is not None:
        k, other = (ka, b) if ka is not None else (kb, a)
        return 1 - other if k else other
    out = cs.new_witness(name, lambda: cs.value(a) ^ cs.value(b))
    cs.enforce(a * 2, b, a + b - out, name)
    return lc(out)


def _xor3(cs: ConstraintSystem, a: Word, b: Word, c: Word, name: str) -> Word:
    return [_xor(cs, _xor(cs, x, y, f"{name}.{i}a"), z, f"{name}.{i}b") for i, (x, y, z) in enumerate(zip(a, b, c))]


def _rotr(w: Word, n: int) -> Word:
    return w[-n:] + w[:-n]


def _shr(w: Word, n: int) -> Word:
    return [LinearCombination({})] * n + w[:-n]


def _add(cs: ConstraintSystem, words: list[Word], name: str) -> Word:
    """Sum mod 2^32: decompose the integer sum into 32 + carry bits, keep the low 32."""
    total = LinearCombination({})
    for w in words:
        for i, b in enumerate(w):
            total = total + b * (1 << (31 - i))
    width = 32 + (len(words) - 1).bit_length()
    bits = [alloc_bit(cs, f"{name}.s{j}", lambda j=j: (cs.value(total) >> j) & 1) for j in range(width)]
    packed = LinearCombination({})
    for j, b in enumerate(bits):
        packed = packed + b * (1 << j)
    cs.enforce(packed, cs.one(), total, f"{name}.sum")
    return [lc(bits[31 - i]) for i in range(32)]


def _compress(cs: ConstraintSystem, state: list[Word], block: list[Bit], name: str) -> list[Word]:
    w = [block[32 * i : 32 * i + 32] for i in range(16)]
    for t in range(16, 64):
        s0 = _xor3(cs, _rotr(w[t - 15], 7), _rotr(w[t - 15], 18), _shr(w[t - 15], 3), f"{name}.w{t}.s0")
        s1 = _xor3(cs, _rotr(w[t - 2], 17), _rotr(w[t - 2], 19), _shr(w[t - 2], 10), f"{name}.w{t}.s1")
        w.append(_add(cs, [s1, w[t - 7], s0, w[t - 16]], f"{name}.w{t}"))
    a, b, c, d, e, f, g, h = state
    for t in range(64):
        r = f"{name}.r{t}"
        big_s1 = _xor3(cs, _rotr(e, 6), _rotr(e, 11), _rotr(e, 25), f"{r}.S1")
        ch = [gi + mul(cs, ei, fi - gi, f"{r}.ch{i}") for i, (ei, fi, gi) in enumerate(zip(e, f, g))]
        big_s0 = _xor3(cs, _rotr(a, 2), _rotr(a, 13), _rotr(a, 22), f"{r}.S0")
        maj = []
        for i, (ai, bi, ci) in enumerate(zip(a, b, c)):
            bc = mul(cs, bi, ci, f"{r}.bc{i}")
            maj.append(bc + mul(cs, ai, bi + ci - bc * 2, f"{r}.maj{i}"))
        t1 = [h, big_s1, ch, const_word(K[t]), w[t]]
        a, b, c, d, e, f, g, h = _add(cs, [*t1, big_s0, maj], f"{r}.a"), a, b, c, _add(cs, [d, *t1], f"{r}.e"), e, f, g
    return [_add(cs, [s, v], f"{name}.h{i}") for i, (s, v) in enumerate(zip(state, [a, b, c, d, e, f, g, h]))]


def pad(bits: list[Bit]) -> list[Bit]:
    """FIPS 180-4 padding with constant bits (the message length is fixed at setup)."""
    n = len(bits)
    zeros = (448 - (n + 1)) % 512
    length = [LinearCombination.constant((n >> (63 - i)) & 1) for i in range(64)]
    return [*bits, LinearCombination.constant(1), *[LinearCombination({})] * zeros, *length]


def sha256(cs: ConstraintSystem, bits: list[Bit], name: str = "sha256") -> list[Bit]:
    """The 256 digest bits (most significant first) of a message given as boolean bits."""
    padded = pad(bits)
    state = [const_word(v) for v in H0]
    with cs.namespace(name):
        for blk in range(len(padded) // 512):
            state = _compress(cs, state, padded[512 * blk : 512 * (blk + 1)], f"b{blk}")
    return [bit for word in state for bit in word]


def digest_to_field(digest_bits: list[Bit]) -> LinearCombination:
    """The digest read big-endian with its top 3 bits dropped: sha256(data) mod 2^253 (free)."""
    out = LinearCombination({})
    for bit in digest_bits[3:]:
        out = out * 2 + bit
    return out
