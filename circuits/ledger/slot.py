"""One transaction slot: every type's rules on two account lanes, two signature checks,
the market state and the L1 queue, selected by the record's type flags.

Constraints per rule (names under ``slot{k}``):
  quote        : q = floor(amount·price / scale) (price = oracle price for a liquidation); an exiting
                 long's forced close is paid the ceiling (close_round_up)
  exists_*     : signed and liquidation types need existing accounts; a deposit's key matches
  amount_nonzero, distinct : trades and liquidations move size between two accounts
  a.in_range   : lane a's collateral after its change (settled + delta; settled alone for a forced
                 exit) is signed 64-bit: required for every write of lane a, refused for a
                 DEPOSIT_REFUND (the proof that the deposit could not be applied); a forced exit
                 of an account out of range pays 0 and writes nothing
  overdraft    : a withdrawal leaves collateral ≥ 0
  margin_a/b   : initial margin after a withdrawal and for the liquidator; the liquidated account
                 below maintenance before; trades: well margined after, or ``healthier``
  market_priced: trades and liquidations need a positive oracle price (oracle ticks are ≥ 1)
  healthier_*  : StarkEx: the position only shrinks (at a positive price: risk falls), and
                 value_after·risk_before ≥ value_before·risk_after
  fe_closed#   : a paying forced exit holds no position it could have closed (``margin.may_stay_open``)
  forced_amount: so it pays exactly max(collateral, 0), all its free collateral
  close_counterparty_reduces, close_takes_all : a forced close moves size at the oracle price from the
                 exiting account (``liquidation_reduces``) to an opposite position (or the operator's
                 backstop account, 4^depth − 1), both shrinking toward zero, until one of them is 0
                 (or the exiting account's rest may stay and the backstop takes the part); the
                 contract checks that the account's forced exit is next in its queue
  sig_a, sig_b : EdDSA on Poseidon(domain, record, nonces, expiry) (the oracle's key for price and
                 funding ticks; a funding tick's expiry slot is the market's funding time)
  hash         : the one Poseidon of a slot, the signed message or the queue step by type
  expiry, expiry_u64, oracle_time, oracle_time_u40, funding_bound, funding_started : time rules
                 (a user's expiry is below 2^64 and not before the ledger time; oracle timestamps
                 advance the clock and stay below 2^40)
  price_fresh# : withdrawals, trades, liquidations and forced exits need every priced market's tick at most
                 max_price_age behind the ledger time (margin reads every market's price)
  queue        : deposits, refunds and forced exits extend the L1 queue hash chain
Unused lanes and signature slots are gated off (Merkle update inactive, dummy signature).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.gadgets.basic import is_zero, lc, mul, nonzero_if, select
from circuits.gadgets.bits import is_nonnegative, range_check, signed_range_check, to_bits
from circuits.gadgets.eddsa import verify_eddsa_poseidon
from circuits.gadgets.poseidon import poseidon
from circuits.ledger.bounds import FUNDING_BITS, Bounds
from circuits.ledger.lane import AccountLane, Margin, MarketWires, dot
from circuits.ledger.params import (
    AGE_BITS,
    AMOUNT_BITS,
    COLLATERAL_BITS,
    FUNDING_UNIT,
    INDEX_BITS,
    SIZE_BITS,
    TIME_BITS,
    LedgerParams,
    TxType,
)
from circuits.ledger.slot_record import index_bits, record_wires
from circuits.ledger.witness import SlotWitness, dummy_signature
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Variable

LC = LinearCombination
T = TxType
WRITES_A = (T.DEPOSIT, T.WITHDRAW, T.TRADE, T.LIQUIDATION, T.FORCED_CLOSE)  # lane a written unconditionally
TWO_LANES = (T.TRADE, T.LIQUIDATION, T.FORCED_CLOSE)  # size moves between two existing accounts
HIGH_BITS = (COLLATERAL_BITS - 1, COLLATERAL_BITS - 2)  # bits of collateral + 2^63 that say |collateral| ≥ 2^62


@dataclass
class Wires:
    """The state threaded from slot to slot."""

    accounts_root: LC
    time: LC
    markets: list[MarketWires]
    queue_head: LC
    domain: LC


class Slot:
    def __init__(self, cs: ConstraintSystem, p: LedgerParams, k: int, sw: Callable[[], SlotWitness]) -> None:
        self.cs, self.p, self.sw, self.n = cs, p, sw, f"slot{k}"
        self.bounds = Bounds.of(p)

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
        self._fresh_prices()
        self._signatures(a, b)
        time, markets = self._market_rules()
        head = self._queue()
        return Wires(root, time, markets, head, g.domain), r.bits

    # ---- lanes ------------------------------------------------------------------
    def _quote(self) -> Variable:
        """floor(amount·price / scale) with all ranges checked (1 when no market: q = r = 0)."""
        cs, n, r, p = self.cs, self.n, self.r, self.p
        amount = r.fields["amount"]
        at_oracle = r.any_of(T.LIQUIDATION, T.FORCED_CLOSE)
        price = r.fields["price"] + mul(cs, at_oracle, self.oracle_price - r.fields["price"], f"{n}.q_price")
        scale = LC.constant(1)  # no market: divide by 1
        for m, f in enumerate(r.mflags):
            scale = scale + lc(f) * (p.markets[m].price_scale - 1)
        notional = mul(cs, amount, price, f"{n}.q_notional")
        q = self._w("quote", lambda: cs.value(notional) // cs.value(scale))
        rem = self._w("quote_rem", lambda: cs.value(notional) % cs.value(scale))
        cs.enforce(q, scale, notional - rem, f"{n}.quote")
        self.quote_rem = rem
        # No range check on q: it reaches the ledger only as ±q on two existing accounts' collateral,
        # both range-checked around settled values below 2^113; so |q| < 2^114, q·scale = notional - rem
        # holds over the integers (< 2^134 < r) and q is the floor.
        bits = self.bounds.scale_bits
        range_check(cs, rem, bits, f"{n}.quote_rem_range")
        range_check(cs, scale - rem - 1, bits, f"{n}.quote_rem_below_scale")
        return q

    def _lanes(self, a: AccountLane, b: AccountLane) -> Variable:
        cs, n, r, g = self.cs, self.n, self.r, self.g
        self.oracle_price = dot(cs, r.mflags, [mk.price for mk in g.markets], f"{n}.oracle_price")
        q = self._quote()
        self.long_a = long = is_nonnegative(cs, a.size_sel, SIZE_BITS, f"{n}.liq_sign")
        t_move = r.any_of(T.LIQUIDATION, T.FORCED_CLOSE)  # size moves from a to b at the oracle price
        liq_sigma = mul(cs, t_move, long, f"{n}.liq_sigma") * 2 - t_move  # t_move·σ
        amount = r.fields["amount"]
        self.d_size = d_size = mul(cs, amount, r.any_of(T.TRADE) - liq_sigma, f"{n}.d_size")
        self.d_quote = d_quote = mul(cs, q, liq_sigma - r.t[T.TRADE], f"{n}.d_quote") + self._round_up(long)
        base = mul(cs, amount, r.any_of(T.DEPOSIT, T.DEPOSIT_REFUND) - r.t[T.WITHDRAW], f"{n}.d_amount")
        payout = mul(cs, amount, r.t[T.FORCED_EXIT], f"{n}.fe_payout")
        self.d_coll_a = base + d_quote - payout
        fe_active = self._collateral_range_a(a.settled + base + d_quote)
        use_a = (r.any_of(*WRITES_A, T.FORCED_EXIT, T.DEPOSIT_REFUND), r.any_of(*WRITES_A) + fe_active)
        create = (lc(r.t[T.DEPOSIT]), self.item_pk)
        bits_a, bits_b = (index_bits(cs, self.p, r, w, n) for w in ("a", "b"))
        deltas_a = (self.d_coll_a, d_size, r.any_of(T.WITHDRAW, T.TRADE))
        root = a.close(self.g.accounts_root, use_a, bits_a, deltas_a, create, check_collateral=False)
        deltas_b = (-d_quote, -d_size, r.any_of(T.TRADE, T.LIQUIDATION))
        both = r.any_of(*TWO_LANES)
        return b.close(root, (both, both), bits_b, deltas_b)

    def _round_up(self, long: Variable) -> Variable:
        """1 for a forced close of a long whose quote has a remainder: the exiting account is paid
        ceil(amount·price / scale) (an exiting short pays the floor), so however the operator splits
        an exit into closes, the rounding never goes against the account that is leaving."""
        cs, n, r = self.cs, self.n, self.r
        exact = is_zero(cs, self.quote_rem, f"{n}.close_exact")
        closing_long = mul(cs, r.t[T.FORCED_CLOSE], long, f"{n}.close_long")
        return mul(cs, closing_long, 1 - lc(exact), f"{n}.close_round_up")

    def _collateral_range_a(self, y: LC) -> LC:
        """in_range = [y is signed 64-bit] for lane a's collateral after its change (for a forced exit,
        the settled collateral it pays from); required by writes, refused by refunds.  Returns the
        forced exit's write flag t_fe·in_range."""
        cs, n, r = self.cs, self.n, self.r
        ok, self.coll_bits = in_signed_range(cs, y, COLLATERAL_BITS, self.bounds.inrange_bits, f"{n}.a.in_range")
        cs.enforce(r.any_of(*WRITES_A), 1 - lc(ok), 0, f"{n}.a.collateral_range")
        cs.enforce(r.t[T.DEPOSIT_REFUND], ok, 0, f"{n}.refund_reason")
        self.fe_gate = mul(cs, r.t[T.FORCED_EXIT], ok, f"{n}.fe_gate")
        return self.fe_gate

    # ---- rules ------------------------------------------------------------------
    def _pairing_rules(self, a: AccountLane, b: AccountLane) -> None:
        cs, n, r = self.cs, self.n, self.r
        cs.enforce(r.any_of(T.WITHDRAW, *TWO_LANES), 1 - lc(a.exists), 0, f"{n}.exists_a")
        two = r.any_of(*TWO_LANES)
        cs.enforce(two, 1 - lc(b.exists), 0, f"{n}.exists_b")
        nonzero_if(cs, two, r.fields["amount"], f"{n}.amount_nonzero")
        nonzero_if(cs, two, r.fields["a"] - r.fields["b"], f"{n}.distinct")
        self.item_pk = tuple(self._w(f"item_pk{j}", lambda j=j: self.sw().item_pubkey[j]) for j in range(2))
        existing = mul(cs, r.any_of(T.DEPOSIT, T.DEPOSIT_REFUND), a.exists, f"{n}.deposit_existing")
        for j in range(2):
            cs.enforce(existing, a.pk[j] - self.item_pk[j], 0, f"{n}.deposit_key{j}")

    def _margins(self, a: AccountLane, b: AccountLane) -> None:
        cs, n, r, bits = self.cs, self.n, self.r, self.bounds.margin_bits
        t_tr, t_liq = r.t[T.TRADE], r.t[T.LIQUIDATION]
        ma = a.margin(use_old=r.any_of(T.LIQUIDATION, T.FORCED_EXIT))
        mb = b.margin(None)
        red_a, sign_a = _reducing(cs, a.size_sel, a.new_size_sel, self.long_a, f"{n}.a")
        red_b, sign_b = _reducing(cs, b.size_sel, b.new_size_sel, None, f"{n}.b")
        cs.enforce(r.any_of(T.LIQUIDATION, T.FORCED_CLOSE), 1 - lc(red_a), 0, f"{n}.liquidation_reduces")
        self._edges()
        self._close_rules(a, b, red_b)
        below = -ma.excess_maintenance - 1 - ma.excess_initial  # ≥ 0 iff below maintenance (old values)
        x_a = ma.excess_initial + mul(cs, t_liq, below, f"{n}.a_liquidatable")
        ok_a = is_nonnegative(
            cs, mul(cs, r.any_of(T.WITHDRAW, T.TRADE, T.LIQUIDATION), x_a, f"{n}.ma_gate"), bits, f"{n}.margin_a"
        )
        cs.enforce(r.any_of(T.WITHDRAW, T.LIQUIDATION), 1 - lc(ok_a), 0, f"{n}.margin_a_required")
        ok_b = is_nonnegative(
            cs, mul(cs, r.any_of(T.TRADE, T.LIQUIDATION), mb.excess_initial, f"{n}.mb_gate"), bits, f"{n}.margin_b"
        )
        cs.enforce(t_liq, 1 - lc(ok_b), 0, f"{n}.margin_b_required")
        # trades and liquidations need a positive oracle price (at 0 a position has no value or risk)
        nonzero_if(cs, r.any_of(*TWO_LANES), self.oracle_price, f"{n}.market_priced")
        self.dp = mul(cs, self.d_size, self.oracle_price, f"{n}.d_notional")
        self._healthier(ma, ok_a, mul(cs, t_tr, red_a, f"{n}.a.may_heal"), sign_a, self.d_coll_a, 1, "a")
        self._healthier(mb, ok_b, mul(cs, t_tr, red_b, f"{n}.b.may_heal"), sign_b, -self.d_quote, -1, "b")
        gate = mul(cs, r.t[T.WITHDRAW], a.new_collateral, f"{n}.overdraft_gate")
        range_check(cs, gate, COLLATERAL_BITS - 1, f"{n}.overdraft")
        self._forced_amount(a)
        self._closed_positions(a, ma)

    def _fresh_prices(self) -> None:
        """For withdrawals, trades, liquidations and forced exits, each market priced at all (price time ≠ 0) has
        max_price_age − (time − price time) in [0, 2^32): a price time is never after the ledger time,
        and an older tick makes the difference negative, a residue far above 2^32."""
        cs, n, r, g = self.cs, self.n, self.r, self.g
        margin_read = r.any_of(T.WITHDRAW, *TWO_LANES, T.FORCED_EXIT)
        for m, mk in enumerate(g.markets):
            priced = 1 - lc(is_zero(cs, mk.ptime, f"{n}.unpriced{m}"))
            gate = mul(cs, margin_read, priced, f"{n}.fresh_gate{m}")
            slack = self.p.max_price_age - g.time + mk.ptime
            range_check(cs, mul(cs, gate, slack, f"{n}.fresh_slack{m}"), AGE_BITS, f"{n}.price_fresh{m}")

    def _healthier(
        self, m: Margin, well: Variable, flag: LC, old_sign: Variable, d_coll: LC, side: int, x: str
    ) -> None:
        """A trade side below initial margin after the trade must be healthier: flag (the position
        only shrinks, at a positive oracle price) and value_after·risk_before ≥ value_before·risk_after.
        Before-values come from the after-values and the trade: value_before = value_after −
        (d_coll·D + d_size·price·c), risk_before = risk_after − σ·d_size·price·c·rf (exact when the
        position only shrinks, the only case where they are used)."""
        cs, n, r, p = self.cs, f"{self.n}.{x}", self.r, self.p
        c_sel, crf_sel = LC({}), LC({})
        for f, cfg, c in zip(r.mflags, p.markets, (p.scale_factor(i) for i in range(len(p.markets)))):
            c_sel, crf_sel = c_sel + lc(f) * c, crf_sel + lc(f) * (c * cfg.risk_factor_initial)
        dp = self.dp * side
        value_before = m.value - d_coll * p.scale_lcm - mul(cs, dp, c_sel, f"{n}.d_value")
        sigma_crf = mul(cs, lc(old_sign) * 2 - 1, crf_sel, f"{n}.sigma_crf")
        risk_before = m.risk - mul(cs, sigma_crf, dp, f"{n}.d_risk")
        ratio = mul(cs, m.value, risk_before, f"{n}.v_after_r_before") - mul(
            cs, value_before, m.risk, f"{n}.v_before_r_after"
        )
        ratio_ok = is_nonnegative(cs, mul(cs, flag, ratio, f"{n}.ratio_gate"), self.bounds.ratio_bits, f"{n}.ratio")
        heals = mul(cs, flag, ratio_ok, f"{n}.heals")
        unwell = mul(cs, r.t[T.TRADE], 1 - lc(well), f"{n}.unwell")
        cs.enforce(unwell, 1 - heals, 0, f"{self.n}.healthier_{x}")

    def _forced_amount(self, a: AccountLane) -> None:
        """A forced exit pays max(settled collateral, 0): with every closable position closed
        (``fe_closed#``) it holds none, only longs with collateral ≥ 2^62 (whose free collateral is at
        least the collateral) or collateral < −2^62, so this is all it may take.  The sign is bit 63 of
        collateral + 2^63 from the in-range test; 0 when out of range (fe_gate = 0)."""
        cs, n, r = self.cs, self.n, self.r
        positive = mul(cs, self.fe_gate, self.coll_bits[COLLATERAL_BITS - 1], f"{n}.fe_positive")
        pay = mul(cs, positive, a.settled, f"{n}.fe_pay")
        cs.enforce(r.t[T.FORCED_EXIT], r.fields["amount"] - pay, 0, f"{n}.forced_amount")

    def _edges(self) -> None:
        """high = [y ≥ 2^62], low = [y < −2^62] for lane a's collateral y after its change (the top two
        bits of y + 2^63 from the in-range test; meaningful when y is in range)."""
        b63, b62 = (self.coll_bits[i] for i in HIGH_BITS)
        self.high = high = lc(mul(self.cs, b63, b62, f"{self.n}.fe_high"))
        self.low = 1 - lc(b63) - b62 + high

    def _may_stay(self, long: LCLike, name: str) -> LC:
        """``margin.may_stay_open``: a long at high collateral, a short at low (closing either would
        push the collateral further toward the edge it is within a quarter of)."""
        return self.low + mul(self.cs, long, self.high - self.low, f"{self.n}.{name}")

    def _close_rules(self, a: AccountLane, b: AccountLane, red_b: LC) -> None:
        """A forced close: the counterparty shrinks toward zero too, unless it is the operator's
        backstop account (index 4^depth − 1, registered by the operator alone); and the close takes all
        it can: a's or b's position ends at 0, or a's rest may stay (``fe_closed#``) and b is the
        backstop, so no one but the operator's own account pays for a close split into roundings."""
        cs, n, r = self.cs, self.n, self.r
        t_fc = r.t[T.FORCED_CLOSE]
        # backstop ≠ 0 only if b is the backstop index (no inverse row: any other value there only
        # keeps the counterparty rule on, which the honest prover avoids by writing 1)
        last = self.p.backstop
        backstop = self._w("backstop", lambda: int(self.sw().record.b == last))
        cs.enforce(r.fields["b"] - last, backstop, 0, f"{n}.backstop")
        shrinks = mul(cs, t_fc, 1 - lc(backstop), f"{n}.close_b_gate")
        cs.enforce(shrinks, 1 - lc(red_b), 0, f"{n}.close_counterparty_reduces")
        ends = mul(cs, a.new_size_sel, b.new_size_sel, f"{n}.close_rest")
        into_backstop = mul(cs, self._may_stay(self.long_a, "close_may_stay"), backstop, f"{n}.close_stay_backstop")
        whole = mul(cs, t_fc, 1 - lc(into_backstop), f"{n}.close_whole_gate")
        cs.enforce(whole, ends, 0, f"{n}.close_takes_all")

    def _closed_positions(self, a: AccountLane, ma: Margin) -> None:
        """A paying forced exit (fe_gate) leaves a position open only where ``_may_stay``; every other
        position must be 0: the operator closes it first (FORCED_CLOSE slots)."""
        cs, n = self.cs, self.n
        for m, (size, pos) in enumerate(zip(a.sizes, ma.signs)):
            may_stay = self._may_stay(pos, f"fe_may_stay{m}")
            held = mul(cs, self.fe_gate, size, f"{n}.fe_held{m}")
            cs.enforce(1 - may_stay, held, 0, f"{n}.fe_closed{m}")

    def _signatures(self, a: AccountLane, b: AccountLane) -> None:
        cs, n, r, p = self.cs, self.n, self.r, self.p
        expiry = self._w("expiry", lambda: self.sw().expiry)
        sa, sb = r.any_of(T.WITHDRAW, T.TRADE), r.any_of(T.TRADE, T.LIQUIDATION)
        nonces = mul(cs, sa, a.nonce, f"{n}.nonce_a") + mul(cs, sb, b.nonce, f"{n}.nonce_b") * (1 << 32)
        msg = self._slot_hash([self.g.domain, r.as_int(), nonces, lc(expiry)])
        user = r.any_of(T.WITHDRAW, T.TRADE, T.LIQUIDATION)
        gate = mul(cs, user, lc(expiry) - self.g.time, f"{n}.expiry_gate")
        range_check(cs, gate, AMOUNT_BITS, f"{n}.expiry")  # not expired: 0 ≤ expiry − time < 2^64
        range_check(cs, mul(cs, user, expiry, f"{n}.expiry_u64_gate"), AMOUNT_BITS, f"{n}.expiry_u64")  # as the spec
        self.ftime_sel = dot(cs, r.mflags, [mk.ftime for mk in self.g.markets], f"{n}.ftime_sel")
        cs.enforce(r.t[T.FUNDING], lc(expiry) - self.ftime_sel, 0, f"{n}.funding_binds_time")
        cs.enforce(r.t[T.ORACLE], expiry, 0, f"{n}.oracle_expiry_zero")  # what the oracle signs
        oracle = r.any_of(T.ORACLE, T.FUNDING)
        key_a = tuple(
            k + mul(cs, oracle, o - k, f"{n}.oracle_key{j}") for j, (k, o) in enumerate(zip(a.pk, p.oracle_key))
        )
        self._verify(key_a, msg, r.any_of(T.WITHDRAW, T.TRADE, T.ORACLE, T.FUNDING), lambda: self.sw().sig_a, "sig_a")
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
        cs, n, r, g = self.cs, self.n, self.r, self.g
        t_or, t_fu = r.t[T.ORACLE], r.t[T.FUNDING]
        ts, price = r.fields["amount"], r.fields["price"]
        range_check(cs, mul(cs, t_or, ts - g.time - 1, f"{n}.oracle_gate"), AMOUNT_BITS, f"{n}.oracle_time")
        high = LC({})
        for i, bit in enumerate(r.field_bits["amount"][TIME_BITS:]):
            high = high + lc(bit) * (1 << i)
        cs.enforce(t_or, high, 0, f"{n}.oracle_time_u40")  # a timestamp below 2^40
        nonzero_if(cs, t_or, price, f"{n}.oracle_price_positive")
        time = g.time + mul(cs, t_or, ts - g.time, f"{n}.time")
        delta = self._funding_bound()
        started = is_zero(cs, self.ftime_sel, f"{n}.ftime_unset")  # a first oracle tick starts the clock
        markets = []
        for m, (mk, f) in enumerate(zip(g.markets, r.mflags)):
            om, fm = mul(cs, t_or, f, f"{n}.oracle_m{m}"), mul(cs, t_fu, f, f"{n}.funding_m{m}")
            clock = fm + mul(cs, om, started, f"{n}.clock_m{m}")
            new_price = mk.price + mul(cs, om, price - mk.price, f"{n}.price{m}")
            new_index = mk.index + mul(cs, fm, delta, f"{n}.index{m}")
            new_ftime = mk.ftime + mul(cs, clock, time - mk.ftime, f"{n}.ftime{m}")
            new_ptime = mk.ptime + mul(cs, om, ts - mk.ptime, f"{n}.ptime{m}")
            markets.append(MarketWires(new_price, new_index, new_ftime, new_ptime))
        index_sel = dot(cs, r.mflags, [mk.index for mk in markets], f"{n}.index_sel")
        signed_range_check(cs, mul(cs, t_fu, index_sel, f"{n}.index_gate"), INDEX_BITS, f"{n}.index_range")
        return time, markets

    def _funding_bound(self) -> LC:
        """|Δ|·scale·FUNDING_UNIT ≤ cap·price·(time − funding time), on a market whose clock started;
        returns Δ (the amount field as two's complement)."""
        cs, n, r, p, g = self.cs, self.n, self.r, self.p, self.g
        t_fu, sign = r.t[T.FUNDING], r.field_bits["amount"][63]
        delta = r.fields["amount"] - lc(sign) * (1 << 64)
        nonzero_if(cs, t_fu, self.ftime_sel, f"{n}.funding_started")
        cap, unit = LC({}), LC({})
        for f, cfg in zip(r.mflags, p.markets):
            cap, unit = cap + lc(f) * cfg.funding_cap, unit + lc(f) * (cfg.price_scale * FUNDING_UNIT)
        cap_price = mul(cs, cap, self.oracle_price, f"{n}.funding_cap_price")
        bound = mul(cs, cap_price, g.time - self.ftime_sel, f"{n}.funding_allowance")
        magnitude = delta - mul(cs, sign, delta * 2, f"{n}.funding_abs")  # |Δ|
        used = mul(cs, magnitude, unit, f"{n}.funding_used")
        range_check(cs, mul(cs, t_fu, bound - used, f"{n}.funding_gate"), FUNDING_BITS, f"{n}.funding_bound")
        return delta

    def _slot_hash(self, msg_inputs: list[LC]) -> LC:
        """The slot's one Poseidon(4): the queue step Poseidon(head, kind + a·2^8 + amount·2^32, pk)
        for queued types, else the signed message Poseidon(domain, record, nonces, expiry).
        Each use is gated by the type flags, so one hash serves both (saves a Poseidon a slot)."""
        cs, n, r, g = self.cs, self.n, self.r, self.g
        dep = r.any_of(T.DEPOSIT, T.DEPOSIT_REFUND)  # a refund consumes the deposit's queue item
        amount = mul(cs, dep, r.fields["amount"], f"{n}.queue_amount")
        packed = (
            dep * T.DEPOSIT + lc(r.t[T.FORCED_EXIT]) * T.FORCED_EXIT + r.fields["a"] * (1 << 8) + amount * (1 << 32)
        )
        pk = [mul(cs, dep, self.item_pk[j], f"{n}.queue_pk{j}") for j in range(2)]
        self.queued = queued = r.any_of(*T.QUEUED)
        inputs = [
            m + mul(cs, queued, lc(q) - m, f"{n}.hash_in{j}")
            for j, (q, m) in enumerate(zip([g.queue_head, packed, *pk], msg_inputs))
        ]
        self.hash = lc(poseidon(cs, inputs, f"{n}.hash"))
        return self.hash

    def _queue(self) -> LC:
        """head' = the slot hash for queued types, else head."""
        return lc(select(self.cs, self.queued, self.hash, self.g.queue_head, f"{self.n}.queue_head"))


