"""The BN254 scalar field Fr (r = py_ecc ``curve_order``) as plain Python integers."""

from py_ecc.optimized_bn128 import curve_order

R: int = curve_order
"""The scalar field modulus r (254 bits)."""

TWO_ADICITY: int = 28
"""Largest k with 2^k | r - 1: the biggest radix-2 NTT domain is 2^28."""

MULTIPLICATIVE_GENERATOR: int = 5
"""A generator of Fr^*: used for roots of unity and as the coset shift."""

FIELD_BYTES: int = 32

if (R - 1) % (1 << TWO_ADICITY) or ((R - 1) >> TWO_ADICITY) % 2 == 0:
    raise ImportError("Fr two-adicity constant is wrong")
if pow(MULTIPLICATIVE_GENERATOR, (R - 1) // 2, R) != R - 1:
    raise ImportError("Fr multiplicative generator is not a non-residue")


def batch_inverse(values: list[int], modulus: int = R) -> list[int]:
    """Montgomery's trick: all inverses for one exponentiation. Zeros map to 0."""
    prefix = []
    acc = 1
    for v in values:
        prefix.append(acc)
        if v:
            acc = acc * v % modulus
    inv_acc = pow(acc, -1, modulus)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        v = values[i]
        if v:
            out[i] = inv_acc * prefix[i] % modulus
            inv_acc = inv_acc * v % modulus
    return out


def to_signed(x: int) -> int:
    """The representative of x in (-r/2, r/2]: useful for printing coefficients."""
    x %= R
    return x - R if x > R // 2 else x


def div_or_zero(num: int, den: int) -> int:
    """num/den in Fr for a witness value; 0 when den ≡ 0, so the gadget's division constraint
    fails by name instead of synthesis crashing on a bad input."""
    return num * pow(den, -1, R) % R if den % R else 0
