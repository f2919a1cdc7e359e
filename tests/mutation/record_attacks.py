"""Adversarial witnesses for how a slot reads its record and bounds its positions: an index beyond
the tree, market flags that are not bits, a position past the signed 48-bit range.

Each statement is one the spec refuses and the honest circuit stops at exactly the rule under
test; the accounts that sign are the attacker's own (two colluding accounts, or the operator's).

* ``forged_trade_seller_aliased``: a trade whose record names seller 17 = 16 + 1 in a tree of 16,
  signed by both; the circuit's lane b opens account 1 (the index's low 2·depth bits), the posted
  data names an account the ledger does not have (``b_in_tree``).
* ``forged_trade_on_market_2``: a trade on market 2 (two markets configured), signed by both; with
  m1 = 2, m0 = −1 the slot moves the buyer −d in BTC and +2·d in ETH at a mixed oracle price
  2·p1 − p0 (``m#`` booleanity).  (Market 5, m1 = 5, m0 = −4, makes the quote's divisor 4,600,
  which the remainder's two range checks cannot both hold for: stopped by quote_rem_*.)
* ``valid_trade_eth`` with ``eth_trade_run_on_btc``: the ETH trade both parties signed is executed
  on BTC; the record bits are moved off 0/1 so that they read market 0 while the SHA-256 message
  (so the posted data and the public input) and the signed record integer stay the ETH trade's
  (``bit#`` booleanity).
* ``refused_buyer_beyond_size_range`` / ``refused_seller_beyond_size_range``: one side of a trade
  at oracle price 1 ends at |size| ≥ 2^47 (the other side stays in range); well margined, so only
  the size range stops it (the margin bounds are derived for |size| < 2^47).
* ``refused_withdraw_expiry_beyond_u64``: a withdrawal signed with expiry 2^64 (``expiry_u64``; with
  its gate's product set to 0, ``expiry_u64_gate``).
"""

from __future__ import annotations

from dataclasses import replace

from circuits.field import R
from circuits.ledger.state import message
from circuits.r1cs import LCLike
from rollup.ledger.batch_data import HEAD_BYTES
from rollup.ledger.demo import World, funded_world
from rollup.ledger.types import Transaction
from tests.mutation.judge import BatchStatement
from tests.mutation.tamper import Hook, Tamper, TamperedCS
from tests.mutation.tamperers import const, setw

BTC = 0
S47 = 1 << 47
MIXED_PRICE = 3_001_000  # with scale 100 + 900·2 = 1900 the quote's remainder (900) passes both of its range checks
RICH = 10**13  # collateral for a position of 2^47 at price 1 (notional 1.4·10^12)


def resigned(base: str, name: str, **changes: int) -> BatchStatement:
    """The valid trade ``base`` with its record changed and signed again by the same two wallets over
    the nonces of the accounts the circuit opens (the index's low bits)."""
    from tests.mutation.statements import SMALL, batch_statement, forged

    st = batch_statement(base)
    slot = st.res.witness.slots[0]
    rec = replace(slot.record, **changes)
    n = SMALL.num_accounts
    nonces = [st.start.accounts[i % n].nonce for i in (rec.a, rec.b)]
    msg = message(st.start.domain, rec.to_int(), *nonces, slot.expiry)
    wallets = World(SMALL).wallets
    sigs = {"sig_a": wallets[slot.record.a].sign(msg), "sig_b": wallets[slot.record.b].sign(msg)}
    return replace(forged(st, name, {"record": rec, **sigs}), refused=True)


def _beyond(buyer_start: int, seller_start: int, amount: int) -> tuple[World, Transaction]:
    """Accounts 0 (buyer), 1 (seller) and 2 rich, BTC at price 1; the buyer and seller first hold
    the given BTC positions (traded with account 2); then 0 buys ``amount`` from 1 at price 1."""
    from tests.mutation.statements import SMALL

    w, _ = funded_world(SMALL)
    for i in range(3):
        w.apply(w.enqueue_deposit(i, RICH))
    w.apply(w.tick(BTC, 1))
    for who, size in ((0, buyer_start), (1, seller_start)):
        if size:
            buyer, seller = (who, 2) if size > 0 else (2, who)
            w.apply(w.trade(BTC, buyer, seller, abs(size), 1))
    return w, w.trade(BTC, 0, 1, amount, 1)


def _beyond_statement(name: str, buyer_start: int, seller_start: int, amount: int) -> BatchStatement:
    from tests.mutation.statements import batch

    st = batch(name, *_beyond(buyer_start, seller_start, amount))
    if not st.refused:
        raise AssertionError(f"{name}: the spec accepts it")
    return st


