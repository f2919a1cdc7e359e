"""Rollup.sol on the in-process EVM with proofs from our prover.

Keys once per module (a 1-slot batch circuit over 16 accounts and its exit circuit),
then the same scenario on two backends, the in-process EVM and a hardhat node this
module starts on loopback: two registered traders with deposits, batches, bad
submissions, withdrawals, guardian pause, forced exit -> freeze -> escape.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest

from circuits.ledger.params import LedgerParams
from prover.setup import InsecureSetupWarning
from rollup.l1.client import L1Client, L1Error, advance_time, connect
from rollup.l1.devnode import hardhat_node
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, World
from rollup.ledger.escape import exit_for
from rollup.ledger.state import LedgerState
from rollup.ledger.types import Deposit, ForcedExit
from rollup.pipeline import prove_batch, prove_exit, setup_batch, setup_exit

PARAMS = LedgerParams(depth=2, batch_size=1)
DELAY, MAX_PAUSE, COOLDOWN = 1000, 500, 100


class Keys:
    def __init__(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureSetupWarning)
            self.pk = setup_batch(PARAMS, quiet=True)
            self.exit_pk = setup_exit(PARAMS, quiet=True)
        self.proofs: dict[int, object] = {}  # public input -> proof: both backends see the same batches


class Chain:
    def __init__(self, keys, w3):
        self.keys, self.pk, self.exit_pk, self.w3 = keys, keys.pk, keys.exit_pk, w3
        acc = self.w3.eth.accounts
        self.operator, self.users, self.guardians = acc[0], acc[1:3], acc[3:6]
        self.world = World(PARAMS)
        self.state = LedgerState.genesis(PARAMS)
        self.l1 = L1Client(self.w3)
        timing = (DELAY, MAX_PAUSE, COOLDOWN)
        self.l1.deploy(PARAMS, self.pk.vk, self.state.root, self.operator, self.guardians, 2, timing, self.exit_pk.vk)
        for user, wallet in zip(self.users, self.world.wallets):
            self.l1.fund(user, 10_000)
            account = self.l1.register(user, wallet.pubkey)
            self.l1.deposit(user, account, 1_000)
        self.sync()

    def sync(self):
        known = self.state.queue_consumed + len(self.state.pending)
        for item in self.l1.new_queue_items(known):
            self.state.enqueue(item)

    def prove(self, txs, state=None):
        res = process_batch(state or self.state, txs)
        if res.public_input not in self.keys.proofs:
            self.keys.proofs[res.public_input] = prove_batch(self.pk, PARAMS, res)
        return res, self.keys.proofs[res.public_input]

    def submit(self, res, proof):
        receipt = self.l1.submit_batch(self.operator, res.new_root, res.data, proof)
        self.previous, self.state = self.state, res.state
        return receipt


@pytest.fixture(scope="module")
def keys():
    return Keys()


@pytest.fixture(scope="module", params=["eth-tester", "hardhat"])
def chain(request, keys):
    """The same scenario on the in-process EVM and on a hardhat node started (and stopped) here."""
    if request.param == "eth-tester":
        yield Chain(keys, connect())
        return
    with hardhat_node() as url:
        yield Chain(keys, connect(url))


def _deposit(chain, k):
    item = chain.state.pending[0]
    return Deposit(item.account, item.amount, chain.world.wallets[k].pubkey)


def test_a_proved_batch_moves_the_root(chain):
    res, proof = chain.prove([_deposit(chain, 0)])
    contract_input, consumed = chain.l1.rollup.functions.batchPublicInput(res.new_root, res.data).call()
    assert (contract_input, consumed) == (res.public_input, 1)  # the contract and the circuit agree
    receipt = chain.submit(res, proof)
    assert chain.l1.state_root() == res.new_root and chain.l1.batch_count() == 1
    assert receipt["gasUsed"] < 600_000


def test_bad_submissions_are_rejected_and_change_nothing(chain):
    res, proof = chain.prove([_deposit(chain, 1)])
    forked = _with_forced_exit(chain)
    other, other_proof = chain.prove([ForcedExit(forked.pending[0].account)], state=forked)
    moved = chain.state.copy()  # a state whose root differs from the one on L1
    moved.time += 1
    stale, stale_proof = chain.prove([_deposit(chain, 1)], state=moved)
    words = list(proof.a), list(proof.b), list(proof.c)
    bad = [
        ("altered calldata", res.new_root, res.data[:-1] + b"\x01", proof),
        ("altered new root", res.new_root ^ 1, res.data, proof),
        ("proof for another batch", res.new_root, res.data, other_proof),
        ("another batch's data and root", other.new_root, other.data, proof),
        ("a proof from a different old root", stale.new_root, stale.data, stale_proof),
    ]
    root, count = chain.l1.state_root(), chain.l1.batch_count()
    for what, new_root, data, p in bad:
        with pytest.raises(L1Error, match="InvalidProof|BadData"):
            chain.l1.submit_batch(chain.operator, new_root, data, p)
        assert (chain.l1.state_root(), chain.l1.batch_count()) == (root, count), what
    _raw_proof_rejections(chain, res, proof)
    assert words == (list(proof.a), list(proof.b), list(proof.c))
    chain.submit(res, proof)  # the genuine one still goes through
    with pytest.raises(L1Error, match="QueueShort|InvalidProof"):  # ...once: its queue item is spent
        chain.l1.submit_batch(chain.operator, res.new_root, res.data, proof)


def _with_forced_exit(chain):
    st = chain.state.copy()
    st.pending = [replace(st.pending[0], kind=7, amount=0, pubkey=(0, 0))]
    return st


def _raw_proof_rejections(chain, res, proof):
    """Proof points off the curve or with a coordinate >= p, sent as raw words."""
    from verifier.formats import proof_to_calldata

    p = 21888242871839275222246405745257275088696311157297823662689037894645226208583
    w = proof_to_calldata(proof)
    for words in ([w[0], w[1] + 1, *w[2:]], [w[0] + p, *w[1:]], [*w[:6], w[6], w[7] + p]):
        fn = chain.l1.rollup.functions.submitBatch(res.new_root, res.data, words)
        with pytest.raises(L1Error, match="InvalidProof"):
            chain.l1.send(fn, chain.operator, gas=2_000_000)


def test_withdrawals_are_credited_and_claimed_once(chain):
    user = chain.users[0]
    tx = chain.world.wallets[0].withdraw(chain.state, 0, 250, FAR)
    chain.submit(*chain.prove([tx]))
    assert chain.l1.claimable(user) == 250
    before = chain.l1.token_balance(user)
    chain.l1.claim(user)
    assert chain.l1.token_balance(user) == before + 250 and chain.l1.claimable(user) == 0
    with pytest.raises(L1Error, match="BadAmount"):
        chain.l1.claim(user)
    res, proof = chain.prove([tx], state=chain.previous)  # the cached proof of the batch just accepted
    with pytest.raises(L1Error, match="InvalidProof"):  # the same batch again: the old root moved on
        chain.l1.submit_batch(chain.operator, res.new_root, res.data, proof)


def test_guardian_pause_blocks_batches_and_expires(chain):
    with pytest.raises(L1Error, match="NotGuardian"):
        chain.l1.vote_pause(chain.users[0])
    chain.l1.vote_pause(chain.guardians[0])
    assert not chain.l1.paused()
    chain.l1.vote_pause(chain.guardians[1])  # 2 of 3
    assert chain.l1.paused()
    tx = chain.world.wallets[1].withdraw(chain.state, 1, 10, FAR)
    res, proof = chain.prove([tx])
    with pytest.raises(L1Error, match="IsPaused"):
        chain.l1.submit_batch(chain.operator, res.new_root, res.data, proof)
    with pytest.raises(L1Error, match="PauseUnavailable"):  # no extension while paused
        chain.l1.vote_pause(chain.guardians[2])
    advance_time(chain.w3, MAX_PAUSE + 1)
    assert not chain.l1.paused()
    chain.submit(res, proof)


def test_an_unserved_forced_exit_lets_anyone_freeze(chain):
    index = chain.l1.request_forced_exit(chain.users[1], 1)
    with pytest.raises(L1Error, match="NotOwner"):
        chain.l1.request_forced_exit(chain.users[0], 1)
    with pytest.raises(L1Error, match="NotOverdue"):
        chain.l1.freeze(chain.users[0], index)
    advance_time(chain.w3, DELAY + 1)
    chain.l1.freeze(chain.users[0], index)
    assert chain.l1.frozen()
    with pytest.raises(L1Error, match="IsFrozen"):
        chain.l1.deposit(chain.users[0], 0, 1)


def test_once_frozen_owners_escape_with_their_value(chain):
    assert chain.l1.frozen()  # after the previous test
    user = chain.users[1]
    ex = exit_for(chain.state, 1)  # the state at the last accepted root
    proof = prove_exit(chain.exit_pk, PARAMS, ex)
    with pytest.raises(L1Error, match="InvalidProof"):
        chain.l1.escape(user, 1, ex.amount + 1, proof)
    before = chain.l1.token_balance(user)
    chain.l1.escape(chain.users[0], 1, ex.amount, proof)  # anyone may send it; the owner is paid
    assert ex.amount == 990 and chain.l1.token_balance(user) == before + ex.amount
    with pytest.raises(L1Error, match="AlreadyEscaped"):
        chain.l1.escape(user, 1, ex.amount, proof)
