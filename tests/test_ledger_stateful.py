"""Economic invariants of the ledger spec under stateful fuzzing (issue 10, safety nets).

A hypothesis state machine mixes every transaction type, honest and adversarial, on a 16-account
ledger with one-slot batches, beside a model of what the L1 contract holds. Each ledger step is
one batch: an accepted one must match the contract's public input, replay from its posted bytes
to the same root and keep its type's rule; a refused one must leave the state untouched. After
every step: conservation against L1, zero net size, ranges, and a processable queue head
(``tests/ledger_fuzz_checks.py``). About one step in k (chosen by a hash of the step, so a
failure replays and shrinks) and every step that reaches a range limit also runs through
``BatchCircuit`` in PROVE mode. ``make test-slow`` runs ``ZKDX_FUZZ_STEPS`` steps (10,000).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from circuits.ledger.params import LedgerParams
from rollup.ledger.signing import Wallet
from rollup.ledger.state import LedgerState
from rollup.ledger.types import Deposit, ForcedClose, ForcedExit, FundingTick, Noop, Transaction
from tests import ledger_fuzz_txs as txs
from tests.ledger_fuzz_checks import NAMES, STATS, Harness, queue_step_txs
from tests.ledger_fuzz_model import C63, OPERATOR, L1Model, liquidatable, settled

SMALL = LedgerParams(depth=2, batch_size=1)
DOMAIN = 0x66757A7A  # "fuzz"
WALLETS = tuple(Wallet(f"fuzz trader {i}".encode()) for i in range(6))
KEYS = tuple(w.pubkey for w in WALLETS)

ACCT = st.integers(0, 17)  # a raw account index: 16 and 17 lie outside the tree
L1_ACCT = st.one_of(st.tuples(st.just("registered"), st.integers(0, 15)), ACCT)
WHO = st.integers(0, 15)  # an account that exists on L2 (index into them, mod their number)
MARKET = st.sampled_from([0, 0, 1, 1, 2])  # market 2 is not configured
HONEST = st.sampled_from([True, True, True, False])
L1_AMOUNT = st.one_of(st.sampled_from([0, 1, 10**6, 10**12, C63 // 2, C63 - 11, C63 - 1, C63]), st.integers(1, C63 - 1))
TRADE_AMOUNT = st.one_of(st.sampled_from(txs.SIZES), st.integers(1, 10**9))


class LedgerMachine(RuleBasedStateMachine):
    circuit_every = 25  # about one ledger step in k goes through the circuit (Harness)

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Harness(SMALL, DOMAIN, self.circuit_every)
        self.owner: dict[int, int] = {}  # account -> wallet index
        STATS["examples"] += 1

    @property
    def state(self) -> LedgerState:
        return self.ledger.state

    @property
    def l1(self) -> L1Model:
        return self.ledger.l1

    def submit(self, tx: Transaction) -> bool:
        return self.ledger.submit(tx)

    @invariant()
    def invariants_hold(self) -> None:
        self.ledger.check()

    # ---- helpers -------------------------------------------------------------------------------

    def pick(self, i: int) -> int:
        """An existing account other than the operator's backstop (the operator keeps it out of trades)."""
        existing = sorted(a for a in self.state.accounts if a != SMALL.num_accounts - 1)
        return existing[i % len(existing)] if existing else i

    def wallet(self, account: int, honest: bool = True) -> Wallet:
        w = self.owner.get(account, 0)
        return WALLETS[w if honest else (w + 1) % len(WALLETS)]

    def liquidatable(self, account: int) -> bool:
        return liquidatable(SMALL, settled(self.state.accounts[account], self.state.markets), self.state.markets)

    def l1_account(self, choice: int | tuple) -> int:
        """A raw index (registered or not, or outside the tree), or ("registered", i)."""
        registered = sorted(self.l1.keys)
        return choice if isinstance(choice, int) else registered[choice[1] % len(registered)]

    def register_wallet(self, w: int) -> None:
        account = self.l1.register(KEYS[w])
        if account is not None:
            self.owner[account] = w

    def trade(self, terms: tuple[int, int, int, int, int], exp: int = txs.FAR, honest: bool = True) -> None:
        _, buyer, seller, _, _ = terms
        self.submit(txs.trade(self.state, (self.wallet(buyer), self.wallet(seller, honest)), terms, exp))

    def tick(self, market: int, px: int, dt: int = 10, honest: bool = True) -> None:
        self.submit(txs.oracle_tick(self.state, market, px, max(0, self.state.time + dt), honest))

    # ---- start: funded accounts, priced markets --------------------------------------------------

    @initialize(
        amounts=st.lists(st.sampled_from([10**6, 10**9, 10**12, 10**15, C63 // 4]), min_size=4, max_size=4),
        prices=st.tuples(
            st.sampled_from([1, 100, 2_000_000, 3_000_000, 10**9, txs.P40]),
            st.sampled_from([0, 0, 0, 1, 100, 2_000_000, 10**9, txs.P40]),
        ),
        underwater=st.booleans(),
    )
    def fund(self, amounts: list[int], prices: tuple[int, int], underwater: bool) -> None:
        """Four funded accounts and priced markets (a tick of 0 is refused: market 1 may stay
        unpriced until an oracle tick); optionally account 0 15x long, then a 5% drop (below
        maintenance margin: liquidatable, and where StarkEx's exemption matters)."""
        for i, amount in enumerate(amounts):
            self.register_wallet(i)
            self.state.enqueue(self.l1.deposit(i, amount, i))
            self.submit(*queue_step_txs(self.state))
        backstop = self.l1.register_backstop(KEYS[5])  # the operator's: forced exits close into it
        self.owner[backstop] = 5
        self.state.enqueue(self.l1.deposit(backstop, 10**12, OPERATOR))
        self.submit(*queue_step_txs(self.state))
        for m, px in enumerate(prices):
            self.tick(m, px)
        if underwater:
            seller = max((1, 2, 3), key=lambda i: amounts[i])
            self.trade((0, 0, seller, amounts[0] * 15 * SMALL.markets[0].price_scale // prices[0], prices[0]))
            self.tick(0, prices[0] * 95 // 100)

    # ---- L1: registrations, deposits, forced-exit requests ----------------------------------------

    @rule(w=st.integers(0, len(WALLETS) - 1))
    def register(self, w: int) -> None:
        self.register_wallet(w)

    @rule(account=L1_ACCT, amount=st.one_of(L1_AMOUNT, st.sampled_from(["fill", "fill+1"])), payer=st.integers(0, 5))
    def deposit_on_l1(self, account: int | tuple, amount: int | str, payer: int) -> None:
        """Amounts the contract takes or reverts, and "fill": up to collateral 2^63 − 1, or one past (a refund)."""
        account = self.l1_account(account)
        item = self.l1.deposit(account, txs.deposit_amount(self.state, account, amount), payer)
        if item is not None:
            self.state.enqueue(item)

    @rule(account=L1_ACCT)
    def request_forced_exit(self, account: int | tuple) -> None:
        item = self.l1.request_exit(self.l1_account(account))
        if item is not None:
            self.state.enqueue(item)

    @precondition(lambda self: self.state.pending)
    @rule()
    def process_queue_head(self) -> None:
        """The operator posts the oracle's next tick for any stale market first (a forced exit reads
        every price), then the head of the queue must be accepted."""
        st = self.state
        if any(m.price_time and st.time - m.price_time > SMALL.max_price_age for m in st.markets):
            for market, m in enumerate(st.markets):
                if m.price_time:
                    self.tick(market, m.price, dt=1)
        for tx in queue_step_txs(self.state):  # after the ticks: a forced exit's closes, then the exit
            assert self.submit(tx), f"the operator's {tx} for the head of the L1 queue was refused"

    @rule(
        kind=st.sampled_from([Deposit, Deposit, ForcedExit, ForcedClose, Noop]),
        account=ACCT,
        amount=st.one_of(L1_AMOUNT, st.just(txs.U64 - 1), TRADE_AMOUNT),
        key=st.integers(0, 5),
        market=MARKET,
        other=ACCT,
    )
    def unqueued_tx(self, kind: type, account: int, amount: int, key: int, market: int, other: int) -> None:
        """A deposit, forced exit or forced close the operator makes up (wrong account, amount, key,
        counterparty or direction, or none queued), or a no-op."""
        tx = {
            Deposit: lambda: Deposit(account, amount, KEYS[key]),
            ForcedExit: lambda: ForcedExit(account),
            ForcedClose: lambda: ForcedClose(market, account, other, amount),
        }
        self.submit(tx.get(kind, Noop)())

    # ---- signed transactions ---------------------------------------------------------------------

    @rule(who=WHO, amount=st.sampled_from(txs.WITHDRAWALS), honest=HONEST, exp=st.sampled_from(txs.EXPIRIES))
    def withdraw(self, who: int, amount: str, honest: bool, exp: str) -> None:
        account = self.pick(who)
        amt = txs.withdrawal(SMALL, self.state, account, amount)
        wallet = self.wallet(account, honest)
        self.submit(txs.withdraw(self.state, wallet, account, amt, txs.expiry(self.state, exp)))

    @rule(
        market=MARKET,
        parties=st.tuples(WHO, WHO),
        amount=TRADE_AMOUNT,
        price=st.sampled_from(txs.PRICES),
        exp=st.sampled_from(txs.EXPIRIES),
        honest=HONEST,
    )
    def trade_any(self, market: int, parties: tuple, amount: int | str, price: str, exp: str, honest: bool) -> None:
        px, buyer, seller = txs.price(self.state, market, price), self.pick(parties[0]), self.pick(parties[1])
        if isinstance(amount, str):
            amount = txs.trade_size(SMALL, self.state, (market, buyer, px), amount)
        self.trade((market, buyer, seller, amount, px), txs.expiry(self.state, exp), honest)

    @rule(
        market=st.sampled_from([0, 1]),
        parties=st.tuples(WHO, st.one_of(st.none(), WHO)),
        limit=st.sampled_from(txs.LIMITS),
        beyond=st.integers(0, 1),
        price=st.sampled_from(["one", "oracle", "max"]),
    )
    def trade_to_a_limit(self, market: int, parties: tuple, limit: str, beyond: int, price: str) -> None:
        """The amount that takes one side exactly to a range limit (size ±2^47, collateral ±2^63), or
        one past; the other side is drawn, or (None) the account that can best take it."""
        side = self.pick(parties[0])
        other = (
            self.pick(parties[1])
            if parties[1] is not None
            else txs.fitting_counterparty(self.state, side, market, limit)
        )
        buyer, seller = (side, other) if limit.startswith("buyer") else (other, side)
        if buyer in self.state.accounts and seller in self.state.accounts:
            px = txs.price(self.state, market, price)
            amount = txs.limit_amount(SMALL, self.state, (market, buyer, seller, px, beyond), limit)
            self.trade((market, buyer, seller, amount, px))

    @precondition(lambda self: any(any(a.sizes) for a in self.state.accounts.values()))
    @rule(
        who=WHO,
        other=WHO,
        market=st.integers(0, 1),
        amount=st.sampled_from(["third", "half", "all", "flip"]),
        spread=st.integers(0, 10_000),
    )
    def reduce_position(self, who: int, other: int, market: int, amount: str, spread: int) -> None:
        """A trade that shrinks a position (StarkEx's exemption when the account is below initial
        margin) at a price up to `spread` basis points worse than the oracle's (10,000: price 0)."""
        holders = sorted(i for i, a in self.state.accounts.items() if any(a.sizes))
        account, counter = holders[who % len(holders)], self.pick(other)
        market = txs.held_market(self.state, account, market)
        size = self.state.accounts[account].sizes[market]
        buyer, seller = (counter, account) if size > 0 else (account, counter)
        self.trade(
            (market, buyer, seller, txs.portion(size, amount), txs.reducing_price(self.state, market, size, spread))
        )

    @rule(
        market=MARKET,
        parties=st.tuples(st.one_of(st.just("unhealthy"), WHO), WHO),
        amount=st.sampled_from(["zero", "one", "half", "all", "flip"]),
        honest=HONEST,
    )
    def liquidate(self, market: int, parties: tuple, amount: str, honest: bool) -> None:
        """Of the healthy and the unhealthy; nothing, one unit, half, all, or one more than the
        position (in `market` if the account holds one there, else in one where it does)."""
        target, taker = self.pick(0 if parties[0] == "unhealthy" else parties[0]), self.pick(parties[1])
        if parties[0] == "unhealthy":
            target = next((i for i in sorted(self.state.accounts) if self.liquidatable(i)), target)
        market = txs.held_market(self.state, target, market)
        acct = self.state.accounts.get(target)
        amt = txs.portion(acct.sizes[market] if acct is not None and market < len(acct.sizes) else 0, amount)
        self.submit(txs.liquidation(self.state, self.wallet(taker, honest), (market, target, taker, amt)))

    @rule(
        market=MARKET,
        price=st.sampled_from(txs.TICKS),
        dt=st.sampled_from([-5, 0, 1, 10, 60, 3600, 3600, 86_400, 10**6, 1 << 40]),
        honest=HONEST,
    )
    def oracle_tick(self, market: int, price: str, dt: int, honest: bool) -> None:
        """Price jumps (to 0, 1 and 2^40 − 1), stale timestamps, and time leaps that open the funding cap."""
        self.tick(market, txs.tick_price(self.state, market, price), dt, honest)

    @precondition(lambda self: any(any(a.sizes) for a in self.state.accounts.values()))
    @rule(
        who=WHO,
        market=st.integers(0, 1),
        squeeze=st.sampled_from(txs.SQUEEZES),
        then=st.sampled_from(["nothing", "liquidate", "reduce"]),
        spread=st.integers(0, 200),
    )
    def squeeze(self, who: int, market: int, squeeze: str, then: str, spread: int) -> None:
        """A price just past where a position's holder becomes liquidatable, or falls below initial
        margin; then the richest other account liquidates half of it, or buys a third of it back at
        up to `spread` basis points off the oracle (StarkEx's exemption), or nothing."""
        holders = sorted(i for i, a in self.state.accounts.items() if any(a.sizes))
        account = holders[who % len(holders)]
        market = txs.held_market(self.state, account, market)
        px = txs.threshold_price(SMALL, self.state, market, account, initial=squeeze == "below initial")
        others = [i for i in self.state.accounts if i != account]
        if px is None or not others:
            return
        self.tick(market, px)
        rich, size = (
            max(others, key=lambda i: self.state.accounts[i].collateral),
            self.state.accounts[account].sizes[market],
        )
        if then == "liquidate":
            terms = (market, account, rich, txs.portion(size, "half"))
            self.submit(txs.liquidation(self.state, self.wallet(rich), terms))
        elif then == "reduce":
            buyer, seller = (rich, account) if size > 0 else (account, rich)
            self.trade(
                (
                    market,
                    buyer,
                    seller,
                    txs.portion(size, "third"),
                    txs.reducing_price(self.state, market, size, spread),
                )
            )

    @rule(market=MARKET, delta=st.sampled_from(txs.DELTAS), honest=HONEST)
    def funding_tick(self, market: int, delta: str, honest: bool) -> None:
        d = txs.funding_delta(SMALL, self.state, market, delta)
        self.submit(txs.funding_tick(self.state, market, d, honest))

    @precondition(lambda self: self.ledger.history)
    @rule(k=st.integers(0, 31))
    def replay(self, k: int) -> None:
        """An earlier transaction again: a signed one that applied must not apply twice (a funding
        tick may only if it moved nothing: its signature binds the funding time it started from)."""
        tx, applied = self.ledger.history[k % len(self.ledger.history)]
        again = self.submit(tx)
        assert not (applied and again and isinstance(tx, txs.APPLY_ONCE)), f"{type(tx).__name__} applied twice"
        assert not (applied and again and isinstance(tx, FundingTick) and tx.delta), "funding tick applied twice"


def run_machine(examples: int, steps: int, circuit_every: int) -> Counter:
    """Run the machine for `examples` runs of `steps` steps; the outcomes of this call.  About one
    ledger step in `circuit_every` also goes through the circuit (``ZKDX_FUZZ_CIRCUIT_EVERY``
    overrides it; 1 checks every step)."""
    start = Counter(STATS)
    every = int(os.environ.get("ZKDX_FUZZ_CIRCUIT_EVERY", circuit_every))
    machine = type("LedgerMachineRun", (LedgerMachine,), {"circuit_every": every})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    return STATS - start


def _summary(stats: Counter) -> str:
    return "\n".join(f"{k}: {v}" for k, v in sorted(stats.items(), key=str))


def test_ledger_invariants_hold_under_fuzzing():
    """A few hundred steps; about one in 40 through the circuit."""
    stats = run_machine(examples=5, steps=50, circuit_every=40)
    print(_summary(stats))
    assert stats["states checked"] >= 5 * 50


@pytest.mark.slow
@pytest.mark.timeout(6 * 3600)  # ~15 min of CPU; a shared machine stretches it
def test_ledger_invariants_hold_over_ten_thousand_steps():
    """``ZKDX_FUZZ_STEPS`` steps (10,000) in runs of 100; from 5,000 steps on, every transaction type
    is accepted and refused somewhere, and the circuit agrees on both kinds of sampled step."""
    target = int(os.environ.get("ZKDX_FUZZ_STEPS", "10000"))
    stats: Counter = Counter()
    while (left := target - stats["states checked"] + stats["examples"]) > 0:
        stats += run_machine(examples=min(20, -(-left // 100)), steps=100, circuit_every=150)
    print(_summary(stats))
    if target < 5_000:
        return  # a short run (ZKDX_FUZZ_STEPS) need not reach every corner
    for name in (*NAMES, "trade: exemption", "trade: price 0", "forced exit: paid", "forced exit: missing"):
        assert stats[("accepted", name)] > 0, f"no {name} was accepted"
    for name in (
        "Deposit",
        "Withdraw",
        "Trade",
        "FundingTick",
        "OracleTick",
        "Liquidation",
        "ForcedExit",
        "ForcedClose",
    ):
        assert any(k[:2] == ("refused", name) for k in stats if isinstance(k, tuple)), f"no {name} was refused"
    for reason in ("UnpricedMarket", "NotLiquidatable", "MarginViolation", "FundingOutOfBounds", "Overdraft"):
        assert any(k[0] == "refused" and k[2] == reason for k in stats if isinstance(k, tuple)), f"no {reason}"
    circuit = {k[1] for k in stats if isinstance(k, tuple) and k[0] == "circuit"}
    assert circuit == {"accepted", "refused"}
