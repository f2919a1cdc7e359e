"""Contract sources and their committed build artifacts.

    python -m rollup.l1.contracts              # regenerate the generated sources, rebuild contracts/artifacts/
    python -m rollup.l1.contracts --demo-key   # also redo the demo key's setup (~90 s)

Hand-written sources live in ``contracts/``; ``PoseidonT5.sol`` is generated from
the circuit's Poseidon constants and ``Groth16Verifier.sol`` from the demo verifying key
``contracts/keys/demo-batch.vk.json`` (a setup of the default batch circuit with a public,
seeded trapdoor: for demos only, INSECURE).  Artifacts (ABI, creation and runtime bytecode)
are committed; ``tests/test_contracts.py`` checks that the sources still compile
to exactly them with the pinned solc.  A verifier for a new verifying key is
rendered and compiled on demand (``verifier_artifact``), since it embeds the key.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rollup.l1.poseidon_sol import deploy_bytecode, render_poseidon
from rollup.l1.solc import CompileError, compile_sources
from verifier import jsonsafe
from verifier.formats import vk_from_json
from verifier.solidity import render_verifier
from verifier.types import VerifyingKey

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
ARTIFACTS = CONTRACTS / "artifacts"
SOURCES = ("Rollup.sol", "TestToken.sol", "PoseidonT5.sol", "Groth16Verifier.sol")
BUILT = ("Rollup", "TestToken", "PoseidonT5", "Groth16Verifier")
DEMO_VK = CONTRACTS / "keys" / "demo-batch.vk.json"  # INSECURE seeded dev key for the default LedgerParams
DEMO_SEED = b"zkdx public demo trapdoor: INSECURE"


def generated_sources() -> dict[str, str]:
    """Generated sources: Poseidon from the circuit's constants, the verifier from the demo key."""
    return {
        "PoseidonT5.sol": render_poseidon(4),
        "Groth16Verifier.sol": render_verifier(vk_from_json(DEMO_VK.read_text())),
    }


def make_demo_key() -> None:
    """The demo verifying key: a setup of the default batch circuit with a public, seeded trapdoor."""
    from circuits.ledger.params import LedgerParams
    from prover.setup import Trapdoor
    from rollup.pipeline import setup_batch
    from verifier.formats import vk_to_json

    pk = setup_batch(LedgerParams(), Trapdoor.from_seed(DEMO_SEED))
    DEMO_VK.parent.mkdir(exist_ok=True)
    DEMO_VK.write_text(json.dumps(vk_to_json(pk.vk), indent=1) + "\n")


def demo_verifying_key() -> VerifyingKey:
    """The committed demo key (public seed: INSECURE); deployment refuses it unless asked on a dev chain."""
    return vk_from_json(DEMO_VK.read_text())


def sources() -> dict[str, str]:
    """The sources as compiled: hand-written files plus the generated ones, as on disk."""
    return {name: (CONTRACTS / name).read_text() for name in SOURCES}


def build() -> dict[str, dict]:
    out = compile_sources(sources())
    built = {name: out[name] for name in BUILT}
    # PoseidonT5 reads its constants from the end of its own code (rollup/poseidon_sol.py)
    built["PoseidonT5"]["bytecode"] = deploy_bytecode(built["PoseidonT5"]["deployed"], 4)
    return built


def load_artifact(name: str) -> dict:
    """A committed artifact (read through the same bounded JSON reader as outside input)."""
    return jsonsafe.loads((ARTIFACTS / f"{name}.json").read_bytes(), CompileError)


def verifier_artifact(vk: VerifyingKey) -> dict:
    """Render and compile a Groth16Verifier for vk (ABI and bytecode)."""
    return compile_sources({"Groth16Verifier.sol": render_verifier(vk)})["Groth16Verifier"]


def main() -> None:
    if "--demo-key" in sys.argv or not DEMO_VK.exists():
        make_demo_key()
    for name, text in generated_sources().items():
        (CONTRACTS / name).write_text(text)
    ARTIFACTS.mkdir(exist_ok=True)
    for name, art in build().items():
        (ARTIFACTS / f"{name}.json").write_text(json.dumps(art, indent=1, sort_keys=True) + "\n")
        print(f"{name}: {len(art['deployed']) // 2} bytes runtime")


if __name__ == "__main__":
    main()
