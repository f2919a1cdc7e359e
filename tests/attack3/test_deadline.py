"""Attacks on commit 5698e0b's forced-exit deadline (now + forcedExitDelay + queueItemDelay · items
ahead) and the deploy checks, on Rollup.sol on a hardhat node (no batch is proven: the demo key).

Fixed since (the tests below now pass): the default item delay is 15 s, what a slot takes to prove
here; deploy requires an exit key and a real token contract off dev chains, refuses an item delay
of 0 there, and every time must be below 2^40 s (client and constructor).

FINDING (medium, was xfail strict): the deadline grows with the items ahead, but an item still costs
only gas (a 1-unit deposit to one's own account, returned later), and each buys queueItemDelay
(60 s by default) against the ~15 s an honest prover needs for a slot.  A censor (or a friend of
the operator) front-runs a victim's request with N deposits and gets N·45 s more to keep the victim's
value locked, for gas alone; an operator that simply stops consuming the queue gets the same from
other users' deposits, for nothing.  The review that led to the change asked for both the growing
deadline and a per-item fee; only the first was done.
FINDING (medium, xfail strict): off dev chains ``deploy`` still accepts no exit key, so after a
freeze no one can escape.
FINDING (low, xfail strict): ``deploy`` bounds neither ``item_delay`` nor the timing: 0 off a dev
chain brings back the deposit-spam freeze, and a huge one makes ``requestForcedExit`` overflow
(revert) once two items are queued, so no one can ask to leave and nothing freezes.
FINDING (low, xfail strict): ``deploy(token="")`` passes the ``token is None`` check and then
deploys the public-mint TestToken (``token or TestToken``) on any chain.
Stopped: spam queued after a request does not move its deadline; a pause during a backlog is
credited exactly once; a fee-on-transfer deposit is queued, refunded and reclaimed as received.
"""

from __future__ import annotations

import pytest
from web3.logs import DISCARD

from circuits.ledger.params import LedgerParams
from rollup.l1.client import ITEM_DELAY, L1Client, L1Error, advance_time, connect
from rollup.l1.contracts import demo_verifying_key
from rollup.l1.devnode import hardhat_node
from rollup.ledger.demo import World

PARAMS = LedgerParams(depth=2, batch_size=4)
DELAY, MAX_PAUSE, COOLDOWN = 600, 300, 10
ITEM = ITEM_DELAY  # L1Client.deploy's default item_delay (60 s when this review was written)
PROVER_SLOT = 15  # docs/decisions.md: "~15 s a slot today" for an honest prover
FEE = 1_000
SLACK = 20  # hardhat's clock runs with the wall clock: deadlines are checked to within 20 s


class Chain:
    def __init__(self, w3):
        self.w3, acc = w3, w3.eth.accounts
        self.operator, self.attacker, self.victim, self.stranger = acc[0], acc[1], acc[2], acc[3]
        self.guardians = acc[4:7]
        self.wallets = World(PARAMS).wallets
        self.l1 = self.deploy(ITEM)

    def deploy(self, item_delay: int, l1: L1Client | None = None, **kw) -> L1Client:
        l1 = l1 or L1Client(self.w3)
        timing = (DELAY, MAX_PAUSE, COOLDOWN)
        l1.deploy(
            PARAMS, demo_verifying_key(), self.operator, self.guardians, 2, timing,
            item_delay=item_delay, registration_fee=FEE, allow_demo_key=True, **kw,
        )  # fmt: skip
        for who in (self.attacker, self.victim):
            l1.fund(who, 10**12)
        return l1

    def rpc(self, method: str, *params):
        return self.w3.provider.make_request(method, list(params))["result"]

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def accounts(self, l1: L1Client) -> tuple[int, int]:
        return l1.register(self.attacker, self.wallets[0].pubkey), l1.register(self.victim, self.wallets[1].pubkey)


@pytest.fixture(scope="module")
def chain():
    with hardhat_node() as url:
        yield Chain(connect(url))


@pytest.fixture(autouse=True)
def _fresh(chain):
    snap = chain.rpc("evm_snapshot")
    yield
    chain.rpc("evm_revert", snap)


def _deadline(l1: L1Client, index: int) -> int:
    return l1.rollup.functions.forcedExitDeadline(index).call()


