"""``zkdx init / node / status / submit / demo``: the operator node from the command line.

export ZKDX_PASSPHRASE=...              # or --passphrase-file FILE (first line)
zkdx init --dir node --l1-url http://127.0.0.1:8545
zkdx node --dir node
zkdx submit --dir node tx.json          # prints the receipt (checked against the operator's key)
zkdx status --dir node [--json]
zkdx demo                               # the whole rollup running, on a fresh hardhat node
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from circuits.ledger.params import LedgerParams
from rollup.cli.errors import UsageError
from rollup.errors import NodeUnavailable
from verifier import jsonsafe

if TYPE_CHECKING:  # the node's modules (asyncio, cryptography, ...) load in the commands
    from rollup.node.config import NodeConfig

PASSPHRASE_HELP = "file whose first line is the keystores' passphrase; without it: $ZKDX_PASSPHRASE"


def passphrase(cfg_or_env: NodeConfig | str, file: str | None) -> bytes:
    from rollup import keystore

    if isinstance(cfg_or_env, str):
        return keystore.passphrase_from(cfg_or_env, file)
    keys = cfg_or_env.keys
    path = file or (str(cfg_or_env.path(keys.passphrase_file)) if keys.passphrase_file else None)
    return keystore.passphrase_from(keys.passphrase_env, path)


def cmd_init(args: argparse.Namespace) -> int:
    from rollup.node import bootstrap  # web3 and the prover load here, not for every command
    from rollup.node.config import ApiConfig, L1Config, SequencerConfig

    directory = Path(args.dir)
    pw = passphrase("ZKDX_PASSPHRASE", args.passphrase_file)
    if not args.no_deploy:
        bootstrap.check_l1(args.l1_url)  # before the slow setup
    params = LedgerParams(depth=args.depth, batch_size=args.batch_size)
    sections = {
        "l1": L1Config(url=args.l1_url),
        "api": ApiConfig(port=args.port),
        "sequencer": SequencerConfig(seal_seconds=args.seal_seconds),
    }
    cfg = bootstrap.write_directory(directory, params, pw, sections)
    print(f"wrote {cfg.path('zkdx.toml')} and encrypted keystores for the operator and the oracle")
    print("dev setup of the batch circuit (INSECURE: whoever ran it can forge proofs) ...", flush=True)
    bootstrap.dev_setup(cfg, quiet=not sys.stderr.isatty())
    print(f"proving key {cfg.path(cfg.prover.proving_key)}")
    if args.no_deploy:
        print("not deployed (--no-deploy): the store's genesis needs the deployment's signature domain;")
        print("run `zkdx init` again in a new directory to deploy")
        return 0
    operator = bootstrap.operator_account(cfg, pw)
    info = bootstrap.deploy(cfg, operator, args.guardian, args.guardian_threshold, bootstrap.DEFAULT_TIMING)
    print(f"deployed on chain {info['chain_id']}: rollup {info['rollup']}, token {info['token']}")
    print(f"signature domain {bootstrap.domain_of(cfg):#x}; genesis root {bootstrap.genesis_root(cfg):#x}")
    print(f"operator {operator.address}; guardians {', '.join(info['guardians'])}")
    print(f"the operator's backstop account is {info['backstop']}: deposit to it to let forced exits close into it")
    print(f"start it with: zkdx node --dir {directory}")
    return 0


def cmd_node(args: argparse.Namespace) -> int:
    import asyncio

    from rollup.node.config import load
    from rollup.node.service import Node

    cfg = load(args.dir)
    pw = passphrase(cfg, args.passphrase_file)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)

    async def run() -> int:
        return await Node(cfg, pw).run()

    return asyncio.run(run())


def cmd_submit(args: argparse.Namespace) -> int:
    from rollup.ledger import codec
    from rollup.node.client import NodeClient
    from rollup.node.config import load, load_deployment
    from rollup.node.receipt import verify_receipt

    cfg = load(args.dir)
    if args.tx == "-":
        text = sys.stdin.buffer.read(codec.MAX_BYTES + 1)  # codec.loads refuses more than MAX_BYTES
    else:
        text = jsonsafe.read_file(args.tx, UsageError, max_bytes=codec.MAX_BYTES)  # no /dev/zero, no endless pipe
    tx = codec.loads(text)  # malformed input fails here, before the network
    receipt = NodeClient(args.url or cfg.api_url).submit(tx)
    info = load_deployment(cfg)
    if not verify_receipt(receipt, info["operator"], info["rollup"]):
        raise NodeUnavailable("the node's receipt is not signed by this deployment's operator")
    if args.json:
        print(json.dumps(receipt, indent=1))
    else:
        print(f"acknowledged: seq {receipt['seq']}, batch {receipt['batch']}, tx {receipt['tx_hash']}")
        print(f"receipt signed by the operator {receipt['operator']} (checked)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from rollup.node.config import load
    from rollup.node.status import render, status

    out = status(load(args.dir))
    print(json.dumps(out, indent=1) if args.json else render(out))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rollup.node.demo import run_demo

    return run_demo(Path(args.dir), depth=args.depth, batch_size=args.batch_size, json_out=args.json)


def _dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", required=True, help="node directory")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    defaults = LedgerParams()
    p = sub.add_parser("init", help="create a node directory: config, keys, dev setup, deployment", formatter_class=fmt)
    _dir(p)
    p.add_argument("--l1-url", default="http://127.0.0.1:8545", help="JSON-RPC node to deploy to and follow")
    p.add_argument("--depth", type=int, default=defaults.depth, help="account tree levels (arity 4)")
    p.add_argument("--batch-size", type=int, default=defaults.batch_size, help="transaction slots per batch")
    p.add_argument("--seal-seconds", type=float, default=10.0, help="seal a batch this long after its first tx")
    p.add_argument("--port", type=int, default=8650, help="API port (loopback)")
    p.add_argument("--guardian", action="append", help="guardian address (repeat); default: dev accounts 1-3")
    p.add_argument("--guardian-threshold", type=int, default=2, help="guardian votes that pause the rollup")
    p.add_argument("--no-deploy", action="store_true", help="write config, keys, proving key and store; do not deploy")
    p.add_argument("--passphrase-file", help=PASSPHRASE_HELP)
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("node", help="run the operator node (API, sequencer, provers, L1)", formatter_class=fmt)
    _dir(p)
    p.add_argument("--passphrase-file", help=PASSPHRASE_HELP)
    p.set_defaults(func=cmd_node)
    p = sub.add_parser("status", help="batches, transactions and problems, from the store", formatter_class=fmt)
    _dir(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("submit", help="send a transaction (codec JSON file, - for stdin)", formatter_class=fmt)
    _dir(p)
    p.add_argument("tx", metavar="TX.json", help="the transaction")
    p.add_argument("--url", help="node API (default: from the config)")
    p.add_argument("--json", action="store_true", help="print the receipt as JSON")
    p.set_defaults(func=cmd_submit)
    p = sub.add_parser("demo", help="the rollup running: hardhat, init, node, trades, crash", formatter_class=fmt)
    p.add_argument("--dir", default="build/demo/node", help="work directory (replaced)")
    p.add_argument("--depth", type=int, default=defaults.depth, help="account tree levels")
    p.add_argument("--batch-size", type=int, default=defaults.batch_size, help="slots per batch")
    p.add_argument("--json", help="also write the timeline and summary to this JSON file")
    p.set_defaults(func=cmd_demo)
