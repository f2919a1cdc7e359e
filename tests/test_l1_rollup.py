"""Rollup.sol with proofs from our prover, on a hardhat node this module starts on loopback.

Keys once per module (a 1-slot batch circuit over 16 accounts and its exit circuit); one scenario,
test by test: two registered traders with deposits, batches, bad submissions, withdrawals, a deposit
refunded because the ledger cannot apply it, a fee-on-transfer deposit, guardian pause with
expiring votes, forced exit (paused time credited) -> freeze -> reclaimed deposits and escape.
After every test the contract's token balance covers everything it owes (``_assert_solvent``).
The in-process EVM gets a deployment smoke test (its pairing precompile is slow pure Python).
"""

from __future__ import annotations

import warnings

import pytest

from circuits.ledger.params import LedgerParams, TxType
from prover.setup import InsecureSetupWarning
from rollup.l1.client import L1Client, L1Error, advance_time, connect, rollup_domain
from rollup.l1.contracts import demo_verifying_key
from rollup.l1.devnode import hardhat_node
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, World
from rollup.ledger.escape import exit_amount, exit_for
from rollup.ledger.state import LedgerState
from rollup.ledger.types import Deposit, ForcedExit
from rollup.pipeline import prove_batch, prove_exit, setup_batch, setup_exit

PARAMS = LedgerParams(depth=2, batch_size=1)
DELAY, MAX_PAUSE, COOLDOWN, WINDOW, FEE = 1000, 500, 100, 300, 5
C63 = 1 << 63
HOUR = 3600


class Keys:
    def __init__(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureSetupWarning)
            self.pk = setup_batch(PARAMS, quiet=True)
            self.exit_pk = setup_exit(PARAMS, quiet=True)


class Chain:
    def __init__(self, keys, w3):
        self.keys, self.pk, self.exit_pk, self.w3 = keys, keys.pk, keys.exit_pk, w3
        acc = self.w3.eth.accounts
        self.operator, self.users, self.guardians = acc[0], acc[1:3], acc[3:6]
        self.l1 = L1Client(self.w3)
        timing = (DELAY, MAX_PAUSE, COOLDOWN)
        self.l1.deploy(
            PARAMS, self.pk.vk, self.operator, self.guardians, 2, timing, self.exit_pk.vk,
            vote_window=WINDOW, registration_fee=FEE, item_delay=0,  # the per-item delay: tests/attack
        )  # fmt: skip
        self.world = World(PARAMS, domain=self.l1.domain())
        self.state = LedgerState.genesis(PARAMS, self.l1.domain())
        for user, wallet in zip(self.users, self.world.wallets):
            self.l1.fund(user, C63 + 10_000)
            account = self.l1.register(user, wallet.pubkey)
            self.l1.deposit(user, account, 1_000)
        self.sync()

    def sync(self):
        known = self.state.queue_consumed + len(self.state.pending)
        for item in self.l1.new_queue_items(known):
            self.state.enqueue(item)

    def prove(self, txs, state=None):
        res = process_batch(state or self.state, txs)
        return res, prove_batch(self.pk, PARAMS, res)

    def submit(self, res, proof):
        receipt = self.l1.submit_batch(self.operator, res.new_root, res.data, proof)
        self.previous, self.state = self.state, res.state
        return receipt

    def next_deposit(self):
        item = self.state.pending[0]
        return Deposit(item.account, item.amount, item.pubkey)


@pytest.fixture(scope="module")
def keys():
    return Keys()


@pytest.fixture(scope="module")
def chain(keys):
    with hardhat_node() as url:
        yield Chain(keys, connect(url))


@pytest.fixture(autouse=True)
def _solvency(request):
    yield
    if "chain" in request.fixturenames:
        _assert_solvent(request.getfixturevalue("chain"))


def _assert_solvent(chain):
    """The contract's tokens cover claimable credits, queued deposits and what escapes could pay."""
    l1, st = chain.l1, chain.state
    owed = sum(l1.claimable(a) for a in (chain.operator, *chain.users))
    escapable = sum(exit_amount(st, i) for i in st.accounts if not l1.rollup.functions.escaped(i).call())
    assert l1.token_balance(l1.deployment.rollup) >= owed + l1.queued_deposits() + escapable


def test_deployment_binds_its_domain_and_genesis(chain):
    domain = rollup_domain(chain.w3.eth.chain_id, chain.l1.deployment.rollup)
    assert chain.l1.domain() == domain
    assert chain.l1.state_root() == LedgerState.genesis(PARAMS, domain).root
    assert chain.l1.claimable(chain.operator) == 2 * FEE  # two registrations


