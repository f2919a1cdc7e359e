"""One transaction slot: every type's rules on two account lanes, two signature checks,
the market state and the L1 queue, selected by the record's type flags.

Constraints per rule (names under ``slot{k}``):
  quote        : q = floor(amount·price / scale) (price = oracle price for a liquidation)
  exists_*     : signed and liquidation types need existing accounts; a deposit's key matches
  amount_nonzero, distinct : trades and liquidations move size between two accounts
  overdraft    : a withdrawal leaves collateral ≥ 0
  margin_a/b   : initial margin after withdraw, trade (unless only reducing), liquidator;
                 liquidated account below maintenance before; only reducing
  forced_amount: a forced exit pays exactly min(max(collateral, 0), free collateral)
  sig_a, sig_b : EdDSA on Poseidon(domain, record, nonces, expiry) (oracle key for a price tick)
  hash         : the one Poseidon of a slot, the signed message or the queue step by type
  expiry, oracle_time, funding_bound : time rules
  queue        : deposits and forced exits extend the L1 queue hash chain
Unused lanes and signature slots are gated off (Merkle update inactive, dummy signature).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.field import R
from circuits.gadgets.basic import lc, mul, select
from circuits.gadgets.bits import divmod_const, is_nonnegative, less_than, range_check, signed_range_check
from circuits.gadgets.eddsa import verify_eddsa_poseidon
from circuits.gadgets.poseidon import poseidon
from circuits.ledger.lane import AccountLane, MarketWires, dot
from circuits.ledger.params import AMOUNT_BITS, DIFF_BITS, RISK_UNIT, SCALE_BITS, SIGNED_BITS, LedgerParams, TxType
from circuits.ledger.slot_record import index_bits, record_wires
from circuits.ledger.witness import SlotWitness, dummy_signature
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Variable

LC = LinearCombination
T = TxType


@dataclass
class Wires:
    """The state threaded from slot to slot."""

    accounts_root: LC
    time: LC
    markets: list[MarketWires]
    queue_head: LC


class Slot:
    def __init__(self, cs: ConstraintSystem, p: LedgerParams, k: int, sw: Callable[[], SlotWitness]) -> None:
        self.cs, self.p, self.sw, self.n = cs, p, sw, f"slot{k}"

    def _w(self, label: str, value: Callable[[], int]) -> Variable:
        return self.cs.new_witness(f"{self.n}.{label}", value)

    def synthesize(self, g: Wires) -> tuple[Wires, list[Variable]]:
        cs, n = self.cs, self.n
        self.r = r = record_wires(cs, self.p, lambda: self.sw().record, n)
        self.g = g
        a = AccountLane(cs, self.p, f"{n}.a", lambda: self.sw().lane_a)
        b = AccountLane(cs, self.p, f"{n}.b", lambda: self.sw().lane_b)
        a.open(g.markets, r.mflags)
        b.open(g.markets, r.mflags)
        self._pairing_rules(a, b)
        root = self._lanes(a, b)
        self._margins(a, b)
        self._signatures(a, b)
        time, markets = self._market_rules()
        head = self._queue()
        return Wires(root, time, markets, head), r.bits

    # ---- lanes ------------------------------------------------------------------
    def _quote(self, oracle_price: LC) -> Variable:
        """floor(amount·price / scale) with all ranges checked (1 when no market: q = r = 0)."""
        cs, n, r, p = self.cs, self.n, self.r, self.p
        amount = r.fields["amount"]
        price = r.fields["price"] + mul(cs, r.t[T.LIQUIDATION], oracle_price - r.fields["price"], f"{n}.q_price")
        scale = LC.constant(1)  # no market: divide by 1
        for m, f in enumerate(r.mflags):
            scale = scale + lc(f) * (p.markets[m].price_scale - 1)
        notional = mul(cs, amount, price, f"{n}.q_notional")
        q = self._w("quote", lambda: cs.value(notional) // cs.value(scale))
        rem = self._w("quote_rem", lambda: cs.value(notional) % cs.value(scale))
        cs.enforce(q, scale, notional - rem, f"{n}.quote")
        # No range check on q: it reaches the ledger only as ±q on two existing accounts' collateral,
        # which ``close`` checks signed 64-bit around settled values below 2^134; so |q| < 2^135,
        # q·scale = notional - rem holds over the integers (< 2^175 < r) and q is the floor.
        range_check(cs, rem, SCALE_BITS, f"{n}.quote_rem_range")
        range_check(cs, scale - rem - 1, SCALE_BITS, f"{n}.quote_rem_below_scale")
        return q

    def _lanes(self, a: AccountLane, b: AccountLane) -> Variable:
        cs, n, r, g = self.cs, self.n, self.r, self.g
        oracle_price = dot(cs, r.mflags, [mk.price for mk in g.markets], f"{n}.oracle_price")
        q = self._quote(oracle_price)
        self.long_a = long = is_nonnegative(cs, a.size_sel, SIGNED_BITS, f"{n}.liq_sign")
        liq_sigma = mul(cs, r.t[T.LIQUIDATION], long, f"{n}.liq_sigma") * 2 - r.t[T.LIQUIDATION]  # t_liq·σ
        amount = r.fields["amount"]
        d_size = mul(cs, amount, r.any_of(T.TRADE) - liq_sigma, f"{n}.d_size")
        d_quote = mul(cs, q, liq_sigma - r.t[T.TRADE], f"{n}.d_quote")
        d_coll_a = mul(cs, amount, r.any_of(T.DEPOSIT) - r.t[T.WITHDRAW] - r.t[T.FORCED_EXIT], f"{n}.d_amount")
        create = (lc(r.t[T.DEPOSIT]), self.item_pk)
        active_a = r.any_of(T.DEPOSIT, T.WITHDRAW, T.TRADE, T.LIQUIDATION, T.FORCED_EXIT)
        bits_a, bits_b = (index_bits(cs, self.p, r, w, n) for w in ("a", "b"))
        root = a.close(
            self.g.accounts_root, active_a, bits_a, (d_coll_a + d_quote, d_size, r.any_of(T.WITHDRAW, T.TRADE)), create
        )
        return b.close(
            root, r.any_of(T.TRADE, T.LIQUIDATION), bits_b, (-d_quote, -d_size, r.any_of(T.TRADE, T.LIQUIDATION))
        )

    # ---- rules ------------------------------------------------------------------
    def _pairing_rules(self, a: AccountLane, b: AccountLane) -> None:
        cs, n, r = self.cs, self.n, self.r
        cs.enforce(r.any_of(T.WITHDRAW, T.TRADE, T.LIQUIDATION), 1 - lc(a.exists), 0, f"{n}.exists_a")
        two = r.any_of(T.TRADE, T.LIQUIDATION)
        cs.enforce(two, 1 - lc(b.exists), 0, f"{n}.exists_b")
        _nonzero_if(cs, two, r.fields["amount"], f"{n}.amount_nonzero")
        _nonzero_if(cs, two, r.fields["a"] - r.fields["b"], f"{n}.distinct")
        self.item_pk = tuple(self._w(f"item_pk{j}", lambda j=j: self.sw().item_pubkey[j]) for j in range(2))
        existing = mul(cs, r.t[T.DEPOSIT], a.exists, f"{n}.deposit_existing")
        for j in range(2):
            cs.enforce(existing, a.pk[j] - self.item_pk[j], 0, f"{n}.deposit_key{j}")

    def _margins(self, a: AccountLane, b: AccountLane) -> None:
        cs, n, r = self.cs, self.n, self.r
        ma = a.margin(use_old=r.any_of(T.LIQUIDATION, T.FORCED_EXIT))
        mb = b.margin(None)
        red_a = _reducing(cs, a.size_sel, a.new_size_sel, self.long_a, f"{n}.a")
        red_b = _reducing(cs, b.size_sel, b.new_size_sel, None, f"{n}.b")
        cs.enforce(r.t[T.LIQUIDATION], 1 - lc(red_a), 0, f"{n}.liquidation_reduces")
        t_tr, t_liq = r.t[T.TRADE], r.t[T.LIQUIDATION]
        need_a = r.any_of(T.WITHDRAW, T.TRADE, T.LIQUIDATION) - mul(cs, t_tr, red_a, f"{n}.a_only_reduces")
        below = -ma.excess_maintenance - 1 - ma.excess_initial
        x_a = ma.excess_initial + mul(cs, t_liq, below, f"{n}.a_liquidatable")
        range_check(cs, mul(cs, need_a, x_a, f"{n}.margin_a_gate"), DIFF_BITS, f"{n}.margin_a")
        need_b = r.any_of(T.TRADE, T.LIQUIDATION) - mul(cs, t_tr, red_b, f"{n}.b_only_reduces")
        range_check(cs, mul(cs, need_b, mb.excess_initial, f"{n}.margin_b_gate"), DIFF_BITS, f"{n}.margin_b")
        gate = mul(cs, r.t[T.WITHDRAW], a.new_collateral, f"{n}.overdraft_gate")
        range_check(cs, gate, SIGNED_BITS - 1, f"{n}.overdraft")
        self._forced_amount(a, ma.excess_initial)

    def _forced_amount(self, a: AccountLane, free_scaled: LC) -> None:
        """A forced exit pays min(max(settled collateral, 0), floor(free / (D·RISK_UNIT)), 0 if free < 0)."""
        cs, n, r = self.cs, self.n, self.r
        pos = is_nonnegative(cs, free_scaled, DIFF_BITS, f"{n}.fe_free_sign")
        free = mul(cs, pos, free_scaled, f"{n}.fe_free")
        units, _ = divmod_const(cs, free, self.p.scale_lcm * RISK_UNIT, FE_BITS, f"{n}.fe_units")
        cpos = is_nonnegative(cs, a.settled, SETTLED_BITS, f"{n}.fe_coll_sign")
        coll = mul(cs, cpos, a.settled, f"{n}.fe_coll")
        lt = less_than(cs, coll, units, FE_BITS, f"{n}.fe_min")
        amount = lc(units) + mul(cs, lt, coll - units, f"{n}.fe_amount")
        cs.enforce(r.t[T.FORCED_EXIT], r.fields["amount"] - amount, 0, f"{n}.forced_amount")

    def _signatures(self, a: AccountLane, b: AccountLane) -> None:
        cs, n, r, p = self.cs, self.n, self.r, self.p
        expiry = self._w("expiry", lambda: self.sw().expiry)
        sa, sb = r.any_of(T.WITHDRAW, T.TRADE), r.any_of(T.TRADE, T.LIQUIDATION)
        nonces = mul(cs, sa, a.nonce, f"{n}.nonce_a") + mul(cs, sb, b.nonce, f"{n}.nonce_b") * (1 << 32)
        msg = self._slot_hash([LC.constant(p.domain), r.as_int(), nonces, lc(expiry)])
        gate = mul(cs, r.any_of(T.WITHDRAW, T.TRADE, T.LIQUIDATION), lc(expiry) - self.g.time, f"{n}.expiry_gate")
        range_check(cs, gate, AMOUNT_BITS, f"{n}.expiry")
        t_or = r.t[T.ORACLE]
        key_a = tuple(
            k + mul(cs, t_or, o - k, f"{n}.oracle_key{j}") for j, (k, o) in enumerate(zip(a.pk, p.oracle_key))
        )
        self._verify(key_a, msg, r.any_of(T.WITHDRAW, T.TRADE, T.ORACLE), lambda: self.sw().sig_a, "sig_a")
        self._verify(b.pk, msg, sb, lambda: self.sw().sig_b, "sig_b")

    def _verify(self, key: tuple, msg: LC, active: LC, sig: Callable, label: str) -> None:
        """EdDSA on (key, msg) when active, else on the dummy key and message."""
        cs, n = self.cs, f"{self.n}.{label}"
        dkey, dmsg, _ = dummy_signature()
        k = [d + mul(cs, active, lc(x) - d, f"{n}.key{j}") for j, (x, d) in enumerate(zip(key, dkey))]
        m = dmsg + mul(cs, active, msg - dmsg, f"{n}.msg")
        r8 = tuple(lc(self._w(f"{label}.r8_{j}", lambda j=j: sig().r8[j])) for j in range(2))
        s = self._w(f"{label}.s", lambda: sig().s)
        verify_eddsa_poseidon(cs, (k[0], k[1]), r8, s, m, n)

    def _market_rules(self) -> tuple[LC, list[MarketWires]]:
        cs, n, r, g, p = self.cs, self.n, self.r, self.g, self.p
        t_or, t_fu = r.t[T.ORACLE], r.t[T.FUNDING]
        ts, price = r.fields["amount"], r.fields["price"]
        delta = ts - lc(r.field_bits["amount"][63]) * (1 << 64)  # the amount field as two's complement
        range_check(cs, mul(cs, t_or, ts - g.time - 1, f"{n}.oracle_gate"), AMOUNT_BITS, f"{n}.oracle_time")
        time = g.time + mul(cs, t_or, ts - g.time, f"{n}.time")
        elapsed = g.time - dot(cs, r.mflags, [mk.ftime for mk in g.markets], f"{n}.ftime_sel")
        rate = LC({})
        for f, cfg in zip(r.mflags, p.markets):
            rate = rate + lc(f) * cfg.max_funding_rate
        bound = mul(cs, rate, elapsed, f"{n}.funding_rate_elapsed")
        magnitude = delta - mul(cs, r.field_bits["amount"][63], delta * 2, f"{n}.funding_abs")  # |Δ|
        gate = mul(cs, t_fu, bound - magnitude, f"{n}.funding_gate")
        range_check(cs, gate, FUNDING_BOUND_BITS, f"{n}.funding_bound")
        markets = []
        for m, (mk, f) in enumerate(zip(g.markets, r.mflags)):
            om, fm = mul(cs, t_or, f, f"{n}.oracle_m{m}"), mul(cs, t_fu, f, f"{n}.funding_m{m}")
            new_price = mk.price + mul(cs, om, price - mk.price, f"{n}.price{m}")
            new_index = mk.index + mul(cs, fm, delta, f"{n}.index{m}")
            new_ftime = mk.ftime + mul(cs, fm, g.time - mk.ftime, f"{n}.ftime{m}")
            markets.append(MarketWires(new_price, new_index, new_ftime))
        index_sel = dot(cs, r.mflags, [mk.index for mk in markets], f"{n}.index_sel")
        signed_range_check(cs, mul(cs, t_fu, index_sel, f"{n}.index_gate"), SIGNED_BITS, f"{n}.index_range")
        return time, markets

    def _slot_hash(self, msg_inputs: list[LC]) -> LC:
        """The slot's one Poseidon(4): the queue step Poseidon(head, kind + a·2^8 + amount·2^32, pk)
        for deposits and forced exits, else the signed message Poseidon(domain, record, nonces, expiry).
        Each use is gated by the type flags, so one hash serves both (saves a Poseidon a slot)."""
        cs, n, r, g = self.cs, self.n, self.r, self.g
        t_dep, t_fe = r.t[T.DEPOSIT], r.t[T.FORCED_EXIT]
        amount = mul(cs, t_dep, r.fields["amount"], f"{n}.queue_amount")
        packed = lc(t_dep) * T.DEPOSIT + lc(t_fe) * T.FORCED_EXIT + r.fields["a"] * (1 << 8) + amount * (1 << 32)
        pk = [mul(cs, t_dep, self.item_pk[j], f"{n}.queue_pk{j}") for j in range(2)]
        self.queued = queued = r.any_of(T.DEPOSIT, T.FORCED_EXIT)
        inputs = [
            m + mul(cs, queued, lc(q) - m, f"{n}.hash_in{j}")
            for j, (q, m) in enumerate(zip([g.queue_head, packed, *pk], msg_inputs))
        ]
        self.hash = lc(poseidon(cs, inputs, f"{n}.hash"))
        return self.hash

    def _queue(self) -> LC:
        """head' = the slot hash for deposits and forced exits, else head."""
        return lc(select(self.cs, self.queued, self.hash, self.g.queue_head, f"{self.n}.queue_head"))


