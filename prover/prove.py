"""Groth16 proving (Groth 2016, §3.2) with random r, s.

    A = α + Σ z_i u_i(τ) + rδ                         (G1)
    B = β + Σ z_i v_i(τ) + sδ                         (G2, and in G1 for C)
    C = Σ_priv z_i l_i + Σ_j e_j [L^(2n)_(2j+1)(τ)/δ] + sA + rB_1 - rsδ

where e_j = A(x_j)B(x_j) - C(x_j) on the odd coset x_j = ω_2n^(2j+1) (see ``prover.qap``).
The assignment is checked against the constraints before any MSM: an unsatisfied
one raises UnsatisfiedConstraint naming the first failing constraint.  A ``.zkey``
carries no C matrix; proving from one (``prove_zkey``) checks what it can (sizes,
z_0 = 1, values below r) and, like snarkjs, cannot name an unsatisfied constraint.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from circuits.field import R
from circuits.r1cs import R1CSMatrices
from prover.backend import get_backend
from prover.convert import g1_to_py_ecc, g2_to_py_ecc
from prover.curve import G1, G2
from prover.errors import KeyMismatch, UnsatisfiedConstraint
from prover.keys import ProvingKey
from prover.parallel import default_workers
from prover.points import fr_array, g1_affines, g2_affines
from prover.qap import QapCoefficients, qap_coefficients
from verifier.types import Proof


def check_inputs(pk: ProvingKey, m: R1CSMatrices, z: Sequence[int]) -> None:
    """Key/circuit/assignment agreement, before any expensive work."""
    if m.digest != pk.circuit_digest:
        raise KeyMismatch("the proving key was made for a different circuit")
    if m.num_inputs != pk.num_inputs:
        raise KeyMismatch(f"key expects {pk.num_inputs} public inputs, circuit has {m.num_inputs}")
    m.check_assignment(list(z))


def create_proof(pk: ProvingKey, m: R1CSMatrices, z: Sequence[int], **options: Any) -> Proof:
    """A proof that z satisfies m; ``options`` are those of ``prove_arrays`` (r, s, workers,
    timings, randbelow).  r, s default to fresh randomness (zero-knowledge).

    ``timings`` (if given) receives wall seconds of ``check``, ``witness_map`` (row values,
    satisfaction check and quotient), ``msm_a``, ``msm_b_g1``, ``msm_b_g2``, ``msm_c``
    (the L and H queries in one MSM) and ``assemble``.
    """
    clock = time.perf_counter()
    check_inputs(pk, m, z)
    coeffs = qap_coefficients(m)
    z_arr = fr_array(z)
    _lap(options.get("timings"), "check", clock)
    return prove_arrays(pk, coeffs, z_arr, names=m.names, **options)


def prove_arrays(
    pk: ProvingKey,
    coeffs: QapCoefficients,
    z: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    r: int | None = None,
    s: int | None = None,
    workers: int | None = None,
    timings: dict | None = None,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> Proof:
    """The proof for an assignment z given as an (n, 4) Fr array (see ``prover.points``),
    for coefficients that match pk (callers check; ``prove_zkey`` and ``create_proof`` do)."""
    backend = get_backend()
    backend.set_workers(default_workers() if workers is None else workers)
    clock = time.perf_counter()
    e, bad = backend.witness_map(coeffs, z, pk.domain_size)
    if bad >= 0:
        raise UnsatisfiedConstraint(names[bad] if names is not None else f"constraint #{bad}")
    clock = _lap(timings, "witness_map", clock)
    ell = pk.num_inputs + 1
    a = backend.msm(pk.a_query, z)
    clock = _lap(timings, "msm_a", clock)
    b1 = backend.msm(pk.b_g1_query, z)
    clock = _lap(timings, "msm_b_g1", clock)
    b2 = backend.msm(pk.b_g2_query, z)
    clock = _lap(timings, "msm_b_g2", clock)
    c = backend.msm(np.concatenate((pk.l_query, pk.h_query)), np.concatenate((z[ell:], e)))
    clock = _lap(timings, "msm_c", clock)
    r = randbelow(R) if r is None else r % R
    s = randbelow(R) if s is None else s % R
    proof = _assemble(pk, a, b1, b2, c, r, s)
    _lap(timings, "assemble", clock)
    return proof


def prove_zkey(
    pk: ProvingKey,
    coeffs: QapCoefficients,
    z: np.ndarray,
    *,
    r: int | None = None,
    s: int | None = None,
    workers: int | None = None,
    timings: dict | None = None,
) -> Proof:
    """A proof from a ``.zkey`` (see ``prover.zkey.read_zkey``) for z as an (n, 4) Fr array
    (``circuits.iden3.read_wtns_array``).  Checks the witness's length and z_0 = 1; values
    below r are the array's contract.  A .zkey holds no C matrix, so an unsatisfied
    constraint is not detected here (as with snarkjs): check with the .r1cs first."""
    if z.ndim != 2 or z.shape[1] != 4 or z.shape[0] != coeffs.num_variables:
        raise KeyMismatch(f"witness has {len(z)} values, the key's circuit has {coeffs.num_variables}")
    if tuple(int(v) for v in z[0]) != (1, 0, 0, 0):
        raise KeyMismatch("witness must start with the constant 1")
    return prove_arrays(pk, coeffs, z, r=r, s=s, workers=workers, timings=timings)


def _assemble(pk: ProvingKey, a: tuple, b1: tuple, b2: tuple, c: tuple, r: int, s: int) -> Proof:
    """Add α, β, the r/s blinding and the cross terms to the four MSM results (affine)."""
    (alpha,), (beta1,), (delta1,) = (g1_affines(p) for p in (pk.alpha_g1, pk.beta_g1, pk.delta_g1))
    (beta2,), (delta2,) = (g2_affines(p) for p in (pk.beta_g2, pk.delta_g2))
    pa = G1.add_mixed(G1.add_mixed(G1.mul(delta1, r), alpha), a)
    pb2 = G2.add_mixed(G2.add_mixed(G2.mul(delta2, s), beta2), b2)
    pb1 = G1.add_mixed(G1.add_mixed(G1.mul(delta1, s), beta1), b1)
    pc = G1.add_mixed(G1.mul(delta1, (R - r * s % R) % R), c)
    pc = G1.add(pc, G1.mul(G1.to_affine(pa), s))
    pc = G1.add(pc, G1.mul(G1.to_affine(pb1), r))
    return Proof(g1_to_py_ecc(G1.to_affine(pa)), g2_to_py_ecc(G2.to_affine(pb2)), g1_to_py_ecc(G1.to_affine(pc)))


def _lap(timings: dict | None, name: str, since: float) -> float:
    now = time.perf_counter()
    if timings is not None:
        timings[name] = now - since
    return now
