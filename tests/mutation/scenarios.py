"""Ledger scenarios for the adversarial corpus: a world and one transaction each.

``valid_*`` the spec accepts (a tamper that changes what the circuit computes is then an attack);
``refused_*`` the spec refuses, each for one rule (the name says which).  Lane a is the buyer,
withdrawer, depositor or liquidated account, lane b the seller or liquidator.  ``FORGED`` are
statements whose witness the spec cannot produce at all (a record or a queue item it would never
write); they are built from a valid one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from circuits.ledger.params import TxType
from circuits.ledger.records import Record
from circuits.ledger.state import message
from rollup.ledger.demo import FAR, ORACLE, World, funded_world
from rollup.ledger.forced import plan_closes
from rollup.ledger.types import Deposit, ForcedClose, Noop, Trade, Transaction
from tests import test_soundness_attacks as tsa

BTC, ETH = 0, 1
SMALL = tsa.SMALL
Scenario = Callable[[], tuple[World, Transaction]]


def priced(btc: int) -> World:
    """Account 0 long 300 BTC bought at 30,000.00 from account 1, the oracle price then ``btc``."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, btc))
    return w


UNDERWATER, DEEP_UNDERWATER = 2_700_000, 2_600_000  # account 0 liquidatable; its value below zero
SQUEEZED, DEEP_SQUEEZED = 3_300_000, 3_500_000  # account 1 (short) below margin; its value below zero


def _funded() -> World:
    return funded_world(SMALL)[0]


def _withdraw() -> tuple[World, Transaction]:
    w = _funded()
    return w, w.wallets[0].withdraw(w.state, 0, 10, FAR)


def _closed_exit() -> tuple[World, Transaction]:
    """A forced exit of account 1, short 100 closed first against account 0's long: pays its collateral."""
    w = _funded()
    w.apply(w.trade(BTC, 0, 1, 100, 3_000_000))
    tx = w.enqueue_forced_exit(1)
    for close in plan_closes(w.state, 1):
        w.apply(close)
    return w, tx


def _exit_at(collateral: int, sizes: tuple[int, int]) -> Scenario:
    """Account 0 at this collateral and sizes (account 1 holds the opposite), asking to leave."""

    def make() -> tuple[World, Transaction]:
        w = _funded()
        w.state.write(0, replace(w.state.accounts[0], collateral=collateral, sizes=sizes), True)
        w.state.write(1, replace(w.state.accounts[1], sizes=tuple(-s for s in sizes)), True)
        return w, w.enqueue_forced_exit(0)

    return make


def _close(
    short: bool, amount: int, counterparty: int = 1, oracle: int = 3_000_000, size: int = 300, backstop: bool = True
) -> Scenario:
    """Account 0 long (short) ``size`` BTC against account 1, account 2 long 100 against 1 too, the
    oracle then at ``oracle``; 0 leaving."""

    def make() -> tuple[World, Transaction]:
        w = _funded()
        w.apply(w.trade(BTC, 1, 0, size, 3_000_000) if short else w.trade(BTC, 0, 1, size, 3_000_000))
        w.apply(w.trade(BTC, 2, 1, 100, 3_000_000))
        if oracle != 3_000_000:
            w.apply(w.tick(BTC, oracle))
        if backstop:
            w.state.write(BACKSTOP, replace(w.state.accounts[2], sizes=(0, 0)), True)  # the operator's
        w.enqueue_forced_exit(0)
        return w, ForcedClose(BTC, 0, counterparty, amount)

    return make


HIGH = 1 << 62
BACKSTOP = SMALL.num_accounts - 1


def _rich_partial(counterparty: int) -> Scenario:
    """Account 0 long 10 at collateral 2^62 (its rest may stay) leaving; 1 of it closed against ``counterparty``."""

    def make() -> tuple[World, Transaction]:
        w, _ = _exit_at(HIGH, (10, 0))()
        w.state.write(BACKSTOP, replace(w.state.accounts[2], sizes=(0, 0)), True)
        return w, ForcedClose(BTC, 0, counterparty, 1)

    return make


def _funding(delta: int, index: int | None = None) -> Scenario:
    def make() -> tuple[World, Transaction]:
        w = _funded()
        w.apply(w.trade(BTC, 0, 1, 100, 3_000_000))
        if index is not None:
            w.state.markets = (replace(w.state.markets[BTC], funding_index=index), *w.state.markets[1:])
        tsa._hour_later(w)
        return w, w.funding(BTC, delta)

    return make


