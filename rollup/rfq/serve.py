"""``zkdx gateway``: run the RFQ gateway until interrupted.

The sequencer is the operator node's HTTP API (``--node URL``) or, for demonstrations and
tests, the spec in this process on a demo ledger (``--demo-ledger N``: accounts 0..N-1 with
wallets ``trader i``, funded, both markets priced).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from rollup.cli.errors import UsageError
from rollup.rfq.gateway import Gateway


def demo_sequencer(n: int) -> object:
    from circuits.ledger.params import LedgerParams
    from rollup.ledger.demo import World
    from rollup.rfq.sequencer import LocalSequencer

    world = World(LedgerParams(depth=4, batch_size=4), n_wallets=n)
    for i in range(n):
        world.apply(world.enqueue_deposit(i, 1_000_000))
    world.apply(world.tick(0, 3_000_000))
    world.apply(world.tick(1, 2_000_000))
    return LocalSequencer(world.state)


def _sequencer(args: argparse.Namespace) -> object:
    from rollup.rfq.sequencer import HttpSequencer

    if args.node:
        return HttpSequencer(args.node)
    if args.demo_ledger:
        if not 2 <= args.demo_ledger <= 256:
            raise UsageError("--demo-ledger takes 2..256 accounts")
        return demo_sequencer(args.demo_ledger)
    raise UsageError("say where trades go: --node URL (the operator node) or --demo-ledger N (in-process spec)")


async def _main(gateway: Gateway) -> None:
    """Serve until SIGTERM or SIGINT; then close sessions, the listener and the signature pool."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await gateway.start()
    print(
        f"gateway listening on wss://{gateway.host}:{gateway.port}/v1/ws (CRL {gateway.watcher.crl_number})", flush=True
    )
    try:
        await stop.wait()
    finally:
        await gateway.stop()


def run_gateway(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    gateway = Gateway(
        args.dir,
        _sequencer(args),
        host=args.host,
        port=args.port,
        markets=args.markets,
        rate=args.rate,
        burst=args.burst,
        verify_workers=args.verify_workers,
        audit=args.audit,
    )
    asyncio.run(_main(gateway))
    return 0
