"""Radix-2 evaluation domains {ω^i} and cosets {g·ω^i} with NTTs over a prime field.

The field defaults to Fr; a toy field (e.g. p = 97) can be given for hand-checkable
tests.  ``ntt`` maps coefficients to evaluations at ω^0..ω^(n-1), ``intt`` inverts it,
and the coset versions evaluate at g·ω^i where g is the field's multiplicative
generator (never in the domain, so Z(x) = x^n - 1 is non-zero on the coset).
"""

from __future__ import annotations

import gmpy2

from circuits.field import MULTIPLICATIVE_GENERATOR, TWO_ADICITY, R, batch_inverse
from prover.errors import DomainError


class Radix2Domain:
    """The multiplicative subgroup of order ``size`` (a power of two)."""

    def __init__(
        self,
        size: int,
        modulus: int = R,
        generator: int = MULTIPLICATIVE_GENERATOR,
        two_adicity: int = TWO_ADICITY,
    ) -> None:
        if size < 1 or size & (size - 1):
            raise DomainError(f"domain size {size} is not a power of two")
        self.log_size = size.bit_length() - 1
        if self.log_size > two_adicity:
            raise DomainError(f"domain 2^{self.log_size} exceeds the field's two-adicity {two_adicity}")
        self.size = size
        self.modulus = modulus
        self.coset_shift = generator % modulus
        self.omega = pow(generator, (modulus - 1) >> self.log_size, modulus)
        self.omega_inv = pow(self.omega, -1, modulus)
        self.size_inv = pow(size, -1, modulus)
        self._p = gmpy2.mpz(modulus)

    @classmethod
    def at_least(cls, n: int, **field: int) -> Radix2Domain:
        """The smallest domain with size >= n."""
        return cls(1 << max(0, (n - 1).bit_length()), **field)

    def elements(self) -> list[int]:
        return _powers(self.omega, self.size, self.modulus)

    # transforms -----------------------------------------------------------
    def ntt(self, coeffs: list[int]) -> list[int]:
        return self._transform(coeffs, self.omega)

    def intt(self, evals: list[int]) -> list[int]:
        out = self._transform(evals, self.omega_inv)
        p, s = self._p, self.size_inv
        return [int(v * s % p) for v in out]

    def coset_ntt(self, coeffs: list[int]) -> list[int]:
        return self.ntt(self._scale(coeffs, self.coset_shift))

    def coset_intt(self, evals: list[int]) -> list[int]:
        return self._scale(self.intt(evals), pow(self.coset_shift, -1, self.modulus))

    def _scale(self, values: list[int], g: int) -> list[int]:
        p = self._p
        return [int(v * w % p) for v, w in zip(values, _powers(g, len(values), self.modulus))]

    def _transform(self, values: list[int], root: int) -> list[int]:
        """Iterative Cooley-Tukey on a bit-reversed copy; each stage works on whole slices."""
        n = self.size
        if len(values) > n:
            raise DomainError(f"{len(values)} values do not fit a domain of size {n}")
        p = self._p
        a = [gmpy2.mpz(v) for v in values] + [gmpy2.mpz(0)] * (n - len(values))
        a = [a[i] for i in _bit_reverse_permutation(n)]
        m = 1
        while m < n:
            twiddles = [gmpy2.mpz(t) for t in _powers(pow(root, n // (2 * m), self.modulus), m, self.modulus)]
            if m >= n // (2 * m):
                for s in range(0, n, 2 * m):
                    lo, hi = a[s : s + m], a[s + m : s + 2 * m]
                    t = [h * w % p for h, w in zip(hi, twiddles)]
                    a[s : s + m] = [(x + y) % p for x, y in zip(lo, t)]
                    a[s + m : s + 2 * m] = [(x - y) % p for x, y in zip(lo, t)]
            else:
                for j, w in enumerate(twiddles):
                    lo, hi = a[j : n : 2 * m], a[j + m : n : 2 * m]
                    t = [h * w % p for h in hi]
                    a[j : n : 2 * m] = [(x + y) % p for x, y in zip(lo, t)]
                    a[j + m : n : 2 * m] = [(x - y) % p for x, y in zip(lo, t)]
            m *= 2
        return [int(v) for v in a]

    # polynomials at a point ----------------------------------------------
    def vanishing_at(self, tau: int) -> int:
        """Z(τ) = τ^n - 1."""
        return (pow(tau, self.size, self.modulus) - 1) % self.modulus

    def lagrange_at(self, tau: int) -> list[int]:
        """L_i(τ) for every i; L_i(τ) = Z(τ)·ω^i / (n·(τ - ω^i)).  τ must lie outside the domain."""
        p = self.modulus
        z = self.vanishing_at(tau)
        if z == 0:
            raise DomainError("τ lies in the evaluation domain")
        omegas = self.elements()
        dens = [(tau - w) * self.size % p for w in omegas]
        inv = batch_inverse(dens, p)
        return [z * w % p * d % p for w, d in zip(omegas, inv)]


def _powers(base: int, count: int, modulus: int) -> list[int]:
    out, acc = [], 1
    for _ in range(count):
        out.append(acc)
        acc = acc * base % modulus
    return out


def _bit_reverse_permutation(n: int) -> list[int]:
    bits = n.bit_length() - 1
    return [int(format(i, f"0{bits}b")[::-1], 2) if bits else 0 for i in range(n)]