def test_queue_spam_before_a_request_buys_delay_only_for_its_proving_time(chain):
    """The attacker front-runs the victim's forced exit with 1-unit deposits to its own account:
    the victim waits queueItemDelay per item, the prover needs ~15 s per item."""
    l1 = chain.l1
    attacker, victim = chain.accounts(l1)
    spam = 20
    gas = [l1.deposit(chain.attacker, attacker, 1)["gasUsed"] for _ in range(spam)]
    index = l1.request_forced_exit(chain.victim, victim)
    extension = _deadline(l1, index) - chain.now() - DELAY
    assert extension == spam * ITEM  # as designed: 60 s for each item ahead
    locked = spam  # token units the attacker put up, all credited back to its own L2 account
    assert extension <= spam * PROVER_SLOT, (
        f"{spam} deposits ({min(gas):,} gas each, {locked} token units, all returned) moved the victim's "
        f"deadline by {extension} s; an honest prover needs {spam * PROVER_SLOT} s for them: "
        f"{extension - spam * PROVER_SLOT} s of extra censorship bought for gas"
    )


def test_an_operator_that_stops_serving_the_queue_gains_no_time_from_other_users_deposits(chain):
    """No spam at all: the operator stops consuming while honest users keep depositing; every
    forced exit asked for afterwards gets queueItemDelay per waiting deposit, 4x what proving them
    takes, so a censor's delay grows with the traffic it refuses to serve."""
    l1 = chain.l1
    attacker, victim = chain.accounts(l1)
    honest = l1.register(chain.attacker, chain.wallets[2].pubkey)
    for _ in range(12):
        l1.deposit(chain.attacker, honest, 1_000)
        advance_time(chain.w3, 30)  # one deposit every 30 s, none served
    index = l1.request_forced_exit(chain.victim, victim)
    extension = _deadline(l1, index) - chain.now() - DELAY
    proving = 12 * PROVER_SLOT
    assert extension <= proving, f"{extension} s granted for 12 waiting deposits ({proving} s of proving)"


def test_spam_queued_after_a_request_does_not_move_its_deadline(chain):
    l1 = chain.l1
    attacker, victim = chain.accounts(l1)
    l1.deposit(chain.attacker, attacker, 1)  # one item ahead
    index = l1.request_forced_exit(chain.victim, victim)
    due = _deadline(l1, index)
    assert due == chain.now() + DELAY + ITEM
    for _ in range(5):
        l1.deposit(chain.attacker, attacker, 1)
    l1.request_forced_exit(chain.attacker, attacker)
    assert _deadline(l1, index) == due
    advance_time(chain.w3, due - chain.now() - SLACK)
    with pytest.raises(L1Error, match="NotOverdue"):
        l1.freeze(chain.stranger, index)
    advance_time(chain.w3, 2 * SLACK)
    l1.freeze(chain.stranger, index)
    assert l1.frozen()


def test_a_pause_during_a_backlog_is_credited_once(chain):
    """A request made during a pause, with items ahead: due at deadline + the rest of the pause
    (199 s here), neither earlier nor later (a double credit would move it by another 199 s)."""
    l1 = chain.l1
    attacker, victim = chain.accounts(l1)
    for _ in range(3):
        l1.deposit(chain.attacker, attacker, 1)
    l1.vote_pause(chain.guardians[0])
    l1.vote_pause(chain.guardians[1])
    started = chain.now()
    advance_time(chain.w3, 100)
    index = l1.request_forced_exit(chain.victim, victim)
    remaining = started + MAX_PAUSE - chain.now()
    due = _deadline(l1, index) + remaining
    assert _deadline(l1, index) == chain.now() + DELAY + 3 * ITEM
    advance_time(chain.w3, due - chain.now() - SLACK)
    with pytest.raises(L1Error, match="NotOverdue"):
        l1.freeze(chain.stranger, index)
    advance_time(chain.w3, 2 * SLACK)
    l1.freeze(chain.stranger, index)