def test_a_proved_batch_moves_the_root(chain):
    res, proof = chain.prove([chain.next_deposit()])
    contract_input, consumed = chain.l1.rollup.functions.batchPublicInput(res.new_root, res.data).call()
    assert (contract_input, consumed) == (res.public_input, 1)  # the contract and the circuit agree
    receipt = chain.submit(res, proof)
    assert chain.l1.state_root() == res.new_root and chain.l1.batch_count() == 1
    assert receipt["gasUsed"] < 600_000


def test_bad_submissions_are_rejected_and_change_nothing(chain):
    res, proof = chain.prove([chain.next_deposit()])
    moved = chain.state.copy()  # a state whose root differs from the one on L1
    moved.time += 1
    stale, stale_proof = chain.prove([chain.next_deposit()], state=moved)
    bad = [
        ("altered calldata", res.new_root, res.data[:-1] + b"\x01", proof),
        ("altered new root", res.new_root ^ 1, res.data, proof),
        ("a proof from a different old root", stale.new_root, stale.data, stale_proof),
        ("that batch's data and root", stale.new_root, stale.data, proof),
    ]
    root, count = chain.l1.state_root(), chain.l1.batch_count()
    for what, new_root, data, p in bad:
        with pytest.raises(L1Error, match="InvalidProof|BadData"):
            chain.l1.submit_batch(chain.operator, new_root, data, p)
        assert (chain.l1.state_root(), chain.l1.batch_count()) == (root, count), what
    _raw_proof_rejections(chain, res, proof)
    chain.submit(res, proof)  # the genuine one still goes through
    with pytest.raises(L1Error, match="QueueShort|InvalidProof"):  # ...once: its queue item is spent
        chain.l1.submit_batch(chain.operator, res.new_root, res.data, proof)


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


def test_a_deposit_the_ledger_cannot_apply_is_refunded_to_its_depositor(chain):
    user = chain.users[1]
    chain.l1.deposit(user, 1, C63 - 1_001)  # collateral 1,000 + this = 2^63 - 1: the most there is
    chain.l1.deposit(user, 1, 7)  # would overflow: the queue must not stall on it
    chain.sync()
    chain.submit(*chain.prove([chain.next_deposit()]))
    assert chain.state.accounts[1].collateral == C63 - 1
    res, proof = chain.prove([chain.next_deposit()])
    assert res.effects[0].record.tx_type == TxType.DEPOSIT_REFUND
    before = chain.l1.claimable(user)
    chain.submit(res, proof)
    assert chain.l1.claimable(user) == before + 7 and chain.l1.queued_deposits() == 0
    chain.submit(*chain.prove([chain.world.wallets[1].withdraw(chain.state, 1, C63 - 2_000, FAR)]))


def test_a_served_forced_exit_pays_and_releases_the_request(chain):
    user = chain.users[0]
    index = chain.l1.request_forced_exit(user, 0)
    assert chain.l1.rollup.functions.pendingForcedExit(0).call() == index + 1
    chain.sync()
    before = chain.l1.claimable(user)
    res, proof = chain.prove([ForcedExit(0)])
    chain.submit(res, proof)
    assert chain.l1.claimable(user) == before + res.effects[0].record.amount == before + 750
    assert chain.l1.rollup.functions.pendingForcedExit(0).call() == 0


def test_a_fee_on_transfer_deposit_queues_what_arrived(chain):
    user = chain.users[0]
    chain.l1.send(chain.l1.token.functions.setFee(100), user)  # 1%
    try:
        chain.l1.deposit(user, 0, 1_000)
    finally:
        chain.l1.send(chain.l1.token.functions.setFee(0), user)
    (item,) = chain.l1.new_queue_items(chain.state.queue_consumed + len(chain.state.pending))
    assert item.amount == 990 and chain.l1.queued_deposits() == 990  # left queued until the freeze


def test_guardian_votes_expire_and_pause_blocks_batches(chain):
    with pytest.raises(L1Error, match="NotGuardian"):
        chain.l1.vote_pause(chain.users[0])
    chain.l1.vote_pause(chain.guardians[0])
    advance_time(chain.w3, WINDOW + 1)
    chain.l1.vote_pause(chain.guardians[1])  # the first vote expired: 1 of 2
    assert not chain.l1.paused()
    chain.l1.vote_pause(chain.guardians[2])  # 2 of 3 within the window
    assert chain.l1.paused()
    with pytest.raises(L1Error, match="PauseUnavailable"):  # no extension while paused
        chain.l1.vote_pause(chain.guardians[0])


