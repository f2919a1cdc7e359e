"""Run the pinned npm tools (snarkjs, circom2) from node_modules, as the tests need them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "node_modules" / ".bin"
CIRCOMLIB = ROOT / "node_modules" / "circomlib" / "circuits"


class ToolFailed(RuntimeError):
    pass


def run(tool: str, *args: object, cwd: Path, timeout: int = 600) -> str:
    exe = BIN / tool
    if not exe.exists():
        raise ToolFailed(f"{exe} is missing: run `make install` (npm ci) first")
    proc = subprocess.run([str(exe), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise ToolFailed(f"{tool} {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def compile_merkle_path(workdir: Path, depth: int, opt: str = "--O2") -> Path:
    """Compile a depth-`depth` circomlib Poseidon Merkle path circuit in workdir.

    ``opt`` is circom's simplification level: ``--O2`` (default) removes the linear
    constraints (240 per Poseidon(2) level); ``--O1`` keeps them (521 per level) and
    compiles much faster at large depths (2^18 in 11 s; --O2 did not finish in time there).

    circom2 runs under WASI and sees only its working directory, so the sources
    are copied in first.  Returns the directory holding main.r1cs and main_js/.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "tests" / "circom" / "merkle_path.circom", workdir / "merkle_path.circom")
    if not (workdir / "circomlib").exists():
        shutil.copytree(CIRCOMLIB, workdir / "circomlib" / "circuits")
    (workdir / "main.circom").write_text(
        'pragma circom 2.0.0;\ninclude "merkle_path.circom";\n'
        f"component main {{public [leaf]}} = MerklePath({depth});\n"
    )
    run("circom2", "main.circom", "--r1cs", "--wasm", opt, "-o", ".", cwd=workdir)
    return workdir


def witness(workdir: Path, inputs: str, out: str = "main.wtns") -> Path:
    (workdir / "input.json").write_text(inputs)
    run("snarkjs", "wtns", "calculate", "main_js/main.wasm", "input.json", out, cwd=workdir)
    return workdir / out


def ptau(workdir: Path, power: int) -> Path:
    """A small powers-of-tau file (one deterministic contribution) prepared for phase 2."""
    workdir.mkdir(parents=True, exist_ok=True)
    run("snarkjs", "powersoftau", "new", "bn128", power, "p0.ptau", cwd=workdir)
    run("snarkjs", "powersoftau", "contribute", "p0.ptau", "p1.ptau", "--name=zkdx", "-e=zkdx tests", cwd=workdir)
    run("snarkjs", "powersoftau", "prepare", "phase2", "p1.ptau", "final.ptau", cwd=workdir)
    return workdir / "final.ptau"


CIRCOMLIBJS_EDDSA = """
import { buildEddsa } from "circomlibjs";
import createBlakeHash from "blake-hash";
const eddsa = await buildEddsa();
const F = eddsa.babyJub.F;
const req = JSON.parse(process.argv[1]);
const out = { blake: req.blake.map(h => createBlakeHash("blake512").update(Buffer.from(h, "hex")).digest("hex")) };
out.keys = req.sign.map(([prv, msg]) => {
  const key = Buffer.from(prv, "hex");
  const A = eddsa.prv2pub(key);
  const sig = eddsa.signPoseidon(key, F.e(msg));
  const str = (pt) => pt.map(v => F.toObject(v).toString());
  return { A: str(A), R8: str(sig.R8), S: sig.S.toString() };
});
out.verify = req.verify.map(([msg, r8, s, a]) => eddsa.verifyPoseidon(F.e(msg),
  { R8: r8.map(v => F.e(v)), S: BigInt(s) }, a.map(v => F.e(v))));
console.log(JSON.stringify(out));
"""


def circomlibjs(request: dict) -> dict:
    """BLAKE-512 digests, EdDSA keys and signatures and verifications computed by circomlibjs."""
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", CIRCOMLIBJS_EDDSA, json.dumps(request)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return json.loads(proc.stdout)