def _liquidation(amount: int, liquidator: int = 2, btc: int = UNDERWATER) -> Scenario:
    def make() -> tuple[World, Transaction]:
        w = priced(btc)
        if liquidator == 3:
            w.apply(w.enqueue_deposit(3, 100_000))
        return w, w.wallets[liquidator].liquidate(w.state, BTC, 0, liquidator, amount, FAR)

    return make


def _trade(btc: int, buyer: int, seller: int, amount: int, price: int, market: int = BTC) -> Scenario:
    def make() -> tuple[World, Transaction]:
        w = priced(btc)
        return w, w.trade(market, buyer, seller, amount, price)

    return make


def _replayed_liquidation() -> tuple[World, Transaction]:
    w = priced(UNDERWATER)
    tx = w.wallets[2].liquidate(w.state, BTC, 0, 2, 100, FAR)
    w.apply(tx)
    return w, tx


def _signed_by_another() -> tuple[World, Transaction]:
    """Account 0's withdrawal signed by account 1's key over the right message."""
    w = _funded()
    honest = w.wallets[0].withdraw(w.state, 0, 10, FAR)
    msg = message(w.state.domain, Record(TxType.WITHDRAW, 0, 0, 0, 10).to_int(), w.state.accounts[0].nonce, 0, FAR)
    return w, replace(honest, signature=w.wallets[1].sign(msg))


def _exhausted(lane: str) -> Scenario:
    """The signer's nonce is at its last value: one more signed transaction would overflow it."""

    def make() -> tuple[World, Transaction]:
        w = _funded()
        who = 0 if lane == "a" else 1
        w.state.write(who, replace(w.state.accounts[who], nonce=(1 << 32) - 1), True)
        return w, (w.wallets[0].withdraw(w.state, 0, 10, FAR) if lane == "a" else w.trade(BTC, 2, 1, 10, 3_000_000))

    return make


def _seller_overflows() -> tuple[World, Transaction]:
    """The seller's collateral would pass 2^63 - 1."""
    w = _funded()
    w.apply(w.enqueue_deposit(1, (1 << 63) - 1_100_000))  # 99,999 below the top; the sale pays 300,000
    return w, w.trade(BTC, 0, 1, 10, 3_000_000)


def _index_overflows() -> tuple[World, Transaction]:
    return _funding(20, (1 << 63) - 10)()


def _other_key_new_account() -> tuple[World, Transaction]:
    """The L1 queue registers account 3 with account 3's key; the operator credits another key."""
    w = _funded()
    queued = w.enqueue_deposit(3, 500)
    return w, replace(queued, pubkey=w.wallets[2].pubkey)


def _trade_of_nothing() -> tuple[World, Transaction]:
    w = _funded()
    return w, w.trade(BTC, 0, 1, 0, 3_000_000)


def _self_trade_as_proven() -> tuple[World, Transaction]:
    """Account 0 trades with itself, both signatures over the nonces the circuit uses (n, n + 1)."""
    w = _funded()
    rec = Record(TxType.TRADE, BTC, 0, 0, 5, 3_000_000)
    n = w.state.accounts[0].nonce
    sig = w.wallets[0].sign(message(w.state.domain, rec.to_int(), n, n + 1, FAR))
    return w, Trade(BTC, 0, 0, 5, 3_000_000, FAR, sig, sig)


def _seller_3() -> tuple[World, Transaction]:
    w = _funded()
    w.apply(w.enqueue_deposit(3, 1_000_000))
    return w, w.trade(BTC, 0, 3, 10, 3_000_000)


def _first_oracle() -> tuple[World, Transaction]:
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, 10))
    return w, w.tick(BTC, 3_000_000)


def _unpriced_trade() -> tuple[World, Transaction]:
    """Accounts 0 and 1 funded, no oracle tick yet (price 0: no value, no risk): a cheap trade that
    leaves both well margined, so only the price rule can refuse it."""
    w = World(SMALL)
    for i in range(2):
        w.apply(w.enqueue_deposit(i, 1_000_000))
    return w, w.trade(BTC, 0, 1, 10, 1)


