"""Circuit-specific Groth16 setup with a development trapdoor (INSECURE).

The trapdoor (τ, α, β, γ, δ) is drawn in this process and could be kept by whoever
runs it; anybody who knows it can forge proofs.  Use it for development and
tests only: production keys need a multi-party ceremony.
"""

from __future__ import annotations

import hashlib
import secrets
import warnings
from dataclasses import dataclass

import numpy as np
from py_ecc.optimized_bn128 import G1 as PY_ECC_G1
from py_ecc.optimized_bn128 import G2 as PY_ECC_G2

from circuits.field import R
from circuits.r1cs import R1CSMatrices
from prover.backend import get_backend
from prover.convert import g1_from_py_ecc, g1_to_py_ecc, g2_from_py_ecc, g2_to_py_ecc
from prover.errors import INSECURE_WARNING, InsecureSetupWarning, SetupError
from prover.keys import ProvingKey
from prover.parallel import default_workers
from prover.points import fr_array, g1_affines, g1_array, g2_affines, g2_array
from prover.progress import Progress
from prover.qap import domain_for, odd_coset_lagrange_at, qap_at
from verifier.types import VerifyingKey


@dataclass(frozen=True)
class Trapdoor:
    """The toxic waste of one setup; every value non-zero, τ outside the domain."""

    tau: int
    alpha: int
    beta: int
    gamma: int
    delta: int

    @classmethod
    def random(cls) -> Trapdoor:
        return cls(*(1 + secrets.randbelow(R - 1) for _ in range(5)))

    @classmethod
    def from_seed(cls, seed: bytes) -> Trapdoor:
        """Deterministic and public, so INSECURE: only for reproducible demo artifacts."""
        return cls(*(1 + int.from_bytes(hashlib.sha256(seed + bytes([i])).digest(), "big") % (R - 1) for i in range(5)))


G1_GEN = g1_array([g1_from_py_ecc(PY_ECC_G1)])
G2_GEN = g2_array([g2_from_py_ecc(PY_ECC_G2)])


def setup(
    m: R1CSMatrices, trapdoor: Trapdoor | None = None, *, workers: int | None = None, quiet: bool = False
) -> ProvingKey:
    """Proving key (with its verifying key) for the circuit m.

    Warns once per call (InsecureSetupWarning, through ``warnings`` only) unless ``quiet``:
    a caller that shows the warning its own way (the CLI) passes ``quiet=True``."""
    if not quiet:
        warnings.warn(INSECURE_WARNING, InsecureSetupWarning, stacklevel=2)
    td = trapdoor or Trapdoor.random()
    if any(v % R == 0 for v in (td.alpha, td.beta, td.gamma, td.delta)):
        raise SetupError("alpha, beta, gamma and delta must be non-zero")
    d = domain_for(m)
    if pow(td.tau, 2 * d.size, R) == 1:
        raise SetupError("tau lies in the evaluation domain (or its odd coset)")
    backend = get_backend()
    backend.set_workers(default_workers() if workers is None else workers)
    q = qap_at(m, td.tau, d)
    gamma_inv, delta_inv = pow(td.gamma, -1, R), pow(td.delta, -1, R)
    abc = [(td.beta * a + td.alpha * b + c) % R for a, b, c in zip(q.a, q.b, q.c)]
    ell = m.num_inputs + 1
    g1 = _fixed_base(backend, G1_GEN, {
        "a_query": q.a,
        "b_g1_query": q.b,
        "h_query": [v * delta_inv % R for v in odd_coset_lagrange_at(td.tau, d.size)],
        "l_query": [v * delta_inv % R for v in abc[ell:]],
        "gamma_abc_g1": [v * gamma_inv % R for v in abc[:ell]],
        "singles": [td.alpha, td.beta, td.delta],
    })  # fmt: skip
    g2 = _fixed_base(backend, G2_GEN, {"b_g2_query": q.b, "singles": [td.beta, td.gamma, td.delta]})
    vk = VerifyingKey(
        *(g1_to_py_ecc(p) for p in g1_affines(g1["singles"][:1])),
        *(g2_to_py_ecc(p) for p in g2_affines(g2["singles"])),
        tuple(g1_to_py_ecc(p) for p in g1_affines(g1["gamma_abc_g1"])),
    )
    return ProvingKey.from_vk(
        vk,
        alpha_g1=g1["singles"][0:1],
        beta_g1=g1["singles"][1:2],
        beta_g2=g2["singles"][0:1],
        delta_g1=g1["singles"][2:3],
        delta_g2=g2["singles"][2:3],
        a_query=g1["a_query"],
        b_g1_query=g1["b_g1_query"],
        b_g2_query=g2["b_g2_query"],
        h_query=g1["h_query"],
        l_query=g1["l_query"],
        circuit_digest=m.digest,
        domain_size=d.size,
    )


def _fixed_base(backend, generator: np.ndarray, jobs: dict[str, list[int]]) -> dict[str, np.ndarray]:  # noqa: ANN001
    """k·G for every scalar of every job, in one backend call (one window table)."""
    scalars = [k for ks in jobs.values() for k in ks]
    bar = Progress("setup", 1)
    points = backend.fixed_base(generator, fr_array(scalars))
    bar.advance(1, f"{len(scalars)} points")
    bar.close()
    out, pos = {}, 0
    for name, ks in jobs.items():
        out[name] = points[pos : pos + len(ks)]
        pos += len(ks)
    return out
