"""``zkdx status``: what the store says (works with the node stopped), plus the node's health if it answers."""

from __future__ import annotations

from rollup.errors import NodeRefused, NodeUnavailable
from rollup.node.client import NodeClient
from rollup.node.config import NodeConfig, load_deployment
from rollup.node.store import Store

RECENT = 10


def status(cfg: NodeConfig) -> dict:
    info = load_deployment(cfg)
    store = Store(cfg.store_path)
    try:
        accepted, last = store.last_batch("accepted"), store.last_batch()
        recent = store.batches(max(0, (last["number"] if last else 0) - RECENT + 1), RECENT)
        out = {
            "rollup": info["rollup"],
            "chain_id": info["chain_id"],
            "accepted_batch": accepted["number"] if accepted else -1,
            "accepted_root": str(accepted["new_root"] if accepted else store.meta("genesis_root")),
            "last_sealed_batch": last["number"] if last else -1,
            "counts": store.counts(),
            "batches": [_batch(b, store) for b in recent],
        }
    finally:
        store.close()
    try:
        out["node"] = NodeClient(cfg.api_url, timeout=2).health()
    except (NodeUnavailable, NodeRefused) as exc:
        out["node"] = {"status": "not answering", "problems": [str(exc)]}
    return out


def _batch(b: dict, store: Store) -> dict:
    reverts = [t["reason"] for t in store.l1_txs(b["number"]) if t["status"] == "reverted"]
    keys = ("number", "status", "tx_count", "l1_tx", "gas_used", "prove_seconds", "error")
    return {**{k: b[k] for k in keys}, "new_root": str(b["new_root"]), "reverts": reverts}


def render(out: dict) -> str:
    lines = [
        f"rollup {out['rollup']} on chain {out['chain_id']}",
        f"accepted batch {out['accepted_batch']}, root {int(out['accepted_root']):#x}",
        f"last sealed batch {out['last_sealed_batch']}; transactions {out['counts']['txs']}",
        f"node: {out['node'].get('status')}",
    ]
    lines += [f"  problem: {p}" for p in out["node"].get("problems", [])]
    for b in out["batches"]:
        prove = f"{b['prove_seconds']:.1f} s" if b["prove_seconds"] is not None else "-"
        gas = b["gas_used"] or "-"
        line = f"  batch {b['number']:>4} {b['status']:<9} {b['tx_count']} txs  prove {prove}  gas {gas}"
        lines.append(line + (f"  error: {b['error']}" if b["error"] else ""))
        lines += [f"       reverted on L1: {r}" for r in b["reverts"]]
    return "\n".join(lines)
