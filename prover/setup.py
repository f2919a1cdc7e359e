"""Circuit-specific Groth16 setup with a development trapdoor (INSECURE).

The trapdoor (τ, α, β, γ, δ) is drawn in this process and could be kept by whoever
runs it; anybody who knows it can forge proofs.  Use it for development and
tests only: production keys need a multi-party ceremony.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import warnings
from dataclasses import dataclass

from py_ecc.optimized_bn128 import G1 as PY_ECC_G1
from py_ecc.optimized_bn128 import G2 as PY_ECC_G2

from circuits.field import R
from circuits.r1cs import R1CSMatrices
from prover.convert import g1_from_py_ecc, g1_to_py_ecc, g2_from_py_ecc, g2_to_py_ecc
from prover.curve import GROUPS
from prover.errors import SetupError
from prover.fixed_base import batch_to_affine, build_table, fixed_base_mul
from prover.keys import ProvingKey
from prover.parallel import run_tasks
from prover.progress import Progress
from prover.qap import domain_for, qap_at
from verifier.types import VerifyingKey

INSECURE_WARNING = (
    "WARNING: zkdx dev setup: the toxic waste (tau, alpha, beta, gamma, delta) was generated "
    "in this process. Keys from this setup are INSECURE: whoever ran it can forge proofs."
)
_CHUNK = 2048


class InsecureSetupWarning(UserWarning):
    """Raised (as a warning) by every dev-trapdoor setup."""


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


@functools.cache
def generator_table(group_name: str) -> list[list[tuple]]:
    """Window table of the group generator (built once per process)."""
    base = g1_from_py_ecc(PY_ECC_G1) if group_name == "G1" else g2_from_py_ecc(PY_ECC_G2)
    return build_table(GROUPS[group_name], base)


def _mul_chunk(shared: dict, group_name: str, scalars: list[int]) -> list:
    group = GROUPS[group_name]
    table = shared[group_name]
    return batch_to_affine(group, [fixed_base_mul(group, table, k) for k in scalars])


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
    if d.vanishing_at(td.tau) == 0:
        raise SetupError("tau lies in the evaluation domain")
    q = qap_at(m, td.tau, d)
    gamma_inv, delta_inv = pow(td.gamma, -1, R), pow(td.delta, -1, R)
    abc = [(td.beta * a + td.alpha * b + c) % R for a, b, c in zip(q.a, q.b, q.c)]
    ell = m.num_inputs + 1
    h_scalars, tz = [], q.z * delta_inv % R
    for _ in range(d.size - 1):
        h_scalars.append(tz)
        tz = tz * td.tau % R
    g1_jobs = {
        "a_query": q.a,
        "b_g1_query": q.b,
        "h_query": h_scalars,
        "l_query": [v * delta_inv % R for v in abc[ell:]],
        "gamma_abc_g1": [v * gamma_inv % R for v in abc[:ell]],
        "singles": [td.alpha, td.beta, td.delta],
    }
    g2_jobs = {"b_g2_query": q.b, "singles": [td.beta, td.gamma, td.delta]}
    out = _run_fixed_base(g1_jobs, g2_jobs, workers)
    alpha_g1, beta_g1, delta_g1 = out["G1"]["singles"]
    beta_g2, gamma_g2, delta_g2 = out["G2"]["singles"]
    vk = VerifyingKey(
        g1_to_py_ecc(alpha_g1),
        g2_to_py_ecc(beta_g2),
        g2_to_py_ecc(gamma_g2),
        g2_to_py_ecc(delta_g2),
        tuple(g1_to_py_ecc(p) for p in out["G1"]["gamma_abc_g1"]),
    )
    g1, g2 = out["G1"], out["G2"]
    return ProvingKey.from_vk(
        vk,
        alpha_g1=alpha_g1,
        beta_g1=beta_g1,
        beta_g2=beta_g2,
        delta_g1=delta_g1,
        delta_g2=delta_g2,
        a_query=g1["a_query"],
        b_g1_query=g1["b_g1_query"],
        b_g2_query=g2["b_g2_query"],
        h_query=g1["h_query"],
        l_query=g1["l_query"],
        circuit_digest=m.digest,
        domain_size=d.size,
    )


def _run_fixed_base(g1_jobs: dict, g2_jobs: dict, workers: int | None) -> dict:
    shared = {name: generator_table(name) for name in ("G1", "G2")}
    tasks, where = [], []
    for group, jobs in (("G1", g1_jobs), ("G2", g2_jobs)):
        for name, scalars in jobs.items():
            for start in range(0, max(len(scalars), 1), _CHUNK):
                tasks.append((_mul_chunk, (group, scalars[start : start + _CHUNK])))
                where.append((group, name))
    bar = Progress("setup", len(tasks))
    results = run_tasks(tasks, shared, workers, on_done=lambda i: bar.advance(1, where[i][1]))
    bar.close()
    out: dict = {"G1": {k: [] for k in g1_jobs}, "G2": {k: [] for k in g2_jobs}}
    for (group, name), points in zip(where, results):
        out[group][name].extend(points)
    return out
