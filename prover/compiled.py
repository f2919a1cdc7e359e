"""A circuit compiled once, proved many times: the matrices are built in SETUP mode once
(with their digest and the prover's coefficient arrays), and each proof only computes
the witness (``circuits.examples.witness_only``: the circuit's code path without
recording constraints), so nothing is re-synthesized per batch.

    compiled = CompiledCircuit.of(BatchCircuit(params))        # once per process
    pk = setup(compiled.matrices)                               # or a key made earlier
    proof = compiled.prove(pk, BatchCircuit(params, witness, public))

Works for any circuit object with ``generate_constraints(cs)``.  The prover checks the
witness against the kept matrices, so a circuit whose code path differs from the
compiled one fails by name (or by size) rather than proving something else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from circuits.examples import synthesize, witness_only
from circuits.r1cs import Mode, R1CSMatrices
from prover.keys import ProvingKey
from prover.prove import create_proof
from prover.qap import qap_coefficients
from verifier.types import Proof


@dataclass(frozen=True)
class CompiledCircuit:
    matrices: R1CSMatrices

    @classmethod
    def of(cls, circuit: object) -> CompiledCircuit:
        """Synthesize in SETUP mode once and precompute what every proof needs."""
        return cls.from_matrices(synthesize(circuit, Mode.SETUP).to_matrices())

    @classmethod
    def from_matrices(cls, m: R1CSMatrices) -> CompiledCircuit:
        m.digest  # noqa: B018 - computed once, cached on m
        qap_coefficients(m)
        return cls(m)

    def prove(self, pk: ProvingKey, circuit: object, *, timings: dict | None = None, **kw: object) -> Proof:
        """A proof for circuit (the same class and parameters as compiled, with witness data)."""
        t0 = time.perf_counter()
        z = witness_only(circuit)
        if timings is not None:
            timings["witness"] = time.perf_counter() - t0
        return create_proof(pk, self.matrices, z, timings=timings, **kw)  # type: ignore[arg-type]
