"""``zkdx verify-chain`` and ``zkdx monitor``: watchers that trust nothing but L1.

``verify-chain`` replays every accepted batch from genesis (or a checkpoint it confirms
against L1) and checks roots, public inputs and proofs; it prints a row per batch and exits
0 when everything agrees, 1 at the first disagreement (naming the batch, what differs and
both values), 2 on a typed error (L1 unreachable, bad arguments).  ``monitor`` runs the
same replay continuously with the checks of its configuration and votes the guardian pause
on a critical alert; alerts are JSON lines on stdout.  SIGTERM stops it (exit 0).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rollup.cli.errors import UsageError
from rollup.cli.files import read_json

if TYPE_CHECKING:  # web3 and the replay load in the commands: `zkdx --help` stays quick
    from rollup.monitor.replay import BatchReport
    from rollup.monitor.verify import ChainResult
from verifier.formats import vk_from_json

EXIT_OK, EXIT_DISAGREES = 0, 1
COLUMNS = ("old_root", "decode", "rules", "queue", "new_root", "public_input")


def _short(v: int) -> str:
    text = f"{v:064x}"
    return f"0x{text[:8]}…{text[-6:]}"


def _row(r: BatchReport) -> str:
    failed = {f.check for f in r.findings}
    marks = ["FAIL" if c in failed else "ok" for c in COLUMNS]
    cells = [f"{r.batch:>6}", f"{r.block:>8}", f"{r.txs:>4}", *(f"{m:<8}" for m in marks), f"{r.proof:<10}"]
    return " ".join([*cells, _short(r.new_root)])


def _report_json(r: BatchReport) -> dict:
    return {
        "batch": r.batch,
        "block": r.block,
        "tx": r.tx_hash,
        "txs": r.txs,
        "new_root": hex(r.new_root),
        "public_input": hex(r.contract_input),
        "proof": r.proof,
        "ok": r.ok,
        "findings": [f.__dict__ for f in r.findings],
    }


def _summary(res: ChainResult) -> str:
    bad = res.first_disagreement
    if bad is not None:
        lines = [f"batch {bad.batch} (block {bad.block}, tx {bad.tx_hash}) disagrees with its replay:"]
        lines += [f"  {f.check}: {f.message}; expected {f.expected}, L1 has {f.actual}" for f in bad.findings]
        return "\n".join(lines)
    n, txs = len(res.reports), sum(r.txs for r in res.reports)
    rate = f", {n / res.seconds:.1f} batches/s" if res.seconds and n else ""
    verdict = "agree with their replay" if res.ok else "agree with their replay, but the verifier does not check out"
    return f"{n} batches ({txs} transactions) checked up to block {res.head}: {verdict} ({res.seconds:.1f} s{rate})"


def cmd_verify_chain(args: argparse.Namespace) -> int:
    from rollup.l1.client import connect
    from rollup.monitor.chain import ChainReader
    from rollup.monitor.config import ledger_params, load_json
    from rollup.monitor.verify import verify_chain

    if args.skip_proofs and args.vk:
        raise UsageError("--vk has no use with --skip-proofs")
    vk = read_json(args.vk, vk_from_json) if args.vk else None
    ledger = load_json(args.ledger, "ledger parameters") if args.ledger else None
    reader = ChainReader(connect(args.rpc), args.rollup)
    params = ledger_params(reader.info, ledger)
    checkpoint = Path(args.checkpoint) if args.checkpoint else None
    if not args.json:
        print(f"rollup {reader.address} on chain {reader.chain_id}; ledger {params.key()}", flush=True)
    show = None if args.json else _table()
    res = verify_chain(reader, params, vk, checkpoint, args.from_block, show, proofs=not args.skip_proofs)
    if args.json:
        doc = {"rollup": reader.address, "chain_id": reader.chain_id, "head": res.head, "ok": res.ok}
        doc |= {"verifier": res.verifier, "checkpoint": res.checkpoint, "seconds": round(res.seconds, 3)}
        doc["batches"] = [_report_json(r) for r in res.reports]
        bad = res.first_disagreement
        doc["first_disagreement"] = None if bad is None else _report_json(bad)
        print(json.dumps(doc, indent=1))
    else:
        print(_summary(res))
        if res.verifier.get("demo_key"):
            print("warning: the verifier's key is the committed demo key (public trapdoor): its proofs prove nothing")
    return EXIT_OK if res.ok else EXIT_DISAGREES


def _table() -> Callable[[BatchReport], None]:
    """Print each batch's row as it is checked, after a header line."""
    shown: list[int] = []

    def show(r: BatchReport) -> None:
        if not shown:
            names = " ".join(f"{c:<8}" for c in COLUMNS)
            print(f"{'batch':>6} {'block':>8} {'txs':>4} {names} {'proof':<10} new root")
        shown.append(r.batch)
        print(_row(r), flush=True)

    return show


