// circomlibjs timings for benchmarks/native.py, which starts this script and talks to it.
// One JSON request per stdin line, one JSON reply per stdout line:
//   {"op": "poseidon", "inputs": ["1", "2"], "iters": 200}         -> {"us": per call, "out": "..."}
//   {"op": "sign", "key": "<hex>", "msg": "5", "iters": 20}         -> {"us": ..., "R8": [..], "S": ".."}
//   {"op": "verify", "msg": "5", "R8": [..], "S": "..", "A": [..], "iters": 20} -> {"us": ..., "ok": true}
//   {"op": "versions"}                                               -> {"node": "v20..."}
// Every timed loop runs `iters` warm-up calls first (the JIT), then `iters` timed calls, measured in
// CPU time of this process (argument "wall": wall-clock time).
import readline from "readline";
import { buildEddsa, buildPoseidon } from "circomlibjs";

const poseidon = await buildPoseidon();
const eddsa = await buildEddsa();
const F = eddsa.babyJub.F;
const str = (v) => F.toObject(v).toString();

const CLOCK = process.argv[2] === "wall" ? "wall" : "cpu";
const now = () => {
  if (CLOCK === "wall") return Number(process.hrtime.bigint()) / 1000;
  const u = process.cpuUsage();
  return u.user + u.system; // µs of CPU time of this process
};

function timed(iters, fn) {
  let out;
  for (let i = 0; i < iters; i++) out = fn();
  const t0 = now();
  for (let i = 0; i < iters; i++) out = fn();
  return { us: (now() - t0) / iters, out };
}

const OPS = {
  poseidon: (q) => {
    const inputs = q.inputs.map((v) => BigInt(v));
    const { us, out } = timed(q.iters, () => poseidon(inputs));
    return { us, out: str(out) };
  },
  sign: (q) => {
    const key = Buffer.from(q.key, "hex");
    const msg = F.e(q.msg);
    const { us, out } = timed(q.iters, () => eddsa.signPoseidon(key, msg));
    return { us, R8: out.R8.map(str), S: out.S.toString() };
  },
  verify: (q) => {
    const msg = F.e(q.msg);
    const sig = { R8: q.R8.map((v) => F.e(v)), S: BigInt(q.S) };
    const A = q.A.map((v) => F.e(v));
    const { us, out } = timed(q.iters, () => eddsa.verifyPoseidon(msg, sig, A));
    return { us, ok: out };
  },
  versions: () => ({ node: process.version }),
};

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const q = JSON.parse(line);
  console.log(JSON.stringify(OPS[q.op](q)));
}
