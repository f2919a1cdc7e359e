# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Writing and proving your own circuit
#
# **Question.** How does a newcomer write a circuit with zkdx's public API, prove and verify
# a statement with it, and hand it to the rest of the ecosystem (snarkjs, Solidity)?
#
# The statement: *"I know a balance and a salt whose Poseidon hash is this public commitment,
# and the balance is at least this public threshold"*: a proof of solvency that reveals
# neither the balance nor the salt. Along the way: a circuit class, setup, prove, verify, a
# failing witness named by its constraint, export to iden3 `.r1cs`/`.wtns` checked by snarkjs,
# and a Solidity verifier that accepts the proof on an in-process EVM.
#
# Everything runs at full size here (a few hundred constraints, well under a minute).

# %%
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from _common import ROOT, Figures, out_dir
from web3 import EthereumTesterProvider, Web3

from circuits.examples import synthesize
from circuits.gadgets.bits import range_check
from circuits.gadgets.poseidon import poseidon
from circuits.iden3 import write_r1cs, write_wtns
from circuits.native.poseidon import poseidon as poseidon_native
from circuits.r1cs import ConstraintSystem, Mode
from prover.errors import UnsatisfiedConstraint
from prover.prove import create_proof
from prover.setup import setup
from verifier.formats import proof_to_calldata, proof_to_json, public_to_json, vk_to_json
from verifier.groth16 import verify_proof

figs = Figures("05_own_circuit")
files = out_dir() / "05_own_circuit" / "files"
files.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The circuit
# A circuit is data plus one method, `generate_constraints(cs)`. Public inputs and private
# witnesses are allocated explicitly; each gets a *closure* for its value, which only PROVE
# mode calls, so the same code yields the constraint matrices (SETUP mode, no values) and the
# assignment (PROVE mode). Every constraint has a name; namespaces prefix them.
#
# Both the balance and the surplus `balance − threshold` are range-checked to 64 bits. The
# threshold is too: in the field, a "negative" threshold is a huge number, and without its
# check `balance − threshold` could land in range by wrapping around r.

# %%
BITS = 64


@dataclass(frozen=True)
class BalanceAtLeast:
    """Poseidon(balance, salt) = commitment and threshold ≤ balance, all below 2^64.

    Public: commitment, threshold.  Private: balance, salt."""

    threshold: int | None = None
    balance: int | None = None
    salt: int | None = None

    def generate_constraints(self, cs: ConstraintSystem) -> None:
        b, s, t = self.balance, self.salt, self.threshold
        commitment = cs.new_input("commitment", lambda: poseidon_native([b, s]))
        threshold = cs.new_input("threshold", lambda: t)
        balance = cs.new_witness("balance", lambda: b)
        salt = cs.new_witness("salt", lambda: s)
        with cs.namespace("opening"):
            cs.enforce(poseidon(cs, [balance, salt]), cs.one(), commitment, "hash_is_commitment")
        with cs.namespace("solvency"):
            range_check(cs, threshold, BITS, "threshold_fits")
            range_check(cs, balance, BITS, "balance_fits")
            range_check(cs, balance - threshold, BITS, "surplus_fits")


m = synthesize(BalanceAtLeast(), Mode.SETUP).to_matrices()
print(f"{m.num_constraints} constraints, {m.num_inputs} public inputs, {m.num_variables} variables in z")
by_part = Counter("/".join(name.split("/")[:2]).split(".")[0] for name in m.names)
for part, n in by_part.most_common():
    print(f"  {n:>4}  {part}")

# %%
fig, ax = plt.subplots(figsize=(6.4, 2.8))
bars = ax.barh(range(len(by_part)), list(by_part.values()), color="C0")
ax.bar_label(bars, [f"{n}" for n in by_part.values()], fontsize=8, padding=2)
ax.set_yticks(range(len(by_part)), list(by_part))
ax.set(xlabel="constraints", title="BalanceAtLeast: where the constraints are")
ax.set_xlim(0, max(by_part.values()) * 1.15)
figs.save(fig, "constraints_by_part")

# %% [markdown]
# ## 2. Setup, prove, verify
# `prover.setup.setup` makes a proving key (with its verifying key) from the matrices. It uses
# a development trapdoor and says so: whoever ran it could forge proofs, so a real deployment
# runs a ceremony (or imports a snarkjs `.zkey`). The prover checks the assignment against
# every constraint before any curve arithmetic.