def cmd_monitor(args: argparse.Namespace) -> int:
    from rollup import keystore
    from rollup.monitor.alerts import AlertSink
    from rollup.monitor.config import load_monitor
    from rollup.monitor.metrics import Metrics
    from rollup.monitor.watch import Monitor

    cfg = load_monitor(args.config)
    key = None
    if cfg.guardian is not None:
        g = cfg.guardian
        passphrase = keystore.passphrase_from(g.passphrase_env, g.passphrase_file)
        key = keystore.load(g.keystore, passphrase, "secp256k1")
    sink, metrics = AlertSink(webhook=cfg.webhook), Metrics()
    if cfg.metrics_port is not None:
        port = metrics.serve(cfg.metrics_port, cfg.metrics_host)
        url = f"http://{cfg.metrics_host}:{port}/"
        print(json.dumps({"alert": "metrics", "severity": "info", "url": url}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        Monitor(cfg, sink, metrics, key).run(stop)
    finally:
        metrics.stop()
        sink.close()
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    help_ = "replay the rollup from L1 alone and check every batch (roots, public inputs, proofs)"
    p = sub.add_parser("verify-chain", help=help_, description=VERIFY_HELP, formatter_class=fmt)
    p.add_argument("--rpc", required=True, help="JSON-RPC URL of an L1 node")
    p.add_argument("--rollup", required=True, help="address of the Rollup contract")
    p.add_argument("--vk", help="batch verifying key (snarkjs JSON); default: read back from the verifier's code")
    p.add_argument("--ledger", help="JSON {oracle_key, markets} when the deployment does not use the defaults")
    p.add_argument("--checkpoint", help="resume from this file if it checks out against L1; written at the end")
    p.add_argument("--from-block", type=int, default=0, help="first block to read events from (the deployment's)")
    p.add_argument("--skip-proofs", action="store_true", help="roots and public inputs only (no proof checks)")
    p.add_argument("--json", action="store_true", help="one JSON document instead of the table")
    p.set_defaults(func=cmd_verify_chain)
    help_ = "watch the rollup, alert (JSON lines) and vote the guardian pause on a critical alert"
    p = sub.add_parser("monitor", help=help_, description=MONITOR_HELP, formatter_class=fmt)
    p.add_argument("--config", required=True, help="monitor configuration (JSON; see rollup/monitor/config.py)")
    p.set_defaults(func=cmd_monitor)


VERIFY_HELP = (
    "Rebuild the ledger from genesis with the native spec, from L1 events and calldata alone, and check "
    "each accepted batch: old and new root, batch data, L1 queue, the public input the contract computed, "
    "and the proof (Python verifier). Exit 0 when all agree, 1 at the first disagreement, 2 on an error."
)
MONITOR_HELP = (
    "Follow new blocks, replay every batch and run the configured checks (root mismatch, batch data, "
    "public input, code hashes and addresses, conservation, forced-exit deadlines, liveness, oracle band "
    "and staleness, withdrawal and liquidation spikes). Alerts are JSON lines on stdout (and a webhook); "
    "a critical alert casts this guardian's pause vote. Runs until SIGTERM or Ctrl-C."
)