SCENARIOS: dict[str, Scenario] = {
    "valid_withdraw": _withdraw,
    "valid_withdraw_1": lambda: (w := _funded(), w.wallets[1].withdraw(w.state, 1, 10, FAR)),
    "valid_withdraw_2": lambda: (w := _funded(), w.wallets[2].withdraw(w.state, 2, 10, FAR)),
    "valid_trade_seller_0": lambda: (w := _funded(), w.trade(BTC, 1, 0, 10, 3_000_000)),
    "valid_trade_seller_2": lambda: (w := _funded(), w.trade(BTC, 0, 2, 10, 3_000_000)),
    "valid_trade_seller_3": _seller_3,
    "valid_deposit_new": lambda: (w := _funded(), w.enqueue_deposit(3, 500)),
    "valid_deposit_existing": lambda: (w := _funded(), w.enqueue_deposit(1, 500)),
    "valid_oracle": lambda: (w := _funded(), w.tick(BTC, 3_100_000)),
    "valid_first_oracle": _first_oracle,
    "valid_funding": _funding(25),
    "valid_liquidation": _liquidation(200),
    "valid_liquidation_small": _liquidation(100),
    "valid_refund": lambda: (w := World(SMALL), tsa._overflowing_deposit(w)),
    "valid_noop": lambda: (_funded(), Noop()),
    "valid_fe_closed": _closed_exit,
    "valid_fe_high_long": _exit_at(HIGH, (10, 0)),  # closing would push collateral further up
    "valid_fe_low_short": _exit_at(-HIGH - 1, (-10, 0)),  # nothing to pay: value below collateral
    "valid_forced_close": _close(False, 300),
    "valid_forced_close_short": _close(True, 200),  # the counterparty's long ends at 0
    "valid_forced_close_backstop": _close(False, 300, counterparty=BACKSTOP),
    "valid_forced_close_odd": _close(False, 301, oracle=3_000_099, size=301),  # the quote rounds up
    "valid_forced_close_short_odd": _close(True, 201, oracle=3_000_099, size=301),  # and down for a short
    "valid_trade_tiny": lambda: (w := _funded(), w.trade(BTC, 0, 1, 1, 1)),
    "valid_trade_eth": lambda: (w := _funded(), w.trade(ETH, 0, 1, 5, 2_000_000)),
    "refused_withdraw_below_margin": lambda: (w := priced(3_000_000), w.wallets[1].withdraw(w.state, 1, 600_000, FAR)),
    "refused_long_sells_slightly_dear": _trade(UNDERWATER, 2, 0, 100, 2_650_000),  # the ratio falls a little
    "refused_over_liquidation": _liquidation(400),  # it would flip the position
    "refused_poor_liquidator": _liquidation(200, liquidator=3),
    "refused_replayed_liquidation": _replayed_liquidation,
    "refused_underwater_buyer_grows": _trade(DEEP_UNDERWATER, 0, 2, 10, DEEP_UNDERWATER),
    "refused_squeezed_short_buys_back_dear": _trade(SQUEEZED, 1, 2, 100, DEEP_SQUEEZED),
    "refused_underwater_short_flips_by_buying": _trade(DEEP_SQUEEZED, 1, 0, 400, 3_370_000),
    "refused_underwater_seller_grows": _trade(DEEP_SQUEEZED, 2, 1, 10, DEEP_SQUEEZED),
    "refused_squeezed_seller_grows": _trade(SQUEEZED, 2, 1, 10, SQUEEZED),
    "refused_underwater_long_flips_by_selling": _trade(DEEP_UNDERWATER, 2, 0, 400, 2_650_000),
    "refused_trade_in_unpriced_market": _unpriced_trade,
    "refused_oracle_price_zero": lambda: (w := _funded(), w.tick(BTC, 0)),
    "refused_deposit_with_another_key": lambda: (w := _funded(), _enqueued(w, Deposit(1, 500, w.wallets[3].pubkey))),
    "refused_other_key_new_account": _other_key_new_account,
    "refused_signed_by_another": _signed_by_another,
    "refused_exhausted_nonce_a": _exhausted("a"),
    "refused_exhausted_nonce_b": _exhausted("b"),
    "refused_seller_collateral_overflows": _seller_overflows,
    "refused_index_overflows": _index_overflows,
    "refused_trade_of_nothing": _trade_of_nothing,
    "refused_self_trade_as_proven": _self_trade_as_proven,
    "refused_fe_position_open": _exit_at(-2_000_000, (100, 0)),
    "refused_fe_high_short": _exit_at(HIGH, (0, -10)),  # closing a short lowers collateral: close it
    "refused_fe_low_long": _exit_at(-HIGH - 1, (10, 0)),
    "refused_fe_just_below_high_long": _exit_at(HIGH - 1, (10, 0)),
    "refused_close_flips": _close(False, 301),
    "refused_close_counterparty_same_side": _close(False, 300, counterparty=2),  # a ends at 0, b grows
    "refused_close_counterparty_flips": _close(True, 300),  # a ends at 0, b's long of 200 flips
    "refused_close_short_flips": _close(True, 301),
    "refused_close_partial": _close(False, 200),  # neither side ends at 0: a split close
    "refused_close_rich_partial": _rich_partial(1),  # a rest that may stay: only the backstop takes a part
    "valid_close_rich_partial_backstop": _rich_partial(BACKSTOP),
    "refused_close_backstop_partial": _close(False, 200, counterparty=BACKSTOP),
}