def in_signed_range(cs: ConstraintSystem, y: LCLike, width: int, k: int, name: str) -> tuple[LC, list[Variable]]:
    """([-2^(width-1) ≤ y < 2^(width-1)], the bits of z) for any |y| + 2^(width-1) < 2^k (k + 5
    constraints); bits below width are those of z = y + 2^(width-1) when y is in range.

    z = y + 2^(width-1) and w = z + 2^k ∈ [0, 2^(k+1)) are decomposed into k + 1 bits: bit k is
    [z ≥ 0], and then z < 2^width iff the bits width..k-1 are all zero.  Outside the bound the
    decomposition (and so the circuit) is unsatisfiable."""
    z = lc(y) + (1 << (width - 1))
    bits = to_bits(cs, z + (1 << k), k + 1, f"{name}.bits")
    high = LC({})
    for i in range(width, k):
        high = high + lc(bits[i]) * (1 << (i - width))
    return lc(mul(cs, bits[k], is_zero(cs, high, f"{name}.high"), f"{name}.ok")), bits


def _reducing(cs: ConstraintSystem, old: LC, new: LC, old_sign: Variable | None, name: str) -> tuple[LC, Variable]:
    """(1 iff the position shrinks toward zero without changing sign: 0 ≤ σ·new ≤ σ·old, σ = ±1 the
    sign of old (0 counts as positive, so from 0 only new = 0 qualifies), [old ≥ 0]).  old_sign, if
    given, is [old ≥ 0] already constrained; new is a signed 48-bit value (range-checked in ``close``)."""
    if old_sign is None:
        old_sign = is_nonnegative(cs, old, SIZE_BITS, f"{name}.old_sign")
    sigma = lc(old_sign) * 2 - 1
    along = mul(cs, sigma, new, f"{name}.along")
    abs_old = mul(cs, sigma, old, f"{name}.abs_old")
    stays = is_nonnegative(cs, along, SIZE_BITS + 1, f"{name}.same_side")
    shrinks = is_nonnegative(cs, abs_old - along, SIZE_BITS + 2, f"{name}.shrinks")
    return mul(cs, stays, shrinks, f"{name}.reducing"), old_sign
