"""What the hardened readers cost, written to benchmarks/results/parsers.json.

    python benchmarks/parsers.py

Medians of several runs: parsing a real circuit's .r1cs (the batch circuit at depth 2,
one slot) and a 2^16-value .wtns, decoding a proving key, the bounded JSON reader against
plain json.loads, and refusing hostile files (time and peak Python allocation).
"""

from __future__ import annotations

import json
import statistics
import struct
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from circuits.errors import FileFormatError  # noqa: E402
from circuits.examples import SquareChainCircuit, synthesize  # noqa: E402
from circuits.field import R  # noqa: E402
from circuits.iden3 import encode_r1cs, encode_wtns, parse_r1cs, parse_wtns  # noqa: E402
from circuits.ledger.params import LedgerParams  # noqa: E402
from circuits.r1cs import Mode  # noqa: E402
from prover.keys import decode_proving_key, encode_proving_key  # noqa: E402
from prover.setup import InsecureSetupWarning, setup  # noqa: E402
from rollup.pipeline import batch_matrices  # noqa: E402
from verifier import jsonsafe  # noqa: E402
from verifier.formats import vk_to_json  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "parsers.json"
RUNS = 5


def median_s(fn, *args, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def refusal(fn, data: bytes | str) -> dict:
    """Time and peak allocation of a reader refusing hostile input (it must raise)."""

    def refuse() -> None:
        try:
            fn(data)
        except (FileFormatError, ValueError):  # the readers' typed errors (jsonsafe raises ValueError here)
            return
        raise AssertionError("hostile input was accepted")

    tracemalloc.start()
    refuse()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"input_bytes": len(data), "refuse_ms": round(1000 * median_s(refuse, runs=20), 3), "peak_kib": peak >> 10}


def readers() -> dict:
    m = batch_matrices(LedgerParams(depth=2, batch_size=1))
    r1cs = encode_r1cs(m)
    z = synthesize(SquareChainCircuit(1 << 16, 7)).assignment()
    wtns = encode_wtns(z)
    s_r1cs, s_wtns = median_s(parse_r1cs, r1cs), median_s(parse_wtns, wtns)
    return {
        "r1cs": {
            "constraints": m.num_constraints,
            "mib": round(len(r1cs) / 2**20, 1),
            "parse_s": round(s_r1cs, 3),
            "mib_per_s": round(len(r1cs) / 2**20 / s_r1cs, 1),
        },  # fmt: skip
        "wtns": {"values": len(z), "mib": round(len(wtns) / 2**20, 1), "parse_s": round(s_wtns, 3)},
    }


def proving_key() -> dict:
    m = synthesize(SquareChainCircuit(4096), Mode.SETUP).to_matrices()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup(m, quiet=True)
    data = encode_proving_key(pk)
    return {"variables": m.num_variables, "mib": round(len(data) / 2**20, 1),
            "decode_s": round(median_s(decode_proving_key, data), 3)}  # fmt: skip


def json_reader(vk_json: str) -> dict:
    plain, bounded = median_s(json.loads, vk_json, runs=20), median_s(jsonsafe.loads, vk_json, ValueError, runs=20)
    return {"vk_kib": len(vk_json) >> 10, "json_loads_ms": round(1000 * plain, 2),
            "jsonsafe_loads_ms": round(1000 * bounded, 2)}  # fmt: skip


def hostile() -> dict:
    prime = R.to_bytes(32, "little")
    header = struct.pack("<I", 32) + prime + struct.pack("<IIIIQI", 2**32 - 1, 0, 1, 0, 2**32 - 1, 0)
    sections = struct.pack("<IQ", 1, len(header)) + header + struct.pack("<IQ", 2, 0) + struct.pack("<IQ", 3, 0)
    r1cs = b"r1cs" + struct.pack("<II", 1, 3) + sections
    wtns = b"wtns" + struct.pack("<II", 2, 2) + struct.pack("<IQI", 1, 40, 32) + prime + struct.pack("<I", 2**32 - 1)
    wtns += struct.pack("<IQ", 2, 32) + (1).to_bytes(32, "little")
    return {
        "r1cs_claiming_2^32-1_wires": refusal(parse_r1cs, r1cs),
        "wtns_claiming_2^32-1_values": refusal(parse_wtns, wtns),
        "json_100kB_of_[": refusal(lambda t: jsonsafe.loads(t, ValueError), "[" * 100_000),
    }


def big_vk_json(n_public: int = 2000) -> str:
    """A verifying key's JSON with n_public inputs (its IC points repeated: only the text matters)."""
    m = synthesize(SquareChainCircuit(8), Mode.SETUP).to_matrices()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        obj = vk_to_json(setup(m, quiet=True, workers=1).vk)
    obj["IC"], obj["nPublic"] = obj["IC"][:1] * (n_public + 1), n_public
    return json.dumps(obj)


def main() -> None:
    out = {
        "note": "medians; 2-core machine shared with other jobs while measured",
        "readers": readers(),
        "proving_key": proving_key(),
        "json": json_reader(big_vk_json()),
        "hostile": hostile(),
    }
    RESULTS.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
