"""RFQ gateway figures on loopback (-> benchmarks/results/rfq.json).

The gateway runs in its own process (its signature pool in further processes), the clients
in this one; the machine has 2 cores for both, shared with other work, so every figure is
a median over alternating runs and the gateway's own CPU time is reported beside it.

  handshakes  full TLS 1.3 handshakes with client-certificate verification (+ one health
              request each, so the server finishes verifying), 50 concurrent connectors;
              Ed25519 vs P-256 keys, asyncio vs uvloop (uvloop: handshakes only, see decisions).
  flows       complete RFQ flows (rfq -> quote signed by the maker -> accept signed by the
              taker -> sequencer -> fill to both), 25 taker/maker pairs = 50 concurrent
              clients, every signature verified by the gateway.  Clients send signatures
              made before the run (the terms and nonces of each pair's k-th flow are known),
              so client-side signing does not compete with the gateway for the 2 cores.
              Sequencers: "recorder" (nonces and receipts only: the gateway's own capacity)
              and "spec" (the real spec in the gateway process: end to end).
  revocation  time from `revoke` to the live WebSocket's close and to the first refused
              handshake.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rfq_harness import PAIRS, PRICE, GatewayProc, presign  # noqa: E402

from rollup.rfq.client import RfqClient  # noqa: E402
from rollup.rfq.errors import GatewayError  # noqa: E402
from rollup.rfq.tls import client_context  # noqa: E402
from tests.rfq_helpers import Pki  # noqa: E402

SECONDS = float(os.environ.get("ZKDX_BENCH_SECONDS", "8"))
REPEATS = int(os.environ.get("ZKDX_BENCH_REPEATS", "3"))
OUT = ROOT / "benchmarks" / "results" / "rfq.json"
try:  # measured for comparison only (not a dependency: docs/decisions.md, "RFQ gateway")
    import uvloop  # noqa: F401

    HAVE_UVLOOP = True
except ImportError:
    HAVE_UVLOOP = False


# ---- handshakes ----------------------------------------------------------------------------
async def _handshakes(port: int, ctx: ssl.SSLContext, seconds: float, concurrency: int = 50) -> tuple[int, int]:
    ok = err = 0
    deadline = time.monotonic() + seconds
    request = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    async def worker() -> None:
        nonlocal ok, err
        while True:
            try:
                r, w = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
                w.write(request)
                answer = await r.read()  # not `ok += await ...`: that reads ok before the await
                ok += answer.startswith(b"HTTP/1.1 200")
                w.close()
            except (OSError, ssl.SSLError):
                err += 1
            if time.monotonic() >= deadline:
                return

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok, err


def bench_handshakes(tmp: Path) -> dict:
    out = {}
    for alg in ("ed25519", "p256"):
        pki = Pki(tmp / f"hs-{alg}", alg)
        cred = pki.issue("alice", "taker", 0)
        ctx = client_context(pki.ca_cert, cred.cert, cred.key)
        runs: dict[str, list] = {"asyncio": [], "uvloop": []} if HAVE_UVLOOP else {"asyncio": []}
        for _ in range(REPEATS):
            for loop_name in runs:  # alternating
                gw = GatewayProc(pki.ca_dir, use_uvloop=loop_name == "uvloop")
                try:
                    cpu0, t0 = gw.cpu(), time.monotonic()
                    ok, err = asyncio.run(_handshakes(gw.port, ctx, SECONDS))
                    wall, cpu = time.monotonic() - t0, gw.cpu() - cpu0
                finally:
                    gw.stop()
                runs[loop_name].append((ok / wall, ok / max(cpu, 1e-9), err))
        for loop_name, rs in runs.items():
            out[f"{alg}/{loop_name}"] = {
                "handshakes_per_s": round(statistics.median(r[0] for r in rs), 1),
                "per_gateway_cpu_s": round(statistics.median(r[1] for r in rs), 1),
                "errors": sum(r[2] for r in rs),
                "runs": [round(r[0], 1) for r in rs],
            }
            print(f"handshakes {alg}/{loop_name}: {out[f'{alg}/{loop_name}']}", flush=True)
    return out


# ---- RFQ flows -----------------------------------------------------------------------------
async def _maker(maker: RfqClient, i: int, pre: dict, flows: int, expiry: int) -> None:
    for k in range(flows):
        rfq = await maker.next_event("rfq", timeout=60, taker_account=i)
        fields = dict(price=PRICE, expiry=expiry, nonce_buyer=k, nonce_seller=k, signature=pre[i, k][2])
        await maker.call("quote", rfq_id=rfq["rfq_id"], **fields)


async def _pair(clients: tuple, i: int, pre: dict, flows: int, expiry: int, deadline: float, out: dict) -> None:
    taker, maker = clients
    mtask = asyncio.create_task(_maker(maker, i, pre, flows, expiry))
    try:
        for k in range(flows):
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            ack = await taker.call("rfq", market=0, side="buy", size=1, expiry=int(time.time()) + 60)
            quote = await taker.next_event("quote", timeout=20, rfq_id=ack["rfq_id"])
            assert quote["quote_id"] == pre[i, k][0], "quote id differs from the pre-computed terms"
            fill = await taker.call("accept", quote_id=quote["quote_id"], signature=pre[i, k][1])
            assert fill["type"] == "fill"
            out["latency"].append(time.perf_counter() - t0)
    except Exception as exc:  # counted, not hidden
        out["errors"].append(f"{type(exc).__name__}: {exc}")
    finally:
        mtask.cancel()


async def _connect(url: str, ctx: ssl.SSLContext) -> RfqClient:
    client = RfqClient(url, ctx, timeout=20)
    for attempt in range(3):  # a loaded machine may time a handshake out; the run measures flows, not this
        try:
            await client.connect()
            return client
        except GatewayError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.5)
    return client


async def _flows(port: int, ctxs: list, pre: dict, flows: int, expiry: int, seconds: float) -> dict:
    """All 50 clients connect first; then the pairs run flows for `seconds`."""
    url = f"wss://127.0.0.1:{port}/v1/ws"
    clients = [await asyncio.gather(_connect(url, t), _connect(url, m)) for t, m in ctxs]
    out: dict = {"latency": [], "errors": []}
    t0 = time.monotonic()
    await asyncio.gather(*(_pair(clients[i], i, pre, flows, expiry, t0 + seconds, out) for i in range(PAIRS)))
    wall, lat = time.monotonic() - t0, out["latency"]
    for pair in clients:
        for client in pair:
            await client.close()
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
    return {
        "flows": len(lat),
        "flows_per_s": len(lat) / wall,
        "p50_ms": q[49] * 1e3,
        "p99_ms": q[98] * 1e3,
        "errors": len(out["errors"]),
        "first_error": out["errors"][0] if out["errors"] else None,
    }


FLOW_CONFIGS = {  # name: (sequencer, uvloop, signature workers); uvloop: see docs/decisions.md
    "recorder/inline": ("recorder", False, 0),
    "recorder/pool2": ("recorder", False, 2),
}


def bench_flows(tmp: Path) -> dict:
    pki = Pki(tmp / "flows", "ed25519")
    creds = [(pki.issue(f"t{i}", "taker", i), pki.issue(f"m{i}", "maker", PAIRS + i)) for i in range(PAIRS)]
    ctxs = [tuple(client_context(pki.ca_cert, c.cert, c.key) for c in pair) for pair in creds]
    expiry, flows = int(time.time()) + 280, 60  # quotes may live 300 s; every run finishes before
    t0 = time.perf_counter()
    pre = presign(flows, expiry)
    print(f"pre-signed {len(pre)} flows in {time.perf_counter() - t0:.1f} s", flush=True)
    runs: dict[str, list] = {name: [] for name in FLOW_CONFIGS}
    for _ in range(REPEATS):
        for name, (seq, uv, workers) in FLOW_CONFIGS.items():
            runs[name].append(_flow_run(pki, ctxs, pre, flows, expiry, seq, uv, workers))
            print(f"flows {name}: {_rounded(runs[name][-1])}", flush=True)
    runs["spec/inline"] = [_flow_run(pki, ctxs, pre, 4, expiry, "spec", False, 0)]
    print(f"flows spec/inline: {_rounded(runs['spec/inline'][0])}", flush=True)
    return {name: _median_run(rs) for name, rs in runs.items()}


def _flow_run(pki, ctxs, pre, flows, expiry, seq, uv, workers) -> dict:
    gw = GatewayProc(pki.ca_dir, seq, uv, workers)
    try:
        cpu0 = gw.cpu()
        r = asyncio.run(_flows(gw.port, ctxs, pre, flows, expiry, SECONDS))
        r["gateway_cpu_per_flow_ms"] = (gw.cpu() - cpu0) / max(r["flows"], 1) * 1e3
    finally:
        gw.stop()
    return r


def _rounded(r: dict) -> dict:
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in r.items()}


def _median_run(rs: list[dict]) -> dict:
    out = {}
    for key in ("flows_per_s", "p50_ms", "p99_ms", "gateway_cpu_per_flow_ms"):
        out[key] = round(statistics.median(r[key] for r in rs), 1)
    out["errors"] = sum(r["errors"] for r in rs)
    out["first_error"] = next((r["first_error"] for r in rs if r["first_error"]), None)
    out["runs_flows_per_s"] = [round(r["flows_per_s"], 1) for r in rs]
    return out


# ---- revocation ----------------------------------------------------------------------------
async def _revocation(pki: Pki, port: int, n: int) -> dict:
    url = f"wss://127.0.0.1:{port}/v1/ws"
    closes, refusals = [], []
    for j in range(n):
        cred = pki.issue(f"r{j}", "taker", 0)
        client = RfqClient.from_files(url, pki.ca_cert, cred.cert, cred.key)
        await client.connect()
        t0 = time.perf_counter()
        await asyncio.to_thread(pki.ca.revoke, cred.serial, "key_compromise")
        await client.next_event("closed", timeout=5)
        closes.append(time.perf_counter() - t0)
        ctx = client_context(pki.ca_cert, cred.cert, cred.key)
        while time.perf_counter() - t0 < 5 and (await _handshakes(port, ctx, 0, concurrency=1))[0]:
            await asyncio.sleep(0.002)  # still accepted: the new CRL is not in force yet
        refusals.append(time.perf_counter() - t0)
        await client.close()
    return {
        "live_session_closed_s": {"median": round(statistics.median(closes), 3), "max": round(max(closes), 3)},
        "new_handshake_refused_s": {"median": round(statistics.median(refusals), 3), "max": round(max(refusals), 3)},
        "samples": n,
    }


def bench_revocation(tmp: Path) -> dict:
    pki = Pki(tmp / "revocation")
    gw = GatewayProc(pki.ca_dir)
    try:
        out = asyncio.run(_revocation(pki, gw.port, 5))
    finally:
        gw.stop()
    print(f"revocation: {out}", flush=True)
    return out


def main(parts: list[str]) -> None:
    """Run the named parts (all by default) and merge them into rfq.json."""
    benches = {"handshakes": bench_handshakes, "flows": bench_flows, "revocation": bench_revocation}
    result = json.loads(OUT.read_text()) if OUT.exists() else {}
    result["machine"] = f"{os.cpu_count()} cores, shared with other work while measured; loopback"
    result["seconds_per_run"], result["repeats"] = SECONDS, REPEATS
    with tempfile.TemporaryDirectory() as d:
        for part in parts or list(benches):
            result[part] = benches[part](Path(d))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