# %%
pk = setup(m)  # warns (InsecureSetupWarning): a development trapdoor

statement = BalanceAtLeast(threshold=1_000, balance=5_000, salt=0xC0FFEE)
cs = synthesize(statement)
z, public = cs.assignment(), cs.public_inputs()
proof = create_proof(pk, m, z)
print("public inputs (commitment, threshold):", public)
print("the proof verifies:", verify_proof(pk.vk, public, proof))
print("with threshold 6,000 instead:", verify_proof(pk.vk, [public[0], 6_000], proof))

# %% [markdown]
# A witness that breaks the statement (balance below the threshold) cannot be proven: the
# prover names the first constraint it violates.

# %%
broke = synthesize(BalanceAtLeast(threshold=9_000, balance=5_000, salt=0xC0FFEE))
print("first unsatisfied constraint:", m.which_is_unsatisfied(broke.assignment()))
try:
    create_proof(pk, m, broke.assignment())
except UnsatisfiedConstraint as exc:
    print("create_proof refused:", exc)

# %% [markdown]
# ## 3. Export to snarkjs
# The circuit and the witness as iden3 files, the keys and proof as snarkjs JSON. snarkjs
# (pinned in `node_modules`, installed by `make install`) reads the circuit, checks the
# witness against it, and verifies zkdx's proof with zkdx's verifying key.

# %%
write_r1cs(m, files / "balance.r1cs")
write_wtns(z, files / "balance.wtns")
for name, obj in (("vk", vk_to_json(pk.vk)), ("proof", proof_to_json(proof)), ("public", public_to_json(public))):
    (files / f"{name}.json").write_text(json.dumps(obj, indent=1))
SNARKJS = ROOT / "node_modules" / "snarkjs" / "build" / "cli.cjs"


def snarkjs(*args: str) -> str:
    proc = subprocess.run(["node", str(SNARKJS), *args], cwd=files, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"snarkjs {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)  # no terminal colours in the notebook
    return plain.replace("[INFO]  snarkJS: ", "").strip()


if SNARKJS.exists():
    print(snarkjs("r1cs", "info", "balance.r1cs"))
    print(snarkjs("wtns", "check", "balance.r1cs", "balance.wtns"))
    print(snarkjs("groth16", "verify", "vk.json", "public.json", "proof.json"))
else:
    print(f"{SNARKJS} is missing: run `make install` (npm ci) for the snarkjs checks.")

# %% [markdown]
# ## 4. A Solidity verifier
# `zkdx export-verifier` renders `Groth16Verifier.sol` for the verifying key and compiles it
# with the pinned solc (from `npm ci`); `verifier.solidity.render_verifier(vk)` gives the same
# source from Python. Here the compiled contract is deployed on an in-process EVM (py-evm) and
# asked about the proof and about a changed public input.

# %%
verifier_dir = files / "verifier"
verifier_dir.mkdir(exist_ok=True)
zkdx = Path(sys.executable).parent / "zkdx"  # the command installed with the project
cmd = [str(zkdx), "export-verifier", "--vk", str(files / "vk.json"), "--out", str(verifier_dir)]
print(subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600).stdout)
artifact = json.loads((verifier_dir / "Groth16Verifier.json").read_text())
w3 = Web3(EthereumTesterProvider())
tx = (
    w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    .constructor()
    .transact({"from": w3.eth.accounts[0]})
)
contract = w3.eth.contract(address=w3.eth.wait_for_transaction_receipt(tx).contractAddress, abi=artifact["abi"])
w = proof_to_calldata(proof)
args = ([w[0], w[1]], [[w[2], w[3]], [w[4], w[5]]], [w[6], w[7]])
print("contract accepts the proof:", contract.functions.verifyProof(*args, public).call())
print("contract, threshold 6,000:", contract.functions.verifyProof(*args, [public[0], 6_000]).call())

# %% [markdown]
# ## What this showed
# A circuit of a few hundred constraints, written in a dozen lines against `ConstraintSystem`
# and two gadgets, proved and verified in Python; the same circuit and witness accepted by
# snarkjs; and a generated Solidity contract that accepts the proof and rejects a changed
# public input. Next steps: larger gadgets in `circuits/gadgets/` (Merkle paths, EdDSA), the
# ledger's `BatchCircuit` as a full example, and notebook 1 for how proving time scales.

# %%
figs.finish()