def test_a_fee_on_transfer_deposit_is_queued_refunded_and_reclaimed_as_received(chain):
    """TestToken burns 1% of every transfer: the queue, the reclaim after a freeze and the contract's
    balance all use what arrived, so no depositor is paid from another's collateral."""
    l1 = chain.l1
    attacker, victim = chain.accounts(l1)
    l1.send(l1.token.functions.setFee(100), chain.attacker)
    receipt = l1.deposit(chain.attacker, attacker, 100_000)
    (event,) = l1.rollup.events.QueueItem().process_receipt(receipt, errors=DISCARD)  # not the token's
    assert event["args"]["amount"] == 99_000
    index = l1.request_forced_exit(chain.victim, victim)
    advance_time(chain.w3, _deadline(l1, index) - chain.now() + 1)
    l1.freeze(chain.stranger, index)
    l1.reclaim_deposit(chain.stranger, event["args"]["index"])
    assert l1.claimable(chain.attacker) == 99_000
    with pytest.raises(L1Error, match="NothingToRefund"):
        l1.reclaim_deposit(chain.stranger, event["args"]["index"])
    held = l1.token_balance(l1.deployment.rollup)
    assert held >= l1.claimable(chain.attacker) + l1.claimable(chain.operator)


def test_a_forced_exit_can_be_asked_for_whatever_item_delay_deploy_accepted(chain, monkeypatch):
    """item_delay = 2^255: with two items queued, ahead·queueItemDelay overflows and
    requestForcedExit would revert (Panic 0x11), so no one could ask to leave.  Refused at deploy,
    by the client and by the constructor itself."""
    with pytest.raises(L1Error, match="2\\^40"):
        chain.deploy(1 << 255)
    with monkeypatch.context() as m:
        m.setattr(L1Client, "_check_timing", staticmethod(lambda *a: None))  # straight to the constructor
        with pytest.raises(L1Error, match="timing"):
            chain.deploy(1 << 255)
    l1 = chain.deploy((1 << 40) - 1)  # the largest accepted: two items ahead do not overflow
    attacker, victim = chain.accounts(l1)
    for _ in range(2):
        l1.deposit(chain.attacker, attacker, 1)
    l1.request_forced_exit(chain.victim, victim)


def test_deploying_off_a_dev_chain_refuses_an_item_delay_of_zero(chain, monkeypatch):
    """item_delay = 0 is the pre-fix contract: queue spam ahead of a forced exit freezes the rollup."""
    import rollup.l1.client as client

    monkeypatch.setattr(client, "DEV_CHAINS", ())  # as on a public chain
    monkeypatch.setattr(L1Client, "_check_not_demo_key", lambda self, key, allow: None)
    with pytest.raises(L1Error):
        chain.deploy(0, token=chain.l1.deployment.token)


def test_deploying_off_a_dev_chain_never_deploys_the_test_token(chain, monkeypatch):
    """``_check_deployable`` tests ``token is None``, ``deploy`` then uses ``token or TestToken``: an
    empty address (an unset config value, ``--token ""``) passes the check and gets the test token."""
    import rollup.l1.client as client

    monkeypatch.setattr(client, "DEV_CHAINS", ())  # as on a public chain
    monkeypatch.setattr(L1Client, "_check_not_demo_key", lambda self, key, allow: None)
    l1 = L1Client(chain.w3)
    try:
        chain.deploy(ITEM, l1, token="")
    except L1Error:
        return
    test_token_code = chain.w3.eth.get_code(chain.l1.deployment.token)  # the dev deployment's TestToken
    assert chain.w3.eth.get_code(l1.deployment.token) != test_token_code, (
        f"deployed with the public-mint TestToken at {l1.deployment.token} off a dev chain"
    )


def test_deploying_off_a_dev_chain_needs_an_exit_key(chain, monkeypatch):
    """Without an exit verifier ``escape`` calls address 0 and reverts: after a freeze every
    account's value stays in the contract for good.  The change refuses the test token and a zero
    fee off dev chains, but still deploys this."""
    import rollup.l1.client as client

    attacker, victim = chain.accounts(chain.l1)  # the dev deployment has no exit key: freeze it
    index = chain.l1.request_forced_exit(chain.victim, victim)
    advance_time(chain.w3, _deadline(chain.l1, index) - chain.now() + SLACK)
    chain.l1.freeze(chain.stranger, index)
    with pytest.raises(L1Error) as refused:  # not InvalidProof: the call to address 0 itself fails
        chain.l1.send(chain.l1.rollup.functions.escape(victim, 0, [0] * 8), chain.victim)
    assert "InvalidProof" not in str(refused.value)
    monkeypatch.setattr(client, "DEV_CHAINS", ())  # as on a public chain
    monkeypatch.setattr(L1Client, "_check_not_demo_key", lambda self, key, allow: None)
    l1 = L1Client(chain.w3)
    with pytest.raises(L1Error, match="exit"):
        chain.deploy(ITEM, l1, token=chain.l1.deployment.token)
