"""The proof pipeline for ledger batches: setup, prove and verify a ``BatchResult``.

    pk = setup_batch(params)                       # SETUP-mode synthesis -> Groth16 setup
    proof = prove_batch(pk, params, result)        # PROVE-mode synthesis from the spec's witness
    verify_batch(pk.vk, result.public_input, proof)

The circuit is synthesized by the same code in both modes; ``prove_batch`` refuses
(naming the constraint) if the spec's witness does not satisfy it.
"""

from __future__ import annotations

import functools

from circuits.examples import synthesize
from circuits.ledger.circuit import BatchCircuit
from circuits.ledger.exit import ExitCircuit
from circuits.ledger.params import LedgerParams
from circuits.r1cs import Mode, R1CSMatrices
from prover.compiled import CompiledCircuit
from prover.keys import ProvingKey
from prover.prove import create_proof
from prover.setup import Trapdoor, setup
from rollup.ledger.batch import BatchResult
from rollup.ledger.escape import Exit
from verifier import verify_proof
from verifier.types import Proof, VerifyingKey


def batch_matrices(params: LedgerParams) -> R1CSMatrices:
    return compiled_batch(params).matrices


@functools.cache
def compiled_batch(params: LedgerParams) -> CompiledCircuit:
    """The batch circuit compiled once per process and parameter set (SETUP synthesis and the
    prover's coefficient arrays); each proof then only computes the witness."""
    return CompiledCircuit.of(BatchCircuit(params))


def setup_batch(
    params: LedgerParams, trapdoor: Trapdoor | None = None, *, workers: int | None = None, quiet: bool = False
) -> ProvingKey:
    """A development proving key for the batch circuit (dev trapdoor: insecure, see prover.setup)."""
    return setup(batch_matrices(params), trapdoor, workers=workers, quiet=quiet)


def prove_batch(
    pk: ProvingKey,
    params: LedgerParams,
    result: BatchResult,
    *,
    workers: int | None = None,
    timings: dict | None = None,
) -> Proof:
    compiled = compiled_batch(params)
    circuit = BatchCircuit(params, result.witness, result.public_input)
    return compiled.prove(pk, circuit, workers=workers, timings=timings)


def verify_batch(vk: VerifyingKey, result: BatchResult, proof: Proof) -> bool:
    return verify_proof(vk, [result.public_input], proof)


def setup_exit(params: LedgerParams, *, quiet: bool = False) -> ProvingKey:
    return setup(synthesize(ExitCircuit(params), Mode.SETUP).to_matrices(), quiet=quiet)


def prove_exit(pk: ProvingKey, params: LedgerParams, ex: Exit) -> Proof:
    cs = synthesize(ExitCircuit(params, ex.witness, ex.public_input))
    return create_proof(pk, cs.to_matrices(), cs.assignment())
