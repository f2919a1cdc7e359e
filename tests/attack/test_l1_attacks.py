"""Attacks 1 and 4 on L1: Rollup.sol on a hardhat node, deployed the way ``L1Client.deploy`` does.

No batch is proven here: every attack works before the operator could act, so the verifier is the
committed demo key's (a dev chain only).  Each test starts from the same deployment (snapshot).

FINDING (deposit spam; fixed): deposits cost no fee and may be 1 unit, every queue item takes a
slot, and a forced exit's deadline ignored the queue ahead of it: an attacker queued more items than
an honest prover can serve within the delay, asked for a forced exit, and froze the rollup.  Now a
forced exit gets ``queueItemDelay`` more seconds for every item ahead of it.
FINDING (test token; fixed): ``L1Client.deploy`` deployed the public-mint, public-fee ``TestToken`` as
the collateral on any chain.  Now it takes the token's address and deploys the test token only on
dev chains.
FINDING (registration, low; fixed): ``deploy`` defaulted to a registration fee of 0 on any chain, so
filling the account tree cost only gas.  Off dev chains the fee must now be positive.
"""

from __future__ import annotations

import pytest

from circuits.ledger.params import LedgerParams
from rollup.l1.client import L1Client, L1Error, advance_time, connect
from rollup.l1.contracts import demo_verifying_key
from rollup.l1.devnode import hardhat_node
from rollup.ledger.demo import World

PARAMS = LedgerParams(depth=2, batch_size=1)
DELAY, MAX_PAUSE, COOLDOWN = 60, 30, 10
SECONDS_PER_SLOT = 15  # docs/decisions.md: "~15 s a slot today" for an honest prover
SPAM = DELAY // SECONDS_PER_SLOT + 1  # more items than the prover can serve within the delay
FEE = 1_000


class Chain:
    def __init__(self, w3):
        self.w3, acc = w3, w3.eth.accounts
        self.operator, self.attacker, self.user, self.stranger = acc[0], acc[1], acc[2], acc[3]
        self.l1 = L1Client(w3)
        timing = (DELAY, MAX_PAUSE, COOLDOWN)
        self.l1.deploy(
            PARAMS, demo_verifying_key(), self.operator, acc[4:7], 2, timing,
            item_delay=SECONDS_PER_SLOT, registration_fee=FEE, allow_demo_key=True,
        )  # fmt: skip
        self.wallets = World(PARAMS).wallets
        for who in (self.attacker, self.user):
            self.l1.fund(who, 10**9)

    def rpc(self, method: str, *params):
        return self.w3.provider.make_request(method, list(params))["result"]


@pytest.fixture(scope="module")
def chain():
    with hardhat_node() as url:
        yield Chain(connect(url))


@pytest.fixture(autouse=True)
def _fresh(chain):
    snap = chain.rpc("evm_snapshot")
    yield
    chain.rpc("evm_revert", snap)


def _spam_then_request(chain: Chain) -> tuple[int, int, list[int]]:
    """The attacker's account, its forced exit's queue index, and the gas of each 1-unit deposit."""
    account = chain.l1.register(chain.attacker, chain.wallets[0].pubkey)
    gas = [chain.l1.deposit(chain.attacker, account, 1)["gasUsed"] for _ in range(SPAM)]
    return account, chain.l1.request_forced_exit(chain.attacker, account), gas


def _now(chain: Chain) -> int:
    return chain.w3.eth.get_block("latest")["timestamp"]


def test_a_forced_exit_deadline_leaves_an_honest_prover_time_for_the_queue_ahead(chain):
    _, index, gas = _spam_then_request(chain)
    deadline, now = chain.l1.rollup.functions.forcedExitDeadline(index).call(), _now(chain)
    needed = index * SECONDS_PER_SLOT // PARAMS.batch_size
    assert deadline - now >= DELAY + needed, (
        f"{index} deposits of 1 unit ({min(gas):,} gas each) ahead of a forced exit due in {deadline - now} s"
    )
    advance_time(chain.w3, DELAY + 1)
    with pytest.raises(L1Error, match="NotOverdue"):  # the spam moved the deadline, not the prover's budget
        chain.l1.freeze(chain.stranger, index)