def _enqueued(w: World, tx: Deposit) -> Deposit:
    w.state.enqueue(tx.queue_item())
    return tx


# ---- witnesses the spec never produces -------------------------------------------------------


def forced_exit_paying(scenario: str, amount: Callable[[int], int], name: str) -> Callable:
    """A forced exit whose record pays amount(what the spec pays) instead."""

    def build():
        from tests.mutation.statements import batch_statement, forged

        st = batch_statement(scenario)
        rec = st.res.witness.slots[0].record
        return replace(forged(st, name, {"record": replace(rec, amount=amount(rec.amount))}), refused=True)

    return build


def _close_into_missing_backstop():
    """A close whose counterparty is the backstop index while no backstop account exists: lane b opens
    the empty leaf, so its new position would vanish with the leaf (exists_b stops it)."""
    from circuits.ledger.witness import LaneWitness
    from tests.mutation.statements import batch, forged

    w, tx = _close(False, 300, backstop=False)()
    st = batch("valid_forced_close_without_backstop", w, tx)
    slot = st.res.witness.slots[0]
    mid = st.start.copy()
    mid.write(0, st.res.state.accounts[0], True)  # lane a is written first
    lane = LaneWitness(False, mid.account_or_empty(BACKSTOP)[0], mid.path(BACKSTOP).siblings)
    name = "forged_close_into_missing_backstop"
    return replace(forged(st, name, {"record": replace(slot.record, b=BACKSTOP), "lane_b": lane}), refused=True)


def _aliased_deposit():
    """A deposit to account 17 = 16 + 1 (beyond a tree of 16): queued on L1 for 17, credited to 1."""
    from tests.mutation.statements import batch_statement

    st = batch_statement("valid_deposit_existing")
    start = st.start.copy()
    start.pending[0] = replace(start.pending[0], account=17)
    return replace(st, name="forged_deposit_to_aliased_account", start=start, refused=True)


def _funding_of_a_noop() -> dict:
    """What the oracle signs for a funding tick of 0 on BTC (the record of a no-op is all zero)."""
    from tests.mutation.statements import batch_statement

    st = batch_statement("valid_noop")
    ftime = st.start.markets[BTC].funding_time
    sig = ORACLE.sign(message(st.start.domain, 0, 0, 0, ftime))
    return {"expiry": ftime, "r8": sig.r8, "s": sig.s}


FORGED: dict[str, Callable] = {
    **{
        f"forged_{sc}_pays{d:+d}": forced_exit_paying(sc, lambda a, d=d: a + d, f"forged_{sc}_pays{d:+d}")
        for sc in ("valid_fe_closed", "valid_fe_high_long")
        for d in (1, -1)
    },
    **{
        f"forged_{sc}_pays0": forced_exit_paying(sc, lambda a: 0, f"forged_{sc}_pays0")
        for sc in ("valid_fe_closed", "valid_fe_high_long")
    },
    "forged_valid_fe_low_short_pays1": forced_exit_paying(
        "valid_fe_low_short", lambda a: 1, "forged_valid_fe_low_short_pays1"
    ),
    "forged_deposit_to_aliased_account": _aliased_deposit,
    "forged_close_into_missing_backstop": _close_into_missing_backstop,
}
NOOP_AS_FUNDING = _funding_of_a_noop  # what a no-op slot needs to pass as a funding tick (ledger_attacks)
