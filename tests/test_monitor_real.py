"""verify-chain over a rollup deployed the production way (``L1Client.deploy``) with the real batch
circuit: the verifying key is read back from the deployed verifier and each proof checks out; the
same with the key given.  Slow: a dev setup of the batch circuit and two proofs."""

from __future__ import annotations

import contextlib
import io
import json
import warnings

import pytest

from circuits.ledger.params import LedgerParams
from prover.setup import InsecureSetupWarning
from rollup.cli.main import main
from rollup.l1.client import L1Client, connect
from rollup.l1.devnode import hardhat_node
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World
from rollup.ledger.types import Deposit
from rollup.pipeline import prove_batch, setup_batch
from verifier.formats import vk_to_json

pytestmark = pytest.mark.slow
PARAMS = LedgerParams(depth=2, batch_size=1)


def test_verify_chain_checks_real_proofs(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup_batch(PARAMS, quiet=True)
    with hardhat_node() as url:
        w3 = connect(url)
        op, user, *guardians = w3.eth.accounts[:5]
        l1 = L1Client(w3)
        l1.deploy(PARAMS, pk.vk, op, guardians, 2)
        world = World(PARAMS, domain=l1.domain())
        l1.fund(user, 10_000)
        for wallet in world.wallets[:2]:
            l1.deposit(user, l1.register(user, wallet.pubkey), 1_000)
        state = world.state
        for item in l1.new_queue_items(0):
            state.enqueue(item)
        for _ in range(2):
            res = process_batch(state, [Deposit(state.pending[0].account, 1_000, state.pending[0].pubkey)])
            l1.submit_batch(op, res.new_root, res.data, prove_batch(pk, PARAMS, res))
            state = res.state
        (tmp_path / "vk.json").write_text(json.dumps(vk_to_json(pk.vk)))
        for extra, status in (([], "read back"), (["--vk", str(tmp_path / "vk.json")], "given")):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = main(["verify-chain", "--rpc", url, "--rollup", l1.deployment.rollup, "--json", *extra])
            doc = json.loads(out.getvalue())
            assert code == 0 and doc["verifier"]["status"] == status
            assert [b["proof"] for b in doc["batches"]] == ["ok", "ok"]
