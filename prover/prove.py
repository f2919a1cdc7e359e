"""Groth16 proving (Groth 2016, §3.2) with random r, s.

    A = α + Σ z_i u_i(τ) + rδ                         (G1)
    B = β + Σ z_i v_i(τ) + sδ                         (G2, and in G1 for C)
    C = Σ_priv z_i l_i + Σ h_j [τ^j t(τ)/δ] + sA + rB_1 - rsδ

The assignment is checked against the constraints before any MSM: an unsatisfied
one raises UnsatisfiedConstraint naming the first failing constraint.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from circuits.field import R
from circuits.r1cs import R1CSMatrices
from prover.convert import g1_jacobian_to_py_ecc, g2_jacobian_to_py_ecc
from prover.curve import G1, G2, GROUPS
from prover.domain import Radix2Domain
from prover.errors import KeyMismatch, UnsatisfiedConstraint
from prover.keys import ProvingKey
from prover.msm import msm
from prover.parallel import default_workers, run_tasks
from prover.progress import Progress
from prover.qap import witness_map
from verifier.types import Proof

# MSMs of one proof: (name, group, proving-key query)
_MSMS = (("a", "G1", "a_query"), ("b_g1", "G1", "b_g1_query"), ("b_g2", "G2", "b_g2_query"),
         ("l", "G1", "l_query"), ("h", "G1", "h_query"))  # fmt: skip
_G2_WEIGHT = 3  # a G2 addition costs about three G1 additions


def check_inputs(pk: ProvingKey, m: R1CSMatrices, z: list[int]) -> None:
    """Key/circuit/assignment agreement and satisfaction, before any expensive work."""
    if m.digest != pk.circuit_digest:
        raise KeyMismatch("the proving key was made for a different circuit")
    if m.num_inputs != pk.num_inputs:
        raise KeyMismatch(f"key expects {pk.num_inputs} public inputs, circuit has {m.num_inputs}")
    failing = m.which_is_unsatisfied(z)
    if failing is not None:
        raise UnsatisfiedConstraint(failing)


def _msm_chunk(shared: dict, group: str, query: str, start: int, scalars: list[int]) -> tuple:
    t0 = time.perf_counter()
    bases = shared[query][start : start + len(scalars)]
    return msm(GROUPS[group], bases, scalars), time.perf_counter() - t0


def _msm_tasks(pk: ProvingKey, scalars: dict[str, list[int]], workers: int) -> tuple[list, list[str]]:
    """Split every MSM into chunks so that the workers get about equal work."""
    total = sum(len(scalars[n]) * (_G2_WEIGHT if g == "G2" else 1) for n, g, _ in _MSMS)
    target = max(1024, total // (2 * workers) + 1)
    tasks, names = [], []
    for name, group, query in _MSMS:
        ks = scalars[name]
        step = max(1, target // (_G2_WEIGHT if group == "G2" else 1))
        for start in range(0, len(ks), step):
            tasks.append((_msm_chunk, (group, query, start, ks[start : start + step])))
            names.append(name)
    return tasks, names


def run_msms(pk: ProvingKey, scalars: dict[str, list[int]], workers: int | None = None,
             timings: dict | None = None) -> dict:  # fmt: skip
    """Every MSM of the proof, on worker processes; returns Jacobian results by name."""
    workers = default_workers() if workers is None else workers
    tasks, names = _msm_tasks(pk, scalars, workers)
    shared = {q: getattr(pk, q) for _, _, q in _MSMS}
    bar = Progress("prove", len(tasks))
    results = run_tasks(tasks, shared, workers, on_done=lambda i: bar.advance(1, f"msm {names[i]}"))
    bar.close()
    out: dict = {name: None for name, _, _ in _MSMS}
    group_of = {name: GROUPS[g] for name, g, _ in _MSMS}
    for name, (point, seconds) in zip(names, results):
        out[name] = group_of[name].add(out[name], point)
        if timings is not None:
            timings[f"msm_{name}"] = timings.get(f"msm_{name}", 0.0) + seconds
    return out


def create_proof(
    pk: ProvingKey,
    m: R1CSMatrices,
    z: list[int],
    *,
    r: int | None = None,
    s: int | None = None,
    workers: int | None = None,
    timings: dict | None = None,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> Proof:
    """A proof that z satisfies m.  r, s default to fresh randomness (zero-knowledge)."""
    clock = time.perf_counter()
    check_inputs(pk, m, z)
    clock = _lap(timings, "check", clock)
    r = randbelow(R) if r is None else r % R
    s = randbelow(R) if s is None else s % R
    h = witness_map(m, z, Radix2Domain(pk.domain_size))
    clock = _lap(timings, "witness_map", clock)
    ell = m.num_inputs + 1
    scalars = {"a": z, "b_g1": z, "b_g2": z, "l": z[ell:], "h": h}
    res = run_msms(pk, scalars, workers, timings)
    clock = _lap(timings, "msm_wall", clock)
    a = G1.add_mixed(G1.add(res["a"], G1.mul(pk.delta_g1, r)), pk.alpha_g1)
    b2 = G2.add_mixed(G2.add(res["b_g2"], G2.mul(pk.delta_g2, s)), pk.beta_g2)
    b1 = G1.add_mixed(G1.add(res["b_g1"], G1.mul(pk.delta_g1, s)), pk.beta_g1)
    c = G1.add(res["l"], res["h"])
    c = G1.add(c, G1.mul(G1.to_affine(a), s))
    c = G1.add(c, G1.mul(G1.to_affine(b1), r))
    c = G1.add(c, G1.mul(pk.delta_g1, (R - r * s % R) % R))
    proof = Proof(g1_jacobian_to_py_ecc(a), g2_jacobian_to_py_ecc(b2), g1_jacobian_to_py_ecc(c))
    _lap(timings, "assemble", clock)
    return proof


def _lap(timings: dict | None, name: str, since: float) -> float:
    now = time.perf_counter()
    if timings is not None:
        timings[name] = now - since
    return now