FE_BITS = 173  # free collateral units < 2^186 / RISK_UNIT
SETTLED_BITS = 134  # |collateral - Σ size·Δindex| < 2^63 + 5·2^127 < 2^130
FUNDING_BOUND_BITS = 97  # rate·elapsed - |Δ| ∈ (-2^63, 2^96): negative values fail


def _nonzero_if(cs: ConstraintSystem, flag: LCLike, x: LCLike, name: str) -> None:
    """x ≠ 0 when flag = 1: x · inv = flag (1 constraint)."""
    inv = cs.new_witness(f"{name}.inv", lambda: pow(cs.value(x), -1, R) if cs.value(x) and cs.value(flag) else 0)
    cs.enforce(x, inv, flag, name)


def _reducing(cs: ConstraintSystem, old: LC, new: LC, old_sign: Variable | None, name: str) -> LC:
    """1 iff the position shrinks toward zero without changing sign: 0 ≤ σ·new ≤ σ·old, σ = ±1 the
    sign of old (0 counts as positive, so from 0 only new = 0 qualifies).  old_sign, if given, is
    [old ≥ 0] already constrained; new is a signed 64-bit value (range-checked in ``close``)."""
    if old_sign is None:
        old_sign = is_nonnegative(cs, old, SIGNED_BITS, f"{name}.old_sign")
    sigma = lc(old_sign) * 2 - 1
    along = mul(cs, sigma, new, f"{name}.along")
    abs_old = mul(cs, sigma, old, f"{name}.abs_old")
    stays = is_nonnegative(cs, along, SIGNED_BITS + 1, f"{name}.same_side")
    shrinks = is_nonnegative(cs, abs_old - along, SIGNED_BITS + 2, f"{name}.shrinks")
    return mul(cs, stays, shrinks, f"{name}.reducing")
