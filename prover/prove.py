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
from prover.qap import quotient
from verifier.types import Proof

# MSMs of one proof: (name, group, proving-key query)
_MSMS = (("a", "G1", "a_query"), ("b_g1", "G1", "b_g1_query"), ("b_g2", "G2", "b_g2_query"),
         ("l", "G1", "l_query"), ("h", "G1", "h_query"))  # fmt: skip
_G2_WEIGHT = 3  # a G2 addition costs about three G1 additions


def check_inputs(pk: ProvingKey, m: R1CSMatrices, z: list[int]) -> tuple[list[int], list[int], list[int]]:
    """Key/circuit/assignment agreement and satisfaction, before any expensive work.

    Returns the row values <A_j, z>, <B_j, z>, <C_j, z>, which the witness map reuses.
    """
    if m.digest != pk.circuit_digest:
        raise KeyMismatch("the proving key was made for a different circuit")
    if m.num_inputs != pk.num_inputs:
        raise KeyMismatch(f"key expects {pk.num_inputs} public inputs, circuit has {m.num_inputs}")
    m.check_assignment(z)
    rows = m.row_values(z)
    failing = m.first_unsatisfied(rows)
    if failing is not None:
        raise UnsatisfiedConstraint(failing)
    return rows


def _msm_chunk(shared: dict, group: str, query: str, start: int, scalars: list[int]) -> tuple:
    t0 = time.perf_counter()
    bases = shared[query][start : start + len(scalars)]
    return msm(GROUPS[group], bases, scalars), time.perf_counter() - t0


def _quotient_task(shared: dict, domain_size: int) -> tuple:
    t0 = time.perf_counter()
    h = quotient(*shared["rows"], shared["inputs"], Radix2Domain(domain_size))
    return h, time.perf_counter() - t0


def _chunks(group: str, query: str, ks: list[int], target: int) -> list:
    """MSM tasks of about ``target`` G1-addition units each."""
    step = max(1, target // (_G2_WEIGHT if group == "G2" else 1))
    return [(_msm_chunk, (group, query, i, ks[i : i + step])) for i in range(0, len(ks), step)]


def _pool_work(pk: ProvingKey, rows: tuple, z: list[int], workers: int, timings: dict | None) -> dict:
    """The quotient h and the A, B, L MSMs run together; the H MSM follows h.  Jacobian results by name."""
    ell = pk.num_inputs + 1
    scalars = {"a": z, "b_g1": z, "b_g2": z, "l": z[ell:]}
    weights = sum(len(scalars[n]) * (_G2_WEIGHT if g == "G2" else 1) for n, g, _ in _MSMS[:4])
    target = max(1024, (weights + pk.domain_size) // (2 * workers) + 1)
    tasks, names = [(_quotient_task, (pk.domain_size,))], ["witness_map"]
    for name, group, query in _MSMS[:4]:
        chunk = _chunks(group, query, scalars[name], target)
        tasks += chunk
        names += [name] * len(chunk)
    bar = Progress("prove", len(tasks) + -(-(pk.domain_size - 1) // target))

    def then(i: int, result: tuple) -> list:
        if i != 0:  # task 0 is the quotient: queue the H MSM on h
            return []
        follow = _chunks("G1", "h_query", result[0], target)
        names.extend(["h"] * len(follow))
        return follow

    shared = {q: getattr(pk, q) for _, _, q in _MSMS} | {"rows": rows, "inputs": z[:ell]}
    results = run_tasks(tasks, shared, workers, on_done=lambda i: bar.advance(1, names[i]), then=then)
    bar.close()
    out: dict = {name: None for name, _, _ in _MSMS}
    group_of = {name: GROUPS[g] for name, g, _ in _MSMS}
    for name, (value, seconds) in zip(names, results):
        if name != "witness_map":
            out[name] = group_of[name].add(out[name], value)
        if timings is not None:
            key = name if name == "witness_map" else f"msm_{name}"
            timings[key] = timings.get(key, 0.0) + seconds
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
    """A proof that z satisfies m.  r, s default to fresh randomness (zero-knowledge).

    ``timings`` (if given) receives wall seconds of ``check``, ``pool_wall`` and
    ``assemble``, and CPU seconds of ``witness_map`` and each ``msm_*`` in the workers.
    """
    clock = time.perf_counter()
    rows = check_inputs(pk, m, z)
    clock = _lap(timings, "check", clock)
    r = randbelow(R) if r is None else r % R
    s = randbelow(R) if s is None else s % R
    res = _pool_work(pk, rows, z, default_workers() if workers is None else workers, timings)
    clock = _lap(timings, "pool_wall", clock)
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