def test_deploying_off_a_dev_chain_needs_a_real_token_and_a_registration_fee(chain, monkeypatch):
    import rollup.l1.client as client

    monkeypatch.setattr(client, "DEV_CHAINS", ())  # as on a public chain
    vk = demo_verifying_key()
    l1 = L1Client(chain.w3)
    with pytest.raises(L1Error, match="demo verifying key"):
        l1.deploy(PARAMS, vk, chain.operator, chain.w3.eth.accounts[4:7], 2, allow_demo_key=True)
    monkeypatch.setattr(L1Client, "_check_not_demo_key", lambda self, key, allow: None)
    with pytest.raises(L1Error, match="collateral token"):
        l1.deploy(PARAMS, vk, chain.operator, chain.w3.eth.accounts[4:7], 2, registration_fee=FEE)
    with pytest.raises(L1Error, match="registration fee"):
        l1.deploy(PARAMS, vk, chain.operator, chain.w3.eth.accounts[4:7], 2, token=chain.l1.deployment.token)


def test_filling_the_account_tree_costs_a_fee_per_account(chain):
    with pytest.raises(L1Error):  # the stranger holds no collateral: no fee, no account
        chain.l1.send(chain.l1.rollup.functions.register(1, 2), chain.stranger)
    before = chain.l1.claimable(chain.operator)
    chain.l1.register(chain.user, chain.wallets[1].pubkey)
    assert chain.l1.claimable(chain.operator) == before + FEE


def test_queue_and_freeze_edges_are_refused(chain):
    """What the contract refuses outright (beyond tests/test_l1_rollup.py)."""
    account = chain.l1.register(chain.attacker, chain.wallets[0].pubkey)
    for amount in (0, 1 << 63):
        with pytest.raises(L1Error, match="BadAmount"):
            chain.l1.deposit(chain.attacker, account, amount)
    with pytest.raises(L1Error, match="NotOwner"):
        chain.l1.deposit(chain.attacker, account + 1, 1)  # not registered
    chain.l1.deposit(chain.attacker, account, 5)
    with pytest.raises(L1Error, match="NotFrozen"):
        chain.l1.reclaim_deposit(chain.attacker, 0)
    with pytest.raises(L1Error, match="NotOverdue"):
        chain.l1.freeze(chain.attacker, 0)  # a deposit has no deadline
    with pytest.raises(L1Error, match="NotOperator"):
        chain.l1.send(chain.l1.rollup.functions.submitBatch(0, b"", [0] * 8), chain.attacker)
    with pytest.raises(L1Error, match="NotFrozen"):
        chain.l1.send(chain.l1.rollup.functions.escape(account, 5, [0] * 8), chain.attacker)


def test_a_pause_cannot_be_chained_and_its_time_is_credited(chain):
    """Guardians may stop batches for MAX_PAUSE of every MAX_PAUSE + COOLDOWN seconds; forced-exit
    deadlines move by exactly that, so a pause can delay but never cause a freeze."""
    account = chain.l1.register(chain.attacker, chain.wallets[0].pubkey)
    index = chain.l1.request_forced_exit(chain.attacker, account)
    g = chain.w3.eth.accounts[4:7]
    chain.l1.vote_pause(g[0])
    chain.l1.vote_pause(g[1])
    assert chain.l1.paused()
    advance_time(chain.w3, MAX_PAUSE + 1)
    with pytest.raises(L1Error, match="PauseUnavailable"):
        chain.l1.vote_pause(g[2])
    advance_time(chain.w3, DELAY - MAX_PAUSE)
    with pytest.raises(L1Error, match="NotOverdue"):
        chain.l1.freeze(chain.stranger, index)
    advance_time(chain.w3, MAX_PAUSE)
    chain.l1.freeze(chain.stranger, index)
    assert chain.l1.frozen()