def test_a_forced_exit_requested_during_a_pause_gets_the_rest_of_it(chain):
    assert chain.l1.paused()  # after the previous test
    index = chain.l1.request_forced_exit(chain.users[1], 1)
    with pytest.raises(L1Error, match="ExitPending"):  # one request per account at a time
        chain.l1.request_forced_exit(chain.users[1], 1)
    with pytest.raises(L1Error, match="NotOwner"):
        chain.l1.request_forced_exit(chain.users[0], 1)
    advance_time(chain.w3, DELAY + 1)  # the pause (500 s) ended on the way: it does not count
    with pytest.raises(L1Error, match="NotOverdue"):
        chain.l1.freeze(chain.users[0], index)
    advance_time(chain.w3, MAX_PAUSE)
    chain.l1.freeze(chain.users[0], index)
    assert chain.l1.frozen()
    with pytest.raises(L1Error, match="IsFrozen"):
        chain.l1.deposit(chain.users[0], 0, 1)


def test_once_frozen_queued_deposits_are_reclaimed(chain):
    index = chain.state.queue_consumed  # the fee-on-transfer deposit, never consumed
    with pytest.raises(L1Error, match="NothingToRefund"):
        chain.l1.reclaim_deposit(chain.users[1], index - 1)
    before = chain.l1.claimable(chain.users[0])
    chain.l1.reclaim_deposit(chain.users[1], index)  # anyone may trigger it; the depositor is credited
    assert chain.l1.claimable(chain.users[0]) == before + 990 and chain.l1.queued_deposits() == 0
    with pytest.raises(L1Error, match="NothingToRefund"):
        chain.l1.reclaim_deposit(chain.users[1], index)


def test_once_frozen_owners_escape_with_their_value(chain):
    user = chain.users[1]
    ex = exit_for(chain.state, 1)  # the state at the last accepted root
    proof = prove_exit(chain.exit_pk, PARAMS, ex)
    with pytest.raises(L1Error, match="InvalidProof"):
        chain.l1.escape(user, 1, ex.amount + 1, proof)
    before = chain.l1.token_balance(user)
    chain.l1.escape(chain.users[0], 1, ex.amount, proof)  # anyone may send it; the owner is paid
    assert ex.amount > 0 and chain.l1.token_balance(user) == before + ex.amount
    with pytest.raises(L1Error, match="AlreadyEscaped"):
        chain.l1.escape(user, 1, ex.amount, proof)


def test_in_process_evm_deploys_and_refuses_the_demo_key(keys):
    l1 = L1Client(connect())
    op, *rest = l1.w3.eth.accounts
    with pytest.raises(L1Error, match="demo verifying key"):
        l1.deploy(LedgerParams(), demo_verifying_key(), op, rest[:3], 2)
    l1.deploy(PARAMS, keys.pk.vk, op, rest[:3], 2, exit_vk=keys.exit_pk.vk)
    assert l1.domain() == rollup_domain(l1.w3.eth.chain_id, l1.deployment.rollup)
    assert l1.state_root() == LedgerState.genesis(PARAMS, l1.domain()).root


def test_a_batch_time_behind_the_block_by_more_than_the_lag_is_refused(chain):
    """A rollup deployed with a 1-hour batch lag: a batch whose time (the ledger clock it starts from)
    trails the block by two hours reverts with BatchTime; the same batch timed now is accepted.  With
    max_price_age this is what keeps the ledger clock, and so every price a margin check reads, near
    L1 time."""
    l1 = L1Client(chain.w3)
    l1.deploy(PARAMS, chain.pk.vk, chain.operator, chain.guardians, 2, (DELAY, MAX_PAUSE, COOLDOWN), batch_lag=HOUR)
    assert l1.rollup.functions.maxBatchLag().call() == HOUR
    user, wallet = chain.users[0], chain.world.wallets[0]
    l1.fund(user, 10_000)
    l1.deposit(user, l1.register(user, wallet.pubkey), 1_000)
    state = LedgerState.genesis(PARAMS, l1.domain())
    for item in l1.new_queue_items(0):
        state.enqueue(item)
    deposit = Deposit(0, 1_000, wallet.pubkey)
    now = chain.w3.eth.get_block("latest")["timestamp"]
    for batch_time, error in ((now - 2 * HOUR, "BatchTime"), (now + 3600, "BatchTime"), (now, None)):
        res = process_batch(state, [deposit], batch_time)
        proof = prove_batch(chain.pk, PARAMS, res)
        if error:
            with pytest.raises(L1Error, match=error):
                l1.submit_batch(chain.operator, res.new_root, res.data, proof)
        else:
            l1.submit_batch(chain.operator, res.new_root, res.data, proof)
    assert l1.state_root() == res.new_root