def _expiry_beyond_u64() -> BatchStatement:
    """Account 0's withdrawal signed with expiry 2^64: after the ledger time, so expiry − time fits 64
    bits, but the spec reads expiries as unsigned 64-bit (``slot#.expiry_u64``)."""
    from tests.mutation.statements import SMALL, batch

    w, _ = funded_world(SMALL)
    st = batch("refused_withdraw_expiry_beyond_u64", w, w.wallets[0].withdraw(w.state, 0, 10, 1 << 64))
    if not st.refused:
        raise AssertionError("the spec accepts an expiry of 2^64")
    return st


FORGED = {
    "refused_withdraw_expiry_beyond_u64": _expiry_beyond_u64,
    "forged_trade_seller_aliased": lambda: resigned("trade", "forged_trade_seller_aliased", b=17),
    "forged_trade_on_market_2": lambda: resigned(
        "trade", "forged_trade_on_market_2", market=2, amount=1, price=MIXED_PRICE
    ),
    # buyer 0 → 2^47 (out), seller 1 → −2^47 (in range)
    "refused_buyer_beyond_size_range": lambda: _beyond_statement("refused_buyer_beyond_size_range", 0, 0, S47),
    # buyer −1 → 2^47 − 1 (in range), seller −1 → −2^47 − 1 (out)
    "refused_seller_beyond_size_range": lambda: _beyond_statement("refused_seller_beyond_size_range", -1, -1, S47),
}


def market_flags(m0: int, m1: int) -> Tamper:
    """The slot's market flags chosen (not bits): they still sum to 1 and Σ m·f_m is the record's market."""
    return setw("slot0.m0", const(m0)) + setw("slot0.m1", const(m1))


# Record bits moved (big-endian bit -> delta) so that the ETH trade's record reads market 0 (bit 6
# to −1, bit 7 to 2) and a + 2^24 while SHA-256 message word 9 (batch time bits 15..0 ‖ record bits
# 0..15) and its σ0 in the schedule (w24) keep their integer values: every SHA-256 sum, so the
# digest, is unchanged.  The high bits of a still sum to 0 (a_in_tree), its path bits are untouched,
# the type bits too.  Found by lattice reduction (LLL) over sets of bit positions of the word that
# share no σ0 output (σ0 is multilinear in its bits, so its change is then linear in the deltas,
# with coefficients read off the valid ETH trade's honest bits) and checked exactly by the circuit.
MARKET_TO_A = {6: -1, 7: 1, 8: -6, 9: 9, 13: 195, 14: -134, 15: -64}
MESSAGE_OFFSET = 256 + 8 * HEAD_BYTES  # message bit of record bit 0: header (256 bits), version, batch time
VERSION_BITS = range(256, 264)  # the version byte's message bits: constants, their XORs are free


def _xor_rows(record_bit: int = 0) -> list[str]:
    """The XOR rows σ0 has in the schedule for the message word holding ``record_bit`` (a XOR with a
    constant bit is free: no row)."""
    word = (MESSAGE_OFFSET + record_bit) // 32
    const = {p for p in range(32) if 32 * word + p in VERSION_BITS}
    rows = []
    for k in range(32):
        x, y = (k - 7) % 32, (k - 18) % 32
        z_const = k < 3 or (k - 3) in const
        if x not in const and y not in const:
            rows.append(f"{k}a")
        if not (x in const and y in const) and not z_const:
            rows.append(f"{k}b")
    return [f"public_data.sha256/b0.w{word + 15}.s0.{r}" for r in rows]


def _xor_of_values(row: str) -> Hook:
    """At an XOR row (2x)·y = x + y − out (``out`` is the row's witness): out := x + y − 2xy, which
    holds for any x, y (the honest prover's closure XORs the integers)."""

    def hook(cs: TamperedCS, a: LCLike, b: LCLike, c: LCLike) -> None:
        x, y = cs.value(a) * pow(2, -1, R) % R, cs.value(b)
        cs.set(row, x + y - 2 * x * y)

    return hook


def eth_trade_run_on_btc() -> Tamper:
    """The signed ETH trade's record bits made non-boolean (``MARKET_TO_A``): the posted data and the
    signed message are the ETH trade, the slot executes it on BTC (market flags m0 = 1, m1 = 0)."""
    bits = {f"slot0.bit{j}": (lambda cs, v, d=d: v + d) for j, d in MARKET_TO_A.items()}
    flags = {"slot0.m0": lambda cs, v: 1, "slot0.m1": lambda cs, v: 0}
    xors = {row: _xor_of_values(row) for row in _xor_rows()}
    return Tamper("ETH trade run on BTC (record bits off 0/1)", {**bits, **flags}, xors)


ATTACKS: list[tuple[str, Tamper]] = [
    ("refused_withdraw_expiry_beyond_u64", setw("slot0.expiry_u64_gate", const(0))),  # the gate's product dropped
    ("valid_trade_eth", eth_trade_run_on_btc()),
    ("forged_trade_on_market_2", market_flags(-1, 2)),
]
