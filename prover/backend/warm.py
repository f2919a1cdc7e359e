"""Compile (or load) every numba kernel the prover and the native Poseidon use, for every
signature they use.

    python -m prover.backend.warm        # ``make install`` runs this once

A dev setup and two proofs of a tiny circuit (one with the C matrix, one as from a
``.zkey``) exercise each kernel with the array types of real runs, so later
processes load machine code from the cache instead of compiling.  Prints the cache
directory and the seconds it took (cold: minutes; warm: about a second).
"""

from __future__ import annotations

import time
import warnings


def warm() -> float:
    """Seconds spent; raises if the numba backend is unavailable."""
    from prover.backend import cache_dir, get_backend, numba_backend

    if get_backend() is not numba_backend:
        raise RuntimeError("numba backend unavailable (ZKDX_BACKEND=gmpy2 or numba missing)")
    t0 = time.perf_counter()
    from dataclasses import replace

    from circuits.examples import CubicCircuit, synthesize
    from prover.points import fr_array
    from prover.prove import create_proof, prove_zkey
    from prover.qap import qap_coefficients
    from prover.setup import InsecureSetupWarning, setup

    cs = synthesize(CubicCircuit(3))
    m, z = cs.to_matrices(), cs.assignment()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup(m, quiet=True)
    create_proof(pk, m, z)
    prove_zkey(pk, replace(qap_coefficients(m), has_c=False), fr_array(z))
    for arr in (pk.a_query, pk.b_g2_query):
        numba_backend.first_off_curve(arr)
    from prover.backend.nb_field import field_ops

    field_ops(z_arr := fr_array(z), z_arr, True)
    from circuits.native.poseidon import poseidon  # the native Fr kernels (issue 11) share the cache root

    for width in (1, 2, 4, 5, 8, 14, 16):
        poseidon(list(range(width)))
    print(f"numba kernels ready in {time.perf_counter() - t0:.1f}s (cache: {cache_dir()})")
    return time.perf_counter() - t0


if __name__ == "__main__":
    warm()
